"""The DJ workflow: one function every adapter calls (CLI, HTTP API, web page, demo).

build_set: candidates (permitted for `dj` at T by the rights registry's set-based query, not
flagged by trust, not AI-made unless the listener allows it, matching the request) -> taste
scores (ALS; content fallback for cold starts) -> order (sequence rules) -> commentary
(grounded) -> voice -> timeline -> mix (FLAC, MP3, -14 LUFS) -> credential (C2PA) -> cue sheet
and track list -> play events (royalty `played` usage + the DJ trail).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.atomic import write_text
from accord.catalog.recordings import RecordingMedia, recording_media
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.dj import (
    candidates,
    commentary,
    content,
    credential,
    cue,
    features,
    listener,
    listens,
    mix,
    plays,
    sequence,
    taste,
    timeline,
    voice,
)
from accord.dj.exclusions import excluded_recordings
from accord.dj.model import Constraints, Features, Person, Placed, Track
from accord.dj.requests import parse_request
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import service as rights
from accord.rights.model import Use
from accord.rights.setbased import permitted_recordings
from accord.royalties import eventlog
from accord.timeutil import fmt, now

MAX_MINUTES = 120
POOL = 300
POSITIVE = {"full", "like", "dj_play", "play"}


def dj_dir(s: Settings) -> Path:
    return s.home / "dj"


def model_path(s: Settings) -> Path:
    return dj_dir(s) / "taste-model.npz"


def sets_dir(s: Settings, listener_id: str) -> Path:
    safe = hashlib.sha256(listener_id.encode()).hexdigest()[:16]
    return dj_dir(s) / "sets" / safe


# --- training ---------------------------------------------------------------------------------

def train_model(s: Settings, engine: str = "implicit", params: taste.Params = taste.Params()
                ) -> dict:
    """Fit the taste model on every listening event in the home and store it."""
    events = [(u, r, k) for u, r, k, _ in listens.history(s)]
    t0 = time.time()
    m = taste.train(events, engine, params)
    taste.save(m, model_path(s))
    return {"engine": engine, "listeners": len(m.listeners), "recordings": len(m.recordings),
            "events": len(events), "factors": m.params.factors,
            "seconds": round(time.time() - t0, 2),
            "path": str(model_path(s))}


# --- tracks -----------------------------------------------------------------------------------

def _people(pairs, opted: set[str] | None) -> tuple[Person, ...]:
    return tuple(Person(p, n, opted is None or p in opted) for p, n in pairs)


def to_track(m: RecordingMedia, f, opted: set[str] | None = None) -> Track:
    """opted None: every person opted in to `dj` (true of any permitted recording: the
    permission rule's condition 3); otherwise the set of those who did."""
    return Track(recording_id=m.recording_id, title=m.title, duration_s=m.duration_s,
                 features=f, performers=_people(m.artists, opted),
                 writers=_people(m.writers, opted), isrc=m.isrc, work_title=m.work_title,
                 audio_path=m.audio_path, ai_generated=m.ai_generated, genre=m.collection)


def dj_opted_in(session: Session, party_ids, at: datetime) -> set[str]:
    return {p for p in set(party_ids)
            if rights.current_consents(session, p, at).get(Use.DJ.value) == "opted_in"}


# --- the set ----------------------------------------------------------------------------------

def set_id_for(listener_id: str, at: datetime, minutes: int, request: str) -> str:
    h = hashlib.sha256(f"{listener_id}|{fmt(at)}|{minutes}|{request}".encode()).hexdigest()
    return h[:16]


def _scores(model, listener_id: str, pool: list[Track], history: list[Track]) -> dict:
    """ALS scores where the model knows the listener and the recording; content similarity
    (or popularity) for the rest, on the same rank scale."""
    als = model.scores(listener_id) if model is not None else None
    pop = {}
    if model is not None:
        pop = dict(zip(model.recordings, model.popularity.tolist(), strict=True))
    cold = content.scores(history, pool, pop)
    if not als:
        return cold
    known = {t.recording_id: als[t.recording_id] for t in pool if t.recording_id in als}
    if not known:
        return cold
    # cold recordings enter at the rank their content score would have among known ones
    lo, hi = min(known.values()), max(known.values())
    out = dict(known)
    for t in pool:
        if t.recording_id not in out:
            out[t.recording_id] = lo + (hi - lo) * cold.get(t.recording_id, 0.0)
    return out


def _apply_constraints(pool: list[Track], scores: dict, c: Constraints,
                       by_id: dict[str, Track]) -> list[Track]:
    kept = [t for t in pool if c.admits(t.features)]
    if len(kept) >= 3:
        pool = kept  # hard when the pool allows; otherwise the energy arc still leans that way
    if c.prefer_terms:
        for t in pool:
            if candidates.matches(t, c.prefer_terms):
                scores[t.recording_id] = scores.get(t.recording_id, 0.0) + 1e3
    if c.like_recording and c.like_recording in by_id:
        seed = by_id[c.like_recording]
        for t in pool:
            scores[t.recording_id] = scores.get(t.recording_id, 0.0) + \
                10.0 * content.similarity(seed, t)
    return pool


def plan_set(session: Session, s: Settings, listener_id: str, minutes: int, at: datetime,
             request: str = "", freshness: float = 0.3, audio: bool = True) -> dict:
    """Everything but the audio: candidates, order, commentary, why-lines (no files).
    audio=False plans without requiring audio files (a preview, or a catalogue of metadata
    only): unknown features are neutral and durations come from the score or 180 s."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_MINUTES}, not {minutes}")
    if not 0.0 <= freshness <= 1.0:
        raise InvalidInput(f"freshness must be between 0 and 1, not {freshness}")
    if len(request) > 500:
        raise InvalidInput("a request has at most 500 characters")
    no_ai = listener.no_ai(session, listener_id, at)
    media = {m.recording_id: m for m in recording_media(session)}
    permitted = permitted_recordings(session, Use.DJ, at)
    excluded = excluded_recordings(session, at)
    hist = [h for h in listens.history(s, listener_id) if h[3] <= fmt(at)]
    last = hist[-1][1] if hist else None
    constraints, not_understood = parse_request(request, last)
    playable = [m for rid, m in media.items() if rid in permitted and (m.audio_path or not audio)]
    feats = features.ensure(session, playable)
    if not audio:
        playable = [m if m.duration_s else replace(m, duration_s=m.symbolic_duration_s or 180.0)
                    for m in playable]
        for m in playable:
            feats.setdefault(m.recording_id, Features(m.recording_id, None, 0.0, 0.5, "unknown"))
    tracks = {m.recording_id: to_track(m, feats[m.recording_id]) for m in playable
              if m.recording_id in feats}
    pool, dropped = candidates.select(tracks, permitted, excluded, no_ai, constraints,
                                      need_audio=audio)
    dropped["not permitted for dj"] += sum(1 for r in media if r not in permitted)
    if not pool:
        raise Refused(f"no recording may be played for {listener_id!r} at {fmt(at)}: "
                      + (", ".join(f"{n} {why}" for why, n in sorted(dropped.items()))
                         or "the catalogue has no recordings"))
    heard_ids = [r for _, r, k, _ in hist if k in POSITIVE]
    # history tracks (for content scores and 'because you played'): their people's own consent
    hist_media = [media[r] for r in dict.fromkeys(reversed(heard_ids)) if r in media][:50]
    hist_feats = features.stored(session, [m.recording_id for m in hist_media])
    opted = dj_opted_in(session, {p for m in hist_media for p, _ in m.artists + m.writers}, at)
    history_tracks = [to_track(m, hist_feats[m.recording_id], opted) for m in hist_media
                      if m.recording_id in hist_feats]
    model = taste.load(model_path(s))
    scores = _scores(model, listener_id, pool, history_tracks)
    by_id = {**{t.recording_id: t for t in history_tracks}, **tracks}
    pool = _apply_constraints(pool, scores, constraints, by_id)
    pool = sorted(pool, key=lambda t: (-scores.get(t.recording_id, 0.0), t.recording_id))[:POOL]
    first = by_id.get(constraints.like_recording) if constraints.like_recording else None
    if first is not None and first.recording_id not in {t.recording_id for t in pool}:
        first = None

    def overlap(a: Track, b: Track) -> float:
        fits = _fits(a, b)
        return timeline.crossfade_ms(int(a.duration_s * 1000), int(b.duration_s * 1000),
                                     a.features.tempo_bpm, fits)[0] / 1000

    placed = sequence.order(pool, scores, minutes * 60.0, overlap, frozenset(heard_ids),
                            constraints, sequence.Dial(freshness=freshness))
    sid = set_id_for(listener_id, at, minutes, request)
    because = {p.track.recording_id: _because(p.track, history_tracks) for p in placed}
    placed = [Placed(p.track, commentary.why(p, because[p.track.recording_id], constraints),
                     p.breakdown) for p in placed]
    avg = sum(p.track.duration_s for p in placed) / len(placed)
    lines = commentary.script(placed, sid, minutes, because, every=1 if avg >= 60 else 2)
    return {"set_id": sid, "listener": listener_id, "at": at, "minutes": minutes,
            "request": request, "constraints": constraints, "not_understood": not_understood,
            "no_ai": no_ai, "placed": placed, "lines": lines,
            "pool": len(pool), "dropped": dict(dropped),
            "model": model.engine if model is not None else "content (no taste model yet)",
            "known_listener": bool(model is not None and model.scores(listener_id) is not None)}


def _fits(a: Track, b: Track) -> bool:
    from accord.dj import camelot

    return camelot.compatible(a.features.camelot, b.features.camelot) and \
        sequence.tempo_steps(a.features.tempo_bpm, b.features.tempo_bpm) <= 1.0


def _because(t: Track, history: list[Track]) -> Track | None:
    best, score = None, 0.6
    for h in history:
        if h.recording_id == t.recording_id:
            continue
        sim = content.similarity(h, t)
        if sim > score:
            best, score = h, sim
    return best


def _credits(t: Track) -> dict:
    return {"performers": [{"party": p.party_id, "name": p.name} for p in t.performers],
            "writers": [{"party": p.party_id, "name": p.name} for p in t.writers],
            "isrc": t.isrc, "work": t.work_title}


def render_set(s: Settings, plan: dict, out_base: Path) -> dict:
    """Voice, timeline, mix, credential, cue sheet, track list. Files are written atomically;
    returns the track list (what the JSON file holds)."""
    timings: dict[str, float] = {}
    t0 = time.time()
    placed: list[Placed] = plan["placed"]
    lines = plan["lines"]
    cache = dj_dir(s) / "voice-cache"
    v_audio = {}
    for ln in lines:
        v_audio[ln.index] = mix.load(voice.speak(ln.text, cache))
    timings["tts_s"] = time.time() - t0
    t1 = time.time()
    audio = {}
    for p in placed:
        if p.track.recording_id not in audio:
            audio[p.track.recording_id] = mix.load(p.track.audio_path)
    durations = [int(len(audio[p.track.recording_id]) * 1000 // mix.SR) for p in placed]
    fits = [True] + [_fits(a.track, b.track) for a, b in zip(placed, placed[1:], strict=False)]
    slots, voices, total = timeline.plan(
        durations, [p.track.features.tempo_bpm for p in placed], fits,
        [p.track.recording_id for p in placed],
        {ln.index: int(len(v_audio[ln.index]) * 1000 // mix.SR) for ln in lines})
    charges = timeline.charges(slots, voices)
    y = mix.render(slots, audio, voices, v_audio, total)
    y, lufs = mix.normalise(y)
    timings["mix_s"] = time.time() - t1
    t2 = time.time()
    out_base.parent.mkdir(parents=True, exist_ok=True)
    flac, mp3 = out_base.with_suffix(".flac"), out_base.with_suffix(".mp3")
    job = mix.write_mp3(y, mp3)  # encodes on the other core while the FLAC is written
    mix.write_flac(y, flac)
    del y
    tracks = []
    for i, (p, sl, ch) in enumerate(zip(placed, slots, charges, strict=True)):
        t = p.track
        tracks.append({"position": i + 1, "recording_id": t.recording_id, "title": t.title,
                       "isrc": t.isrc, "start_ms": sl.start_ms, "end_ms": sl.end_ms,
                       "cue_ms": ch.owned_from_ms, "charged_ms": ch.charged_ms,
                       "crossfade_in_ms": sl.fade_in_ms, "beat_matched": sl.beat_matched,
                       "camelot": t.features.camelot, "tempo_bpm": round(t.features.tempo_bpm, 1),
                       "energy": round(t.features.energy, 3), "why": p.why,
                       "credits": _credits(t),
                       "performers_text": commentary.names(t.performers) or
                       ", ".join(x.name for x in t.performers)})
    v = voice.engine()
    spans = [{"line": vv.index, "start_ms": vv.start_ms, "end_ms": vv.end_ms} for vv in voices]
    facts = credential.facts(plan["set_id"], v, spans, tracks)
    credential.sign(flac, facts, s)
    credential_ok = True
    try:
        mix.finish_mp3(job, mp3)
        credential.sign(mp3, facts, s)
    except Exception:
        job[0].kill()
        raise
    timings["encode_sign_s"] = time.time() - t2
    c = plan["constraints"]
    listing = {
        "set_id": plan["set_id"], "listener": plan["listener"], "at": fmt(plan["at"]),
        "minutes": plan["minutes"], "duration_s": round(total / 1000, 3),
        "loudness_lufs": round(lufs, 2), "request": plan["request"],
        "constraints": {k: v for k, v in c.__dict__.items() if v not in (None, ())},
        "not_understood": plan["not_understood"], "no_ai_setting": plan["no_ai"],
        "taste_model": plan["model"], "known_listener": plan["known_listener"],
        "candidates": plan["pool"], "dropped": plan["dropped"], "voice": v,
        "files": {"flac": str(flac), "mp3": str(mp3), "cue": str(out_base.with_suffix(".cue")),
                  "json": str(out_base.with_suffix(".json"))},
        "credential": {"signed": credential_ok, "voice_generated": True,
                       "recordings_human": True},
        "commentary": [{"before_track": ln.index + 1, "text": ln.text, "slots": ln.slots}
                       for ln in lines],
        "voice_ms": sum(vv.end_ms - vv.start_ms for vv in voices),
        "tracks": tracks,
        "timings": {k: round(x, 2) for k, x in timings.items()},
    }
    write_text(out_base.with_suffix(".cue"),
               cue.cue_sheet(flac.name, f"Accord DJ set {plan['set_id']}", tracks))
    write_text(out_base.with_suffix(".json"), json.dumps(listing, indent=1, sort_keys=True))
    listing["_charges"] = charges
    return listing


def record_plays(s: Settings, listing: dict, at: datetime) -> dict:
    """Append the set's plays: `played` usage through the royalty event log, and the trail."""
    charges = listing.pop("_charges")
    usage = plays.usage_records(listing["set_id"], at, charges)
    summary = eventlog.ingest_records(s.events_dir, list(enumerate(usage, 1)), "dj")
    if summary.rejected:
        raise InvalidInput(f"the royalty log rejected {summary.rejected} play event(s); see "
                           f"{summary.reject_file}")
    listens.append(s, plays.trail(listing["set_id"], listing["listener"], at, charges),
                   "dj set")
    return {"usage": summary.to_json(), "plays": len(usage),
            "charged_ms": sum(c.charged_ms for c in charges)}


def build_set(session: Session, s: Settings, listener_id: str, minutes: int,
              out: Path | None = None, at: datetime | None = None, request: str = "",
              freshness: float = 0.3, record: bool = True) -> dict:
    """The whole set: plan, render, sign, write, and (record=True) append its play events."""
    at = at or now()
    t0 = time.time()
    plan = plan_set(session, s, listener_id, minutes, at, request, freshness)
    plan_s = time.time() - t0
    base = Path(out) if out is not None else sets_dir(s, listener_id) / plan["set_id"]
    if base.suffix.lower() in (".flac", ".mp3", ".json", ".cue"):
        base = base.with_suffix("")
    listing = render_set(s, plan, base)
    listing["timings"]["plan_s"] = round(plan_s, 2)
    listing["events"] = record_plays(s, listing, at) if record else None
    if not record:
        listing.pop("_charges", None)
    if out is not None:  # the listener's page finds its sets under the home as well
        write_text(sets_dir(s, listener_id) / f"{plan['set_id']}.json",
                   json.dumps(listing, indent=1, sort_keys=True))
    listing["timings"]["total_s"] = round(time.time() - t0, 2)
    return listing


def build_set_for(s: Settings, listener_id: str, **kw) -> dict:
    """build_set in its own transaction (features computed on the way are committed)."""
    with session_scope(make_engine(s.db_url)) as session:
        return build_set(session, s, listener_id, **kw)


def latest_set(s: Settings, listener_id: str) -> dict:
    d = sets_dir(s, listener_id)
    found = sorted(d.glob("*.json"), key=lambda p: p.stat().st_mtime) if d.exists() else []
    if not found:
        raise NotFound(f"no DJ set yet for listener {listener_id!r}")
    return json.loads(found[-1].read_text())


def get_set(s: Settings, listener_id: str, set_id: str) -> dict:
    if not set_id.isalnum() or len(set_id) > 32:
        raise InvalidInput("a set id is 1-32 letters and digits")
    p = sets_dir(s, listener_id) / f"{set_id}.json"
    if not p.exists():
        raise NotFound(f"no DJ set {set_id!r} for this listener")
    return json.loads(p.read_text())


def summary_counts(listing: dict) -> Counter:
    return Counter(t["recording_id"] for t in listing["tracks"])
