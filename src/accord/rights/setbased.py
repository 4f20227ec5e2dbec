"""The permission rule for a whole catalogue at once, in SQL (SQLite and PostgreSQL alike).

Same rule, same answers as `accord.rights.permission` (the property tests compare them item by
item). The computation is a few set operations over indexed temporary tables:
  opted-in persons at T      from consent events (latest opt-in later than latest revocation),
  active agreements at T     in force, covering U, the purpose and the territory,
  denied works               a publisher without a covering agreement, a writer not opted in,
                             or no publisher on record,
  denied recordings          a master holder without a covering agreement, an artist not opted
                             in, no master holder on record, a takedown in force, or a denied
                             work;
permitted = everything else. Each step is one INSERT ... SELECT, so the database does the work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from accord.rights.model import WORLDWIDE, ConsentAction, Purpose, Use, WithdrawalAction
from accord.rights.tables import (
    AgreementItemRow,
    AgreementRow,
    AgreementTerminationRow,
    AgreementTerritoryRow,
    AgreementUseRow,
    ConsentEventRow,
    RecordingArtistRow,
    RecordingMasterRow,
    RecordingRow,
    RecordingWithdrawalRow,
    WorkPublisherRow,
    WorkRow,
    WorkWriterRow,
)

WORK_MEM = "256MB"
_tmp = MetaData()
_opted = Table("tmp_accord_opted", _tmp, Column("party_id", String(96), primary_key=True),
               prefixes=["TEMPORARY"])
_active = Table("tmp_accord_active", _tmp, Column("id", String(96), primary_key=True),
                Column("licensor_id", String(96), index=True), Column("catalogue_all", Boolean),
                prefixes=["TEMPORARY"])
# Denied items: one row per reason found (duplicates allowed; no uniqueness to maintain while
# filling), indexed once filled.
_bad_works = Table("tmp_accord_bad_works", _tmp, Column("work_id", String(96)),
                   prefixes=["TEMPORARY"])
_bad_recs = Table("tmp_accord_bad_recs", _tmp, Column("id", String(96)),
                  prefixes=["TEMPORARY"])


A = AgreementRow.__table__
ITEMS = AgreementItemRow.__table__
CE = ConsentEventRow.__table__


def _create_temp_tables(conn: Connection) -> None:
    _tmp.drop_all(conn, checkfirst=True)
    _tmp.create_all(conn)


def _fill_opted(conn: Connection, use: Use, at: datetime) -> None:
    opt = func.max(case((CE.c.action == ConsentAction.OPT_IN.value, CE.c.effective_at)))
    rev = func.max(case((CE.c.action == ConsentAction.REVOKE.value, CE.c.effective_at)))
    q = (select(CE.c.party_id).where(CE.c.use == use.value, CE.c.effective_at <= at)
         .group_by(CE.c.party_id)
         .having(and_(opt.isnot(None), or_(rev.is_(None), opt > rev))))
    conn.execute(insert(_opted).from_select(["party_id"], q))


def _fill_active(conn: Connection, use: Use, at: datetime, purpose: Purpose,
                 territory: str) -> None:
    U, T, X = AgreementUseRow.__table__, AgreementTerritoryRow.__table__, \
        AgreementTerminationRow.__table__
    places = [WORLDWIDE] if territory == WORLDWIDE else [WORLDWIDE, territory]
    conds = [
        A.c.valid_from <= at,
        or_(A.c.valid_until.is_(None), A.c.valid_until > at),
        exists().where(U.c.agreement_id == A.c.id, U.c.use == use.value),
        exists().where(T.c.agreement_id == A.c.id, T.c.territory.in_(places)),
        ~exists().where(X.c.agreement_id == A.c.id, X.c.effective_at <= at),
    ]
    if purpose is Purpose.COMMERCIAL:
        conds.append(A.c.purpose == Purpose.COMMERCIAL.value)
    q = select(A.c.id, A.c.licensor_id, A.c.catalogue_all).where(*conds)
    conn.execute(insert(_active).from_select(["id", "licensor_id", "catalogue_all"], q))


def _covered(party_col, item_col):
    """An active agreement of this holder covers this item (listed, or all and not excluded)."""
    listed = exists().where(ITEMS.c.agreement_id == _active.c.id, ITEMS.c.item_id == item_col,
                            ITEMS.c.included.is_(True)).correlate_except(ITEMS)
    excluded = exists().where(ITEMS.c.agreement_id == _active.c.id, ITEMS.c.item_id == item_col,
                              ITEMS.c.included.is_(False)).correlate_except(ITEMS)
    return exists().where(
        _active.c.licensor_id == party_col,
        or_(and_(_active.c.catalogue_all.is_(True), ~excluded), listed),
    ).correlate_except(_active)


def _analyze(conn: Connection, *tables: Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables; without statistics its planner guesses."""
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.exec_driver_sql(f"ANALYZE {t.name}")


