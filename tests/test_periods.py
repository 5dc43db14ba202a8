"""Periods of care, clock start, in care and the OC2 cohort (R6), worked by hand.

One child (DOB 1 Jun 2015 unless said), its episodes given explicitly.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import child_row, child_status

CHECKS = ("notification_status", "iha_status", "rha_status", "dental_status")


def ep(start: date, end: date | None = None, ls: str = "C2", rne: str | None = "S") -> dict:
    return {"child_id": "C1", "start_date": start, "end_date": end, "legal_status": ls,
            "rne": rne}


def child(episodes: list[dict], as_of: date, *, whole: bool = False, **kw: object) -> dict:
    """The child's statuses from the rules alone, or (`whole`) its children.csv row from a
    whole reconcile: for codes as read from a file, and for a child without a period."""
    of = child_row if whole else child_status
    return of(start=episodes[0]["start_date"], as_of=as_of, episodes=episodes, **kw)


# --- periods ---------------------------------------------------------------------------------

def test_blank_rne_contiguous_is_one_period() -> None:
    # second episode starts on the day the first ended, rne blank -> same period
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)),
                         ep(date(2024, 6, 30), None, rne=None)], date(2025, 3, 1))
    assert r["period_start"] == date(2024, 1, 10)
    assert r["clock_start"] == date(2024, 1, 10)
    assert r["in_care"] is True


def test_blank_rne_gap_of_one_day_is_a_new_period() -> None:
    # ended 30 Jun, next starts 1 Jul: not "the day the previous one ended" -> new period
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)),
                         ep(date(2024, 7, 1), None, rne=None)], date(2025, 3, 1))
    assert r["period_start"] == date(2024, 7, 1)
    assert r["clock_start"] == date(2024, 7, 1)


def test_blank_rne_long_gap_is_a_new_period() -> None:
    r = child([ep(date(2022, 2, 1), date(2022, 8, 31)),
                         ep(date(2024, 9, 2), None, rne=None)], date(2025, 3, 1))
    assert r["period_start"] == date(2024, 9, 2)


def test_rne_s_contiguous_is_a_new_period() -> None:
    # rne = S starts a new period even though it follows on the same day
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)),
                         ep(date(2024, 6, 30), None, rne="S")], date(2025, 3, 1))
    assert r["period_start"] == date(2024, 6, 30)
    assert r["clock_start"] == date(2024, 6, 30)


def test_rne_s_mixed_case_and_spaces() -> None:
    # Inputs: stray whitespace and mixed-case codes are read
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)),
                         ep(date(2024, 6, 30), None, rne=" s ")], date(2025, 3, 1), whole=True)
    assert r["period_start"] == date(2024, 6, 30)


def test_rne_other_code_continues_the_period_even_after_a_gap() -> None:
    # a new period starts at rne = S, or "(when rne is blank)" at a gap. rne = P
    # (placement change) is neither -> same period, even with a gap.
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)),
                         ep(date(2024, 7, 15), None, rne="P")], date(2025, 3, 1))
    assert r["period_start"] == date(2024, 1, 10)


def test_episodes_are_sorted_by_start_date() -> None:
    eps = [ep(date(2024, 6, 30), None, rne=None), ep(date(2024, 1, 10), date(2024, 6, 30))]
    r = child_status(start=date(2024, 1, 10), as_of=date(2025, 3, 1), episodes=eps)
    assert r["period_start"] == date(2024, 1, 10)
    assert r["in_care"] is True


def test_reentry_into_care_uses_the_latest_period() -> None:
    # first period Jan-May 2023 (IHA done then), back in care Mon 2 Sep 2024.
    # New clock Mon 2 Sep 2024: Tue 3..Fri 6 = 1..4, 9..13 = 5..9, 16..20 = 10..14,
    # 23..27 = 15..19, Mon 30 Sep = 20 -> IHA due Mon 30 Sep 2024 (no bank holidays in Sept).
    # The Feb 2023 IHA is before clock - 3 months (2 Jun 2024): it does not qualify.
    r = child([ep(date(2023, 1, 10), date(2023, 5, 31)), ep(date(2024, 9, 2))],
              date(2025, 1, 15), events=[("iha", date(2023, 2, 1), None)])
    assert r["period_start"] == date(2024, 9, 2)
    assert r["clock_start"] == date(2024, 9, 2)
    assert r["in_care"] is True
    assert r["iha_due"] == date(2024, 9, 30)
    assert r["iha_date"] is None
    assert r["iha_status"] == "overdue"
    # R3: "last assessment = latest iha or rha dated on or before as-of" (no period limit):
    # 1 Feb 2023, age 7 -> 12 months -> 1 Feb 2024 < as-of -> overdue
    assert r["last_assessment"] == date(2023, 2, 1)
    assert r["rha_due"] == date(2024, 2, 1)
    assert r["rha_status"] == "overdue"


# --- in care at as-of ------------------------------------------------------------------------

def test_episode_ending_on_as_of_is_not_in_care() -> None:
    # in care = start <= as-of and (end blank or end > as-of); end == as-of -> not in care
    r = child([ep(date(2024, 3, 1), date(2025, 3, 1))], date(2025, 3, 1),
              events=[("iha", date(2024, 3, 20), None), ("dental", date(2024, 5, 1), None)])
    assert r["in_care"] is False
    assert r["period_start"] == date(2024, 3, 1)
    assert r["rha_status"] == "not_required"
    assert r["rha_due"] is None
    assert r["dental_status"] == "not_required"
    assert r["dental_due"] is None
    # "last_assessment and dental_last are the latest on or before as-of whatever the status"
    assert r["last_assessment"] == date(2024, 3, 20)
    assert r["dental_last"] == date(2024, 5, 1)
    # iha_due is given whenever there is a clock. Fri 1 Mar 2024 = 0; Mon 4..Fri 8 = 1..5,
    # 11..15 = 6..10, 18..22 = 11..15, 25..28 = 16..19 (Good Fri 29 Mar, Easter Mon 1 Apr),
    # Tue 2 Apr = 20.
    assert r["iha_due"] == date(2024, 4, 2)
    assert r["iha_status"] == "on_time"


def test_episode_ending_after_as_of_is_in_care() -> None:
    r = child([ep(date(2024, 3, 1), date(2025, 3, 2))], date(2025, 3, 1),
              events=[("iha", date(2024, 3, 20), None)])
    assert r["in_care"] is True
    # 20 Mar 2024, age 8 -> + 12 months = 20 Mar 2025; as-of + 28 = 29 Mar 2025 -> due_soon
    assert r["rha_due"] == date(2025, 3, 20)
    assert r["rha_status"] == "due_soon"


def test_open_episode_starting_on_as_of_is_in_care() -> None:
    r = child([ep(date(2025, 3, 3))], date(2025, 3, 3))
    assert r["in_care"] is True
    assert r["clock_start"] == date(2025, 3, 3)


def test_episode_starting_after_as_of_is_ignored() -> None:
    # the later period (starting 1 Jul) has not started at as-of 15 Jun
    r = child([ep(date(2024, 1, 10), date(2024, 6, 30)), ep(date(2024, 7, 1))],
              date(2024, 6, 15))
    assert r["period_start"] == date(2024, 1, 10)
    assert r["clock_start"] == date(2024, 1, 10)
    assert r["in_care"] is True


def test_only_episode_after_as_of_means_no_period() -> None:
    # children.csv: not in care, no period, every check not_required
    r = child([ep(date(2025, 6, 2))], date(2025, 3, 1), whole=True,
              events=[("iha", date(2025, 2, 1), None),
                      ("immunisations_up_to_date", date(2025, 2, 1), "Y")])
    assert r["in_care"] is False
    assert r["period_start"] is None
    assert r["clock_start"] is None
    for c in CHECKS:
        assert r[c] == "not_required", c
    assert r["iha_due"] is None
    assert r["oc2_cohort"] is False


def test_contiguous_episode_after_as_of_does_not_matter() -> None:
    # the first episode ends on as-of; the next (same period) starts the day after as-of:
    # at as-of no episode covers it -> not in care
    r = child([ep(date(2024, 1, 10), date(2024, 6, 15)),
                         ep(date(2024, 6, 16), None, rne="P")], date(2024, 6, 15))
    assert r["in_care"] is False
    assert r["period_start"] == date(2024, 1, 10)


# --- clock start -----------------------------------------------------------------------------

@pytest.mark.parametrize(("ls", "whole"), [("V3", False), ("V4", False), ("v3", True)])
def test_short_breaks_alone_have_no_clock(ls: str, whole: bool) -> None:
    # "v3": a code in lower case, as read from a file
    r = child([ep(date(2024, 5, 3), date(2024, 5, 5), ls=ls),
               ep(date(2024, 6, 7), date(2024, 6, 9), ls=ls)], date(2024, 7, 1), whole=whole,
              events=[("notification_received", date(2024, 6, 7), None),
                      ("immunisations_up_to_date", date(2024, 6, 8), "Y")])
    assert r["period_start"] == date(2024, 6, 7)
    assert r["clock_start"] is None
    assert r["iha_due"] is None
    assert r["rha_due"] is None
    assert r["dental_due"] is None
    for c in CHECKS:
        assert r[c] == "not_required", c
    # "every check is not_required" -- read as including R5
    assert r["immunisations_status"] == "not_required"
    assert r["oc2_cohort"] is False


def test_open_short_break_covering_as_of_has_no_clock() -> None:
    r = child([ep(date(2024, 6, 28), None, ls="V4")], date(2024, 7, 1))
    assert r["clock_start"] is None
    for c in CHECKS:
        assert r[c] == "not_required", c


def test_short_break_then_care_order_starts_clock_at_care_start() -> None:
    # V3 Fri 5 Apr 2024 -> Mon 8 Apr, C2 from Mon 8 Apr (rne blank, contiguous): one period
    # that started 5 Apr; the clock starts at the C2 start, 8 Apr.
    # IHA due: Mon 8 Apr = 0; 9..12 = 1..4, 15..19 = 5..9, 22..26 = 10..14, 29 Apr = 15,
    # 30 Apr = 16, 1 May = 17, 2 May = 18, 3 May = 19, (Mon 6 May bank holiday), Tue 7 May = 20.
    r = child([ep(date(2024, 4, 5), date(2024, 4, 8), ls="V3"),
                         ep(date(2024, 4, 8), None, ls="C2", rne=None)], date(2024, 8, 1))
    assert r["period_start"] == date(2024, 4, 5)
    assert r["clock_start"] == date(2024, 4, 8)
    assert r["iha_due"] == date(2024, 5, 7)


def test_clock_is_the_first_non_short_break_episode() -> None:
    # C2 then (same period) V3 then C2: the clock is the first C2
    r = child([ep(date(2024, 1, 10), date(2024, 3, 1)),
                         ep(date(2024, 3, 1), date(2024, 3, 4), ls="V3", rne=None),
                         ep(date(2024, 3, 4), None, rne=None)], date(2024, 8, 1))
    assert r["clock_start"] == date(2024, 1, 10)
    assert r["period_start"] == date(2024, 1, 10)


# --- R6 OC2 cohort ---------------------------------------------------------------------------
# as-of 31 Mar 2025; 12 months before = 31 Mar 2024 (calendar months).

AS_OF = date(2025, 3, 31)
# "12 months before" 31 Mar 2025 is read as the DfE year 1 Apr 2024 .. 31 Mar 2025 -- the same
# 12 months as the default period "the 12 months ending at as-of" (1 Apr .. 31 Mar). The
# DfE's own SSDA903 validator (lac_validator, CONTINUOUSLY_LOOKED_AFTER) treats a child as
# continuously looked after unless an `rne` S episode starts AFTER the collection start (1 Apr),
# or a V3/V4 episode ends on or after it (or is open).
@pytest.mark.parametrize(("start", "expected"), [
    (date(2023, 1, 10), True),
    (date(2024, 3, 30), True),
    (date(2024, 3, 31), True),
    # looked after every day of 1 Apr 2024 .. 31 Mar 2025: 12 months (DfE: on or before 1 Apr)
    pytest.param(date(2024, 4, 1), True),
    (date(2024, 4, 2), False),   # 12 months less a day
    (date(2024, 10, 1), False),
])
def test_oc2_twelve_months_boundary(start: date, expected: bool) -> None:
    r = child([ep(start)], AS_OF)
    assert r["oc2_cohort"] is expected


def test_oc2_needs_in_care_at_as_of() -> None:
    # ended on as-of -> not in care -> not in the cohort
    r = child([ep(date(2023, 1, 10), AS_OF)], AS_OF)
    assert r["oc2_cohort"] is False


def test_oc2_needs_continuity() -> None:
    # a one-day gap (blank rne) starts a new period on 2 May 2024 -> not 12 months continuous
    r = child([ep(date(2022, 1, 10), date(2024, 5, 1)),
                         ep(date(2024, 5, 2), None, rne=None)], AS_OF)
    assert r["oc2_cohort"] is False


def test_oc2_contiguous_episodes_count_as_continuous() -> None:
    r = child([ep(date(2022, 1, 10), date(2024, 5, 1)),
                         ep(date(2024, 5, 1), None, ls="C1", rne=None)], AS_OF)
    assert r["oc2_cohort"] is True


def test_oc2_short_break_inside_the_twelve_months_excludes() -> None:
    r = child([ep(date(2022, 1, 10), date(2024, 8, 1)),
                         ep(date(2024, 8, 1), date(2024, 8, 3), ls="V3", rne=None),
                         ep(date(2024, 8, 3), None, rne=None)], AS_OF)
    assert r["clock_start"] == date(2022, 1, 10)
    assert r["in_care"] is True
    assert r["oc2_cohort"] is False


def test_oc2_short_break_long_before_the_twelve_months_is_fine() -> None:
    # V3 in Jan 2023, care order since 1 Feb 2023 (same period): no V3/V4 in the 12 months
    r = child([ep(date(2023, 1, 10), date(2023, 2, 1), ls="V3"),
                         ep(date(2023, 2, 1), None, rne=None)], AS_OF)
    assert r["clock_start"] == date(2023, 2, 1)
    assert r["oc2_cohort"] is True


def test_oc2_short_break_ending_before_the_year_is_fine() -> None:
    # V3 ends 31 Mar 2024 (= the C2 start, contiguous): no V3/V4 in 1 Apr 2024 .. 31 Mar 2025
    r = child([ep(date(2023, 1, 10), date(2024, 3, 31), ls="V3"),
                         ep(date(2024, 3, 31), None, rne=None)], AS_OF)
    assert r["oc2_cohort"] is True


def test_oc2_short_break_ending_on_the_first_day_of_the_year_excludes() -> None:
    # V3 until 1 Apr 2024: under V3 on the first day of the year -> not in the cohort
    r = child([ep(date(2023, 1, 10), date(2024, 4, 1), ls="V3"),
                         ep(date(2024, 4, 1), None, rne=None)], AS_OF)
    assert r["oc2_cohort"] is False


def test_oc2_reentry_within_the_year_excludes() -> None:
    r = child([ep(date(2020, 1, 10), date(2024, 6, 30)), ep(date(2024, 7, 1))], AS_OF)
    assert r["period_start"] == date(2024, 7, 1)
    assert r["oc2_cohort"] is False
