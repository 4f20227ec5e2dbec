"""Registry rows <-> import-document records. One canonical form serves import comparison,
`accord rights show`, and the payloads hashed into the audit chain."""

from __future__ import annotations

from pydantic import BaseModel

from accord.rights.document import (
    AgreementDoc,
    ConsentDoc,
    ItemsDoc,
    PartyDoc,
    RecordingDoc,
    ShareDoc,
    TerminationDoc,
    WithdrawalDoc,
    WorkDoc,
)
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
    RecordingWithdrawalRow,
    WorkPublisherRow,
    WorkRow,
    WorkWriterRow,
)


def canonical(doc: BaseModel) -> dict:
    """JSON-ready dict with every list in a stable order, so equal facts compare equal."""
    return _sorted(doc.model_dump(mode="json"))


def _sorted(value):
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted(v) for v in value]
        return sorted(items, key=lambda v: repr(v))
    return value


def _shares(rows) -> list[ShareDoc]:
    return [ShareDoc(party=r.party_id, share=r.share) for r in rows]


def party_doc(row: PartyRow) -> PartyDoc:
    return PartyDoc(id=row.id, name=row.name, roles=[r.role for r in row.roles], isni=row.isni,
                    ipi=row.ipi, demo=row.demo)


def work_doc(row: WorkRow) -> WorkDoc:
    return WorkDoc(id=row.id, title=row.title, iswc=row.iswc, writers=_shares(row.writers),
                   publishers=_shares(row.publishers), demo=row.demo)


def recording_doc(row: RecordingRow) -> RecordingDoc:
    return RecordingDoc(id=row.id, title=row.title, work=row.work_id, isrc=row.isrc,
                        artists=[a.party_id for a in row.artists], masters=_shares(row.masters),
                        demo=row.demo)


def agreement_doc(row: AgreementRow) -> AgreementDoc:
    listed = ItemsDoc(recordings=[], works=[])
    excluded = ItemsDoc(recordings=[], works=[])
    # An item id alone does not say whether it is a recording or a work: the row keeps a kind.
    for item in row.items:
        target = listed if item.included else excluded
        getattr(target, f"{item.kind}s").append(item.item_id)
    return AgreementDoc(
        id=row.id, licensor=row.licensor_id, title=row.title, uses=[u.use for u in row.uses],
        purpose=row.purpose, catalogue="all" if row.catalogue_all else listed, exclude=excluded,
        territories=[t.territory for t in row.territories], valid_from=row.valid_from,
        valid_until=row.valid_until, grace_period_days=row.grace_period_days,
        revenue_terms=dict(row.revenue_terms or {}), demo=row.demo)


def consent_doc(row: ConsentEventRow) -> ConsentDoc:
    return ConsentDoc(id=row.id, party=row.party_id, use=row.use, action=row.action,
                      effective_at=row.effective_at, reason=row.reason)


def termination_doc(row: AgreementTerminationRow) -> TerminationDoc:
    return TerminationDoc(id=row.id, agreement=row.agreement_id, effective_at=row.effective_at,
                          reason=row.reason)


def withdrawal_doc(row: RecordingWithdrawalRow) -> WithdrawalDoc:
    return WithdrawalDoc(id=row.id, recording=row.recording_id, action=row.action,
                         effective_at=row.effective_at, reason=row.reason)


# --- documents to rows ------------------------------------------------------------------------

def fill_party(row: PartyRow, doc: PartyDoc) -> PartyRow:
    row.name, row.isni, row.ipi, row.demo = doc.name, doc.isni, doc.ipi, doc.demo
    row.roles = [PartyRoleRow(party_id=doc.id, role=r.value) for r in sorted(set(doc.roles))]
    return row


def fill_work(row: WorkRow, doc: WorkDoc) -> WorkRow:
    row.title, row.iswc, row.demo = doc.title, doc.iswc, doc.demo
    row.writers = [WorkWriterRow(work_id=doc.id, party_id=s.party, share=s.share)
                   for s in doc.writers]
    row.publishers = [WorkPublisherRow(work_id=doc.id, party_id=s.party, share=s.share)
                      for s in doc.publishers]
    return row


def fill_recording(row: RecordingRow, doc: RecordingDoc) -> RecordingRow:
    row.title, row.work_id, row.isrc, row.demo = doc.title, doc.work, doc.isrc, doc.demo
    row.artists = [RecordingArtistRow(recording_id=doc.id, party_id=a) for a in doc.artists]
    row.masters = [RecordingMasterRow(recording_id=doc.id, party_id=s.party, share=s.share)
                   for s in doc.masters]
    return row


def new_agreement(doc: AgreementDoc, recorded_at) -> AgreementRow:
    items: list[AgreementItemRow] = []
    if doc.catalogue != "all":
        items += [AgreementItemRow(agreement_id=doc.id, item_id=i, kind="recording",
                                   included=True) for i in doc.catalogue.recordings]
        items += [AgreementItemRow(agreement_id=doc.id, item_id=i, kind="work", included=True)
                  for i in doc.catalogue.works]
    items += [AgreementItemRow(agreement_id=doc.id, item_id=i, kind="recording", included=False)
              for i in doc.exclude.recordings]
    items += [AgreementItemRow(agreement_id=doc.id, item_id=i, kind="work", included=False)
              for i in doc.exclude.works]
    return AgreementRow(
        id=doc.id, licensor_id=doc.licensor, title=doc.title, purpose=doc.purpose.value,
        catalogue_all=doc.catalogue == "all", valid_from=doc.valid_from,
        valid_until=doc.valid_until, grace_period_days=doc.grace_period_days,
        revenue_terms=doc.revenue_terms, demo=doc.demo, recorded_at=recorded_at,
        uses=[AgreementUseRow(agreement_id=doc.id, use=u.value) for u in sorted(set(doc.uses))],
        territories=[AgreementTerritoryRow(agreement_id=doc.id, territory=t)
                     for t in sorted(set(doc.territories))],
        items=items)
