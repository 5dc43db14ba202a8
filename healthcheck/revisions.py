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
from healthcheck.history import Run, latest_per_as_of
from healthcheck.kpis import MEASURES
from healthcheck.policy import Policy
from healthcheck.recompute import Point, Prepared, kpis_at

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


def revisions(found: list[Run], prep: Prepared, as_of: date,
              now: dict[Policy, tuple[pl.DataFrame, pl.DataFrame]] | None = None
              ) -> pl.DataFrame:
    """revisions.csv, oldest as-of first; within one, kpis.csv's order (health, then case).
    `now`: per policy, `kpis_at` (kpis, membership) at least at the revised runs' points
    with that policy, when already found."""
    parts = []
    by_policy: dict[Policy, list[Run]] = {}
    for r in runs_to_revise(found, as_of):
        by_policy.setdefault(r.policy, []).append(r)
    for policy, group in by_policy.items():
        now_k, now_m = (now[policy] if now is not None else
                        kpis_at(prep, None, [Point(r.as_of, r.period_start, r.period_end)
                                             for r in group], policy))
        for r in group:
            parts.append(_compare(r, now_k, now_m))
    if not parts:
        return pl.DataFrame(schema=REVISION_SCHEMA)
    source_rank = pl.col("source").replace_strict({"health": 0, "case": 1}, default=2,
                                                  return_dtype=pl.Int8)
    measure_rank = pl.col("measure").replace_strict({m: i for i, m in enumerate(MEASURES)},
                                                    default=len(MEASURES), return_dtype=pl.Int16)
    return pl.concat(parts).sort("as_of", source_rank, measure_rank, "measure")


def _compare(run: Run, now_k: pl.DataFrame, now_m: pl.DataFrame) -> pl.DataFrame:
    point = [pl.col("as_of") == run.as_of, pl.col("period_start") == run.period_start,
             pl.col("period_end") == run.period_end]
    # the figures recomputed at other dates: not the OC2 return's own, nor the year-end floor
    reported = run.table("kpis").filter(
        pl.col("measure").is_in(MEASURES), pl.col("source").is_in(["health", "case"])
    ).select("measure", "source", reported="value")
    now = now_k.filter(*point).select("measure", "source", now="value")
    rows = reported.join(now, on=["measure", "source"], how="left", maintain_order="left")
    moved = _moved(run.table("membership"), now_m.filter(*point))
    return rows.join(moved, on=["measure", "source"], how="left").select(
        "measure", "source", as_of=pl.lit(run.as_of), period_start=pl.lit(run.period_start),
        period_end=pl.lit(run.period_end), reported="reported", now="now",
        difference=(pl.col("now") - pl.col("reported")).round(1),
        children=pl.col("children"),
    ).cast(REVISION_SCHEMA)  # type: ignore[arg-type]


def _moved(then: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """measure, source, children: per measure and source, the `;`-joined sorted child_ids whose
    membership (`kpis.membership`: numerator where in the denominator) differs."""
    measures = [m for m in MEASURES if m in then.columns and m in now.columns]
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
        (pl.col("recorded_date") - pl.col("event_date")).dt.total_days()
        > policy.late_entry_days).unique("row", keep="first", maintain_order=True)
    return make_flags(ev, "EVENT_RECORDED_LATE", source="health", file=file, table="events",
                      row=pl.col("row"), nhs_number=pl.col("nhs_number"),
                      field="recorded_date",
                      value=pl.format("{} {} recorded {}", pl.col("event_type"),
                                      pl.col("event_date").cast(pl.String),
                                      pl.col("recorded_date").cast(pl.String)))
