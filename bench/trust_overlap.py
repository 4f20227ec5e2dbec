"""Calibration of the copy rules' overlap tests on recorded robust runs (bench/trust.py).

A larger rendered sample (72 corpus pieces, 2026-12-03) showed both layers calling *different*
tunes of one Essen book copies: a shared cadence or incipit rendered by one piano at one tempo
is the same audio, and a 15 s excerpt that contains one verifies well enough against the other
tune overall, or overlaps it only in part. Two tests per match answer that, both recorded by
`bench/trust.py --part robust` for every hypothesis:

* coverage: the share of the query the match places inside the reference (index: counted
  peaks / query peaks; Chromaprint: compared items / the shorter fingerprint);
* weakest: the index's lowest verified share over the query's windows (verify.WINDOW_S and the
  bench's WINDOWS_S): a copy verifies everywhere, a shared phrase only where it is shared.

This script replays rules over the recorded candidates. For the index: index.accepted's two
tiers (the current thresholds, or a grid over MIN_HASHES and MIN_VERIFIED) *and* coverage >= C
*and* weakest (one window size) >= W. For Chromaprint: bit error rate <= B, with the matcher's
5 s overlap or with an overlap of at least C of the shorter fingerprint. Rules are chosen on the
*validation* pieces of every run given (audio sets and distortions pooled): no false match,
then most true positives, then the most demanding thresholds; the choice is reported on the
*test* pieces, beside the current rule on the same queries.

    PYTHONPATH=src .venv/bin/python bench/trust_overlap.py RUN.json[.gz] [RUN.json ...] \
        [--rendered-dir CACHE/rendered] [--out bench/results/trust-overlap.json]

The 2026-12-03 runs are kept gzipped: bench/results/trust-20261203-overlap-run-*.json.gz (the
rendered pieces' MIDI for --rendered-dir is rebuilt by any `bench/trust.py --audio rendered
--rendered 48,24 --cache DIR` run under DIR/rendered).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import trust as bench  # noqa: E402

from accord.trust.fingerprint import chromaprint as cp  # noqa: E402
from accord.trust.fingerprint import index as index_mod  # noqa: E402
from accord.trust.fingerprint import verify as verify_mod  # noqa: E402

H_GRID = [2, 3]  # MIN_HASHES: quad votes on the line for the first tier
V_GRID = [0.62, 0.64, 0.66, 0.68, 0.70, 0.72, 0.74]
C_GRID = [0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
W_GRID = [0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
EXEMPT_GRID = [30, 40, 50, 60, 80, 10 ** 6]  # votes from which the weakest test is waived
WINDOW_COLUMN = {"weakest4": 4, "weakest3": 5, "weakest6": 6}  # see bench.WINDOWS_S
B_GRID = [0.06, 0.08, 0.10, 0.12, 0.15]
CP_C_GRID = [None, 0.5, 0.7, 0.8, 0.9]


def load(paths: list[str]) -> list[tuple[str, dict, dict]]:
    rows = []
    for path in paths:
        raw = Path(path).read_bytes()
        if path.endswith(".gz"):
            raw = gzip.decompress(raw)
        for key, run in json.loads(raw).items():
            if not key.startswith("robust_") or not run.get("details"):
                continue
            if any("candidates" not in d or any(len(c) < 7 for c in d["candidates"])
                   for d in run["details"]):
                sys.exit(f"{path}: {key} has no coverage/weakest per candidate: rerun robust")
            audio = key.removeprefix("robust_")
            rows += [(audio, d, run.get("variants", {})) for d in run["details"]]
    return rows


def index_top(cands: list, rule: dict) -> str | None:
    """The top match under `rule` from a query's recorded hypotheses (see candidate_row)."""
    col = WINDOW_COLUMN[rule["window"]]
    lim = {k: rule[k] for k in index_mod.LIMITS}
    ok = [c for c in cands if index_mod.accepted(c[1], c[2], c[3], c[col], **lim)]
    return max(ok, key=lambda c: (c[2], c[1]))[0] if ok else None


