"""The CLI through typer's CliRunner: output, files and exit codes."""

from __future__ import annotations

import ast
import json
import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck import __version__, console
from healthcheck.cli import app
from tests.helpers import write_extract
from tests.test_flags import CASE, HEALTH

runner = CliRunner()


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("cli")
    return write_extract(d, "case", CASE, "xlsx"), write_extract(d, "health", HEALTH, "csv")


def reconcile(case: Path, health: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["reconcile", "--case", str(case), "--health", str(health),
                               "--out", str(out), "--as-of", "2026-03-31", *extra])


def test_version() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output


def test_help_has_examples() -> None:
    for cmd in (["reconcile"], ["ingest", "case"], ["ingest", "health"], ["validate"],
                ["samples"], ["demo"]):
        r = runner.invoke(app, [*cmd, "--help"])
        assert r.exit_code == 0, r.output
        assert "Example" in r.output


def test_reconcile_writes_private_outputs(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = reconcile(*extracts, out, "--cutover", "2024-10-31")
    assert r.exit_code == 0, r.output
    assert "11 case children" in r.output
    for name in ("children.csv", "flags.csv", "kpis.csv", "summary.json", "worklist.xlsx"):
        mode = stat.S_IMODE((out / name).stat().st_mode)
        assert mode == 0o600, name
    assert not list(out.glob(".healthcheck-*"))  # no temporary folder left
    ch = pl.read_csv(out / "children.csv", infer_schema=False)
    assert ch.height == 12  # 11 case children + 1 health-only patient
    s = json.loads((out / "summary.json").read_text())
    assert s["as_of"] == "2026-03-31" and s["policy"]["iha_rule"] == "20WD"
    assert s["cutover"] == "2024-10-31"
    assert len(s["inputs"]["case"]["files"]) == 1  # the workbook, hashed
    k = pl.read_csv(out / "kpis.csv")
    assert k.columns == ["measure", "source", "numerator", "denominator", "value",
                         "period_start", "period_end", "as_of"]
    assert k.height == 24  # 12 measures, health and case


def test_fail_on(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    r = reconcile(*extracts, tmp_path / "o", "--fail-on", "error")
    assert r.exit_code == 3
    assert (tmp_path / "o" / "flags.csv").exists()  # outputs written first
    assert "flag(s) of severity error (--fail-on error)" in r.output
    r = reconcile(*extracts, tmp_path / "o", "--fail-on", "warning")
    assert r.exit_code == 3 and "severity error or warning (--fail-on warning)" in r.output


SUMMARY = {"as_of": "2026-03-31", "counts": {
    "case_children": 1234, "in_care": 1000,
    "in_care_statuses": {"iha_status": {"overdue": 3}, "rha_status": {}, "dental_status": {
        "overdue": 12, "due": 4}},
    "flags_by_severity": {"warning": 2, "info": 5}},
    "kpis": [{"measure": "iha_on_time_pct", "source": "health", "value": 87.54},
             {"measure": "iha_on_time_pct", "source": "case", "value": None},
             {"measure": "oc2_teeth_check_pct", "source": "case", "value": 100.0}]}


def test_print_summary() -> None:
    lines: list[str] = []
    console.print_summary(SUMMARY, Path("out"), 1.25, lines.append)
    assert lines[:3] == ["As of 2026-03-31: 1,234 case children, 1,000 in care.",
                         "Overdue (in care): IHA 3, RHA 0, dental 12.",
                         "  iha_on_time_pct             health   87.5%   case       -"]
    assert "  oc2_teeth_check_pct         health       -   case  100.0%" in lines
    assert lines[-2:] == ["Flags: 0 errors, 2 warnings, 5 info.", "Written to out in 1.2 s."]


@pytest.mark.parametrize("level,counts,expected", [
    (None, {"error": 9}, None),
    ("error", {"warning": 2, "info": 5}, None),
    ("error", {"error": 1, "warning": 2},
     "Failing: 1 flag(s) of severity error (--fail-on error)."),
    ("warning", {"warning": 2, "info": 5},
     "Failing: 2 flag(s) of severity error or warning (--fail-on warning)."),
    ("warning", {"error": 1000, "warning": 2},
     "Failing: 1,002 flag(s) of severity error or warning (--fail-on warning)."),
    ("warning", {"info": 5}, None),
])
def test_fail_on_decision(level: str | None, counts: dict, expected: str | None) -> None:
    summary = {"counts": {"flags_by_severity": counts}}
    assert console.fail_on(summary, level) == expected


@pytest.mark.parametrize("args,needle", [
    (["reconcile", "--case", "c", "--health", "h", "--out", "o", "--fail-on", "bogus"],
     "Invalid value for '--fail-on'"),
    (["validate", "cases", "samples/health"], "Invalid value for 'kind'"),
    (["samples", "--out", "o", "--case-format", "ods"], "Invalid value for '--case-format'"),
    (["samples", "--out", "o", "--health-format", "XLSX "], "Invalid value for '--health-format'"),
])
def test_a_value_outside_an_options_choices_is_a_usage_error(
        args: list[str], needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """typer checks the choices before the command runs: exit 2, its message, nothing written."""
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and needle in r.output, r.output
    assert not (tmp_path / "o").exists()


def test_unreadable_input_is_one_line_and_writes_nothing(extracts: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    out = tmp_path / "o"
    r = reconcile(tmp_path / "nope.xlsx", extracts[1], out)
    assert r.exit_code == 1
    assert r.output.startswith("Error: ") and "nope.xlsx" in r.output
    assert "Traceback" not in r.output
    assert not (out / "children.csv").exists()


def test_failed_run_leaves_previous_outputs(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert reconcile(*extracts, out).exit_code == 0
    before = (out / "children.csv").read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "patients.csv").write_text("nhs_number,dob\n")  # no events table
    r = reconcile(extracts[0], bad, out)
    assert r.exit_code == 1 and "events" in r.output
    assert (out / "children.csv").read_bytes() == before


@pytest.mark.parametrize("args,needle", [
    (["--as-of", "31/02/2026"], "--as-of"),
    (["--period-start", "2026-03-01", "--period-end", "2026-01-01"], "after"),
])
def test_usage_errors_exit_2(extracts: tuple[Path, Path], tmp_path: Path, args: list[str],
                             needle: str) -> None:
    r = reconcile(*extracts, tmp_path / "o", *args)
    assert r.exit_code == 2 and needle in r.output


@pytest.mark.parametrize("text,needle", [
    ("iha_rule = '30WD'", "iha_rule"), ("bogus = 1", "unknown key"),
    ("horizon_days = 'x'", "whole number"), ("not toml [", "TOML"),
])
def test_bad_policy(extracts: tuple[Path, Path], tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "policy.toml"
    p.write_text(text)
    r = reconcile(*extracts, tmp_path / "o", "--policy", str(p))
    assert r.exit_code == 2 and needle in r.output


def test_policy_is_used_and_echoed(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    p = tmp_path / "policy.toml"
    p.write_text("iha_rule = '28CD'\ndental_interval_months = 6\n")
    r = reconcile(*extracts, tmp_path / "o", "--policy", str(p))
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["policy"]["iha_rule"] == "28CD" and s["policy"]["dental_interval_months"] == 6


def test_ingest_command(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    r = runner.invoke(app, ["ingest", "case", str(extracts[0]), "--out", str(tmp_path / "i")])
    assert r.exit_code == 0, r.output
    assert "children:" in r.output and "flags:" in r.output
    for t in ("children", "episodes", "health_events"):
        assert pl.read_parquet(tmp_path / "i" / f"{t}.parquet").height > 0
    assert (tmp_path / "i" / "flags.csv").exists()


def test_every_import_is_declared() -> None:
    """Every third-party module healthcheck/ imports comes from a distribution named in
    pyproject.toml's dependencies (not merely installed as another one's dependency)."""
    import ast
    import re
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    root = Path(__file__).resolve().parent.parent
    imported: set[str] = set()
    for path in (root / "healthcheck").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"healthcheck"}
    assert {"polars", "typer", "great_expectations"} <= third_party  # the scan sees imports

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {norm(re.split(r"[^A-Za-z0-9._-]", d)[0]) for d in deps}
    dists = packages_distributions()
    undeclared = {m for m in third_party if not {norm(d) for d in dists.get(m, [])} & declared}
    assert not undeclared


def test_hypothesis_profile_follows_ci() -> None:
    """tests/conftest.py: quick by default, thorough when CI=true (as CI and .ci/run set it)."""
    import os

    from hypothesis import settings

    from tests.conftest import profile_name

    assert profile_name({}) == "quick" and profile_name({"CI": "false"}) == "quick"
    assert profile_name({"CI": "true"}) == "ci" and profile_name({"CI": "1"}) == "ci"
    assert profile_name({"CI": "true", "HYPOTHESIS_PROFILE": "quick"}) == "quick"
    assert settings.get_profile("ci").max_examples > settings.get_profile("quick").max_examples
    loaded = settings.get_profile(profile_name(dict(os.environ)))
    assert settings().max_examples == loaded.max_examples


def unrecognised(n: int) -> list[dict]:
    return [{"file": "case/episodes.csv", "table": "episodes", "column": f"Extra {i}",
             "suggestion": None} for i in range(n)]


def test_print_summary_lists_the_columns_not_read() -> None:
    cols = [{"file": "case.xlsx", "table": "episodes", "column": "End",
             "suggestion": "end_date"},
            {"file": "health/patients.csv", "table": "patients", "column": "GP practice",
             "suggestion": None}]
    lines: list[str] = []
    console.print_summary({**SUMMARY, "unrecognised_columns": cols}, Path("out"), 1.0,
                          lines.append)
    assert lines[-3:-1] == [
        "Not read: case.xlsx, table episodes, column 'End' (did you mean end_date?)",
        "Not read: health/patients.csv, table patients, column 'GP practice'"]
    lines.clear()
    console.print_summary({**SUMMARY, "unrecognised_columns": unrecognised(20)}, Path("out"),
                          1.0, lines.append)
    assert sum(x.startswith("Not read:") for x in lines) == 20
    assert not any("more columns" in x for x in lines)


def test_print_summary_caps_the_columns_not_read() -> None:
    lines: list[str] = []
    console.print_summary({**SUMMARY, "unrecognised_columns": unrecognised(23)}, Path("out"),
                          1.0, lines.append)
    assert [x for x in lines if x.startswith("Not read:")][-1].endswith("column 'Extra 19'")
    assert lines[-2] == "  and 3 more columns not read (summary.json lists them all)."


def test_reconcile_prints_the_columns_not_read(tmp_path: Path) -> None:
    c, h = write_extract(tmp_path, "case", CASE), write_extract(tmp_path, "health", HEALTH)
    children = pl.read_csv(c / "children.csv", infer_schema=False)
    children.with_columns(pl.lit("4").alias("Shoe size")).write_csv(c / "children.csv")
    r = reconcile(c, h, tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "table children, column 'Shoe size'" in r.output
    r = runner.invoke(app, ["ingest", "case", str(c), "--out", str(tmp_path / "i")])
    assert r.exit_code == 0 and "column 'Shoe size'" in r.output, r.output


class FakeResult:
    summary = SUMMARY


@pytest.mark.parametrize("command", ["reconcile", "demo"])
def test_ctrl_c_after_the_outputs_were_written(command: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C while the summary prints comes after run_reconcile wrote the outputs."""
    import healthcheck.pipeline
    import healthcheck.samples

    def interrupted(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(healthcheck.pipeline, "run_reconcile", lambda *a, **k: FakeResult())
    monkeypatch.setattr(healthcheck.samples, "write_samples",
                        lambda *a, **k: {"cutover": "2024-10-31"})
    monkeypatch.setattr(console, "print_summary", interrupted)
    if command == "reconcile":
        out = tmp_path / "o"
        r = reconcile(tmp_path / "c", tmp_path / "h", out)
    else:
        out = tmp_path / "d" / "results"
        r = runner.invoke(app, ["demo", "--out", str(tmp_path / "d")])
    assert r.exit_code == 130
    assert f"Interrupted: the new outputs were written to {out}." in r.output
    assert "no output was changed" not in r.output


@pytest.mark.parametrize("raised,message", [
    ("replaced", "Interrupted: the new outputs were written to {out}."),
    ("before", "Interrupted: no output was changed."),
])
def test_ctrl_c_during_the_run(raised: str, message: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """outputs.py raises OutputsReplaced for a Ctrl-C after the new outputs were swapped in;
    a plain Ctrl-C before it changed nothing."""
    import healthcheck.pipeline
    from healthcheck.errors import OutputsReplaced

    out = tmp_path / "o"

    def run(*a: object, **k: object) -> None:
        raise OutputsReplaced(out) if raised == "replaced" else KeyboardInterrupt

    monkeypatch.setattr(healthcheck.pipeline, "run_reconcile", run)
    r = reconcile(tmp_path / "c", tmp_path / "h", out)
    assert r.exit_code == 130
    assert r.output.strip() == message.format(out=out)


def test_ctrl_c_in_the_demo_s_second_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo reconciles last week, then this week: a Ctrl-C in the second run says that
    last week's outputs were written."""
    import healthcheck.pipeline
    import healthcheck.samples

    calls: list[object] = []

    def run(*a: object, **k: object) -> FakeResult:
        calls.append(a)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return FakeResult()

    monkeypatch.setattr(healthcheck.pipeline, "run_reconcile", run)
    monkeypatch.setattr(healthcheck.samples, "write_samples",
                        lambda *a, **k: {"cutover": "2024-10-31"})
    r = runner.invoke(app, ["demo", "--out", str(tmp_path / "d")])
    assert r.exit_code == 130 and len(calls) == 2
    assert r.output.strip() == (
        f"Interrupted: the new outputs were written to {tmp_path / 'd' / 'last_week'}.")


def test_no_property_overrides_the_profile() -> None:
    """A test's own `@settings(max_examples=...)` would run that many examples whatever the
    profile: none does."""
    own = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name == "settings" and any(k.arg == "max_examples" for k in node.keywords):
                own.append(f"{path.name}:{node.lineno}")
    assert own == []
