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
    return ingest_all([(Path(path), kind, mapping)])[0]


def ingest_pair(case: Path, health: Path | None, mapping_case: Mapping | Path | None = None,
                mapping_health: Mapping | Path | None = None) -> tuple[Extract, Extract | None]:
    """Read and normalise the case extract and (unless None: a case-only run) the health
    extract, their tables typed together (`ingest_all`)."""
    found = ingest_all([(Path(case), "case", mapping_case)] + (
        [] if health is None else [(Path(health), "health", mapping_health)]))
    return found[0], found[1] if health is not None else None


def ingest_all(sources: list[tuple[Path, str, Mapping | Path | None]]) -> list[Extract]:
    """Read and normalise extracts ((path, kind, mapping) each): every file is read, then the
    tables of all of them are typed together (`normalise_tables`), so that polars spreads the
    work over its threads and each distinct value is typed once. Each Extract's `seconds`
    is the time of the whole call."""
    t0 = time.perf_counter()
    read = []
    for path, kind, mapping in sources:
        if not isinstance(mapping, Mapping):
            mapping = Mapping.load(mapping)
        read.append(read_extract(path, kind, mapping))
    parts = [[(kind, rt) for rt in raw.values()] if adapted is None
             else [("case", rt) for rts in adapted.tables.values() for rt in rts]
             for (_, kind, _), (raw, adapted) in zip(sources, read, strict=True)]
    done = iter(normalise_tables([p for ps in parts for p in ps]))
    out = []
    for (path, kind, _), (raw, adapted), ps in zip(sources, read, parts, strict=True):
        typed = [next(done) for _ in ps]
        out.append(ingest_tables(raw, kind, path, typed) if adapted is None
                   else ingest_adapted(adapted, path, typed))
    for ex in out:
        ex.seconds = time.perf_counter() - t0
    return out


Typed = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]  # (typed table, its cells, its flags)


def ingest_adapted(adapted: Adapted, path: Path, typed: list[Typed] | None = None) -> Extract:
    """Normalise a case extract read through an adapter: each part of a table typed as any
    table is, the parts stacked (the SSD's health events come from two tables; a flag names
    its part's file), the 903 `oc2` typed for the OC2 check. `typed`: the parts already
    typed (`normalise_tables`), in order."""
    files = {name: rts[0].file for name, rts in adapted.tables.items()}
    files.update({name: rt.file for name, rt in adapted.extra.items()})
    hashes = {f: file_hash(Path(f)) for f in sorted(set(adapted.files)) if Path(f).is_file()}
    tables: dict[str, pl.DataFrame] = {}
    cells: dict[str, pl.DataFrame] = {}
    flags: list[pl.DataFrame] = [adapted.flags]
    done = iter(typed if typed is not None else normalise_tables(
        [("case", rt) for rts in adapted.tables.values() for rt in rts]))
    for name, rts in adapted.tables.items():
        parts = [next(done) for _ in rts]
        tables[name] = pl.concat([t for t, _, _ in parts])
        cells[name] = pl.concat([c for _, c, _ in parts])
        flags.extend(f for _, _, f in parts)
    extra = {}
    for name, rt in adapted.extra.items():
        extra[name], tflags = type_oc2(rt)
        flags.append(tflags)
    rows = {n: sum(rt.frame.height for rt in rts) for n, rts in adapted.tables.items()}
    rows.update({n: rt.frame.height for n, rt in adapted.extra.items()})
    return Extract("case", path, tables, files, hashes, pl.concat(flags), raw_rows=rows,
                   cells=cells, format=adapted.format, extra=extra, unused=adapted.unused)


def ingest_tables(raw: dict[str, RawTable], kind: str, path: Path,
                  typed: list[Typed] | None = None) -> Extract:
    """Normalise the text tables of one extract (as `read_tables` gives them); `typed`: they
    are already typed (`normalise_tables`), in order."""
    files = {name: rt.file for name, rt in raw.items()}
    hashes = {f: file_hash(Path(f)) for f in sorted(set(files.values())) if Path(f).is_file()}
    tables: dict[str, pl.DataFrame] = {}
    cells: dict[str, pl.DataFrame] = {}
    flags: list[pl.DataFrame] = []
    if typed is None:
        typed = normalise_tables([(kind, rt) for rt in raw.values()])
    for name, (table, cell, tflags) in zip(raw, typed, strict=True):
        tables[name], cells[name] = table, cell
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


def _categorical() -> pl.Categorical:
    """A categorical type of its own: the values cast to it are numbered 0, 1, ... as met."""
    return pl.Categorical(pl.Categories.random())


@dataclass(frozen=True)
class _Space:
    """Values typed alike: each distinct raw value among a space's columns, in every table
    typed together, is typed once (`typer`: the frame of distinct `value`s -> their typed
    columns `__*`)."""

    typer: Callable[[pl.LazyFrame], pl.LazyFrame]
    dtype: pl.Categorical = field(default_factory=_categorical)


