"""Each derived flag raised once, on the right row, in one small authority."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tests.helpers import assert_flagged, run_mem

AS_OF = date(2026, 3, 31)
CUTOVER = date(2024, 10, 31)
N1, N3, N4, N8, N9, N10 = ("9990000018", "9990000026", "9990000034", "9990000042",
                           "9990000050", "9990000069")


def ep(child: str, start: str, end: str | None = None, ls: str = "C2", rne: str = "S") -> dict:
    return {"child_id": child, "start_date": start, "end_date": end, "legal_status": ls,
            "rne": rne}


CASE = {
    "children": [
        {"child_id": "C1", "nhs_number": N1, "forename": "Ann", "surname": "Lee",
         "dob": "2015-06-01"},
        {"child_id": "C2", "nhs_number": None, "forename": "Bob", "surname": "Roe",
         "dob": "2014-01-01"},
        {"child_id": "C3", "nhs_number": N3, "forename": "Cy", "surname": "Ng",
         "dob": "2013-01-01"},
        {"child_id": "C4", "nhs_number": N4, "forename": "Di", "surname": "Ox",
         "dob": "2012-01-01"},
        {"child_id": "C5", "nhs_number": N4, "forename": "Dee", "surname": "Ox",
         "dob": "2012-01-01"},
        {"child_id": "C6", "nhs_number": None, "forename": "Ed", "surname": "Po",
         "dob": "2016-01-01"},
        {"child_id": "C7", "nhs_number": None, "forename": "Fi", "surname": "Qu",
         "dob": "2026-05-01"},
        {"child_id": "C8", "nhs_number": N8, "forename": "Gu", "surname": "Ry",
         "dob": "2011-01-01"},
        {"child_id": "C9", "nhs_number": N9, "forename": "Hal", "surname": "Sy",
         "dob": "2010-01-01"},
        {"child_id": "C10", "nhs_number": None, "forename": "Ida", "surname": "Tu",
         "dob": "2012-02-02"},
        {"child_id": "C11", "nhs_number": None, "forename": "Ida", "surname": "Tu",
         "dob": "2012-02-02"},
    ],
    "episodes": [
        ep("C1", "2024-10-31"), ep("C2", "2023-01-01"), ep("C3", "2023-01-01"),
        ep("C4", "2023-01-01"), ep("C5", "2023-01-01"),
        ep("C6", "2015-12-01", "2017-01-01"), ep("C6", "2016-06-01", None, rne="P"),
        ep("C8", "2023-01-01", "2023-06-01"), ep("C9", "2022-01-01"),
        ep("C10", "2020-01-01", "2020-02-01"), ep("C11", "2020-01-01", "2020-02-01"),
    ],
    "health_events": [
        {"child_id": "C9", "event_type": "rha", "event_date": "2025-01-01"},
        {"child_id": "C9", "event_type": "dental", "event_date": "2025-07-01"},
        {"child_id": "C9", "event_type": "iha", "event_date": "2026-06-01"},
    ],
}
HEALTH = {
    "patients": [
        {"nhs_number": N1, "trust_id": "T1", "forename": "Ann", "surname": "Lee",
         "dob": "2015-06-01"},
        {"nhs_number": None, "trust_id": "T2", "forename": "Bobby", "surname": " roe ",
         "dob": "2014-01-01"},
        {"nhs_number": N4, "trust_id": "T4", "forename": "Di", "surname": "Ox",
         "dob": "2012-01-01"},
        {"nhs_number": None, "trust_id": "T8", "la_child_id": "C8", "forename": "Gu",
         "surname": "Ry", "dob": "2011-01-02"},
        {"nhs_number": N9, "trust_id": "T9", "forename": "Hal", "surname": "Sy",
         "dob": "2010-01-01"},
        {"nhs_number": N10, "trust_id": "T10", "forename": "Jo", "surname": "Vu",
         "dob": "2009-01-01"},
    ],
    "events": [
        {"nhs_number": N9, "event_type": "iha", "event_date": "2022-02-01"},
        {"nhs_number": N9, "event_type": "rha", "event_date": "2025-06-01"},
        {"nhs_number": N9, "event_type": "dental", "event_date": "2025-07-10"},
        {"nhs_number": N1, "event_type": "iha", "event_date": "2010-01-01"},
        {"trust_id": "T8", "event_type": "dental", "event_date": "2026-04-02"},
    ],
}


@pytest.fixture(scope="module")
def flags() -> pl.DataFrame:
    return run_mem(CASE, HEALTH, AS_OF, cutover=CUTOVER).flags


ON = ("child_id", "table", "row")


def test_nhs_number_missing(flags: pl.DataFrame) -> None:
    # in care with no NHS number (C6 and C7 too: C6 in care; C7 has no episode)
    assert_flagged(flags, "NHS_NUMBER_MISSING",
                   ("C2", "children", 2), ("C6", "children", 6), on=ON)


def test_duplicate_nhs_number(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "DUPLICATE_NHS_NUMBER",
                   ("C4", "children", 4), ("C5", "children", 5), on=ON)


def test_case_only(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "CASE_ONLY", ("C3", "children", None), ("C6", "children", None), on=ON)


def test_health_only(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "HEALTH_ONLY", (None, "patients", None), on=ON)


def test_matched_on_demographics(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "MATCHED_ON_DEMOGRAPHICS", ("C2", "children", None), on=ON)


def test_dob_mismatch(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "DOB_MISMATCH", ("C8", "children", None), on=ON)


def test_likely_duplicate_child(flags: pl.DataFrame) -> None:
    # C4/C5 both match patient 3; C10/C11 same name and DOB
    assert_flagged(flags, "LIKELY_DUPLICATE_CHILD",
                   ("C10", "children", 10), ("C11", "children", 11), ("C4", "children", 4),
                   ("C5", "children", 5), on=ON)


def test_migration_cutover_start(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "MIGRATION_CUTOVER_START", ("C1", "episodes", 1), on=ON)


def test_migration_history_gap(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "MIGRATION_HISTORY_GAP", ("C9", None, None), on=ON)


def test_date_before_birth(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "DATE_BEFORE_BIRTH", ("C1", "events", 4), ("C6", "episodes", 6), on=ON)


def test_episode_overlap(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "EPISODE_OVERLAP", ("C6", "episodes", 7), on=ON)


def test_date_in_future(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "DATE_IN_FUTURE",
                   ("C7", "children", 7), ("C8", "events", 5), ("C9", "health_events", 3), on=ON)


def test_event_missing_in_case(flags: pl.DataFrame) -> None:
    # health rha 2025-06-01: no case rha within 31 days
    assert_flagged(flags, "EVENT_MISSING_IN_CASE", ("C9", "events", None), on=ON)


def test_event_missing_in_health(flags: pl.DataFrame) -> None:
    # case rha 2025-01-01: no health rha within 31 days
    assert_flagged(flags, "EVENT_MISSING_IN_HEALTH", ("C9", "health_events", None), on=ON)


def test_date_mismatch(flags: pl.DataFrame) -> None:
    assert_flagged(flags, "DATE_MISMATCH", ("C9", "events", None), on=ON)


def test_only_derived_flags_have_no_row(flags: pl.DataFrame) -> None:
    no_row = flags.filter(pl.col("row").is_null())
    assert set(no_row["source"].unique()) == {"reconcile"}
    assert flags.filter(pl.col("source") == "reconcile")["row"].null_count() == \
        flags.filter(pl.col("source") == "reconcile").height


def test_flag_rows_name_their_file_and_severity(flags: pl.DataFrame) -> None:
    assert flags.filter(pl.col("rule") == "CASE_ONLY")["severity"].unique().to_list() == [
        "error"]
    dm = flags.filter(pl.col("rule") == "DATE_MISMATCH").row(0, named=True)
    assert dm["file"].endswith("events.csv")
    assert dm["value"] == "dental health 2025-07-10 / case 2025-07-01"
    assert dm["nhs_number"] == N9
    assert flags.filter(pl.col("message").is_null()).height == 0


def test_no_cutover_no_migration_flags() -> None:
    res = run_mem(CASE, HEALTH, AS_OF)
    assert res.flags.filter(pl.col("rule").str.starts_with("MIGRATION")).height == 0


def test_children_match_columns() -> None:
    res = run_mem(CASE, HEALTH, AS_OF)
    ch = {r["child_id"]: r for r in res.children.iter_rows(named=True) if r["child_id"]}
    assert ch["C2"]["match_method"] == "demographics"
    assert ch["C8"]["match_method"] == "la_id"
    assert ch["C3"]["match_status"] == "case_only"
    assert ch["C7"]["iha_status"] == "not_required"  # no period at all
    ho = res.children.filter(pl.col("match_status") == "health_only")
    assert ho["nhs_number"].to_list() == [N10]


def test_local_codes_keep_every_row_accounted_for() -> None:
    case = {
        "children": [{"child_id": "A", "dob": "2015-01-01"}, {"child_id": "A", "dob": None},
                     {"child_id": None, "dob": "2015-01-01"}],
        "episodes": [ep("A", "2024-01-01"), ep("ZZ", "2024-01-01"),
                     {"child_id": "A", "start_date": "2024-02-01", "legal_status": None}],
        "health_events": [
            {"child_id": "A", "event_type": "haircut", "event_date": "2024-03-01"},
            {"child_id": "A", "event_type": "immunisations_up_to_date",
             "event_date": "2024-03-01", "detail": "maybe"},
            {"child_id": "A", "event_type": "declined", "event_date": "2024-03-01",
             "detail": "Yes"}],
    }
    health = {"patients": [{"nhs_number": N1, "dob": "2015-01-01"}],
              "events": [{"nhs_number": N3, "event_type": "iha", "event_date": "2024-01-01"},
                         {"event_type": "iha", "event_date": "2024-01-01"}]}
    f = run_mem(case, health, AS_OF).flags
    on = ("table", "row", "field")
    assert_flagged(f, "CHILD_ID_REPEATED", ("children", 2, "child_id"), on=on)
    assert_flagged(f, "REQUIRED_VALUE_MISSING", ("children", 2, "dob"),
                   ("children", 3, "child_id"), ("episodes", 3, "legal_status"),
                   ("events", 2, "nhs_number"), on=on)
    assert_flagged(f, "RECORD_UNLINKED", ("episodes", 2, "child_id"),
                   ("events", 1, "nhs_number"), on=on)
    assert_flagged(f, "EVENT_TYPE_UNKNOWN", ("health_events", 1, "event_type"), on=on)
    assert_flagged(f, "VALUE_UNKNOWN", ("health_events", 2, "detail"),
                   ("health_events", 3, "detail"), on=on)


def test_nhs_number_missing_is_a_blank_one_not_an_invalid_one() -> None:
    """Both children are in care without a usable NHS number: the blank one is missing, the
    invalid one is flagged as invalid only (read from the cell's state, not from the flags)."""
    case = {"children": [{"child_id": "A", "nhs_number": " ", "dob": "2015-01-01"},
                         {"child_id": "B", "nhs_number": "1234567890", "dob": "2015-01-01"}],
            "episodes": [ep("A", "2024-01-01"), ep("B", "2024-01-01")]}
    f = run_mem(case, {}, AS_OF).flags
    assert_flagged(f, "NHS_NUMBER_MISSING", ("A", "children", 1), on=("child_id", "table", "row"))
    assert_flagged(f, "NHS_NUMBER_INVALID", ("B", "children", 2), on=("child_id", "table", "row"))


def test_zero_length_episode_overlaps_nothing_in_any_order() -> None:
    open_ep = ep("C1", "2024-02-29")
    zero = ep("C1", "2024-02-29", "2024-02-29")
    kid = [{"child_id": "C1", "dob": "2015-01-01"}]
    for eps in ([open_ep, zero], [zero, open_ep]):
        res = run_mem({"children": kid, "episodes": eps}, HEALTH, AS_OF)
        assert res.flags.filter(pl.col("rule") == "EPISODE_OVERLAP").height == 0
    # two open episodes from the same day do overlap: one flag, on the second
    res = run_mem({"children": kid, "episodes": [open_ep, dict(open_ep)]}, HEALTH, AS_OF)
    assert_flagged(res.flags, "EPISODE_OVERLAP", ("C1", "episodes", 2), on=ON)


def test_events_link_by_trust_id_when_the_patient_has_no_nhs_number() -> None:
    case = {"children": [{"child_id": "C1", "nhs_number": N1, "forename": "Ann",
                          "surname": "Lee", "dob": "2015-06-01"}],
            "episodes": [ep("C1", "2025-12-01")]}
    health = {"patients": [{"nhs_number": None, "trust_id": "T1", "la_child_id": "C1",
                            "dob": "2015-06-01"}],
              "events": [{"nhs_number": N1, "trust_id": "T1", "event_type": "iha",
                          "event_date": "2026-01-05"},
                         {"nhs_number": N3, "trust_id": "T1", "event_type": "rha",
                          "event_date": "2026-01-06"}]}
    row = run_mem(case, health, AS_OF).children.row(0, named=True)
    assert row["match_method"] == "la_id"
    assert row["iha_date"] == date(2026, 1, 5)
    assert row["last_assessment"] == date(2026, 1, 6)  # both events are the patient's (trust_id)


def test_no_comparison_when_the_case_extract_has_no_health_events() -> None:
    """docs/rules.md §6: a case extract with no health events (a 903 return) is not compared,
    so the health extract's assessments are not all EVENT_MISSING_IN_CASE."""
    case = {k: v for k, v in CASE.items() if k != "health_events"}
    res = run_mem(case, HEALTH, date(2026, 3, 31))
    assert res.summary["events_compared"] is False
    assert res.disagreements.is_empty()
    assert not res.flags["rule"].is_in(["EVENT_MISSING_IN_CASE", "DATE_MISMATCH"]).any()
    with_events = run_mem(CASE, HEALTH, date(2026, 3, 31))
    assert with_events.summary["events_compared"] is True
