"""The nurse's week on the sheets: names, in care only, the lost IHA off Overdue, Changes and
Trend (docs/rules.md §9.5), and the workbook's new sheets and chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl

from healthcheck.changes import CHANGE_SCHEMA
from healthcheck.schema import CHILDREN_SCHEMA, DISAGREEMENT_SCHEMA, FLAG_SCHEMA, KPI_SCHEMA
from healthcheck.trend import TREND_SCHEMA
from healthcheck.workbook import write_workbook
from healthcheck.worklist import worklist

AS_OF = date(2026, 3, 31)
NAMES = pl.DataFrame({"child_id": ["A", "B", "C"], "forename": ["Ann", "Bo", "Cy"],
                      "surname": ["Lee", "Roe", "Ng"]})


def kids() -> pl.DataFrame:
    base = {"match_status": "matched", "in_care": True, "clock_start": date(2025, 1, 6),
            "iha_due": date(2025, 2, 3), "iha_status": "overdue", "rha_status": "in_date",
            "dental_status": "in_date", "notification_status": "on_time"}
    return pl.DataFrame([{**base, "child_id": "A"}, {**base, "child_id": "B"},
                         {**base, "child_id": "C", "in_care": False}], schema=CHILDREN_SCHEMA)


def change_rows() -> pl.DataFrame:
    return pl.DataFrame([
        ("A", None, "dental", "in_date", "due_soon", "newly_due_soon"),
        ("A", None, "rha", "overdue", "in_date", "done"),
        ("B", None, "iha", "due", "overdue", "newly_overdue"),
        ("C", None, "care", "in_care", "not_in_care", "left_care"),
    ], schema=CHANGE_SCHEMA, orient="row")


def trend_rows() -> pl.DataFrame:
    rows = [(m, s, d, date(d.year - 1, d.month, 1), d, 1, 2, v, r, None)
            for m, v, r in (("iha_on_time_pct", 50.0, 40.0), ("rha_in_date_pct", 80.0, None))
            for s in ("health", "case") for d in (date(2026, 2, 28), AS_OF)]
    return pl.DataFrame(rows, schema=TREND_SCHEMA, orient="row")


def test_sheets_have_names_in_care_only_and_lost_iha_left_off() -> None:
    wl = worklist(children=kids(), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28, names=NAMES, lost_iha=pl.DataFrame({"child_id": ["A"]}),
                  changes=change_rows(), trend=trend_rows())
    # A's IHA is IHA_NOT_RECORDED: off the sheet; C is not in care
    assert wl.overdue.select("child_id", "forename", "surname", "check").rows() == [
        ("B", "Bo", "Roe", "IHA")]
    assert wl.changes is not None and wl.trend is not None
    # in care only (C's left_care is not listed), nurse's kinds first
    assert wl.changes.select("child_id", "forename", "change").rows() == [
        ("B", "Bo", "newly_overdue"), ("A", "Ann", "newly_due_soon"), ("A", "Ann", "done")]
    lines = {label: n for label, n, _, _ in wl.counts.iter_rows()}
    assert lines["Since the last run: left care"] == 1
    assert lines["Since the last run: newly overdue"] == 1
    assert wl.trend.columns == ["as_of", "iha_on_time_pct", "iha_on_time_pct__reported",
                                "rha_in_date_pct", "rha_in_date_pct__reported"]
    assert wl.trend.rows()[0] == (date(2026, 2, 28), 50.0, 40.0, 80.0, None)


def test_workbook_has_changes_and_trend_with_a_line_chart(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, children=kids(), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                   kpis=pl.DataFrame(schema=KPI_SCHEMA),
                   disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                   names=NAMES, lost_iha=None, changes=change_rows(), trend=trend_rows())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Overdue", "Due soon", "Pathway", "Not known to health",
                             "Changes", "Disagreements", "Data quality", "Trend"]
    ch = wb["Changes"]
    assert [c.value for c in ch[1]][:5] == ["Child ID", "NHS number", "Forename", "Surname",
                                           "Change"]
    assert ch["E2"].value == "Newly overdue"
    charts = wb["Trend"]._charts
    assert len(charts) == 1 and charts[0].tagname == "lineChart"
    assert wb["Overdue"]["C2"].value == "Ann"
    # without a history: no Changes or Trend sheet
    write_workbook(path, children=kids(), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                   kpis=pl.DataFrame(schema=KPI_SCHEMA),
                   disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF)
    assert "Changes" not in openpyxl.load_workbook(path).sheetnames


def test_changes_in_words_coloured_and_trend_with_england(tmp_path: Path) -> None:
    """The Changes sheet reads as words (`due_soon` -> "Due soon", `iha` -> "IHA"), newly
    overdue red and newly due soon amber; the Trend shows each percentage to one decimal, with
    England's figure beside the measures that have one."""
    trend = pl.concat([trend_rows(), pl.DataFrame(
        [("oc2_teeth_check_pct", "health", d, date(d.year - 1, d.month, 1), d, 7, 10, 70.0,
          None, 81.0) for d in (date(2026, 2, 28), AS_OF)], schema=TREND_SCHEMA, orient="row")])
    wl = worklist(children=kids(), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                  disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                  horizon_days=28, trend=trend)
    assert wl.trend is not None
    assert wl.trend.columns[-3:] == ["oc2_teeth_check_pct", "oc2_teeth_check_pct__reported",
                                     "oc2_teeth_check_pct__england"]
    path = tmp_path / "w.xlsx"
    write_workbook(path, children=kids(), flags=pl.DataFrame(schema=FLAG_SCHEMA),
                   kpis=pl.DataFrame(schema=KPI_SCHEMA),
                   disagreements=pl.DataFrame(schema=DISAGREEMENT_SCHEMA), as_of=AS_OF,
                   names=NAMES, changes=change_rows(), trend=trend)
    wb = openpyxl.load_workbook(path)
    ch = [[c.value for c in r] for r in wb["Changes"].iter_rows(min_row=2)]
    assert [r[4:8] for r in ch] == [["Newly overdue", "IHA", "Due", "Overdue"],
                                    ["Newly due soon", "Dental", "In date", "Due soon"],
                                    ["Done", "RHA", "Overdue", "In date"]]
    fills = [wb["Changes"].cell(r, 5).fill.fgColor.rgb[-6:] for r in (2, 3, 4)]
    assert fills[:2] == ["FFC7CE", "FFEB9C"] and fills[2] not in ("FFC7CE", "FFEB9C")
    tr = wb["Trend"]
    head = [c.value for c in tr[1]]
    assert head[-3:] == ["OC2: dental check in last 12 months (%)", "reported then",
                         "England 2025"]
    assert tr.cell(2, len(head)).value == 81.0 and tr.cell(2, 2).number_format == "0.0"
    assert tr.cell(2, 1).is_date
