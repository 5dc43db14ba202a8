"""Read an extract (an .xlsx workbook or a folder of .csv files) into text frames.

Every cell is read as text, so that typing happens once, in `ingest`. Table and column names
match ignoring case, spaces, underscores, hyphens and dots (docs/rules.md §1.3); a mapping
file may rename anything else onto the canonical names. What cannot be read stops the run
(docs/rules.md §1.6).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from healthcheck.columns import Unrecognised, choose_columns, closest, header_line, missing_hint
from healthcheck.columns import name_key as name_key
from healthcheck.errors import InputError, UsageError, read_toml
from healthcheck.schema import EXTRACTS, REQUIRED_COLUMNS

if TYPE_CHECKING:
    from healthcheck.formats import Adapted

OPTIONAL_TABLES = {"health_events"}  # a case system may export no health events
BOM = b"\xef\xbb\xbf"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE file: an encrypted .xlsx, or an .xls
CSV_HINT = "save the table as CSV (comma-separated) with a header row"


@dataclass
class Mapping:
    """Renames from a mapping file (TOML):

    [tables]            source table/sheet name -> canonical table
    [columns.TABLE]     source column -> canonical column ("*" for any table)
    [codes.COLUMN]      source code -> canonical code (e.g. [codes.event_type] "IHA done" = "iha")
    """

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        if path is None:
            return cls()
        data = read_toml(path, "mapping file")
        unknown = set(data) - {"tables", "columns", "codes"}
        if unknown:
            raise UsageError(f"{path}: unknown section(s) {sorted(unknown)}; "
                             "use [tables], [columns.TABLE] and [codes.COLUMN]")
        return cls(
            tables={name_key(k): v for k, v in data.get("tables", {}).items()},
            columns={t: {name_key(k): v for k, v in m.items()}
                     for t, m in data.get("columns", {}).items()},
            codes={c: {str(k).strip().lower(): v for k, v in m.items()}
                   for c, m in data.get("codes", {}).items()},
        )


@dataclass
class RawTable:
    """A table as text with canonical column names, plus `row` (1-based data row), and the
    source columns that were not read (each with the closest canonical name)."""

    name: str
    file: str
    frame: pl.DataFrame
    unrecognised: list[Unrecognised] = field(default_factory=list)


def file_hash(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()  # into one reused buffer


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def _blank_file(path: Path) -> bool:
    """Nothing but a BOM, white space and separators."""
    return not path.read_bytes().strip(BOM + b" \r\n\t,;")


def _csv_source(path: Path) -> Path | bytes:
    """What polars reads: the file, or its bytes with old Mac line endings (CR alone) made LF.
    UTF-16 text and other separators than commas are refused, saying what was found."""
    head = _head(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            len(head) >= 8 and max(head[0:200:2].count(0), head[1:200:2].count(0))
            > len(head[:200]) // 4):
        raise InputError(f"{path}: the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8",
                         "save it from Excel as 'CSV UTF-8 (Comma delimited)'")
    source: Path | bytes = path
    if b"\r" in head and b"\n" not in head:
        data = path.read_bytes()
        if b"\n" not in data:  # every line ends with CR alone (Mac OS 9 and some exports)
            source = data.replace(b"\r", b"\n")
            head = source[:len(head)]
    first = head.decode("utf-8", errors="replace").splitlines()[:5]
    if first and not any("," in line for line in first):
        for sep, name in ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "bars (|)")):
            if any(sep in line for line in first):
                raise InputError(f"{path}: the cells are separated by {name}, not commas",
                                 "save the table as CSV (Comma delimited)")
    return source


def _polars_csv(source: Path | bytes) -> pl.DataFrame:
    return pl.read_csv(source, infer_schema=False, truncate_ragged_lines=True)


def _read_csv(path: Path) -> pl.DataFrame:
    """Every cell as text. UTF-8 (a BOM is skipped); a file that is not UTF-8 is read as
    Windows-1252, the other encoding Excel saves CSV in. Errors name the file and line, never
    a cell's text."""
    empty = InputError(f"{path}: the file is empty", "export the table again with its header")
    if path.stat().st_size < 4096 and _blank_file(path):
        raise empty
    source = _csv_source(path)
    try:
        try:
            frame = _polars_csv(source)
        except pl.exceptions.ComputeError as e:
            if "utf-8" not in str(e):
                raise
            data = source if isinstance(source, bytes) else path.read_bytes()
            source = data.removeprefix(BOM).decode("cp1252", errors="replace").encode("utf-8")
            frame = _polars_csv(source)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise _unreadable(path, source, str(e)) from None  # polars' text quotes the row
    named = [c for c in frame.columns if c.strip(" \ufeff\t;") and
             not c.startswith("_duplicated_")]
    if not named and _blank_file(path):  # a larger file of empty lines and commas
        raise empty
    if frame.height == 0:  # a header alone is an empty table; more lines read as none is not
        data = source if isinstance(source, bytes) else path.read_bytes()
        lines = [x for x in re.split(rb"\r\n|\r|\n", data) if x.strip(BOM + b" \t,;")]
        if len(lines) > 1:
            raise InputError(f"{path}: {len(lines)} lines, but no row could be read", CSV_HINT)
    return frame


