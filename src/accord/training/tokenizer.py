"""The one tokenizer: miditok REMI without BPE, plus optional conditioning prefix tokens.

A piece becomes  [ARTIST tokens...] BOS  Bar Position Pitch Duration ...  EOS.
All tracks are merged into one stream first (REMI orders simultaneous notes by position, so
polyphony survives). Velocities are left out: the catalogue's symbolic scores carry none.

Conditioning tokens (`Artist_<party id>`) exist only for writers and artists who had opted in to
`style` when the snapshot was frozen; items by anyone else train unconditioned. They are appended
after miditok's vocabulary, so the miditok part is a stock REMI and its ids never move.

`tokenizer.json` (saved beside every model) records miditok's own parameters (which include the
miditok and symusic versions), the conditioning vocabulary and the versions of this code's
libraries. Load it back with `Tokenizer.load`; `save` then `load` gives an equal tokenizer.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import miditok
import symusic

from accord.atomic import write_text

ARTIST_PREFIX = "Artist_"
FORMAT = "accord-tokenizer/1"


def _remi_config() -> miditok.TokenizerConfig:
    return miditok.TokenizerConfig(
        pitch_range=(21, 109),
        beat_res={(0, 4): 8, (4, 12): 4},  # 1/8-beat grid inside 4 beats, 1/4-beat beyond
        use_velocities=False,
        use_time_signatures=True,
        use_tempos=False,
        # keys in ascending order: tokenizer.json is written with sorted keys, and miditok
        # builds the TimeSig vocabulary in this dict's order
        time_signature_range={4: [1, 2, 3, 4, 5, 6], 8: [3, 6, 12]},
        special_tokens=["PAD", "BOS", "EOS"],
    )


def merge_tracks(score: symusic.Score, known_time_signatures=None) -> symusic.Score:
    """One track holding every non-drum note of the score (in tick order).

    A time signature the vocabulary does not know (e.g. 4/2) becomes 4/4, so that encoding
    never depends on how miditok handles an unknown one.
    """
    out = symusic.Score(score.ticks_per_quarter)
    for ts in score.time_signatures:
        if known_time_signatures is not None and \
                (ts.numerator, ts.denominator) not in known_time_signatures:
            ts = symusic.TimeSignature(ts.time, 4, 4)
        out.time_signatures.append(ts)
    for t in score.tempos:
        out.tempos.append(t)
    track = symusic.Track("merged", program=0)
    for t in score.tracks:
        if not t.is_drum:
            for n in t.notes:
                track.notes.append(n)
    track.notes.sort(key=lambda n: (n.time, n.pitch))
    out.tracks.append(track)
    return out


@dataclass
class Tokenizer:
    """miditok REMI plus the conditioning vocabulary of one snapshot."""

    remi: miditok.REMI
    artists: tuple[str, ...] = ()

    @classmethod
    def create(cls, artists: tuple[str, ...] | list[str] = ()) -> Tokenizer:
        return cls(miditok.REMI(_remi_config()), tuple(sorted(set(artists))))

    # --- vocabulary -----------------------------------------------------------------------------
    @property
    def base_size(self) -> int:
        return len(self.remi)

    @property
    def vocab_size(self) -> int:
        return self.base_size + len(self.artists)

    @property
    def pad_id(self) -> int:
        return self.remi.vocab["PAD_None"]

    @property
    def bos_id(self) -> int:
        return self.remi.vocab["BOS_None"]

    @property
    def eos_id(self) -> int:
        return self.remi.vocab["EOS_None"]

    def artist_id(self, party_id: str) -> int:
        return self.base_size + self.artists.index(party_id)

    def token_name(self, i: int) -> str:
        if i >= self.base_size:
            return ARTIST_PREFIX + self.artists[i - self.base_size]
        return self.remi[i]

    def pitch_ids(self) -> frozenset[int]:
        """Ids of Pitch tokens: one per note (for bits per note)."""
        return frozenset(i for tok, i in self.remi.vocab.items() if tok.startswith("Pitch_"))

    # --- encode / decode ------------------------------------------------------------------------
    def encode(self, midi: Path | symusic.Score, artists: tuple[str, ...] = ()) -> list[int]:
        """Token ids of one piece: conditioning prefix (opted-in artists only), BOS, REMI, EOS."""
        score = midi if isinstance(midi, symusic.Score) else symusic.Score(str(midi))
        seqs = self.remi.encode(merge_tracks(score, set(self.remi.time_signatures)))
        seq = seqs[0] if isinstance(seqs, list) else seqs
        prefix = [self.artist_id(a) for a in sorted(set(artists)) if a in self.artists]
        return prefix + [self.bos_id, *seq.ids, self.eos_id]

    def decode(self, ids: list[int]) -> symusic.Score:
        """A score from token ids; conditioning and special tokens are dropped."""
        specials = {self.pad_id, self.bos_id, self.eos_id}
        body = [i for i in ids if i < self.base_size and i not in specials]
        return self.remi.decode([body])

    # --- persistence ----------------------------------------------------------------------------
    def to_json(self) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "remi.json"
            self.remi.save(path)
            remi = json.loads(path.read_text())
        return {
            "format": FORMAT,
            "tokenization": "REMI",
            "bpe": False,
            "remi": remi,
            "conditioning": {"prefix": ARTIST_PREFIX, "artists": list(self.artists)},
            "vocab": [self.token_name(i) for i in range(self.vocab_size)],
            "versions": {p: version(p) for p in ("miditok", "symusic", "torch")},
        }

    @classmethod
    def from_json(cls, data: dict) -> Tokenizer:
        if data.get("format") != FORMAT:
            raise ValueError(f"not an Accord tokenizer config (format {data.get('format')!r})")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "remi.json"
            path.write_text(json.dumps(data["remi"]))
            remi = miditok.REMI(params=path)
        tok = cls(remi, tuple(data["conditioning"]["artists"]))
        if "vocab" in data and [tok.token_name(i) for i in range(tok.vocab_size)] != data["vocab"]:
            raise ValueError("this miditok builds a different vocabulary from the saved config; "
                             f"saved with {data.get('versions')}")
        return tok

    def save(self, path: Path) -> None:
        write_text(path, json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> Tokenizer:
        return cls.from_json(json.loads(Path(path).read_text()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tokenizer):
            return NotImplemented
        mine, theirs = self.to_json(), other.to_json()
        return mine["remi"] == theirs["remi"] and mine["vocab"] == theirs["vocab"]
