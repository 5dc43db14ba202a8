"""`healthcheck validate`: every expectation in expectations/*.json fails on a crafted bad table
and passes on a good one.

One good baseline extract per kind; each mutation changes one table of it, and only that table's
suite is run for it (GX is slow per expectation), asserting that exactly the expected
expectations fail, with the mutated row among the examples. One GX context serves the module.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthcheck.errors import InputError
from healthcheck.validate import (
    ExpectationResult,
    load_suite,
    print_report,
    run_validate,
    validate_frames,
    validation_frames,
)
from healthcheck.validate.report import condition_text
from tests.helpers import extract_mem, write_extract

AS_OF = date(2026, 3, 31)
ROOT = Path(__file__).resolve().parent.parent


def nhs(nine: str) -> str:
    """A valid NHS number from nine digits (check digit never 10 for the ones used here)."""
    check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    assert check != 10
    return nine + str(0 if check == 11 else check)


N1, N2, N3 = nhs("943476591"), nhs("401023213"), nhs("987654321")
assert N1 == "9434765919"

GOOD = {
    "case": {
        "children": [
            {"child_id": "C1", "nhs_number": N1, "forename": "Ann", "surname": "Lee",
             "dob": "2015-06-01", "sex": "F"},
            {"child_id": "C2", "nhs_number": N2, "forename": "Bo", "surname": "Khan",
             "dob": "01/02/2012"},
            {"child_id": "C3", "forename": "Cy", "surname": "Ng", "dob": "2010-09-30"},
        ],
        "episodes": [
            {"child_id": "C1", "start_date": "2024-01-10", "end_date": "2024-06-30",
             "legal_status": "C2", "rne": "S"},
            {"child_id": "C1", "start_date": "2024-06-30", "legal_status": "C2", "rne": "P"},
            {"child_id": "C2", "start_date": "2025-02-03", "legal_status": "V3", "rne": "S"},
        ],
        "health_events": [
            {"child_id": "C1", "event_type": "notification_sent", "event_date": "2024-01-11"},
            {"child_id": "C1", "event_type": "iha", "event_date": "2024-02-01"},
            {"child_id": "C1", "event_type": "immunisations_up_to_date",
             "event_date": "2024-02-01", "detail": "Y"},
            {"child_id": "C1", "event_type": "declined", "event_date": "2025-02-01",
             "detail": "rha"},
        ],
    },
    "health": {
        "patients": [
            {"nhs_number": N1, "trust_id": "T1", "la_child_id": "C1", "dob": "2015-06-01"},
            {"trust_id": "T2", "dob": "2012-02-01"},
            {"nhs_number": N3, "dob": "2010-09-30"},
        ],
        "events": [
            {"nhs_number": N1, "trust_id": "T1", "event_type": "iha",
             "event_date": "2024-02-01", "recorded_date": "2024-02-03"},
            {"trust_id": "T2", "event_type": "dental", "event_date": "2025-03-01",
             "recorded_date": "2025-03-01"},
            {"nhs_number": N1, "event_type": "immunisations_up_to_date",
             "event_date": "2025-03-01", "detail": "N", "recorded_date": "2025-03-04"},
            {"nhs_number": N3, "event_type": "was_not_brought", "event_date": "2025-05-01",
             "detail": "dental"},
        ],
    },
}

Tables = dict[str, list[dict]]
Key = tuple[str, str | None]  # (expectation type, column)


def cell(table: str, i: int, **changes: str | None) -> Callable[[Tables], Tables]:
    def f(t: Tables) -> Tables:
        t[table][i].update(changes)
        return t
    return f


def add(table: str, row: dict) -> Callable[[Tables], Tables]:
    def f(t: Tables) -> Tables:
        t[table].append(row)
        return t
    return f


def empty(table: str) -> Callable[[Tables], Tables]:
    def f(t: Tables) -> Tables:
        t[table] = []
        return t
    return f


ROWS: Key = ("expect_table_row_count_to_be_between", None)


def nn(col: str) -> Key:
    return ("expect_column_values_to_not_be_null", col)


def null(col: str) -> Key:
    return ("expect_column_values_to_be_null", col)


def between(col: str) -> Key:
    return ("expect_column_values_to_be_between", col)


def in_set(col: str) -> Key:
    return ("expect_column_values_to_be_in_set", col)


def unique(col: str) -> Key:
    return ("expect_column_values_to_be_unique", col)


END_AFTER_START: Key = ("expect_column_pair_values_a_to_be_greater_than_b", "end_date, start_date")
RECORDED_AFTER: Key = ("expect_column_pair_values_a_to_be_greater_than_b",
                       "recorded_date, event_date")
EPISODE_KEY: Key = ("expect_compound_columns_to_be_unique", "child_id, start_date")
YN = "event_type == immunisations_up_to_date"
WHICH = "event_type in (declined, was_not_brought)"
DETAIL = "event_type in (immunisations_up_to_date, declined, was_not_brought)"

# (id, kind, table, mutation, failing expectations, mutated data row or None); an expected
# failure given as (key, condition) names a row-conditioned expectation.
C, H = "case", "health"
MUTATIONS: list[tuple[str, str, str, Callable[[Tables], Tables], set, int | None]] = [
    ("children-empty", C, "children", empty("children"), {ROWS}, None),
    ("child_id-blank", C, "children", cell("children", 1, child_id=None), {nn("child_id")}, 2),
    ("child_id-repeated", C, "children", cell("children", 1, child_id="C1"),
     {unique("child_id")}, 2),
    ("dob-blank", C, "children", cell("children", 0, dob=None), {nn("dob")}, 1),
    ("dob-before-1990", C, "children", cell("children", 0, dob="1989-12-31"),
     {between("dob")}, 1),
    ("dob-after-as-of", C, "children", cell("children", 0, dob="2026-04-01"),
     {between("dob")}, 1),
    ("dob-unreadable", C, "children", cell("children", 2, dob="31/02/2010"),
     {nn("dob"), null("dob__unreadable")}, 3),
    ("dob-placeholder", C, "children", cell("children", 2, dob="1900-01-01"),
     {nn("dob"), null("dob__placeholder")}, 3),
    ("nhs-invalid", C, "children", cell("children", 2, nhs_number="1234567890"),
     {null("nhs_number__invalid")}, 3),
    ("nhs-repeated", C, "children", cell("children", 1, nhs_number=f"{N1[:3]} {N1[3:6]} {N1[6:]}"),
     {unique("nhs_number")}, 2),

    ("episodes-empty", C, "episodes", empty("episodes"), {ROWS}, None),
    ("episode-child-blank", C, "episodes", cell("episodes", 2, child_id=None),
     {nn("child_id")}, 3),
    ("start-blank", C, "episodes", cell("episodes", 2, start_date=None), {nn("start_date")}, 3),
    ("start-after-as-of", C, "episodes", cell("episodes", 2, start_date="2026-04-01"),
     {between("start_date")}, 3),
    ("start-before-1990", C, "episodes", cell("episodes", 2, start_date="1989-12-31"),
     {between("start_date")}, 3),
    ("start-unreadable", C, "episodes", cell("episodes", 2, start_date="TBC"),
     {nn("start_date"), null("start_date__unreadable")}, 3),
    ("start-placeholder", C, "episodes", cell("episodes", 2, start_date="01/01/1900"),
     {nn("start_date"), null("start_date__placeholder")}, 3),
    ("end-before-start", C, "episodes", cell("episodes", 0, end_date="09/01/2024"),
     {END_AFTER_START}, 1),
    ("end-unreadable", C, "episodes", cell("episodes", 0, end_date="31/06/2024"),
     {null("end_date__unreadable")}, 1),
    ("end-placeholder", C, "episodes", cell("episodes", 0, end_date="31/12/9999"),
     {null("end_date__placeholder")}, 1),
    ("legal-status-blank", C, "episodes", cell("episodes", 2, legal_status=None),
     {nn("legal_status")}, 3),
    ("legal-status-unknown", C, "episodes", cell("episodes", 2, legal_status="PO"),
     {in_set("legal_status")}, 3),
    ("rne-unknown", C, "episodes", cell("episodes", 2, rne="X"), {in_set("rne")}, 3),
    ("episode-repeated", C, "episodes",
     add("episodes", {"child_id": "C2", "start_date": "03/02/2025", "legal_status": "C2"}),
     {EPISODE_KEY}, 4),

    ("health-events-empty", C, "health_events", empty("health_events"), {ROWS}, None),
    ("event-child-blank", C, "health_events", cell("health_events", 1, child_id=None),
     {nn("child_id")}, 2),
    ("event-type-blank", C, "health_events", cell("health_events", 1, event_type=None),
     {nn("event_type")}, 2),
    ("event-type-unknown", C, "health_events", cell("health_events", 1, event_type="medical"),
     {in_set("event_type")}, 2),
    ("event-date-blank", C, "health_events", cell("health_events", 1, event_date=None),
     {nn("event_date")}, 2),
    ("event-date-before-2000", C, "health_events",
     cell("health_events", 1, event_date="1999-12-31"), {between("event_date")}, 2),
    ("event-date-future", C, "health_events", cell("health_events", 1, event_date="2026-04-01"),
     {between("event_date")}, 2),
    ("event-date-unreadable", C, "health_events",
     cell("health_events", 1, event_date="2024-13-01"),
     {nn("event_date"), null("event_date__unreadable")}, 2),
    ("event-date-placeholder", C, "health_events",
     cell("health_events", 1, event_date="1899-12-30"),
     {nn("event_date"), null("event_date__placeholder")}, 2),
    ("immunisation-status-unknown", C, "health_events",
     cell("health_events", 2, detail="maybe"), {(in_set("detail"), YN)}, 3),
    ("declined-detail-blank", C, "health_events", cell("health_events", 3, detail=None),
     {(nn("detail"), DETAIL)}, 4),
    ("declined-detail-unknown", C, "health_events", cell("health_events", 3, detail="gp"),
     {(in_set("detail"), WHICH)}, 4),

    ("patients-empty", H, "patients", empty("patients"), {ROWS}, None),
    ("patient-dob-blank", H, "patients", cell("patients", 1, dob=None), {nn("dob")}, 2),
    ("patient-dob-before-1990", H, "patients", cell("patients", 1, dob="1989-12-31"),
     {between("dob")}, 2),
    ("patient-dob-future", H, "patients", cell("patients", 1, dob="2026-04-01"),
     {between("dob")}, 2),
    ("patient-dob-unreadable", H, "patients", cell("patients", 1, dob="not known"),
     {nn("dob"), null("dob__unreadable")}, 2),
    ("patient-dob-placeholder", H, "patients", cell("patients", 1, dob="0001-01-01"),
     {nn("dob"), null("dob__placeholder")}, 2),
    ("patient-nhs-invalid", H, "patients", cell("patients", 1, nhs_number="999 384 025"),
     {null("nhs_number__invalid")}, 2),
    ("patient-nhs-repeated", H, "patients", cell("patients", 2, nhs_number=N1),
     {unique("nhs_number")}, 3),
    ("patient-trust-id-repeated", H, "patients", cell("patients", 2, trust_id="T2"),
     {unique("trust_id")}, 3),

    ("events-empty", H, "events", empty("events"), {ROWS}, None),
    ("event-unlinked", H, "events", cell("events", 1, trust_id=None),
     {nn("nhs_number_or_trust_id")}, 2),
    ("event-nhs-invalid", H, "events", cell("events", 0, nhs_number="9434765918"),
     {null("nhs_number__invalid")}, 1),
    ("health-event-type-blank", H, "events", cell("events", 0, event_type=None),
     {nn("event_type")}, 1),
    ("health-event-type-case-only", H, "events",
     cell("events", 0, event_type="Notification Sent"), {in_set("event_type")}, 1),
    ("health-event-date-blank", H, "events", cell("events", 1, event_date=None),
     {nn("event_date")}, 2),
    ("health-event-date-before-2000", H, "events", cell("events", 1, event_date="31/12/1999"),
     {between("event_date")}, 2),
    ("health-event-date-future", H, "events", cell("events", 3, event_date="2026-04-01"),
     {between("event_date")}, 4),
    ("health-event-date-unreadable", H, "events", cell("events", 1, event_date="30/02/2025"),
     {nn("event_date"), null("event_date__unreadable")}, 2),
    ("health-event-date-placeholder", H, "events", cell("events", 3, event_date="1-Jan-1900"),
     {nn("event_date"), null("event_date__placeholder")}, 4),
    ("recorded-unreadable", H, "events", cell("events", 0, recorded_date="unknown"),
     {null("recorded_date__unreadable")}, 1),
    ("recorded-placeholder", H, "events", cell("events", 0, recorded_date="31/12/9999"),
     {null("recorded_date__placeholder")}, 1),
    ("recorded-before-event", H, "events", cell("events", 0, recorded_date="2024-01-31"),
     {RECORDED_AFTER}, 1),
    ("health-immunisation-status-unknown", H, "events", cell("events", 2, detail="unsure"),
     {(in_set("detail"), YN)}, 3),
    ("wnb-detail-blank", H, "events", cell("events", 3, detail=None), {(nn("detail"), DETAIL)},
     4),
    ("wnb-detail-unknown", H, "events", cell("events", 3, detail="optician"),
     {(in_set("detail"), WHICH)}, 4),
]


def key(r: ExpectationResult) -> tuple:
    k = (r.expectation, r.column)
    return (k, r.condition) if r.condition else k


def validate_table(kind: str, tables: Tables, only: str | None = None
                   ) -> list[ExpectationResult]:
    """The suite of `kind` (or of its table `only`) on the text tables, ingested in memory
    (`run_validate` on files: test_run_validate_report_and_json and the CLI tests)."""
    ex = extract_mem(kind, tables)
    suites = load_suite(kind)
    if only:
        suites = {only: suites[only]}
    report = validate_frames(kind, validation_frames(ex), suites, as_of=AS_OF)
    return report.results


@pytest.fixture(scope="module")
def good_results() -> dict[str, list[ExpectationResult]]:
    return {kind: validate_table(kind, GOOD[kind]) for kind in GOOD}


@pytest.mark.parametrize("kind", ["case", "health"])
def test_good_extract_passes_every_expectation(
        kind: str, good_results: dict[str, list[ExpectationResult]]) -> None:
    results = good_results[kind]
    failed = [(r.table, key(r), r.examples, r.error) for r in results if not r.success]
    assert not failed
    n = sum(len(v) for v in load_suite(kind).values())
    assert len(results) == n


@pytest.mark.parametrize(("name", "kind", "table", "mutate", "expected", "row"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_mutation_fails_exactly_its_expectation(
        name: str, kind: str, table: str, mutate: Callable[[Tables], Tables], expected: set,
        row: int | None, good_results: dict) -> None:
    results = validate_table(kind, mutate(copy.deepcopy(GOOD[kind])), only=table)
    failed = {key(r): r for r in results if not r.success}
    assert set(failed) == expected, [(k, r.examples) for k, r in failed.items()]
    for r in failed.values():
        assert r.error is None and r.table == table
        if row is not None:
            assert row in [x for x, _ in r.examples], r.examples


def test_every_expectation_is_covered_by_a_mutation() -> None:
    covered: dict[str, set] = {C: set(), H: set()}
    for _, kind, table, _, expected, _ in MUTATIONS:
        covered[kind] |= {(table, k) for k in expected}
    for kind in (C, H):
        suites = load_suite(kind)
        all_keys = set()
        for table, exps in suites.items():
            for e in exps:
                kw = e["kwargs"]
                col = kw.get("column") or (f"{kw['column_A']}, {kw['column_B']}"
                                           if "column_A" in kw else
                                           ", ".join(kw.get("column_list", [])) or None)
                k = (e["type"], col)
                cond = condition_text(kw.get("row_condition"))
                all_keys.add((table, (k, cond) if cond else k))
        assert all_keys == covered[kind], all_keys ^ covered[kind]


def test_suite_files_are_gx_suites_with_a_table_and_a_reason() -> None:
    for kind in (C, H):
        doc = json.loads((ROOT / "expectations" / f"{kind}.json").read_text(encoding="utf-8"))
        assert doc["name"] == kind and doc["expectations"]
        for e in doc["expectations"]:
            assert set(e) == {"type", "kwargs", "meta"}
            assert e["type"].startswith("expect_")
            assert len(e["meta"]["why"]) > 20
        dated = [e for e in doc["expectations"]
                 if e["type"] == "expect_column_values_to_be_between"]
        assert dated and all(e["kwargs"]["max_value"] == {"$PARAMETER": "as_of"} for e in dated)


def test_unreadable_values_are_shown_raw() -> None:
    t = cell("events", 1, event_date="30/02/2025")(copy.deepcopy(GOOD["health"]))
    results = validate_table(H, t, only="events")
    by_key = {key(r): r for r in results}
    assert by_key[nn("event_date")].examples == [(2, "'30/02/2025' (unreadable)")]
    assert by_key[null("event_date__unreadable")].examples == [(2, "'30/02/2025'")]
    assert by_key[null("event_date__unreadable")].source_column == "event_date"


def test_far_dates_are_reported_unclipped() -> None:
    t = cell("events", 3, event_date="01/05/3025")(copy.deepcopy(GOOD["health"]))
    results = validate_table(H, t, only="events")
    failed = {key(r): r for r in results if not r.success}
    assert set(failed) == {between("event_date")}
    assert failed[between("event_date")].examples == [(4, "3025-05-01")]


def test_validation_modules_do_not_import_gx() -> None:
    """Importing the validate package (suites, frames, report) or the command line leaves GX
    unimported: it is imported only when a validation runs."""
    code = ("import sys, healthcheck.cli, healthcheck.console, healthcheck.ingest, "
            "healthcheck.reconcile, healthcheck.validate, healthcheck.validate.suites, "
            "healthcheck.validate.frames, healthcheck.validate.report; "
            "from healthcheck.validate import load_suite; load_suite('case'); "
            "assert 'great_expectations' not in sys.modules, 'imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


NO_NETWORK = """
import socket, sys
from datetime import date
from pathlib import Path
def refuse(*a, **k):
    raise RuntimeError("network call")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from healthcheck.validate import run_validate
