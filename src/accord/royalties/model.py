"""Input and output records of the royalty engine: frozen, typed, free of storage.

Attribution (credits per output) and training (snapshot contributions per model) are separate
contexts; these records are the contract with them. Shares are exact: credit shares are Decimal
fractions of 1 with at most 6 decimals (held as integer parts per million), ownership factors
are integers over `FACTOR_SCALE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

PPM = 1_000_000
#: An item's money reaches a holder through three fractions of 1, each exact in ppm:
#: side (master/publishing) x split (writers/publishers) x ownership share.
FACTOR_SCALE = PPM**3
UNALLOCATED = "royalties:unallocated"
PLATFORM = "platform:retained"


class UsageKind(StrEnum):
    GENERATED = "generated"
    STREAMED = "streamed"
    DOWNLOADED = "downloaded"
    PLAYED = "played"  # a catalogue recording played by the DJ (no output, no credits)


OUTPUT_KINDS = frozenset({UsageKind.GENERATED, UsageKind.STREAMED, UsageKind.DOWNLOADED})


class ItemKind(StrEnum):
    WORK = "work"
    RECORDING = "recording"


class CreditRole(StrEnum):
    TRAINING = "training"
    CONDITIONING = "conditioning"
    SOURCE = "source"


@dataclass(frozen=True)
class UsageEvent:
    event_id: str  # idempotency key
    kind: UsageKind
    feature: str
    period: str  # YYYY-MM, from the time it happened
    output_id: str = ""  # output kinds
    model_id: str = ""  # output kinds
    recording_id: str = ""  # played
    seconds_ms: int = 0  # how long it was used (a DJ play's charged milliseconds); optional


@dataclass(frozen=True)
class Credit:
    output_id: str
    item_kind: ItemKind
    item_id: str
    share_ppm: int  # the shares of one output sum to PPM
    role: CreditRole


@dataclass(frozen=True)
class Contribution:
    model_id: str
    work_id: str
    tokens: int
    seconds_ms: int


@dataclass(frozen=True)
class RevenueEvent:
    event_id: str
    feature: str
    period: str
    territory: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class Holder:
    """One holder's part of an item's money: factor / FACTOR_SCALE of it (factors of an item
    sum to FACTOR_SCALE)."""

    item_kind: ItemKind
    item_id: str
    payee_id: str
    side: str  # master | publishing
    role: str  # label, publisher, songwriter
    factor: int


@dataclass(frozen=True)
class Line:
    """An aggregated weight: payee's part of one item in one sub-pool of one feature."""

    feature: str
    subpool: str
    model_id: str
    item_kind: str
    item_id: str
    payee_id: str
    side: str
    units: int
    weight: int
    factor: int  # the payee's part of the item, over FACTOR_SCALE


@dataclass(frozen=True)
class Aggregate:
    """What an engine (pure Python, DuckDB or Spark) hands to the distribution step."""

    lines: tuple[Line, ...]
    #: (feature, subpool-kind) units: ("create", "output") / ("create", "play") /
    #: ("create", "model:<id>") -- they size the sub-pools.
    units: dict[tuple[str, str], int]


def ppm(value: Decimal | str, where: str = "share") -> int:
    """An exact fraction of 1 with at most 6 decimals, as integer parts per million."""
    d = Decimal(str(value))
    scaled = d * PPM
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{where}: {value} has more than 6 decimals")
    return int(scaled)


def period_ok(period: str) -> bool:
    return (len(period) == 7 and period[4] == "-" and period[:4].isdigit()
            and period[5:].isdigit() and 1 <= int(period[5:]) <= 12)


def next_period(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC: its first instant and the next period's first."""
    if not period_ok(period):
        raise ValueError(f"bad period {period!r}")
    nxt = next_period(period)
    return (datetime(int(period[:4]), int(period[5:]), 1, tzinfo=UTC),
            datetime(int(nxt[:4]), int(nxt[5:]), 1, tzinfo=UTC))


def last_instant(period: str) -> datetime:
    """The last instant of a period (one microsecond before the next begins)."""
    return period_bounds(period)[1] - timedelta(microseconds=1)
