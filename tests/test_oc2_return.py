"""The OC2 check (docs/rules.md "Checking the OC2 return") and the R6 cohort's edges, hand-worked.

As-of 31 Mar 2026 (a Tuesday): the OC2 year is Wed 1 Apr 2025 .. Tue 31 Mar 2026.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.periods import latest_periods
from healthcheck.read import RawTable
from healthcheck.rules.oc2_return import check_oc2, return_kpis, type_oc2
from tests.helpers import assert_flagged

AS_OF = date(2026, 3, 31)


def _episodes(rows: list[tuple]) -> pl.DataFrame:
    """(child_id, start, end, legal_status, rne) -> typed episodes."""
    return pl.DataFrame(
        [dict(row=i + 1, child_id=c, start_date=s, end_date=e, legal_status=ls, rne=rne)
         for i, (c, s, e, ls, rne) in enumerate(rows)],
        schema={"row": pl.Int64, "child_id": pl.String, "start_date": pl.Date,
                "end_date": pl.Date, "legal_status": pl.String, "rne": pl.String})


def _cohort(rows: list[tuple], as_of: date = AS_OF) -> dict[str, bool]:
    out = latest_periods(_episodes(rows), as_of).collect()
    return dict(zip(out["child_id"], out["oc2_cohort"], strict=True))


def test_cohort_starts_on_1_april_in_2_april_out() -> None:
    got = _cohort([("A", date(2025, 4, 1), None, "C2", "S"),
                   ("B", date(2025, 4, 2), None, "C2", "S"),
                   ("C", date(2025, 3, 31), None, "C2", "S")])
    assert got == {"A": True, "B": False, "C": True}


def test_cohort_episode_ending_on_31_march_is_not_in_care() -> None:
    # ends on as-of: not in care at as-of (an episode covers start .. end - 1 day)
    got = _cohort([("A", date(2024, 1, 8), date(2026, 3, 31), "C2", "S"),
                   ("B", date(2024, 1, 8), date(2026, 4, 1), "C2", "S")])
    assert got == {"A": False, "B": True}


def test_cohort_short_break_on_the_first_day_of_the_year() -> None:
    # A V3 ending on 1 Apr 2025 is open on the year's first day: out. One ending 31 Mar 2025
    # (the day before) is not: in. A V4 starting on 1 Apr 2025 and then a C2: out.
    got = _cohort([
        ("A", date(2024, 6, 3), date(2025, 4, 1), "V3", "S"),
        ("A", date(2025, 4, 1), None, "C2", None),
        ("B", date(2024, 6, 3), date(2025, 3, 31), "V3", "S"),
        ("B", date(2025, 3, 31), None, "C2", None),
        ("C", date(2024, 6, 3), date(2025, 4, 1), "C2", "S"),
        ("C", date(2025, 4, 1), date(2025, 4, 8), "V4", "P"),
        ("C", date(2025, 4, 8), None, "C2", "P"),
    ])
    assert got == {"A": False, "B": True, "C": False}


def _raw(rows: list[dict]) -> RawTable:
    cols = ("child_id", "health_assessment", "teeth_check", "immunisations")
    frame = pl.DataFrame([{c: r.get(c) for c in cols} for r in rows],
                         schema=dict.fromkeys(cols, pl.String))
    return RawTable("oc2", "oc2.csv", frame.with_row_index("row", 1).cast({"row": pl.Int64}))


def _status(rows: list[tuple]) -> pl.DataFrame:
    """(child_id, cohort, assessment, teeth, immunisations) as the rules give them."""
    return pl.DataFrame(rows, orient="row", schema={
        "child_id": pl.String, "oc2_cohort": pl.Boolean, "oc2_health_assessment": pl.Boolean,
        "oc2_teeth_check": pl.Boolean, "oc2_immunisations": pl.Boolean})


def _flags(raw: RawTable, status: pl.DataFrame, values: bool = True) -> set[tuple]:
    typed, _ = type_oc2(raw)
    f = check_oc2(typed, raw.file, status, values=values).collect()
    return {(r["rule"], r["child_id"], r["field"], r["row"], r["value"]) for r in f.to_dicts()}


def test_oc2_values_against_the_record() -> None:
    raw = _raw([
        # 1 with evidence, 0 without, blank with evidence
        {"child_id": "A", "health_assessment": "1", "teeth_check": "0", "immunisations": None},
        # 1 without evidence for all three
        {"child_id": "B", "health_assessment": "1", "teeth_check": "1", "immunisations": "1"},
        {"child_id": "X", "health_assessment": "1", "teeth_check": "1", "immunisations": "1"},
        {"child_id": "N", "health_assessment": "0", "teeth_check": "0", "immunisations": "0"},
    ])
    status = _status([("A", True, True, False, True), ("B", True, False, False, False),
                      ("C", True, True, True, True), ("N", False, False, False, False)])
    assert _flags(raw, status) == {
        ("OC2_VALUE_MISSED", "A", "IMMUNISATIONS", 1, "blank"),
        ("OC2_VALUE_UNSUPPORTED", "B", "HEALTH_ASSESSMENT", 2, "1"),
        ("OC2_VALUE_UNSUPPORTED", "B", "TEETH_CHECK", 2, "1"),
        ("OC2_VALUE_UNSUPPORTED", "B", "IMMUNISATIONS", 2, "1"),
        ("OC2_CHILD_NOT_IN_COHORT", "X", "CHILD", 3, "X"),  # not in the return at all
        ("OC2_CHILD_NOT_IN_COHORT", "N", "CHILD", 4, "N"),
        ("OC2_CHILD_MISSING", "C", "CHILD", None, "C"),
    }
    typed, _ = type_oc2(raw)
    f = check_oc2(typed, raw.file, status).collect()
    on = ("child_id", "field", "row")
    assert_flagged(f, "OC2_VALUE_MISSED", ("A", "IMMUNISATIONS", 1), on=on)
    assert_flagged(f, "OC2_VALUE_UNSUPPORTED", ("B", "HEALTH_ASSESSMENT", 2),
                   ("B", "TEETH_CHECK", 2), ("B", "IMMUNISATIONS", 2), on=on)
    assert_flagged(f, "OC2_CHILD_NOT_IN_COHORT", ("X", "CHILD", 3), ("N", "CHILD", 4), on=on)
    assert_flagged(f, "OC2_CHILD_MISSING", ("C", "CHILD", None), on=on)
    # without a record of events, only the cohort is checked
    assert {f[0] for f in _flags(raw, status, values=False)} == {
        "OC2_CHILD_NOT_IN_COHORT", "OC2_CHILD_MISSING"}


def test_oc2_unknown_child_message_says_so() -> None:
    typed, _ = type_oc2(_raw([{"child_id": "X", "health_assessment": "1"}]))
    f = check_oc2(typed, "oc2.csv", _status([("A", False, False, False, False)])).collect()
    assert f["rule"].to_list() == ["OC2_CHILD_NOT_IN_COHORT"]
    assert "not in the return's header" in f["message"][0]


def test_oc2_cells_typed_and_odd_values_flagged() -> None:
    typed, flags = type_oc2(_raw([
        {"child_id": "A", "health_assessment": "1.0", "teeth_check": " 0 ", "immunisations": "2"},
        {"child_id": None, "health_assessment": "1"},
    ]))
    assert typed["health_assessment"].to_list() == [1, 1]
    assert typed["teeth_check"].to_list() == [0, None]
    assert typed["immunisations"].to_list() == [None, None]
    assert {(r["rule"], r["field"], r["row"]) for r in flags.to_dicts()} == {
        ("VALUE_UNKNOWN", "IMMUNISATIONS", 1), ("REQUIRED_VALUE_MISSING", "CHILD", 2)}


def test_return_kpis_are_ones_over_rows() -> None:
    typed, _ = type_oc2(_raw([
        {"child_id": "A", "health_assessment": "1", "teeth_check": "0", "immunisations": "1"},
        {"child_id": "B", "health_assessment": "1", "teeth_check": None, "immunisations": "0"},
        {"child_id": "C", "health_assessment": "0", "teeth_check": "1", "immunisations": "1"},
    ]))
    k = return_kpis(typed, date(2025, 4, 1), AS_OF, AS_OF)
    got = {r["measure"]: (r["source"], r["numerator"], r["denominator"], r["value"])
           for r in k.to_dicts()}
    assert got == {"oc2_health_assessment_pct": ("return", 2, 3, 66.7),
                   "oc2_teeth_check_pct": ("return", 1, 3, 33.3),
                   "oc2_immunisations_pct": ("return", 2, 3, 66.7)}
    empty = return_kpis(typed.clear(), date(2025, 4, 1), AS_OF, AS_OF)
    assert empty["value"].is_null().all() and empty["denominator"].to_list() == [0, 0, 0]
