"""Model registry services: train a model from a snapshot, list, card, audit, retrain, and the one
gate every later stage passes through (`require_active_model`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

import accord
from accord.atomic import write_text
from accord.config import Settings
from accord.errors import NotFound, Refused
from accord.rights import lookup
from accord.rights import service as rights
from accord.rights.model import Purpose, Use
from accord.rights.setbased import permitted_works
from accord.timeutil import fmt, now
from accord.training import dataset_service
from accord.training.tables import DatasetSnapshotRow, ModelVersionRow, SnapshotItemRow

if TYPE_CHECKING:
    from accord.training.data import Piece
    from accord.training.tokenizer import Tokenizer

ACTIVE, RETIRED = "active", "retired"

#: Training schedules per preset. `tiny` is for tests and the demo; `standard` for real runs.
SCHEDULES: dict[str, dict] = {
    "tiny": {"batch_size": 16, "max_steps": 120, "eval_interval": 40, "learning_rate": 1e-2,
             "min_lr": 1e-3, "warmup_steps": 10},
    "standard": {"batch_size": 16, "max_steps": 4000, "max_seconds": 600.0, "eval_interval": 100,
                 "learning_rate": 3e-3, "min_lr": 3e-4, "warmup_steps": 100},
}


def code_version() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, cwd=Path(accord.__file__).parent)
        if rev.returncode == 0:
            return f"accord {accord.__version__}+g{rev.stdout.strip()}"
    except OSError:
        pass
    return f"accord {accord.__version__}"


def require_active_model(session: Session, model_id: str) -> ModelVersionRow:
    """The one gate: every later stage (creation, attribution, ...) calls this before using a
    model. A retired model is refused."""
    row = session.get(ModelVersionRow, model_id)
    if row is None:
        raise NotFound(f"no model with id {model_id!r}")
    if row.status != ACTIVE:
        raise Refused(f"model {model_id} is retired ({row.retired_reason}); it may not be used")
    return row


REFERENCE_PREFIX = "model-ref-"


def default_model_id(session: Session) -> str | None:
    """The model creation uses when none is named: the newest active reference model (the one
    shipped with accord, `accord model import-reference`), else the newest active model."""
    active = session.execute(select(ModelVersionRow).where(ModelVersionRow.status == ACTIVE)
                             .order_by(ModelVersionRow.created_at)).scalars().all()
    refs = [m for m in active if m.id.startswith(REFERENCE_PREFIX)]
    pick = (refs or active or [None])[-1]
    return pick.id if pick is not None else None


def is_reference(model_id: str) -> bool:
    return model_id.startswith(REFERENCE_PREFIX)


def model_dir(settings: Settings, model_id: str) -> Path:
    return settings.models_dir / model_id


def _pieces(session: Session, settings: Settings, snapshot_id: str) -> tuple[list[Piece],
                                                                              Tokenizer]:
    from accord.catalog import service as catalog
    from accord.training.data import Piece
    from accord.training.tokenizer import Tokenizer

    items = dataset_service.items(settings, snapshot_id)
    symbolic = {s.work_id: s for s in catalog.symbolic_items(session, [i.item_id for i in items])}
    tok = Tokenizer.create([a for i in items for a in i.conditioning])
    pieces = []
    for it in items:
        sym = symbolic.get(it.item_id)
        if sym is None or sym.content_hash != it.content_hash:
            raise Refused(f"item {it.item_id} of snapshot {snapshot_id} is no longer in the "
                          "catalogue with the content hash the snapshot froze")
        pieces.append(Piece(it.item_id, tuple(tok.encode(Path(sym.midi_path), it.conditioning))))
    return pieces, tok


def train_model(session: Session, settings: Settings, snapshot_id: str, preset: str = "tiny",
                seed: int = 1337, max_steps: int | None = None, max_seconds: float | None = None,
                samples: int = 4, progress: bool = True, console: Console | None = None,
                replaces: str | None = None) -> dict:
    """Train a model on a verified snapshot and register it (with its files under models_dir)."""
    from accord.training.data import split_by_piece  # torch: imported only when training
    from accord.training.model import preset as model_preset
    from accord.training.trainer import TrainConfig, load_best, train

    snap = dataset_service.get(session, snapshot_id)
    dataset_service.verify(session, settings, snapshot_id)
    if preset not in SCHEDULES:
        raise Refused(f"unknown preset {preset!r}; known: {', '.join(SCHEDULES)}")
    pieces, tok = _pieces(session, settings, snapshot_id)
    model_id = f"model-{uuid.uuid4().hex[:12]}"
    final = model_dir(settings, model_id)
    work = settings.models_dir / f".{model_id}.tmp"
    schedule = dict(SCHEDULES[preset])
    if max_steps is not None:
        schedule["max_steps"] = max_steps
    if max_seconds is not None:
        schedule["max_seconds"] = max_seconds
    cfg = TrainConfig(model=model_preset(preset, tok.vocab_size), out_dir=str(work), seed=seed,
                      progress=progress, **schedule)
    try:
        result = train(cfg, pieces, console=console)
        from accord.training import quality  # MusPy: slow to import, only needed here

        model = load_best(work)
        train_p, val_p = split_by_piece(pieces, cfg.val_fraction, cfg.seed)
        metrics = {**quality.losses(model, tok, train_p, val_p),
                   "steps": result.steps, "tokens_per_s": result.tokens_per_s,
                   "stopped_early": result.stopped_early, "params": model.num_params(),
                   "train_pieces": len(train_p),
                   "quality": quality.sample_gaps(model, tok, val_p, samples, seed=seed)
                   if samples else {}}
        weights = work / "model.pt"
        os.replace(work / "best.pt", weights)
        tok.save(work / "tokenizer.json")
        write_text(work / "metrics.json", json.dumps(metrics, indent=2, default=str) + "\n")
        sha = hashlib.sha256(weights.read_bytes()).hexdigest()
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    row = ModelVersionRow(id=model_id, snapshot_id=snapshot_id, merkle_root=snap.merkle_root,
                          preset=preset, purpose=snap.purpose, tokenizer=tok.to_json(),
                          hyperparameters=replace(cfg, out_dir="").to_json(), metrics=metrics,
                          weights_sha256=sha, code_version=code_version(), status=ACTIVE,
                          created_at=now(), replaces=replaces)
    session.add(row)
    session.flush()
    return summary(row)


def summary(row: ModelVersionRow) -> dict:
    m = row.metrics
    return {"id": row.id, "status": row.status, "preset": row.preset, "purpose": row.purpose,
            "snapshot": row.snapshot_id, "merkle_root": row.merkle_root,
            "val_nats_per_token": m.get("val_nats_per_token"),
            "ngram5_nats_per_token": m.get("ngram5_nats_per_token"),
            "weights_sha256": row.weights_sha256, "created_at": fmt(row.created_at),
            "retired_at": fmt(row.retired_at), "replaces": row.replaces}


def list_models(session: Session) -> list[dict]:
    return [summary(r) for r in session.execute(
        select(ModelVersionRow).order_by(ModelVersionRow.created_at)).scalars()]


# The registry's record of a model version, as get_model / require_active_model return it; other
# contexts name the type through this service, never through accord.training.tables.
ModelVersion = ModelVersionRow


def model_status(session: Session, model_id: str) -> str | None:
    """The model's status ("active", "retired"), or None when there is no such model."""
    row = session.get(ModelVersionRow, model_id)
    return None if row is None else row.status


