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
# The status columns `kpis.membership` reads: only these are computed at the other dates.
MEMBERSHIP_READS = ("clock_start", "in_care", "oc2_cohort", "notification_status",
                    "notification_wd", "iha_status", "rha_status", "request_status",
                    "report_status", "oc2_health_assessment", "oc2_teeth_check",
                    "oc2_immunisations", "delay_agency")


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

    The rules run once per source over every as-of together (`evaluate` at a frame of
    dates); only the figures are counted point by point.
    """
    prep = case if isinstance(case, Prepared) else prepare(case, health)  # type: ignore[arg-type]
    points = list(dict.fromkeys(points))
    if not points:
        return pl.DataFrame(), pl.DataFrame()
    dates = pl.DataFrame({"as_of": sorted({p.as_of for p in points})}, schema={"as_of": pl.Date})
    base = (prep.kids.lazy().select("child_id", "dob").join(dates.lazy(), how="cross")
            .join(latest_periods(prep.episodes, dates), on=["child_id", "as_of"], how="left",
                  maintain_order="left")).collect()  # once, for both sources
    statuses = pl.collect_all([
        evaluate(base.lazy(), prep.events[source].lazy(), policy, dates, notification_type)
        .select("child_id", "as_of", *MEMBERSHIP_READS)
        for source, notification_type in SOURCES])
    at = [status.partition_by("as_of", as_dict=True, include_key=False) for status in statuses]
    k_parts, m_parts = [], []
    for point in points:  # each point's rows together, as a reconcile at it gives them
        for (source, _), by_date in zip(SOURCES, at, strict=True):
            members = membership(by_date[(point.as_of,)], point.period_start, point.period_end)
            k_parts.append(kpis(members, source, point.period_start, point.period_end,
                                point.as_of))
            m_parts.append(members.with_columns(
                source=pl.lit(source), as_of=pl.lit(point.as_of),
                period_start=pl.lit(point.period_start), period_end=pl.lit(point.period_end)))
    return pl.concat(k_parts), pl.concat(m_parts)
