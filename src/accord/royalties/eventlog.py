"""The Parquet event log: usage, revenue, credits and contributions, append-only.

`ingest` reads JSON Lines (one record a line, with "type": usage | revenue | credit |
contribution), validates every row, drops repeats of an idempotency key (same content: counted
as a duplicate, once), rejects a reused key with different content, and writes the accepted rows
as one new Parquet part per table (temp file + rename) and the rejected rows, each with its
reasons, to a reject file. Nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accord.atomic import write_text
from accord.errors import InvalidInput
from accord.royalties.model import (
    OUTPUT_KINDS,
    PPM,
    Contribution,
    Credit,
    CreditRole,
    ItemKind,
    RevenueEvent,
    UsageEvent,
    UsageKind,
    period_ok,
    ppm,
)
from accord.royalties.money import Money
from accord.timeutil import fmt, now, parse_instant

S = pa.string()
N = pa.int64()
SCHEMAS = {
    "usage": pa.schema([("key", S), ("kind", S), ("feature", S), ("period", S),
                        ("occurred_at", S), ("output_id", S), ("model_id", S),
                        ("recording_id", S), ("row_hash", S), ("ingested_at", S),
                        ("seconds_ms", N)]),
    "revenue": pa.schema([("key", S), ("feature", S), ("period", S), ("territory", S),
                          ("currency", S), ("amount", S), ("amount_minor", N), ("row_hash", S),
                          ("ingested_at", S)]),
    "credits": pa.schema([("key", S), ("output_id", S), ("item_kind", S), ("item_id", S),
                          ("share", S), ("share_ppm", N), ("role", S), ("row_hash", S),
                          ("ingested_at", S)]),
    "contributions": pa.schema([("key", S), ("model_id", S), ("work_id", S), ("tokens", N),
                                ("seconds_ms", N), ("row_hash", S), ("ingested_at", S)]),
}
TYPE_TABLE = {"usage": "usage", "revenue": "revenue", "credit": "credits",
              "contribution": "contributions"}


@dataclass
class IngestSummary:
    accepted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    duplicates: int = 0
    rejected: int = 0
    reject_file: str | None = None

    def to_json(self) -> dict:
        return {"accepted": dict(self.accepted), "duplicates": self.duplicates,
                "rejected": self.rejected, "reject_file": self.reject_file}


def _text(rec: dict, name: str, errors: list[str], required: bool = True) -> str:
    v = rec.get(name, "")
    if v is None:
        v = ""
    if not isinstance(v, str):
        errors.append(f"{name} must be a string")
        return ""
    if required and not v.strip():
        errors.append(f"{name} is required")
    return v.strip()


def _int(rec: dict, name: str, errors: list[str]) -> int:
    v = rec.get(name, 0)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        errors.append(f"{name} must be a non-negative integer")
        return 0
    return v


def _millis(v, errors: list[str]) -> int:
    if isinstance(v, float | bool) or not isinstance(v, str | int):
        errors.append("seconds must be an integer or an exact decimal string")
        return 0
    try:
        ms = Decimal(str(v)) * 1000
    except ArithmeticError:
        ms = Decimal(-1)
    if ms < 0 or ms != ms.to_integral_value():
        errors.append("seconds must be non-negative with at most millisecond precision")
        return 0
    return int(ms)


def validate(rec: dict) -> tuple[str, dict] | tuple[None, list[str]]:
    """(table, row) for a valid record, else (None, reasons)."""
    errors: list[str] = []
    if not isinstance(rec, dict):
        return None, ["not a JSON object"]
    typ = rec.get("type")
    if typ not in TYPE_TABLE:
        return None, [f"type must be one of {sorted(TYPE_TABLE)}"]
    row: dict = {}
    if typ == "usage":
        row["key"] = _text(rec, "id", errors)
        kind = _text(rec, "kind", errors)
        if kind and kind not in {k.value for k in UsageKind}:
            errors.append(f"kind must be one of {sorted(k.value for k in UsageKind)}")
        row["kind"] = kind
        row["feature"] = _text(rec, "feature", errors)
        at = _text(rec, "occurred_at", errors)
        try:
            t = parse_instant(at, "occurred_at") if at else None
        except InvalidInput as exc:
            errors.append(str(exc))
            t = None
        row["occurred_at"] = fmt(t) if t else ""
        row["period"] = t.strftime("%Y-%m") if t else ""
        output = kind in {k.value for k in OUTPUT_KINDS}
        row["output_id"] = _text(rec, "output_id", errors, output)
        row["model_id"] = _text(rec, "model_id", errors, output)
        row["recording_id"] = _text(rec, "recording_id", errors, kind == "played")
        if rec.get("seconds") is not None:  # optional: how long it was used (a DJ play)
            row["seconds_ms"] = _millis(rec["seconds"], errors)
    elif typ == "revenue":
        row["key"] = _text(rec, "id", errors)
        row["feature"] = _text(rec, "feature", errors)
        row["period"] = _text(rec, "period", errors)
        if row["period"] and not period_ok(row["period"]):
            errors.append("period must be YYYY-MM")
        row["territory"] = _text(rec, "territory", errors)
        row["currency"] = _text(rec, "currency", errors)
        amount = rec.get("amount")
        if not isinstance(amount, str):
            errors.append("amount must be an exact decimal string, e.g. \"12.50\"")
            row["amount"], row["amount_minor"] = "", 0
        else:
            row["amount"] = amount
            try:
                m = Money.parse(amount, row["currency"])
                if m.minor < 0:
                    errors.append("amount must not be negative")
                row["amount_minor"] = m.minor
            except ValueError as exc:
                errors.append(str(exc))
                row["amount_minor"] = 0
    elif typ == "credit":
        row["output_id"] = _text(rec, "output_id", errors)
        row["item_kind"] = _text(rec, "item_kind", errors)
        if row["item_kind"] and row["item_kind"] not in {k.value for k in ItemKind}:
            errors.append("item_kind must be work or recording")
        row["item_id"] = _text(rec, "item_id", errors)
        row["role"] = _text(rec, "role", errors)
        if row["role"] and row["role"] not in {r.value for r in CreditRole}:
            errors.append(f"role must be one of {sorted(r.value for r in CreditRole)}")
        share = rec.get("share")
        row["share"], row["share_ppm"] = (share if isinstance(share, str) else ""), 0
        if not isinstance(share, str):
            errors.append("share must be an exact decimal string, e.g. \"0.25\"")
        else:
            try:
                row["share_ppm"] = ppm(share)
                if not 0 < row["share_ppm"] <= PPM:
                    errors.append("share must be in (0, 1]")
            except (ValueError, ArithmeticError) as exc:
                errors.append(f"share: {exc}")
        row["key"] = f"{row['output_id']}|{row['item_kind']}|{row['item_id']}|{row['role']}"
    else:
        row["model_id"] = _text(rec, "model_id", errors)
        row["work_id"] = _text(rec, "work_id", errors)
        row["tokens"] = _int(rec, "tokens", errors)
        row["seconds_ms"] = _millis(rec.get("seconds", "0"), errors)
        row["key"] = f"{row['model_id']}|{row['work_id']}"
    if errors:
        return None, errors
    table = TYPE_TABLE[typ]
    # a usage event without seconds hashes as it did before the column existed (a repeat of an
    # older record stays a duplicate); "seconds": 0 is the same record as no seconds
    content = json.dumps({k: row[k] for k in sorted(row)
                          if not (table == "usage" and k == "seconds_ms" and not row[k])},
                         sort_keys=True)
    if table == "usage":
        row.setdefault("seconds_ms", 0)
    row["row_hash"] = hashlib.sha256(content.encode()).hexdigest()[:32]
    return table, row


def part_files(events_dir: Path, table: str) -> list[Path]:
    return sorted((events_dir / table).glob("part-*.parquet"))


def _read_part(path: Path, table: str, columns: list[str] | None) -> pa.Table:
    """One part in the table's current schema: a column added since it was written (usage's
    `seconds_ms`) reads as 0."""
    schema = SCHEMAS[table]
    names = columns or schema.names
    have = set(pq.read_schema(path).names)
    t = pq.read_table(path, columns=[c for c in names if c in have])
    cols = [t.column(c).cast(schema.field(c).type) if c in have
            else pa.array([0] * t.num_rows, schema.field(c).type) for c in names]
    return pa.Table.from_arrays(cols, schema=pa.schema([schema.field(c) for c in names]))


def read_table(events_dir: Path, table: str, columns: list[str] | None = None) -> pa.Table:
    files = part_files(events_dir, table)
    schema = SCHEMAS[table]
    if not files:
        return schema.empty_table() if columns is None else pa.schema(
            [schema.field(c) for c in columns]).empty_table()
    return pa.concat_tables(_read_part(f, table, columns) for f in files)


def _write_part(events_dir: Path, table: str, rows: list[dict]) -> Path:
    d = events_dir / table
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"part-{fmt(now()).replace(':', '')}-{uuid.uuid4().hex[:8]}.parquet"
    fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[table]), tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def ingest_records(events_dir: Path, records: list[tuple[int, object]], source: str
                   ) -> IngestSummary:
    """Validate and append records (line number, parsed JSON or a parse error string)."""
    summary = IngestSummary()
    rejects: list[dict] = []
    batches: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, rec in records:
        if isinstance(rec, str):
            rejects.append({"line": line, "record": None, "reasons": [rec]})
            continue
        table, row = validate(rec)
        if table is None:
            rejects.append({"line": line, "record": rec, "reasons": row})
        else:
            batches[table].append((line, row))
    stamp = fmt(now())
    accepted: dict[str, list[dict]] = {}
    for table, rows in batches.items():
        known = read_table(events_dir, table, ["key", "row_hash"])
        seen = dict(zip(known.column("key").to_pylist(), known.column("row_hash").to_pylist(),
                        strict=True))
        if table == "credits":
            rows = _check_credit_groups(rows, known, rejects, seen)
        keep: list[dict] = []
        for line, row in rows:
            prev = seen.get(row["key"])
            if prev == row["row_hash"]:
                summary.duplicates += 1
                continue
            if prev is not None:
                rejects.append({"line": line, "record": row,
                                "reasons": [f"idempotency key {row['key']!r} was already used "
                                            "with different content"]})
                continue
            seen[row["key"]] = row["row_hash"]
            keep.append({**row, "ingested_at": stamp})
        if keep:
            accepted[table] = keep
    for table, rows in accepted.items():
        _write_part(events_dir, table, rows)
        summary.accepted[table] = len(rows)
    if rejects:
        rdir = events_dir / "rejects"
        path = rdir / f"{stamp.replace(':', '')}-{uuid.uuid4().hex[:6]}-{Path(source).name}.jsonl"
        write_text(path, "".join(json.dumps(r, sort_keys=True, default=str) + "\n"
                                 for r in rejects))
        summary.rejected, summary.reject_file = len(rejects), str(path)
    return summary


def _check_credit_groups(rows, known, rejects, seen):
    """The credits of one output arrive together and sum to exactly 1; an output's credits are
    never extended later (a different attribution is a new output's record)."""
    known_outputs = {k.split("|", 1)[0] for k in seen}
    groups: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, row in rows:
        groups[row["output_id"]].append((line, row))
    ok = []
    for output, group in groups.items():
        if all(seen.get(r["key"]) == r["row_hash"] for _, r in group):
            ok += group  # a repeat of what is recorded: duplicates
            continue
        total = sum(r["share_ppm"] for _, r in group)
        reason = None
        if output in known_outputs:
            reason = f"credits of output {output!r} are already recorded"
        elif total != PPM:
            reason = f"credits of output {output!r} sum to {total / PPM} instead of 1"
        if reason:
            rejects += [{"line": line, "record": r, "reasons": [reason]} for line, r in group]
        else:
            ok += group
    return ok


def ingest_file(events_dir: Path, path: Path) -> IngestSummary:
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"no file at {path}")
    records: list[tuple[int, object]] = []
    with path.open(encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                records.append((n, json.loads(raw)))
            except json.JSONDecodeError as exc:
                records.append((n, f"not valid JSON: {exc}"))
    return ingest_records(events_dir, records, str(path))


# Reading back as domain records (for the pure engine and tests).
def usage_events(events_dir: Path) -> list[UsageEvent]:
    t = read_table(events_dir, "usage").to_pylist()
    return [UsageEvent(r["key"], UsageKind(r["kind"]), r["feature"], r["period"], r["output_id"],
                       r["model_id"], r["recording_id"], r["seconds_ms"] or 0) for r in t]


def revenue_events(events_dir: Path) -> list[RevenueEvent]:
    return [RevenueEvent(r["key"], r["feature"], r["period"], r["territory"], r["currency"],
                         r["amount_minor"]) for r in read_table(events_dir, "revenue").to_pylist()]


def credits(events_dir: Path) -> list[Credit]:
    return [Credit(r["output_id"], ItemKind(r["item_kind"]), r["item_id"], r["share_ppm"],
                   CreditRole(r["role"])) for r in read_table(events_dir, "credits").to_pylist()]


def contributions(events_dir: Path) -> list[Contribution]:
    return [Contribution(r["model_id"], r["work_id"], r["tokens"], r["seconds_ms"])
            for r in read_table(events_dir, "contributions").to_pylist()]
