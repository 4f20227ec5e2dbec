"""Creation services: the functions the CLI (and later the HTTP API) call.

`create` checks, in order: the request (InvalidInput naming each problem), the model (retired
models are refused: `require_active_model`), the purpose (a model inherits its snapshot's; a
commercial request on a non-commercial model is refused), the permission of the kind (style:
the artist's works must be permitted for `style` now, so a revocation after training counts;
derivative: the source must be permitted for `remix`), then samples (one batch for all seeds),
guards every candidate against memorization, renders, signs, and records each output.

Every refusal carries the permission rule's reasons. A refusal by the memorization guard is not
raised but returned (`CreationResult.refused`), so that its logged events are committed with
the caller's transaction; the CLI then exits 2 with the reasons. Each output's files are
written to a temporary directory renamed into place; its row is added in the caller's
transaction.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.atomic import write_bytes, write_text
from accord.config import Settings
from accord.creation import arranging, compose, guard, keys, permissions, provenance, render
from accord.creation.music import midi_bytes
from accord.creation.output import Output
from accord.creation.request import CreationRequest, output_id, validate
from accord.creation.tables import GuardEventRow, OutputRow
from accord.errors import InvalidInput, NotFound, Refused
from accord.music.ngrams import NgramIndex, melody, melody_from_midi
from accord.rights.model import Purpose
from accord.timeutil import fmt, now
from accord.training import dataset_service
from accord.training.loader import load_model  # noqa: F401 - creation.service.load_model
from accord.training.service import ModelVersion, require_active_model

Progress = Callable[[str, int, int], None]

#: The sidecar role of each MIDI role (each MIDI file has its own signed sidecar).
SIDECARS = {"midi": "sidecar", "arrangement": "arrangement_sidecar"}
#: Outputs of a batch written side by side (one per core of the 2-core machine).
RENDER_WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass
class CreationResult:
    outputs: list[Output] = field(default_factory=list)      # released now or earlier
    existing: list[str] = field(default_factory=list)        # ids that were already stored
    refused: list[dict] = field(default_factory=list)        # guard refusals, with reasons

    def to_json(self) -> dict:
        return {"outputs": [o.summary() for o in self.outputs], "existing": self.existing,
                "refused": self.refused}


# --- the model ----------------------------------------------------------------------------------

def model_info(row: ModelVersion) -> dict:
    return {"id": row.id, "preset": row.preset, "weights_sha256": row.weights_sha256,
            "code_version": row.code_version, "purpose": row.purpose}


def guard_index(session: Session, settings: Settings, row: ModelVersion) -> NgramIndex:
    """The model's n-gram index over its training snapshot (built once, then loaded)."""
    def documents():
        return [(x.item.item_id, x.midi_path) for x in
                dataset_service.item_sources(session, settings, row.snapshot_id) if x.midi_path]
    return guard.model_index(settings, row.id, documents)


# --- create ---------------------------------------------------------------------------------------

