"""IHA_NOT_RECORDED (docs/rules.md §10 IHA_NOT_RECORDED): an IHA `overdue` while the child
has had a review health assessment since the clock started. The review could not have
happened without the initial one, so the IHA date was probably lost: not an action for the nurse
(the child leaves the Overdue sheet), but a record to find and enter. The figures keep counting
it as R2 says (docs/rules.md §4 R2).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.flags import declare, make_flags

declare("IHA_NOT_RECORDED", "warning",
        "IHA shows as overdue but the child has had a review health assessment since coming "
        "into care: the IHA date was probably lost; find it and enter it.")


def lost_iha(status: pl.DataFrame | pl.LazyFrame, health_events: pl.DataFrame | pl.LazyFrame,
             as_of: date) -> pl.LazyFrame:
    """child_id, row, rha_date: per child whose (health) IHA is overdue, its earliest `rha`
    dated on or after the clock start and on or before as-of, and that event's row."""
    overdue = status.lazy().filter(pl.col("iha_status") == "overdue").select(
        "child_id", "clock_start")
    return (health_events.lazy().filter(pl.col("event_type") == "rha")
            .join(overdue, on="child_id")
            .filter(pl.col("event_date").is_between(pl.col("clock_start"), pl.lit(as_of)))
            .sort("child_id", "event_date", "row")
            .group_by("child_id", maintain_order=True)
            .agg(pl.col("row").first(), rha_date=pl.col("event_date").first()))


def iha_not_recorded(lost: pl.LazyFrame, file: str) -> pl.LazyFrame:
    """The flags, on the review's row of the health extract's events."""
    return make_flags(lost, "IHA_NOT_RECORDED", source="health", file=file, table="events",
                      row=pl.col("row"), child_id=pl.col("child_id"), field="iha_date",
                      value=pl.format("rha {}", pl.col("rha_date").cast(pl.String)))
