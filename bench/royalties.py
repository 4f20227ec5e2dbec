"""Royalty distribution benchmark: synthetic usage events with credits over many items and
payees; the full distribution with DuckDB (N threads) vs a straightforward pandas implementation
on the SAME events at each size of --equal (default 2M and 20M; ratio of wall times on equal
data, printed as "pandas X s / DuckDB Y s = Rx"); Spark local mode on a smaller log.

The equal-data comparison alone (--events 0 skips the DuckDB-only run), at 2M and at 20M:

    nproc; cat /proc/loadavg
    PYTHONPATH=src nice -n 5 .venv/bin/python bench/royalties.py --events 0 --threads 2 \
        --equal 2000000 --json-out bench/royalties-equal-2M.json
    PYTHONPATH=src nice -n 5 .venv/bin/python bench/royalties.py --events 0 --threads 2 \
        --equal 20000000 --json-out bench/royalties-equal-20M.json

Everything (DuckDB alone at 20M, equal data at 2M and 20M, Spark at 2M):

    PYTHONPATH=src python bench/royalties.py --events 20000000 --threads 2 \
        --equal 2000000,20000000 --spark-events 2000000

Generation (DuckDB SQL straight to Parquet, in the event log's layout) is not timed. Timed:
the aggregation (DuckDB's SQL or pandas: payee weights and sub-pool units) and the exact
allocation: DuckDB's weights go to `distribute_columns` as columns (the run's path,
period.compute_period), pandas' dict to `distribute_weights`; both give the same amounts
(`same_allocations_as_duckdb`); with
--revoked-payees F, the withholding too: a fraction F of the payees revoke `train` from the
middle of the period, so the usage is cut into two time slices, the revokers' items are sliced
(one more SQL query) and their money split into paid and withheld (withhold.py), the consent
facts given once, as a run reads them in one query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.rights.model import ConsentAction, ConsentEvent, Use
from accord.royalties.distribute import distribute_columns, distribute_weights
from accord.royalties.engine_sql import DuckDBEngine, SparkEngine, wanted_table
from accord.royalties.model import FACTOR_SCALE, PPM, Holder, ItemKind, RevenueEvent
from accord.royalties.policy import load_policy
from accord.royalties.withhold import (
    RightsFacts,
    apply_withholding,
    cut_instants,
    wanted_items,
    withheld_quotas,
)

PERIOD = "2026-11"


def generate(root: Path, events: int, items: int, payees: int, threads: int) -> dict:
    """Usage (95% outputs, 5% DJ plays), 3 credits an output (20 events an output on average),
    2 models trained on all works, holders: 2/3 of items one payee, 1/3 two payees 50/50."""
    outputs = max(events // 20, 1)
    recordings = max(items // 10, 1)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    for t in ("usage", "credits", "contributions"):
        (root / "events" / t).mkdir(parents=True, exist_ok=True)
    con.execute(f"""COPY (
      SELECT 'e' || i AS key,
             CASE WHEN i % 20 = 19 THEN 'played'
                  WHEN i % 7 = 0 THEN 'downloaded'
                  WHEN i % 3 = 0 THEN 'generated' ELSE 'streamed' END AS kind,
             CASE WHEN i % 20 = 19 THEN 'dj' ELSE 'create' END AS feature,
             '{PERIOD}' AS period,
             strftime(TIMESTAMP '{PERIOD}-01 00:00:00' + to_seconds(i % 2592000),
                      '%Y-%m-%dT%H:%M:%SZ') AS occurred_at,
             CASE WHEN i % 20 = 19 THEN '' ELSE 'o' || (hash(i) % {outputs}) END AS output_id,
             CASE WHEN i % 20 = 19 THEN '' ELSE 'm' || (hash(i) % {outputs} % 2) END
               AS model_id,
             CASE WHEN i % 20 = 19 THEN 'r' || (hash(i * 3) % {recordings}) ELSE '' END
               AS recording_id,
             '' AS row_hash, '' AS ingested_at
      FROM range({events}) t(i)) TO '{root}/events/usage/part-0.parquet'
      (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    con.execute(f"""COPY (
      SELECT 'o' || o || '|' || r AS key, 'o' || o AS output_id, 'work' AS item_kind,
             'w' || (hash(o * 3 + r) % {items}) AS item_id,
             CAST(CASE r WHEN 0 THEN 500000 WHEN 1 THEN 300000 ELSE 200000 END AS BIGINT)
               AS share_ppm, '' AS share,
             CASE r WHEN 0 THEN 'training' WHEN 1 THEN 'conditioning' ELSE 'source' END AS role,
             '' AS row_hash, '' AS ingested_at
      FROM range({outputs}) a(o), range(3) b(r)) TO '{root}/events/credits/part-0.parquet'
      (FORMAT parquet)""")
    con.execute(f"""COPY (
      SELECT 'm' || m || '|w' || w AS key, 'm' || m AS model_id, 'w' || w AS work_id,
             CAST(100 + hash(w) % 900 AS BIGINT) AS tokens, CAST(0 AS BIGINT) AS seconds_ms,
             '' AS row_hash, '' AS ingested_at
      FROM range(2) a(m), range({items}) b(w)) TO '{root}/events/contributions/part-0.parquet'
      (FORMAT parquet)""")
    half = FACTOR_SCALE // 2
    con.execute(f"""COPY (
      SELECT 'work' AS item_kind, 'w' || w AS item_id, 'p' || (w * 7919 % {payees}) AS payee_id,
             'writer' AS side,
             CAST(CASE WHEN w % 3 = 0 THEN {half} ELSE {FACTOR_SCALE} END AS BIGINT) AS factor
      FROM range({items}) t(w)
      UNION ALL
      SELECT 'work', 'w' || w, 'p' || ((w * 7919 + 1) % {payees}), 'publisher',
             CAST({half} AS BIGINT)
      FROM range({items}) t(w) WHERE w % 3 = 0
      UNION ALL
      SELECT 'recording', 'r' || r, 'label' || (r % 100), 'master', CAST({FACTOR_SCALE} AS BIGINT)
      FROM range({recordings}) t(r)) TO '{root}/holders.parquet' (FORMAT parquet)""")
    con.close()
    return {"outputs": outputs, "recordings": recordings}


REVENUE = [RevenueEvent("rev1", "create", PERIOD, "WW", "EUR", 10_000_000_00),
           RevenueEvent("rev2", "dj", PERIOD, "WW", "EUR", 1_000_000_00)]


def revocations(payees: int, fraction: float) -> RightsFacts:
    """The first fraction of the payees revoke train from the middle of the period."""
    at = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
    return RightsFacts(consents=tuple(
        ConsentEvent(f"c{k}", f"p{k}", Use.TRAIN, ConsentAction.REVOKE, at)
        for k in range(int(payees * fraction))))


def withhold_step(engine, policy, dist, weights, holders, facts: RightsFacts) -> tuple:
    """What service.compute_period does after the allocation (holders filtered with Arrow to
    the revokers' rows first, instead of building a million Holder records)."""
    revokers = pa.array(sorted(facts.revokers))
    mine = holders.filter(pc.is_in(holders.column("payee_id"), value_set=revokers))
    hs = [Holder(ItemKind(r["item_kind"]), r["item_id"], r["payee_id"], r["side"], "",
                 r["factor"]) for r in mine.to_pylist()]
    wanted = wanted_items(hs, facts, PERIOD)
    t0 = time.perf_counter()
    rows = engine.sliced(policy, PERIOD, wanted_table(wanted),
                         tuple(c.strftime("%Y-%m-%dT%H:%M:%S")
                               for c in cut_instants(facts, PERIOD)))
    t1 = time.perf_counter()
    quotas = withheld_quotas(dist, rows, hs, facts, REVENUE, policy, PERIOD,
                             cut_instants(facts, PERIOD))
    out = apply_withholding(dist, weights, quotas, policy)
    return out, len(wanted), len(rows), round(t1 - t0, 2), round(time.perf_counter() - t1, 2)


def run_engine(engine, policy, facts: RightsFacts | None = None, holders=None
               ) -> tuple[dict, dict]:
    t0 = time.perf_counter()
    cuts = () if facts is None else tuple(c.strftime("%Y-%m-%dT%H:%M:%S")
                                          for c in cut_instants(facts, PERIOD))
    columns = engine.weight_columns(policy, PERIOD, holders, cuts)
    units = engine.units(policy, PERIOD, holders, cuts)
    t1 = time.perf_counter()
    dist = distribute_columns(columns, units, REVENUE, policy, PERIOD)
    t2 = time.perf_counter()
    weights = columns.to_dict() if facts is not None else None  # the withholding reads them
    extra = {}
    if facts is not None:
        dist, n_items, n_rows, sql_s, py_s = withhold_step(engine, policy, dist, weights,
                                                            holders, facts)
        extra = {"withhold_s": round(time.perf_counter() - t2, 2), "withhold_sql_s": sql_s,
                 "withhold_python_s": py_s, "revokers":
                 len(facts.revokers), "wanted_items": n_items, "sliced_rows": n_rows,
                 "withheld_minor": sum(dist.withheld.values())}
    t3 = time.perf_counter()
    assert sum(dist.allocations.values()) == sum(r.amount_minor for r in REVENUE)
    return dist.allocations, {"sql_s": round(t1 - t0, 2), "allocate_s": round(t2 - t1, 2),
                              **extra, "total_s": round(t3 - t0, 2),
                              "payees": sum(1 for _ in dist.allocations)}


def pandas_weights(root: Path, policy) -> dict:
    """The straightforward pandas version of the same aggregation (exact: Python ints where
    int64 would overflow)."""
    import pandas as pd

    u = pd.read_parquet(root / "events/usage", columns=["kind", "feature", "output_id",
                                                        "model_id", "recording_id"])
    c = pd.read_parquet(root / "events/credits")
    t = pd.read_parquet(root / "events/contributions")
    h = pd.read_parquet(root / "holders.parquet")
    u["units"] = u["kind"].map(policy.unit_weights()).astype("int64")
    outs = u[u.kind != "played"].groupby(["feature", "output_id", "model_id"],
                                        as_index=False)["units"].sum()
    oi = outs.merge(c, on="output_id")
    oi["subpool"] = "output:" + oi["role"]
    oi["weight"] = oi["units"] * oi["share_ppm"]
    plays = u[u.kind == "played"].groupby(["feature", "recording_id"], as_index=False)[
        "units"].sum()
    pi = plays.rename(columns={"recording_id": "item_id"}).assign(
        subpool="play", model_id="", item_kind="recording")
    pi["weight"] = pi["units"] * PPM
    cols = ["feature", "subpool", "model_id", "item_kind", "item_id", "units", "weight"]
    ui = pd.concat([oi[cols], pi[cols]])
    act = ui.groupby(["feature", "item_kind", "item_id"])["units"].transform("sum")
    ui = ui[act >= policy.thresholds.minimum_item_units]
    mu = outs.groupby(["feature", "model_id"], as_index=False)["units"].sum()
    ti = mu.merge(t, on="model_id").rename(columns={"work_id": "item_id"})
    ti = ti.assign(subpool="training:" + ti["model_id"], item_kind="work")
    ti["weight"] = {"equal": 1, "tokens": ti["tokens"], "seconds": ti["seconds_ms"]}[
        policy.split.training_weighting]
    items = pd.concat([ui, ti[cols]]).groupby(
        ["feature", "subpool", "model_id", "item_kind", "item_id"], as_index=False)[
        ["units", "weight"]].sum()
    lines = items.merge(h, on=["item_kind", "item_id"], how="left")
    lines["w"] = [int(a) * int(b) for a, b in zip(lines["weight"], lines["factor"], strict=True)]
    g = lines.groupby(["feature", "subpool", "payee_id"])["w"].sum()
    out: dict = {}
    for (f, s, p), w in g.items():
        out.setdefault((f, s), {})[p] = int(w)
    return out


def pandas_units(root: Path, policy) -> dict:
    """Units per (feature, kind) with pandas, as the engine's UNITS query counts them: outputs',
    plays' and each model's."""
    import pandas as pd

    u = pd.read_parquet(root / "events/usage", columns=["kind", "feature", "model_id"])
    u = u[u["kind"].isin(list(policy.unit_weights()))]
    u["units"] = u["kind"].map(policy.unit_weights()).astype("int64")
    played = u["kind"] == "played"
    out = {(f, "output"): int(v) for f, v in u[~played].groupby("feature")["units"].sum().items()}
    out |= {(f, "play"): int(v) for f, v in u[played].groupby("feature")["units"].sum().items()}
    out |= {(f, f"model:{m}"): int(v) for (f, m), v in
            u[~played].groupby(["feature", "model_id"])["units"].sum().items()}
    return out


class _Done(Exception):
    """--duckdb-only: stop after the DuckDB run."""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000_000,
                    help="size of the DuckDB-only run (0: skip it)")
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--payees", type=int, default=200_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--equal", default="2000000,20000000",
                    help="sizes at which DuckDB and pandas run on the same events ('' : none)")
    ap.add_argument("--spark-events", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json-out", type=Path, default=None)
    ap.add_argument("--duckdb-only", action="store_true", help="skip the pandas and Spark runs")
    ap.add_argument("--revoked-payees", type=float, default=0.0,
                    help="fraction of payees revoking train mid-period (DuckDB run only)")
    a = ap.parse_args()
    policy = load_policy()
    base = Path(tempfile.mkdtemp(prefix="accord-bench-", dir=a.workdir))
    res: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "nproc": int(subprocess.check_output(["nproc"]).strip()),
                 "threads": a.threads, "items": a.items, "payees": a.payees,
                 "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}
    try:
        def size(n, tag):
            root = base / tag
            t0 = time.perf_counter()
            meta = generate(root, n, a.items, a.payees, a.threads)
            gen = time.perf_counter() - t0
            mb = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 1e6
            return root, {"events": n, **meta, "generate_s": round(gen, 1),
                          "parquet_mb": round(mb, 1)}

        if a.events:
            root, info = size(a.events, "main")
            holders = pq.read_table(root / "holders.parquet")
            eng = DuckDBEngine(root / "events", threads=a.threads)
            facts = revocations(a.payees, a.revoked_payees) if a.revoked_payees else None
            _, timing = run_engine(eng, policy, facts, holders)
            eng.close()
            res["duckdb"] = {**info, **timing,
                             "events_per_s": round(a.events / timing["total_s"])}
            print(json.dumps(res["duckdb"]), flush=True)
            shutil.rmtree(root, ignore_errors=True)

        if a.duckdb_only:
            a.spark_events = 0
            raise _Done
        res["equal_data"] = []
        for n in [int(x) for x in a.equal.split(",") if x]:
            proot, pinfo = size(n, f"equal-{n}")
            pholders = pq.read_table(proot / "holders.parquet")
            load_before = round(os.getloadavg()[0], 2)
            eng = DuckDBEngine(proot / "events", threads=a.threads)  # cold: nothing staged
            dalloc, dtiming = run_engine(eng, policy, None, pholders)
            eng.close()
            load_mid = round(os.getloadavg()[0], 2)
            t0 = time.perf_counter()
            pweights = pandas_weights(proot, policy)
            punits = pandas_units(proot, policy)
            t1 = time.perf_counter()
            pdist = distribute_weights(pweights, punits, REVENUE, policy, PERIOD)
            pt = time.perf_counter() - t0
            load_after = round(os.getloadavg()[0], 2)
            eng = DuckDBEngine(proot / "events", threads=a.threads)  # untimed: the checks
            dweights = eng.weights(policy, PERIOD, pholders)
            dunits = eng.units(policy, PERIOD, pholders)
            eng.close()
            row = {**pinfo, "duckdb_sql_s": dtiming["sql_s"],
                   "duckdb_allocate_s": dtiming["allocate_s"],
                   "duckdb_total_s": dtiming["total_s"],
                   "duckdb_events_per_s": round(n / dtiming["total_s"]),
                   "pandas_aggregate_s": round(t1 - t0, 2),
                   "pandas_allocate_s": round(pt - (t1 - t0), 2),
                   "pandas_total_s": round(pt, 2), "pandas_events_per_s": round(n / pt),
                   "ratio_pandas_s_over_duckdb_s": round(pt / dtiming["total_s"], 1),
                   "ratio_aggregation_only": round((t1 - t0) / dtiming["sql_s"], 1),
                   "same_weights_as_duckdb": pweights == dweights,
                   "same_units_as_duckdb": punits == dunits,
                   "same_allocations_as_duckdb": pdist.allocations == dalloc,
                   "loadavg_1m_before_between_after": [load_before, load_mid, load_after]}
            print(f"{n:,} events: pandas {pt:.2f} s / DuckDB {dtiming['total_s']:.2f} s = "
                  f"{pt / dtiming['total_s']:.1f}x on the same events", flush=True)
            res["equal_data"].append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(proot, ignore_errors=True)

        if a.spark_events:
            sroot, sinfo = size(a.spark_events, "spark")
            sh = pq.read_table(sroot / "holders.parquet")
            t0 = time.perf_counter()
            eng = SparkEngine(sroot / "events", master=f"local[{a.threads}]")
            start = time.perf_counter() - t0
            salloc, stiming = run_engine(eng, policy, None, sh)
            eng.close()
            d = DuckDBEngine(sroot / "events", threads=a.threads)
            dalloc, dt2 = run_engine(d, policy, None, sh)
            res["spark"] = {**sinfo, "session_start_s": round(start, 1), **stiming,
                            "events_per_s": round(a.spark_events / stiming["total_s"]),
                            "duckdb_same_size_total_s": dt2["total_s"],
                            "identical_to_duckdb": salloc == dalloc}
            print(json.dumps(res["spark"]), flush=True)
    except _Done:
        pass
    finally:
        shutil.rmtree(base, ignore_errors=True)
    res["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(res, indent=2))
    if a.json_out:
        a.json_out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    main()
