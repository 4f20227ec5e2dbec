"""Catalogue services: the functions the CLI, the demo and other contexts call. Each takes a
Session and runs inside the caller's transaction (`session_scope`); none commits."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.atomic import write_bytes
from accord.catalog import corpus, symbolic
from accord.catalog.model import ParsedPiece, SymbolicItem
from accord.catalog.tables import CatalogItemRow
from accord.config import Settings
from accord.errors import InvalidInput, NotFound
from accord.rights import lookup
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.timeutil import now

ISRC_LIKE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


@dataclass(frozen=True)
class Prepared:
    """A parsed piece with where it came from, ready to be stored."""

    collection: str
    source_path: str
    source_index: int
    source_format: str
    source_hash: str
    piece: ParsedPiece


@dataclass
class BatchResult:
    imported: list[str] = field(default_factory=list)  # catalogue item ids
    duplicates: list[dict] = field(default_factory=list)  # {"source", "duplicate_of"}


def item_id(content_hash: str) -> str:
    return f"cat-{content_hash[:16]}"


def work_id(content_hash: str) -> str:
    return f"work-{content_hash[:16]}"


def midi_relpath(content_hash: str) -> Path:
    return Path("catalog") / "midi" / content_hash[:2] / f"{content_hash}.mid"


def setup_corpus_rights(session: Session, audit: AuditLog, start: datetime) -> dict:
    """Encoders' real licence terms as agreements, the demo publisher and label (idempotent)."""
    doc = parse_document(corpus.setup_document(start), "corpus rights")
    return rights_service.import_document(session, doc, "corpus rights", audit).to_json()


def register_corpus_writers(session: Session, audit: AuditLog, start: datetime) -> int:
    """Every bundled collection's writer party with its consent fixture, without works
    (idempotent). A home that imported only part of the corpus (the demo) then holds the facts
    the permission rule needs to check a model trained on all of it, the reference model, in
    its own registry. Returns the number of collections."""
    cols = corpus.collections_of_corpus()
    doc = corpus.writers_document(cols, start)
    rights_service.import_document(session, parse_document(doc, "corpus writers"),
                                   "corpus writers", audit)
    return len(cols)


def ingest_batch(session: Session, settings: Settings, items: list[Prepared], audit: AuditLog,
                 source: str, start: datetime) -> BatchResult:
    """Store one file's (or batch's) pieces: works, writers and consents through the rights
    service (validation and the audit chain apply), canonical MIDI, catalogue rows. Pieces whose
    content hash is already stored (or earlier in the batch) are skipped as duplicates."""
    result = BatchResult()
    hashes = [symbolic.content_hash(p.piece) for p in items]
    known = dict(session.execute(select(CatalogItemRow.content_hash, CatalogItemRow.id)
                                 .where(CatalogItemRow.content_hash.in_(set(hashes)))).all())
    fresh: list[tuple[str, Prepared]] = []
    for h, p in zip(hashes, items, strict=True):
        where = f"{p.source_path}#{p.source_index}"
        if h in known:
            result.duplicates.append({"source": where, "duplicate_of": known[h]})
            continue
        known[h] = item_id(h)
        fresh.append((h, p))
    if not fresh:
        return result
    collections = sorted({p.collection for _h, p in fresh})
    works = []
    titles: dict[str, str] = {}
    for h, p in fresh:
        lic = corpus.licence_for(p.collection)
        title = (p.piece.title.strip()
                 or f"{p.collection} {Path(p.source_path).stem} #{p.source_index + 1}")[:500]
        titles[h] = title
        works.append({"id": work_id(h), "title": title,
                      "writers": [{"party": corpus.writer_id(p.collection), "share": "100"}],
                      "publishers": [
                          {"party": lic.encoder_id, "share": "50"},
                          {"party": corpus.DEMO_PUBLISHER, "share": corpus.DEMO_PUBLISHER_SHARE}]})
    doc = {**corpus.writers_document(collections, start), "works": works}
    rights_service.import_document(session, parse_document(doc, source), source, audit)
    created = now()
    for h, p in fresh:
        rel = midi_relpath(h)
        path = (settings.media_dir / rel).resolve()
        if not path.exists():
            write_bytes(path, symbolic.canonical_midi(p.piece))
        session.add(CatalogItemRow(
            id=item_id(h), work_id=work_id(h), content_hash=h, source_path=p.source_path,
            source_index=p.source_index, source_hash=p.source_hash,
            source_format=p.source_format, collection=p.collection,
            licence=corpus.licence_for(p.collection).tag, title=titles[h],
            composer=p.piece.composer[:300], key=p.piece.key[:32],
            time_signature=p.piece.time_signature[:16], tempo_bpm=p.piece.tempo_bpm,
            duration_s=symbolic.duration_seconds(p.piece), note_count=p.piece.note_count,
            parts=[{"name": pt.name, "program": pt.program} for pt in p.piece.parts],
            midi_path=str(path), demo=False, created_at=created))
        result.imported.append(item_id(h))
    session.flush()
    return result


