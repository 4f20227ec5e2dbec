"""The reference model shipped inside the package, and its registration in a home.

The package directory (`accord/training/reference/`, or any directory of the same layout) holds:

    reference.json        model args, preset, training config, seed, steps, split rule, metrics,
                          the snapshot's id / root / use / purpose / time, weights SHA-256
    model.safetensors     the weights (float32)
    tokenizer.json        the tokenizer (`Tokenizer.load`)
    card.md               the model card
    snapshot/             the snapshot's own files, byte for byte: manifest.jsonl.gz (gzip of
                          manifest.jsonl), datasheet.json, summary.md, snapshot.json
    works.jsonl.gz        the registry's record of every manifest item's work (title, writers,
                          publishers and shares): the parties of each item
    split.json.gz         item id -> train / validation / test (the grouped split)
    ngram-index.npz       the memorization guard's index over the training melodies

`import_reference` registers it exactly as a model trained in the home would be registered:
every manifest item must be permitted by THIS registry at the snapshot's time (set-based rule,
with the per-item rule's reasons for any that are not), the snapshot's files must verify against
their Merkle root, and then the model is audited at `now` like any other (`service.audit_model`):
a consent revoked since the snapshot retires it on the spot. Its purpose is the snapshot's
(non-commercial), so a commercial creation request is refused by the creation service.

Items whose works the registry does not know (a demo home imports only part of the corpus) make
the import refuse, naming how many; with `register_missing_works=True` their works are first
registered through the rights service from `works.jsonl.gz` (an audited import whose reason names
the reference model). That registers titles and shares only: the parties, agreements and consents
must already be in the registry, and the permission check then runs on them as above.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from accord.config import Settings
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import Purpose, Use
from accord.rights.setbased import permitted_works
from accord.timeutil import fmt, now, parse_instant
from accord.training import snapshot as S
from accord.training.service import (
    ACTIVE,
    REFERENCE_PREFIX,
    audit_model,
    default_model_id,
    is_reference,
    model_dir,
    summary,
)
from accord.training.tables import DatasetSnapshotRow, ModelVersionRow, SnapshotItemRow

FORMAT = "accord-reference-model/1"
SNAPSHOT_FILES = ("manifest.jsonl.gz", "datasheet.json", "summary.md", "snapshot.json")


def package_dir() -> Path:
    """The reference model shipped inside the package."""
    return Path(str(resources.files("accord.training") / "reference"))


@dataclass(frozen=True)
class Reference:
    path: Path
    meta: dict

    @property
    def model_id(self) -> str:
        return REFERENCE_PREFIX + self.meta["weights_sha256"][:12]

    @property
    def snapshot(self) -> dict:
        return self.meta["snapshot"]


def load(path: Path | None = None) -> Reference:
    """Read and check a reference package (weights hash, format)."""
    path = Path(path) if path is not None else package_dir()
    try:
        meta = json.loads((path / "reference.json").read_text())
    except (OSError, ValueError) as exc:
        raise NotFound(f"no reference model at {path} ({exc})") from None
    if meta.get("format") != FORMAT:
        raise InvalidInput(f"{path}/reference.json: format {meta.get('format')!r}, "
                           f"expected {FORMAT}")
    digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
    if digest != meta["weights_sha256"]:
        raise Refused(f"{path}/model.safetensors differs from the SHA-256 in reference.json")
    return Reference(path, meta)


def manifest_items(ref: Reference) -> list[S.SnapshotItem]:
    text = gzip.decompress((ref.path / "snapshot" / "manifest.jsonl.gz").read_bytes()).decode()
    return S.parse_manifest(text)


def read_gz_json(path: Path) -> object:
    return json.loads(gzip.decompress(path.read_bytes()).decode())


def _snapshot_files(ref: Reference, dest: Path) -> None:
    """The snapshot's own files, verified against their root, written read-only into dest."""
    tmp = Path(tempfile.mkdtemp(prefix=".ref-snapshot.", dir=dest.parent))
    try:
        src = ref.path / "snapshot"
        (tmp / "manifest.jsonl").write_bytes(gzip.decompress(
            (src / "manifest.jsonl.gz").read_bytes()))
        for name in ("datasheet.json", "summary.md", "snapshot.json"):
            shutil.copyfile(src / name, tmp / name)
        problems = S.verify_dir(tmp, expected_root=ref.snapshot["merkle_root"])
        if problems:
            raise InvalidInput("the reference model's snapshot does NOT verify", problems)
        for f in tmp.iterdir():
            f.chmod(0o444)
        if dest.exists():  # the home holds it already (trained here, or imported before)
            shutil.rmtree(tmp)
            return
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _is_work(session: Session, work_id: str) -> bool:
    try:
        return rights.show(session, work_id)["kind"] == "work"
    except NotFound:
        return False


def _register_works(session: Session, ref: Reference, missing: list[str]) -> int:
    works = {w["id"]: w for w in read_gz_json(ref.path / "works.json.gz")}
    absent = [w for w in missing if w not in works]
    if absent:
        raise InvalidInput(f"{len(absent)} manifest item(s) have no work record in the "
                           f"reference package (first: {absent[0]})")
    doc = {"accord_rights_document": 1, "works": [works[w] for w in missing]}
    source = f"reference model {ref.model_id}"
    rights.import_document(session, parse_document(doc, source), source,
                           AuditLog(session, "training"))
    return len(missing)


