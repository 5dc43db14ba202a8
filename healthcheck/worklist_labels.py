"""The Summary's words for each measure, and England's figures beside them (docs/rules.md
§8.5): shared by the nurse's sheets (`healthcheck.worklist`) and the workbook."""

from __future__ import annotations

from healthcheck.worklist_pathway import AGENCY_LABELS, ON_TIME_LABELS

# England figures for 2025, beside the local ones on the Summary and the Trend (docs/rules.md
# §8.5, §9.4).
ENGLAND_2025: dict[str, float] = {
    "oc2_health_assessment_pct": 90.0,
    "oc2_teeth_check_pct": 81.0,
    "development_assessment_pct": 88.0,
}

# measure -> (plain-English label, what it counts); the Summary lists them in this order.
MEASURES: dict[str, tuple[str, str]] = {
    "notification_on_time_pct": (
        "Health notified on time (%)",
        "Children who came into care in the period whose health team was notified within the "
        "target working days, of those notified or overdue.",
    ),
    "iha_on_time_pct": (
        "Initial health assessments on time (%)",
        "IHAs done by the due date, of those done or overdue, for children who came into care "
        "in the period.",
    ),
    "rha_in_date_pct": (
        "Review health assessments in date (%)",
        "Children in care whose review health assessment is in date or due soon, of those who "
        "need one (declined excluded).",
    ),
    **ON_TIME_LABELS,
    "oc2_health_assessment_pct": (
        "OC2: health assessment in last 12 months (%)",
        "Children looked after for 12 months or more with an IHA or RHA in the 12 months to "
        "the as-of date.",
    ),
    "oc2_teeth_check_pct": (
        "OC2: dental check in last 12 months (%)",
        "Children looked after for 12 months or more with a dental check in the 12 months to "
        "the as-of date.",
    ),
    "oc2_immunisations_pct": (
        "OC2: immunisations up to date (%)",
        "Children looked after for 12 months or more whose immunisations are up to date.",
    ),
    "development_assessment_pct": (
        "OC2: development assessment, under 5s (%)",
        "Children under 5 looked after for 12 months or more with an up-to-date development "
        "assessment. Not yet measured locally.",
    ),
    "oc2_year_end_health_assessment_done_pct": (
        "Year end: health assessment already done (%)",
        "Children forecast to be in the OC2 cohort at the year end with an IHA or RHA already "
        "done in its 12 months: the least the year-end figure can be (Year end sheet).",
    ),
    "oc2_year_end_teeth_check_done_pct": (
        "Year end: dental check already done (%)",
        "Children forecast to be in the OC2 cohort at the year end with a dental check already "
        "done in its 12 months: the least the year-end figure can be (Year end sheet).",
    ),
    **AGENCY_LABELS,
    "notification_mean_wd": (
        "Health notified: mean working days",
        "Mean working days from the clock start to the health team's notification, for "
        "children who came into care in the period and were notified.",
    ),
}
