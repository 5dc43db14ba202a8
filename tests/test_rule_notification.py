"""docs/rules.md §4 R1 Notification, worked by hand.

Working days from clock start (day 0) to the earliest `notification_received` (health) dated on
or after clock start - 10 calendar days; one before the clock counts 0. Target 5.
"""

from __future__ import annotations

from datetime import date

import pytest

from healthcheck.policy import Policy
from tests.helpers import child_row, child_status

FRI_19_DEC = date(2025, 12, 19)
# Clock Fri 19 Dec 2025 = day 0: Mon 22 = 1, Tue 23 = 2, Wed 24 = 3, (Thu 25, Fri 26 bank
# holidays, weekend), Mon 29 = 4, Tue 30 = 5 (target day), Wed 31 = 6, (Thu 1 Jan bank
# holiday), Fri 2 Jan = 7, Mon 5 = 8, Tue 6 = 9, Wed 7 = 10.


def notif(start: date, received: list[date], as_of: date = date(2026, 3, 1),
          **kw: object) -> dict:
    return child_status(start=start, as_of=as_of,
                     events=[("notification_received", d, None) for d in received], **kw)


@pytest.mark.parametrize(("received", "wd", "status"), [
    pytest.param(date(2025, 12, 19), 0, "on_time", id="same-day"),
    pytest.param(date(2025, 12, 22), 1, "on_time", id="mon22"),
    pytest.param(date(2025, 12, 24), 3, "on_time", id="wed24"),
    pytest.param(date(2025, 12, 29), 4, "on_time", id="mon29-after-xmas"),
    pytest.param(date(2025, 12, 30), 5, "on_time", id="tue30-target-day"),
    pytest.param(date(2025, 12, 31), 6, "late", id="wed31-day-after"),
    pytest.param(date(2026, 1, 2), 7, "late", id="fri2jan"),
    pytest.param(date(2026, 1, 7), 10, "late", id="wed7jan"),
])
def test_working_days_over_christmas(received: date, wd: int,
                                     status: str) -> None:
    r = notif(FRI_19_DEC, [received])
    assert r["clock_start"] == FRI_19_DEC
    assert r["notification_date"] == received
    assert r["notification_wd"] == wd
    assert r["notification_status"] == status


@pytest.mark.parametrize(("received", "counts"), [
    pytest.param(date(2025, 12, 18), True, id="1-day-before"),
    pytest.param(date(2025, 12, 9), True, id="10-days-before"),
    pytest.param(date(2025, 12, 8), False, id="11-days-before"),
])
def test_notification_before_clock_counts_zero(received: date,
                                               counts: bool) -> None:
    # clock - 10 calendar days = Tue 9 Dec 2025
    r = notif(FRI_19_DEC, [received])
    if counts:
        assert r["notification_date"] == received
        assert r["notification_wd"] == 0
        assert r["notification_status"] == "on_time"
    else:
        assert r["notification_date"] is None
        assert r["notification_wd"] is None
        assert r["notification_status"] == "missing"


def test_earliest_qualifying_wins() -> None:
    r = notif(FRI_19_DEC, [date(2026, 1, 5), date(2025, 12, 23)])
    assert r["notification_date"] == date(2025, 12, 23)
    assert r["notification_wd"] == 2
    assert r["notification_status"] == "on_time"


def test_too_early_one_is_skipped_for_the_next() -> None:
    # 1 Dec is before clock - 10 days; the next is Fri 2 Jan = day 7
    r = notif(FRI_19_DEC, [date(2025, 12, 1), date(2026, 1, 2)])
    assert r["notification_date"] == date(2026, 1, 2)
    assert r["notification_wd"] == 7
    assert r["notification_status"] == "late"


