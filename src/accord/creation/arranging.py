"""The arrangement of an output at the edge: which style (from the collections behind it, read
from the model's snapshot manifest) and the arrangement itself (`arrange.arrange` over the
shaped melody). Called by `service.create`; pure work lives in arrange.py, harmony.py and
styles.py.
"""

from __future__ import annotations

from accord.config import Settings
from accord.creation import arrange
from accord.creation.music import parse_key
from accord.creation.request import CreationRequest
from accord.creation.styles import STYLES, style_for
from accord.training import dataset_service
from accord.training.service import ModelVersion


def style(settings: Settings, row: ModelVersion, request: CreationRequest,
           source: dict | None) -> str:
    """The arrangement style: as requested, else from the collections behind the output (the
    style artist's works, a derivative's source, or the model's whole snapshot)."""
    wanted = request.params.arrangement
    if wanted != "auto":
        return wanted
    items = snapshot_collections(settings, row.snapshot_id)
    if request.kind == "style":
        mine = [c for c, artists in items if request.artist in artists]
        return style_for(mine or [c for c, _ in items])
    if source is not None:
        mine = [c for c, _ in snapshot_collections(settings, row.snapshot_id, source["work"])]
        if mine:
            return style_for(mine)
    return style_for(c for c, _ in items)


_COLLECTIONS: dict[str, list] = {}


def snapshot_collections(settings: Settings, snapshot_id: str, item_id: str | None = None
                          ) -> list[tuple[str, tuple[str, ...]]]:
    """(collection, artists) of each item of a snapshot (read once per snapshot)."""
    if snapshot_id not in _COLLECTIONS:
        _COLLECTIONS[snapshot_id] = [(i.collection, tuple(i.artists), i.item_id)
                                     for i in dataset_service.items(settings, snapshot_id)]
    return [(c, a) for c, a, i in _COLLECTIONS[snapshot_id] if item_id in (None, i)]


def arrangement(shaped, plan, style: str, model_id: str) -> arrange.Arrangement:
    info = shaped.info
    meter = tuple(int(x) for x in (info.get("meter") or meter_of(shaped.score)).split("/"))
    arr = arrange.arrange(shaped.score, parse_key(info["key"]), meter, STYLES[style],
                          cadence=plan.spec is not None and plan.spec.cadence)
    arr.summary["parts"][0]["model"] = model_id
    return arr


def meter_of(score) -> str:
    ts = score.time_signatures
    return f"{ts[0].numerator}/{ts[0].denominator}" if len(ts) else "4/4"
