"""Ingest: text tables -> typed canonical tables + cell-level flags. Nothing is lost.

Each input row stays in its table (dates that cannot be read become blank and are flagged);
each unreadable or placeholder cell gives exactly one flag naming file, table, row and value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck import normalise as nz
from healthcheck.flags import concat_flags, make_flags
from healthcheck.read import Mapping, RawTable, file_hash, read_tables
from healthcheck.schema import (
    ENGINE,
    EVENT_TYPES,
    EXTRACTS,
    LEGAL_STATUSES,
    REQUIRED,
    table_schema,
)

UPPER_CODES = {"legal_status", "rne", "sex", "placement_type", "reason_end"}
DETAIL_ASSESSMENTS = ("iha", "rha", "dental")


@dataclass
class Extract:
    """One ingested extract: typed tables, their source files, and the ingest flags."""

    kind: str
    path: Path
    tables: dict[str, pl.DataFrame]
    files: dict[str, str]  # table -> file label
    hashes: dict[str, str]  # file -> sha256
    flags: pl.DataFrame
    seconds: float = 0.0
    raw_rows: dict[str, int] = field(default_factory=dict)


def ingest(path: Path, kind: str, mapping: Mapping | Path | None = None) -> Extract:
    """Read and normalise one extract (`kind` = case | health)."""
    t0 = time.perf_counter()
    if not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    raw = read_tables(Path(path), kind, mapping)
    files = {name: rt.file for name, rt in raw.items()}
    paths = sorted(f for f in set(files.values()) if Path(f).is_file())
    # sha256 releases the GIL: the files are hashed on a second thread while polars types them.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digests = pool.map(file_hash, map(Path, paths))
        tables: dict[str, pl.DataFrame] = {}
        flags: list[pl.DataFrame] = []
        for name, rt in raw.items():
            typed, tflags = normalise_table(rt, kind)
            tables[name] = typed
            flags.append(tflags)
        hashes = dict(zip(paths, digests, strict=True))
    return Extract(kind, Path(path), tables, files, hashes, concat_flags(flags),
                   time.perf_counter() - t0, {n: rt.frame.height for n, rt in raw.items()})


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


DATE_STATES = pl.Enum(["blank", "ok", "placeholder", "unparseable"])
NHS_STATES = pl.Enum(["blank", "ok", "invalid"])


def _typed_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """`__` (the date of `value`, null unless readable) and `___state` (DATE_STATES)."""
    return nz.parse_dates(frame, "value").select(
        "value", pl.col("__parsed").alias("__"),
        pl.col("__state").cast(DATE_STATES).alias("___state"))


def _typed_nhs(frame: pl.DataFrame) -> pl.DataFrame:
    """`__` (the 10 digits of `value`, null unless valid) and `___state` (NHS_STATES)."""
    return nz.nhs_numbers(frame, "value").select(
        "value", pl.col("__nhs").alias("__"),
        pl.when(nz.clean_text("value").is_null()).then(pl.lit("blank"))
        .when(pl.col("__valid")).then(pl.lit("ok")).otherwise(pl.lit("invalid"))
        .cast(NHS_STATES).alias("___state"))


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
    return out.collect(engine=ENGINE)


CODE_COLUMNS = UPPER_CODES | {"event_type", "detail"}


def normalise_table(rt: RawTable, kind: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Type one text table and return (typed table, its cell-level flags)."""
    spec = EXTRACTS[kind][rt.name]
    jobs: list[Callable[[], pl.DataFrame]] = []
    dates = [c for c, dtype in spec.items() if dtype == pl.Date]
    if dates:  # -> __{col} and __{col}_state
        jobs.append(partial(_by_value, rt.frame, dates, _typed_dates, each=True))
    if "nhs_number" in spec:
        jobs.append(partial(_by_value, rt.frame, ["nhs_number"], _typed_nhs, each=True))
    # detail is read with event_type, so the two are typed together
    codes = [c for c in spec if c in CODE_COLUMNS]
    if codes:
        jobs.append(partial(_by_value, rt.frame, codes, _typed_codes))
    # The jobs are independent and spend their time in polars, which releases the GIL: they
    # run on threads, so that both cores stay busy (one hash table at a time is one core).
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        parts = list(pool.map(lambda job: job(), jobs))
    wide = rt.frame.hstack([col for part in parts for col in part.get_columns()])
    done = {c for c in spec if spec[c] == pl.Date or c == "nhs_number" or c in CODE_COLUMNS}
    wide_df = wide.with_columns(nz.clean_text(c, nbsp=nz.has_nbsp(wide[c])).alias(f"__{c}")
                                for c in spec if c not in done)
    typed = wide_df.select(
        pl.col("row"), *[pl.col(f"__{c}").alias(c) for c in spec]
    ).cast(table_schema(rt.name))  # type: ignore[arg-type]
    return typed, _cell_flags(wide_df, rt, kind, spec)


