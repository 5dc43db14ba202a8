"""R5 Immunisations [DfE SSDA903 OC2 IMMUNISATIONS; UKHSA Green Book ch. 11].

With at least one `immunisation` event on or before as-of (and a date of birth to place the child
on the schedule), decided from the vaccine records (rules.vaccines): up_to_date when no antigen
is short of an applying requirement, else not_up_to_date; basis `vaccines`, the short antigens in
immunisations_missing. Otherwise the latest `immunisations_up_to_date` on or before as-of: Y ->
up_to_date, N -> not_up_to_date (basis `status`), none -> unknown. Two statuses on the same latest
day: N wins (the cautious reading, and independent of row order). not_required when there is no
clock. docs/rules.md §4 R5 and §4 R5 extended.
"""

from __future__ import annotations

import polars as pl

from healthcheck.calendar import AsOf
from healthcheck.policy import Policy
from healthcheck.rules import vaccines

OUTPUT = ("immunisations_status", "immunisations_basis", "immunisations_missing")
EVENT_TYPES = ("immunisations_up_to_date", *vaccines.EVENT_TYPES)


def aggregates(policy: Policy) -> list[pl.Expr]:
    # Latest day first, then N before Y: the largest of (day number * 2 + 1 if N).
    status = (pl.col("event_type") == "immunisations_up_to_date") & pl.col("detail").is_in(
        ["Y", "N"])
    key = pl.col("event_date").cast(pl.Int64) * 2 + (pl.col("detail") == "N").cast(pl.Int64)
    return [key.filter(status).max().alias("immunisations_latest")]


def immunisations(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    """Reads the aggregates, the clock, dob and the per-child doses of `vaccines.doses`;
    the schedule's due doses per distinct date of birth (`vaccines.with_due`)."""
    latest = pl.col("immunisations_latest")
    clock = pl.col("clock_start").is_not_null()
    records = clock & pl.col("imms_records").fill_null(False) & pl.col("dob").is_not_null()
    out = vaccines.with_due(children, policy, as_of).with_columns(
        immunisations_missing=pl.when(records).then(vaccines.missing(policy, as_of)),
        immunisations_basis=pl.when(records).then(pl.lit("vaccines"))
        .when(clock & latest.is_not_null()).then(pl.lit("status")))
    status = (
        pl.when(~clock).then(pl.lit("not_required"))
        .when(records & pl.col("immunisations_missing").is_null()).then(pl.lit("up_to_date"))
        .when(records).then(pl.lit("not_up_to_date"))
        .when(latest % 2 == 1).then(pl.lit("not_up_to_date"))
        .when(latest.is_not_null()).then(pl.lit("up_to_date"))
        .otherwise(pl.lit("unknown"))
    )
    return out.with_columns(status.alias("immunisations_status")).drop(
        f"_due_{a}" for a in vaccines.ANTIGENS)
