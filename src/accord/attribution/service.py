"""Attribution services: indexes per model version, attributing an output, stored credits, and
what royalties and provenance read from them. The CLI and the demo call these."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import tomllib
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.attribution import inputs, parties
from accord.attribution.gradient import GradientMethod
from accord.attribution.model import AttributionInput, AttributionMethod, TrainingItem
from accord.attribution.prepare import query_from_input, training_item
from accord.attribution.rule import CreditPolicy, credit_shares
from accord.attribution.symbolic import SymbolicMethod
from accord.attribution.tables import OutputAttributionRow, OutputCreditRow
from accord.config import Settings
from accord.creation import service as creation
from accord.errors import InvalidInput, Refused
from accord.rights import lookup
from accord.timeutil import fmt, now
from accord.training import dataset_service
from accord.training.loader import load_model
from accord.training.model import Transformer
from accord.training.service import ModelVersion, get_model, model_dir, model_status
from accord.training.tokenizer import Tokenizer

METHODS = ("symbolic", "trak")
_LOADED: dict[tuple[str, str], tuple[AttributionMethod, Tokenizer]] = {}


def method_name(settings: Settings, name: str | None = None) -> str:
    chosen = name or settings.attribution_method
    if chosen not in METHODS:
        raise InvalidInput(f"unknown attribution method {chosen!r}; known: {', '.join(METHODS)}")
    return chosen


def load_policy(settings: Settings) -> CreditPolicy:
    path = settings.attribution_policy
    if path is None:
        return CreditPolicy()
    try:
        return CreditPolicy.from_json(tomllib.loads(Path(path).read_text()).get("credits", {}))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise InvalidInput(f"attribution policy {path}: {exc}") from None


def make_method(name: str, model: Transformer) -> AttributionMethod:
    return GradientMethod(model) if name == "trak" else SymbolicMethod()


def index_path(settings: Settings, model_id: str, name: str) -> Path:
    version = GradientMethod.version if name == "trak" else SymbolicMethod.version
    return model_dir(settings, model_id) / "attribution" / f"{name}-v{version}"


def training_items(session: Session, settings: Settings, row: ModelVersion,
                   tok: Tokenizer) -> list[TrainingItem]:
    """The model's snapshot items, tokenized as the trainer tokenized them."""
    out = []
    for x in dataset_service.item_sources(session, settings, row.snapshot_id):
        if x.midi_path is None or not x.unchanged:
            raise Refused(f"item {x.item.item_id} of snapshot {row.snapshot_id} is no longer in "
                          "the catalogue with the content hash the snapshot froze")
        out.append(training_item(x.item.item_id, x.midi_path, tok, x.item.conditioning))
    return out


