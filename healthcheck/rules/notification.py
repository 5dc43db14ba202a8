"""R1 Notification [S: Care Planning, Placement and Case Review (England) Regs 2010 reg 13; LP].

docs/rules.md §4 R1 (the working days: §2).

The LA tells the health team that a child became looked after. Working days from clock start to
the earliest notification (health: `notification_received`; LA side: `notification_sent`) dated
on or after clock start - 10 calendar days; one before clock start counts as 0. Target 5 working
days. Status: on_time, late, missing (none and as-of past the target day), pending (none, target
day not yet past), not_required (no clock); before_extract when the period began before the
extract (its true start, and so the notification, is not in it).
"""

from __future__ import annotations

import polars as pl

from healthcheck.calendar import AsOf, add_working_days, as_expr, working_days_between
from healthcheck.policy import Policy

OUTPUT = ("notification_date", "notification_wd", "notification_status")
# Only the source's notification type (`aggregates`'s event_type), which evaluate adds itself.
EVENT_TYPES: tuple[str, ...] = ()


def aggregates(policy: Policy, event_type: str = "notification_received") -> list[pl.Expr]:
    lookback = pl.col("clock_start") - pl.duration(days=policy.notification_lookback_days)
    counts = (pl.col("event_type") == event_type) & (pl.col("event_date") >= lookback)
    return [pl.col("event_date").filter(counts).min().alias("notification_date")]


def notification(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    clock = pl.col("clock_start")
    wd = working_days_between(clock, pl.col("notification_date")).clip(lower_bound=0)
    target_day = add_working_days(clock, policy.notification_target_wd)
    out = children.with_columns(
        notification_date=pl.when(clock.is_not_null()).then(pl.col("notification_date")),
    ).with_columns(notification_wd=wd.cast(pl.Int64))
    before = pl.col("before_extract").fill_null(False)
    out = out.with_columns(pl.when(~before).then(pl.col(c)).alias(c)
                           for c in ("notification_date", "notification_wd"))
    status = (
        pl.when(clock.is_null()).then(pl.lit("not_required"))
        .when(before).then(pl.lit("before_extract"))
        .when(pl.col("notification_wd") <= policy.notification_target_wd).then(pl.lit("on_time"))
        .when(pl.col("notification_wd").is_not_null()).then(pl.lit("late"))
        .when(as_expr(as_of) > target_day).then(pl.lit("missing"))
        .otherwise(pl.lit("pending"))
    )
    return out.with_columns(status.alias("notification_status"))
