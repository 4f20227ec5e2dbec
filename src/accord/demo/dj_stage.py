"""The DJ's demo stage: a demo listener's 10-minute set from the rendered demo recordings,
with commentary, its play events and the royalty lines they produced.

DEMO DATA, labelled as such: the `dj` licences of the demo publisher roles, the writers' `dj`
opt-ins, the listening history (synthetic, accord.dj.synth) and the DJ revenue are fictional.
One collection's writer (Ryan's Mammoth Collection) never opts in, so its rendering is never a
candidate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.catalog import corpus
from accord.catalog import service as catalog
from accord.catalog.importer import DEMO_START, import_corpus
from accord.catalog.recordings import recording_media
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.dj import listens, service, synth
from accord.dj.listens import parse_record
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.workflows.home import initialise

LISTENER = "demo-listener"
SET_AT = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
PERIOD = "2026-12"
#: (collection, pieces to render): short pieces, so a 10-minute set has a dozen of them.
RENDER = (("bach", 8), ("airdsAirs", 4), ("oneills1850", 3), ("ryansMammoth", 1))
DJ_WRITERS = ("bach", "airdsAirs", "oneills1850")  # ryansMammoth's writer never opts in


def _rendered(s: Settings, render=RENDER) -> list[str]:
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        have = {m.recording_id for m in recording_media(session) if m.audio_path}
        chosen = []
        for collection, n in render:
            rows = sorted(catalog.list_items(session, collection)["items"],
                          key=lambda r: r["duration_s"])
            rows = [r for r in rows if 20 <= r["duration_s"] <= 120] or rows
            chosen += [r["work_id"] for r in rows[:n]]
        if chosen:
            catalog.render_items(session, s, chosen, AuditLog(session, "demo"), DEMO_START)
        return sorted({m.recording_id for m in recording_media(session) if m.audio_path}
                      | have)


def _dj_rights(s: Settings, recordings: list[str], render=RENDER) -> None:
    """Demo licences for `dj` from every publisher of the rendered works, and the writers'
    opt-ins (fictional; labelled demo)."""
    engine = make_engine(s.db_url)
    t0 = DEMO_START.isoformat()
    with session_scope(engine) as session:
        publishers = set()
        for rid in recordings:
            rec = rights.show(session, rid)
            work = rights.show(session, rec["work"])
            publishers |= {p["party"] for p in work.get("publishers", [])}
        doc = {"accord_rights_document": 1,
               "agreements": [{"id": f"demo-agr-dj-{p}", "licensor": p, "uses": ["dj"],
                               "purpose": "commercial", "catalogue": "all", "valid_from": t0,
                               "demo": True, "title": "demo: a fictional DJ licence"}
                              for p in sorted(publishers)],
               "consents": [{"id": f"{corpus.writer_id(c)}-dj-optin",
                             "party": corpus.writer_id(c), "use": "dj", "action": "opt_in",
                             "effective_at": t0, "reason": "demo consent fixture: opts in to dj"}
                            for c in DJ_WRITERS if c in {r[0] for r in render}]}
        rights.import_document(session, parse_document(doc, "dj demo"), "dj demo",
                               AuditLog(session, "demo"))


def _history(s: Settings, recordings: list[str]) -> int:
    """A small synthetic log over the demo recordings: the demo listener and 40 others."""
    cat = synth.catalogue(len(recordings), n_clusters=3, seed=5)
    log = synth.listening(cat, 41, sessions=2, session_len=5, seed=6)
    listeners = [LISTENER] + [f"demo-listener-{i:02d}" for i in range(1, 41)]
    recs = synth.to_records(log, listeners, recordings, datetime(2026, 11, 1, tzinfo=UTC),
                            step_s=37)
    events = [parse_record(r, "demo")[0] for r in recs]
    return listens.append(s, events, "demo").accepted


def prepare(s: Settings, quiet: bool = False, render=RENDER) -> dict:
    """Everything the stage needs, idempotent: recordings rendered, dj rights, history, model.
    render: (collection, pieces) to render (the tests render fewer)."""
    initialise(s)
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        missing = [(c, n) for c, n in render
                   if not catalog.list_items(session, c, limit=1)["total"]]
    if missing:
        for c, n in missing:
            import_corpus(s, [c], limit=max(n, 20) if render == RENDER else n)
        from accord.catalog.service import setup_corpus_rights

        with session_scope(engine) as session:
            setup_corpus_rights(session, AuditLog(session, "demo"), DEMO_START)
    recordings = _rendered(s, render)
    _dj_rights(s, recordings, render)
    added = _history(s, recordings)
    model = service.train_model(s) if added or not service.model_path(s).exists() else None
    return {"recordings": recordings, "history_events": added, "model": model}


def dj_stage(s: Settings, report: Any, out: Console) -> None:
    from accord.royalties import eventlog
    from accord.royalties import service as royalties
    from accord.royalties.policy import load_policy

    out.rule("[bold]AI DJ: a listener's set of licensed recordings, introduced by a generated "
             "voice[/]")
    out.print("demo data: the dj licences, the writers' dj opt-ins, the listening history "
              "(synthetic) and the DJ revenue are fictional")
    prep = prepare(s)
    # 3 minutes: the twelve short demo renderings fill about 3.5 minutes, so the set plays
    # each at most once (a longer set repeats them, saying so)
    listing = service.build_set_for(s, LISTENER, minutes=3, at=SET_AT,
                                    request="something upbeat")
    table = Table("#", "title", "key", "BPM", "charged s", "why this track")
    for t in listing["tracks"]:
        table.add_row(str(t["position"]), t["title"], t["camelot"] or "?",
                      f"{t['tempo_bpm']:.0f}", f"{t['charged_ms'] / 1000:.1f}", t["why"])
    out.print(table)
    for c in listing["commentary"][:4]:
        out.print(f"[italic]DJ (before track {c['before_track']}):[/] {c['text']}")
    out.print(f"set {listing['set_id']}: {listing['duration_s']:.0f} s at "
              f"{listing['loudness_lufs']} LUFS, {len(listing['tracks'])} plays from "
              f"{listing['candidates']} candidates (left out: {listing['dropped']}); files "
              f"{listing['files']['flac']} and .mp3, .cue, .json (C2PA: voice generated, "
              "recordings human)")
    eventlog.ingest_records(s.events_dir, [(1, {
        "type": "revenue", "id": "demo-revenue-dj-2026-12", "feature": "dj", "period": PERIOD,
        "territory": "WW", "currency": "EUR", "amount": "12.00"})], "demo")
    with session_scope(make_engine(s.db_url)) as session:
        summary = royalties.run_period(session, s, PERIOD, load_policy())
    lines = _play_lines(s)
    for ln in lines[:8]:
        out.print(f"royalty line: {ln['payee']} {ln['item_id']} {ln['units']} play(s) "
                  f"{ln['amount']} EUR")
    out.print(f"period {PERIOD}: dj pool {summary['pools']}, {len(summary['payees'])} payees")
    report.add("dj", {"set": {k: listing[k] for k in ("set_id", "duration_s", "loudness_lufs",
                                                     "candidates", "dropped", "files",
                                                     "commentary", "tracks", "events")},
                      "prepared": {"recordings": len(prep["recordings"]),
                                   "history_events": prep["history_events"]},
                      "royalties": {"period": PERIOD, "pools": summary["pools"],
                                    "payees": summary["payees"], "lines": lines}})


def _play_lines(s: Settings) -> list[dict]:
    import json

    from accord.royalties.service import statement_path

    data = json.loads(statement_path(s, PERIOD).read_text())
    out = []
    for payee, by_cur in sorted(data["payees"].items()):
        for cur, body in by_cur.items():
            for ln in body["lines"]:
                if ln["feature"] == "dj":
                    out.append({"payee": payee, "currency": cur, "item_id": ln["item_id"],
                                "units": ln["units"], "amount": ln["amount"]})
    return out
