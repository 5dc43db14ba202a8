"""The named nurse's workbook, worklist.xlsx, read back with openpyxl: what the nurse sees.
Who is on each sheet is tested without Excel in test_worklist.py."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from healthcheck.forecast import FORECAST_SCHEMA
from healthcheck.schema import CHILDREN_SCHEMA, DISAGREEMENT_SCHEMA, FLAG_SCHEMA, KPI_SCHEMA
from healthcheck.workbook import SHEETS, write_workbook

AS_OF = date(2026, 3, 31)
HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd", "-2+3", "@SUM(A1)", "#N/A"]

CHILD_COLS = CHILDREN_SCHEMA
FLAG_COLS = FLAG_SCHEMA
KPI_COLS = KPI_SCHEMA
DIS_COLS = DISAGREEMENT_SCHEMA


def child(child_id: str | None, **kw: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(CHILD_COLS)
    row.update(child_id=child_id, match_status="matched", in_care=True)
    row.update(kw)
    return row


def children_frame() -> pl.DataFrame:
    rows = [
        # IHA overdue by 29 days (due at a month end), RHA not required.
        child("C1", nhs_number="9434765919", clock_start=date(2026, 1, 30),
              iha_due=date(2026, 3, 2), iha_status="overdue", rha_status="not_required",
              dental_due=date(2026, 3, 31), dental_status="due_soon",
              notification_status="on_time", oc2_cohort=False),
        # RHA overdue by 1 year and a day, dental overdue by 60 days.
        child("C2", nhs_number=None, clock_start=date(2020, 2, 29),
              last_assessment=date(2024, 3, 30), rha_due=date(2025, 3, 30),
              rha_status="overdue", dental_last=date(2024, 1, 31), dental_due=date(2026, 1, 30),
              dental_status="overdue", iha_status="on_time", oc2_cohort=True,
              immunisations_status="not_up_to_date", immunisations_basis="vaccines",
              immunisations_missing="dtp 5; hpv 1"),
        # Hostile child id, IHA due soon (within 28 days) and not known to health.
        child(HOSTILE[0], nhs_number="9434765919", match_status="case_only",
              clock_start=date(2026, 3, 27), iha_due=date(2026, 4, 24), iha_status="due",
              notification_status="missing", rha_status="not_required"),
        # IHA due but beyond the horizon: not on Due soon.
        child(HOSTILE[1], clock_start=date(2026, 3, 31), iha_due=date(2026, 4, 30),
              iha_status="due", notification_status="pending"),
        # Overdue but no longer in care: not on Overdue.
        child(HOSTILE[2], in_care=False, iha_due=date(2025, 12, 31), iha_status="overdue"),
        # A health-only patient: nulls nearly everywhere.
        child(None, nhs_number="4010232137", match_status="health_only", in_care=None),
        # RHA due soon on 28 Feb-style clamp date, notification missing.
        child(HOSTILE[3], clock_start=date(2025, 8, 31), last_assessment=date(2025, 8, 31),
              rha_due=date(2026, 4, 28), rha_status="due_soon", notification_status="missing",
              match_status="matched"),
    ]
    return pl.DataFrame(rows, schema=CHILD_COLS)


def flags_frame() -> pl.DataFrame:
    rows = [
        {"source": "case", "file": "children.csv", "table": "children", "row": 3,
         "child_id": v, "nhs_number": "943-476-591", "rule": "DATE_UNPARSEABLE",
         "severity": sev, "field": "dob", "value": v, "message": f"Fix {v}\x07 please"}
        for v, sev in zip(HOSTILE, ["error", "warning", "info", "error", "warning"], strict=True)
    ]
    rows.append({"source": "reconcile", "file": None, "table": None, "row": None,
                 "child_id": None, "nhs_number": None, "rule": "HEALTH_ONLY",
                 "severity": "warning", "field": None, "value": None, "message": None})
    return pl.DataFrame(rows, schema=FLAG_COLS)


def kpis_frame() -> pl.DataFrame:
    p0, p1 = date(2025, 4, 1), AS_OF
    rows = []
    for m, h, c in [("notification_mean_wd", (12, 3, 4.0), (9, 3, 3.0)),
                    ("notification_on_time_pct", (1, 2, 50.0), (2, 2, 100.0)),
                    ("iha_on_time_pct", (0, 0, None), (0, 0, None)),
                    ("rha_in_date_pct", (3, 4, 75.0), (1, 4, 25.0)),
                    ("oc2_health_assessment_pct", (9, 10, 90.0), (8, 10, 80.0)),
                    ("oc2_teeth_check_pct", (7, 10, 70.0), (6, 10, 60.0)),
                    ("oc2_immunisations_pct", (5, 10, 50.0), (5, 10, 50.0))]:
        for src, (n, d, v) in (("health", h), ("case", c)):
            rows.append({"measure": m, "source": src, "numerator": n, "denominator": d,
                         "value": v, "period_start": p0, "period_end": p1, "as_of": AS_OF})
    return pl.DataFrame(rows, schema=KPI_COLS)


def dis_frame() -> pl.DataFrame:
    return pl.DataFrame([
        {"child_id": "C2", "nhs_number": "9434765919", "event_type": "rha",
         "health_date": date(2024, 3, 30), "case_date": date(2024, 4, 1),
         "rule": "DATE_MISMATCH", "message": "Dates differ"},
        {"child_id": HOSTILE[3], "nhs_number": None, "event_type": "dental",
         "health_date": None, "case_date": date(2025, 2, 28),
         "rule": "EVENT_MISSING_IN_HEALTH", "message": "-Missing in health"},
    ], schema=DIS_COLS)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "worklist.xlsx"
    write_workbook(path, children=children_frame(), flags=flags_frame(), kpis=kpis_frame(),
                   disagreements=dis_frame(), as_of=AS_OF)
    return path


def rows(ws: object) -> list[tuple[object, ...]]:
    return [tuple(c.value for c in r) for r in ws.iter_rows()]  # type: ignore[attr-defined]


def header_index(ws: object) -> dict[str, int]:
    first = next(ws.iter_rows(max_row=1))  # type: ignore[attr-defined]
    return {c.value: i for i, c in enumerate(first) if c.value}


def test_sheets_in_order_and_frozen_filtered(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == list(SHEETS)
    for name in SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert all(c.font.b for c in next(ws.iter_rows(max_row=1)) if c.value), name
        assert ws.column_dimensions["A"].width and ws.column_dimensions["A"].width >= 9
    assert wb["Summary"].freeze_panes
    assert wb["Summary"].auto_filter.ref


def test_dates_are_real_dates(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    seen = 0
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if c.is_date:
                    assert c.number_format == "dd/mm/yyyy", (ws.title, c.coordinate)
                    seen += 1
    assert seen >= 10
    ws = wb["Overdue"]
    h = header_index(ws)
    due = [r[h["Due"]] for r in rows(ws)[1:] if r[h["Check"]] != "Immunisations"]
    assert all(d is not None and d.date() <= AS_OF for d in due)  # type: ignore[union-attr,attr-defined]


def test_overdue_most_overdue_first(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Overdue"]
    h = header_index(ws)
    body = rows(ws)[1:]
    got = [(r[h["Child ID"]], r[h["Check"]], r[h["Days overdue"]], r[h["Missing doses"]])
           for r in body]
    # C2 RHA (366 days), C2 Dental (60), C1 IHA (29); the child out of care is not listed;
    # then C2's missing vaccine doses (no due date).
    assert got == [("C2", "RHA", 366, "dtp 5; hpv 1"), ("C2", "Dental", 60, "dtp 5; hpv 1"),
                   ("C1", "IHA", 29, None), ("C2", "Immunisations", None, "dtp 5; hpv 1")]
    assert ws.auto_filter.ref == "A1:K5"  # child id, NHS number, forename, surname, ...
    assert ws["E2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_due_soon_sorted_within_horizon(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Due soon"]
    h = header_index(ws)
    got = [(r[h["Child ID"]], r[h["Check"]], r[h["Days left"]]) for r in rows(ws)[1:]]
    assert got == [("C1", "Dental", 0), (HOSTILE[0], "IHA", 24), (HOSTILE[3], "RHA", 28)]


def test_not_known_to_health_reasons(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Not known to health"]
    h = header_index(ws)
    got = {r[h["Child ID"]]: r[h["Why"]] for r in rows(ws)[1:]}
    assert set(got) == {HOSTILE[0], HOSTILE[3]}
    assert "health extract" in str(got[HOSTILE[0]]) and "notified" in str(got[HOSTILE[0]])
    assert str(got[HOSTILE[3]]).startswith("Health team not notified")


def test_nhs_number_grouped_as_text(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["Overdue"]
    h = header_index(ws)
    nhs = {r[h["Child ID"]]: r[h["NHS number"]] for r in rows(ws)[1:]}
    assert nhs["C1"] == "943 476 5919"
    assert nhs["C2"] is None
    dq = wb["Data quality"]
    assert "943-476-591" in [r[header_index(dq)["NHS number"]] for r in rows(dq)]


def test_disagreements_not_repeated_in_data_quality(tmp_path: Path) -> None:
    """A disagreement is on the Disagreements sheet; Data quality and its counts leave it out."""
    extra = pl.DataFrame([
        {"source": "reconcile", "file": "events.csv", "table": "events", "row": None,
         "child_id": "C2", "nhs_number": "9434765919", "rule": rule, "severity": sev,
         "field": "event_date", "value": "rha", "message": "m"}
        for rule, sev in (("DATE_MISMATCH", "warning"), ("EVENT_MISSING_IN_CASE", "warning"),
                          ("EVENT_MISSING_IN_HEALTH", "error"))], schema=FLAG_COLS)
    path = tmp_path / "w.xlsx"
    write_workbook(path, children=children_frame(), flags=pl.concat([flags_frame(), extra]),
                   kpis=kpis_frame(), disagreements=dis_frame(), as_of=AS_OF)
    wb = openpyxl.load_workbook(path)
    dq = rows(wb["Data quality"])
    rules = [r[header_index(wb["Data quality"])["Rule"]] for r in dq[1:]]
    assert len(rules) == flags_frame().height and "DATE_MISMATCH" not in rules
    by_label = {r[0]: r for r in rows(wb["Summary"]) if r and isinstance(r[0], str)}
    assert by_label["Data-quality flags: errors"][1] == 2  # as without the disagreements
    assert by_label["Where health and case records disagree"][1] == 2
    assert wb["Disagreements"].max_row == 3


def test_hostile_text_never_a_formula(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    found: set[str] = set()
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if c.value in HOSTILE:
                    assert c.data_type == "s", (ws.title, c.coordinate)
                    found.add(str(c.value))
    assert found == set(HOSTILE)
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    # The illegal control character was replaced, not fatal.
    msgs = [v for r in rows(wb["Data quality"]) for v in r if isinstance(v, str)]
    assert any(m.startswith("Fix =HYPERLINK") and "\x07" not in m for m in msgs)


def test_summary_figures_and_chart(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["Summary"]
    body = rows(ws)
    by_label = {r[0]: r for r in body if r and isinstance(r[0], str)}
    assert by_label["Children in care"][1] == 5
    assert by_label["Review health assessments overdue"][1] == 1
    assert by_label["Data-quality flags: errors"][1] == 2
    assert by_label["Not known to health"][1] == 2
    assert by_label["Immunisations decided from vaccine records"][1] == 1
    assert by_label["  of whom with doses missing"][1] == 1
    assert by_label["Immunisations decided from a Y/N status"][1] == 0
    ha = by_label["OC2: health assessment in last 12 months (%)"]
    assert ha[1:7] == (90.0, 80.0, 10.0, 90.0, "9 of 10", "8 of 10")
    iha = by_label["Initial health assessments on time (%)"]
    assert iha[1] is None and iha[2] is None and iha[5] == "0 of 0"
    dev = by_label["OC2: development assessment, under 5s (%)"]
    assert dev[1] is None and dev[2] is None and dev[4] == 88.0
    as_of_row = next(r for r in ws.iter_rows() if r[0].value == "As of")
    assert as_of_row[1].is_date and as_of_row[1].value.date() == AS_OF
    with zipfile.ZipFile(book) as z:
        assert "xl/charts/chart1.xml" in z.namelist()
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "barChart" in chart and len(re.findall(r"<(?:c:)?ser>", chart)) == 3


def test_empty_frames(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_workbook(path, children=pl.DataFrame(schema=CHILD_COLS),
                   flags=pl.DataFrame(schema=FLAG_COLS), kpis=pl.DataFrame(schema=KPI_COLS),
                   disagreements=pl.DataFrame(schema=DIS_COLS), as_of=AS_OF, england={})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    for name in SHEETS[1:]:
        assert wb[name].max_row == 1
        assert re.fullmatch(r"A1:[A-Z]1", wb[name].auto_filter.ref or ""), name
    with zipfile.ZipFile(path) as z:
        assert not any(n.startswith("xl/charts/") for n in z.namelist())


def test_empty_flags_and_disagreements_with_children(tmp_path: Path) -> None:
    path = tmp_path / "partial.xlsx"
    write_workbook(path, children=children_frame(), flags=pl.DataFrame(schema=FLAG_COLS),
                   kpis=kpis_frame(), disagreements=pl.DataFrame(schema=DIS_COLS), as_of=AS_OF,
                   horizon_days=0)
    wb = openpyxl.load_workbook(path)
    assert wb["Data quality"].max_row == 1
    assert wb["Disagreements"].max_row == 1
    # Horizon 0: only what falls due today; RHA due_soon rows still come from the rules.
    h = header_index(wb["Due soon"])
    checks = [r[h["Check"]] for r in rows(wb["Due soon"])[1:]]
    assert "IHA" not in checks


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="children frame lacks column"):
        write_workbook(tmp_path / "x.xlsx", children=children_frame().drop("iha_due"),
                       flags=flags_frame(), kpis=kpis_frame(), disagreements=dis_frame(),
                       as_of=AS_OF)


def test_hostile_cells_carry_quote_prefix(book: Path) -> None:
    """Excel keeps a quote-prefixed cell as text even when someone edits it."""
    ws = openpyxl.load_workbook(book)["Data quality"]
    for r in ws.iter_rows(min_row=2):
        for c in r:
            if isinstance(c.value, str) and c.value[:1] in "=+-@#":
                assert c.quotePrefix, c.coordinate


def test_long_and_illegal_text(tmp_path: Path) -> None:
    flags = flags_frame().with_columns(
        pl.when(pl.col("severity") == "info").then(pl.lit("x" * 40_000 + "<&>"))
        .otherwise(pl.col("message")).alias("message"))
    kpis = pl.concat([kpis_frame(), pl.DataFrame(
        [{"measure": "odd\x01_pct", "source": "health", "numerator": 1, "denominator": 2,
          "value": 50.0, "period_start": None, "period_end": None, "as_of": AS_OF}],
        schema=KPI_COLS)])
    path = tmp_path / "long.xlsx"
    write_workbook(path, children=children_frame(), flags=flags, kpis=kpis,
                   disagreements=dis_frame(), as_of=AS_OF)
    wb = openpyxl.load_workbook(path)
    longest = max(len(str(c.value)) for r in wb["Data quality"].iter_rows() for c in r)
    assert longest == 32_767
    labels = [r[0] for r in rows(wb["Summary"])]
    assert "odd\ufffd_pct" in labels


def test_sheet_cut_at_excel_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import healthcheck.xlsx_sheet as xs

    monkeypatch.setattr(xs, "MAX_DATA_ROWS", 2)
    path = tmp_path / "cut.xlsx"
    write_workbook(path, children=children_frame(), flags=flags_frame(), kpis=kpis_frame(),
                   disagreements=dis_frame(), as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Data quality"]
    assert ws.max_row == 3
    assert ws.auto_filter.ref == "A1:K3"
    assert "Showing 2 of 6 flags" in str(ws["L1"].value)


def test_tab_cr_and_links_in_text_stay_plain_text(tmp_path: Path) -> None:
    """Text starting with a tab or carriage return is quote-prefixed too; a web address in
    the data is text, not a link."""
    odd = ["\t=1+1", "\r@SUM(A1)", "http://example.org/x", "=1+1\n"]
    flags = flags_frame().head(len(odd)).with_columns(pl.Series("message", odd))
    path = tmp_path / "odd.xlsx"
    write_workbook(path, children=children_frame(), flags=flags, kpis=kpis_frame(),
                   disagreements=dis_frame(), as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Data quality"]
    col = header_index(ws)["Message"] + 1
    cells = {c.value: c for c in ws.iter_cols(min_col=col, max_col=col, min_row=2).__next__()}
    # A carriage return is stored as SpreadsheetML's escape _x000D_ (Excel reads it back as
    # one; openpyxl does not).
    assert set(cells) == {v.replace("\r", "_x000D_") for v in odd}
    for v, c in cells.items():
        assert c.data_type == "s" and c.hyperlink is None, v
        assert c.quotePrefix == (not v.startswith("http")), v


def test_links_from_summary_to_sheets(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Summary"]
    links = {c.value: c.hyperlink.location for r in ws.iter_rows() for c in r if c.hyperlink}
    assert links == {name: f"'{name}'!A1" for name in SHEETS[1:]}


def test_year_end_sheet_before_the_year_end_only(tmp_path: Path) -> None:
    fc = pl.DataFrame([
        {"child_id": "C2", "nhs_number": "9434765919", "health_assessment_done": False,
         "teeth_check_done": True, "immunisations_up_to_date": True,
         "rha_due": date(2026, 4, 6), "dental_due": None, "needs": "health_assessment"},
        {"child_id": "C9", "nhs_number": None, "health_assessment_done": True,
         "teeth_check_done": True, "immunisations_up_to_date": True,
         "rha_due": None, "dental_due": None, "needs": None}], schema=FORECAST_SCHEMA)
    path = tmp_path / "w.xlsx"
    common = dict(children=children_frame(), flags=flags_frame(), kpis=kpis_frame(),
                  disagreements=dis_frame(), as_of=AS_OF, forecast=fc)
    write_workbook(path, year_end=date(2027, 3, 31), **common)  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [*SHEETS[:5], "Year end", *SHEETS[5:]]
    ws = wb["Year end"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:M2"
    assert all(c.font.b for c in next(ws.iter_rows(max_row=1, max_col=13)))
    assert str(ws["N1"].value).startswith("To be seen by 31/03/2027")
    h = header_index(ws)
    got = rows(ws)[1]
    assert got[h["Child ID"]] == "C2" and got[h["NHS number"]] == "943 476 5919"
    assert got[h["Still needed"]] == "Health assessment"
    assert ws.cell(2, h["Earliest due"] + 1).number_format == "dd/mm/yyyy"
    assert got[h["Earliest due"]].date() == date(2026, 4, 6)  # type: ignore[union-attr]
    assert got[h["Days left"]] == 6 and got[h["Dental check done"]] == "Yes"
    summary = [r[0] for r in rows(wb["Summary"])]
    assert "To be seen by 31/03/2027 for the year-end OC2 figures" in summary
    # as-of on the year end: no sheet, and the Summary says so
    write_workbook(path, year_end=AS_OF, **common)  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    assert any(str(r[0]).startswith("Year end 31/03/2026: no Year end sheet")
               for r in rows(wb["Summary"]))


def test_pathway_sheet_late_stages_red_and_agency_chart(tmp_path: Path) -> None:
    kids = pl.DataFrame([
        child("L1", nhs_number="9434765919", clock_start=date(2025, 12, 19),
              notification_date=date(2025, 12, 22), notification_wd=1,
              notification_status="on_time", request_status="missing",
              iha_due=date(2026, 1, 21), iha_status="overdue", report_status="not_required",
              was_not_brought=0, delay_agency="la"),
        child("T1", clock_start=date(2025, 12, 19), notification_status="on_time",
              request_date=date(2025, 12, 23), request_wd=2, request_status="on_time",
              appointment_date=date(2026, 1, 14), was_not_brought=0,
              iha_due=date(2026, 1, 21), iha_date=date(2026, 1, 14), iha_status="on_time",
              report_date=date(2026, 2, 6), report_wd=17, report_status="late"),
        child("OLD", clock_start=date(2024, 1, 2), iha_status="overdue"),  # before the period
    ], schema=CHILD_COLS)
    p0 = date(2025, 4, 1)
    kpis = pl.DataFrame([
        {"measure": m, "source": s, "numerator": n, "denominator": 1, "value": 100.0 * n,
         "period_start": p0, "period_end": AS_OF, "as_of": AS_OF}
        for m, n in (("iha_on_time_pct", 1), ("iha_late_la_pct", 1), ("iha_late_health_pct", 0),
                     ("iha_late_carer_pct", 0)) for s in ("health", "case")], schema=KPI_COLS)
    path = tmp_path / "p.xlsx"
    write_workbook(path, children=kids, flags=pl.DataFrame(schema=FLAG_COLS), kpis=kpis,
                   disagreements=pl.DataFrame(schema=DIS_COLS), as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Pathway"]
    h = header_index(ws)
    body = rows(ws)[1:]
    assert [r[h["Child ID"]] for r in body] == ["L1", "T1"]  # overdue first; OLD not in P
    assert body[1][h["IHA requested"]].date() == date(2025, 12, 23)  # a real date
    assert body[0][h["Delay held by"]] == "LA"  # codes in words
    assert body[0][h["Request"]] == "Missing" and body[1][h["Report"]] == "Late"

    def fill(r: int, header: str) -> str:
        return ws.cell(row=r + 2, column=h[header] + 1).fill.fgColor.rgb[-6:]

    assert fill(0, "IHA requested") == "FFC7CE"  # missing: an empty red cell
    assert fill(0, "Request") == "FFC7CE" and fill(0, "IHA") == "FFC7CE"
    assert fill(0, "Notified") != "FFC7CE"
    assert fill(1, "Report returned") == "FFC7CE" and fill(1, "IHA done") != "FFC7CE"
    summary = {r[0]: r for r in rows(openpyxl.load_workbook(path)["Summary"]) if r[0]}
    assert summary["Came into care in the period, in care now (IHA pathway)"][1] == 2
    assert summary["Late IHAs held by the LA (%)"][1:3] == (100.0, 100.0)
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        main = z.read(charts[0]).decode()
        agency = z.read(charts[1]).decode()
    assert len(charts) == 2
    assert 'barDir val="bar"' in agency and len(re.findall(r"<(?:c:)?ser>", agency)) == 2
    assert len(re.findall(r"<(?:c:)?ser>", main)) == 3


def test_styled_columns_keep_hostile_text_a_string(tmp_path: Path) -> None:
    """Text through a coloured column (a late Pathway stage, in words) is a string cell with the
    quote prefix all the same; the nurse's codes read as words; a missing stage is red."""
    kids = pl.DataFrame([
        child("L1", clock_start=date(2026, 1, 5), iha_due=date(2026, 2, 2),
              iha_status="overdue", request_status="missing", delay_agency=HOSTILE[0]),
        child("L2", clock_start=date(2026, 1, 6), iha_status="due", request_status=HOSTILE[2],
              delay_agency=None),
    ], schema=CHILD_COLS)
    path = tmp_path / "p.xlsx"
    write_workbook(path, children=kids, flags=pl.DataFrame(schema=FLAG_COLS), kpis=kpis_frame(),
                   disagreements=pl.DataFrame(schema=DIS_COLS), as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Pathway"]
    h = header_index(ws)
    held = ws.cell(2, h["Delay held by"] + 1)
    assert held.value == HOSTILE[0] and held.data_type == "s" and held.quotePrefix
    assert held.fill.fgColor.rgb.endswith("FFC7CE")
    req = ws.cell(3, h["Request"] + 1)
    assert req.value == HOSTILE[2] and req.data_type == "s" and req.quotePrefix
    assert ws.cell(2, h["IHA"] + 1).value == "Overdue"
    assert ws.cell(2, h["IHA requested"] + 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(2, h["IHA due"] + 1).is_date


def test_summary_year_end_figures_read_as_words(tmp_path: Path) -> None:
    kpis = pl.concat([kpis_frame(), pl.DataFrame([
        {"measure": m, "source": "health", "numerator": 3, "denominator": 4, "value": 75.0,
         "period_start": date(2026, 4, 1), "period_end": date(2027, 3, 31), "as_of": AS_OF}
        for m in ("oc2_year_end_health_assessment_done_pct",
                  "oc2_year_end_teeth_check_done_pct")], schema=KPI_COLS)])
    path = tmp_path / "y.xlsx"
    write_workbook(path, children=children_frame(), flags=flags_frame(), kpis=kpis,
                   disagreements=dis_frame(), as_of=AS_OF)
    labels = [r[0] for r in rows(openpyxl.load_workbook(path)["Summary"])]
    assert "Year end: health assessment already done (%)" in labels
    assert "Year end: dental check already done (%)" in labels
    assert not any(str(v).startswith("oc2_") for v in labels)
