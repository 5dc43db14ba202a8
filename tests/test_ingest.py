"""Ingest: every dirty form of input, nothing lost, one flag per unreadable cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcheck.errors import InputError
from healthcheck.ingest import ingest
from healthcheck.normalise import nhs_digits, nhs_valid, parse_date_values
from tests.helpers import assert_flagged, extract_mem, write_extract


def _parse(values: list[str | None]) -> list[date | None]:
    return parse_date_values(values)


@pytest.mark.parametrize("text,expected", [
    ("2024-03-07", date(2024, 3, 7)),
    ("07/03/2024", date(2024, 3, 7)),
    ("7/3/2024", date(2024, 3, 7)),
    ("7-Mar-2024", date(2024, 3, 7)),
    ("07-mar-24", date(2024, 3, 7)),
    ("7 March 2024", date(2024, 3, 7)),
    ("2024-03-07 00:00:00", date(2024, 3, 7)),
    ("2024-03-07T13:05:00", date(2024, 3, 7)),
    ("07/03/2024 13:05", date(2024, 3, 7)),
    ("45358", date(2024, 3, 7)),  # Excel serial as text
    ("45358.0", date(2024, 3, 7)),
    ("  2024-03-07 ", date(2024, 3, 7)),
    ("29/02/2024", date(2024, 2, 29)),
    ("07.03.2024", date(2024, 3, 7)),
])
def test_dates_read_day_first(text: str, expected: date) -> None:
    assert _parse([text]) == [expected]


@pytest.mark.parametrize("text", ["31/02/2024", "29/02/2023", "03/27/2024", "2024-13-01",
                                  "TBC", "unknown", "32/01/2024", "7-Foo-2024"])
def test_impossible_or_us_dates_are_unreadable(text: str) -> None:
    assert _parse([text]) == [None]


@pytest.mark.parametrize("raw,valid", [
    ("9434765919", True), ("943 476 5919", True), ("943-476-5919", True),
    ("9434765919.0", True), ("1234567890", False), ("0000000000", False),
    ("943476591", False), ("94347659190", False),
])
def test_nhs_numbers(raw: str, valid: bool) -> None:
    df = pl.DataFrame({"n": [raw]}).select(v=nhs_valid(nhs_digits("n")))
    assert df["v"].item() is valid


def _case_tables() -> dict:
    return {
        "children": [
            {"child_id": " C1 ", "nhs_number": "943 476 5919", "forename": "Zoë", "surname": "Lee",
             "dob": "07/03/2015"},
            {"child_id": "C2", "nhs_number": "1234567890", "forename": "Al", "surname": "Roe",
             "dob": "31/02/2015"},
            {"child_id": "C3", "nhs_number": None, "forename": "Bo", "surname": "Ng",
             "dob": "1900-01-01"},
        ],
        "episodes": [
            {"child_id": "C1", "start_date": "2024-01-05", "legal_status": " c2", "rne": "s"},
            {"child_id": "C2", "start_date": "7-Mar-2024", "end_date": "01/01/2024",
             "legal_status": "XX", "rne": "S"},
        ],
        "health_events": [
            {"child_id": "C1", "event_type": " IHA ", "event_date": "45358"},
            {"child_id": "C1", "event_type": "Declined", "event_date": "2024-02-01",
             "detail": "RHA"},
        ],
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_case_extract_typed_and_flagged(tmp_path: Path, fmt: str) -> None:
    ex = ingest(write_extract(tmp_path, "case", _case_tables(), fmt), "case")
    ch = ex.tables["children"]
    assert ch["child_id"].to_list() == ["C1", "C2", "C3"]
    assert ch["nhs_number"].to_list() == ["9434765919", None, None]
    assert ch["dob"].to_list() == [date(2015, 3, 7), None, None]
    ep = ex.tables["episodes"]
    assert ep["legal_status"].to_list() == ["C2", "XX"]
    assert ep["rne"].to_list() == ["S", "S"]
    he = ex.tables["health_events"]
    assert he["event_type"].to_list() == ["iha", "declined"]
    assert he["event_date"].to_list() == [date(2024, 3, 7), date(2024, 2, 1)]
    assert he["detail"].to_list() == [None, "rha"]
    got = sorted(ex.flags.select("rule", "table", "row", "field", "value").rows())
    assert got == sorted([
        ("NHS_NUMBER_INVALID", "children", 2, "nhs_number", "1234567890"),
        ("DATE_UNPARSEABLE", "children", 2, "dob", "31/02/2015"),
        ("DATE_PLACEHOLDER", "children", 3, "dob", "1900-01-01"),
        ("LEGAL_STATUS_UNKNOWN", "episodes", 2, "legal_status", "XX"),
        ("EPISODE_END_BEFORE_START", "episodes", 2, "end_date", "01/01/2024"),
    ])
    assert set(ex.flags["file"].to_list()) <= set(ex.files.values())


ON = ("table", "row", "field", "value")


def test_date_unparseable_kept_as_a_blank_date_and_its_text() -> None:
    ex = extract_mem("case", {"children": [
        {"child_id": "C1", "dob": "07/03/2015"}, {"child_id": "C2", "dob": " 31/02/2015 "},
        {"child_id": "C3", "dob": "03/27/2015"}, {"child_id": "C4"}]})
    assert_flagged(ex.flags, "DATE_UNPARSEABLE", ("children", 2, "dob", "31/02/2015"),
                   ("children", 3, "dob", "03/27/2015"), on=ON)
    assert ex.tables["children"]["dob"].to_list() == [date(2015, 3, 7), None, None, None]
    cells = ex.cells["children"]
    assert cells["row"].to_list() == [1, 2, 3, 4]
    assert cells["dob_state"].to_list() == ["ok", "unparseable", "unparseable", "blank"]
    assert cells["dob_raw"].to_list() == [None, "31/02/2015", "03/27/2015", None]


def test_date_placeholder() -> None:
    ex = extract_mem("case", {"episodes": [
        {"child_id": "C1", "start_date": "2024-01-05", "end_date": " 1900-01-01",
         "legal_status": "C2"},
        {"child_id": "C1", "start_date": "31/12/9999", "legal_status": "C2"}]})
    assert_flagged(ex.flags, "DATE_PLACEHOLDER", ("episodes", 1, "end_date", "1900-01-01"),
                   ("episodes", 2, "start_date", "31/12/9999"), on=ON)
    assert ex.cells["episodes"]["end_date_state"].to_list() == ["placeholder", "blank"]
    assert ex.tables["episodes"]["end_date"].null_count() == 2


def test_nhs_number_invalid() -> None:
    ex = extract_mem("health", {"patients": [
        {"nhs_number": "943 476 5919", "dob": "2015-01-01"},
        {"nhs_number": "943 476 5918", "dob": "2015-01-01"},
        {"nhs_number": None, "trust_id": "T3", "dob": "2015-01-01"}]})
    assert_flagged(ex.flags, "NHS_NUMBER_INVALID", ("patients", 2, "nhs_number", "943 476 5918"),
                   on=ON)
    assert ex.tables["patients"]["nhs_number"].to_list() == ["9434765919", None, None]
    assert ex.cells["patients"]["nhs_number_state"].to_list() == ["ok", "invalid", "blank"]
    assert ex.cells["patients"]["nhs_number_raw"].to_list() == [None, "943 476 5918", None]


def test_required_value_missing() -> None:
    """A blank required cell; a patient may lack an NHS number, an event needs one or a trust
    id; an unreadable date is not also a missing one."""
    ex = extract_mem("health", {
        "patients": [{"trust_id": "T1", "dob": "2015-01-01"}, {"nhs_number": "9434765919"}],
        "events": [{"trust_id": "T1", "event_type": "iha", "event_date": "2024-01-05"},
                   {"event_type": "iha", "event_date": "TBC"},
                   {"nhs_number": "9434765919", "event_type": " "}]})
    assert_flagged(ex.flags, "REQUIRED_VALUE_MISSING", ("patients", 2, "dob", None),
                   ("events", 2, "nhs_number", None), ("events", 3, "event_type", None),
                   ("events", 3, "event_date", None), on=ON)


def test_legal_status_unknown() -> None:
    ex = extract_mem("case", {"episodes": [
        {"child_id": "C1", "start_date": "2024-01-05", "legal_status": " c2 "},
        {"child_id": "C1", "start_date": "2024-02-05", "legal_status": " x9 "}]})
    assert_flagged(ex.flags, "LEGAL_STATUS_UNKNOWN", ("episodes", 2, "legal_status", "x9"),
                   on=ON)
    assert ex.tables["episodes"]["legal_status"].to_list() == ["C2", "X9"]


def test_episode_end_before_start() -> None:
    """Ending the day it starts is not before; the day before is (both around 29 Feb)."""
    ex = extract_mem("case", {"episodes": [
        {"child_id": "C1", "start_date": "29/02/2024", "end_date": "29/02/2024",
         "legal_status": "C2"},
        {"child_id": "C2", "start_date": "29/02/2024", "end_date": "28/02/2024",
         "legal_status": "C2"}]})
    assert_flagged(ex.flags, "EPISODE_END_BEFORE_START", ("episodes", 2, "end_date", "28/02/2024"),
                   on=ON)


def test_event_type_unknown() -> None:
    ex = extract_mem("case", {"health_events": [
        {"child_id": "C1", "event_type": " Dental ", "event_date": "2024-01-05"},
        {"child_id": "C1", "event_type": " Haircut ", "event_date": "2024-01-05"}]})
    assert_flagged(ex.flags, "EVENT_TYPE_UNKNOWN", ("health_events", 2, "event_type", "Haircut"),
                   on=ON)


def test_value_unknown() -> None:
    ex = extract_mem("case", {"health_events": [
        {"child_id": "C1", "event_type": "immunisations_up_to_date", "event_date": "2024-01-05",
         "detail": "Yes"},
        {"child_id": "C1", "event_type": "immunisations_up_to_date", "event_date": "2024-01-05",
         "detail": "maybe"},
        {"child_id": "C1", "event_type": "declined", "event_date": "2024-01-05",
         "detail": "Dental check"},
        {"child_id": "C1", "event_type": "was_not_brought", "event_date": "2024-01-05"}]})
    assert_flagged(ex.flags, "VALUE_UNKNOWN", ("health_events", 2, "detail", "maybe"),
                   ("health_events", 4, "detail", None), on=ON)
    assert ex.tables["health_events"]["detail"].to_list() == ["Y", "maybe", "dental", None]


def test_excel_native_cells(tmp_path: Path) -> None:
    """Real date cells, date-times and NHS numbers stored as numbers are read."""
    from datetime import datetime
    path = tmp_path / "case.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Children"
    ws.append(["Child ID", "NHS Number", "DOB"])
    ws.append(["A1", 9434765919, date(2015, 3, 7)])
    ws.append(["A2", 9434765919.0, datetime(2015, 3, 7, 13, 5)])
    ws.append([None, None, None])  # blank trailing row
    ws2 = wb.create_sheet("Episodes")
    ws2.append(["child_id", "start date", "Legal-Status"])
    ws2.append(["A1", date(2024, 1, 1), "C2"])
    wb.save(path)
    ex = ingest(path, "case")
    ch = ex.tables["children"]
    assert ch["nhs_number"].to_list() == ["9434765919", "9434765919"]
    assert ch["dob"].to_list() == [date(2015, 3, 7)] * 2
    assert ex.tables["health_events"].height == 0  # optional table, absent


def test_bom_and_cp1252(tmp_path: Path) -> None:
    folder = tmp_path / "health"
    folder.mkdir()
    (folder / "Patients.csv").write_bytes(
        "\ufeffNHS Number,Trust ID,Forename,Surname,DOB\r\n9434765919,T1,Siân,Zoë,07/03/2015\r\n"
        "\r\n".encode("utf-8"))
    (folder / "events.csv").write_bytes(
        "nhs_number,event_type,event_date,detail\n9434765919,IHA,07/03/2024,Noël\n,,,\n"
        .encode("cp1252"))
    ex = ingest(folder, "health")
    assert ex.tables["patients"]["forename"].to_list() == ["Siân"]
    assert ex.tables["events"]["detail"].to_list() == ["Noël"]
    assert ex.tables["events"].height == 1


def test_non_breaking_spaces_count_as_spaces(tmp_path: Path) -> None:
    """Inside a value too: ids copied from a web page or Excel still join their records."""
    nb = "\u00a0"
    path = write_extract(tmp_path, "case", {
        "children": [{"child_id": f"K{nb}3", "dob": "2015-03-07", "surname": f"Van{nb}Dyke "}],
        "episodes": [{"child_id": "K 3", "start_date": "2025-01-06", "legal_status": "C2",
                      "rne": "S"}],
        "health_events": [{"child_id": f"{nb}K 3{nb}", "event_type": "iha",
                           "event_date": "2025-01-20"}],
    })
    ex = ingest(path, "case")
    assert ex.tables["children"]["child_id"].to_list() == ["K 3"]
    assert ex.tables["children"]["surname"].to_list() == ["Van Dyke"]
    assert ex.tables["episodes"]["child_id"].to_list() == ["K 3"]
    assert ex.tables["health_events"]["child_id"].to_list() == ["K 3"]


def test_a_large_file_of_empty_lines_is_empty(tmp_path: Path) -> None:
    path = write_extract(tmp_path, "case", {
        "children": [{"child_id": "C1", "dob": "2015-03-07"}],
        "episodes": [{"child_id": "C1", "start_date": "2025-01-06", "legal_status": "C2"}]})
    (path / "health_events.csv").write_text(",,,\n" * 3000)  # 12 KB of nothing
    with pytest.raises(InputError, match="the file is empty"):
        ingest(path, "case")


@pytest.mark.parametrize("setup,needle", [
    (lambda p: p, "not found"),
    (lambda p: (p.write_text("hello"), p)[1], "not an .xlsx"),
])
def test_unreadable_paths(tmp_path: Path, setup, needle: str) -> None:  # type: ignore[no-untyped-def]
    path = setup(tmp_path / "missing.txt")
    with pytest.raises(InputError, match=needle):
        ingest(path, "case")


def test_fake_xlsx_and_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "case.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        ingest(bad, "case")
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,forename\nC1,A\n")
    (folder / "episodes.csv").write_text("child_id,start_date,legal_status\n")
    with pytest.raises(InputError, match="children.csv: table 'children' has no column 'dob'"):
        ingest(folder, "case")
    (folder / "children.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        ingest(folder, "case")


def test_missing_table(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,dob\nC1,2015-01-01\n")
    with pytest.raises(InputError, match="no 'episodes' table"):
        ingest(folder, "case")


def test_mapping_file(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "People.csv").write_text("CLA Ref,Birth\nC1,2015-01-01\n")
    (folder / "episodes.csv").write_text("child_id,start_date,legal_status\nC1,2024-01-01,C2\n")
    (folder / "health_events.csv").write_text(
        "child_id,event_type,event_date\nC1,IHA done,2024-02-01\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[tables]\nPeople = "children"\n[columns.children]\n"CLA Ref" = '
                       '"child_id"\nBirth = "dob"\n[codes.event_type]\n"IHA done" = "iha"\n')
    ex = ingest(folder, "case", mapping)
    assert ex.tables["children"]["child_id"].to_list() == ["C1"]
    assert ex.tables["health_events"]["event_type"].to_list() == ["iha"]


_date_text = st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31)).flatmap(
    lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%-d-%b-%Y"),
                               f"{d.isoformat()} 00:00:00", str((d - date(1899, 12, 30)).days)]))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["C1", "C2", " C3", "c4"]), _date_text,
                               st.sampled_from(["iha", "RHA", " dental ", "x"])),
                     min_size=1, max_size=12),
       seed=st.randoms())
def test_rows_in_rows_out_order_and_format_free(tmp_path_factory, rows, seed) -> None:  # type: ignore[no-untyped-def]
    tables = {"children": [{"child_id": "C1", "dob": "2010-01-01"}],
              "episodes": [{"child_id": "C1", "start_date": "2020-01-01", "legal_status": "C2"}],
              "health_events": [{"child_id": c, "event_date": d, "event_type": t}
                                for c, d, t in rows]}
    shuffled = dict(tables, health_events=seed.sample(tables["health_events"], len(rows)))
    base = tmp_path_factory.mktemp("x")
    a = ingest(write_extract(base / "a", "case", tables, "csv"), "case")
    b = ingest(write_extract(base / "b", "case", tables, "xlsx"), "case")
    c = ingest(write_extract(base / "c", "case", shuffled, "csv"), "case")
    ev = a.tables["health_events"]
    assert ev.height == len(rows)
    assert ev.equals(b.tables["health_events"])
    cols = ["child_id", "event_type", "event_date", "detail"]
    assert ev.select(cols).sort(cols, nulls_last=True).equals(
        c.tables["health_events"].select(cols).sort(cols, nulls_last=True))
    assert a.flags.drop("file").equals(b.flags.drop("file"))
