"""Gathering a screening's signals at the edge (I/O: the fingerprint index, Chromaprint, the
registry through rights' service, the catalogue, Resemblyzer, attribution's style vector).
The rules (accord.trust.rules) are pure functions of what this returns."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.config import Settings
from accord.rights import service as rights
from accord.rights.model import Use
from accord.trust import inputs, repository
from accord.trust.model import Credit
from accord.trust.names import match_names
from accord.trust.signals import CopyMatch, Likeness, NameMatch, Permission

# --- the fingerprint index -------------------------------------------------------------------

def index_path(settings: Settings) -> Path:
    return settings.trust_dir / "fingerprints"


#: Tracks written as one index segment by `index_catalogue` (a segment per track would make
#: every rebuild compact again and again; a failed batch is redone by the next run).
INDEX_BATCH = 200
REBUILD_HINT = "rebuild it from the audio with `accord screen index --rebuild`"


def open_index(settings: Settings):
    """The home's fingerprint index (created empty when there is none); an index built by an
    older format or other parameters is refused with the command that rebuilds it."""
    from accord.trust.fingerprint import FingerprintIndex, OutdatedIndex

    settings.trust_dir.mkdir(parents=True, exist_ok=True)
    try:
        return FingerprintIndex.open_or_create(index_path(settings))
    except OutdatedIndex as exc:
        raise OutdatedIndex(exc.path, exc.found, REBUILD_HINT) from None


def index_catalogue(session: Session, settings: Settings, progress=None,
                    rebuild: bool = False) -> dict:
    """Add every catalogue audio file of a registry recording to the fingerprint index (those
    already in it are skipped). `rebuild`: build a new index beside the old one from the
    catalogue's audio and every earlier audio upload's stored file, then put it in the old
    one's place (the old one, of any format, is not read, and stays whole until the swap)."""
    from accord.catalog import service as catalog
    from accord.trust.fingerprint import FingerprintIndex

    files = [(f"recording:{f['recording_id']}", Path(f["path"]))
             for f in catalog.audio_files(session) if f["recording_id"]]
    if rebuild:
        files += [(f"upload:{sid}", Path(path)) for sid, path in repository.stored_audio(session)]
        target = index_path(settings)
        fresh = target.with_name(target.name + ".rebuild")
        shutil.rmtree(fresh, ignore_errors=True)  # a rebuild interrupted earlier
        settings.trust_dir.mkdir(parents=True, exist_ok=True)
        index = FingerprintIndex.create(fresh)
    else:
        index = open_index(settings)
    added = skipped = 0
    for start in range(0, len(files), INDEX_BATCH):
        with index.batch():  # one segment per batch; an error writes nothing of the batch
            for n, (track, path) in enumerate(files[start:start + INDEX_BATCH], start + 1):
                if track in index or not path.exists():
                    skipped += 1
                else:
                    samples, sr = inputs.mono(path)
                    index.add(track, samples, sr)
                    added += 1
                if progress:
                    progress(n, len(files))
    if rebuild:  # two renames: the old index is whole until the first, the new one after it
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    return {"added": added, "skipped": skipped, "indexed": len(index), "rebuilt": rebuild}


# --- gathering the signals -------------------------------------------------------------------

def permission(session: Session, party_id: str, use: Use, uploader_party: str | None,
               at: datetime) -> Permission:
    """May the uploader make `use` of this artist? The artist themself may; anyone else only
    when the permission rule permits `use` of one of the artist's recordings at T (so the
    artist opted in and every rights holder licenses it: accord.rights.service.check)."""
    if uploader_party == party_id:
        return Permission(use.value, True, "the uploader is the artist")
    consent = rights.current_consents(session, party_id, at).get(use.value, "never")
    if consent != "opted_in":
        said = "revoked" if consent == "revoked" else "not opted in to"
        return Permission(use.value, False, f"the artist has {said} {use.value}")
    denied = []
    for rec in _performer(session, party_id)["recordings"]:
        d = rights.check(session, use, recording=rec["id"], at=at)
        if d.allowed:
            return Permission(use.value, True, f"permitted for recording {rec['id']}")
        denied += d.reasons()[:1]
    return Permission(use.value, False, f"the artist opted in to {use.value} but no recording "
                                        "of theirs is licensed for it"
                      + (f" ({denied[0]})" if denied else ""))


