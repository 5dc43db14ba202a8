"""write_atomically: all files or none, private, whichever writer fails."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from healthcheck.outputs import write_atomically


def writer(text: str):  # type: ignore[no-untyped-def]
    return lambda p: p.write_text(text)


def broken(p: Path) -> None:
    p.write_text("half")
    raise OSError("disk full")


def test_all_written_private(tmp_path: Path) -> None:
    out = tmp_path / "o"
    written = write_atomically(out, {"a.csv": writer("a"), "b.csv": writer("b"),
                                     "c.xlsx": writer("c")})
    assert [p.name for p in written] == ["a.csv", "b.csv", "c.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv", "c.xlsx"]
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert (out / "c.xlsx").read_text() == "c"


@pytest.mark.parametrize("bad", ["a.csv", "c.xlsx"])  # here, or on the second thread (last)
def test_a_failing_writer_changes_nothing(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "o"
    write_atomically(out, {"a.csv": writer("old a"), "c.xlsx": writer("old c")})
    writers = {"a.csv": writer("new a"), "c.xlsx": writer("new c")}
    writers[bad] = broken
    with pytest.raises(OSError, match="disk full"):
        write_atomically(out, writers)
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "c.xlsx"]  # no temporary folder
    assert (out / "a.csv").read_text() == "old a"
    assert (out / "c.xlsx").read_text() == "old c"


def test_no_writers(tmp_path: Path) -> None:
    assert write_atomically(tmp_path / "o", {}) == []
