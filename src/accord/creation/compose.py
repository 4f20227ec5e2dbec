"""From a request to token ids and back to a shaped score, pure (no registry, no files).

`plan` turns a request into the prompt the model continues: conditioning tokens (pinned), BOS,
and for a continuation, variation or derivative the tokens of the source, and into the
constraints every output must meet (`constraints.Spec`: bars, metre, key, cadence, form).
`generate` samples a batch under those constraints; `finish` cuts the sampled tokens at the end
token or at the bar after the requested length; `shape` decodes the whole sequence and applies
the tempo and key.
"""

from __future__ import annotations

from dataclasses import dataclass

import symusic

from accord.creation import constraints, form, music
from accord.creation.request import Params
from accord.creation.sampling import Sampling, sample
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
    clip_seconds: float | None  # cut the decoded score here (unconstrained --seconds only)
    spec: constraints.Spec | None = None  # what every output must be (None: unconstrained)


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
    if params.bars is not None:
        total = params.bars
    else:
        # an upper bound (2-beat bars); the decoder stops at the bar that reaches the time
        total = music.bars_for_seconds(params.seconds, params.tempo, beats_per_bar=2)
    target = total if kind in ("new", "style", "continue") else max(1, total - prompt_bars)
    fresh = kind in ("new", "style")  # a prompt brings its own key and metre
    spec = constraints.Spec(
        bars=target, meter=constraints.parse_meter(params.meter) if params.meter else None,
        key=music.parse_key(params.key) if params.key and fresh else None,
        sections=form.parse(params.form, target) if fresh else (),
        seconds=params.seconds, tempo=params.tempo)
    return Plan(prefix=tuple(prefix + prompt), pinned=pinned, target_bars=target,
                max_new_tokens=min(MAX_NEW_TOKENS, target * TOKENS_PER_BAR_BOUND + 16),
                prompt_bars=prompt_bars, clip_seconds=None, spec=spec)


def rules(tok: Tokenizer, p: Plan, count: int) -> list[constraints.Decoder]:
    """One decoder per row, primed with the prompt (a continuation's key and metre)."""
    g = constraints.Grammar.of(tok)
    prompt = body(tok, list(p.prefix[p.pinned:]))
    return [constraints.Decoder(g, p.spec).prime(prompt) for _ in range(count)]


def generate(model, tok: Tokenizer, p: Plan, params: Params, seeds: list[int]
             ) -> list[tuple[list[int], dict]]:
    """Sample one row per seed in one batch under the plan's constraints: (new tokens, what the
    decoder made: bars, metre, key, accidentals, form) per row."""
    sampling = Sampling(temperature=params.temperature, top_p=params.top_p,
                        max_new_tokens=p.max_new_tokens, banned=banned(tok))
    decoders = rules(tok, p, len(seeds))
    rows = sample(model, [p.prefix] * len(seeds), seeds, sampling, p.pinned,
                  done_rule(tok, p), decoders)
    return [(new, d.summary()) for new, d in zip(rows, decoders, strict=True)]


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
    while kept and kept[-1] == b:  # a bar with nothing in it after the last one
        kept.pop()
    return kept


@dataclass(frozen=True)
class Shaped:
    score: symusic.Score
    info: dict   # bars, detected key, transposition, duration


def shape(tok: Tokenizer, p: Plan, new: list[int], params: Params,
          made: dict | None = None) -> Shaped:
    """Decode prompt + kept tokens and apply tempo and key. `made`: the decoder's summary (its
    key, metre, form); a key requested for new material was kept while sampling, so nothing is
    transposed; a continuation is transposed from the decoder's key to the requested one."""
    ids = body(tok, list(p.prefix)) + finish(tok, p, new)
    score = music.with_tempo(tok.decode(ids), params.tempo)
    info: dict = {"bars": count_bars(tok, ids)}
    have = music.parse_key(made["key"]) if made and made.get("key") else None
    if params.key is not None:
        target = music.parse_key(params.key)
        if made and made.get("key_source") == "requested":
            shift = 0
        elif have is not None and have.mode == target.mode:
            shift = (target.tonic - have.tonic) % 12
            shift = shift - 12 if shift > 5 else shift
            score = music.transpose(score, shift)
        else:
            score, shift = music.transpose_to(score, target)
        info.update(key=str(target), transposed_semitones=shift)
    else:
        info["key"] = str(have) if have is not None else str(music.detect_key(score))
    if made:
        info["constraints"] = {k: v for k, v in made.items() if k != "key"}
        info["meter"] = made.get("meter")
    if p.clip_seconds is not None:
        score = music.clip_seconds(score, p.clip_seconds, params.tempo)
    info["duration_s"] = round(music.duration_seconds(score), 3)
    info["notes"] = sum(len(t.notes) for t in score.tracks)
    return Shaped(score, info)