def _unreadable(path: Path, source: Path | bytes, text: str) -> InputError:
    """An InputError naming the file and, where it can be found, the line of the cell polars
    could not read (its error message quotes the cell, so it is not shown)."""
    where = ""
    cell = re.search(r"could not parse `(.*?)` as dtype", text, re.DOTALL)
    if cell:
        data = source if isinstance(source, bytes) else path.read_bytes()
        at = data.find(cell.group(1).encode("utf-8"))
        if at >= 0:
            where = f" at line {lines_before(data, at)}"
    what = "a quote mark is not closed or not doubled" if "escaped" in text else "unreadable"
    return InputError(f"{path}: not a readable CSV file ({what}{where})", CSV_HINT)


def lines_before(data: bytes, at: int) -> int:
    """The 1-based line of byte `at`."""
    return data.count(b"\n", 0, at) + 1


def _read_xlsx_sheets(path: Path) -> dict[str, pl.DataFrame]:
    import fastexcel

    if _head(path, len(OLE)) == OLE:
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise InputError(f"{path}: the workbook is password-protected",
                             "open it in Excel, remove the password (File > Info > Protect "
                             "Workbook) and save it again")
        raise InputError(f"{path}: an old Excel 97-2003 workbook (.xls), not .xlsx",
                         "open it in Excel and save it as an Excel Workbook (.xlsx)")
    try:
        reader = fastexcel.read_excel(str(path))
        return {name: reader.load_sheet(name, dtypes="string").to_polars()
                for name in reader.sheet_names}
    except Exception as e:  # fastexcel raises its own error types for every unreadable file
        raise InputError(f"{path}: not a readable .xlsx workbook ({type(e).__name__})",
                         "save it from Excel as .xlsx, or give a folder of .csv files") from None


Source = tuple[str, str, pl.DataFrame | Path]  # (sheet or file name, file label, frame or csv)


def _sources(path: Path) -> list[Source]:
    if not path.exists():
        raise InputError(f"{path}: not found", "check the path to the extract")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if not files:
            raise InputError(f"{path}: the folder has no .csv files",
                             "give a folder with one .csv per table, or an .xlsx workbook")
        return [(p.name, str(p), p) for p in files]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return [(n, str(path), df) for n, df in _read_xlsx_sheets(path).items()]
    raise InputError(f"{path}: not an .xlsx workbook or a folder of .csv files",
                     "give the extract as an .xlsx workbook or a folder of .csv files")


def read_extract(path: Path, kind: str, mapping: Mapping | None = None
                 ) -> tuple[dict[str, RawTable], Adapted | None]:
    """The tables of one extract as text, canonically named; a case extract in another format
    (a 903 return, the SSD: healthcheck/formats) through its adapter instead, unless a mapping
    file says how to read it."""
    mapping = mapping or Mapping()
    sources = _sources(Path(path))
    if kind == "case" and not (mapping.tables or mapping.columns):
        from healthcheck.formats import adapt, as_sources

        adapted = adapt(as_sources(sources), _read_csv)
        if adapted is not None:
            return {}, adapted
    return read_tables(path, kind, mapping, sources), None


