"""The LAC named nurse's weekly workbook, `worklist.xlsx`, written with xlsxwriter.

Who is on each sheet, and in which order, is `healthcheck.worklist`'s (pure polars); this module
only renders it (docs/rules.md §8.5). Seven sheets, in order: Summary (counts with links to
their sheets, the figures health and case side by side with England, a bar chart, and a chart
of late IHAs by agency), Overdue, Due soon, Pathway (the IHA pathway's stages, late ones red:
§4 R7), Not known to health, Disagreements, Data quality (docs/rules.md §12 "Workbook, Data
quality sheet"); with a history, Changes after Not known to health and Trend last (§9). Every
data sheet: bold header row, frozen, autofilter over the data, column widths from the data, real
dates shown dd/mm/yyyy, NHS numbers as text `943 476 5919`, red fill for overdue and errors,
amber for due soon and warnings, printed landscape one page wide with the header on each page.

No cell ever becomes a formula: every text is written with `write_string` (a string cell,
whatever it starts with; the workbook is also opened with `strings_to_formulas`,
`strings_to_urls` and `strings_to_numbers` off), and text starting `=`, `+`, `-`, `@`, `#`, a
tab or a carriage return also gets Excel's quote prefix, so it stays text when someone edits
the cell. Characters XML forbids (control characters) become U+FFFD; text is cut at Excel's
32,767-character limit; a sheet at Excel's row limit is cut with a note beside its header
(flags.csv has everything).

The cells are written a column at a time from polars' columns, which polars has already put
in their final form (text, or a number: dates as Excel serial days).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from healthcheck.charts import figure_chart
from healthcheck.worklist import ENGLAND_2025, MEASURES, Worklist, figures, period, worklist

__all__ = ["ENGLAND_2025", "SHEETS", "write_workbook"]

SHEETS = ("Summary", "Overdue", "Due soon", "Pathway", "Not known to health", "Disagreements",
          "Data quality")
# With a history (reconcile --history): Changes after Not known to health, Trend at the end.
HISTORY_SHEETS = ("Changes", "Trend")
YEAR_END_SHEET = "Year end"  # before the OC2 year end, after Not known to health (and Changes)

DATE_FORMAT = "dd/mm/yyyy"
EPOCH = date(1899, 12, 30)  # Excel's serial day 0 (1900 date system; valid from 1 March 1900)
MAX_DATA_ROWS = 1_048_575  # Excel's row limit less the header row
MAX_TEXT = 32_767  # Excel's cell text limit
# Text Excel (or a CSV import) could read as a formula or an error value.
FORMULA_START = r"^[=+\-@#\t\r]"
# XML 1.0 forbids C0 controls other than tab, LF, CR, and U+FFFE/U+FFFF.
ILLEGAL_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"  # polars (Rust) regex
ILLEGAL_XML_PY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # the same, Python's

RED = "#FFC7CE"  # light red: overdue, errors
AMBER = "#FFEB9C"  # amber: due soon, warnings
HEADER_FILL = "#D9E1F2"
TONE = {"overdue": RED, "due_soon": AMBER, "error": RED, "warning": AMBER}


def _safe_text(e: pl.Expr) -> pl.Expr:
    """Text as a cell may hold it: XML-illegal characters replaced, cut to Excel's limit."""
    return e.str.replace_all(ILLEGAL_XML, "\ufffd").str.slice(0, MAX_TEXT)


