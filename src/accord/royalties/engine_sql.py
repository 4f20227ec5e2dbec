"""The aggregation as one SQL text, run by DuckDB (the embedded default) or by Spark.

Both engines register the same views (usage, credits, contributions, holders) and run the same
statements, so the maths is written once; all weights are integers (BIGINT, DECIMAL(38,0)), so
the engines agree exactly with each other and with the Python reference (aggregate.py).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.royalties.engine import Cuts, RoyaltyEngine, Units, Weights
from accord.royalties.eventlog import SCHEMAS, part_files
from accord.royalties.model import FACTOR_SCALE, PPM, UNALLOCATED, Holder, Line, period_ok
from accord.royalties.policy import Policy
from accord.royalties.weights import WeightColumns
from accord.royalties.withhold import SlicedItem

HOLDERS_SCHEMA = pa.schema([("item_kind", pa.string()), ("item_id", pa.string()),
                            ("payee_id", pa.string()), ("side", pa.string()),
                            ("factor", pa.int64())])

#: Stage 1, materialised once per period by each engine as `ev_units`: the period's events
#: reduced to units per output (and per played recording), in one table with a `played` flag.
#: Outputs and plays are grouped apart, each by the only ids it has (an output's event by
#: output and model, a play by recording): a hash aggregation's cost grows with the number of
#: key columns, and grouping both kinds by all of them at once cost nearly twice as much (each
#: branch reads only its columns of the log, its kind filter pushed into the scan). Nothing
#: downstream reads the ids a kind does not use (out_units: output and model; plays:
#: recording), so the other kind's columns are left empty. Without cuts every event is in slice
#: 0, which is then a constant of the result rather than a key of the grouping ({slice_key}).
STAGE_SQL = """
SELECT feature, 0 AS played, output_id, model_id, '' AS recording_id, {slice_out},
       SUM(units) AS units
FROM (
  SELECT feature, output_id, model_id, {slice} AS slice,
         CAST(CASE kind WHEN 'generated' THEN {generated} WHEN 'streamed' THEN {streamed}
                        WHEN 'downloaded' THEN {downloaded} ELSE 0 END AS BIGINT) AS units
  FROM usage WHERE period = '{period}' AND kind <> 'played'
) o
GROUP BY feature, output_id, model_id{slice_key}
UNION ALL
SELECT feature, 1 AS played, '' AS output_id, '' AS model_id, recording_id, {slice_out},
       SUM(units) AS units
