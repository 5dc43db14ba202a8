"""docs/rules.md §4 R4 Dental, worked by hand.

Due = the later of last dental + dental_interval_months (12; 6 allowed) and clock + 40 working
days; with no dental check at all, the latter. Statuses as R3: declined, overdue (due < as-of),
due_soon (due <= as-of + 28), in_date, not_required (not in care / no clock).
"""

from __future__ import annotations

from datetime import date

import pytest

from healthcheck.policy import Policy
from tests.helpers import child_row, child_status

FRI_19_DEC = date(2025, 12, 19)
# Clock Fri 19 Dec 2025 + 40 working days: +20 = Wed 21 Jan 2026, then Thu 22 = 21,
# Fri 23 = 22, Mon 26..Fri 30 = 23..27, Mon 2..Fri 6 Feb = 28..32, Mon 9..Fri 13 = 33..37,
# Mon 16 = 38, Tue 17 = 39, Wed 18 Feb 2026 = 40.
FIRST_DUE = date(2026, 2, 18)


def dental(*, as_of: date, events: list = (), start: date = FRI_19_DEC,  # type: ignore[assignment]
           **kw: object) -> dict:
    return child_status(start=start, as_of=as_of, events=list(events), **kw)


@pytest.mark.parametrize(("as_of", "status"), [
    # 20 Jan + 28 = 17 Feb < 18 Feb -> in_date; 21 Jan + 28 = 18 Feb -> due_soon
    pytest.param(date(2026, 1, 20), "in_date", id="before-horizon"),
    pytest.param(date(2026, 1, 21), "due_soon", id="exactly-horizon"),
    pytest.param(date(2026, 2, 18), "due_soon", id="as-of-is-due"),
    pytest.param(date(2026, 2, 19), "overdue", id="day-after-due"),
])
def test_first_check_due_40_working_days_after_clock(as_of: date,
                                                      status: str) -> None:
    r = dental(as_of=as_of)
    assert r["dental_last"] is None
    assert r["dental_due"] == FIRST_DUE
    assert r["dental_status"] == status


@pytest.mark.parametrize(("last", "due"), [
    # last + 12 months later than 18 Feb 2026 -> last + 12
    pytest.param(date(2025, 6, 1), date(2026, 6, 1), id="last+12-later"),
    pytest.param(date(2025, 3, 1), date(2026, 3, 1), id="last+12-just-later"),
    # equal: 18 Feb 2025 + 12 = 18 Feb 2026
    pytest.param(date(2025, 2, 18), date(2026, 2, 18), id="equal"),
    # last + 12 = 17 Feb 2026, earlier -> first-due 18 Feb 2026
    pytest.param(date(2025, 2, 17), FIRST_DUE, id="last+12-day-earlier"),
    pytest.param(date(2025, 1, 1), FIRST_DUE, id="last+12-earlier"),
    # a check after coming into care: 10 Jan 2026 + 12 = 10 Jan 2027
    pytest.param(date(2026, 1, 10), date(2027, 1, 10), id="check-in-care"),
])
def test_later_of_last_plus_interval_and_first_due(last: date,
                                                    due: date) -> None:
    r = dental(as_of=date(2026, 1, 15), events=[("dental", last, None)])
    assert r["dental_last"] == last
    assert r["dental_due"] == due


def test_in_date_after_a_check() -> None:
    r = dental(as_of=date(2026, 1, 15), events=[("dental", date(2025, 6, 1), None)])
    assert r["dental_status"] == "in_date"


def test_overdue_a_year_after_the_check() -> None:
    # 10 Jan 2026 + 12 = 10 Jan 2027 < as-of 11 Jan 2027
    r = dental(as_of=date(2027, 1, 11), events=[("dental", date(2026, 1, 10), None)])
    assert r["dental_due"] == date(2027, 1, 10)
    assert r["dental_status"] == "overdue"


def test_latest_dental_is_used() -> None:
    r = dental(as_of=date(2026, 1, 15),
               events=[("dental", date(2025, 6, 1), None), ("dental", date(2025, 3, 1), None)])
    assert r["dental_last"] == date(2025, 6, 1)
    assert r["dental_due"] == date(2026, 6, 1)


@pytest.mark.parametrize(("last", "six", "twelve"), [
    # 31 Aug 2025 + 6 = 31 Feb -> 28 Feb 2026 (later than 18 Feb); + 12 = 31 Aug 2026
    pytest.param(date(2025, 8, 31), date(2026, 2, 28), date(2026, 8, 31), id="31aug"),
    # 1 Jul 2025 + 6 = 1 Jan 2026, earlier than 18 Feb -> 18 Feb; + 12 = 1 Jul 2026
    pytest.param(date(2025, 7, 1), FIRST_DUE, date(2026, 7, 1), id="1jul"),
])
def test_six_month_policy(last: date, six: date, twelve: date) -> None:
    ev = [("dental", last, None)]
    r6 = dental(as_of=date(2026, 1, 15), events=ev,
                policy=Policy(dental_interval_months=6))
    r12 = dental(as_of=date(2026, 1, 15), events=ev)
    assert r6["dental_due"] == six
    assert r12["dental_due"] == twelve


