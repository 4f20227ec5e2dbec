"""Benchmark: import the bundled music21 corpus with all cores, then again (parse cache warm).

    PYTHONPATH=src python bench/catalog_import.py [--limit N] [--collections a,b] [--workers W]

Prints pieces, seconds and the cold/warm ratio as JSON. Without --limit it imports the whole
corpus (about 15,000 pieces; long on a small machine).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from accord.catalog.importer import import_corpus
from accord.cli.common import initialise
from accord.config import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None, help="pieces per collection")
    ap.add_argument("--collections", default="", help="comma-separated; default all")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    collections = [c for c in args.collections.split(",") if c] or None
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(home=Path(tmp) / "home")
        initialise(s)
        cold = import_corpus(s, collections, limit=args.limit, workers=args.workers)
        # a second, fresh registry with the same parse cache: parsing is skipped, storing is not
        s2 = Settings(home=Path(tmp) / "home2")
        initialise(s2)
        (s2.home / "cache").symlink_to(s.cache_dir, target_is_directory=True)
        warm = import_corpus(s2, collections, limit=args.limit, workers=args.workers)
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
           "workers": args.workers, "limit_per_collection": args.limit,
           "collections": collections or "all",
           "cold": cold.to_json() | {"rejected": len(cold.rejected)},
           "warm_cache_fresh_db": warm.to_json() | {"rejected": len(warm.rejected)},
           "cold_over_warm": round(cold.seconds / warm.seconds, 2) if warm.seconds else None,
           "rejected_examples": cold.rejected[:5]}
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
