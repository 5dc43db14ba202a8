"""Writing the tables: a csv folder (one file per table, each in its own encoding and line
ending) or an xlsx workbook (one sheet per table, real dates and numbers where the dirt says),
and the manifest of what the generator put in."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.samples.cells import Table


def write_csv(folder: Path, tables: list[Table]) -> dict[str, str]:
    """One csv file per table; returns each file's encoding."""
    folder.mkdir(parents=True)
    encodings = {}
    for t in tables:
        df = pl.DataFrame({h: c.text for h, c in zip(t.headers, t.cols, strict=True)})
        body = df.write_csv(line_terminator=t.eol)
        body += ("," * (len(t.headers) - 1) + t.eol) * t.blank_rows
        (folder / f"{t.name}.csv").write_bytes(body.encode(t.encoding))
        encodings[t.name] = t.encoding
    return encodings


def write_xlsx(path: Path, tables: list[Table]) -> None:
    """One sheet per table (openpyxl's write-only mode: a cell per value, in a Python loop)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    for t in tables:
        ws = wb.create_sheet(t.sheet)
        ws.append(list(t.headers))
        for row in zip(*(c.cells() for c in t.cols), strict=True):
            ws.append(row)
    wb.save(path)


def write_extract(out: Path, stem: str, fmt: str, tables: list[Table]) -> dict[str, Any]:
    """`out/stem.xlsx` or the folder `out/stem/` (replacing either); what the manifest says of
    it: its file, and for csv the encodings and blank trailing rows."""
    for p in (out / f"{stem}.xlsx", out / stem):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    if fmt == "xlsx":
        write_xlsx(out / f"{stem}.xlsx", tables)
        return {"file": f"{stem}.xlsx", "encodings": {}, "blank_rows": {}}
    encodings = write_csv(out / stem, tables)
    blank = {t.name: t.blank_rows for t in tables if t.blank_rows}
    return {"file": f"{stem}/", "encodings": encodings, "blank_rows": blank}


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
