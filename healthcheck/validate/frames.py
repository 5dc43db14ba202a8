"""The frames GX sees: each ingested table (the same reader as `reconcile`; no second reader)
plus derived columns, from ingest's cell states (`Extract.cells`), that make visible what ingest
blanked out, so that the suites can fail on it; then converted to pandas (GX 1.x has no polars
support):
  `<date>__unreadable`   raw text of a date cell that could not be read   (state unparseable)
  `<date>__placeholder`  raw text of a placeholder date (1900-01-01, ...)  (state placeholder)
  `nhs_number__invalid`  raw text of an NHS number failing the check digit (state invalid)
  `nhs_number_or_trust_id` (events) the valid NHS number, else the trust_id: what links an event.
Each is null on a good row; the suites expect them to be null."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from healthcheck.ingest import Extract, typed_cells

# cell state -> suffix of the derived column holding the raw text ingest could not use
LOST = {"unparseable": "unreadable", "placeholder": "placeholder", "invalid": "invalid"}
LINK_COLUMN = "nhs_number_or_trust_id"
# pandas' datetime64[ns] covers 1677-09-22 .. 2262-04-11; typed dates outside are clipped for GX
# (they fail every date bound anyway) and shown unclipped in the report.
_NS_MIN, _NS_MAX = date(1678, 1, 1), date(2261, 12, 31)


def validation_frames(ex: Extract) -> dict[str, pl.DataFrame]:
    """Each ingested table plus the derived columns the suites check (see the module doc)."""
    out = {}
    for table, frame in ex.tables.items():
        cells = ex.cells.get(table)
        if cells is None:  # an Extract built from typed frames: every cell was read
            cells = typed_cells(frame, ex.kind, table)
        f = frame.hstack(lost_columns(cells).get_columns())
        if table == "events":
            f = f.with_columns(pl.coalesce("nhs_number", "trust_id").alias(LINK_COLUMN))
        out[table] = f
    return out


def lost_columns(cells: pl.DataFrame) -> pl.DataFrame:
    """From a table's cells (`Extract.cells[table]`), one column per column with a state and
    way of being lost (`dob__unreadable`, ...): the raw text where the cell was lost so."""
    stateful = [c.removesuffix("_state") for c in cells.columns if c.endswith("_state")]
    return cells.select(
        pl.when(pl.col(f"{c}_state") == state).then(pl.col(f"{c}_raw")).alias(f"{c}__{suffix}")
        for c in stateful for state, suffix in LOST.items()
        if state in cells.schema[f"{c}_state"].categories)  # type: ignore[attr-defined]


def to_pandas(frame: pl.DataFrame, columns: list[str] | None = None) -> Any:
    """Polars -> pandas for GX, indexed by the source row number (GX reports unexpected rows by
    index). Only `columns` (default all) go over: GX copies the whole frame for each
    expectation. Dates become datetime64[ns], which GX compares with its bounds."""
    if columns is not None:
        frame = frame.select([c for c in frame.columns if c in {"row", *columns}])
    dates = [c for c, t in frame.schema.items() if t == pl.Date]
    pdf = frame.with_columns(
        pl.col(c).clip(_NS_MIN, _NS_MAX).cast(pl.Datetime("ns")) for c in dates
    ).to_pandas()
    pdf.index = pdf["row"].to_numpy()
    return pdf
