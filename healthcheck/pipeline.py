"""read -> normalise -> reconcile -> write, as one call (used by `reconcile` and `demo`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path

from healthcheck.ingest import ingest_pair
from healthcheck.outputs import OUTPUT_NAMES, check_out, write_result
from healthcheck.policy import load_policy
from healthcheck.reconcile import Result, reconcile
from healthcheck.week import keep_run, nurse_week, read_history


def _no_step(label: str) -> AbstractContextManager[None]:
    return nullcontext()


def run_reconcile(case: Path, health: Path | None, out: Path, *, as_of: date,
                  period_start: date | None = None, period_end: date | None = None,
                  cutover: date | None = None, policy_file: Path | None = None,
                  mapping_case: Path | None = None, mapping_health: Path | None = None,
                  workbook: bool = True, history: Path | None = None,
                  year_end: date | None = None,
                  step: Callable[[str], AbstractContextManager[None]] = _no_step) -> Result:
    """`health` None: a case-only run (docs/rules.md "Case-only runs")."""
    policy = load_policy(policy_file)
    # refused before any work, not at write time
    check_out(out, [p for p in (case, health) if p is not None], OUTPUT_NAMES)
    found = read_history(history) if history is not None else []  # checked before any work
    with step("Reading the two extracts"):
        c, h = ingest_pair(case, health, mapping_case, mapping_health)
    with step("Reconciling"):
        result = reconcile(c, h, as_of=as_of, period_start=period_start,
                           period_end=period_end, cutover=cutover, policy=policy,
                           year_end=year_end)
    del c, h  # the result keeps what it needs: the rest of the extracts is freed
    week = None
    if history is not None:
        with step("Comparing with the history"):
            from healthcheck.worklist_labels import ENGLAND_2025
            week = nurse_week(result, history, found, ENGLAND_2025)
            result.summary["history"] = week.summary()
    with step("Writing outputs"):
        write_result(result, out, workbook=workbook, week=week)
    if history is not None:
        with step("Keeping the run in the history"):
            result.summary["history"]["kept_as"] = keep_run(history, result).name
    return result