@pytest.mark.parametrize(("as_of", "status"), [
    pytest.param(date(2025, 12, 19), "pending", id="clock-day"),
    pytest.param(date(2025, 12, 30), "pending", id="as-of-is-target-day"),
    pytest.param(date(2025, 12, 31), "missing", id="as-of-past-target-day"),
])
def test_missing_vs_pending(as_of: date, status: str) -> None:
    # target day = clock + 5 working days = Tue 30 Dec 2025; "missing" only when as-of is past it
    r = notif(FRI_19_DEC, [], as_of=as_of)
    assert r["notification_status"] == status
    assert r["notification_date"] is None
    assert r["notification_wd"] is None


def test_notification_after_as_of_is_ignored_pending() -> None:
    r = notif(FRI_19_DEC, [date(2025, 12, 29)], as_of=date(2025, 12, 24))
    assert r["notification_status"] == "pending"
    assert r["notification_date"] is None


def test_notification_after_as_of_is_ignored_missing() -> None:
    r = notif(FRI_19_DEC, [date(2026, 1, 6)], as_of=date(2026, 1, 5))
    assert r["notification_status"] == "missing"
    assert r["notification_date"] is None


def test_notification_on_as_of_counts() -> None:
    r = notif(FRI_19_DEC, [date(2025, 12, 30)], as_of=date(2025, 12, 30))
    assert r["notification_status"] == "on_time"
    assert r["notification_wd"] == 5


@pytest.mark.parametrize(("received", "wd", "status"), [
    # Clock Sat 20 Dec 2025: day 0 = Mon 22; Tue 23 = 1, Wed 24 = 2, Mon 29 = 3, Tue 30 = 4,
    # Wed 31 = 5 (target day), Fri 2 Jan = 6.
    pytest.param(date(2025, 12, 20), 0, "on_time", id="sat-clock-day"),
    pytest.param(date(2025, 12, 22), 0, "on_time", id="mon22-is-day0"),
    pytest.param(date(2025, 12, 31), 5, "on_time", id="wed31"),
    pytest.param(date(2026, 1, 2), 6, "late", id="fri2jan"),
])
def test_weekend_clock_counts_from_next_working_day(received: date, wd: int,
                                                    status: str) -> None:
    r = notif(date(2025, 12, 20), [received])
    assert r["notification_wd"] == wd
    assert r["notification_status"] == status


def test_weekend_clock_pending_until_shifted_target_day() -> None:
    # clock Sat 20 Dec -> target day Wed 31 Dec; as-of Wed 31 Dec is not past it
    assert notif(date(2025, 12, 20), [],
                 as_of=date(2025, 12, 31))["notification_status"] == "pending"


@pytest.mark.parametrize(("received", "wd", "status"), [
    # Clock Fri 9 Jan 2026: Mon 12 = 1, ..., Fri 16 = 5 (target day).
    pytest.param(date(2026, 1, 16), 5, "on_time", id="fri16-target"),
    # Received Sat 17 Jan: after the target day -> late. Working days Fri 9 .. Sat 17 counting
    # the start and not the end: Fri 9, Mon 12..Fri 16 = 6.
    pytest.param(date(2026, 1, 17), 6, "late", id="sat17-after-target"),
    pytest.param(date(2026, 1, 19), 6, "late", id="mon19"),
])
def test_notification_on_a_weekend_after_the_target(received: date, wd: int,
                                                     status: str) -> None:
    r = notif(date(2026, 1, 9), [received])
    assert r["notification_wd"] == wd
    assert r["notification_status"] == status


@pytest.mark.parametrize(("received", "wd", "status"), [
    # Clock Thu 17 Apr 2025; Good Fri 18, Easter Mon 21. Tue 22 = 1, Wed 23 = 2, Thu 24 = 3,
    # Fri 25 = 4, Mon 28 = 5, Tue 29 = 6.
    pytest.param(date(2025, 4, 22), 1, "on_time", id="tue22"),
    pytest.param(date(2025, 4, 28), 5, "on_time", id="mon28"),
    pytest.param(date(2025, 4, 29), 6, "late", id="tue29"),
])
def test_easter_2025(received: date, wd: int, status: str) -> None:
    r = notif(date(2025, 4, 17), [received], as_of=date(2025, 6, 1))
    assert r["notification_wd"] == wd
    assert r["notification_status"] == status


