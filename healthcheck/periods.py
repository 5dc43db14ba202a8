"""Periods of care, clock start, in care, OC2 cohort (docs/rules.md §3, §4 R6).

Period of care: a child's episodes sorted by start; a new period starts at an episode with
rne = S, or (rne blank) when the episode does not start on the day the previous one ended.
Only episodes that started on or before the as-of date count.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import year_start
from healthcheck.schema import SHORT_BREAK_STATUSES


def usable_episodes(episodes: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Episodes with a child and a start on or before as-of, sorted by child and start, each
    with `period`: a number unique to its period of care (increasing with start within a child).
    """
    ep = episodes.lazy().filter(
        pl.col("child_id").is_not_null() & pl.col("start_date").is_not_null()
        & (pl.col("start_date") <= as_of)
    ).sort("child_id", "start_date", "end_date", "row", nulls_last=True)
    # Sorted by child, so "previous episode of the same child" is the previous row when the
    # child_id is the same (cheaper than a window per child).
    first = pl.col("child_id") != pl.col("child_id").shift(1)
    prev_end = pl.col("end_date").shift(1)
    new = (
        first.fill_null(True)
        | (pl.col("rne") == "S").fill_null(False)
        | (pl.col("rne").is_null() & (prev_end.is_null() | (pl.col("start_date") != prev_end)))
    )
    return ep.with_columns(period=new.cast(pl.Int64).cum_sum())


