"""Benchmark: import the bundled music21 corpus with all cores, then again (parse cache warm).

    PYTHONPATH=src python bench/catalog_import.py [--limit N] [--collections a,b] [--workers W]
                                                  [--out bench/out/catalog.json]

Shows a progress bar per stage on stderr; prints pieces, seconds, the cold/warm ratio and the
load average as JSON (and writes it to --out). Without --limit it imports the whole corpus
(about 15,000 pieces, each counted; long on a small machine).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.catalog.importer import ImportReport, import_corpus
from accord.cli.common import initialise
from accord.config import Settings


def _run(label: str, settings: Settings, collections, limit, workers) -> ImportReport:
    bar = Progress(TextColumn(f"{label} {{task.description}}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True))
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        return import_corpus(settings, collections, limit=limit, workers=workers,
                             progress=update)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None, help="pieces per collection")
    ap.add_argument("--collections", default="", help="comma-separated; default all")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    collections = [c for c in args.collections.split(",") if c] or None
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        initialise(s)
        cold = _run("cold", s, collections, args.limit, args.workers)
        load_mid = os.getloadavg()
        # a second, fresh registry with the same parse cache: parsing is skipped, storing is not
        s2 = Settings(home=Path(tmp) / "home2")
        initialise(s2)
        (s2.home / "cache").symlink_to(s.cache_dir, target_is_directory=True)
        warm = _run("warm", s2, collections, args.limit, args.workers)
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
           "workers": args.workers, "limit_per_collection": args.limit,
           "collections": collections or "all",
           "loadavg_start": load_start, "loadavg_after_cold": load_mid,
           "loadavg_end": os.getloadavg(),
           "cold": cold.to_json() | {"rejected": len(cold.rejected)},
           "warm_cache_fresh_db": warm.to_json() | {"rejected": len(warm.rejected)},
           "cold_pieces_per_s": round(cold.pieces / cold.seconds, 1) if cold.seconds else None,
           "warm_pieces_per_s": round(warm.pieces / warm.seconds, 1) if warm.seconds else None,
           "cold_over_warm": round(cold.seconds / warm.seconds, 2) if warm.seconds else None,
           "rejected_examples": cold.rejected[:5]}
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