def chromaprint_top(d: dict, rule: dict) -> str | None:
    cc = d.get("chromaprint_candidates")
    if not cc:
        return None
    items = max(cc["items"], 1)
    recorded = f"cover_{rule['cover']:g}" if rule["cover"] is not None else None
    if recorded in cc:  # scanned with that coverage (bench/trust.py: the matcher's own)
        ok = [c for c in cc[recorded] if c[1] <= rule["max_ber"]]
    else:
        ok = [c for c in cc["default"] if c[1] <= rule["max_ber"]
              and (rule["cover"] is None or c[2] / cp.ITEM_S / items >= rule["cover"] - 1e-9)]
    return ok[0][0] if ok else None


RENDERED_DIR: Path | None = None  # --rendered-dir: the bench cache's rendered/ folder
NOTES: dict[str, list[tuple[float, int]]] = {}
ONSET_TOL = 0.06  # s


def notes(stem: str) -> list[tuple[float, int]]:
    """(onset s, pitch) of a rendered piece's canonical MIDI (RENDERED_DIR/<stem>.mid)."""
    if stem not in NOTES:
        import mido

        path = RENDERED_DIR / f"{stem}.mid" if RENDERED_DIR else None
        out, t = [], 0.0
        if path is not None and path.exists():
            for msg in mido.MidiFile(path):
                t += msg.time
                if msg.type == "note_on" and msg.velocity > 0:
                    out.append((t, msg.note))
        NOTES[stem] = out
    return NOTES[stem]


@functools.cache
def same_notes(query: str, start: float, other: str) -> bool:
    """Whether the notes the excerpt [start, start + EXCERPT_S) of `query` plays occur in
    `other` at the same relative onsets and pitches (every one of them, and they make at least
    80% of `other`'s notes over that span): the two renderings are then the same audio there
    (one piano, one tempo), which no fingerprint can tell apart. Ground truth from the scores,
    independent of either layer; such a match is counted apart ("same_notes")."""
    q = [(t - start, n) for t, n in notes(query) if start <= t < start + bench.EXCERPT_S]
    r = notes(other)
    if len(q) < 1 or not r:
        return False
    for t0, n0 in r:
        if n0 != q[0][1]:
            continue
        o = t0 - q[0][0]
        span = [(t - o, n) for t, n in r if o - ONSET_TOL <= t < o + bench.EXCERPT_S - ONSET_TOL]
        hit = sum(any(abs(a - b) <= ONSET_TOL and m == n for b, m in span) for a, n in q)
        if hit == len(q) and len(q) >= 0.8 * len(span):
            return True
    return False


def outcome(d: dict, top: str | None, var: dict) -> str:
    """bench.outcome, with a wrong match on the very same notes counted apart."""
    o = bench.outcome(d, top, var)
    if o == "false" and top is not None and same_notes(d["track"], d["start"], top):
        return "same_notes"
    return o


def score(rows, role: str, top) -> dict:
    """`table` summed over audio sets and distortions."""
    out: dict = {}
    for per_audio in table(rows, role, top).values():
        for row in per_audio.values():
            for k, v in row.items():
                out[k] = out.get(k, 0) + v
    return out


def table(rows, role: str, top) -> dict:
    out: dict = {}
    for audio, d, var in rows:
        if d["role"] != role:
            continue
        o = outcome(d, top(d), var)
        row = out.setdefault(audio, {}).setdefault(d["distortion"], {
            "tp": 0, "n_pos": 0, "tn": 0, "n_neg": 0, "false": 0, "variant": 0,
            "same_notes": 0})
        row["n_pos" if d["kind"] == "indexed" else "n_neg"] += 1
        if o in row:
            row[o] += 1
    return out


