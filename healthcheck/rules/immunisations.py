"""R5 Immunisations [DfE SSDA903 OC2 IMMUNISATIONS].

The latest `immunisations_up_to_date` on or before as-of: Y -> up_to_date, N -> not_up_to_date,
none -> unknown; not_required when there is no clock. Two statuses on the same latest day: N wins
(the cautious reading, and independent of row order).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.policy import Policy


def immunisations(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy,
                  as_of: date) -> pl.LazyFrame:
    ev = events.filter((pl.col("event_type") == "immunisations_up_to_date")
                       & pl.col("detail").is_in(["Y", "N"]))
    latest = (ev.filter(pl.col("event_date") == pl.col("event_date").max().over("child_id"))
              .group_by("child_id").agg(any_no=(pl.col("detail") == "N").any()))
    out = base.select("child_id", "clock_start").join(latest, on="child_id", how="left")
    status = (
        pl.when(pl.col("clock_start").is_null()).then(pl.lit("not_required"))
        .when(pl.col("any_no")).then(pl.lit("not_up_to_date"))
        .when(pl.col("any_no").is_not_null()).then(pl.lit("up_to_date"))
        .otherwise(pl.lit("unknown"))
    )
    return out.select("child_id", status.alias("immunisations_status"))
