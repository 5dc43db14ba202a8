"""`reconcile --history` two weeks running, `healthcheck history`, and a history that cannot be
used (docs/rules.md §9). Hand-worked: as-of Tue 24 and Tue 31 Mar 2026."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck.cli import app
from healthcheck.history import runs
from tests.helpers import write_extract

runner = CliRunner()
NHS = {"A": "9434765900", "B": "9434765919", "C": "9434765927", "D": "9434765935",
       "E": "9434765943"}
DOB = date(2015, 6, 1)
STARTS = {"A": date(2026, 2, 2), "B": date(2025, 9, 1), "C": date(2026, 3, 25),
          "D": date(2025, 1, 6), "E": date(2025, 1, 6)}


def week(tmp: Path, n: int) -> tuple[Path, Path]:
    """Week 1: A (clock Mon 2 Feb 2026; IHA due Mon 2 Mar) has no IHA on record; B in care
    since 1 Sep 2025 (IHA Fri 26 Sep, on time); D in care, unknown to health; E in care since
    6 Jan 2025 with no IHA but a review on 1 Jul 2025 (IHA_NOT_RECORDED).
    Week 2: A's IHA of Fri 27 Feb entered Mon 30 Mar (31 days late); B left care on Fri 27
    Mar; C came into care on Wed 25 Mar; D is now in the health record."""
    kids = ["A", "B", "D", "E"] + (["C"] if n == 2 else [])
    episodes = [{"child_id": k, "start_date": STARTS[k], "legal_status": "C2", "rne": "S",
                 "end_date": date(2026, 3, 27) if (k, n) == ("B", 2) else None} for k in kids]
    case = {"children": [{"child_id": k, "nhs_number": NHS[k], "forename": f"F{k}",
                          "surname": f"S{k}", "dob": DOB} for k in kids],
            "episodes": episodes, "health_events": []}
    patients = [k for k in kids if k != "D" or n == 2]
    events = [("B", "iha", date(2025, 9, 26), date(2025, 9, 26)),
              ("E", "rha", date(2025, 7, 1), date(2025, 7, 2))]
    if n == 2:
        events.append(("A", "iha", date(2026, 2, 27), date(2026, 3, 30)))
    health = {"patients": [{"nhs_number": NHS[k], "trust_id": f"T{k}", "forename": f"F{k}",
                            "surname": f"S{k}", "dob": DOB} for k in patients],
              "events": [{"nhs_number": NHS[k], "event_type": t, "event_date": d,
                          "recorded_date": r} for k, t, d, r in events]}
    return (write_extract(tmp / f"w{n}", "case", case),
            write_extract(tmp / f"w{n}", "health", health))


def reconcile(tmp: Path, n: int, hist: Path, *extra: str):  # type: ignore[no-untyped-def]
    case, health = week(tmp, n)
    return runner.invoke(app, [
        "reconcile", "--case", str(case), "--health", str(health), "--out",
        str(tmp / f"out{n}"), "--as-of", ["", "2026-03-24", "2026-03-31"][n],
        "--history", str(hist), *extra])


def test_two_weeks(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    r1 = reconcile(tmp_path, 1, hist)
    assert r1.exit_code == 0, r1.output
    assert "Changes since (no earlier run): none." in r1.output
    assert pl.read_csv(tmp_path / "out1" / "changes.csv").height == 0
    r2 = reconcile(tmp_path, 2, hist)
    assert r2.exit_code == 0, r2.output
    ch = pl.read_csv(tmp_path / "out2" / "changes.csv", infer_schema=False)
    got = {(r[0], r[2]): (r[3], r[4], r[5]) for r in ch.iter_rows()}
    # A: IHA entered late -> done; the review is now due a year on (in date, from
    # none_recorded -> done); dental due clock + 40 working days = Mon 30 Mar: due soon at
    # 24 Mar, overdue at 31 Mar.
    assert {k: v for k, v in got.items() if k[0] == "A"} == {
        ("A", "iha"): ("overdue", "on_time", "done"),
        ("A", "rha"): ("none_recorded", "in_date", "done"),
        ("A", "dental"): ("due_soon", "overdue", "newly_overdue")}
    assert got[("B", "care")] == ("in_care", "not_in_care", "left_care")
    assert got[("C", "care")] == ("not_in_extract", "in_care", "entered_care")
    assert [k for k in got if k[0] == "C"] == [("C", "care")]
    assert got[("D", "health_record")] == ("case_only", "matched", "now_known_to_health")
    assert not [k for k in got if k[0] == "E"]
    assert ch.row(0)[:3] == ("A", NHS["A"], "iha")  # by child, then check
    # revisions: A's IHA moved last week's figure from 1 of 2 to 2 of 2
    rev = pl.read_csv(tmp_path / "out2" / "revisions.csv", try_parse_dates=True)
    iha = rev.filter(pl.col("measure") == "iha_on_time_pct", pl.col("source") == "health")
    assert iha.select("as_of", "reported", "now", "difference", "children").rows() == [
        (date(2026, 3, 24), 50.0, 100.0, 50.0, "A")]
    flags = pl.read_csv(tmp_path / "out2" / "flags.csv", infer_schema=False)
    late = flags.filter(pl.col("rule") == "EVENT_RECORDED_LATE")
    assert late.select("child_id", "row", "severity").rows() == [("A", "3", "info")]
    lost = flags.filter(pl.col("rule") == "IHA_NOT_RECORDED")
    assert lost.select("child_id", "source", "severity").rows() == [("E", "health", "warning")]
    trend = pl.read_csv(tmp_path / "out2" / "trend.csv", try_parse_dates=True)
    assert trend["as_of"].unique().sort().to_list()[-1] == date(2026, 3, 31)
    assert trend.filter(pl.col("measure") == "oc2_teeth_check_pct")["england"][0] == 81.0
    summary = json.loads((tmp_path / "out2" / "summary.json").read_text())
    assert summary["history"]["changes"]["left_care"] == 1
    assert summary["history"]["compared_with"]["as_of"] == "2026-03-24"
    assert "Changes since 2026-03-24: newly overdue 1," in r2.output
    # the history lists both runs
    lst = runner.invoke(app, ["history", str(hist)])
    assert lst.exit_code == 0 and "2 run(s)" in lst.output
    assert "2026-03-24" in lst.output and "2026-03-31" in lst.output
    # the workbook: A's overdue dental is listed, E's lost IHA is not
    import openpyxl
    ws = openpyxl.load_workbook(tmp_path / "out2" / "worklist.xlsx")["Overdue"]
    listed = [(r[0], r[4]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert ("A", "Dental") in listed and ("E", "IHA") not in listed


@pytest.mark.parametrize("kind", ["file", "foreign", "damaged"])
def test_a_history_that_cannot_be_used(tmp_path: Path, kind: str) -> None:
    hist = tmp_path / "hist"
    if kind == "file":
        hist.write_text("x")
    elif kind == "foreign":
        hist.mkdir()
        (hist / "mine.txt").write_text("x")
    else:
        assert reconcile(tmp_path, 1, hist).exit_code == 0
        (next(p for p in hist.iterdir() if p.is_dir()) / "run.json").unlink()
    def state() -> list[tuple[str, bytes]]:
        paths = [hist] if hist.is_file() else sorted(hist.rglob("*"))
        return [(str(p), p.read_bytes() if p.is_file() else b"") for p in paths]
    before = state()
    r = reconcile(tmp_path, 2, hist)
    assert r.exit_code == 1
    lines = [x for x in r.output.splitlines() if x.startswith("Error")]
    assert len(lines) == 1, r.output
    assert state() == before  # nothing in the history rewritten or lost
    assert not (tmp_path / "out2").exists()


def test_a_policy_that_differs_is_said(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    policy = tmp_path / "p.toml"
    policy.write_text("horizon_days = 14\n")
    assert reconcile(tmp_path, 1, hist, "--policy", str(policy)).exit_code == 0
    r = reconcile(tmp_path, 2, hist)
    assert r.exit_code == 0
    assert "Note: history run" in r.output and "horizon_days 14 -> 28" in r.output


def _files(hist: Path) -> dict[str, bytes]:
    """Every file of the history's runs (not the unfinished dot-folders), by path."""
    return {str(p.relative_to(hist)): p.read_bytes() for p in sorted(hist.rglob("*"))
            if p.is_file() and not p.relative_to(hist).parts[0].startswith(".")}


