"""Meta-tests: every registered flag code has a message, a doc section and a test."""

from __future__ import annotations

import re
from pathlib import Path

from healthcheck.flags import CODES
from healthcheck.schema import FLAG_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SPEC_CODES = {
    "NHS_NUMBER_MISSING", "NHS_NUMBER_INVALID", "DUPLICATE_NHS_NUMBER", "DATE_UNPARSEABLE",
    "DATE_PLACEHOLDER", "DATE_IN_FUTURE", "DATE_BEFORE_BIRTH", "EPISODE_END_BEFORE_START",
    "EPISODE_OVERLAP", "LEGAL_STATUS_UNKNOWN", "LIKELY_DUPLICATE_CHILD",
    "MIGRATION_CUTOVER_START", "MIGRATION_HISTORY_GAP", "CASE_ONLY", "HEALTH_ONLY",
    "MATCHED_ON_DEMOGRAPHICS", "DOB_MISMATCH", "EVENT_MISSING_IN_CASE",
    "EVENT_MISSING_IN_HEALTH", "DATE_MISMATCH",
}


def test_every_spec_code_registered_with_spec_severity() -> None:
    assert SPEC_CODES <= set(CODES)
    assert {c for c, f in CODES.items() if f.spec} == SPEC_CODES
    for code in CODES.values():
        assert code.severity in ("error", "warning", "info")
        assert len(code.message) > 30 and ":" in code.message  # says what to do


def test_every_code_documented() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text()
    headings = set(re.findall(r"^### ([A-Z0-9_]+)$", doc, re.M))
    missing = set(CODES) - headings
    assert not missing, f"no section in docs/rules.md for {sorted(missing)}"
    for code in CODES.values():
        section = doc.split(f"### {code.code}\n", 1)[1].split("\n### ", 1)[0]
        assert section.startswith(code.severity), f"{code.code}: doc severity differs"


def test_every_code_has_a_test() -> None:
    texts = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py")
                    if p.name != "test_docs.py")
    untested = [c for c in CODES if f'"{c}"' not in texts]
    assert not untested, f"no test mentions {untested}"


def test_flag_columns_are_spec() -> None:
    assert FLAG_COLUMNS == ("source", "file", "table", "row", "child_id", "nhs_number", "rule",
                            "severity", "field", "value", "message")
