"""Runs R1-R7 over all children at once for one source of health events (docs/rules.md §4).

The events are read once and joined to their child's clock start; each rule's aggregates are
taken per child over the events of the types it declares; then each rule adds its columns to the
one-row-per-child frame, in order (R3 reads R2's status, R6 reads R5's, R7 reads R1's and R2's).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import AsOf
from healthcheck.periods import reach
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


def evaluate(base: pl.LazyFrame, events: pl.LazyFrame, policy: Policy,
             as_of: date | pl.DataFrame, notification_type: str) -> pl.LazyFrame:
    """One row per child of `base`: every status column of children.csv plus the OC2 measures.

    `as_of` a frame of dates (column as_of): the rules at each of them at once, `base` having
    one row per child and as-of (`latest_periods` at those dates), with as_of.
    """
    types = [*RULE_EVENT_TYPES, notification_type]
    at: AsOf
    if isinstance(as_of, date):
        by, at = "_kid", as_of
        out, ev = _children(base, events, types, as_of)
    else:
        by, at = "_state", pl.col("as_of")
        out, ev = _states(base, events, types, as_of.get_column("as_of").unique().sort())
    ev = ev.cache()
    # the aggregates are joined to one narrow row per unit, then that to `out`, once
    aggregated = out.select(by).unique()
    for rule in RULES:
        # Each rule's aggregates over only the events of its own types (and the notification
        # type): the same figures (tests/test_rule_events.py), on far fewer rows. A child with
        # none of them has blank aggregates, which the rules read as no events.
        if rule is notification:
            aggs, own_types = notification.aggregates(policy, notification_type), ()
        else:
            aggs, own_types = rule.aggregates(policy), rule.EVENT_TYPES
        own = ev.filter(pl.col("event_type").is_in([*own_types, notification_type]))
        if hasattr(rule, "event_columns"):
            own = own.with_columns(rule.event_columns(policy, by))
        aggregated = aggregated.join(own.group_by(by).agg(*aggs), on=by, how="left")
    aggregated = aggregated.join(vaccines.doses(ev, policy, by), on=by, how="left")
    out = out.join(aggregated, on=by, how="left", maintain_order="left")
    out = notification.notification(out, policy, at)
    out = iha.iha(out, policy, at)
    out = rha.rha(out, policy, at)
    out = dental.dental(out, policy, at)
    out = immunisations.immunisations(out, policy, at)
    out = oc2.oc2(out, policy, at)
    out = pathway.pathway(out, policy, at)
    base_columns = base.collect_schema().names()
    return out.select(*base_columns, *[c for rule in RULES for c in rule.OUTPUT])


def _typed(events: pl.LazyFrame, types: list[str]) -> pl.LazyFrame:
    """The events of the `types`, the type an enum of them and the detail a category. The
    type is cast before the filter (a type outside them becomes null): one pass over the
    type strings, not two."""
    return (events.with_columns(pl.col("event_type").cast(pl.Enum(types), strict=False))
            .filter(pl.col("event_type").is_not_null())
            .with_columns(pl.col("detail").cast(pl.Categorical)))


def _children(base: pl.LazyFrame, events: pl.LazyFrame, types: list[str], as_of: date
              ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(units, events) for the rules at one date: `base` with its children numbered (`_kid`),
    and every usable event of the `types` with its child's number and clock_start. The
    aggregates group and join by the number, the type is an enum and the detail a category:
    far cheaper than by the child_id and type strings."""
    # a numbering made by a sort (not a row index), so that polars reads the events' join once
    units = base.with_columns(_kid=pl.col("child_id").rank("dense")).cache()
    ev = (_typed(usable_events(events, as_of), types)
          .join(units.select("child_id", "_kid", "clock_start"), on="child_id")
          .drop("child_id"))
    return units, ev


def _states(base: pl.LazyFrame, events: pl.LazyFrame, types: list[str], dates: pl.Series
            ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(units, events) for the rules at several dates. A child at an as-of reads its events
    up to then and its clock start; the aggregates read nothing else (rules/__init__), so the
    child's as-of dates with the same clock start and no event between them share a `_state`:
    `units` is `base` with it, `events` every usable event of the `types` beside each state of
    its child that includes it (with the state's clock_start), the aggregates' input.

    An event's `_b` is the first as-of on or after its date (its index in `dates`); a state
    holds the events up to the last `_b` of the child on or before its as-of. Inside, children
    are numbered (`_kid`) and the type and detail are categories: the frames stay narrow.
    """
    bucket = pl.lit(dates).search_sorted(pl.col("event_date")).cast(pl.UInt32)
    # cached: each numbering is made once, so both sides of a join read the same one
    kids = (base.select(pl.col("child_id").unique(maintain_order=True))
            .with_row_index("_kid").cache())
    ev = (_typed(usable_events(events, dates[-1]), types).with_columns(_b=bucket)
          .join(kids, on="child_id").drop("child_id").cache())
    points = pl.LazyFrame({"as_of": dates, "_p": pl.Series(range(len(dates)), dtype=pl.UInt32)})
    seen = (reach(ev.select("_kid", "_b").unique(), len(dates)).join(points, on="_p")
            .select("_kid", "as_of", "_b"))
    units = (base.join(kids, on="child_id", maintain_order="left")
             .join(seen, on=["_kid", "as_of"], how="left", maintain_order="left"))
    key = ["_kid", "clock_start", "_b"]
    states = (units.filter(pl.col("_b").is_not_null()).select(key).unique()
              .with_row_index("_state").cache())
    units = units.join(states, on=key, how="left", nulls_equal=True, maintain_order="left")
    ev = (ev.join(states, on="_kid", suffix="_s").filter(pl.col("_b") <= pl.col("_b_s"))
          .select("_state", "event_type", "event_date", "detail", "clock_start"))
    return units.drop("_kid", "_b"), ev
