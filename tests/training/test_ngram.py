import math

from accord.training.ngram import KneserNey


def test_probabilities_sum_to_one_and_never_zero():
    seqs = [[1, 2, 3, 4, 2, 3, 4, 5], [1, 2, 3, 5, 5, 2, 3, 4]]
    m = KneserNey(vocab_size=8, order=5).fit(seqs)
    for history in ([], [1], [1, 2, 3], [7, 7, 7, 7], [2, 3, 4, 2]):
        probs = [m.prob(history, w) for w in range(8)]
        assert math.isclose(sum(probs), 1.0, rel_tol=1e-9)
        assert min(probs) > 0


def test_higher_order_wins_on_repetitive_music():
    motif = [1, 2, 3, 2, 4, 5, 4, 6]
    train = [motif * 6, motif[::-1] * 6]
    test = motif * 3
    nats = {n: KneserNey(8, n).fit(train).score(test) for n in (1, 2, 5)}
    assert nats[5][1] == len(test) - 1
    assert nats[5][0] < nats[2][0] < nats[1][0]
