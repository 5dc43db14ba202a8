"""The rule tests read one child's statuses from the rules alone (`helpers.child_status`, a few
milliseconds); here, on random children, those statuses are exactly the children.csv row a
whole reconcile gives (`helpers.child_row`): what the rule tests check holds for the product."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from healthcheck.policy import Policy
from healthcheck.schema import CHILDREN_COLUMNS
from tests.helpers import child_row, child_status

AS_OF = date(2026, 3, 31)
DETAIL = {"immunisations_up_to_date": ["Y", "N"], "declined": ["iha", "rha", "dental"],
          "was_not_brought": ["iha", "dental"], "immunisation": ["MMR"]}
TYPES = ["notification_received", "notification_sent", "iha", "rha", "dental", *DETAIL]
# Every column of children.csv the rules give (the others come from matching).
RULE_COLUMNS = [c for c in CHILDREN_COLUMNS
                if c not in ("child_id", "nhs_number", "match_status", "match_method")]


@st.composite
def one_child(draw: st.DrawFn) -> dict:
    """One child with at least one episode started by as-of (children.csv fills in_care and
    oc2_cohort for a child without a period: tests/test_periods.py tests that whole)."""
    start = AS_OF - timedelta(days=draw(st.integers(0, 1500)))
    episodes = []
    for i in range(draw(st.integers(1, 3))):
        length = draw(st.none() | st.integers(1, 400))
        end = start + timedelta(days=length) if length else None
        episodes.append({"child_id": "C1", "start_date": start, "end_date": end,
                         "legal_status": draw(st.sampled_from(["C2", "V3", "E1"])),
                         "rne": draw(st.sampled_from(["S", None, "P"])) if i else "S"})
        if end is None:
            break
        start = end + timedelta(days=draw(st.sampled_from([0, 0, 20])))
    events = []
    for _ in range(draw(st.integers(0, 6))):
        t = draw(st.sampled_from(TYPES))
        d = AS_OF - timedelta(days=draw(st.integers(-20, 1600)))
        events.append((t, d, draw(st.sampled_from(DETAIL[t])) if t in DETAIL else None))
    return {"start": episodes[0]["start_date"], "episodes": episodes, "events": events,
            "dob": AS_OF - timedelta(days=draw(st.integers(100, 6500))),
            "policy": draw(st.sampled_from([None, Policy(iha_rule="28CD", age5_mode="lenient",
                                                         dental_interval_months=6)]))}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(child=one_child())
@example(child={"start": date(2025, 12, 19), "episodes": None, "dob": date(2015, 6, 1),
                "policy": None, "events": [("notification_received", date(2025, 12, 30), None),
                                           ("iha", date(2026, 1, 21), None),
                                           ("dental", date(2025, 6, 1), None),
                                           ("immunisations_up_to_date", date(2026, 1, 10), "Y")]})
def test_the_rules_alone_give_the_children_csv_row(child: dict) -> None:
    status = child_status(as_of=AS_OF, **child)
    row = child_row(as_of=AS_OF, **child)
    assert {c: status[c] for c in RULE_COLUMNS} == {c: row[c] for c in RULE_COLUMNS}


@pytest.mark.parametrize(("events", "episodes"), [
    ([("IHA", date(2026, 1, 10), None)], None),
    ([("immunisations_up_to_date", date(2026, 1, 10), "y")], None),
    ([("declined", date(2026, 1, 10), "IHA")], None),
    ([], [{"child_id": "C1", "start_date": date(2025, 1, 1), "legal_status": "c2", "rne": "S"}]),
    ([], [{"child_id": "C1", "start_date": date(2025, 1, 1), "legal_status": "C2", "rne": ""}]),
])
def test_the_rules_alone_refuse_codes_ingest_would_change(events: list, episodes: list) -> None:
    with pytest.raises(AssertionError, match="not canonical: use child_row"):
        child_status(start=date(2025, 1, 1), as_of=AS_OF, events=events, episodes=episodes)
