"""The catalogue's demo stage: a real corpus subset, deduplicated, two rendered recordings, and a
DDEX ERN 4.3 delivery of a (demo) single followed by its takedown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.catalog import corpus, ddex_import, service
from accord.catalog.importer import DEMO_START, import_corpus, import_demo_songbook
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.model import Use

#: (collection, pieces): every licence scope and every consent-fixture branch, well under a
#: minute of parsing on two cores (the parse cache makes a second demo run fast).
DEMO_SUBSET = (("bach", 20), ("essenFolksong", 30), ("oneills1850", 20), ("ryansMammoth", 10),
               ("palestrina", 3), ("josquin", 1), ("airdsAirs", 15))
#: A demo label's ERN 4.3 delivery of a single, then the same release with its deal ended.
DDEX_DEMO = Path(__file__).parent / "demo_ddex"
DDEX_DEMO_ISRC = "XDKTE2600001"


def catalog_stage(s: Settings, report: Any, out: Console) -> None:
    out.rule("[bold]Catalogue: the public-domain corpus bundled with music21[/]")
    totals = {"imported": 0, "duplicates_skipped": 0, "rejected": [], "pieces": 0,
              "from_cache": 0, "seconds": 0.0}
    from rich.progress import Progress

    with Progress(console=out, transient=True) as bar:
        task = bar.add_task("importing corpus subset", total=len(DEMO_SUBSET))
        for collection, n in DEMO_SUBSET:
            r = import_corpus(s, [collection], limit=n).to_json()
            for k in ("imported", "duplicates_skipped", "pieces", "from_cache", "seconds"):
                totals[k] += r[k]
            totals["rejected"] += r["rejected"]
            bar.advance(task)
        r = import_demo_songbook(s).to_json()  # a writer outside the reference model (demo)
        for k in ("imported", "duplicates_skipped", "pieces", "from_cache", "seconds"):
            totals[k] += r[k]
        totals["rejected"] += r["rejected"]
    totals["seconds"] = round(totals["seconds"], 2)
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        items = service.symbolic_items(session)
        by_coll: dict[str, int] = {}
        for it in items:
            by_coll[it.collection] = by_coll.get(it.collection, 0) + 1
        chosen = [next(i for i in items if i.collection == "bach").work_id,
                  next(i for i in items if i.collection == "essenFolksong").work_id]
        rendered = service.render_items(session, s, chosen, AuditLog(session, "demo"),
                                        DEMO_START)
    table = Table(title="catalogue by collection (licence scope of the encoders' terms)")
    for col in ("collection", "items", "licence", "purpose"):
        table.add_column(col)
    for c, n in sorted(by_coll.items()):
        lic = corpus.licence_for(c)
        table.add_row(c, str(n), lic.tag, lic.purpose)
    out.print(table)
    out.print(f"imported {totals['imported']} pieces, skipped {totals['duplicates_skipped']} "
              f"duplicates, rejected {len(totals['rejected'])} ({totals['seconds']} s)")
    for r in rendered:
        out.print(f"rendered {r['item']} -> demo recording {r['isrc']} "
                  f"({r['duration_s']:.1f} s, {r['loudness_lufs']} LUFS)")
    report.add("catalog", {"import": totals, "by_collection": by_coll, "rendered": rendered,
                           "ddex": ddex_demo(s, out)})


def ddex_demo(s: Settings, out: Console) -> list[dict]:
    """Import the demo delivery and its takedown; after each, ask the rule about `train`."""
    table = Table(title="DDEX ERN 4.3 deliveries (demo label, demo data)")
    for col in ("message", "what it did", "train of the single: allowed?", "why not"):
        table.add_column(col, overflow="fold")
    steps = []
    for name in ("delivery.xml", "takedown.xml"):
        o = ddex_import.import_file(s, DDEX_DEMO / name, actor="demo")
        if o.status == "rejected":  # shipped files: a rejection is a bug, say it loudly
            raise RuntimeError(f"demo DDEX message {name} rejected: {o.problems}")
        with session_scope(make_engine(s.db_url)) as session:
            d = rights.check(session, Use.TRAIN, recording=DDEX_DEMO_ISRC)
        did = (f"{o.kind}: {len(o.details.get('recordings', []))} recording, "
               f"{len(o.details.get('works', []))} work, {len(o.details.get('parties', []))} "
               f"parties" if o.kind != "takedown" else
               f"takedown (deal ended): withdrew {', '.join(o.details['taken_down'])}")
        conds = sorted({m.condition for m in d.missing})
        why = ", ".join(f"condition {c}: {sum(m.condition == c for m in d.missing)} missing"
                        for c in conds if c != 4)
        why += "".join(f"; {m.text.split(' (')[0]}" for m in d.missing if m.condition == 4)
        table.add_row(o.message_id, did, "yes" if d.allowed else "no", why)
        steps.append({"message": o.message_id, "kind": o.kind, "allowed": d.allowed,
                      "missing": [m.text for m in d.missing]})
    out.print(table)
    out.print("the delivery registers the release, its work (ISWC, writers, publishers) and "
              "master shares; the rule still denies until the holders license AI uses and the "
              "artist and writers opt in; the takedown adds a withdrawal (condition 4)")
    return steps
