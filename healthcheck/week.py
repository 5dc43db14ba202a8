"""The named nurse's week (docs/rules.md §9): with a history, what changed since the last run,
earlier figures recomputed now, and the trend; then this run kept in the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.changes import CHANGE_SCHEMA, change_counts, changes
from healthcheck.history import (
    Run,
    open_history,
    policy_note,
    previous_run,
    run_info,
    runs,
    save_run,
)
from healthcheck.policy import Policy
from healthcheck.recompute import Point, kpis_at
from healthcheck.reconcile import Result
from healthcheck.revisions import Recomputed, revisions, runs_to_revise
from healthcheck.trend import trend, trend_points


@dataclass
class Week:
    history: Path
    previous: Run | None
    changes: pl.DataFrame
    revisions: pl.DataFrame
    trend: pl.DataFrame
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """summary.json's `history` section."""
        return {
            "folder": str(self.history),
            "compared_with": None if self.previous is None else {
                "run": self.previous.folder.name, "as_of": self.previous.as_of.isoformat()},
            "changes": change_counts(self.changes),
            "revised_figures": int(self.revisions.filter(
                pl.col("difference").fill_null(0) != 0).height),
            "notes": self.notes,
        }


def read_history(folder: Path) -> list[Run]:
    """The runs already kept, every one checked (a damaged one stops the run before any
    output is written). A new or empty folder is made a history."""
    open_history(folder)
    return runs(folder)


def nurse_week(result: Result, folder: Path, found: list[Run],
               england: dict[str, float]) -> Week:
    """changes, revisions and trend for `result`, from the runs `found` in `folder`."""
    assert result.prepared is not None
    prev = previous_run(found, result.as_of)
    if prev is None:
        ch = pl.DataFrame(schema=CHANGE_SCHEMA)
    else:
        ch = changes(prev.table("children"), result.children)
    used = {r.folder: r for r in [*runs_to_revise(found, result.as_of), *([prev] if prev
                                                                         else [])]}
    notes = [n for r in used.values() if (n := policy_note(r, result.policy)) is not None]
    now = recomputed(result, found)
    return Week(folder, prev, ch,
                revisions(found, result.prepared, result.as_of, now),
                trend(result.prepared, result.as_of, result.policy, found, england,
                      now[result.policy][0]),
                sorted(notes))


def recomputed(result: Result, found: list[Run]) -> dict[Policy, Recomputed]:
    """`kpis_at` for the trend and the revisions: one query per policy (the trend's points and
    the revised runs' of this run's policy together), membership (and the statuses the
    year-end floor reads) at the revised runs' points only; this run's own point is its own
    figures (`result.members`), not found again."""
    assert result.prepared is not None
    asked: dict[Policy, list[Point]] = {result.policy: trend_points(result.as_of)}
    revised = set()
    for r in runs_to_revise(found, result.as_of):
        point = Point(r.as_of, r.period_start, r.period_end)
        asked.setdefault(r.policy, []).append(point)
        revised.add(point)
    own = (Point(result.as_of, result.period_start, result.period_end), result.members)
    out: dict[Policy, Recomputed] = {}
    for policy, points in asked.items():
        statuses: dict[tuple[str, date], pl.DataFrame] = {}
        out[policy] = (*kpis_at(result.prepared, None, points, policy, members=revised,
                                known=own if policy == result.policy else None,
                                status_out=statuses), statuses)
    return out


def keep_run(folder: Path, result: Result) -> Path:
    """Store this run in the history (whole or not at all)."""
    s = result.summary
    cutover = date.fromisoformat(s["cutover"]) if s.get("cutover") else None
    info = run_info(as_of=result.as_of, period_start=result.period_start,
                    period_end=result.period_end, policy=result.policy,
                    inputs={k: v["files"] for k, v in s.get("inputs", {}).items()},
                    counts={k: s["counts"][k] for k in ("case_children", "in_care")},
                    kpis=result.kpis, cutover=cutover)
    return save_run(folder, info, {"children": result.children, "kpis": result.kpis,
                                   "flags": result.flags, "membership": result.members})
