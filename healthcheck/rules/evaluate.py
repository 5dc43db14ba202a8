"""Runs R1-R7 over all children at once for one source of health events (docs/rules.md §4).

The events are read once and joined to their child's clock start; each rule's aggregates are
taken per child over the events of the types it declares; then each rule adds its columns to the
one-row-per-child frame, in order (R3 reads R2's status, R6 reads R5's, R7 reads R1's and R2's).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.policy import Policy
from healthcheck.rules import dental, iha, immunisations, notification, oc2, pathway, rha, vaccines

EVENT_SCHEMA = {"child_id": pl.String, "event_type": pl.String, "event_date": pl.Date,
                "detail": pl.String}
RULES = (notification, iha, rha, dental, immunisations, oc2, pathway)
# The event types some rule reads (each rule declares its own), besides the source's
# notification type.
RULE_EVENT_TYPES = tuple(dict.fromkeys(t for rule in RULES for t in rule.EVENT_TYPES))


def usable_events(events: pl.LazyFrame | pl.DataFrame, as_of: date) -> pl.LazyFrame:
    """Events that count: a child, a type and a date on or before as-of (docs/rules.md §2)."""
    return events.lazy().select(list(EVENT_SCHEMA)).filter(
        pl.col("child_id").is_not_null() & pl.col("event_type").is_not_null()
        & pl.col("event_date").is_not_null() & (pl.col("event_date") <= as_of))


def evaluate(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy, as_of: date,
             notification_type: str) -> pl.LazyFrame:
    """One row per child of `base`: every status column of children.csv plus the OC2 measures."""
    ev = (usable_events(events, as_of)
          .filter(pl.col("event_type").is_in([*RULE_EVENT_TYPES, notification_type]))
          .join(base.select("child_id", "clock_start"), on="child_id")).cache()
    out = base
    for rule in RULES:
        # Each rule's aggregates over only the events of its own types (and the notification
        # type): the same figures (tests/test_rule_events.py), on far fewer rows. A child with
        # none of them has blank aggregates, which the rules read as no events.
        if rule is notification:
            aggs, types = notification.aggregates(policy, as_of, notification_type), ()
        else:
            aggs, types = rule.aggregates(policy, as_of), rule.EVENT_TYPES
        own = ev.filter(pl.col("event_type").is_in([*types, notification_type]))
        if hasattr(rule, "event_columns"):
            own = own.with_columns(rule.event_columns(policy, as_of))
        out = out.join(own.group_by("child_id").agg(*aggs), on="child_id", how="left")
    out = out.join(vaccines.doses(ev, policy), on="child_id", how="left")
    out = notification.notification(out, policy, as_of)
    out = iha.iha(out, policy, as_of)
    out = rha.rha(out, policy, as_of)
    out = dental.dental(out, policy, as_of)
    out = immunisations.immunisations(out, policy, as_of)
    out = oc2.oc2(out, policy, as_of)
    out = pathway.pathway(out, policy, as_of)
    base_columns = base.collect_schema().names()
    return out.select(*base_columns, *[c for rule in RULES for c in rule.OUTPUT])
