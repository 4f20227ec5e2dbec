"""Listening events: append-only Parquet parts under `<home>/dj/listens/`.

`ingest` takes JSON Lines, one event a line:
  {"id": "e-1", "listener": "L1", "recording": "rec-1", "kind": "full", "seconds": "182.5",
   "at": "2026-11-03T10:00:00Z"}
kinds: play (seconds listened), skip, like, full; `dj_play` is written by the DJ itself for
every track of a set (its seconds are the seconds charged). `id` is the idempotency key: the
same event again is a duplicate (counted once); the same id with other content is refused.
A file with any invalid line is refused whole, every problem named with its line; nothing is
written. Each accepted batch is one new Parquet part (temp file + rename): history is never
rewritten.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accord.atomic import write_bytes
from accord.config import Settings
from accord.dj.model import ListenEvent, ListenKind
from accord.errors import InvalidInput, Problem
from accord.timeutil import fmt, parse_instant

SCHEMA = pa.schema([("id", pa.string()), ("listener", pa.string()), ("recording", pa.string()),
                    ("kind", pa.string()), ("seconds_ms", pa.int64()), ("at", pa.string()),
                    ("set_id", pa.string())])
MAX_LINE = 10_000  # characters


def listens_dir(s: Settings) -> Path:
    return s.home / "dj" / "listens"


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0

    def to_json(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates}


def _ms(v) -> int:
    if isinstance(v, bool | float) or not isinstance(v, int | str):
        raise ValueError("seconds must be an integer or an exact decimal string")
    try:
        ms = Decimal(str(v)) * 1000
    except InvalidOperation:
        raise ValueError(f"seconds {v!r} is not a number") from None
    if ms < 0 or ms != ms.to_integral_value():
        raise ValueError("seconds must be non-negative with at most millisecond precision")
    return int(ms)


def parse_record(rec, where: str) -> tuple[ListenEvent | None, list[Problem]]:
    if not isinstance(rec, dict):
        return None, [Problem(where, "not a JSON object")]
    probs = []
    for f in ("id", "listener", "recording", "kind", "at"):
        if not isinstance(rec.get(f), str) or not rec[f].strip():
            probs.append(Problem(where, f"{f} is required (a string)"))
    if probs:
        return None, probs
    try:
        kind = ListenKind(rec["kind"])
    except ValueError:
        return None, [Problem(where, f"kind must be one of {[k.value for k in ListenKind]}")]
    try:
        ms = _ms(rec.get("seconds", 0))
        at = parse_instant(rec["at"], "at")
    except (ValueError, InvalidInput) as exc:
        return None, [Problem(where, str(exc))]
    return ListenEvent(rec["id"].strip(), rec["listener"].strip(), rec["recording"].strip(),
                       kind, at, ms, str(rec.get("set_id", "") or "")), []


def _row(e: ListenEvent) -> dict:
    return {"id": e.id, "listener": e.listener_id, "recording": e.recording_id,
            "kind": e.kind.value, "seconds_ms": e.seconds_ms, "at": fmt(e.at),
            "set_id": e.set_id}


def read_table(s: Settings, columns: list[str] | None = None) -> pa.Table:
    parts = sorted(listens_dir(s).glob("part-*.parquet"))
    if not parts:
        return SCHEMA.empty_table().select(columns or SCHEMA.names)
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in parts])


def append(s: Settings, events: list[ListenEvent], source: str = "") -> IngestResult:
    """Append validated events (idempotent on id). Raises InvalidInput on a conflicting id."""
    known = {}
    t = read_table(s)
    if t.num_rows:
        for row in t.to_pylist():
            known[row["id"]] = row
    result = IngestResult()
    new: dict[str, dict] = {}
    conflicts = []
    for e in events:
        row = _row(e)
        old = known.get(e.id) or new.get(e.id)
        if old is not None:
            if old != row:
                conflicts.append(Problem(source or e.id, f"event {e.id!r} is already recorded "
                                                         "with different content"))
            else:
                result.duplicates += 1
            continue
        new[e.id] = row
    if conflicts:
        raise InvalidInput(f"{len(conflicts)} conflicting event id(s); nothing was written",
                           conflicts)
    if new:
        import io

        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(list(new.values()), schema=SCHEMA), buf)
        write_bytes(listens_dir(s) / f"part-{fmt_stamp()}-{uuid.uuid4().hex[:8]}.parquet",
                    buf.getvalue())
        result.accepted = len(new)
    return result


def fmt_stamp() -> str:
    from accord.timeutil import now

    return now().strftime("%Y%m%dT%H%M%S%f")


def ingest_file(s: Settings, path: Path) -> IngestResult:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    events, probs = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        if len(line) > MAX_LINE:
            probs.append(Problem(where, f"line longer than {MAX_LINE} characters"))
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            probs.append(Problem(where, f"not JSON ({exc.msg})"))
            continue
        e, p = parse_record(rec, where)
        probs += p
        if e is not None:
            events.append(e)
    if probs:
        raise InvalidInput(f"{path}: {len(probs)} problem(s); nothing was ingested", probs)
    return append(s, events, str(path))


def history(s: Settings, listener: str | None = None) -> list[tuple[str, str, str, str]]:
    """(listener, recording, kind, at) in time order; one listener's or everyone's."""
    t = read_table(s, ["listener", "recording", "kind", "at"])
    rows = t.to_pylist()
    if listener is not None:
        rows = [r for r in rows if r["listener"] == listener]
    rows.sort(key=lambda r: r["at"])
    return [(r["listener"], r["recording"], r["kind"], r["at"]) for r in rows]
