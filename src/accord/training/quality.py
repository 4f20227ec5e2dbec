"""Quality of a trained model beyond its loss.

1. Validation nats per token and bits per note, next to the smoothed 5-gram baseline scored on
   exactly the same tokens (the same split, made after deduplication).
2. Statistics of sampled pieces vs held-out real pieces, with MusPy: pitch-class entropy, scale
   consistency, groove consistency, empty-beat rate, polyphony, reported as gaps
   (mean over samples minus mean over real pieces; 0 is best).
"""

from __future__ import annotations

import math
import statistics
import tempfile
from pathlib import Path

import muspy
import symusic
import torch

from accord.training.data import Piece
from accord.training.model import Transformer
from accord.training.ngram import KneserNey
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import evaluate

METRICS = ("pitch_class_entropy", "scale_consistency", "groove_consistency",
           "empty_beat_rate", "polyphony")


def losses(model: Transformer, tokenizer: Tokenizer, train: list[Piece],
           val: list[Piece], order: int = 5) -> dict:
    """Model and n-gram nats/token and bits/note on the validation pieces."""
    ev = evaluate(model, val)
    ngram = KneserNey(tokenizer.vocab_size, order).fit(p.ids for p in train)
    scored = [ngram.score(p.ids) for p in val]
    ng_nats, ng_n = sum(s[0] for s in scored), sum(s[1] for s in scored)
    pitch = tokenizer.pitch_ids()
    notes = sum(1 for p in val for t in p.ids if t in pitch)
    return {
        "val_nats_per_token": ev["loss"],
        "val_bits_per_note": ev["nats"] / math.log(2) / max(1, notes),
        f"ngram{order}_nats_per_token": ng_nats / max(1, ng_n),
        f"ngram{order}_bits_per_note": ng_nats / math.log(2) / max(1, notes),
        "val_tokens": ev["targets"], "val_notes": notes, "val_pieces": len(val),
        "beats_ngram": ev["loss"] < ng_nats / max(1, ng_n),
    }


def muspy_music(score: symusic.Score) -> muspy.Music | None:
    """The score as MusPy reads it (through a MIDI file: MusPy takes no symusic object), or
    None for a score without notes."""
    if score.note_num() == 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.mid"
        score.dump_midi(str(path))
        return muspy.read_midi(str(path))


def _stats(score: symusic.Score) -> dict[str, float] | None:
    music = muspy_music(score)
    if music is None:
        return None
    values = {
        "pitch_class_entropy": muspy.pitch_class_entropy(music),
        "scale_consistency": muspy.scale_consistency(music),
        "groove_consistency": muspy.groove_consistency(music, music.resolution * 4),
        "empty_beat_rate": muspy.empty_beat_rate(music),
        "polyphony": muspy.polyphony(music),
    }
    return {k: float(v) for k, v in values.items() if v is not None and not math.isnan(v)}


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    return {m: statistics.fmean(r[m] for r in rows if m in r) for m in METRICS
            if any(m in r for r in rows)}


def sample_gaps(model: Transformer, tokenizer: Tokenizer, real: list[Piece], samples: int,
                max_tokens: int = 320, seed: int = 0) -> dict:
    """MusPy statistics of `samples` unconditioned samples vs the real pieces, as gaps."""
    g = torch.Generator().manual_seed(seed)
    sampled = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one token at a time: threads only add overhead
    try:
        for _ in range(samples):
            ids = model.generate([tokenizer.bos_id], max_tokens, temperature=1.0,
                                 stop_id=tokenizer.eos_id, generator=g)
            s = _stats(tokenizer.decode(ids))
            if s is not None:
                sampled.append(s)
    finally:
        torch.set_num_threads(threads)
    real_rows = [s for s in (_stats(tokenizer.decode(list(p.ids))) for p in real) if s]
    if not sampled or not real_rows:
        return {"samples": len(sampled), "real": len(real_rows), "gaps": {}}
    ms, mr = _means(sampled), _means(real_rows)
    return {"samples": len(sampled), "real": len(real_rows), "sampled": ms, "real_means": mr,
            "gaps": {k: ms[k] - mr[k] for k in ms if k in mr}}