def test_six_month_policy_into_leap_february() -> None:
    # clock Mon 5 Jun 2023 (first due late July 2023); dental 31 Aug 2023 + 6 = 29 Feb 2024.
    # as-of 1 Feb 2024 + 28 = 29 Feb 2024 -> due_soon
    r = dental(start=date(2023, 6, 5), as_of=date(2024, 2, 1),
               events=[("dental", date(2023, 8, 31), None)],
               policy=Policy(dental_interval_months=6))
    assert r["dental_due"] == date(2024, 2, 29)
    assert r["dental_status"] == "due_soon"


def test_first_due_working_days_from_policy() -> None:
    # 20 working days from Fri 19 Dec 2025 = Wed 21 Jan 2026
    r = dental(as_of=date(2026, 1, 15), policy=Policy(dental_first_due_wd=20))
    assert r["dental_due"] == date(2026, 1, 21)


def test_weekend_clock_first_due() -> None:
    # Sat 20 Dec 2025 -> day 0 Mon 22; +20 = Thu 22 Jan; Fri 23 = 21, Mon 26..Fri 30 = 22..26,
    # Mon 2..Fri 6 Feb = 27..31, Mon 9..Fri 13 = 32..36, Mon 16 = 37, Tue 17 = 38,
    # Wed 18 = 39, Thu 19 Feb = 40.
    r = dental(start=date(2025, 12, 20), as_of=date(2026, 1, 15))
    assert r["dental_due"] == date(2026, 2, 19)


def test_easter_first_due() -> None:
    # Thu 28 Mar 2024: +20 = Mon 29 Apr (see R2 tests); Tue 30 Apr = 21, Wed 1 May = 22,
    # Thu 2 = 23, Fri 3 = 24, (Mon 6 May bank holiday), Tue 7..Fri 10 = 25..28,
    # Mon 13..Fri 17 = 29..33, Mon 20..Fri 24 = 34..38, (Mon 27 May bank holiday),
    # Tue 28 = 39, Wed 29 May 2024 = 40.
    r = dental(start=date(2024, 3, 28), as_of=date(2024, 4, 15))
    assert r["dental_due"] == date(2024, 5, 29)


def test_dental_after_as_of_is_ignored() -> None:
    r = dental(as_of=date(2026, 3, 1), events=[("dental", date(2026, 3, 5), None)])
    assert r["dental_last"] is None
    assert r["dental_due"] == FIRST_DUE
    assert r["dental_status"] == "overdue"


@pytest.mark.parametrize(("events", "status"), [
    # last 1 Jun 2025 (due 1 Jun 2026), as-of 10 Mar 2026
    pytest.param([("dental", date(2025, 6, 1), None), ("declined", date(2026, 3, 1), "dental")],
                 "declined", id="declined-after-last"),
    pytest.param([("dental", date(2025, 6, 1), None), ("declined", date(2025, 5, 1), "dental")],
                 "in_date", id="declined-before-last"),
    pytest.param([("dental", date(2025, 6, 1), None), ("declined", date(2025, 6, 1), "dental")],
                 "in_date", id="declined-same-day-as-last"),
    pytest.param([("dental", date(2025, 6, 1), None), ("declined", date(2026, 3, 11), "dental")],
                 "in_date", id="declined-after-as-of"),
    pytest.param([("dental", date(2025, 6, 1), None), ("declined", date(2026, 3, 1), "rha")],
                 "in_date", id="rha-declined-not-dental"),
    # no dental check at all; a dental decline after the clock start (ambiguous, see report)
    pytest.param([("declined", date(2026, 1, 10), "dental")], "declined",
                 id="declined-no-check-yet"),
    pytest.param([("was_not_brought", date(2026, 1, 10), "dental")], "overdue",
                 id="was-not-brought-is-not-declined"),
])
def test_declined(events: list, status: str) -> None:
    r = dental(as_of=date(2026, 3, 10), events=events)
    assert r["dental_status"] == status


def test_not_in_care_is_not_required() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 1, 31),
            "legal_status": "C2", "rne": "S"}]
    r = dental(as_of=date(2026, 3, 10), episodes=eps,
               events=[("dental", date(2025, 6, 1), None)])
    assert r["dental_status"] == "not_required"
    assert r["dental_due"] is None
    assert r["dental_last"] == date(2025, 6, 1)


def test_no_clock_is_not_required() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": None, "legal_status": "V3",
            "rne": "S"}]
    r = dental(as_of=date(2026, 3, 10), episodes=eps)
    assert r["dental_status"] == "not_required"
    assert r["dental_due"] is None


def test_case_dental_does_not_feed_children_csv() -> None:
    r = child_row(start=FRI_19_DEC, as_of=date(2026, 1, 15),
                  case_events=[("dental", date(2025, 6, 1), None)])
    assert r["dental_last"] is None
    assert r["dental_due"] == FIRST_DUE
