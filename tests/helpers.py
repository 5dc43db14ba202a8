"""Build small extracts by hand for tests: tables as lists of dicts, written as csv or xlsx or
kept in memory; one child's statuses from the rules alone (`child_status`) or from a whole
reconcile (`child_row`); and `assert_flagged`, the one way a test asserts a flag code is raised."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl

from healthcheck.flags import CODES
from healthcheck.ingest import Extract, ingest, ingest_tables
from healthcheck.periods import latest_periods
from healthcheck.policy import Policy
from healthcheck.read import RawTable
from healthcheck.reconcile import Result, reconcile
from healthcheck.rules.evaluate import EVENT_SCHEMA, evaluate
from healthcheck.schema import CHECK_TYPES, EVENT_TYPES, EXTRACTS, table_schema


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


NHS = "9434765919"  # the one child of one_child, child_row and child_status


def _one_child_tables(start: date, dob: date, events: list, case_events: list,
                      episodes: list[dict] | None) -> tuple[dict, dict]:
    """The extracts of one child (NHS 9434765919) in both systems: `episodes`, or one open C2
    episode from `start`; health `events` and `case_events` as (type, date, detail)."""
    case = {
        "children": [{"child_id": "C1", "nhs_number": NHS, "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "episodes": episodes or [{"child_id": "C1", "start_date": start, "legal_status": "C2",
                                  "rne": "S"}],
        "health_events": [{"child_id": "C1", "event_type": t, "event_date": d, "detail": x}
                          for t, d, x in case_events],
    }
    health = {
        "patients": [{"nhs_number": NHS, "trust_id": "T1", "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "events": [{"nhs_number": NHS, "event_type": t, "event_date": d, "detail": x}
                   for t, d, x in events],
    }
    return case, health


def one_child(tmp: Path, *, start: date, as_of: date, dob: date = date(2015, 6, 1),
              events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              case_events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              episodes: list[dict] | None = None, policy: Policy | None = None,
              **kw: object) -> dict:
    """Reconcile one matched child from files written under `tmp` and return its children.csv
    row. Prefer `child_status` (the rules alone) or `child_row` (no files)."""
    case, health = _one_child_tables(start, dob, list(events), list(case_events), episodes)
    res = run(tmp, case, health, as_of, policy=policy, **kw)
    return res.children.filter(pl.col("child_id") == "C1").to_dicts()[0]


def child_row(*, start: date, as_of: date, dob: date = date(2015, 6, 1),
              events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              case_events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
              episodes: list[dict] | None = None, policy: Policy | None = None,
              **kw: object) -> dict:
    """`one_child` without files: the whole reconcile (ingest of text cells, matching, both
    sources) of one child held in memory; its children.csv row. For what reading or the
    reconcile's wiring decides: codes in mixed case, case events, a child without a period."""
    case, health = _one_child_tables(start, dob, list(events), list(case_events), episodes)
    res = run_mem(case, health, as_of, policy=policy, **kw)
    return res.children.filter(pl.col("child_id") == "C1").to_dicts()[0]


def child_status(*, start: date, as_of: date, dob: date = date(2015, 6, 1),
                 events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
                 episodes: list[dict] | None = None, policy: Policy | None = None) -> dict:
    """The rules alone on typed in-memory frames (a few milliseconds): periods of care
    (`latest_periods`) then R1-R6 (`evaluate`) over one child's health `events`, as
    `reconcile` runs them. Its columns of children.csv read as `child_row` gives them
    (tests/test_helpers.py checks so). The values must be canonical, as ingest gives them;
    a test of reading mixed case or spaces goes through `child_row`."""
    eps = episodes or [{"child_id": "C1", "start_date": start, "legal_status": "C2",
                        "rne": "S"}]
    for e in eps:
        for code in (e.get("legal_status"), e.get("rne")):
            assert code is None or code == code.strip().upper() != "", (
                f"{code!r} is not canonical: use child_row")
    for t, _, x in events:
        assert t in EVENT_TYPES, f"{t!r} is not canonical: use child_row"
        if t == "immunisations_up_to_date":
            assert x in (None, "Y", "N"), f"{x!r} is not canonical: use child_row"
        if t in ("declined", "was_not_brought"):
            assert x is None or x in CHECK_TYPES, f"{x!r} is not canonical: use child_row"
    schema = table_schema("episodes")
    ep = pl.DataFrame([{**{c: e.get(c) for c in schema}, "row": i + 1}
                       for i, e in enumerate(eps)], schema=schema, orient="row")
    base = pl.DataFrame({"child_id": ["C1"], "dob": [dob]}).join(
        latest_periods(ep, as_of).collect(), on="child_id", how="left")
    ev = pl.DataFrame([("C1", t, d, x) for t, d, x in events], schema=EVENT_SCHEMA,
                      orient="row")
    out = evaluate(base.lazy(), ev.lazy(), policy or Policy(), as_of, "notification_received")
    return out.collect().to_dicts()[0]


def extract_of(tmp: Path, kind: str, tables: dict, fmt: str = "csv") -> Extract:
    return ingest(write_extract(tmp, kind, tables, fmt), kind)


def extract_mem(kind: str, tables: dict[str, list[dict]]) -> Extract:
    """`ingest` of text tables held in memory (no file): what the files of `write_extract`
    would give, with each table's file named `{kind}/{table}.csv`."""
    raw = {}
    for table, cols in EXTRACTS[kind].items():
        rows = tables.get(table, [])
        frame = pl.DataFrame([[_text(r.get(c)) for c in cols] for r in rows],
                             schema=dict.fromkeys(cols, pl.String), orient="row")
        frame = frame.select(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row"),
                             *cols)
        raw[table] = RawTable(table, f"{kind}/{table}.csv", frame)
    return ingest_tables(raw, kind, Path(kind))


def run_mem(case: dict, health: dict, as_of: date, **kw: object) -> Result:
    """`run` without files: both extracts ingested from memory, then reconciled."""
    return reconcile(extract_mem("case", case), extract_mem("health", health), as_of=as_of,
                     **kw)  # type: ignore[arg-type]


def assert_flagged(flags: pl.DataFrame, code: str, *expected: tuple,
                   on: tuple[str, ...] = ("table", "row", "field")) -> None:
    """`code` is raised exactly on the `expected` flags (tuples of the `on` columns, in any
    order; at least one), each with the code's registered severity and a message.
    tests/test_docs.py counts a code as tested only where a test calls this with it."""
    assert expected, f"{code}: say where it is raised"
    assert code in CODES, f"{code} is not a registered flag code"
    got = flags.filter(pl.col("rule") == code)
    assert sorted(got.select(on).rows(), key=str) == sorted(expected, key=str), (
        f"{code}: raised on {got.select(on).rows()}")
    assert set(got["severity"]) == {CODES[code].severity}, f"{code}: severity"
    assert got["message"].null_count() == 0, f"{code}: a flag without a message"
