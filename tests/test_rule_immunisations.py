"""R5 Immunisations: the latest `immunisations_up_to_date` on or before as-of:
Y -> up_to_date, N -> not_up_to_date, none -> unknown."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import child_row, child_status

START = date(2025, 12, 19)
AS_OF = date(2026, 3, 1)


def imm(events: list, as_of: date = AS_OF, **kw: object) -> str:
    r = child_status(start=START, as_of=as_of, events=events, **kw)
    return r["immunisations_status"]  # type: ignore[no-any-return]


def imm_read(events: list, **kw: object) -> str:
    """The same through a whole reconcile: codes as read from a file, case events."""
    return child_row(start=START, as_of=AS_OF, events=events,  # type: ignore[no-any-return]
                     **kw)["immunisations_status"]


def utd(d: date, v: str | None) -> tuple[str, date, str | None]:
    return ("immunisations_up_to_date", d, v)


@pytest.mark.parametrize(("events", "status"), [
    pytest.param([utd(date(2026, 1, 10), "Y")], "up_to_date", id="Y"),
    pytest.param([utd(date(2026, 1, 10), "N")], "not_up_to_date", id="N"),
    pytest.param([], "unknown", id="none"),
    # latest wins, whatever the order of the rows
    pytest.param([utd(date(2026, 1, 10), "Y"), utd(date(2026, 2, 1), "N")], "not_up_to_date",
                 id="Y-then-N"),
    pytest.param([utd(date(2026, 2, 1), "Y"), utd(date(2026, 1, 10), "N")], "up_to_date",
                 id="N-then-Y-rows-reversed"),
    # events after as-of (1 Mar 2026) do not count
    pytest.param([utd(date(2026, 2, 1), "Y"), utd(date(2026, 3, 10), "N")], "up_to_date",
                 id="later-N-after-as-of"),
    pytest.param([utd(date(2026, 3, 2), "Y")], "unknown", id="only-after-as-of"),
    # an event on as-of counts
    pytest.param([utd(date(2026, 2, 1), "N"), utd(AS_OF, "Y")], "up_to_date", id="on-as-of"),
    # no lower bound: a status recorded before care is still the latest known
    pytest.param([utd(date(2024, 5, 1), "Y")], "up_to_date", id="before-care"),
    # with vaccine records the records decide (docs/rules.md §4 R5 extended; more in
    # test_rule_vaccines.py): one MMR at 10 is short of dtp 4 and mmr 2
    pytest.param([("immunisation", date(2026, 1, 10), "MMR")], "not_up_to_date",
                 id="vaccine-only"),
    pytest.param([utd(date(2026, 1, 10), "Y"), ("immunisation", date(2026, 2, 1), "MMR")],
                 "not_up_to_date", id="vaccine-after-Y"),
    # a vaccine dated after as-of is not a record yet: the Y/N decides
    pytest.param([utd(date(2026, 1, 10), "Y"), ("immunisation", date(2026, 3, 2), "MMR")],
                 "up_to_date", id="vaccine-after-as-of"),
])
def test_immunisation_status(events: list, status: str) -> None:
    assert imm(events) == status


@pytest.mark.parametrize(("events", "status"), [
    # Inputs: stray whitespace and mixed case are read
    pytest.param([utd(date(2026, 1, 10), " y ")], "up_to_date", id="lower-y-spaces"),
    pytest.param([utd(date(2026, 1, 10), "n")], "not_up_to_date", id="lower-n"),
    pytest.param([("Immunisations_Up_To_Date", date(2026, 1, 10), "Y")], "up_to_date",
                 id="mixed-case-event-type"),
])
def test_codes_as_read(events: list, status: str) -> None:
    assert imm_read(events) == status


def test_case_status_does_not_feed_children_csv() -> None:
    assert imm_read([], case_events=[utd(date(2026, 1, 10), "Y")]) == "unknown"
