"""Who may do what: the one place that decides. Pure: no session, no HTTP.

    can(actor, action, resource) -> Decision(allowed, reason)

Routes describe the resource (its owning parties, or the items an import touches) and ask;
they never decide themselves. Default deny: an action not named below is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from accord.accounts.model import AccountRole


class Action(StrEnum):
    READ_PUBLIC = "public.read"            # public credits pages
    READ_REGISTRY = "registry.read"        # parties, works, recordings, agreements, checks
    CHANGE_CONSENT = "consent.change"      # grant or revoke a use
    READ_CONSENTS = "consent.read"         # a party's consent state and history
    MANAGE_AGREEMENT = "agreement.manage"  # create or terminate
    IMPORT_RIGHTS = "rights.import"        # a rights document
    READ_STATEMENT = "statement.read"      # royalty statements
    READ_MODELS = "models.read"            # dataset snapshots, their manifests, models, cards
    READ_RUNS = "royalties.runs.read"      # royalty runs and their summaries (admins)
    START_RUN = "royalties.run"            # distribute a period (admins)
    REVOKE_API_KEY = "apikey.revoke"       # an API key: its owner account, or an admin
    READ_CATALOGUE = "catalogue.read"      # a holder's catalogue and who in it opted in to what
    GENERATE = "creation.generate"         # create an output
    READ_CREATION = "creation.read"        # a creation job's status and files: its account
    VERIFY_AUDIT = "audit.verify"
    MANAGE_ACCOUNTS = "accounts.manage"
    UPLOAD = "trust.upload"                # offer a track for screening
    READ_SCREENING = "trust.read"          # a screening's decision and evidence: its uploader
    APPEAL_SCREENING = "trust.appeal"      # contest a hold or a rejection: its uploader
    REVIEW_SCREENING = "trust.review"      # the review queue and decisions (admins)
    LISTEN = "dj.listen"                   # build and play one's own DJ sets
    TAKEDOWN = "recording.takedown"        # take a recording down or reinstate it (admins)


@dataclass(frozen=True)
class Actor:
    """Who asks. An anonymous visitor has no role."""

    role: AccountRole | None
    party_id: str | None = None
    account_id: str | None = None

    @property
    def name(self) -> str:
        if self.role is None:
            return "anonymous"
        return f"{self.role.value} {self.party_id}" if self.party_id else self.role.value


ANONYMOUS = Actor(role=None)


@dataclass(frozen=True)
class Resource:
    """What is acted on. owners: the parties whose thing it is (an agreement's licensor, a
    work's publishers, a recording's master owners, a consent's person, a statement's payee;
    for an API key, the account that holds it).
    parts: for a batch (an import document), every item it touches, each a Resource."""

    kind: str
    id: str = ""
    owners: frozenset[str] = frozenset()
    parts: tuple[Resource, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id!r}" if self.id else self.kind


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _allow(reason: str) -> Decision:
    return Decision(True, reason)


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


_HOLDER_KINDS = frozenset({"agreement", "work", "recording", "termination", "party"})


def _owns(actor: Actor, resource: Resource) -> bool:
    return actor.party_id is not None and actor.party_id in resource.owners


def can(actor: Actor, action: Action, resource: Resource | None = None) -> Decision:
    resource = resource or Resource(kind="none")
    if action is Action.READ_PUBLIC:
        return _allow("public credits pages are open to everyone")
    if actor.role is None:
        return _deny("sign in first")
    if actor.role is AccountRole.ADMIN:
        return _allow("admins may do everything")
    role = actor.role
    if action in (Action.READ_REGISTRY, Action.READ_MODELS, Action.GENERATE):
        return _allow(f"every signed-in account may {action.value.split('.')[-1]}")
    if action in (Action.CHANGE_CONSENT, Action.READ_CONSENTS):
        if role not in (AccountRole.ARTIST, AccountRole.SONGWRITER):
            return _deny(f"only the artist or songwriter themselves may "
                         f"{'change' if action is Action.CHANGE_CONSENT else 'read'} consents")
        if not _owns(actor, resource):
            return _deny(f"a party changes and reads only its own consents, not those of "
                         f"{resource.label}")
        return _allow("the party's own consents")
    if action is Action.MANAGE_AGREEMENT:
        if role is not AccountRole.RIGHTS_HOLDER:
            return _deny("only the licensing rights holder manages an agreement")
        if not _owns(actor, resource):
            return _deny(f"a rights holder manages only its own agreements; "
                         f"{resource.label} is licensed by someone else")
        return _allow("the rights holder's own agreement")
    if action is Action.IMPORT_RIGHTS:
        if role is not AccountRole.RIGHTS_HOLDER:
            return _deny("only rights holders import rights documents")
        for part in resource.parts:
            if part.kind == "consent":
                return _deny(f"{part.label}: a party changes only its own consents; "
                             "rights holders cannot import consents")
            if part.kind not in _HOLDER_KINDS:
                return _deny(f"{part.label}: not something a rights holder imports")
            if part.kind == "party" and not part.owners:
                continue  # a new party (e.g. a credited artist) may be introduced
            if not _owns(actor, part):
                return _deny(f"{part.label} is not in {actor.party_id!r}'s own catalogue "
                             "or agreements")
        return _allow("every item touched is the rights holder's own")
    if action is Action.READ_STATEMENT:
        if not _owns(actor, resource):
            return _deny(f"statements are visible to their payee and admins only; "
                         f"{resource.label} is not paid to you")
        return _allow("the payee's own statement")
    if action is Action.READ_CATALOGUE:
        if role is not AccountRole.RIGHTS_HOLDER:
            return _deny("only the rights holder sees its catalogue's opt-ins")
        if not _owns(actor, resource):
            return _deny(f"a rights holder sees only its own catalogue, not {resource.label}")
        return _allow("the rights holder's own catalogue")
    if action is Action.READ_CREATION:
        if actor.account_id is None or actor.account_id not in resource.owners:
            return _deny(f"a creation's status and files are visible to the account that "
                         f"asked for it and admins only; {resource.label} is not yours")
        return _allow("the account's own creation")
    if action is Action.LISTEN:
        if actor.account_id is None or actor.account_id not in resource.owners:
            return _deny(f"a DJ set is built for and played by its own listener (and admins); "
                         f"{resource.label} is not yours")
        return _allow("the listener's own DJ sets")
    if action is Action.REVOKE_API_KEY:
        if actor.account_id is None or actor.account_id not in resource.owners:
            return _deny(f"an account revokes only its own API keys; {resource.label} "
                         "belongs to another account")
        return _allow("the account's own API key")
    if action is Action.UPLOAD:
        return _allow("every signed-in account may upload for screening")
    if action in (Action.READ_SCREENING, Action.APPEAL_SCREENING):
        if actor.account_id is None or actor.account_id not in resource.owners:
            return _deny(f"a screening is visible to and appealed by its uploader (and admins "
                         f"only); {resource.label} is not yours")
        return _allow("the uploader's own screening")
    return _deny(f"{action.value} is for admins only")
