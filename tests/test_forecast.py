"""The year-end forecast (docs/rules.md "Year-end forecast"), hand-worked.

As-of Mon 12 Jan 2026, year end Tue 31 Mar 2026: the cohort's period started on or before
31 Mar 2025; the OC2 year is 1 Apr 2025 .. 31 Mar 2026, of which 1 Apr 2025 .. 12 Jan 2026 is
behind us.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.forecast import default_year_end, forecast, forecast_kpis

AS_OF, YEAR_END = date(2026, 1, 12), date(2026, 3, 31)


def test_default_year_end_is_the_next_31_march() -> None:
    assert default_year_end(date(2026, 1, 12)) == date(2026, 3, 31)
    assert default_year_end(date(2026, 3, 31)) == date(2026, 3, 31)
    assert default_year_end(date(2026, 4, 1)) == date(2027, 3, 31)


def _episodes() -> pl.DataFrame:
    rows = [
        ("A", date(2024, 9, 2), None, "C2"),  # in the cohort
        ("B", date(2025, 3, 31), None, "C2"),  # starts on year end - 12 months: in
        ("C", date(2025, 4, 1), None, "C2"),  # one day later: not (forecast cohort, rules.md §4)
        ("D", date(2024, 5, 1), date(2025, 4, 1), "V3"),  # short break open on 1 Apr 2025
        ("D", date(2025, 4, 1), None, "C2"),
        ("E", date(2024, 5, 1), date(2025, 12, 1), "C2"),  # left care
    ]
    return pl.DataFrame([dict(row=i + 1, child_id=c, start_date=s, end_date=e, legal_status=ls,
                              rne="S" if i in (0, 1, 2, 3, 5) else None)
                         for i, (c, s, e, ls) in enumerate(rows)],
                        schema={"row": pl.Int64, "child_id": pl.String, "start_date": pl.Date,
                                "end_date": pl.Date, "legal_status": pl.String,
                                "rne": pl.String})


def _status() -> pl.DataFrame:
    return pl.DataFrame({
        "child_id": ["A", "B", "C", "D", "E"],
        "in_care": [True, True, True, True, False],
        "period_start": [date(2024, 9, 2), date(2025, 3, 31), date(2025, 4, 1),
                         date(2024, 5, 1), date(2024, 5, 1)],
        "rha_due": [date(2026, 2, 2), date(2026, 3, 1), None, None, None],
        "dental_due": [date(2026, 5, 1), date(2026, 1, 1), None, None, None],
        "immunisations_status": ["up_to_date", "unknown", "up_to_date", "up_to_date", None],
    })


def test_forecast_cohort_done_and_needs() -> None:
    kids = pl.DataFrame({"child_id": list("ABCDE"), "nhs_number": ["9434765919", *[None] * 4]})
    events = pl.DataFrame({
        "child_id": ["A", "A", "B", "B"],
        "event_type": ["rha", "dental", "health_assessment", "dental"],
        # A's RHA on the year's first day counts, its dental after as-of does not; B's
        # assessment the day before the year does not, its dental on as-of does.
        "event_date": [date(2025, 4, 1), date(2026, 1, 13), date(2025, 3, 31), AS_OF],
    })
    out = forecast(_episodes(), _status(), kids, events, AS_OF, YEAR_END)
    assert out.to_dicts() == [
        {"child_id": "A", "nhs_number": "9434765919", "health_assessment_done": True,
         "teeth_check_done": False, "immunisations_up_to_date": True,
         "rha_due": date(2026, 2, 2), "dental_due": date(2026, 5, 1), "needs": "teeth_check"},
        {"child_id": "B", "nhs_number": None, "health_assessment_done": False,
         "teeth_check_done": True, "immunisations_up_to_date": False,
         "rha_due": date(2026, 3, 1), "dental_due": date(2026, 1, 1),
         "needs": "health_assessment;immunisations"},
    ]
    k = forecast_kpis(out, "health", AS_OF, YEAR_END)
    assert [(r["measure"], r["numerator"], r["denominator"], r["value"], r["period_start"],
             r["period_end"]) for r in k.to_dicts()] == [
        ("oc2_year_end_health_assessment_done_pct", 1, 2, 50.0, date(2025, 4, 1), YEAR_END),
        ("oc2_year_end_teeth_check_done_pct", 1, 2, 50.0, date(2025, 4, 1), YEAR_END)]


def test_no_forecast_at_or_after_the_year_end() -> None:
    kids = pl.DataFrame({"child_id": ["A"], "nhs_number": [None]}, schema={
        "child_id": pl.String, "nhs_number": pl.String})
    events = pl.DataFrame(schema={"child_id": pl.String, "event_type": pl.String,
                                  "event_date": pl.Date})
    assert forecast(_episodes(), _status(), kids, events, YEAR_END, YEAR_END).height == 0
