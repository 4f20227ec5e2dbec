"""Samples: outputs this context generates itself from a model (and optionally plants a
quotation in), so that attribution can be run and shown before creation's outputs exist.
They are labelled as attribution samples, never passed off as creation outputs."""

from __future__ import annotations

import hashlib
import json

import torch
from sqlalchemy.orm import Session

from accord.attribution import inputs
from accord.attribution.model import AttributionInput
from accord.attribution.quote import plant
from accord.attribution.service import training_items
from accord.config import Settings
from accord.errors import InvalidInput
from accord.timeutil import fmt, now
from accord.training.loader import load_model
from accord.training.service import get_model, require_active_model


def make_sample(session: Session, settings: Settings, model_id: str, seed: int = 0,
                max_new_tokens: int = 160, temperature: float = 1.0,
                conditioning_party: str | None = None, source_work: str | None = None,
                quote: tuple[str, int, int] | None = None, allow_retired: bool = False) -> dict:
    """Sample the model (seeded); with `quote=(work id, first melody note, notes)` paste that
    passage of a training work in after the first bar. Returns the sample's sidecar."""
    row = get_model(session, model_id) if allow_retired else \
        require_active_model(session, model_id)
    model, tok = load_model(settings, row)
    prefix = []
    if conditioning_party:
        if conditioning_party not in tok.artists:
            raise InvalidInput(f"model {model_id} has no conditioning token for "
                               f"{conditioning_party!r}; known: {', '.join(tok.artists) or '-'}")
        prefix.append(tok.artist_id(conditioning_party))
    g = torch.Generator().manual_seed(seed)
    ids = model.generate(prefix + [tok.bos_id], max_new_tokens, temperature=temperature,
                         stop_id=tok.eos_id, generator=g)
    if quote is not None:
        work, start, length = quote
        items = {it.item_id: it for it in training_items(session, settings, row, tok)}
        if work not in items:
            raise InvalidInput(f"work {work!r} is not in model {model_id}'s snapshot")
        try:
            ids = list(prefix) + list(plant(tok, ids, list(items[work].token_ids), start,
                                            length))
        except ValueError as exc:
            raise InvalidInput(f"quote of {work}: {exc}") from None
    params = {"model_id": model_id, "seed": seed, "max_new_tokens": max_new_tokens,
              "temperature": temperature, "conditioning_party": conditioning_party,
              "source_work": source_work, "quote": list(quote) if quote else None}
    digest = hashlib.sha256(json.dumps({**params, "tokens": ids}, sort_keys=True).encode())
    inp = AttributionInput(output_id=f"sample-{digest.hexdigest()[:16]}", model_id=model_id,
                           token_ids=tuple(ids), conditioning_party=conditioning_party,
                           source_work=source_work)
    sidecar = {"kind": "attribution sample (not a creation output)", "parameters": params,
               "tokens": len(ids), "created_at": fmt(now())}
    inputs.save_sample(settings, inp, sidecar)
    return {"output_id": inp.output_id, **sidecar}
