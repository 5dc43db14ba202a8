"""Figures as known then (docs/rules.md §9.3): revisions.csv, and
EVENT_RECORDED_LATE.

For each earlier run in the history whose as-of is in the 12 months before this one (the
latest run for each as-of), every figure it reported beside the same figure recomputed from
today's extracts at its as-of and period, with its own policy; `children` names the children
counted differently by the two (in one's numerator or denominator and not the same way in the
other's).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import year_start
from healthcheck.flags import declare, make_flags
from healthcheck.forecast import KPIS as FLOOR
from healthcheck.forecast import forecast, forecast_kpis, forecast_membership
from healthcheck.history import Run, latest_per_as_of
from healthcheck.kpis import MEASURES
from healthcheck.policy import Policy
from healthcheck.recompute import Point, Prepared, kpis_at
from healthcheck.rules.oc2_return import return_kpis, return_membership

declare("EVENT_RECORDED_LATE", "info",
        "Event was entered in the health record more than late_entry_days after it happened: "
        "figures reported before then did not count it; enter events promptly.")

REVISION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "measure": pl.String, "source": pl.String, "as_of": pl.Date, "period_start": pl.Date,
    "period_end": pl.Date, "reported": pl.Float64, "now": pl.Float64, "difference": pl.Float64,
    "children": pl.String,
}
KEYS = ["source", "as_of", "period_start", "period_end"]


def runs_to_revise(found: list[Run], as_of: date) -> list[Run]:
    """The latest run of each as-of from as-of - 12 months + 1 day to the day before as-of."""
    return [r for r in latest_per_as_of(found) if year_start(as_of) <= r.as_of < as_of]


Recomputed = tuple[pl.DataFrame, pl.DataFrame, dict[tuple[str, date], pl.DataFrame]]


def revisions(found: list[Run], prep: Prepared, as_of: date,
              now: dict[Policy, Recomputed] | None = None) -> pl.DataFrame:
    """revisions.csv, oldest as-of first; within one, kpis.csv's order (health, then case,
    then the return), each source's year-end floor after its other figures. `now`: per
    policy, `kpis_at` (kpis, membership, statuses) at least at the revised runs' points with
    that policy, when already found."""
    parts = []
    by_policy: dict[Policy, list[Run]] = {}
    for r in runs_to_revise(found, as_of):
        by_policy.setdefault(r.policy, []).append(r)
    for policy, group in by_policy.items():
        if now is not None:
            now_k, now_m, statuses = now[policy]
        else:
            statuses = {}
            now_k, now_m = kpis_at(prep, None, [Point(r.as_of, r.period_start, r.period_end)
                                                for r in group], policy, status_out=statuses)
        for r in group:
            parts.append(_compare(r, now_k, now_m, prep, statuses))
    if not parts:
        return pl.DataFrame(schema=REVISION_SCHEMA)
    source_rank = pl.col("source").replace_strict({"health": 0, "case": 1}, default=2,
                                                  return_dtype=pl.Int8)
    measure_rank = pl.col("measure").replace_strict({m: i for i, m in enumerate(MEASURES)},
                                                    default=len(MEASURES), return_dtype=pl.Int16)
    return pl.concat(parts).sort("as_of", source_rank, measure_rank, "measure")


def _compare(run: Run, now_k: pl.DataFrame, now_m: pl.DataFrame, prep: Prepared,
             statuses: dict[tuple[str, date], pl.DataFrame]) -> pl.DataFrame:
    point = [pl.col("as_of") == run.as_of, pl.col("period_start") == run.period_start,
             pl.col("period_end") == run.period_end]
    keys = ["measure", "source", "period_start", "period_end"]
    reported = run.table("kpis").select(*keys, reported="value")
    extra_k, extra_m = _beyond(run, reported, prep, statuses)
    now = pl.concat([now_k.filter(*point), *extra_k]).select(*keys, now="value")
    rows = reported.join(now, on=keys, how="left", maintain_order="left")
    now_members = now_m.filter(*point).drop("as_of", "period_start", "period_end")
    for source, frame in extra_m:  # the floor's columns on its source's rows; the return's own
        if source == "return":
            now_members = pl.concat([now_members, frame.with_columns(source=pl.lit(source))],
                                    how="diagonal_relaxed")
        else:
            now_members = now_members.join(frame.with_columns(source=pl.lit(source)),
                                           on=["source", "child_id"], how="left")
    moved = _moved(run.table("membership"), now_members)
    return rows.join(moved, on=["measure", "source"], how="left").select(
        "measure", "source", as_of=pl.lit(run.as_of), period_start="period_start",
        period_end="period_end", reported="reported", now="now",
        difference=(pl.col("now") - pl.col("reported")).round(1),
        children=pl.col("children"),
    ).cast(REVISION_SCHEMA)  # type: ignore[arg-type]


def _beyond(run: Run, reported: pl.DataFrame, prep: Prepared,
            statuses: dict[tuple[str, date], pl.DataFrame]
            ) -> tuple[list[pl.DataFrame], list[tuple[str, pl.DataFrame]]]:
    """The figures `kpis_at` does not give, recomputed as a reconcile at the run's as-of would:
    its year-end floor (`forecast`, with its year end, on its source's statuses and record)
    and the return's own (today's OC2 table over its period). kpis rows, and per source the
    membership columns (child_id, a column per figure)."""
    k_parts, m_parts = [], []
    floor = reported.filter(pl.col("measure").is_in([kpi for kpi, _ in FLOOR]))
    if floor.height and (status := statuses.get((floor["source"][0], run.as_of))) is not None:
        source, year_end = floor["source"][0], floor["period_end"][0]
        kids = prep.kids.select("child_id", nhs_number=pl.lit(None, pl.String))
        ahead = forecast(prep.episodes, status, kids, prep.events[source], run.as_of, year_end)
        k_parts.append(forecast_kpis(ahead, source, run.as_of, year_end))
        m_parts.append((source, forecast_membership(ahead)))
    if prep.oc2 is not None and (reported["source"] == "return").any():
        k_parts.append(return_kpis(prep.oc2, run.period_start, run.period_end, run.as_of))
        m_parts.append(("return", return_membership(prep.oc2)))
    return k_parts, m_parts


def _moved(then: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """measure, source, children: per measure and source, the `;`-joined sorted child_ids whose
    membership (`kpis.membership`: numerator where in the denominator; the floor's done-flag
    in its cohort; the return's 1) differs."""
    keys = ("source", "child_id", "as_of", "period_start", "period_end")
    measures = [m for m in then.columns if m in now.columns and m not in keys]
    both = then.select("source", "child_id", *measures).join(
        now.select("source", "child_id", *measures), on=["source", "child_id"], how="full",
        coalesce=True, suffix="_now")
    long = pl.concat([both.filter(pl.col(m).ne_missing(pl.col(f"{m}_now"))).select(
        "source", "child_id", measure=pl.lit(m)) for m in measures])
    return long.sort("child_id").group_by("measure", "source").agg(
        children=pl.col("child_id").str.join(";"))


def event_recorded_late(hev: pl.DataFrame | pl.LazyFrame, policy: Policy, file: str
                        ) -> pl.LazyFrame:
    """EVENT_RECORDED_LATE: a health event recorded more than `late_entry_days` after its
    date. One flag per event row (`hev` may have one row per linked child)."""
    ev = hev.lazy().filter(
        pl.col("recorded_date") > pl.col("event_date") + pl.duration(days=policy.late_entry_days)
    ).unique("row", keep="first", maintain_order=True)
    return make_flags(ev, "EVENT_RECORDED_LATE", source="health", file=file, table="events",
                      row=pl.col("row"), nhs_number=pl.col("nhs_number"),
                      field="recorded_date",
                      value=pl.format("{} {} recorded {}", pl.col("event_type"),
                                      pl.col("event_date"), pl.col("recorded_date")))
