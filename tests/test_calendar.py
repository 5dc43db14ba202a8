"""The calendar (docs/rules.md §2): working days and calendar months, counted by hand.

Bank holidays in England used below (from gov.uk, counted by hand, not computed):
2021: Mon 27 + Tue 28 Dec (substitutes: Christmas Sat 25, Boxing Day Sun 26)
2022: Mon 3 Jan (New Year Sat 1 Jan), Good Fri 15 Apr, Easter Mon 18 Apr, Mon 2 May,
      Thu 2 Jun (spring bank, moved) + Fri 3 Jun (Platinum Jubilee) -- Mon 30 May is NOT one,
      Mon 29 Aug, Mon 19 Sep (state funeral), Mon 26 Dec, Tue 27 Dec (substitute: Christmas Sun 25)
2023: Mon 2 Jan (New Year Sun 1 Jan), Good Fri 7 Apr, Easter Mon 10 Apr, Mon 1 May,
      Mon 8 May (coronation), Mon 29 May
2024: Good Fri 29 Mar, Easter Mon 1 Apr
2025: Good Fri 18 Apr, Easter Mon 21 Apr, Thu 25 + Fri 26 Dec
2026: Thu 1 Jan, Fri 25 Dec, Mon 28 Dec (substitute: Boxing Day Sat 26)
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from healthcheck.calendar import add_months, add_working_days, working_days_between


def _add_wd(start: date, n: int) -> date:
    return pl.select(add_working_days(pl.lit(start), n)).item()


def _between(start: date, end: date) -> int:
    return pl.select(working_days_between(pl.lit(start), pl.lit(end))).item()


def _add_mo(d: date, n: int) -> date:
    return pl.select(add_months(pl.lit(d), n)).item()


ADD_WD = [
    # The documented examples. Fri 19 Dec 2025 = day 0; Mon 22 = 1, Tue 23 = 2, Wed 24 = 3,
    # Thu 25/Fri 26 bank holidays, Sat 27/Sun 28 weekend, Mon 29 = 4, Tue 30 = 5.
    pytest.param(date(2025, 12, 19), 5, date(2025, 12, 30), id="spec-fri19dec+5"),
    # ... Wed 31 = 6, Thu 1 Jan bank holiday, Fri 2 = 7, Mon 5..Fri 9 = 8..12,
    # Mon 12..Fri 16 = 13..17, Mon 19 = 18, Tue 20 = 19, Wed 21 = 20.
    pytest.param(date(2025, 12, 19), 20, date(2026, 1, 21), id="spec-fri19dec+20"),
    pytest.param(date(2025, 12, 19), 0, date(2025, 12, 19), id="day0-is-start"),
    pytest.param(date(2025, 12, 19), 6, date(2025, 12, 31), id="fri19dec+6"),
    pytest.param(date(2025, 12, 19), 7, date(2026, 1, 2), id="fri19dec+7-skips-newyear"),
    # Weekend start counts from the next working day: Sat 20 Dec 2025 -> day 0 = Mon 22;
    # Tue 23 = 1, Wed 24 = 2, Mon 29 = 3, Tue 30 = 4, Wed 31 = 5.
    pytest.param(date(2025, 12, 20), 5, date(2025, 12, 31), id="sat-start+5"),
    pytest.param(date(2025, 12, 21), 5, date(2025, 12, 31), id="sun-start+5"),
    pytest.param(date(2025, 12, 20), 1, date(2025, 12, 23), id="sat-start+1"),
    # A plain weekend: Sat 10 Jan 2026 -> day 0 Mon 12; +1 = Tue 13.
    pytest.param(date(2026, 1, 10), 1, date(2026, 1, 13), id="plain-sat+1"),
    # Bank holiday start: Thu 25 Dec 2025 -> day 0 = Mon 29 Dec; +1 = Tue 30.
    pytest.param(date(2025, 12, 25), 1, date(2025, 12, 30), id="christmas-start+1"),
    # Easter 2024: Good Fri 29 Mar, Easter Mon 1 Apr.
    # Thu 28 Mar = 0; Tue 2 Apr = 1.
    pytest.param(date(2024, 3, 28), 1, date(2024, 4, 2), id="easter2024+1"),
    # Thu 28 Mar = 0; Tue 2 = 1, Wed 3 = 2, Thu 4 = 3, Fri 5 = 4, Mon 8 = 5.
    pytest.param(date(2024, 3, 28), 5, date(2024, 4, 8), id="easter2024+5"),
    # Wed 27 Mar = 0; Thu 28 = 1, Tue 2 Apr = 2.
    pytest.param(date(2024, 3, 27), 2, date(2024, 4, 2), id="easter2024-wed+2"),
    # Easter 2025: Good Fri 18 Apr, Easter Mon 21 Apr.  Thu 17 = 0, Tue 22 = 1.
    pytest.param(date(2025, 4, 17), 1, date(2025, 4, 22), id="easter2025+1"),
    # Mon 14 Apr = 0; Tue 15 = 1, Wed 16 = 2, Thu 17 = 3, Tue 22 = 4, Wed 23 = 5.
    pytest.param(date(2025, 4, 14), 5, date(2025, 4, 23), id="easter2025-mon+5"),
    # Start on Good Friday (not a working day) -> day 0 = Tue 22 Apr; +1 = Wed 23.
    pytest.param(date(2025, 4, 18), 1, date(2025, 4, 23), id="goodfriday2025-start+1"),
    # 2022 Platinum Jubilee: Thu 2 + Fri 3 Jun.  Wed 1 Jun = 0; Mon 6 = 1.
    pytest.param(date(2022, 6, 1), 1, date(2022, 6, 6), id="jubilee2022+1"),
    # Fri 27 May 2022 = 0; Mon 30 May = 1 (NOT a holiday in 2022), Tue 31 = 2, Wed 1 Jun = 3,
    # Mon 6 = 4, Tue 7 = 5.
    pytest.param(date(2022, 5, 27), 5, date(2022, 6, 7), id="jubilee2022-may30-working+5"),
    # State funeral Mon 19 Sep 2022.  Fri 16 = 0; Tue 20 = 1.
    pytest.param(date(2022, 9, 16), 1, date(2022, 9, 20), id="funeral2022+1"),
    # Coronation Mon 8 May 2023 (and early May Mon 1 May). Fri 28 Apr = 0; Tue 2 = 1,
    # Wed 3 = 2, Thu 4 = 3, Fri 5 = 4, Tue 9 = 5.
    pytest.param(date(2023, 4, 28), 5, date(2023, 5, 9), id="coronation2023+5"),
    # Christmas 2021 on a weekend: Mon 27 + Tue 28 Dec substitutes, Mon 3 Jan 2022 substitute.
    # Fri 24 Dec = 0; Wed 29 = 1, Thu 30 = 2, Fri 31 = 3, Tue 4 Jan = 4.
    pytest.param(date(2021, 12, 24), 1, date(2021, 12, 29), id="xmas2021+1"),
    pytest.param(date(2021, 12, 24), 3, date(2021, 12, 31), id="xmas2021+3"),
    pytest.param(date(2021, 12, 24), 4, date(2022, 1, 4), id="xmas2021+4-newyear-sub"),
    # Christmas 2022 on Sunday: Mon 26 Boxing Day, Tue 27 substitute; Mon 2 Jan 2023 substitute.
    # Fri 23 Dec = 0; Wed 28 = 1, Thu 29 = 2, Fri 30 = 3, Tue 3 Jan = 4.
    pytest.param(date(2022, 12, 23), 1, date(2022, 12, 28), id="xmas2022+1"),
    pytest.param(date(2022, 12, 23), 4, date(2023, 1, 3), id="xmas2022+4"),
    # Christmas 2026: Fri 25, Boxing Day Sat 26 -> Mon 28 substitute.
    # Thu 24 Dec = 0; Tue 29 = 1.
    pytest.param(date(2026, 12, 24), 1, date(2026, 12, 29), id="xmas2026+1"),
    # 29 Feb 2024 is a Thursday and a working day. Wed 28 = 0; Thu 29 = 1, Fri 1 Mar = 2.
    pytest.param(date(2024, 2, 28), 1, date(2024, 2, 29), id="leapday+1"),
    pytest.param(date(2024, 2, 28), 2, date(2024, 3, 1), id="leapday+2"),
]


@pytest.mark.parametrize(("start", "n", "expected"), ADD_WD)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert _add_wd(start, n) == expected


BETWEEN = [
    # Counted the same way as add: day 0 = the start; the +n day counts n.
    pytest.param(date(2025, 12, 19), date(2025, 12, 19), 0, id="same-day"),
    pytest.param(date(2025, 12, 19), date(2025, 12, 30), 5, id="spec+5"),
    pytest.param(date(2025, 12, 19), date(2025, 12, 31), 6, id="spec+6"),
    pytest.param(date(2025, 12, 19), date(2026, 1, 21), 20, id="spec+20"),
    # Sat 20 Dec start: Mon 22 = day 0, Wed 31 = 5.
    pytest.param(date(2025, 12, 20), date(2025, 12, 22), 0, id="sat-start-mon"),
    pytest.param(date(2025, 12, 20), date(2025, 12, 31), 5, id="sat-start-wed31"),
    # Easter 2025: Thu 17 Apr = 0; Tue 22 = 1, ..., Fri 25 = 4, Mon 28 = 5.
    pytest.param(date(2025, 4, 17), date(2025, 4, 28), 5, id="easter2025"),
    # Coronation 2023: Fri 28 Apr = 0 ... Tue 9 May = 5 (see ADD_WD).
    pytest.param(date(2023, 4, 28), date(2023, 5, 9), 5, id="coronation2023"),
]


@pytest.mark.parametrize(("start", "end", "expected"), BETWEEN)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert _between(start, end) == expected


@pytest.mark.parametrize(("start", "n"), [
    (date(2025, 12, 19), 5), (date(2025, 12, 19), 20), (date(2021, 12, 24), 4),
    (date(2022, 5, 27), 5), (date(2023, 4, 28), 5), (date(2024, 3, 28), 5),
])
def test_between_inverts_add(start: date, n: int) -> None:
    assert _between(start, _add_wd(start, n)) == n


ADD_MONTHS = [
    # docs/rules.md §2: 31 Aug + 6 months = 28 Feb, or 29 Feb in a leap year.
    pytest.param(date(2025, 8, 31), 6, date(2026, 2, 28), id="31aug+6"),
    pytest.param(date(2023, 8, 31), 6, date(2024, 2, 29), id="31aug+6-leap"),
    # 31 Jan + 1 month: 31 Feb does not exist -> 28 Feb / 29 Feb.
    pytest.param(date(2025, 1, 31), 1, date(2025, 2, 28), id="31jan+1"),
    pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31jan+1-leap"),
    # 29 Feb + 12 months: 29 Feb 2025 does not exist -> 28 Feb.
    pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="29feb+12"),
    pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="29feb+48"),
    # 31 Mar + 6 = 31 Sep -> 30 Sep.
    pytest.param(date(2025, 3, 31), 6, date(2025, 9, 30), id="31mar+6"),
    # 30 Nov + 3 = 30 Feb -> 28 Feb.
    pytest.param(date(2025, 11, 30), 3, date(2026, 2, 28), id="30nov+3"),
    # The day is kept when it exists (not "end of month stays end of month"):
    # 28 Feb 2025 + 1 = 28 Mar; 30 Apr + 1 = 30 May.
    pytest.param(date(2025, 2, 28), 1, date(2025, 3, 28), id="28feb+1"),
    pytest.param(date(2025, 4, 30), 1, date(2025, 5, 30), id="30apr+1"),
    pytest.param(date(2025, 1, 15), 12, date(2026, 1, 15), id="plain+12"),
    # Under 5 = before DOB + 60 months: DOB 29 Feb 2020 -> 5th birthday 28 Feb 2025.
    pytest.param(date(2020, 2, 29), 60, date(2025, 2, 28), id="29feb-dob+60"),
    # Going back (IHA look-back 3 months, OC2 12 months): same clamping.
    pytest.param(date(2025, 5, 30), -3, date(2025, 2, 28), id="30may-3"),
    pytest.param(date(2024, 5, 29), -3, date(2024, 2, 29), id="29may-3-leap"),
    pytest.param(date(2025, 12, 19), -3, date(2025, 9, 19), id="19dec-3"),
    pytest.param(date(2025, 3, 31), -12, date(2024, 3, 31), id="31mar-12"),
]


@pytest.mark.parametrize(("d", "n", "expected"), ADD_MONTHS)
def test_add_months(d: date, n: int, expected: date) -> None:
    assert _add_mo(d, n) == expected


def test_add_working_days_on_a_column_with_nulls() -> None:
    out = pl.DataFrame({"d": [date(2025, 12, 19), None]}).select(add_working_days(pl.col("d"), 5))
    assert out.to_series().to_list() == [date(2025, 12, 30), None]


def test_bank_holidays_are_englands() -> None:
    """England's one-off days are in (state funeral, coronation), as are its substitutes; the
    moved spring bank holiday of 2022 is out, and Scotland's 2 January is not an English one."""
    from healthcheck.calendar import bank_holidays

    days = set(bank_holidays())
    assert {date(2022, 9, 19), date(2023, 5, 8), date(2022, 6, 3), date(2021, 12, 28)} <= days
    assert date(2022, 5, 30) not in days and date(2025, 1, 2) not in days
