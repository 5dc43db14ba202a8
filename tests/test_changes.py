"""changes.csv (docs/rules.md §9.2): hand-worked before/after children tables."""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.changes import CHECKS, KINDS, change_counts, changes
from healthcheck.schema import CHILDREN_SCHEMA

OK = {"notification_status": "on_time", "iha_status": "on_time", "rha_status": "in_date",
      "dental_status": "in_date", "immunisations_status": "up_to_date"}


def kid(cid: str | None, *, in_care: bool = True, match: str = "matched",
        nhs: str | None = None, **status: str) -> dict:
    return {"child_id": cid, "nhs_number": nhs, "match_status": match, "in_care": in_care,
            "period_start": date(2025, 1, 6), **OK, **status}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CHILDREN_SCHEMA)


def rows(before: list[dict], after: list[dict]) -> list[tuple]:
    out = changes(frame(before), frame(after))
    assert out.columns == ["child_id", "nhs_number", "check", "before", "after", "change"]
    return [tuple(r) for r in out.iter_rows()]


def test_nothing_changed_gives_no_rows() -> None:
    same = [kid("A"), kid("B", in_care=False, match="case_only")]
    assert rows(same, same) == []


def test_care_entered_and_left() -> None:
    before = [kid("A", in_care=False), kid("B"), kid("C"), kid("E", in_care=False)]
    # A enters care; B leaves; C is gone from the extract; D is new and in care; E is new
    # neither time in care (no row); F is new and not in care (no row).
    after = [kid("A"), kid("B", in_care=False), kid("D", nhs="9434765919"),
             kid("E", in_care=False), kid("F", in_care=False)]
    assert rows(before, after) == [
        ("A", None, "care", "not_in_care", "in_care", "entered_care"),
        ("B", None, "care", "in_care", "not_in_care", "left_care"),
        ("C", None, "care", "in_care", "not_in_extract", "left_care"),
        ("D", "9434765919", "care", "not_in_extract", "in_care", "entered_care"),
    ]


def test_health_record_only_for_children_in_both_runs() -> None:
    before = [kid("A", match="case_only"), kid("B")]
    after = [kid("A", nhs="9434765919"), kid("B", match="case_only"),
             kid("N", match="case_only")]
    got = rows(before, after)
    assert ("A", "9434765919", "health_record", "case_only", "matched",
            "now_known_to_health") in got
    assert ("B", None, "health_record", "matched", "case_only",
            "newly_not_known_to_health") in got
    assert [r for r in got if r[0] == "N"] == [
        ("N", None, "care", "not_in_extract", "in_care", "entered_care")]


def test_status_kinds_in_the_order_of_checks() -> None:
    before = [kid("A", notification_status="pending", iha_status="due",
                  rha_status="due_soon", dental_status="in_date",
                  immunisations_status="unknown")]
    after = [kid("A", notification_status="missing", iha_status="overdue",
                 rha_status="in_date", dental_status="due_soon",
                 immunisations_status="not_up_to_date")]
    assert rows(before, after) == [
        ("A", None, "notification", "pending", "missing", "newly_overdue"),
        ("A", None, "iha", "due", "overdue", "newly_overdue"),
        ("A", None, "rha", "due_soon", "in_date", "done"),
        ("A", None, "dental", "in_date", "due_soon", "newly_due_soon"),
        ("A", None, "immunisations", "unknown", "not_up_to_date", "status_changed"),
    ]


def test_done_needs_an_open_status_before_and_a_met_one_after() -> None:
    before = [kid("A", iha_status="overdue", rha_status="none_recorded",
                  dental_status="declined", notification_status="late",
                  immunisations_status="not_up_to_date"),
              kid("B", iha_status="not_required", rha_status="overdue")]
    after = [kid("A", iha_status="late", rha_status="in_date", dental_status="in_date",
                 notification_status="on_time", immunisations_status="up_to_date"),
             kid("B", iha_status="on_time", rha_status="declined")]
    got = {(r[0], r[2]): r[5] for r in rows(before, after)}
    assert got == {("A", "iha"): "done", ("A", "rha"): "done",
                   ("A", "dental"): "status_changed",  # declined is not open
                   ("A", "notification"): "status_changed",  # late is not open
                   ("A", "immunisations"): "done",
                   ("B", "iha"): "status_changed", ("B", "rha"): "status_changed"}


def test_missing_is_newly_overdue_only_for_notification() -> None:
    before = [kid("A", notification_status="on_time", iha_status="due")]
    after = [kid("A", notification_status="missing", iha_status="missing")]
    got = {r[2]: r[5] for r in rows(before, after)}
    assert got == {"notification": "newly_overdue", "iha": "status_changed"}


def test_overdue_wins_over_done_and_statuses_of_a_child_not_in_care_count() -> None:
    # a status change is reported for every child in both runs, in care or not
    before = [kid("A", in_care=False, rha_status="not_required")]
    after = [kid("A", in_care=True, rha_status="overdue")]
    assert rows(before, after) == [
        ("A", None, "care", "not_in_care", "in_care", "entered_care"),
        ("A", None, "rha", "not_required", "overdue", "newly_overdue")]


def test_health_only_rows_and_blank_ids_are_ignored() -> None:
    ho = {"child_id": None, "nhs_number": "9434765919", "match_status": "health_only"}
    assert rows([kid("A"), ho], [kid("A")]) == []
    assert rows([kid("A")], [kid("A"), ho]) == []


def test_counts_list_every_kind_nurse_first() -> None:
    out = changes(frame([kid("A", iha_status="due")]), frame([kid("A", iha_status="overdue"),
                                                              kid("B")]))
    counts = change_counts(out)
    assert list(counts) == list(KINDS)
    assert counts["newly_overdue"] == 1 and counts["entered_care"] == 1
    assert sum(counts.values()) == out.height
    assert CHECKS[0] == "care"


def test_nhs_number_is_this_runs_else_the_earlier_ones() -> None:
    # A's NHS number was lost from the case record this week; B's was corrected
    before = [kid("A", nhs="9434765919", iha_status="due"),
              kid("B", nhs="4010232137", match="case_only", rha_status="due_soon")]
    after = [kid("A", iha_status="overdue", in_care=False),
             kid("B", nhs="9434765919", rha_status="overdue")]
    assert rows(before, after) == [
        ("A", "9434765919", "care", "in_care", "not_in_care", "left_care"),
        ("A", "9434765919", "iha", "due", "overdue", "newly_overdue"),
        ("B", "9434765919", "health_record", "case_only", "matched", "now_known_to_health"),
        ("B", "9434765919", "rha", "due_soon", "overdue", "newly_overdue"),
    ]
