"""Working days and calendar months (docs/rules.md §2).

Working day [S]: Monday to Friday except bank holidays in England, from the `holidays` package
(`GB`, subdivision `ENG`). Day 0 is the day the child became looked after; "+N working days" is
the Nth working day after it. A start on a non-working day counts from the next working day
(polars `roll="forward"`): Sat 20 Dec 2025 +5 -> Wed 31 Dec 2025.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import overload

import holidays
import polars as pl

FIRST_YEAR, LAST_YEAR = 1995, 2050  # every clock start of a child in care today

# The as-of date a rule is evaluated at: one date, or a column (`pl.col("as_of")`) when the
# rules are evaluated at several dates at once (the trend, the revisions: docs/rules.md §9).
AsOf = date | pl.Expr


def as_expr(as_of: AsOf) -> pl.Expr:
    """The as-of date as an expression (a literal for one date)."""
    return as_of if isinstance(as_of, pl.Expr) else pl.lit(as_of)


@lru_cache(maxsize=8)
def bank_holidays(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> tuple[date, ...]:
    """Bank holidays in England for the years first..last, from the `holidays` package."""
    cal = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1))
    return tuple(sorted(cal.keys()))


def add_working_days(start: pl.Expr, n: int | pl.Expr) -> pl.Expr:
    """The nth working day after `start` (day 0); a non-working start rolls forward first.
    `n` may be a column (one count per row)."""
    return start.dt.add_business_days(n, holidays=list(bank_holidays()), roll="forward")


def working_days_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Working days from `start` (day 0) to `end`: the n with add_working_days(start, n) <= end
    < add_working_days(start, n + 1) when end is a working day. Negative when end < start."""
    return pl.business_day_count(start, end, holidays=list(bank_holidays()))


def add_months(d: pl.Expr, n: int) -> pl.Expr:
    """Calendar months, day of month kept, clamped to a shorter month (31 Aug + 6 = 28/29 Feb)."""
    return d.dt.offset_by(f"{n}mo")


def add_months_date(d: date, n: int) -> date:
    """`add_months` for one Python date."""
    return pl.select(add_months(pl.lit(d), n)).item()  # type: ignore[no-any-return]


@overload
def year_start(as_of: date) -> date: ...
@overload
def year_start(as_of: pl.Expr) -> pl.Expr: ...
@overload
def year_start(as_of: AsOf) -> AsOf: ...
def year_start(as_of: AsOf) -> AsOf:
    """First day of "the 12 months up to as-of": as-of - 12 months + 1 day (31 Mar 2025 ->
    1 Apr 2024, the DfE year). Used for the default period and for OC2. A column gives a
    column."""
    if isinstance(as_of, pl.Expr):
        return add_months(as_of, -12) + pl.duration(days=1)
    return add_months_date(as_of, -12) + timedelta(days=1)
