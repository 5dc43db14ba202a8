"""The product against an independent reference implementation (tests/reference.py).

(1) hand-built extracts with tricky cases, (2) random small authorities with hypothesis,
(3) generated sample authorities (healthcheck.samples, written as files and read by the real
ingest). Every children.csv field,
every KPI (numerator, denominator, value) and the derived flag (rule, child_id) sets must agree.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcheck.flags import concat_flags
from healthcheck.ingest import Extract, ingest, typed_cells
from healthcheck.policy import Policy
from healthcheck.reconcile import reconcile
from healthcheck.schema import EXTRACTS, table_schema
from tests.helpers import extract_mem
from tests.reference import CHILDREN_COLUMNS, add_months, add_working_days, reference

DERIVED = {
    "NHS_NUMBER_MISSING", "DUPLICATE_NHS_NUMBER", "DATE_IN_FUTURE", "DATE_BEFORE_BIRTH",
    "EPISODE_OVERLAP", "LIKELY_DUPLICATE_CHILD", "MIGRATION_CUTOVER_START",
    "MIGRATION_HISTORY_GAP", "CASE_ONLY", "HEALTH_ONLY", "MATCHED_ON_DEMOGRAPHICS",
    "DOB_MISMATCH", "EVENT_MISSING_IN_CASE", "EVENT_MISSING_IN_HEALTH", "DATE_MISMATCH",
    "VACCINE_UNKNOWN", "IMMUNISATIONS_STATUS_DISAGREES",
    "PATHWAY_APPOINTMENT_BEFORE_REQUEST", "PATHWAY_REPORT_BEFORE_IHA",
}


def nhs_with_check(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return None
    return nine + str(check)


VALID_NHS = [n for n in (nhs_with_check(f"{943476591 + 7 * i:09d}") for i in range(12)) if n][:5]
assert "9434765919" in VALID_NHS


# --- running both and comparing --------------------------------------------------------------

def run_both(case: dict, health: dict, *, as_of: date, cutover: date | None = None,
             policy: dict | None = None, period_start: date | None = None,
             period_end: date | None = None):
    """The product and the reference on hand-built text tables, typed by the product's ingest
    (in memory: reading files is tested in test_read.py and by the sample authorities)."""
    c = extract_mem("case", case)
    h = extract_mem("health", health)
    return compare_extracts(c, h, as_of=as_of, cutover=cutover, policy=policy,
                            period_start=period_start, period_end=period_end)


def typed_extract(kind: str, tables: dict[str, list[dict]]) -> Extract:
    """An Extract built straight from already-canonical rows (what ingest would produce).

    Ingest costs more than the reconcile of a tiny authority, so the hypothesis test skips
    it; the hand-built and sample tests go through the real ingest.
    """
    frames = {}
    for name in EXTRACTS[kind]:
        rows = [{**r, "row": i + 1} for i, r in enumerate(tables.get(name, []))]
        schema = table_schema(name)
        frames[name] = pl.DataFrame([{c: r.get(c) for c in schema} for r in rows],
                                    schema=schema, orient="row")
    files = {name: f"{kind}/{name}.csv" for name in frames}
    cells = {name: typed_cells(frame, kind, name) for name, frame in frames.items()}
    return Extract(kind, Path(kind), frames, files, {}, concat_flags([]), cells=cells)


def compare_extracts(c, h, *, as_of, cutover=None, policy=None, period_start=None,
                     period_end=None):
    res = reconcile(c, h, as_of=as_of, cutover=cutover,
                    policy=Policy(**policy) if policy else None,
                    period_start=period_start, period_end=period_end)
    invalid = frozenset(f["row"] for f in c.flags.to_dicts()
                        if f["rule"] == "NHS_NUMBER_INVALID" and f["table"] == "children")
    ref = reference(c.tables, h.tables, as_of=as_of, cutover=cutover, policy=policy,
                    period_start=period_start, period_end=period_end, invalid_nhs_rows=invalid)
    return res, ref


def differences(res, ref) -> list[str]:
    """Every disagreement between the product's result and the reference, in words."""
    out: list[str] = []
    prod_rows = res.children.to_dicts()
    assert list(res.children.columns) == list(CHILDREN_COLUMNS)
    p_case = {r["child_id"]: r for r in prod_rows if r["match_status"] != "health_only"}
    r_case = {r["child_id"]: r for r in ref["children"] if r["match_status"] != "health_only"}
    if set(p_case) != set(r_case):
        out.append(f"children: product ids {sorted(p_case)} != reference {sorted(r_case)}")
    for cid in sorted(set(p_case) & set(r_case)):
        for col in CHILDREN_COLUMNS:
            if p_case[cid][col] != r_case[cid][col]:
                out.append(f"children[{cid}].{col}: product {p_case[cid][col]!r} "
                           f"!= reference {r_case[cid][col]!r}")

    def only_health(rows):
        return sorted(tuple(str(r[c]) for c in CHILDREN_COLUMNS) for r in rows
                      if r["match_status"] == "health_only")

    if only_health(prod_rows) != only_health(ref["children"]):
        out.append(f"health_only rows: product {only_health(prod_rows)} != reference "
                   f"{only_health(ref['children'])}")
    # the year-end forecast's floor figures are worked by hand in tests/test_forecast.py
    p_k = {(k["measure"], k["source"]): k for k in res.kpis.to_dicts()
           if not k["measure"].startswith("oc2_year_end_")}
    r_k = {(k["measure"], k["source"]): k for k in ref["kpis"]}
    if set(p_k) != set(r_k):
        out.append(f"kpis: product {sorted(p_k)} != reference {sorted(r_k)}")
    for key in sorted(set(p_k) & set(r_k)):
        for col in ("numerator", "denominator", "value"):
            if p_k[key][col] != r_k[key][col]:
                out.append(f"kpi {key}.{col}: product {p_k[key][col]!r} != reference "
                           f"{r_k[key][col]!r}")
        for col in ("period_start", "period_end"):
            if p_k[key][col] != ref[col]:
                out.append(f"kpi {key}.{col}: product {p_k[key][col]!r} != {ref[col]!r}")
    flags = [f for f in res.flags.to_dicts() if f["rule"] in DERIVED]
    # flags on health rows are compared by (rule, table, row); all others by (rule, child_id).
    p_f = {(f["rule"], f["child_id"]) for f in flags if f["source"] != "health"}
    p_hf = {(f["rule"], f["table"], f["row"]) for f in flags if f["source"] == "health"}
    for mine, theirs in ((p_f, ref["flags"]), (p_hf, ref["health_flags"])):
        for f in sorted(mine - theirs, key=str):
            out.append(f"flag only in product: {f}")
        for f in sorted(theirs - mine, key=str):
            out.append(f"flag only in reference: {f}")
    return out


