"""docs/rules.md §4 R7 The IHA pathway, worked by hand on in-memory frames.

Clock Fri 19 Dec 2025 = day 0; W = clock - 10 days = Tue 9 Dec 2025. Working days: Mon 22 = 1,
Tue 23 = 2, Wed 24 = 3, (Thu 25, Fri 26 bank holidays, weekend) Mon 29 = 4, Tue 30 = 5 (request
target day), Wed 31 = 6, (Thu 1 Jan bank holiday) Fri 2 = 7, Mon 5 = 8, Tue 6 = 9, Wed 7 = 10,
Thu 8 = 11, Fri 9 = 12, Mon 12 = 13, ..., Wed 21 Jan 2026 = 20 (IHA due).
Report target from an IHA on Fri 9 Jan 2026: Mon 12 = 1, ..., Fri 16 = 5, Mon 19 = 6, ...,
Fri 23 = 10 (target day), Mon 26 = 11.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from healthcheck.errors import UsageError
from healthcheck.kpis import kpis, membership
from healthcheck.policy import Policy, make_policy
from healthcheck.rules.evaluate import EVENT_SCHEMA, evaluate
from tests.helpers import assert_flagged, run

CLOCK = date(2025, 12, 19)
W = date(2025, 12, 9)
AS_OF = date(2026, 3, 1)
Ev = tuple[str, date, str | None]


def base(clocks: dict[str, date | None], before_extract: bool = False) -> pl.LazyFrame:
    ids = list(clocks)
    return pl.LazyFrame({
        "child_id": ids, "dob": [date(2015, 6, 1)] * len(ids),
        "period_start": list(clocks.values()), "period_end": [None] * len(ids),
        "clock_start": list(clocks.values()), "in_care": [True] * len(ids),
        "oc2_cohort": [False] * len(ids), "before_extract": [before_extract] * len(ids),
    }, schema={"child_id": pl.String, "dob": pl.Date, "period_start": pl.Date,
               "period_end": pl.Date, "clock_start": pl.Date, "in_care": pl.Boolean,
               "oc2_cohort": pl.Boolean, "before_extract": pl.Boolean})


def statuses(events: dict[str, list[Ev]], clocks: dict[str, date | None] | None = None,
             as_of: date = AS_OF, policy: Policy | None = None,
             notification_type: str = "notification_received",
             before_extract: bool = False) -> pl.DataFrame:
    clocks = clocks or {cid: CLOCK for cid in events}
    rows = [(cid, t, d, x) for cid, evs in events.items() for t, d, x in evs]
    ev = pl.LazyFrame(rows, schema=EVENT_SCHEMA, orient="row")
    return evaluate(base(clocks, before_extract), ev, policy or Policy(), as_of,
                    notification_type).collect()


def one(events: list[Ev], as_of: date = AS_OF, clock: date | None = CLOCK,
        policy: Policy | None = None) -> dict:
    return statuses({"C1": events}, {"C1": clock}, as_of, policy).to_dicts()[0]


def req(d: date) -> Ev:
    return ("iha_requested", d, None)


NOTE_ON_TIME = ("notification_received", date(2025, 12, 22), None)
REQ_ON_TIME = req(date(2025, 12, 23))
IHA_LATE = ("iha", date(2026, 1, 22), None)  # due Wed 21 Jan


# --- request --------------------------------------------------------------------------------

@pytest.mark.parametrize(("requested", "wd", "status"), [
    pytest.param(date(2025, 12, 19), 0, "on_time", id="clock-day"),
    pytest.param(date(2025, 12, 29), 4, "on_time", id="mon29-after-christmas"),
    pytest.param(date(2025, 12, 30), 5, "on_time", id="tue30-target-day"),
    pytest.param(date(2025, 12, 31), 6, "late", id="wed31-day-after"),
    pytest.param(date(2026, 1, 2), 7, "late", id="fri2jan-after-new-year"),
])
def test_request_working_days_over_christmas(requested: date, wd: int, status: str) -> None:
    r = one([req(requested)])
    assert (r["request_date"], r["request_wd"], r["request_status"]) == (requested, wd, status)


@pytest.mark.parametrize(("requested", "expected"), [
    pytest.param(date(2025, 12, 18), (date(2025, 12, 18), 0, "on_time"), id="day-before"),
    pytest.param(W, (W, 0, "on_time"), id="W-counts-0"),
    pytest.param(date(2025, 12, 8), (None, None, "missing"), id="before-W-not-counted"),
])
def test_request_before_the_clock(requested: date, expected: tuple) -> None:
    r = one([req(requested)])
    assert (r["request_date"], r["request_wd"], r["request_status"]) == expected


def test_request_before_w_is_skipped_for_the_next() -> None:
    r = one([req(date(2025, 12, 8)), req(date(2026, 1, 5)), req(date(2025, 12, 31))])
    assert (r["request_date"], r["request_wd"], r["request_status"]) == (
        date(2025, 12, 31), 6, "late")


@pytest.mark.parametrize(("as_of", "status"), [
    pytest.param(date(2025, 12, 29), "pending", id="day-4"),
    pytest.param(date(2025, 12, 30), "pending", id="target-day-not-past"),
    pytest.param(date(2025, 12, 31), "missing", id="day-after-target"),
])
def test_request_pending_then_missing(as_of: date, status: str) -> None:
    r = one([], as_of=as_of)
    assert r["request_date"] is None and r["request_status"] == status


def test_request_after_as_of_does_not_count() -> None:
    r = one([req(date(2025, 12, 22))], as_of=date(2025, 12, 21))
    assert r["request_date"] is None and r["request_status"] == "pending"


def test_request_target_from_policy() -> None:
    r = one([req(date(2025, 12, 31))], policy=Policy(request_target_wd=6))
    assert (r["request_wd"], r["request_status"]) == (6, "on_time")
    with pytest.raises(UsageError, match="request_target_wd"):
        make_policy({"request_target_wd": 61})
    with pytest.raises(UsageError, match="report_target_wd"):
        make_policy({"report_target_wd": -1})


def test_weekend_clock_counts_from_monday() -> None:
    # clock Sat 20 Dec: day 0 = Mon 22, +5 = Wed 31 Dec
    r = one([req(date(2025, 12, 31))], clock=date(2025, 12, 20))
    assert (r["request_wd"], r["request_status"]) == (5, "on_time")


def test_no_clock_every_column_blank_or_not_required() -> None:
    r = one([req(date(2025, 12, 22)), ("iha", date(2026, 1, 5), None),
             ("iha_report_sent", date(2026, 1, 6), None),
             ("was_not_brought", date(2026, 1, 2), "iha")], clock=None)
    assert r["request_status"] == "not_required" and r["report_status"] == "not_required"
    for col in ("request_date", "request_wd", "appointment_date", "was_not_brought",
                "report_date", "report_wd", "delay_agency"):
        assert r[col] is None, col


def test_period_before_the_extract_has_no_pathway() -> None:
    # docs/rules.md §3.1: the period began before the extract; its pathway is not in it
    r = statuses({"C1": [req(date(2025, 12, 31)), ("iha", date(2026, 1, 22), None),
                         report(date(2026, 1, 23)), wnb(date(2026, 1, 14))]},
                 before_extract=True).to_dicts()[0]
    assert (r["iha_status"], r["request_status"], r["report_status"]) == (
        "before_extract", "before_extract", "before_extract")
    for col in ("request_date", "request_wd", "appointment_date", "was_not_brought",
                "report_date", "report_wd", "delay_agency"):
        assert r[col] is None, col


# --- appointment ----------------------------------------------------------------------------

def appt(d: date) -> Ev:
    return ("iha_appointment", d, None)


def test_appointment_with_no_request_counts_from_w() -> None:
    r = one([appt(date(2025, 12, 8)), appt(W), appt(date(2026, 1, 12))])
    assert r["request_date"] is None and r["appointment_date"] == W


def test_appointment_is_the_first_on_or_after_the_request() -> None:
    r = one([appt(date(2025, 12, 22)), req(date(2026, 1, 2)), appt(date(2026, 1, 14)),
             appt(date(2026, 1, 12))])
    assert r["appointment_date"] == date(2026, 1, 12)
    r = one([req(date(2026, 1, 2)), appt(date(2026, 1, 2))])
    assert r["appointment_date"] == date(2026, 1, 2)  # booked the day the request came


def test_appointment_only_before_the_request_is_blank() -> None:
    r = one([req(date(2026, 1, 2)), appt(date(2025, 12, 22))])
    assert r["appointment_date"] is None


# --- not brought ----------------------------------------------------------------------------

def wnb(d: date, detail: str = "iha") -> Ev:
    return ("was_not_brought", d, detail)


def test_not_brought_counted_from_w_to_the_iha_date() -> None:
    r = one([wnb(date(2025, 12, 8)), wnb(W), wnb(date(2026, 1, 14)), wnb(date(2026, 1, 15), "rha"),
             wnb(date(2026, 1, 22)), ("iha", date(2026, 1, 22), None), wnb(date(2026, 1, 23))])
    assert r["was_not_brought"] == 3  # W, 14 Jan, 22 Jan (the IHA day)


def test_not_brought_without_an_iha_counts_to_as_of() -> None:
    r = one([wnb(date(2026, 1, 14)), wnb(date(2026, 2, 11)), wnb(date(2026, 3, 2))])
    assert r["was_not_brought"] == 2  # 2 Mar is after as-of


def test_not_brought_with_another_detail_is_not_counted() -> None:
    # ingest flags a detail that is not iha/rha/dental (VALUE_UNKNOWN); the rule skips it
    assert one([wnb(date(2026, 1, 14), "paediatrics"), wnb(date(2026, 1, 15), "")])[
        "was_not_brought"] == 0


def test_not_brought_zero_with_a_clock_and_no_events() -> None:
    assert one([])["was_not_brought"] == 0


def test_not_brought_zero_when_the_iha_was_before_w() -> None:
    # an IHA in the 3 months before the clock (reg 7(3)) ends the count before W
    r = one([("iha", date(2025, 12, 1), None), wnb(date(2025, 12, 15))])
    assert r["iha_date"] == date(2025, 12, 1) and r["was_not_brought"] == 0


# --- report ---------------------------------------------------------------------------------

IHA_FRI_9_JAN = ("iha", date(2026, 1, 9), None)


def report(d: date) -> Ev:
    return ("iha_report_sent", d, None)


@pytest.mark.parametrize(("sent", "wd", "status"), [
    pytest.param(date(2026, 1, 9), 0, "on_time", id="iha-day"),
    pytest.param(date(2026, 1, 23), 10, "on_time", id="target-day"),
    pytest.param(date(2026, 1, 26), 11, "late", id="day-after-target"),
])
def test_report_working_days(sent: date, wd: int, status: str) -> None:
    r = one([IHA_FRI_9_JAN, report(sent)])
    assert (r["report_date"], r["report_wd"], r["report_status"]) == (sent, wd, status)


@pytest.mark.parametrize(("as_of", "status"), [
    pytest.param(date(2026, 1, 23), "pending", id="target-day-not-past"),
    pytest.param(date(2026, 1, 26), "missing", id="day-after-target"),
])
def test_report_pending_then_missing(as_of: date, status: str) -> None:
    r = one([IHA_FRI_9_JAN], as_of=as_of)
    assert r["report_date"] is None and r["report_status"] == status


def test_report_before_the_iha_is_not_used() -> None:
    r = one([report(date(2026, 1, 8)), IHA_FRI_9_JAN, report(date(2026, 1, 12))])
    assert (r["report_date"], r["report_wd"]) == (date(2026, 1, 12), 1)


def test_report_not_required_without_an_iha() -> None:
    r = one([report(date(2026, 1, 12))])
    assert r["iha_status"] == "overdue"
    assert (r["report_date"], r["report_wd"], r["report_status"]) == (None, None, "not_required")


def test_report_after_an_iha_on_saturday() -> None:
    # Sat 10 Jan: day 0 is Mon 12 Jan, so a report that Monday is 0 working days
    r = one([("iha", date(2026, 1, 10), None), report(date(2026, 1, 12))])
    assert (r["report_wd"], r["report_status"]) == (0, "on_time")


def test_report_target_from_policy() -> None:
    r = one([IHA_FRI_9_JAN, report(date(2026, 1, 26))], policy=Policy(report_target_wd=11))
    assert r["report_status"] == "on_time"


# --- the agency that held the delay ---------------------------------------------------------

@pytest.mark.parametrize(("events", "agency"), [
    pytest.param([("notification_received", date(2025, 12, 31), None), REQ_ON_TIME, IHA_LATE,
                  wnb(date(2026, 1, 14))], "la", id="la-notification-late-before-carer"),
    pytest.param([REQ_ON_TIME, IHA_LATE, wnb(date(2026, 1, 14))], "la",
                 id="la-notification-missing"),
    pytest.param([NOTE_ON_TIME, req(date(2025, 12, 31)), IHA_LATE, wnb(date(2026, 1, 14))], "la",
                 id="la-request-late"),
    pytest.param([NOTE_ON_TIME, IHA_LATE], "la", id="la-request-missing"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME, IHA_LATE, wnb(date(2026, 1, 14))], "carer",
                 id="carer-not-brought"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME, IHA_LATE, wnb(date(2026, 1, 14), "dental")],
                 "health", id="health-not-brought-to-the-dentist"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME, appt(date(2026, 1, 22)), IHA_LATE], "health",
                 id="health-booked-late"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME], "health", id="health-overdue"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME, wnb(date(2026, 2, 2))], "carer",
                 id="carer-overdue"),
    pytest.param([("notification_received", date(2025, 12, 31), None), REQ_ON_TIME,
                  ("iha", date(2026, 1, 21), None)], None, id="blank-iha-on-time"),
    pytest.param([NOTE_ON_TIME, REQ_ON_TIME, ("declined", date(2026, 1, 5), "iha")], None,
                 id="blank-iha-declined"),
])
def test_delay_agency_in_order_of_precedence(events: list[Ev], agency: str | None) -> None:
    r = one(events)
    assert r["iha_status"] in (("late", "overdue") if agency else ("on_time", "declined"))
    assert r["delay_agency"] == agency


def test_delay_agency_blank_while_the_iha_is_due() -> None:
    r = one([("notification_received", date(2026, 1, 2), None)], as_of=date(2026, 1, 21))
    assert r["iha_status"] == "due" and r["request_status"] == "missing"
    assert r["delay_agency"] is None


def test_case_source_uses_notification_sent() -> None:
    evs = {"C1": [("notification_sent", date(2025, 12, 22), None), REQ_ON_TIME, IHA_LATE]}
    r = statuses(evs, notification_type="notification_sent").to_dicts()[0]
    assert r["notification_status"] == "on_time" and r["delay_agency"] == "health"


# --- the figures ----------------------------------------------------------------------------

def test_kpis_hand_computed() -> None:
    # P = A..G (clock 19 Dec 2025 in the period 1 Apr 2025 .. 31 Mar 2026); H before it.
    events: dict[str, list[Ev]] = {
        # request on_time; IHA late, report on_time (Fri 23 Jan -> Fri 6 Feb = 10); agency carer
        "A": [NOTE_ON_TIME, REQ_ON_TIME, wnb(date(2026, 1, 14)), ("iha", date(2026, 1, 23), None),
              report(date(2026, 2, 6))],
        # request late; IHA on time, report late (Wed 21 Jan -> Thu 5 Feb = 11)
        "B": [NOTE_ON_TIME, req(date(2025, 12, 31)), ("iha", date(2026, 1, 21), None),
              report(date(2026, 2, 5))],
        # request missing; IHA overdue; agency la; report not_required
        "C": [NOTE_ON_TIME],
        # request on_time; IHA late, report missing; agency health
        "D": [NOTE_ON_TIME, REQ_ON_TIME, IHA_LATE],
        # request on_time (before the clock); IHA declined: no agency, report not_required
        "E": [NOTE_ON_TIME, req(W), ("declined", date(2026, 1, 5), "iha")],
        # notification late: agency la; request on_time; IHA late, report on_time (same day)
        "F": [("notification_received", date(2026, 1, 2), None), REQ_ON_TIME, IHA_LATE,
              report(date(2026, 1, 22))],
        # no clock: outside every measure
        "G": [REQ_ON_TIME],
        # clock before the period: late everything, outside P
        "H": [],
    }
    clocks: dict[str, date | None] = {c: CLOCK for c in "ABCDEF"}
    clocks["G"] = None
    clocks["H"] = date(2025, 3, 3)
    s = statuses(events, clocks, as_of=date(2026, 3, 31))
    assert s.sort("child_id")["delay_agency"].to_list() == [
        "carer", None, "la", "health", None, "la", None, "la"]
    k = kpis(membership(s, date(2025, 4, 1), date(2026, 3, 31)), "health", date(2025, 4, 1),
             date(2026, 3, 31), date(2026, 3, 31))
    got = {r["measure"]: (r["numerator"], r["denominator"], r["value"]) for r in k.to_dicts()}
    assert got["request_on_time_pct"] == (4, 6, 66.7)  # A D E F / A B C D E F
    assert got["report_on_time_pct"] == (2, 4, 50.0)  # A F / A B D F
    assert got["iha_late_la_pct"] == (2, 4, 50.0)  # C F / A C D F
    assert got["iha_late_health_pct"] == (1, 4, 25.0)  # D
    assert got["iha_late_carer_pct"] == (1, 4, 25.0)  # A


def test_kpis_blank_with_no_late_iha() -> None:
    s = statuses({"A": [NOTE_ON_TIME, REQ_ON_TIME, ("iha", date(2026, 1, 5), None)]})
    k = kpis(membership(s, date(2025, 4, 1), AS_OF), "case", date(2025, 4, 1), AS_OF, AS_OF)
    got = {r["measure"]: (r["numerator"], r["denominator"], r["value"]) for r in k.to_dicts()}
    assert got["iha_late_la_pct"] == (0, 0, None)
    assert got["report_on_time_pct"] == (0, 1, 0.0)  # IHA 5 Jan, no report by 1 Mar: missing


# --- through reconcile: children.csv, kpis.csv for both sources, flags ----------------------

NHS = "9434765919"


def test_reconcile_columns_kpis_and_flags(tmp_path: Path) -> None:
    case = {
        "children": [{"child_id": "C1", "nhs_number": NHS, "forename": "Ann", "surname": "Lee",
                      "dob": date(2015, 6, 1)}],
        "episodes": [{"child_id": "C1", "start_date": CLOCK, "legal_status": "C2", "rne": "S"}],
        # the case system: sent on time, request late -> agency la; a report before the IHA
        "health_events": [
            {"child_id": "C1", "event_type": t, "event_date": d, "detail": x}
            for t, d, x in [("notification_sent", date(2025, 12, 22), None),
                            req(date(2026, 1, 2)), report(date(2026, 1, 20)), IHA_LATE]],
    }
    health = {
        "patients": [{"nhs_number": NHS, "trust_id": "T1", "forename": "Ann", "surname": "Lee",
                      "dob": date(2015, 6, 1)}],
        # health: all on time, appointment before the request (set aside), not brought once
        "events": [{"nhs_number": NHS, "event_type": t, "event_date": d, "detail": x}
                   for t, d, x in [NOTE_ON_TIME, appt(date(2025, 12, 22)), REQ_ON_TIME,
                                   appt(date(2026, 1, 7)), wnb(date(2026, 1, 7), "IHA"),
                                   appt(date(2026, 1, 22)), IHA_LATE,
                                   report(date(2026, 1, 30))]],
    }
    res = run(tmp_path, case, health, AS_OF)
    cols = res.children.columns
    r7 = cols[cols.index("oc2_cohort") + 1:cols.index("delay_agency") + 1]
    assert r7 == [
        "request_date", "request_wd", "request_status", "appointment_date", "was_not_brought",
        "report_date", "report_wd", "report_status", "delay_agency"]
    row = res.children.to_dicts()[0]
    assert {k: row[k] for k in r7} == {
        "request_date": date(2025, 12, 23), "request_wd": 2, "request_status": "on_time",
        "appointment_date": date(2026, 1, 7), "was_not_brought": 1,
        "report_date": date(2026, 1, 30), "report_wd": 6, "report_status": "on_time",
        "delay_agency": "carer"}
    k = {(r["measure"], r["source"]): (r["numerator"], r["denominator"])
         for r in res.kpis.to_dicts()}
    assert k["iha_late_carer_pct", "health"] == (1, 1)
    assert k["iha_late_la_pct", "case"] == (1, 1)
    assert k["request_on_time_pct", "case"] == (0, 1)
    assert k["report_on_time_pct", "case"] == (0, 1)  # no report on/after the IHA by 1 Mar
    on = ("source", "table", "row", "child_id", "value")
    assert_flagged(res.flags, "PATHWAY_APPOINTMENT_BEFORE_REQUEST",
                   ("health", "events", 2, "C1", "iha_appointment 2025-12-22"), on=on)
    assert_flagged(res.flags, "PATHWAY_REPORT_BEFORE_IHA",
                   ("case", "health_events", 3, "C1", "iha_report_sent 2026-01-20"), on=on)
    assert res.summary["policy"]["request_target_wd"] == 5
    assert res.summary["policy"]["report_target_wd"] == 10
