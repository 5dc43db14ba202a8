"""docs/rules.md §4 R3 Review health assessment, worked by hand.

Last = latest iha/rha on or before as-of. Interval 6 months if under 5 (before DOB + 60 months)
on the day of the last assessment, else 12 (lenient: 12 when the 5th birthday falls before
last + 6 months). Due = last + interval (calendar months, clamped). First that applies:
not_required (not in care / no clock); no IHA/RHA at all: declined if the IHA is declined,
not_required if the IHA is still due, else none_recorded; declined (rha declined after the
last); overdue (due < as-of); due_soon (due <= as-of + horizon, 28); in_date.
"""

from __future__ import annotations

from datetime import date

import pytest

from healthcheck.policy import Policy
from tests.helpers import child_status


def rha(*, start: date, as_of: date, events: list, dob: date = date(2015, 6, 1),
        **kw: object) -> dict:
    return child_status(start=start, as_of=as_of, dob=dob, events=events, **kw)


# --- interval and horizon --------------------------------------------------------------------

@pytest.mark.parametrize(("as_of", "status"), [
    # DOB 1 Jun 2021, IHA 31 Aug 2025 (age 4) -> 6 months -> 31 Feb -> 28 Feb 2026.
    # 30 Jan + 28 days = 27 Feb < 28 Feb -> in_date
    pytest.param(date(2026, 1, 30), "in_date", id="day-before-horizon"),
    # 31 Jan + 28 days = 28 Feb = due -> due_soon (due <= as-of + 28)
    pytest.param(date(2026, 1, 31), "due_soon", id="exactly-horizon"),
    pytest.param(date(2026, 2, 27), "due_soon", id="day-before-due"),
    # due == as-of: not overdue (overdue is due < as-of)
    pytest.param(date(2026, 2, 28), "due_soon", id="as-of-is-due"),
    pytest.param(date(2026, 3, 1), "overdue", id="day-after-due"),
])
def test_under_five_six_months_and_horizon(as_of: date, status: str) -> None:
    r = rha(start=date(2025, 8, 11), as_of=as_of, dob=date(2021, 6, 1),
            events=[("iha", date(2025, 8, 31), None)])
    assert r["last_assessment"] == date(2025, 8, 31)
    assert r["rha_due"] == date(2026, 2, 28)
    assert r["rha_status"] == status


def test_under_five_six_months_into_leap_february() -> None:
    # DOB 31 Aug 2019 (5th birthday 31 Aug 2024); IHA 31 Aug 2023 at 4 -> 29 Feb 2024.
    # as-of 1 Feb 2024 + 28 days = 29 Feb 2024 -> due_soon
    r = rha(start=date(2023, 8, 14), as_of=date(2024, 2, 1), dob=date(2019, 8, 31),
            events=[("iha", date(2023, 8, 31), None)])
    assert r["rha_due"] == date(2024, 2, 29)
    assert r["rha_status"] == "due_soon"


def test_over_five_twelve_months() -> None:
    # DOB 1 Jun 2015, IHA 10 Jan 2026 at 10 -> 10 Jan 2027; as-of 1 Aug 2026 -> in_date
    r = rha(start=date(2025, 12, 19), as_of=date(2026, 8, 1),
            events=[("iha", date(2026, 1, 10), None)])
    assert r["rha_due"] == date(2027, 1, 10)
    assert r["rha_status"] == "in_date"


@pytest.mark.parametrize(("dob", "last", "due"), [
    # DOB 1 Jun 2020: 5 on 1 Jun 2025. Assessed that very day -> not under 5 -> 12 months
    pytest.param(date(2020, 6, 1), date(2025, 6, 1), date(2026, 6, 1), id="fifth-birthday"),
    # assessed the day before -> under 5 -> 6 months: 31 Nov -> 30 Nov 2025
    pytest.param(date(2020, 6, 1), date(2025, 5, 31), date(2025, 11, 30), id="day-before-5"),
    # DOB 29 Feb 2020: DOB + 60 months = 29 Feb 2025 -> 28 Feb 2025 (the 5th birthday)
    pytest.param(date(2020, 2, 29), date(2025, 2, 28), date(2026, 2, 28), id="leap-dob-5"),
    pytest.param(date(2020, 2, 29), date(2025, 2, 27), date(2025, 8, 27), id="leap-dob-4"),
])
def test_fifth_birthday(dob: date, last: date, due: date) -> None:
    r = rha(start=date(2024, 11, 4), as_of=date(2025, 7, 1), dob=dob,
            events=[("iha", date(2024, 11, 20), None), ("rha", last, None)])
    assert r["last_assessment"] == last
    assert r["rha_due"] == due


