"""Meta-tests: every registered flag code has a message, a doc section and a test."""

from __future__ import annotations

import re
from pathlib import Path

import healthcheck.reconcile  # noqa: F401 - imports every module that declares flag codes
from healthcheck.flags import CODES, DISAGREEMENT_CODES, Checks, declare
from healthcheck.schema import FLAG_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SPEC_CODES = {
    "NHS_NUMBER_MISSING", "NHS_NUMBER_INVALID", "DUPLICATE_NHS_NUMBER", "DATE_UNPARSEABLE",
    "DATE_PLACEHOLDER", "DATE_IN_FUTURE", "DATE_BEFORE_BIRTH", "EPISODE_END_BEFORE_START",
    "EPISODE_OVERLAP", "LEGAL_STATUS_UNKNOWN", "LIKELY_DUPLICATE_CHILD",
    "MIGRATION_CUTOVER_START", "MIGRATION_HISTORY_GAP", "CASE_ONLY", "HEALTH_ONLY",
    "MATCHED_ON_DEMOGRAPHICS", "DOB_MISMATCH", "EVENT_MISSING_IN_CASE",
    "EVENT_MISSING_IN_HEALTH", "DATE_MISMATCH", "EVENT_RECORDED_LATE", "IHA_NOT_RECORDED",
    # immunisations from vaccine records (docs/rules.md §4 R5 extended)
    "VACCINE_UNKNOWN", "IMMUNISATIONS_STATUS_DISAGREES",
    # section 8 (the SSDA903 return)
    "CHILD_WITHOUT_EPISODES", "PERIOD_STARTED_BEFORE_EXTRACT", "OC2_CHILD_MISSING",
    "OC2_CHILD_NOT_IN_COHORT", "OC2_VALUE_UNSUPPORTED", "OC2_VALUE_MISSED",
}
LOCAL_CODES = {"REQUIRED_VALUE_MISSING", "EVENT_TYPE_UNKNOWN", "RECORD_UNLINKED",
               "CHILD_ID_REPEATED", "VALUE_UNKNOWN", "PATHWAY_APPOINTMENT_BEFORE_REQUEST",
               "PATHWAY_REPORT_BEFORE_IHA"}


def test_every_code_registered_once_with_a_message() -> None:
    assert set(CODES) == SPEC_CODES | LOCAL_CODES
    assert {c for c, f in CODES.items() if f.local} == LOCAL_CODES
    assert set(DISAGREEMENT_CODES) <= set(CODES)
    for code in CODES.values():
        assert code.severity in ("error", "warning", "info")
        assert len(code.message) > 30 and ":" in code.message  # says what to do


def test_a_code_cannot_be_declared_twice_or_with_an_unknown_severity() -> None:
    import pytest

    with pytest.raises(ValueError, match="twice"):
        declare("CASE_ONLY", "error", "Again: no.")
    with pytest.raises(ValueError, match="severity"):
        Checks()("NEW_CODE", "fatal", "Unknown severity: no.")
    assert "NEW_CODE" not in CODES


def test_every_code_documented_with_its_severity() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text()
    headings = set(re.findall(r"^### ([A-Z0-9_]+)$", doc, re.M))
    missing = set(CODES) - headings
    assert not missing, f"no section in docs/rules.md for {sorted(missing)}"
    for code in CODES.values():
        section = doc.split(f"### {code.code}\n", 1)[1].split("\n### ", 1)[0]
        assert section.startswith(code.severity), f"{code.code}: doc severity differs"
        assert section.startswith(f"{code.severity} (local)") == code.local, (
            f"{code.code}: docs/rules.md and the code disagree on whether it is local")


def test_every_code_has_a_test_that_asserts_it() -> None:
    """A code counts as tested only where a test asserts it through tests.helpers
    `assert_flagged(flags, "CODE", ...)`, which checks the code is raised on the expected rows
    (a mention of the code's name elsewhere does not count)."""
    texts = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py")
                    if p.name != "test_docs.py")
    asserted = set(re.findall(r'assert_flagged\(\s*[\w.\[\]"]+,\s*"([A-Z0-9_]+)"', texts))
    untested = sorted(set(CODES) - asserted)
    assert not untested, f"no assert_flagged(..., CODE, ...) in tests for {untested}"


def test_flag_columns_are_spec() -> None:
    assert FLAG_COLUMNS == ("source", "file", "table", "row", "child_id", "nhs_number", "rule",
                            "severity", "field", "value", "message")
