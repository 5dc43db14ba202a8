"""The frames GX sees: each ingested table (the same reader as `reconcile`; no second reader)
plus derived columns that make visible what ingest blanked out and flagged, so that the suites
can fail on it, then converted to pandas (GX 1.x has no polars support):
  `<date>__unreadable`   raw text of a date cell that could not be read   (DATE_UNPARSEABLE)
  `<date>__placeholder`  raw text of a placeholder date (1900-01-01, ...)  (DATE_PLACEHOLDER)
  `nhs_number__invalid`  raw text of an NHS number failing the check digit (NHS_NUMBER_INVALID)
  `nhs_number_or_trust_id` (events) the valid NHS number, else the trust_id: what links an event.
Each is null on a good row; the suites expect them to be null."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from healthcheck.ingest import Extract
from healthcheck.schema import EXTRACTS

# flag rule -> suffix of the derived column holding the raw text ingest could not use
LOST = {"DATE_UNPARSEABLE": "unreadable", "DATE_PLACEHOLDER": "placeholder",
        "NHS_NUMBER_INVALID": "invalid"}
LINK_COLUMN = "nhs_number_or_trust_id"
# pandas' datetime64[ns] covers 1677-09-22 .. 2262-04-11; typed dates outside are clipped for GX
# (they fail every date bound anyway) and shown unclipped in the report.
_NS_MIN, _NS_MAX = date(1678, 1, 1), date(2261, 12, 31)


def validation_frames(ex: Extract) -> dict[str, pl.DataFrame]:
    """Each ingested table plus the derived columns the suites check (see the module doc)."""
    out = {}
    for table, frame in ex.tables.items():
        spec = EXTRACTS[ex.kind][table]
        flags = ex.flags.filter(pl.col("table") == table, pl.col("rule").is_in(list(LOST)))
        f = frame
        for rule, suffix in LOST.items():
            for col, dtype in spec.items():
                if (rule == "NHS_NUMBER_INVALID") != (col == "nhs_number"):
                    continue
                if rule != "NHS_NUMBER_INVALID" and dtype != pl.Date:
                    continue
                raw = (flags.filter(pl.col("rule") == rule, pl.col("field") == col)
                       .select("row", pl.col("value").alias(f"{col}__{suffix}"))
                       .unique("row", keep="first"))
                f = f.join(raw, on="row", how="left", maintain_order="left")
        if table == "events":
            f = f.with_columns(pl.coalesce("nhs_number", "trust_id").alias(LINK_COLUMN))
        out[table] = f
    return out


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
