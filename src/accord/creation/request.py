"""What a user asks for, validated, and the content-addressed id of what it produces. Pure."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from accord.creation import form
from accord.creation.music import parse_key
from accord.creation.styles import STYLES
from accord.errors import InvalidInput, Problem
from accord.rights.model import Purpose

#: The kinds of creation: a new piece; one conditioned on an opted-in artist's style; a
#: continuation or a variation of the user's own MIDI; a derivative of a catalogue work (remix).
KINDS = ("new", "style", "continue", "variation", "derivative")
FORMATS = ("wav", "flac", "mp3")
MAX_BARS = 128
MAX_SECONDS = 300.0
MAX_COUNT = 16
#: Time signatures the tokenizer knows (accord.training.tokenizer's time_signature_range).
METERS = ("1/4", "2/4", "3/4", "4/4", "5/4", "6/4", "3/8", "6/8", "12/8")
#: Accompaniments: a style of accord.creation.styles, "auto" (the style of the collections
#: behind the output) or "none" (the bare melody).
ARRANGEMENTS = ("auto", "none", *STYLES)


def quarters_per_bar(meter: str | None) -> float:
    """Quarter notes in one bar of `meter`; without one, the longest bar of METERS (the model
    chooses the metre, so a length limit has to assume its longest bar)."""
    if meter is None:
        return max(quarters_per_bar(m) for m in METERS)
    num, den = (int(x) for x in meter.split("/"))
    return num * 4 / den


@dataclass(frozen=True)
class Params:
    bars: int | None = 8          # length in bars (new material; in total for a variation)
    seconds: float | None = None  # or in seconds (then the score is cut at that time)
    tempo: float = 120.0          # beats (quarter notes) per minute
    key: str | None = None        # e.g. "D minor": the output is transposed into it
    temperature: float = 1.0      # sampling temperature
    top_p: float = 0.95           # nucleus sampling mass
    seed: int = 0                 # same seed and inputs -> byte-identical MIDI and audio
    prime_bars: int = 2           # bars of the source that prime a variation / derivative
    meter: str | None = None      # e.g. "6/8"; None: the model's first choice, kept throughout
    form: str | None = None       # e.g. "AABB", "ABAC", "AA'BB'" (new and style pieces)
    arrangement: str = "auto"     # accompaniment style (arrange.STYLES), "auto" or "none"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CreationRequest:
    model_id: str
    kind: str = "new"
    params: Params = field(default_factory=Params)
    artist: str | None = None          # style: the party whose style conditions the output
    source_work: str | None = None     # derivative: the catalogue work (id or ISWC)
    source_recording: str | None = None  # derivative: or a recording (id or ISRC) of it
    input_midi: Path | None = None     # continue / variation: the user's own MIDI
    purpose: Purpose = Purpose.NON_COMMERCIAL
    formats: tuple[str, ...] = FORMATS
    count: int = 1                     # outputs, with seeds seed, seed+1, ... (one batch)

    def to_json(self, input_sha256: str | None = None) -> dict:
        return {"model": self.model_id, "kind": self.kind, "params": self.params.to_json(),
                "artist": self.artist, "source_work": self.source_work,
                "source_recording": self.source_recording,
                "input_midi": str(self.input_midi) if self.input_midi else None,
                "input_sha256": input_sha256, "purpose": self.purpose.value,
                "formats": list(self.formats), "count": self.count}


def problems(r: CreationRequest) -> list[Problem]:
    """Every problem with the request, each naming its field (errors as values)."""
    out: list[Problem] = []
    p = r.params
    if r.kind not in KINDS:
        out.append(Problem("kind", f"unknown kind {r.kind!r}; known: {', '.join(KINDS)}"))
    if (p.bars is None) == (p.seconds is None):
        out.append(Problem("length", "give exactly one of --bars or --seconds"))
    if p.bars is not None and not 1 <= p.bars <= MAX_BARS:
        out.append(Problem("--bars", f"must be 1..{MAX_BARS}, got {p.bars}"))
    if p.seconds is not None and not 1.0 <= p.seconds <= MAX_SECONDS:
        out.append(Problem("--seconds", f"must be 1..{MAX_SECONDS:g}, got {p.seconds:g}"))
    if not 30.0 <= p.tempo <= 300.0:
        out.append(Problem("--tempo", f"must be 30..300 beats per minute, got {p.tempo:g}"))
    if not 0.05 <= p.temperature <= 3.0:
        out.append(Problem("--temperature", f"must be 0.05..3, got {p.temperature:g}"))
    if not 0.0 < p.top_p <= 1.0:
        out.append(Problem("--top-p", f"must be in (0, 1], got {p.top_p:g}"))
    if not 0 <= p.seed < 2**63:
        out.append(Problem("--seed", f"must be a non-negative 63-bit integer, got {p.seed}"))
    if not 1 <= p.prime_bars <= 16:
        out.append(Problem("--prime-bars", f"must be 1..16, got {p.prime_bars}"))
    if p.key is not None:
        try:
            parse_key(p.key)
        except InvalidInput as exc:
            out.append(Problem("--key", str(exc)))
    if p.meter is not None and p.meter not in METERS:
        out.append(Problem("--meter", f"unknown time signature {p.meter!r}; known: "
                           f"{', '.join(METERS)}"))
    out += form.problems(p.form, p.bars)
    if p.form is not None and r.kind not in ("new", "style"):
        out.append(Problem("--form", "only new and style pieces take a form"))
    if p.arrangement not in ARRANGEMENTS:
        out.append(Problem("--arrangement", f"unknown arrangement {p.arrangement!r}; known: "
                           f"{', '.join(ARRANGEMENTS)}"))
    if not 1 <= r.count <= MAX_COUNT:
        out.append(Problem("--count", f"must be 1..{MAX_COUNT}, got {r.count}"))
    bad = [f for f in r.formats if f not in FORMATS]
    if bad:
        out.append(Problem("--format", f"unknown {', '.join(bad)}; known: {', '.join(FORMATS)}"))
    needs = {"style": ("artist", r.artist is not None),
             "continue": ("input MIDI", r.input_midi is not None),
             "variation": ("input MIDI", r.input_midi is not None),
             "derivative": ("source work or recording",
                            (r.source_work is None) != (r.source_recording is None))}
    if r.kind in needs and not needs[r.kind][1]:
        out.append(Problem(r.kind, f"a {r.kind} request needs exactly one {needs[r.kind][0]}"))
    if r.kind != "style" and r.artist is not None:
        out.append(Problem("--artist", "only a style request takes an artist"))
    if r.kind != "derivative" and (r.source_work or r.source_recording):
        out.append(Problem("--work", "only a derivative request takes a source work"))
    if r.kind not in ("continue", "variation") and r.input_midi is not None:
        out.append(Problem("--midi", "only continue and variation take an input MIDI"))
    if r.kind == "variation" and p.bars is not None and p.bars <= p.prime_bars:
        out.append(Problem("--bars", f"a variation of {p.bars} bars leaves nothing after its "
                           f"{p.prime_bars} primed bars"))
    if r.input_midi is not None and not Path(r.input_midi).is_file():
        out.append(Problem(str(r.input_midi), "no such file"))
    return out


def validate(r: CreationRequest) -> None:
    found = problems(r)
    if found:
        raise InvalidInput(f"the {r.kind} request is not valid", found)


def output_id(model_id: str, weights_sha256: str, tokenizer: dict, merkle_root: str,
              request: dict, seed: int) -> str:
    """Content address of one output: model, tokenizer, snapshot, request and seed, hashed as
    sorted JSON (the same inputs always name the same output)."""
    blob = json.dumps({"model": model_id, "weights": weights_sha256,
                       "tokenizer": hashlib.sha256(json.dumps(tokenizer, sort_keys=True)
                                                   .encode()).hexdigest(),
                       "snapshot": merkle_root, "request": request, "seed": seed},
                      sort_keys=True, separators=(",", ":"))
    return "out-" + hashlib.sha256(blob.encode()).hexdigest()[:20]
