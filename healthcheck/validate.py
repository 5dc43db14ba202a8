"""`healthcheck validate`: the Great Expectations suites in `expectations/` against one extract.

Design
------
- One reviewed suite file per extract kind: `expectations/case.json`, `expectations/health.json`,
  in the GX 1.x ExpectationSuite JSON format (`name`, `meta`, `expectations` of `type`, `kwargs`,
  `meta`). Every expectation says which table it applies to in `meta.table` and why it matters
  in `meta.why`. At run time the file is split into one GX suite per table (`case.children`, ...)
  and each is validated against that table.
- The data validated is what ingest produced (the same reader as `reconcile`; no second reader),
  converted to pandas (GX 1.x has no polars support), plus derived columns that make visible
  what ingest blanked out and flagged, so that the suite can fail on it:
    `<date>__unreadable`   raw text of a date cell that could not be read   (DATE_UNPARSEABLE)
    `<date>__placeholder`  raw text of a placeholder date (1900-01-01, ...)  (DATE_PLACEHOLDER)
    `nhs_number__invalid`  raw text of an NHS number failing the check digit (NHS_NUMBER_INVALID)
    `nhs_number_or_trust_id` (events) the valid NHS number, else the trust_id: what links an event.
  Each is null on a good row; the suites expect them to be null.
- The as-of date is a GX suite parameter: `{"$PARAMETER": "as_of"}` in a suite's kwargs.
- Examples in the report are looked up in the ingested (polars) table by the source row number,
  so they show the value as read; a value that ingest blanked shows the raw text from its flag,
  e.g. `row 12: '31/02/2024' (unreadable)`.
- Empty tables fail (`expect_table_row_count_to_be_between` min 1) for every table, including the
  case system's `health_events`: ingest accepts an extract without health events, but the
  performance team would want to know before publishing figures that the export has none.
- A required column that is absent altogether stops ingest (exit 1) before validation, so the
  suites check required *values*, not column presence.

`great_expectations` is imported only inside `validate_frames` (it takes seconds to import and
nothing else needs it), with analytics and progress bars off; it makes no network call.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.errors import InputError
from healthcheck.ingest import Extract, ingest
from healthcheck.schema import EXTRACTS

SUITE_DIR = Path(__file__).resolve().parent.parent / "expectations"
MAX_EXAMPLES = 5
# flag rule -> suffix of the derived column holding the raw text ingest could not use
LOST = {"DATE_UNPARSEABLE": "unreadable", "DATE_PLACEHOLDER": "placeholder",
        "NHS_NUMBER_INVALID": "invalid"}
LINK_COLUMN = "nhs_number_or_trust_id"
# pandas' datetime64[ns] covers 1677-09-22 .. 2262-04-11; typed dates outside are clipped for GX
# (they fail every date bound anyway) and shown unclipped in the report.
_NS_MIN, _NS_MAX = date(1678, 1, 1), date(2261, 12, 31)


@dataclass
class ExpectationResult:
    table: str
    expectation: str  # GX type, e.g. expect_column_values_to_not_be_null
    column: str | None  # the GX column (or "A, B" for a pair / compound); None for table-level
    success: bool
    unexpected: int | None  # rows failing (None for table-level expectations)
    checked: int | None  # rows checked
    examples: list[tuple[int | None, str]] = field(default_factory=list)  # (row, value)
    why: str = ""
    error: str | None = None  # GX raised instead of evaluating
    condition: str | None = None  # the row_condition, when only some rows are checked

    @property
    def source_column(self) -> str | None:
        """The source column to look at (`event_date` for `event_date__unreadable`)."""
        return self.column.split("__")[0] if self.column else None


@dataclass
class Report:
    kind: str
    path: Path
    as_of: date
    success: bool
    results: list[ExpectationResult]
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]


# --- suites ----------------------------------------------------------------------------------

def load_suite(kind: str, suite_dir: Path | None = None) -> dict[str, list[dict]]:
    """Read `expectations/<kind>.json` and split it by table: {table: [expectation config]}."""
    path = (suite_dir or SUITE_DIR) / f"{kind}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError(f"{path}: expectation suite not found",
                         "run healthcheck from its source folder, which has expectations/") from e
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: not a readable JSON expectation suite ({e})") from e
    tables: dict[str, list[dict]] = {t: [] for t in EXTRACTS[kind]}
    for i, exp in enumerate(doc.get("expectations", []), 1):
        table = (exp.get("meta") or {}).get("table")
        if table not in tables or not exp.get("type") or not (exp.get("meta") or {}).get("why"):
            raise InputError(f"{path}: expectation {i} needs a type, meta.table (one of "
                             f"{', '.join(tables)}) and meta.why")
        tables[table].append(exp)
    return tables


# --- data ------------------------------------------------------------------------------------

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


def referenced_columns(exps: list[dict]) -> list[str]:
    """The columns a table's expectations read (incl. their row conditions)."""
    cols: list[str] = []
    for e in exps:
        kw = e["kwargs"]
        cond = kw.get("row_condition")
        found = [kw.get("column"), kw.get("column_A"), kw.get("column_B"),
                 *kw.get("column_list", []),
                 ((cond.get("column") or {}).get("name") if isinstance(cond, dict) else None)]
        cols += [c for c in found if c and c not in cols]
    return cols