@pytest.mark.parametrize(("received", "wd", "status"), [
    # Clock Fri 28 Apr 2023; Mon 1 May and Mon 8 May (coronation) bank holidays.
    # Tue 2 = 1, Wed 3 = 2, Thu 4 = 3, Fri 5 = 4, Tue 9 = 5, Wed 10 = 6.
    pytest.param(date(2023, 5, 9), 5, "on_time", id="tue9"),
    pytest.param(date(2023, 5, 10), 6, "late", id="wed10"),
])
def test_coronation_2023(received: date, wd: int, status: str) -> None:
    r = notif(date(2023, 4, 28), [received], as_of=date(2023, 7, 1))
    assert r["notification_wd"] == wd
    assert r["notification_status"] == status


def test_target_from_policy() -> None:
    # Wed 7 Jan 2026 = day 10 from Fri 19 Dec 2025: late at 5, on_time at 10
    r5 = notif(FRI_19_DEC, [date(2026, 1, 7)])
    r10 = notif(FRI_19_DEC, [date(2026, 1, 7)],
                policy=Policy(notification_target_wd=10))
    assert (r5["notification_wd"], r5["notification_status"]) == (10, "late")
    assert (r10["notification_wd"], r10["notification_status"]) == (10, "on_time")


def test_policy_target_moves_the_pending_day() -> None:
    # target 10 -> target day Wed 7 Jan 2026; as-of Tue 6 Jan: pending, not missing
    r = notif(FRI_19_DEC, [], as_of=date(2026, 1, 6),
              policy=Policy(notification_target_wd=10))
    assert r["notification_status"] == "pending"


def test_health_uses_notification_received_not_sent() -> None:
    # notification_sent is the case system's event; in the health extract it is not R1's event,
    # and the case's notification_sent does not feed children.csv (health is authoritative)
    r = child_row(start=FRI_19_DEC, as_of=date(2026, 3, 1),
                  events=[("notification_sent", date(2025, 12, 22), None)],
                  case_events=[("notification_sent", date(2025, 12, 22), None)])
    assert r["notification_status"] == "missing"
    assert r["notification_date"] is None


def test_clock_after_short_break_measures_from_care_start() -> None:
    # V3 Mon 1 Dec -> Fri 19 Dec 2025, C2 from Fri 19 Dec (contiguous): clock Fri 19 Dec.
    # Received Tue 16 Dec: within clock - 10 days (9 Dec) -> counts 0.
    eps = [{"child_id": "C1", "start_date": date(2025, 12, 1), "end_date": FRI_19_DEC,
            "legal_status": "V3", "rne": "S"},
           {"child_id": "C1", "start_date": FRI_19_DEC, "legal_status": "C2", "rne": None}]
    r = child_status(start=date(2025, 12, 1), as_of=date(2026, 3, 1), episodes=eps,
                  events=[("notification_received", date(2025, 12, 16), None)])
    assert r["clock_start"] == FRI_19_DEC
    assert r["notification_wd"] == 0
    assert r["notification_status"] == "on_time"


def test_mixed_case_event_type() -> None:
    r = child_row(start=FRI_19_DEC, as_of=date(2026, 3, 1),
                  events=[(" Notification_Received ", date(2025, 12, 30), None)])
    assert r["notification_wd"] == 5
    assert r["notification_status"] == "on_time"


def test_short_stay_without_notification_is_missing() -> None:
    # R1 has no "left care" exemption: in care Fri 19 -> Mon 22 Dec, never notified -> missing
    eps = [{"child_id": "C1", "start_date": FRI_19_DEC, "end_date": date(2025, 12, 22),
            "legal_status": "C2", "rne": "S"}]
    r = child_status(start=FRI_19_DEC, as_of=date(2026, 3, 1), episodes=eps)
    assert r["in_care"] is False
    assert r["notification_status"] == "missing"