def _model_files(settings: Settings, ref: Reference) -> None:
    """models/<id>/: model.pt (the layout every stage loads), tokenizer, metrics, card, index."""
    import torch
    from safetensors.torch import load_file

    final = model_dir(settings, ref.model_id)
    if final.exists():
        return
    work = settings.models_dir / f".{ref.model_id}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        state = load_file(str(ref.path / "model.safetensors"))
        state["head.weight"] = state["tok_emb.weight"]  # tied (safetensors stores it once)
        torch.save({"model_args": ref.meta["model_args"], "model": state,
                    "step": ref.meta["steps"], "val_loss": ref.meta["metrics"].get(
                        "val_nats_per_token")}, work / "model.pt")
        for name in ("tokenizer.json", "card.md", "ngram-index.npz"):
            if (ref.path / name).exists():
                shutil.copyfile(ref.path / name, work / name)
        sha = hashlib.sha256((work / "model.pt").read_bytes()).hexdigest()
        extra = ref.path / "model-files"  # prebuilt indexes (e.g. attribution/symbolic-v1)
        if extra.is_dir():
            shutil.copytree(extra, work, dirs_exist_ok=True)
            for info in work.rglob("index.json"):  # they describe this registration's weights
                meta = json.loads(info.read_text())
                meta.update({"model": ref.model_id, "weights_sha256": sha,
                             "path": str(model_dir(settings, ref.model_id)
                                         / info.parent.relative_to(work))})
                info.write_text(json.dumps(meta, indent=2) + "\n")
        (work / "metrics.json").write_text(json.dumps(ref.meta["metrics"], indent=2) + "\n")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def import_reference(session: Session, settings: Settings, path: Path | None = None,
                     at: datetime | None = None, register_missing_works: bool = False) -> dict:
    """Register the reference model in this home (idempotent); see the module docstring."""
    ref = load(path)
    snap = ref.snapshot
    snap_at = parse_instant(snap["at"])
    use, purpose = Use(snap["use"]), Purpose(snap["purpose"])
    at = at or now()
    items = manifest_items(ref)
    ids = [i.item_id for i in items]
    missing = [i for i in ids if not _is_work(session, i)]
    registered = 0
    if missing:
        if not register_missing_works:
            raise Refused(f"{len(missing)} of the reference model's {len(ids)} training items are "
                          f"not works in this registry (first: {missing[0]}); import the corpus "
                          "or pass --register-works to register their works from the package")
        registered = _register_works(session, ref, missing)
    permitted = permitted_works(session, use, snap_at, purpose)
    refused = [i for i in ids if i not in permitted]
    if refused:
        d = rights.check(session, use, work=refused[0], at=snap_at, purpose=purpose)
        raise Refused(f"{len(refused)} of the reference model's training items were not "
                      f"permitted for {use.value} ({purpose.value}) at the snapshot's time "
                      f"{snap['at']} in this registry; first {refused[0]}: "
                      f"{'; '.join(d.reasons())}")
    sid = snap["id"]
    row = session.get(DatasetSnapshotRow, sid)
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    _snapshot_files(ref, settings.datasets_dir / sid)  # verified against the root every time
    if row is None:
        session.add(DatasetSnapshotRow(
            id=sid, merkle_root=snap["merkle_root"], use=use.value, purpose=purpose.value,
            at=snap_at, created_at=now(), item_count=len(items),
            datasheet=json.loads((ref.path / "snapshot" / "datasheet.json").read_text())))
        session.flush()
        for it in items:
            session.add(SnapshotItemRow(snapshot_id=sid, item_id=it.item_id,
                                        content_hash=it.content_hash,
                                        rights_holders=list(it.rights_holders),
                                        artists=list(it.artists), evidence=list(it.evidence)))
        session.flush()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    _model_files(settings, ref)
    model = session.get(ModelVersionRow, ref.model_id)
    created = model is None
    if created:
        weights = (model_dir(settings, ref.model_id) / "model.pt").read_bytes()
        model = ModelVersionRow(
            id=ref.model_id, snapshot_id=sid, merkle_root=snap["merkle_root"],
            preset=ref.meta["preset"], purpose=purpose.value,
            tokenizer=json.loads((ref.path / "tokenizer.json").read_text()),
            hyperparameters=ref.meta["config"], metrics={**ref.meta["metrics"],
                                                         "reference": True},
            weights_sha256=hashlib.sha256(weights).hexdigest(),
            code_version=ref.meta["code_version"], status=ACTIVE, created_at=now())
        session.add(model)
        session.flush()
    found = audit_model(session, model, at) if model.status == ACTIVE else None
    return {"model": summary(model), "created": created, "snapshot": sid,
            "items": len(items), "works_registered": registered,
            "permitted_at_snapshot": len(items), "audited_at": fmt(at),
            "not_permitted_now": len(found["affected_items"]) if found else 0,
            "status": model.status}


def reference_model_id(session: Session) -> str | None:
    """The newest active reference model registered in this home, if any."""
    found = default_model_id(session)
    return found if found is not None and is_reference(found) else None


def weights_bytes_of(state: dict) -> bytes:
    """safetensors bytes of a state dict, the tied head left out (it is the embedding)."""
    from safetensors.torch import save

    return save({k: v.contiguous() for k, v in state.items() if k != "head.weight"})

