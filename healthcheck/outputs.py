"""Writing results, all at once (docs/rules.md §8.6, §12 "Outputs
replaced all at once").

The files of a run are written into a new folder, `OUT/.healthcheck/run-XXXX/`. Each output
`OUT/NAME` is a symbolic link to `.healthcheck/current/NAME`, and `.healthcheck/current` is a
link to the run folder in use. One rename of that one link replaces every output together: a
run stopped at any point (a failure, Ctrl-C, a kill) leaves the previous outputs whole or the
new ones whole, never a mix, and the next run removes what a stopped run left. Files are
readable by their owner only (0600; folders 0700).

Where symbolic links cannot be made (Windows without the right to make them), the files are
written alongside and renamed into `OUT` one by one instead.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from healthcheck.errors import HealthcheckError, OutputError, OutputsReplaced, UsageError
from healthcheck.forecast import FORECAST_SCHEMA

if TYPE_CHECKING:
    from healthcheck.reconcile import Result

STATE = ".healthcheck"  # OUT/.healthcheck: the run folders, the `current` link, the lock
CURRENT = "current"
# Text a spreadsheet would run as a formula (OWASP, "CSV Injection"): prefixed with a quote.
FORMULA_START = r"^[=+\-@\t\r]"

if TYPE_CHECKING:
    from healthcheck.week import Week


def write_atomically(out: Path, writers: dict[str, Callable[[Path], None]],
                     inputs: Iterable[Path] = ()) -> list[Path]:
    """Call each writer on a path in a new run folder, then make them the outputs in `out` with
    one rename. `inputs` (the extracts read) must not be where the outputs go (a UsageError).
    An OSError (not a folder, not writable, disk full) is an OutputError; nothing is changed."""
    out = Path(out)
    check_out(out, inputs, writers)
    try:
        with _locked(out) as state:
            return _write(out, state, writers)
    except OSError as e:
        raise _output_error(out, e) from None


def check_out(out: Path, inputs: Iterable[Path], names: Iterable[str] = ()) -> None:
    """Refuse an output folder that is an input, is inside one, or would hold one."""
    target = Path(out).resolve()
    for given in inputs:
        src = Path(given).resolve()
        if target == src or src in target.parents:
            where = "is" if target == src else "is inside"
            raise UsageError(f"--out {out} {where} the input {given}: the outputs would "
                             "overwrite the extract", "give another folder for the outputs")
        if (src.parent == target and src.name in set(names)) or target / STATE in src.parents:
            raise UsageError(f"the input {given} is one of the outputs in --out {out}",
                             "copy the extract elsewhere, or give another folder for the outputs")


@contextmanager
def _locked(out: Path) -> Iterator[Path]:
    """`OUT/.healthcheck`, made if need be and held by this run alone (a second run into the
    same folder waits for the first)."""
    if out.exists() and not out.is_dir():
        raise OSError(errno.ENOTDIR, "not a folder", str(out))
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    state = out / STATE
    state.mkdir(exist_ok=True, mode=0o700)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            pass
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield state
    finally:
        os.close(fd)


def _write(out: Path, state: Path, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    _clean(out, state)
    run = Path(tempfile.mkdtemp(prefix="run-", dir=state))  # 0700
    try:
        for name, write in writers.items():
            write(run / name)
            os.chmod(run / name, 0o600)
        if not _links_work(state):
            return _replace_one_by_one(out, run, writers)
        _link_names(out, state, writers)
        _swap(state, run.name)
    except KeyboardInterrupt:
        if _current(state) == run.name:  # stopped after the swap: the new outputs are whole
            raise OutputsReplaced(out) from None
        shutil.rmtree(run, ignore_errors=True)
        raise
    except BaseException:
        if _current(state) != run.name:
            shutil.rmtree(run, ignore_errors=True)
        raise
    try:
        _clean(out, state)
    except KeyboardInterrupt:
        raise OutputsReplaced(out) from None
    return [out / name for name in writers]


def _current(state: Path) -> str | None:
    try:
        return os.readlink(state / CURRENT)
    except OSError:
        return None


def _swap(state: Path, run: str) -> None:
    """Point `current` at `run`: the one rename that replaces every output."""
    tmp = state / f".{CURRENT}-{run}"
    tmp.unlink(missing_ok=True)
    os.symlink(run, tmp)
    os.replace(tmp, state / CURRENT)


def _link_names(out: Path, state: Path, names: Iterable[str]) -> None:
    """Make each `OUT/NAME` a link to `.healthcheck/current/NAME`, without changing what it
    reads: an output left as a file (by an older version, or after a failed link) is first
    kept, by a hard link or a copy, in the run folder `current` points at."""
    for name in names:
        path, target = out / name, f"{STATE}/{CURRENT}/{name}"
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_dir():
            raise OSError(errno.EISDIR, "a folder has the name of an output", str(path))
        if path.exists():
            if _current(state) is None:
                keep = Path(tempfile.mkdtemp(prefix="run-", dir=state))
                _swap(state, keep.name)
            _keep(path, state / CURRENT / f".{name}.keep")
            os.replace(state / CURRENT / f".{name}.keep", state / CURRENT / name)
        tmp = out / f".{name}.link"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, path)


def _keep(path: Path, into: Path) -> None:
    into.unlink(missing_ok=True)
    try:
        os.link(path, into)
    except OSError:
        shutil.copy2(path, into)
        os.chmod(into, 0o600)


def _clean(out: Path, state: Path) -> None:
    """Remove what is not the current outputs: run folders and temporary links left by a
    stopped run, the temporary folders of earlier versions (`OUT/.healthcheck-*`), and output
    links to a file the current run did not write (no workbook this time)."""
    current = _current(state)
    for entry in state.iterdir():
        if entry.name.startswith("run-") and entry.name != current:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f".{CURRENT}-"):
            entry.unlink(missing_ok=True)
    for entry in out.iterdir():
        if entry.name.startswith(".healthcheck-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_symlink() and ((entry.name[0] == "." and entry.name.endswith(".link")) or (
                os.readlink(entry).startswith(f"{STATE}/{CURRENT}/") and not entry.exists())):
            entry.unlink()


def _links_work(state: Path) -> bool:
    probe = state / ".probe"
    try:
        probe.unlink(missing_ok=True)
        os.symlink("x", probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True


def _replace_one_by_one(out: Path, run: Path, names: Iterable[str]) -> list[Path]:
    """Without symbolic links: each file renamed into `out` in turn (not all at once)."""
    written = []
    for name in names:
        os.replace(run / name, out / name)
        written.append(out / name)
    shutil.rmtree(run, ignore_errors=True)
    return written


def _output_error(out: Path, e: OSError) -> HealthcheckError:
    code = e.errno or int((re.search(r"os error (\d+)", str(e)) or [0, 0])[1])
    hint = {errno.ENOSPC: "free some disk space and run again",
            errno.EDQUOT: "free some disk space and run again",
            errno.EACCES: "give a folder you can write to",
            errno.EPERM: "give a folder you can write to",
            errno.EROFS: "give a folder you can write to",
            errno.ENOTDIR: "--out must be a folder (it is, or is inside, a file)",
            errno.EEXIST: "--out must be a folder (it is, or is inside, a file)",
            errno.EISDIR: "move the folder that has the name of an output"}.get(
        code, "check the output folder")
    reason = os.strerror(code) if code else "the outputs could not be written"
    return OutputError(f"{out}: cannot write the outputs ({reason}); nothing was changed", hint)


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or
    carriage return) get a leading single quote, as OWASP advises; numbers and dates are not
    text and are left alone."""
    return _neutralised(frame.lazy(), frame.schema).collect()


