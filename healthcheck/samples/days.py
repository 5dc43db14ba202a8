"""Dates as day numbers (days since 1970-01-01, int64 numpy arrays), and the project's calendar
over them.

The generator draws dates as integers; working days and calendar months come from
`healthcheck.calendar` (docs/rules.md §2), the same arithmetic the product uses, applied
through polars expressions.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from healthcheck.calendar import add_months, add_working_days, bank_holidays

Arr = np.ndarray
EPOCH = date(1970, 1, 1)
NAT = np.int64(-(10**9))  # "no date" in the day-number arrays
EXCEL_EPOCH_DAYS = (date(1899, 12, 30) - EPOCH).days


def day_number(d: date) -> int:
    return (d - EPOCH).days


def as_dates(days: Arr) -> pl.Series:
    """Day numbers as a polars Date series (no NAT among them)."""
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def _days_of(expr: pl.Expr, frame: dict[str, object]) -> Arr:
    out = pl.DataFrame(frame).select(expr.cast(pl.Int32).alias("out"))["out"]
    return out.to_numpy().astype(np.int64)


def working_days_after(days: Arr, n: Arr | int) -> Arr:
    """The `n`-th working day after each day (a non-working day counts from the next)."""
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), np.shape(days))
    return _days_of(add_working_days(pl.col("d"), pl.col("n")), {"d": as_dates(days), "n": n})


def months_after(days: Arr, months: int) -> Arr:
    """Calendar months later, the day of month clamped to the end of a shorter month."""
    return _days_of(add_months(pl.col("d"), months), {"d": as_dates(days)})


def holiday_days() -> Arr:
    """England's bank holidays (the product's list), as sorted day numbers."""
    return pl.Series(bank_holidays(), dtype=pl.Date).cast(pl.Int32).to_numpy().astype(np.int64)