def get_model(session: Session, model_id: str) -> ModelVersionRow:
    row = session.get(ModelVersionRow, model_id)
    if row is None:
        raise NotFound(f"no model with id {model_id!r}")
    return row


def card(session: Session, model_id: str) -> dict:
    """The model card: intended use, purpose, training data (datasheet), metrics, limits."""
    row = get_model(session, model_id)
    snap = session.get(DatasetSnapshotRow, row.snapshot_id)
    sheet = snap.datasheet
    names = lookup.party_names(session)
    non_commercial = row.purpose == Purpose.NON_COMMERCIAL.value
    return {
        "model": summary(row),
        "intended_use": ("non-commercial research: symbolic melody generation from licensed, "
                         "consented material" if non_commercial else
                         "symbolic melody generation for licensed commercial features"),
        "purpose": row.purpose,
        "training_data": {
            "snapshot": row.snapshot_id, "merkle_root": row.merkle_root,
            "snapshot_at": fmt(snap.at), "use": snap.use, "items": sheet["items"],
            "hours": round(sheet["duration_s"] / 3600, 3), "notes": sheet["notes"],
            "rights_holders": {names.get(k, k): v["items"]
                               for k, v in sheet["by_rights_holder"].items()},
            "collections": {k: v["items"] for k, v in sheet["by_collection"].items()},
            "excluded": sheet["excluded"], "conditioned_items": sheet["conditioned_items"],
        },
        "tokenizer": {"tokenization": row.tokenizer["tokenization"], "bpe": row.tokenizer["bpe"],
                      "vocab_size": len(row.tokenizer["vocab"]),
                      "conditioning_artists": row.tokenizer["conditioning"]["artists"],
                      "versions": row.tokenizer["versions"]},
        "hyperparameters": row.hyperparameters,
        "metrics": row.metrics,
        "code_version": row.code_version,
        "limits": [
            "trained for minutes on CPU: a small model of melodies, not a general composer",
            "only monophonic-leaning folk / chorale material as licensed in the snapshot",
            "may reproduce fragments of training pieces: creation must run the memorization "
            "guard",
            "must not be used once retired (accord.training.service.require_active_model)",
        ] + (["non-commercial research only: the snapshot's purpose"] if non_commercial else []),
    }


