"""Constrained decoding: every output has exactly the requested bars in the requested metre,
stays in the key, ends on a cadence to the tonic and follows its form, whatever the model
(here an untrained tiny transformer, which on its own writes none of that)."""

import pytest
import torch

from accord.creation import compose, constraints, form, wellformed
from accord.creation.music import Key, parse_key
from accord.creation.request import CreationRequest, Params, problems
from accord.training.model import ModelConfig, Transformer
from accord.training.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.create()


@pytest.fixture(scope="module")
def model(tok):
    torch.manual_seed(3)
    cfg = ModelConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=2, n_embd=16)
    return Transformer(cfg).eval()


def _make(model, tok, params, seeds=(1, 2)):
    plan = compose.plan(tok, "new", params)
    g = constraints.Grammar.of(tok)
    out = []
    for new, made in compose.generate(model, tok, plan, params, list(seeds)):
        kept = compose.finish(tok, plan, new)
        meter = constraints.parse_meter(made["meter"])
        report = wellformed.check(g, kept, made["bars"], meter, parse_key(made["key"]),
                                   plan.spec.sections)
        out.append((kept, made, report))
    return plan, g, out


@pytest.mark.parametrize("bars,meter,key,shape", [
    (4, "4/4", "G major", None), (8, "6/8", "D minor", "AABB"), (8, "3/4", "A minor", "ABAC"),
    (6, "2/4", "Bb major", "AA'B"), (1, "4/4", "E minor", None), (5, "12/8", None, None),
])
def test_every_output_is_well_formed(model, tok, bars, meter, key, shape):
    params = Params(bars=bars, meter=meter, key=key, form=shape)
    plan, g, out = _make(model, tok, params)
    for kept, made, report in out:
        assert report["ok"], report
        assert made["bars"] == bars and made["meter"] == meter
        assert sum(1 for t in kept if t == g.bar) == bars
        assert {t for t in kept if t in g.timesig_of} == {g.timesig[constraints.parse_meter(
            meter)]}
        if key:
            assert made["key"] == str(parse_key(key)) and report["in_key_share"] == 1.0
        notes, _, _ = wellformed.read(g, kept)
        k = parse_key(made["key"])
        last_bar = [n for n in notes if n.bar == bars]
        bar_len = g.bar_len(constraints.parse_meter(meter))
        assert len(last_bar) == 1 and last_bar[0].start == (bars - 1) * bar_len
        assert last_bar[0].pitch % 12 == k.tonic and last_bar[0].length >= bar_len // 2
        assert max(n.start + n.length for n in notes) <= bars * bar_len


def test_an_unconstrained_sample_of_the_same_model_is_not_well_formed(model, tok):
    from accord.creation.sampling import Sampling, sample

    params = Params(bars=8, meter="6/8", key="D minor")
    plan = compose.plan(tok, "new", params)
    sampling = Sampling(max_new_tokens=plan.max_new_tokens, banned=compose.banned(tok))
    g = constraints.Grammar.of(tok)
    rows = sample(model, [plan.prefix] * 2, [1, 2], sampling, plan.pinned,
                  compose.done_rule(tok, plan))
    for new in rows:
        report = wellformed.check(g, compose.finish(tok, plan, new), 8, (6, 8),
                                   Key(2, "minor"))
        assert not report["ok"]


def test_a_repeat_is_copied_and_a_variation_copies_its_first_half(model, tok):
    plan, g, out = _make(model, tok, Params(bars=8, meter="4/4", key="C", form="AA'BB"))
    for kept, _, report in out:
        _, _, bar_at = wellformed.read(g, kept)

        def bar(i, durations=True, bar_at=bar_at, kept=kept):
            # durations=False: a copied note may be cut short at the end of the piece
            return wellformed._bar_tokens(bar_at, kept, i, None if durations else g)
        assert bar(2) == bar(0)                     # A' copies the first half of A
        assert bar(3) != bar(1)                     # ... and samples its second half anew
        assert bar(6, False) == bar(4, False)       # B repeats B, its last bar the cadence
        assert report["form"] and report["cadence"]


