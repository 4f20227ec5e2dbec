"""The demo's creation stage: the retired demo model is refused; its replacement (retrained on
what is still permitted) makes a new piece, a piece in an opted-in writer's style and a
derivative of a catalogue work under a (fictional, demo) remix licence; a style request for a
writer who never opted in and a commercial request are refused with their reasons; one
credential is verified. Runs after the training stage."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from accord.config import Settings
from accord.creation import service
from accord.creation.request import CreationRequest, Params
from accord.db.engine import make_engine, session_scope
from accord.errors import Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import Purpose, Use
from accord.training import dataset_service
from accord.training import service as training

#: Steps of the replacement tiny model: about 15 s on 2 cores.
DEMO_STEPS = 40
STYLE_WRITER = "writer-bach"           # opted in to train and style (catalogue fixture)
NO_STYLE_WRITER = "writer-essenfolksong"  # opted in to train only
REMIX_WRITER = "writer-bach"
FORMATS = ("wav", "mp3")

#: Fictional remix addenda for the demo: neither the music21 encoders nor anyone else signed
#: these; they exist so that the demo can show a licensed derivative. Flagged demo everywhere.
REMIX_DEMO = {
    "accord_rights_document": 1,
    "agreements": [
        {"id": f"demo-agr-remix-{holder}", "licensor": holder, "uses": ["remix"],
         "purpose": "non_commercial", "catalogue": "all", "valid_from": "2026-01-01T00:00:00Z",
         "title": "Remix addendum (FICTIONAL demo data)", "demo": True}
        for holder in ("encoder-music21-corpus", "demo-pub-old-quire")],
    "consents": [{"id": "demo-consent-bach-remix", "party": REMIX_WRITER, "use": "remix",
                  "action": "opt_in", "effective_at": "2026-01-01T00:00:00Z",
                  "reason": "demo consent fixture: opted in to remix (fictional)"}],
}


def _model(s: Settings, engine, out: Console) -> tuple[str, list[dict]]:
    """An active model: the latest, or the retired demo model's replacement."""
    refusals = []
    with session_scope(engine) as session:
        models = training.list_models(session)
        default = training.default_model_id(session)
    active = [m for m in models if m["status"] == training.ACTIVE]
    if default is not None and training.is_reference(default):
        # the shipped reference model makes the music; the retired demo model is still refused
        retired = [m for m in models if m["status"] != training.ACTIVE]
        if retired:
            try:
                with session_scope(engine) as session:
                    service.create(session, s, CreationRequest(retired[-1]["id"], "new",
                                                               Params(bars=4)))
            except Refused as exc:
                refusals.append({"request": f"new piece from retired model {retired[-1]['id']}",
                                 "reason": str(exc)})
        out.print(f"creating with the reference model {default} (the demo's small model only "
                  "shows snapshots, cards and revocation)")
        return default, refusals
    if active:
        return active[-1]["id"], refusals
    if models:
        old = models[-1]["id"]
        try:
            with session_scope(engine) as session:
                service.create(session, s, CreationRequest(old, "new", Params(bars=4)))
        except Refused as exc:
            refusals.append({"request": f"new piece from retired model {old}",
                             "reason": str(exc)})
        with session_scope(engine) as session:
            new = training.retrain(session, s, old, max_steps=DEMO_STEPS, samples=0,
                                   console=out)
        out.print(f"retrained on what is still permitted: model {new['model']['id']} replaces "
                  f"{old} (snapshot {new['snapshot']['id']}, {new['snapshot']['items']} items)")
        return new["model"]["id"], refusals
    with session_scope(engine) as session:
        snap = dataset_service.build(session, s, Use.TRAIN, None, Purpose.NON_COMMERCIAL)
    with session_scope(engine) as session:
        new = training.train_model(session, s, snap.id, "tiny", max_steps=DEMO_STEPS, samples=0,
                                   console=out, progress=False)
    return new["id"], refusals


def creation_stage(s: Settings, report, out: Console) -> None:
    out.rule("[bold]Creation: generation, signed provenance, memorization guard[/]")
    started = time.perf_counter()
    engine = make_engine(s.db_url)
    model_id, refusals = _model(s, engine, out)
    with session_scope(engine) as session:
        rights.import_document(session, parse_document(REMIX_DEMO, "demo remix addenda"),
                               "demo remix addenda", AuditLog(session, "demo"))
        snap = training.get_model(session, model_id).snapshot_id
    items = dataset_service.items(s, snap)
    from accord.catalog import service as catalog  # the source's MIDI primes the derivative

    with session_scope(engine) as session:
        held = {x.work_id for x in catalog.symbolic_items(session, [i.item_id for i in items])}
    items = [i for i in items if i.item_id in held] or items
    source = next((i.item_id for i in items if REMIX_WRITER in i.artists), items[0].item_id)
    asks = [
        ("new piece, 8 bars in D minor", CreationRequest(
            model_id, "new", Params(bars=8, key="D minor", tempo=110, seed=1),
            formats=("wav", "flac", "mp3"))),
        (f"in the style of {STYLE_WRITER}", CreationRequest(
            model_id, "style", Params(bars=8, seed=2), artist=STYLE_WRITER, formats=FORMATS)),
        (f"derivative of {source} (remix)", CreationRequest(
            model_id, "derivative", Params(bars=8, seed=3), source_work=source,
            formats=FORMATS)),
        (f"in the style of {NO_STYLE_WRITER}", CreationRequest(
            model_id, "style", Params(bars=8, seed=4), artist=NO_STYLE_WRITER)),
        ("a commercial new piece", CreationRequest(
            model_id, "new", Params(bars=8, seed=5), purpose=Purpose.COMMERCIAL)),
    ]
    made = []
    for label, req in asks:
        try:
            with session_scope(engine) as session:
                result = service.create(session, s, req)
            made += [(label, o) for o in result.outputs]
            refusals += [{"request": label, "reason": r["reason"]} for r in result.refused]
        except Refused as exc:
            refusals.append({"request": label, "reason": str(exc)})
    which = "the reference model" if training.is_reference(model_id) else "model"
    table = Table(title=f"outputs of {which} {model_id}")
    for col in ("request", "output", "length", "guard (max coverage)", "files"):
        table.add_column(col, overflow="fold")
    for label, o in made:
        sh = o.parameters["shaped"]
        table.add_row(label, o.id, f"{sh['bars']} bars, {sh['duration_s']:.1f} s, {sh['key']}",
                      f"{o.guard['max_coverage']:.0%} (limit {o.guard['threshold']:.0%})",
                      ", ".join(sorted(o.files)))
    out.print(table)
    for r in refusals:
        out.print(f"[red]refused[/] {r['request']}: {r['reason']}")
    first = made[0][1]
    wav = first.files["wav"]["path"]
    v = service.verify(s, wav)
    out.print(f"accord verify {wav}: {'verifies' if v.ok else 'does NOT verify'} (signer "
              f"{v.signer.get('subject')}, development chain; training and mining "
              f"{v.facts['training_mining']['use']}); stage took "
              f"{time.perf_counter() - started:.0f} s")
    report.add("creation", {"model": model_id,
                            "outputs": [{"request": label, **o.summary()} for label, o in made],
                            "refused": refusals, "verified": v.to_json()["ok"],
                            "seconds": round(time.perf_counter() - started, 1),
                            "at": datetime.now(UTC).isoformat()})
