"""The one way to load a registered model: its weights, checked against the SHA-256 the registry
recorded when it was trained, and its tokenizer from the registry's record (the config it was
trained with). Creation samples from it and attribution computes credits with it.

A loaded model is kept per (model id, weights hash): loading is slow, and a model's files never
change under the same hash.
"""

from __future__ import annotations

import hashlib

from accord.config import Settings
from accord.errors import NotFound, Refused
from accord.training.service import ModelVersion, model_dir

_LOADED: dict[tuple[str, str], tuple] = {}


def load_model(settings: Settings, row: ModelVersion):
    """(Transformer in eval mode, Tokenizer) of a registered model. NotFound when its weights are
    missing; Refused when they differ from the registered SHA-256."""
    import torch  # heavy: only when a model is loaded

    from accord.training.model import ModelConfig, Transformer
    from accord.training.tokenizer import Tokenizer

    key = (row.id, row.weights_sha256)
    if key not in _LOADED:
        weights = model_dir(settings, row.id) / "model.pt"
        try:
            data = weights.read_bytes()
        except OSError:
            raise NotFound(f"model {row.id}'s weights are missing ({weights})") from None
        if hashlib.sha256(data).hexdigest() != row.weights_sha256:
            raise Refused(f"model {row.id}'s weights differ from the registered SHA-256; "
                          "refusing to use them")
        state = torch.load(weights, weights_only=False)
        model = Transformer(ModelConfig(**state["model_args"]))
        model.load_state_dict(state["model"])
        _LOADED[key] = (model.eval(), Tokenizer.from_json(row.tokenizer))
    return _LOADED[key]