def read_tables(path: Path, kind: str, mapping: Mapping | None = None,
                sources: list[Source] | None = None) -> dict[str, RawTable]:
    """Read the tables of one extract (`kind` = case | health) as text, canonically named.

    Two sheets or files that name the same table (`Episodes` and `Episodes_`, or two mapped
    onto it) are an InputError naming both: neither is chosen silently."""
    mapping = mapping or Mapping()
    spec = EXTRACTS[kind]
    canonical = {name_key(t): t for t in spec}
    claimed: dict[str, list[Source]] = {}
    others: list[str] = []
    for src in sources if sources is not None else _sources(Path(path)):
        name, _, data = src
        key = name_key(Path(name).stem if isinstance(data, Path) else name)
        table = canonical.get(name_key(mapping.tables.get(key, key)))
        if table is None:
            others.append(name)
        else:
            claimed.setdefault(table, []).append(src)
    found: dict[str, RawTable] = {}
    for table, srcs in claimed.items():
        if len(srcs) > 1:
            names = " and ".join(repr(n) for n, _, _ in srcs)
            what = "sheets" if isinstance(srcs[0][2], pl.DataFrame) else "files"
            raise InputError(f"{path}: the {what} {names} are both the '{table}' table",
                             "remove or rename one of them")
        name, label, data = srcs[0]
        frame = _read_csv(data) if isinstance(data, Path) else data
        found[table] = _canonical_table(frame, table, label, mapping,
                                        partial_peek(data, frame))
    for table in spec:
        if table not in found:
            if table in OPTIONAL_TABLES:
                empty = pl.DataFrame(schema={c: pl.String for c in spec[table]})
                found[table] = RawTable(table, str(path), empty.with_columns(
                    row=pl.lit(None, pl.Int64)))
                continue
            near = [n for n in others if closest(Path(n).stem, [table])[0]]
            raise InputError(
                f"{path}: no '{table}' table in the {kind} extract"
                + (f" (is {' or '.join(map(repr, near))} it?)" if near else ""),
                f"add a sheet or file named '{table}' (or map yours in a mapping file)")
    return found


def partial_peek(data: pl.DataFrame | Path, frame: pl.DataFrame) -> Callable[[], list[list[str]]]:
    """The first lines of a table as cells (the header first), to look for the header below a
    title line."""
    def peek() -> list[list[str]]:
        if isinstance(data, Path):
            text = _head(data).decode("utf-8", errors="replace").removeprefix("\ufeff")
            return list(csv.reader(io.StringIO("\n".join(text.splitlines()[:10]))))
        return [list(frame.columns)] + [[str(v or "") for v in r] for r in frame.head(9).rows()]
    return peek


def _canonical_table(frame: pl.DataFrame, table: str, label: str, mapping: Mapping,
                     peek: Callable[[], list[list[str]]]) -> RawTable:
    spec = list(EXTRACTS["case"].get(table) or EXTRACTS["health"][table])
    renames = {**mapping.columns.get("*", {}), **mapping.columns.get(table, {})}
    chosen, unrecognised = choose_columns(frame, table, label, spec, renames)
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in chosen]
    if table == "events" and "nhs_number" not in chosen and "trust_id" not in chosen:
        missing.append("nhs_number or trust_id")
    if missing:
        line = header_line(peek(), spec, REQUIRED_COLUMNS[table])
        if line:
            raise InputError(f"{label}: table '{table}': a title line was found above the "
                             f"header (the header is on line {line + 1})",
                             "delete the lines above the header and save the table again")
        raise InputError(
            f"{label}: table '{table}' has no column {', '.join(repr(m) for m in missing)}"
            + missing_hint(unrecognised, missing),
            "add the column, or map your column's name onto it in a mapping file")
    # The data row number is made here, not taken from the frame: a source column may be
    # called `row` (it is then an unrecognised column like any other).
    cols = [pl.col(chosen[c]).cast(pl.String).alias(c) if c in chosen
            else pl.lit(None, pl.String).alias(c) for c in spec]
    out = frame.select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"), *cols)
    # Wholly blank rows (e.g. trailing rows of a spreadsheet) are not data. Only rows whose
    # first cell is blank can be: the other cells are looked at for those alone.
    texts = frame.columns
    if texts:
        def is_blank(c: str) -> pl.Expr:
            return pl.col(c).cast(pl.String).str.strip_chars().replace("", None).is_null()
        maybe = frame.select(is_blank(texts[0]).arg_true()).to_series()
        if maybe.len():
            blank = maybe.filter(frame[maybe].select(
                pl.all_horizontal(is_blank(c) for c in texts)).to_series())
            if blank.len():
                out = out.filter(~pl.col("row").is_in((blank.cast(pl.Int64) + 1).implode()))
    for column, codes in mapping.codes.items():
        if column in out.columns and codes:
            lowered = pl.col(column).str.strip_chars().str.to_lowercase()
            out = out.with_columns(
                lowered.replace_strict(codes, default=pl.col(column), return_dtype=pl.String)
                .alias(column))
    return RawTable(table, label, out.select("row", *spec).rechunk(), unrecognised)
