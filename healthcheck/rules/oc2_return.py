"""Checking the SSDA903 return's OC2 table against the record [DfE SSDA903 OC2; R6].

The DfE's validator can only check that the OC2 cells hold 0 or 1; this checks them against the
rules' own R6 cohort and measures at the as-of date (normally the 31 March the return is for):
- OC2_CHILD_MISSING: a child in the R6 cohort has no OC2 row;
- OC2_CHILD_NOT_IN_COHORT: an OC2 row for a child not in the cohort (or not in the return);
- OC2_VALUE_UNSUPPORTED: HEALTH_ASSESSMENT, TEETH_CHECK or IMMUNISATIONS is 1 and the record
  says no (the R6 measure is false);
- OC2_VALUE_MISSED: the value is 0 or blank and the record says yes.
HEALTH_CHECK (the under-5s' development assessment) has no events to check it against.
The return's own figures (1s over its rows) are kpis rows with source `return`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from healthcheck import cells  # noqa: F401 - declares REQUIRED_VALUE_MISSING, VALUE_UNKNOWN
from healthcheck import normalise as nz
from healthcheck.flags import all_flags, concat_flags, declare, make_flags
from healthcheck.read import RawTable
from healthcheck.schema import KPI_SCHEMA

declare("OC2_CHILD_MISSING", "error",
        "Child is in the OC2 cohort (looked after for 12 months at the year end) but has no OC2 "
        "row: add the child's OC2 record before submitting.")
declare("OC2_CHILD_NOT_IN_COHORT", "error",
        "OC2 row for a child who is not in the OC2 cohort (not looked after continuously for the "
        "12 months, a short break in them, or not in the return): remove the row or correct the "
        "episodes.")
declare("OC2_VALUE_UNSUPPORTED", "error",
        "The return says 1 (done) but the health record has no evidence of it: find the date and "
        "record it, or correct the return to 0.")
declare("OC2_VALUE_MISSED", "warning",
        "The return says 0 or blank but the health record shows it done in the year: enter the "
        "data before submitting.")
# OC2 column (as typed, lower case) -> the R6 measure (rules/oc2.py) and the kpis measure
CHECKED = {
    "health_assessment": ("oc2_health_assessment", "oc2_health_assessment_pct"),
    "teeth_check": ("oc2_teeth_check", "oc2_teeth_check_pct"),
    "immunisations": ("oc2_immunisations", "oc2_immunisations_pct"),
}


def type_oc2(raw: RawTable) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The OC2 table typed: row, child_id, and per checked column its value (Int8: 1, 0 or
    null) and `<col>_text` (the cell, trimmed); with the flags of its cells (a blank CHILD, a
    value that is not 0 or 1)."""
    f = raw.frame
    typed = f.select(
        "row", child_id=nz.clean_text("child_id"),
        **{f"{c}_text": nz.clean_text(c).str.replace(r"\.0+$", "") for c in CHECKED})
    value = {c: pl.col(f"{c}_text").str.to_uppercase() for c in CHECKED}
    typed = typed.with_columns(
        pl.when(v.is_in(nz.YES)).then(pl.lit(1, pl.Int8))
        .when(v.is_in(nz.NO)).then(pl.lit(0, pl.Int8)).alias(c) for c, v in value.items())
    common: dict[str, Any] = dict(source="case", file=raw.file, table="oc2", row=pl.col("row"),
                                  child_id=pl.col("child_id"))
    lt = typed.lazy()
    parts = [make_flags(lt.filter(pl.col("child_id").is_null()), "REQUIRED_VALUE_MISSING",
                        field="CHILD", value=None, **common)]
    for c in CHECKED:
        odd = lt.filter(pl.col(c).is_null() & pl.col(f"{c}_text").is_not_null())
        parts.append(make_flags(odd, "VALUE_UNKNOWN", field=c.upper(), value=pl.col(f"{c}_text"),
                                message="OC2 value is not 0 or 1: correct it. It is counted "
                                        "as not done.", **common))
    return typed, concat_flags(parts)