def _spaces() -> dict[str, _Space]:
    """The dates (all typed alike), the NHS numbers, the codes: one of each for all tables."""
    return {"date": _Space(_typed_dates), "nhs": _Space(_typed_nhs),
            "code": _Space(_typed_codes)}


def _space_of(col: str, dtype: Any) -> str | None:
    """The space of a column (`_spaces`), None for a text column."""
    return ("date" if dtype == pl.Date else "nhs" if col == "nhs_number"
            else "code" if col in CODE_COLUMNS else None)


def _distinct(n: int, space: _Space) -> pl.DataFrame:
    """The `n` distinct values of a space (the values cast to its categorical type), in the
    order of their numbers, then a blank (null): the value at a null cell's position."""
    values = (pl.int_range(n, eager=True, dtype=pl.UInt32).cat.to(space.dtype, strict=False)
              .cast(pl.String))  # a number never given (none is) would read as a blank
    return pl.DataFrame({"value": values.extend(pl.Series([None], dtype=pl.String))})


def _lost_text(state: pl.Expr) -> pl.Expr:
    """The raw text, trimmed (`__text`), where the cell is lost."""
    return pl.when(state.is_in(LOST_STATES)).then(pl.col("__text"))


def _typed_dates(values: pl.LazyFrame) -> pl.LazyFrame:
    """`__` (the date of `value`, null unless readable), `___state` (DATE_STATES) and
    `___raw` (`_lost_text`)."""
    trimmed = values.with_columns(__text=nz.clean_text("value"))
    return nz.parse_dates_lazy(trimmed, "__text").select(
        pl.col("__parsed").alias("__"), pl.col("__state").cast(DATE_STATES).alias("___state"),
        _lost_text(pl.col("__state")).alias("___raw"))


def _typed_nhs(values: pl.LazyFrame) -> pl.LazyFrame:
    """`__` (the 10 digits of `value`, null unless valid), `___state` (NHS_STATES) and
    `___raw` (`_lost_text`)."""
    state = (pl.when(pl.col("__text").is_null()).then(pl.lit("blank"))
             .when(pl.col("__valid")).then(pl.lit("ok")).otherwise(pl.lit("invalid")))
    trimmed = values.with_columns(__text=nz.clean_text("value"))
    return nz.nhs_numbers_lazy(trimmed, "__text", trimmed=True).select(
        pl.col("__nhs").alias("__"), state.cast(NHS_STATES).alias("___state"),
        _lost_text(state).alias("___raw"))


def _typed_codes(values: pl.LazyFrame) -> pl.LazyFrame:
    """A code value as each code column reads it: `__upper` (legal status, ...), `__lower`
    (event type), `__text` (trimmed); as a `detail`, `__yes_no` (after an immunisation status)
    and `__check` (after a refusal); and `__reads` (as an event type, which reading it gives
    the detail after it: 0 `__text`, 1 `__yes_no`, 2 `__check`)."""
    lower = pl.col("__lower")
    return values.select(
        __upper=nz.upper_code("value"), __lower=nz.lower_code("value"),
        __text=nz.clean_text("value"),
    ).with_columns(
        __yes_no=_yes_no(pl.col("__text")), __check=_check(pl.col("__text")),
        __reads=pl.when(lower == "immunisations_up_to_date").then(pl.lit(1, pl.UInt32))
        .when(lower.is_in(["declined", "was_not_brought"])).then(pl.lit(2, pl.UInt32))
        .otherwise(pl.lit(0, pl.UInt32)))


CODE_COLUMNS = UPPER_CODES | {"event_type", "detail"}


def _gather(space: _Space, typed: pl.DataFrame, cols: list[str]) -> list[pl.Expr]:
    """The typed columns of a table's rows, each taking the typed values of its row's value
    (`__at_{col}`: the value's number in `typed`, its last row for a blank). Dates and NHS
    numbers: each column its own copy of the typed columns (`__x` -> `__{col}x`). Codes:
    `__{col}`, a detail read as its row's event type says (`_typed_codes`)."""
    def at(c: str) -> pl.Expr:
        return pl.col(f"__at_{c}").to_physical().fill_null(typed.height - 1)

    if space.typer is not _typed_codes:
        return [pl.lit(s).gather(at(c)).alias(f"__{c}{s.name[2:]}") for c in cols
                for s in typed.get_columns()]
    out = [pl.lit(typed["__upper" if c in UPPER_CODES else "__lower" if c == "event_type"
                        else "__text"]).gather(at(c)).alias(f"__{c}")
           for c in cols if c != "detail"]
    if "detail" in cols:  # the three readings of every value end to end, picked by position
        readings = pl.concat([typed["__text"], typed["__yes_no"], typed["__check"]])
        reads = pl.lit(typed["__reads"]).gather(at("event_type"))
        out.append(pl.lit(readings).gather(reads * typed.height + at("detail"))
                   .alias("__detail"))
    return out


