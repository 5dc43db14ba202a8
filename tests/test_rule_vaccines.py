"""docs/rules.md §4 R5 extended: immunisations decided from vaccine records, against the UK routine
schedule. Hand-worked, on in-memory frames: the rules through `evaluate`, the flags through
`reconcile` on extracts built in memory.

Boundary dates are worked by hand (grace 28 days): born Sun 30 Jun 2024 (before 1 July 2024,
"not B"): 16 weeks = 20 Oct 2024 (+28 = 17 Nov), 12 months = 30 Jun 2025 (+28 = 28 Jul), 40
months = 30 Oct 2027 (+28 = 27 Nov), end of Year 8 = 31 Aug 2037 (13th birthday 30 Jun 2037;
+28 = 28 Sep), end of Year 9 = 31 Aug 2038 (+28 = 28 Sep). Born Mon 1 Jul 2024 ("B"): 16 weeks =
21 Oct 2024 (+28 = 18 Nov), 12 months = 1 Jul 2025 (+28 = 29 Jul), 18 months = 1 Jan 2026 (+28 =
29 Jan), 40 months = 1 Nov 2027 (+28 = 29 Nov), Years 8 and 9 as above (13th/14th birthdays on
1 July, before 31 August).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from healthcheck.errors import UsageError
from healthcheck.policy import Policy, load_policy, make_policy
from healthcheck.rules.evaluate import evaluate
from healthcheck.schedule import vaccine_keys
from tests.helpers import assert_flagged, run_mem

START = date(2023, 1, 2)
NOT_B, B = date(2024, 6, 30), date(2024, 7, 1)
# one single-antigen vaccine per antigen
ONE = {"dtp": "Td/IPV", "hib": "Hib/MenC", "pcv": "PCV", "menb": "MenB", "mmr": "MMR",
       "hpv": "HPV", "menacwy": "MenACWY"}


def status(dob: date | None, as_of: date, vaccines_given: list[tuple[date, str]] = (),  # type: ignore[assignment]
           yn: list[tuple[date, str]] = (), policy: Policy | None = None,  # type: ignore[assignment]
           clock: date | None = START) -> dict:
    """The R5 columns of one child (in care since START) over these events."""
    base = pl.LazyFrame(
        {"child_id": ["C1"], "dob": [dob], "period_start": [START], "period_end": [None],
         "clock_start": [clock], "in_care": [True], "oc2_cohort": [False],
         "before_extract": [False]},
        schema={"child_id": pl.String, "dob": pl.Date, "period_start": pl.Date,
                "period_end": pl.Date, "clock_start": pl.Date, "in_care": pl.Boolean,
                "oc2_cohort": pl.Boolean, "before_extract": pl.Boolean})
    rows = ([("immunisation", d, n) for d, n in vaccines_given]
            + [("immunisations_up_to_date", d, v) for d, v in yn])
    events = pl.LazyFrame(
        {"child_id": ["C1"] * len(rows), "event_type": [r[0] for r in rows],
         "event_date": [r[1] for r in rows], "detail": [r[2] for r in rows]},
        schema={"child_id": pl.String, "event_type": pl.String, "event_date": pl.Date,
                "detail": pl.String})
    out = evaluate(base, events, policy or Policy(), as_of, "notification_received").collect()
    return out.select("immunisations_status", "immunisations_basis",
                      "immunisations_missing").row(0, named=True)


def plenty(dob: date, but: str | None = None, n: int = 0) -> list[tuple[date, str]]:
    """Six doses of every antigen in the child's first days, but `n` of antigen `but`."""
    out = []
    for antigen, name in ONE.items():
        k = n if antigen == but else 6
        out += [(dob + timedelta(days=i), name) for i in range(k)]
    return out


# --- each requirement's boundary: the day before, the day of and the day after age + grace ----