def _detail(event_type: pl.Expr, detail: pl.Expr) -> pl.Expr:
    """Canonical `detail`: Y/N for immunisation status, iha/rha/dental for declined and WNB."""
    up = detail.str.to_uppercase()
    yn = (pl.when(up.is_in(nz.YES)).then(pl.lit("Y"))
          .when(up.is_in(nz.NO)).then(pl.lit("N")).otherwise(detail))
    low = detail.str.to_lowercase().str.replace_all(r"[\s_\-]+", "")
    assessment = low.replace({"initialhealthassessment": "iha", "reviewhealthassessment": "rha",
                              "dentalcheck": "dental", "dentist": "dental"})
    return (pl.when(event_type == "immunisations_up_to_date").then(yn)
            .when(event_type.is_in(["declined", "was_not_brought"])).then(assessment)
            .otherwise(detail))


def _cell_flags(w: pl.DataFrame, rt: RawTable, kind: str, spec: dict) -> pl.DataFrame:
    """The flags about single cells. `w` has the raw columns and the typed `__` ones; a flag's
    value is the raw text, trimmed, computed only for the rows flagged."""
    src = "case" if kind == "case" else "health"
    child = pl.col("__child_id") if "child_id" in spec else None
    nhs = pl.col("__nhs_number") if "nhs_number" in spec else None
    common: dict[str, Any] = dict(source=src, file=rt.file, table=rt.name, row=pl.col("row"),
                  child_id=child, nhs_number=nhs)
    parts: list[pl.LazyFrame] = []
    required = set(REQUIRED[rt.name])
    lw = w.lazy()

    def blank(col: str) -> pl.Expr:
        if spec[col] == pl.Date or col == "nhs_number":
            return pl.col(f"__{col}_state") == "blank"
        return pl.col(f"__{col}").is_null()  # a typed text or code is blank iff its cell is

    for col, dtype in spec.items():
        raw = nz.clean_text(col)
        if dtype == pl.Date:
            st = pl.col(f"__{col}_state")
            parts.append(make_flags(lw.filter(st == "unparseable"), "DATE_UNPARSEABLE",
                                    field=col, value=raw, **common))
            parts.append(make_flags(lw.filter(st == "placeholder"), "DATE_PLACEHOLDER",
                                    field=col, value=raw, **common))
        if col == "nhs_number":
            parts.append(make_flags(lw.filter(pl.col(f"__{col}_state") == "invalid"),
                                    "NHS_NUMBER_INVALID", field=col, value=raw, **common))
        if col in required and not (col == "nhs_number" and rt.name == "patients"):
            parts.append(make_flags(lw.filter(blank(col)), "REQUIRED_VALUE_MISSING",
                                    field=col, value=None, **common))
    if rt.name == "events":
        neither = blank("nhs_number") & blank("trust_id")
        parts.append(make_flags(lw.filter(neither), "REQUIRED_VALUE_MISSING",
                                field="nhs_number", value=None,
                                message="Event has neither an NHS number nor a trust id: it "
                                        "cannot be linked to a patient. Add one.", **common))
    if rt.name == "episodes":
        ls = pl.col("__legal_status")
        parts.append(make_flags(lw.filter(ls.is_not_null() & ~ls.is_in(LEGAL_STATUSES)),
                                "LEGAL_STATUS_UNKNOWN", field="legal_status",
                                value=nz.clean_text("legal_status"), **common))
        ebs = pl.col("__end_date") < pl.col("__start_date")
        parts.append(make_flags(lw.filter(ebs), "EPISODE_END_BEFORE_START", field="end_date",
                                value=nz.clean_text("end_date"), **common))
    if "event_type" in spec:
        et = pl.col("__event_type")
        parts.append(make_flags(lw.filter(et.is_not_null() & ~et.is_in(EVENT_TYPES)),
                                "EVENT_TYPE_UNKNOWN", field="event_type",
                                value=nz.clean_text("event_type"), **common))
        d = pl.col("__detail")
        bad_yn = (et == "immunisations_up_to_date") & ~d.is_in(["Y", "N"]).fill_null(False)
        bad_kind = et.is_in(["declined", "was_not_brought"]) & ~d.is_in(
            DETAIL_ASSESSMENTS).fill_null(False)
        parts.append(make_flags(lw.filter(bad_yn | bad_kind), "VALUE_UNKNOWN", field="detail",
                                value=nz.clean_text("detail"),
                                message=pl.when(et == "immunisations_up_to_date")
                                .then(pl.lit("Immunisation status must be Y or N: correct it. "
                                             "The row is not used for the status."))
                                .otherwise(pl.lit("Declined / was-not-brought detail must be "
                                                  "iha, rha or dental: correct it.")),
                                **common))
    return concat_flags(parts)
