"""Writing results: everything is built in a private temporary folder inside the output folder,
then each file is renamed into place, so a failed run leaves the previous outputs whole.
Files are readable by their owner only (0600; folders 0700)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from healthcheck.reconcile import Result


def write_atomically(out: Path, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Call each writer on a temporary path, then move all files into `out` together.

    The last writer runs on a second thread while the others run in turn on this one, so the
    writers must be independent of each other. An error in any of them is raised once the
    last has finished (the first error, if both sides fail); nothing is moved into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = Path(tempfile.mkdtemp(prefix=".healthcheck-", dir=out))
    try:
        # The last writer (write_result's workbook, the slowest) runs on a second thread while
        # the others run here: they spend their time in polars and zlib, which release the GIL.
        items = list(writers.items())
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = [pool.submit(_write, tmp, name, write) for name, write in items[-1:]]
            for name, write in items[:-1]:
                _write(tmp, name, write)
            for done in slow:
                done.result()
        written = []
        for name in writers:
            os.replace(tmp / name, out / name)
            written.append(out / name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write(folder: Path, name: str, write: Callable[[Path], None]) -> None:
    write(folder / name)
    os.chmod(folder / name, 0o600)


def write_csv(frame: pl.DataFrame) -> Callable[[Path], None]:
    return lambda p: frame.write_csv(p, date_format="%Y-%m-%d")


def write_json(data: dict) -> Callable[[Path], None]:
    def write(p: Path) -> None:
        p.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return write


def write_result(result: Result, out: Path, *, workbook: bool = True) -> list[Path]:
    writers: dict[str, Callable[[Path], None]] = {
        "children.csv": write_csv(result.children),
        "flags.csv": write_csv(result.flags),
        "kpis.csv": write_csv(result.kpis),
        "summary.json": write_json(result.summary),
    }
    if workbook:
        from healthcheck.workbook import write_workbook  # openpyxl only when a workbook is wanted

        def wb(p: Path) -> None:
            write_workbook(p, children=result.children, flags=result.flags, kpis=result.kpis,
                           disagreements=result.disagreements,
                           as_of=result.as_of, horizon_days=result.policy.horizon_days)
        writers["worklist.xlsx"] = wb
    return write_atomically(out, writers)
