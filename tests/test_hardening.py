"""Hostile input and stopped runs: NHS numbers that lost digits, formula text in CSV outputs,
outputs aimed at an input, and a real kill (strace) at any rename of a run."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck import normalise as nz
from healthcheck.cli import app
from healthcheck.errors import UsageError
from healthcheck.ingest import ingest
from healthcheck.outputs import neutralise, write_atomically, write_result
from healthcheck.store import write_ingest
from tests.helpers import run_mem, write_extract
from tests.test_flags import CASE, HEALTH

runner = CliRunner()


# --- 9. NHS numbers in exponent form ---------------------------------------------------------

@pytest.mark.parametrize(("raw", "valid"), [
    ("9434765919", True), ("9434765919.0", True), ("9.434765919E9", True),
    ("9.434765919E+09", True), ("9.4347659190E+09", True), ("0.9434765919E10", True),
    # Fewer than ten significant digits: lost digits, though each passes the check digit as
    # the spreadsheet rounded it.
    ("1.07E+09", False), ("1.22E+09", False), ("9.43476508E+09", False),
    ("9.43476511e9", False),
])
def test_exponent_form_needs_ten_significant_digits(raw: str, valid: bool) -> None:
    frame = nz.nhs_numbers(pl.DataFrame({"n": [raw]}), "n")
    assert frame["__valid"].to_list() == [valid]
    assert frame["__nhs"].to_list() == (["9434765919"] if valid else [None])


# --- 8. formula text in CSV outputs ----------------------------------------------------------

def test_neutralise_text_only() -> None:
    frame = pl.DataFrame({
        "text": ["=HYPERLINK(\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx",
                 "ok", "1-2", None],
        "number": [-5, 3, -1, 0, 1, 2, 3, 4, None],
        "day": [date(2026, 3, 31)] * 9,
    })
    out = neutralise(frame)
    assert out["text"].to_list() == ["'=HYPERLINK(\"x\")", "'+cmd|' /C calc'!A0", "'-2+3",
                                     "'@SUM(A1)", "'\tx", "'\rx", "ok", "1-2", None]
    assert out.select("number", "day").equals(frame.select("number", "day"))


def test_neutralise_leaves_clean_text_columns_and_empty_frames() -> None:
    frame = pl.DataFrame({"plain": ["ok", "1-2", None], "bad": ["x", "-1", None]})
    out = neutralise(frame)
    assert out["plain"].to_list() == ["ok", "1-2", None]
    assert out["bad"].to_list() == ["x", "'-1", None]
    empty = frame.head(0)
    assert neutralise(empty).equals(empty)


def test_formula_text_from_an_extract_is_inert_in_the_csvs(tmp_path: Path) -> None:
    case = {**CASE, "children": [{**c, "child_id": "=HYPERLINK(\"http://x\",\"open\")"}
                                 if c["child_id"] == "C1" else c for c in CASE["children"]]}
    case["episodes"] = [{**e, "child_id": "=HYPERLINK(\"http://x\",\"open\")"}
                        if e["child_id"] == "C1" else e for e in CASE["episodes"]]
    result = run_mem(case, HEALTH, date(2026, 3, 31))
    write_result(result, tmp_path / "out", workbook=False)
    children = pl.read_csv(tmp_path / "out" / "children.csv", infer_schema=False)
    assert "'=HYPERLINK(\"http://x\",\"open\")" in children["child_id"].to_list()
    assert not children["child_id"].str.starts_with("=").any()
    first = (tmp_path / "out" / "children.csv").read_text()
    assert ",=" not in first and "\n=" not in first


# --- 7. --out must not be an input -----------------------------------------------------------

def test_reconcile_into_the_case_folder_is_refused(tmp_path: Path) -> None:
    case = write_extract(tmp_path, "case", CASE, "csv")
    health = write_extract(tmp_path, "health", HEALTH, "csv")
    before = (case / "children.csv").read_bytes()
    r = runner.invoke(app, ["reconcile", "--case", str(case), "--health", str(health),
                            "--out", str(case), "--as-of", "2026-03-31"])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: --out {case} is the input {case}")
    assert (case / "children.csv").read_bytes() == before
    assert not (case / ".healthcheck").exists()


def test_ingest_into_its_own_folder_is_refused(tmp_path: Path) -> None:
    case = write_extract(tmp_path, "case", CASE, "csv")
    with pytest.raises(UsageError, match="overwrite the extract"):
        write_ingest(ingest(case, "case"), case / "typed")


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_out_a_file_is_one_error_line(tmp_path: Path, where: str) -> None:
    case = write_extract(tmp_path, "case", CASE, "csv")
    health = write_extract(tmp_path, "health", HEALTH, "csv")
    (tmp_path / "o").write_text("x")
    out = tmp_path / "o" if where == "file" else tmp_path / "o" / "sub"
    r = runner.invoke(app, ["reconcile", "--case", str(case), "--health", str(health),
                            "--out", str(out), "--as-of", "2026-03-31", "--no-workbook"])
    assert r.exit_code == 1, r.output
    assert r.output.splitlines() == [
        f"Error: {out}: cannot write the outputs (Not a directory); nothing was changed",
        "  What to do: --out must be a folder (it is, or is inside, a file)"]


# --- 4. a real kill at any rename ------------------------------------------------------------

def _files(out: Path) -> dict[str, str]:
    """Each output's hash (a workbook's without its creation time)."""
    def digest(p: Path) -> str:
        if p.suffix != ".xlsx":
            return hashlib.sha256(p.read_bytes()).hexdigest()
        with zipfile.ZipFile(p) as z:
            return hashlib.sha256(b"".join(z.read(n) for n in sorted(z.namelist())
                                           if n != "docProps/core.xml")).hexdigest()
    return {p.name: digest(p) for p in sorted(out.iterdir())
            if not p.name.startswith(".") and p.exists()}


def _leftovers(out: Path) -> list[str]:
    state = out / ".healthcheck"
    keep = {"lock", "current", Path(str((state / "current").readlink())).name}
    return sorted(p.name for p in state.iterdir() if p.name not in keep) + sorted(
        p.name for p in out.iterdir() if p.name != ".healthcheck" and not p.exists())


STRACE = shutil.which("strace")
WRITE = """
import sys
from pathlib import Path
from healthcheck.outputs import write_atomically
label, *names, out = sys.argv[1:]
write_atomically(Path(out), {n: lambda p, n=n: p.write_text(label + n) for n in names})
"""


def _killed_at_each(syscall: str, old: Path, tmp: Path, command: list[str],
                    wanted: tuple[dict, dict]) -> int:
    """Copy `old` and run `command` (its last word the output folder) on the copy under strace,
    killed as it makes its Nth `syscall`, for N = 1, 2, ... until it is not killed: the
    outputs read as `wanted` old or new each time, and the next run leaves nothing behind.
    How many kills."""
    n = 0
    while True:
        n += 1
        out = tmp / f"{syscall}{n}"
        shutil.copytree(old, out, symlinks=True)
        code = subprocess.run([STRACE, "-qq", "-o", "/dev/null",  # the main thread, which renames
                               f"--inject={syscall}:signal=SIGKILL:when={n}", *command,
                               str(out)], capture_output=True).returncode
        assert _files(out) in wanted, (syscall, n)
        write_atomically(out, {n: lambda p: p.write_text("next") for n in wanted[1]})
        assert _leftovers(out) == [], (syscall, n)  # the next run left nothing behind
        assert {p.name: p.read_text() for p in out.iterdir() if p.is_symlink()} == {
            n: "next" for n in wanted[1]}
        if code == 0:
            return n - 1
        assert code == -9, (syscall, n, code)


@pytest.mark.skipif(not STRACE, reason="strace is not installed")
def test_a_kill_at_any_rename_of_a_reconcile(tmp_path: Path) -> None:
    """`strace --inject=SYSCALL:signal=SIGKILL:when=N` kills a reconcile as it makes its Nth
    rename (or symbolic link): the outputs read as the previous run's or the new run's, whole;
    the next run leaves nothing behind."""
    case = write_extract(tmp_path, "case", CASE, "xlsx")
    health = write_extract(tmp_path, "health", HEALTH, "csv")
    command = [sys.executable, "-m", "healthcheck", "-q", "reconcile", "--case", str(case),
               "--health", str(health), "--as-of", "2026-02-28", "--out"]
    old, new = tmp_path / "old", tmp_path / "new"
    for out, as_of in ((old, "2026-03-31"), (new, "2026-02-28")):
        assert runner.invoke(app, [*command[3:-2], as_of, "--out", str(out)]).exit_code == 0
    wanted = (_files(old), _files(new))
    assert wanted[0] != wanted[1] and len(wanted[0]) == 6  # with oc2_forecast.csv
    assert _killed_at_each("rename", old, tmp_path, command, wanted) == 1  # `current`
    assert _killed_at_each("symlink", old, tmp_path, command, wanted) == 2  # probe, `current`


@pytest.mark.skipif(not STRACE, reason="strace is not installed")
def test_a_kill_at_any_rename_over_an_older_versions_outputs(tmp_path: Path) -> None:
    """The same when the previous outputs are plain files, as an older version wrote them:
    each is first kept in a run folder, then replaced by a link reading the same bytes."""
    old = tmp_path / "old"
    old.mkdir()
    names = ["children.csv", "flags.csv", "summary.json"]
    for name in names:
        (old / name).write_text(f"old {name}")
    command = [sys.executable, "-c", WRITE, "new ", *names]
    new = tmp_path / "new"
    subprocess.run([*command, str(new)], check=True)
    wanted = (_files(old), _files(new))
    assert len(wanted[1]) == len(names) and wanted[0] != wanted[1]
    # keep, replace and link each file, then the swap
    assert _killed_at_each("rename", old, tmp_path, command, wanted) == 2 * len(names) + 2


# --- 3. unrecognised columns reach summary.json; 7. --out refused before any work -------------

def test_unrecognised_columns_are_in_the_summary(tmp_path: Path) -> None:
    from healthcheck.pipeline import run_reconcile

    case = write_extract(tmp_path, "case", CASE)
    (case / "children.csv").write_text(
        (case / "children.csv").read_text().replace("legacy_id", "Notes", 1))
    health = write_extract(tmp_path, "health", HEALTH)
    result = run_reconcile(case, health, tmp_path / "out", as_of=date(2026, 3, 31),
                           workbook=False)
    unrec = result.summary["unrecognised_columns"]
    assert [(u["table"], u["column"]) for u in unrec] == [("children", "Notes")]
    assert unrec[0]["file"].endswith("children.csv")


def test_out_inside_an_input_is_refused_before_reading(tmp_path: Path) -> None:
    from healthcheck.pipeline import run_reconcile

    case = write_extract(tmp_path, "case", CASE)
    with pytest.raises(UsageError, match="overwrite the extract"):
        # the health path does not even exist: the refusal comes first
        run_reconcile(case, tmp_path / "missing", case / "out", as_of=date(2026, 3, 31))