@pytest.mark.parametrize(("dob", "last", "conservative", "lenient"), [
    # DOB 1 Jun 2020 -> 5th birthday 1 Jun 2025.
    # last 15 Jan 2025: + 6 = 15 Jul 2025; birthday 1 Jun is before it -> lenient 12 months
    pytest.param(date(2020, 6, 1), date(2025, 1, 15), date(2025, 7, 15), date(2026, 1, 15),
                 id="birthday-inside-6-months"),
    # last 1 Dec 2024: + 6 = 1 Jun 2025 = birthday, not before it -> 6 months either way
    pytest.param(date(2020, 6, 1), date(2024, 12, 1), date(2025, 6, 1), date(2025, 6, 1),
                 id="birthday-on-last+6"),
    # last 2 Dec 2024: + 6 = 2 Jun 2025; birthday 1 Jun is before -> lenient 12 -> 2 Dec 2025
    pytest.param(date(2020, 6, 1), date(2024, 12, 2), date(2025, 6, 2), date(2025, 12, 2),
                 id="birthday-day-before-last+6"),
    # DOB 1 Jun 2022: 5 in 2027 -> 6 months in both modes
    pytest.param(date(2022, 6, 1), date(2025, 1, 15), date(2025, 7, 15), date(2025, 7, 15),
                 id="young-child"),
    # already 5 -> 12 months in both modes
    pytest.param(date(2020, 6, 1), date(2025, 6, 1), date(2026, 6, 1), date(2026, 6, 1),
                 id="already-5"),
])
def test_age5_modes(dob: date, last: date, conservative: date,
                    lenient: date) -> None:
    kw = {"start": date(2024, 10, 1), "as_of": date(2025, 6, 10), "dob": dob,
          "events": [("rha", last, None)]}
    c = rha(**kw)  # type: ignore[arg-type]
    n = rha(policy=Policy(age5_mode="lenient"), **kw)  # type: ignore[arg-type]
    assert c["rha_due"] == conservative
    assert n["rha_due"] == lenient


# --- no assessment at all --------------------------------------------------------------------
# Clock Fri 19 Dec 2025, IHA due Wed 21 Jan 2026.

FRI_19_DEC = date(2025, 12, 19)


@pytest.mark.parametrize(("events", "as_of", "iha_status", "status"), [
    pytest.param([("declined", date(2026, 1, 5), "iha")], date(2026, 3, 1), "declined",
                 "declined", id="iha-declined"),
    pytest.param([], date(2026, 1, 10), "due", "not_required", id="iha-still-due"),
    pytest.param([], date(2026, 1, 21), "due", "not_required", id="iha-due-on-due-day"),
    pytest.param([], date(2026, 1, 22), "overdue", "none_recorded", id="iha-overdue"),
    # a declined RHA with no assessment at all: the "no IHA or RHA" branch comes first
    pytest.param([("declined", date(2026, 2, 1), "rha")], date(2026, 3, 1), "overdue",
                 "none_recorded", id="rha-declined-no-assessment"),
    # assessments after as-of do not count
    pytest.param([("iha", date(2026, 3, 2), None)], date(2026, 3, 1), "overdue",
                 "none_recorded", id="iha-after-as-of"),
])
def test_no_iha_or_rha(events: list, as_of: date, iha_status: str,
                       status: str) -> None:
    r = rha(start=FRI_19_DEC, as_of=as_of, events=events)
    assert r["iha_status"] == iha_status
    assert r["last_assessment"] is None
    assert r["rha_due"] is None  # nothing to add the interval to: not computed -> blank
    assert r["rha_status"] == status


# --- declined after the last -----------------------------------------------------------------
# Clock Fri 19 Dec 2025, IHA Sat 10 Jan 2026 (age 10) -> due 10 Jan 2027; as-of 1 Aug 2026.

@pytest.mark.parametrize(("declined", "detail", "status"), [
    pytest.param(date(2026, 7, 20), "rha", "declined", id="after-last"),
    pytest.param(date(2026, 1, 11), "rha", "declined", id="day-after-last"),
    pytest.param(date(2026, 1, 10), "rha", "in_date", id="same-day-as-last"),
    pytest.param(date(2026, 1, 5), "rha", "in_date", id="before-last"),
    pytest.param(date(2026, 8, 2), "rha", "in_date", id="after-as-of"),
    pytest.param(date(2026, 7, 20), "iha", "in_date", id="iha-declined-not-rha"),
    pytest.param(date(2026, 7, 20), "dental", "in_date", id="dental-declined-not-rha"),
])
def test_declined_rha(declined: date, detail: str, status: str) -> None:
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1),
            events=[("iha", date(2026, 1, 10), None), ("declined", declined, detail)])
    assert r["rha_due"] == date(2027, 1, 10)
    assert r["rha_status"] == status