FROM (
  SELECT feature, recording_id, {slice} AS slice, CAST({played_units} AS BIGINT) AS units
  FROM usage WHERE period = '{period}' AND kind = 'played'
) p
GROUP BY feature, recording_id{slice_key}
"""

_ITEMS = """
WITH out_units AS (
  SELECT feature, output_id, model_id, SUM(units) AS units
  FROM ev_units WHERE played = 0 GROUP BY feature, output_id, model_id
),
out_items AS (
  SELECT o.feature, concat('output:', c.role) AS subpool, o.model_id, c.item_kind, c.item_id,
         o.units AS units, o.units * c.share_ppm AS weight
  FROM out_units o JOIN credits c ON c.output_id = o.output_id
),
play_items AS (
  SELECT feature, 'play' AS subpool, '' AS model_id, 'recording' AS item_kind,
         recording_id AS item_id, SUM(units) AS units, SUM(units) * {ppm} AS weight
  FROM ev_units WHERE played = 1 GROUP BY feature, recording_id
),
usage_items AS (SELECT * FROM out_items UNION ALL SELECT * FROM play_items),
active AS (
  SELECT feature, item_kind, item_id FROM usage_items
  GROUP BY feature, item_kind, item_id HAVING SUM(units) >= {min_units}
),
model_units AS (
  SELECT feature, model_id, SUM(units) AS units FROM out_units GROUP BY feature, model_id
),
train_items AS (
  SELECT m.feature, concat('training:', m.model_id) AS subpool, m.model_id,
         'work' AS item_kind, t.work_id AS item_id, m.units AS units,
         CAST({train_weight} AS BIGINT) AS weight
  FROM model_units m JOIN contributions t ON t.model_id = m.model_id
),
items AS (
  SELECT feature, subpool, model_id, item_kind, item_id,
         SUM(units) AS units, SUM(weight) AS weight
  FROM (
    SELECT u.feature, u.subpool, u.model_id, u.item_kind, u.item_id, u.units, u.weight
    FROM usage_items u JOIN active a
      ON u.feature = a.feature AND u.item_kind = a.item_kind AND u.item_id = a.item_id
    UNION ALL
    SELECT feature, subpool, model_id, item_kind, item_id, units, weight FROM train_items
  ) x
  GROUP BY feature, subpool, model_id, item_kind, item_id
),
lines AS (
  SELECT i.feature, i.subpool, i.model_id, i.item_kind, i.item_id,
         COALESCE(h.payee_id, '{unallocated}') AS payee_id, COALESCE(h.side, 'unknown') AS side,
         i.units,
         CAST(i.weight AS DECIMAL(38,0)) * CAST(COALESCE(h.factor, {scale}) AS DECIMAL(38,0))
           AS weight, CAST(COALESCE(h.factor, {scale}) AS BIGINT) AS factor
  FROM items i LEFT JOIN holders h ON h.item_kind = i.item_kind AND h.item_id = i.item_id
  WHERE i.weight > 0 AND COALESCE(h.factor, 1) > 0
)
"""

LINES_SQL = _ITEMS + "SELECT * FROM lines"
#: The lines summed per payee, without a line per (feature, model, work): the training
#: sub-pools' weights are summed per (model, payee) once, straight from the contribution rows,
#: and then given to every feature that used the model (a work's training weight is the same in
#: each); the usage sub-pools' straight from the active usage rows, each row's weight times
#: its holders' factors, without first summing them per item as `items` does. The same sums as
#: grouping LINES_SQL by (feature, subpool, payee): multiplying by a factor distributes over
#: an item's sum, and an item is kept when its summed weight is positive, which (no weight
#: being negative) is when one of its rows is; the rows of weight 0 add nothing, so keeping
#: only the positive rows gives the same payees with the same sums. No weight is negative:
#: units are non-negative multiples of the policy's non-negative unit weights, credit shares
#: are in (0, 1], and contributions' tokens and seconds are never negative (eventlog refuses
#: them).
#: Payees are grouped by their integer code in the holder map (`payee`, coded_holders) rather
#: than by their string: cheaper to hash and compare, and the result needs no dictionary
#: encoding of its payees (WeightColumns.from_codes); a line without a holder takes the
#: residual's code. The same grouping as by payee_id, since codes and payees are one to one.
#: The activity threshold is a join with `active` (ACTIVE_JOIN) only when it can drop a row of
#: positive weight: a usage row's weight is its units times a positive share (or PPM), so a row
#: of positive weight has at least 1 unit, and its item (units summed over non-negative rows)
#: at least as many; with minimum_item_units <= 1 (the default policy's 1) every such item is
#: active, and the join, with the aggregation behind it, would keep every row.
WEIGHTS_SQL = _ITEMS + """,
usage_lines AS (
  SELECT u.feature, u.subpool, COALESCE(h.payee, {unallocated_code}) AS payee,
         CAST(u.weight AS DECIMAL(38,0)) * CAST(COALESCE(h.factor, {scale}) AS DECIMAL(38,0))
           AS weight
  FROM usage_items u{active_join}
  LEFT JOIN holders h ON h.item_kind = u.item_kind AND h.item_id = u.item_id
  WHERE u.weight > 0 AND COALESCE(h.factor, 1) > 0
),
used_models AS (SELECT DISTINCT model_id FROM model_units),
train_payees AS (
  SELECT t.model_id, COALESCE(h.payee, {unallocated_code}) AS payee,
         SUM(CAST(CAST({train_weight} AS BIGINT) AS DECIMAL(38,0))
             * CAST(COALESCE(h.factor, {scale}) AS DECIMAL(38,0))) AS weight
  FROM contributions t JOIN used_models m ON m.model_id = t.model_id
  LEFT JOIN holders h ON h.item_kind = 'work' AND h.item_id = t.work_id
  WHERE CAST({train_weight} AS BIGINT) > 0 AND COALESCE(h.factor, 1) > 0
  GROUP BY t.model_id, COALESCE(h.payee, {unallocated_code})
)
SELECT feature, subpool, payee, SUM(weight) AS weight FROM usage_lines
GROUP BY feature, subpool, payee
UNION ALL
SELECT m.feature, concat('training:', m.model_id) AS subpool, p.payee, p.weight
FROM model_units m JOIN train_payees p ON p.model_id = m.model_id
"""
UNITS_SQL = _ITEMS + """
SELECT feature, 'output' AS k, SUM(units) AS units FROM out_units GROUP BY feature
UNION ALL
SELECT feature, 'play' AS k, SUM(units) AS units FROM ev_units WHERE played = 1
GROUP BY feature
UNION ALL
SELECT feature, concat('model:', model_id) AS k, units FROM model_units
"""


#: The time-sliced weights of the wanted items (withhold.py): the same items, activity
#: threshold and weights as the lines, per slice of the period's usage; a training line's
#: weight is the work's weight times its model's units in the slice (only its split by slice
#: is used). Run only when some item's money may be withheld.
SLICED_SQL = """
WITH sl_out AS (
  SELECT feature, output_id, model_id, slice, SUM(units) AS units
  FROM ev_units WHERE played = 0 GROUP BY feature, output_id, model_id, slice
),
w_credits AS (
  SELECT c.output_id, c.item_kind, c.item_id, c.share_ppm, c.role
  FROM credits c JOIN wanted w ON c.item_kind = w.item_kind AND c.item_id = w.item_id
),
sl_usage AS (
  SELECT o.feature, concat('output:', c.role) AS subpool, o.model_id, c.item_kind,
         c.item_id, o.slice, o.units AS units, o.units * c.share_ppm AS weight
  FROM sl_out o JOIN w_credits c ON c.output_id = o.output_id
  UNION ALL
  SELECT e.feature, 'play' AS subpool, '' AS model_id, 'recording' AS item_kind,
         e.recording_id AS item_id, e.slice, SUM(e.units) AS units,
         SUM(e.units) * {ppm} AS weight
  FROM ev_units e JOIN wanted w ON w.item_kind = 'recording' AND w.item_id = e.recording_id
  WHERE e.played = 1 GROUP BY e.feature, e.recording_id, e.slice
),
active AS (
  SELECT feature, item_kind, item_id FROM sl_usage
  GROUP BY feature, item_kind, item_id HAVING SUM(units) >= {min_units}
),
sl_model AS (
  SELECT feature, model_id, slice, SUM(units) AS units FROM sl_out
  GROUP BY feature, model_id, slice
),
sl_train AS (
  SELECT m.feature, concat('training:', m.model_id) AS subpool, m.model_id,
         'work' AS item_kind, t.work_id AS item_id, m.slice, m.units AS units,
         CAST({train_weight} AS BIGINT) * m.units AS weight
  FROM sl_model m JOIN contributions t ON t.model_id = m.model_id
  JOIN wanted w ON w.item_kind = 'work' AND w.item_id = t.work_id
)
SELECT feature, subpool, model_id, item_kind, item_id, slice,
       SUM(units) AS units, SUM(weight) AS weight
