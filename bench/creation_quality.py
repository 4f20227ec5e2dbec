"""Issue 16's creation figures (run through bench/creation.py: `quality` and `e2e`; see there).

Every model is a registered model of a home, named by id; the n-gram is a Kneser-Ney 5-gram
(accord.training.ngram) fitted on the tokens of the first model's training snapshot, sampled
through the same constrained decoder (its log-probabilities serve as logits).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from accord.config import Settings
from accord.creation import compose, constraints, guard, service, wellformed
from accord.creation.music import parse_key
from accord.creation.request import CreationRequest, Params
from accord.creation.sampling import Sampling, draw
from accord.db.engine import make_engine, session_scope
from accord.music.ngrams import melody
from accord.training.corpus import write_essen
from accord.training.ngram import START, KneserNey
from accord.training.quality import muspy_music
from accord.training.tables import ModelVersionRow

ROOT = Path(__file__).resolve().parent
METERS = ((4, 4), (3, 4), (6, 8), (2, 4))
KEYS = ("G major", "D major", "A minor", "E minor", "C major", "F major", "D minor")
FORMS = (None, "AABB", "ABAC", "AA'BB'")


def _env() -> dict:
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(),
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


# --- an n-gram as a model: next-token log-probabilities for a batch ---------------------------

class NgramLM:
    """Kneser-Ney next-token distributions, vectorised over the vocabulary."""

    def __init__(self, kn: KneserNey) -> None:
        self.kn, self.V = kn, kn.vocab_size

    def logits(self, history: list[int]) -> torch.Tensor:
        kn = self.kn
        p = np.full(self.V, 1.0 / self.V)
        h_full = tuple(([START] * kn.order + history)[-(kn.order - 1):])
        for k in range(1, kn.order + 1):
            h = h_full[len(h_full) - (k - 1):] if k > 1 else ()
            total = kn.totals[k].get(h)
            if not total:
                continue
            d = kn.discounts[k]
            c = np.zeros(self.V)
            for tok, n in kn.counts[k][h].items():
                if tok >= 0:
                    c[tok] = n
            p = np.maximum(c - d, 0.0) / total + d * kn.types[k][h] / total * p
        return torch.from_numpy(np.log(np.maximum(p, 1e-12)))


def ngram_sample(lm: NgramLM, prefix: list[int], seeds: list[int], sampling: Sampling,
                 rules=None, done=None) -> list[list[int]]:
    out = []
    for i, seed in enumerate(seeds):
        g = torch.Generator().manual_seed(seed)
        seq, new = list(prefix), []
        for _ in range(sampling.max_new_tokens):
            logits = lm.logits(seq).unsqueeze(0)
            if rules is not None:
                logits = logits.masked_fill(~rules[i].allowed(logits[0]), -float("inf"))
            tok = draw(logits, sampling, torch.rand(1, generator=g, dtype=torch.float64))[0]
            seq.append(tok)
            new.append(tok)
            if rules is not None:
                rules[i].advance(tok)
                if rules[i].finished:
                    break
            if done is not None and done(new):
                break
        out.append(new)
    return out


# --- statistics -----------------------------------------------------------------------------

def stats(score) -> dict | None:
    """MusPy statistics of one piece, plus its melodic intervals."""
    import muspy

    music = muspy_music(score)
    if music is None:
        return None
    ts = score.time_signatures
    bar = music.resolution * (ts[0].numerator * 4 // ts[0].denominator if len(ts) else 4)
    mel = melody(score)
    steps = [b.pitch - a.pitch for a, b in zip(mel, mel[1:], strict=False)]
    row = {"pitch_range": muspy.pitch_range(music),
           "pitch_class_entropy": muspy.pitch_class_entropy(music),
           "scale_consistency": muspy.scale_consistency(music),
           "groove_consistency": muspy.groove_consistency(music, max(1, bar)),
           "within_fourth": (sum(1 for s in steps if abs(s) <= 5) / len(steps)) if steps else
           None, "intervals": steps}
    return {k: v for k, v in row.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))}


SCALARS = ("pitch_range", "pitch_class_entropy", "scale_consistency", "groove_consistency",
           "within_fourth")


def histogram(rows: list[dict]) -> np.ndarray:
    h = np.zeros(25)
    for r in rows:
        for s in r.get("intervals", []):
            h[max(-12, min(12, s)) + 12] += 1
    return h / max(1.0, h.sum())


def summarise(rows: list[dict], real: list[dict]) -> dict:
    out = {"pieces": len(rows)}
    for m in SCALARS:
        vals = [r[m] for r in rows if m in r]
        out[m] = round(statistics.fmean(vals), 4) if vals else None
    out["interval_tv_distance"] = round(0.5 * float(np.abs(histogram(rows)
                                                           - histogram(real)).sum()), 4)
    return out


# --- quality ---------------------------------------------------------------------------------

def _requests(n: int, bars: int) -> list[Params]:
    """A fixed cycle of constrained requests: metre, key and form vary."""
    out = []
    for i in range(n):
        shape = FORMS[i % len(FORMS)]
        num, den = METERS[i % len(METERS)]
        out.append(Params(bars=bars, meter=f"{num}/{den}",
                          key=KEYS[i % len(KEYS)], form=shape, seed=i + 1))
    return out


def _generate(kind, model, tok, batch: list[Params], constrained: bool):
    """One batch of rows, each under its own request's constraints (all share the prompt)."""
    plans = [compose.plan(tok, "new", p) for p in batch]
    p0, plan0 = batch[0], plans[0]
    sampling = Sampling(p0.temperature, p0.top_p, plan0.max_new_tokens,
                        banned=compose.banned(tok))
    g = constraints.Grammar.of(tok)
    rules = [constraints.Decoder(g, pl.spec) for pl in plans] if constrained else None
    seeds = [p.seed for p in batch]
    if kind == "ngram":
        rows = ngram_sample(model, list(plan0.prefix), seeds, sampling, rules,
                            compose.done_rule(tok, plan0))
    else:
        from accord.creation.sampling import sample

        rows = sample(model, [plan0.prefix] * len(seeds), seeds, sampling, plan0.pinned,
                      compose.done_rule(tok, plan0), rules)
    made = [r.summary() for r in rules] if rules else [None] * len(seeds)
    return plans, rows, made