def assert_agree(res, ref) -> None:
    diffs = differences(res, ref)
    assert not diffs, "\n".join(diffs)


# --- (1) hand-built tricky cases -------------------------------------------------------------

NHS = "9434765919"


def child_case(cid="C1", *, nhs=NHS, dob=date(2015, 6, 1), forename="Ann", surname="Lee",
               episodes=None, events=(), start=date(2025, 12, 19)) -> dict:
    return {
        "children": [{"child_id": cid, "nhs_number": nhs, "forename": forename,
                      "surname": surname, "dob": dob}],
        "episodes": episodes if episodes is not None else [
            {"child_id": cid, "start_date": start, "legal_status": "C2", "rne": "S"}],
        "health_events": [{"child_id": cid, "event_type": t, "event_date": d, "detail": x}
                          for t, d, x in events],
    }


def child_health(*, nhs=NHS, dob=date(2015, 6, 1), forename="Ann", surname="Lee",
                 events=(), la_child_id=None, trust_id="T1") -> dict:
    return {
        "patients": [{"nhs_number": nhs, "trust_id": trust_id, "la_child_id": la_child_id,
                      "forename": forename, "surname": surname, "dob": dob}],
        "events": [{"nhs_number": nhs, "trust_id": trust_id, "event_type": t, "event_date": d,
                    "detail": x} for t, d, x in events],
    }


def merge(*parts: dict) -> dict:
    out: dict[str, list] = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, []).extend(v)
    return out


def row_of(res, cid="C1") -> dict:
    return res.children.filter(pl.col("child_id") == cid).to_dicts()[0]


def test_worked_example_working_days():
    """Documented example: start Fri 19 Dec 2025 -> +20 WD Wed 21 Jan 2026; +5 Tue 30 Dec 2025."""
    assert add_working_days(date(2025, 12, 19), 20) == date(2026, 1, 21)
    assert add_working_days(date(2025, 12, 19), 5) == date(2025, 12, 30)
    res, ref = run_both(child_case(), child_health(
        events=[("notification_received", date(2025, 12, 30), None),
                ("iha", date(2026, 1, 21), None)]), as_of=date(2026, 2, 1))
    r = row_of(res)
    assert r["iha_due"] == date(2026, 1, 21)
    assert r["iha_status"] == "on_time"
    assert r["notification_wd"] == 5 and r["notification_status"] == "on_time"
    assert_agree(res, ref)


def test_notification_one_day_late_over_christmas():
    res, ref = run_both(child_case(), child_health(
        events=[("notification_received", date(2025, 12, 31), None),
                ("iha", date(2026, 1, 22), None)]), as_of=date(2026, 2, 1))
    r = row_of(res)
    assert (r["notification_wd"], r["notification_status"]) == (6, "late")
    assert r["iha_status"] == "late"
    assert_agree(res, ref)


def test_notification_before_clock_counts_zero():
    res, ref = run_both(child_case(), child_health(
        events=[("notification_received", date(2025, 12, 9), None),
                ("notification_received", date(2025, 12, 8), None)]), as_of=date(2026, 2, 1))
    r = row_of(res)
    assert r["notification_date"] == date(2025, 12, 9)
    assert (r["notification_wd"], r["notification_status"]) == (0, "on_time")
    assert_agree(res, ref)


