"""Writes an ingested extract: one Parquet file per canonical table plus flags.csv
(docs/rules.md §8.6)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import polars as pl

from healthcheck.ingest import Extract
from healthcheck.outputs import write_atomically, write_csv


def write_ingest(ex: Extract, out: Path) -> None:
    writers: dict[str, Callable[[Path], None]] = {
        f"{name}.parquet": partial(_parquet, frame) for name, frame in ex.tables.items()}
    writers["flags.csv"] = write_csv(ex.flags)
    write_atomically(out, writers, [ex.path])


def _parquet(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(path)