def _wellformed(g, tok, plan, new, made, params) -> dict:
    kept = compose.finish(tok, plan, new)
    meter = constraints.parse_meter(params.meter)
    key = parse_key(params.key)
    return wellformed.check(g, kept, plan.spec.bars, meter, key, plan.spec.sections)


def real_pieces(tok, index, count: int, tmp: Path) -> list:
    """Essen songs (written from music21) that the guard does not find in the model's
    training snapshot (coverage <= 0.5 by any one training work): held out."""
    out = []
    for path in write_essen(tmp / "essen", count * 2):
        if len(out) >= count:
            break
        score = tok.decode(tok.encode(path))
        verdict = guard.check(index, melody(score))
        if verdict.passed:
            out.append(score)
    return out


def quality_main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--model", action="append", required=True, help="model id (repeatable)")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--bars", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--no-ngram", action="store_true")
    ap.add_argument("--real-split", type=Path, metavar="PACKAGE",
                    help="a reference package whose model is the first --model: the real pieces "
                         "are its test side's Essen songs (held out by tune family), and the "
                         "n-gram is fitted on its train side only")
    args = ap.parse_args(argv)
    if args.real_split and args.no_ngram:
        ap.error("--real-split reads the snapshot's pieces with the n-gram: drop --no-ngram")
    env0 = _env()
    s = Settings(home=Path(args.home))
    engine = make_engine(s.db_url)
    models = {}
    with session_scope(engine) as session:
        for mid in args.model:
            row = session.get(ModelVersionRow, mid)
            models[mid] = (*service.load_model(s, row), row)
        first_row = models[args.model[0]][2]
        index = service.guard_index(session, s, first_row)
        if not args.no_ngram:
            from accord.catalog import service as catalog
            from accord.training import dataset_service

            items = dataset_service.items(s, first_row.snapshot_id)
            sym = catalog.symbolic_items(session, [i.item_id for i in items])
    tok = models[args.model[0]][1]
    g = constraints.Grammar.of(tok)
    torch.set_num_threads(1)
    real_source = ("the reference split's test-side Essen songs" if args.real_split
                   else "Essen songs the guard does not find in the snapshot")
    if args.real_split:  # the reference model's own held-out pieces
        from accord.training.reference import read_gz_json

        side = read_gz_json(args.real_split / "split.json.gz")
        held = [x for x in sym if side.get(x.work_id) == "test"
                and x.collection == "essenFolksong"][:args.samples]
        real = [r for r in (stats(tok.decode(tok.encode(x.midi_path))) for x in held) if r]
        sym = [x for x in sym if side.get(x.work_id) == "train"]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            real = [r for r in (stats(x) for x in real_pieces(tok, index, args.samples,
                                                               Path(tmp))) if r]
    runs = {mid: ("transformer", m) for mid, (m, _, _) in models.items()}
    if not args.no_ngram:
        t0 = time.perf_counter()
        kn = KneserNey(tok.vocab_size, 5).fit(tok.encode(x.midi_path) for x in sym)
        runs["ngram5 (Kneser-Ney, same snapshot)"] = ("ngram", NgramLM(kn))
        print(f"n-gram fitted on {len(sym)} pieces in {time.perf_counter() - t0:.1f}s")
    requests = _requests(args.samples, args.bars)
    results = {}
    for name, (kind, model) in runs.items():
        t0 = time.perf_counter()
        wf_c, wf_u, rows_c, rows_u = [], [], [], []
        for i in range(0, len(requests), args.batch):
            chunk = requests[i:i + args.batch]
            for constrained, wf, rows in ((True, wf_c, rows_c), (False, wf_u, rows_u)):
                plans, new, made = _generate(kind, model, tok, chunk, constrained)
                for p, plan, n, m in zip(chunk, plans, new, made, strict=True):
                    wf.append(_wellformed(g, tok, plan, n, m, p))
                    st = stats(compose.shape(tok, plan, n, p, m).score)
                    if st:
                        rows.append(st)
        results[name] = {
            "constrained": {"wellformed_share": round(sum(w["ok"] for w in wf_c) / len(wf_c), 4),
                            "by_property": _by_property(wf_c), **summarise(rows_c, real)},
            "unconstrained": {"wellformed_share": round(sum(w["ok"] for w in wf_u) / len(wf_u),
                                                        4),
                              "by_property": _by_property(wf_u), **summarise(rows_u, real)},
            "seconds": round(time.perf_counter() - t0, 1)}
        print(name, json.dumps(results[name]))
    out = {**env0, "home": args.home, "samples": args.samples, "bars": args.bars,
           "requests": "cycle of metre (4/4, 3/4, 6/8, 2/4), key (7 keys), form (none, AABB, "
                       "ABAC, AA'BB'); temperature 1, top-p 0.95",
           "real": {"pieces": len(real), "source": real_source, **summarise(real, real)},
           "models": results,
           "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    path = ROOT / "results" / "creation_quality.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


def _by_property(rows: list[dict]) -> dict:
    keys = ("bars", "meter", "key", "cadence", "no_silent_bar", "form")
    return {k: round(sum(bool(r[k]) for r in rows) / len(rows), 4) for k in keys}


# --- end to end --------------------------------------------------------------------------------

def e2e_main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--formats", default="wav,flac,mp3")
    args = ap.parse_args(argv)
    from accord.attribution import service as attribution
    from accord.royalties import released
    from accord.workflows.release import released_outputs

    env0 = _env()
    s = Settings(home=Path(args.home))
    engine = make_engine(s.db_url)
    base = int(time.time()) % 1_000_000 * 100

    def run(count: int, seed: int) -> dict:
        cpu0 = time.process_time()  # every thread of this process: less sensitive to load
        marks = [("start", time.perf_counter())]

        def tell(stage, done, total):
            if not marks or marks[-1][0] != stage:
                marks.append((stage, time.perf_counter()))
        req = CreationRequest(args.model, "new", Params(bars=16, seed=seed, form="AABB"),
                              count=count, formats=tuple(args.formats.split(",")))
        with session_scope(engine) as session:
            res = service.create(session, s, req, progress=tell)
        marks.append(("credit", time.perf_counter()))
        with session_scope(engine) as session:
            attribution.credit_new_outputs(session, s, [o.id for o in res.outputs])
        with session_scope(engine) as session:
            released.record_released(session, s, released_outputs(res.outputs))
        marks.append(("end", time.perf_counter()))
        stages = Counter()
        for (name, t), (_, t2) in zip(marks, marks[1:], strict=False):
            stages[name] += t2 - t
        wall = marks[-1][1] - marks[0][1]
        music = sum(o.parameters["shaped"]["duration_s"] for o in res.outputs)
        cpu = time.process_time() - cpu0
        return {"count": count, "outputs": len(res.outputs), "music_s": round(music, 2),
                "wall_s": round(wall, 3), "realtime_x": round(music / wall, 1),
                "cpu_s": round(cpu, 3), "music_per_cpu_s": round(music / cpu, 1),
                "stages_s": {k: round(v, 3) for k, v in stages.items()}}

    t0 = time.perf_counter()
    cold = run(1, base)
    cold["note"] = "first call in the process: loads the model, guard index, soundfont"
    cold["wall_incl_load_s"] = round(time.perf_counter() - t0, 3)
    single = [run(1, base + 10 + i) for i in range(args.repeats)]
    batch = [run(8, base + 100 + 10 * i) for i in range(args.repeats)]
    out = {**env0, "home": args.home, "model": args.model,
           "request": "new, 16 bars, form AABB, 120 bpm, formats " + args.formats,
           "cold": cold, "single": single, "batch8": batch,
           "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    path = ROOT / "results" / "creation_e2e.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
