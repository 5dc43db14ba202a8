"""R3 Review health assessment [S: CPPCR 2010 reg 7; SG: Promoting the health and wellbeing of
looked-after children, 2015].

docs/rules.md §4 R3.

Last assessment = latest `iha`, `rha` or `health_assessment` on or before as-of. Interval 6
months if the child was under 5 on that day (before DOB + 60 months), else 12 (`age5_mode`
conservative; lenient = 12 when the 5th birthday falls before last + 6 months). Due = last +
interval (calendar months).
Status, first that applies: not_required (not in care, or no clock); with no IHA/RHA at all:
declined if the IHA is declined, not_required if the IHA is still `due`, else none_recorded;
declined (a `declined` rha after the last assessment); overdue (due < as-of); due_soon
(due <= as-of + horizon); in_date. A child with no DOB is treated as under 5 (6 months).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from healthcheck.calendar import AsOf, add_months
from healthcheck.policy import Policy
from healthcheck.schema import ASSESSMENT_TYPES

OUTPUT = ("last_assessment", "rha_due", "rha_status")
EVENT_TYPES = (*ASSESSMENT_TYPES, "declined")


def aggregates(policy: Policy) -> list[pl.Expr]:
    kind = pl.col("event_type")
    # a declined health_assessment (the source says not which) declines the review too
    declined = (kind == "declined") & pl.col("detail").is_in(["rha", "health_assessment"])
    return [
        pl.col("event_date").filter(kind.is_in(ASSESSMENT_TYPES)).max().alias("last_assessment"),
        pl.col("event_date").filter(declined).max().alias("rha_declined_last"),
    ]


def rha(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    la = pl.col("last_assessment")
    # declined after the last assessment: the latest refusal is after it (or there is none)
    refused = pl.col("rha_declined_last")
    declined = (refused.is_not_null() & (la.is_null() | (refused > la))).fill_null(False)
    fifth = add_months(pl.col("dob"), 60)
    under5 = (la < fifth).fill_null(True)
    if policy.age5_mode == "lenient":
        under5 = under5 & ~(fifth < add_months(la, 6)).fill_null(False)
    due = pl.when(under5).then(add_months(la, 6)).otherwise(add_months(la, 12))
    active = pl.col("in_care").fill_null(False) & pl.col("clock_start").is_not_null()
    out = children.with_columns(rha_due=pl.when(active).then(due))
    d = pl.col("rha_due")
    status = (
        pl.when(~active).then(pl.lit("not_required"))
        .when(la.is_null() & (pl.col("iha_status") == "declined")).then(pl.lit("declined"))
        .when(la.is_null() & (pl.col("iha_status") == "due")).then(pl.lit("not_required"))
        .when(la.is_null()).then(pl.lit("none_recorded"))
        .when(declined).then(pl.lit("declined"))
        .when(d < as_of).then(pl.lit("overdue"))
        .when(d <= as_of + timedelta(days=policy.horizon_days)).then(pl.lit("due_soon"))
        .otherwise(pl.lit("in_date"))
    )
    return out.with_columns(status.alias("rha_status"))
