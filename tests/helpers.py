"""Build small extracts by hand for tests: tables as lists of dicts, written as csv or xlsx."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl

from healthcheck.ingest import Extract, ingest
from healthcheck.policy import Policy
from healthcheck.reconcile import Result, reconcile
from healthcheck.schema import EXTRACTS


def write_extract(folder: Path, kind: str, tables: dict[str, list[dict]], fmt: str = "csv") -> Path:
    """Write `tables` (every canonical column present, missing values blank) as csv or xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = {}
    for table, cols in EXTRACTS[kind].items():
        rows = tables.get(table, [])
        frames[table] = (list(cols), [[_text(r.get(c)) for c in cols] for r in rows])
    if fmt == "csv":
        path = folder / kind
        path.mkdir(exist_ok=True)
        for table, (cols, rows) in frames.items():
            pl.DataFrame(rows, schema=cols, orient="row").write_csv(path / f"{table}.csv")
        return path
    path = folder / f"{kind}.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table, (cols, rows) in frames.items():
        ws = wb.create_sheet(table)
        ws.append(cols)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def run(tmp: Path, case: dict, health: dict, as_of: date, fmt: str = "csv",
        policy: Policy | None = None, cutover: date | None = None,
        **kw: object) -> Result:
    c = ingest(write_extract(tmp, "case", case, fmt), "case")
    h = ingest(write_extract(tmp, "health", health, fmt), "health")
    return reconcile(c, h, as_of=as_of, policy=policy, cutover=cutover, **kw)  # type: ignore[arg-type]


def one_child(tmp: Path, *, start: date, as_of: date, dob: date = date(2015, 6, 1),
              events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              case_events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              episodes: list[dict] | None = None, policy: Policy | None = None,
              **kw: object) -> dict:
    """Reconcile one matched child (NHS 9434765919) and return its children.csv row."""
    nhs = "9434765919"
    case = {
        "children": [{"child_id": "C1", "nhs_number": nhs, "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "episodes": episodes or [{"child_id": "C1", "start_date": start, "legal_status": "C2",
                                  "rne": "S"}],
        "health_events": [{"child_id": "C1", "event_type": t, "event_date": d, "detail": x}
                          for t, d, x in case_events],
    }
    health = {
        "patients": [{"nhs_number": nhs, "trust_id": "T1", "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "events": [{"nhs_number": nhs, "event_type": t, "event_date": d, "detail": x}
                   for t, d, x in events],
    }
    res = run(tmp, case, health, as_of, policy=policy, **kw)
    return res.children.filter(pl.col("child_id") == "C1").to_dicts()[0]


def extract_of(tmp: Path, kind: str, tables: dict, fmt: str = "csv") -> Extract:
    return ingest(write_extract(tmp, kind, tables, fmt), kind)
