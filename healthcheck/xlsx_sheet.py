"""One table on a worksheet of `worklist.xlsx`, with xlsxwriter: the cells of a polars frame,
the look of each column, and the text rules that keep every cell text or a number.

No cell ever becomes a formula: every text is written with `write_string` (a string cell,
whatever it starts with; the workbook is also opened with `strings_to_formulas`,
`strings_to_urls` and `strings_to_numbers` off), and text starting `=`, `+`, `-`, `@`, `#`, a
tab or a carriage return also gets Excel's quote prefix, so it stays text when someone edits
the cell. Characters XML forbids (control characters) become U+FFFD; text is cut at Excel's
32,767-character limit; a table is cut at Excel's row limit.

Speed: polars puts each column in its final form once (text, or a number: dates as Excel
serial days shown through a date format) and decides each column's look; a column is then
written in runs of cells that look alike, one Format per run and no Format at all for the
default look (no style written per cell), with `write_string` / `write_number`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

DATE_FORMAT = "dd/mm/yyyy"
PCT_FORMAT = "0.0"
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
# A status code in words: `due_soon` -> "Due soon"; these keep their capitals.
WORDS = {"iha": "IHA", "rha": "RHA", "la": "LA"}
NUMBER_KINDS = {"date": DATE_FORMAT, "int": None, "pct": PCT_FORMAT}


def safe_text(e: pl.Expr) -> pl.Expr:
    """Text as a cell may hold it: XML-illegal characters replaced, cut to Excel's limit."""
    return e.str.replace_all(ILLEGAL_XML, "\ufffd").str.slice(0, MAX_TEXT)


def words(e: pl.Expr) -> pl.Expr:
    """A status or check code as a nurse reads it: `not_required` -> "Not required"."""
    spaced = e.str.replace_all("_", " ")
    sentence = pl.concat_str(spaced.str.slice(0, 1).str.to_uppercase(), spaced.str.slice(1))
    return e.replace_strict(WORDS, default=sentence, return_dtype=pl.String)


class Formats:
    """xlsxwriter formats, made once per set of properties; None for the default look."""

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


def put(ws: Worksheet, fmt: Formats, row: int, col: int, value: Any, **props: Any) -> None:
    """One cell of a hand-laid sheet (the Summary): text always a string cell (quote-prefixed
    where it could be read as a formula), a date as a date, a number as a number; None leaves
    the cell empty."""
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


@dataclass(frozen=True)
class Col:
    name: str  # column of the frame
    header: str
    kind: str = "text"  # text, code (in words), nhs, bool; numbers: date, int, pct
    width: float | None = None  # None: from the data
    fill: str | None = None
    max_width: float = 50
    red_when: str | None = None  # a boolean column of the frame: red fill where it is true
    tones: dict[str, str] | None = None  # a cell's value (as shown) -> its fill


def _cells(df: pl.DataFrame, cols: Sequence[Col]) -> pl.DataFrame:
    """Each column in the form its cells take: text (NHS numbers grouped `943 476 5919`,
    booleans Yes/No, codes in words, made safe; empty text null) or a number (dates as Excel
    serial days); and the `red_when` columns, as they are."""
    exprs = []
    for c in cols:
        v = pl.col(c.name)
        if c.kind == "date":
            e = (v - pl.lit(EPOCH)).dt.total_days()
        elif c.kind in NUMBER_KINDS:
            e = v
        elif c.kind == "bool":
            e = pl.when(v).then(pl.lit("Yes")).when(v.not_()).then(pl.lit("No"))
        elif c.kind == "nhs":
            e = safe_text(v.str.replace(r"^(\d{3})(\d{3})(\d{4})$", "$1 $2 $3"))
        elif c.kind == "code":
            e = safe_text(words(v))
        else:
            e = safe_text(v)
        if c.kind not in NUMBER_KINDS:
            e = pl.when(e != "").then(e)  # empty text: no cell
        exprs.append(e.alias(c.name))
    red = {c.red_when for c in cols if c.red_when}
    return df.select(*exprs, *(pl.col(r).fill_null(False) for r in red))