def test_weekend_start_counts_from_next_working_day():
    """Start Sat 3 Jan 2026: day 0 is Mon 5 Jan; +5 -> Mon 12 Jan, +20 -> Mon 2 Feb."""
    case = child_case(start=date(2026, 1, 3))
    res, ref = run_both(case, child_health(
        events=[("notification_received", date(2026, 1, 12), None)]), as_of=date(2026, 3, 1))
    r = row_of(res)
    assert r["iha_due"] == date(2026, 2, 2)
    assert (r["notification_wd"], r["notification_status"]) == (5, "on_time")
    assert_agree(res, ref)


def test_notification_pending_and_missing():
    # +5 WD from Fri 19 Dec 2025 = Tue 30 Dec: on 30 Dec pending, on 31 Dec missing.
    for as_of, status in ((date(2025, 12, 30), "pending"), (date(2025, 12, 31), "missing")):
        res, ref = run_both(child_case(), child_health(), as_of=as_of)
        assert row_of(res)["notification_status"] == status
        assert_agree(res, ref)


def test_iha_statuses():
    start = date(2025, 6, 2)
    cases = {
        "prior_iha_counts": ([("iha", date(2025, 3, 2), None)], None, "on_time"),
        "too_early_iha": ([("iha", date(2025, 3, 1), None)], None, "overdue"),
        "declined": ([("declined", date(2025, 6, 20), "iha")], None, "declined"),
        "ended_before_due": ([], date(2025, 6, 10), "not_required"),
        "iha_after_as_of_ignored": ([("iha", date(2025, 9, 2), None)], None, "due"),
    }
    for name, (events, end, status) in cases.items():
        as_of = date(2025, 9, 1) if name == "iha_after_as_of_ignored" else date(2025, 12, 1)
        if name == "iha_after_as_of_ignored":
            as_of = date(2025, 6, 20)
        eps = [{"child_id": "C1", "start_date": start, "end_date": end, "legal_status": "C2",
                "rne": "S"}]
        res, ref = run_both(child_case(episodes=eps),
                            child_health(events=events), as_of=as_of)
        assert row_of(res)["iha_status"] == status, name
        assert_agree(res, ref)


def test_iha_28cd_policy():
    res, ref = run_both(child_case(), child_health(
        events=[("iha", date(2026, 1, 16), None)]), as_of=date(2026, 2, 1),
        policy={"iha_rule": "28CD"})
    r = row_of(res)
    assert r["iha_due"] == date(2026, 1, 16) and r["iha_status"] == "on_time"
    assert_agree(res, ref)


def test_short_breaks_have_no_clock():
    eps = [{"child_id": "C1", "start_date": date(2025, 1, 6), "legal_status": "V3", "rne": "S"}]
    res, ref = run_both(child_case(episodes=eps), child_health(),
                        as_of=date(2025, 12, 1))
    r = row_of(res)
    assert r["clock_start"] is None and r["iha_due"] is None
    assert {r[k] for k in ("notification_status", "iha_status", "rha_status", "dental_status",
                           "immunisations_status")} == {"not_required"}
    assert_agree(res, ref)


def test_clock_starts_after_short_breaks():
    eps = [{"child_id": "C1", "start_date": date(2025, 1, 6), "end_date": date(2025, 3, 3),
            "legal_status": "V3", "rne": "S"},
           {"child_id": "C1", "start_date": date(2025, 3, 3), "legal_status": "C2", "rne": None}]
    res, ref = run_both(child_case(episodes=eps), child_health(),
                        as_of=date(2026, 2, 1))
    r = row_of(res)
    assert (r["period_start"], r["clock_start"]) == (date(2025, 1, 6), date(2025, 3, 3))
    assert r["oc2_cohort"] is False
    assert_agree(res, ref)


def test_period_breaks():
    # rne blank and a gap -> a new period; rne P and a gap -> the same period.
    for rne, period_start in ((None, date(2025, 5, 1)), ("P", date(2024, 1, 8))):
        eps = [{"child_id": "C1", "start_date": date(2024, 1, 8), "end_date": date(2025, 4, 1),
                "legal_status": "C2", "rne": "S"},
               {"child_id": "C1", "start_date": date(2025, 5, 1), "legal_status": "C2",
                "rne": rne}]
        res, ref = run_both(child_case(episodes=eps), child_health(),
                            as_of=date(2026, 2, 1))
        assert row_of(res)["period_start"] == period_start
        assert_agree(res, ref)


def test_rha_under_five_boundary():
    # Last assessment the day before the 5th birthday -> 6 months; on the birthday -> 12.
    dob = date(2020, 8, 31)
    for last, due in ((date(2025, 8, 30), date(2026, 2, 28)),
                      (date(2025, 8, 31), date(2026, 8, 31))):
        res, ref = run_both(child_case(dob=dob, start=date(2025, 1, 6)),
                            child_health(dob=dob, events=[("rha", last, None)]),
                            as_of=date(2026, 2, 1))
        assert row_of(res)["rha_due"] == due
        assert_agree(res, ref)


