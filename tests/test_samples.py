"""The synthetic extract generator: reproducible, any size, and its manifest tells the truth."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcheck import normalise as nz
from healthcheck.ingest import ingest
from healthcheck.read import name_key
from healthcheck.reconcile import reconcile
from healthcheck.samples import EXACT_CODES, write_samples
from healthcheck.schema import CASE_TABLES, HEALTH_TABLES, LEGAL_STATUSES

AS_OF = date(2026, 3, 31)
CASE = ("children", "episodes", "health_events")
HEALTH = ("patients", "events")
DATE_COLUMNS = {
    "children": ("dob",), "episodes": ("start_date", "end_date"),
    "health_events": ("event_date",), "patients": ("dob",),
    "events": ("event_date", "recorded_date"),
}
CANONICAL = {t: tuple(cols) for t, cols in {**CASE_TABLES, **HEALTH_TABLES}.items()}


def _canonical(df: pl.DataFrame, table: str) -> pl.DataFrame:
    by_key = {name_key(c): c for c in CANONICAL[table]}
    df = df.rename({c: by_key[name_key(c)] for c in df.columns})
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
                               for c in df.columns])
    return df.filter(~blank)


def read_table(out: Path, stem: str, table: str) -> pl.DataFrame:
    """Read one table of a written extract as text (csv folder or xlsx workbook)."""
    folder = out / stem
    if folder.is_dir():
        raw = (folder / f"{table}.csv").read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        df = pl.read_csv(text.encode("utf-8"), infer_schema=False)
    else:
        path = out / f"{stem}.xlsx"
        sheets = pl.read_excel(path, sheet_id=0, engine="calamine", infer_schema_length=0)
        name = next(s for s in sheets if name_key(s) == name_key(table))
        df = pl.read_excel(path, sheet_name=name, engine="calamine", infer_schema_length=0)
    return _canonical(df, table)


def read_all(out: Path) -> dict[str, pl.DataFrame]:
    return {t: read_table(out, s, t) for s, ts in (("case", CASE), ("health", HEALTH)) for t in ts}


def _date_ok(df: pl.DataFrame, col: str) -> pl.Series:
    return nz.parse_dates(df, col)["__parsed"]


def cell_flags(tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """What an ingest that flags each bad cell once finds, using the project's normalisers."""
    counts = dict.fromkeys(EXACT_CODES, 0)
    for table, cols in DATE_COLUMNS.items():
        df = tables[table]
        for c in cols:
            state = nz.parse_dates(df, c)["__state"]
            counts["DATE_UNPARSEABLE"] += int((state == "unparseable").sum())
            counts["DATE_PLACEHOLDER"] += int((state == "placeholder").sum())
    for table in ("children", "patients"):
        d = tables[table].select(nz.nhs_digits("nhs_number").alias("d"))
        bad = d.filter(pl.col("d").is_not_null() & ~nz.nhs_valid(pl.col("d")))
        counts["NHS_NUMBER_INVALID"] += bad.height
    ep = tables["episodes"]
    ep = ep.with_columns(s=_date_ok(ep, "start_date"), e=_date_ok(ep, "end_date"),
                         ls=nz.upper_code("legal_status"))
    counts["LEGAL_STATUS_UNKNOWN"] = ep.filter(~pl.col("ls").is_in(LEGAL_STATUSES)).height
    counts["EPISODE_END_BEFORE_START"] = ep.filter(pl.col("e") < pl.col("s")).height
    return counts


