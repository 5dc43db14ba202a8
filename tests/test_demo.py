"""The whole demo, end to end, as a new user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
from typer.testing import CliRunner

from healthcheck.cli import app


def test_demo_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "in care" in r.output and "Overdue" in r.output
    book = out / "results" / "worklist.xlsx"
    assert r.output.strip().endswith(str(book))
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["Summary", "Overdue"]
    children = pl.read_csv(out / "results" / "children.csv", infer_schema=False)
    manifest = json.loads((out / "extracts" / "week_later" / "manifest.json").read_text())
    case_rows = children.filter(pl.col("match_status") != "health_only")
    assert case_rows.height == case_rows["child_id"].n_unique() == manifest["rows"]["children"] - \
        manifest.get("repeated_child_ids", 0)
    summary = json.loads((out / "results" / "summary.json").read_text())
    assert summary["counts"]["in_care"] > 0
    flags = pl.read_csv(out / "results" / "flags.csv", infer_schema=False)
    assert flags.height > 0 and flags["rule"].n_unique() >= 10
    # two weeks into one history, last week's extracts then the same authority a week later:
    # Changes, revisions and Trend are filled in
    assert {"Changes", "Trend"} <= set(wb.sheetnames)
    assert (out / "last_week" / "worklist.xlsx").is_file()
    last = json.loads((out / "last_week" / "summary.json").read_text())
    assert summary["history"]["compared_with"]["as_of"] == last["as_of"] == manifest["week"][
        "after"]
    counts = summary["history"]["changes"]
    assert all(counts[k] > 0 for k in ("newly_overdue", "newly_due_soon", "entered_care",
                                       "done", "now_known_to_health", "left_care")), counts
    assert counts["entered_care"] >= len(manifest["week"]["children"]["children_entering_care"])
    rev = pl.read_csv(out / "results" / "revisions.csv")
    moved = rev.filter(pl.col("difference").fill_null(0) != 0)
    assert {"iha_on_time_pct", "rha_in_date_pct"} <= set(moved["measure"])
    assert summary["history"]["revised_figures"] == moved.height
    assert pl.read_csv(out / "results" / "trend.csv").height > 0
    assert "Changes since " in r.output and "Earlier figures revised: 0." not in r.output
