"""Dataset snapshots, pure: manifest entries, the Merkle root, the datasheet, the public summary,
and verification of a snapshot's stored files. No registry, no Session (see dataset_service).

Manifest: one JSON object per line (`manifest.jsonl`), sorted by item id, each serialised as
canonical JSON (sorted keys, no spaces, UTF-8). The Merkle root follows RFC 6962 (Certificate
Transparency):
    leaf(e)          = SHA-256(0x00 || canonical_json(e))
    node(l, r)       = SHA-256(0x01 || l || r)
    root([])         = SHA-256("")
    root([e])        = leaf(e)
    root(e[0:n])     = node(root(e[0:k]), root(e[k:n])), k the largest power of two < n
The 0x00 / 0x01 prefixes keep a leaf from ever being read as a node. `snapshot.json` records the
root and the SHA-256 of every other file, so verification catches any edited byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from accord.errors import Problem

FORMAT = "accord-snapshot/1"
FILES = ("manifest.jsonl", "datasheet.json", "summary.md")


@dataclass(frozen=True)
class SnapshotItem:
    """One item a model may learn from, with the evidence that permitted it."""

    item_id: str                       # the work id
    content_hash: str                  # SHA-256 of the symbolic file (from the catalogue)
    evidence: tuple[str, ...]          # agreement and consent event ids that made it permitted
    rights_holders: tuple[str, ...]    # publishers (and labels) whose agreements cover it
    artists: tuple[str, ...]           # writers / performing artists who opted in to the use
    conditioning: tuple[str, ...]      # of those, the ones opted in to `style` (prefix tokens)
    collection: str = ""
    title: str = ""
    duration_s: float = 0.0
    note_count: int = 0

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, d: dict) -> SnapshotItem:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class Excluded:
    """A candidate item left out, and why (a short reason, totalled in the datasheet)."""

    item_id: str
    reason: str
    parties: tuple[str, ...] = ()


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(entry: dict) -> bytes:
    return hashlib.sha256(b"\x00" + canonical(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_root(leaves[:k]), _root(leaves[k:]))


def merkle_root(items: list[SnapshotItem]) -> str:
    """Hex Merkle root over the entries sorted by item id."""
    entries = sorted((i.to_json() for i in items), key=lambda e: e["item_id"])
    return _root([leaf_hash(e) for e in entries]).hex()


def manifest_text(items: list[SnapshotItem]) -> str:
    entries = sorted((i.to_json() for i in items), key=lambda e: e["item_id"])
    return "".join(canonical(e).decode() + "\n" for e in entries)


def parse_manifest(text: str) -> list[SnapshotItem]:
    return [SnapshotItem.from_json(json.loads(line)) for line in text.splitlines() if line]


@dataclass
class Datasheet:
    """Counts and durations by rights holder, artist and collection; exclusions as totals."""

    items: int
    duration_s: float
    notes: int
    by_rights_holder: dict[str, dict] = field(default_factory=dict)
    by_artist: dict[str, dict] = field(default_factory=dict)
    by_collection: dict[str, dict] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    conditioned_items: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def datasheet(items: list[SnapshotItem], excluded: list[Excluded]) -> Datasheet:
    def group() -> defaultdict:
        return defaultdict(lambda: {"items": 0, "duration_s": 0.0})

    groups: dict[str, defaultdict] = {"rh": group(), "ar": group(), "co": group()}
    for it in items:
        for key, names in (("rh", it.rights_holders), ("ar", it.artists),
                           ("co", (it.collection or "(none)",))):
            for name in names:
                groups[key][name]["items"] += 1
                groups[key][name]["duration_s"] = round(groups[key][name]["duration_s"]
                                                        + it.duration_s, 3)
    reasons: dict[str, int] = defaultdict(int)
    for e in excluded:
        reasons[e.reason] += 1
    return Datasheet(items=len(items), duration_s=round(sum(i.duration_s for i in items), 3),
                     notes=sum(i.note_count for i in items),
                     by_rights_holder=dict(sorted(groups["rh"].items())),
                     by_artist=dict(sorted(groups["ar"].items())),
                     by_collection=dict(sorted(groups["co"].items())),
                     excluded=dict(sorted(reasons.items())),
                     conditioned_items=sum(1 for i in items if i.conditioning))


def public_summary(meta: dict, sheet: Datasheet, names: dict[str, str]) -> str:
    """A public training-content summary, in the spirit of the EU AI Act's template (Art. 53(1)(d)):
    who provided the data, under which terms, how much, what was excluded and why."""
    hours = sheet.duration_s / 3600
    lines = [
        f"# Training-content summary: snapshot {meta['id']}",
        "",
        "## General information",
        f"- Use: {meta['use']}; purpose: {meta['purpose'].replace('_', '-')}",
        f"- Permissions evaluated at: {meta['at']}",
        f"- Merkle root of the manifest: `{meta['merkle_root']}`",
        f"- Modality: symbolic music (MIDI); {sheet.items} items, {sheet.notes} notes, "
        f"{hours:.2f} hours",
        "",
        "## Sources: licensed data only",
        "Every item is covered by an agreement with each of its rights holders AND an opt-in by",
        "each credited writer / artist, valid at the time above. No scraped, public-web or",
        "user data was used. Rights holders and their share of the data:",
        "",
    ]
    for party, g in sheet.by_rights_holder.items():
        lines.append(f"- {names.get(party, party)}: {g['items']} items, "
                     f"{g['duration_s'] / 60:.1f} minutes")
    lines += ["", "Collections:", ""]
    for col, g in sheet.by_collection.items():
        lines.append(f"- {col}: {g['items']} items")
    lines += ["", "## Excluded (totals by reason)", ""]
    lines += [f"- {reason}: {n}" for reason, n in sheet.excluded.items()] or ["- none"]
    lines += ["", "## Conditioning",
              f"{sheet.conditioned_items} items carry an artist token (only for writers and "
              "artists who opted in to `style`).", "",
              "## Opt-out and revocation",
              "Consent and agreements can be withdrawn at any time; models trained on a snapshot "
              "that holds withdrawn items are found by `accord model audit` and retired when the "
              "agreement's grace period ends.", ""]
    return "\n".join(lines)


def file_hashes(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in FILES}


def verify_dir(directory: Path, expected_root: str | None = None) -> list[Problem]:
    """Every difference between a snapshot's files and its recorded root and hashes."""
    problems: list[Problem] = []
    meta_path = directory / "snapshot.json"
    if not meta_path.exists():
        return [Problem(str(directory), "snapshot.json is missing")]
    meta = json.loads(meta_path.read_text())
    for name in FILES:
        if not (directory / name).exists():
            problems.append(Problem(name, "missing"))
    if problems:
        return problems
    try:
        items = parse_manifest((directory / "manifest.jsonl").read_text())
    except (ValueError, TypeError) as exc:
        return [Problem("manifest.jsonl", f"unreadable: {exc}")]
    root = merkle_root(items)
    if root != meta.get("merkle_root"):
        problems.append(Problem("manifest.jsonl", f"Merkle root {root} differs from the recorded "
                                f"{meta.get('merkle_root')}"))
    if expected_root is not None and meta.get("merkle_root") != expected_root:
        problems.append(Problem("snapshot.json", f"root {meta.get('merkle_root')} differs from "
                                f"the registry's {expected_root}"))
    if len(items) != meta.get("items"):
        problems.append(Problem("manifest.jsonl", f"{len(items)} entries, recorded "
                                f"{meta.get('items')}"))
    for name, digest in file_hashes(directory).items():
        if meta.get("files", {}).get(name) != digest:
            problems.append(Problem(name, "content differs from the SHA-256 in snapshot.json"))
    return problems
