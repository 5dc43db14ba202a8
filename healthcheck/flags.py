"""The flag codes (SPEC §3 plus a few local ones) and one way to build flag rows.

Each code is declared once with its severity and a plain-English message that says what to do.
`docs/rules.md` has a section per code; a meta-test checks every code has a doc and a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from healthcheck.schema import ENGINE, FLAG_COLUMNS, FLAG_SCHEMA


@dataclass(frozen=True)
class FlagCode:
    code: str
    severity: str  # error | warning | info
    message: str  # plain English: what is wrong and what to do
    spec: bool = True  # False for local codes that SPEC §3 does not list


_CODES = [
    FlagCode("NHS_NUMBER_MISSING", "warning",
             "Child in care has no NHS number: ask the health team for it and record it in the "
             "case system."),
    FlagCode("NHS_NUMBER_INVALID", "error",
             "NHS number fails the NHS check-digit test: correct it from the health record."),
    FlagCode("DUPLICATE_NHS_NUMBER", "error",
             "The same NHS number is on more than one record: find which record is wrong and "
             "correct or merge it."),
    FlagCode("DATE_UNPARSEABLE", "error",
             "Date cannot be read (use dd/mm/yyyy): correct it in the source system. The row is "
             "kept with this date blank."),
    FlagCode("DATE_PLACEHOLDER", "warning",
             "Date is a system placeholder, not a real date: enter the true date. Treated as "
             "blank."),
    FlagCode("DATE_IN_FUTURE", "error",
             "Date is after the as-of date: correct the date in the source system."),
    FlagCode("DATE_BEFORE_BIRTH", "error",
             "Date is before the child's date of birth: correct the date or the date of birth."),
    FlagCode("EPISODE_END_BEFORE_START", "error",
             "Episode ends before it starts: correct the episode dates in the case system."),
    FlagCode("EPISODE_OVERLAP", "error",
             "Episode overlaps an earlier episode of the same child: correct the episode dates."),
    FlagCode("LEGAL_STATUS_UNKNOWN", "warning",
             "Legal status is not an SSDA903 code (C1 C2 D1 E1 J1 J2 J3 L1 L2 L3 V2 V3 V4): "
             "record the correct code."),
    FlagCode("LIKELY_DUPLICATE_CHILD", "error",
             "Two case records look like the same child (same name and date of birth, or both "
             "match one health patient): check and merge the duplicate left by a migration."),
    FlagCode("MIGRATION_CUTOVER_START", "warning",
             "Period of care starts on the migration cutover date: the true start may have been "
             "lost; check the old system and correct the start date."),
    FlagCode("MIGRATION_HISTORY_GAP", "warning",
             "Health history before the cutover is missing from the case system but the health "
             "extract has it: back-record the assessments in the case system."),
    FlagCode("CASE_ONLY", "error",
             "Child in care is not known to the health team: send the health notification and "
             "share the NHS number."),
    FlagCode("HEALTH_ONLY", "warning",
             "Health patient matches no child in the case system: check whether the child is "
             "looked after and record the LA child id in the health record."),
    FlagCode("MATCHED_ON_DEMOGRAPHICS", "info",
             "Matched on date of birth, surname and initial only: record the NHS number in both "
             "systems."),
    FlagCode("DOB_MISMATCH", "error",
             "Dates of birth differ between the case system and the health record: confirm the "
             "true date of birth and correct the wrong one."),
    FlagCode("EVENT_MISSING_IN_CASE", "warning",
             "Health has this assessment but the case system has none within 31 days: record it "
             "in the case system."),
    FlagCode("EVENT_MISSING_IN_HEALTH", "warning",
             "The case system has this assessment but health has none within 31 days: check the "
             "health record."),
    FlagCode("DATE_MISMATCH", "warning",
             "The two systems date this assessment differently: confirm the true date and correct "
             "the other system."),
    # Local codes (not in SPEC §3): they keep the promise that nothing is lost.
    FlagCode("REQUIRED_VALUE_MISSING", "error",
             "A required value is blank: the row cannot be used until it is filled in.",
             spec=False),
    FlagCode("EVENT_TYPE_UNKNOWN", "error",
             "Event type is not one healthcheck knows: map it in the mapping file or correct it.",
             spec=False),
    FlagCode("RECORD_UNLINKED", "error",
             "Row refers to a child or patient that is not in the extract: correct the id or add "
             "the missing record.",
             spec=False),
    FlagCode("CHILD_ID_REPEATED", "error",
             "The same child_id is on more than one row of children: only the first row is "
             "used. Remove or correct the repeated row.",
             spec=False),
    FlagCode("VALUE_UNKNOWN", "warning",
             "Value is not one of the expected codes: correct it. The row is used without it.",
             spec=False),
]
CODES: dict[str, FlagCode] = {c.code: c for c in _CODES}


def _lit(v: pl.Expr | str | int | None, dtype: type[pl.DataType]) -> pl.Expr:
    if isinstance(v, pl.Expr):
        return v.cast(dtype)
    return pl.lit(v, dtype=dtype)


def make_flags(
    frame: pl.DataFrame | pl.LazyFrame,
    code: str,
    *,
    source: str,
    file: pl.Expr | str | None = None,
    table: pl.Expr | str | None = None,
    row: pl.Expr | int | None = None,
    child_id: pl.Expr | str | None = None,
    nhs_number: pl.Expr | str | None = None,
    field: pl.Expr | str | None = None,
    value: pl.Expr | str | None = None,
    message: pl.Expr | str | None = None,
) -> pl.LazyFrame:
    """One flag per row of `frame` (already filtered to the rows to flag), as a lazy query:
    `concat_flags` runs all of a step's queries at once."""
    spec = CODES[code]
    exprs = {
        "source": _lit(source, pl.String),
        "file": _lit(file, pl.String),
        "table": _lit(table, pl.String),
        "row": _lit(row, pl.Int64),
        "child_id": _lit(child_id, pl.String),
        "nhs_number": _lit(nhs_number, pl.String),
        "rule": pl.lit(code),
        "severity": pl.lit(spec.severity),
        "field": _lit(field, pl.String),
        "value": _lit(value, pl.String),
        "message": _lit(message if message is not None else spec.message, pl.String),
    }
    return frame.lazy().select(**{k: exprs[k] for k in FLAG_COLUMNS})


def no_flags() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FLAG_SCHEMA)


def all_flags(parts: Sequence[pl.DataFrame | pl.LazyFrame]) -> pl.LazyFrame:
    """All flag rows of `parts`, in order, as one lazy query."""
    if not parts:
        return no_flags()
    lazy = [p.lazy().select(FLAG_COLUMNS).cast(FLAG_SCHEMA) for p in parts]  # type: ignore[arg-type]
    return pl.concat(lazy, how="vertical")


def concat_flags(parts: Sequence[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    """All flag rows of `parts`, in order, computed in one go."""
    return all_flags(parts).collect(engine=ENGINE)


# The event comparison's codes (compare.py): one per disagreement between the two systems.
DISAGREEMENT_CODES = ("EVENT_MISSING_IN_CASE", "DATE_MISMATCH", "EVENT_MISSING_IN_HEALTH")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
