"""The LAC named nurse's weekly workbook, `worklist.xlsx` (SPEC §4).

Six sheets, in order: Summary (counts, the KPI figures health and case side by side with England,
and a bar chart), Overdue, Due soon, Not known to health, Disagreements, Data quality. Every data
sheet: bold header row, frozen, autofilter over the data, real dates shown dd/mm/yyyy, NHS
numbers as text `943 476 5919`, red fill for overdue and errors, amber for due soon and warnings.
Data quality holds every flag but the event disagreements, which are on their own sheet with
both dates (flags.csv has all of them).

openpyxl (write-only mode) writes the package: the Summary, the chart, styles, each data sheet's
header row, column widths, frozen panes, filters and print setup. The data rows are rendered by
polars in one vectorised pass per chunk and spliced into each data sheet's <sheetData> (see
`_splice`): openpyxl's own serialiser costs ~15-20 µs a cell here, which for 100,000 flags is
half a minute; this way the whole workbook takes a few seconds at national scale.

No cell ever becomes a formula: data-sheet text is always an inline string (t="inlineStr"),
which SpreadsheetML cannot read as a formula, and text starting `=`, `+`, `-`, `@` or `#` also
gets Excel's quote prefix so it stays text when someone edits the cell. Summary text goes through
`_cell`, which forces openpyxl's data type to "s". Characters XML forbids (control characters)
become U+FFFD; text is cut at Excel's 32,767-character limit; a sheet at Excel's row limit is
cut with a note beside its header (flags.csv has everything).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from healthcheck.flags import DISAGREEMENT_CODES, SEVERITY_ORDER
from healthcheck.schema import (
    CHILDREN_SCHEMA,
    DISAGREEMENT_SCHEMA,
    FLAG_SCHEMA,
    KPI_SCHEMA,
)

__all__ = ["ENGLAND_2025", "write_workbook"]

# England figures for 2025 (DfE, Children looked after in England, OC2 measures).
ENGLAND_2025: dict[str, float] = {
    "oc2_health_assessment_pct": 90.0,
    "oc2_teeth_check_pct": 81.0,
    "development_assessment_pct": 88.0,
}

SHEETS = ("Summary", "Overdue", "Due soon", "Not known to health", "Disagreements",
          "Data quality")

DATE_FORMAT = "dd/mm/yyyy"
MAX_DATA_ROWS = 1_048_575  # Excel's row limit less the header row
MAX_TEXT = 32_767  # Excel's cell text limit
FORMULA_PREFIXES = frozenset("=+-@#")
# XML 1.0 forbids C0 controls other than tab, LF, CR, and U+FFFE/U+FFFF.
ILLEGAL_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"  # polars (Rust) regex
ILLEGAL_XML_PY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

RED = "FFC7CE"  # light red: overdue, errors
AMBER = "FFEB9C"  # amber: due soon, warnings
HEADER_FILL = "D9E1F2"

# measure -> (plain-English label, what it counts)
MEASURES: dict[str, tuple[str, str]] = {
    "notification_on_time_pct": (
        "Health notified on time (%)",
        "Children who came into care in the period whose health team was notified within the "
        "target working days, of those notified or overdue.",
    ),
    "iha_on_time_pct": (
        "Initial health assessments on time (%)",
        "IHAs done by the due date, of those done or overdue, for children who came into care "
        "in the period.",
    ),
    "rha_in_date_pct": (
        "Review health assessments in date (%)",
        "Children in care whose review health assessment is in date or due soon, of those who "
        "need one (declined excluded).",
    ),
    "oc2_health_assessment_pct": (
        "OC2: health assessment in last 12 months (%)",
        "Children looked after for 12 months or more with an IHA or RHA in the 12 months to "
        "the as-of date.",
    ),
    "oc2_teeth_check_pct": (
        "OC2: dental check in last 12 months (%)",
        "Children looked after for 12 months or more with a dental check in the 12 months to "
        "the as-of date.",
    ),
    "oc2_immunisations_pct": (
        "OC2: immunisations up to date (%)",
        "Children looked after for 12 months or more whose immunisations are up to date.",
    ),
    "development_assessment_pct": (
        "OC2: development assessment, under 5s (%)",
        "Children under 5 looked after for 12 months or more with an up-to-date development "
        "assessment. Not yet measured locally.",
    ),
    "notification_mean_wd": (
        "Health notified: mean working days",
        "Mean working days from the clock start to the health team's notification, for "
        "children who came into care in the period and were notified.",
    ),
}

CHECK_LABEL = {"iha": "IHA", "rha": "RHA", "dental": "Dental"}


# --------------------------------------------------------------------------------------------
# Frames in


def _conform(df: pl.DataFrame, schema: dict[str, Any], name: str) -> pl.DataFrame:
    """Select `schema`'s columns with its dtypes; text cleaned of XML-illegal characters.

    A missing column is a programming error and says so; a column of the wrong type is cast
    (dates given as ISO text, datetimes, integers given as floats).
    """
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise ValueError(f"write_workbook: {name} frame lacks column(s) {', '.join(missing)}")
    exprs = []
    for col, dtype in schema.items():
        have = df.schema[col]
        e = pl.col(col)
        if dtype == pl.Date and have != pl.Date:
            if have == pl.String:
                e = e.str.to_date("%Y-%m-%d", strict=False)
            elif have == pl.Null:
                e = e.cast(pl.Date)
            else:
                e = e.cast(pl.Date, strict=False)
        elif dtype == pl.String and have != pl.String:
            e = e.cast(pl.String)
        elif have != dtype:
            e = e.cast(dtype, strict=False)
        exprs.append(e.alias(col))
    return df.select(exprs)


# --------------------------------------------------------------------------------------------
# Cells out


class _Styles:
    """Style templates (openpyxl StyleArrays) built once and copied onto cells: far cheaper
    than setting font/fill/number_format on each of 100,000 cells."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._cache: dict[tuple[Any, ...], Any] = {}

    def get(self, *, fmt: str | None = None, fill: str | None = None, bold: bool = False,
            size: float | None = None, text: bool = False, wrap: bool = False,
            italic: bool = False, link: bool = False, right: bool = False,
            top: bool = False, center: bool = False) -> Any:
        key = (fmt, fill, bold, size, text, wrap, italic, link, right, top, center)
        if key not in self._cache:
            c = WriteOnlyCell(self._ws)
            if fmt:
                c.number_format = fmt
            if fill:
                c.fill = PatternFill("solid", start_color=fill, end_color=fill)
            if bold or size or italic or link:
                c.font = Font(name="Calibri", bold=bold, size=size or 11, italic=italic,
                              color="0563C1" if link else None,
                              underline="single" if link else None)
            if wrap or right or top or center:
                c.alignment = Alignment(wrap_text=wrap or None, indent=1 if wrap else 0,
                                        vertical="top" if wrap or top else None,
                                        horizontal="right" if right else
                                        "center" if center else None)
            if text:
                c.quotePrefix = True
            self._cache[key] = c._style
        return self._cache[key]


