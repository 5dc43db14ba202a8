"""Ingest: text tables -> typed canonical tables, the state of their cells, and cell flags.

Nothing is lost (docs/rules.md §1.5). Each input row stays in its table; a date or NHS number
that cannot be used becomes blank there. What became of each such cell is kept beside the table, in
`Extract.cells[table]`: one row per row of the table, in the same order (with its `row`), and
for each date column and `nhs_number` two columns:
    {col}_state  DATE_STATES (blank ok placeholder unparseable) or NHS_STATES (blank ok invalid)
    {col}_raw    the raw text, trimmed, of a lost cell (state in LOST_STATES); else null
Later steps read the states (quality: a blank NHS number is not an invalid one; validate: the
raw text of lost cells) rather than reading flags back as data. The canonical tables stay as
docs/rules.md §1.1 defines them, one typed column each, so every rule reads them unchanged.

The cell checks (`cells.py`) then flag each lost, blank-but-required or unknown cell once,
naming file, table, row and value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from healthcheck import normalise as nz
from healthcheck.cells import TableCells, cell_check
from healthcheck.columns import Unrecognised
from healthcheck.read import Mapping, RawTable, file_hash, read_extract
from healthcheck.rules.oc2_return import type_oc2
from healthcheck.schema import (
    DATE_STATES,
    EXTRACTS,
    FLAG_SCHEMA,
    LOST_STATES,
    NHS_STATES,
    table_schema,
)

if TYPE_CHECKING:
    from healthcheck.formats import Adapted

UPPER_CODES = {"legal_status", "rne", "sex", "placement_type", "reason_end"}


@dataclass
class Extract:
    """One ingested extract: typed tables, the state of their cells, their source files, and
    the ingest flags."""

    kind: str
    path: Path
    tables: dict[str, pl.DataFrame]
    files: dict[str, str]  # table -> file label
    hashes: dict[str, str]  # file -> sha256
    flags: pl.DataFrame
    seconds: float = 0.0
    raw_rows: dict[str, int] = field(default_factory=dict)
    cells: dict[str, pl.DataFrame] = field(default_factory=dict)  # see the module doc
    unrecognised: list[Unrecognised] = field(default_factory=list)  # columns read and not used
    # A case extract read through an adapter (healthcheck/formats): its format, the other
    # tables the rules read (the 903 `oc2`, typed) and what was read and not used.
    format: str = "canonical"
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)
    unused: list[dict[str, Any]] = field(default_factory=list)


def ingest(path: Path, kind: str, mapping: Mapping | Path | None = None) -> Extract:
    """Read and normalise one extract (`kind` = case | health)."""
    t0 = time.perf_counter()
    if not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    raw, adapted = read_extract(Path(path), kind, mapping)
    ex = (ingest_tables(raw, kind, Path(path)) if adapted is None
          else ingest_adapted(adapted, Path(path)))
    ex.seconds = time.perf_counter() - t0
    return ex


def ingest_adapted(adapted: Adapted, path: Path) -> Extract:
    """Normalise a case extract read through an adapter: each part of a table typed as any
    table is, the parts stacked (the SSD's health events come from two tables; a flag names
    its part's file), the 903 `oc2` typed for the OC2 check."""
    files = {name: rts[0].file for name, rts in adapted.tables.items()}
    files.update({name: rt.file for name, rt in adapted.extra.items()})
    hashes = {f: file_hash(Path(f)) for f in sorted(set(adapted.files)) if Path(f).is_file()}
    tables: dict[str, pl.DataFrame] = {}
    cells: dict[str, pl.DataFrame] = {}
    flags: list[pl.DataFrame] = [adapted.flags]
    for name, rts in adapted.tables.items():
        typed = [normalise_table(rt, "case") for rt in rts]
        tables[name] = pl.concat([t for t, _, _ in typed])
        cells[name] = pl.concat([c for _, c, _ in typed])
        flags.extend(f for _, _, f in typed)
    extra = {}
    for name, rt in adapted.extra.items():
        extra[name], tflags = type_oc2(rt)
        flags.append(tflags)
    rows = {n: sum(rt.frame.height for rt in rts) for n, rts in adapted.tables.items()}
    rows.update({n: rt.frame.height for n, rt in adapted.extra.items()})
    return Extract("case", path, tables, files, hashes, pl.concat(flags), raw_rows=rows,
                   cells=cells, format=adapted.format, extra=extra, unused=adapted.unused)


def ingest_tables(raw: dict[str, RawTable], kind: str, path: Path) -> Extract:
    """Normalise the text tables of one extract (as `read_tables` gives them)."""
    files = {name: rt.file for name, rt in raw.items()}
    hashes = {f: file_hash(Path(f)) for f in sorted(set(files.values())) if Path(f).is_file()}
    tables: dict[str, pl.DataFrame] = {}
    cells: dict[str, pl.DataFrame] = {}
    flags: list[pl.DataFrame] = []
    for name, rt in raw.items():
        tables[name], cells[name], tflags = normalise_table(rt, kind)
        flags.append(tflags)
    return Extract(kind, path, tables, files, hashes, pl.concat(flags),
                   raw_rows={n: rt.frame.height for n, rt in raw.items()}, cells=cells,
                   unrecognised=[u for rt in raw.values() for u in rt.unrecognised])


def empty_extract(kind: str) -> Extract:
    """An extract with no rows (a case-only run has no health extract)."""
    tables = {t: pl.DataFrame(schema=table_schema(t)) for t in EXTRACTS[kind]}
    return Extract(kind, Path(), tables, dict.fromkeys(tables, f"(no {kind} extract)"), {},
                   pl.DataFrame(schema=FLAG_SCHEMA),
                   cells={t: typed_cells(f, kind, t) for t, f in tables.items()})


def typed_cells(table: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """The cells of a typed table whose every value was read (each blank or ok): for an Extract
    built from typed frames rather than text."""
    spec = EXTRACTS[kind][name]
    return table.select("row", *[
        e for c in _stateful(spec) for e in (
            pl.when(pl.col(c).is_null()).then(pl.lit("blank")).otherwise(pl.lit("ok"))
            .cast(NHS_STATES if c == "nhs_number" else DATE_STATES).alias(f"{c}_state"),
            pl.lit(None, pl.String).alias(f"{c}_raw"))])


def _stateful(spec: dict) -> list[str]:
    """The columns with a state: the dates and nhs_number."""
    return [c for c, dtype in spec.items() if dtype == pl.Date or c == "nhs_number"]


def _positions(values: pl.Series, keys: pl.Series) -> pl.Series:
    """For each of `values`, the position of its value in the distinct `keys` (one hash lookup;
    a blank value finds the blank key)."""
    idx = pl.Series(range(keys.len()), dtype=pl.UInt32)
    known = keys.is_not_null()
    blank = keys.is_null().arg_true()
    return values.replace_strict(keys.filter(known), idx.filter(known),
                                 default=blank[0] if blank.len() else None,
                                 return_dtype=pl.UInt32)


def _by_value(frame: pl.DataFrame, cols: list[str], typer: Callable[[pl.DataFrame], pl.DataFrame],
              *, each: bool = False) -> pl.DataFrame:
    """Type each distinct raw value once (`typer` adds columns `__*`) and map them back: the
    typed columns, one row per row of `frame`.

    Dates, NHS numbers and codes repeat a lot (a few thousand distinct dates and a few dozen
    event types in a million events), so typing the distinct values is far cheaper than typing
    every row. Each row gets the position of its value among the distinct ones, then every typed
    column is gathered by that position.
    `each`: `cols` are typed alike: their values are typed together, in a column named `value`,
    and each col gets its own copy of the typed columns (`__x` -> `__{col}x`). Otherwise `cols`
    is one key (detail is read with event_type).
    """
    if each:
        values = pl.concat([frame.select(pl.col(c).alias("value")).unique()
                            for c in cols]).unique()
        if values.height * 2 > frame.height * len(cols):
            # Mostly distinct (children's NHS numbers): typing every row is cheaper.
            typed_rows = [typer(frame.select(pl.col(c).alias("value"))).drop("value")
                          for c in cols]
        else:
            distinct = typer(values)
            typed_rows = [distinct.drop("value")[_positions(frame[c], distinct["value"])]
                          .rechunk() for c in cols]
        return pl.concat([typed.rename(lambda n, c=c: f"__{c}{n[2:]}")  # type: ignore[misc]
                          for c, typed in zip(cols, typed_rows, strict=True)], how="horizontal")
    distinct = typer(frame.select(cols).unique())
    if len(cols) == 1:
        at = _positions(frame[cols[0]], distinct[cols[0]])
    else:
        at = frame.select(cols).join(
            distinct.select(cols).with_columns(_i=pl.int_range(distinct.height,
                                                               dtype=pl.UInt32)),
            on=cols, how="left", nulls_equal=True, maintain_order="left")["_i"]
    return distinct.drop(cols)[at].rechunk()


def _lost_text(state: pl.Expr) -> pl.Expr:
    """The raw text of `value`, trimmed, where the cell is lost."""
    return pl.when(state.is_in(LOST_STATES)).then(nz.clean_text("value"))


def _typed_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """`__` (the date of `value`, null unless readable), `___state` (DATE_STATES) and
    `___raw` (`_lost_text`)."""
    return nz.parse_dates(frame, "value").select(
        "value", pl.col("__parsed").alias("__"),
        pl.col("__state").cast(DATE_STATES).alias("___state"),
        _lost_text(pl.col("__state")).alias("___raw"))


def _typed_nhs(frame: pl.DataFrame) -> pl.DataFrame:
    """`__` (the 10 digits of `value`, null unless valid), `___state` (NHS_STATES) and
    `___raw` (`_lost_text`)."""
    state = (pl.when(nz.clean_text("value").is_null()).then(pl.lit("blank"))
             .when(pl.col("__valid")).then(pl.lit("ok")).otherwise(pl.lit("invalid")))
    return nz.nhs_numbers(frame, "value").select(
        "value", pl.col("__nhs").alias("__"), state.cast(NHS_STATES).alias("___state"),
        _lost_text(state).alias("___raw"))


def _typed_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """Code columns (event type, detail, legal status, ...), typed as `__{col}`."""
    typed: list[pl.Expr] = []
    for c in frame.columns:
        if c in UPPER_CODES:
            typed.append(nz.upper_code(c).alias(f"__{c}"))
        elif c == "event_type":
            typed.append(nz.lower_code(c).alias(f"__{c}"))
        else:
            typed.append(nz.clean_text(c).alias(f"__{c}"))
    out = frame.lazy().with_columns(typed)
    if "detail" in frame.columns:
        out = out.with_columns(_detail(pl.col("__event_type"), pl.col("__detail"))
                               .alias("__detail"))
    return out.collect()


CODE_COLUMNS = UPPER_CODES | {"event_type", "detail"}


def normalise_table(rt: RawTable, kind: str) -> tuple[pl.DataFrame, pl.DataFrame,
                                                     pl.DataFrame]:
    """Type one text table: (typed table, its cells, its cell flags)."""
    spec = EXTRACTS[kind][rt.name]
    parts: list[pl.DataFrame] = []
    dates = [c for c, dtype in spec.items() if dtype == pl.Date]
    if dates:  # -> __{col}, __{col}_state and __{col}_raw
        parts.append(_by_value(rt.frame, dates, _typed_dates, each=True))
    if "nhs_number" in spec:
        parts.append(_by_value(rt.frame, ["nhs_number"], _typed_nhs, each=True))
    # detail is read with event_type, so the two are typed together
    codes = [c for c in spec if c in CODE_COLUMNS]
    if codes:
        parts.append(_by_value(rt.frame, codes, _typed_codes))
    wide = rt.frame.hstack([col for part in parts for col in part.get_columns()])
    done = {c for c in spec if spec[c] == pl.Date or c == "nhs_number" or c in CODE_COLUMNS}
    wide = wide.with_columns(nz.clean_text(c, nbsp=nz.has_nbsp(wide[c])).alias(f"__{c}")
                             for c in spec if c not in done)
    typed = wide.select(
        pl.col("row"), *[pl.col(f"__{c}").alias(c) for c in spec]
    ).cast(table_schema(rt.name))  # type: ignore[arg-type]
    cells = wide.select("row", *[pl.col(f"__{c}{part}").alias(f"{c}{part}")
                                 for c in _stateful(spec) for part in ("_state", "_raw")])
    flags = cell_check.flags(TableCells(kind, rt.name, rt.file, spec, wide.lazy())).collect()
    return typed, cells, flags


def _detail(event_type: pl.Expr, detail: pl.Expr) -> pl.Expr:
    """Canonical `detail`: Y/N for immunisation status, iha/rha/dental for declined and WNB."""
    up = detail.str.to_uppercase()
    yn = (pl.when(up.is_in(nz.YES)).then(pl.lit("Y"))
          .when(up.is_in(nz.NO)).then(pl.lit("N")).otherwise(detail))
    low = detail.str.to_lowercase().str.replace_all(r"[\s_\-]+", "")
    assessment = low.replace({"initialhealthassessment": "iha", "reviewhealthassessment": "rha",
                              "dentalcheck": "dental", "dentist": "dental",
                              "healthassessment": "health_assessment"})
    return (pl.when(event_type == "immunisations_up_to_date").then(yn)
            .when(event_type.is_in(["declined", "was_not_brought"])).then(assessment)
            .otherwise(detail))
