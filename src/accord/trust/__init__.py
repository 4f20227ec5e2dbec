"""Upload screening (`accord.trust`): re-uploads, undisclosed AI, impersonation and spam.

Flags reach the royalty engine through `accord.workflows.hooks`, which registers
`trust.service.royalty_exclusions` with `accord.royalties.exclusions`."""