def _cell(ws: Any, value: Any, style: Any = None) -> WriteOnlyCell:
    """A cell holding `value`; text is always text (never a formula or an error literal)."""
    if isinstance(value, str):
        value = _clean(value)
    c = WriteOnlyCell(ws, value)
    if style is not None:
        c._style = copy(style)
    if isinstance(value, str):
        c.data_type = "s"
    return c


@dataclass(frozen=True)
class Col:
    name: str  # column of the frame
    header: str
    kind: str = "text"  # text, nhs, date, bool, int, severity
    width: float | None = None  # None: from the data
    fill: str | None = None
    max_width: float = 50


def _widths(df: pl.DataFrame, cols: Sequence[Col]) -> list[float]:
    fixed = {"date": 12.0, "nhs": 14.0, "bool": 9.0, "int": 10.0}
    out = []
    text_cols = [c.name for c in cols if c.width is None and c.kind in ("text", "severity")]
    longest: dict[str, int] = {}
    if text_cols and df.height:
        lens = df.select(pl.col(c).str.len_chars().max() for c in text_cols).row(0)
        longest = {c: int(n or 0) for c, n in zip(text_cols, lens, strict=True)}
    for c in cols:
        if c.width is not None:
            w = c.width
        elif c.kind in fixed:
            w = fixed[c.kind]
        else:
            w = min(float(longest.get(c.name, 0)) + 2, c.max_width)
        out.append(max(w, len(c.header) + 3.0))
    return out


