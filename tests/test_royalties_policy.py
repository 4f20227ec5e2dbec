import pytest

from accord.errors import InvalidInput
from accord.royalties.policy import DEFAULT_POLICY, load_policy, parse_policy


def test_shipped_policy_loads_and_has_a_stable_hash():
    p = load_policy()
    assert p.version == "2026.1" and len(p.hash) == 64
    assert p.hash == parse_policy(DEFAULT_POLICY.read_text() + "\n# a comment\n").hash
    assert p.role_ppm() == {"training": 600_000, "conditioning": 200_000, "source": 200_000}
    assert p.minimum_payout_minor("EUR") == 100 and p.minimum_payout_minor("JPY") == 0


@pytest.mark.parametrize("edit, where", [
    (('fraction = "0.50"', "fraction = 0.5"), "pool.fraction"),
    (('fraction = "0.50"', 'fraction = "1.5"'), "pool.fraction"),
    (('conditioning = "0.20"', 'conditioning = "0.90"'), "split"),
    (('training_weighting = "equal"', 'training_weighting = "vibes"'), "training_weighting"),
    (("played = 1", "played = 1\nsung = 2"), "units.sung"),
    (('fraction = "0.50"', 'fraction = "0.1234567"'), "pool.fraction"),
])
def test_bad_policies_are_refused_with_the_place(edit, where):
    text = DEFAULT_POLICY.read_text().replace(*edit)
    with pytest.raises(InvalidInput) as exc:
        parse_policy(text)
    assert where in str(exc.value)
