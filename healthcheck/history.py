"""The run history (docs/rules.md §9.1): every `reconcile --history DIR` kept as one folder.

A history folder holds a marker file `healthcheck-history` and one folder per run, named
`<as_of>_<UTC time>_<random>`, holding children, kpis, flags and measure membership as parquet
and `run.json` (as-of, period, policy, input hashes, when it ran, tool version). A run is
written into a temporary folder (a name starting with `.`) inside the history and renamed into
place in one step, so a reader sees all of it or nothing; names are unique, so two runs at once
never touch each other's folder; nothing is ever rewritten. Readers skip temporary folders.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck import __version__
from healthcheck.errors import HealthcheckError, UsageError
from healthcheck.policy import Policy, make_policy

MARKER = "healthcheck-history"
MARKER_TEXT = "A healthcheck run history: one folder per run. Do not edit.\nformat 1\n"
FORMAT = 1
TABLES = ("children", "kpis", "flags", "membership")
KEY_MEASURES = ("iha_on_time_pct", "rha_in_date_pct", "oc2_health_assessment_pct",
                "oc2_teeth_check_pct")


class HistoryError(HealthcheckError):
    """The history folder, or a run in it, cannot be used (exit 1; nothing is written)."""


@dataclass(frozen=True)
class Run:
    """One stored run (what run.json says, and where it is)."""

    folder: Path
    as_of: date
    period_start: date
    period_end: date
    policy: Policy
    ran_at: datetime
    info: dict[str, Any]

    def table(self, name: str) -> pl.DataFrame:
        """One of the run's parquet tables; a damaged file is a HistoryError naming it."""
        path = self.folder / f"{name}.parquet"
        try:
            return pl.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - any failure to read means a damaged run
            raise HistoryError(f"{path}: damaged run in the history ({type(e).__name__}); "
                               "move this run folder out of the history and run again") from e


def open_history(folder: Path, *, create: bool = True) -> Path:
    """The history folder, checked (and made, with its marker, when new or empty)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise HistoryError(f"{folder}: --history must be a folder, and this is a file")
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    if MARKER in names:
        if not (folder / MARKER).is_file():
            raise HistoryError(f"{folder}: not a healthcheck history ({MARKER} is not a file)")
        return folder
    if any(not n.startswith(".") for n in names):
        raise HistoryError(f"{folder}: not a healthcheck history (no {MARKER} file) and not "
                           "empty; give a new or empty folder")
    if not create:
        raise HistoryError(f"{folder}: no healthcheck history here (no {MARKER} file)")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_new(folder / MARKER, MARKER_TEXT)
    return folder


def _write_new(path: Path, text: str) -> None:
    """Create `path` with `text` unless it exists (two first runs at once: one writes it)."""
    tmp = path.with_name(f".{path.name}-{secrets.token_hex(8)}")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # fails when the marker is already there: it is never rewritten
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def runs(folder: Path) -> list[Run]:
    """Every run in the history, oldest as-of first (then by when it ran)."""
    folder = open_history(folder, create=False)
    found = [_load_run(p) for p in sorted(folder.iterdir())
             if p.is_dir() and not p.name.startswith(".")]
    return sorted(found, key=lambda r: (r.as_of, r.ran_at, r.folder.name))


def _load_run(folder: Path) -> Run:
    def damaged(why: str) -> HistoryError:
        return HistoryError(f"{folder}: damaged run in the history ({why}); move this run "
                            "folder out of the history and run again")
    try:
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        run = Run(folder, date.fromisoformat(info["as_of"]),
                  date.fromisoformat(info["period"]["start"]),
                  date.fromisoformat(info["period"]["end"]),
                  make_policy(info["policy"], f"{folder / 'run.json'} policy"),
                  datetime.fromisoformat(info["ran_at"]), info)
    except FileNotFoundError as e:
        raise damaged("no run.json") from e
    except UsageError as e:
        raise damaged(f"policy not understood: {e}") from e
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise damaged(f"run.json unreadable: {type(e).__name__}") from e
    missing = [t for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise damaged(f"no {', '.join(t + '.parquet' for t in missing)}")
    return run


def run_info(*, as_of: date, period_start: date, period_end: date, policy: Policy,
             inputs: dict[str, Any], counts: dict[str, Any], kpis: pl.DataFrame,
             cutover: date | None = None) -> dict[str, Any]:
    """run.json's content for a run made now."""
    health = kpis.filter(pl.col("source") == "health")
    return {
        "format": FORMAT,
        "tool": {"name": "healthcheck", "version": __version__},
        "ran_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "as_of": as_of.isoformat(),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "cutover": cutover.isoformat() if cutover else None,
        "policy": policy.as_dict(),
        "inputs": inputs,
        "counts": counts,
        "figures": {m: v for m, v in health.select("measure", "value").iter_rows()},
    }


def save_run(folder: Path, info: dict[str, Any], tables: dict[str, pl.DataFrame]) -> Path:
    """Store one run whole or not at all; returns its folder. Never replaces anything."""
    folder = open_history(folder)
    assert set(tables) == set(TABLES), sorted(tables)
    stamp = datetime.fromisoformat(info["ran_at"]).strftime("%Y%m%dT%H%M%S%fZ")
    final = folder / f"{info['as_of']}_{stamp}_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix=".run-", dir=folder))
    try:
        for name, frame in tables.items():
            frame.write_parquet(tmp / f"{name}.parquet")
        (tmp / "run.json").write_text(json.dumps(info, indent=2, default=str) + "\n",
                                      encoding="utf-8")
        for p in tmp.iterdir():
            os.chmod(p, 0o600)
            _fsync(p)
        _fsync(tmp)
        if final.exists():  # a random name: never, but nothing may be replaced
            raise HistoryError(f"{final}: a run of that name is already in the history")
        os.rename(tmp, final)
        _fsync(folder)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_per_as_of(found: list[Run]) -> list[Run]:
    """The latest run (by when it ran) for each as-of, oldest as-of first."""
    by: dict[date, Run] = {}
    for r in found:  # sorted by (as_of, ran_at): the last one wins
        by[r.as_of] = r
    return [by[d] for d in sorted(by)]


def previous_run(found: list[Run], as_of: date) -> Run | None:
    """The latest earlier run whose as-of is before `as_of`: the latest as-of, the latest run
    of it."""
    earlier = [r for r in found if r.as_of < as_of]
    return earlier[-1] if earlier else None


def policy_note(run: Run, policy: Policy) -> str | None:
    """One line saying how a stored run's policy differs from this run's, or None."""
    old, new = run.policy.as_dict(), policy.as_dict()
    diff = [f"{k} {old[k]} -> {new[k]}" for k in new if old.get(k) != new[k]]
    if not diff:
        return None
    return (f"history run {run.folder.name} used another policy ({'; '.join(diff)}): its "
            "figures are recomputed with its own policy")


def history_rows(folder: Path) -> list[dict[str, Any]]:
    """`healthcheck history DIR`: one row per run, oldest first: as-of, when it ran, children,
    in care and the health figures most often asked for."""
    rows = []
    for r in runs(folder):
        counts = r.info.get("counts", {})
        figures = r.info.get("figures", {})
        rows.append({
            "run": r.folder.name, "as_of": r.as_of, "ran_at": r.ran_at,
            "period_start": r.period_start, "period_end": r.period_end,
            "children": counts.get("case_children"), "in_care": counts.get("in_care"),
            **{m: figures.get(m) for m in KEY_MEASURES},
        })
    return rows