EDGES = [  # dob, antigen, doses required, age + 28 days (the last day it does not yet apply)
    (NOT_B, "dtp", 3, date(2024, 11, 17)), (NOT_B, "hib", 3, date(2024, 11, 17)),
    (NOT_B, "pcv", 1, date(2024, 11, 17)), (NOT_B, "menb", 2, date(2024, 11, 17)),
    (NOT_B, "hib", 4, date(2025, 7, 28)), (NOT_B, "pcv", 2, date(2025, 7, 28)),
    (NOT_B, "menb", 3, date(2025, 7, 28)), (NOT_B, "mmr", 1, date(2025, 7, 28)),
    (NOT_B, "dtp", 4, date(2027, 11, 27)), (NOT_B, "mmr", 2, date(2027, 11, 27)),
    (NOT_B, "hpv", 1, date(2037, 9, 28)),
    (NOT_B, "dtp", 5, date(2038, 9, 28)), (NOT_B, "menacwy", 1, date(2038, 9, 28)),
    (B, "dtp", 3, date(2024, 11, 18)), (B, "hib", 3, date(2024, 11, 18)),
    (B, "pcv", 1, date(2024, 11, 18)), (B, "menb", 2, date(2024, 11, 18)),
    (B, "pcv", 2, date(2025, 7, 29)), (B, "menb", 3, date(2025, 7, 29)),
    (B, "mmr", 1, date(2025, 7, 29)),
    (B, "dtp", 4, date(2026, 1, 29)), (B, "hib", 4, date(2026, 1, 29)),
    (B, "mmr", 2, date(2026, 1, 29)),
    (B, "dtp", 5, date(2027, 11, 29)),
    (B, "hpv", 1, date(2037, 9, 28)),
    (B, "dtp", 6, date(2038, 9, 28)), (B, "menacwy", 1, date(2038, 9, 28)),
]


@pytest.mark.parametrize(("dob", "antigen", "need", "edge"), EDGES,
                         ids=[f"{'B' if d == B else 'notB'}-{a}{n}" for d, a, n, _ in EDGES])
def test_requirement_boundary(dob: date, antigen: str, need: int, edge: date) -> None:
    given = plenty(dob, but=antigen, n=need - 1)
    for as_of in (edge - timedelta(days=1), edge):
        assert status(dob, as_of, given) == {
            "immunisations_status": "up_to_date", "immunisations_basis": "vaccines",
            "immunisations_missing": None}, as_of
    assert status(dob, edge + timedelta(days=1), given) == {
        "immunisations_status": "not_up_to_date", "immunisations_basis": "vaccines",
        "immunisations_missing": f"{antigen} {need}"}
    # with the dose it is met
    assert status(dob, edge + timedelta(days=1), plenty(dob, but=antigen, n=need))[
        "immunisations_status"] == "up_to_date"


def test_grace_days_from_policy() -> None:
    given = plenty(NOT_B, but="mmr", n=0)  # MMR 1 due at 12 months, 30 Jun 2025
    assert status(NOT_B, date(2025, 6, 30), given, policy=Policy(imms_grace_days=0))[
        "immunisations_missing"] is None
    assert status(NOT_B, date(2025, 7, 1), given, policy=Policy(imms_grace_days=0))[
        "immunisations_missing"] == "mmr 1"


def test_both_sides_of_1_july_2024() -> None:
    """15 Feb 2026: past 18 months + 28 days for the B child, 19 months for the other.
    Records: 3 x 6-in-1, 2 PCV, 3 MenB, 1 MMR."""
    def record(dob: date) -> list[tuple[date, str]]:
        return ([(dob + timedelta(weeks=w), "6-in-1") for w in (8, 12, 16)]
                + [(dob + timedelta(weeks=w), "PCV") for w in (12, 52)]
                + [(dob + timedelta(weeks=w), "MenB") for w in (8, 16, 52)]
                + [(dob + timedelta(weeks=52), "MMR")])
    as_of = date(2026, 2, 15)
    # born 30 Jun 2024: Hib/MenC (hib 4) due at 12 months; dtp 4 and MMR 2 not until 40 months
    assert status(NOT_B, as_of, record(NOT_B))["immunisations_missing"] == "hib 4"
    # born 1 Jul 2024: the 18-month 6-in-1 (dtp 4, hib 4) and MMR(V) 2 are due
    assert status(B, as_of, record(B))["immunisations_missing"] == "dtp 4; hib 4; mmr 2"


def test_hib_only_while_under_10() -> None:
    dob = date(2016, 3, 15)  # 10th birthday Sun 15 Mar 2026
    given = plenty(dob, but="hib", n=3)
    assert status(dob, date(2026, 3, 14), given)["immunisations_missing"] == "hib 4"
    assert status(dob, date(2026, 3, 15), given)["immunisations_status"] == "up_to_date"


