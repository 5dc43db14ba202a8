"""kpis.csv figures on small hand-worked cohorts, health and case side by side.

(Named test_rule_kpis.py to stay inside the test files this suite owns.)
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.helpers import run_mem

AS_OF = date(2026, 3, 31)  # default period: 1 Apr 2025 .. 31 Mar 2026
NHS = ["9434765900", "9434765919", "9434765927", "9434765935", "9434765943", "9434765951",
       "9434765978", "9434765986", "9434765994", "9434766001", "9434766028", "9434766036"]


def tables(kids: list[dict]) -> tuple[dict, dict]:
    """kids: {id, start, end?, health: [(type, date, detail)], case: [...]}"""
    case: dict[str, list[dict]] = {"children": [], "episodes": [], "health_events": []}
    health: dict[str, list[dict]] = {"patients": [], "events": []}
    for i, k in enumerate(kids):
        cid, nhs = k["id"], NHS[i]
        case["children"].append({"child_id": cid, "nhs_number": nhs, "forename": f"F{cid}",
                                 "surname": f"S{cid}", "dob": date(2015, 6, 1)})
        case["episodes"].append({"child_id": cid, "start_date": k["start"],
                                 "end_date": k.get("end"), "legal_status": k.get("ls", "C2"),
                                 "rne": "S"})
        case["health_events"] += [{"child_id": cid, "event_type": t, "event_date": d,
                                   "detail": x} for t, d, x in k.get("case", [])]
        health["patients"].append({"nhs_number": nhs, "trust_id": f"T{cid}", "forename": f"F{cid}",
                                   "surname": f"S{cid}", "dob": date(2015, 6, 1)})
        health["events"] += [{"nhs_number": nhs, "event_type": t, "event_date": d, "detail": x}
                             for t, d, x in k.get("health", [])]
    return case, health


def figures(res: object, source: str) -> dict[str, tuple[float | None, int, float | None]]:
    k: pl.DataFrame = res.kpis  # type: ignore[attr-defined]
    rows = k.filter(pl.col("source") == source).to_dicts()
    return {r["measure"]: (r["numerator"], r["denominator"], r["value"]) for r in rows}


# The cohort, all DOB 1 Jun 2015 (10 or so: 12-month RHA interval), as-of Tue 31 Mar 2026.
# P (clock in 1 Apr 2025 .. 31 Mar 2026) = A, B, C, D.
# OC2 (in care, period started on or before 31 Mar 2025, no V3/V4) = E, F, H, J, K.
COHORT = [
    # A: clock Mon 2 Jun 2025. Health: received Fri 6 Jun = day 4 (Tue 3 = 1 .. Fri 6 = 4)
    #    -> on_time. IHA due Mon 30 Jun (3..6 Jun = 1..4, 9..13 = 5..9, 16..20 = 10..14,
    #    23..27 = 15..19, Mon 30 = 20); IHA Fri 20 Jun -> on_time. RHA due 20 Jun 2026;
    #    as-of + 28 = 28 Apr 2026 -> in_date.
    #    Case: sent Tue 3 Jun = day 1 -> on_time; IHA 20 Jun -> on_time; RHA in_date.
    {"id": "A", "start": date(2025, 6, 2),
     "health": [("notification_received", date(2025, 6, 6), None),
                ("iha", date(2025, 6, 20), None)],
     "case": [("notification_sent", date(2025, 6, 3), None), ("iha", date(2025, 6, 20), None)]},
    # B: clock Mon 1 Sep 2025. Health: received Tue 9 Sep (Tue 2 = 1 .. Fri 5 = 4, Mon 8 = 5,
    #    Tue 9 = 6) -> late. IHA due Mon 29 Sep (2..5 = 1..4, 8..12 = 5..9, 15..19 = 10..14,
    #    22..26 = 15..19, Mon 29 = 20); IHA Thu 2 Oct -> late. RHA due 2 Oct 2026 -> in_date.
    #    Case: sent Mon 8 Sep = day 5 -> on_time; no IHA -> overdue; RHA none_recorded.
    {"id": "B", "start": date(2025, 9, 1),
     "health": [("notification_received", date(2025, 9, 9), None),
                ("iha", date(2025, 10, 2), None)],
     "case": [("notification_sent", date(2025, 9, 8), None)]},
    # C: clock Mon 1 Dec 2025, nothing anywhere. Notification target Mon 8 Dec, past -> missing.
    #    IHA due Wed 31 Dec 2025 (2..5 = 1..4, 8..12 = 5..9, 15..19 = 10..14, 22, 23, 24 =
    #    15..17, 29, 30, 31 = 18..20) -> overdue. RHA none_recorded. Same on the case side.
    {"id": "C", "start": date(2025, 12, 1)},
    # D: clock Wed 25 Mar 2026, nothing. Target day: Thu 26 = 1, Fri 27 = 2, Mon 30 = 3,
    #    Tue 31 = 4, Wed 1 Apr = 5 -> not past at as-of -> pending. IHA due -> RHA not_required.
    {"id": "D", "start": date(2026, 3, 25)},
    # E: clock Mon 15 Jan 2024 (not in P). Last RHA 20 Jan 2025 -> due 20 Jan 2026 -> overdue.
    #    OC2: health assessment no (20 Jan 2025 is before 31 Mar 2025), teeth yes, imms Y.
    {"id": "E", "start": date(2024, 1, 15),
     "health": [("notification_received", date(2024, 1, 30), None),
                ("iha", date(2024, 2, 1), None), ("rha", date(2025, 1, 20), None),
                ("dental", date(2025, 6, 1), None),
                ("immunisations_up_to_date", date(2025, 12, 1), "Y")]},
    # F: clock Tue 2 May 2023. RHA 3 Nov 2025 -> due 3 Nov 2026 -> in_date.
    #    OC2: assessment yes, teeth no (1 Feb 2025), imms N.
    {"id": "F", "start": date(2023, 5, 2),
     "health": [("rha", date(2025, 11, 3), None), ("dental", date(2025, 2, 1), None),
                ("immunisations_up_to_date", date(2025, 10, 1), "N")]},
    # H: clock Sun 1 Mar 2020. RHA 1 Sep 2025 -> due 1 Sep 2026 -> in_date.
    #    OC2: assessment yes, teeth no (1 Mar 2025), imms Y.
    {"id": "H", "start": date(2020, 3, 1),
     "health": [("rha", date(2025, 9, 1), None), ("dental", date(2025, 3, 1), None),
                ("immunisations_up_to_date", date(2025, 9, 1), "Y")]},
    # J: clock Mon 3 Jun 2024. RHA 15 Apr 2025 -> due 15 Apr 2026 <= 28 Apr -> due_soon.
    #    OC2: assessment yes, teeth no, imms unknown -> no.
    {"id": "J", "start": date(2024, 6, 3), "health": [("rha", date(2025, 4, 15), None)]},
    # K: clock Mon 3 Jun 2024. IHA 20 Jun 2024; rha declined 1 Jul 2025 (after it) -> declined.
    #    OC2: assessment no (20 Jun 2024), teeth no, imms no.
    {"id": "K", "start": date(2024, 6, 3),
     "health": [("iha", date(2024, 6, 20), None), ("declined", date(2025, 7, 1), "rha")]},
    # G: in care 1 Sep 2022 .. 1 Oct 2025: not in care at as-of, not in P -> in no measure.
    {"id": "G", "start": date(2022, 9, 1), "end": date(2025, 10, 1),
     "health": [("iha", date(2022, 9, 20), None)]},
]


@pytest.fixture(scope="module")
def cohort_result() -> object:
    case, health = tables(COHORT)
    return run_mem(case, health, AS_OF)


def test_children_statuses_behind_the_figures(cohort_result: object) -> None:
    ch = {r["child_id"]: r for r in cohort_result.children.to_dicts()}  # type: ignore[attr-defined]
    got = {c: (ch[c]["notification_status"], ch[c]["iha_status"], ch[c]["rha_status"],
               ch[c]["oc2_cohort"]) for c in "ABCDEFHJKG"}
    assert got["A"] == ("on_time", "on_time", "in_date", False)
    assert got["B"] == ("late", "late", "in_date", False)
    assert got["C"] == ("missing", "overdue", "none_recorded", False)
    assert got["D"] == ("pending", "due", "not_required", False)
    assert got["E"][2:] == ("overdue", True)
    assert got["F"][2:] == ("in_date", True)
    assert got["H"][2:] == ("in_date", True)
    assert got["J"][2:] == ("due_soon", True)
    assert got["K"][2:] == ("declined", True)
    assert got["G"][2:] == ("not_required", False)
    assert ch["A"]["notification_wd"] == 4
    assert ch["B"]["notification_wd"] == 6


def test_health_figures(cohort_result: object) -> None:
    f = figures(cohort_result, "health")
    # mean over P with on_time/late: A 4, B 6 -> 10 / 2 = 5.0
    assert f["notification_mean_wd"][1:] == (2, 5.0)
    # on_time over on_time + late + missing in P: A / (A, B, C) = 1/3 = 33.3 (D pending: out)
    assert f["notification_on_time_pct"] == (1, 3, 33.3)
    # on_time over on_time + late + overdue in P: A / (A, B, C) = 33.3 (D due: out)
    assert f["iha_on_time_pct"] == (1, 3, 33.3)
    # in care with a clock: A B C D E F H J K; out: D not_required, K declined.
    # in_date + due_soon: A B F H J = 5 over A B C E F H J = 7 -> 71.4
    assert f["rha_in_date_pct"] == (5, 7, 71.4)
    # OC2 = E F H J K (5). Assessment F H J = 3 -> 60.0; teeth E = 1 -> 20.0;
    # imms E H = 2 -> 40.0
    assert f["oc2_health_assessment_pct"] == (3, 5, 60.0)
    assert f["oc2_teeth_check_pct"] == (1, 5, 20.0)
    assert f["oc2_immunisations_pct"] == (2, 5, 40.0)


def test_case_figures_side_by_side(cohort_result: object) -> None:
    f = figures(cohort_result, "case")
    # notification_sent: A day 1, B day 5 (both on_time), C missing, D pending
    assert f["notification_mean_wd"][1:] == (2, 3.0)  # (1 + 5) / 2
    assert f["notification_on_time_pct"] == (2, 3, 66.7)  # A, B / A, B, C
    # case IHA: A on_time, B overdue, C overdue -> 1/3
    assert f["iha_on_time_pct"] == (1, 3, 33.3)
    # case RHA: A in_date; B C E F H J K none_recorded (no case IHA/RHA, IHA overdue);
    # D not_required -> 1 / 8 = 12.5
    assert f["rha_in_date_pct"] == (1, 8, 12.5)
    # the cohort is the same (episodes are the case system's); no case events -> 0 of 5
    assert f["oc2_health_assessment_pct"] == (0, 5, 0.0)
    assert f["oc2_teeth_check_pct"] == (0, 5, 0.0)
    assert f["oc2_immunisations_pct"] == (0, 5, 0.0)


def test_kpi_rows_carry_period_and_as_of(cohort_result: object) -> None:
    k: pl.DataFrame = cohort_result.kpis  # type: ignore[attr-defined]
    assert k.height == 24  # 12 measures x 2 sources
    assert set(k["source"]) == {"health", "case"}
    assert set(k["period_start"]) == {date(2025, 4, 1)}
    assert set(k["period_end"]) == {AS_OF}
    assert set(k["as_of"]) == {AS_OF}


def test_zero_denominators_give_blank_values() -> None:
    # only D: in P but pending / IHA due / RHA not_required, not in OC2 -> every denominator 0
    case, health = tables([k for k in COHORT if k["id"] == "D"])
    res = run_mem(case, health, AS_OF)
    for source in ("health", "case"):
        f = figures(res, source)
        assert len(f) == 12
        for measure, (_, den, value) in f.items():
            assert den == 0, (source, measure)
            assert value is None, (source, measure)


def test_period_is_inclusive_of_its_first_day() -> None:
    # X: clock Tue 1 Apr 2025 (first day of the default period), received same day -> on_time.
    # Y: clock Mon 31 Mar 2025 (the day before) received 30 Apr -> late, but outside P.
    kids = [{"id": "X", "start": date(2025, 4, 1),
             "health": [("notification_received", date(2025, 4, 1), None)]},
            {"id": "Y", "start": date(2025, 3, 31),
             "health": [("notification_received", date(2025, 4, 30), None)]}]
    case, health = tables(kids)
    f = figures(run_mem(case, health, AS_OF), "health")
    assert f["notification_on_time_pct"] == (1, 1, 100.0)
    assert f["notification_mean_wd"][1:] == (1, 0.0)
    # an explicit one-day period on 31 Mar 2025 holds Y only (late): 0 of 1
    f2 = figures(run_mem(case, health, AS_OF, period_start=date(2025, 3, 31),
                     period_end=date(2025, 3, 31)), "health")
    assert f2["notification_on_time_pct"] == (0, 1, 0.0)


def test_period_is_inclusive_of_its_last_day() -> None:
    # clock on as-of (= period end) with the notification that day: in P, on_time
    kids = [{"id": "Z", "start": AS_OF, "health": [("notification_received", AS_OF, None)]}]
    case, health = tables(kids)
    f = figures(run_mem(case, health, AS_OF), "health")
    assert f["notification_on_time_pct"] == (1, 1, 100.0)


@pytest.mark.parametrize(("when", "counts"), [
    pytest.param(date(2024, 4, 1), True, id="first-day-of-the-year"),
    pytest.param(date(2024, 3, 31), False, id="day-before-the-year"),
    pytest.param(date(2025, 3, 31), True, id="on-as-of"),
    pytest.param(date(2025, 4, 1), False, id="after-as-of"),
])
def test_oc2_twelve_month_window(when: date, counts: bool) -> None:
    # one child in care since 10 Jan 2022 (in the cohort at 31 Mar 2025), with an RHA and a
    # dental check on `when`, and immunisations Y on `when`
    kids = [{"id": "E", "start": date(2022, 1, 10),
             "health": [("rha", when, None), ("dental", when, None),
                        ("immunisations_up_to_date", when, "Y")]}]
    case, health = tables(kids)
    f = figures(run_mem(case, health, date(2025, 3, 31)), "health")
    pct = 100.0 if counts else 0.0
    assert f["oc2_health_assessment_pct"] == (int(counts), 1, pct)
    assert f["oc2_teeth_check_pct"] == (int(counts), 1, pct)


def test_oc2_immunisations_latest_status() -> None:
    # Y then N: not up to date; an older Y (before the year) still counts: latest status wins
    kids = [{"id": "P", "start": date(2022, 1, 10),
             "health": [("immunisations_up_to_date", date(2024, 6, 1), "Y"),
                        ("immunisations_up_to_date", date(2025, 1, 5), "N")]},
            {"id": "Q", "start": date(2022, 1, 10),
             "health": [("immunisations_up_to_date", date(2023, 6, 1), "Y")]}]
    case, health = tables(kids)
    f = figures(run_mem(case, health, date(2025, 3, 31)), "health")
    assert f["oc2_immunisations_pct"] == (1, 2, 50.0)


def test_short_breaks_and_health_only_patients_are_not_counted() -> None:
    # V: only a V3 short break in the period -> no clock -> not in P, not in the RHA measure.
    # W: a real child (for a non-empty cohort): clock Mon 2 Jun 2025, received Mon 9 Jun
    #    (Tue 3 = 1 .. Fri 6 = 4, Mon 9 = 5) -> on_time.
    kids = [{"id": "V", "start": date(2025, 6, 2), "ls": "V3",
             "health": [("notification_received", date(2025, 6, 20), None)]},
            {"id": "W", "start": date(2025, 6, 2),
             "health": [("notification_received", date(2025, 6, 9), None)]}]
    case, health = tables(kids)
    # a health patient matching no case child, with a late-looking notification
    health["patients"].append({"nhs_number": NHS[5], "trust_id": "TX", "forename": "Zed",
                               "surname": "Nobody", "dob": date(2016, 1, 1)})
    health["events"].append({"nhs_number": NHS[5], "event_type": "notification_received",
                             "event_date": date(2025, 7, 30), "detail": None})
    f = figures(run_mem(case, health, AS_OF), "health")
    assert f["notification_on_time_pct"] == (1, 1, 100.0)
    assert f["notification_mean_wd"][1:] == (1, 5.0)
