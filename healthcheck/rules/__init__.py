"""The statutory rules R1-R7 (docs/rules.md §4), one small module each.

Every child's events are read once (see `evaluate`): each rule declares
    EVENT_TYPES: tuple[str, ...]              the event types its aggregates read
    aggregates(policy) -> list[Expr]          per child, over its usable events
and a pure function over the one-row-per-child frame that adds the rule's columns:
    rule(children: LazyFrame, policy, as_of) -> LazyFrame
(as_of a date, or the column as_of when `children` has a row per child and as-of date).
The events carry child_id, event_type, event_date, detail (dated on or before as-of) and the
child's clock_start, and any per-event columns a rule declares with
    event_columns(policy, by) -> list[Expr]   windows over each child's events (R7)
The aggregates and event columns read the events and clock_start, never as-of itself (every
event is on or before it): at several as-of dates, a child whose clock and events are the same
at two of them has its aggregates computed once (`evaluate`).
`children` has child_id, dob, period_start, period_end, clock_start,
in_care, oc2_cohort, every rule's aggregates, and the columns of the rules before it.
`evaluate` passes a rule only the events of the types some rule declares (and the source's
notification type, which R1 reads): tests/test_rule_events.py checks that no rule reads another.
"""
