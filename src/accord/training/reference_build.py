"""Building the reference model's data: a snapshot's pieces as tokens, grouped into tune families,
split train / validation / test by family. Used to train the shipped reference model
(scripts/train-reference.py) and by `accord model reproduce`, so both see the same split.

Deterministic: the pieces come from the snapshot's manifest (content hashes checked against the
catalogue), the families from the melodies of the catalogue's canonical MIDI, the side of each
family from a hash of (seed, family).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from accord.config import Settings
from accord.errors import Refused
from accord.music.ngrams import melody_from_midi
from accord.training import dataset_service, families
from accord.training.data import Piece, dedupe
from accord.training.tokenizer import Tokenizer

#: Held-out shares (validation, test); the rest trains.
FRACTIONS = (0.05, 0.05)

#: Traditions for calibrating the family threshold: a piece of one cannot be a version of a tune
#: of another (up to rare borrowings), so their overlap measures chance sharing of idioms.
TRADITIONS = {
    "essenFolksong": "essen-folk",
    "airdsAirs": "british-isles-folk", "nottingham-dataset": "british-isles-folk",
    "miscFolk": "british-isles-folk", "oneills1850": "british-isles-folk",
    "ryansMammoth": "british-isles-folk",
    "bach": "bach",
}


def tradition(collection: str) -> str:
    return TRADITIONS.get(collection, "art-music")


@dataclass
class Prepared:
    tokenizer: Tokenizer
    train: list[Piece]
    validation: list[Piece]
    test: list[Piece]
    report: dict = field(default_factory=dict)

    def split_of(self) -> dict[str, str]:
        return {p.id: side for side, ps in (("train", self.train), ("validation", self.validation),
                                            ("test", self.test)) for p in ps}


def snapshot_pieces(session: Session, settings: Settings, snapshot_id: str
                    ) -> tuple[list[Piece], Tokenizer, dict[str, Path], dict[str, str]]:
    """(pieces, tokenizer, MIDI path by item, collection by item) of a snapshot."""
    from accord.catalog import service as catalog

    items = dataset_service.items(settings, snapshot_id)
    symbolic = {s.work_id: s for s in catalog.symbolic_items(session, [i.item_id for i in items])}
    tok = Tokenizer.create([a for i in items for a in i.conditioning])
    pieces, paths, colls = [], {}, {}
    for it in items:
        sym = symbolic.get(it.item_id)
        if sym is None or sym.content_hash != it.content_hash:
            raise Refused(f"item {it.item_id} of snapshot {snapshot_id} is no longer in the "
                          "catalogue with the content hash the snapshot froze")
        pieces.append(Piece(it.item_id, tuple(tok.encode(Path(sym.midi_path), it.conditioning))))
        paths[it.item_id] = Path(sym.midi_path)
        colls[it.item_id] = it.collection
    return pieces, tok, paths, colls


def prepare(session: Session, settings: Settings, snapshot_id: str, seed: int = 1337,
            fractions: tuple[float, float] = FRACTIONS, threshold: float | None = None) -> Prepared:
    """Tokens and the grouped split of a snapshot (the threshold calibrated unless given)."""
    pieces, tok, paths, colls = snapshot_pieces(session, settings, snapshot_id)
    kept, dropped = dedupe(pieces)
    melodies = {p.id: melody_from_midi(paths[p.id]) for p in kept}
    cov = families.coverage(melodies)
    group_of = {pid: tradition(colls[pid]) for pid in melodies}
    cal = families.calibrate(cov, group_of)
    t = threshold if threshold is not None else cal["threshold"]
    fams = families.families(cov, t)
    side = families.assign(fams, seed, fractions)
    naive = families.naive_assign([p.id for p in kept], seed, fractions)
    by_side: dict[str, list[Piece]] = {s: [] for s in families.SPLITS}
    for p in kept:
        by_side[side[p.id]].append(p)
    sizes = sorted((len(f) for f in fams), reverse=True)
    report = {
        "snapshot": snapshot_id, "seed": seed, "fractions": list(fractions),
        "pieces": len(pieces), "token_duplicates_dropped": len(dropped),
        "calibration": cal, "threshold": t, "families": len(fams),
        "largest_families": sizes[:5], "pieces_in_multi_families": sum(s for s in sizes if s > 1),
        "split": {s: {"pieces": len(v), "tokens": sum(len(p.ids) for p in v)}
                  for s, v in by_side.items()},
        "near_duplicates": {
            "grouped_validation": families.near_duplicate_share(cov, side, t, "validation"),
            "grouped_test": families.near_duplicate_share(cov, side, t, "test"),
            "by_piece_validation": families.near_duplicate_share(cov, naive, t, "validation"),
            "by_piece_test": families.near_duplicate_share(cov, naive, t, "test"),
        },
    }
    return Prepared(tok, by_side["train"], by_side["validation"], by_side["test"], report)
