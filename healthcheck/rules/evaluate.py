"""Runs R1-R6 over all children at once for one source of health events."""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.policy import Policy
from healthcheck.rules.dental import dental
from healthcheck.rules.iha import iha
from healthcheck.rules.immunisations import immunisations
from healthcheck.rules.notification import notification
from healthcheck.rules.oc2 import oc2
from healthcheck.rules.rha import rha

EVENT_SCHEMA = {"child_id": pl.String, "event_type": pl.String, "event_date": pl.Date,
                "detail": pl.String}


def usable_events(events: pl.LazyFrame | pl.DataFrame, as_of: date) -> pl.LazyFrame:
    """Events that count: a child, a type and a date on or before as-of (SPEC §2)."""
    return events.lazy().select(list(EVENT_SCHEMA)).filter(
        pl.col("child_id").is_not_null() & pl.col("event_type").is_not_null()
        & pl.col("event_date").is_not_null() & (pl.col("event_date") <= as_of))


def evaluate(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy, as_of: date,
             notification_type: str) -> pl.LazyFrame:
    """One row per child of `base`: every status column of children.csv plus the OC2 measures."""
    ev = usable_events(events, as_of).cache()
    r1 = notification(base, ev, policy, as_of, notification_type)
    r2 = iha(base, ev, policy, as_of)
    r3 = rha(base, ev, policy, as_of, r2)
    r4 = dental(base, ev, policy, as_of)
    r5 = immunisations(base, ev, policy, as_of)
    r6 = oc2(base, ev, policy, as_of, r5)
    out = base
    for part in (r1, r2, r3, r4, r5, r6):
        out = out.join(part, on="child_id", how="left")
    return out
