"""docs/rules.md §4 R2 Initial health assessment, worked by hand.

Due = clock + 20 working days (28CD: + 28 calendar days). The qualifying IHA is the earliest
`iha` on or after clock - 3 calendar months. Status, first that applies: not_required (no
clock); on_time (IHA <= due); late; not_required (no IHA and the period ended before due);
declined (iha declined on or after clock - 3 months); overdue (due < as-of); due.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from healthcheck.policy import Policy
from healthcheck.rules.iha import iha_due_soon
from tests.helpers import child_row, child_status

FRI_19_DEC = date(2025, 12, 19)
# Clock Fri 19 Dec 2025: +20 working days = Wed 21 Jan 2026 (the documented example):
# Mon 22 = 1, Tue 23 = 2, Wed 24 = 3, (25/26 Dec bank holidays), Mon 29 = 4, Tue 30 = 5,
# Wed 31 = 6, (1 Jan bank holiday), Fri 2 = 7, Mon 5..Fri 9 = 8..12, Mon 12..Fri 16 = 13..17,
# Mon 19 = 18, Tue 20 = 19, Wed 21 = 20.
DUE = date(2026, 1, 21)
LATER = date(2026, 3, 1)


def iha(start: date = FRI_19_DEC, events: list = (), as_of: date = LATER,  # type: ignore[assignment]
        **kw: object) -> dict:
    return child_status(start=start, as_of=as_of, events=list(events), **kw)


@pytest.mark.parametrize(("done", "status"), [
    pytest.param(date(2025, 12, 19), "on_time", id="clock-day"),
    pytest.param(date(2026, 1, 20), "on_time", id="day-before-due"),
    pytest.param(date(2026, 1, 21), "on_time", id="exactly-due"),
    pytest.param(date(2026, 1, 22), "late", id="day-after-due"),
    pytest.param(date(2026, 2, 27), "late", id="weeks-late"),
])
def test_on_time_vs_late(done: date, status: str) -> None:
    r = iha(events=[("iha", done, None)])
    assert r["iha_due"] == DUE
    assert r["iha_date"] == done
    assert r["iha_status"] == status


@pytest.mark.parametrize(("done", "status"), [
    # 28CD: Fri 19 Dec 2025 + 28 days = 47 Dec = Fri 16 Jan 2026
    pytest.param(date(2026, 1, 16), "on_time", id="28cd-exactly-due"),
    pytest.param(date(2026, 1, 17), "late", id="28cd-day-after"),
])
def test_28_calendar_days(done: date, status: str) -> None:
    r = iha(events=[("iha", done, None)], policy=Policy(iha_rule="28CD"))
    assert r["iha_due"] == date(2026, 1, 16)
    assert r["iha_status"] == status


@pytest.mark.parametrize(("start", "due"), [
    # Thu 1 Feb 2024 + 28 = 29 Feb 2024 (leap); Sat 1 Feb 2025 + 28 = 1 Mar 2025.
    # 28CD ignores weekends and holidays: a Saturday clock is not moved.
    pytest.param(date(2024, 2, 1), date(2024, 2, 29), id="leap"),
    pytest.param(date(2025, 2, 1), date(2025, 3, 1), id="non-leap-sat"),
])
def test_28_calendar_days_over_february(start: date, due: date) -> None:
    r = iha(start=start, as_of=date(2025, 6, 1), policy=Policy(iha_rule="28CD"))
    assert r["iha_due"] == due


@pytest.mark.parametrize(("start", "due"), [
    # Sat 20 Dec 2025 -> day 0 Mon 22; Tue 23 = 1, Wed 24 = 2, Mon 29 = 3, Tue 30 = 4,
    # Wed 31 = 5, Fri 2 = 6, Mon 5..Fri 9 = 7..11, Mon 12..Fri 16 = 12..16, Mon 19 = 17,
    # Tue 20 = 18, Wed 21 = 19, Thu 22 = 20.
    pytest.param(date(2025, 12, 20), date(2026, 1, 22), id="weekend-start"),
    # Thu 28 Mar 2024 (Good Fri 29 Mar, Easter Mon 1 Apr): Tue 2..Fri 5 = 1..4,
    # Mon 8..Fri 12 = 5..9, 15..19 = 10..14, 22..26 = 15..19, Mon 29 Apr = 20.
    pytest.param(date(2024, 3, 28), date(2024, 4, 29), id="easter2024"),
    # Mon 14 Apr 2025 (Good Fri 18, Easter Mon 21): Tue 15 = 1, Wed 16 = 2, Thu 17 = 3,
    # Tue 22 = 4, Wed 23 = 5, Thu 24 = 6, Fri 25 = 7, Mon 28..Fri 2 May = 8..12,
    # (Mon 5 May bank holiday), Tue 6..Fri 9 = 13..16, Mon 12..Thu 15 = 17..20.
    pytest.param(date(2025, 4, 14), date(2025, 5, 15), id="easter2025"),
    # Mon 23 May 2022 (Thu 2 + Fri 3 Jun bank holidays; Mon 30 May is not one):
    # Tue 24..Fri 27 = 1..4, Mon 30 = 5, Tue 31 = 6, Wed 1 Jun = 7, Mon 6..Fri 10 = 8..12,
    # 13..17 = 13..17, Mon 20 = 18, Tue 21 = 19, Wed 22 Jun = 20.
    pytest.param(date(2022, 5, 23), date(2022, 6, 22), id="jubilee2022"),
    # Mon 12 Sep 2022 (Mon 19 Sep state funeral): Tue 13..Fri 16 = 1..4, Tue 20..Fri 23 =
    # 5..8, 26..30 = 9..13, 3..7 Oct = 14..18, Mon 10 = 19, Tue 11 Oct = 20.
    pytest.param(date(2022, 9, 12), date(2022, 10, 11), id="funeral2022"),
    # Mon 24 Apr 2023 (Mon 1 May, Mon 8 May coronation): Tue 25..Fri 28 = 1..4,
    # Tue 2..Fri 5 = 5..8, Tue 9..Fri 12 = 9..12, 15..19 = 13..17, Mon 22 = 18, Tue 23 = 19,
    # Wed 24 May = 20.
    pytest.param(date(2023, 4, 24), date(2023, 5, 24), id="coronation2023"),
    # Wed 15 Dec 2021 (Mon 27, Tue 28 Dec; Mon 3 Jan 2022 substitutes): Thu 16 = 1, Fri 17 = 2,
    # Mon 20..Fri 24 = 3..7, Wed 29 = 8, Thu 30 = 9, Fri 31 = 10, Tue 4..Fri 7 Jan = 11..14,
    # Mon 10..Fri 14 = 15..19, Mon 17 Jan = 20.
    pytest.param(date(2021, 12, 15), date(2022, 1, 17), id="xmas2021"),
    # Thu 15 Dec 2022 (Mon 26, Tue 27 Dec; Mon 2 Jan 2023): Fri 16 = 1, Mon 19..Fri 23 = 2..6,
    # Wed 28 = 7, Thu 29 = 8, Fri 30 = 9, Tue 3..Fri 6 = 10..13, Mon 9..Fri 13 = 14..18,
    # Mon 16 = 19, Tue 17 Jan = 20.
    pytest.param(date(2022, 12, 15), date(2023, 1, 17), id="xmas2022"),
    # Thu 1 Feb 2024: Fri 2 = 1, 5..9 = 2..6, 12..16 = 7..11, 19..23 = 12..16,
    # Mon 26 = 17, Tue 27 = 18, Wed 28 = 19, Thu 29 Feb = 20.
    pytest.param(date(2024, 2, 1), date(2024, 2, 29), id="leap-day-due"),
])
def test_due_date_over_holidays(start: date, due: date) -> None:
    r = iha(start=start, as_of=date(2026, 3, 1), events=[("iha", due, None)])
    assert r["iha_due"] == due
    assert r["iha_status"] == "on_time"


def test_easter_day_after_due_is_late() -> None:
    r = iha(start=date(2024, 3, 28), events=[("iha", date(2024, 4, 30), None)])
    assert r["iha_status"] == "late"


@pytest.mark.parametrize(("done", "counts"), [
    # clock Fri 19 Dec 2025 - 3 months = Fri 19 Sep 2025
    pytest.param(date(2025, 9, 19), True, id="exactly-3-months-before"),
    pytest.param(date(2025, 9, 18), False, id="3-months-and-a-day-before"),
    pytest.param(date(2025, 11, 1), True, id="weeks-before"),
])
def test_iha_in_three_months_before_care(done: date, counts: bool) -> None:
    r = iha(events=[("iha", done, None)])
    if counts:
        assert r["iha_date"] == done
        assert r["iha_status"] == "on_time"
    else:
        assert r["iha_date"] is None
        assert r["iha_status"] == "overdue"


@pytest.mark.parametrize(("start", "done", "counts"), [
    # Fri 30 May 2025 - 3 months = 30 Feb -> clamped to 28 Feb 2025
    pytest.param(date(2025, 5, 30), date(2025, 2, 28), True, id="clamped-28feb"),
    pytest.param(date(2025, 5, 30), date(2025, 2, 27), False, id="clamped-27feb"),
    # Wed 29 May 2024 - 3 months = 29 Feb 2024 (leap)
    pytest.param(date(2024, 5, 29), date(2024, 2, 29), True, id="leap-29feb"),
    pytest.param(date(2024, 5, 29), date(2024, 2, 28), False, id="leap-28feb"),
])
def test_three_month_lookback_at_month_ends(start: date, done: date,
                                            counts: bool) -> None:
    r = iha(start=start, events=[("iha", done, None)])
    assert (r["iha_date"] == done) is counts
    assert r["iha_status"] == ("on_time" if counts else "overdue")


def test_earliest_qualifying_iha_is_used() -> None:
    r = iha(events=[("iha", date(2026, 2, 2), None), ("iha", date(2026, 1, 10), None)])
    assert r["iha_date"] == date(2026, 1, 10)
    assert r["iha_status"] == "on_time"


def test_too_old_iha_skipped_for_the_late_one() -> None:
    r = iha(events=[("iha", date(2025, 6, 1), None), ("iha", date(2026, 2, 2), None)])
    assert r["iha_date"] == date(2026, 2, 2)
    assert r["iha_status"] == "late"


@pytest.mark.parametrize(("end", "status"), [
    # left Fri 9 Jan 2026, before due Wed 21 Jan, no IHA -> not_required
    pytest.param(date(2026, 1, 9), "not_required", id="left-before-due"),
    pytest.param(date(2026, 1, 20), "not_required", id="left-day-before-due"),
    # left on the due day: not "before the due date" -> overdue (as-of 1 Mar 2026)
    pytest.param(date(2026, 1, 21), "overdue", id="left-on-due-day"),
])
def test_leaving_before_due(end: date, status: str) -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": end, "legal_status": "C2",
            "rne": "S"}]
    r = iha(episodes=eps)
    assert r["in_care"] is False
    assert r["iha_due"] == DUE  # given whenever there is a clock
    assert r["iha_status"] == status


def test_leaving_before_due_with_iha_done_is_on_time() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 1, 9),
            "legal_status": "C2", "rne": "S"}]
    r = iha(episodes=eps, events=[("iha", date(2026, 1, 5), None)])
    assert r["iha_status"] == "on_time"


@pytest.mark.parametrize(("as_of", "status"), [
    pytest.param(date(2025, 12, 19), "due", id="clock-day"),
    pytest.param(date(2026, 1, 20), "due", id="day-before-due"),
    pytest.param(date(2026, 1, 21), "due", id="as-of-is-due-day"),  # overdue is due < as-of
    pytest.param(date(2026, 1, 22), "overdue", id="day-after-due"),
])
def test_due_vs_overdue(as_of: date, status: str) -> None:
    r = iha(as_of=as_of)
    assert r["iha_due"] == DUE
    assert r["iha_date"] is None
    assert r["iha_status"] == status


def test_iha_after_as_of_is_ignored() -> None:
    r = iha(as_of=date(2026, 1, 10), events=[("iha", date(2026, 1, 15), None)])
    assert r["iha_date"] is None
    assert r["iha_status"] == "due"


@pytest.mark.parametrize(("events", "as_of", "status"), [
    pytest.param([("declined", date(2026, 1, 10), "iha")], LATER, "declined", id="declined"),
    # declined before the due date, as-of still before due -> declined, not due
    pytest.param([("declined", date(2026, 1, 5), "iha")], date(2026, 1, 10), "declined",
                 id="declined-before-due"),
    # declined in the 3 months before care (on or after 19 Sep 2025) counts
    pytest.param([("declined", date(2025, 9, 19), "iha")], LATER, "declined",
                 id="declined-3-months-before"),
    pytest.param([("declined", date(2025, 9, 18), "iha")], LATER, "overdue",
                 id="declined-too-early"),
    pytest.param([("declined", date(2026, 1, 10), "rha")], LATER, "overdue",
                 id="declined-rha-not-iha"),
    pytest.param([("declined", date(2026, 1, 10), "dental")], LATER, "overdue",
                 id="declined-dental-not-iha"),
    # declined after as-of does not count yet
    pytest.param([("declined", date(2026, 1, 12), "iha")], date(2026, 1, 10), "due",
                 id="declined-after-as-of"),
    # an IHA done wins over a declined (on_time/late come first)
    pytest.param([("declined", date(2026, 1, 5), "iha"), ("iha", date(2026, 1, 20), None)],
                 LATER, "on_time", id="declined-then-done"),
    pytest.param([("declined", date(2026, 1, 5), "iha"), ("iha", date(2026, 2, 20), None)],
                 LATER, "late", id="declined-then-done-late"),
    # was_not_brought is not declined
    pytest.param([("was_not_brought", date(2026, 1, 10), "iha")], LATER, "overdue",
                 id="was-not-brought"),
])
def test_declined(events: list, as_of: date, status: str) -> None:
    r = iha(events=events, as_of=as_of)
    assert r["iha_status"] == status


def test_declined_mixed_case_detail_is_read() -> None:
    r = child_row(start=FRI_19_DEC, as_of=LATER, events=[("declined", date(2026, 1, 10), "IHA")])
    assert r["iha_status"] == "declined"


def test_declined_when_left_before_due_is_not_required() -> None:
    # "not_required (no IHA, period ended before due)" comes before "declined"
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 1, 9),
            "legal_status": "C2", "rne": "S"}]
    r = iha(episodes=eps, events=[("declined", date(2026, 1, 5), "iha")])
    assert r["iha_status"] == "not_required"


def test_rha_event_is_not_an_iha() -> None:
    r = iha(events=[("rha", date(2026, 1, 10), None)])
    assert r["iha_date"] is None
    assert r["iha_status"] == "overdue"


def test_case_iha_does_not_make_health_status() -> None:
    # children.csv follows the health extract (authoritative)
    r = child_row(start=FRI_19_DEC, as_of=LATER, case_events=[("iha", date(2026, 1, 10), None)])
    assert r["iha_date"] is None
    assert r["iha_status"] == "overdue"


def test_no_clock_is_not_required() -> None:
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": None, "legal_status": "V4",
            "rne": "S"}]
    r = iha(episodes=eps, events=[("iha", date(2026, 1, 10), None)])
    assert r["iha_due"] is None
    assert r["iha_status"] == "not_required"


def test_iha_after_leaving_and_after_due_is_late() -> None:
    # on_time/late come before the "left before due" not_required
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2026, 1, 9),
            "legal_status": "C2", "rne": "S"}]
    r = iha(episodes=eps, events=[("iha", date(2026, 2, 2), None)])
    assert r["iha_date"] == date(2026, 2, 2)
    assert r["iha_status"] == "late"


@pytest.mark.parametrize(("status", "due", "horizon", "soon"), [
    # As-of Tue 31 Mar 2026 (a month end); + 28 calendar days = Tue 28 Apr (Easter's bank
    # holidays, Fri 3 and Mon 6 Apr, do not move it: the horizon is in calendar days).
    pytest.param("due", date(2026, 3, 31), 28, True, id="due-on-as-of"),
    pytest.param("due", date(2026, 4, 28), 28, True, id="last-day-of-horizon"),
    pytest.param("due", date(2026, 4, 29), 28, False, id="day-after-horizon"),
    pytest.param("due", date(2026, 3, 31), 0, True, id="horizon-0-today"),
    pytest.param("due", date(2026, 4, 1), 0, False, id="horizon-0-tomorrow"),
    pytest.param("overdue", date(2026, 3, 30), 28, False, id="overdue-is-not-due-soon"),
    pytest.param("on_time", date(2026, 4, 7), 28, False, id="done"),
    pytest.param("declined", date(2026, 4, 7), 28, False, id="declined"),
])
def test_iha_due_soon(status: str, due: date, horizon: int, soon: bool) -> None:
    df = pl.DataFrame({"iha_status": [status], "iha_due": [due]})
    assert df.select(iha_due_soon(date(2026, 3, 31), horizon)).item() is soon


def test_iha_due_soon_without_clock_is_not_due_soon() -> None:
    df = pl.DataFrame({"iha_status": ["not_required", None], "iha_due": [None, None]},
                      schema={"iha_status": pl.String, "iha_due": pl.Date})
    got = df.filter(iha_due_soon(date(2026, 3, 31), 28))
    assert got.height == 0
