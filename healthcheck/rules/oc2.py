"""R6 OC2 cohort measures [DfE SSDA903 OC2].

docs/rules.md §4 R6 (the 12 months: §12 "OC2 boundaries").

The cohort (in care at as-of, looked after continuously for 12 months, no V3/V4 in those 12
months) is decided in `periods.latest_periods`. For it: HEALTH_ASSESSMENT = an IHA, RHA or
health_assessment dated in the 12 months up to as-of (as-of - 12 months + 1 day .. as-of, the
DfE year); TEETH_CHECK = a dental check in those 12 months; IMMUNISATIONS =
up to date (R5); HEALTH_CHECK (development assessment) only for children under 5 at as-of.
"""

from __future__ import annotations

import polars as pl

from healthcheck.calendar import AsOf, add_months, as_expr, year_start
from healthcheck.policy import Policy
from healthcheck.schema import ASSESSMENT_TYPES

OUTPUT = ("oc2_health_assessment", "oc2_teeth_check", "oc2_immunisations",
          "oc2_health_check_due")
EVENT_TYPES = (*ASSESSMENT_TYPES, "dental")


def aggregates(policy: Policy) -> list[pl.Expr]:
    """The latest assessment and dental check (on or before as-of): there is one in the 12
    months up to as-of when the latest is in them (`oc2` compares it with their first day, once
    per child rather than once per event)."""
    kind, d = pl.col("event_type"), pl.col("event_date")
    return [
        pl.when(kind.is_in(ASSESSMENT_TYPES)).then(d).max().alias("oc2_assessment_last"),
        pl.when(kind == "dental").then(d).max().alias("oc2_dental_last"),
    ]


def oc2(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    cohort = pl.col("oc2_cohort").fill_null(False)
    first_day = year_start(as_of)
    return children.with_columns(
        (cohort & (pl.col("oc2_assessment_last") >= first_day).fill_null(False))
        .alias("oc2_health_assessment"),
        (cohort & (pl.col("oc2_dental_last") >= first_day).fill_null(False))
        .alias("oc2_teeth_check"),
        (cohort & (pl.col("immunisations_status") == "up_to_date")).alias("oc2_immunisations"),
        (cohort & (as_expr(as_of) < add_months(pl.col("dob"), 60)).fill_null(False))
        .alias("oc2_health_check_due"),
    )