def periods(episodes: pl.DataFrame | pl.LazyFrame, as_of: date,
            prepared: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Every period of care: child_id, period, period_start, period_end, clock_start, first_row,
    before_extract.

    A period whose first episode has an rne other than S (and not blank) began before the
    extract (a 903 return holds only the year's episodes; an SSD export may start at a
    migration): its clock starts at that episode's start, the earliest known, when the period
    has a clock at all (docs/rules.md "Periods that began before the extract").
    `prepared`: the output of `usable_episodes`, when the caller already has it.
    """
    short = pl.col("legal_status").is_in(SHORT_BREAK_STATUSES).fill_null(False)
    ep = prepared if prepared is not None else usable_episodes(episodes, as_of)
    first_rne = pl.col("rne").first()
    before = (first_rne.is_not_null() & (first_rne != "S")).alias("before_extract")
    clock = pl.col("start_date").filter(~short).min()
    return ep.group_by("child_id", "period").agg(
        period_start=pl.col("start_date").first(),
        period_end=pl.col("end_date").last(),
        clock_start=pl.when(before & clock.is_not_null()).then(pl.col("start_date").first())
        .otherwise(clock),
        first_row=pl.col("row").first(),
        before_extract=before,
    )


def latest_periods(episodes: pl.DataFrame | pl.LazyFrame,
                   as_of: date | pl.DataFrame) -> pl.LazyFrame:
    """Per child: its latest period started on or before as-of, in_care, oc2_cohort and
    before_extract (see `periods`).

    In care: an episode covers as-of (start <= as-of, end blank or after as-of).
    OC2 cohort [DfE SSDA903]: in care, looked after for the whole of the 12 months up to as-of
    (the period started on or before their first day, as-of - 12 months + 1 day) and no V3/V4
    episode in them (end blank or on/after that day). See docs/rules.md §4 R6.

    `as_of` a frame of dates (column as_of): the same at each of them, one row per child and
    as-of, with as_of (the trend and the revisions, docs/rules.md §9).
    """
    if not isinstance(as_of, date):
        return _latest_at_each(episodes, as_of.get_column("as_of").unique().sort())
    ep = usable_episodes(episodes, as_of).cache()
    year_ago = year_start(as_of)
    covers = pl.col("end_date").is_null() | (pl.col("end_date") > as_of)
    short_in_year = pl.col("legal_status").is_in(SHORT_BREAK_STATUSES).fill_null(False) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= year_ago))
    per_child = ep.group_by("child_id").agg(
        in_care=covers.any(),
        short_break_in_year=short_in_year.any(),
        period=pl.col("period").max(),
    )
    latest = periods(episodes, as_of, prepared=ep).join(per_child, on=["child_id", "period"])
    return latest.with_columns(
        oc2_cohort=pl.col("in_care") & (pl.col("period_start") <= year_ago)
        & ~pl.col("short_break_in_year"),
    ).select("child_id", "period_start", "period_end", "clock_start", "in_care", "oc2_cohort",
              "before_extract")


def _latest_at_each(episodes: pl.DataFrame | pl.LazyFrame, dates: pl.Series) -> pl.LazyFrame:
    """`latest_periods` at each of `dates` (sorted). A child's usable episodes at a date are
    its first ones in `usable_episodes`'s order, so each episode carries what `latest_periods`
    finds when it is the last usable one: its period's start, first rne and clock so far, and
    the latest end so far of any episode and of a short break (blank: open, the far future).
    At each date, the child's last usable episode gives its row."""
    far, never = pl.lit(date.max), pl.lit(date.min)
    short = pl.col("legal_status").is_in(SHORT_BREAK_STATUSES).fill_null(False)
    start, open_end = pl.col("start_date"), pl.col("end_date").fill_null(far)
    first_rne = pl.col("rne").first().over("period")
    before = first_rne.is_not_null() & (first_rne != "S")
    clock = _running(pl.when(~short).then(start).otherwise(far), "period", least=True)
    child = pl.col("child_id")
    ep = usable_episodes(episodes, dates[-1]).with_columns(
        _kid=(child != child.shift(1)).fill_null(True).cum_sum()).select(
        "child_id", "period", "_kid", period_end="end_date",
        _b=pl.lit(dates).search_sorted(start).cast(pl.UInt32),  # first date on or after
        period_start=start.first().over("period"),
        clock_start=pl.when(clock == far).then(None).when(before)
        .then(start.first().over("period")).otherwise(clock),
        before_extract=before,
        _reach=_running(open_end, "_kid"),
        _short_reach=_running(pl.when(short).then(open_end).otherwise(never), "_kid"),
    )
    # each child's last episode before each next date
    last = ep.filter((pl.col("_kid") != pl.col("_kid").shift(-1)).fill_null(True)
                     | (pl.col("_b") != pl.col("_b").shift(-1))).cache()
    points = pl.LazyFrame({"as_of": dates}).with_columns(
        _p=pl.int_range(pl.len(), dtype=pl.UInt32), _year_ago=year_start(pl.col("as_of")))
    pick = reach(last.select("_kid", "_b"), len(dates)).join(points, on="_p")
    in_care = pl.col("_reach") > pl.col("as_of")
    return pick.join(last, on=["_kid", "_b"]).select(
        "child_id", "as_of", "period_start", "period_end", "clock_start", in_care=in_care,
        oc2_cohort=in_care & (pl.col("period_start") <= pl.col("_year_ago"))
        & ~(pl.col("_short_reach") >= pl.col("_year_ago")),
        before_extract="before_extract")


def _running(dates: pl.Expr, segment: str, *, least: bool = False) -> pl.Expr:
    """The latest (`least`: earliest) of `dates` (no blanks) so far within each run of
    `segment`, a nondecreasing integer (the rows sorted by it): one pass, not a window per
    run. Each day number is lifted above every earlier run's before the running maximum."""
    sign = -1 if least else 1
    lift = pl.col(segment).cast(pl.Int64) * (1 << 23)  # above any span of days (< 2**22)
    days = dates.cast(pl.Int64) * sign
    return (((days + lift).cum_max() - lift) * sign).cast(pl.Int32).cast(pl.Date)


def reach(marks: pl.LazyFrame, n: int) -> pl.LazyFrame:
    """`marks` (_kid, _b: distinct, each below `n`) with `_p`: every index from `_b` up to,
    not including, the kid's next `_b` (or `n`), one row each: at `_p`, `_b` is the kid's
    last mark on or before it (an equality join to the dates after, not an inequality one)."""
    kid, b = pl.col("_kid"), pl.col("_b")
    upto = pl.when(kid == kid.shift(-1)).then(b.shift(-1)).otherwise(n)
    return (marks.sort("_kid", "_b").with_columns(_p=pl.int_ranges(b, upto, dtype=pl.UInt32))
            .explode("_p"))
