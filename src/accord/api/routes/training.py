"""Dataset snapshots and models (read): the same services as `accord dataset` / `accord model`."""

from __future__ import annotations

from fastapi import APIRouter

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, ContextDep, SessionDep, authorize
from accord.training import dataset_service, service

router = APIRouter(tags=["training"])


@router.get("/datasets")
def list_datasets(session: SessionDep, actor: ActorDep) -> list[dict]:
    """Every licensed dataset snapshot: id, Merkle root, use, purpose, time, item count."""
    authorize(actor, Action.READ_MODELS)
    return dataset_service.list_snapshots(session)


@router.get("/datasets/{snapshot_id}")
def get_dataset(snapshot_id: str, ctx: ContextDep, session: SessionDep,
                actor: ActorDep) -> dict:
    """A snapshot and its manifest: every item with the evidence that permitted it."""
    authorize(actor, Action.READ_MODELS)
    dataset_service.get(session, snapshot_id)  # 404 for an unknown id
    info = next(s for s in dataset_service.list_snapshots(session) if s["id"] == snapshot_id)
    return {**info, "manifest": [it.to_json()
                                 for it in dataset_service.items(ctx.settings, snapshot_id)]}


@router.get("/datasets/{snapshot_id}/verify")
def verify_dataset(snapshot_id: str, ctx: ContextDep, session: SessionDep,
                   actor: ActorDep) -> dict:
    """Recompute the Merkle root from the stored manifest; 422 listing every difference."""
    authorize(actor, Action.READ_MODELS)
    return dataset_service.verify(session, ctx.settings, snapshot_id)


@router.get("/models")
def list_models(session: SessionDep, actor: ActorDep) -> list[dict]:
    authorize(actor, Action.READ_MODELS)
    return service.list_models(session)


@router.get("/models/{model_id}")
def get_model(model_id: str, session: SessionDep, actor: ActorDep) -> dict:
    authorize(actor, Action.READ_MODELS)
    return service.summary(service.get_model(session, model_id))


@router.get("/models/{model_id}/card")
def model_card(model_id: str, session: SessionDep, actor: ActorDep) -> dict:
    """The model card, generated from the snapshot's datasheet (`accord model card`)."""
    authorize(actor, Action.READ_MODELS)
    return service.card(session, model_id)
