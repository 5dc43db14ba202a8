"""What a validation found: one `ExpectationResult` per expectation, gathered in a `Report`;
the report printed as a table of the failed expectations, and GX's own result written as JSON.

Examples in the report are looked up in the ingested (polars) table by the source row number,
so they show the value as read; a value that ingest blanked shows the raw text from its flag,
e.g. `row 12: '31/02/2024' (unreadable)`. GX's result objects are read here, never imported."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.validate.frames import LOST

MAX_EXAMPLES = 5


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


def result_from_gx(table: str, r: Any, frame: pl.DataFrame) -> ExpectationResult:
    """One GX expectation result on `table` as an ExpectationResult, with up to MAX_EXAMPLES
    failing rows as ingested (from `frame`)."""
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
        condition=condition_text(kw.get("row_condition")))


def condition_text(c: object) -> str | None:
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


def add_raw_values(results: list[ExpectationResult], flags: pl.DataFrame | None) -> None:
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


def write_json(path: Path, doc: dict) -> None:
    """Owner-only, written whole or not at all (the examples are children's data)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, default=str)
    os.replace(tmp, path)


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
