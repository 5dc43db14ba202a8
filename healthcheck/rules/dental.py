"""R4 Dental check [S: CPPCR 2010 Sch. 1; NICE CG19; DfE SSDA903 OC2 TEETH_CHECK].

Due = the later of last `dental` + `dental_interval_months` (12; 6 allowed) and clock start +
`dental_first_due_wd` (40) working days; with no dental check at all, the latter. Statuses as
R3: not_required (not in care, or no clock), declined (a `declined` dental after the last check,
or, with none, on or after clock start), overdue, due_soon, in_date.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from healthcheck.calendar import add_months, add_working_days
from healthcheck.policy import Policy


def dental(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy,
           as_of: date) -> pl.LazyFrame:
    last = events.filter(pl.col("event_type") == "dental").group_by("child_id").agg(
        dental_last=pl.col("event_date").max())
    declined = (
        events.filter((pl.col("event_type") == "declined") & (pl.col("detail") == "dental"))
        .join(base.select("child_id", "clock_start"), on="child_id")
        .join(last, on="child_id", how="left")
        .filter(pl.when(pl.col("dental_last").is_null())
                .then(pl.col("event_date") >= pl.col("clock_start"))
                .otherwise(pl.col("event_date") > pl.col("dental_last")))
        .group_by("child_id").agg(dental_declined=pl.lit(True))
    )
    out = (base.select("child_id", "clock_start", "in_care")
           .join(last, on="child_id", how="left")
           .join(declined, on="child_id", how="left"))
    first_due = add_working_days(pl.col("clock_start"), policy.dental_first_due_wd)
    due = pl.max_horizontal(add_months(pl.col("dental_last"), policy.dental_interval_months),
                            first_due)
    active = pl.col("in_care").fill_null(False) & pl.col("clock_start").is_not_null()
    out = out.with_columns(dental_due=pl.when(active).then(due))
    d = pl.col("dental_due")
    status = (
        pl.when(~active).then(pl.lit("not_required"))
        .when(pl.col("dental_declined").fill_null(False)).then(pl.lit("declined"))
        .when(d < as_of).then(pl.lit("overdue"))
        .when(d <= as_of + timedelta(days=policy.horizon_days)).then(pl.lit("due_soon"))
        .otherwise(pl.lit("in_date"))
    )
    return out.select("child_id", "dental_last", "dental_due", status.alias("dental_status"))
