"""R2 Initial health assessment [S: CPPCR 2010 regs 7 and 33; SG: Promoting the health and
wellbeing of looked-after children, 2015].

Due = clock start + 20 working days (`iha_rule` 20WD; 28CD = 28 calendar days). The qualifying
IHA is the earliest `iha` dated on or after clock start - 3 calendar months (reg 7(3)).
Status, first that applies: not_required (no clock); on_time (IHA <= due); late (IHA > due);
not_required (no IHA, period ended before due); declined (a `declined` iha on or after clock
start - 3 months); overdue (due < as-of); due.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import add_months, add_working_days
from healthcheck.policy import Policy


def iha_due(clock: pl.Expr, policy: Policy) -> pl.Expr:
    if policy.iha_rule == "28CD":
        return clock + pl.duration(days=28)
    return add_working_days(clock, 20)


def iha(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy, as_of: date) -> pl.LazyFrame:
    clock = pl.col("clock_start")
    window = base.select("child_id", _from=add_months(clock, -policy.iha_prior_months))
    ev = events.join(window, on="child_id").filter(pl.col("event_date") >= pl.col("_from"))
    agg = ev.group_by("child_id").agg(
        iha_date=pl.col("event_date").filter(pl.col("event_type") == "iha").min(),
        iha_declined=((pl.col("event_type") == "declined") & (pl.col("detail") == "iha")).any(),
    )
    out = base.select("child_id", "clock_start", "period_end").join(agg, on="child_id",
                                                                   how="left")
    out = out.with_columns(iha_due=iha_due(clock, policy))
    d, due = pl.col("iha_date"), pl.col("iha_due")
    status = (
        pl.when(clock.is_null()).then(pl.lit("not_required"))
        .when(d <= due).then(pl.lit("on_time"))
        .when(d > due).then(pl.lit("late"))
        .when(pl.col("period_end") < due).then(pl.lit("not_required"))
        .when(pl.col("iha_declined").fill_null(False)).then(pl.lit("declined"))
        .when(due < as_of).then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))
    )
    return out.select("child_id", "iha_due", pl.when(clock.is_not_null()).then(d).alias("iha_date"),
                      status.alias("iha_status"))
