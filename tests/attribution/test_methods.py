"""Both methods find the source of a planted quotation on a tiny model; indexes round-trip.

On this fixture (16 songs, 32-note quotations) symbolic ranks the source first for all 16
works and TRAK for 14 (works 1 and 5 miss); the three works below are fixed, not drawn.
Accuracy over many quotations is measured by bench/attribution_eval.py."""

import pytest
import torch

from accord.attribution.gradient import GradientMethod
from accord.attribution.model import AttributionMethod
from accord.attribution.prepare import query_from_tokens
from accord.attribution.quote import plant
from accord.attribution.symbolic import SymbolicMethod


@pytest.fixture(scope="module")
def methods(items, tiny_model, tmp_path_factory):
    built = {}
    for m in (SymbolicMethod(), GradientMethod(tiny_model)):
        d = tmp_path_factory.mktemp(m.name)
        m.build_index(items, d)
        built[m.name] = (m, d)
    return built


def _quoted(tok, model, work, seed):
    sample = model.generate([tok.bos_id], 40, generator=torch.Generator().manual_seed(seed),
                            stop_id=tok.eos_id)
    length = min(32, len(work.notes) - 2)
    return query_from_tokens(f"planted-{work.item_id}",
                             plant(tok, sample, list(work.token_ids), 1, length), tok)


@pytest.mark.slow
@pytest.mark.parametrize("which", [0, 6, 11])
@pytest.mark.parametrize("name", ["symbolic", "trak"])
def test_planted_quotation_source_ranks_first(methods, items, tok, tiny_model, name, which):
    method, _ = methods[name]
    assert isinstance(method, AttributionMethod)
    work = items[which]
    scores = method.attribute(_quoted(tok, tiny_model, work, seed=which))
    assert scores[0].item_id == work.item_id, [s.item_id for s in scores[:5]]
    assert len(scores) == len(items) and scores[0].score > scores[1].score
    if name == "symbolic":
        ev = scores[0].evidence
        assert ev["ngram_coverage"] > 0.3 and ev["passages"][0]["work_bars"][0] >= 1
        assert ev["passages"][0]["notes"] >= 16
    else:
        assert set(scores[0].evidence) == {"influence", "rank", "gradient_cosine"}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["symbolic", "trak"])
def test_index_save_load_round_trip(methods, items, tok, tiny_model, name):
    method, directory = methods[name]
    fresh = SymbolicMethod() if name == "symbolic" else GradientMethod(tiny_model)
    fresh.load_index(directory)
    q = _quoted(tok, tiny_model, items[3], seed=3)
    a, b = method.attribute(q), fresh.attribute(q)
    assert [(s.item_id, round(s.score, 5)) for s in a] == [(s.item_id, round(s.score, 5))
                                                           for s in b]
    assert a[0].evidence == b[0].evidence