def check_oc2(oc2: pl.DataFrame, file: str, status: pl.DataFrame, *,
              values: bool = True) -> pl.LazyFrame:
    """The OC2 flags. `oc2` from `type_oc2`; `status` one row per case child with oc2_cohort and
    the R6 measures (rules.evaluate on the record's events). `values`: compare the values too
    (False when there is no record of events to compare them with)."""
    st = status.lazy().select("child_id", "oc2_cohort", *[m for m, _ in CHECKED.values()])
    cohort = st.filter(pl.col("oc2_cohort").fill_null(False))
    rows = oc2.lazy().filter(pl.col("child_id").is_not_null())
    common: dict[str, Any] = dict(source="case", file=file, table="oc2",
                                  child_id=pl.col("child_id"))
    missing = cohort.join(rows.select("child_id"), on="child_id", how="anti").sort("child_id")
    known = st.select("child_id", _known=pl.lit(True))
    outside = (rows.join(cohort.select("child_id"), on="child_id", how="anti")
               .join(known, on="child_id", how="left"))
    parts = [
        make_flags(missing, "OC2_CHILD_MISSING", field="CHILD", value=pl.col("child_id"),
                   row=None, **common),
        make_flags(outside, "OC2_CHILD_NOT_IN_COHORT", field="CHILD", value=pl.col("child_id"),
                   row=pl.col("row"), message=pl.when(pl.col("_known").is_null()).then(pl.lit(
                       "OC2 row for a child who is not in the return's header (or the case "
                       "children): correct CHILD, or add the child and their episodes."))
                   .otherwise(pl.lit(None)), **common),
    ]
    if values:
        inside = rows.join(cohort, on="child_id")
        for c, (measure, _) in CHECKED.items():
            said, record = pl.col(c), pl.col(measure).fill_null(False)
            shown = pl.col(f"{c}_text").fill_null("blank")
            parts.append(make_flags(inside.filter((said == 1).fill_null(False) & ~record),
                                    "OC2_VALUE_UNSUPPORTED", field=c.upper(), value=shown,
                                    row=pl.col("row"), **common))
            parts.append(make_flags(inside.filter((said != 1).fill_null(True) & record),
                                    "OC2_VALUE_MISSED", field=c.upper(), value=shown,
                                    row=pl.col("row"), **common))
    return _default_messages(all_flags(parts))


def _default_messages(flags: pl.LazyFrame) -> pl.LazyFrame:
    """A flag whose message expression gave null has its code's own message."""
    from healthcheck.flags import CODES

    own = pl.col("rule").replace_strict({c: CODES[c].message for c in CODES},
                                        return_dtype=pl.String)
    return flags.with_columns(message=pl.coalesce("message", own))


def return_kpis(oc2: pl.DataFrame, period_start: date, period_end: date,
                as_of: date) -> pl.DataFrame:
    """kpis.csv rows with source `return`: the return's own OC2 figures, the 1s over its rows."""
    out = pl.concat([oc2.select(measure=pl.lit(kpi), numerator=(pl.col(c) == 1).sum()
                                .cast(pl.Int64), denominator=pl.len().cast(pl.Int64))
                     for c, (_, kpi) in CHECKED.items()])
    ratio = pl.col("numerator") / pl.col("denominator")
    return out.select(
        "measure", source=pl.lit("return"), numerator="numerator", denominator="denominator",
        value=pl.when(pl.col("denominator") > 0).then(ratio * 100).round(1),
        period_start=pl.lit(period_start), period_end=pl.lit(period_end), as_of=pl.lit(as_of),
    ).cast(KPI_SCHEMA)  # type: ignore[arg-type]


def return_membership(oc2: pl.DataFrame) -> pl.DataFrame:
    """child_id and, per return figure, 1 where a row of the child's has a 1, else 0 (the
    revisions' `children`, docs/rules.md §9.3)."""
    return (oc2.filter(pl.col("child_id").is_not_null()).group_by("child_id", maintain_order=True)
            .agg(*[(pl.col(c) == 1).any().cast(pl.Float64).alias(kpi)
                   for c, (_, kpi) in CHECKED.items()]))