class Flat:
    """A role's recorded index hypotheses as arrays, each query's sorted best first (verified
    share, then votes: the order index.query returns), for replaying many rules quickly."""

    def __init__(self, rows, role: str) -> None:
        qs = [(d, var) for _, d, var in rows if d["role"] == role]
        self.negative = np.array([d["kind"] != "indexed" for d, _ in qs])
        self.n_neg = int(self.negative.sum())
        cols: list[list] = [[] for _ in range(8)]
        for i, (d, var) in enumerate(qs):
            for c in sorted(d["candidates"], key=lambda c: (-c[2], -c[1])):
                label = (0 if c[0] == d["track"] and d["kind"] == "indexed" else
                         1 if c[0] in var.get(d["track"], ()) else
                         3 if same_notes(d["track"], d["start"], c[0]) else 2)
                for j, x in enumerate((i, label, *c[1:7])):
                    cols[j].append(x)
        (self.q, self.label, self.votes, self.share, self.coverage, self.w4, self.w3,
         self.w6) = (np.asarray(c, dtype=np.float64) for c in cols)
        self.q = self.q.astype(np.int64)

    def score(self, rule: dict) -> dict:
        w = {"weakest4": self.w4, "weakest3": self.w3, "weakest6": self.w6}[rule["window"]]
        ok = (((self.votes >= rule["min_hashes"]) & (self.share >= rule["min_verified"]))
              | ((self.votes >= rule["strong_hashes"])
                 & (self.share >= rule["strong_verified"])))
        ok &= (self.coverage >= rule["min_coverage"]) & (
            (w >= rule["min_weakest"]) | (self.votes >= rule["exempt_hashes"]))
        idx = np.nonzero(ok)[0]
        _, first = np.unique(self.q[idx], return_index=True)
        tops = idx[first]
        top = self.label[tops]
        answered_neg = int(self.negative[self.q[tops]].sum())
        return {"tp": int((top == 0).sum()), "false": int((top == 2).sum()),
                "variant": int((top == 1).sum()), "same_notes": int((top == 3).sum()),
                "tn": self.n_neg - answered_neg}


def margins(rows, role: str, rule: dict) -> dict:
    """Percentiles of coverage and weakest (4, 3 and 6 s windows) of the accepted right
    hypotheses beside the accepted wrong ones (not the query's track nor a variant of it)."""
    f = Flat(rows, role)
    ok = (((f.votes >= rule["min_hashes"]) & (f.share >= rule["min_verified"]))
          | ((f.votes >= rule["strong_hashes"]) & (f.share >= rule["strong_verified"])))
    out = {}
    for name, col in (("coverage", f.coverage), ("weakest", f.w4), ("weakest3", f.w3),
                      ("weakest6", f.w6)):
        right, wrong = col[ok & (f.label == 0)], col[ok & (f.label == 2)]
        out[name] = {"right_p01": round(float(np.percentile(right, 1)), 3) if right.size else None,
                     "right_p05": round(float(np.percentile(right, 5)), 3) if right.size else None,
                     "wrong_max": round(float(wrong.max()), 3) if wrong.size else None,
                     "wrong_p95": round(float(np.percentile(wrong, 95)), 3) if wrong.size
                     else None, "wrong_n": int(wrong.size), "right_n": int(right.size)}
    return out


def choose_index(rows, rules: list[dict]) -> tuple[dict, list[dict]]:
    flat = Flat(rows, "validation")
    grid = [{**rule, **flat.score(rule)} for rule in rules]
    return _best(grid), grid


def either_table(rows, role: str, ours, chromaprint) -> dict:
    """Both layers as screening uses them: a true positive when either finds the right track,
    a false match when either names a wrong one, a true negative when neither answers."""
    out: dict = {}
    for audio, d, var in rows:
        if d["role"] != role:
            continue
        o = [outcome(d, ours(d), var), outcome(d, chromaprint(d), var)]
        row = out.setdefault(audio, {}).setdefault(d["distortion"], {
            "tp": 0, "n_pos": 0, "tn": 0, "n_neg": 0, "false": 0, "variant": 0,
            "same_notes": 0})
        row["n_pos" if d["kind"] == "indexed" else "n_neg"] += 1
        row["tp"] += "tp" in o
        row["false"] += "false" in o
        row["tn"] += o == ["tn", "tn"]
    return out


def choose(rows, rules: list[dict], top) -> tuple[dict, list[dict]]:
    val = [r for r in rows if r[1]["role"] == "validation"]
    grid = []
    for rule in rules:
        s = score(val, "validation", lambda d, rule=rule: top(d, rule))
        grid.append({**rule, **s})
    return _best(grid), grid