def _write(out: Path, **kw: object) -> dict:
    args: dict = {"children": 200, "seed": 1, "as_of": AS_OF, "case_format": "csv",
                  "health_format": "csv"}
    args.update(kw)
    return write_samples(out, **args)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample200(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("s200")
    return out, _write(out)


@pytest.fixture(scope="module")
def tables200(sample200: tuple[Path, dict]) -> dict[str, pl.DataFrame]:
    return read_all(sample200[0])


@pytest.fixture(scope="module")
def sample200_xlsx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("s200x")
    return out, _write(out, case_format="xlsx", health_format="xlsx")


@pytest.fixture(scope="module")
def tables200_xlsx(sample200_xlsx: tuple[Path, dict]) -> dict[str, pl.DataFrame]:
    return read_all(sample200_xlsx[0])


def test_reproducible(tmp_path: Path, sample200: tuple[Path, dict]) -> None:
    out, manifest = sample200
    again = _write(tmp_path)
    assert again == manifest
    assert _files(tmp_path) == _files(out)


def test_different_seed_differs(tmp_path: Path, sample200: tuple[Path, dict]) -> None:
    out, manifest = sample200
    other = _write(tmp_path, seed=2)
    assert other["seed"] == 2
    for name in ("children.csv", "episodes.csv", "health_events.csv"):
        assert (tmp_path / "case" / name).read_bytes() != (out / "case" / name).read_bytes()


@pytest.mark.parametrize("children", [1, 5, 1000])
def test_sizes(tmp_path: Path, children: int) -> None:
    manifest = _write(tmp_path, children=children)
    tables = read_all(tmp_path)
    assert {t: df.height for t, df in tables.items()} == manifest["rows"]
    assert manifest["rows"]["children"] >= children
    assert tables["children"]["child_id"].str.strip_chars().n_unique() == tables["children"].height
    counts = cell_flags(tables)
    assert counts == {c: manifest["injected"][c] for c in EXACT_CODES}
    _planted_on_disk(tables, manifest)


def test_manifest_rows_and_exact_counts_csv(
    sample200: tuple[Path, dict], tables200: dict[str, pl.DataFrame]
) -> None:
    out, manifest = sample200
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    tables = tables200
    assert {t: df.height for t, df in tables.items()} == manifest["rows"]
    counts = cell_flags(tables)
    assert counts == {c: manifest["injected"][c] for c in EXACT_CODES}
    assert all(v > 0 for v in counts.values()), counts
    for code, by_table in manifest["injected_by_table"].items():
        assert sum(by_table.values()) == manifest["injected"][code]
    _planted_on_disk(tables, manifest)


def test_manifest_rows_and_exact_counts_xlsx(
    sample200_xlsx: tuple[Path, dict], tables200_xlsx: dict[str, pl.DataFrame]
) -> None:
    out, manifest = sample200_xlsx
    assert (out / "case.xlsx").is_file() and (out / "health.xlsx").is_file()
    assert not (out / "case").exists() and not (out / "health").exists()
    tables = tables200_xlsx
    assert {t: df.height for t, df in tables.items()} == manifest["rows"]
    assert cell_flags(tables) == {c: manifest["injected"][c] for c in EXACT_CODES}
    _planted_on_disk(tables, manifest)


def test_every_clean_date_means_the_same_in_csv_and_xlsx(
    tables200: dict[str, pl.DataFrame], tables200_xlsx: dict[str, pl.DataFrame]
) -> None:
    """Same seed, formats drawn independently: where both cells are clean, same date.
    (Also proves no UK date was written month-first: the ISO/serial/Excel twin agrees.)"""
    a, b = tables200, tables200_xlsx
    compared = 0
    for table, cols in DATE_COLUMNS.items():
        for c in cols:
            x = _date_ok(a[table], c)
            y = _date_ok(b[table], c)
            both = x.is_not_null() & y.is_not_null()
            assert (x.filter(both) == y.filter(both)).all(), (table, c)
            # a present, non-defect cell is never blank in one and a date in the other
            assert (x.is_null() == y.is_null()).all(), (table, c)
            compared += int(both.sum())
    assert compared > 1000


def test_nhs_numbers(tables200: dict[str, pl.DataFrame]) -> None:
    tables = tables200
    for table in ("children", "patients", "events"):
        d = tables[table].select(nz.nhs_digits("nhs_number").alias("d"))["d"].drop_nulls()
        valid = d.filter(d.to_frame().select(nz.nhs_valid(pl.col("d")))["d"])
        assert valid.str.starts_with("999").all()
        if table == "events":  # events carry only usable numbers, or trust_id alone
            assert valid.len() == d.len()
    ev = tables["events"]
    assert ev.filter(pl.col("nhs_number").is_null() & pl.col("trust_id").is_null()).height == 0


def test_dirty_formats_present(
    sample200: tuple[Path, dict], tables200: dict[str, pl.DataFrame]
) -> None:
    out, manifest = sample200
    raw = {n: (out / "case" / f"{n}.csv").read_bytes() for n in CASE}
    raw.update({n: (out / "health" / f"{n}.csv").read_bytes() for n in HEALTH})
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values())
    cp = [n for n, b in raw.items() if manifest["csv_encodings"][n] == "cp1252"]
    assert cp
    for n in cp:
        with pytest.raises(UnicodeDecodeError):
            raw[n].decode("utf-8")
        assert any(ord(ch) > 127 for ch in raw[n].decode("cp1252"))
    assert any(b.rstrip(b"\r\n").endswith(b",,,,,") for b in raw.values())
    headers = raw["children"].decode("utf-8-sig").splitlines()[0].split(",")
    assert "NHS Number" in headers and "DOB" in headers
    dates = pl.concat([tables200[t][c] for t, cs in DATE_COLUMNS.items() for c in cs])
    dates = dates.drop_nulls().str.strip_chars()
    for pattern in (r"^\d{4}-\d{2}-\d{2}$", r"^\d{2}/\d{2}/\d{4}$",
                    r"^\d{1,2}-[A-Z][a-z]{2}-\d{4}$", r"^\d{4}-\d{2}-\d{2} 00:00:00$",
                    r"^\d{5}$"):
        assert dates.str.contains(pattern).any(), pattern
    nhs = tables200["children"]["nhs_number"].drop_nulls()
    for pattern in (r"^\d{3} \d{3} \d{4}$", r"^\d{3}-\d{3}-\d{4}$", r"^\d{10}\.0$"):
        assert nhs.str.contains(pattern).any(), pattern
    ls = tables200["episodes"]["legal_status"].drop_nulls()
    assert (ls != ls.str.strip_chars().str.to_uppercase()).any()


