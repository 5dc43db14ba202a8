"""Reading a 903 return (DfE column names, dd/mm/yyyy dates), periods that began before the
extract, children without episodes and the health_assessment event type; hand-worked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from healthcheck.errors import InputError
from healthcheck.formats.common import adapt, sources_of
from healthcheck.read import _read_csv
from tests.helpers import assert_flagged, one_child, run

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
            "PL_POST,URN\n")
OC2 = ("CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
       "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n")


def write_return(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _return(tmp: Path) -> Path:
    return write_return(tmp / "r", {
        "Header_2026.csv": HEADER + "101,1,01/06/2010,WBRI,A1,,\n102,2,15/02/2019,WBRI,,,\n"
                                    ",,,,,,\n",
        "SSDA903_Episodes.csv": EPISODES + "101,01/04/2025,P,C2,N1,U1,PR1,,,,,AB1 2CD,SC1\n"
                                           "102,02/04/2025,S,V3,N1,U1,PR1,30/04/2025,E11,,,,\n",
        "oc2.csv": OC2 + "101,01/06/2010,12,,0,,1,0,1,0,,\n",
        "reviews.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\n101,01/06/2010,05/05/2025,PN1\n",
        "children.csv": "child_id,nhs_number,forename,surname\n101,943 476 5919,Ann,Lee\n"
                        "555,,Bob,Ray\n",
    })


def test_903_return_recognised_by_its_columns(tmp_path: Path) -> None:
    a = adapt(sources_of(_return(tmp_path)), _read_csv)
    assert a is not None and a.format == "ssda903"
    kids = a.tables["children"][0]
    assert kids.file.endswith("Header_2026.csv")
    assert kids.frame.select("row", "child_id", "dob", "sex", "nhs_number", "surname").rows() == [
        (1, "101", "01/06/2010", "1", "943 476 5919", "Lee"),
        (2, "102", "15/02/2019", "2", None, None)]  # the blank trailing row is not data
    ep = a.tables["episodes"][0].frame
    assert ep.select("child_id", "start_date", "end_date", "legal_status", "rne", "reason_end",
                     "placement_type", "placement_area").row(1) == (
        "102", "02/04/2025", "30/04/2025", "V3", "S", "E11", "U1", None)
    assert a.extra["oc2"].frame.columns == ["row", "child_id", "health_assessment",
                                            "teeth_check", "immunisations"]
    unused = {(u["table"], u["rows"]): u["columns"] for u in a.unused}
    assert unused[("header", 2)] == ["ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    assert unused[("episodes", 2)] == ["CIN", "PLACE_PROVIDER", "REASON_PLACE_CHANGE",
                                       "HOME_POST", "URN"]
    assert "HEALTH_CHECK" in unused[("oc2", 1)]
    assert unused[("reviews", 1)] == ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]
    # the children row for a child not in the header is not lost
    assert a.flags.select("rule", "table", "row", "value").rows() == [
        ("RECORD_UNLINKED", "children", 2, "555")]


def test_canonical_extract_is_not_adapted(tmp_path: Path) -> None:
    folder = write_return(tmp_path / "c", {
        "children.csv": "child_id,nhs_number,dob\nC1,,2015-06-01\n",
        "episodes.csv": "child_id,start_date,legal_status\nC1,2025-01-06,C2\n"})
    assert adapt(sources_of(folder), _read_csv) is None


def test_903_table_missing_a_column_is_refused(tmp_path: Path) -> None:
    folder = write_return(tmp_path / "r", {
        "header.csv": HEADER + "101,1,01/06/2010,WBRI,A1,,\n",
        "episodes.csv": "CHILD,DECOM,RNE\n101,01/04/2025,S\n"})
    with pytest.raises(InputError, match=r"episodes.csv: the 903 episodes table .* 'LS'"):
        adapt(sources_of(folder), _read_csv)
    folder = write_return(tmp_path / "s", {"episodes.csv": EPISODES})
    with pytest.raises(InputError, match="needs a 'header' table"):
        adapt(sources_of(folder), _read_csv)


def test_period_started_before_the_extract(tmp_path: Path) -> None:
    # First episode RNE P (a placement change): the period began before the extract.
    row = one_child(tmp_path, start=date(2025, 4, 1), as_of=date(2026, 3, 31),
                    episodes=[{"child_id": "C1", "start_date": date(2025, 4, 1),
                               "legal_status": "C2", "rne": "P"}],
                    events=[("rha", date(2025, 6, 2), None)])
    assert row["period_start"] == row["clock_start"] == date(2025, 4, 1)
    assert row["notification_status"] == row["iha_status"] == "before_extract"
    assert row["iha_due"] is None and row["iha_date"] is None
    # RHA as usual: aged 9 on 2 Jun 2025 -> 12 months -> due Tue 2 Jun 2026
    assert (row["rha_due"], row["rha_status"]) == (date(2026, 6, 2), "in_date")
    # with no assessment at all: none recorded (R3), not "IHA still due"
    bare = one_child(tmp_path / "b", start=date(2025, 4, 1), as_of=date(2026, 3, 31),
                     episodes=[{"child_id": "C1", "start_date": date(2025, 4, 1),
                                "legal_status": "C2", "rne": "T"}])
    assert (bare["iha_status"], bare["rha_status"]) == ("before_extract", "none_recorded")


def test_before_extract_flags_and_figures(tmp_path: Path) -> None:
    nhs = "9434765919"
    case = {
        "children": [{"child_id": "C1", "nhs_number": nhs, "dob": date(2015, 6, 1)},
                     {"child_id": "C2", "dob": date(2016, 6, 1)}],
        "episodes": [{"child_id": "C1", "start_date": date(2025, 5, 1), "legal_status": "C2",
                      "rne": "L"}],
    }
    health = {"patients": [{"nhs_number": nhs, "dob": date(2015, 6, 1)}], "events": []}
    res = run(tmp_path, case, health, date(2026, 3, 31))
    f = res.flags
    assert_flagged(f, "PERIOD_STARTED_BEFORE_EXTRACT", ("C1", "episodes", 1, "L"),
                   on=("child_id", "table", "row", "value"))
    assert_flagged(f, "CHILD_WITHOUT_EPISODES", ("C2", "children", 2),
                   on=("child_id", "table", "row"))
    got = {(r["rule"], r["child_id"], r["table"], r["row"], r["value"])
           for r in f.filter(pl.col("severity") == "info").to_dicts()}
    assert got == {("PERIOD_STARTED_BEFORE_EXTRACT", "C1", "episodes", 1, "L"),
                   ("CHILD_WITHOUT_EPISODES", "C2", "children", 2, "C2")}
    k = {(r["measure"], r["source"]): r["denominator"] for r in res.kpis.to_dicts()}
    # the clock started in the period, but a before-extract IHA counts in no figure
    assert k[("iha_on_time_pct", "health")] == 0
    assert k[("notification_on_time_pct", "health")] == 0
    assert k[("rha_in_date_pct", "health")] == 1


def test_health_assessment_counts_as_iha_and_for_oc2(tmp_path: Path) -> None:
    row = one_child(tmp_path, start=date(2025, 1, 6), as_of=date(2026, 3, 31),
                    events=[("health_assessment", date(2025, 1, 20), None),
                            ("health_assessment", date(2025, 12, 1), None)])
    assert row["iha_date"] == date(2025, 1, 20) and row["iha_status"] == "on_time"
    assert row["last_assessment"] == date(2025, 12, 1)
    assert row["rha_status"] == "in_date"
    assert row["oc2_cohort"] is True


def _return_with_health(tmp: Path) -> tuple[Path, Path]:
    """A 903 return for the year to Tue 31 Mar 2026 and the trust's record (linked by
    la_child_id: a 903 return has no NHS numbers)."""
    ret = write_return(tmp / "return", {
        "header.csv": HEADER + "101,1,01/06/2010,WBRI,,,\n102,2,15/02/2014,WBRI,,,\n"
                               "103,1,03/03/2012,WBRI,,,\n104,1,03/03/2012,WBRI,,,\n",
        "episodes.csv": EPISODES + "101,01/04/2025,P,C2,N1,U1,PR1,,,,,,\n"
                                   "102,01/04/2025,S,C2,N1,U1,PR1,,,,,,\n"
                                   "103,02/04/2025,S,C2,N1,U1,PR1,,,,,,\n"
                                   "104,11/09/2023,S,C2,N1,U1,PR1,31/03/2026,E11,,,,\n",
        "oc2.csv": OC2 + "101,01/06/2010,,,0,,1,1,1,0,,\n"   # 1s: HA yes, teeth no, imms no
                         "103,03/03/2012,,,0,,0,0,0,0,,\n",  # 103 started 2 Apr: not cohort
    })
    health = write_return(tmp / "health", {
        "patients.csv": "nhs_number,trust_id,la_child_id,dob\n,T1,101,2010-06-01\n"
                        ",T2,102,2014-02-15\n",
        "events.csv": "trust_id,event_type,event_date,detail\nT1,rha,2025-04-01,\n"
                      "T1,dental,2025-03-31,\nT2,dental,2026-03-31,\n"
                      "T2,immunisations_up_to_date,2026-01-05,Y\n",
    })
    return ret, health


def test_903_return_reconciled_and_oc2_checked(tmp_path: Path) -> None:
    from healthcheck.ingest import ingest
    from healthcheck.reconcile import reconcile

    ret, health = _return_with_health(tmp_path)
    as_of = date(2026, 3, 31)
    res = reconcile(ingest(ret, "case"), ingest(health, "health"), as_of=as_of)
    kids = {r["child_id"]: r for r in res.children.to_dicts()}
    assert {c for c, r in kids.items() if r["oc2_cohort"]} == {"101", "102"}
    assert kids["101"]["match_method"] == "la_id"
    oc2 = {(r["rule"], r["child_id"], r["field"]) for r in res.flags.to_dicts()
           if r["rule"].startswith("OC2_")}
    assert oc2 == {
        ("OC2_VALUE_UNSUPPORTED", "101", "TEETH_CHECK"),  # dental on 31 Mar 2025: last year
        ("OC2_VALUE_UNSUPPORTED", "101", "IMMUNISATIONS"),
        ("OC2_CHILD_MISSING", "102", "CHILD"),
        ("OC2_CHILD_NOT_IN_COHORT", "103", "CHILD"),
    }
    k = {(r["measure"], r["source"]): (r["numerator"], r["denominator"])
         for r in res.kpis.to_dicts()}
    assert k[("oc2_teeth_check_pct", "return")] == (1, 2)
    assert k[("oc2_teeth_check_pct", "health")] == (1, 2)  # 102's dental on 31 Mar 2026
    assert k[("oc2_health_assessment_pct", "health")] == (1, 2)  # 101's RHA on 1 Apr 2025
    assert res.summary["case_format"] == "ssda903"
    assert res.summary["oc2_return"] == {"rows": 2, "values_checked": True,
                                         "checked_against": "health"}
    assert any(u["table"] == "oc2" and "HEALTH_CHECK" in u["columns"]
               for u in res.summary["read_not_used"])


def test_903_return_from_the_command_line_with_and_without_health(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from healthcheck.cli import app

    ret, health = _return_with_health(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["reconcile", "--case", str(ret), "--health", str(health),
                                 "--out", str(out), "--as-of", "2026-03-31", "--no-workbook"])
    assert r.exit_code == 0, r.output
    assert "Case extract read as an SSDA903 return." in r.output
    assert "read, not used: oc2 (2 rows)" in r.output
    assert "return   50.0%" in r.output  # the return's own teeth-check figure
    # as-of is the year end: no forecast, only the file's header (no earlier run's rows left)
    assert (out / "oc2_forecast.csv").read_text().splitlines() == [
        "child_id,nhs_number,health_assessment_done,teeth_check_done,immunisations_up_to_date,"
        "rha_due,dental_due,needs"]
    r = CliRunner().invoke(app, ["reconcile", "--case", str(ret), "--out", str(out),
                                 "--as-of", "2026-01-12", "--no-workbook"])
    assert r.exit_code == 0, r.output
    assert "health record was not checked" in r.output
    assert "its values were not checked" in r.output
    children = pl.read_csv(out / "children.csv", infer_schema=False)
    assert set(children["match_status"]) == {"not_checked"}
    flags = pl.read_csv(out / "flags.csv", infer_schema=False)
    assert not set(flags["rule"]) & {"CASE_ONLY", "HEALTH_ONLY", "EVENT_MISSING_IN_CASE"}
    forecast = pl.read_csv(out / "oc2_forecast.csv", infer_schema=False)
    # at 12 Jan 2026, in care with a period started by 31 Mar 2025: 104 (101 and 102 start
    # 1 Apr 2025, one day late for the forecast's cohort as docs/rules.md §4 words it)
    assert forecast["child_id"].to_list() == ["104"]
    assert forecast["needs"][0] == "health_assessment;teeth_check;immunisations"