def create(session: Session, settings: Settings, request: CreationRequest,
           at: datetime | None = None, progress: Progress | None = None,
           guard_threshold: float | None = None) -> CreationResult:
    """Generate, guard, render, sign and record the outputs of one request (see module doc).
    `guard_threshold` tightens (or loosens) the guard on the outputs; the user's input MIDI is
    always held to the calibrated guard.THRESHOLD."""
    threshold = guard.THRESHOLD if guard_threshold is None else guard_threshold
    validate(request)
    at = at or now()
    tell = progress or (lambda stage, done, total: None)
    row = require_active_model(session, request.model_id)
    if request.purpose is Purpose.COMMERCIAL and row.purpose != Purpose.COMMERCIAL.value:
        raise Refused(f"model {row.id} inherits the purpose of snapshot {row.snapshot_id}: "
                      f"{row.purpose}; a commercial request is refused")
    permission: dict = {}
    party_name = source = None
    if request.kind == "style":
        permission = permissions.style_decision(session, request.artist, at, request.purpose)
        party_name = permission["name"]
        if not permission["allowed"]:
            raise permissions.refuse(f"style conditioning on {party_name!r} "
                                     f"({request.artist}) is not permitted:",
                                     permission["reasons"])
    elif request.kind == "derivative":
        source = permissions.source(session, request, at)
        permission = source["permission"]
    model, tok = load_model(settings, row)
    if request.kind == "style" and request.artist not in tok.artists:
        raise Refused(f"model {row.id} has no conditioning token for {request.artist}: their "
                      "works were not in its snapshot with a style opt-in when it was frozen")
    material = keys.signing_material(settings)
    index = guard_index(session, settings, row)
    source_path = Path(source["midi"]) if source else request.input_midi
    input_sha = provenance.sha256_file(request.input_midi) if request.input_midi else None
    source_ids, source_seconds = None, 0.0
    if source_path is not None:
        source_ids, source_seconds = _encode(tok, source_path, request.params.tempo)
    p = request.params
    pl = compose.plan(tok, request.kind, p, request.artist, source_ids, source_seconds)
    exclude = (source["work"],) if source else ()
    req_json = request.to_json(input_sha)
    id_request = {k: v for k, v in req_json.items() if k != "input_midi"}  # content, not path
    seeds = [p.seed + i for i in range(request.count)]
    ids = [output_id(row.id, row.weights_sha256, row.tokenizer, row.merkle_root, id_request, s)
           for s in seeds]
    result = CreationResult()
    todo = []
    for oid, seed in zip(ids, seeds, strict=True):
        stored = session.get(OutputRow, oid)
        if stored is not None:
            result.outputs.append(Output.from_row(stored))
            result.existing.append(oid)
        else:
            todo.append((oid, seed))
    if not todo:
        return result
    if request.input_midi is not None:  # the user's own input must not itself be a copy
        verdict = guard.check(index, melody_from_midi(request.input_midi))
        if not verdict.passed:
            for oid, seed in todo:
                _log(session, oid, row.id, 0, seed, verdict, "refused",
                     "the input MIDI itself reproduces a training work")
                result.refused.append({"output_id": oid, "seed": seed, "attempts": 0,
                                       "reason": "the input MIDI reproduces a training work "
                                                 f"of model {row.id}: {verdict.reason}"})
            return result
    tell("sampling", 0, len(todo))
    first = compose.generate(model, tok, pl, p, [s for _, s in todo])
    tell("sampling", len(todo), len(todo))
    style = arranging.style(settings, row, request, source)
    common = {"row": row, "tok": tok, "plan": pl, "request": request, "req_json": req_json,
              "input_sha": input_sha, "party_name": party_name, "source": source,
              "permission": permission, "material": material, "created": at, "style": style}
    released = []  # (output id, requested seed, seed, attempts, tokens, shaped, verdict)
    tell("guard", 0, len(todo))
    for (oid, seed), (new, built) in zip(todo, first, strict=True):
        for attempt in range(guard.MAX_ATTEMPTS):
            s = guard.derived_seed(seed, attempt)
            if attempt:
                new, built = compose.generate(model, tok, pl, p, [s])[0]
            shaped = compose.shape(tok, pl, new, p, built)
            verdict = guard.check(index, melody(shaped.score), threshold, exclude)
            if verdict.passed:
                released.append((oid, seed, s, attempt + 1, new, shaped, verdict))
                break
            action = "refused" if attempt == guard.MAX_ATTEMPTS - 1 else "regenerated"
            _log(session, oid, row.id, attempt, s, verdict, action, verdict.reason)
        else:
            result.refused.append({"output_id": oid, "seed": seed,
                                   "attempts": guard.MAX_ATTEMPTS,
                                   "reason": "refused by the memorization guard after "
                                             f"{guard.MAX_ATTEMPTS} attempts: "
                                             f"{verdict.reason}"})
    # arranging, rendering and signing: files only, so the outputs of a batch run side by side
    # (FluidSynth, LAME and C2PA work outside the GIL); the rows are added here, in order
    stage = "arrange, render, sign"
    tell(stage, 0, len(released))
    render.prepare()
    made: list[Path] = []
    with ThreadPoolExecutor(max_workers=RENDER_WORKERS) as pool:
        futures = [pool.submit(_write_output, settings, *job, **common) for job in released]
        try:
            for n, fut in enumerate(futures):
                out, facts = fut.result()
                made.append(out.midi_path.parent)
                _record(session, out, facts, row, permission, input_sha, at)
                result.outputs.append(out)
                tell(stage, n + 1, len(released))
        except BaseException:
            for fut in futures:  # nothing half-written: the outputs go with the transaction
                fut.cancel()
            for fut in futures:
                if not fut.cancelled() and fut.exception() is None:
                    made.append(fut.result()[0].midi_path.parent)
            for d in set(made):
                shutil.rmtree(d, ignore_errors=True)
            raise
    return result