# --- running ---------------------------------------------------------------------------------

def run_validate(kind: str, path: Path, *, as_of: date, json_path: Path | None = None,
                 mapping: Path | None = None, suite_dir: Path | None = None) -> Report:
    """Ingest the extract at `path` and validate each table against the `kind` suite."""
    t0 = time.perf_counter()
    suites = load_suite(kind, suite_dir)
    ex = ingest(Path(path), kind, mapping)
    report = validate_frames(kind, validation_frames(ex), suites, as_of=as_of, flags=ex.flags,
                             json_path=json_path)
    report.path = Path(path)
    report.seconds = time.perf_counter() - t0
    return report


def validate_frames(kind: str, frames: dict[str, pl.DataFrame], suites: dict[str, list[dict]],
                    *, as_of: date, flags: pl.DataFrame | None = None,
                    json_path: Path | None = None) -> Report:
    """Run the per-table suites on `frames` (from `validation_frames`) with GX."""
    t0 = time.perf_counter()
    ctx = _context()
    from great_expectations import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    params = {"as_of": datetime.combine(as_of, datetime.min.time()).isoformat()}
    # SUMMARY: counts and the first unexpected rows (the frame's index = source row), not every
    # failing value (COMPLETE would list them all: huge on a national extract).
    fmt = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    results: list[ExpectationResult] = []
    raw: dict[str, Any] = {}
    for table, exps in suites.items():
        if not exps or table not in frames:
            continue
        suite = ExpectationSuite(name=f"{kind}.{table}", expectations=[
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                     meta=e.get("meta")).to_domain_obj() for e in exps])
        batch = _batch_definition(ctx, table).get_batch(
            batch_parameters={"dataframe": to_pandas(frames[table], referenced_columns(exps))})
        vr = batch.validate(suite, expectation_parameters=params, result_format=fmt)
        raw[table] = vr.to_json_dict()
        for r in vr.results:
            results.append(_result(table, r, frames[table]))
    _add_raw_values(results, flags)
    report = Report(kind, Path(), as_of, all(r.success for r in results), results,
                    time.perf_counter() - t0, {t: f.height for t, f in frames.items()})
    if json_path is not None:
        _write_json(json_path, {"kind": kind, "as_of": as_of.isoformat(),
                                "success": report.success, "validations": raw})
    return report


_CTX: dict[str, Any] = {}


def _context() -> Any:
    """One ephemeral GX context per process: in memory, analytics and progress bars off."""
    if "ctx" not in _CTX:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when GX is imported
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
        ctx = gx.get_context(mode="ephemeral", project_config=config)
        _CTX.update(ctx=ctx, source=ctx.data_sources.add_pandas("healthcheck"), batches={})
    return _CTX["ctx"]


def _batch_definition(ctx: Any, table: str) -> Any:
    batches = _CTX["batches"]
    if table not in batches:
        asset = _CTX["source"].add_dataframe_asset(table)
        batches[table] = asset.add_batch_definition_whole_dataframe(table)
    return batches[table]


def _result(table: str, r: Any, frame: pl.DataFrame) -> ExpectationResult:
    cfg = r.expectation_config
    kw = cfg.kwargs
    cols = ([kw["column"]] if "column" in kw else [kw["column_A"], kw["column_B"]]
            if "column_A" in kw else list(kw.get("column_list", [])))
    res = r.result or {}
    err = None
    if r.exception_info and r.exception_info.get("raised_exception"):
        err = str(r.exception_info.get("exception_message") or "GX raised an error")
    examples: list[tuple[int | None, str]] = []
    if not r.success and cols:
        rows: list[int] = []
        for item in res.get("partial_unexpected_index_list") or []:
            row = item.get("row") if isinstance(item, dict) else item
            if row is not None and int(row) not in rows:
                rows.append(int(row))
            if len(rows) == MAX_EXAMPLES:
                break
        examples = _examples(frame, rows, cols)
    elif not r.success and "observed_value" in res:
        examples = [(None, f"observed {res['observed_value']!r}")]
    return ExpectationResult(
        table=table, expectation=cfg.type, column=", ".join(cols) or None, success=bool(r.success),
        unexpected=res.get("unexpected_count"), checked=res.get("element_count"),
        examples=examples, why=(cfg.meta or {}).get("why", ""), error=err,
        condition=_condition_text(kw.get("row_condition")))