def test_rha_lenient():
    dob = date(2020, 12, 1)
    res, ref = run_both(child_case(dob=dob, start=date(2025, 1, 6)),
                        child_health(dob=dob, events=[("rha", date(2025, 8, 1), None)]),
                        as_of=date(2026, 2, 1), policy={"age5_mode": "lenient"})
    assert row_of(res)["rha_due"] == date(2026, 8, 1)
    assert_agree(res, ref)


def test_rha_lenient_birthday_on_the_six_month_day():
    # 5th birthday 1 Feb 2026 = last + 6 months: not "before" it, so still 6 months.
    dob = date(2021, 2, 1)
    res, ref = run_both(child_case(dob=dob, start=date(2025, 1, 6)),
                        child_health(dob=dob, events=[("rha", date(2025, 8, 1), None)]),
                        as_of=date(2025, 12, 1), policy={"age5_mode": "lenient"})
    assert row_of(res)["rha_due"] == date(2026, 2, 1)
    assert_agree(res, ref)


def test_notification_counts_from_clock_not_period_start():
    eps = [{"child_id": "C1", "start_date": date(2025, 11, 3), "end_date": date(2025, 12, 19),
            "legal_status": "V4", "rne": "S"},
           {"child_id": "C1", "start_date": date(2025, 12, 19), "legal_status": "C2",
            "rne": "L"}]
    res, ref = run_both(child_case(episodes=eps), child_health(
        events=[("notification_received", date(2025, 12, 9), None)]), as_of=date(2026, 2, 1))
    r = row_of(res)
    assert (r["period_start"], r["clock_start"]) == (date(2025, 11, 3), date(2025, 12, 19))
    assert (r["notification_wd"], r["notification_status"], r["iha_due"]) == (
        0, "on_time", date(2026, 1, 21))
    assert_agree(res, ref)


def test_rha_without_assessment():
    for name, as_of, events, status in (
            ("iha_due", date(2026, 1, 5), [], "not_required"),
            ("iha_overdue", date(2026, 2, 1), [], "none_recorded"),
            ("iha_declined", date(2026, 2, 1), [("declined", date(2026, 1, 2), "iha")],
             "declined")):
        res, ref = run_both(child_case(), child_health(events=events),
                            as_of=as_of)
        assert row_of(res)["rha_status"] == status, name
        assert_agree(res, ref)


def test_dental():
    start = date(2025, 1, 6)
    for name, events, status in (
            ("first_due", [], "overdue"),
            ("recent", [("dental", date(2025, 10, 1), None)], "in_date"),
            ("due_soon", [("dental", date(2025, 3, 1), None)], "due_soon"),
            ("declined", [("dental", date(2024, 3, 1), None),
                          ("declined", date(2025, 2, 1), "dental")], "declined")):
        res, ref = run_both(child_case(start=start),
                            child_health(events=events), as_of=date(2026, 2, 10))
        assert row_of(res)["dental_status"] == status, name
        assert_agree(res, ref)


def test_immunisations_same_day_n_wins():
    ev = [("immunisations_up_to_date", date(2025, 5, 1), "Y"),
          ("immunisations_up_to_date", date(2026, 1, 5), "Y"),
          ("immunisations_up_to_date", date(2026, 1, 5), "N")]
    res, ref = run_both(child_case(start=date(2024, 1, 8)), child_health(events=ev),
                        as_of=date(2026, 2, 1))
    assert row_of(res)["immunisations_status"] == "not_up_to_date"
    assert_agree(res, ref)


def test_oc2_on_29_february():
    # as-of 29 Feb 2024: the 12 months up to it are 1 Mar 2023 .. 29 Feb 2024 (28 Feb 2023 + 1).
    for start, cohort in ((date(2023, 3, 1), True), (date(2023, 3, 2), False)):
        res, ref = run_both(child_case(start=start), child_health(
            events=[("dental", date(2023, 2, 28), None), ("rha", date(2023, 3, 1), None),
                    ("immunisations_up_to_date", date(2023, 6, 1), "Y")]),
            as_of=date(2024, 2, 29))
        assert row_of(res)["oc2_cohort"] is cohort
        if cohort:
            kpis = {(k["measure"], k["source"]): k["numerator"] for k in ref["kpis"]}
            assert kpis[("oc2_teeth_check_pct", "health")] == 0
            assert kpis[("oc2_health_assessment_pct", "health")] == 1
        assert_agree(res, ref)


