"""Forecasting the year end's OC2 figures [DfE SSDA903 OC2; R6] (docs/rules.md "Year-end
forecast").

Before the year end (default: the first 31 March on or after as-of), the children who will be
in the OC2 cohort at the year end if they stay in care: in care at as-of, period start on or
before year end - 12 months, no V3/V4 episode from year end - 12 months + 1 day to as-of. For
each, what is done already in that year (an IHA, RHA or health assessment; a dental check;
immunisations up to date at as-of) and what is still needed before the year end. The two floor
KPIs are the share already done.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import add_months_date, year_start
from healthcheck.periods import usable_episodes
from healthcheck.schema import ASSESSMENT_TYPES, KPI_SCHEMA, SHORT_BREAK_STATUSES

FORECAST_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": pl.String, "nhs_number": pl.String, "health_assessment_done": pl.Boolean,
    "teeth_check_done": pl.Boolean, "immunisations_up_to_date": pl.Boolean,
    "rha_due": pl.Date, "dental_due": pl.Date, "needs": pl.String,
}
NEEDS = (("health_assessment_done", "health_assessment"), ("teeth_check_done", "teeth_check"),
         ("immunisations_up_to_date", "immunisations"))
KPIS = (("oc2_year_end_health_assessment_done_pct", "health_assessment_done"),
        ("oc2_year_end_teeth_check_done_pct", "teeth_check_done"))


def default_year_end(as_of: date) -> date:
    """The first 31 March on or after as-of."""
    march = date(as_of.year, 3, 31)
    return march if as_of <= march else date(as_of.year + 1, 3, 31)


def forecast(episodes: pl.DataFrame, status: pl.DataFrame, kids: pl.DataFrame,
             events: pl.DataFrame, as_of: date, year_end: date) -> pl.DataFrame:
    """oc2_forecast.csv (FORECAST_SCHEMA), one row per child, by child_id; empty when as-of is
    not before the year end.

    `status`: one row per case child (rules.evaluate): in_care, period_start, rha_due,
    dental_due, immunisations_status. `kids`: child_id, nhs_number. `events`: the record's
    events with child_id, event_type, event_date.
    """
    if as_of >= year_end:
        return pl.DataFrame(schema=FORECAST_SCHEMA)
    first_day = year_start(year_end)
    short = (usable_episodes(episodes, as_of)
             .filter(pl.col("legal_status").is_in(SHORT_BREAK_STATUSES)
                     & (pl.col("end_date").is_null() | (pl.col("end_date") >= first_day)))
             .select("child_id"))
    cohort = (status.lazy()
              .filter(pl.col("in_care").fill_null(False)
                      & (pl.col("period_start") <= add_months_date(year_end, -12)))
              .join(short, on="child_id", how="anti"))
    done = (events.lazy()
            .filter(pl.col("child_id").is_not_null()
                    & pl.col("event_date").is_between(first_day, as_of))
            .group_by("child_id").agg(
                health_assessment_done=pl.col("event_type").is_in(ASSESSMENT_TYPES).any(),
                teeth_check_done=(pl.col("event_type") == "dental").any()))
    out = (cohort.join(done, on="child_id", how="left")
           .join(kids.lazy().select("child_id", "nhs_number"), on="child_id", how="left")
           .with_columns(pl.col("health_assessment_done", "teeth_check_done").fill_null(False),
                         immunisations_up_to_date=pl.col("immunisations_status") == "up_to_date")
           .with_columns(needs=pl.concat_str(
               [pl.when(~pl.col(c)).then(pl.lit(need)) for c, need in NEEDS],
               separator=";", ignore_nulls=True).replace("", None)))
    return (out.select(list(FORECAST_SCHEMA)).sort("child_id").collect()
            .cast(FORECAST_SCHEMA))  # type: ignore[arg-type]


def forecast_kpis(rows: pl.DataFrame, source: str, as_of: date, year_end: date) -> pl.DataFrame:
    """The floor already reached, over the forecast cohort: kpis.csv rows (period = the year
    ending at the year end)."""
    out = pl.concat([rows.select(measure=pl.lit(kpi), numerator=pl.col(col).sum().cast(pl.Int64),
                                 denominator=pl.len().cast(pl.Int64)) for kpi, col in KPIS])
    ratio = pl.col("numerator") / pl.col("denominator")
    return out.select(
        "measure", source=pl.lit(source), numerator="numerator", denominator="denominator",
        value=pl.when(pl.col("denominator") > 0).then(ratio * 100).round(1),
        period_start=pl.lit(year_start(year_end)), period_end=pl.lit(year_end),
        as_of=pl.lit(as_of),
    ).cast(KPI_SCHEMA)  # type: ignore[arg-type]


def forecast_membership(rows: pl.DataFrame) -> pl.DataFrame:
    """child_id and, per floor KPI, the forecast cohort child's done-flag (1/0; the revisions'
    `children`, docs/rules.md §9.3)."""
    return rows.select("child_id", *[pl.col(col).cast(pl.Float64).alias(kpi)
                                     for kpi, col in KPIS])