def _encode(tok, path: Path, tempo: float) -> tuple[list[int], float]:
    import symusic

    from accord.creation.music import duration_seconds, with_tempo

    try:
        score = symusic.Score(str(path))
    except Exception as exc:  # noqa: BLE001 - symusic raises plain runtime errors
        raise InvalidInput(f"{path}: not a readable MIDI file ({exc})") from None
    ids = tok.encode(score)
    if len(compose.body(tok, ids)) == 0:
        raise InvalidInput(f"{path}: the MIDI file has no notes to work from")
    return ids, duration_seconds(with_tempo(tok.decode(compose.body(tok, ids)), tempo))


def _log(session, oid, model_id, attempt, seed, verdict, action, detail) -> None:
    session.add(GuardEventRow(output_id=oid, model_id=model_id, attempt=attempt, seed=seed,
                              work_id=verdict.work_id, coverage=verdict.max_coverage,
                              longest_run_notes=verdict.longest_run_notes,
                              threshold=verdict.threshold, action=action, detail=detail,
                              created_at=now()))
    session.flush()


def _write_sidecar(path: Path, midi: Path, facts: dict, material) -> None:
    write_text(path, provenance.canonical(provenance.sidecar(midi, facts, material)).decode()
               + "\n")


def _file(path: Path, final_dir: Path, **extra) -> dict:
    return {"path": str(final_dir / path.name), "sha256": provenance.sha256_file(path),
            "bytes": path.stat().st_size, **extra}


def _write_output(settings, oid, requested_seed, seed, attempts, new, shaped, verdict, *,
                  row, tok, plan, request, req_json, input_sha, party_name, source, permission,
                  material, created, style) -> tuple[Output, dict]:
    """Write the output's files (the model's melody as MIDI, the arrangement as MIDI, each with
    a signed sidecar, and the signed audio of the arrangement); no database work (it runs in
    a worker thread). Returns the output and its signed facts."""
    final = settings.outputs_dir / oid
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{oid}.", dir=settings.outputs_dir))
    try:
        midi = tmp / "output.mid"
        write_bytes(midi, midi_bytes(shaped.score))
        files = {"midi": _file(midi, final)}
        parameters = {**request.params.to_json(), "shaped": shaped.info,
                      "formats": list(request.formats)}
        heard = midi
        if style != "none":
            arr = arranging.arrangement(shaped, plan, style, row.id)
            heard = tmp / "arrangement.mid"
            write_bytes(heard, arr.score.dumps_midi())
            files["arrangement"] = _file(heard, final)
            parameters["arranged"] = arr.summary
        else:
            parameters["arranged"] = {"style": "none", "parts": [
                {"part": "melody", "made_by": "model"}]}
        kept = compose.finish(tok, plan, new)
        out = Output(
            id=oid, kind=request.kind, created_at=created, model=model_info(row),
            snapshot_id=row.snapshot_id, merkle_root=row.merkle_root,
            purpose=request.purpose.value,
            parameters=parameters,
            seed=seed, requested_seed=requested_seed,
            token_ids=tuple(plan.prefix) + tuple(kept), generated_from=len(plan.prefix),
            midi_path=final / midi.name, conditioning_party=request.artist,
            conditioning_name=party_name, source_work=source["work"] if source else None,
            source_title=source["title"] if source else None,
            source_recording=source["recording"] if source else None, input_sha256=input_sha,
            permission=permission, guard=verdict.to_json(), attempts=attempts,
            files=files, request=req_json)
        facts = provenance.provenance_facts(out)
        files = dict(out.files)
        for role, path in (("midi", midi), ("arrangement", heard)):
            if role in files:
                side = provenance.sidecar_path(path)
                _write_sidecar(side, path, facts, material)
                files[SIDECARS[role]] = _file(side, final)
        audio = render.render(heard, tmp / "unsigned", "output", request.formats)
        for fmt_, info in audio.items():
            signed = tmp / f"output.{fmt_}"
            provenance.sign_audio(info["path"], signed, facts, material)
            files[fmt_] = _file(signed, final, loudness_lufs=info["loudness_lufs"],
                                duration_s=info["duration_s"])
        shutil.rmtree(tmp / "unsigned")
        for f in tmp.iterdir():
            f.chmod(0o644)
        tmp.chmod(0o755)
        if final.exists():
            shutil.rmtree(final)  # a leftover without its row (an interrupted run)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return replace(out, files=files), facts