def test_pcv_menb_only_while_under_2() -> None:
    dob = date(2024, 2, 29)  # 2nd birthday: 29 Feb 2026 does not exist -> 28 Feb 2026
    given = [d for d in plenty(dob, but="pcv", n=1) if d[1] != "MenB"]
    given += [(dob + timedelta(days=i), "MenB") for i in range(2)]
    assert status(dob, date(2026, 2, 27), given)["immunisations_missing"] == "pcv 2; menb 3"
    assert status(dob, date(2026, 2, 28), given)["immunisations_status"] == "up_to_date"


@pytest.mark.parametrize(("dob", "year8_edge", "year9_edge"), [
    # 13th birthday 31 Aug 2024 is itself the end of Year 8; 14th the end of Year 9
    (date(2011, 8, 31), date(2024, 9, 28), date(2025, 9, 28)),
    # 13th birthday 1 Sep 2024: the next 31 August
    (date(2011, 9, 1), date(2025, 9, 28), date(2026, 9, 28)),
])
def test_end_of_year_8_and_9(dob: date, year8_edge: date, year9_edge: date) -> None:
    hpv = plenty(dob, but="hpv", n=0)
    assert status(dob, year8_edge, hpv)["immunisations_missing"] is None
    assert status(dob, year8_edge + timedelta(days=1), hpv)["immunisations_missing"] == "hpv 1"
    teen = [d for d in plenty(dob, but="menacwy", n=0) if d[1] != "Td/IPV"]
    teen += [(dob + timedelta(days=i), "Td/IPV") for i in range(4)]
    assert status(dob, year9_edge, teen)["immunisations_missing"] is None
    assert status(dob, year9_edge + timedelta(days=1), teen)[
        "immunisations_missing"] == "dtp 5; menacwy 1"


# --- counting doses ------------------------------------------------------------------------------

AS_OF_BABY = date(2025, 6, 1)  # born 1 Jan 2025: 16 weeks + 28 days = 21 May 2025
BABY = date(2025, 1, 1)


def test_two_vaccines_on_one_date_count_once() -> None:
    d1, d2, d3 = date(2025, 2, 26), date(2025, 3, 26), date(2025, 4, 23)
    given = [(d1, "6-in-1"), (d2, "Infanrix hexa"), (d2, "DTaP/IPV/Hib"), (d3, "Vaxelis"),
             (d1, "PCV"), (d1, "MenB"), (d3, "MenB")]
    assert status(BABY, AS_OF_BABY, given)["immunisations_missing"] is None
    # without the third date: two 6-in-1 products on 26 Mar are one dose
    assert status(BABY, AS_OF_BABY, given[:3] + given[4:])["immunisations_missing"] == (
        "dtp 3; hib 3")


@pytest.mark.parametrize("name", [
    "dtap / ipv / hib / hepb", "Infanrix Hexa", " INFANRIX-HEXA ", "6 in 1", "6-IN-1",
    "DTaP/IPV/Hib/HepB", "d.t.a.p/i.p.v/h.i.b/h.e.p.b", "Hexavalent"])
def test_names_match_ignoring_case_spaces_hyphens_dots_slashes(name: str) -> None:
    given = [(date(2025, 2, 26), name), (date(2025, 3, 26), name), (date(2025, 4, 23), name),
             (date(2025, 2, 26), "M.M.R"), (date(2025, 2, 26), "pcv 13"),
             (date(2025, 2, 26), "Bex-sero"), (date(2025, 3, 26), "men b")]
    assert status(BABY, AS_OF_BABY, given)["immunisations_missing"] is None


def test_vaccine_key() -> None:
    assert vaccine_keys(["dtap / ipv / hib / hepb", "Infanrix Hexa", "M.M.R", "Td/IPV",
                         "Prevenar 13", "COVID-19", "Infanrix-IPV+Hib"]) == [
        "dtapipvhibhepb", "infanrixhexa", "mmr", "tdipv", "prevenar13", "covid19",
        "infanrixipv+hib"]


def test_not_counted_unknown_and_blank_names_count_nothing() -> None:
    # any immunisation event makes the records decide: these count for nothing
    for name in ("Rotarix", "flu", "BCG", "Polio", None):
        r = status(BABY, AS_OF_BABY, [(date(2025, 2, 26), name)],  # type: ignore[list-item]
                   yn=[(date(2025, 5, 1), "Y")])
        assert r == {"immunisations_status": "not_up_to_date",
                     "immunisations_basis": "vaccines",
                     "immunisations_missing": "dtp 3; hib 3; pcv 1; menb 2"}, name


