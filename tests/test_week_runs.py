"""Two weekly runs into one history, hand-worked end to end (docs/rules.md §9.2, §9.3): every
change row and every revised figure, through the library function and through the command.

Week 1 as-of Tue 24 Mar 2026, week 2 Tue 31 Mar 2026; every child born 1 Jun 2015 (10, so
12-monthly reviews); clock starts are Mondays. Working days (docs/rules.md §2):
- Mon 2 Feb 2026 + 20 = Mon 2 Mar (IHA due); + 40 = Mon 30 Mar (first dental due).
- Mon 1 Sep 2025 + 20 = Mon 29 Sep; + 40 = Mon 27 Oct 2025.
- Mon 6 Jan 2025 + 20 = Mon 3 Feb 2025; + 40 = Mon 3 Mar 2025.

The children, and what the week brings:
- A, clock 2 Feb 2026, notified Tue 3 Feb (1 wd). Week 1: no IHA (overdue), so no review
  (none_recorded); dental due 30 Mar, within 28 days (due_soon). In the week the trust enters
  A's IHA of Fri 27 Feb (on time) on Mon 30 Mar, 31 days on (EVENT_RECORDED_LATE): IHA done,
  review due 27 Feb 2027 (done); dental now past due (newly_overdue).
- B, clock 1 Sep 2025, notified 2 Sep, IHA 26 Sep (on time, up to date Y), dental 10 Oct 2025.
  Leaves care Fri 27 Mar: review and dental become not_required.
- C comes into care on Wed 25 Mar; the trust has not heard yet.
- D, clock 6 Jan 2025: the trust's record had NHS 9434765953 (two digits swapped: invalid) and
  the surname Dee, so D was case_only and the record health_only; its IHA of 20 Jan 2025 (on
  time by 3 Feb) was the trust's. The trust corrects the NHS number: D is known to health, the
  IHA is on time (done), the review due 20 Jan 2026 is overdue (from none_recorded).
- E, clock 6 Jan 2025, IHA 20 Jan 2025 (Y), review Fri 25 Apr 2025 due 25 Apr 2026: in date at
  24 Mar (horizon 21 Apr), due soon at 31 Mar (horizon 28 Apr); dental 10 Mar 2025, due 10
  Mar 2026 (overdue), done Thu 26 Mar, entered the same day.
- F, clock 6 Jan 2025, IHA 20 Jan 2025, review 15 Jan 2026, dental 3 Feb 2025 (due 3 Feb
  2026, overdue). A dental check of Mon 2 Mar 2026 entered Wed 25 Mar (23 days: not flagged).

Figures as reported on 24 Mar (period 25 Mar 2025 - 24 Mar 2026) and recomputed on week 2's
extracts: IHA on time over A and B (clocks in the period): 1 of 2 = 50.0 -> 2 of 2 = 100.0 (A).
Reviews in date over the children in care with a clock (A, B, D, E, F): 3 of 5 = 60.0 -> 4 of 5
= 80.0 (A; D stays in the denominator, out of the numerator). OC2 cohort (in care since on or
before 25 Mar 2025): D, E, F. Teeth checks in the 12 months: none = 0.0 -> F's = 33.3 (F).
Health assessments (E's and F's reviews) 66.7 and immunisations (E) 33.3 do not move; D's IHA
of Jan 2025 is before the 12 months. The IHA pathway (§4 R7): reports on time over the IHAs
done, 0 of 1 (B's, no report) -> 0 of 2 (A joins the denominator, the figure stays 0.0); who
held the late or overdue IHAs, A's with no request: the LA 100.0 -> no late IHA left, blank.
The case system has no health events: its figures stay.

The year-end floor (year end 31 Mar 2026, its year from 1 Apr 2025; docs/rules.md §9.3): the
forecast cohort at 24 Mar (in care, period start on or before 31 Mar 2025) is D, E, F. Health
assessments in the year by 24 Mar: E's review of 25 Apr 2025 and F's of 15 Jan 2026 (D's IHA of
Jan 2025 is before it), 2 of 3 = 66.7 then and now. Dental checks: E's and F's are before 1 Apr
2025, 0 of 3 = 0.0; now F's of 2 Mar 2026 (entered 25 Mar) counts, 1 of 3 = 33.3 (F); E's of
26 Mar is after the as-of. The same figures as a direct reconcile of week 2's extracts at 24 Mar.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck.cli import app
from healthcheck.pipeline import run_reconcile
from tests.helpers import write_extract

NHS = {"A": "9434765900", "B": "9434765919", "C": "9434765927", "D": "9434765935",
       "E": "9434765943", "F": "9434765951"}
D_TYPO = "9434765953"
DOB = date(2015, 6, 1)
START = {"A": date(2026, 2, 2), "B": date(2025, 9, 1), "C": date(2026, 3, 25),
         "D": date(2025, 1, 6), "E": date(2025, 1, 6), "F": date(2025, 1, 6)}
AS_OF = {1: date(2026, 3, 24), 2: date(2026, 3, 31)}
EVENTS = [  # (child, type, date, detail); recorded on the day
    ("A", "notification_received", date(2026, 2, 3), None),
    ("B", "notification_received", date(2025, 9, 2), None),
    ("B", "iha", date(2025, 9, 26), None),
    ("B", "immunisations_up_to_date", date(2025, 9, 26), "Y"),
    ("B", "dental", date(2025, 10, 10), None),
    ("D", "iha", date(2025, 1, 20), None),
    ("E", "notification_received", date(2025, 1, 7), None),
    ("E", "iha", date(2025, 1, 20), None),
    ("E", "immunisations_up_to_date", date(2025, 1, 20), "Y"),
    ("E", "rha", date(2025, 4, 25), None),
    ("E", "dental", date(2025, 3, 10), None),
    ("F", "notification_received", date(2025, 1, 7), None),
    ("F", "iha", date(2025, 1, 20), None),
    ("F", "rha", date(2026, 1, 15), None),
    ("F", "dental", date(2025, 2, 3), None),
]
IN_THE_WEEK = [  # (child, type, date, recorded)
    ("A", "iha", date(2026, 2, 27), date(2026, 3, 30)),
    ("E", "dental", date(2026, 3, 26), date(2026, 3, 26)),
    ("F", "dental", date(2026, 3, 2), date(2026, 3, 25)),
]


def extracts(tmp: Path, week: int) -> tuple[Path, Path]:
    kids = ["A", "B", "D", "E", "F"] + (["C"] if week == 2 else [])
    case = {
        "children": [{"child_id": k, "nhs_number": NHS[k], "forename": f"F{k}",
                      "surname": f"S{k}", "dob": DOB} for k in kids],
        "episodes": [{"child_id": k, "start_date": START[k], "legal_status": "C2", "rne": "S",
                      "end_date": date(2026, 3, 27) if (k, week) == ("B", 2) else None}
                     for k in kids],
    }
    patients = [{"nhs_number": NHS[k], "trust_id": f"T{k}", "forename": f"F{k}",
                 "surname": f"S{k}", "dob": DOB} for k in "ABEF"]
    patients.append({"nhs_number": D_TYPO if week == 1 else NHS["D"], "trust_id": "TD",
                     "forename": "FD", "surname": "Dee", "dob": DOB})
    events = [(k, t, d, x, d) for k, t, d, x in EVENTS]
    if week == 2:
        events += [(k, t, d, None, r) for k, t, d, r in IN_THE_WEEK]
    health = {"patients": patients,
              "events": [{"nhs_number": None if k == "D" else NHS[k], "trust_id": f"T{k}",
                          "event_type": t, "event_date": d, "detail": x, "recorded_date": r}
                         for k, t, d, x, r in events]}
    folder = tmp / f"week{week}"
    return write_extract(folder, "case", case), write_extract(folder, "health", health)


CHANGES = [
    ("A", NHS["A"], "iha", "overdue", "on_time", "done"),
    ("A", NHS["A"], "rha", "none_recorded", "in_date", "done"),
    ("A", NHS["A"], "dental", "due_soon", "overdue", "newly_overdue"),
    ("B", NHS["B"], "care", "in_care", "not_in_care", "left_care"),
    ("B", NHS["B"], "rha", "in_date", "not_required", "status_changed"),
    ("B", NHS["B"], "dental", "in_date", "not_required", "status_changed"),
    ("C", NHS["C"], "care", "not_in_extract", "in_care", "entered_care"),
    ("D", NHS["D"], "health_record", "case_only", "matched", "now_known_to_health"),
    ("D", NHS["D"], "iha", "overdue", "on_time", "done"),
    ("D", NHS["D"], "rha", "none_recorded", "overdue", "newly_overdue"),
    ("E", NHS["E"], "rha", "in_date", "due_soon", "newly_due_soon"),
    ("E", NHS["E"], "dental", "overdue", "in_date", "done"),
    ("F", NHS["F"], "dental", "overdue", "in_date", "done"),
]
COUNTS = {"newly_overdue": 2, "newly_due_soon": 1, "entered_care": 1,
          "newly_not_known_to_health": 0, "done": 5, "now_known_to_health": 1,
          "left_care": 1, "status_changed": 2}
# every week-1 health figure: reported, now, difference, children who moved
HEALTH_REVISED = [
    ("notification_mean_wd", 1.0, 1.0, 0.0, None),
    ("notification_on_time_pct", 100.0, 100.0, 0.0, None),
    ("iha_on_time_pct", 50.0, 100.0, 50.0, "A"),
    ("rha_in_date_pct", 60.0, 80.0, 20.0, "A"),
    ("oc2_health_assessment_pct", 66.7, 66.7, 0.0, None),
    ("oc2_teeth_check_pct", 0.0, 33.3, 33.3, "F"),
    ("oc2_immunisations_pct", 33.3, 33.3, 0.0, None),
    ("request_on_time_pct", 0.0, 0.0, 0.0, None),
    ("report_on_time_pct", 0.0, 0.0, 0.0, "A"),
    ("iha_late_la_pct", 100.0, None, None, "A"),
    ("iha_late_health_pct", 0.0, None, None, "A"),
    ("iha_late_carer_pct", 0.0, None, None, "A"),
]
FLOOR_PERIOD = (date(2025, 4, 1), date(2026, 3, 31))
FLOOR_REVISED = [
    ("oc2_year_end_health_assessment_done_pct", 66.7, 66.7, 0.0, None),
    ("oc2_year_end_teeth_check_done_pct", 0.0, 33.3, 33.3, "F"),
]


def _by_library(tmp: Path, week: int, hist: Path) -> Path:
    case, health = extracts(tmp, week)
    run_reconcile(case, health, tmp / f"out{week}", as_of=AS_OF[week], history=hist,
                  workbook=False)
    return tmp / f"out{week}"


def _by_command(tmp: Path, week: int, hist: Path) -> Path:
    case, health = extracts(tmp, week)
    r = CliRunner().invoke(app, [
        "reconcile", "--case", str(case), "--health", str(health), "--out",
        str(tmp / f"out{week}"), "--as-of", AS_OF[week].isoformat(), "--history", str(hist),
        "--no-workbook"])
    assert r.exit_code == 0, r.output
    if week == 2:
        assert ("Changes since 2026-03-24: newly overdue 2, newly due soon 1, entered care 1, "
                "done 5, now known to health 1, left care 1, status changed 2.") in r.output
        # iha, rha, teeth and the teeth floor (a blank is not 0)
        assert "Earlier figures revised: 4." in r.output
    return tmp / f"out{week}"


@pytest.mark.parametrize("run", [_by_library, _by_command], ids=["library", "command"])
def test_two_weeks_every_change_and_revised_figure(
        tmp_path: Path, run: Callable[[Path, int, Path], Path]) -> None:
    hist = tmp_path / "hist"
    run(tmp_path, 1, hist)
    out = run(tmp_path, 2, hist)
    changes = pl.read_csv(out / "changes.csv", infer_schema=False)
    assert changes.rows() == CHANGES
    summary = json.loads((out / "summary.json").read_text())
    assert summary["history"]["changes"] == COUNTS
    assert summary["history"]["compared_with"]["as_of"] == "2026-03-24"

    rev = pl.read_csv(out / "revisions.csv", try_parse_dates=True)
    assert set(rev["as_of"]) == {AS_OF[1]}
    assert set(zip(rev["period_start"], rev["period_end"], strict=True)) == {
        (date(2025, 3, 25), AS_OF[1]), FLOOR_PERIOD}
    health = rev.filter(pl.col("source") == "health")
    assert health.select("measure", "reported", "now", "difference", "children").rows() == \
        HEALTH_REVISED + FLOOR_REVISED
    assert health.filter(pl.col("measure").is_in([m for m, *_ in FLOOR_REVISED])).select(
        "period_start", "period_end").unique().rows() == [FLOOR_PERIOD]
    case = rev.filter(pl.col("source") == "case")
    assert case.height == len(HEALTH_REVISED)
    assert case["children"].null_count() == case.height  # no case figure moved
    assert case["difference"].drop_nulls().abs().max() == 0.0

    flags = pl.read_csv(out / "flags.csv", infer_schema=False)
    late = flags.filter(pl.col("rule") == "EVENT_RECORDED_LATE")
    assert late.select("child_id", "table", "field", "value").rows() == [
        ("A", "events", "recorded_date", "iha 2026-02-27 recorded 2026-03-30")]
    assert flags.filter(pl.col("rule") == "CASE_ONLY")["child_id"].to_list() == ["C"]
    assert flags.filter(pl.col("rule") == "HEALTH_ONLY").height == 0