r = run_validate("health", Path(sys.argv[1]), as_of=date(2026, 3, 31))
assert r.success, [x.error or x.examples for x in r.failed]
"""


def test_validate_makes_no_network_call_and_prints_nothing_to_stderr(tmp_path: Path) -> None:
    path = write_extract(tmp_path, H, GOOD["health"])
    r = subprocess.run([sys.executable, "-c", NO_NETWORK, str(path)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no progress bars, no analytics warnings


def test_run_validate_report_and_json(tmp_path: Path, good_results: dict) -> None:
    bad = cell("events", 1, event_date="30/02/2025")(copy.deepcopy(GOOD["health"]))
    path = write_extract(tmp_path, H, bad)
    out = tmp_path / "ci" / "gx.json"
    report = run_validate(H, path, as_of=AS_OF, json_path=out)
    assert not report.success and report.seconds > 0
    assert report.rows == {"patients": 3, "events": 4}
    doc = json.loads(out.read_text())
    assert doc["success"] is False and set(doc["validations"]) == {"patients", "events"}
    assert doc["validations"]["patients"]["success"] is True
    assert out.stat().st_mode & 0o077 == 0
    lines: list[str] = []
    print_report(report, lines.append)
    text = "\n".join(lines)
    assert "event_date__unreadable" in text and "2: '30/02/2025' (unreadable)" in text
    assert lines[-1] == f"2 of {len(report.results)} expectations failed"


def test_cli_validate(tmp_path: Path, good_results: dict) -> None:
    from healthcheck.cli import app

    runner = CliRunner()
    good = write_extract(tmp_path / "good", H, GOOD["health"])
    r = runner.invoke(app, ["validate", "health", str(good), "--as-of", "2026-03-31"])
    assert r.exit_code == 0, r.output
    n = sum(len(v) for v in load_suite(H).values())
    assert f"All {n} expectations passed" in r.output
    bad = cell("events", 3, event_date="2026-04-01")(copy.deepcopy(GOOD["health"]))
    dirty = write_extract(tmp_path / "dirty", H, bad)
    r = runner.invoke(app, ["validate", "health", str(dirty), "--as-of", "2026-03-31"])
    assert r.exit_code == 3, r.output
    assert "event_date" in r.output and "4: 2026-04-01" in r.output
    # the as-of is a parameter: a later as-of makes the same extract pass
    r = runner.invoke(app, ["validate", "health", str(dirty), "--as-of", "2026-04-30"])
    assert r.exit_code == 0, r.output


INSTALLED = """
import sys
from pathlib import Path
import healthcheck
from healthcheck.validate.suites import SUITE_DIR, load_suite
site = Path(sys.argv[1]).resolve()
assert Path(healthcheck.__file__).resolve().is_relative_to(site), healthcheck.__file__
assert Path(str(SUITE_DIR)).resolve() == site / "healthcheck" / "expectations", SUITE_DIR
assert load_suite("case")["children"] and load_suite("health")["events"]
"""


def test_a_plain_install_carries_the_suites(tmp_path: Path) -> None:
    """The wheel that `pip install .` installs holds every module of healthcheck/ and both
    suites; installed from it (unpacked: a pure-Python wheel) and run from another folder,
    the suites are read from inside the installed package."""
    src = tmp_path / "src"  # a copy, so that the build leaves nothing in the worktree
    for name in ("healthcheck", "expectations"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", str(tmp_path / "dist"), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (wheel,) = (tmp_path / "dist").glob("healthcheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "healthcheck").rglob("*.py")}
    assert modules - names == set()  # a package missing from pyproject's list is caught here
    assert {"healthcheck/expectations/case.json", "healthcheck/expectations/health.json",
            "healthcheck/py.typed"} <= names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    r = subprocess.run([sys.executable, "-c", INSTALLED, str(site)], cwd=elsewhere, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_load_suite_from_another_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert set(load_suite(C)) == {"children", "episodes", "health_events"}
    with pytest.raises(InputError, match="expectation suite not found"):
        load_suite("case", suite_dir=tmp_path)
