"""`healthcheck samples --case-format ssda903|ssd`: the same synthetic children as an SSDA903
return and as an SSD export, each reconciled as it is (no mapping file), through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from healthcheck.cli import app

runner = CliRunner()
AS_OF = "2026-03-31"
ARGS = ["--children", "300", "--seed", "5", "--as-of", AS_OF, "--no-defects"]


def _samples(out: Path, case_format: str) -> dict:
    res = runner.invoke(app, ["samples", "--out", str(out), "--case-format", case_format, *ARGS])
    assert res.exit_code == 0, res.output
    return json.loads((out / "manifest.json").read_text())


def _reconcile(folder: Path, health: bool) -> tuple[dict, pl.DataFrame, pl.DataFrame]:
    out = folder / ("out_h" if health else "out")
    args = ["reconcile", "--case", str(folder / "case"), "--as-of", AS_OF, "--out", str(out)]
    if health:
        args += ["--health", str(folder / "health")]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return (json.loads((out / "summary.json").read_text()),
            pl.read_csv(out / "children.csv", infer_schema=False),
            pl.read_csv(out / "flags.csv", infer_schema=False))


def _cohort(children: pl.DataFrame) -> set[str]:
    return set(children.filter(pl.col("oc2_cohort") == "true")["child_id"])


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("formats")
    for fmt in ("csv", "ssda903", "ssd"):
        _samples(root / fmt, fmt)
    return {fmt: root / fmt for fmt in ("csv", "ssda903", "ssd")}


def test_903_files_named_as_the_dfe_names_them(folders: dict[str, Path]) -> None:
    case = folders["ssda903"] / "case"
    assert sorted(p.name for p in case.iterdir()) == [
        "OC2.csv", "SSDA903_Episodes.csv", "children.csv", "header.csv"]
    episodes = pl.read_csv(case / "SSDA903_Episodes.csv", infer_schema=False)
    assert episodes.columns[:4] == ["CHILD", "DECOM", "RNE", "LS"]
    assert episodes["DECOM"].str.contains(r"^\d{2}/\d{2}/\d{4}$").all()
    oc2 = pl.read_csv(case / "OC2.csv", infer_schema=False)
    assert {"HEALTH_ASSESSMENT", "TEETH_CHECK", "IMMUNISATIONS"} <= set(oc2.columns)
    ssd = folders["ssd"] / "case"
    assert sorted(p.stem for p in ssd.iterdir()) == [
        "ssd_cla_episodes", "ssd_cla_health", "ssd_cla_immunisations", "ssd_legal_status",
        "ssd_person"]


@pytest.mark.parametrize("health", [False, True])
def test_903_and_ssd_reconcile_with_the_canonical_cohort(folders: dict[str, Path],
                                                         health: bool) -> None:
    _, canonical, _ = _reconcile(folders["csv"], health)
    want = _cohort(canonical)
    assert len(want) > 100
    for fmt in ("ssda903", "ssd"):
        summary, children, _ = _reconcile(folders[fmt], health)
        assert summary["case_format"] == fmt
        assert _cohort(children) == want, fmt
        # the same case children (health-only patients aside: the SSD has no names to match
        # the trust's patients without an NHS number on)
        assert (set(children["child_id"].drop_nulls())
                == set(canonical["child_id"].drop_nulls())), fmt


def test_903_oc2_mistakes_raise_the_oc2_flags(folders: dict[str, Path]) -> None:
    planted = json.loads((folders["ssda903"] / "manifest.json").read_text())["planted"]
    _, _, flags = _reconcile(folders["ssda903"], health=True)
    oc2 = flags.filter(pl.col("rule").str.starts_with("OC2_"))
    by = {r: oc2.filter(pl.col("rule") == r) for r in oc2["rule"].unique()}
    assert by["OC2_CHILD_MISSING"].height == planted["oc2_cohort_child_missing"] == 1
    assert by["OC2_CHILD_NOT_IN_COHORT"].height == planted["oc2_row_not_in_cohort"] == 1
    for rule, kind in (("OC2_VALUE_UNSUPPORTED", "1_unsupported"),
                       ("OC2_VALUE_MISSED", "0_or_blank_done")):
        fields = by[rule]["field"].to_list()
        for field, name in (("HEALTH_ASSESSMENT", "health_assessment"),
                            ("TEETH_CHECK", "teeth_check")):
            assert planted[f"oc2_{name}_{kind}"] >= 1
            assert fields.count(field) >= planted[f"oc2_{name}_{kind}"], (rule, field)
