"""What an upload declares: title, artists and AI disclosure, from a metadata JSON file or a
DDEX ERN message (read at the edge, with limits; the result is a pure record).

DDEX: the AI names are the catalogue's one table (`accord.catalog.ddex_names`, ERN4_AI_*),
read by the catalogue's own reader through `accord.catalog.service.declared_recording`; every
name there was checked against the ERN 4.3.1 XSD (miqwit/dedex,
xsd/release_notification/431/release-notification.xsd at commit d7cbeb24e31b, avs431.xsd at
23c31f33d626): SoundRecording/ContainsAI and Contributor/AiContribution, valued All, Partly or
None; Release/ContainsAI (ERN 4.3.2) covers the recordings a Release lists (the stronger
declaration wins); Image, Video and Text resources' own ContainsAI are shown as evidence and do
not change the audio's extent. There is no second copy of those names here.

Metadata JSON is Accord's own format (docs/trust.md): `contains_ai` takes the DDEX values
(All / Partly / None), and Accord's boolean keys (`METADATA_FLAGS`) say "AI-made" (all) or name
one area made with AI (partly). Keys are matched case-insensitively, without separators.
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.errors import InvalidInput
from accord.trust.model import Credit, Disclosure

#: Accord's metadata JSON keys (normalised: lower case, letters and digits) -> the extent a
#: true value declares; false everywhere declares human-made ("none").
METADATA_FLAGS = {"aigenerated": "all", "aivocals": "partly", "aiinstrumentation": "partly",
                  "aicomposition": "partly", "ailyrics": "partly", "aipostproduction": "partly"}
#: The metadata key that takes DDEX's ContainsAI values.
METADATA_CONTAINS = "containsai"
#: DDEX ContainsAI values (normalised) -> extent; the same set as ddex_names.ERN4_AI_VALUES.
CONTAINS_VALUES = {"all": "all", "partly": "partly", "none": "none"}
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}
#: extent -> declared AI?
AI_OF = {"all": True, "partly": True, "none": False, None: None}

MAX_METADATA_BYTES = 256 * 1024
MAX_TEXT = 500  # a title or a name longer than this is refused
MAX_ARTISTS = 20


def norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _flag(raw) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = norm(str(raw))
    return True if text in TRUE else False if text in FALSE else None


def _extent(seen: list[str]) -> str | None:
    """The strongest extent said: all > partly > none."""
    for e in ("all", "partly", "none"):
        if e in seen:
            return e
    return None


def disclosure_of(pairs: list[tuple[str, object]], source: str) -> Disclosure:
    """Disclosure from metadata (key, value) pairs: `contains_ai` (All / Partly / None) or
    Accord's flags; the strongest extent said wins (any AI makes it AI); none: silent."""
    seen: list[tuple[str, str, str]] = []
    for name, raw in pairs:
        key = norm(name)
        if isinstance(raw, (dict, list)):
            continue
        if key == METADATA_CONTAINS:
            extent = CONTAINS_VALUES.get(norm(str(raw)))
            if extent is None:
                raise InvalidInput(f"{name}: {str(raw)[:60]!r} is not one of All, Partly, None "
                                   "(DDEX ContainsAI)")
        elif key in METADATA_FLAGS:
            flag = _flag(raw)
            if flag is None:
                continue
            extent = METADATA_FLAGS[key] if flag else "none"
        else:
            continue
        seen.append((name, str(raw)[:60], extent))
    if not seen:
        return Disclosure(None, (), "none")
    extent = _extent([e for *_, e in seen])
    return Disclosure(AI_OF[extent], tuple((n, r) for n, r, _ in seen), source, extent)


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: must be text, not {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{where}: longer than {MAX_TEXT} characters")
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise InvalidInput(f"{where}: contains control characters")
    return value.strip()


def _read_capped(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise InvalidInput(f"{path}: the {what} is {size:,} bytes, over the limit of "
                               f"{limit:,}; nothing was stored")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the {what} ({exc})") from None
    if len(data) > limit:
        raise InvalidInput(f"{path}: the {what} is over the limit of {limit:,} bytes")
    return data


def from_metadata(path: Path) -> tuple[Credit, Disclosure]:
    """Title, artists and disclosure from a metadata JSON object:
    {"title": ..., "artist": "A feat. B" | "artists": [...], "ai_generated": false, ...}."""
    path = Path(path)
    data = _read_capped(path, MAX_METADATA_BYTES, "metadata file")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a JSON document ({exc})") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{path}: the metadata must be a JSON object")
    title = _text(doc.get("title", ""), f"{path}: title")
    raw = doc.get("artists", doc.get("artist", []))
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list) or len(raw) > MAX_ARTISTS:
        raise InvalidInput(f"{path}: artists must be text or a list of at most "
                           f"{MAX_ARTISTS} names")
    artists = tuple(_text(a, f"{path}: artists[{i}]") for i, a in enumerate(raw))
    pairs = list(doc.items())
    if isinstance(doc.get("ai"), dict):
        pairs += list(doc["ai"].items())
    try:
        disclosure = disclosure_of(pairs, "metadata")
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    return Credit(title, artists), disclosure


def from_ddex(path: Path) -> tuple[Credit, Disclosure, str | None]:
    """Title, display artists, disclosure and ISRC from a DDEX ERN message (the first sound
    recording), read by the catalogue (`accord.catalog.service.declared_recording`: its
    hardened XML door and its reader of the verified AI names)."""
    from accord.catalog import service as catalog

    rec = catalog.declared_recording(Path(path))
    title = _text(rec.title, f"{path}: title")
    artists = tuple(_text(a, f"{path}: artist") for a in rec.artists[:MAX_ARTISTS])
    fields: list[tuple[str, str]] = []
    if "contains_ai" in rec.ai:
        fields.append(("ContainsAI", rec.ai["contains_ai"]))
    for who, value in (rec.ai.get("contributor_ai") or {}).items():
        fields.append((f"Contributor[{who}]/AiContribution", value))
    for release, value in (rec.ai.get("release_ai") or {}).items():
        fields.append((f"Release[{release}]/ContainsAI", value))
    for where, value in (rec.ai.get("resource_ai") or {}).items():
        fields.append((f"{where}/ContainsAI", value))
    disclosure = (Disclosure(AI_OF[rec.ai_extent], tuple(fields), "ddex", rec.ai_extent)
                  if rec.ai_extent is not None else Disclosure(None, tuple(fields), "none"))
    return Credit(title, artists), disclosure, rec.isrc
