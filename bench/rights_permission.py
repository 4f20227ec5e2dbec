"""Benchmark: the permission rule over a synthetic catalogue, set-based (SQL) vs per item.

    .venv/bin/python bench/rights_permission.py [--recordings 1000000] [--db sqlite|postgresql|both]

Synthetic registry: 200,000 parties (1,000 labels, 500 publishers, the rest artists/writers),
recordings/2 works, 1M recordings, 2M consent events, ~2,000 agreements (some non-commercial,
expired, terminated, listing or excluding items). Reports: load time, set-based "permitted for
train at T" time and count, the median warm single `check` over a sample, and the ratio of the
per-item loop's projected time for the whole catalogue to the set-based time. Appends nothing by
itself; copy the printed table into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, text

from accord.db.engine import create_schema, make_engine, session_scope
from accord.rights import service
from accord.rights.model import Purpose, Use
from accord.rights.setbased import permitted_recordings
from accord.rights.tables import (
    AgreementItemRow,
    AgreementRow,
    AgreementTerminationRow,
    AgreementTerritoryRow,
    AgreementUseRow,
    ConsentEventRow,
    PartyRoleRow,
    PartyRow,
    RecordingArtistRow,
    RecordingMasterRow,
    RecordingRow,
    WorkPublisherRow,
    WorkRow,
    WorkWriterRow,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, tzinfo=UTC)


def synth(n_rec: int, n_parties: int, n_consents: int, seed: int = 7) -> dict[str, list[dict]]:
    rnd = random.Random(seed)
    labels = [f"L{i}" for i in range(1000)]
    pubs = [f"P{i}" for i in range(500)]
    people = [f"A{i}" for i in range(n_parties - len(labels) - len(pubs))]
    n_work = n_rec // 2
    rows: dict[str, list[dict]] = {k: [] for k in (
        "parties", "roles", "works", "writers", "publishers", "recordings", "artists", "masters",
        "agreements", "uses", "territories", "items", "terminations", "consents")}
    for p in labels:
        rows["parties"].append({"id": p, "name": p, "demo": True})
        rows["roles"].append({"party_id": p, "role": "label"})
    for p in pubs:
        rows["parties"].append({"id": p, "name": p, "demo": True})
        rows["roles"].append({"party_id": p, "role": "publisher"})
    for p in people:
        rows["parties"].append({"id": p, "name": p, "demo": True})
        rows["roles"].append({"party_id": p, "role": "performing_artist"})
    hundred = __import__("decimal").Decimal(100)
    for w in range(n_work):
        wid = f"W{w}"
        rows["works"].append({"id": wid, "title": wid, "demo": True})
        rows["writers"].append({"work_id": wid, "party_id": rnd.choice(people), "share": hundred})
        rows["publishers"].append({"work_id": wid, "party_id": pubs[w % len(pubs)],
                                   "share": hundred})
    for r in range(n_rec):
        rid = f"R{r}"
        rows["recordings"].append({"id": rid, "title": rid, "work_id": f"W{r % n_work}",
                                   "demo": True})
        for a in {rnd.choice(people) for _ in range(rnd.choice((1, 1, 2)))}:
            rows["artists"].append({"recording_id": rid, "party_id": a})
        rows["masters"].append({"recording_id": rid, "party_id": labels[r % len(labels)],
                                "share": hundred})
    n = 0
    for holder in labels + pubs:
        for _ in range(rnd.choice((1, 2))):
            n += 1
            aid = f"AG{n}"
            expired = rnd.random() < 0.05
            rows["agreements"].append({
                "id": aid, "licensor_id": holder, "title": aid,
                "purpose": "non_commercial" if rnd.random() < 0.1 else "commercial",
                "catalogue_all": rnd.random() < 0.9, "valid_from": T0,
                "valid_until": T0 + timedelta(days=365) if expired else None,
                "grace_period_days": 0, "revenue_terms": {}, "demo": True, "recorded_at": T0})
            for u in ("train", "style") if rnd.random() < 0.5 else ("train",):
                rows["uses"].append({"agreement_id": aid, "use": u})
            rows["territories"].append({"agreement_id": aid, "territory": "WW"})
            if rnd.random() < 0.02:
                rows["terminations"].append({"id": f"T{n}", "agreement_id": aid,
                                             "effective_at": T0 + timedelta(days=400),
                                             "reason": "", "recorded_at": T0})
    # listed and excluded items: a few thousand of each
    for k in range(5000):
        a = rows["agreements"][k % len(rows["agreements"])]
        kind_rec = a["licensor_id"].startswith("L")
        item = f"R{rnd.randrange(n_rec)}" if kind_rec else f"W{rnd.randrange(n_work)}"
        rows["items"].append({"agreement_id": a["id"], "item_id": item,
                              "kind": "recording" if kind_rec else "work",
                              "included": not a["catalogue_all"]})
    seen = set()
    rows["items"] = [i for i in rows["items"]
                     if (i["agreement_id"], i["item_id"]) not in seen
                     and not seen.add((i["agreement_id"], i["item_id"]))]
    for c in range(n_consents):
        who = people[c % len(people)] if c < len(people) else rnd.choice(people)
        action = "opt_in" if rnd.random() < 0.8 else "revoke"
        rows["consents"].append({
            "id": f"C{c}", "party_id": who, "use": rnd.choice(("train", "train", "style")),
            "action": action, "effective_at": T0 + timedelta(days=rnd.randrange(1000)),
            "reason": "", "recorded_at": T0})
    return rows


ORDER = [("parties", PartyRow), ("roles", PartyRoleRow), ("works", WorkRow),
         ("writers", WorkWriterRow), ("publishers", WorkPublisherRow),
         ("recordings", RecordingRow), ("artists", RecordingArtistRow),
         ("masters", RecordingMasterRow), ("agreements", AgreementRow),
         ("uses", AgreementUseRow), ("territories", AgreementTerritoryRow),
         ("items", AgreementItemRow), ("terminations", AgreementTerminationRow),
         ("consents", ConsentEventRow)]


def load(url: str, rows: dict) -> float:
    start = time.perf_counter()
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        _copy_pg(engine, rows)
    else:
        with engine.begin() as conn:
            for key, model in ORDER:
                batch = rows[key]
                for i in range(0, len(batch), 50_000):
                    conn.execute(insert(model), batch[i:i + 50_000])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


def _copy_pg(engine, rows) -> None:
    """COPY is how one bulk-loads PostgreSQL; values go through each column's type."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        dialect = engine.dialect
        for key, model in ORDER:
            table = model.__table__
            cols = [c for c in table.columns if c.name in rows[key][0]] if rows[key] else []
            if not cols:
                continue
            procs = [c.type.bind_processor(dialect) if hasattr(c.type, "bind_processor")
                     else None for c in cols]
            buf = io.StringIO()
            for r in rows[key]:
                vals = []
                for c, proc in zip(cols, procs, strict=True):
                    v = r[c.name]
                    v = proc(v) if proc else v
                    if isinstance(c.type, type(AgreementRow.__table__.c.revenue_terms.type)):
                        v = "{}"
                    vals.append("\\N" if v is None else str(v).replace("\t", " "))
                buf.write("\t".join(vals) + "\n")
            buf.seek(0)
            with cur.copy(f"COPY {table.name} ({', '.join(c.name for c in cols)}) FROM STDIN") \
                    as copy:
                copy.write(buf.read())
        raw.commit()
    finally:
        raw.close()


