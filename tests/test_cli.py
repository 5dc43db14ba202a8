"""The CLI through typer's CliRunner: output, files and exit codes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck import __version__
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
    assert k.height == 14


def test_fail_on(extracts: tuple[Path, Path], tmp_path: Path) -> None:
    r = reconcile(*extracts, tmp_path / "o", "--fail-on", "error")
    assert r.exit_code == 3
    assert (tmp_path / "o" / "flags.csv").exists()  # outputs written first
    r = reconcile(*extracts, tmp_path / "o", "--fail-on", "bogus")
    assert r.exit_code == 2


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


@pytest.mark.parametrize("outcome", [0, 1, RuntimeError("a crash")])
def test_main_tunes_the_collector_and_keeps_the_outcome(
        outcome: int | Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script runs the command with the cyclic collector tuned for one short run
    and freezes every object out of it before Python's shutdown, whatever the command's end
    (see cli.main); the exit code or the error passes through."""
    import gc

    from healthcheck import cli

    seen: list[int] = []

    def command() -> None:
        seen.append(gc.get_threshold()[0])
        if isinstance(outcome, Exception):
            raise outcome
        raise SystemExit(outcome)

    threshold = gc.get_threshold()
    monkeypatch.setattr(cli, "app", command)
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit if isinstance(outcome, int) else RuntimeError) as ended:
            cli.main()
        assert seen == [10_000]  # set before the command ran
        assert gc.get_freeze_count() > 0
        if isinstance(outcome, int):
            assert ended.value.code == outcome
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
