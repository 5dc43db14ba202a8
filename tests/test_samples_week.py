"""The same authority a week later (`write_samples(week_later=True)`, `samples --week-later`):
the first pair is untouched, every first-week row is kept, what the manifest says was planted is
in the files, and a weekly run on the pair shows each planted child's change."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from healthcheck import normalise as nz
from healthcheck.cli import app
from healthcheck.pipeline import run_reconcile
from healthcheck.samples import EXACT_CODES, write_samples
from tests.test_samples import cell_flags, read_all

AS_OF, LATER = date(2026, 3, 24), date(2026, 3, 31)  # Tuesdays
ARGS = {"children": 300, "seed": 3, "as_of": AS_OF, "case_format": "csv",
        "health_format": "csv"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("week")
    first = write_samples(out, week_later=True, **ARGS)  # type: ignore[arg-type]
    later = json.loads((out / "week_later" / "manifest.json").read_text(encoding="utf-8"))
    return out, first, later


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "week_later" not in p.relative_to(folder).parts}


def _dates(df: pl.DataFrame, col: str) -> pl.Series:
    return nz.parse_dates(df, col)["__parsed"]


def test_the_first_pair_is_as_without_the_week(tmp_path: Path,
                                               pair: tuple[Path, dict, dict]) -> None:
    out, first, _ = pair
    plain = write_samples(tmp_path, **ARGS)  # type: ignore[arg-type]
    assert first.pop("week_later") == "week_later/"
    assert first == plain
    got, want = _files(out), _files(tmp_path)
    got.pop("manifest.json"), want.pop("manifest.json")
    assert got == want


def test_reproducible(tmp_path: Path, pair: tuple[Path, dict, dict]) -> None:
    write_samples(tmp_path, week_later=True, **ARGS)  # type: ignore[arg-type]
    a, b = pair[0] / "week_later", tmp_path / "week_later"
    assert {str(p.relative_to(a)): p.read_bytes() for p in a.rglob("*") if p.is_file()} == \
        {str(p.relative_to(b)): p.read_bytes() for p in b.rglob("*") if p.is_file()}


def test_every_first_week_row_is_kept_and_the_plants_are_in_the_files(
        pair: tuple[Path, dict, dict]) -> None:
    out, first, later = pair
    t1, t2 = read_all(out), read_all(out / "week_later")
    assert {t: df.height for t, df in t2.items()} == later["rows"]
    assert later["as_of"] == LATER.isoformat() and later["week"]["after"] == AS_OF.isoformat()
    planted, ids = later["planted"], later["week"]["children"]
    entering, leaving = ids["children_entering_care"], ids["children_leaving_care"]
    known = ids["children_now_known_to_health"]
    late = later["week"]["events_entered_late"]
    done = later["week"]["checks_done_in_week"]
    assert min(len(entering), len(leaving), len(known), *late.values(), *done.values()) >= 1
    for name in ("children", "health_events", "patients", "events"):  # rows only added
        assert_frame_equal(t2[name].head(t1[name].height), t1[name])
    new = {name: t2[name].slice(t1[name].height) for name in t2}
    assert new["children"]["child_id"].to_list() == entering
    assert new["episodes"]["child_id"].to_list() == entering
    assert (_dates(new["episodes"], "start_date") > AS_OF).all()
    # leaving care: the child's open episode ends in the week, nothing else changes
    ep1, ep2 = t1["episodes"], t2["episodes"].head(t1["episodes"].height)
    differs = pl.any_horizontal([ep1[c].ne_missing(ep2[c]) for c in ep1.columns])
    closed = ep2.filter(differs)
    assert sorted(closed["child_id"].str.strip_chars()) == sorted(leaving)
    assert ep1.filter(differs)["end_date"].null_count() == len(leaving)
    assert ((_dates(closed, "end_date") > AS_OF) & (_dates(closed, "end_date") <= LATER)).all()
    # the trust registers the children it had no record of, and most of those entering
    nhs = t2["children"].select("child_id", nz.nhs_digits("nhs_number").alias("nhs"))
    registered = new["patients"].select(nz.nhs_digits("nhs_number").alias("nhs"))
    known_nhs = nhs.filter(pl.col("child_id").str.strip_chars().is_in(known))["nhs"]
    assert registered["nhs"].head(len(known)).to_list() == known_nhs.to_list()
    newly_registered = new["patients"].height - len(known)
    assert 0 <= newly_registered <= len(entering)
    # events: late entries (recorded more than 30 days on), checks in the week, notifications
    ev = new["events"].with_columns(d=_dates(new["events"], "event_date"),
                                    r=_dates(new["events"], "recorded_date"))
    assert ev.height == planted["events_entered_late"] + planted["checks_done_in_week"] + \
        newly_registered
    assert ((ev["r"] > AS_OF) & (ev["r"] <= LATER) & (ev["d"] <= ev["r"])).all()
    entered_late = ev.filter((pl.col("r") - pl.col("d")).dt.total_days() > 30)
    assert entered_late.height == sum(late.values()) == planted["events_entered_late"]
    assert (entered_late["d"] <= AS_OF).all()
    assert ev.filter(pl.col("d") > AS_OF).height == sum(done.values()) + newly_registered
    # the manifest: the same dirt, one fewer child unknown to the trust per registration
    assert cell_flags(t2) == {c: later["injected"][c] for c in EXACT_CODES}
    # (the vaccines the first week dated after its as-of are still after the later one)
    assert later["injected"] == first["injected"]
    assert planted["case_only_children"] == first["planted"]["case_only_children"] - len(known)


def test_a_weekly_run_on_the_pair_shows_each_planted_change(
        tmp_path: Path, pair: tuple[Path, dict, dict]) -> None:
    out, first, later = pair
    hist, cutover = tmp_path / "hist", date.fromisoformat(first["cutover"])
    for folder, as_of, res in ((out, AS_OF, "w1"), (out / "week_later", LATER, "w2")):
        run_reconcile(folder / "case", folder / "health", tmp_path / res, as_of=as_of,
                      cutover=cutover, history=hist, workbook=False)
    ch = pl.read_csv(tmp_path / "w2" / "changes.csv", infer_schema=False)
    got = set(ch.select("child_id", "check", "change").iter_rows())
    ids = later["week"]["children"]
    want = {(c, "care", "entered_care") for c in ids["children_entering_care"]}
    want |= {(c, "care", "left_care") for c in ids["children_leaving_care"]}
    want |= {(c, "health_record", "now_known_to_health")
             for c in ids["children_now_known_to_health"]}
    for kind in ("events_entered_late", "checks_done_in_week"):
        want |= {(c, check, "done") for check, kids in ids[kind].items() for c in kids}
    assert want <= got, want - got
    # and time moved on
    kinds = set(ch["change"])
    assert {"newly_overdue", "newly_due_soon"} <= kinds
    # each late entry is flagged, and last week's figures moved for the children entered late
    f1, f2 = (pl.read_csv(tmp_path / r / "flags.csv", infer_schema=False) for r in ("w1", "w2"))
    late = [f.filter(pl.col("rule") == "EVENT_RECORDED_LATE").height for f in (f1, f2)]
    assert late[1] - late[0] == later["planted"]["events_entered_late"]
    rev = pl.read_csv(tmp_path / "w2" / "revisions.csv", infer_schema=False).filter(
        pl.col("source") == "health", pl.col("as_of") == AS_OF.isoformat())
    for measure, check in (("iha_on_time_pct", "iha"), ("rha_in_date_pct", "rha")):
        row = rev.filter(pl.col("measure") == measure).row(0, named=True)
        assert float(row["difference"]) > 0, measure
        assert set(ids["events_entered_late"][check]) <= set(row["children"].split(";"))


def test_the_command_writes_the_pair(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["samples", "--out", str(tmp_path), "--children", "30",
                                 "--as-of", "2026-03-24", "--week-later"])
    assert r.exit_code == 0, r.output
    assert f"The same authority a week later: {tmp_path / 'week_later'} (as of 2026-03-31)." \
        in r.output
    assert (tmp_path / "week_later" / "case.xlsx").is_file()
    assert (tmp_path / "week_later" / "health" / "events.csv").is_file()
    later = json.loads((tmp_path / "week_later" / "manifest.json").read_text(encoding="utf-8"))
    assert later["as_of"] == "2026-03-31"
    # in a workbook too (real Excel dates and numbers among the cells): rows kept, rows added
    t1, t2 = read_all(tmp_path), read_all(tmp_path / "week_later")
    entering = later["week"]["children"]["children_entering_care"]
    assert t2["children"].height == t1["children"].height + len(entering)
    assert_frame_equal(t2["children"].head(t1["children"].height), t1["children"])
    ends = _dates(t2["episodes"], "end_date").drop_nulls()
    assert ends.filter(ends > AS_OF).len() == len(later["week"]["children"][
        "children_leaving_care"])
    r = CliRunner().invoke(app, ["samples", "--out", str(tmp_path / "x"), "--week-later",
                                 "--case-format", "ssda903"])
    assert r.exit_code == 2 and "--week-later is for the xlsx and csv" in r.output
    assert not (tmp_path / "x").exists()