# --- reading ----------------------------------------------------------------------------------

def _writers(session: Session, work_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    return lookup.writers_of(session, work_ids)


def symbolic_items(session: Session, work_ids: Iterable[str] | None = None) -> list[SymbolicItem]:
    """Every catalogue piece (or those of the given works) with its canonical MIDI, ordered by
    work id. A work id with no catalogue item is simply absent from the answer."""
    q = select(CatalogItemRow).order_by(CatalogItemRow.work_id)
    rows: list[CatalogItemRow] = []
    if work_ids is None:
        rows = list(session.execute(q).scalars())
    else:
        ids = sorted(set(work_ids))
        for i in range(0, len(ids), 500):
            rows += session.execute(q.where(CatalogItemRow.work_id.in_(ids[i:i + 500]))).scalars()
        rows.sort(key=lambda r: r.work_id)
    writers = _writers(session, [r.work_id for r in rows])
    return [SymbolicItem(work_id=r.work_id, content_hash=r.content_hash,
                         midi_path=Path(r.midi_path), collection=r.collection, title=r.title,
                         duration_s=r.duration_s, note_count=r.note_count,
                         writer_ids=writers.get(r.work_id, ()), licence=r.licence,
                         composer=r.composer) for r in rows]


def work_of_recording(session: Session, recording_id: str) -> str | None:
    """The work a registry recording records (None: not registered)."""
    return lookup.recording_work(session, recording_id)


def recordings_of_works(session: Session, work_ids: Iterable[str]) -> dict[str, list[str]]:
    """The registry's recordings of each work, in id order (a work without any maps to [])."""
    found = lookup.expand_works(session, work_ids)
    return {w: [r["id"] for r in d.get("recordings", [])] for w, d in found.items()}


def item_json(r: CatalogItemRow, writers: tuple[str, ...] = ()) -> dict:
    return {"id": r.id, "work_id": r.work_id, "content_hash": r.content_hash,
            "title": r.title, "composer": r.composer, "collection": r.collection,
            "licence": r.licence, "key": r.key, "time_signature": r.time_signature,
            "tempo_bpm": r.tempo_bpm, "duration_s": r.duration_s, "note_count": r.note_count,
            "parts": r.parts, "source_path": r.source_path, "source_index": r.source_index,
            "source_format": r.source_format, "midi_path": r.midi_path,
            "writer_ids": list(writers)}


def list_items(session: Session, collection: str | None = None, limit: int | None = None,
               offset: int = 0) -> dict:
    q = select(CatalogItemRow).order_by(CatalogItemRow.collection, CatalogItemRow.source_path,
                                        CatalogItemRow.source_index)
    if collection:
        q = q.where(CatalogItemRow.collection == collection)
    from sqlalchemy import func

    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    if offset:
        q = q.offset(offset)
    if limit is not None:
        q = q.limit(limit)
    rows = list(session.execute(q).scalars())
    return {"total": total, "items": [item_json(r) for r in rows]}


def show_item(session: Session, ref: str) -> dict:
    """One item by catalogue id, work id or content hash (a unique prefix of 8+ chars works)."""
    row = session.get(CatalogItemRow, ref)
    if row is None:
        row = session.execute(select(CatalogItemRow).where(
            (CatalogItemRow.work_id == ref) | (CatalogItemRow.content_hash == ref))).scalar()
    if row is None and len(ref) >= 8:
        found = list(session.execute(select(CatalogItemRow).where(
            CatalogItemRow.content_hash.like(f"{ref}%")).limit(2)).scalars())
        if len(found) > 1:
            raise InvalidInput(f"{ref!r} matches more than one catalogue item")
        row = found[0] if found else None
    if row is None and ISRC_LIKE.match(ref.replace("-", "").upper()):
        from accord.catalog.ddex_browse import recording_by_isrc

        found_rec = recording_by_isrc(session, ref)
        if found_rec is not None:
            return found_rec
    if row is None:
        raise NotFound(f"no catalogue item {ref!r} (give an item id, work id, content hash or "
                       "a recording's ISRC)")
    return item_json(row, _writers(session, [row.work_id]).get(row.work_id, ()))


# --- audio ------------------------------------------------------------------------------------

#: Demo ISRCs: "XD" is an ISO 3166 user-assigned code, so no real ISRC starts with it; the
#: registrant "ACR" keeps ours apart from the rights demo's "XDDMO...".
DEMO_ISRC_PREFIX = "XDACR26"
DEMO_ARTIST = "demo-artist-fluid-ensemble"


def _audio_row(info, path: Path, recording_id: str | None, item: str | None,
               demo: bool):
    from accord.catalog.tables import CatalogAudioRow

    return CatalogAudioRow(
        id=f"aud-{info.content_hash[:16]}", content_hash=info.content_hash,
        recording_id=recording_id, item_id=item, path=str(path), format=info.format,
        duration_s=info.duration_s, sample_rate=info.sample_rate, channels=info.channels,
        loudness_lufs=info.loudness_lufs, fingerprint=info.fingerprint, demo=demo,
        created_at=now())


def ingest_audio(session: Session, path: Path, recording_id: str | None = None) -> dict:
    """Probe one audio file and store it (idempotent on its content hash), optionally as the
    audio of a registry recording."""
    from accord.catalog import audio
    from accord.catalog.tables import CatalogAudioRow

    info = audio.probe(path)
    existing = session.execute(select(CatalogAudioRow).where(
        CatalogAudioRow.content_hash == info.content_hash)).scalar()
    if existing is not None:
        return {"id": existing.id, "duplicate": True, **info.to_json()}
    if recording_id is not None:
        from accord.rights.repository import resolve_recording_id

        recording_id = resolve_recording_id(session, recording_id)  # NotFound if unknown
    row = _audio_row(info, Path(path).resolve(), recording_id, None, False)
    session.add(row)
    session.flush()
    return {"id": row.id, "duplicate": False, **info.to_json()}


def render_items(session: Session, settings: Settings, refs: list[str], audit: AuditLog,
                 start: datetime) -> list[dict]:
    """Render catalogue items to audio with FluidSynth and register each rendering as a demo
    recording (demo ISRC, master held by the demo label, the demo ensemble as artist)."""
    from accord.catalog import audio
    from accord.catalog.tables import CatalogAudioRow

    rows = [session.get(CatalogItemRow, show_item(session, r)["id"]) for r in refs]
    used = lookup.isrcs_starting(session, DEMO_ISRC_PREFIX)
    serial = max((int(i[len(DEMO_ISRC_PREFIX):]) for i in used), default=0)
    out, recordings, audio_rows = [], [], []
    for row in rows:
        rec_id = f"rec-{row.content_hash[:16]}"
        existing = lookup.recording_record(session, rec_id)
        wav = (settings.media_dir / "catalog" / "audio" / f"{row.content_hash}.wav").resolve()
        if not wav.exists():
            audio.render(Path(row.midi_path), wav)
        info = audio.probe(wav)
        if existing is None:
            serial += 1
            isrc = f"{DEMO_ISRC_PREFIX}{serial:05d}"
            recordings.append({"id": rec_id, "title": f"{row.title} (demo rendering)"[:500],
                               "work": row.work_id, "isrc": isrc, "artists": [DEMO_ARTIST],
                               "masters": [{"party": corpus.DEMO_LABEL, "share": "100"}],
                               "demo": True})
        else:
            isrc = existing["isrc"]
        if session.execute(select(CatalogAudioRow.id).where(
                CatalogAudioRow.content_hash == info.content_hash)).scalar() is None:
            audio_rows.append(_audio_row(info, wav, rec_id, row.id, True))
        out.append({"item": row.id, "recording": rec_id, "isrc": isrc, "path": str(wav),
                    **{k: v for k, v in info.to_json().items() if k != "fingerprint"}})
    t0 = start.isoformat()
    doc = {"accord_rights_document": 1,
           "parties": [{"id": DEMO_ARTIST, "name": "FluidSynth Ensemble (demo artist)",
                        "roles": ["performing_artist"], "demo": True}],
           "recordings": recordings,
           "consents": [{"id": f"{DEMO_ARTIST}-{u}-optin", "party": DEMO_ARTIST, "use": u,
                         "action": "opt_in", "effective_at": t0,
                         "reason": "demo: the rendering ensemble opted in"}
                        for u in ("train", "style", "dj")]}
    setup_corpus_rights(session, audit, start)
    rights_service.import_document(session, parse_document(doc, "catalog render"),
                                   "catalog render", audit)
    session.flush()
    for a in audio_rows:
        session.add(a)
    session.flush()
    return out


def audio_files(session: Session, recording_ids: Iterable[str] | None = None,
                limit: int | None = None) -> list[dict]:
    """Stored audio files (all, or those of the given recordings; at most `limit`): id,
    recording id (or None), path and Chromaprint fingerprint, in id order (upload screening
    compares uploads with them)."""
    from accord.catalog.tables import CatalogAudioRow

    q = select(CatalogAudioRow).order_by(CatalogAudioRow.id)
    if recording_ids is not None:
        q = q.where(CatalogAudioRow.recording_id.in_(sorted(set(recording_ids))))
    return [{"id": r.id, "recording_id": r.recording_id, "path": r.path,
             "fingerprint": r.fingerprint, "duration_s": r.duration_s}
            for r in session.execute(q.limit(limit)).scalars()]


# --- a DDEX message offered with an upload (upload screening reads it through here) ------------

@dataclass(frozen=True)
class DeclaredRecording:
    """What a DDEX ERN message says of its first SoundRecording: title, display artists (names
    resolved through the PartyList), ISRC and the AI disclosure as the catalogue's reader reads
    it (accord.catalog.ddex.ai_disclosure; names in ddex_names' one AI table, checked against
    the ERN 4.3.1 XSD) plus, under `release_ai`, the ContainsAI of the Releases that list it
    (ERN 4.3.2) and, under `resource_ai`, what the message's Image, Video and Text resources
    declare of themselves (evidence only), with its extent: "all", "partly", "none" or None
    (silent; the recording's or a listing Release's, whichever is stronger)."""

    title: str
    artists: tuple[str, ...]
    isrc: str | None
    ai: dict
    ai_extent: str | None


def declared_recording(path: Path, max_bytes: int = 5 * 1024 * 1024,
                       max_elements: int = 50_000) -> DeclaredRecording:
    """Read a DDEX message's first SoundRecording through the hardened XML door (no DOCTYPE,
    size, depth and element limits); InvalidInput names the file and the problem."""
    from accord.catalog.ddex import ai_disclosure, ai_extent, release_ai, resource_ai
    from accord.catalog.ddex_elements import local, text
    from accord.catalog.ddex_xml import XmlLimits, load

    _, root = load(Path(path), XmlLimits(max_bytes=max_bytes, max_elements=max_elements))
    recordings = [el for el in root.iter() if local(el) == "SoundRecording"]
    scope = recordings[0] if recordings else root
    title = next(((el.text or "").strip() for el in scope.iter()
                  if local(el) in ("DisplayTitleText", "TitleText") and (el.text or "").strip()),
                 "")
    names = {}
    for party in root.iter():
        if local(party) == "Party":
            ref = next((c.text for c in party.iter() if local(c) == "PartyReference"), None)
            full = next((c.text for c in party.iter() if local(c) == "FullName"), None)
            if ref and full:
                names[ref.strip()] = full.strip()
    artists = []
    for el in scope.iter():
        if local(el) == "DisplayArtistName" and (el.text or "").strip():
            artists.append(el.text.strip())
        elif local(el) == "ArtistPartyReference" and (el.text or "").strip() in names:
            artists.append(names[el.text.strip()])
    isrc = next(((el.text or "").strip() for el in scope.iter()
                 if local(el) == "ISRC" and (el.text or "").strip()), None)
    ai, problems = ai_disclosure(scope) if recordings else ({}, [])
    problems = [(f"SoundRecording/{where}", msg) for where, msg in problems]
    by_release, more = release_ai(root)
    others, more2 = resource_ai(root)
    problems += more + more2
    if problems:
        where, msg = problems[0]
        raise InvalidInput(f"{path}: {where}: {msg}")
    ref = text(scope, "ResourceReference") if recordings else None
    if by_release.get(ref):
        ai["release_ai"] = by_release[ref]
    if others:
        ai["resource_ai"] = others
    return DeclaredRecording(title, tuple(dict.fromkeys(artists)), isrc, ai, ai_extent(ai))


# --- a score offered with an upload (upload screening compares its melody) --------------------

#: MusicXML read for an upload; .mxl is a zip: its members are counted and sized before any
#: parser sees them (a "zip bomb" costs nothing).
SCORE_SUFFIXES = (".musicxml", ".mxl", ".xml")
MAX_SCORE_MEMBERS = 50
MAX_SCORE_UNPACKED = 20 * 1024 * 1024


def canonical_midi_of_score(path: Path) -> bytes:
    """The canonical MIDI the catalogue would store for a MusicXML file (.musicxml, .xml, or
    compressed .mxl), parsed as the catalogue's importer parses it (music21). Refused with
    InvalidInput naming the file: another format, an .mxl whose members are too many or unpack
    to more than MAX_SCORE_UNPACKED bytes, an XML entity declaration, an unparsable score."""
    import zipfile

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SCORE_SUFFIXES:
        raise InvalidInput(f"{path}: not a MusicXML file (known: {', '.join(SCORE_SUFFIXES)})")
    try:
        if suffix == ".mxl":
            with zipfile.ZipFile(path) as z:
                members = z.infolist()
                if len(members) > MAX_SCORE_MEMBERS:
                    raise InvalidInput(f"{path}: the .mxl archive has {len(members)} members, "
                                       f"over the limit of {MAX_SCORE_MEMBERS}")
                unpacked = sum(m.file_size for m in members)
                if unpacked > MAX_SCORE_UNPACKED:
                    raise InvalidInput(f"{path}: the .mxl archive unpacks to {unpacked:,} "
                                       f"bytes, over the limit of {MAX_SCORE_UNPACKED:,}")
                texts = [z.read(m) for m in members if m.filename.lower().endswith(
                    (".xml", ".musicxml"))]
        else:
            texts = [path.read_bytes()]
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{path}: cannot read the score ({exc})") from None
    if any(b"<!ENTITY" in t for t in texts):
        raise InvalidInput(f"{path}: XML entity declarations are refused in a score")
    return symbolic.canonical_midi(symbolic.parse(path))