def test_two_runs_at_once_and_a_killed_run(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    assert reconcile(tmp_path, 1, hist, "--no-workbook").exit_code == 0  # last week's run
    earlier = _files(hist)
    case, health = week(tmp_path, 2)
    cmd = [sys.executable, "-m", "healthcheck", "reconcile", "--case", str(case), "--health",
           str(health), "--as-of", "2026-03-31", "--history", str(hist), "--no-workbook"]
    procs = [subprocess.Popen([*cmd, "--out", str(tmp_path / f"o{i}")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read() if p.stderr else ""
    # both land, whole, beside the earlier run, which is untouched
    found = runs(hist)
    assert [r.as_of for r in found] == [date(2026, 3, 24), date(2026, 3, 31), date(2026, 3, 31)]
    assert _files(hist).items() >= earlier.items()
    for r in found[1:]:
        assert r.table("children").height == 5 and r.table("kpis").height > 0
    # each was compared with last week's run, not with the other
    for i in range(2):
        summary = json.loads((tmp_path / f"o{i}" / "summary.json").read_text())
        assert summary["history"]["compared_with"]["as_of"] == "2026-03-24"
    kept = _files(hist)
    # a run killed while writing into the history: what is there stays as it was
    script = (
        "import os, signal, sys\n"
        "import polars as pl\n"
        "from healthcheck import history\n"
        "def die(self, path, **kw):\n"
        "    open(path, 'wb').write(b'PAR1')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "pl.DataFrame.write_parquet = die\n"
        "from healthcheck.cli import main\n"
        "sys.argv = ['healthcheck'] + sys.argv[1:]\n"
        "main()\n")
    k = subprocess.run([sys.executable, "-c", script, *cmd[3:], "--out", str(tmp_path / "k")],
                       capture_output=True, timeout=300)
    assert k.returncode == -9
    assert [p.name for p in hist.iterdir() if p.name.startswith(".run")]  # it had begun
    assert _files(hist) == kept  # every file of every run as it was
    assert len(runs(hist)) == 3  # the half-written folder (a dot-name) is skipped
