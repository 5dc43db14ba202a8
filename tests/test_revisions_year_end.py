"""revisions.csv's year-end floor and return rows, hand-worked (docs/rules.md §9.3): each
earlier run's figures recomputed at its as-of, with its year end, as a reconcile there would.

Week 1 as-of Tue 24 Mar 2026, week 2 Tue 31 Mar 2026; the year end 31 Mar 2026 (its year from
Tue 1 Apr 2025). Every child born 1 Jun 2015; clocks on Mondays.
- P: clock Mon 6 Jan 2025 (forecast cohort: period start on or before 31 Mar 2025). Dental Mon
  10 Mar 2025, before the year: no teeth check in it at week 1. In week 2 the trust enters a
  dental check of Fri 20 Mar 2026 on Fri 27 Mar: at 24 Mar it is done.
- Q: clock Mon 6 Jan 2025, dental Thu 2 Oct 2025: done in both.
- S: clock Mon 6 Jan 2025, dental Wed 25 Mar 2026 entered that day (week 2): after 24 Mar, so
  not done at week 1's as-of in either.
- R: clock Mon 2 Feb 2026: not in the forecast cohort.
Teeth-check floor at 24 Mar: then Q of P, Q, S = 1/3 = 33.3; now P and Q = 2/3 = 66.7,
difference 33.4, children P. Health assessment floor: none in the year, 0/3 = 0.0 both.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from healthcheck.history import runs
from healthcheck.reconcile import reconcile
from healthcheck.revisions import revisions
from healthcheck.week import keep_run, nurse_week
from tests.helpers import extract_mem

NHS = {"P": "9434765900", "Q": "9434765919", "R": "9434765927", "S": "9434765935"}
DOB = date(2015, 6, 1)
START = {"P": date(2025, 1, 6), "Q": date(2025, 1, 6), "R": date(2026, 2, 2),
         "S": date(2025, 1, 6)}
WEEK1, WEEK2 = date(2026, 3, 24), date(2026, 3, 31)
YEAR = (date(2025, 4, 1), date(2026, 3, 31))
EVENTS = [("P", "dental", date(2025, 3, 10), date(2025, 3, 10)),
          ("Q", "dental", date(2025, 10, 2), date(2025, 10, 2))]
IN_THE_WEEK = [("P", "dental", date(2026, 3, 20), date(2026, 3, 27)),
               ("S", "dental", date(2026, 3, 25), date(2026, 3, 25))]
FLOOR = ["oc2_year_end_health_assessment_done_pct", "oc2_year_end_teeth_check_done_pct"]


def _case(oc2: list[tuple[str, int, int, int]] | None = None):  # type: ignore[no-untyped-def]
    case = extract_mem("case", {
        "children": [{"child_id": k, "nhs_number": n, "forename": "F", "surname": k,
                      "dob": DOB} for k, n in NHS.items()],
        "episodes": [{"child_id": k, "start_date": s, "legal_status": "C2", "rne": "S"}
                     for k, s in START.items()]})
    if oc2 is not None:  # a 903 return's OC2 table, as ingest types it
        cols = ("health_assessment", "teeth_check", "immunisations")
        case.extra["oc2"] = pl.DataFrame(
            [(i + 1, k, *v, *(str(x) for x in v)) for i, (k, *v) in enumerate(oc2)],
            schema={"row": pl.Int64, "child_id": pl.String, **dict.fromkeys(cols, pl.Int8),
                    **{f"{c}_text": pl.String for c in cols}}, orient="row")
        case.files["oc2"] = "case/OC2.csv"
    return case


def _health(events: list[tuple[str, str, date, date]]):  # type: ignore[no-untyped-def]
    return extract_mem("health", {
        "patients": [{"nhs_number": n, "trust_id": f"T{k}", "forename": "F", "surname": k,
                      "dob": DOB} for k, n in NHS.items()],
        "events": [{"nhs_number": NHS[k], "event_type": t, "event_date": d,
                    "recorded_date": r} for k, t, d, r in events]})


def test_late_dental_check_moves_the_earlier_runs_teeth_floor(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    week1 = reconcile(_case(), _health(EVENTS), as_of=WEEK1)
    assert week1.kpis.filter(pl.col("measure").is_in(FLOOR))["value"].to_list() == [0.0, 33.3]
    keep_run(hist, week1)
    week2 = reconcile(_case(), _health(EVENTS + IN_THE_WEEK), as_of=WEEK2)
    assert week2.prepared is not None
    for rev in (revisions(runs(hist), week2.prepared, WEEK2),  # alone, and in the week
                nurse_week(week2, hist, runs(hist), {}).revisions):
        floor = rev.filter(pl.col("measure").is_in(FLOOR))
        assert floor.select("measure", "source", "as_of", "period_start", "period_end",
                            "reported", "now", "difference", "children").rows() == [
            (FLOOR[0], "health", WEEK1, *YEAR, 0.0, 0.0, 0.0, None),
            (FLOOR[1], "health", WEEK1, *YEAR, 33.3, 66.7, 33.4, "P")]
        # after the health figures of the run's own period, before the case's
        assert rev["source"].to_list() == ["health"] * 14 + ["case"] * 12
        assert rev["measure"].to_list()[12:14] == FLOOR
    # the same as a reconcile of week 2's extracts at week 1's as-of and year end
    direct = reconcile(_case(), _health(EVENTS + IN_THE_WEEK), as_of=WEEK1)
    assert direct.kpis.filter(pl.col("measure").is_in(FLOOR))["value"].to_list() == [0.0, 66.7]


def test_return_row_revised_from_todays_return(tmp_path: Path) -> None:
    # Week 1's return: teeth checks P 0, Q 1, S 0 = 1/3; week 2's: P's corrected to 1 = 2/3.
    hist = tmp_path / "hist"
    week1 = reconcile(_case([("P", 1, 0, 1), ("Q", 1, 1, 1), ("S", 0, 0, 1)]),
                      _health(EVENTS), as_of=WEEK1)
    keep_run(hist, week1)
    week2 = reconcile(_case([("P", 1, 1, 1), ("Q", 1, 1, 1), ("S", 0, 0, 1)]),
                      _health(EVENTS), as_of=WEEK2)
    assert week2.prepared is not None
    rev = revisions(runs(hist), week2.prepared, WEEK2)
    ret = rev.filter(pl.col("source") == "return")
    assert ret.select("measure", "as_of", "period_start", "period_end", "reported", "now",
                      "difference", "children").rows() == [
        ("oc2_health_assessment_pct", WEEK1, date(2025, 3, 25), WEEK1, 66.7, 66.7, 0.0, None),
        ("oc2_teeth_check_pct", WEEK1, date(2025, 3, 25), WEEK1, 33.3, 66.7, 33.4, "P"),
        ("oc2_immunisations_pct", WEEK1, date(2025, 3, 25), WEEK1, 100.0, 100.0, 0.0, None)]
    assert rev["source"].to_list()[-3:] == ["return"] * 3  # after health and case
