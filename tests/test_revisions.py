"""revisions.csv, EVENT_RECORDED_LATE and IHA_NOT_RECORDED on hand-worked extracts
(docs/rules.md §9.3, §9.5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from healthcheck.history import run_info, runs, save_run
from healthcheck.kpis import membership
from healthcheck.lost_iha import iha_not_recorded, lost_iha
from healthcheck.policy import Policy
from healthcheck.recompute import Point, kpis_at, prepare
from healthcheck.revisions import event_recorded_late, revisions, runs_to_revise
from healthcheck.rules.evaluate import evaluate
from tests.helpers import assert_flagged, extract_of

NHS = ["9434765900", "9434765919", "9434765927"]
DOB = date(2015, 6, 1)
WEEK1, WEEK2 = date(2026, 3, 24), date(2026, 3, 31)  # Tuesdays a week apart


def extracts(tmp: Path, health_events: list[tuple[int, str, date, date | None]]) -> tuple:
    """Three children, clocks in 2025-26. A: Mon 2 Feb 2026 (IHA due Mon 2 Mar: 3..6 Feb =
    1..4, 9..13 = 5..9, 16..20 = 10..14, 23..27 = 15..19, Mon 2 Mar = 20). B: Mon 1 Sep 2025
    (IHA due Mon 29 Sep). C: Mon 5 Jan 2026 (due Mon 2 Feb)."""
    starts = [date(2026, 2, 2), date(2025, 9, 1), date(2026, 1, 5)]
    ids = ["A", "B", "C"]
    case = {"children": [{"child_id": c, "nhs_number": n, "forename": "F", "surname": c,
                          "dob": DOB} for c, n in zip(ids, NHS, strict=True)],
            "episodes": [{"child_id": c, "start_date": s, "legal_status": "C2", "rne": "S"}
                         for c, s in zip(ids, starts, strict=True)],
            "health_events": []}
    health = {"patients": [{"nhs_number": n, "trust_id": f"T{i}", "forename": "F",
                            "surname": c, "dob": DOB}
                           for i, (c, n) in enumerate(zip(ids, NHS, strict=True))],
              "events": [{"nhs_number": NHS[i], "event_type": t, "event_date": d,
                          "recorded_date": r} for i, t, d, r in health_events]}
    return extract_of(tmp / "c", "case", case), extract_of(tmp / "h", "health", health)


def store_run(hist: Path, case: object, health: object, as_of: date, policy: Policy) -> None:
    point = Point(as_of, date(2025, 4, 1) if as_of.month > 3 or as_of.day == 31
                  else date(2025, 3, 25), as_of)
    k, m = kpis_at(case, health, [point], policy)  # type: ignore[arg-type]
    info = run_info(as_of=as_of, period_start=point.period_start, period_end=as_of,
                    policy=policy, inputs={}, counts={}, kpis=k)
    save_run(hist, info, {"children": pl.DataFrame({"child_id": ["A"]}), "kpis": k,
                          "flags": pl.DataFrame({"rule": ["X"]}),
                          "membership": m.drop("as_of", "period_start", "period_end")})


def test_late_entered_iha_revises_last_weeks_figure(tmp_path: Path) -> None:
    # Week 1 (as-of Tue 24 Mar): A's IHA not entered yet -> overdue; B on time (Fri 26 Sep);
    # C late (Tue 10 Feb). iha_on_time_pct = 1 of 3 = 33.3.
    ev1 = [(1, "iha", date(2025, 9, 26), date(2025, 9, 29)),
           (2, "iha", date(2026, 2, 10), date(2026, 2, 11))]
    c1, h1 = extracts(tmp_path / "w1", ev1)
    hist = tmp_path / "hist"
    store_run(hist, c1, h1, WEEK1, Policy())
    # Week 2: A's IHA of Fri 27 Feb (on time) entered on Mon 30 Mar, 31 days later.
    ev2 = [*ev1, (0, "iha", date(2026, 2, 27), date(2026, 3, 30))]
    c2, h2 = extracts(tmp_path / "w2", ev2)
    found = runs(hist)
    assert [r.as_of for r in runs_to_revise(found, WEEK2)] == [WEEK1]
    rev = revisions(found, prepare(c2, h2), WEEK2)
    row = rev.filter(pl.col("measure") == "iha_on_time_pct",
                     pl.col("source") == "health").to_dicts()[0]
    assert (row["as_of"], row["reported"], row["now"], row["difference"], row["children"]) == (
        WEEK1, 33.3, 66.7, 33.4, "A")
    assert (row["period_start"], row["period_end"]) == (date(2025, 3, 25), WEEK1)
    # the case side did not move (no case events at all)
    case_row = rev.filter(pl.col("measure") == "iha_on_time_pct",
                          pl.col("source") == "case").to_dicts()[0]
    assert case_row["difference"] == 0.0 and case_row["children"] is None
    assert rev.columns == ["measure", "source", "as_of", "period_start", "period_end",
                           "reported", "now", "difference", "children"]
    # A's IHA on 27 Feb entered 30 Mar: 31 days > 30
    late = event_recorded_late(h2.tables["events"], Policy(), "events.csv").collect()
    assert_flagged(late, "EVENT_RECORDED_LATE", ("events", 3, "recorded_date"))
    assert late["value"][0] == "iha 2026-02-27 recorded 2026-03-30"
    assert event_recorded_late(h2.tables["events"], Policy(late_entry_days=31),
                               "events.csv").collect().height == 0


def test_revisions_use_the_earlier_runs_own_policy_and_window(tmp_path: Path) -> None:
    ev = [(1, "iha", date(2025, 9, 26), None)]
    c, h = extracts(tmp_path / "w", ev)
    hist = tmp_path / "hist"
    store_run(hist, c, h, WEEK1, Policy(iha_rule="28CD"))
    store_run(hist, c, h, date(2025, 3, 31), Policy())  # 12 months before 31 Mar 2026: out
    found = runs(hist)
    assert [r.as_of for r in runs_to_revise(found, WEEK2)] == [WEEK1]
    assert [r.as_of for r in runs_to_revise(found, date(2026, 3, 30))] == [
        date(2025, 3, 31), WEEK1]
    rev = revisions(found, prepare(c, h), WEEK2)
    # recomputed with 28CD as reported: nothing moved
    assert rev["difference"].drop_nulls().abs().max() == 0.0
    assert set(rev["as_of"]) == {WEEK1}


def test_iha_overdue_with_a_later_rha_is_flagged_not_recorded(tmp_path: Path) -> None:
    # B: clock 1 Sep 2025, no IHA, RHA 1 Mar 2026 -> IHA overdue, flagged. C: clock 5 Jan
    # 2026, RHA dated 4 Jan (before the clock) -> overdue, not flagged. A: RHA after as-of.
    ev = [(1, "rha", date(2026, 3, 1), None), (2, "rha", date(2026, 1, 4), None),
          (0, "rha", date(2026, 4, 1), None)]
    c, h = extracts(tmp_path, ev)
    prep = prepare(c, h)
    from healthcheck.periods import latest_periods
    base = prep.kids.lazy().join(latest_periods(prep.episodes, WEEK2), on="child_id",
                                 how="left")
    status = evaluate(base, prep.events["health"].lazy(), Policy(), WEEK2,
                      "notification_received").collect()
    assert dict(status.select("child_id", "iha_status").iter_rows()) == {
        "A": "overdue", "B": "overdue", "C": "overdue"}
    lost = lost_iha(status, prep.events["health"], WEEK2)
    flags = iha_not_recorded(lost, "events.csv").collect()
    assert_flagged(flags, "IHA_NOT_RECORDED", ("events", 1, "iha_date", "B"),
                   on=("table", "row", "field", "child_id"))
    assert flags.select("child_id", "row", "rule", "severity", "source", "value").rows() == [
        ("B", 1, "IHA_NOT_RECORDED", "warning", "health", "rha 2026-03-01")]
    # the figures keep counting B as overdue (R2)
    m = membership(status, date(2025, 4, 1), WEEK2)
    assert m.filter(pl.col("child_id") == "B")["iha_on_time_pct"].to_list() == [0.0]
