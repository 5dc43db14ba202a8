"""The figures recomputed from today's extracts at other dates (revisions and the trend).

`kpis_at` gives kpis.csv's rows, and each child's membership of every measure, at several
points (as-of, period start, period end) at once, exactly as a reconcile at that as-of and
period with the same policy would (docs/rules.md §9.3, §9.4).
"""

from __future__ import annotations

from collections.abc import Sequence
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
        "case": case.tables["health_events"]})


def kpis_at(case: Extract | Prepared, health: Extract | None, points: Sequence[Point],
            policy: Policy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(kpis, membership) at every point: kpis.csv's rows (both sources, each point's as-of
    and period), and membership's columns (`kpis.membership`) with source, as_of,
    period_start and period_end. `case` may be already `prepare`d (then `health` is unused).
    """
    prep = case if isinstance(case, Prepared) else prepare(case, health)  # type: ignore[arg-type]
    queries: list[pl.LazyFrame] = []
    keys: list[tuple[Point, str]] = []
    for point in dict.fromkeys(points):
        base = prep.kids.lazy().select("child_id", "dob").join(
            latest_periods(prep.episodes, point.as_of), on="child_id", how="left")
        for source, notification_type in SOURCES:
            queries.append(evaluate(base, prep.events[source].lazy(), policy, point.as_of,
                                    notification_type))
            keys.append((point, source))
    statuses = pl.collect_all(queries) if queries else []
    k_parts, m_parts = [], []
    for (point, source), status in zip(keys, statuses, strict=True):
        members = membership(status, point.period_start, point.period_end)
        k_parts.append(kpis(members, source, point.period_start, point.period_end,
                            point.as_of))
        m_parts.append(members.with_columns(
            source=pl.lit(source), as_of=pl.lit(point.as_of),
            period_start=pl.lit(point.period_start), period_end=pl.lit(point.period_end)))
    if not k_parts:
        return pl.DataFrame(), pl.DataFrame()
    return pl.concat(k_parts), pl.concat(m_parts)
