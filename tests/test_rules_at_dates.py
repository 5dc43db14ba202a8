"""The rules at several as-of dates in one query (the trend, the revisions: docs/rules.md §9)
give, at each date, exactly what the one-date evaluation gives: `latest_periods` and
`evaluate` given a frame of dates against the same called with each date."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from healthcheck.periods import latest_periods
from healthcheck.policy import Policy
from healthcheck.rules.evaluate import EVENT_SCHEMA, evaluate
from healthcheck.schema import CHECK_TYPES, EVENT_TYPES, table_schema

# month ends, bank holidays (Christmas, Boxing Day, New Year's Day, Good Friday 3 Apr 2026)
# and the days beside them
DATES = [date(2025, 4, 30), date(2025, 5, 31), date(2025, 8, 31), date(2025, 12, 24),
         date(2025, 12, 25), date(2025, 12, 26), date(2025, 12, 31), date(2026, 1, 1),
         date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 3)]
NOTIFICATION = "notification_received"


def _frames(kids: list[dict], episodes: list[dict], events: list[tuple]
            ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    schema = table_schema("episodes")
    ep = pl.DataFrame([{**{c: e.get(c) for c in schema}, "row": i + 1}
                       for i, e in enumerate(episodes)], schema=schema, orient="row")
    ev = pl.DataFrame(events, schema=EVENT_SCHEMA, orient="row")
    return pl.DataFrame(kids, schema={"child_id": pl.String, "dob": pl.Date}), ep, ev


def assert_same_at_each(kids: pl.DataFrame, ep: pl.DataFrame, ev: pl.DataFrame,
                        dates: list[date], policy: Policy) -> None:
    frame = pl.DataFrame({"as_of": dates}, schema={"as_of": pl.Date})
    periods = latest_periods(ep, frame).collect()
    base = kids.join(frame, how="cross").join(periods, on=["child_id", "as_of"], how="left")
    many = evaluate(base.lazy(), ev.lazy(), policy, frame, NOTIFICATION).collect()
    for d in dates:
        one_periods = latest_periods(ep, d).collect()
        got_periods = periods.filter(pl.col("as_of") == d).drop("as_of")
        assert got_periods.sort("child_id").equals(one_periods.sort("child_id")), d
        one_base = kids.join(one_periods, on="child_id", how="left")
        one = evaluate(one_base.lazy(), ev.lazy(), policy, d, NOTIFICATION).collect()
        got = many.filter(pl.col("as_of") == d).drop("as_of")
        assert got.sort("child_id").equals(one.sort("child_id")), d


def _ep(child: str, start: date, end: date | None = None, ls: str = "C2",
        rne: str | None = "S") -> dict:
    return {"child_id": child, "start_date": start, "end_date": end, "legal_status": ls,
            "rne": rne}


def test_children_entering_leaving_and_turning_five_between_the_dates() -> None:
    kids, ep, ev = _frames(
        [{"child_id": "A", "dob": date(2020, 12, 31)},   # 5 on 31 Dec 2025, a month end
         {"child_id": "B", "dob": date(2012, 2, 29)},
         {"child_id": "C", "dob": None},
         {"child_id": "D", "dob": date(2019, 6, 1)}],
        [_ep("A", date(2023, 3, 1)),
         # B: in care from Christmas Eve (clock over the bank holidays), out on 31 Jan
         _ep("B", date(2025, 12, 24), date(2026, 1, 31)),
         # C: a short break, then care, then a new period after a gap
         _ep("C", date(2024, 11, 1), date(2025, 5, 31), ls="V3"),
         _ep("C", date(2025, 5, 31), date(2025, 8, 31), rne="P"),
         _ep("C", date(2025, 12, 26), None, rne="S"),
         # D: began before the extract
         _ep("D", date(2024, 5, 1), None, rne="L")],
        [("A", "rha", date(2025, 4, 30), None), ("A", "dental", date(2025, 5, 31), None),
         ("A", "declined", date(2025, 12, 31), "rha"),
         ("A", "immunisation", date(2021, 3, 1), "6-in-1"),
         ("A", "immunisations_up_to_date", date(2025, 12, 25), "N"),
         ("B", NOTIFICATION, date(2025, 12, 31), None),
         ("B", "iha_requested", date(2025, 12, 26), None),
         ("B", "iha_appointment", date(2026, 1, 1), None),
         ("B", "was_not_brought", date(2026, 1, 5), "iha"),
         ("B", "iha", date(2026, 2, 28), None),
         ("B", "iha_report_sent", date(2026, 3, 31), None),
         ("C", "health_assessment", date(2025, 9, 1), None),
         ("C", "iha", date(2026, 1, 1), None), ("C", "dental", date(2026, 4, 3), None),
         ("D", "rha", date(2025, 8, 31), None)])
    for policy in (Policy(), Policy(iha_rule="28CD", age5_mode="lenient", horizon_days=7)):
        assert_same_at_each(kids, ep, ev, DATES, policy)


@st.composite
def _children(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    day = st.dates(date(2024, 9, 1), date(2026, 4, 30))
    kids, episodes, events = [], [], []
    for i in range(draw(st.integers(1, 4))):
        child = f"C{i}"
        kids.append({"child_id": child, "dob": draw(st.none() | st.dates(date(2008, 1, 1),
                                                                          date(2025, 1, 1)))})
        start = draw(day)
        for _ in range(draw(st.integers(0, 3))):
            end = draw(st.none() | st.integers(0, 200).map(lambda n, s=start:
                                                            s + timedelta(days=n)))
            episodes.append(_ep(child, start, end, draw(st.sampled_from(["C2", "V3", "V4"])),
                                draw(st.sampled_from(["S", None, "P", "L"]))))
            start = (end or start) + timedelta(days=draw(st.integers(0, 60)))
        for _ in range(draw(st.integers(0, 12))):
            kind = draw(st.sampled_from(EVENT_TYPES))
            detail = draw(st.sampled_from({
                "immunisations_up_to_date": ["Y", "N"], "immunisation": ["6-in-1", "MMR", "x"],
                "declined": list(CHECK_TYPES), "was_not_brought": list(CHECK_TYPES)}.get(
                    kind, [None])))
            events.append((child, kind, draw(day), detail))
    return _frames(kids, episodes, events)


@given(_children(), st.lists(st.sampled_from(DATES), min_size=1, max_size=5, unique=True))
def test_the_rules_at_several_dates_equal_the_rules_at_each(
        frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], dates: list[date]) -> None:
    assert_same_at_each(*frames, dates, Policy())
