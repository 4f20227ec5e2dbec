"""Extras for the API and web tests: a dataset snapshot (real manifest files) with a model,
and one royalty period run, over the small world of tests/api_support.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from accord.db.engine import make_engine, session_scope
from accord.royalties import eventlog
from accord.royalties import service as royalties
from accord.royalties.policy import load_policy
from accord.training import snapshot as S
from accord.training.tables import DatasetSnapshotRow, ModelVersionRow, SnapshotItemRow
from tests.api_support import World

SNAPSHOT, MODEL, PERIOD = "ds-test", "model-test", "2026-11"
T0 = datetime(2026, 2, 1, tzinfo=UTC)
TOKENIZER = {"tokenization": "REMI", "bpe": False, "vocab": {"a": 0}, "versions": {},
             "conditioning": {"artists": []}}


def add_snapshot_and_model(world: World) -> None:
    """Work w1 (writer ada, publisher pub) frozen in a snapshot, with a model trained on it."""
    s = world.settings
    items = [S.SnapshotItem("w1", "0" * 64, ("agr-pub", "consent-ada-train"), ("pub",),
                            ("ada",), (), "test", "Song w1", 12.5, 40)]
    root = S.merkle_root(items)
    sheet = S.datasheet(items, [])
    meta = {"format": S.FORMAT, "id": SNAPSHOT, "merkle_root": root, "use": "train",
            "purpose": "non_commercial", "at": "2026-02-01T00:00:00Z",
            "created_at": "2026-02-01T00:00:00Z", "items": 1}
    d = s.datasets_dir / SNAPSHOT
    d.mkdir(parents=True)
    (d / "manifest.jsonl").write_text(S.manifest_text(items))
    (d / "datasheet.json").write_text(json.dumps(sheet.to_json(), indent=2, sort_keys=True))
    (d / "summary.md").write_text(S.public_summary(meta, sheet, {}))
    meta["files"] = S.file_hashes(d)
    (d / "snapshot.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    with session_scope(make_engine(s.db_url)) as session:
        session.add(DatasetSnapshotRow(id=SNAPSHOT, merkle_root=root, use="train",
                                       purpose="non_commercial", at=T0, created_at=T0,
                                       item_count=1, datasheet=sheet.to_json()))
        session.flush()
        session.add(SnapshotItemRow(snapshot_id=SNAPSHOT, item_id="w1", content_hash="0" * 64,
                                    rights_holders=["pub"], artists=["ada"],
                                    evidence=["agr-pub"]))
        session.add(ModelVersionRow(id=MODEL, snapshot_id=SNAPSHOT, merkle_root=root,
                                    preset="tiny", purpose="non_commercial",
                                    tokenizer=TOKENIZER, hyperparameters={},
                                    metrics={"val_nats_per_token": 2.5}, weights_sha256="0" * 64,
                                    code_version="test", status="active", created_at=T0))


def run_royalties(world: World) -> dict:
    """DJ plays of r1 (label's master, Ada's work) and the period's revenue, distributed."""
    s = world.settings
    at = f"{PERIOD}-10T12:00:00Z"
    records = [{"type": "usage", "id": f"play-{i}", "kind": "played", "feature": "dj",
                "occurred_at": at, "recording_id": "r1"} for i in range(3)]
    records.append({"type": "revenue", "id": "rev-dj", "feature": "dj", "period": PERIOD,
                    "territory": "WW", "currency": "EUR", "amount": "300.00"})
    eventlog.ingest_records(s.events_dir, list(enumerate(records, 1)), "test")
    with session_scope(make_engine(s.db_url)) as session:
        return royalties.run_period(session, s, PERIOD, load_policy())


OUTPUT = "out-test"


def add_output_and_job(world: World, account: str = "fan") -> str:
    """A stored output of the test model (a WAV file only, no real audio) and a finished
    creation job of `account` that made it; returns the job id."""
    from accord.api.jobs import Job
    from accord.creation.tables import OutputRow

    s = world.settings
    d = s.outputs_dir / OUTPUT
    d.mkdir(parents=True)
    wav = d / "output.wav"
    wav.write_bytes(b"RIFF\x24\x00\x00\x00WAVE")
    files = {"wav": {"path": str(wav), "sha256": "0" * 64, "bytes": wav.stat().st_size}}
    with session_scope(make_engine(s.db_url)) as session:
        session.add(OutputRow(
            id=OUTPUT, kind="new", request={}, parameters={}, seed=0, requested_seed=0,
            model_id=MODEL, snapshot_id=SNAPSHOT, merkle_root="0" * 64, permission={},
            token_ids=[1, 2], generated_from=1, midi_path=str(d / "output.mid"), files=files,
            guard={"passed": True, "max_coverage": 0.0, "threshold": 0.5},
            provenance={"model": {"id": MODEL}}, guard_passed=True, attempts=1,
            purpose="non_commercial", created_at=T0))
    job = Job(id="cre-test", account_id=world.ids[account], created_at=T0,
              request={"kind": "new", "model": MODEL}, status="done", output_ids=[OUTPUT])
    world.client.app.state.accord.jobs.add(job)
    return job.id


def enrich(world: World) -> World:
    add_snapshot_and_model(world)
    run_royalties(world)
    return world
