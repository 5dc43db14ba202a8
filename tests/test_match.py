"""link_events: each health event joined to its patient(s) and their children, in the events'
order (docs/rules.md §5)."""

import polars as pl

from healthcheck.match import link_events

PATIENTS = pl.DataFrame({
    "row": [10, 11, 12, 13, 14],
    "nhs_number": ["4000000001", None, "4000000002", "4000000002", None],
    "trust_id": ["T1", "T2", "T3", None, "4000000001"],
})
EVENTS = pl.DataFrame({
    "row": [1, 2, 3, 4, 5, 6, 7],
    "nhs_number": ["4000000002", "4000000001", None, None, "4000000009", None, "4000000001"],
    "trust_id": ["T9", "T2", "T2", None, "T2", "4000000001", None],
})


def test_link_events_by_nhs_else_trust_in_event_order() -> None:
    out = link_events(EVENTS, PATIENTS)
    assert out.columns == [*EVENTS.columns, "pid"]
    assert out.select("row", "pid").rows() == [
        (1, 12), (1, 13),  # one NHS number, two patients: both, in the patients' order
        (2, 10), (2, 11),  # by NHS number, and by trust id to the patient with no NHS number
        (3, 11),           # no NHS number: by trust id
        (4, None),         # neither: unmatched, kept
        (5, 11),           # an NHS number no patient has: by trust id to one without
        (6, 14),           # a trust id spelt like an NHS number is still a trust id
        (7, 10),
    ]


def test_link_events_with_children_one_row_per_child() -> None:
    link = pl.DataFrame({"child_id": ["B", "A", "C"], "pid": [12, 12, 11],
                         "method": ["nhs", "nhs", "la_id"]})
    out = link_events(EVENTS, PATIENTS, link)
    assert out.select("row", "pid", "child_id").rows() == [
        (1, 12, "A"), (1, 12, "B"), (1, 13, None),
        (2, 10, None), (2, 11, "C"),
        (3, 11, "C"), (4, None, None), (5, 11, "C"), (6, 14, None), (7, 10, None),
    ]


def test_link_events_empty() -> None:
    out = link_events(EVENTS.head(0), PATIENTS.head(0))
    assert out.height == 0 and out.columns == [*EVENTS.columns, "pid"]