# Data rows are not built cell by cell in Python: openpyxl's serialiser costs ~15-20 µs a cell
# on a small laptop, so 100,000 flags x 11 columns would take half a minute. Instead polars
# renders each row's SpreadsheetML in one vectorised pass and the rows are spliced into the
# <sheetData> that openpyxl wrote (header row only) for that sheet. Text is always an inline
# string (t="inlineStr"): SpreadsheetML has no way to read an inline string as a formula.
EPOCH = date(1899, 12, 30)  # Excel's 1900 date system serial 0 (valid from 1 March 1900)
CHUNK_ROWS = 5_000


def _text_fixes(name: str) -> list[tuple[pl.Expr, pl.Expr]]:
    """(needed, fix) pairs, in order, that make the text in column `name` safe inside <t>:
    XML-illegal characters replaced, cut to Excel's limit, escaped. Each fix reads the plain
    column left by the one before and runs only on a chunk where `needed` holds for some row
    (most chunks need none: a fix computed on every cell was most of the rendering time)."""
    t = pl.col(name)
    return [
        (t.str.contains(ILLEGAL_XML), t.str.replace_all(ILLEGAL_XML, "\ufffd").alias(name)),
        (t.str.len_bytes() > MAX_TEXT,
         pl.when(t.str.len_chars() > MAX_TEXT).then(t.str.slice(0, MAX_TEXT)).otherwise(t)
         .alias(name)),
        (t.str.contains("[&<>]"),
         t.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
         .str.replace_all(">", "&gt;", literal=True).alias(name)),
    ]


def _clean(value: str) -> str:
    """The same for the few texts the Summary writes through openpyxl."""
    return ILLEGAL_XML_PY.sub("\ufffd", value)[:MAX_TEXT]


def _style_attr(style_id: int) -> str:
    return f' s="{style_id}"' if style_id else ""


@dataclass
class _Sheet:
    """A data sheet whose rows are spliced in after openpyxl has saved the workbook."""

    ws: Any
    frame: pl.DataFrame
    stages: list[list[pl.Expr]]  # passes (with_columns) preparing the cells' text
    fixes: list[list[tuple[pl.Expr, pl.Expr]]]  # then passes of (needed, fix), as needed
    cells: list[pl.Expr]  # then each column's <c> element (null: no cell)


