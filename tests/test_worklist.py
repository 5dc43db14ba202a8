"""Who goes on each of the nurse's sheets (healthcheck/worklist.py), worked by hand on
in-memory frames; no Excel.

As-of is Tue 31 Mar 2026, a month end; the 28-day horizon ends Tue 28 Apr 2026 (over Easter:
Good Friday 3 Apr and Easter Monday 6 Apr do not move it, the horizon is in calendar days).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from healthcheck.forecast import FORECAST_SCHEMA
from healthcheck.schema import CHILDREN_SCHEMA, DISAGREEMENT_SCHEMA, FLAG_SCHEMA, KPI_SCHEMA
from healthcheck.worklist import (
    counts,
    data_quality,
    disagreement_sheet,
    due_soon,
    figures,
    not_known,
    overdue,
    pathway,
    period,
    worklist,
    year_end_sheet,
)

AS_OF = date(2026, 3, 31)


def children(*rows: dict[str, object]) -> pl.DataFrame:
    base: dict[str, object] = {"match_status": "matched", "in_care": True}
    return pl.DataFrame([{**dict.fromkeys(CHILDREN_SCHEMA), **base, **r} for r in rows],
                        schema=CHILDREN_SCHEMA)


def flag(rule: str, severity: str, row: int) -> dict[str, object]:
    return {**dict.fromkeys(FLAG_SCHEMA), "rule": rule, "severity": severity, "row": row}


def test_overdue_most_days_first_out_of_care_left_out() -> None:
    kids = children(
        # IHA due Mon 2 Mar 2026: 29 days overdue on 31 Mar.
        {"child_id": "C1", "nhs_number": "9434765919", "iha_status": "overdue",
         "iha_due": date(2026, 3, 2), "clock_start": date(2026, 1, 30)},
        # RHA due 30 Mar 2025: a year (365 days) and a day; dental due Fri 30 Jan: 60 days.
        {"child_id": "C2", "rha_status": "overdue", "rha_due": date(2025, 3, 30),
         "last_assessment": date(2024, 3, 30), "dental_status": "overdue",
         "dental_due": date(2026, 1, 30), "dental_last": date(2025, 1, 30),
         "match_status": "case_only"},
        # Same 29 days as C1: the child ids break the tie.
        {"child_id": "C0", "dental_status": "overdue", "dental_due": date(2026, 3, 2)},
        # Left care, or care status unknown: not the nurse's to chase.
        {"child_id": "C3", "in_care": False, "iha_status": "overdue",
         "iha_due": date(2025, 12, 31)},
        {"child_id": "C4", "in_care": None, "rha_status": "overdue",
         "rha_due": date(2025, 12, 31)},
        # Due, not overdue.
        {"child_id": "C5", "rha_status": "due_soon", "rha_due": date(2026, 4, 1)},
    )
    got = overdue(kids, AS_OF)
    assert got.select("child_id", "check", "days", "known").rows() == [
        ("C2", "RHA", 366, False), ("C2", "Dental", 60, False), ("C0", "Dental", 29, True),
        ("C1", "IHA", 29, True)]
    assert got.columns == ["child_id", "nhs_number", "check", "due", "days", "clock_start",
                           "last", "known", "missing"]
    assert got.row(0, named=True)["last"] == date(2024, 3, 30)
    assert got.row(1, named=True)["last"] == date(2025, 1, 30)  # dental: its own last date
    assert got.row(3, named=True)["nhs_number"] == "9434765919"


def test_due_soon_within_horizon_soonest_first() -> None:
    kids = children(
        # IHA still due: on the horizon's last day (Tue 28 Apr) is in, the day after is out.
        {"child_id": "A", "iha_status": "due", "iha_due": date(2026, 4, 28)},
        {"child_id": "B", "iha_status": "due", "iha_due": date(2026, 4, 29)},
        # RHA and dental: the rules' own due_soon (the rule applied the horizon).
        {"child_id": "C", "rha_status": "due_soon", "rha_due": date(2026, 4, 7),
         "dental_status": "due_soon", "dental_due": date(2026, 3, 31)},
        {"child_id": "D", "iha_status": "due", "iha_due": date(2026, 4, 7)},
        # Not in care: left out.
        {"child_id": "E", "in_care": False, "rha_status": "due_soon",
         "rha_due": date(2026, 4, 1)},
    )
    got = due_soon(kids, AS_OF, 28)
    assert got.select("child_id", "check", "due", "days").rows() == [
        ("C", "Dental", date(2026, 3, 31), 0),
        ("C", "RHA", date(2026, 4, 7), 7),
        ("D", "IHA", date(2026, 4, 7), 7),
        ("A", "IHA", date(2026, 4, 28), 28),
    ]
    # A horizon of 0 keeps only what falls due today; the rules' due_soon rows stay.
    assert due_soon(kids, AS_OF, 0)["check"].to_list() == ["Dental", "RHA"]


def test_not_known_to_health_and_why() -> None:
    kids = children(
        {"child_id": "K1", "match_status": "case_only", "clock_start": date(2026, 3, 27),
         "notification_status": "missing"},
        {"child_id": "K2", "match_status": "case_only", "clock_start": date(2025, 8, 31),
         "notification_status": "on_time"},
        # Notification missing but out of care: not listed (docs/rules.md §9.5 "Acting on the
        # lists").
        {"child_id": "K3", "clock_start": date(2025, 2, 28), "notification_status": "missing",
         "in_care": False},
        # Case only but out of care: not listed; matched and notified: not listed.
        {"child_id": "K4", "match_status": "case_only", "in_care": False},
        {"child_id": "K5", "notification_status": "late"},
        # A health-only patient: no child id, nothing known about care.
        {"child_id": None, "match_status": "health_only", "in_care": None},
    )
    got = not_known(kids, AS_OF)
    assert got.select("child_id", "reason", "days", "known").rows() == [
        ("K2", "No record in the health extract", 212, False),
        ("K1", "No record in the health extract; Health team not notified (past the target "
               "day)", 4, False),
    ]


def test_disagreements_labelled_and_ordered() -> None:
    dis = pl.DataFrame([
        {"child_id": "B", "event_type": "rha", "health_date": date(2024, 3, 30),
         "case_date": date(2024, 4, 1), "rule": "DATE_MISMATCH"},
        {"child_id": "A", "event_type": "dental", "health_date": None,
         "case_date": date(2025, 2, 28), "rule": "EVENT_MISSING_IN_HEALTH"},
        {"child_id": "A", "event_type": "immunisation", "health_date": date(2024, 2, 29),
         "case_date": None, "rule": "EVENT_MISSING_IN_CASE"},
    ], schema=DISAGREEMENT_SCHEMA)
    got = disagreement_sheet(dis)
    assert got.select("child_id", "check", "days").rows() == [
        ("A", "Dental", None), ("A", "immunisation", None), ("B", "RHA", -2)]


def test_data_quality_leaves_out_disagreements_errors_first() -> None:
    flags = pl.DataFrame([
        flag("HEALTH_ONLY", "warning", 1), flag("DATE_MISMATCH", "warning", 2),
        flag("DATE_UNPARSEABLE", "error", 3), flag("MATCHED_ON_DEMOGRAPHICS", "info", 4),
        flag("NHS_NUMBER_INVALID", "error", 5), flag("EVENT_MISSING_IN_CASE", "warning", 6),
        flag("CASE_ONLY", "warning", 7),
    ], schema=FLAG_SCHEMA)
    got = data_quality(flags)
    assert got.columns == list(FLAG_SCHEMA)
    assert got["row"].to_list() == [3, 5, 1, 7, 4]  # in flags.csv's order within a severity


def test_worklist_counts() -> None:
    kids = children(
        {"child_id": "C1", "iha_status": "overdue", "iha_due": date(2026, 3, 2),
         "oc2_cohort": False},
        {"child_id": "C2", "rha_status": "overdue", "rha_due": date(2025, 3, 30),
         "dental_status": "due_soon", "dental_due": date(2026, 4, 1), "oc2_cohort": True,
         "match_status": "case_only"},
        {"child_id": "C3", "in_care": False, "oc2_cohort": True},
    )
    flags = pl.DataFrame([flag("DATE_UNPARSEABLE", "error", 1),
                          flag("DATE_MISMATCH", "error", 2), flag("CASE_ONLY", "warning", 3)],
                         schema=FLAG_SCHEMA)
    wl = worklist(children=kids, flags=flags, as_of=AS_OF, horizon_days=14,
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA))
    got = {label: (n, tone, sheet) for label, n, tone, sheet in wl.counts.rows()}
    assert got["Children in care"] == (2, None, None)
    assert got["  of whom in care 12 months or more (OC2 cohort)"][0] == 1
    assert got["Initial health assessments overdue"] == (1, "overdue", "Overdue")
    assert got["Review health assessments overdue"][0] == 1
    assert got["Dental checks due in the next 14 days"] == (1, "due_soon", "Due soon")
    assert got["Not known to health"] == (1, None, "Not known to health")
    assert got["Data-quality flags: errors"][0] == 1  # DATE_MISMATCH is a disagreement
    assert got["Where health and case records disagree"][0] == 0
    assert got["Came into care in the period, in care now (IHA pathway)"] == (0, None, "Pathway")
    assert list(got) == wl.counts["label"].to_list() and wl.counts.height == 18
    assert counts(kids.clear(), overdue=wl.overdue.clear(), due_soon=wl.due_soon.clear(),
                  pathway=wl.pathway.clear(),
                  not_known=wl.not_known.clear(), disagreements=wl.disagreements,
                  data_quality=wl.data_quality.clear(), horizon_days=28)["number"].sum() == 0


def test_missing_doses_on_overdue_and_due_soon_and_counted() -> None:
    """docs/rules.md §4 R5 extended: a child in care whose vaccine records miss doses is on
    Overdue with the doses (after the dated checks); every check row shows the child's
    missing doses; the Summary counts the children decided from records and from a Y/N."""
    kids = children(
        {"child_id": "V1", "immunisations_status": "not_up_to_date",
         "immunisations_basis": "vaccines", "immunisations_missing": "dtp 4; mmr 2",
         "rha_status": "due_soon", "rha_due": date(2026, 4, 7), "clock_start": date(2024, 5, 1)},
        {"child_id": "V0", "immunisations_status": "not_up_to_date",
         "immunisations_basis": "vaccines", "immunisations_missing": "hpv 1",
         "dental_status": "overdue", "dental_due": date(2026, 3, 2)},
        {"child_id": "V2", "immunisations_status": "up_to_date",
         "immunisations_basis": "vaccines"},
        # a Y/N of N: no doses known, not listed
        {"child_id": "S1", "immunisations_status": "not_up_to_date",
         "immunisations_basis": "status"},
        {"child_id": "S2", "immunisations_status": "up_to_date", "immunisations_basis": "status"},
        # left care: not the nurse's to chase, not counted
        {"child_id": "X1", "in_care": False, "immunisations_status": "not_up_to_date",
         "immunisations_basis": "vaccines", "immunisations_missing": "dtp 4"},
        {"child_id": "U1", "immunisations_status": "unknown"},
    )
    over = overdue(kids, AS_OF)
    assert over.select("child_id", "check", "due", "days", "missing").rows() == [
        ("V0", "Dental", date(2026, 3, 2), 29, "hpv 1"),
        ("V0", "Immunisations", None, None, "hpv 1"),
        ("V1", "Immunisations", None, None, "dtp 4; mmr 2"),
    ]
    assert over.row(2, named=True)["clock_start"] == date(2024, 5, 1)
    assert due_soon(kids, AS_OF, 28).select("child_id", "check", "missing").rows() == [
        ("V1", "RHA", "dtp 4; mmr 2")]
    wl = worklist(children=kids, flags=pl.DataFrame(schema=FLAG_SCHEMA), as_of=AS_OF,
                  horizon_days=28, disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA))
    got = {label: (n, tone, sheet) for label, n, tone, sheet in wl.counts.rows()}
    assert got["Immunisations decided from vaccine records"] == (3, None, None)
    assert got["  of whom with doses missing"] == (2, "overdue", "Overdue")
    assert got["Immunisations decided from a Y/N status"] == (2, None, None)
    assert got["Dental checks overdue"][0] == 1


def test_worklist_missing_column_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="children frame lacks column"):
        worklist(children=children().drop("iha_due"), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                 disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                 horizon_days=28)


def test_worklist_casts_iso_text_dates() -> None:
    kids = children({"child_id": "C1", "iha_status": "overdue"}).with_columns(
        pl.lit("2026-03-02").alias("iha_due"))
    wl = worklist(children=kids, flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28)
    assert wl.overdue.select("due", "days").row(0) == (date(2026, 3, 2), 29)


def kpi(measure: str, source: str, n: int | None, d: int | None,
        v: float | None) -> dict[str, object]:
    return {"measure": measure, "source": source, "numerator": n, "denominator": d, "value": v,
            "period_start": date(2025, 4, 1), "period_end": AS_OF, "as_of": AS_OF}


def test_figures_side_by_side_percentages_first() -> None:
    kpis = pl.DataFrame([
        kpi("notification_mean_wd", "health", 12, 3, 4.0),
        kpi("notification_mean_wd", "case", 9, 3, 3.0),
        kpi("oc2_teeth_check_pct", "health", 7, 10, 70.0),
        kpi("oc2_teeth_check_pct", "case", 6, 9, 66.7),
        kpi("iha_on_time_pct", "health", None, 0, None),
        kpi("iha_on_time_pct", "case", 0, 0, None),
        kpi("local_pct", "health", 1, 2, 50.0),  # not a known measure: after the known ones
    ], schema=KPI_SCHEMA)
    got = figures(kpis, {"oc2_teeth_check_pct": 81.0, "development_assessment_pct": 88.0})
    assert got.select("measure", "health", "case", "difference", "england", "health_count",
                      "case_count").rows() == [
        ("iha_on_time_pct", None, None, None, None, "0 of 0", "0 of 0"),
        ("oc2_teeth_check_pct", 70.0, 66.7, 3.3, 81.0, "7 of 10", "6 of 9"),
        ("development_assessment_pct", None, None, None, 88.0, None, None),
        ("local_pct", 50.0, None, None, None, "1 of 2", None),
        ("notification_mean_wd", 4.0, 3.0, 1.0, None, "n = 3", "n = 3"),
    ]
    assert got["pct"].to_list() == [True, True, True, True, False]
    assert got["label"][1] == "OC2: dental check in last 12 months (%)"
    assert got["label"][3] == "local_pct" and got["what"][3] is None
    assert period(kpis) == (date(2025, 4, 1), AS_OF)
    assert period(kpis.clear()) == (None, None)
    assert figures(kpis.clear(), {}).height == 0


def _forecast(*rows: tuple[str, str | None, bool, bool, bool, date | None, date | None]
              ) -> pl.DataFrame:
    cols = ["child_id", "needs", "health_assessment_done", "teeth_check_done",
            "immunisations_up_to_date", "rha_due", "dental_due"]
    return pl.DataFrame([dict(zip(cols, r, strict=True)) | {"nhs_number": None} for r in rows],
                        schema=FORECAST_SCHEMA)


def test_year_end_sheet_in_care_still_needed_earliest_due_then_most_needs() -> None:
    year_end = date(2027, 3, 31)
    fc = _forecast(
        # RHA due Mon 4 May 2026 (a bank holiday), dental Thu 30 Apr: the earlier, 30 days on.
        ("A", "health_assessment;teeth_check", False, False, True, date(2026, 5, 4),
         date(2026, 4, 30)),
        # Same due day, one need: after A.
        ("B", "teeth_check", True, False, True, date(2026, 4, 1), date(2026, 4, 30)),
        # Only immunisations: the RHA is done, so its due date (tomorrow) is not the child's.
        ("C", "immunisations", True, True, False, date(2026, 4, 1), date(2026, 6, 1)),
        # RHA overdue since Sat 28 Feb 2026: 31 days ago, first.
        ("D", "health_assessment", False, True, True, date(2026, 2, 28), date(2026, 9, 1)),
        ("E", None, True, True, True, date(2026, 5, 1), date(2026, 5, 1)),  # nothing needed
        ("F", "teeth_check", True, False, True, None, date(2026, 4, 2)),  # left care
        # A health assessment with no RHA date: no due date, after C by child id.
        ("G", "health_assessment", False, True, True, None, None),
    )
    kids = children(*({"child_id": c} for c in "ABCDEG"), {"child_id": "F", "in_care": False})
    got = year_end_sheet(fc, kids, AS_OF)
    assert got.select("child_id", "due", "days", "need_count", "needs").rows() == [
        ("D", date(2026, 2, 28), -31, 1, "Health assessment"),
        ("A", date(2026, 4, 30), 30, 2, "Health assessment; Dental check"),
        ("B", date(2026, 4, 30), 30, 1, "Dental check"),
        ("C", None, None, 1, "Immunisations"),
        ("G", None, None, 1, "Health assessment")]
    names = pl.DataFrame({"child_id": ["A"], "forename": ["Ann"], "surname": ["Lee"]})
    wl = worklist(children=kids, flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28, names=names, forecast=fc, year_end=year_end)
    assert wl.year_end is not None
    assert wl.year_end.columns[:5] == ["child_id", "nhs_number", "forename", "surname", "needs"]
    assert wl.year_end.row(1, named=True)["forename"] == "Ann"
    assert wl.counts.row(-1) == ("To be seen by 31/03/2027 for the year-end OC2 figures", 5,
                                 "due_soon", "Year end")
    # as-of on the year end itself (31 Mar 2026): no sheet, and the Summary says why
    wl = worklist(children=kids, flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28, forecast=fc, year_end=AS_OF)
    assert wl.year_end is None
    assert wl.counts.row(-1)[1:] == (None, None, None)
    assert "on or after the year end" in wl.counts.row(-1)[0]


def test_pathway_children_of_the_period_late_stages_marked() -> None:
    # Period 1 Apr 2025 .. 31 Mar 2026. P1: IHA overdue (request missing: held by the LA);
    # P2: IHA late, report late, the child not brought (carer); P3: all on time; P4: clock the
    # day before the period; P5: no clock; P6: a health-only row; P7, P8: not in care at as-of.
    kids = children(
        {"child_id": "P3", "clock_start": date(2025, 4, 1), "iha_status": "on_time",
         "notification_status": "on_time", "request_status": "on_time",
         "report_status": "on_time"},
        {"child_id": "P2", "clock_start": date(2025, 12, 19), "iha_status": "late",
         "notification_status": "on_time", "request_status": "on_time",
         "report_status": "late", "was_not_brought": 1, "delay_agency": "carer"},
        {"child_id": "P1", "clock_start": date(2026, 1, 5), "iha_status": "overdue",
         "notification_status": "on_time", "request_status": "missing",
         "report_status": "not_required", "delay_agency": "la"},
        {"child_id": "P4", "clock_start": date(2025, 3, 31), "iha_status": "overdue"},
        {"child_id": "P5", "iha_status": "not_required"},
        {"child_id": None, "match_status": "health_only", "clock_start": date(2025, 6, 1)},
        # came into care in the period and left (or care unknown): not the nurse's to chase
        {"child_id": "P7", "clock_start": date(2025, 6, 2), "iha_status": "overdue",
         "in_care": False},
        {"child_id": "P8", "clock_start": date(2025, 6, 2), "iha_status": "overdue",
         "in_care": None},
    )
    got = pathway(kids, date(2025, 4, 1), AS_OF)
    assert got.select("child_id", "notification_late", "request_late", "iha_late",
                      "report_late", "held", "delay_agency").rows() == [
        ("P1", False, True, True, False, True, "la"),
        ("P2", False, False, True, True, True, "carer"),
        ("P3", False, False, False, False, False, None),
    ]
    # overdue first, earliest clock first among them
    assert pathway(kids, None, None)["child_id"].to_list() == ["P4", "P1", "P2", "P3"]
    wl = worklist(children=kids, flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28, period_start=date(2025, 4, 1), period_end=AS_OF,
                  names=pl.DataFrame({"child_id": ["P2"], "forename": ["Ann"],
                                      "surname": ["Lee"]}))
    assert wl.pathway.columns[:4] == ["child_id", "nhs_number", "forename", "surname"]
    assert wl.pathway.filter(pl.col("child_id") == "P2")["surname"].to_list() == ["Lee"]
    got_counts = {label: n for label, n, _, _ in wl.counts.rows()}
    assert got_counts["Came into care in the period, in care now (IHA pathway)"] == 3
    assert got_counts["  of whom IHA late or overdue"] == 2


def test_figures_agency_shares_last_of_the_percentages() -> None:
    kpis = pl.DataFrame([
        kpi("iha_late_carer_pct", "health", 1, 4, 25.0),
        kpi("iha_late_la_pct", "health", 2, 4, 50.0),
        kpi("request_on_time_pct", "health", 3, 4, 75.0),
        kpi("iha_on_time_pct", "health", 1, 2, 50.0),
        kpi("notification_mean_wd", "health", 12, 3, 4.0),
    ], schema=KPI_SCHEMA)
    got = figures(kpis, {})
    assert got.select("measure", "pct", "agency").rows() == [
        ("iha_on_time_pct", True, False), ("request_on_time_pct", True, False),
        ("iha_late_la_pct", True, True), ("iha_late_carer_pct", True, True),
        ("notification_mean_wd", False, False)]
    assert got["label"][2] == "Late IHAs held by the LA (%)"
