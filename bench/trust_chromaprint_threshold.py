"""The Chromaprint layer's copy threshold (`reupload.chromaprint_max_ber`), chosen on validation
pieces and reported on test pieces, from a `bench/trust.py --part robust` result (every query's
best Chromaprint reference and bit error rate, and our index's accepted match):

    .venv/bin/python bench/trust_chromaprint_threshold.py bench/results/trust-20261203-all16.json

A Chromaprint match counts as a copy at a bit error rate <= t. For each t of the grid: true
positives (indexed queries whose best reference is their own track) and false matches (a
reference that is neither the query's track nor a variant of its tune, bench/trust.py
`variant_groups`) on validation and on test pieces. Then, at --chosen, the two layers together
as screening uses them (a copy by either) per distortion on test pieces. A query (indexed or
held out) whose match is another rendering of its own tune (a variant, not its own track) is
counted apart ("variant"): neither a true positive, a miss, a true negative nor a false match,
as `--part calibrate` does.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GRID = (0.08, 0.09, 0.10, 0.11, 0.12, 0.125, 0.13, 0.15, 0.2)


def queries(result: dict, role: str):
    for audio in ("rendered", "wesnoth"):
        r = result.get(f"robust_{audio}")
        if r is None:
            continue
        for q in r["details"]:
            if q["role"] == role:
                yield audio, q, r["variants"]


def wrong(q: dict, ref: str | None, variants: dict) -> bool:
    return ref is not None and ref != q["track"] and ref not in variants.get(q["track"], ())


def chromaprint_at(q: dict, t: float) -> str | None:
    c = q["chromaprint"]
    return c["track"] if c is not None and c["ber"] <= t else None


def grid(result: dict, role: str, t: float) -> tuple[int, int, int]:
    """(true positives, false matches, positive queries) of Chromaprint alone at t."""
    tp = fp = n = 0
    for _, q, variants in queries(result, role):
        n += q["kind"] == "indexed"
        ref = chromaprint_at(q, t)
        tp += ref == q["track"]
        fp += wrong(q, ref, variants)
    return tp, fp, n


def both_layers(result: dict, t: float) -> dict:
    """Per audio set and distortion, on test pieces: ours, Chromaprint at t, either."""
    out: dict = {}
    for audio, q, variants in queries(result, "test"):
        row = out.setdefault(audio, {}).setdefault(q["distortion"], {
            "n_pos": 0, "ours": 0, "chromaprint": 0, "either": 0, "n_neg": 0, "tn": 0,
            "false": 0, "variant": 0})
        ours = q["ours"]["track_id"] if q["ours"] else None
        cp = chromaprint_at(q, t)
        refs = {x for x in (ours, cp) if x}
        row["false"] += any(wrong(q, x, variants) for x in refs)
        if q["track"] not in refs and any(x in variants.get(q["track"], ()) for x in refs):
            row["variant"] += 1  # found as another rendering of its tune: reported apart
        elif q["kind"] == "indexed":
            row["n_pos"] += 1
            row["ours"] += ours == q["track"]
            row["chromaprint"] += cp == q["track"]
            row["either"] += q["track"] in refs
        else:
            row["n_neg"] += 1
            row["tn"] += not refs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--chosen", type=float, default=0.12)
    args = ap.parse_args()
    result = json.loads(Path(args.result).read_text())
    print("| t | validation TP / false / positives | test TP / false / positives |")
    for t in GRID:
        v, s = grid(result, "validation", t), grid(result, "test", t)
        print(f"| {t} | {v[0]} / {v[1]} / {v[2]} | {s[0]} / {s[1]} / {s[2]} |")
    for audio, rows in both_layers(result, args.chosen).items():
        print(f"\n{audio}, test pieces, Chromaprint at {args.chosen}:")
        print("| distortion | ours | Chromaprint | either (screening) | TN | false | variant |")
        for name, r in rows.items():
            print(f"| {name} | {r['ours']}/{r['n_pos']} | {r['chromaprint']}/{r['n_pos']} | "
                  f"{r['either']}/{r['n_pos']} | {r['tn']}/{r['n_neg']} | {r['false']} | "
                  f"{r['variant']} |")


if __name__ == "__main__":
    main()
