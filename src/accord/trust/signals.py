"""What the rules read (pure records): everything gathered at the edge about one upload.

The service (accord.trust.service) fills a `Signals` from the fingerprint index, Chromaprint,
the C2PA reader, the artefact detector, the registry (names, consent, permission) and the
uploader's history; the rules (accord.trust.rules) are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.trust.model import Upload


@dataclass(frozen=True)
class CopyMatch:
    """The upload matches a catalogue recording or an earlier upload.

    layer: "chromaprint" (offset-searching bit-error matcher: exact and re-encoded copies) or
    "index" (our pitch/speed-robust fingerprint index). score in [0, 1]; for Chromaprint
    1 - bit_error_rate. coverage: the share of the upload (or of the reference, when it is the
    shorter) that the match places inside the other; a copy covers most of it, a shared passage
    little. weakest: the index's lowest verified share over the upload's windows."""

    reference: str  # "recording:<id>" | "upload:<screening id>" | the index's track id
    layer: str
    score: float
    offset_s: float = 0.0
    bit_error_rate: float | None = None
    matched_hashes: int | None = None
    time_ratio: float | None = None
    pitch_ratio: float | None = None
    same_uploader: bool = False
    coverage: float | None = None
    weakest: float | None = None

    def to_json(self) -> dict:
        out = {"reference": self.reference, "layer": self.layer, "score": round(self.score, 4),
               "offset_s": round(self.offset_s, 3)}
        for k in ("bit_error_rate", "matched_hashes", "time_ratio", "pitch_ratio", "coverage",
                  "weakest"):
            v = getattr(self, k)
            if v is not None:
                out[k] = round(v, 4) if isinstance(v, float) else v
        if self.same_uploader:
            out["same_uploader"] = True
        return out


@dataclass(frozen=True)
class MelodyMatch:
    """A symbolic upload's melody shares melodic n-grams with a catalogue work's canonical MIDI
    (accord.music.ngrams, the memorization guard's measure: transposition- and
    tempo-invariant). coverage: the share of the upload's n-grams found in the work."""

    work_id: str
    title: str
    recordings: tuple[str, ...]  # the registry's recordings of that work
    coverage: float
    longest_run_notes: int
    shared: int  # upload n-grams found in the work
    ngrams: int  # the upload's n-grams
    n: int

    def to_json(self) -> dict:
        return {"work": self.work_id, "title": self.title, "recordings": list(self.recordings),
                "coverage": round(self.coverage, 4), "longest_run_notes": self.longest_run_notes,
                "shared_ngrams": self.shared, "upload_ngrams": self.ngrams, "n": self.n}


@dataclass(frozen=True)
class C2paClaim:
    """A C2PA credential found in the file. ai: an action's digitalSourceType is an AI one."""

    ai: bool
    source_types: tuple[str, ...] = ()
    generator: str = ""
    signature_valid: bool | None = None  # None: not checked against our trust anchors

    def to_json(self) -> dict:
        return {"ai": self.ai, "digital_source_types": list(self.source_types),
                "generator": self.generator, "signature_valid": self.signature_valid}


@dataclass(frozen=True)
class Permission:
    """May the uploader make `use` of the party (the rights permission check's answer)?"""

    use: str
    permitted: bool
    why: str


@dataclass(frozen=True)
class NameMatch:
    """A credited artist or the title resembles a registered performing artist's name."""

    party_id: str
    party_name: str
    field: str  # "artist" | "title"
    given: str  # the text as uploaded
    similarity: float  # in [0, 1]; 1 after normalisation is an exact match
    how: str  # "exact" | "normalised" | "fuzzy" | "contains"
    permission: Permission

    def to_json(self) -> dict:
        return {"party": self.party_id, "name": self.party_name, "field": self.field,
                "given": self.given, "similarity": round(self.similarity, 4), "how": self.how,
                "use": self.permission.use, "permitted": self.permission.permitted,
                "why": self.permission.why}


@dataclass(frozen=True)
class Likeness:
    """How much the upload sounds (voice) or reads (style) like a registered artist."""

    party_id: str
    party_name: str
    similarity: float  # cosine in [-1, 1]
    permission: Permission
    demo: bool = False  # the reference is demo data (e.g. an espeak-ng stand-in voice)

    def to_json(self) -> dict:
        return {"party": self.party_id, "name": self.party_name,
                "similarity": round(self.similarity, 4), "use": self.permission.use,
                "permitted": self.permission.permitted, "why": self.permission.why,
                "demo": self.demo}


@dataclass(frozen=True)
class History:
    """The uploader's recent activity: screenings in the policy's window (this one included)
    and earlier screenings of the same bytes."""

    uploads_in_window: int = 1
    window_s: int = 3600
    same_content: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signals:
    upload: Upload
    copies: tuple[CopyMatch, ...] = ()
    c2pa: C2paClaim | None = None
    artefact_score: float | None = None  # accord.trust.artefact (None: not run, e.g. MIDI)
    artefact_evidence: dict | None = None
    names: tuple[NameMatch, ...] = ()
    voices: tuple[Likeness, ...] = ()
    styles: tuple[Likeness, ...] = ()
    melodies: tuple[MelodyMatch, ...] = ()  # symbolic uploads: catalogue works, most covered first
    history: History = History()
    uploader_party: str | None = None  # the uploader account's own party (an artist uploading)