def _widths(df: pl.DataFrame, cols: Sequence[Col], wrap: bool = False) -> list[float]:
    fixed = {"date": 12.0, "nhs": 14.0, "bool": 9.0, "int": 10.0, "pct": 10.0}
    text = [c.name for c in cols if c.width is None and c.kind not in fixed]
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
        out.append(w if wrap else max(w, len(c.header) + 3.0))
    return out


def _styled(frame: pl.DataFrame, c: Col) -> dict[tuple[Any, ...], tuple[list[int], list[Any]]]:
    """The column's cells grouped by their look: (fill, quote prefix, empty) -> (sheet rows,
    values). Empty cells are left out, but for an empty red one (a missing stage)."""
    v = pl.col(c.name)
    fill = pl.lit(c.fill, pl.String)
    if c.tones:
        fill = v.replace_strict(c.tones, default=fill, return_dtype=pl.String)
    if c.red_when:
        fill = pl.when(pl.col(c.red_when)).then(pl.lit(RED)).otherwise(fill)
    text = c.kind not in NUMBER_KINDS
    quote = v.str.contains(FORMULA_START).fill_null(False) if text else pl.lit(False)
    cells = (frame.select(pl.int_range(1, pl.len() + 1).alias("r"), v.alias("v"),
                          fill.alias("fill"), quote.alias("quote"), v.is_null().alias("empty"))
             .filter(~pl.col("empty") | (pl.col("fill") == RED).fill_null(False)))
    if cells.height == 0:
        return {}
    return {k: (p["r"].to_list(), p["v"].to_list()) for k, p in
            cells.partition_by("fill", "quote", "empty", as_dict=True,
                               include_key=False).items()}


def data_sheet(wb: Workbook, fmt: Formats, title: str, df: pl.DataFrame,
               cols: Sequence[Col], note: str | None = None, wrap: bool = False) -> Worksheet:
    """One filterable table: bold header row (frozen), autofilter over the data, column widths,
    printed landscape one page wide with the header row on each page. `note` goes to the
    right of the header, and on the printed page's header (the table alone is printed).
    `wrap`: the headers wrap within the columns' widths (many narrow columns)."""
    ws = wb.add_worksheet(title)
    frame = _cells(df.head(MAX_DATA_ROWS), cols)
    widths = _widths(frame, cols, wrap)
    head = fmt(bold=True, bg_color=HEADER_FILL, text_wrap=wrap, valign="top" if wrap else None)
    for i, (c, w) in enumerate(zip(cols, widths, strict=True)):
        ws.set_column(i, i, w)
        ws.write_string(0, i, c.header, head)
    if wrap:  # Excel and LibreOffice do not size a wrapped row themselves
        lines = max(-(-len(c.header) // int(w - 1)) for c, w in zip(cols, widths, strict=True))
        ws.set_row(0, 15 * lines)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, frame.height, len(cols) - 1)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    if note:
        ws.write_string(0, len(cols), note, fmt(italic=True))
        ws.print_area(0, 0, frame.height, len(cols) - 1)
        ws.set_header("&L&I" + note.replace("&", "&&"))

    text = [c.name for c in cols if c.kind not in NUMBER_KINDS]
    quoted = set()  # the text columns with a cell that could be read as a formula
    if text and frame.height:
        found = frame.select(pl.col(text).str.contains(FORMULA_START).any()).row(0)
        quoted = {n for n, q in zip(text, found, strict=True) if q}
    for i, c in enumerate(cols):
        number = c.kind in NUMBER_KINDS
        # dates centred; other numbers right-aligned, as Excel shows them with no Format
        look = {"num_format": NUMBER_KINDS.get(c.kind),
                "align": "center" if c.kind == "date" else None}
        write = ws.write_number if number else ws.write_string  # text: always a string cell
        if not c.tones and not c.red_when and c.name not in quoted:
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
    return ws
