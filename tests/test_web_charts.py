"""The server-side earnings chart: bars scaled to the largest period, escaped, accessible."""

from accord.web.charts import HEIGHT, bars, earnings_svg

HISTORY = [{"period": "2026-10", "currency": "EUR", "earned": "10.00"},
           {"period": "2026-09", "currency": "EUR", "earned": "40.00"},
           {"period": "2026-10", "currency": "USD", "earned": "5.00"}]


def test_bars_are_per_currency_oldest_first_and_scaled_to_the_top():
    bs = bars(HISTORY, "EUR")
    assert [b.period for b in bs] == ["2026-09", "2026-10"]
    assert bs[1].height * 4 == bs[0].height and bs[0].y + bs[0].height < HEIGHT
    assert bars(HISTORY, "GBP") == [] and earnings_svg(HISTORY, "GBP") == ""


def test_the_svg_is_labelled_and_escaped():
    svg = earnings_svg([{"period": "<x>", "currency": "EUR", "earned": "1"}], "EUR")
    assert 'role="img"' in svg and "<title id=\"chart-EUR-title\">" in svg
    assert "&lt;x&gt;" in svg and "<x>" not in svg
    zero = earnings_svg([{"period": "2026-01", "currency": "EUR", "earned": "0"}], "EUR")
    assert 'height="0.0"' in zero
