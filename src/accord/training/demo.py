"""The demo's training stage: snapshot what the demo catalogue permits, train a small model,
show its card, then let one writer revoke `train` and show the audit flag the model and the next
snapshot drop the writer's works. Runs after the catalogue stage (it needs its MIDI)."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.table import Table

from accord.catalog import service as catalog
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.model import ConsentAction, Purpose, Use
from accord.timeutil import now
from accord.training import dataset_service, service

#: Steps of the tiny preset in the demo: about a minute on 2 CPU cores.
DEMO_STEPS = 120
#: What the stage imports itself when the catalogue is empty (pieces per collection).
DEMO_COLLECTIONS = ("essenFolksong", "bach", "airdsAirs")
DEMO_PIECES = 30


def training_stage(s: Settings, report, out: Console, steps: int = DEMO_STEPS) -> None:
    out.rule("[bold]Licensed training: snapshot, model, card, revocation[/]")
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        empty = not catalog.symbolic_items(session)
    if empty:  # the catalogue stage did not run: import a small slice of the corpus here
        from accord.catalog.importer import import_corpus, import_demo_songbook

        rep = import_corpus(s, list(DEMO_COLLECTIONS), limit=DEMO_PIECES, workers=1)
        songs = import_demo_songbook(s)
        out.print(f"catalogue was empty: imported {rep.imported} corpus pieces from "
                  f"{', '.join(DEMO_COLLECTIONS)} and {songs.imported} demo songbook tunes")
    t = now()
    with session_scope(engine) as session:
        snap = dataset_service.build(session, s, Use.TRAIN, t, Purpose.NON_COMMERCIAL)
    out.print(f"snapshot {snap.id}: {snap.items} permitted items, Merkle root "
              f"{snap.merkle_root[:16]}...")
    with session_scope(engine) as session:
        dataset_service.verify(session, s, snap.id)
        sheet = dataset_service.get(session, snap.id).datasheet
    out.print(f"verified; excluded (totals by reason): {sheet['excluded'] or 'none'}")
    with session_scope(engine) as session:
        model = service.train_model(session, s, snap.id, "tiny", max_steps=steps, samples=2,
                                    console=out)
    with session_scope(engine) as session:
        card = service.card(session, model["id"])
    table = Table(title=f"model card {model['id']} (excerpt)", show_header=False)
    table.add_row("intended use", card["intended_use"])
    table.add_row("purpose", card["purpose"])
    table.add_row("training data", f"{card['training_data']['items']} items from "
                  f"{len(card['training_data']['rights_holders'])} rights holder(s)")
    m = card["metrics"]
    table.add_row("validation", f"{m['val_nats_per_token']:.3f} nats/token, "
                  f"{m['val_bits_per_note']:.2f} bits/note (5-gram "
                  f"{m['ngram5_nats_per_token']:.3f})")
    out.print(table)
    ref = reference_stage(s, engine, out, t)

    # One writer of the snapshot revokes `train`; the audit flags and retires the model. The
    # writer is one the reference model was not trained on when there is one (the demo
    # songbook's fictional writer, catalog.corpus.DEMO_SONGBOOK), so that the
    # later stages can keep creating with the reference model (a revocation by one of ITS
    # writers retires it the same way: tests/training/test_reference.py).
    items = dataset_service.items(s, snap.id)
    ref_writers = set(ref.get("writers", ())) if ref else set()
    candidates = {a for i in items for a in i.artists}
    writer = max(candidates - ref_writers or candidates,
                 key=lambda a: (sum(a in i.artists for i in items), a))
    with session_scope(engine) as session:
        rights.record_consent(session, writer, Use.TRAIN, ConsentAction.REVOKE,
                              t + timedelta(seconds=1), AuditLog(session, "demo"),
                              reason="demo: a writer withdraws from training")
    later = t + timedelta(days=1)
    with session_scope(engine) as session:
        flagged = service.audit(session, later)
    with session_scope(engine) as session:
        snap2 = dataset_service.build(session, s, Use.TRAIN, later, Purpose.NON_COMMERCIAL)
    hit = next((f for f in flagged if f["model"] == model["id"]), None)
    out.print(f"{writer} revokes train: the audit flags model {model['id']} "
              f"({len(hit['affected_items']) if hit else 0} items; now "
              f"{hit['status'] if hit else 'active'}); the next snapshot {snap2.id} has "
              f"{snap2.items} items (was {snap.items})")
    if ref:
        flagged_ref = any(f["model"] == ref["model"]["id"] for f in flagged)
        out.print(f"the reference model {ref['model']['id']} was "
                  + ("flagged too: it was trained on that writer's works" if flagged_ref else
                     f"not trained on {writer}'s works: it stays active and makes the demo's "
                     "music"))
    report.add("training", {"snapshot": snap.to_json(), "model": model,
                            "revoked_writer": writer, "audit": flagged,
                            "next_snapshot": snap2.to_json(),
                            "reference": {k: v for k, v in (ref or {}).items()
                                          if k != "writers"}})


def reference_stage(s: Settings, engine, out: Console, at) -> dict | None:
    """Register the reference model shipped with accord (trained on the whole licensed corpus;
    this home holds only part of it, so its works are registered from the package and every
    item's permission is then checked here, at the snapshot's time and now)."""
    from accord.errors import AccordError
    from accord.training import reference

    try:
        from accord.catalog.importer import DEMO_START

        with session_scope(engine) as session:  # the writers of collections not imported here
            catalog.register_corpus_writers(session, AuditLog(session, "training"), DEMO_START)
        with session_scope(engine) as session:
            result = reference.import_reference(session, s, at=at, register_missing_works=True)
        ref = reference.load()
    except AccordError as exc:
        out.print(f"[red]reference model not registered[/]: {exc}")
        return None
    m = ref.meta["metrics"]
    out.print(f"reference model [bold]{result['model']['id']}[/] ({ref.meta['preset']} preset, "
              f"{m.get('params', 0):,} parameters) registered: {result['items']} training items "
              f"permitted at its snapshot's time ({ref.snapshot['at']}) and "
              f"{result['items'] - result['not_permitted_now']} now "
              f"({result['works_registered']} works registered from the package); test "
              f"{m['test_nats_per_token']:.3f} nats/token vs the best n-gram "
              f"{m['ngram_test_nats_per_token']:.3f}; status {result['status']}")
    writers = sorted({a for i in reference.manifest_items(ref) for a in i.artists})
    return {**result, "writers": writers}