def _record(session, out: Output, facts: dict, row, permission, input_sha, created) -> None:
    session.add(OutputRow(
        id=out.id, kind=out.kind, request=out.request, parameters=out.parameters,
        seed=out.seed, requested_seed=out.requested_seed, model_id=row.id,
        snapshot_id=row.snapshot_id, merkle_root=row.merkle_root,
        conditioning_party=out.conditioning_party, source_work=out.source_work,
        source_recording=out.source_recording, permission=permission,
        input_sha256=input_sha, token_ids=list(out.token_ids),
        generated_from=out.generated_from, midi_path=str(out.midi_path), files=out.files,
        guard=out.guard, provenance=facts, guard_passed=True, attempts=out.attempts,
        purpose=out.purpose, created_at=created))
    session.flush()


# --- reading ----------------------------------------------------------------------------------

def get_output(session: Session, output_id: str) -> Output:
    row = session.get(OutputRow, output_id)
    if row is None:
        raise NotFound(f"no output with id {output_id!r}")
    return Output.from_row(row)


def list_outputs(session: Session, model_id: str | None = None, kind: str | None = None,
                 limit: int | None = None) -> list[Output]:
    q = select(OutputRow).order_by(OutputRow.created_at, OutputRow.id)
    if model_id is not None:
        q = q.where(OutputRow.model_id == model_id)
    if kind is not None:
        q = q.where(OutputRow.kind == kind)
    if limit is not None:
        q = q.limit(limit)
    return [Output.from_row(r) for r in session.execute(q).scalars()]


def guard_events(session: Session, model_id: str | None = None) -> list[dict]:
    q = select(GuardEventRow).order_by(GuardEventRow.id)
    if model_id is not None:
        q = q.where(GuardEventRow.model_id == model_id)
    return [{"id": e.id, "output_id": e.output_id, "model": e.model_id, "attempt": e.attempt,
             "seed": e.seed, "work_id": e.work_id, "coverage": e.coverage,
             "longest_run_notes": e.longest_run_notes, "threshold": e.threshold,
             "action": e.action, "detail": e.detail, "at": fmt(e.created_at)}
            for e in session.execute(q).scalars()]


def attach_credits(session: Session, settings: Settings, output_id: str, credits: dict
                   ) -> Output:
    """Re-sign an output's credentials with its credits (attribution calls this once it has
    stored them): every audio file's C2PA manifest and the MIDI sidecar then state the credits
    instead of `pending`. Each file is re-signed into a temporary file and renamed over the old
    one; the row's file hashes and signed facts follow in the caller's transaction. Asking
    again with the same credits changes nothing."""
    row = session.get(OutputRow, output_id)
    if row is None:
        raise NotFound(f"no output with id {output_id!r}")
    if (row.provenance or {}).get("credits") == credits:
        return Output.from_row(row)
    facts = provenance.provenance_facts(Output.from_row(row), credits)
    material = keys.signing_material(settings)
    files = {role: dict(info) for role, info in row.files.items()}
    midi_of = {side: role for role, side in SIDECARS.items()}
    for role, info in files.items():
        if role in SIDECARS:  # a MIDI file carries no credential; its sidecar does
            continue
        path = Path(info["path"])
        if role in midi_of:  # written atomically in place
            _write_sidecar(path, Path(files[midi_of[role]]["path"]), facts, material)
        else:
            tmp = path.with_name(f".{path.name}.credits.tmp")
            try:
                provenance.sign_audio(path, tmp, facts, material)
                tmp.chmod(0o644)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        info.update(sha256=provenance.sha256_file(path), bytes=path.stat().st_size)
    row.files, row.provenance = files, facts
    session.flush()
    return Output.from_row(row)


def verify(settings: Settings, path: Path) -> provenance.Verification:
    return provenance.verify_file(path, keys.trust_anchors(settings))