def test_the_form_splits_bars_into_sections():
    secs = form.parse("ABAC", 16)
    assert [(s.label, s.start, s.bars, s.source) for s in secs] == [
        ("A", 0, 4, None), ("B", 4, 4, None), ("A", 8, 4, 0), ("C", 12, 4, None)]
    assert secs[2].copy_bars() == 4 and secs[2].copy_bars(final=True) == 3
    assert form.parse("AA'", 8)[1].copy_bars() == 2


@pytest.mark.parametrize("text,bars,needle", [
    ("AXB", 8, "unknown form"), ("ABC", 8, "do not divide"), ("A'A", 8, "comes later"),
    ("AABB", None, "needs a length"),
])
def test_bad_forms_are_named(text, bars, needle):
    found = form.problems(text, bars)
    assert found and needle in found[0].message and found[0].where == "--form"


def test_request_problems_name_meter_form_and_arrangement():
    bad = CreationRequest("m", "continue", Params(bars=8, meter="7/8", form="AB",
                                                   arrangement="polka"),
                          input_midi=None)
    where = {p.where for p in problems(bad)}
    assert {"--meter", "--form", "--arrangement"} <= where


def _decoder(tok, key="C major", bars=4):
    g = constraints.Grammar.of(tok)
    d = constraints.Decoder(g, constraints.Spec(bars=bars, meter=(4, 4), key=parse_key(key)))
    for t in (g.bar, g.timesig[(4, 4)], g.position[0]):
        d.advance(t)
    return g, d


def test_an_accidental_needs_the_models_probability(tok):
    g, d = _decoder(tok)
    c_sharp = next(i for i, p in g.pitch_of.items() if p == 61)
    e = next(i for i, p in g.pitch_of.items() if p == 64)
    logits = torch.full((g.size,), -10.0)
    logits[c_sharp], logits[e] = 5.0, 4.0     # the model wants C# (p ~ 0.73 of the pitches)
    assert d.allowed(logits)[c_sharp] and d.allowed(logits)[e]
    logits[c_sharp], logits[e] = 3.0, 5.0     # now C# has p ~ 0.12: out of key, refused
    assert not d.allowed(logits)[c_sharp] and d.allowed(logits)[e]


def test_the_bar_before_the_last_ends_on_the_dominant_side(tok):
    g, d = _decoder(tok, bars=2)
    assert d._penultimate()
    pitch = {p: i for i, p in g.pitch_of.items()}
    dur = next(i for i, n in g.duration_of.items() if n == 8)
    d.advance(pitch[60])                       # C, the tonic: the bar may not end here
    d.advance(dur)
    assert not d.allowed(torch.zeros(g.size))[g.bar]
    d.advance(g.position[8])
    d.advance(pitch[67])                       # G, the dominant: now it may
    d.advance(dur)
    assert d.allowed(torch.zeros(g.size))[g.bar]


def test_a_section_opens_with_a_note_so_its_repeat_is_never_silent(tok):
    g = constraints.Grammar.of(tok)
    d = constraints.Decoder(g, constraints.Spec(bars=4, meter=(3, 4), key=parse_key("C"),
                                                sections=form.parse("AB", 4)))
    pitch = {p: i for i, p in g.pitch_of.items()}
    held = next(i for i, n in g.duration_of.items() if n == 48)  # two bars of 3/4
    for t in (g.bar, g.timesig[(3, 4)], g.position[0], pitch[60], held, g.bar,
              g.timesig[(3, 4)]):
        d.advance(t)
    assert d._covered() and d.allowed(torch.zeros(g.size))[g.bar]  # bar 2: held over, fine
    d.advance(g.bar)
    d.advance(g.timesig[(3, 4)])
    d.sounding_until = 10 ** 6  # even with sound held over, B's first bar needs its own note
    assert not d.allowed(torch.zeros(g.size))[g.bar]