def _neutralised(frame: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    text = [c for c, dtype in schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c) for c in text)


def write_csv(frame: pl.DataFrame) -> Callable[[Path], None]:
    """Neutralised and written in one pass (no neutralised copy is kept)."""
    return lambda p: _neutralised(frame.lazy(), frame.schema).sink_csv(
        p, date_format="%Y-%m-%d")


def write_json(data: dict) -> Callable[[Path], None]:
    def write(p: Path) -> None:
        p.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return write


# Every file `write_result` may write (an input of that name beside them is refused).
OUTPUT_NAMES = ("children.csv", "flags.csv", "kpis.csv", "summary.json", "oc2_forecast.csv",
                "worklist.xlsx", "changes.csv", "revisions.csv", "trend.csv")


def write_result(result: Result, out: Path, *, workbook: bool = True,
                 week: Week | None = None) -> list[Path]:
    writers: dict[str, Callable[[Path], None]] = {
        "children.csv": write_csv(result.children),
        "flags.csv": write_csv(result.flags),
        "kpis.csv": write_csv(result.kpis),
        "summary.json": write_json(result.summary),
        # written by every run (only its header at or after the year end), so that an earlier
        # run's forecast is never left beside these outputs
        "oc2_forecast.csv": write_csv(result.forecast if result.forecast is not None
                                      else pl.DataFrame(schema=FORECAST_SCHEMA)),
    }
    if week is not None:  # with a history (docs/rules.md §9)
        writers["changes.csv"] = write_csv(week.changes)
        writers["revisions.csv"] = write_csv(week.revisions)
        writers["trend.csv"] = write_csv(week.trend)
    if workbook:
        from healthcheck.workbook import write_workbook  # xlsxwriter only when a workbook is wanted

        def wb(p: Path) -> None:
            write_workbook(p, children=result.children, flags=result.flags, kpis=result.kpis,
                           disagreements=result.disagreements,
                           as_of=result.as_of, horizon_days=result.policy.horizon_days,
                           names=result.prepared.kids if result.prepared else None,
                           lost_iha=result.lost_iha if result.prepared else None,
                           changes=week.changes if week else None,
                           trend=week.trend if week else None,
                           forecast=result.forecast, year_end=result.year_end)
        writers["worklist.xlsx"] = wb
    inputs = [Path(side["path"]) for side in result.summary.get("inputs", {}).values()
              if isinstance(side, dict) and "path" in side]
    return write_atomically(out, writers, inputs)
