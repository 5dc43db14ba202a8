"""Reading the Standard Safeguarding Dataset (SSD column names as in data-to-insight's
ssd-data-model), hand-worked."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.errors import InputError
from healthcheck.formats.common import adapt, sources_of
from healthcheck.read import _read_csv
from tests.test_ssda903 import write_return


def _ssd(tmp: Path, **extra: str) -> Path:
    files = {
        "ssd_person.csv": "pers_person_id,pers_sex,pers_gender,pers_ethnicity,pers_dob,"
                          "pers_common_child_id,pers_legacy_id,pers_upn_unknown\n"
                          "P1,F,,WBRI,2015-06-01,9434765919,L1,\nP2,M,,WBRI,2019-02-15,,,\n",
        "ssd_cla_episodes.csv": "clae_cla_episode_id,clae_person_id,clae_cla_episode_start_date,"
                                "clae_cla_episode_start_reason,clae_cla_primary_need_code,"
                                "clae_cla_episode_ceased,clae_cla_episode_ceased_reason,"
                                "clae_cla_id\n"
                                "E1,P1,2024-10-31,T,N1,2025-03-03,X1,C1\n"
                                "E2,P1,2025-03-03,P,N1,,,C1\n"
                                "E3,P2,2025-06-02,S,N1,,,C2\n",
        "ssd_legal_status.csv": "lega_legal_status_id,lega_person_id,lega_legal_status,"
                                "lega_legal_status_start_date,lega_legal_status_end_date\n"
                                "L1,P1,V2,2024-10-31,2025-03-03\n"
                                "L2,P1,C2,2025-03-03,\n"
                                "L3,P2,C1,2025-06-02,\n"
                                "L4,P2,E1,2020-01-01,2020-05-01\n",
        "ssd_cla_health.csv": "clah_health_check_id,clah_person_id,clah_health_check_type,"
                              "clah_health_check_date,clah_health_check_status\n"
                              "H1,P1,Health Assessment,2025-01-10,Completed\n"
                              "H2,P1,Dental Check,2025-02-10,Refused\n"
                              "H3,P1,Dental Check,2025-08-10,Planned\n"
                              "H4,P2,Health Assessment,2025-07-01,Cancelled\n"
                              "H5,P2,Eye Test,2025-07-01,Completed\n"
                              "H6,P2,Dental Check,2025-07-09,Lost\n",
        "ssd_cla_immunisations.csv": "clai_person_id,clai_immunisations_status,"
                                     "clai_immunisations_status_date\nP1,Y,2025-09-01\n",
        "ssd_cla_reviews.csv": "clar_cla_review_id,clar_cla_id\nR1,C1\nR2,C1\n",
        **extra,
    }
    return write_return(tmp / "ssd", files)


def test_ssd_tables_joined_and_merged(tmp_path: Path) -> None:
    a = adapt(sources_of(_ssd(tmp_path)), _read_csv)
    assert a is not None and a.format == "ssd"
    kids = a.tables["children"][0].frame
    assert kids.select("child_id", "dob", "nhs_number", "sex", "legacy_id").row(0) == (
        "P1", "2015-06-01", "9434765919", "F", "L1")
    ep = a.tables["episodes"][0].frame
    # the legal status in force on each episode's start: a status ending on the day another
    # starts gives way to it
    assert ep.select("child_id", "start_date", "end_date", "legal_status", "rne",
                     "reason_end").rows() == [
        ("P1", "2024-10-31", "2025-03-03", "V2", "T", "X1"),
        ("P1", "2025-03-03", None, "C2", "P", None),
        ("P2", "2025-06-02", None, "C1", "S", None)]
    health, imms = a.tables["health_events"]
    assert health.file.endswith("ssd_cla_health.csv")
    assert health.frame.select("row", "child_id", "event_type", "event_date", "detail").rows() == [
        (1, "P1", "health_assessment", "2025-01-10", None),
        (2, "P1", "declined", "2025-02-10", "dental"),
        (5, "P2", "Eye Test", "2025-07-01", None)]  # ingest flags EVENT_TYPE_UNKNOWN
    assert imms.file.endswith("ssd_cla_immunisations.csv")
    assert imms.frame.select("child_id", "event_type", "event_date", "detail").rows() == [
        ("P1", "immunisations_up_to_date", "2025-09-01", "Y")]
    assert a.flags.select("rule", "table", "row", "field", "value").rows() == [
        ("VALUE_UNKNOWN", "health_events", 6, "clah_health_check_status", "Lost")]
    why = {(u["table"], u["reason"]): u["rows"] for u in a.unused}
    assert why[("ssd_cla_health", "health checks planned or cancelled (not events)")] == 2
    assert why[("ssd_legal_status", "legal statuses in force at no episode's start")] == 1
    assert why[("ssd_cla_reviews", "an SSD table the rules do not use")] == 2


def test_ssd_without_legal_status_is_refused(tmp_path: Path) -> None:
    folder = _ssd(tmp_path)
    (folder / "ssd_legal_status.csv").unlink()
    with pytest.raises(InputError, match="needs a 'ssd_legal_status' table"):
        adapt(sources_of(folder), _read_csv)


def test_older_immunisations_without_a_date_are_listed_not_used(tmp_path: Path) -> None:
    folder = _ssd(tmp_path, **{"ssd_cla_immunisations.csv":
                               "clai_immunisations_id,clai_person_id,clai_immunisations_status\n"
                               "I1,P1,Y\n"})
    a = adapt(sources_of(folder), _read_csv)
    assert a is not None and len(a.tables["health_events"]) == 1
    assert any(u["table"] == "ssd_cla_immunisations" and "cannot be dated" in u["reason"]
               for u in a.unused)


def test_ssd_export_reconciled_case_only(tmp_path: Path) -> None:
    from datetime import date

    from healthcheck.ingest import ingest
    from healthcheck.reconcile import reconcile

    case = ingest(_ssd(tmp_path), "case")
    assert case.format == "ssd"
    assert case.tables["health_events"].height == 4  # 3 checks + 1 immunisation status
    res = reconcile(case, None, as_of=date(2026, 3, 31))
    p1 = res.children.filter(res.children["child_id"] == "P1").to_dicts()[0]
    # P1's first episode has RNE T: the period began before the SSD's start
    assert (p1["period_start"], p1["iha_status"]) == (date(2024, 10, 31), "before_extract")
    assert p1["last_assessment"] == date(2025, 1, 10)  # the "Health Assessment"
    assert p1["immunisations_status"] == "up_to_date"
    assert p1["dental_status"] == "declined"  # refused 10 Feb 2025, no check since
    rules = set(res.flags["rule"])
    assert {"EVENT_TYPE_UNKNOWN", "VALUE_UNKNOWN", "PERIOD_STARTED_BEFORE_EXTRACT"} <= rules
    assert res.summary["health_checked"] is False and res.summary["case_format"] == "ssd"
