"""Ingest: text tables -> typed canonical tables + cell-level flags. Nothing is lost.

Each input row stays in its table (dates that cannot be read become blank and are flagged);
each unreadable or placeholder cell gives exactly one flag naming file, table, row and value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck import normalise as nz
from healthcheck.flags import concat_flags, make_flags
from healthcheck.read import Mapping, RawTable, file_hash, read_tables
from healthcheck.schema import (
    EVENT_TYPES,
    EXTRACTS,
    LEGAL_STATUSES,
    REQUIRED,
    table_schema,
)

ID_COLUMNS = {"child_id", "trust_id", "la_child_id", "legacy_id"}
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
    tables: dict[str, pl.DataFrame] = {}
    flags: list[pl.DataFrame] = []
    for name, rt in raw.items():
        typed, tflags = normalise_table(rt, kind)
        tables[name] = typed
        flags.append(tflags)
    files = {name: rt.file for name, rt in raw.items()}
    hashes = {}
    for f in sorted(set(files.values())):
        p = Path(f)
        if p.is_file():
            hashes[f] = file_hash(p)
    return Extract(kind, Path(path), tables, files, hashes, concat_flags(flags),
                   time.perf_counter() - t0, {n: rt.frame.height for n, rt in raw.items()})


def _by_value(frame: pl.DataFrame, col: str,
              typer: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
    """Type each distinct raw value of `col` once (`typer` adds columns) and join back.

    Dates and NHS numbers repeat a lot (a few thousand distinct dates in a million events), so
    parsing the distinct values is far cheaper than parsing every row.
    """
    distinct = typer(frame.select(pl.col(col)).unique())
    return frame.join(distinct, on=col, how="left", nulls_equal=True, maintain_order="left")


def _typed_dates(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    return nz.parse_dates(frame, col).rename({"__parsed": f"__{col}",
                                              "__state": f"__{col}_state"})


def _typed_nhs(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    return nz.nhs_numbers(frame, col).rename({"__valid": f"__{col}_valid",
                                              "__nhs": f"__{col}"})


def normalise_table(rt: RawTable, kind: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Type one text table and return (typed table, its cell-level flags)."""
    spec = EXTRACTS[kind][rt.name]
    wide = rt.frame
    for col, dtype in spec.items():
        if dtype == pl.Date:
            wide = _by_value(wide, col, partial(_typed_dates, col=col))
        elif col == "nhs_number":
            wide = _by_value(wide, col, partial(_typed_nhs, col=col))
    raws = [nz.clean_text(col).alias(f"__{col}_raw") for col in spec]
    typed_text: list[pl.Expr] = []
    for col, dtype in spec.items():
        if dtype == pl.Date or col == "nhs_number":
            continue  # typed above
        if col in UPPER_CODES:
            typed_text.append(nz.upper_code(col).alias(f"__{col}"))
        elif col == "event_type":
            typed_text.append(nz.lower_code(col).alias(f"__{col}"))
        else:
            typed_text.append(pl.col(f"__{col}_raw").alias(f"__{col}"))
    lf = wide.lazy().with_columns(raws).with_columns(typed_text)
    if "detail" in spec:
        lf = lf.with_columns(_detail(pl.col("__event_type"), pl.col("__detail")).alias("__detail"))
    wide_df = lf.collect()
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
    src = "case" if kind == "case" else "health"
    child = pl.col("__child_id") if "child_id" in spec else None
    nhs = pl.col("__nhs_number") if "nhs_number" in spec else None
    common: dict[str, Any] = dict(source=src, file=rt.file, table=rt.name, row=pl.col("row"),
                  child_id=child, nhs_number=nhs)
    parts: list[pl.DataFrame] = []
    required = set(REQUIRED[rt.name])
    for col, dtype in spec.items():
        raw = pl.col(f"__{col}_raw")
        if dtype == pl.Date:
            st = pl.col(f"__{col}_state")
            parts.append(make_flags(w.filter(st == "unparseable"), "DATE_UNPARSEABLE",
                                    field=col, value=raw, **common))
            parts.append(make_flags(w.filter(st == "placeholder"), "DATE_PLACEHOLDER",
                                    field=col, value=raw, **common))
        if col == "nhs_number":
            bad = raw.is_not_null() & ~pl.col("__nhs_number_valid")
            parts.append(make_flags(w.filter(bad), "NHS_NUMBER_INVALID", field=col, value=raw,
                                    **common))
        if col in required and not (col == "nhs_number" and rt.name == "patients"):
            parts.append(make_flags(w.filter(raw.is_null()), "REQUIRED_VALUE_MISSING",
                                    field=col, value=None, **common))
    if rt.name == "events":
        neither = pl.col("__nhs_number_raw").is_null() & pl.col("__trust_id_raw").is_null()
        parts.append(make_flags(w.filter(neither), "REQUIRED_VALUE_MISSING",
                                field="nhs_number", value=None,
                                message="Event has neither an NHS number nor a trust id: it "
                                        "cannot be linked to a patient. Add one.", **common))
    if rt.name == "episodes":
        ls = pl.col("__legal_status")
        parts.append(make_flags(w.filter(ls.is_not_null() & ~ls.is_in(LEGAL_STATUSES)),
                                "LEGAL_STATUS_UNKNOWN", field="legal_status",
                                value=pl.col("__legal_status_raw"), **common))
        ebs = pl.col("__end_date") < pl.col("__start_date")
        parts.append(make_flags(w.filter(ebs), "EPISODE_END_BEFORE_START", field="end_date",
                                value=pl.col("__end_date_raw"), **common))
    if "event_type" in spec:
        et = pl.col("__event_type")
        parts.append(make_flags(w.filter(et.is_not_null() & ~et.is_in(EVENT_TYPES)),
                                "EVENT_TYPE_UNKNOWN", field="event_type",
                                value=pl.col("__event_type_raw"), **common))
        d = pl.col("__detail")
        bad_yn = (et == "immunisations_up_to_date") & ~d.is_in(["Y", "N"]).fill_null(False)
        bad_kind = et.is_in(["declined", "was_not_brought"]) & ~d.is_in(
            DETAIL_ASSESSMENTS).fill_null(False)
        parts.append(make_flags(w.filter(bad_yn | bad_kind), "VALUE_UNKNOWN", field="detail",
                                value=pl.col("__detail_raw"),
                                message=pl.when(et == "immunisations_up_to_date")
                                .then(pl.lit("Immunisation status must be Y or N: correct it. "
                                             "The row is not used for the status."))
                                .otherwise(pl.lit("Declined / was-not-brought detail must be "
                                                  "iha, rha or dental: correct it.")),
                                **common))
    return concat_flags(parts)
