from pathlib import Path

import pytest

from accord.training.tokenizer import Tokenizer


def test_encode_decode_round_trip(essen_midi, tokenizer):
    for path in essen_midi[:8]:
        ids = tokenizer.encode(path)
        assert ids[0] == tokenizer.bos_id and ids[-1] == tokenizer.eos_id
        score = tokenizer.decode(ids)
        assert score.note_num() > 0
        assert tokenizer.encode(score) == ids


def test_save_load_equal_and_records_versions(tmp_path, essen_midi):
    tok = Tokenizer.create(["writer-b", "writer-a"])
    tok.encode(essen_midi[0])
    tok.save(tmp_path / "tokenizer.json")
    again = Tokenizer.load(tmp_path / "tokenizer.json")
    assert again == tok
    assert again.vocab_size == tok.vocab_size
    assert again.encode(essen_midi[1], ("writer-a",)) == tok.encode(essen_midi[1], ("writer-a",))
    data = tok.to_json()
    assert set(data["versions"]) >= {"miditok", "symusic", "torch"}
    assert data["bpe"] is False and data["tokenization"] == "REMI"
    assert Tokenizer.create() != tok


def test_conditioning_prefix_only_for_opted_in_artists(essen_midi):
    tok = Tokenizer.create(["writer-a"])
    plain = tok.encode(essen_midi[0])
    conditioned = tok.encode(essen_midi[0], ("writer-a", "writer-not-opted-in"))
    assert conditioned == [tok.artist_id("writer-a"), *plain]
    assert tok.token_name(conditioned[0]) == "Artist_writer-a"
    assert tok.decode(conditioned).note_num() == tok.decode(plain).note_num()
    assert "Artist_writer-not-opted-in" not in {tok.token_name(i) for i in range(tok.vocab_size)}


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="not an Accord tokenizer config"):
        Tokenizer.from_json({"format": "something-else"})


def test_pitch_tokens_count_notes(essen_midi, tokenizer):
    ids = tokenizer.encode(Path(essen_midi[2]))
    notes = sum(1 for i in ids if i in tokenizer.pitch_ids())
    assert notes == tokenizer.decode(ids).note_num()
