"""Read an extract (an .xlsx workbook or a folder of .csv files) into text frames.

Every cell is read as text, so that typing happens once, in `ingest`. Table and column names
match ignoring case, spaces, underscores, hyphens and dots (SPEC §1); a mapping file may rename
anything else onto the canonical names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from healthcheck.errors import InputError, UsageError, read_toml
from healthcheck.schema import EXTRACTS, REQUIRED_COLUMNS

OPTIONAL_TABLES = {"health_events"}  # a case system may export no health events


def name_key(name: str) -> str:
    """`NHS Number`, `nhs_number`, `N.H.S-number` -> `nhsnumber`."""
    return re.sub(r"[\s_\-.]+", "", str(name).replace("\ufeff", "")).lower()


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
    """A table as text with canonical column names, plus `row` (1-based data row)."""

    name: str
    file: str
    frame: pl.DataFrame


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _blank_file(path: Path) -> bool:
    """Nothing but a BOM, white space and separators."""
    return not path.read_bytes().strip(b"\xef\xbb\xbf \r\n\t,;")


def _read_csv(path: Path) -> pl.DataFrame:
    """Every cell as text. UTF-8 (a BOM is skipped); a file that is not UTF-8 is read as
    Windows-1252, the other encoding Excel saves CSV in."""
    empty = InputError(f"{path}: the file is empty", "export the table again with its header")
    if path.stat().st_size < 4096 and _blank_file(path):
        raise empty
    try:
        try:
            frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=True)
        except pl.exceptions.ComputeError as e:
            if "utf-8" not in str(e):
                raise
            data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
            frame = pl.read_csv(data.decode("cp1252", errors="replace").encode("utf-8"),
                                infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise InputError(f"{path}: not a readable CSV file ({str(e).splitlines()[0]})",
                         "save the table as CSV (comma-separated) with a header row") from e
    named = [c for c in frame.columns if c.strip(" \ufeff\t;") and
             not c.startswith("_duplicated_")]
    if not named and _blank_file(path):  # a larger file of empty lines and commas
        raise empty
    return frame


def _read_xlsx_sheets(path: Path) -> dict[str, pl.DataFrame]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        return {name: reader.load_sheet(name, dtypes="string").to_polars()
                for name in reader.sheet_names}
    except Exception as e:  # fastexcel raises its own error types for every unreadable file
        raise InputError(f"{path}: not a readable .xlsx workbook ({type(e).__name__})",
                         "save it from Excel as .xlsx, or give a folder of .csv files") from e


def _sources(path: Path) -> dict[str, tuple[str, pl.DataFrame | Path]]:
    """name key -> (file label, frame or csv path to read lazily)."""
    if not path.exists():
        raise InputError(f"{path}: not found", "check the path to the extract")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if not files:
            raise InputError(f"{path}: the folder has no .csv files",
                             "give a folder with one .csv per table, or an .xlsx workbook")
        return {name_key(p.stem): (str(p), p) for p in files}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return {name_key(n): (str(path), df) for n, df in _read_xlsx_sheets(path).items()}
    raise InputError(f"{path}: not an .xlsx workbook or a folder of .csv files",
                     "give the extract as an .xlsx workbook or a folder of .csv files")


def read_tables(path: Path, kind: str, mapping: Mapping | None = None) -> dict[str, RawTable]:
    """Read the tables of one extract (`kind` = case | health) as text, canonically named."""
    mapping = mapping or Mapping()
    spec = EXTRACTS[kind]
    sources = _sources(Path(path))
    found: dict[str, RawTable] = {}
    canonical = {name_key(t): t for t in spec}
    for key, (label, src) in sources.items():
        table = canonical.get(name_key(mapping.tables.get(key, key)))
        if table is None or table in found:
            continue
        frame = _read_csv(src) if isinstance(src, Path) else src
        found[table] = RawTable(table, label, _canonical_columns(frame, table, label, mapping))
    for table in spec:
        if table not in found:
            if table in OPTIONAL_TABLES:
                empty = pl.DataFrame(schema={c: pl.String for c in spec[table]})
                found[table] = RawTable(table, str(path), empty.with_columns(
                    row=pl.lit(None, pl.Int64)))
                continue
            raise InputError(
                f"{path}: no '{table}' table in the {kind} extract",
                f"add a sheet or file named '{table}' (or map yours in a mapping file)")
    return found


def _canonical_columns(frame: pl.DataFrame, table: str, label: str,
                       mapping: Mapping) -> pl.DataFrame:
    spec = EXTRACTS["case"].get(table) or EXTRACTS["health"][table]
    renames = {**mapping.columns.get("*", {}), **mapping.columns.get(table, {})}
    wanted = {name_key(c): c for c in spec}
    chosen: dict[str, str] = {}
    for col in frame.columns:
        key = name_key(col)
        target = renames.get(key, key)
        canon = wanted.get(name_key(target))
        if canon and canon not in chosen:
            chosen[canon] = col
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in chosen]
    if table == "events" and "nhs_number" not in chosen and "trust_id" not in chosen:
        missing.append("nhs_number or trust_id")
    if missing:
        raise InputError(
            f"{label}: table '{table}' has no column {', '.join(repr(m) for m in missing)}",
            "add the column, or map your column's name onto it in a mapping file")
    frame = frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    cols = [pl.col(chosen[c]).cast(pl.String).alias(c) if c in chosen
            else pl.lit(None, pl.String).alias(c) for c in spec]
    out = frame.select(pl.col("row"), *cols)
    # Wholly blank rows (e.g. trailing rows of a spreadsheet) are not data. Only rows whose
    # first cell is blank can be: the other cells are looked at for those alone.
    texts = [c for c in frame.columns if c != "row"]
    if texts:
        def is_blank(c: str) -> pl.Expr:
            return pl.col(c).cast(pl.String).str.strip_chars().replace("", None).is_null()
        maybe = frame.filter(is_blank(texts[0]))
        blank = maybe.filter(pl.all_horizontal(is_blank(c) for c in texts))["row"]
        if blank.len():
            out = out.filter(~pl.col("row").is_in(blank.implode()))
    for column, codes in mapping.codes.items():
        if column in out.columns and codes:
            lowered = pl.col(column).str.strip_chars().str.to_lowercase()
            out = out.with_columns(
                lowered.replace_strict(codes, default=pl.col(column), return_dtype=pl.String)
                .alias(column))
    return out.select("row", *spec).rechunk()