def test_dose_after_as_of_ignored_dose_before_birth_counts() -> None:
    given = [(date(2025, 2, 26), "6-in-1"), (date(2025, 3, 26), "6-in-1"),
             (date(2025, 2, 26), "PCV"), (date(2025, 2, 26), "MenB"), (date(2025, 3, 26), "MenB")]
    after = given + [(AS_OF_BABY + timedelta(days=1), "6-in-1")]
    assert status(BABY, AS_OF_BABY, after)["immunisations_missing"] == "dtp 3; hib 3"
    on = given + [(AS_OF_BABY, "6-in-1")]
    assert status(BABY, AS_OF_BABY, on)["immunisations_missing"] is None
    # a dose dated before birth is flagged DATE_BEFORE_BIRTH by quality, and still counts
    before = given + [(BABY - timedelta(days=3), "6-in-1")]
    assert status(BABY, AS_OF_BABY, before)["immunisations_missing"] is None
    # only doses after as-of: no records, the Y/N decides
    assert status(BABY, AS_OF_BABY, [(AS_OF_BABY + timedelta(days=1), "6-in-1")],
                  yn=[(date(2025, 5, 1), "N")]) == {
        "immunisations_status": "not_up_to_date", "immunisations_basis": "status",
        "immunisations_missing": None}


def test_fallback_basis() -> None:
    assert status(BABY, AS_OF_BABY, yn=[(date(2025, 5, 1), "Y")]) == {
        "immunisations_status": "up_to_date", "immunisations_basis": "status",
        "immunisations_missing": None}
    assert status(BABY, AS_OF_BABY) == {
        "immunisations_status": "unknown", "immunisations_basis": None,
        "immunisations_missing": None}
    # no clock: not required, whatever the records
    assert status(BABY, AS_OF_BABY, [(date(2025, 2, 26), "MMR")], clock=None) == {
        "immunisations_status": "not_required", "immunisations_basis": None,
        "immunisations_missing": None}
    # no date of birth: the records cannot be placed on the schedule; the Y/N decides
    assert status(None, AS_OF_BABY, [(date(2025, 2, 26), "MMR")],
                  yn=[(date(2025, 5, 1), "Y")]) == {
        "immunisations_status": "up_to_date", "immunisations_basis": "status",
        "immunisations_missing": None}


def test_young_child_with_records_and_nothing_due_is_up_to_date() -> None:
    assert status(BABY, date(2025, 3, 1), [(date(2025, 2, 26), "6-in-1")])[
        "immunisations_status"] == "up_to_date"


# --- the policy's vaccine table ------------------------------------------------------------------

def test_policy_overrides_the_vaccine_table() -> None:
    pol = make_policy({"vaccines": {"Hexyon": ["DTP", "hib"], "Infanrix hexa": "not counted",
                                    "Menitorix": []}})
    table = dict(pol.vaccines)
    assert table["Hexyon"] == ("dtp", "hib") and table["Infanrix hexa"] == ()
    assert table["Vaxelis"] == ("dtp", "hib")  # the rest of the built-in table is kept
    assert pol.as_dict()["vaccines"]["Infanrix hexa"] == "not counted"
    given = [(date(2025, 2, 26), "hexyon"), (date(2025, 3, 26), "Hexyon"),
             (date(2025, 4, 23), "INFANRIX HEXA"), (date(2025, 2, 26), "PCV"),
             (date(2025, 2, 26), "MenB"), (date(2025, 3, 26), "MenB")]
    # built in: Hexyon is unknown, one dose of dtp and hib
    assert status(BABY, AS_OF_BABY, given)["immunisations_missing"] == "dtp 3; hib 3"
    added = make_policy({"vaccines": {"Hexyon": ["dtp", "hib"]}})
    assert status(BABY, AS_OF_BABY, given, policy=added)["immunisations_missing"] is None
    # Infanrix hexa recorded but not counted: two doses
    assert status(BABY, AS_OF_BABY, given, policy=pol)["immunisations_missing"] == (
        "dtp 3; hib 3")
    assert status(BABY, AS_OF_BABY, given[:2] + [(date(2025, 4, 23), "Hexyon")] + given[3:],
                  policy=pol)["immunisations_missing"] is None


