"""The royalty engine's interface: what a period's run asks of the event log.

DuckDB (`engine_sql.DuckDBEngine`, the embedded default) and Spark (`engine_sql.SparkEngine`,
when the log outgrows one machine) implement it with the same SQL. Every call names everything
it depends on: the policy, the period, the holder map (an Arrow table, `holders_table`) and the
cuts that slice the period (instants 'YYYY-MM-DDTHH:MM:SS', withhold.py). An engine may keep
what it computed for the same arguments (the staged events of a (policy, period, cuts), the
holder map it registered last), never a setting from an earlier call.
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from accord.royalties.policy import Policy
from accord.royalties.weights import WeightColumns, Weights
from accord.royalties.withhold import SlicedItem

#: Instants that slice a period's usage, e.g. ("2026-10-20T00:00:00",).
Cuts = tuple[str, ...]
#: (feature, kind) -> units
Units = dict[tuple[str, str], int]


class RoyaltyEngine(Protocol):
    name: str

    def weights(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                ) -> Weights:
        """Integer weights per (feature, subpool) and payee."""

    def weight_columns(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
                       ) -> WeightColumns:
        """The same weights as columns (what the allocation reads: no object per line)."""

    def units(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()) -> Units:
        """Units of use per (feature, kind)."""

    def sliced(self, policy: Policy, period: str, wanted: pa.Table, cuts: Cuts
               ) -> list[SlicedItem]:
        """The time-sliced activity of the wanted items (those money may be withheld from)."""

    def lines(self, policy: Policy, period: str, holders: pa.Table, cuts: Cuts = ()
              ) -> pa.Table:
        """Every payee's line items (statements); the cuts only let it reuse a staging."""

    def close(self) -> None:
        ...
