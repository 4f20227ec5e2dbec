"""Rights: parties, works, recordings, agreements, consents, the permission rule, the audit
chain."""
