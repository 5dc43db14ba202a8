"""Properties of reconcile on random small authorities (hypothesis)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.helpers import run, run_mem

AS_OF = date(2026, 3, 31)
NHS = ["9990000018", "9990000026", "9990000034", "9990000042", "9990000050", "9990000069"]
TYPES = ["notification_received", "iha", "rha", "dental", "immunisations_up_to_date",
         "declined"]
DETAIL = {"immunisations_up_to_date": ["Y", "N"], "declined": ["iha", "rha", "dental"]}
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                         HealthCheck.too_slow])

days = st.integers(min_value=-2200, max_value=60)


@st.composite
def authority(draw: st.DrawFn) -> tuple[dict, dict]:
    n = draw(st.integers(1, 5))
    children, episodes, cev, patients, hev = [], [], [], [], []
    for i in range(n):
        cid = f"C{i}"
        dob = AS_OF - timedelta(days=draw(st.integers(365, 6500)))
        nhs = NHS[i] if draw(st.booleans()) or i == 0 else None
        children.append({"child_id": cid, "nhs_number": nhs, "forename": f"F{i}",
                         "surname": "Sm", "dob": dob})
        start = AS_OF + timedelta(days=draw(st.integers(-2000, 10)))
        for _ in range(draw(st.integers(1, 3))):
            length = draw(st.one_of(st.none(), st.integers(1, 700)))
            end = start + timedelta(days=length) if length else None
            episodes.append({"child_id": cid, "start_date": start, "end_date": end,
                             "legal_status": draw(st.sampled_from(["C2", "V3", "E1"])),
                             "rne": draw(st.sampled_from(["S", None, "P"]))})
            if end is None:
                break
            start = end + timedelta(days=draw(st.sampled_from([0, 0, 30])))
        if draw(st.booleans()):
            patients.append({"nhs_number": nhs, "trust_id": f"T{i}", "la_child_id": cid,
                             "forename": f"F{i}", "surname": "Sm", "dob": dob})
        for _ in range(draw(st.integers(0, 6))):
            t = draw(st.sampled_from(TYPES))
            d = AS_OF + timedelta(days=draw(days))
            detail = draw(st.sampled_from(DETAIL[t])) if t in DETAIL else None
            if draw(st.booleans()):
                hev.append({"nhs_number": nhs, "trust_id": None if nhs else f"T{i}",
                            "event_type": t, "event_date": d, "detail": detail})
            else:
                cev.append({"child_id": cid, "event_type": t, "event_date": d,
                            "detail": detail})
    case = {"children": children, "episodes": episodes, "health_events": cev}
    health = {"patients": patients, "events": hev}
    return case, health


def _shuffled(tables: dict, rng: random.Random) -> dict:
    return {k: rng.sample(v, len(v)) for k, v in tables.items()}


FLAG_KEY = ["rule", "child_id", "field", "value", "table"]


def assert_each_case_child_once_and_figures_bounded(case: dict, res) -> None:  # type: ignore[no-untyped-def]
    """One children.csv row per case child, each status filled; every percentage's numerator
    within its denominator, a value in 0..100, blank over a zero denominator."""
    ids = res.children.filter(pl.col("match_status") != "health_only")["child_id"].to_list()
    assert sorted(ids) == sorted(c["child_id"] for c in case["children"])
    k = res.kpis.filter(pl.col("measure") != "notification_mean_wd")
    assert (k["numerator"] <= k["denominator"]).all()
    assert (k.filter(pl.col("denominator") == 0)["value"].is_null()).all()
    assert k["value"].drop_nulls().is_between(0, 100).all()
    # a status column is never blank for a case child
    statuses = ["notification_status", "iha_status", "rha_status", "dental_status",
                "immunisations_status"]
    case_rows = res.children.filter(pl.col("match_status") != "health_only")
    assert case_rows.select(pl.any_horizontal(pl.col(statuses).is_null())).sum().item() == 0


@SETTINGS
@given(auth=authority(), rng=st.randoms())
def test_order_and_format_do_not_matter(tmp_path_factory, auth, rng) -> None:  # type: ignore[no-untyped-def]
    """csv, xlsx and shuffled rows give the same result; and that result (of any authority)
    has each case child once and figures in bounds."""
    case, health = auth
    base = tmp_path_factory.mktemp("inv")
    a = run(base / "a", case, health, AS_OF, fmt="csv")
    assert_each_case_child_once_and_figures_bounded(case, a)
    b = run(base / "b", case, health, AS_OF, fmt="xlsx")
    # in memory: the order of the rows, not the format, is what differs
    c = run_mem(_shuffled(case, rng), _shuffled(health, rng), AS_OF)
    assert a.children.equals(b.children)
    assert a.kpis.equals(b.kpis)
    assert a.flags.drop("file").equals(b.flags.drop("file"))
    # Shuffled rows: same children rows, figures and flags (row numbers differ, so not compared)
    assert a.children.equals(c.children)
    assert a.kpis.equals(c.kpis)
    fa = a.flags.select(FLAG_KEY).sort(FLAG_KEY, nulls_last=True)
    fc = c.flags.select(FLAG_KEY).sort(FLAG_KEY, nulls_last=True)
    assert fa.equals(fc)
    assert a.summary["differences"] == c.summary["differences"]


@SETTINGS
@given(auth=authority(), drop=st.integers(0, 4))
def test_one_child_never_changes_another(auth, drop) -> None:  # type: ignore[no-untyped-def]
    case, health = auth
    assume(drop < len(case["children"]))
    gone = case["children"][drop]["child_id"]
    fewer = {t: [r for r in rows if r.get("child_id") != gone] for t, rows in case.items()}
    full = run_mem(case, health, AS_OF).children
    part = run_mem(fewer, health, AS_OF).children
    keep = pl.col("match_status") != "health_only"
    assert full.filter(keep & (pl.col("child_id") != gone)).equals(part.filter(keep))