def measure(url: str, rows: dict, sample: int) -> dict:
    create_schema(url)
    load_s = load(url, rows)
    engine = make_engine(url)
    times = []
    for _ in range(3):
        with session_scope(engine) as session:
            t = time.perf_counter()
            allowed = permitted_recordings(session, Use.TRAIN, AT, Purpose.COMMERCIAL)
            times.append(time.perf_counter() - t)
    rnd = random.Random(1)
    ids = [f"R{rnd.randrange(len(rows['recordings']))}" for _ in range(sample)]
    per = []
    with session_scope(engine) as session:
        for rid in ids[:20]:  # warm-up
            service.check(session, Use.TRAIN, recording=rid, at=AT)
        for rid in ids:
            t = time.perf_counter()
            d = service.check(session, Use.TRAIN, recording=rid, at=AT)
            per.append(time.perf_counter() - t)
            assert d.allowed == (rid in allowed), rid  # the two agree on the sample
    set_s = min(times)
    med = statistics.median(per)
    return {"load_s": load_s, "set_based_s": set_s, "set_based_runs": times,
            "permitted": len(allowed), "check_median_ms": med * 1000,
            "check_p99_ms": sorted(per)[int(len(per) * 0.99) - 1] * 1000,
            "loop_projected_s": med * len(rows["recordings"]),
            "ratio": med * len(rows["recordings"]) / set_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recordings", type=int, default=1_000_000)
    ap.add_argument("--parties", type=int, default=200_000)
    ap.add_argument("--consents", type=int, default=2_000_000)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = ap.parse_args()
    t = time.perf_counter()
    rows = synth(args.recordings, args.parties, args.consents)
    print(f"generated {sum(map(len, rows.values())):,} rows in {time.perf_counter() - t:.1f} s")
    results = {}
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", rows, args.sample)
    if args.db in ("postgresql", "both"):
        name = f"accord_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results["PostgreSQL"] = measure(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", rows, args.sample)
        finally:
            make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}").dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"\n{args.recordings:,} recordings, {args.parties:,} parties, "
          f"{args.consents:,} consent events; {os.cpu_count()} cores; "
          f"{datetime.now(UTC):%Y-%m-%d}; load average at the end "
          f"{os.getloadavg()[0]:.1f} (other sessions share this machine)")
    print("| database | load s | set-based s (best of 3) | permitted | check median ms "
          "| check p99 ms | per-item loop, projected s | loop / set-based |")
    print("|---|---|---|---|---|---|---|---|")
    for db, r in results.items():
        print(f"| {db} | {r['load_s']:.1f} | {r['set_based_s']:.2f} | {r['permitted']:,} | "
              f"{r['check_median_ms']:.2f} | {r['check_p99_ms']:.2f} | "
              f"{r['loop_projected_s']:.0f} | {r['ratio']:.0f}x |")


if __name__ == "__main__":
    main()
