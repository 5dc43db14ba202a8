"""What a validation found: one `ExpectationResult` per expectation, gathered in a `Report`;
the report printed as a table of the failed expectations, and GX's own result written as JSON.

Examples are the failing rows, looked up in the frame validated (by the source row number), so
they show the value as read; a value that ingest blanked shows its raw text from the derived
columns (`frames`), e.g. `row 12: '31/02/2024' (unreadable)`. Values of personal columns
(`PERSONAL`: identifiers, names, date of birth; docs/rules.md, Validation) are never shown or
written: their examples are row numbers, with the state of a blank or lost cell. GX's result
objects are read here, never imported."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.errors import OutputError, UsageError
from healthcheck.validate.frames import LINK_COLUMN, LOST

MAX_EXAMPLES = 5
# Columns whose values identify a child: never printed or written by validate (docs/rules.md,
# Validation). Event and episode dates, codes, event types and legal statuses are not personal.
PERSONAL = frozenset({"child_id", "legacy_id", "la_child_id", "trust_id", "nhs_number",
                      LINK_COLUMN, "forename", "surname", "dob"})
# What GX's JSON keeps of a result on a personal column: counts and row numbers.
_COUNTS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count",
           "missing_percent", "unexpected_percent_total", "unexpected_percent_nonmissing")


def is_personal(column: str) -> bool:
    """`dob`, `nhs_number__invalid` (the raw text of a personal cell), ..."""
    return column.split("__")[0] in PERSONAL


@dataclass
class ExpectationResult:
    table: str
    expectation: str  # GX type, e.g. expect_column_values_to_not_be_null
    column: str | None  # the GX column (or "A, B" for a pair / compound); None for table-level
    success: bool
    unexpected: int | None  # rows failing (None for table-level expectations)
    checked: int | None  # rows checked
    # (row, value); value None: a personal value, not shown
    examples: list[tuple[int | None, str | None]] = field(default_factory=list)
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
    examples: list[tuple[int | None, str | None]] = []
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
              cols: list[str]) -> list[tuple[int | None, str | None]]:
    """The values at `rows` as validated (dates unclipped); a blank that ingest blanked shows
    its raw text and why (`'TBC' (unreadable)`). A personal value is None, or the state of its
    cell (`blank`, `unreadable`, ...); in a pair or compound it shows as `col=(personal)`."""
    if not rows:
        return []
    lost = {c: [(f"{c}__{s}", s) for s in LOST.values() if f"{c}__{s}" in frame.columns]
            for c in cols}
    got = {d["row"]: d for d in frame.filter(pl.col("row").is_in(rows))
           .select("row", *cols, *{n for c in cols for n, _ in lost[c]}).to_dicts()}
    out: list[tuple[int | None, str | None]] = []
    for row in rows:
        d = got.get(row, {})
        vals = [_show(d, c, lost[c]) for c in cols]
        out.append((row, vals[0] if len(cols) == 1 else ", ".join(
            f"{c}={'(personal)' if v is None else v}" for c, v in zip(cols, vals, strict=True))))
    return out


def _show(d: dict, col: str, lost: list[tuple[str, str]]) -> str | None:
    v = d.get(col)
    if v is None:
        why = next(((d[n], s) for n, s in lost if d.get(n) is not None), None)
        if why is None:
            return "blank"
        return why[1] if is_personal(col) else f"{_text(why[0])} ({why[1]})"
    if is_personal(col):
        return None
    if isinstance(v, date):
        return v.isoformat()
    return _text(v) if isinstance(v, str) else str(v)


def _text(v: str) -> str:
    return repr(v if len(v) <= 40 else v[:37] + "...")


def gx_json(result: dict) -> dict:
    """GX's result of one table (`to_json_dict()`), without the values of personal columns:
    an expectation on one keeps its counts and the rows (`partial_unexpected_index_list`)."""
    out = dict(result)
    out["results"] = []
    for r in result.get("results", []):
        kw = (r.get("expectation_config") or {}).get("kwargs") or {}
        cols = [kw.get("column"), kw.get("column_A"), kw.get("column_B"),
                *kw.get("column_list", [])]
        if any(c and is_personal(c) for c in cols):
            res = r.get("result") or {}
            kept = {k: res[k] for k in _COUNTS if k in res}
            if "partial_unexpected_index_list" in res:
                kept["partial_unexpected_index_list"] = [
                    i.get("row") if isinstance(i, dict) else i
                    for i in res["partial_unexpected_index_list"] or []]
            r = {**r, "result": {**kept, "values_withheld": "personal"}}
        out["results"].append(r)
    return out


def check_json_path(path: Path) -> None:
    """Refuse a `--json` target that is a folder, before any work is done."""
    if Path(path).is_dir():
        raise UsageError(f"--json {path} is a folder", "give a file name, e.g. "
                         f"{Path(path) / 'validation.json'}")


def write_json(path: Path, doc: dict) -> None:
    """Owner-only (0600, whatever an older file's permissions), written whole or not at all:
    a new temporary file of its own (never one left by a killed run) renamed over `path`."""
    path = Path(path)
    check_json_path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp: 0600
            json.dump(doc, f, indent=2, default=str)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise OutputError(f"--json {path}: cannot write it ({e.strerror or e})",
                          "give a file in a folder you can write to") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


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
             "examples (row: value; personal values not shown)")
        echo(f"{'-' * w_t}  {'-' * w_c}  {'-' * w_e}  {'-' * 9}  {'-' * 47}")
        for r in failed:
            count = "error" if r.error else "-" if r.unexpected is None else f"{r.unexpected:,}"
            ex = examples_text(r.examples)
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


def examples_text(examples: list[tuple[int | None, str | None]]) -> str:
    """`2: '30/02/2025' (unreadable); 4: blank`, or `rows 1, 3` when no value is shown."""
    if examples and all(v is None for _, v in examples):
        return ("row " if len(examples) == 1 else "rows ") + ", ".join(
            str(row) for row, _ in examples)
    return "; ".join(str(v) if row is None else f"{row}" if v is None else f"{row}: {v}"
                     for row, v in examples)
