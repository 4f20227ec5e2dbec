"""Domain records of the rights registry: frozen, typed, free of storage.

Shares are exact Decimals in percent; every list of shares of one kind sums to exactly 100.
Consents and agreement terminations are events: a change is a new record, never an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Use(StrEnum):
    """A named AI use of catalogue material. Add members here to grow the vocabulary."""

    TRAIN = "train"
    STYLE = "style"
    VOICE = "voice"
    REMIX = "remix"
    DJ = "dj"


class Purpose(StrEnum):
    """Why a use happens. A non-commercial agreement never covers a commercial purpose."""

    COMMERCIAL = "commercial"
    NON_COMMERCIAL = "non_commercial"


class Role(StrEnum):
    PERFORMING_ARTIST = "performing_artist"
    SONGWRITER = "songwriter"
    LABEL = "label"
    PUBLISHER = "publisher"
    DISTRIBUTOR = "distributor"
    RIGHTS_ORGANISATION = "rights_organisation"


#: Roles of people who give (or withhold) their own consent.
PERSON_ROLES = frozenset({Role.PERFORMING_ARTIST, Role.SONGWRITER})


class ConsentAction(StrEnum):
    OPT_IN = "opt_in"
    REVOKE = "revoke"


class WithdrawalAction(StrEnum):
    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"


WORLDWIDE = "WW"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Share:
    party_id: str
    share: Decimal  # percent


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    roles: frozenset[Role]
    isni: str | None = None
    ipi: str | None = None
    demo: bool = False


@dataclass(frozen=True)
class WorkRights:
    """What the permission rule needs to know about a musical work."""

    work_id: str
    writers: tuple[Share, ...]
    publishers: tuple[Share, ...]


@dataclass(frozen=True)
class RecordingRights:
    """What the permission rule needs to know about a recording (and its underlying work)."""

    recording_id: str
    work: WorkRights
    artists: tuple[str, ...]
    masters: tuple[Share, ...]


@dataclass(frozen=True)
class Agreement:
    """A licence from a rights holder to the platform for named uses of (part of) its catalogue.

    catalogue_all: covers everything the licensor holds; otherwise only the listed items.
    Listed and excluded items are ids of recordings (master side) or works (publishing side).
    """

    id: str
    licensor_id: str
    uses: frozenset[Use]
    purpose: Purpose
    valid_from: datetime
    valid_until: datetime | None = None
    territories: frozenset[str] = frozenset({WORLDWIDE})
    catalogue_all: bool = True
    items: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    grace_period_days: int = 0
    revenue_terms: dict = field(default_factory=dict, compare=False, hash=False)
    title: str = ""
    demo: bool = False


@dataclass(frozen=True)
class AgreementTermination:
    """An agreement ends early from effective_at (a new event; the agreement is not edited)."""

    id: str
    agreement_id: str
    effective_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ConsentEvent:
    """A person's own opt-in to, or revocation of, one use, from effective_at on."""

    id: str
    party_id: str
    use: Use
    action: ConsentAction
    effective_at: datetime
    reason: str = ""
    recorded_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Withdrawal:
    """A recording taken down (no use of any kind from effective_at on) or put back, e.g. by
    a distributor's DDEX takedown. An event: a later reinstatement is a new one."""

    id: str
    recording_id: str
    action: WithdrawalAction
    effective_at: datetime
    reason: str = ""
