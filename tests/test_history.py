"""The run history (docs/rules.md §9.1): stored whole or not at all, never rewritten."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from healthcheck.history import (
    MARKER,
    HistoryError,
    history_rows,
    latest_per_as_of,
    open_history,
    policy_note,
    previous_run,
    run_info,
    runs,
    save_run,
)
from healthcheck.policy import Policy

KPIS = pl.DataFrame({"measure": ["iha_on_time_pct", "rha_in_date_pct"],
                     "source": ["health", "health"], "value": [50.0, 75.5]})


def tables(tag: str = "A") -> dict[str, pl.DataFrame]:
    return {"children": pl.DataFrame({"child_id": [tag]}), "kpis": KPIS,
            "flags": pl.DataFrame({"rule": ["CASE_ONLY"]}),
            "membership": pl.DataFrame({"source": ["health"], "child_id": [tag]})}


def store(folder: Path, as_of: date, policy: Policy | None = None, tag: str = "A") -> Path:
    info = run_info(as_of=as_of, period_start=date(as_of.year - 1, 1, 1), period_end=as_of,
                    policy=policy or Policy(), inputs={"case": {"a.csv": "00"}},
                    counts={"case_children": 3, "in_care": 2}, kpis=KPIS)
    return save_run(folder, info, tables(tag))


def test_a_run_is_stored_whole_and_read_back(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    folder = store(h, date(2026, 3, 31))
    assert (h / MARKER).is_file()
    assert folder.parent == h and folder.name.startswith("2026-03-31_")
    assert sorted(p.name for p in folder.iterdir()) == [
        "children.parquet", "flags.parquet", "kpis.parquet", "membership.parquet", "run.json"]
    assert [p.name for p in h.iterdir() if p.name.startswith(".")] == []  # no temp left
    (r,) = runs(h)
    assert r.as_of == date(2026, 3, 31) and r.policy == Policy()
    assert r.table("children")["child_id"].to_list() == ["A"]
    info = json.loads((folder / "run.json").read_text())
    assert info["tool"]["version"] and info["inputs"] == {"case": {"a.csv": "00"}}
    assert info["ran_at"].endswith("+00:00")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_runs_are_never_replaced_and_sorted_by_as_of(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    a = store(h, date(2026, 3, 31), tag="A")
    b = store(h, date(2026, 3, 24), tag="B")
    c = store(h, date(2026, 3, 31), tag="C")  # the same as-of again: a new folder
    assert len({a, b, c}) == 3
    found = runs(h)
    assert [r.folder for r in found] == [b, a, c]
    assert [r.folder for r in latest_per_as_of(found)] == [b, c]
    assert previous_run(found, date(2026, 4, 7)).folder == c  # type: ignore[union-attr]
    assert previous_run(found, date(2026, 3, 31)).folder == b  # type: ignore[union-attr]
    assert previous_run(found, date(2026, 3, 24)) is None
    assert [r["as_of"] for r in history_rows(h)] == [date(2026, 3, 24), date(2026, 3, 31),
                                                     date(2026, 3, 31)]
    assert history_rows(h)[0]["iha_on_time_pct"] == 50.0
    assert history_rows(h)[0]["children"] == 3


def test_a_file_or_a_foreign_folder_is_not_a_history(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(HistoryError, match="must be a folder"):
        open_history(f)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(HistoryError, match="not a healthcheck history"):
        store(other, date(2026, 3, 31))
    assert [p.name for p in other.iterdir()] == ["notes.txt"]  # nothing written
    with pytest.raises(HistoryError, match="no healthcheck history"):
        runs(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert open_history(empty) == empty and (empty / MARKER).is_file()


@pytest.mark.parametrize("damage", ["no_json", "bad_json", "no_parquet", "bad_policy"])
def test_a_damaged_run_is_one_clear_error_and_nothing_is_touched(tmp_path: Path,
                                                                 damage: str) -> None:
    h = tmp_path / "hist"
    folder = store(h, date(2026, 3, 31))
    if damage == "no_json":
        (folder / "run.json").unlink()
    elif damage == "bad_json":
        (folder / "run.json").write_text("{not json")
    elif damage == "no_parquet":
        (folder / "kpis.parquet").unlink()
    else:
        info = json.loads((folder / "run.json").read_text())
        info["policy"]["horizon_days"] = "soon"
        (folder / "run.json").write_text(json.dumps(info))
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    with pytest.raises(HistoryError) as e:
        runs(h)
    assert str(e.value).startswith(f"{folder}: damaged run") and "\n" not in str(e.value)
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before


def test_a_damaged_parquet_is_reported_when_read(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    folder = store(h, date(2026, 3, 31))
    (folder / "kpis.parquet").write_bytes(b"PAR1 broken")
    (r,) = runs(h)
    with pytest.raises(HistoryError, match="kpis.parquet: damaged run"):
        r.table("kpis")


def test_an_unfinished_run_is_skipped(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    store(h, date(2026, 3, 31))
    (h / ".run-abandoned").mkdir()
    (h / ".run-abandoned" / "children.parquet").write_bytes(b"half")
    assert len(runs(h)) == 1


def test_a_write_that_fails_leaves_the_history_as_it_was(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    store(h, date(2026, 3, 24))
    before = sorted(p.name for p in h.iterdir())
    bad = tables()
    bad["kpis"] = pl.DataFrame({"x": [object()]}, schema={"x": pl.Object})  # cannot be written
    info = run_info(as_of=date(2026, 3, 31), period_start=date(2025, 4, 1),
                    period_end=date(2026, 3, 31), policy=Policy(), inputs={}, counts={},
                    kpis=KPIS)
    with pytest.raises(Exception):  # noqa: B017 - polars' own error
        save_run(h, info, bad)
    assert sorted(p.name for p in h.iterdir()) == before


def test_policy_note_names_what_differs(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    store(h, date(2026, 3, 24), policy=Policy(horizon_days=14))
    (r,) = runs(h)
    note = policy_note(r, Policy())
    assert note is not None and "horizon_days 14 -> 28" in note and "\n" not in note
    assert policy_note(r, Policy(horizon_days=14)) is None


def _store_in(args: tuple[str, int]) -> str:
    folder, i = args
    return str(store(Path(folder), date(2026, 3, 31), tag=f"K{i}"))


def test_runs_at_once_all_land_whole(tmp_path: Path) -> None:
    h = tmp_path / "hist"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        made = pool.map(_store_in, [(str(h), i) for i in range(8)])
    assert len(set(made)) == 8
    found = runs(h)
    assert sorted(r.table("children")["child_id"][0] for r in found) == [
        f"K{i}" for i in range(8)]