FROM (
  SELECT u.feature, u.subpool, u.model_id, u.item_kind, u.item_id, u.slice, u.units, u.weight
  FROM sl_usage u JOIN active a
    ON u.feature = a.feature AND u.item_kind = a.item_kind AND u.item_id = a.item_id
  UNION ALL
  SELECT feature, subpool, model_id, item_kind, item_id, slice, units, weight FROM sl_train
) x
GROUP BY feature, subpool, model_id, item_kind, item_id, slice
HAVING SUM(weight) > 0
"""

WANTED_SCHEMA = pa.schema([("item_kind", pa.string()), ("item_id", pa.string())])


def slice_sql(cuts: tuple[str, ...]) -> str:
    """The slice of a usage event: how many cuts ('YYYY-MM-DDTHH:MM:SS', sorted) are at or
    before its time, compared to the second (0 when there are none). occurred_at is stored as
    'YYYY-MM-DDTHH:MM:SS[.ffffff]Z', so comparing it whole with a 19-character cut is the same
    as comparing its first 19 characters (a longer string with an equal prefix is greater),
    and cheaper than cutting it."""
    if not cuts:
        return "0"
    for c in cuts:
        if len(c) != 19 or not c.replace("-", "").replace(":", "").replace("T", "").isdigit():
            raise ValueError(f"bad cut {c!r}")
    whens = " ".join(f"WHEN occurred_at >= '{c}' THEN {k}"
                     for k, c in sorted(enumerate(cuts, 1), reverse=True))
    return f"CASE {whens} ELSE 0 END"


#: WEIGHTS_SQL's activity threshold, when it can drop a row (see WEIGHTS_SQL).
ACTIVE_JOIN = """
  JOIN active a ON u.feature = a.feature AND u.item_kind = a.item_kind AND u.item_id = a.item_id"""


def active_join(min_units: int) -> str:
    return ACTIVE_JOIN if min_units > 1 else ""


def render(sql: str, policy: Policy, period: str, cuts: tuple[str, ...] = (),
           unallocated_code: int = -1) -> str:
    if not period_ok(period):
        raise ValueError(f"bad period {period!r}")
    u = policy.unit_weights()
    train = {"equal": "1", "tokens": "t.tokens", "seconds": "t.seconds_ms"}
    played = int(u["played"])
    # a play counts `played` units, or `played` units per millisecond it was played
    played_units = (f"{played} * COALESCE(seconds_ms, 0)"
                    if policy.units.played_per == "second" else str(played))
    min_units = int(policy.thresholds.minimum_item_units)
    return sql.format(played_units=played_units, period=period, ppm=PPM, scale=FACTOR_SCALE,
                      unallocated=UNALLOCATED, unallocated_code=int(unallocated_code),
                      min_units=min_units, active_join=active_join(min_units),
                      train_weight=train[policy.split.training_weighting],
                      slice=slice_sql(cuts), slice_key=", slice" if cuts else "",
                      slice_out="slice" if cuts else "0 AS slice",
                      **{k: int(v) for k, v in u.items()})


def added_columns(table: str, files: list[Path]) -> tuple[bool, list[str]]:
    """(whether the parts' schemas differ, the columns none of them has): parts written before
    a column was added (usage's `seconds_ms`) lack it; the engines read it as 0."""
    have = [set(pq.read_schema(f).names) for f in files]
    missing = [c for c in SCHEMAS[table].names if not any(c in h for h in have)]
    return len({frozenset(h) for h in have}) > 1, missing


def wanted_table(items) -> pa.Table:
    return pa.Table.from_pylist([{"item_kind": k, "item_id": i} for k, i in sorted(items)],
                                schema=WANTED_SCHEMA)


def sliced_from_rows(rows) -> list[SlicedItem]:
    return [SlicedItem(f, s, m, k, i, int(sl), int(u), int(w))
            for f, s, m, k, i, sl, u, w in sorted(tuple(r) for r in rows)]


def holders_table(holders: list[Holder]) -> pa.Table:
    return pa.Table.from_pylist([{"item_kind": h.item_kind.value, "item_id": h.item_id,
                                  "payee_id": h.payee_id, "side": h.side, "factor": h.factor}
                                 for h in holders], schema=HOLDERS_SCHEMA)


@dataclass(frozen=True)
class CodedHolders:
    """A holder map as the engines register it: the table with a column `payee`, each payee's
    integer code (int32), for WEIGHTS_SQL to group by; the payees by code, the unallocated
    residual included; and the residual's code (a line with no holder)."""

    table: pa.Table
    payees: list[str]
    unallocated: int


def coded_holders(holders: pa.Table) -> CodedHolders:
    enc = pc.dictionary_encode(holders.column("payee_id").combine_chunks())
    payees = enc.dictionary.to_pylist()
    try:
        unallocated = payees.index(UNALLOCATED)  # a holder by that name: one payee, as before
    except ValueError:
        unallocated = len(payees)
        payees.append(UNALLOCATED)
    return CodedHolders(holders.append_column("payee", enc.indices), payees, unallocated)


def lines_from_arrow(t: pa.Table) -> list[Line]:
    if t.num_rows == 0:
        return []
    cols = {c: t.column(c).to_pylist() for c in t.column_names}
    out = [Line(*(cols[c][i] for c in ("feature", "subpool", "model_id", "item_kind", "item_id",
                                        "payee_id", "side")), int(cols["units"][i]),
                int(cols["weight"][i]), int(cols["factor"][i])) for i in range(t.num_rows)]
    return sorted(out, key=lambda ln: (ln.feature, ln.subpool, ln.model_id, ln.item_kind,
                                       ln.item_id, ln.payee_id, ln.side))


def units_from_rows(rows) -> dict[tuple[str, str], int]:
    return {(f, k): int(u) for f, k, u in rows if u is not None}


def weights_from_rows(rows, payees: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """WEIGHTS_SQL's rows (feature, subpool, payee code, weight) by payee."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for f, s, p, w in rows:
        out.setdefault((f, s), {})[payees[p]] = int(w)
    return out


class DuckDBEngine:
    """DuckDB over the Parquet log (threads: how many cores it may use). Implements
    `engine.RoyaltyEngine`."""

    name = "duckdb"

    def __init__(self, events_dir: Path, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        for table in ("usage", "credits", "contributions"):
            files = part_files(Path(events_dir), table)
            if files:
                paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                mixed, missing = added_columns(table, files)
                extra = "".join(f", CAST(0 AS BIGINT) AS {c}" for c in missing)
                by_name = ", union_by_name = true" if mixed else ""
                self.con.execute(f"CREATE VIEW {table} AS SELECT *{extra} "
                                 f"FROM read_parquet([{paths}]{by_name})")
            else:
                empty = SCHEMAS[table].empty_table()  # noqa: F841 - read by DuckDB by name
                self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
        self._holders: pa.Table | None = None
        self._coded: CodedHolders | None = None
        self._staged: tuple | None = None

    def _use(self, policy: Policy, period: str, cuts: Cuts, holders: pa.Table | None = None
             ) -> None:
        """Stage the period's events for these cuts (once per (policy, period, cuts)) and
        register the holder map, its payees coded, if it is not the one registered last."""
        key = (policy.hash, period, tuple(cuts))
        if self._staged != key:
            self.con.execute("CREATE OR REPLACE TEMP TABLE ev_units AS "
                             + render(STAGE_SQL, policy, period, tuple(cuts)))
            self._staged = key
        if holders is not None and holders is not self._holders:
            self._coded = coded_holders(holders)
            self.con.register("holders", self._coded.table)
            self._holders = holders

    def sliced(self, policy: Policy, period: str, wanted: pa.Table, cuts: Cuts
               ) -> list[SlicedItem]:
        self._use(policy, period, cuts)
        self.con.register("wanted", wanted)
        return sliced_from_rows(self.con.sql(render(SLICED_SQL, policy, period)).fetchall())

    def lines(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
              ) -> pa.Table:
        self._use(policy, period, cuts, holders)
        return self.con.sql(render(LINES_SQL, policy, period)).to_arrow_table()

    def weight_columns(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                       ) -> WeightColumns:
        self._use(policy, period, cuts, holders)
        coded = self._coded
        sql = render(WEIGHTS_SQL, policy, period, unallocated_code=coded.unallocated)
        return WeightColumns.from_codes(self.con.sql(sql).to_arrow_table(), coded.payees)

    def weights(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                ) -> Weights:
        return self.weight_columns(policy, period, holders, cuts).to_dict()

    def units(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()) -> Units:
        self._use(policy, period, cuts, holders)
        return units_from_rows(self.con.sql(render(UNITS_SQL, policy, period)).fetchall())

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """The same SQL on Apache Spark (local[*] here; a cluster's master URL in production).
    Implements `engine.RoyaltyEngine`."""

    name = "spark"

    def __init__(self, events_dir: Path, master: str = "local[*]",
                 shuffle_partitions: int = 8) -> None:
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        self.spark = (SparkSession.builder.master(master).appName("accord-royalties")
                      .config("spark.ui.enabled", "false")
                      .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                      .config("spark.sql.session.timeZone", "UTC")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self._tmp = Path(tempfile.mkdtemp(prefix="accord-spark-"))
        for table in ("usage", "credits", "contributions"):
            files = part_files(Path(events_dir), table)
            if not files:
                p = self._tmp / f"{table}.parquet"
                pq.write_table(SCHEMAS[table].empty_table(), p)
                files = [p]
            mixed, missing = added_columns(table, files)
            df = (self.spark.read.option("mergeSchema", "true") if mixed
                  else self.spark.read).parquet(*map(str, files))
            for c in missing:
                df = df.withColumn(c, F.lit(0).cast("bigint"))
            df.createOrReplaceTempView(table)
        self._n = 0
        self._holders: pa.Table | None = None
        self._coded: CodedHolders | None = None
        self._staged: tuple | None = None
        self._stage_df = None

    def _view(self, name: str, table: pa.Table) -> None:
        self._n += 1
        path = self._tmp / f"{name}-{self._n}.parquet"
        pq.write_table(table, path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def _use(self, policy: Policy, period: str, cuts: Cuts, holders: pa.Table | None = None
             ) -> None:
        key = (policy.hash, period, tuple(cuts))
        if self._staged != key:
            if self._stage_df is not None:
                self._stage_df.unpersist()
            self._stage_df = self.spark.sql(render(STAGE_SQL, policy, period,
                                                   tuple(cuts))).cache()
            self._stage_df.createOrReplaceTempView("ev_units")
            self._staged = key
        if holders is not None and holders is not self._holders:
            self._coded = coded_holders(holders)
            self._view("holders", self._coded.table)
            self._holders = holders

    def sliced(self, policy: Policy, period: str, wanted: pa.Table, cuts: Cuts
               ) -> list[SlicedItem]:
        self._use(policy, period, cuts)
        self._view("wanted", wanted)
        rows = self.spark.sql(render(SLICED_SQL, policy, period)).collect()
        return sliced_from_rows([tuple(r) for r in rows])

    def lines(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
              ) -> pa.Table:
        self._use(policy, period, cuts, holders)
        out = self._tmp / f"lines-{period}"
        self.spark.sql(render(LINES_SQL, policy, period)).write.mode("overwrite").parquet(
            str(out))
        files = sorted(out.glob("*.parquet"))
        if not files:
            return pa.table({})
        return pa.concat_tables(pq.read_table(f) for f in files)

    def weights(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                ) -> Weights:
        self._use(policy, period, cuts, holders)
        coded = self._coded
        rows = self.spark.sql(render(WEIGHTS_SQL, policy, period,
                                     unallocated_code=coded.unallocated)).collect()
        return weights_from_rows([tuple(r) for r in rows], coded.payees)

    def weight_columns(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                       ) -> WeightColumns:
        return WeightColumns.from_dict(self.weights(policy, period, holders, cuts))

    def units(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()) -> Units:
        self._use(policy, period, cuts, holders)
        rows = self.spark.sql(render(UNITS_SQL, policy, period)).collect()
        return units_from_rows([tuple(r) for r in rows])

    def close(self) -> None:
        if self._stage_df is not None:
            self._stage_df.unpersist()
        shutil.rmtree(self._tmp, ignore_errors=True)


def open_engine(name: str, events_dir: Path) -> RoyaltyEngine:
    if name == "duckdb":
        return DuckDBEngine(events_dir)
    if name == "spark":
        return SparkEngine(events_dir)
    raise ValueError(f"unknown engine {name!r}; use duckdb or spark")
