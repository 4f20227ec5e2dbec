"""The earnings chart of the web pages is the royalties context's one chart
(`accord.royalties.chart`), also drawn in HTML statements."""

from accord.royalties.chart import HEIGHT, WIDTH, Bar, bars, earnings_svg

__all__ = ["HEIGHT", "WIDTH", "Bar", "bars", "earnings_svg"]
