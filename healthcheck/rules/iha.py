"""R2 Initial health assessment [S: CPPCR 2010 regs 7 and 33; SG: Promoting the health and
wellbeing of looked-after children, 2015].

docs/rules.md §4 R2.

Due = clock start + 20 working days (`iha_rule` 20WD; 28CD = 28 calendar days). The qualifying
IHA is the earliest `iha` or `health_assessment` dated on or after clock start - 3 calendar
months (reg 7(3)). Status, first that applies: not_required (no clock); before_extract (the
period began before the extract: its IHA is not in it, and due and date stay blank);
on_time (IHA <= due); late (IHA > due);
not_required (no IHA, period ended before due); declined (a `declined` iha on or after clock
start - 3 months); overdue (due < as-of); due.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from healthcheck.calendar import AsOf, add_months, add_working_days
from healthcheck.policy import Policy
from healthcheck.schema import ASSESSMENT_TYPES

OUTPUT = ("iha_due", "iha_date", "iha_status")
# a health_assessment (the source does not say initial or review) can be the IHA
IHA_TYPES = tuple(t for t in ASSESSMENT_TYPES if t != "rha")
EVENT_TYPES = (*IHA_TYPES, "declined")


def iha_due_soon(as_of: AsOf, horizon_days: int) -> pl.Expr:
    """An IHA still `due` whose due date is within `horizon_days` of as-of (both days
    included): the nurse books it now (docs/rules.md §4 R2). IHA has no `due_soon` status of its
    own (R3 and R4 have): this is the same horizon applied to `iha_due`. Null stays null."""
    return (pl.col("iha_status") == "due") & pl.col("iha_due").is_between(
        as_of, as_of + timedelta(days=horizon_days))


def iha_due(clock: pl.Expr, policy: Policy) -> pl.Expr:
    if policy.iha_rule == "28CD":
        return clock + pl.duration(days=28)
    return add_working_days(clock, 20)


def _since(policy: Policy) -> pl.Expr:
    return pl.col("event_date") >= add_months(pl.col("clock_start"), -policy.iha_prior_months)


def qualifying_iha(policy: Policy) -> pl.Expr:
    """The date of the qualifying IHA, per child over its events (R7 reads it too, as a
    window over each child's events)."""
    d, kind = pl.col("event_date"), pl.col("event_type")
    return pl.when(_since(policy) & kind.is_in(IHA_TYPES)).then(d).min()


def aggregates(policy: Policy) -> list[pl.Expr]:
    since = _since(policy)
    kind = pl.col("event_type")
    return [
        qualifying_iha(policy).alias("iha_date"),
        (since & (kind == "declined") & pl.col("detail").is_in(IHA_TYPES)).any()
        .alias("iha_declined"),
    ]


def iha(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    clock = pl.col("clock_start")
    before = pl.col("before_extract").fill_null(False)
    out = children.with_columns(iha_due=pl.when(~before).then(iha_due(clock, policy)))
    d, due = pl.col("iha_date"), pl.col("iha_due")
    status = (
        pl.when(clock.is_null()).then(pl.lit("not_required"))
        .when(before).then(pl.lit("before_extract"))
        .when(d <= due).then(pl.lit("on_time"))
        .when(d > due).then(pl.lit("late"))
        .when(pl.col("period_end") < due).then(pl.lit("not_required"))
        .when(pl.col("iha_declined").fill_null(False)).then(pl.lit("declined"))
        .when(due < as_of).then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))
    )
    return out.with_columns(pl.when(clock.is_not_null() & ~before).then(d).alias("iha_date"),
                            status.alias("iha_status"))
