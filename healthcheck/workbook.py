"""The LAC named nurse's weekly workbook, `worklist.xlsx`, written with xlsxwriter.

Who is on each sheet, and in which order, is `healthcheck.worklist`'s (pure polars); this module
only renders it (docs/rules.md §8.5), each table through `healthcheck.xlsx_sheet` (which keeps
every cell text or a number, never a formula). Seven sheets, in order: Summary (counts with
links to their sheets, the figures health and case side by side with England, a bar chart, and
a chart of late IHAs by agency), Overdue, Due soon, Pathway (the IHA pathway's stages, late ones
red: §4 R7), Not known to health, Disagreements, Data quality (docs/rules.md §12 "Workbook, Data
quality sheet"); with a history, Changes after Not known to health and Trend last (§9); before
the OC2 year end, Year end. Every data sheet: bold header row, frozen, autofilter over the data,
column widths from the data, real dates shown dd/mm/yyyy, NHS numbers as text `943 476 5919`,
status codes in words ("Due soon"), red fill for overdue and errors, amber for due soon and
warnings, printed landscape one page wide with the header on each page. A sheet at Excel's row
limit is cut with a note beside its header (flags.csv has everything).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from xlsxwriter import Workbook

from healthcheck import xlsx_sheet as xs
from healthcheck.charts import figure_chart
from healthcheck.worklist import Worklist, figures, period, worklist
from healthcheck.worklist_labels import ENGLAND_2025, MEASURES
from healthcheck.xlsx_sheet import AMBER, HEADER_FILL, RED, TONE, Col, Formats, data_sheet

__all__ = ["ENGLAND_2025", "SHEETS", "write_workbook"]

SHEETS = ("Summary", "Overdue", "Due soon", "Pathway", "Not known to health", "Disagreements",
          "Data quality")
# With a history (reconcile --history): Changes after Not known to health, Trend at the end.
HISTORY_SHEETS = ("Changes", "Trend")
YEAR_END_SHEET = "Year end"  # before the OC2 year end, after Not known to health (and Changes)
CHANGE_TONE = {"Newly overdue": RED, "Newly due soon": AMBER}


CHILD = [Col("child_id", "Child ID"), Col("nhs_number", "NHS number", "nhs"),
         Col("forename", "Forename"), Col("surname", "Surname")]


def _data_sheets(wb: Workbook, fmt: Formats, wl: Worklist) -> None:
    data_sheet(wb, fmt, "Overdue", wl.overdue, [
        *CHILD,
        Col("check", "Check", fill=RED, width=14),
        Col("due", "Due", "date"),
        Col("days", "Days overdue", "int", fill=RED),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
        Col("missing", "Missing doses", max_width=40),
    ])
    data_sheet(wb, fmt, "Due soon", wl.due_soon, [
        *CHILD,
        Col("check", "Check", fill=AMBER, width=9),
        Col("due", "Due", "date", fill=AMBER),
        Col("days", "Days left", "int"),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
        Col("missing", "Missing doses", max_width=40),
    ])
    data_sheet(wb, fmt, "Pathway", wl.pathway, [
        *CHILD,
        Col("clock_start", "Clock start", "date"),
        Col("notification_date", "Notified", "date", red_when="notification_late"),
        Col("notification_wd", "Notified (wd)", "int", red_when="notification_late"),
        Col("request_date", "IHA requested", "date", red_when="request_late"),
        Col("request_wd", "Requested (wd)", "int", red_when="request_late"),
        Col("request_status", "Request", "code", red_when="request_late"),
        Col("appointment_date", "First appointment", "date"),
        Col("was_not_brought", "Not brought", "int"),
        Col("iha_due", "IHA due", "date"),
        Col("iha_date", "IHA done", "date", red_when="iha_late"),
        Col("iha_status", "IHA", "code", red_when="iha_late"),
        Col("report_date", "Report returned", "date", red_when="report_late"),
        Col("report_wd", "Report (wd)", "int", red_when="report_late"),
        Col("report_status", "Report", "code", red_when="report_late"),
        Col("delay_agency", "Delay held by", "code", red_when="held"),
    ])
    data_sheet(wb, fmt, "Not known to health", wl.not_known, [
        *CHILD,
        Col("reason", "Why", max_width=70),  # all in care (docs/rules.md §9.5): no column
        Col("period_start", "Period start", "date"),
        Col("clock_start", "Clock start", "date"),
        Col("days", "Days since clock start", "int"),
        Col("notification_status", "Notification", "code"),
        Col("known", "Known to health", "bool"),
        Col("iha_status", "IHA status", "code"),
    ])
    if wl.changes is not None:
        data_sheet(wb, fmt, "Changes", wl.changes, [
            *CHILD,
            Col("kind", "Change", tones=CHANGE_TONE),
            Col("check", "Check", "code"),
            Col("before", "Before", "code"),
            Col("after", "Now", "code"),
        ])
    if wl.year_end is not None and wl.year_end_date is not None:
        data_sheet(wb, fmt, YEAR_END_SHEET, wl.year_end, [
            *CHILD,
            Col("needs", "Still needed", fill=AMBER, max_width=50),
            Col("need_count", "Number needed", "int"),
            Col("due", "Earliest due", "date", fill=AMBER, red_when="late"),
            Col("days", "Days left", "int", red_when="late"),
            Col("health_assessment_done", "Health assessment done", "bool"),
            Col("teeth_check_done", "Dental check done", "bool"),
            Col("immunisations_up_to_date", "Immunisations up to date", "bool"),
            Col("rha_due", "RHA due", "date"),
            Col("dental_due", "Dental due", "date"),
        ], note=f"To be seen by {_fmt_date(wl.year_end_date)} (the OC2 year end) for the "
                "year-end figures to hold. Red: already past due.")
    data_sheet(wb, fmt, "Disagreements", wl.disagreements, [
        *CHILD[:2],
        Col("check", "Check", width=9),
        Col("health_date", "Health date", "date"),
        Col("case_date", "Case date", "date"),
        Col("days", "Health − case (days)", "int"),
        Col("rule", "Rule"),
        Col("message", "Message", max_width=90),
    ])
    dq = wl.data_quality
    note = None
    if dq.height > xs.MAX_DATA_ROWS:
        note = (f"Showing {xs.MAX_DATA_ROWS:,} of {dq.height:,} flags (Excel's limit); "
                "flags.csv has them all.")
    data_sheet(wb, fmt, "Data quality", dq, [
        Col("severity", "Severity", tones=TONE),
        Col("rule", "Rule"),
        Col("child_id", "Child ID"),
        Col("nhs_number", "NHS number", "nhs"),
        Col("source", "Source"),
        Col("file", "File", max_width=30),
        Col("table", "Table"),
        Col("row", "Row", "int"),
        Col("field", "Field"),
        Col("value", "Value", max_width=30),
        Col("message", "Message", max_width=90),
    ], note=note)
    if wl.trend is not None:
        _trend(wb, fmt, wl.trend)


def _trend(wb: Workbook, fmt: Formats, trend: pl.DataFrame) -> None:
    """The Trend sheet: each percentage (health extract) at each of the last 12 month ends,
    recomputed now beside what was reported then (and England's figure where there is one),
    and a line chart of the recomputed ones."""
    cols = [Col("as_of", "Month end", "date")]
    series = []  # (column, name) of each line
    for c in trend.columns[1:]:
        m, _, which = c.partition("__")
        if not which:
            series.append((len(cols), MEASURES.get(m, (m, ""))[0]))
            cols.append(Col(c, series[-1][1], "pct", width=15))
        else:
            cols.append(Col(c, "reported then" if which == "reported" else "England 2025",
                            "pct", width=10))
    ws = data_sheet(wb, fmt, "Trend", trend, cols, wrap=True)
    if not series or trend.height == 0:
        return
    chart = wb.add_chart({"type": "line"})
    for col, _ in series:
        chart.add_series({"name": ["Trend", 0, col],
                          "categories": ["Trend", 1, 0, trend.height, 0],
                          "values": ["Trend", 1, col, trend.height, col],
                          "marker": {"type": "circle"}})
    chart.set_title({"name": "Health checks (%) at each month end, recomputed from today's "
                             "extracts"})
    chart.set_x_axis({"date_axis": True, "num_format": "mmm yy"})
    chart.set_y_axis({"name": "%", "min": 0, "max": 100, "major_unit": 20, "num_format": "0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 980, "height": 480})
    ws.insert_chart(trend.height + 3, 0, chart)


# --------------------------------------------------------------------------------------------
# Summary


def _fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "?"


def _summary(wb: Workbook, fmt: Formats, *, as_of: date, wl: Worklist, kpis: pl.DataFrame,
             england: dict[str, float], horizon_days: int) -> None:
    ws = wb.add_worksheet(SHEETS[0])
    widths = [46, 14, 14, 14, 14, 14, 14, 70]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    head = {"bold": True, "bg_color": HEADER_FILL}

    def put(row: int, col: int, value: Any, **props: Any) -> None:
        xs.put(ws, fmt, row, col, value, **props)

    put(0, 0, "Looked-after children: statutory health checks", bold=True, font_size=14)
    put(1, 0, "As of", bold=True)
    put(1, 1, as_of)
    for i, h in enumerate(("Children and checks", "Number", "See sheet")):
        put(3, i, h, **head)
    row = 4
    for label, n, tone, sheet in wl.counts.iter_rows():
        put(row, 0, label)
        put(row, 1, n, bg_color=TONE.get(tone or ""))
        if sheet:
            ws.write_url(row, 2, f"internal:'{sheet}'!A1", string=sheet)
        row += 1

    # Figures: health and case side by side, England where known.
    fig = figures(kpis, england)
    start, end = period(kpis)
    row += 1
    put(row, 0, "Figures", bold=True, font_size=12)
    put(row, 1, f"Period {_fmt_date(start)} to {_fmt_date(end)}; percentages unless stated; "
                "difference = health − case, in percentage points.", italic=True)
    row += 1
    kpi_header = row
    for i, h in enumerate(("Measure", "Health extract", "Case system", "Difference",
                           "England 2025", "Health count", "Case count", "What it counts")):
        put(row, i, h, **head)
    for rec in fig.iter_rows(named=True):
        row += 1
        what = rec["what"]
        if what:  # wrapped text: Excel and LibreOffice do not size the row themselves
            ws.set_row(row, 15 * max(-(-len(what) // int(widths[7] * 1.05)), 1))
        put(row, 0, rec["label"], valign="top")
        for i, key, num in ((1, "health", "0.0"), (2, "case", "0.0"),
                            (3, "difference", "+0.0;-0.0;0.0"), (4, "england", "0.0")):
            put(row, i, rec[key], num_format=num, valign="top")
        put(row, 5, rec["health_count"], align="right", valign="top")
        put(row, 6, rec["case_count"], align="right", valign="top")
        put(row, 7, what, text_wrap=True, indent=1, valign="top")
    ws.autofilter(kpi_header, 0, row, 7)
    row += 2
    put(row, 0, f"Overdue: due date before the as-of date. Due soon: due within {horizon_days} "
                "days. Red = overdue, amber = due soon.", italic=True)

    n_pct = int((fig["pct"] & ~fig["agency"]).sum())
    n_agency = int(fig["agency"].sum())
    health, case = (1, "#1F4E79"), (2, "#2E9C9C")
    if n_pct:
        figure_chart(wb, ws, "bar", kpi_header, n_pct, (health, case, (4, "#A6A6A6")),
                     "Health checks (%): health, case system, England 2025", (980, row + 2, 0))
    if n_agency:  # docs/rules.md §4 R7: the shares of late IHAs, the rows after the others
        figure_chart(wb, ws, "bar", kpi_header, n_agency, (health, case),
                     "Late IHAs: which agency held the delay (%)", (520, row + 2, 8), n_pct)


# --------------------------------------------------------------------------------------------
# Public


def write_workbook(path: Path, *, children: pl.DataFrame, flags: pl.DataFrame,
                   kpis: pl.DataFrame, disagreements: pl.DataFrame, as_of: date,
                   horizon_days: int = 28, england: dict[str, float] | None = None,
                   year_end: date | None = None, **nurse: pl.DataFrame | None) -> None:
    """Write the named nurse's workbook to `path` (README, "reconcile"; the module docstring
    says what it holds). `year_end` with `forecast=` (oc2_forecast.csv): the Year end sheet."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    start, end = period(kpis)
    wl = worklist(children=children, flags=flags, disagreements=disagreements, as_of=as_of,
                  horizon_days=horizon_days, year_end=year_end, period_start=start,
                  period_end=end, **nurse)
    wb = Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                              "strings_to_numbers": False, "use_zip64": True})
    fmt = Formats(wb)
    _summary(wb, fmt, as_of=as_of, wl=wl, kpis=kpis,
             england=dict(ENGLAND_2025 if england is None else england),
             horizon_days=horizon_days)
    _data_sheets(wb, fmt, wl)
    wb.close()
