"""Writes an ingested extract: one Parquet file per canonical table plus flags.csv."""

from __future__ import annotations

from pathlib import Path

from healthcheck.ingest import Extract
from healthcheck.outputs import write_atomically, write_csv


def write_ingest(ex: Extract, out: Path) -> None:
    writers = {f"{name}.parquet": (lambda p, f=frame: f.write_parquet(p))
               for name, frame in ex.tables.items()}
    writers["flags.csv"] = write_csv(ex.flags)
    write_atomically(out, writers)
