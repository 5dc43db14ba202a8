"""The IHA pathway on the named nurse's workbook (docs/rules.md §4 R7), pure polars: who is on
the Pathway sheet, and the Summary's labels of the pathway figures (`worklist_labels.MEASURES`)."""

from __future__ import annotations

from datetime import date

import polars as pl

# measure -> (plain-English label, what it counts), as worklist_labels.MEASURES
ON_TIME_LABELS: dict[str, tuple[str, str]] = {
    "request_on_time_pct": (
        "IHA requests received on time (%)",
        "Children who came into care in the period whose IHA request reached health within the "
        "target working days, of those requested or overdue.",
    ),
    "report_on_time_pct": (
        "IHA reports returned on time (%)",
        "IHAs of children who came into care in the period whose report was returned within the "
        "target working days, of those returned or overdue.",
    ),
}
AGENCY_LABELS: dict[str, tuple[str, str]] = {
    "iha_late_la_pct": (
        "Late IHAs held by the LA (%)",
        "Of the IHAs late or overdue (children who came into care in the period), those where "
        "the notification or the IHA request was late or missing.",
    ),
    "iha_late_health_pct": (
        "Late IHAs held by health (%)",
        "Of the IHAs late or overdue, those where the LA was on time and the child was brought: "
        "the booking or the clinic held it.",
    ),
    "iha_late_carer_pct": (
        "Late IHAs held by the carer (%)",
        "Of the IHAs late or overdue, those where the LA was on time and the child was not "
        "brought to an appointment.",
    ),
}
AGENCY_MEASURES = tuple(AGENCY_LABELS)


def pathway(children: pl.DataFrame, period_start: date | None,
            period_end: date | None) -> pl.DataFrame:
    """Every case child in care at as-of whose clock started in the period (either bound may
    be open; docs/rules.md §9.5: the nurse's sheets list children in care), with the IHA
    pathway's stages and `*_late` for each stage that was late or missing (docs/rules.md
    §4 R7); overdue IHAs first, then late, then due, then the rest, earliest clock first."""
    clock = pl.col("clock_start")
    in_p = (clock.is_not_null() & pl.col("in_care").fill_null(False)
            & (pl.col("match_status") != "health_only").fill_null(True)
            & (clock >= (period_start or date.min)) & (clock <= (period_end or date.max)))

    def late(col: str, bad: tuple[str, ...] = ("late", "missing")) -> pl.Expr:
        return pl.col(col).is_in(list(bad)).fill_null(False)

    rank = pl.col("iha_status").replace_strict({"overdue": 0, "late": 1, "due": 2}, default=3,
                                               return_dtype=pl.Int8)
    return (
        children.filter(in_p)
        .sort([rank, "clock_start", "child_id"], nulls_last=True)
        .select(
            "child_id", "nhs_number", "clock_start", "notification_date", "notification_wd",
            "notification_status", "request_date", "request_wd", "request_status",
            "appointment_date", "was_not_brought", "iha_due", "iha_date", "iha_status",
            "report_date", "report_wd", "report_status", "delay_agency",
            late("notification_status").alias("notification_late"),
            late("request_status").alias("request_late"),
            late("iha_status", ("late", "overdue")).alias("iha_late"),
            late("report_status").alias("report_late"),
            pl.col("delay_agency").is_not_null().alias("held"),
        )
    )