_PERFORMERS_KEY = "accord.trust.performers"


def _performers(session: Session) -> list[dict]:
    cache = session.info.setdefault(_PERFORMERS_KEY, None)
    if cache is None:
        cache = rights.performers(session)
        session.info[_PERFORMERS_KEY] = cache
    return cache


def _performer(session: Session, party_id: str) -> dict:
    for p in _performers(session):
        if p["id"] == party_id:
            return p
    return {"id": party_id, "name": party_id, "recordings": []}


def names_of(session: Session, credit: Credit, kind: str, uploader_party: str | None,
           at: datetime, min_similarity: float) -> tuple[NameMatch, ...]:
    use = Use.VOICE if kind == "audio" else Use.STYLE
    registry = [(p["id"], p["name"]) for p in _performers(session)]
    out = []
    for c in match_names(list(credit.artists), credit.title, registry, min_similarity):
        out.append(NameMatch(c.party_id, c.party_name, c.field, c.given, c.similarity, c.how,
                             permission(session, c.party_id, use, uploader_party, at)))
    return tuple(out)


#: Below this many stored fingerprints (catalogue or uploads) Chromaprint compares the upload
#: with all of them; above it, only with the candidates our index returned (the index is the
#: layer that scales; Chromaprint confirms with a bit error rate and an offset).
CHROMAPRINT_SCAN_ALL = 500


def copies_of(session: Session, settings: Settings, read, uploader: str,
            recording_id: str | None) -> tuple[CopyMatch, ...]:
    from accord.catalog import service as catalog
    from accord.trust.fingerprint import match_fingerprints

    hits = []
    if index_path(settings).exists():
        hits = [m for m in open_index(settings).query(read.samples, read.sample_rate, top=5)
                if not (recording_id and m.track_id == f"recording:{recording_id}")]
    recs = {m.track_id.split(":", 1)[1] for m in hits if m.track_id.startswith("recording:")}
    ups = {m.track_id.split(":", 1)[1] for m in hits if m.track_id.startswith("upload:")}
    catalogue = catalog.audio_files(session, limit=CHROMAPRINT_SCAN_ALL + 1)
    if len(catalogue) > CHROMAPRINT_SCAN_ALL:
        catalogue = catalog.audio_files(session, recs)
    uploads = repository.earlier_audio(session, limit=CHROMAPRINT_SCAN_ALL + 1)
    if len(uploads) > CHROMAPRINT_SCAN_ALL:
        uploads = repository.earlier_audio(session, ups)
    out: list[CopyMatch] = []
    for f in catalogue:
        if not f["fingerprint"] or (recording_id and f["recording_id"] == recording_id):
            continue
        m = match_fingerprints(read.fingerprint, f["fingerprint"])
        if m is not None:
            ref = f"recording:{f['recording_id']}" if f["recording_id"] else f"audio:{f['id']}"
            out.append(CopyMatch(ref, "chromaprint", 1 - m.bit_error_rate, m.offset_s,
                                 m.bit_error_rate, coverage=m.coverage))
    owners = {f"upload:{sid}": who for sid, who, _ in repository.earlier_audio(session, ups)}
    for sid, who, fp in uploads:
        m = match_fingerprints(read.fingerprint, fp)
        if m is not None:
            out.append(CopyMatch(f"upload:{sid}", "chromaprint", 1 - m.bit_error_rate,
                                 m.offset_s, m.bit_error_rate, same_uploader=who == uploader,
                                 coverage=m.coverage))
    for m in hits:
        who = None
        if m.track_id.startswith("upload:"):
            who = owners.get(m.track_id)
            if who is None:  # an upload whose screening was rolled back
                continue
        out.append(CopyMatch(m.track_id, "index", m.score, m.offset_s, None,
                             m.matched_hashes, m.time_ratio, m.pitch_ratio,
                             same_uploader=who == uploader, coverage=m.coverage,
                             weakest=m.weakest))
    return tuple(out)


