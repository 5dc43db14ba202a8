"""Reading extracts: nothing lost in silence (line endings, twin tables, unrecognised columns),
nothing personal in an error message."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcheck.columns import closest
from healthcheck.errors import InputError
from healthcheck.ingest import ingest
from healthcheck.read import Mapping, read_tables
from tests.helpers import write_extract

CHILDREN = "child_id,dob\nC1,2015-01-01\nC2,2016-02-02\n"
EPISODES = "child_id,start_date,end_date,legal_status\nC1,2024-01-01,2024-06-01,C2\n" \
           "C2,2024-02-01,,C2\n"


def case_folder(tmp: Path, name: str = "", text: str | bytes = "") -> Path:
    """A case extract folder: children and episodes as above, and file `name` with `text`."""
    folder = tmp / "case"
    folder.mkdir(parents=True, exist_ok=True)
    for file, data in {"children.csv": CHILDREN, "episodes.csv": EPISODES, name: text}.items():
        if file:
            (folder / file).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return folder


# --- 1. line endings -------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_cr_only_line_endings_are_read(tmp_path: Path, ending: str) -> None:
    folder = case_folder(tmp_path, "episodes.csv", EPISODES.replace("\n", ending))
    ep = ingest(folder, "case").tables["episodes"]
    assert ep["child_id"].to_list() == ["C1", "C2"]
    assert ep["end_date"].cast(pl.String).to_list() == ["2024-06-01", None]


def test_lines_that_give_no_row_are_refused(tmp_path: Path) -> None:
    # A quote opened in the header swallows the file into the header: no row, not silence.
    folder = case_folder(tmp_path, "episodes.csv", 'child_id,"start_date,legal_status\n'
                                     'C1,2024-01-01,C2\nC2,2024-01-01,C2\n')
    with pytest.raises(InputError, match="no row could be read|not a readable CSV"):
        ingest(folder, "case")


# --- 2. twin tables --------------------------------------------------------------------------

def test_two_files_for_one_table_are_refused(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "Episodes_.csv", EPISODES)
    with pytest.raises(InputError, match=r"'Episodes_.csv' and 'episodes.csv' are both the "
                                         r"'episodes' table"):
        ingest(folder, "case")


def test_two_sheets_for_one_table_are_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "children"
    wb.active.append(["child_id", "dob"])
    for name in ("Episodes", "Episodes_"):
        ws = wb.create_sheet(name)
        ws.append(["child_id", "start_date", "legal_status"])
    wb.save(tmp_path / "case.xlsx")
    with pytest.raises(InputError, match="'Episodes' and 'Episodes_' are both the 'episodes'"):
        ingest(tmp_path / "case.xlsx", "case")


def test_a_mapping_onto_a_table_present_is_refused(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "Placements.csv", EPISODES)
    mapping = Mapping(tables={"placements": "episodes"})
    with pytest.raises(InputError, match="'Placements.csv' and 'episodes.csv' are both"):
        read_tables(folder, "case", mapping)


# --- 3. unrecognised columns -----------------------------------------------------------------

@pytest.mark.parametrize(("header", "wanted"), [
    ("child_id,start_date,End,legal_status", "end_date"),
    ("child_id,start_date,end_dat,legal_status", "end_date"),
])
def test_a_close_miss_of_an_absent_column_is_refused(tmp_path: Path, header: str,
                                                    wanted: str) -> None:
    folder = case_folder(tmp_path, "episodes.csv", header + "\nC1,2024-01-01,,C2\n")
    with pytest.raises(InputError, match=f"has no column '{wanted}' but has .*did you mean "
                                         f"{wanted}"):
        ingest(folder, "case")


def test_nhs_num_on_patients_is_refused(tmp_path: Path) -> None:
    folder = write_extract(tmp_path, "health", {})
    (folder / "patients.csv").write_text("NHS Num,dob\n9434765919,2015-01-01\n")
    with pytest.raises(InputError, match="did you mean nhs_number"):
        ingest(folder, "health")


def test_a_close_miss_can_be_mapped_or_ignored(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "episodes.csv",
                         "child_id,start_date,End,legal_status\nC1,2024-01-01,2024-06-01,C2\n")
    mapped = read_tables(folder, "case", Mapping(columns={"episodes": {"end": "end_date"}}))
    assert mapped["episodes"].frame["end_date"].to_list() == ["2024-06-01"]
    ignored = read_tables(folder, "case", Mapping(columns={"*": {"end": ""}}))
    assert ignored["episodes"].frame["end_date"].to_list() == [None]
    assert ignored["episodes"].unrecognised == []


def test_every_unrecognised_column_is_reported(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "children.csv", "child_id,dob,NHS Number,Social Worker,"
                         "Old Legacy Ref,row,\nC1,2015-01-01,,x,L1,5,\n")
    table = read_tables(folder, "case")["children"]
    label = str(folder / "children.csv")
    assert table.unrecognised == [
        (label, "children", "Social Worker", None),
        (label, "children", "Old Legacy Ref", "legacy_id"),
        (label, "children", "row", None),
    ]  # the unnamed, empty last column is not a column


def test_a_column_named_row_is_an_ordinary_column(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "children.csv",
                         "row,child_id,dob\n7,C1,2015-01-01\n,,\n9,C2,2016-01-01\n")
    children = ingest(folder, "case").tables["children"]
    assert children["row"].to_list() == [1, 3]  # data rows, blank row 2 dropped
    assert children["child_id"].to_list() == ["C1", "C2"]


def test_two_columns_for_one_canonical_column_are_refused(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "children.csv", "child_id,dob,DOB \nC1,2015-01-01,x\n")
    with pytest.raises(InputError, match="two columns for 'dob': 'dob' and 'DOB '"):
        ingest(folder, "case")


def test_a_required_column_missing_says_what_looks_like_it(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "children.csv", "child_id,Birth\nC1,2015-01-01\n")
    with pytest.raises(InputError, match="no column 'dob'"):
        ingest(folder, "case")
    folder = case_folder(tmp_path / "b", "episodes.csv",
                         "child_id,start_date,Legal Status Code Text\nC1,2024-01-01,C2\n")
    with pytest.raises(InputError, match="no column 'legal_status' .is 'Legal Status Code Text' "
                                         "for legal_status"):
        ingest(folder, "case")


@pytest.mark.parametrize(("name", "expected"), [
    ("End", ("end_date", True)), ("NHS Num", ("nhs_number", True)),
    ("NHS No", ("nhs_number", True)), ("chlid_id", ("child_id", True)),
    ("Legal Status Code", ("legal_status", True)),
    ("Placement Start Date", ("start_date", False)),
    ("Legal Status Code Text", ("legal_status", False)), ("Notes", (None, False)),
    ("ID", (None, False)),
])
def test_closest(name: str, expected: tuple) -> None:
    canonical = ["child_id", "nhs_number", "start_date", "end_date", "legal_status"]
    assert closest(name, canonical) == expected


# --- 5. messages name the file and line, never a cell ----------------------------------------

def test_a_csv_parse_error_names_the_line_not_the_row(tmp_path: Path) -> None:
    folder = case_folder(tmp_path, "children.csv",
                         'child_id,forename,dob\nC1,Ann,2015-01-01\nC2,"Smith"x,2016-02-02\n')
    with pytest.raises(InputError) as err:
        ingest(folder, "case")
    assert str(err.value) == (f"{folder / 'children.csv'}: not a readable CSV file (a quote "
                              "mark is not closed or not doubled at line 3)")
    assert err.value.__cause__ is None and err.value.__suppress_context__  # --debug too


# --- low: what was found, said plainly -------------------------------------------------------

@pytest.mark.parametrize(("data", "needle"), [
    (CHILDREN.encode("utf-16"), "UTF-16"),
    (CHILDREN.encode("utf-16-le"), "UTF-16"),
    (CHILDREN.replace(",", ";").encode(), r"separated by semicolons \(;\)"),
    (CHILDREN.replace(",", "\t").encode(), "separated by tabs"),
    (CHILDREN.replace(",", "|").encode(), r"separated by bars \(\|\)"),
    (b"Children in care, March 2026\n\n" + CHILDREN.encode(),
     r"a title line was found above the header \(the header is on line 3\)"),
])
def test_what_was_found_is_said(tmp_path: Path, data: bytes, needle: str) -> None:
    folder = case_folder(tmp_path, "children.csv", data)
    with pytest.raises(InputError, match=needle):
        ingest(folder, "case")


def test_a_title_row_in_a_workbook(tmp_path: Path) -> None:
    path = write_extract(tmp_path, "case", {}, "xlsx")
    wb = openpyxl.load_workbook(path)
    wb["children"].insert_rows(1)
    wb["children"]["A1"] = "Children in care"
    wb.save(path)
    with pytest.raises(InputError, match="title line .*header is on line 2"):
        ingest(path, "case")


@pytest.mark.parametrize(("extra", "needle"), [
    ("EncryptedPackage".encode("utf-16-le"), "password-protected"),
    (b"Workbook", "97-2003"),
])
def test_ole_workbooks(tmp_path: Path, extra: bytes, needle: str) -> None:
    path = tmp_path / "case.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + extra + b"\0" * 100)
    with pytest.raises(InputError, match=needle):
        ingest(path, "case")


# --- properties ------------------------------------------------------------------------------

_rows = st.lists(st.tuples(st.sampled_from(["C1", "C2", "C 3", "c4"]),
                           st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                           st.sampled_from(["", "2026-01-01"]),
                           st.sampled_from(["C2", "V3", "x"])), min_size=1, max_size=10)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows, ending=st.sampled_from(["\r", "\r\n", "\n"]),
       twin=st.sampled_from(["Episodes_", "EPISODES", "epi-sodes", "Episodes."]),
       column=st.sampled_from(["child_id", "start_date", "end_date", "legal_status"]),
       cut=st.integers(min_value=3, max_value=9))
def test_nothing_lost_in_silence(tmp_path_factory, rows, ending, twin, column, cut) -> None:  # type: ignore[no-untyped-def]
    """Every row is read whatever the line endings; a twin table is refused; a column whose
    name is an abbreviation of a canonical one is refused, and read once mapped."""
    base = tmp_path_factory.mktemp("x")
    header = ["child_id", "start_date", "end_date", "legal_status"]
    text = ending.join([",".join(header)] + [",".join(r) for r in rows]) + ending
    folder = case_folder(base, "episodes.csv", text)
    ep = ingest(folder, "case").tables["episodes"]
    assert ep.height == len(rows)
    assert ep["child_id"].to_list() == [r[0] for r in rows]

    (folder / f"{twin}.csv").write_text(text)
    with pytest.raises(InputError, match="are both the 'episodes' table"):
        ingest(folder, "case")
    (folder / f"{twin}.csv").unlink()

    short = column.replace("_", "")[:cut].title()
    if short.lower() == column.replace("_", ""):
        short = short[:-1]
    bent = [short if c == column else c for c in header]
    (folder / "episodes.csv").write_text("\n".join([",".join(bent)]
                                                   + [",".join(r) for r in rows]) + "\n")
    with pytest.raises(InputError, match=f"did you mean {column}"):
        ingest(folder, "case")
    mapped = ingest(folder, "case", Mapping(columns={"episodes": {short.lower(): column}}))
    assert mapped.tables["episodes"].equals(ep)
