"""The cell checks: flags about single cells of one ingested table (docs/rules.md §10;
the cells are read as §1.4 says). Each check is declared with its code, severity and message
(`flags.Checks`).

A check reads `TableCells.frame`: the table's raw text columns under their own names, the typed
value of each as `__{col}`, and for the dates and nhs_number the cell's state `__{col}_state`
and lost raw text `__{col}_raw` (see `ingest`). A flag's value is the raw text, trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from healthcheck import normalise as nz
from healthcheck.flags import Checks, all_flags, make_flags, no_flags
from healthcheck.schema import CHECK_TYPES, EVENT_TYPES, LEGAL_STATUSES, REQUIRED


@dataclass(frozen=True)
class TableCells:
    """One table as the cell checks see it."""

    kind: str  # case | health
    table: str
    file: str
    spec: dict[str, Any]  # column -> dtype (schema.EXTRACTS)
    frame: pl.LazyFrame

    def where(self, rows: pl.Expr, code: str, **columns: Any) -> pl.LazyFrame:
        """`code`'s flags on the rows where `rows` holds, naming this table's file and row."""
        spec = self.spec
        return make_flags(
            self.frame.filter(rows), code, source=self.kind, file=self.file, table=self.table,
            row=pl.col("row"), child_id=pl.col("__child_id") if "child_id" in spec else None,
            nhs_number=pl.col("__nhs_number") if "nhs_number" in spec else None, **columns)

    def dates(self) -> list[str]:
        return [c for c, dtype in self.spec.items() if dtype == pl.Date]

    def blank(self, col: str) -> pl.Expr:
        """The cell is blank (a typed text or code is blank iff its cell is)."""
        if self.spec[col] == pl.Date or col == "nhs_number":
            return pl.col(f"__{col}_state") == "blank"
        return pl.col(f"__{col}").is_null()


cell_check: Checks[TableCells] = Checks()


def _lost(t: TableCells, code: str, cols: list[str], state: str) -> pl.LazyFrame:
    return all_flags([t.where(pl.col(f"__{c}_state") == state, code, field=c,
                              value=pl.col(f"__{c}_raw")) for c in cols])


@cell_check("DATE_UNPARSEABLE", "error",
            "Date cannot be read (use dd/mm/yyyy): correct it in the source system. The row is "
            "kept with this date blank.")
def date_unparseable(t: TableCells) -> pl.LazyFrame:
    return _lost(t, "DATE_UNPARSEABLE", t.dates(), "unparseable")


@cell_check("DATE_PLACEHOLDER", "warning",
            "Date is a system placeholder, not a real date: enter the true date. Treated as "
            "blank.")
def date_placeholder(t: TableCells) -> pl.LazyFrame:
    return _lost(t, "DATE_PLACEHOLDER", t.dates(), "placeholder")


@cell_check("NHS_NUMBER_INVALID", "error",
            "NHS number fails the NHS check-digit test: correct it from the health record.")
def nhs_number_invalid(t: TableCells) -> pl.LazyFrame:
    return _lost(t, "NHS_NUMBER_INVALID", [c for c in t.spec if c == "nhs_number"], "invalid")


@cell_check("REQUIRED_VALUE_MISSING", "error",
            "A required value is blank: the row cannot be used until it is filled in.",
            local=True)
def required_value_missing(t: TableCells) -> pl.LazyFrame:
    """A required column blank (a patient's NHS number may be: the trust id links it); an
    event with neither an NHS number nor a trust id."""
    code = "REQUIRED_VALUE_MISSING"
    parts = [t.where(t.blank(c), code, field=c, value=None) for c in REQUIRED[t.table]
             if not (c == "nhs_number" and t.table == "patients")]
    if t.table == "events":
        parts.append(t.where(t.blank("nhs_number") & t.blank("trust_id"), code,
                             field="nhs_number", value=None,
                             message="Event has neither an NHS number nor a trust id: it "
                                     "cannot be linked to a patient. Add one."))
    return all_flags(parts)


@cell_check("LEGAL_STATUS_UNKNOWN", "warning",
            "Legal status is not an SSDA903 code (C1 C2 D1 E1 J1 J2 J3 L1 L2 L3 V2 V3 V4): "
            "record the correct code.")
def legal_status_unknown(t: TableCells) -> pl.LazyFrame:
    if "legal_status" not in t.spec:
        return no_flags()
    ls = pl.col("__legal_status")
    return t.where(ls.is_not_null() & ~ls.is_in(LEGAL_STATUSES), "LEGAL_STATUS_UNKNOWN",
                   field="legal_status", value=nz.clean_text("legal_status"))


@cell_check("EPISODE_END_BEFORE_START", "error",
            "Episode ends before it starts: correct the episode dates in the case system.")
def episode_end_before_start(t: TableCells) -> pl.LazyFrame:
    if t.table != "episodes":
        return no_flags()
    return t.where(pl.col("__end_date") < pl.col("__start_date"), "EPISODE_END_BEFORE_START",
                   field="end_date", value=nz.clean_text("end_date"))


@cell_check("EVENT_TYPE_UNKNOWN", "error",
            "Event type is not one healthcheck knows: map it in the mapping file or correct it.",
            local=True)
def event_type_unknown(t: TableCells) -> pl.LazyFrame:
    if "event_type" not in t.spec:
        return no_flags()
    et = pl.col("__event_type")
    return t.where(et.is_not_null() & ~et.is_in(EVENT_TYPES), "EVENT_TYPE_UNKNOWN",
                   field="event_type", value=nz.clean_text("event_type"))


@cell_check("VALUE_UNKNOWN", "warning",
            "Value is not one of the expected codes: correct it. The row is used without it.",
            local=True)
def value_unknown(t: TableCells) -> pl.LazyFrame:
    """An immunisation status that is not Y or N; a refusal of no known check."""
    if "detail" not in t.spec:
        return no_flags()
    et, d = pl.col("__event_type"), pl.col("__detail")
    bad_yn = (et == "immunisations_up_to_date") & ~d.is_in(["Y", "N"]).fill_null(False)
    bad_kind = et.is_in(["declined", "was_not_brought"]) & ~d.is_in(CHECK_TYPES).fill_null(False)
    return t.where(bad_yn | bad_kind, "VALUE_UNKNOWN", field="detail",
                   value=nz.clean_text("detail"),
                   message=pl.when(et == "immunisations_up_to_date")
                   .then(pl.lit("Immunisation status must be Y or N: correct it. "
                                "The row is not used for the status."))
                   .otherwise(pl.lit("Declined / was-not-brought detail must be "
                                     f"{', '.join(CHECK_TYPES[:-1])} or {CHECK_TYPES[-1]}: "
                                     "correct it.")))