def voices_of(session: Session, read, uploader_party: str | None, at: datetime
            ) -> tuple[Likeness, ...]:
    refs = repository.voice_references(session)
    if not refs:
        return ()
    from accord.trust.likeness import cosine, voice_embedding

    emb = voice_embedding(read.samples, read.sample_rate)
    best: dict[str, tuple[float, bool]] = {}
    for r in refs:
        sim = cosine(emb, r.embedding)
        if r.party_id not in best or best[r.party_id][0] < sim:
            best[r.party_id] = (sim, r.demo)
    return tuple(Likeness(pid, _performer(session, pid)["name"], sim,
                          permission(session, pid, Use.VOICE, uploader_party, at), demo)
                 for pid, (sim, demo) in sorted(best.items()))


def styles_of(session: Session, notes, uploader_party: str | None, at: datetime
            ) -> tuple[Likeness, ...]:
    from accord.catalog import service as catalog
    from accord.music.ngrams import melody_from_midi
    from accord.trust.likeness import cosine, style_vector

    query = style_vector(notes)
    out = []
    for p in _performers(session):
        works = {r["work_id"] for r in p["recordings"]}
        if not works:
            continue
        sims = [cosine(query, style_vector(melody_from_midi(item.midi_path)))
                for item in catalog.symbolic_items(session, works) if item.midi_path.exists()]
        if sims:
            out.append(Likeness(p["id"], p["name"], max(sims),
                                permission(session, p["id"], Use.STYLE, uploader_party, at),
                                p.get("demo", False)))
    return tuple(out)


# --- melodies (symbolic uploads) ---------------------------------------------------------------

_MELODY_KEY = "accord.trust.melody_index"


def melody_index(session: Session, settings: Settings):
    """The melodic n-gram index (accord.music.ngrams, the memorization guard's n) over every
    catalogue work's canonical MIDI, read through the catalogue's service. Stored under
    <home>/trust/melodies/<signature>.npz, the signature hashing the works and their content
    hashes: a changed catalogue builds a new one (older files are removed)."""
    import hashlib

    from accord.catalog import service as catalog
    from accord.music.ngrams import NgramIndex, melody_from_midi

    items = [it for it in catalog.symbolic_items(session) if it.midi_path.exists()]
    signature = hashlib.sha256("\n".join(f"{it.work_id}:{it.content_hash}" for it in items)
                               .encode()).hexdigest()[:24]
    cached = session.info.get(_MELODY_KEY)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    folder = settings.trust_dir / "melodies"
    path = folder / f"{signature}.npz"
    titles = {it.work_id: it.title for it in items}
    if path.exists():
        index = NgramIndex.load(path)
    else:
        index = NgramIndex.build(((it.work_id, melody_from_midi(it.midi_path)) for it in items),
                                 n=MELODY_N)
        folder.mkdir(parents=True, exist_ok=True)
        index.save(path)
        for old in folder.glob("*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    session.info[_MELODY_KEY] = (signature, index, titles)
    return index, titles


MELODY_N = 8  # the memorization guard's n-gram length (accord.creation.guard.N)


def melodies_of(session: Session, settings: Settings, notes, recording_id: str | None,
                limit: int = 5):
    """Catalogue works whose melody the upload's shares n-grams with, most covered first (the
    work of the recording the upload says it is, `recording_id`, is not compared)."""
    from accord.catalog import service as catalog
    from accord.trust.signals import MelodyMatch

    index, titles = melody_index(session, settings)
    if len(index) == 0 or len(notes) < index.n:
        return ()
    own = catalog.work_of_recording(session, recording_id) if recording_id else None
    hits = [o for o in index.overlap(list(notes)) if o.doc_id != own][:limit]
    recs = catalog.recordings_of_works(session, [o.doc_id for o in hits]) if hits else {}
    total = max(len(notes) - index.n + 1, 1)
    return tuple(MelodyMatch(o.doc_id, titles.get(o.doc_id, ""), tuple(recs.get(o.doc_id, ())),
                             float(o.coverage), o.longest_run_notes(index.n), o.shared, total,
                             index.n) for o in hits)