SECTION3 = ("DATE_UNPARSEABLE", "DATE_PLACEHOLDER", "NHS_NUMBER_INVALID", "NHS_NUMBER_MISSING",
            "LEGAL_STATUS_UNKNOWN", "EPISODE_END_BEFORE_START", "LIKELY_DUPLICATE_CHILD",
            "DUPLICATE_NHS_NUMBER", "MIGRATION_CUTOVER_START", "MIGRATION_HISTORY_GAP",
            "CASE_ONLY", "HEALTH_ONLY", "MATCHED_ON_DEMOGRAPHICS", "DOB_MISMATCH",
            "EVENT_MISSING_IN_CASE", "EVENT_MISSING_IN_HEALTH", "DATE_MISMATCH", "DATE_IN_FUTURE")


@pytest.fixture(scope="module")
def flags200(sample200: tuple[Path, dict]) -> dict[str, int]:
    """The product's flags on the 200-child sample, counted by code."""
    out, manifest = sample200
    res = reconcile(ingest(out / "case", "case"), ingest(out / "health", "health"),
                    as_of=AS_OF, cutover=date.fromisoformat(manifest["cutover"]))
    return dict(res.flags.group_by("rule").len().iter_rows())


def test_product_finds_every_kind_of_defect(flags200: dict[str, int]) -> None:
    """A 200-child sample carries every kind of defect docs/rules.md names. (That the product
    is right about each is tests/test_reference.py's business, on generated samples too.)"""
    for code in SECTION3:
        assert flags200.get(code, 0) > 0, code


def test_planted_defects_give_their_flags(sample200: tuple[Path, dict],
                                          flags200: dict[str, int]) -> None:
    """Where the generator's construction fixes the flag count, the product raises exactly it;
    elsewhere the planted count bounds it."""
    injected, planted = sample200[1]["injected"], sample200[1]["planted"]
    for code in (*EXACT_CODES, "DATE_IN_FUTURE"):  # one flag per dirtied cell
        assert flags200.get(code, 0) == injected[code], code
    # a legacy duplicate repeats a child's demographics and NHS number: both records flagged
    assert flags200["LIKELY_DUPLICATE_CHILD"] == 2 * planted["legacy_duplicate_children"]
    assert flags200["DUPLICATE_NHS_NUMBER"] == 2 * planted["legacy_duplicate_children"]
    # demographics are unique, so every trust record of an LA child finds its child
    assert flags200["HEALTH_ONLY"] == planted["health_only_patients"]
    # the wrongly keyed DOBs are on children whose NHS numbers are both usable
    assert flags200["DOB_MISMATCH"] == planted["trust_dob_keyed_wrongly"]
    # only children still in care are flagged; other periods may start on the cutover too
    assert flags200["CASE_ONLY"] <= planted["case_only_children"]
    assert flags200["NHS_NUMBER_MISSING"] <= planted["case_nhs_blank"]
    assert flags200["MIGRATION_CUTOVER_START"] >= planted["periods_started_on_cutover"]
    # every dose under a product the vaccine table does not know, and nothing else
    assert flags200.get("VACCINE_UNKNOWN", 0) == planted["vaccines_under_unknown_names"]


