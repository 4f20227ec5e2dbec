"""The rights import document: parties, works, recordings, agreements, consents, terminations,
withdrawals.

Parsed with pydantic into typed records, then checked as a whole (references, share sums, dates)
against itself and the registry. Every problem is collected with its path inside the document;
if there is any, nothing is written. The JSON Schema shipped in docs/ is generated from these
models (`accord rights schema`) and a test keeps the two equal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)

from accord import identifiers
from accord.errors import InvalidInput, Problem
from accord.rights.model import (
    WORLDWIDE,
    ConsentAction,
    Purpose,
    Role,
    Use,
    WithdrawalAction,
)
from accord.timeutil import parse_instant

FORMAT_VERSION = 1


def _exact_decimal(value: object) -> Decimal:
    """Shares are exact: strings or integers; a YAML/JSON float is read by its shortest repr."""
    if isinstance(value, bool):
        raise ValueError("a share must be a number")
    if isinstance(value, Decimal):
        return value
    try:
        d = Decimal(str(value)) if isinstance(value, int | float | str) else None
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite():
        raise ValueError(f"{value!r} is not a decimal number")
    return d


ShareValue = Annotated[Decimal, BeforeValidator(_exact_decimal)]
def _instant(value: object) -> object:
    if not isinstance(value, str | date):
        return value
    try:
        return parse_instant(value)
    except InvalidInput as exc:  # pydantic reports ValueErrors with their location
        raise ValueError(str(exc).removeprefix("time: ")) from None


Instant = Annotated[datetime, BeforeValidator(_instant)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShareDoc(_Strict):
    party: str = Field(description="id of the party holding the share")
    share: ShareValue = Field(description="percent; the shares of one kind sum to exactly 100")

    @field_validator("share")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if v <= 0 or v > 100:
            raise ValueError("a share must be greater than 0 and at most 100")
        return v

    @field_serializer("share")
    def _plain(self, v: Decimal) -> str:
        return format(v.normalize(), "f")


class PartyDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    name: str = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    isni: str | None = Field(default=None, pattern=identifiers.ISNI.pattern)
    ipi: str | None = Field(default=None, pattern=identifiers.IPI.pattern)
    demo: bool = False


class WorkDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    title: str = Field(min_length=1)
    iswc: str | None = Field(default=None, pattern=identifiers.ISWC_SPELLING)
    writers: list[ShareDoc] = Field(default_factory=list)
    publishers: list[ShareDoc] = Field(default_factory=list)
    demo: bool = False

    @field_validator("iswc")
    @classmethod
    def _canonical_iswc(cls, v: str | None) -> str | None:
        """Stored and compared in one form (T and ten digits), so a look-up uses the index."""
        return None if v is None else identifiers.normalise_iswc(v)


class RecordingDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    title: str = Field(min_length=1)
    work: str = Field(description="id of the underlying work")
    isrc: str | None = Field(default=None, pattern=identifiers.ISRC.pattern)
    artists: list[str] = Field(default_factory=list, description="credited performing artists")
    masters: list[ShareDoc] = Field(default_factory=list)
    demo: bool = False


class ItemsDoc(_Strict):
    recordings: list[str] = Field(default_factory=list)
    works: list[str] = Field(default_factory=list)


class AgreementDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    licensor: str = Field(description="id of the rights holder granting the licence")
    title: str = ""
    uses: list[Use] = Field(min_length=1)
    purpose: Purpose = Field(
        description="commercial covers both purposes; non_commercial only non-commercial")
    catalogue: Literal["all"] | ItemsDoc = Field(
        description="'all' of the licensor's catalogue, or the listed recordings and works")
    exclude: ItemsDoc = Field(default_factory=ItemsDoc)
    territories: list[str] = Field(default_factory=lambda: [WORLDWIDE], min_length=1)
    valid_from: Instant
    valid_until: Instant | None = None
    grace_period_days: int = Field(default=0, ge=0)
    revenue_terms: dict = Field(default_factory=dict,
                                description="kept as data for the royalty engine")
    demo: bool = False

    @field_validator("territories")
    @classmethod
    def _territories(cls, v: list[str]) -> list[str]:
        for t in v:
            if t != WORLDWIDE and not (len(t) == 2 and t.isalpha() and t.isupper()):
                raise ValueError(f"{t!r} is not 'WW' or an ISO 3166-1 alpha-2 code")
        return v


class ConsentDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    party: str
    use: Use
    action: ConsentAction
    effective_at: Instant
    reason: str = ""


class TerminationDoc(_Strict):
    id: str = Field(min_length=1, max_length=96)
    agreement: str
    effective_at: Instant
    reason: str = ""


class WithdrawalDoc(_Strict):
    """A recording taken down by its rights holder or distributor (no use of any kind from
    effective_at on), or reinstated."""

    id: str = Field(min_length=1, max_length=96)
    recording: str
    action: WithdrawalAction
    effective_at: Instant
    reason: str = ""


class RightsDocument(_Strict):
    """A batch of registry facts. Ids are the registry's own; references may point at ids
    already in the registry or defined in the same document."""

    accord_rights_document: Literal[1] = Field(description="format version")
    parties: list[PartyDoc] = Field(default_factory=list)
    works: list[WorkDoc] = Field(default_factory=list)
    recordings: list[RecordingDoc] = Field(default_factory=list)
    agreements: list[AgreementDoc] = Field(default_factory=list)
    consents: list[ConsentDoc] = Field(default_factory=list)
    terminations: list[TerminationDoc] = Field(default_factory=list)
    withdrawals: list[WithdrawalDoc] = Field(default_factory=list)


def json_schema() -> dict:
    schema = RightsDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Accord rights import document"
    return schema


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_document(data: object, source: str) -> RightsDocument:
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: the document must be a mapping at the top level")
    try:
        return RightsDocument.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(f"{source}:{_loc(e['loc'])}", e["msg"]) for e in exc.errors()]
        raise InvalidInput(f"{source}: {len(problems)} problem(s); nothing was imported",
                           problems) from None


def load_document(path: Path) -> RightsDocument:
    """Read a JSON or YAML file (YAML is a superset of JSON) and validate its shape."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{source}: cannot read the file ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInput(f"{source}: malformed JSON/YAML{where}: "
                           f"{getattr(exc, 'problem', exc)}") from None
    return parse_document(data, source)
