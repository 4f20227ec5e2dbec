"""What an upload declares: title, artists and AI disclosure, from a metadata JSON file or a
DDEX ERN message (read at the edge, with limits; the result is a pure record).

One table of disclosure field names (`AI_FIELDS`) serves both sources: metadata keys and
DDEX element local names are matched case-insensitively, without separators. DDEX ERN 4.3
itself signals vocals and instrumentation (`IsInstrumental`, `HasVocalPerformance`); the AI
disclosure elements came with ERN 4.3.1/4.3.2 (an origin with five values from FULLY_HUMAN to
FULLY_AI, and per-area flags for vocals, instrumentation, composition and post-production)
and with platform extensions ("ContainsAI"-style booleans). The names below follow the public
descriptions of those fields; where a delivery uses another spelling, add it here (one place).
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.errors import InvalidInput
from accord.trust.model import Credit, Disclosure

#: normalised field name -> what it says. "flag": a boolean, true = AI involved;
#: "origin": one of ORIGINS. Normalised: lower case, letters and digits only.
AI_FIELDS = {
    "containsai": "flag", "isaigenerated": "flag", "aigenerated": "flag",
    "containsaigeneratedcontent": "flag", "aidisclosure": "flag",
    "aivocals": "flag", "hasaivocals": "flag", "isaivocal": "flag",
    "aigeneratedvocals": "flag", "hasaigeneratedvocalperformance": "flag",
    "aiinstrumentation": "flag", "hasaiinstrumentation": "flag",
    "aigeneratedinstrumentation": "flag", "hasaigeneratedinstrumentalperformance": "flag",
    "aicompositional": "flag", "aicomposition": "flag", "aipostproduction": "flag",
    "ailyrics": "flag", "syntheticvoice": "flag",
    "aiorigin": "origin", "creationorigin": "origin", "aiusage": "origin",
    "aiinvolvement": "origin",
}
#: origin value (normalised) -> AI involved?
ORIGINS = {"fullyhuman": False, "humanwithaiassist": True, "aiwithhumanmod": True,
           "aiwithhumanguide": True, "fullyai": True, "none": False, "human": False}
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}

MAX_METADATA_BYTES = 256 * 1024
MAX_TEXT = 500  # a title or a name longer than this is refused
MAX_ARTISTS = 20


def norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _value(kind: str, raw) -> bool | None:
    text = norm(str(raw)) if not isinstance(raw, bool) else ("true" if raw else "false")
    if kind == "flag":
        return True if text in TRUE else False if text in FALSE else None
    return ORIGINS.get(text)


def disclosure_of(pairs: list[tuple[str, object]], source: str) -> Disclosure:
    """Disclosure from (field name, value) pairs: any field saying AI makes it AI; fields that
    all say human make it human; none: silent."""
    seen = []
    for name, raw in pairs:
        kind = AI_FIELDS.get(norm(name))
        if kind is None or isinstance(raw, (dict, list)):
            continue
        v = _value(kind, raw)
        if v is not None:
            seen.append((name, str(raw)[:60], v))
    if not seen:
        return Disclosure(None, (), "none")
    return Disclosure(any(v for *_, v in seen), tuple((n, r) for n, r, _ in seen), source)


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
    return Credit(title, artists), disclosure_of(pairs, "metadata")


def from_ddex(path: Path) -> tuple[Credit, Disclosure, str | None]:
    """Title, display artists, disclosure and ISRC from a DDEX ERN message (the first sound
    recording), read through the catalogue's hardened XML door (accord.catalog.ddex_xml)."""
    from accord.catalog.ddex_xml import XmlLimits, load

    _, root = load(Path(path), XmlLimits(max_bytes=5 * 1024 * 1024, max_elements=50_000))

    def local(el) -> str:
        return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""

    recordings = [el for el in root.iter() if local(el) == "SoundRecording"]
    scope = recordings[0] if recordings else root
    title = ""
    for el in scope.iter():
        if local(el) in ("DisplayTitleText", "TitleText") and (el.text or "").strip():
            title = _text(el.text, f"{path}: title")
            break
    names = {}
    for party in root.iter():
        if local(party) == "Party":
            ref = next((c.text for c in party.iter() if local(c) == "PartyReference"), None)
            full = next((c.text for c in party.iter() if local(c) == "FullName"), None)
            if ref and full:
                names[ref.strip()] = full.strip()
    artists = []
    for el in scope.iter():
        if local(el) in ("DisplayArtistName",) and (el.text or "").strip():
            artists.append(_text(el.text, f"{path}: artist"))
        elif local(el) == "ArtistPartyReference" and (el.text or "").strip() in names:
            artists.append(_text(names[el.text.strip()], f"{path}: artist"))
    pairs = [(local(el), (el.text or "").strip()) for el in scope.iter()
             if norm(local(el)) in AI_FIELDS]
    isrc = next(((el.text or "").strip() for el in scope.iter()
                 if local(el) == "ISRC" and (el.text or "").strip()), None)
    return (Credit(title, tuple(dict.fromkeys(artists))[:MAX_ARTISTS]),
            disclosure_of(pairs, "ddex"), isrc)