def test_policy_file_vaccines_section(tmp_path: Path) -> None:
    f = tmp_path / "policy.toml"
    f.write_text('imms_grace_days = 14\n\n[vaccines]\n"Hexyon" = ["dtp", "HIB"]\n'
                 '"Typhim Vi" = "Not counted"\n')
    pol = load_policy(f)
    assert pol.imms_grace_days == 14
    assert dict(pol.vaccines)["Hexyon"] == ("dtp", "hib")
    assert dict(pol.vaccines)["Typhim Vi"] == ()
    assert len(pol.vaccines) == len(Policy().vaccines) + 2


@pytest.mark.parametrize("bad", [
    {"vaccines": {"X": ["dtp", "polio"]}}, {"vaccines": {"X": "dtp"}},
    {"vaccines": {"X": [1]}}, {"vaccines": ["X"]}, {"vaccines": {" / ": ["dtp"]}},
    {"vaccines": {"Men B": ["menb"], "MENB": ["mmr"]}},
    {"imms_grace_days": -1}, {"imms_grace_days": 400}])
def test_bad_policy_is_a_usage_error(bad: dict) -> None:
    with pytest.raises(UsageError):
        make_policy(bad)


# --- the flags, through reconcile ------------------------------------------------------------

NHS = "9434765919"
AS_OF = date(2026, 3, 31)


def reconciled(health_events: list[tuple[str, date, str | None]],
               case_events: list[tuple[str, date, str | None]] = (),  # type: ignore[assignment]
               dob: date = date(2015, 6, 1)) -> tuple[dict, pl.DataFrame]:
    case = {
        "children": [{"child_id": "C1", "nhs_number": NHS, "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "episodes": [{"child_id": "C1", "start_date": date(2024, 1, 2), "legal_status": "C2",
                      "rne": "S"}],
        "health_events": [{"child_id": "C1", "event_type": t, "event_date": d, "detail": x}
                          for t, d, x in case_events]}
    health = {
        "patients": [{"nhs_number": NHS, "trust_id": "T1", "forename": "Ann", "surname": "Lee",
                      "dob": dob}],
        "events": [{"nhs_number": NHS, "event_type": t, "event_date": d, "detail": x}
                   for t, d, x in health_events]}
    res = run_mem(case, health, AS_OF)
    row = res.children.filter(pl.col("child_id") == "C1").to_dicts()[0]
    return row, res.flags.filter(pl.col("rule").is_in(
        ["VACCINE_UNKNOWN", "IMMUNISATIONS_STATUS_DISAGREES"]))


# born 1 Jun 2015: at 31 Mar 2026, 10 years old: dtp 4 and mmr 2 are due (not yet Year 9)
FULL = [("immunisation", date(2015, 8, 1), "6-in-1"), ("immunisation", date(2015, 9, 1), "6-in-1"),
        ("immunisation", date(2015, 10, 1), "6-in-1"), ("immunisation", date(2016, 6, 1), "MMR"),
        ("immunisation", date(2018, 11, 1), "MMRvaxPRO"),
        ("immunisation", date(2018, 11, 1), "Repevax")]


def test_unknown_vaccine_flagged_on_its_row_in_both_extracts() -> None:
    row, flags = reconciled(FULL + [("immunisation", date(2019, 1, 1), "Polio drops"),
                                    ("immunisation", date(2019, 2, 1), None),
                                    ("immunisation", date(2019, 3, 1), "flu")],
                            case_events=[("immunisation", date(2019, 1, 1), "Typhim Vi")])
    assert row["immunisations_status"] == "up_to_date"
    assert_flagged(flags, "VACCINE_UNKNOWN",
                   ("case", "health_events", 1, "C1", NHS, "detail", "Typhim Vi"),
                   ("health", "events", 7, "C1", NHS, "detail", "Polio drops"),
                   ("health", "events", 8, "C1", NHS, "detail", None),
                   on=("source", "table", "row", "child_id", "nhs_number", "field", "value"))
    assert "no vaccine name" in flags.filter(pl.col("value").is_null())["message"][0]