# --- revocation ---------------------------------------------------------------------------------

def _grace_days(session: Session, evidence: list[str], parties: set[str]) -> int:
    return lookup.grace_days(session, evidence, parties)


def audit(session: Session, at: datetime | None = None, retire: bool = True) -> list[dict]:
    """Models whose snapshot holds items no longer permitted at T, with the items and the rights
    holders / people affected. A model is retired once an item has been out for the grace period
    of the agreement that had covered it (0 days unless the agreement says otherwise): that is,
    when the item was already not permitted at T - grace (later than the snapshot's time)."""
    at = at or now()
    out = []
    models = session.execute(select(ModelVersionRow).where(ModelVersionRow.status == ACTIVE)
                             .order_by(ModelVersionRow.created_at)).scalars().all()
    cache: dict[tuple, set[str]] = {}

    def allowed(use: str, purpose: str, when: datetime) -> set[str]:
        key = (use, purpose, when)
        if key not in cache:
            cache[key] = permitted_works(session, Use(use), when, Purpose(purpose))
        return cache[key]

    for m in models:
        found = audit_model(session, m, at, retire, allowed)
        if found is not None:
            out.append(found)
    return out


def audit_model(session: Session, m: ModelVersionRow, at: datetime, retire: bool = True,
                allowed=None) -> dict | None:
    """One model's audit at T (see `audit`): None when every item is still permitted."""
    if allowed is None:
        def allowed(use: str, purpose: str, when: datetime) -> set[str]:
            return permitted_works(session, Use(use), when, Purpose(purpose))
    snap = session.get(DatasetSnapshotRow, m.snapshot_id)
    rows = session.execute(select(SnapshotItemRow).where(
        SnapshotItemRow.snapshot_id == m.snapshot_id)).scalars().all()
    ok = allowed(snap.use, snap.purpose, at)
    affected, due = [], False
    for it in rows:
        if it.item_id in ok:
            continue
        d = rights.check(session, Use(snap.use), work=it.item_id, at=at,
                         purpose=Purpose(snap.purpose))
        parties = {mi.party_id for mi in d.missing if mi.party_id}
        grace = _grace_days(session, list(it.evidence), parties)
        # permitted at the snapshot time S; out at T. The grace is over when it was already
        # out at T - grace (and T - grace is after S, when it was still in).
        since = at - timedelta(days=grace)
        past = since > snap.at and it.item_id not in allowed(snap.use, snap.purpose, since)
        due = due or past
        affected.append({"item": it.item_id, "parties": sorted(parties),
                         "reasons": d.reasons(), "grace_days": grace,
                         "grace_over": past})
    if not affected:
        return None
    if due and retire:
        m.status, m.retired_at = RETIRED, at
        m.retired_reason = (f"{len(affected)} item(s) of snapshot {m.snapshot_id} no longer "
                            f"permitted at {fmt(at)}")
        session.flush()
    return {"model": m.id, "snapshot": m.snapshot_id, "status": m.status,
            "affected_items": affected,
            "rights_holders": sorted({p for a in affected for p in a["parties"]})}


def retrain(session: Session, settings: Settings, model_id: str, at: datetime | None = None,
            **train_kwargs) -> dict:
    """A fresh snapshot (same use and purpose, at T) and a replacement model of the same preset."""
    old = get_model(session, model_id)
    snap = session.get(DatasetSnapshotRow, old.snapshot_id)
    built = dataset_service.build(session, settings, Use(snap.use), at, Purpose(snap.purpose))
    new = train_model(session, settings, built.id, preset=old.preset, replaces=old.id,
                      **train_kwargs)
    return {"replaces": old.id, "snapshot": built.to_json(), "model": new}
