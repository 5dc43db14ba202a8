"""The statutory rules R1-R6 (SPEC §2), one small module each.

Each rule is a pure function over typed polars frames:
    rule(base: LazyFrame, events: LazyFrame, policy, as_of) -> LazyFrame (child_id + its columns)
`base` has one row per child: child_id, dob, period_start, period_end, clock_start, in_care,
oc2_cohort. `events` has child_id, event_type, event_date, detail, dated on or before as-of.
"""
