"""Dataset snapshot services: build (freeze what is permitted at T, with evidence) and verify.

Permitted works come from the rights context's set-based SQL (`permitted_works`), the evidence
for each from the per-item rule (`rights.service.check`): the two must agree, or the build stops.
Symbolic content (MIDI path, content hash, duration) comes from the catalogue. The files are
written to a temporary directory and renamed into place, so a snapshot is all there or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.config import Settings
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import lookup
from accord.rights import service as rights
from accord.rights.model import Purpose, Use
from accord.rights.setbased import permitted_works
from accord.timeutil import fmt, now
from accord.training import snapshot as S
from accord.training.tables import DatasetSnapshotRow, SnapshotItemRow

REASONS = {1: "a master rights holder has no covering agreement",
           2: "a rights holder of the work has no covering agreement",
           3: "a writer or artist has not opted in",
           4: "a writer or artist revoked consent"}


@dataclass(frozen=True)
class BuiltSnapshot:
    id: str
    merkle_root: str
    path: Path
    items: int
    created: bool  # False when an identical snapshot already existed

    def to_json(self) -> dict:
        return {"id": self.id, "merkle_root": self.merkle_root, "path": str(self.path),
                "items": self.items, "created": self.created}


def _catalogue():
    from accord.catalog import service as catalog  # the catalogue context (contract agreed)

    return catalog


def _opted_in(session: Session, party: str, use: Use, at: datetime, cache: dict) -> bool:
    key = (party, use)
    if key not in cache:
        cache[key] = rights.current_consents(session, party, at).get(use.value) == "opted_in"
    return cache[key]


def _collect(session: Session, use: Use, at: datetime, purpose: Purpose,
             progress: Callable[[int, int], None] | None = None):
    """(items, excluded, symbolic items by work id) for the snapshot at T."""
    catalog = _catalogue()
    all_works = lookup.work_ids(session)
    symbolic = {s.work_id: s for s in catalog.symbolic_items(session, all_works)}
    allowed = permitted_works(session, use, at, purpose)
    items: list[S.SnapshotItem] = []
    excluded: list[S.Excluded] = []
    seen_hashes: dict[str, str] = {}
    style_cache: dict = {}
    for n, wid in enumerate(all_works):
        if progress:
            progress(n, len(all_works))
        d = rights.check(session, use, work=wid, at=at, purpose=purpose)
        if d.allowed != (wid in allowed):
            raise Refused(f"the set-based and per-item permission rules disagree on work {wid!r}; "
                          "no snapshot was built")
        if not d.allowed:
            worst = min((m.condition for m in d.missing), default=2)
            excluded.append(S.Excluded(wid, REASONS.get(worst, "not permitted"),
                                       tuple(sorted({m.party_id for m in d.missing
                                                     if m.party_id}))))
            continue
        sym = symbolic.get(wid)
        if sym is None:
            excluded.append(S.Excluded(wid, "no symbolic content in the catalogue"))
            continue
        if sym.content_hash in seen_hashes:
            excluded.append(S.Excluded(wid, "duplicate content of another item"))
            continue
        seen_hashes[sym.content_hash] = wid
        holders = tuple(sorted({e.party_id for e in d.evidence if e.kind == "agreement"}))
        artists = tuple(sorted({e.party_id for e in d.evidence if e.kind == "consent"}))
        conditioning = tuple(a for a in artists
                             if _opted_in(session, a, Use.STYLE, at, style_cache))
        items.append(S.SnapshotItem(
            item_id=wid, content_hash=sym.content_hash,
            evidence=tuple(sorted({e.ref for e in d.evidence})), rights_holders=holders,
            artists=artists, conditioning=conditioning, collection=sym.collection or "",
            title=sym.title or "", duration_s=round(float(sym.duration_s or 0.0), 3),
            note_count=int(sym.note_count or 0)))
    return items, excluded, symbolic


def build(session: Session, settings: Settings, use: Use = Use.TRAIN, at: datetime | None = None,
          purpose: Purpose = Purpose.NON_COMMERCIAL,
          progress: Callable[[int, int], None] | None = None) -> BuiltSnapshot:
    """Freeze every item permitted for `use` at T into an immutable snapshot (idempotent).
    `progress(done, total)` is told how many works have been checked."""
    at = at or now()
    items, excluded, _ = _collect(session, use, at, purpose, progress)
    if not items:
        raise Refused(f"nothing in the catalogue is permitted for {use.value} "
                      f"({purpose.value}) at {fmt(at)}; no snapshot was built",
                      [])
    root = S.merkle_root(items)
    sid = "ds-" + hashlib.sha256(S.canonical(
        {"root": root, "use": use.value, "purpose": purpose.value, "at": fmt(at)})).hexdigest()[:16]
    target = settings.datasets_dir / sid
    existing = session.get(DatasetSnapshotRow, sid)
    if existing is not None and target.exists():
        return BuiltSnapshot(sid, root, target, len(items), created=False)
    sheet = S.datasheet(items, excluded)
    names = lookup.party_names(session)
    meta = {"format": S.FORMAT, "id": sid, "merkle_root": root, "use": use.value,
            "purpose": purpose.value, "at": fmt(at), "created_at": fmt(now()),
            "items": len(items)}
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sid}.", dir=settings.datasets_dir))
    try:
        (tmp / "manifest.jsonl").write_text(S.manifest_text(items))
        (tmp / "datasheet.json").write_text(json.dumps(sheet.to_json(), indent=2,
                                                       sort_keys=True) + "\n")
        (tmp / "summary.md").write_text(S.public_summary(meta, sheet, names))
        meta["files"] = S.file_hashes(tmp)
        (tmp / "snapshot.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        for f in tmp.iterdir():
            f.chmod(0o444)
        if target.exists():
            shutil.rmtree(target)  # a leftover without its registry row (a crashed build)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if existing is None:
        session.add(DatasetSnapshotRow(id=sid, merkle_root=root, use=use.value,
                                       purpose=purpose.value, at=at, created_at=now(),
                                       item_count=len(items), datasheet=sheet.to_json()))
        session.flush()
        for it in items:
            session.add(SnapshotItemRow(snapshot_id=sid, item_id=it.item_id,
                                        content_hash=it.content_hash,
                                        rights_holders=list(it.rights_holders),
                                        artists=list(it.artists), evidence=list(it.evidence)))
        session.flush()
    return BuiltSnapshot(sid, root, target, len(items), created=True)


def get(session: Session, snapshot_id: str) -> DatasetSnapshotRow:
    row = session.get(DatasetSnapshotRow, snapshot_id)
    if row is None:
        raise NotFound(f"no dataset snapshot with id {snapshot_id!r}")
    return row


def verify(session: Session, settings: Settings, snapshot_id: str) -> dict:
    """Recompute the root from the stored files; raise InvalidInput listing every difference."""
    row = get(session, snapshot_id)
    problems = S.verify_dir(settings.datasets_dir / snapshot_id, expected_root=row.merkle_root)
    if problems:
        raise InvalidInput(f"snapshot {snapshot_id} does NOT verify", problems)
    return {"id": snapshot_id, "merkle_root": row.merkle_root, "items": row.item_count,
            "ok": True}


def items(settings: Settings, snapshot_id: str) -> list[S.SnapshotItem]:
    return S.parse_manifest((settings.datasets_dir / snapshot_id / "manifest.jsonl").read_text())


@dataclass(frozen=True)
class ItemSource:
    """A snapshot item and what the catalogue holds for it now: its MIDI path and content hash
    (None when the catalogue no longer has symbolic content for the item's work)."""

    item: S.SnapshotItem
    midi_path: Path | None
    content_hash: str | None

    @property
    def unchanged(self) -> bool:
        """The catalogue still holds the content the snapshot froze."""
        return self.content_hash == self.item.content_hash


def item_sources(session: Session, settings: Settings, snapshot_id: str) -> list[ItemSource]:
    """Each of a snapshot's items, in manifest order, with the catalogue's MIDI for it. The
    memorization guard and attribution read a model's training items through this (creation and
    attribution do not read the catalogue themselves)."""
    listed = items(settings, snapshot_id)
    sym = {s.work_id: s for s in _catalogue().symbolic_items(session, [i.item_id for i in listed])}
    out = []
    for i in listed:
        s = sym.get(i.item_id)
        out.append(ItemSource(i, Path(s.midi_path) if s else None, s.content_hash if s else None))
    return out


def list_snapshots(session: Session) -> list[dict]:
    return [{"id": r.id, "merkle_root": r.merkle_root, "use": r.use, "purpose": r.purpose,
             "at": fmt(r.at), "items": r.item_count}
            for r in session.execute(select(DatasetSnapshotRow)
                                     .order_by(DatasetSnapshotRow.created_at)).scalars()]