def _nats_bits(model: Transformer, tokenizer: Tokenizer, pieces: list[Piece]) -> dict:
    ev = evaluate(model, pieces)
    pitch = tokenizer.pitch_ids()
    notes = sum(1 for p in pieces for t in p.ids if t in pitch)
    return {"nats_per_token": ev["loss"], "bits_per_note": ev["nats"] / math.log(2) / max(1, notes),
            "tokens": ev["targets"], "notes": notes, "pieces": len(pieces)}


def _ngram_score(m, tokenizer: Tokenizer, pieces: list[Piece]) -> tuple[float, float]:
    s = [m.score(p.ids) for p in pieces]
    nats, n = sum(x[0] for x in s), sum(x[1] for x in s)
    pitch = tokenizer.pitch_ids()
    notes = sum(1 for p in pieces for t in p.ids if t in pitch)
    return nats / max(1, n), nats / math.log(2) / max(1, notes)


def ngram_report(tokenizer: Tokenizer, train: list[Piece], validation: list[Piece],
                 test: list[Piece], orders: tuple[int, ...] = (3, 4, 5, 6, 7, 8)) -> dict:
    """Modified Kneser-Ney n-grams of every order (fitted on train, the order chosen on
    validation, reported on test) and the plain interpolated Kneser-Ney 5-gram."""
    from accord.training.ngram import ModifiedKneserNey, NgramCounts

    counts = NgramCounts(tokenizer.vocab_size, max(orders)).fit(p.ids for p in train)
    by_order = {n: _ngram_score(ModifiedKneserNey(counts, n), tokenizer, validation)[0]
                for n in orders}
    best = min(by_order, key=by_order.get)
    by_order_test = {n: _ngram_score(ModifiedKneserNey(counts, n), tokenizer, test)
                     for n in orders}
    kn5 = KneserNey(tokenizer.vocab_size, 5).fit(p.ids for p in train)
    return {"ngram_mkn_val_by_order": by_order,
            "ngram_mkn_test_by_order": {n: v[0] for n, v in by_order_test.items()},
            "ngram_best_order": best, "ngram_test_nats_per_token": by_order_test[best][0],
            "ngram_test_bits_per_note": by_order_test[best][1],
            "kn5_plain_val_nats_per_token": _ngram_score(kn5, tokenizer, validation)[0],
            "kn5_plain_test_nats_per_token": _ngram_score(kn5, tokenizer, test)[0]}


def held_out_report(model: Transformer, tokenizer: Tokenizer, train: list[Piece],
                    validation: list[Piece], test: list[Piece],
                    orders: tuple[int, ...] = (3, 4, 5, 6, 7, 8), ngrams: dict | None = None
                    ) -> dict:
    """The model on validation and test beside `ngram_report` (computed unless given), all on
    exactly the same targets."""
    val, tst = _nats_bits(model, tokenizer, validation), _nats_bits(model, tokenizer, test)
    ng = ngrams if ngrams is not None else ngram_report(tokenizer, train, validation, test,
                                                        orders)
    return {
        "val_nats_per_token": val["nats_per_token"], "val_bits_per_note": val["bits_per_note"],
        "test_nats_per_token": tst["nats_per_token"], "test_bits_per_note": tst["bits_per_note"],
        "val_tokens": val["tokens"], "test_tokens": tst["tokens"], "test_notes": tst["notes"],
        "test_pieces": tst["pieces"], "val_pieces": val["pieces"], **ng,
        "vs_ngram_percent": round(100 * (tst["nats_per_token"] / ng["ngram_test_nats_per_token"]
                                         - 1), 1),
        "beats_ngram": tst["nats_per_token"] < ng["ngram_test_nats_per_token"],
    }