def _index(conn: Connection, table: str, column: str) -> None:
    """SQLite answers the NOT EXISTS look-ups through an index; PostgreSQL hashes the whole
    (analyzed) table in memory instead, faster than building an index it would not use."""
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(f"CREATE INDEX ix_{table} ON {table} ({column})")


def _fill_bad_works(conn: Connection) -> None:
    """Works denied by condition 2 (a publisher without a covering agreement) or 3 (a writer
    not opted in). Works with no publisher at all are left out in `_permitted_works`."""
    WP, WW = WorkPublisherRow.__table__, WorkWriterRow.__table__
    for q in (select(WP.c.work_id).where(~_covered(WP.c.party_id, WP.c.work_id)),
              select(WW.c.work_id).where(~WW.c.party_id.in_(select(_opted.c.party_id)))):
        conn.execute(insert(_bad_works).from_select(["work_id"], q))
    _index(conn, "tmp_accord_bad_works", "work_id")
    _analyze(conn, _opted, _active, _bad_works)


def _withdrawn_at(at: datetime):
    """Recordings with a takedown in force at T (the latest event at or before T is a takedown;
    a takedown wins a tie with a reinstatement)."""
    WD = RecordingWithdrawalRow.__table__
    down = func.max(case((WD.c.action == WithdrawalAction.WITHDRAW.value, WD.c.effective_at)))
    back = func.max(case((WD.c.action == WithdrawalAction.REINSTATE.value, WD.c.effective_at)))
    return (select(WD.c.recording_id).where(WD.c.effective_at <= at)
            .group_by(WD.c.recording_id)
            .having(and_(down.isnot(None), or_(back.is_(None), down >= back))))


def _fill_bad_recordings(conn: Connection, at: datetime) -> None:
    """Recordings denied by condition 1, 3 (artists), 4 (a takedown), or through their work."""
    R, RM, RA = RecordingRow.__table__, RecordingMasterRow.__table__, \
        RecordingArtistRow.__table__
    for q in (select(RM.c.recording_id).where(~_covered(RM.c.party_id, RM.c.recording_id)),
              select(RA.c.recording_id).where(~RA.c.party_id.in_(select(_opted.c.party_id))),
              select(R.c.id).join(_bad_works, _bad_works.c.work_id == R.c.work_id),
              _withdrawn_at(at)):
        conn.execute(insert(_bad_recs).from_select(["id"], q))
    _index(conn, "tmp_accord_bad_recs", "id")
    _analyze(conn, _bad_recs)


def _permitted_recordings(conn: Connection, at: datetime) -> set[str]:
    R, RM = RecordingRow.__table__, RecordingMasterRow.__table__
    WP = WorkPublisherRow.__table__
    _fill_bad_recordings(conn, at)
    return set(conn.execute(select(R.c.id).where(
        exists().where(RM.c.recording_id == R.c.id),  # default deny: a holder must exist
        exists().where(WP.c.work_id == R.c.work_id),
        ~exists().where(_bad_recs.c.id == R.c.id))).scalars())


def _permitted_works(conn: Connection) -> set[str]:
    W, WP = WorkRow.__table__, WorkPublisherRow.__table__
    return set(conn.execute(select(W.c.id).where(
        exists().where(WP.c.work_id == W.c.id),
        ~exists().where(_bad_works.c.work_id == W.c.id))).scalars())


def permitted(session: Session, kind: str, use: Use, at: datetime,
              purpose: Purpose = Purpose.COMMERCIAL, territory: str = WORLDWIDE) -> set[str]:
    """Ids of every recording (kind='recording') or work (kind='work') permitted for U at T."""
    if kind not in ("recording", "work"):
        raise ValueError(f"kind must be 'recording' or 'work', not {kind!r}")
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # a batch query over the whole catalogue: let its sorts and hashes stay in memory
        # (the default 4 MB spills the consent aggregation to disk); this transaction only
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
    _create_temp_tables(conn)
    try:
        _fill_opted(conn, use, at)
        _fill_active(conn, use, at, purpose, territory)
        _fill_bad_works(conn)
        return _permitted_recordings(conn, at) if kind == "recording" else _permitted_works(conn)
    finally:
        _tmp.drop_all(conn, checkfirst=True)


def permitted_recordings(session: Session, use: Use, at: datetime,
                         purpose: Purpose = Purpose.COMMERCIAL,
                         territory: str = WORLDWIDE) -> set[str]:
    return permitted(session, "recording", use, at, purpose, territory)


def permitted_works(session: Session, use: Use, at: datetime,
                    purpose: Purpose = Purpose.COMMERCIAL, territory: str = WORLDWIDE) -> set[str]:
    return permitted(session, "work", use, at, purpose, territory)
