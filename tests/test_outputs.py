"""write_atomically: all files or none, private, whichever writer fails or wherever the run is
stopped; a stopped run's leftovers are removed by the next."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from healthcheck import outputs
from healthcheck.errors import OutputError, OutputsReplaced, UsageError
from healthcheck.outputs import write_atomically

NAMES = ("a.csv", "b.csv", "c.xlsx")


def writer(text: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(text)


def broken(p: Path) -> None:
    p.write_text("half")
    raise OSError(errno.ENOSPC, "No space left on device")


def gen(label: str, names: tuple[str, ...] = NAMES) -> dict[str, Callable[[Path], None]]:
    return {n: writer(f"{label} {n}") for n in names}


def contents(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(out.iterdir())
            if not p.name.startswith(".") and p.exists()}


def leftovers(out: Path) -> list[str]:
    """Anything in `out` that is not an output, the lock, `current` or the run it names."""
    state = out / ".healthcheck"
    current = os.readlink(state / "current") if (state / "current").is_symlink() else None
    extra = [p.name for p in out.iterdir() if p.name != ".healthcheck"
             and not (p.is_symlink() and p.exists())]
    return extra + [p.name for p in state.iterdir() if p.name not in ("lock", "current", current)]


def test_all_written_private(tmp_path: Path) -> None:
    out = tmp_path / "o"
    written = write_atomically(out, gen("new"))
    assert [p.name for p in written] == list(NAMES)
    assert contents(out) == {n: f"new {n}" for n in NAMES}
    assert leftovers(out) == []
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert os.readlink(p) == f".healthcheck/current/{p.name}"
    for folder in (out, out / ".healthcheck", out / ".healthcheck" / "current"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("bad", ["a.csv", "c.xlsx"])
def test_a_failing_writer_changes_nothing(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "o"
    write_atomically(out, gen("old"))
    writers = gen("new")
    writers[bad] = broken
    with pytest.raises(OutputError, match="No space left on device.*nothing was changed") as e:
        write_atomically(out, writers)
    assert e.value.hint == "free some disk space and run again"
    assert contents(out) == {n: f"old {n}" for n in NAMES}
    assert leftovers(out) == []


def test_no_writers(tmp_path: Path) -> None:
    assert write_atomically(tmp_path / "o", {}) == []


def test_an_output_not_written_this_time_goes(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_atomically(out, gen("old"))
    write_atomically(out, gen("new", NAMES[:2]))  # e.g. --no-workbook
    assert contents(out) == {n: f"new {n}" for n in NAMES[:2]}
    assert not (out / "c.xlsx").is_symlink()


def test_outputs_of_an_older_version_are_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    for n in NAMES:
        (out / n).write_text(f"old {n}")
    (out / ".healthcheck-abc123").mkdir()  # an older version's temporary folder
    (out / "notes.txt").write_text("mine")
    write_atomically(out, gen("new"))
    assert contents(out) == {"notes.txt": "mine", **{n: f"new {n}" for n in NAMES}}
    assert leftovers(out) == ["notes.txt"]


class Stop(BaseException):
    """Stands for a kill: raised instead of the Nth rename, nothing after it runs."""


def _stop_at(monkeypatch: pytest.MonkeyPatch, n: int, exc: type[BaseException]) -> list[int]:
    calls = [0]
    real = os.replace

    def replace(a, b):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == n:
            raise exc()
        real(a, b)
    monkeypatch.setattr(outputs.os, "replace", replace)
    return calls


@pytest.mark.parametrize("older", [False, True], ids=["ours", "older-version"])
def test_stopped_at_any_rename_old_or_new_never_a_mix(tmp_path: Path, older: bool) -> None:
    """Stop the run at each rename in turn (before it happens): the outputs read as the old
    set or the new set; the next run leaves nothing behind."""
    n, seen = 0, set()
    while True:
        n += 1
        out = tmp_path / str(n)
        if older:
            out.mkdir()
            for name in NAMES:
                (out / name).write_text(f"old {name}")
        else:
            write_atomically(out, gen("old"))
        with pytest.MonkeyPatch.context() as mp:
            calls = _stop_at(mp, n, Stop)
            try:
                write_atomically(out, gen("new"))
                finished = True
            except Stop:
                finished = False
        got = contents(out)
        assert got in ({k: f"old {k}" for k in NAMES}, {k: f"new {k}" for k in NAMES})
        seen.add(next(iter(got.values())).split()[0])
        write_atomically(out, gen("next"))
        assert contents(out) == {k: f"next {k}" for k in NAMES}
        assert leftovers(out) == []
        if finished:
            break
    assert n == calls[0] + 1 and seen == {"old", "new"}


def test_ctrl_c_after_the_swap_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    write_atomically(out, gen("old"))

    def interrupted(out: Path, state: Path) -> None:
        if outputs._current(state) and (state / "current" / "a.csv").read_text() == "new a.csv":
            raise KeyboardInterrupt
    monkeypatch.setattr(outputs, "_clean", interrupted)
    with pytest.raises(OutputsReplaced):
        write_atomically(out, gen("new"))
    monkeypatch.undo()
    calls = _stop_at(monkeypatch, 1, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt) as e:
        write_atomically(out, gen("later"))
    assert calls[0] == 1 and not isinstance(e.value, OutputsReplaced)
    assert contents(out) == {k: f"new {k}" for k in NAMES}


@pytest.mark.parametrize(("setup", "hint"), [
    (lambda t: (t / "o").write_text("x"), "--out must be a folder"),
    (lambda t: (t / "o").write_text("x") and t / "o" / "sub", "--out must be a folder"),
])
def test_out_a_file_or_under_one(tmp_path: Path, setup, hint: str) -> None:  # type: ignore[no-untyped-def]
    out = setup(tmp_path)
    out = out if isinstance(out, Path) else tmp_path / "o"
    with pytest.raises(OutputError) as e:
        write_atomically(out, gen("new"))
    assert e.value.hint.startswith(hint)  # type: ignore[union-attr]


def test_out_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*a, **k):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(outputs.tempfile, "mkdtemp", denied)
    with pytest.raises(OutputError, match="Permission denied") as e:
        write_atomically(tmp_path / "o", gen("new"))
    assert e.value.hint == "give a folder you can write to"


def test_a_folder_named_as_an_output(tmp_path: Path) -> None:
    (tmp_path / "o" / "a.csv").mkdir(parents=True)
    with pytest.raises(OutputError, match="Is a directory"):
        write_atomically(tmp_path / "o", gen("new"))


@pytest.mark.parametrize(("out", "inputs"), [
    ("case", ["case", "health.xlsx"]),  # the input folder itself
    ("case/sub", ["case"]),  # inside it
    ("health.xlsx", ["health.xlsx"]),  # the input file
    (".", ["a.csv"]),  # an input that is one of the outputs
])
def test_out_must_not_be_an_input(tmp_path: Path, out: str, inputs: list[str]) -> None:
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "children.csv").write_text("mine")
    with pytest.raises(UsageError, match="--out"):
        write_atomically(tmp_path / out, gen("new"), [tmp_path / i for i in inputs])
    assert (tmp_path / "case" / "children.csv").read_text() == "mine"
