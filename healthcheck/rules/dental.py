"""R4 Dental check [S: CPPCR 2010 Sch. 1; NICE CG19; DfE SSDA903 OC2 TEETH_CHECK].

docs/rules.md §4 R4.

Due = the later of last `dental` + `dental_interval_months` (12; 6 allowed) and clock start +
`dental_first_due_wd` (40) working days; with no dental check at all, the latter. Statuses as
R3: not_required (not in care, or no clock), declined (a `declined` dental after the last check,
or, with none, on or after clock start), overdue, due_soon, in_date.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from healthcheck.calendar import AsOf, add_months, add_working_days
from healthcheck.policy import Policy

OUTPUT = ("dental_last", "dental_due", "dental_status")
EVENT_TYPES = ("dental", "declined")


def aggregates(policy: Policy) -> list[pl.Expr]:
    kind = pl.col("event_type")
    declined = (kind == "declined") & (pl.col("detail") == "dental")
    return [
        pl.col("event_date").filter(kind == "dental").max().alias("dental_last"),
        pl.col("event_date").filter(declined).max().alias("dental_declined_last"),
    ]


def dental(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    last, refused = pl.col("dental_last"), pl.col("dental_declined_last")
    # declined after the last check (with none, on or after clock start): the latest refusal is
    declined = (pl.when(last.is_null()).then(refused >= pl.col("clock_start"))
                .otherwise(refused > last)).fill_null(False)
    first_due = add_working_days(pl.col("clock_start"), policy.dental_first_due_wd)
    due = pl.max_horizontal(add_months(last, policy.dental_interval_months), first_due)
    active = pl.col("in_care").fill_null(False) & pl.col("clock_start").is_not_null()
    out = children.with_columns(dental_due=pl.when(active).then(due))
    d = pl.col("dental_due")
    status = (
        pl.when(~active).then(pl.lit("not_required"))
        .when(declined).then(pl.lit("declined"))
        .when(d < as_of).then(pl.lit("overdue"))
        .when(d <= as_of + timedelta(days=policy.horizon_days)).then(pl.lit("due_soon"))
        .otherwise(pl.lit("in_date"))
    )
    return out.with_columns(status.alias("dental_status"))
