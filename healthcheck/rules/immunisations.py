"""R5 Immunisations [DfE SSDA903 OC2 IMMUNISATIONS].

The latest `immunisations_up_to_date` on or before as-of: Y -> up_to_date, N -> not_up_to_date,
none -> unknown; not_required when there is no clock. Two statuses on the same latest day: N wins
(the cautious reading, and independent of row order).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.policy import Policy

OUTPUT = ("immunisations_status",)
EVENT_TYPES = ("immunisations_up_to_date",)


def aggregates(policy: Policy, as_of: date) -> list[pl.Expr]:
    # Latest day first, then N before Y: the largest of (day number * 2 + 1 if N).
    status = (pl.col("event_type") == "immunisations_up_to_date") & pl.col("detail").is_in(
        ["Y", "N"])
    key = pl.col("event_date").cast(pl.Int64) * 2 + (pl.col("detail") == "N").cast(pl.Int64)
    return [key.filter(status).max().alias("immunisations_latest")]


def immunisations(children: pl.LazyFrame, policy: Policy, as_of: date) -> pl.LazyFrame:
    latest = pl.col("immunisations_latest")
    status = (
        pl.when(pl.col("clock_start").is_null()).then(pl.lit("not_required"))
        .when(latest % 2 == 1).then(pl.lit("not_up_to_date"))
        .when(latest.is_not_null()).then(pl.lit("up_to_date"))
        .otherwise(pl.lit("unknown"))
    )
    return children.with_columns(status.alias("immunisations_status"))