def _condition_text(c: object) -> str | None:
    """A GX row condition as text: `event_type == immunisations_up_to_date`."""
    if not c:
        return None
    if isinstance(c, dict) and c.get("type") == "comparison":
        value = c.get("parameter")
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        op = {"IN": "in", "NOT_IN": "not in"}.get(str(c.get("operator")), str(c.get("operator")))
        if op in ("in", "not in"):
            shown = f"({shown})"
        return f"{(c.get('column') or {}).get('name')} {op} {shown}"
    return str(c)


def _examples(frame: pl.DataFrame, rows: list[int],
              cols: list[str]) -> list[tuple[int | None, str]]:
    """The values at `rows` as ingested (dates unclipped); blanks are filled in later from flags."""
    if not rows:
        return []
    got = {d["row"]: d for d in frame.filter(pl.col("row").is_in(rows))
           .select("row", *cols).to_dicts()}
    out: list[tuple[int | None, str]] = []
    for row in rows:
        d = got.get(row, {})
        vals = [_show(d.get(c)) for c in cols]
        out.append((row, vals[0] if len(cols) == 1 else
                    ", ".join(f"{c}={v}" for c, v in zip(cols, vals, strict=True))))
    return out


def _show(v: object) -> str:
    if v is None:
        return "blank"
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str):
        return repr(v if len(v) <= 40 else v[:37] + "...")
    return str(v)


def _add_raw_values(results: list[ExpectationResult], flags: pl.DataFrame | None) -> None:
    """A blank example that ingest blanked out shows the raw text from its flag instead."""
    if flags is None or flags.is_empty():
        return
    wanted = {(r.table, row, r.column) for r in results for row, v in r.examples
              if v == "blank" and row is not None and r.column and "," not in r.column}
    if not wanted:
        return
    lost = flags.filter(pl.col("rule").is_in(list(LOST)),
                        pl.col("row").is_in([w[1] for w in wanted]))
    raw = {(t, row, f): (rule, v) for t, row, f, rule, v in
           lost.select("table", "row", "field", "rule", "value").iter_rows()}
    for r in results:
        col = r.column or ""
        r.examples = [
            (row, f"{raw[(r.table, row, col)][1]!r} ({LOST[raw[(r.table, row, col)][0]]})")
            if v == "blank" and (r.table, row, col) in raw else (row, v)
            for row, v in r.examples]


def _write_json(path: Path, doc: dict) -> None:
    """Owner-only, written whole or not at all (the examples are children's data)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, default=str)
    os.replace(tmp, path)


# --- printing --------------------------------------------------------------------------------

def print_report(report: Report, echo: Callable[[str], None]) -> None:
    """A fixed-width table of the failed expectations, then one summary line."""
    n, failed = len(report.results), report.failed
    rows = ", ".join(f"{t} {c:,}" for t, c in report.rows.items())
    echo(f"Validated {report.kind} extract {report.path} as of {report.as_of.isoformat()} "
         f"({rows} rows) in {report.seconds:.1f} s.")
    if failed:
        w_t = max(5, *(len(r.table) for r in failed))
        w_c = max(6, *(len(r.column or "(table)") for r in failed))
        w_e = max(11, *(len(r.expectation) for r in failed))
        echo("")
        echo(f"{'table':<{w_t}}  {'column':<{w_c}}  {'expectation':<{w_e}}  {'failed':>9}  "
             "examples (row: value)")
        echo(f"{'-' * w_t}  {'-' * w_c}  {'-' * w_e}  {'-' * 9}  {'-' * 21}")
        for r in failed:
            count = "error" if r.error else "-" if r.unexpected is None else f"{r.unexpected:,}"
            ex = "; ".join(v if row is None else f"{row}: {v}" for row, v in r.examples)
            if r.error:
                ex = r.error
            echo(f"{r.table:<{w_t}}  {r.column or '(table)':<{w_c}}  {r.expectation:<{w_e}}  "
                 f"{count:>9}  {ex}")
            where = f" (rows where {r.condition})" if r.condition else ""
            echo(f"{'':<{w_t}}  why{where}: {r.why}")
        echo("")
        echo(f"{len(failed)} of {n} expectations failed")
    else:
        echo(f"All {n} expectations passed")