def test_vaccine_records_for_part_of_the_children(tables200: dict[str, pl.DataFrame],
                                                  sample200: tuple[Path, dict]) -> None:
    """docs/rules.md §4 R5 extended: product names as trusts write them, for part of the
    children, from birth; some appointments missed."""
    ev = tables200["events"]
    imm = ev.filter(pl.col("event_type").str.strip_chars().str.to_lowercase() == "immunisation")
    names = set(imm["detail"].str.strip_chars().to_list())
    assert {"Infanrix hexa", "INFANRIX HEXA", "dtap / ipv / hib / hepb", "Bexsero", "M.M.R",
            "Prevenar 13"} & names and len(names) >= 20
    planted, n = sample200[1]["planted"], sample200[1]["children"]
    assert 0.15 * n < planted["children_with_vaccine_records"] < 0.5 * n
    assert planted["vaccination_appointments_missed"] > 0
    per_patient = imm.group_by("trust_id", "nhs_number").len()["len"]
    assert per_patient.max() >= 10  # a whole childhood's record, not one dose


def _planted_on_disk(tables: dict[str, pl.DataFrame], manifest: dict) -> None:
    """The planted record-level defects, as the files show them."""
    planted, n = manifest["planted"], manifest["children"]
    assert manifest["rows"]["children"] == n + planted["legacy_duplicate_children"]
    assert manifest["rows"]["patients"] == (n - planted["case_only_children"]
                                            + planted["health_only_patients"])
    assert tables["children"]["nhs_number"].null_count() == planted["case_nhs_blank"]
    assert tables["patients"]["nhs_number"].null_count() == planted["patient_nhs_blank"]


def test_rewrite_replaces_other_format(tmp_path: Path) -> None:
    _write(tmp_path, children=5)
    assert (tmp_path / "case").is_dir()
    _write(tmp_path, children=5, case_format="xlsx", health_format="xlsx")
    assert not (tmp_path / "case").exists() and not (tmp_path / "health").exists()
    assert (tmp_path / "case.xlsx").is_file() and (tmp_path / "health.xlsx").is_file()


def test_defaults(tmp_path: Path) -> None:
    manifest = write_samples(tmp_path, children=3, case_format="csv")
    today = date.today()
    assert manifest["as_of"] == today.isoformat()
    assert manifest["cutover"] == date(today.year - 2, 10, 31).isoformat()
    assert manifest["case_format"] == "csv" and manifest["health_format"] == "csv"


def test_committed_samples_are_current(tmp_path: Path) -> None:
    committed = Path(__file__).resolve().parent.parent / "samples"
    manifest = write_samples(tmp_path, children=200, seed=1, as_of=AS_OF, case_format="xlsx",
                             health_format="csv")
    assert json.loads((committed / "manifest.json").read_text(encoding="utf-8")) == manifest
    for n in HEALTH:
        assert (committed / "health" / f"{n}.csv").read_bytes() == \
            (tmp_path / "health" / f"{n}.csv").read_bytes()
    clean = write_samples(tmp_path / "clean", children=200, seed=2, as_of=AS_OF,
                          case_format="csv", health_format="csv", defects=False)
    assert json.loads((committed / "clean" / "manifest.json").read_text(encoding="utf-8")) == \
        clean


def test_no_defects_mode_injects_no_cell_defect(tmp_path: Path) -> None:
    manifest = write_samples(tmp_path, children=300, seed=5, as_of=AS_OF, case_format="csv",
                             health_format="csv", defects=False)
    assert manifest["defects"] is False
    assert cell_flags(read_all(tmp_path)) == dict.fromkeys(EXACT_CODES, 0)
    assert manifest["injected"].get("DATE_IN_FUTURE", 0) == 0
    assert manifest["planted"]["legacy_duplicate_children"] == 0


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), children=st.integers(1, 120))
def test_any_seed_counts_are_exact(seed: int, children: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        manifest = _write(out, seed=seed, children=children)
        tables = read_all(out)
        assert {t: df.height for t, df in tables.items()} == manifest["rows"]
        assert cell_flags(tables) == {c: manifest["injected"][c] for c in EXACT_CODES}
        _planted_on_disk(tables, manifest)
        dob = _date_ok(tables["children"], "dob").drop_nulls()
        assert ((dob <= AS_OF) & (dob > date(AS_OF.year - 18, AS_OF.month, AS_OF.day))).all()
