"""R3 Review health assessment [S: CPPCR 2010 reg 7; SG: Promoting the health and wellbeing of
looked-after children, 2015].

Last assessment = latest `iha` or `rha` on or before as-of. Interval 6 months if the child was
under 5 on that day (before DOB + 60 months), else 12 (`age5_mode` conservative; lenient = 12
when the 5th birthday falls before last + 6 months). Due = last + interval (calendar months).
Status, first that applies: not_required (not in care, or no clock); with no IHA/RHA at all:
declined if the IHA is declined, not_required if the IHA is still `due`, else none_recorded;
declined (a `declined` rha after the last assessment); overdue (due < as-of); due_soon
(due <= as-of + horizon); in_date. A child with no DOB is treated as under 5 (6 months).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from healthcheck.calendar import add_months
from healthcheck.policy import Policy


def rha(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy, as_of: date,
        iha_status: pl.LazyFrame) -> pl.LazyFrame:
    last = events.filter(pl.col("event_type").is_in(["iha", "rha"])).group_by("child_id").agg(
        last_assessment=pl.col("event_date").max())
    declined = (
        events.filter((pl.col("event_type") == "declined") & (pl.col("detail") == "rha"))
        .join(last, on="child_id", how="left")
        .filter(pl.col("last_assessment").is_null()
                | (pl.col("event_date") > pl.col("last_assessment")))
        .group_by("child_id").agg(rha_declined=pl.lit(True))
    )
    out = (base.select("child_id", "dob", "clock_start", "in_care")
           .join(last, on="child_id", how="left")
           .join(declined, on="child_id", how="left")
           .join(iha_status.select("child_id", "iha_status"), on="child_id", how="left"))
    la = pl.col("last_assessment")
    fifth = add_months(pl.col("dob"), 60)
    under5 = (la < fifth).fill_null(True)
    if policy.age5_mode == "lenient":
        under5 = under5 & ~(fifth < add_months(la, 6)).fill_null(False)
    due = pl.when(under5).then(add_months(la, 6)).otherwise(add_months(la, 12))
    active = pl.col("in_care").fill_null(False) & pl.col("clock_start").is_not_null()
    out = out.with_columns(rha_due=pl.when(active).then(due))
    d = pl.col("rha_due")
    status = (
        pl.when(~active).then(pl.lit("not_required"))
        .when(la.is_null() & (pl.col("iha_status") == "declined")).then(pl.lit("declined"))
        .when(la.is_null() & (pl.col("iha_status") == "due")).then(pl.lit("not_required"))
        .when(la.is_null()).then(pl.lit("none_recorded"))
        .when(pl.col("rha_declined").fill_null(False)).then(pl.lit("declined"))
        .when(d < as_of).then(pl.lit("overdue"))
        .when(d <= as_of + timedelta(days=policy.horizon_days)).then(pl.lit("due_soon"))
        .otherwise(pl.lit("in_date"))
    )
    return out.select("child_id", "last_assessment", "rha_due", status.alias("rha_status"))
