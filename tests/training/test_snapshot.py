import hashlib
import json

from accord.training import snapshot as S


def _item(i: int, **kw) -> S.SnapshotItem:
    base = dict(item_id=f"work-{i:02d}", content_hash=hashlib.sha256(str(i).encode()).hexdigest(),
                evidence=(f"agr-{i % 2}", f"consent-{i}"), rights_holders=(f"pub-{i % 2}",),
                artists=(f"writer-{i % 3}",), conditioning=(), collection="essen",
                title=f"Song {i}", duration_s=30.0, note_count=40)
    return S.SnapshotItem(**{**base, **kw})


def test_merkle_root_rfc6962_small_trees():
    a, b, c = _item(1), _item(2), _item(3)
    la, lb, lc = (S.leaf_hash(x.to_json()) for x in (a, b, c))
    assert S.merkle_root([]) == hashlib.sha256(b"").hexdigest()
    assert S.merkle_root([a]) == la.hex()
    assert S.merkle_root([b, a]) == S.node_hash(la, lb).hex()  # sorted by item id
    assert S.merkle_root([c, a, b]) == S.node_hash(S.node_hash(la, lb), lc).hex()


def test_root_changes_with_any_field():
    items = [_item(i) for i in range(7)]
    root = S.merkle_root(items)
    assert S.merkle_root(list(reversed(items))) == root
    changed = items[:3] + [_item(3, evidence=("agr-9",))] + items[4:]
    assert S.merkle_root(changed) != root
    assert S.merkle_root(items[:-1]) != root


def test_manifest_round_trip():
    items = [_item(i, conditioning=("writer-0",)) for i in range(5)]
    assert S.parse_manifest(S.manifest_text(items)) == sorted(items, key=lambda i: i.item_id)


def test_datasheet_counts_and_exclusions():
    items = [_item(i) for i in range(6)]
    sheet = S.datasheet(items, [S.Excluded("w-x", "writer not opted in"),
                                S.Excluded("w-y", "writer not opted in"),
                                S.Excluded("w-z", "no symbolic content")])
    assert sheet.items == 6 and sheet.duration_s == 180.0 and sheet.notes == 240
    assert sheet.by_rights_holder == {"pub-0": {"items": 3, "duration_s": 90.0},
                                      "pub-1": {"items": 3, "duration_s": 90.0}}
    assert sheet.by_artist["writer-0"]["items"] == 2
    assert sheet.excluded == {"no symbolic content": 1, "writer not opted in": 2}


def test_verify_dir_catches_edits(tmp_path):
    items = [_item(i) for i in range(4)]
    (tmp_path / "manifest.jsonl").write_text(S.manifest_text(items))
    (tmp_path / "datasheet.json").write_text(json.dumps(S.datasheet(items, []).to_json()))
    (tmp_path / "summary.md").write_text("summary\n")
    meta = {"merkle_root": S.merkle_root(items), "items": 4, "files": S.file_hashes(tmp_path)}
    (tmp_path / "snapshot.json").write_text(json.dumps(meta))
    assert S.verify_dir(tmp_path) == []
    assert S.verify_dir(tmp_path, expected_root="00" * 32)
    text = (tmp_path / "manifest.jsonl").read_text().replace("work-02", "work-99")
    (tmp_path / "manifest.jsonl").write_text(text)
    problems = S.verify_dir(tmp_path)
    assert any("Merkle root" in p.message for p in problems)
    assert any(p.where == "manifest.jsonl" and "SHA-256" in p.message for p in problems)
