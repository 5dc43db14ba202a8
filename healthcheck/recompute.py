"""The figures recomputed from today's extracts at other dates (revisions and the trend).

`kpis_at` gives kpis.csv's rows, and each child's membership of every measure, at several
points (as-of, period start, period end) at once, exactly as a reconcile at that as-of and
period with the same policy would (docs/rules.md §9.3, §9.4).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import polars as pl

from healthcheck.ingest import Extract
from healthcheck.kpis import kpis, membership
from healthcheck.match import link_events, match_children
from healthcheck.periods import latest_periods
from healthcheck.policy import Policy
from healthcheck.rules.evaluate import evaluate

SOURCES = (("health", "notification_received"), ("case", "notification_sent"))
# The status columns `kpis.membership` reads: only these are computed at the other dates.
MEMBERSHIP_READS = ("clock_start", "in_care", "oc2_cohort", "notification_status",
                    "notification_wd", "iha_status", "rha_status", "request_status",
                    "report_status", "oc2_health_assessment", "oc2_teeth_check",
                    "oc2_immunisations", "delay_agency")
# ...and those the year-end forecast reads too (`forecast.forecast`), when asked for.
FORECAST_READS = ("period_start", "rha_due", "dental_due", "immunisations_status")


class Point(NamedTuple):
    as_of: date
    period_start: date
    period_end: date


@dataclass(frozen=True)
class Prepared:
    """What does not depend on the as-of date: the case children, their episodes, and each
    source's events by child_id (health events through the match)."""

    kids: pl.DataFrame  # child_id, dob, forename, surname (one row per child_id)
    episodes: pl.DataFrame
    events: dict[str, pl.DataFrame]  # source -> child_id, event_type, event_date, detail
    oc2: pl.DataFrame | None = None  # a 903 return's OC2 table (`rules.oc2_return`), if any


def prepare(case: Extract, health: Extract) -> Prepared:
    children = case.tables["children"]
    kids = (children.filter(pl.col("child_id").is_not_null()).sort("row")
            .unique("child_id", keep="first", maintain_order=True))
    patients = health.tables["patients"]
    link = match_children(kids, patients)
    hev = link_events(health.tables["events"], patients, link)
    return Prepared(kids.select("child_id", "dob", "forename", "surname"),
                    case.tables["episodes"], {
        "health": hev.filter(pl.col("child_id").is_not_null()),
        "case": case.tables["health_events"]}, case.extra.get("oc2"))


def kpis_at(case: Extract | Prepared, health: Extract | None, points: Sequence[Point],
            policy: Policy, *, members: Collection[Point] | None = None,
            known: tuple[Point, pl.DataFrame] | None = None,
            status_out: dict[tuple[str, date], pl.DataFrame] | None = None
            ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(kpis, membership) at every point: kpis.csv's rows (both sources, each point's as-of
    and period), and membership's columns (`kpis.membership`) with source, as_of,
    period_start and period_end, at the points of `members` (all of them when None).
    `case` may be already `prepare`d (then `health` is unused). `known`: a point and its
    membership already found with this policy (a reconcile's `members`, with source), used as
    it is. `status_out`: when given, filled with each (source, as-of)'s statuses at the points
    of `members`, with `FORECAST_READS` as well (for the year-end floor, docs/rules.md §9.3).

    The rules run once per source over every as-of together (`evaluate` at a frame of
    dates), on the children counted at some point (`_counted`); only the figures are counted
    point by point.
    """
    prep = case if isinstance(case, Prepared) else prepare(case, health)  # type: ignore[arg-type]
    points = list(dict.fromkeys(points))
    if not points:
        return pl.DataFrame(), pl.DataFrame()
    wanted = set(points) if members is None else set(members)
    todo = [p for p in points if known is None or p != known[0]]
    at: list[dict[tuple[date], pl.DataFrame]] = [{}, {}]
    none: list[pl.DataFrame] = []  # a source's statuses at an as-of where none is counted
    if todo:
        dates = pl.DataFrame({"as_of": sorted({p.as_of for p in todo})},
                             schema={"as_of": pl.Date})
        base = _counted(prep, dates, todo).cache()  # once, for both sources
        statuses = pl.collect_all([  # one plan: the two sources side by side
            evaluate(base, prep.events[source].lazy(), policy, dates, notification_type)
            .select("child_id", "as_of", *MEMBERSHIP_READS,
                    *(FORECAST_READS if status_out is not None else ()))
            for source, notification_type in SOURCES])
        at = [status.partition_by("as_of", as_dict=True, include_key=False)
              for status in statuses]
        none = [status.clear().drop("as_of") for status in statuses]
    ids = prep.kids.select("child_id")
    k_parts, m_parts = [], []
    for point in points:  # each point's rows together, as a reconcile at it gives them
        for i, (source, _) in enumerate(SOURCES):
            if known is not None and point == known[0]:
                found = known[1].filter(pl.col("source") == source).drop("source")
            else:
                status = at[i].get((point.as_of,))
                found = membership(none[i] if status is None else status,
                                   point.period_start, point.period_end)
                if status_out is not None and point in wanted:
                    status_out[(source, point.as_of)] = none[i] if status is None else status
            k_parts.append(kpis(found, source, point.period_start, point.period_end,
                                point.as_of))
            if point in wanted:  # every child: those not counted are in no measure
                m_parts.append(ids.join(found, on="child_id", how="left").with_columns(
                    source=pl.lit(source), as_of=pl.lit(point.as_of),
                    period_start=pl.lit(point.period_start),
                    period_end=pl.lit(point.period_end)))
    return pl.concat(k_parts), (pl.concat(m_parts, how="diagonal_relaxed") if m_parts
                                else pl.DataFrame())


def _counted(prep: Prepared, dates: pl.DataFrame, points: Sequence[Point]) -> pl.LazyFrame:
    """The rules' rows: a child at an as-of where `kpis.membership` can count them at some
    point of that as-of, with `latest_periods` there. Every measure's denominator needs a
    clock, and in care or the clock in the point's period (the OC2 cohort is in care); a
    child at an as-of with neither is in no measure, so is left out."""
    span = pl.DataFrame(points, schema={"as_of": pl.Date, "period_start": pl.Date,
                                        "period_end": pl.Date}, orient="row").lazy().group_by(
        "as_of").agg(_lo=pl.col("period_start").min(), _hi=pl.col("period_end").max())
    clock = pl.col("clock_start")
    return (latest_periods(prep.episodes, dates).join(span, on="as_of")
            .filter(clock.is_not_null() & (pl.col("in_care").fill_null(False)
                                           | clock.is_between(pl.col("_lo"), pl.col("_hi"))))
            .drop("_lo", "_hi")
            .join(prep.kids.lazy().select("child_id", "dob"), on="child_id")
            .select("child_id", "dob", pl.exclude("child_id", "dob")))
