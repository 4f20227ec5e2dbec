"""The distribution policy: a versioned, declarative TOML file validated with pydantic.

Every run records the policy's version and the SHA-256 of its canonical JSON form, so a result
can always be traced to the exact rules that produced it. See docs/royalties.md.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accord.errors import InvalidInput, Problem
from accord.royalties.model import PPM, ppm

DEFAULT_POLICY = Path(__file__).parent / "default_policy.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _fraction(v) -> Decimal:
    if isinstance(v, float):
        raise ValueError("write fractions as strings (\"0.25\"), never floats")
    d = Decimal(str(v))
    if not (0 <= d <= 1):
        raise ValueError(f"{v} is not between 0 and 1")
    ppm(d)
    return d


class Meta(_Strict):
    name: str
    version: str = Field(min_length=1)


class Pool(_Strict):
    fraction: Decimal  # of revenue, the rest is retained by the platform

    _f = field_validator("fraction", mode="before")(_fraction)


class Split(_Strict):
    training: Decimal  # of the pool, to the works in the used models' snapshots
    training_weighting: Literal["equal", "tokens", "seconds"] = "equal"
    conditioning: Decimal  # of the output pool, to conditioning credits
    source: Decimal  # of the output pool, to a derivative's source works

    _f = field_validator("training", "conditioning", "source", mode="before")(_fraction)

    @model_validator(mode="after")
    def _sum(self):
        if self.conditioning + self.source > 1:
            raise ValueError("conditioning + source exceed the output pool")
        return self


class Units(_Strict):
    generated: int = Field(ge=0)
    streamed: int = Field(ge=0)
    downloaded: int = Field(ge=0)
    played: int = Field(ge=0)
    # how a `played` event counts: "play" = `played` units per play; "second" = `played` units
    # per millisecond of its `seconds` (a DJ play's charged time), exact integers
    played_per: Literal["play", "second"] = "play"


class Rights(_Strict):
    master_side: Decimal  # of a recording's money to its master holders; rest to publishing
    writer_share: Decimal  # of publishing money to writers; rest to publishers
    agreement_terms: bool = True  # a master holder's revenue_terms.master_share_of_pool wins

    _f = field_validator("master_side", "writer_share", mode="before")(_fraction)


class Thresholds(_Strict):
    minimum_item_units: int = Field(default=0, ge=0)
    minimum_payout: dict[str, str] = Field(default_factory=dict)  # currency -> major units

    @field_validator("minimum_payout")
    @classmethod
    def _amounts(cls, v: dict[str, str]):
        from accord.royalties.money import Money

        for cur, amount in v.items():
            if isinstance(amount, float):
                raise ValueError("write amounts as strings")
            if Money.parse(amount, cur).minor < 0:
                raise ValueError("minimum payout must be non-negative")
        return v


class Policy(_Strict):
    policy: Meta
    pool: Pool
    split: Split
    units: Units
    rights: Rights
    thresholds: Thresholds = Thresholds()

    def canonical(self) -> str:
        data = self.model_dump(mode="json")
        if data["units"]["played_per"] == "play":  # the default: hashes as before it existed
            del data["units"]["played_per"]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    @property
    def version(self) -> str:
        return self.policy.version

    def unit_weights(self) -> dict[str, int]:
        return self.units.model_dump(exclude={"played_per"})

    def minimum_payout_minor(self, currency: str) -> int:
        from accord.royalties.money import Money

        amount = self.thresholds.minimum_payout.get(currency)
        return 0 if amount is None else Money.parse(amount, currency).minor

    def role_ppm(self) -> dict[str, int]:
        c, s = ppm(self.split.conditioning), ppm(self.split.source)
        return {"training": PPM - c - s, "conditioning": c, "source": s}


def parse_policy(text: str, where: str = "policy") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{where}: not valid TOML: {exc}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"{where}: invalid policy", [
            Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]) from None


def load_policy(path: Path | None = None) -> Policy:
    path = Path(path) if path else DEFAULT_POLICY
    if not path.exists():
        raise InvalidInput(f"no policy file at {path}")
    return parse_policy(path.read_text(encoding="utf-8"), str(path))