def _best(grid: list[dict]) -> dict:
    """No false match, then most true positives and true negatives, then the most demanding
    thresholds."""
    clean = [g for g in grid if g["false"] == 0]
    if not clean:
        return {}
    return max(clean, key=lambda g: (g["tp"], g["tn"], *[
        (g[k] if isinstance(g.get(k), (int, float)) else 0)
        for k in ("min_hashes", "min_coverage", "min_weakest", "min_verified", "cover")]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--out")
    ap.add_argument("--rendered-dir", help="the robust run's cache/rendered folder (the pieces' "
                    "MIDI): a wrong match on the very same notes is then counted apart")
    args = ap.parse_args()
    global RENDERED_DIR
    RENDERED_DIR = Path(args.rendered_dir) if args.rendered_dir else None
    rows = load(args.runs)
    # the rule before the overlap tests (index format 4's thresholds), and this code's
    before = {"min_hashes": 3, "min_verified": 0.62, "strong_hashes": 25,
              "strong_verified": 0.42, "min_coverage": 0.0, "min_weakest": 0.0,
              "exempt_hashes": 10 ** 6, "window": "weakest3"}
    current = {**index_mod.LIMITS, "window": f"weakest{verify_mod.WINDOW_S:g}"}
    index_rules = [
        {**before, "min_hashes": h, "min_verified": v, "min_coverage": c, "min_weakest": w,
         "exempt_hashes": x, "window": win}
        for h, v, c, w, x, win in itertools.product(H_GRID, V_GRID, C_GRID, W_GRID,
                                                    EXEMPT_GRID, tuple(WINDOW_COLUMN))]
    chosen, grid = choose_index(rows, index_rules)
    cp_before = {"max_ber": 0.12, "cover": None}
    cp_current = {"max_ber": 0.12, "cover": cp.MIN_COVERAGE}
    cp_rules = [{"max_ber": b, "cover": c} for b, c in itertools.product(B_GRID, CP_C_GRID)]
    cp_chosen, cp_grid = choose(rows, cp_rules, chromaprint_top)
    result = {"validation_queries": sum(r[1]["role"] == "validation" for r in rows),
              "test_queries": sum(r[1]["role"] == "test" for r in rows),
              "index": {"before": before, "current": current, "chosen": chosen,
                        "grid_size": len(grid),
                        "grid_zero_false": sum(g["false"] == 0 for g in grid)},
              "chromaprint": {"before": cp_before, "current": cp_current, "chosen": cp_chosen,
                              "grid": cp_grid}}
    for name, top in (("index", lambda d, r: index_top(d["candidates"], r)),
                      ("chromaprint", chromaprint_top)):
        for which in ("before", "current", "chosen"):
            rule = result[name][which]
            for role in ("validation", "test"):
                result[name][f"{role}_{which}"] = table(
                    rows, role, lambda d, r=rule, t=top: t(d, r)) if rule else {}
    for which in ("before", "current"):
        ri, rc = result["index"][which], result["chromaprint"][which]
        for role in ("validation", "test"):
            result.setdefault("either", {})[f"{role}_{which}"] = either_table(
                rows, role, lambda d, r=ri: index_top(d["candidates"], r),
                lambda d, r=rc: chromaprint_top(d, r))
    result["index"]["margins_validation"] = margins(rows, "validation", before)
    result["machine"] = bench.machine()
    print("index margins on validation (hypotheses the rule before accepted):")
    for k, v in result["index"]["margins_validation"].items():
        print(f"  {k}: {v}")
    for name in ("index", "chromaprint", "either"):
        r = result[name]
        if name == "either":
            r = {**r, "before": "the two rules before", "current": "this code's",
                 "chosen": "-"}
        print(f"\n{name}: before {r['before']}\n  this code {r['current']}\n"
              f"  chosen on validation {r['chosen']}")
        for role in ("validation", "test"):
            for audio, dist in r[f"{role}_before"].items():
                print(f"  {role} {audio}: tp/n_pos false (tn/n_neg): before | this code")
                for k, a in dist.items():
                    b = r[f"{role}_current"][audio][k]
                    print(f"    {k:24s} {a['tp']:4d}/{a['n_pos']:<4d} {a['false']:3d} "
                          f"({a['tn']}/{a['n_neg']}) | {b['tp']:4d}/{b['n_pos']:<4d} "
                          f"{b['false']:3d} ({b['tn']}/{b['n_neg']})")
    if args.out:
        from accord import atomic

        atomic.write_text(Path(args.out), json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