def _cell_expr(col: Col, i: int, sid: Callable[..., int]
               ) -> tuple[list[list[pl.Expr]], list[tuple[pl.Expr, pl.Expr]], pl.Expr]:
    """The preparation passes, the (needed, fix) passes and the `<c>` element of the `i`th
    column (1-based)."""
    ref = pl.concat_str(pl.lit(f'<c r="{get_column_letter(i)}'), pl.col("_r"))
    v = pl.col(col.name)
    if col.kind == "date":
        serial = (v - pl.lit(EPOCH)).dt.total_days().cast(pl.String)
        attrs = _style_attr(sid(fmt=DATE_FORMAT, fill=col.fill, center=True))
        return [], [], pl.concat_str(ref, pl.lit(f'"{attrs}><v>'), serial, pl.lit("</v></c>"))
    if col.kind == "int":
        attrs = _style_attr(sid(fill=col.fill, center=True))
        return [], [], pl.concat_str(ref, pl.lit(f'"{attrs}><v>'), v.cast(pl.String),
                                     pl.lit("</v></c>"))
    text: pl.Expr
    if col.kind == "bool":
        text = pl.when(v).then(pl.lit("Yes")).when(v.not_()).then(pl.lit("No"))
    elif col.kind == "nhs":
        text = pl.when(v.str.contains(r"^\d{10}$")).then(pl.concat_str(
            v.str.slice(0, 3), pl.lit(" "), v.str.slice(3, 3), pl.lit(" "), v.str.slice(6))
        ).otherwise(v)
    else:
        text = v
    name = f"_t{i}"
    t = pl.col(name)
    # Checked on the text before escaping: escaping never touches these characters.
    guarded = pl.any_horizontal(*(t.str.starts_with(c) for c in sorted(FORMULA_PREFIXES)))
    if col.kind == "severity":
        fills: list[tuple[str | None, str | None]] = [("error", RED), ("warning", AMBER)]
        plain_s: pl.Expr = pl.lit(_style_attr(sid()))
        guard_s: pl.Expr = pl.lit(_style_attr(sid(text=True)))
        for sev, fill in fills:
            plain_s = (pl.when(v == sev).then(pl.lit(_style_attr(sid(fill=fill))))
                       .otherwise(plain_s))
            guard_s = (pl.when(v == sev).then(pl.lit(_style_attr(sid(fill=fill, text=True))))
                       .otherwise(guard_s))
    else:
        plain_s = pl.lit(_style_attr(sid(fill=col.fill)) if col.fill else "")
        guard_s = pl.lit(_style_attr(sid(fill=col.fill, text=True)))
    stages = [
        pl.when(text != "").then(text).otherwise(None).alias(name),  # empty text: no cell
        pl.when(guarded).then(guard_s).otherwise(plain_s).alias(f"_s{i}"),
        # xml:space="preserve" only where there is white space at either end to keep (as
        # openpyxl does): on every cell it was a third of the sheets' XML.
        pl.when(t.str.strip_chars() != t).then(pl.lit(' xml:space="preserve"'))
        .otherwise(pl.lit("")).alias(f"_p{i}"),
    ]
    cell = pl.concat_str(ref, pl.lit('" t="inlineStr"'), pl.col(f"_s{i}"), pl.lit("><is><t"),
                         pl.col(f"_p{i}"), pl.lit(">"), t, pl.lit("</t></is></c>"))
    return [stages[:1], stages[1:]], _text_fixes(name), cell