def build_index(session: Session, settings: Settings, model_id: str, name: str,
                force: bool = False) -> dict:
    """Build (once per model version and method) and store the index in the model's directory."""
    row = get_model(session, model_id)
    target = index_path(settings, model_id, name)
    info = target / "index.json"
    if info.exists() and not force:
        meta = json.loads(info.read_text())
        if meta["weights_sha256"] == row.weights_sha256:
            return {**meta, "created": False}
    t0 = time.perf_counter()
    model, tok = load_model(settings, row)
    items = training_items(session, settings, row, tok)
    method = make_method(name, model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        method.build_index(items, tmp)
        meta = {"model": model_id, "method": method.name, "version": method.version,
                "snapshot": row.snapshot_id, "weights_sha256": row.weights_sha256,
                "items": len(items), "built_at": fmt(now()),
                "seconds": round(time.perf_counter() - t0, 3), "path": str(target)}
        (tmp / "index.json").write_text(json.dumps(meta, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _LOADED.pop((str(target), row.weights_sha256), None)
    return {**meta, "created": True}


def _method(session: Session, settings: Settings, model_id: str, name: str
            ) -> tuple[AttributionMethod, Tokenizer, ModelVersion]:
    row = get_model(session, model_id)
    build_index(session, settings, model_id, name)
    target = index_path(settings, model_id, name)
    key = (str(target), row.weights_sha256)
    if key not in _LOADED:
        model, tok = load_model(settings, row)
        method = make_method(name, model)
        method.load_index(target)
        _LOADED[key] = (method, tok)
    method, tok = _LOADED[key]
    return method, tok, row


def _conditioning_works(settings: Settings, row: ModelVersion, party: str) -> list[str]:
    items = dataset_service.items(settings, row.snapshot_id)
    works = [i.item_id for i in items if party in i.conditioning] or \
        [i.item_id for i in items if party in i.artists]
    if not works:
        raise InvalidInput(f"conditioning artist {party!r} has no works in snapshot "
                           f"{row.snapshot_id} of model {row.id}")
    return works


def attribute(session: Session, settings: Settings, inp: AttributionInput,
              name: str | None = None, policy: CreditPolicy | None = None) -> dict:
    """Score the output with the method, apply the credit rule, expand each credited work to
    its people. Writes nothing (see credit_output)."""
    name = method_name(settings, name)
    policy = policy or load_policy(settings)
    t0 = time.perf_counter()
    method, tok, row = _method(session, settings, inp.model_id, name)
    if inp.source_work and not lookup.work_exists(session, inp.source_work):
        raise InvalidInput(f"output {inp.output_id}: source work {inp.source_work!r} is not in "
                           "the rights registry")
    cond = _conditioning_works(settings, row, inp.conditioning_party) \
        if inp.conditioning_party else []
    scores = method.attribute(query_from_input(inp, tok))
    by_id = {s.item_id: s for s in scores}
    shares = credit_shares([(s.item_id, s.score) for s in scores], policy, cond, inp.source_work,
                           training_works=[s.item_id for s in scores])
    unmeasured = all(c.role == "training" and not c.score for c in shares)
    people = parties.expand(session, {c.item_id for c in shares})
    credits = []
    for rank, c in enumerate(shares, 1):
        if c.role == "training" and unmeasured:
            ev = {"no_measurable_influence": True, "split_over_works": len(shares)}
        elif c.role == "training":
            ev = by_id[c.item_id].evidence
        elif c.role == "conditioning":
            ev = {"conditioning_party": inp.conditioning_party,
                  "reserved": str(policy.conditioning_share), "split_over_works": len(cond)}
        else:
            ev = {"source_work": inp.source_work, "reserved": str(policy.source_share)}
        credits.append(_credit_json(c.role, "work", c.item_id, c.share, rank, c.score, ev,
                                    people[c.item_id], method.name))
    return {"output_id": inp.output_id, "model_id": inp.model_id,
            "model_status": row.status,
            "method": {"name": method.name, "version": method.version},
            "policy": policy.to_json(), "credits": credits,
            "total_share": str(sum(c.share for c in shares)),
            "seconds": round(time.perf_counter() - t0, 4),
            "input": {k: v for k, v in inp.to_json().items() if k != "token_ids"}}


def _credit_json(role, kind, item_id, share, rank, score, evidence, people, method) -> dict:
    return {"role": role, "item_kind": kind, "item_id": item_id,
            "title": people.get("title", ""), "share": str(share), "rank": rank,
            "score": None if score is None else round(float(score), 6),
            "artists": parties.artists_of(people),
            "rights_holders": parties.rights_holders_of(people), "evidence": evidence,
            "evidence_summary": summarise(role, method, evidence)}


def summarise(role: str, method: str, ev: dict) -> str:
    """One line of evidence for people to read."""
    if role == "conditioning":
        return (f"conditioned on {ev['conditioning_party']}: reserved {ev['reserved']} over "
                f"{ev['split_over_works']} work(s)")
    if role == "source":
        return f"derivative of this work: reserved {ev['reserved']}"
    if ev.get("no_measurable_influence"):
        return (f"no work measurably shaped this output: an equal share of the "
                f"{ev['split_over_works']} training works")
    if method == "trak":
        return (f"influence {ev['influence']:.4g} (rank {ev['rank']}), gradient cosine "
                f"{ev['gradient_cosine']:.2f}")
    text = (f"{ev['ngram_coverage']:.0%} of the output's {ev['n']}-note patterns, longest "
            f"{ev['longest_run_notes']} notes; style cosine {ev['style_cosine']:.2f}")
    p = (ev.get("passages") or [None])[0]
    if p and "work_bars" in p:
        text += (f"; output bars {p['output_bars'][0]}-{p['output_bars'][1]} ~ work bars "
                 f"{p['work_bars'][0]}-{p['work_bars'][1]}")
    return text


# --- stored credits -----------------------------------------------------------------------------

def stored(session: Session, output_id: str) -> dict | None:
    head = session.get(OutputAttributionRow, output_id)
    if head is None:
        return None
    rows = session.execute(select(OutputCreditRow).where(OutputCreditRow.output_id == output_id)
                           .order_by(OutputCreditRow.rank)).scalars().all()
    status = model_status(session, head.model_id)
    return {"output_id": output_id, "model_id": head.model_id,
            "model_status": status or "unknown",
            "method": {"name": head.method, "version": head.method_version},
            "policy": head.policy,
            "credits": [_credit_json(r.role, r.item_kind, r.item_id, r.share, r.rank, r.score,
                                     r.evidence, r.parties, head.method) for r in rows],
            "total_share": str(sum(r.share for r in rows)), "seconds": head.seconds,
            "input": head.input, "attributed_at": fmt(head.created_at), "stored": True}


def store(session: Session, result: dict) -> None:
    """Record an attribution (once per output; the caller's transaction commits it whole)."""
    if session.get(OutputAttributionRow, result["output_id"]) is not None:
        raise Refused(f"output {result['output_id']} is already attributed; credits are "
                      "never recomputed")
    total = sum(Decimal(c["share"]) for c in result["credits"])
    if total != 1:
        raise Refused(f"credits of output {result['output_id']} sum to {total}, not 1")
    session.add(OutputAttributionRow(
        output_id=result["output_id"], model_id=result["model_id"],
        method=result["method"]["name"], method_version=result["method"]["version"],
        policy=result["policy"], input=result["input"], seconds=result["seconds"],
        created_at=now()))
    session.flush()
    people = parties.expand(session, {c["item_id"] for c in result["credits"]})
    for c in result["credits"]:
        session.add(OutputCreditRow(
            output_id=result["output_id"], role=c["role"], item_kind=c["item_kind"],
            item_id=c["item_id"], share=Decimal(c["share"]), rank=c["rank"], score=c["score"],
            evidence=c["evidence"], parties=people[c["item_id"]]))
    session.flush()


def credit_output(session: Session, settings: Settings, output_id: str,
                  name: str | None = None) -> dict:
    """The output's credits: the stored ones; else attributed now with the configured method and
    stored. Asking for another method than the stored one computes it without storing it."""
    have = stored(session, output_id)
    if have is not None and (name is None or name == have["method"]["name"]):
        return have
    made = inputs.creation_output(session, output_id)  # None: an attribution sample
    inp = made if made is not None else inputs.load_sample(settings, output_id)
    result = attribute(session, settings, inp, name)
    if have is None:
        store(session, result)
        result["stored"] = True
        if made is not None:  # its credentials now state the credits
            creation.attach_credits(session, settings, output_id, provenance_summary(result))
    else:
        result["stored"] = False
        result["note"] = (f"not stored: output {output_id} was credited with "
                          f"{have['method']['name']} (those credits are what royalties use)")
    return result


def credit_new_outputs(session: Session, settings: Settings, output_ids: list[str]
                       ) -> dict[str, dict]:
    """Credit every output a creation request just released (the CLI and the HTTP job call this
    right after `creation.service.create`): stored credits, re-signed credentials. Returns
    {output id: provenance summary}."""
    return {oid: provenance_summary(credit_output(session, settings, oid)) for oid in output_ids}


def royalty_credit_events(session: Session, output_id: str) -> list[dict]:
    """The stored credits as the royalty engine's `credit` events (royalties ingest format)."""
    have = stored(session, output_id)
    if have is None:
        raise Refused(f"output {output_id} has no stored credits")
    return [{"type": "credit", "output_id": output_id, "item_kind": c["item_kind"],
             "item_id": c["item_id"], "share": c["share"], "role": c["role"]}
            for c in have["credits"]]


def provenance_summary(result: dict) -> dict:
    """What a provenance credential embeds: the method and each credit's work, role and share,
    with a SHA-256 over exactly those fields (canonical JSON)."""
    credits = [{"work": c["item_id"], "role": c["role"], "share": c["share"]}
               for c in result["credits"]]
    digest = hashlib.sha256(json.dumps(credits, sort_keys=True, separators=(",", ":"))
                            .encode()).hexdigest()
    return {"output_id": result["output_id"], "model_id": result["model_id"],
            "attribution_method": f"{result['method']['name']}/{result['method']['version']}",
            "credits": credits, "credits_sha256": digest}


def style_vector(notes):
    """A melody's style vector (accord.attribution.embedding), for other contexts that compare
    melodies by style (upload screening): one embedding in the house, this one."""
    from accord.attribution.embedding import embed

    return embed(notes)
