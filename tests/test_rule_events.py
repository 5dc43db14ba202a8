"""Each rule reads only the event types it declares (`EVENT_TYPES`), so that `evaluate`, which
passes the rules only the declared types, can never silently starve a rule of its events."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl
import pytest

from healthcheck.policy import Policy
from healthcheck.rules import evaluate, notification
from healthcheck.schema import ASSESSMENT_TYPES, CHECK_TYPES, EVENT_TYPES

AS_OF = date(2026, 3, 31)
NOTIFICATION = "notification_received"


def _events() -> pl.DataFrame:
    """Every known event type, for 300 children, on days around their clock start (seeded)."""
    rng = random.Random(7)
    rows = []
    for i in range(300):
        clock = date(2023, 1, 1) + timedelta(days=rng.randrange(1000))
        for _ in range(rng.randrange(1, 25)):
            rows.append({
                "child_id": f"C{i}", "event_type": rng.choice(EVENT_TYPES),
                "event_date": clock + timedelta(days=rng.randrange(-120, 700)),
                "detail": rng.choice(["Y", "N", *CHECK_TYPES, None]), "clock_start": clock})
    return pl.DataFrame(rows).filter(pl.col("event_date") <= AS_OF)


def _aggregates(rule: object, events: pl.DataFrame) -> pl.DataFrame:
    """The rule's aggregates for each of the 300 children (blank for one with no events; a
    flag that is blank or false reads the same, as the rules read it)."""
    policy = Policy()
    exprs = (notification.aggregates(policy, NOTIFICATION) if rule is notification
             else rule.aggregates(policy))  # type: ignore[attr-defined]
    if hasattr(rule, "event_columns"):  # as evaluate does, before the grouping
        events = events.with_columns(*rule.event_columns(policy))
    kids = pl.DataFrame({"child_id": [f"C{i}" for i in range(300)]})
    return kids.join(events.group_by("child_id").agg(*exprs), on="child_id",
                     how="left").sort("child_id").with_columns(pl.col(pl.Boolean).fill_null(False))


@pytest.mark.parametrize("rule", evaluate.RULES, ids=lambda r: r.__name__.rsplit(".", 1)[-1])
def test_a_rule_reads_only_the_event_types_it_declares(rule: object) -> None:
    events = _events()
    declared = [*rule.EVENT_TYPES, NOTIFICATION]  # type: ignore[attr-defined]
    only = events.filter(pl.col("event_type").is_in(declared))
    full, restricted = _aggregates(rule, events), _aggregates(rule, only)
    assert full.equals(restricted)
    # the events make a difference: a rule's results are not all blank
    assert any(full[c].drop_nulls().len() for c in full.columns if c != "child_id")


def test_evaluate_passes_the_rules_exactly_the_declared_types() -> None:
    assert set(evaluate.RULE_EVENT_TYPES) == {t for r in evaluate.RULES for t in r.EVENT_TYPES}
    assert set(ASSESSMENT_TYPES) <= set(evaluate.RULE_EVENT_TYPES)
    assert set(evaluate.RULE_EVENT_TYPES) <= set(EVENT_TYPES)


def test_an_undeclared_type_would_be_caught() -> None:
    """The check above fails for a rule that reads a type it does not declare: R3 without
    `rha` in its declaration."""
    from healthcheck.rules import rha

    events = _events()
    only = events.filter(pl.col("event_type").is_in(["iha", "declined"]))
    assert not _aggregates(rha, events).equals(_aggregates(rha, only))