def normalise_tables(tables: list[tuple[str, RawTable]]) -> list[Typed]:
    """Type text tables ((kind, table) each, of one extract or more): for each, (typed table,
    its cells, its cell flags).

    Dates, NHS numbers and codes repeat a lot (a few thousand distinct dates and a few dozen
    event types in a million events; a child's NHS number in both extracts), so each distinct
    value is typed once: the columns of one space (`_spaces`), in every table, are cast to a
    categorical type of their own, which numbers the distinct values as it meets them; those
    are typed, and every row takes the typed values at its number. The other columns are
    trimmed row by row. Each step is one query per table or space, all run at once
    (`pl.collect_all`), so polars spreads the work over its threads.
    """
    rts = [rt for _, rt in tables]
    specs = [EXTRACTS[kind][rt.name] for kind, rt in tables]
    spaces = _spaces()
    cols = [{n: [c for c, dtype in spec.items() if _space_of(c, dtype) == n] for n in spaces}
            for spec in specs]
    texts = [[c for c, dtype in spec.items() if _space_of(c, dtype) is None] for spec in specs]
    found = pl.collect_all(
        [rt.frame.lazy().select(pl.col(c).cast(spaces[n].dtype) for n, cs in tc.items()
                                for c in cs) for rt, tc in zip(rts, cols, strict=True)]
        + [rt.frame.lazy().select(nz.all_ascii(c).alias(c) for c in tx)
           for rt, tx in zip(rts, texts, strict=True)])
    coded, ascii_only = found[:len(rts)], found[len(rts):]
    counts = dict.fromkeys(spaces, 0)  # each space's distinct values
    for frame, tc in zip(coded, cols, strict=True):
        for n, cs in tc.items():
            if cs and frame.height:
                last = frame.select(pl.max_horizontal(pl.col(c).to_physical().max() for c in cs))
                if last.item() is not None:
                    counts[n] = max(counts[n], last.item() + 1)
    used = [n for n in spaces if any(tc[n] for tc in cols)]
    # Only a column with a character that is not ASCII can hold a non-breaking space.
    others = [[c for c in tx if not a[c].item()] for tx, a in zip(texts, ascii_only, strict=True)]
    done = pl.collect_all([spaces[n].typer(_distinct(counts[n], spaces[n]).lazy()) for n in used]
                          + [rt.frame.lazy().select(nz.has_nbsp(c) for c in o)
                             for rt, o in zip(rts, others, strict=True)])
    typed = dict(zip(used, done[:len(used)], strict=True))
    has_nbsp = done[len(used):]
    plans = [rt.frame.hstack(frame.select(pl.all().name.prefix("__at_"))).lazy().with_columns(
        *[e for n, cs in tc.items() if cs for e in _gather(spaces[n], typed[n], cs)],
        *[nz.clean_text(c, nbsp=c in nb.columns and bool(nb[c].item())).alias(f"__{c}")
          for c in tx])
        for rt, tc, frame, tx, nb in zip(rts, cols, coded, texts, has_nbsp, strict=True)]
    wide = pl.collect_all(plans)
    flags = pl.collect_all([cell_check.flags(TableCells(kind, rt.name, rt.file, spec, w.lazy()))
                            for (kind, rt), spec, w in zip(tables, specs, wide, strict=True)])
    return [(w.select(pl.col("row"), *[pl.col(f"__{c}").alias(c) for c in spec])
             .cast(table_schema(rt.name)),  # type: ignore[arg-type]
             w.select("row", *[pl.col(f"__{c}{part}").alias(f"{c}{part}")
                               for c in _stateful(spec) for part in ("_state", "_raw")]), f)
            for rt, spec, w, f in zip(rts, specs, wide, flags, strict=True)]


def _yes_no(detail: pl.Expr) -> pl.Expr:
    """An immunisation status as Y or N (as it is when neither)."""
    up = detail.str.to_uppercase()
    return (pl.when(up.is_in(nz.YES)).then(pl.lit("Y"))
            .when(up.is_in(nz.NO)).then(pl.lit("N")).otherwise(detail))


def _check(detail: pl.Expr) -> pl.Expr:
    """The check a refusal names: iha, rha, dental or health_assessment (lower case, without
    spaces, underscores or hyphens, when none)."""
    low = detail.str.to_lowercase().str.replace_all(r"[\s_\-]+", "")
    return low.replace({"initialhealthassessment": "iha", "reviewhealthassessment": "rha",
                        "dentalcheck": "dental", "dentist": "dental",
                        "healthassessment": "health_assessment"})
