"""`healthcheck validate`: what it shows and writes. Lost cells come from ingest's cell states
(not from flags); personal values (identifiers, names, dates of birth) are never printed or
written, only their rows; `--json` is written whole, owner-only, in a fresh temporary file."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck.cli import app
from healthcheck.errors import OutputError, UsageError
from healthcheck.schema import DATE_STATES, NHS_STATES
from healthcheck.validate import print_report, run_validate, validation_frames
from healthcheck.validate.frames import lost_columns
from healthcheck.validate.report import write_json
from tests.helpers import extract_mem, write_extract
from tests.test_validate import (
    AS_OF,
    GOOD,
    N1,
    between,
    cell,
    key,
    nn,
    null,
    unique,
    validate_table,
)


def test_lost_columns_from_cell_states() -> None:
    cells = pl.DataFrame({
        "row": [1, 2, 3, 4],
        "dob_state": pl.Series(["ok", "unparseable", "placeholder", "blank"], dtype=DATE_STATES),
        "dob_raw": [None, "31/02/2010", "1900-01-01", None],
        "nhs_number_state": pl.Series(["invalid", "ok", "blank", "ok"], dtype=NHS_STATES),
        "nhs_number_raw": ["123", None, None, None],
    })
    assert lost_columns(cells).to_dict(as_series=False) == {
        "dob__unreadable": [None, "31/02/2010", None, None],
        "dob__placeholder": [None, None, "1900-01-01", None],
        "nhs_number__invalid": ["123", None, None, None],
    }


def test_validation_frames_read_the_cells_not_the_flags() -> None:
    t = copy.deepcopy(GOOD["health"])
    t["events"][1].update(event_date="30/02/2025", recorded_date="31/12/9999")
    t["events"][0].update(nhs_number="9434765918")
    ex = extract_mem("health", t)
    ex.flags = ex.flags.clear()  # the flags are not read back
    ev = validation_frames(ex)["events"]
    assert ev["event_date__unreadable"].to_list() == [None, "30/02/2025", None, None]
    assert ev["recorded_date__placeholder"].to_list() == [None, "31/12/9999", None, None]
    assert ev["nhs_number__invalid"].to_list() == ["9434765918", None, None, None]
    assert ev["nhs_number_or_trust_id"].to_list() == ["T1", "T2", N1, GOOD["health"]["events"][3][
        "nhs_number"]]
    ex.cells = {}  # typed frames without cells: nothing lost
    assert validation_frames(ex)["events"]["event_date__unreadable"].null_count() == 4


# row 1: DOB out of range; row 2: NHS number repeated; row 3: DOB unreadable, NHS number invalid
PERSONAL_RAW = ("31/02/2010", "1234567890", "1989-12-31", N1, N1[:3] + " " + N1[3:6])


def personal_case() -> dict:
    t = copy.deepcopy(GOOD["case"])
    t = cell("children", 0, dob="1989-12-31")(t)
    t = cell("children", 1, nhs_number=f"{N1[:3]} {N1[3:6]} {N1[6:]}")(t)
    t = cell("children", 2, dob="31/02/2010", nhs_number="1234567890")(t)
    t = cell("health_events", 1, event_date="TBC")(t)  # not personal: shown
    return t


def test_personal_values_are_row_references() -> None:
    results = validate_table("case", personal_case(), only="children")
    failed = {key(r): r.examples for r in results if not r.success}
    assert failed == {
        nn("dob"): [(3, "unreadable")],
        null("dob__unreadable"): [(3, None)],
        between("dob"): [(1, None)],
        null("nhs_number__invalid"): [(3, None)],
        unique("nhs_number"): [(1, None), (2, None)],
    }


def test_a_compound_shows_only_its_values_that_are_not_personal() -> None:
    t = copy.deepcopy(GOOD["case"])
    t["episodes"].append({"child_id": "C2", "start_date": "03/02/2025", "legal_status": "C2"})
    results = validate_table("case", t, only="episodes")
    (r,) = [r for r in results if not r.success]
    assert r.examples == [(3, "child_id=(personal), start_date=2025-02-03"),
                          (4, "child_id=(personal), start_date=2025-02-03")]


def test_report_and_json_hold_no_personal_value(tmp_path: Path) -> None:
    path = write_extract(tmp_path, "case", personal_case())
    out = tmp_path / "gx.json"
    report = run_validate("case", path, as_of=AS_OF, json_path=out)
    lines: list[str] = []
    print_report(report, lines.append)
    text, doc = "\n".join(lines), out.read_text()
    for raw in PERSONAL_RAW:
        assert raw not in text and raw not in doc, raw
    assert "'TBC' (unreadable)" in text and '"TBC"' in doc  # not personal: shown
    assert "rows 1, 2" in text and "3: unreadable" in text
    res = {(r["expectation_config"]["kwargs"]["column"]): r["result"]
           for r in json.loads(doc)["validations"]["children"]["results"]
           if not r["success"] and "column" in r["expectation_config"]["kwargs"]}
    assert res["nhs_number"]["partial_unexpected_index_list"] == [1, 2]
    assert res["nhs_number"]["unexpected_count"] == 2
    assert res["dob__unreadable"]["values_withheld"] == "personal"


def test_json_to_a_folder_is_one_error_line(tmp_path: Path) -> None:
    path = write_extract(tmp_path, "health", GOOD["health"])
    folder = tmp_path / "ci"
    folder.mkdir()
    r = CliRunner().invoke(app, ["validate", "health", str(path), "--as-of", "2026-03-31",
                                 "--json", str(folder)])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: --json {folder} is a folder\n  What to do:")
    assert "Traceback" not in r.output and list(folder.iterdir()) == []
    with pytest.raises(UsageError):
        write_json(folder, {})
    assert list(folder.iterdir()) == []


def test_json_never_reuses_a_stale_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "gx.json"
    out.write_text("old")
    out.chmod(0o644)
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / ".gx.json.tmp").symlink_to(victim)  # left by an earlier killed run
    write_json(out, {"new": 1})
    assert json.loads(out.read_text()) == {"new": 1}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert victim.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gx.json.tmp", "gx.json", "victim"]


def test_json_write_failure_is_an_error_and_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        write_json(a_file / "gx.json", {})

    def full(*a: object, **k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(json, "dump", full)
    with pytest.raises(OutputError, match="No space left"):
        write_json(tmp_path / "gx.json", {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