def test_matching_steps_and_flags():
    nhs2 = VALID_NHS[1]
    case = merge(child_case("C1"),
                 child_case("C2", nhs=None, forename="Bob", surname="Ray",
                            dob=date(2012, 2, 29)),
                 child_case("C3", nhs=None, forename="Cat", surname="Sun", dob=date(2014, 1, 1)),
                 child_case("C4", nhs=None, forename="Dan", surname="Moe", dob=date(2013, 1, 1)))
    health = merge(child_health(dob=date(2015, 6, 2)),
                   child_health(nhs=nhs2, forename="bob", surname=" RAY ", dob=date(2012, 2, 29),
                                trust_id="T2"),
                   child_health(nhs=None, forename="x", surname="y", dob=date(2014, 1, 1),
                                la_child_id="C3", trust_id="T3"),
                   child_health(nhs=None, forename="Dave", surname="Moe", dob=date(2013, 1, 1),
                                trust_id="T4"),
                   child_health(nhs=None, forename="Dina", surname="Moe", dob=date(2013, 1, 1),
                                trust_id="T5"))
    res, ref = run_both(case, health, as_of=date(2026, 2, 1))
    methods = {r["child_id"]: r["match_method"] for r in res.children.to_dicts()}
    assert methods == {"C1": "nhs", "C2": "demographics", "C3": "la_id", "C4": None, None: None}
    assert_agree(res, ref)


def test_two_case_records_one_patient():
    case = merge(child_case("C1"), child_case("C2", nhs=None))
    res, ref = run_both(case, child_health(), as_of=date(2026, 2, 1))
    assert ("LIKELY_DUPLICATE_CHILD", "C2") in ref["flags"]
    assert_agree(res, ref)


def test_events_linked_by_trust_id():
    health = child_health(events=[("iha", date(2026, 1, 5), None)])
    health["events"][0]["nhs_number"] = None
    res, ref = run_both(child_case(), health, as_of=date(2026, 2, 1))
    assert row_of(res)["iha_date"] == date(2026, 1, 5)
    assert_agree(res, ref)


def test_event_comparison():
    case = child_case(start=date(2024, 1, 8), events=[
        ("iha", date(2024, 2, 1), None), ("rha", date(2025, 8, 1), None),
        ("dental", date(2023, 1, 1), None)])
    health = child_health(events=[("iha", date(2024, 2, 3), None),
                                  ("dental", date(2025, 3, 1), None)])
    res, ref = run_both(case, health, as_of=date(2026, 2, 1))
    assert {r for r, c in ref["flags"] if c == "C1"} >= {
        "DATE_MISMATCH", "EVENT_MISSING_IN_HEALTH", "EVENT_MISSING_IN_CASE"}
    assert_agree(res, ref)


def test_migration_flags():
    cut = date(2016, 10, 31)
    case = merge(child_case("C1", start=date(2015, 3, 2)),
                 child_case("C2", nhs=None, forename="Bo", start=cut))
    health = child_health(events=[("rha", date(2016, 3, 1), None)])
    res, ref = run_both(case, health, as_of=date(2017, 3, 1), cutover=cut)
    assert ("MIGRATION_HISTORY_GAP", "C1") in ref["flags"]
    assert ("MIGRATION_CUTOVER_START", "C2") in ref["flags"]
    assert_agree(res, ref)


def test_date_and_episode_flags():
    eps = [{"child_id": "C1", "start_date": date(2024, 1, 8), "end_date": date(2024, 6, 3),
            "legal_status": "C2", "rne": "S"},
           {"child_id": "C1", "start_date": date(2024, 6, 2), "legal_status": "C2", "rne": "P"}]
    case = child_case(episodes=eps, dob=date(2015, 6, 1),
                      events=[("dental", date(2015, 5, 1), None),
                              ("dental", date(2026, 3, 1), None)])
    res, ref = run_both(case, child_health(), as_of=date(2026, 2, 1))
    assert {r for r, _ in ref["flags"]} >= {"EPISODE_OVERLAP", "DATE_BEFORE_BIRTH",
                                            "DATE_IN_FUTURE"}
    assert_agree(res, ref)


def test_episodes_touching_do_not_overlap():
    eps = [{"child_id": "C1", "start_date": date(2024, 1, 8), "end_date": date(2024, 6, 3),
            "legal_status": "C2", "rne": "S"},
           {"child_id": "C1", "start_date": date(2024, 6, 3), "legal_status": "C2", "rne": "P"}]
    res, ref = run_both(child_case(episodes=eps), child_health(),
                        as_of=date(2026, 2, 1))
    assert not any(r == "EPISODE_OVERLAP" for r, _ in ref["flags"])
    assert_agree(res, ref)


