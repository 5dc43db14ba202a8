"""The figures (docs/rules.md §7), for one source of health events.

Each measure is defined by which children are in its denominator and numerator, so the children
who make the difference between the health and the case figures can be listed.
P = the children whose clock started in the reporting period (inclusive).
"""

from __future__ import annotations

from datetime import date

import polars as pl

MEASURES = (
    "notification_mean_wd", "notification_on_time_pct", "iha_on_time_pct", "rha_in_date_pct",
    "oc2_health_assessment_pct", "oc2_teeth_check_pct", "oc2_immunisations_pct",
    "request_on_time_pct", "report_on_time_pct", "iha_late_la_pct", "iha_late_health_pct",
    "iha_late_carer_pct",
)
AGENCIES = ("la", "health", "carer")  # R7 delay_agency, in the order of the measures


def membership(status: pl.DataFrame, period_start: date, period_end: date) -> pl.DataFrame:
    """One row per child: child_id and a column per measure, the child's numerator (Float64: 1/0,
    or working days for the mean) where the child is in the measure's denominator, else null.
    `status` has one row per child_id (as evaluate gives it).
    """
    in_p = pl.col("clock_start").is_between(period_start, period_end)
    ns, ihs, rs = pl.col("notification_status"), pl.col("iha_status"), pl.col("rha_status")
    rq, rp = pl.col("request_status"), pl.col("report_status")
    timed = ["on_time", "late", "missing"]
    cohort = pl.col("oc2_cohort").fill_null(False)
    active = pl.col("in_care").fill_null(False) & pl.col("clock_start").is_not_null()
    defs: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("notification_mean_wd", in_p & ns.is_in(["on_time", "late"]),
         pl.col("notification_wd").cast(pl.Float64)),
        ("notification_on_time_pct", in_p & ns.is_in(["on_time", "late", "missing"]),
         ns == "on_time"),
        ("iha_on_time_pct", in_p & ihs.is_in(["on_time", "late", "overdue"]), ihs == "on_time"),
        ("rha_in_date_pct", active & ~rs.is_in(["not_required", "declined"]),
         rs.is_in(["in_date", "due_soon"])),
        ("oc2_health_assessment_pct", cohort, pl.col("oc2_health_assessment")),
        ("oc2_teeth_check_pct", cohort, pl.col("oc2_teeth_check")),
        ("oc2_immunisations_pct", cohort, pl.col("oc2_immunisations")),
        ("request_on_time_pct", in_p & rq.is_in(timed), rq == "on_time"),
        ("report_on_time_pct", in_p & rp.is_in(timed), rp == "on_time"),
        *[(f"iha_late_{a}_pct", in_p & ihs.is_in(["late", "overdue"]),
           pl.col("delay_agency") == a) for a in AGENCIES],
    ]
    return status.select(
        "child_id",
        *[pl.when(den.fill_null(False)).then(num.cast(pl.Float64).fill_null(0.0)).alias(name)
          for name, den, num in defs])


def kpis(members: pl.DataFrame, source: str, period_start: date, period_end: date,
         as_of: date) -> pl.DataFrame:
    """kpis.csv rows for one source; a zero denominator gives a blank value."""
    out = pl.concat([members.select(measure=pl.lit(m), numerator=pl.col(m).sum(),
                                    denominator=pl.col(m).count().cast(pl.Int64))
                     for m in MEASURES])
    ratio = pl.col("numerator") / pl.col("denominator")
    value = pl.when(pl.col("denominator") == 0).then(None).when(
        pl.col("measure") == "notification_mean_wd").then(ratio).otherwise(ratio * 100)
    return out.select(
        "measure", source=pl.lit(source), numerator=pl.col("numerator").round(0).cast(pl.Int64),
        denominator="denominator", value=value.round(1),
        period_start=pl.lit(period_start), period_end=pl.lit(period_end), as_of=pl.lit(as_of),
    )


def differences(health: pl.DataFrame, case: pl.DataFrame) -> dict[str, list[str]]:
    """Per measure, the children counted differently by the two sources (sorted child_ids): in
    one denominator and not the other, or with another numerator. Each side has one row per
    child_id (`membership`)."""
    # one row per child_id, sorted once: each measure's children are a filter of it
    both = health.join(case, on="child_id", how="full", coalesce=True, suffix="_case").sort(
        "child_id")
    ids = both["child_id"]
    found = both.select(pl.col(m).ne_missing(pl.col(f"{m}_case")) for m in MEASURES)
    return {m: ids.filter(found[m]).to_list() for m in MEASURES}
