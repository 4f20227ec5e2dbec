"""From a request to token ids and back to a shaped score, pure (no registry, no files).

`plan` turns a request into the prompt the model continues: conditioning tokens (pinned), BOS,
and for a continuation, variation or derivative the tokens of the source. `finish` cuts the
sampled tokens at the end token or at the bar after the requested length; `shape` decodes the
whole sequence and applies the tempo, key and length in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import symusic

from accord.creation import music
from accord.creation.request import Params
from accord.training.tokenizer import Tokenizer

TOKENS_PER_BAR_BOUND = 80  # a bar of sixteenth notes is about 50 REMI tokens
MAX_NEW_TOKENS = 8192


@dataclass(frozen=True)
class Plan:
    prefix: tuple[int, ...]   # conditioning + BOS + prompt tokens
    pinned: int               # leading tokens the sampling window always keeps
    target_bars: int          # bars of new material to sample
    max_new_tokens: int
    prompt_bars: int          # bars of the prompt (variation / derivative priming)
    clip_seconds: float | None  # cut the decoded score here (a --seconds request)


def bar_id(tok: Tokenizer) -> int:
    return tok.remi.vocab["Bar_None"]


def body(tok: Tokenizer, ids: list[int]) -> list[int]:
    """The piece's tokens without conditioning, BOS and EOS."""
    return [i for i in ids if i < tok.base_size and i not in (tok.bos_id, tok.eos_id,
                                                              tok.pad_id)]


def first_bars(tok: Tokenizer, ids: list[int], bars: int) -> list[int]:
    """The tokens of the first `bars` bars of a piece's body."""
    b, seen = bar_id(tok), 0
    for i, t in enumerate(ids):
        if t == b:
            seen += 1
            if seen > bars:
                return ids[:i]
    return list(ids)


def count_bars(tok: Tokenizer, ids: list[int]) -> int:
    return sum(1 for t in ids if t == bar_id(tok))


def plan(tok: Tokenizer, kind: str, params: Params, artist: str | None = None,
         source_ids: list[int] | None = None, source_seconds: float = 0.0) -> Plan:
    """The prompt and stopping rule of a request. `source_ids`: the encoded user MIDI or
    catalogue work (for continue, variation, derivative)."""
    cond = [tok.artist_id(artist)] if artist is not None else []
    prefix = [*cond, tok.bos_id]
    pinned = len(prefix)
    prompt: list[int] = []
    if kind == "continue":
        prompt = body(tok, source_ids or [])
    elif kind in ("variation", "derivative"):
        prompt = first_bars(tok, body(tok, source_ids or []), params.prime_bars)
    prompt_bars = count_bars(tok, prompt) if kind in ("variation", "derivative") else 0
    clip = None
    if params.bars is not None:
        total = params.bars
    else:
        # enough bars for the time at the shortest common metre (3 beats), cut afterwards
        total = music.bars_for_seconds(params.seconds, params.tempo, beats_per_bar=3) + 1
        clip = params.seconds + (source_seconds if kind == "continue" else 0.0)
    target = total if kind in ("new", "style", "continue") else max(1, total - prompt_bars)
    return Plan(prefix=tuple(prefix + prompt), pinned=pinned, target_bars=target,
                max_new_tokens=min(MAX_NEW_TOKENS, target * TOKENS_PER_BAR_BOUND + 16),
                prompt_bars=prompt_bars, clip_seconds=clip)


def banned(tok: Tokenizer) -> tuple[int, ...]:
    """Ids the sampler never draws: padding, BOS, conditioning tokens, and the end token (a
    piece ends when it has its bars, so a small model cannot stop after two notes)."""
    return (tok.pad_id, tok.bos_id, tok.eos_id, *range(tok.base_size, tok.vocab_size))


def done_rule(tok: Tokenizer, p: Plan):
    """When a row of sampled tokens is finished: an end token, or the bar after the target."""
    b, eos = bar_id(tok), tok.eos_id

    def done(new: list[int]) -> bool:
        return new[-1] == eos or (new[-1] == b and new.count(b) > p.target_bars)
    return done


def finish(tok: Tokenizer, p: Plan, new: list[int]) -> list[int]:
    """The sampled tokens kept: up to (not including) the end token or the surplus bar."""
    b, kept, bars = bar_id(tok), [], 0
    for t in new:
        if t == tok.eos_id:
            break
        if t == b:
            bars += 1
            if bars > p.target_bars:
                break
        kept.append(t)
    return kept


@dataclass(frozen=True)
class Shaped:
    score: symusic.Score
    info: dict   # bars, detected key, transposition, duration


def shape(tok: Tokenizer, p: Plan, new: list[int], params: Params) -> Shaped:
    """Decode prompt + kept tokens and apply tempo, key and the length in seconds."""
    ids = body(tok, list(p.prefix)) + finish(tok, p, new)
    score = music.with_tempo(tok.decode(ids), params.tempo)
    info: dict = {"bars": count_bars(tok, ids)}
    if params.key is not None:
        target = music.parse_key(params.key)
        score, shift = music.transpose_to(score, target)
        info.update(key=str(target), transposed_semitones=shift)
    else:
        info["key"] = str(music.detect_key(score))
    if p.clip_seconds is not None:
        score = music.clip_seconds(score, p.clip_seconds, params.tempo)
    info["duration_s"] = round(music.duration_seconds(score), 3)
    info["notes"] = sum(len(t.notes) for t in score.tracks)
    return Shaped(score, info)