def test_kpis_period_and_policy():
    case = merge(child_case("C1", start=date(2025, 3, 3)),
                 child_case("C2", nhs=VALID_NHS[1], forename="B", start=date(2025, 9, 1)))
    health = merge(child_health(events=[("notification_received", date(2025, 3, 5), None),
                                        ("iha", date(2025, 3, 20), None)]),
                   child_health(nhs=VALID_NHS[1], forename="B", trust_id="T2",
                                events=[("notification_received", date(2025, 9, 12), None)]))
    res, ref = run_both(case, health, as_of=date(2026, 2, 1),
                        period_start=date(2025, 4, 1), period_end=date(2025, 12, 31),
                        policy={"notification_target_wd": 10, "dental_interval_months": 6,
                                "horizon_days": 60})
    # By hand: P = {C2} (clock Mon 1 Sep 2025); notified Fri 12 Sep = 9 WD <= 10: on time;
    # no IHA, due 29 Sep: overdue. rha: C1 due 20 Mar 2026 <= as-of + 60 days: due_soon;
    # C2 none_recorded. No OC2 cohort (C1 started 3 Mar 2025, after 2 Feb 2025).
    got = {(k["measure"], k["source"]): (k["numerator"], k["denominator"], k["value"])
           for k in res.kpis.to_dicts()}
    assert got[("notification_mean_wd", "health")] == (9, 1, 9.0)
    assert got[("notification_on_time_pct", "health")] == (1, 1, 100.0)
    assert got[("iha_on_time_pct", "health")] == (0, 1, 0.0)
    assert got[("rha_in_date_pct", "health")] == (1, 2, 50.0)
    assert got[("oc2_teeth_check_pct", "health")] == (0, 0, None)
    assert_agree(res, ref)


# --- disagreements found by this comparison (fixed in the product since) ---------------------

def test_events_of_a_patient_without_nhs_number_link_by_trust_id():
    health = child_health(nhs=None, events=[("iha", date(2026, 1, 5), None)])
    health["events"][0]["nhs_number"] = NHS  # the event has the NHS number, the patient not
    res, ref = run_both(child_case(nhs=None), health, as_of=date(2026, 2, 1))
    # no NHS number on either side and no la_child_id: matched on DOB, surname and initial
    row = row_of(res)
    assert (row["match_status"], row["match_method"]) == ("matched", "demographics")
    assert row_of(res)["iha_date"] == date(2026, 1, 5)  # product was: None, overdue
    assert_agree(res, ref)


def test_overlap_of_an_episode_that_covers_no_day():
    def ep(s, e):
        return {"child_id": "C1", "start_date": s, "end_date": e, "legal_status": "C2",
                "rne": "S"}
    open_ep, zero = ep(date(2024, 2, 29), None), ep(date(2024, 2, 29), date(2024, 2, 29))
    results = []
    for eps in ([open_ep, zero], [zero, open_ep]):
        res, ref = run_both(child_case(episodes=eps), child_health(), as_of=date(2026, 2, 1))
        results.append(any(r == "EPISODE_OVERLAP" for r in res.flags["rule"].to_list()))
        assert not any(r == "EPISODE_OVERLAP" for r, _ in ref["flags"])
    assert results == [False, False]  # product was: [True, False]


# --- (2) random small authorities ------------------------------------------------------------

SPECIAL_DAYS = [date(2024, 2, 29), date(2025, 12, 19), date(2025, 12, 25), date(2026, 1, 21),
                date(2025, 8, 31), date(2024, 12, 31), date(2025, 4, 18), date(2025, 5, 26),
                date(2026, 1, 3), date(2025, 3, 31)]
EVENT_TYPES = ["notification_sent", "notification_received", "iha_requested", "iha",
               "iha_report_sent", "rha", "dental", "immunisation", "immunisations_up_to_date",
               "declined", "was_not_brought", "iha", "rha", "dental", "declined",
               "iha_appointment", "iha_requested", "iha_report_sent", "was_not_brought"]
VACCINE_NAMES = ["6-in-1", "dtap / ipv / hib / hepb", "Infanrix Hexa", "M.M.R", "MMR", "MenB",
                 "PCV", "Td/IPV", "Repevax", "HPV", "MenACWY", "Rotarix", "Flu (LAIV)", None,
                 "Hib/MenC", "Prevenar 13", "Typhim Vi"]
FORENAMES = ["Ann", "ann", "Amy", "Bob"]
SURNAMES = ["Lee", "LEE", "Ray"]


