"""The demo's attribution stage: credits for every output creation made (through the hook in
inputs.py), with evidence, stored, handed to the royalty engine's event log; the first output
is also attributed with the other method for comparison. Without creation outputs (the stage run
alone) it attributes a sample of the newest model, labelled as such. Runs after creation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from accord.attribution import inputs, service
from accord.attribution.samples import make_sample
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import Refused
from accord.training import service as training
from accord.workflows import release

SHOWN = 12  # credits printed per output; the stored list is complete


def attribution_stage(s: Settings, report, out: Console) -> None:
    out.rule("[bold]Attribution: who shaped each output, in what shares[/]")
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        ids = inputs.creation_output_ids(session)
        models = training.list_models(session)
    released_ids = list(ids)  # creation outputs (a sample below is not released)
    if not ids:
        if not models:
            out.print("no model and no outputs: nothing to attribute")
            return
        active = [m for m in models if m["status"] == training.ACTIVE]
        model = (active or models)[-1]["id"]
        with session_scope(engine) as session:
            sample = make_sample(session, s, model, seed=7, allow_retired=not active)
        ids = [sample["output_id"]]
        out.print(f"no creation outputs: attributing an attribution sample of model {model} "
                  f"({sample['output_id']}){'' if active else ' (model retired; demo only)'}")
    method = service.method_name(s)
    # creation outputs go through the release workflow (credit, then record for royalties), as
    # `accord create` and the API's job do; a sample is credited but never released
    done = release.release(engine, s, released_ids)
    results = []
    for oid in ids:
        if oid in done.results:
            r = done.results[oid]
        else:
            with session_scope(engine) as session:
                r = service.credit_output(session, s, oid)
        results.append(r)
        table = Table(title=f"credits of {oid} ({r['method']['name']} "
                      f"v{r['method']['version']}, {r['seconds']:.2f} s)", show_lines=False)
        for col in ("share", "role", "work", "artists", "evidence"):
            table.add_column(col, overflow="fold")
        for c in r["credits"][:SHOWN]:
            table.add_row(c["share"], c["role"], c["title"] or c["item_id"],
                          ", ".join(a["name"] for a in c["artists"]), c["evidence_summary"])
        out.print(table)
        if len(r["credits"]) > SHOWN:
            out.print(f"... and {len(r['credits']) - SHOWN} smaller credits (all of them: "
                      f"accord credits {oid})")
    other = next(m for m in service.METHODS if m != method)
    try:
        with session_scope(engine) as session:
            cmp = service.credit_output(session, s, ids[0], other)
        out.print(f"{ids[0]} with {other} (for comparison, not stored): " + ", ".join(
            f"{c['title'] or c['item_id']} {c['share']}" for c in cmp["credits"][:5]))
    except Refused as exc:
        # e.g. the shipped reference model in a home that holds only part of its corpus: its
        # package carries the symbolic index, but the other method's index needs every
        # training piece's MIDI file
        cmp = {"credits": [], "skipped": str(exc)}
        out.print(f"{ids[0]} with {other}: comparison skipped ({exc})")
    ingest = done.royalty_events
    if released_ids:  # each output's usage and credits, recorded by the release workflow
        out.print(f"royalty event log: {ingest.accepted.get('usage', 0)} usage and "
                  f"{ingest.accepted.get('credits', 0)} credit events accepted, "
                  f"{ingest.duplicates} already recorded, {ingest.rejected} rejected")
    report.add("attribution", {
        "method": method, "outputs": [service.provenance_summary(r) for r in results],
        "comparison": {"output_id": ids[0], "method": other,
                       "credits": [{"work": c["item_id"], "share": c["share"]}
                                   for c in cmp["credits"]],
                       "skipped": cmp.get("skipped")},
        "royalty_ingest": ingest.to_json() if ingest is not None else None})
