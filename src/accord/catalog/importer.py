"""Importing the bundled corpus (or any symbolic files): parse in parallel across cores with a
parse cache keyed by the source piece's hash, then store one file per transaction.

A piece that fails to parse is rejected with the file, the piece index and the problem; nothing
of it is written. A file's good pieces are stored together in one transaction.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from accord.atomic import write_text
from accord.catalog import corpus, symbolic
from accord.catalog.service import BatchResult, Prepared, ingest_batch, setup_corpus_rights
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import AccordError
from accord.rights.audit import AuditLog

DEMO_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)  # {"source", "problem"}
    files: int = 0
    pieces: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0
    workers: int = 1

    def to_json(self) -> dict:
        return {"imported": self.imported, "duplicates_skipped": self.duplicates,
                "rejected": self.rejected, "files": self.files, "pieces": self.pieces,
                "parsed": self.parsed, "from_cache": self.cached,
                "seconds": round(self.seconds, 2), "workers": self.workers}


def _cache_path(cache_dir: Path, shash: str) -> Path:
    return cache_dir / shash[:2] / f"{shash}.json"


def _parse_job(job: tuple[str, int, str | None, str, str]) -> tuple[int, dict | None, str | None]:
    """Worker: parse one piece, write it to the cache; return (job index, piece, problem)."""
    path, index, text, shash, cache_dir = job
    try:
        piece = symbolic.parse(Path(path), text)
    except AccordError as exc:
        return index, None, str(exc)
    d = symbolic.to_dict(piece)
    write_text(_cache_path(Path(cache_dir), shash), json.dumps(d, separators=(",", ":")))
    return index, d, None


def _parse_cost(job: tuple[str, int, str | None, str, str]) -> int:
    """A piece's parse cost, estimated by its size: its text, or else its file's bytes."""
    path, _i, text, _h, _c = job
    if text is not None:
        return len(text)
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _load_cached(cache_dir: Path, shash: str) -> dict | None:
    p = _cache_path(cache_dir, shash)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def import_files(settings: Settings, files: list[tuple[str, Path]], *, root: Path | None = None,
                 limit: int | None = None, workers: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 start: datetime = DEMO_START) -> ImportReport:
    """Import (collection, path) files. `limit` caps the pieces considered per collection."""
    t0 = time.perf_counter()
    report = ImportReport(workers=workers or os.cpu_count() or 1)
    cache_dir = settings.cache_dir / "catalog-parse"
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        setup_corpus_rights(session, AuditLog(session, "catalog"), start)

    # 1. enumerate pieces (splitting ABC books), stopping at the limit
    jobs: list[tuple[str, Path, int, str | None, str]] = []  # collection, path, idx, text, hash
    per_collection: dict[str, int] = {}
    for collection, path in files:
        if limit is not None and per_collection.get(collection, 0) >= limit:
            continue
        report.files += 1
        try:
            pieces = symbolic.pieces_in_file(path)
            for idx, text in pieces:
                if limit is not None and per_collection.get(collection, 0) >= limit:
                    break
                per_collection[collection] = per_collection.get(collection, 0) + 1
                jobs.append((collection, path, idx, text, symbolic.source_hash(path, text)))
        except (AccordError, OSError) as exc:
            report.rejected.append({"source": str(path), "problem": str(exc)})
    report.pieces = len(jobs)

    # 2. parse: cache hits directly, misses across the worker processes
    results: dict[int, tuple[dict | None, str | None]] = {}
    misses = []
    for i, (_c, path, _idx, text, shash) in enumerate(jobs):
        cached = _load_cached(cache_dir, shash)
        if cached is not None:
            results[i] = (cached, None)
        else:
            misses.append((str(path), i, text, shash, str(cache_dir)))
    report.cached = len(results)
    report.parsed = len(misses)
    done = len(results)
    if progress:
        progress("parse", done, len(jobs))
    if misses:
        if report.workers > 1 and len(misses) > 8:
            # largest first, taken as workers free up: one slow orchestral score started last
            # would otherwise leave the other cores idle at the end
            misses.sort(key=_parse_cost, reverse=True)
            with ProcessPoolExecutor(max_workers=report.workers) as pool:
                futures = [pool.submit(_parse_job, job) for job in misses]
                for fut in as_completed(futures):
                    i, d, problem = fut.result()
                    results[i] = (d, problem)
                    done += 1
                    if progress:
                        progress("parse", done, len(jobs))
        else:
            for job in misses:
                i, d, problem = _parse_job(job)
                results[i] = (d, problem)
                done += 1
                if progress:
                    progress("parse", done, len(jobs))

    # 3. store, one transaction per source file
    by_file: dict[Path, list[Prepared]] = {}
    for i, (collection, path, idx, _text, shash) in enumerate(jobs):
        d, problem = results[i]
        rel = _relative(path, root)
        if problem is not None:
            report.rejected.append({"source": f"{rel}#{idx}", "problem": problem})
            continue
        by_file.setdefault(path, []).append(Prepared(
            collection, rel, idx, symbolic.format_of(path), shash, symbolic.from_dict(d)))
    stored = 0
    for path, items in by_file.items():
        try:
            with session_scope(engine) as session:
                res: BatchResult = ingest_batch(session, settings, items,
                                                AuditLog(session, "catalog"),
                                                _relative(path, root), start)
        except AccordError as exc:
            report.rejected.append({"source": _relative(path, root), "problem": str(exc)})
            continue
        report.imported += len(res.imported)
        report.duplicates += len(res.duplicates)
        stored += len(items)
        if progress:
            progress("store", stored, len(jobs))
    report.seconds = time.perf_counter() - t0
    return report


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


def import_corpus(settings: Settings, collections: list[str] | None = None,
                  limit: int | None = None, workers: int | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    return import_files(settings, corpus.corpus_files(collections), root=corpus.corpus_root(),
                        limit=limit, workers=workers, progress=progress)


def import_paths(settings: Settings, paths: list[Path], collection: str = "uploads",
                 workers: int | None = 1) -> ImportReport:
    """Import user files (MIDI, MusicXML, ABC, Humdrum) into one collection."""
    for p in paths:
        symbolic.format_of(p)
    return import_files(settings, [(collection, p) for p in paths], workers=workers)


def import_demo_songbook(settings: Settings) -> ImportReport:
    """The demo's four tunes by a fictional writer outside the corpus (corpus.DEMO_SONGBOOK)."""
    return import_paths(settings, list(corpus.DEMO_SONGBOOK_FILES), corpus.DEMO_SONGBOOK)