def test_declined_beats_overdue() -> None:
    # IHA Sat 20 Dec 2025 -> due 20 Dec 2026 < as-of 1 Mar 2027; declined rha 1 Feb 2027
    r = rha(start=date(2025, 12, 1), as_of=date(2027, 3, 1),
            events=[("iha", date(2025, 12, 20), None), ("declined", date(2027, 2, 1), "rha")])
    assert r["rha_due"] == date(2026, 12, 20)
    assert r["rha_status"] == "declined"


def test_rha_after_a_decline_resets() -> None:
    # declined 1 Feb 2027, then done 10 Feb 2027 -> last 10 Feb 2027, due 10 Feb 2028
    r = rha(start=date(2025, 12, 1), as_of=date(2027, 3, 1),
            events=[("iha", date(2025, 12, 20), None), ("declined", date(2027, 2, 1), "rha"),
                    ("rha", date(2027, 2, 10), None)])
    assert r["last_assessment"] == date(2027, 2, 10)
    assert r["rha_due"] == date(2028, 2, 10)
    assert r["rha_status"] == "in_date"


# --- last assessment -------------------------------------------------------------------------

def test_latest_of_iha_and_rha() -> None:
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1),
            events=[("iha", date(2026, 1, 10), None), ("rha", date(2026, 7, 5), None)])
    assert r["last_assessment"] == date(2026, 7, 5)
    assert r["rha_due"] == date(2027, 7, 5)


def test_rha_after_as_of_ignored() -> None:
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1),
            events=[("iha", date(2026, 1, 10), None), ("rha", date(2026, 8, 5), None)])
    assert r["last_assessment"] == date(2026, 1, 10)


def test_assessment_before_care_counts_as_last() -> None:
    # an IHA in the 3 months before care: it is both the IHA and the last assessment.
    # 1 Nov 2025 + 12 = 1 Nov 2026; as-of 10 Oct 2026 + 28 = 7 Nov 2026 -> due_soon
    r = rha(start=FRI_19_DEC, as_of=date(2026, 10, 10),
            events=[("iha", date(2025, 11, 1), None)])
    assert r["iha_status"] == "on_time"
    assert r["rha_due"] == date(2026, 11, 1)
    assert r["rha_status"] == "due_soon"


@pytest.mark.parametrize(("as_of", "horizon", "status"), [
    # due 10 Jan 2027. 27 Dec 2026 + 14 = 10 Jan 2027 -> due_soon; 26 Dec + 14 = 9 Jan -> in_date
    pytest.param(date(2026, 12, 27), 14, "due_soon", id="h14-exact"),
    pytest.param(date(2026, 12, 26), 14, "in_date", id="h14-day-before"),
    pytest.param(date(2026, 12, 26), 28, "due_soon", id="h28"),
    # 13 Dec 2026 + 28 = 10 Jan 2027 -> due_soon; 12 Dec + 28 = 9 Jan -> in_date
    pytest.param(date(2026, 12, 13), 28, "due_soon", id="h28-exact"),
    pytest.param(date(2026, 12, 12), 28, "in_date", id="h28-day-before"),
])
def test_horizon_policy(as_of: date, horizon: int, status: str) -> None:
    r = rha(start=FRI_19_DEC, as_of=as_of, policy=Policy(horizon_days=horizon),
            events=[("iha", date(2026, 1, 10), None)])
    assert r["rha_status"] == status


def test_not_in_care_is_not_required_with_blank_due() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 6, 30),
            "legal_status": "C2", "rne": "S"}]
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1), episodes=eps,
            events=[("iha", date(2026, 1, 10), None)])
    assert r["in_care"] is False
    assert r["rha_status"] == "not_required"
    assert r["rha_due"] is None
    assert r["last_assessment"] == date(2026, 1, 10)


def test_not_in_care_overrides_none_recorded() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 6, 30),
            "legal_status": "C2", "rne": "S"}]
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1), episodes=eps, events=[])
    assert r["rha_status"] == "not_required"


def test_no_clock_is_not_required() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": None, "legal_status": "V3",
            "rne": "S"}]
    r = rha(start=FRI_19_DEC, as_of=date(2026, 8, 1), episodes=eps,
            events=[("iha", date(2026, 1, 10), None)])
    assert r["rha_status"] == "not_required"
    assert r["rha_due"] is None