class _Formats:
    """xlsxwriter formats, made once per set of properties."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._made: dict[tuple[tuple[str, Any], ...], Any] = {}

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted((k, v) for k, v in props.items() if v is not None and v is not False))
        if not key:  # the default look: no Format, so no style written for the cell
            return None
        if key not in self._made:
            self._made[key] = self._wb.add_format(dict(key))
        return self._made[key]


def _put(ws: Worksheet, fmt: _Formats, row: int, col: int, value: Any, **props: Any) -> None:
    """One Summary cell: text always a string cell (quote-prefixed where it could be read as a
    formula), a date as a date, a number as a number; None leaves the cell empty."""
    if value is None:
        return
    if isinstance(value, str):
        value = ILLEGAL_XML_PY.sub("\ufffd", value)[:MAX_TEXT]
        quote = re.match(FORMULA_START, value) is not None
        ws.write_string(row, col, value, fmt(**props, quote_prefix=quote))
    elif isinstance(value, date):
        ws.write_number(row, col, (value - EPOCH).days, fmt(**props, num_format=DATE_FORMAT))
    else:
        ws.write_number(row, col, value, fmt(**props))


# --------------------------------------------------------------------------------------------
# Data sheets


@dataclass(frozen=True)
class Col:
    name: str  # column of the frame
    header: str
    kind: str = "text"  # text, nhs, date, bool, int, severity
    width: float | None = None  # None: from the data
    fill: str | None = None
    max_width: float = 50
    red_when: str | None = None  # a boolean column of the frame: red fill where it is true


def _cells(df: pl.DataFrame, cols: Sequence[Col]) -> pl.DataFrame:
    """Each column in the form its cells take: text (NHS numbers grouped `943 476 5919`,
    booleans Yes/No, made safe; empty text null) or a number (dates as Excel serial days); and
    the `red_when` columns, as they are."""
    exprs = []
    for c in cols:
        v = pl.col(c.name)
        if c.kind == "date":
            e = (v - pl.lit(EPOCH)).dt.total_days()
        elif c.kind == "int":
            e = v
        elif c.kind == "bool":
            e = pl.when(v).then(pl.lit("Yes")).when(v.not_()).then(pl.lit("No"))
        elif c.kind == "nhs":
            e = _safe_text(v.str.replace(r"^(\d{3})(\d{3})(\d{4})$", "$1 $2 $3"))
        else:
            e = _safe_text(v)
        if c.kind not in ("date", "int"):
            e = pl.when(e != "").then(e)  # empty text: no cell
        exprs.append(e.alias(c.name))
    red = {c.red_when for c in cols if c.red_when}
    return df.select(*exprs, *(pl.col(r).fill_null(False) for r in red))


def _widths(df: pl.DataFrame, cols: Sequence[Col]) -> list[float]:
    fixed = {"date": 12.0, "nhs": 14.0, "bool": 9.0, "int": 10.0}
    text = [c.name for c in cols if c.width is None and c.kind in ("text", "severity")]
    longest: dict[str, int] = {}
    if text and df.height:
        lens = df.select(pl.col(c).str.len_chars().max() for c in text).row(0)
        longest = {c: int(n or 0) for c, n in zip(text, lens, strict=True)}
    out = []
    for c in cols:
        if c.width is not None:
            w = c.width
        elif c.kind in fixed:
            w = fixed[c.kind]
        else:
            w = min(float(longest.get(c.name, 0)) + 2, c.max_width)
        out.append(max(w, len(c.header) + 3.0))
    return out


def _styled(frame: pl.DataFrame, c: Col) -> dict[tuple[Any, ...], tuple[list[int], list[Any]]]:
    """The column's cells grouped by their look: (fill, quote prefix, empty) -> (sheet rows,
    values). Empty cells are left out, but for an empty red one (a missing stage)."""
    v = pl.col(c.name)
    fill = pl.lit(c.fill, pl.String)
    if c.kind == "severity":
        fill = v.replace_strict(TONE, default=fill, return_dtype=pl.String)
    if c.red_when:
        fill = pl.when(pl.col(c.red_when)).then(pl.lit(RED)).otherwise(fill)
    text = c.kind not in ("date", "int")
    quote = v.str.contains(FORMULA_START).fill_null(False) if text else pl.lit(False)
    cells = (frame.select(pl.int_range(1, pl.len() + 1).alias("r"), v.alias("v"),
                          fill.alias("fill"), quote.alias("quote"), v.is_null().alias("empty"))
             .filter(~pl.col("empty") | (pl.col("fill") == RED).fill_null(False)))
    if cells.height == 0:
        return {}
    return {k: (p["r"].to_list(), p["v"].to_list()) for k, p in
            cells.partition_by("fill", "quote", "empty", as_dict=True,
                               include_key=False).items()}


def _data_sheet(wb: Workbook, fmt: _Formats, title: str, df: pl.DataFrame,
                cols: Sequence[Col], note: str | None = None) -> None:
    """One filterable table: bold header row (frozen), autofilter over the data, column widths
    and print setup. `note` goes to the right of the header. Each column is written in a few
    runs of cells that look alike: one Format each, no decision per cell."""
    ws = wb.add_worksheet(title)
    frame = _cells(df.head(MAX_DATA_ROWS), cols)
    for i, (c, w) in enumerate(zip(cols, _widths(frame, cols), strict=True)):
        ws.set_column(i, i, w)
        ws.write_string(0, i, c.header, fmt(bold=True, bg_color=HEADER_FILL))
    if note:
        ws.write_string(0, len(cols), note, fmt(italic=True))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, frame.height, len(cols) - 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)

    text = [c.name for c in cols if c.kind not in ("date", "int")]
    quoted = set()  # the text columns with a cell that could be read as a formula
    if text and frame.height:
        any_ = frame.select(pl.col(text).str.contains(FORMULA_START).any()).row(0)
        quoted = {n for n, q in zip(text, any_, strict=True) if q}
    for i, c in enumerate(cols):
        number = c.kind in ("date", "int")
        look = {"num_format": DATE_FORMAT if c.kind == "date" else None,
                "align": "center" if number else None}
        write = ws.write_number if number else ws.write_string  # text: always a string cell
        if c.kind != "severity" and not c.red_when and c.name not in quoted:
            f = fmt(**look, bg_color=c.fill)  # one look for the whole column
            for r, v in enumerate(frame[c.name].to_list(), 1):
                if v is not None:
                    write(r, i, v, f)
            continue
        for (fill, quote, empty), (rows, values) in _styled(frame, c).items():
            f = fmt(**look, bg_color=fill, quote_prefix=quote)
            if empty:  # a missing stage: an empty red cell
                for r in rows:
                    ws.write_blank(r, i, None, f)
            else:
                for r, v in zip(rows, values, strict=True):
                    write(r, i, v, f)


CHILD = [Col("child_id", "Child ID"), Col("nhs_number", "NHS number", "nhs"),
         Col("forename", "Forename"), Col("surname", "Surname")]


def _data_sheets(wb: Workbook, fmt: _Formats, wl: Worklist) -> None:
    _data_sheet(wb, fmt, "Overdue", wl.overdue, [
        *CHILD,
        Col("check", "Check", fill=RED, width=14),
        Col("due", "Due", "date"),
        Col("days", "Days overdue", "int", fill=RED),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
        Col("missing", "Missing doses", max_width=40),
    ])
    _data_sheet(wb, fmt, "Due soon", wl.due_soon, [
        *CHILD,
        Col("check", "Check", fill=AMBER, width=9),
        Col("due", "Due", "date", fill=AMBER),
        Col("days", "Days left", "int"),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
        Col("missing", "Missing doses", max_width=40),
    ])
    _data_sheet(wb, fmt, "Pathway", wl.pathway, [
        *CHILD,
        Col("clock_start", "Clock start", "date"),
        Col("notification_date", "Notified", "date", red_when="notification_late"),
        Col("notification_wd", "Notified (wd)", "int", red_when="notification_late"),
        Col("request_date", "IHA requested", "date", red_when="request_late"),
        Col("request_wd", "Requested (wd)", "int", red_when="request_late"),
        Col("request_status", "Request", red_when="request_late"),
        Col("appointment_date", "First appointment", "date"),
        Col("was_not_brought", "Not brought", "int"),
        Col("iha_due", "IHA due", "date"),
        Col("iha_date", "IHA done", "date", red_when="iha_late"),
        Col("iha_status", "IHA", red_when="iha_late"),
        Col("report_date", "Report returned", "date", red_when="report_late"),
        Col("report_wd", "Report (wd)", "int", red_when="report_late"),
        Col("report_status", "Report", red_when="report_late"),
        Col("delay_agency", "Delay held by", red_when="held"),
    ])
    _data_sheet(wb, fmt, "Not known to health", wl.not_known, [
        *CHILD,
        Col("reason", "Why", max_width=70),
        Col("in_care", "In care", "bool"),
        Col("period_start", "Period start", "date"),
        Col("clock_start", "Clock start", "date"),
        Col("days", "Days since clock start", "int"),
        Col("notification_status", "Notification"),
        Col("known", "Known to health", "bool"),
        Col("iha_status", "IHA status"),
    ])
    if wl.changes is not None:
        _data_sheet(wb, fmt, "Changes", wl.changes, [
            *CHILD,
            Col("kind", "Change"),
            Col("check", "Check"),
            Col("before", "Before"),
            Col("after", "Now"),
        ])
    if wl.year_end is not None and wl.year_end_date is not None:
        _data_sheet(wb, fmt, YEAR_END_SHEET, wl.year_end, [
            *CHILD,
            Col("needs", "Still needed", fill=AMBER, max_width=50),
            Col("need_count", "Number needed", "int"),
            Col("due", "Earliest due", "date", fill=AMBER),
            Col("days", "Days left", "int"),
            Col("health_assessment_done", "Health assessment done", "bool"),
            Col("teeth_check_done", "Dental check done", "bool"),
            Col("immunisations_up_to_date", "Immunisations up to date", "bool"),
            Col("rha_due", "RHA due", "date"),
            Col("dental_due", "Dental due", "date"),
        ], note=f"To be seen by {_fmt_date(wl.year_end_date)} (the OC2 year end) for the "
                "year-end figures to hold.")
    _data_sheet(wb, fmt, "Disagreements", wl.disagreements, [
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
    if dq.height > MAX_DATA_ROWS:
        note = (f"Showing {MAX_DATA_ROWS:,} of {dq.height:,} flags (Excel's limit); "
                "flags.csv has them all.")
    _data_sheet(wb, fmt, "Data quality", dq, [
        Col("severity", "Severity", "severity"),
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


def _trend(wb: Workbook, fmt: _Formats, trend: pl.DataFrame) -> None:
    """The Trend sheet: each percentage (health extract) at each of the last 12 month ends,
    recomputed now beside what was reported then, and a line chart of the recomputed ones."""
    measures = [c for c in trend.columns if c != "as_of" and not c.endswith("__reported")]
    cols = [Col("as_of", "Month end", "date")]
    for m in measures:
        label = MEASURES.get(m, (m, ""))[0]
        cols += [Col(m, label, "int", width=16), Col(f"{m}__reported", "reported then", "int",
                                                   width=10)]
    _data_sheet(wb, fmt, "Trend", trend, cols)
    ws = wb.get_worksheet_by_name("Trend")
    if ws is None or not measures or trend.height == 0:
        return
    chart = wb.add_chart({"type": "line"})
    for i in range(len(measures)):
        col = 1 + 2 * i
        chart.add_series({"name": ["Trend", 0, col],
                          "categories": ["Trend", 1, 0, trend.height, 0],
                          "values": ["Trend", 1, col, trend.height, col],
                          "marker": {"type": "circle"}})
    chart.set_title({"name": "Health checks (%) at each month end, recomputed from today's "
                             "extracts"})
    chart.set_x_axis({"date_axis": True, "num_format": "mmm yy"})
    chart.set_y_axis({"name": "%", "min": 0, "max": 100, "major_unit": 20, "num_format": "0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 980, "height": 420})
    ws.insert_chart(trend.height + 3, 0, chart)


# --------------------------------------------------------------------------------------------
# Summary


def _fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "?"


def _summary(wb: Workbook, fmt: _Formats, *, as_of: date, wl: Worklist, kpis: pl.DataFrame,
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
        _put(ws, fmt, row, col, value, **props)

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
        figure_chart(wb, ws, "column", kpi_header, n_pct, (health, case, (4, "#A6A6A6")),
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
    fmt = _Formats(wb)
    _summary(wb, fmt, as_of=as_of, wl=wl, kpis=kpis,
             england=dict(ENGLAND_2025 if england is None else england),
             horizon_days=horizon_days)
    _data_sheets(wb, fmt, wl)
    wb.close()