def test_status_disagrees_when_y_but_doses_missing() -> None:
    events = FULL[:4] + [("immunisations_up_to_date", date(2026, 1, 5), "Y")]
    row, flags = reconciled(events)
    assert (row["immunisations_status"], row["immunisations_missing"]) == (
        "not_up_to_date", "dtp 4; mmr 2")
    assert_flagged(flags, "IMMUNISATIONS_STATUS_DISAGREES",
                   ("health", "events", 5, "C1", "immunisations_up_to_date", "Y"),
                   on=("source", "table", "row", "child_id", "field", "value"))
    assert "dtp 4; mmr 2" in flags["message"][0]


def test_status_disagrees_when_n_but_records_complete_and_n_wins_a_tie() -> None:
    tie = [("immunisations_up_to_date", date(2026, 1, 5), "Y"),
           ("immunisations_up_to_date", date(2026, 1, 5), "N"),
           ("immunisations_up_to_date", date(2025, 1, 5), "Y")]
    row, flags = reconciled(FULL + tie)
    assert row["immunisations_status"] == "up_to_date"
    assert_flagged(flags, "IMMUNISATIONS_STATUS_DISAGREES", (8, "N"), on=("row", "value"))
    assert "every routine dose" in flags["message"][0]


def test_no_disagreement_when_they_agree_or_no_status_or_only_case() -> None:
    assert reconciled(FULL + [("immunisations_up_to_date", date(2026, 1, 5), "Y")])[1].height == 0
    # the latest wins: an older N, then Y
    assert reconciled(FULL + [("immunisations_up_to_date", date(2025, 1, 5), "N"),
                              ("immunisations_up_to_date", date(2026, 1, 5), "Y")])[1].height == 0
    assert reconciled(FULL[:4])[1].height == 0
    # a Y/N after as-of is not the latest status
    assert reconciled(FULL[:4] + [("immunisations_up_to_date", date(2026, 4, 1), "Y")])[
        1].height == 0
    # the case system's own Y/N and records give the LA-side figures, never this flag
    row, flags = reconciled([], case_events=FULL[:4] + [
        ("immunisations_up_to_date", date(2026, 1, 5), "Y")])
    assert flags.height == 0 and row["immunisations_basis"] is None


def test_policy_echoed_into_run_json_reads_back() -> None:
    """as_dict() holds both built-in spellings of one name (dTaP/IPV, DTaP/IPV): reading it back
    (a history's run.json) gives the same policy; two spellings with different antigens are
    still refused."""
    from healthcheck.errors import UsageError
    from healthcheck.policy import Policy, make_policy

    policy = Policy()
    assert make_policy(policy.as_dict()) == policy
    with pytest.raises(UsageError, match="different antigens"):
        make_policy({"vaccines": {"Foo Vax": ["dtp"], "foo-vax": ["mmr"]}})


def test_due_doses_per_distinct_dob_are_each_childs_own() -> None:
    """`with_due` works the schedule out once per date of birth (and as-of) and joins it back:
    each child, in its own row order, gets what `required` gives on its own row, a blank date
    of birth nothing; at one date and with as-of a column."""
    from healthcheck.rules import vaccines
    from healthcheck.schedule import ANTIGENS

    dobs = [date(2024, 7, 1), date(2012, 2, 29), None, date(2024, 6, 30), date(2012, 2, 29),
            date(2016, 8, 31), date(2024, 7, 1)]
    kids = pl.DataFrame({"child_id": [str(i) for i in range(len(dobs))], "dob": dobs})
    policy = Policy()
    own = [vaccines.required(a, policy, date(2026, 3, 31)).alias(f"_due_{a}") for a in ANTIGENS]
    got = vaccines.with_due(kids.lazy(), policy, date(2026, 3, 31)).collect()
    assert got.equals(kids.with_columns(own))
    assert got.filter(pl.col("dob").is_null()).select(pl.col("^_due_.*$").is_null().all()
                                                      ).row(0) == (True,) * len(ANTIGENS)
    at = kids.join(pl.DataFrame({"as_of": [date(2025, 12, 31), date(2026, 4, 3)]}), how="cross")
    col = pl.col("as_of")
    got = vaccines.with_due(at.lazy(), policy, col).collect()
    assert got.equals(at.with_columns(vaccines.required(a, policy, col).alias(f"_due_{a}")
                                      for a in ANTIGENS))
