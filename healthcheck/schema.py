"""Canonical tables and output columns (docs/rules.md §1.1, §1.2, §8).

Every canonical table also carries `row`: the 1-based data row of the source file, so that any
flag can name where its value came from. Beside each table, ingest keeps the state of each
date and NHS number cell (`DATE_STATES`, `NHS_STATES`; see `ingest.Extract.cells`).
"""

from __future__ import annotations

import polars as pl

S = pl.String
D = pl.Date
ROW = ("row", pl.Int64)

# table -> {column: dtype}; required columns per table below.
CASE_TABLES: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
    "children": {
        "child_id": S, "nhs_number": S, "forename": S, "surname": S, "dob": D, "sex": S,
        "legacy_id": S,
    },
    "episodes": {
        "child_id": S, "start_date": D, "end_date": D, "legal_status": S, "rne": S,
        "placement_type": S, "placement_area": S, "reason_end": S,
    },
    "health_events": {"child_id": S, "event_type": S, "event_date": D, "detail": S},
}
HEALTH_TABLES: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
    "patients": {
        "nhs_number": S, "trust_id": S, "la_child_id": S, "forename": S, "surname": S, "dob": D,
    },
    "events": {
        "nhs_number": S, "trust_id": S, "event_type": S, "event_date": D, "detail": S,
        "recorded_date": D,
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "children": ("child_id", "dob"),
    "episodes": ("child_id", "start_date", "legal_status"),
    "health_events": ("child_id", "event_type", "event_date"),
    "patients": ("nhs_number", "dob"),
    # events need nhs_number OR trust_id: checked in ingest.
    "events": ("event_type", "event_date"),
}
# Columns that must be present in the file (a column may be present but blank in a row).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = REQUIRED

EXTRACTS = {"case": CASE_TABLES, "health": HEALTH_TABLES}

# The health assessments (initial, review, and `health_assessment` where the source does not say
# which): the statutory reviews of a child's health, the events the OC2 HEALTH_ASSESSMENT
# measure counts and R3's "last assessment" reads (docs/rules.md "health_assessment").
ASSESSMENT_TYPES = ("iha", "rha", "health_assessment")
# The events compared between the two systems, and whose refusal `declined` / `was_not_brought`
# names in its detail.
CHECK_TYPES = (*ASSESSMENT_TYPES, "dental")
EVENT_TYPES = (
    "notification_sent", "notification_received", "iha_requested", "iha_appointment", "iha",
    "iha_report_sent", "rha", "dental", "immunisation", "immunisations_up_to_date", "declined",
    "was_not_brought", "health_assessment",
)
LEGAL_STATUSES = (
    "C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4",
)
SHORT_BREAK_STATUSES = ("V3", "V4")

FLAG_COLUMNS = (
    "source", "file", "table", "row", "child_id", "nhs_number", "rule", "severity", "field",
    "value", "message",
)
FLAG_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    c: (pl.Int64 if c == "row" else pl.String) for c in FLAG_COLUMNS
}

CHILDREN_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": S, "nhs_number": S, "match_status": S, "match_method": S, "in_care": pl.Boolean,
    "period_start": D, "clock_start": D, "notification_date": D, "notification_wd": pl.Int64,
    "notification_status": S, "iha_due": D, "iha_date": D, "iha_status": S,
    "last_assessment": D, "rha_due": D, "rha_status": S, "dental_last": D, "dental_due": D,
    "dental_status": S, "immunisations_status": S, "oc2_cohort": pl.Boolean,
    # R7 the IHA pathway
    "request_date": D, "request_wd": pl.Int64, "request_status": S, "appointment_date": D,
    "was_not_brought": pl.Int64, "report_date": D, "report_wd": pl.Int64, "report_status": S,
    "delay_agency": S,
    "immunisations_basis": S, "immunisations_missing": S,
}
CHILDREN_COLUMNS = tuple(CHILDREN_SCHEMA)
KPI_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "measure": S, "source": S, "numerator": pl.Int64, "denominator": pl.Int64,
    "value": pl.Float64, "period_start": D, "period_end": D, "as_of": D,
}
# The event disagreements behind EVENT_MISSING_IN_* and DATE_MISMATCH (workbook sheet).
DISAGREEMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": S, "nhs_number": S, "event_type": S, "health_date": D, "case_date": D,
    "rule": S, "message": S,
}


def table_schema(table: str) -> dict[str, pl.DataType | type[pl.DataType]]:
    """The canonical schema of `table`, with its `row` column."""
    for tables in EXTRACTS.values():
        if table in tables:
            return {**tables[table], ROW[0]: ROW[1]}
    raise KeyError(table)

# The state of each date and NHS number cell (`ingest.Extract.cells`): a cell is lost (its
# value blank in the typed table, its raw text kept and flagged) in the LOST_STATES.
DATE_STATES = pl.Enum(["blank", "ok", "placeholder", "unparseable"])
NHS_STATES = pl.Enum(["blank", "ok", "invalid"])
LOST_STATES = ("placeholder", "unparseable", "invalid")