@st.composite
def authorities(draw):
    as_of = draw(st.sampled_from(SPECIAL_DAYS) | st.dates(date(2023, 1, 1), date(2026, 12, 31)))

    def near(anchor: date, lo: int, hi: int) -> date:
        return anchor + timedelta(days=draw(st.integers(lo, hi)))

    def some_date(anchors: list[date]) -> date:
        kind = draw(st.integers(0, 11))
        if kind == 0:
            return draw(st.sampled_from(SPECIAL_DAYS))
        if kind >= 10:  # exactly on a rule's boundary, or a day either side
            start = anchors[0]
            edge = draw(st.sampled_from([
                start - timedelta(days=10), add_months(start, -3), add_working_days(start, 5),
                add_working_days(start, 20), add_working_days(start, 40), as_of,
                add_working_days(start, 30),
                add_months(as_of, -12), add_months(as_of, -24), start + timedelta(days=28)]))
            return edge + timedelta(days=draw(st.integers(-1, 1)))
        anchor = draw(st.sampled_from(anchors))
        if kind <= 5:
            return near(anchor, -40, 40)
        return near(anchor, -420, 20)

    def event(anchors, kinds=EVENT_TYPES):
        t = draw(st.sampled_from(kinds))
        detail = None
        if t == "immunisations_up_to_date":
            detail = draw(st.sampled_from(["Y", "N", "Y", "X"]))
        elif t == "immunisation":
            detail = draw(st.sampled_from(VACCINE_NAMES))
        elif t in ("declined", "was_not_brought"):
            detail = draw(st.sampled_from(["iha", "rha", "dental", "dental", "other"]))
        return t, some_date(anchors), detail

    nhs_pool = VALID_NHS + [None, None]
    n = draw(st.integers(1, 4))
    children, episodes, case_events, patients, events = [], [], [], [], []
    anchors_of: dict[str, list[date]] = {}
    for i in range(n):
        cid = f"C{i + 1}"
        dob_kind = draw(st.integers(0, 6))
        if dob_kind == 0:
            dob = None
        elif dob_kind <= 2:
            dob = near(date(as_of.year - 5, as_of.month, 1), -400, 400)
        elif dob_kind == 3:  # a baby or toddler, either side of 1 July 2024
            dob = near(as_of, -900, -1) if draw(st.booleans()) else near(date(2024, 7, 1), -3, 3)
        else:
            dob = draw(st.dates(date(2006, 1, 1), as_of))
        child = {"child_id": cid, "nhs_number": draw(st.sampled_from(nhs_pool)),
                 "forename": draw(st.sampled_from(FORENAMES)),
                 "surname": draw(st.sampled_from(SURNAMES)), "dob": dob}
        children.append(child)
        start = draw(st.sampled_from(SPECIAL_DAYS) | st.builds(
            lambda k: as_of - timedelta(days=k), st.integers(-10, 900)))
        anchors = [start, as_of, add_working_days(start, 20) if start else as_of]
        for _ in range(draw(st.integers(0, 3))):
            end_kind = draw(st.integers(0, 3))
            end = None if end_kind == 0 else near(start, -2, 500)
            episodes.append({
                "child_id": cid, "start_date": start, "end_date": end,
                "legal_status": draw(st.sampled_from(["C2", "C1", "E1", "V3", "V4", "J2"])),
                "rne": draw(st.sampled_from(["S", None, None, "P", "L"]))})
            if end is None:
                start = near(start, 1, 300)
            else:
                start = draw(st.sampled_from([end, end, near(end, -3, 60)]))
        anchors_of[cid] = anchors
        for _ in range(draw(st.integers(0, 4))):
            t, d, x = event(anchors)
            case_events.append({"child_id": cid, "event_type": t, "event_date": d, "detail": x})

        # the health side of this child: how it can be found
        how = draw(st.sampled_from(["nhs", "nhs", "la_id", "demographics", "none", "trust"]))
        if how == "none":
            continue
        pdob = dob if draw(st.integers(0, 5)) else draw(st.dates(date(2006, 1, 1), as_of))
        pat = {"nhs_number": child["nhs_number"] if how == "nhs" else None,
               "trust_id": f"T{len(patients) + 1}",
               "la_child_id": cid if how == "la_id" else None,
               "forename": child["forename"], "surname": child["surname"], "dob": pdob}
        if how == "trust":
            pat["nhs_number"] = draw(st.sampled_from(nhs_pool))
        patients.append(pat)
        for _ in range(draw(st.integers(0, 6))):
            if case_events and draw(st.booleans()):
                ce = draw(st.sampled_from(case_events))
                t, d, x = ce["event_type"], near(ce["event_date"], -35, 35), ce["detail"]
                if t == "notification_sent":
                    t = "notification_received"
            else:
                t, d, x = event(anchors, [k for k in EVENT_TYPES if k != "notification_sent"])
            link = draw(st.integers(0, 3))
            ev_nhs = pat["nhs_number"] if link else None
            if link == 3 and ev_nhs is None:  # the event knows the NHS number, the patient not
                ev_nhs = draw(st.sampled_from(VALID_NHS))
            events.append({"nhs_number": ev_nhs,
                           "trust_id": pat["trust_id"] if link != 1 else None,
                           "event_type": t, "event_date": d, "detail": x})
    for _ in range(draw(st.integers(0, 2))):
        pat = {"nhs_number": draw(st.sampled_from(nhs_pool)),
               "trust_id": f"T{len(patients) + 1}", "la_child_id": None,
               "forename": draw(st.sampled_from(FORENAMES)),
               "surname": draw(st.sampled_from(SURNAMES)),
               "dob": draw(st.sampled_from([c["dob"] for c in children]))}
        patients.append(pat)
        for _ in range(draw(st.integers(0, 2))):
            t, d, x = event([as_of])
            events.append({"nhs_number": pat["nhs_number"], "trust_id": pat["trust_id"],
                           "event_type": t, "event_date": d, "detail": x})
    cutover = draw(st.none() | st.sampled_from(
        [e["start_date"] for e in episodes] + [as_of - timedelta(days=200)]))
    policy = draw(st.sampled_from([
        None, None, {"iha_rule": "28CD"}, {"age5_mode": "lenient"},
        {"dental_interval_months": 6, "horizon_days": 10}, {"imms_grace_days": 0},
        {"notification_target_wd": 3, "notification_lookback_days": 0, "iha_prior_months": 0,
         "horizon_days": 0, "dental_first_due_wd": 20, "event_match_days": 7,
         "compare_months": 6}]))
    return {"case": {"children": children, "episodes": episodes,
                     "health_events": case_events},
            "health": {"patients": patients, "events": events},
            "as_of": as_of, "cutover": cutover, "policy": policy}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(authorities())