def _data_sheet(wb: Workbook, title: str, df: pl.DataFrame, cols: Sequence[Col],
                note: str | None = None) -> _Sheet:
    """One filterable table: bold header row (frozen), autofilter over the data, column widths
    and print setup, written by openpyxl; the data rows come later (`_splice`). `note` goes
    to the right of the header."""
    ws = wb.create_sheet(title)
    st = _Styles(ws)
    ws.freeze_panes = "A2"
    for i, w in enumerate(_widths(df, cols), 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"

    head = st.get(bold=True, fill=HEADER_FILL)
    header = [_cell(ws, c.header, head) for c in cols]
    if note:
        header.append(_cell(ws, note, st.get(italic=True)))
    ws.append(header)

    frame = df.select(c.name for c in cols).head(MAX_DATA_ROWS)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{frame.height + 1}"

    def sid(**kw: Any) -> int:
        c = WriteOnlyCell(ws)
        c._style = copy(st.get(**kw))
        return int(c.style_id)  # registers the style with the workbook

    stages: list[list[pl.Expr]] = [[pl.col("_rn").cast(pl.String).alias("_r")]]
    fixes: list[list[tuple[pl.Expr, pl.Expr]]] = []
    cells = []

    def add(passes: list[list[Any]], items: Sequence[list[Any]], first: int) -> None:
        """items[k] joins pass first + k."""
        for n, item in enumerate(items, first):
            while len(passes) <= n:
                passes.append([])
            passes[n].extend(item)

    for i, c in enumerate(cols, 1):
        prep, fix, cell = _cell_expr(c, i, sid)
        add(stages, prep, 1)
        add(fixes, [[f] for f in fix], 0)
        cells.append(cell)
    return _Sheet(ws, frame, stages, fixes, cells)


def _rows_xml(sheet: _Sheet) -> Iterable[bytes]:
    """The sheet's <row> elements, a chunk of rows at a time, as UTF-8."""
    row = pl.concat_str(pl.lit('<row r="'), pl.col("_r"), pl.lit('">'),
                        *sheet.cells, pl.lit("</row>"), ignore_nulls=True)
    for start in range(0, sheet.frame.height, CHUNK_ROWS):
        chunk = sheet.frame.slice(start, CHUNK_ROWS).with_row_index("_rn", offset=start + 2)
        for stage in sheet.stages:
            if stage:
                chunk = chunk.with_columns(stage)
        for fixes in sheet.fixes:
            needed = chunk.select(need.any().alias(str(k))
                                  for k, (need, _) in enumerate(fixes)).row(0)
            todo = [fix for (_, fix), yes in zip(fixes, needed, strict=True) if yes]
            if todo:
                chunk = chunk.with_columns(todo)
        # polars writes the one column's values back to back, as they are (no quoting).
        buf = io.BytesIO()
        chunk.select(row.alias("xml")).write_csv(buf, include_header=False,
                                                  quote_style="never", line_terminator="")
        yield buf.getvalue()


def _ahead(chunks: Iterable[bytes]) -> Generator[bytes, None, None]:
    """`chunks`, each made on a second thread while the caller compresses the one before (polars
    and zlib both release the GIL, so the two overlap). An error in `chunks` is raised here."""
    it = iter(chunks)
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(next, it, None)
        while (data := ahead.result()) is not None:
            ahead = pool.submit(next, it, None)
            yield data


def _splice(raw: bytes, path: Path, sheets: Sequence[_Sheet]) -> None:
    """Copy the openpyxl package `raw` to `path`, filling each data sheet's rows in.

    The rows of all the sheets, in the package's order, are one stream of chunks made ahead
    (`_ahead`); an empty chunk ends a sheet."""
    by_member = {s.ws.path.lstrip("/"): s for s in sheets}
    with zipfile.ZipFile(io.BytesIO(raw)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        order = [by_member[i.filename] for i in src.infolist() if i.filename in by_member]
        rows = _ahead(chain.from_iterable(chain(_rows_xml(sheet), [b""]) for sheet in order))
        with closing(rows):  # on an error here, the rendering thread stops at once
            for info in src.infolist():
                data = src.read(info.filename)
                sheet = by_member.pop(info.filename, None)
                if sheet is None:
                    out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                    continue
                xml = data.decode("utf-8")
                cut = xml.find("</sheetData>")
                views = xml.find("<sheetViews")
                if cut < 0 or views < 0:
                    raise RuntimeError(f"workbook: no <sheetData> in {info.filename}")
                # write-only sheets have no <dimension>; readers use it to size the sheet.
                xml = f'{xml[:views]}<dimension ref="{sheet.ws.auto_filter.ref}"/>{xml[views:]}'
                cut = xml.find("</sheetData>")
                # Opened by name: the member takes the archive's compression and level.
                with out.open(info.filename, "w", force_zip64=True) as f:
                    f.write(xml[:cut].encode("utf-8"))
                    for chunk in iter(rows.__next__, b""):  # this sheet's rows
                        f.write(chunk)
                    f.write(xml[cut:].encode("utf-8"))
    if by_member:
        raise RuntimeError(f"workbook: sheets not found in the package: {sorted(by_member)}")


# --------------------------------------------------------------------------------------------
# Sheet contents


def _overdue(children: pl.DataFrame, as_of: date) -> pl.DataFrame:
    parts = []
    for kind, last in (("iha", "last_assessment"), ("rha", "last_assessment"),
                       ("dental", "dental_last")):
        parts.append(
            children.filter(pl.col("in_care").fill_null(False)
                            & (pl.col(f"{kind}_status") == "overdue"))
            .select(
                "child_id", "nhs_number",
                pl.lit(CHECK_LABEL[kind]).alias("check"),
                pl.col(f"{kind}_due").alias("due"),
                (pl.lit(as_of) - pl.col(f"{kind}_due")).dt.total_days().alias("days"),
                "clock_start",
                pl.col(last).alias("last"),
                (pl.col("match_status") == "matched").alias("known"),
            )
        )
    return (pl.concat(parts).sort(["days", "child_id", "check"], descending=[True, False, False],
                                  nulls_last=True))


def _due_soon(children: pl.DataFrame, as_of: date, horizon_days: int) -> pl.DataFrame:
    until = as_of + timedelta(days=horizon_days)
    parts = []
    for kind, last, want in (("iha", "last_assessment", "due"),
                             ("rha", "last_assessment", "due_soon"),
                             ("dental", "dental_last", "due_soon")):
        cond = pl.col("in_care").fill_null(False) & (pl.col(f"{kind}_status") == want)
        if kind == "iha":
            cond = cond & pl.col("iha_due").is_between(as_of, until)
        parts.append(
            children.filter(cond).select(
                "child_id", "nhs_number",
                pl.lit(CHECK_LABEL[kind]).alias("check"),
                pl.col(f"{kind}_due").alias("due"),
                (pl.col(f"{kind}_due") - pl.lit(as_of)).dt.total_days().alias("days"),
                "clock_start",
                pl.col(last).alias("last"),
                (pl.col("match_status") == "matched").alias("known"),
            )
        )
    return pl.concat(parts).sort(["due", "child_id", "check"], nulls_last=True)


def _not_known(children: pl.DataFrame, as_of: date) -> pl.DataFrame:
    case_only = (pl.col("match_status") == "case_only") & pl.col("in_care").fill_null(False)
    missing = pl.col("notification_status") == "missing"
    reason = pl.concat_str(
        pl.when(case_only).then(pl.lit("No record in the health extract")),
        pl.when(missing).then(pl.lit("Health team not notified (past the target day)")),
        separator="; ", ignore_nulls=True,
    )
    return (
        children.filter(case_only.fill_null(False) | missing.fill_null(False))
        .select(
            "child_id", "nhs_number", reason.alias("reason"), "in_care", "period_start",
            "clock_start",
            (pl.lit(as_of) - pl.col("clock_start")).dt.total_days().alias("days"),
            "notification_status", (pl.col("match_status") == "matched").alias("known"),
            "iha_status",
        )
        .sort(["clock_start", "child_id"], nulls_last=True)
    )


def _disagreements(dis: pl.DataFrame) -> pl.DataFrame:
    return dis.with_columns(
        pl.col("event_type").replace_strict(CHECK_LABEL, default=pl.col("event_type"))
        .alias("check"),
        (pl.col("health_date") - pl.col("case_date")).dt.total_days().alias("days"),
    ).sort(["child_id", "event_type", "health_date", "case_date"], nulls_last=True)


def _flags(flags: pl.DataFrame) -> pl.DataFrame:
    return flags.with_columns(
        pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
        .alias("_order")
    ).sort("_order", maintain_order=True)


# --------------------------------------------------------------------------------------------
# Summary


def _fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "?"


def _summary(wb: Workbook, *, as_of: date, counts: list[tuple[str, int, str | None, str | None]],
             kpis: pl.DataFrame, england: dict[str, float], horizon_days: int) -> None:
    ws = wb.create_sheet(SHEETS[0])
    st = _Styles(ws)
    widths = [46, 14, 14, 14, 14, 14, 14, 70]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    bold = st.get(bold=True)
    head = st.get(bold=True, fill=HEADER_FILL)
    row = 0

    def put(values: Iterable[Any]) -> None:
        nonlocal row
        ws.append(list(values))
        row += 1

    put([_cell(ws, "Looked-after children: statutory health checks", st.get(bold=True, size=14))])
    put([_cell(ws, "As of", bold), _cell(ws, as_of, st.get(fmt=DATE_FORMAT))])
    put([])
    put([_cell(ws, "Children and checks", head), _cell(ws, "Number", head),
         _cell(ws, "See sheet", head)])
    for label, n, fill, sheet in counts:
        cells: list[Any] = [_cell(ws, label), _cell(ws, n, st.get(fill=fill) if fill else None)]
        if sheet:
            link = _cell(ws, sheet, st.get(link=True))
            link.hyperlink = Hyperlink(ref="", location=f"'{sheet}'!A1", display=sheet)
            cells.append(link)
        put(cells)
    put([])

    # KPI table: health and case side by side, England where known.
    by: dict[tuple[str, str], dict[str, Any]] = {}
    order: list[str] = []
    period: tuple[date | None, date | None] = (None, None)
    for rec in kpis.iter_rows(named=True):
        m = rec["measure"] or ""
        if m not in order:
            order.append(m)
        by[(m, rec["source"] or "")] = rec
        if period == (None, None):
            period = (rec["period_start"], rec["period_end"])
    for m in england:
        if m not in order:
            order.append(m)
    known = list(MEASURES)
    order.sort(key=lambda m: (not m.endswith("_pct"),
                              known.index(m) if m in known else len(known)))
    pct = [m for m in order if m.endswith("_pct")]

    put([_cell(ws, "Figures", st.get(bold=True, size=12)),
         _cell(ws, f"Period {_fmt_date(period[0])} to {_fmt_date(period[1])}; percentages "
                   "unless stated; difference = health − case, in percentage points.",
               st.get(italic=True))])
    kpi_header = row + 1
    put(_cell(ws, h, head) for h in (
        "Measure", "Health extract", "Case system", "Difference",
        "England 2025", "Health count", "Case count", "What it counts"))
    one = st.get(fmt="0.0", top=True)
    diff = st.get(fmt="+0.0;-0.0;0.0", top=True)
    right = st.get(right=True, top=True)
    wrap = st.get(wrap=True)
    top = st.get(top=True)

    def count(rec: dict[str, Any] | None) -> str | None:
        if rec is None or rec["denominator"] is None:
            return None
        if not str(rec["measure"]).endswith("_pct"):  # a mean: say over how many
            return f"n = {rec['denominator']}"
        return f"{rec['numerator'] if rec['numerator'] is not None else 0} of {rec['denominator']}"

    for m in order:
        label, what = MEASURES.get(m, (m, ""))
        h, c = by.get((m, "health")), by.get((m, "case"))
        if what:  # wrapped text: Excel and LibreOffice do not size the row themselves
            lines = -(-len(what) // int(widths[7] * 1.05))
            ws.row_dimensions[row + 1].height = 15 * max(lines, 1)
        hv = h["value"] if h else None
        cv = c["value"] if c else None
        put([
            _cell(ws, label, top),
            _cell(ws, hv, one) if hv is not None else None,
            _cell(ws, cv, one) if cv is not None else None,
            _cell(ws, round(hv - cv, 1), diff) if hv is not None and cv is not None else None,
            _cell(ws, england[m], one) if m in england else None,
            _cell(ws, count(h), right) if count(h) else None,
            _cell(ws, count(c), right) if count(c) else None,
            _cell(ws, what, wrap) if what else None,
        ])
    kpi_last = row
    ws.auto_filter.ref = f"A{kpi_header}:H{kpi_last}"
    put([])
    put([_cell(ws, "Overdue: due date before the as-of date. Due soon: due within "
                   f"{horizon_days} days. Red = overdue, amber = due soon.",
               st.get(italic=True))])

    if pct:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = "Health checks (%): health, case system, England 2025"
        chart.y_axis.title = "%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        chart.y_axis.majorUnit = 20
        chart.y_axis.number_format = "0"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend.position = "b"
        last = kpi_header + len(pct)
        for col, colour in ((2, "1F4E79"), (3, "2E9C9C"), (5, "A6A6A6")):
            chart.add_data(Reference(ws, min_col=col, min_row=kpi_header, max_row=last),
                           titles_from_data=True)
            s = chart.series[-1]
            s.graphicalProperties.solidFill = colour
            s.graphicalProperties.line.solidFill = colour
        chart.set_categories(Reference(ws, min_col=1, min_row=kpi_header + 1, max_row=last))
        chart.width = 26
        chart.height = 10
        ws.add_chart(chart, f"A{row + 2}")


# --------------------------------------------------------------------------------------------
# Public


def write_workbook(path: Path, *, children: pl.DataFrame, flags: pl.DataFrame,
                   kpis: pl.DataFrame, disagreements: pl.DataFrame, as_of: date,
                   horizon_days: int = 28, england: dict[str, float] | None = None) -> None:
    """Write the named nurse's workbook to `path` (SPEC §4 `worklist.xlsx`)."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    england = dict(ENGLAND_2025 if england is None else england)
    children = _conform(children, CHILDREN_SCHEMA, "children")
    flags = _conform(flags, FLAG_SCHEMA, "flags")
    kpis = _conform(kpis, KPI_SCHEMA, "kpis")
    disagreements = _conform(disagreements, DISAGREEMENT_SCHEMA, "disagreements")

    overdue = _overdue(children, as_of)
    due_soon = _due_soon(children, as_of, horizon_days)
    not_known = _not_known(children, as_of)
    dis = _disagreements(disagreements)
    # Each disagreement is on its own sheet, with both dates: not a second time here.
    dq = _flags(flags.filter(~pl.col("rule").is_in(DISAGREEMENT_CODES)))

    in_care = children.filter(pl.col("in_care").fill_null(False))
    sev = dict(dq.group_by("severity").len().iter_rows())
    n_over = dict(overdue.group_by("check").len().iter_rows())
    n_due = dict(due_soon.group_by("check").len().iter_rows())
    counts: list[tuple[str, int, str | None, str | None]] = [
        ("Children in care", in_care.height, None, None),
        ("  of whom in care 12 months or more (OC2 cohort)",
         int(in_care["oc2_cohort"].fill_null(False).sum()), None, None),
        ("Initial health assessments overdue", n_over.get("IHA", 0), RED, "Overdue"),
        ("Review health assessments overdue", n_over.get("RHA", 0), RED, "Overdue"),
        ("Dental checks overdue", n_over.get("Dental", 0), RED, "Overdue"),
        (f"IHAs due in the next {horizon_days} days", n_due.get("IHA", 0), AMBER, "Due soon"),
        (f"RHAs due in the next {horizon_days} days", n_due.get("RHA", 0), AMBER, "Due soon"),
        (f"Dental checks due in the next {horizon_days} days", n_due.get("Dental", 0), AMBER,
         "Due soon"),
        ("Not known to health", not_known.height, None, "Not known to health"),
        ("Where health and case records disagree", dis.height, None, "Disagreements"),
        ("Data-quality flags: errors", sev.get("error", 0), None, "Data quality"),
        ("Data-quality flags: warnings", sev.get("warning", 0), None, "Data quality"),
        ("Data-quality flags: for information", sev.get("info", 0), None, "Data quality"),
    ]

    wb = Workbook(write_only=True)
    _summary(wb, as_of=as_of, counts=counts, kpis=kpis, england=england,
             horizon_days=horizon_days)

    sheets: list[_Sheet] = []
    child = [Col("child_id", "Child ID"), Col("nhs_number", "NHS number", "nhs")]
    sheets.append(_data_sheet(wb, "Overdue", overdue, [
        *child,
        Col("check", "Check", fill=RED, width=9),
        Col("due", "Due", "date"),
        Col("days", "Days overdue", "int", fill=RED),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
    ]))
    sheets.append(_data_sheet(wb, "Due soon", due_soon, [
        *child,
        Col("check", "Check", fill=AMBER, width=9),
        Col("due", "Due", "date", fill=AMBER),
        Col("days", "Days left", "int"),
        Col("clock_start", "Clock start", "date"),
        Col("last", "Last done", "date"),
        Col("known", "Known to health", "bool"),
    ]))
    sheets.append(_data_sheet(wb, "Not known to health", not_known, [
        *child,
        Col("reason", "Why", max_width=70),
        Col("in_care", "In care", "bool"),
        Col("period_start", "Period start", "date"),
        Col("clock_start", "Clock start", "date"),
        Col("days", "Days since clock start", "int"),
        Col("notification_status", "Notification"),
        Col("known", "Known to health", "bool"),
        Col("iha_status", "IHA status"),
    ]))
    sheets.append(_data_sheet(wb, "Disagreements", dis, [
        *child,
        Col("check", "Check", width=9),
        Col("health_date", "Health date", "date"),
        Col("case_date", "Case date", "date"),
        Col("days", "Health − case (days)", "int"),
        Col("rule", "Rule"),
        Col("message", "Message", max_width=90),
    ]))
    note = None
    if dq.height > MAX_DATA_ROWS:
        note = (f"Showing {MAX_DATA_ROWS:,} of {dq.height:,} flags (Excel's limit); "
                "flags.csv has them all.")
    sheets.append(_data_sheet(wb, "Data quality", dq, [
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
    ], note=note))
    buf = io.BytesIO()
    wb.save(buf)
    _splice(buf.getvalue(), path, sheets)
