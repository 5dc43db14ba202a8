"""What the format adapters share: the tables of an extract as found, the adapted result, and
the step from a source table to a canonical text table."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck import cells, quality  # noqa: F401 - declare the codes adapters raise
from healthcheck.errors import InputError
from healthcheck.flags import concat_flags
from healthcheck.read import RawTable, name_key
from healthcheck.schema import CASE_TABLES, FLAG_SCHEMA

ReadCsv = Callable[[Path], pl.DataFrame]


@dataclass
class Source:
    """One table of an extract as found: its name (file stem or sheet name), the file label
    flags name, and the table (a frame, or a csv file read when needed)."""

    name: str
    label: str
    src: pl.DataFrame | Path

    def columns(self) -> list[str]:
        """The header row, without reading the whole file."""
        if isinstance(self.src, pl.DataFrame):
            return list(self.src.columns)
        with open(self.src, "rb") as f:
            head = re.split(rb"\r\n|\r|\n", f.read(1 << 16), maxsplit=1)[0]  # CR-only too
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = head.decode("cp1252", errors="replace")
        return next(csv.reader([text]), [])

    def keys(self) -> set[str]:
        return {name_key(c) for c in self.columns()}


@dataclass
class Adapted:
    """A case extract read through an adapter.

    tables: the canonical case tables as text, each a list of parts (the SSD's health events
        come from two tables); ingest types each part and stacks them.
    extra: other tables the rules read, as text (the 903 `oc2` table).
    unused: what was read and not used: {file, table, rows, columns, reason}.
    flags: what the adapter found wrong (FLAG_SCHEMA).
    files: every file read, for the input hashes.
    """

    format: str
    tables: dict[str, list[RawTable]]
    extra: dict[str, RawTable] = field(default_factory=dict)
    unused: list[dict[str, Any]] = field(default_factory=list)
    flags: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FLAG_SCHEMA))
    files: list[str] = field(default_factory=list)


def adapt(sources: Sequence[Source], read_csv: ReadCsv) -> Adapted | None:
    """The case extract through its adapter, or None when it is in the canonical shape."""
    from healthcheck.formats import ssd, ssda903

    for module in (ssd, ssda903):
        if module.recognise(sources):
            return module.adapt(sources, read_csv)
    return None


def load(source: Source, read_csv: ReadCsv) -> pl.DataFrame:
    return read_csv(source.src) if isinstance(source.src, Path) else source.src


def find_column(frame: pl.DataFrame, *names: str) -> str | None:
    """The frame's column whose name matches one of `names` (ignoring case, spaces, _ - .)."""
    keys = {name_key(c): c for c in reversed(frame.columns)}
    for n in names:
        if name_key(n) in keys:
            return keys[name_key(n)]
    return None


def require(frame: pl.DataFrame, label: str, table: str, names: Sequence[str],
            what: str) -> dict[str, str]:
    """The frame's column for each of `names`; a missing one stops the run (one line)."""
    found = {n: find_column(frame, n) for n in names}
    missing = [n for n, c in found.items() if c is None]
    if missing:
        raise InputError(f"{label}: the {what} table '{table}' has no column "
                         f"{', '.join(repr(m) for m in missing)}",
                         "export the table again with all its columns")
    return {n: c for n, c in found.items() if c is not None}


def with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """`row` (1-based data row) added, wholly blank rows (a spreadsheet's trailing rows)
    dropped, every other column as text."""
    out = frame.select(pl.all().cast(pl.String)).with_row_index("row", offset=1).with_columns(
        pl.col("row").cast(pl.Int64))
    if not frame.columns:
        return out
    blank = pl.all_horizontal(pl.col(c).str.strip_chars().replace("", None).is_null()
                              for c in frame.columns)
    return out.filter(~blank)


def canonical(table: str, label: str, frame: pl.DataFrame,
              columns: dict[str, str | pl.Expr | None]) -> RawTable:
    """A canonical case table as text: `frame` (with `row`) and, for each canonical column, the
    source column name or expression giving it (None or absent: blank)."""
    exprs = []
    for col in CASE_TABLES[table]:
        src = columns.get(col)
        if src is None:
            exprs.append(pl.lit(None, pl.String).alias(col))
        elif isinstance(src, str):
            exprs.append(pl.col(src).cast(pl.String).alias(col))
        else:
            exprs.append(src.cast(pl.String).alias(col))
    return RawTable(table, label, frame.select(pl.col("row"), *exprs).rechunk())


def unused_columns(label: str, table: str, frame: pl.DataFrame,
                   used: Sequence[str | None]) -> dict[str, Any] | None:
    """The read-and-not-used entry for the columns of a used table that no rule reads."""
    rest = [c for c in frame.columns if c != "row" and c not in set(used)]
    if not rest:
        return None
    return {"file": label, "table": table, "rows": frame.height, "columns": rest,
            "reason": "columns the rules do not use"}


def unused_table(source: Source, frame: pl.DataFrame, reason: str) -> dict[str, Any]:
    return {"file": source.label, "table": source.name, "rows": frame.height,
            "columns": [c for c in frame.columns if c != "row"], "reason": reason}


def text_key(col: str) -> pl.Expr:
    """An id cell as a join key: trimmed (a non-breaking space counting as a space)."""
    return (pl.col(col).cast(pl.String).str.replace_all("\u00a0", " ", literal=True)
            .str.strip_chars().replace("", None))


def flags_of(parts: list[pl.LazyFrame]) -> pl.DataFrame:
    return concat_flags(parts)




def as_sources(found: Sequence[tuple[str, str, pl.DataFrame | Path]]) -> list[Source]:
    """`read`'s (file or sheet name, label, frame or csv) as Sources (a file's stem as name)."""
    return [Source(Path(name).stem if isinstance(src, Path) else name, label, src)
            for name, label, src in found]


def sources_of(path: Path) -> list[Source]:
    """The tables of an extract (a folder of csv files or a workbook) as found."""
    from healthcheck.read import _sources

    return as_sources(_sources(Path(path)))