def test_random_authorities_agree(a):
    c = typed_extract("case", a["case"])
    h = typed_extract("health", a["health"])
    res, ref = compare_extracts(c, h, as_of=a["as_of"], cutover=a["cutover"], policy=a["policy"])
    assert_agree(res, ref)


PATHWAY_TYPES = ["notification_received", "iha_requested", "iha_appointment", "iha",
                 "iha_report_sent", "was_not_brought", "was_not_brought", "declined"]


@st.composite
def pathways(draw):
    """Children around the R7 boundaries: events of the pathway near the clock and the IHA."""
    as_of = draw(st.sampled_from(SPECIAL_DAYS) | st.dates(date(2025, 1, 1), date(2026, 12, 31)))
    case: dict[str, list[dict]] = {"children": [], "episodes": [], "health_events": []}
    health: dict[str, list[dict]] = {"patients": [], "events": []}
    for i, nhs in enumerate(VALID_NHS[:draw(st.integers(1, 4))]):
        cid = f"C{i + 1}"
        start = as_of - timedelta(days=draw(st.integers(-5, 120)))
        iha = add_working_days(start, draw(st.integers(-2, 30)))
        edges = [start - timedelta(days=10), start, add_working_days(start, 5), iha,
                 add_working_days(iha, 10), as_of]
        case["children"].append({"child_id": cid, "nhs_number": nhs, "forename": "Ann",
                                 "surname": f"S{i}", "dob": date(2015, 6, 1)})
        case["episodes"].append({"child_id": cid, "start_date": start, "legal_status": "C2",
                                 "rne": "S"})
        health["patients"].append({"nhs_number": nhs, "forename": "Ann", "surname": f"S{i}",
                                   "dob": date(2015, 6, 1)})
        for side in ("health", "case"):
            for _ in range(draw(st.integers(0, 7))):
                t = draw(st.sampled_from(PATHWAY_TYPES))
                if side == "case" and t == "notification_received":
                    t = "notification_sent"
                d = draw(st.sampled_from(edges)) + timedelta(days=draw(st.integers(-1, 1)))
                if draw(st.booleans()):
                    d = start + timedelta(days=draw(st.integers(-20, 60)))
                x = (draw(st.sampled_from(["iha", "iha", "rha"]))
                     if t in ("was_not_brought", "declined") else None)
                if side == "case":
                    case["health_events"].append({"child_id": cid, "event_type": t,
                                                  "event_date": d, "detail": x})
                else:
                    health["events"].append({"nhs_number": nhs, "event_type": t,
                                             "event_date": d, "detail": x})
    policy = draw(st.sampled_from([None, None, {"request_target_wd": 3, "report_target_wd": 0},
                                   {"iha_rule": "28CD", "iha_prior_months": 0}]))
    return {"case": case, "health": health, "as_of": as_of, "policy": policy}


@settings(deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pathways())
def test_random_pathways_agree(a):
    c = typed_extract("case", a["case"])
    h = typed_extract("health", a["health"])
    res, ref = compare_extracts(c, h, as_of=a["as_of"], policy=a["policy"])
    assert_agree(res, ref)


# --- (3) generated sample authorities --------------------------------------------------------

@pytest.mark.parametrize("seed,as_of,policy", [
    (1, date(2026, 1, 21), None), (7, date(2024, 2, 29), None),
    (11, date(2025, 12, 31), {"iha_rule": "28CD", "age5_mode": "lenient",
                              "dental_interval_months": 6})])
def test_sample_authorities_agree(tmp_path, seed, as_of, policy):
    from healthcheck.samples import write_samples

    write_samples(tmp_path, children=300, seed=seed, as_of=as_of, case_format="csv",
                  health_format="csv")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    cutover = date.fromisoformat(manifest["cutover"]) if manifest.get("cutover") else None
    c = ingest(tmp_path / "case", "case")
    h = ingest(tmp_path / "health", "health")
    res, ref = compare_extracts(c, h, as_of=as_of, cutover=cutover, policy=policy)
    assert len(ref["children"]) >= 300
    assert_agree(res, ref)
