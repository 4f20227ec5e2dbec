"""Account records: frozen and free of storage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountRole(StrEnum):
    """What an account is. Artists, songwriters and rights holders act for one party."""

    ARTIST = "artist"
    SONGWRITER = "songwriter"
    RIGHTS_HOLDER = "rights_holder"
    FAN = "fan"
    ADMIN = "admin"


#: Roles that act for a party (and must be linked to one).
PARTY_ROLES = frozenset({AccountRole.ARTIST, AccountRole.SONGWRITER, AccountRole.RIGHTS_HOLDER})


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: AccountRole
    party_id: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "email": self.email, "role": self.role.value,
                "party": self.party_id}
