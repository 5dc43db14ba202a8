"""The trend (docs/rules.md §9.4): trend.csv, every figure at each of the last 12 month ends
(as-of = the month end, period = the 12 months to it) recomputed from today's extracts, beside
the value reported then (the latest run in the history at that as-of and period) and the England
benchmark where there is one.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from healthcheck.calendar import year_start
from healthcheck.history import Run, latest_per_as_of
from healthcheck.policy import Policy
from healthcheck.recompute import Point, Prepared, kpis_at

MONTHS = 12
TREND_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "measure": pl.String, "source": pl.String, "as_of": pl.Date, "period_start": pl.Date,
    "period_end": pl.Date, "numerator": pl.Int64, "denominator": pl.Int64, "value": pl.Float64,
    "reported": pl.Float64, "england": pl.Float64,
}


def month_ends(as_of: date, n: int = MONTHS) -> list[date]:
    """The last `n` month ends on or before as-of (as-of itself when it is one), oldest first."""
    end = as_of if (as_of + timedelta(days=1)).day == 1 else as_of.replace(day=1) - timedelta(
        days=1)
    out = [end]
    while len(out) < n:
        out.append(out[-1].replace(day=1) - timedelta(days=1))
    return out[::-1]


def trend_points(as_of: date) -> list[Point]:
    return [Point(d, year_start(d), d) for d in month_ends(as_of)]


def trend(prep: Prepared, as_of: date, policy: Policy, found: list[Run],
          england: dict[str, float], now: pl.DataFrame | None = None) -> pl.DataFrame:
    """trend.csv: one row per month end, source and measure (oldest month first, then as
    kpis.csv orders them). `now`: `kpis_at`'s kpis with `policy` at the trend's points first
    (and maybe others after), when already found."""
    points = trend_points(as_of)
    if now is None:
        now, _ = kpis_at(prep, None, points, policy)
    now = now.join(pl.DataFrame(points, schema=["as_of", "period_start", "period_end"],
                                orient="row"),
                   on=["as_of", "period_start", "period_end"], how="semi", maintain_order="left")
    wanted = {(p.as_of, p.period_start, p.period_end) for p in points}
    reported = [r.table("kpis").select("measure", "source", "as_of", "period_start",
                                       "period_end", reported="value")
                for r in latest_per_as_of(
                    [r for r in found if (r.as_of, r.period_start, r.period_end) in wanted])]
    keys = ["measure", "source", "as_of", "period_start", "period_end"]
    out = now.with_columns(england=pl.col("measure").replace_strict(
        england, default=None, return_dtype=pl.Float64))
    if reported:
        out = out.join(pl.concat(reported), on=keys, how="left", maintain_order="left")
    else:
        out = out.with_columns(reported=pl.lit(None, pl.Float64))
    return out.select(list(TREND_SCHEMA)).cast(TREND_SCHEMA)  # type: ignore[arg-type]
