"""kpis_at: the figures recomputed at other dates are exactly what a reconcile at that date
gives; revisions and the trend built on them (docs/rules.md §9.3, §9.4)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from healthcheck.ingest import ingest
from healthcheck.kpis import MEASURES
from healthcheck.policy import Policy
from healthcheck.recompute import Point, kpis_at, prepare
from healthcheck.reconcile import reconcile
from healthcheck.samples import write_samples
from healthcheck.trend import month_ends, trend_points

AS_OF = date(2026, 3, 31)


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    out = tmp_path_factory.mktemp("s")
    write_samples(out, children=150, seed=7, as_of=AS_OF, case_format="csv")
    return ingest(out / "case", "case"), ingest(out / "health", "health")


@pytest.mark.parametrize("point", [
    Point(AS_OF, date(2025, 4, 1), AS_OF),
    Point(date(2025, 11, 30), date(2024, 12, 1), date(2025, 11, 30)),
    Point(date(2025, 6, 15), date(2025, 1, 1), date(2025, 3, 31)),  # a chosen period
])
def test_kpis_at_equals_a_reconcile_at_that_date(extracts: tuple, point: Point) -> None:
    case, health = extracts
    for policy in (Policy(), Policy(iha_rule="28CD", horizon_days=7)):
        res = reconcile(case, health, as_of=point.as_of, period_start=point.period_start,
                        period_end=point.period_end, policy=policy)
        got, members = kpis_at(case, health, [point, Point(AS_OF, date(2025, 4, 1), AS_OF)],
                               policy)
        mine = got.filter(pl.col("as_of") == point.as_of, pl.col("period_end") ==
                          point.period_end)
        # the recomputed figures (not the year-end forecast's floor, which only a reconcile
        # before the year end gives)
        assert mine.equals(res.kpis.filter(~pl.col("measure").str.starts_with("oc2_year_end_")))
        assert res.kpis["denominator"].sum() > 0  # the comparison is not of empty figures
        m = members.filter(pl.col("as_of") == point.as_of, pl.col("source") == "health")
        want = res.children.filter(pl.col("match_status") != "health_only")
        assert set(m["child_id"]) == set(want["child_id"])


def test_membership_columns_agree(extracts: tuple) -> None:
    case, health = extracts
    _, members = kpis_at(case, health, [Point(AS_OF, date(2025, 4, 1), AS_OF)], Policy())
    assert {"source", "child_id", "as_of", "period_start", "period_end",
            "iha_on_time_pct"} <= set(members.columns)
    assert set(members["source"]) == {"health", "case"}
    # kpis from the membership: numerator = sum, denominator = count
    h = members.filter(pl.col("source") == "health")
    assert h["iha_on_time_pct"].count() > 0


def test_prepared_once_for_many_points(extracts: tuple) -> None:
    case, health = extracts
    prep = prepare(case, health)
    points = trend_points(AS_OF)
    got, _ = kpis_at(prep, None, points, Policy())
    assert got.height == 12 * 2 * len(MEASURES)  # month ends x sources x measures
    assert got["as_of"].unique().sort().to_list() == month_ends(AS_OF)


@pytest.mark.parametrize(("as_of", "first", "last"), [
    (date(2026, 3, 31), date(2025, 4, 30), date(2026, 3, 31)),  # as-of is a month end
    (date(2026, 3, 30), date(2025, 3, 31), date(2026, 2, 28)),
    (date(2024, 3, 1), date(2023, 3, 31), date(2024, 2, 29)),  # leap year
    (date(2026, 1, 5), date(2025, 1, 31), date(2025, 12, 31)),
])
def test_month_ends(as_of: date, first: date, last: date) -> None:
    ends = month_ends(as_of)
    assert len(ends) == 12 and ends[0] == first and ends[-1] == last
    assert all(a < b for a, b in zip(ends, ends[1:], strict=False))
    p = trend_points(date(2026, 2, 28))[-1]
    assert p == Point(date(2026, 2, 28), date(2025, 3, 1), date(2026, 2, 28))


def test_known_point_and_members_at_some_points(extracts: tuple) -> None:
    # this run's own point taken from its membership gives the figures found anew; membership
    # only at the points asked for, every case child in it
    case, health = extracts
    prep = prepare(case, health)
    res = reconcile(case, health, as_of=AS_OF, policy=Policy())
    own = Point(AS_OF, res.period_start, res.period_end)
    other = Point(date(2025, 11, 30), date(2024, 12, 1), date(2025, 11, 30))
    want, want_m = kpis_at(prep, None, [other, own], Policy())
    got, got_m = kpis_at(prep, None, [other, own], Policy(), members=[other],
                         known=(own, res.members))
    assert got.equals(want)
    assert set(got_m["as_of"]) == {other.as_of}
    assert got_m.equals(want_m.filter(pl.col("as_of") == other.as_of))
    assert got_m.filter(pl.col("source") == "case").height == prep.kids.height
