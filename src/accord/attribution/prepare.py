"""Outputs and training works as the methods see them: tokens, the decoded score, the melody.

Both sides go through the model's own tokenizer (encode, then decode), so that a training work
and an output that quotes it have their notes on the same grid before n-grams are compared.
"""

from __future__ import annotations

from pathlib import Path

import symusic

from accord.attribution.model import AttributionInput, Query, TrainingItem
from accord.errors import InvalidInput
from accord.music.ngrams import melody
from accord.training.tokenizer import Tokenizer


def beats_per_bar(score: symusic.Score) -> float:
    if len(score.time_signatures):
        ts = score.time_signatures[0]
        return ts.numerator * 4.0 / ts.denominator
    return 4.0


def query_from_tokens(output_id: str, ids: tuple[int, ...], tok: Tokenizer) -> Query:
    try:
        score = tok.decode(list(ids))
    except Exception as exc:  # miditok raises assorted errors on malformed sequences
        raise InvalidInput(f"output {output_id}: its tokens do not decode ({exc})") from None
    return Query(output_id, tuple(ids), tuple(melody(score)), beats_per_bar(score), score)


def query_from_input(inp: AttributionInput, tok: Tokenizer) -> Query:
    """Token ids as given; else the output's MIDI encoded with its conditioning prefix."""
    if inp.token_ids:
        bad = [i for i in inp.token_ids if not 0 <= i < tok.vocab_size]
        if bad:
            raise InvalidInput(f"output {inp.output_id}: token id {bad[0]} is outside the "
                               f"model's vocabulary of {tok.vocab_size}")
        return query_from_tokens(inp.output_id, inp.token_ids, tok)
    path = Path(inp.midi_path)  # type: ignore[arg-type]
    if not path.exists():
        raise InvalidInput(f"output {inp.output_id}: no MIDI file at {path}")
    try:
        score = symusic.Score(str(path))
    except Exception as exc:  # noqa: BLE001 - symusic raises plain errors on bad files
        raise InvalidInput(f"output {inp.output_id}: {path} is not a readable MIDI file "
                           f"({exc})") from None
    artists = (inp.conditioning_party,) if inp.conditioning_party else ()
    return query_from_tokens(inp.output_id, tuple(tok.encode(score, artists)), tok)


def training_item(item_id: str, midi: Path | symusic.Score, tok: Tokenizer,
                  conditioning: tuple[str, ...] = ()) -> TrainingItem:
    """A training work: its tokens exactly as the trainer saw them, and its melody on the
    tokenizer's grid."""
    ids = tuple(tok.encode(midi, conditioning))
    score = tok.decode(list(ids))
    return TrainingItem(item_id, ids, tuple(melody(score)), beats_per_bar(score))
