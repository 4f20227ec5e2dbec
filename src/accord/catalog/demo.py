"""The catalogue's demo stage: a real corpus subset, deduplicated, and two rendered recordings."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from accord.catalog import corpus, service
from accord.catalog.importer import DEMO_START, import_corpus
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights.audit import AuditLog

#: (collection, pieces): every licence scope and every consent-fixture branch, well under a
#: minute of parsing on two cores (the parse cache makes a second demo run fast).
DEMO_SUBSET = (("bach", 20), ("essenFolksong", 30), ("oneills1850", 20), ("ryansMammoth", 10),
               ("palestrina", 3), ("josquin", 1), ("airdsAirs", 15))


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
    report.add("catalog", {"import": totals, "by_collection": by_coll, "rendered": rendered})
