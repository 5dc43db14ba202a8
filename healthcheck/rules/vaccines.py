"""R5 extended: immunisations decided from vaccine records [DfE; UKHSA Green Book ch. 11].

docs/rules.md §4 R5 extended. A vaccine (`immunisation` event, detail = its name) counts for the
antigens the policy's vaccine table gives it (names matched by `schedule.vaccine_key`); the doses
of an antigen are the distinct dates of the vaccines that count for it, on or before as-of. The
requirements of `schedule.REQUIREMENTS` apply once as-of is more than `imms_grace_days` past
their age; an antigen is missing when its doses fall short of its largest applying requirement.

Also the two flags: VACCINE_UNKNOWN (a name in none of the table's rows) and
IMMUNISATIONS_STATUS_DISAGREES (the latest Y/N status says otherwise than the records).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from healthcheck.calendar import AsOf, add_months, as_expr
from healthcheck.flags import declare, make_flags
from healthcheck.policy import Policy
from healthcheck.schedule import (
    ANTIGENS,
    NEW_SCHEDULE_BORN_FROM,
    REQUIREMENTS,
    Requirement,
    vaccine_key,
)

EVENT_TYPES = ("immunisation",)
IMM = "immunisation"

VACCINE_UNKNOWN = declare(
    "VACCINE_UNKNOWN", "info",
    "Vaccine name is not in the vaccine table: correct the name, or add it to the policy's "
    "[vaccines] section. Not counted towards the immunisation schedule.")
STATUS_DISAGREES = declare(
    "IMMUNISATIONS_STATUS_DISAGREES", "warning",
    "The latest immunisation status (Y/N) disagrees with the vaccine records: check the child "
    "health record, then record the missing doses or correct the status.")


def vaccine_table(policy: Policy) -> pl.LazyFrame:
    """key (the matched form of a name), antigen: one row per antigen a name counts for, and
    one with a null antigen for a name recorded but not counted."""
    rows = [(name, a) for name, antigens in policy.vaccines for a in (antigens or (None,))]
    return pl.LazyFrame(rows, schema={"name": pl.String, "antigen": pl.String},
                        orient="row").select(key=vaccine_key(pl.col("name")), antigen="antigen")


def doses(events: pl.LazyFrame, policy: Policy, by: str = "child_id") -> pl.LazyFrame:
    """Per child with an `immunisation` event among `events` (already those on or before
    as-of): imms_records = True, and imms_{antigen} = the distinct dates counting for it.
    `by`: the column the events are grouped by (one per child, or per child and as-of)."""
    imm = events.filter(pl.col("event_type") == IMM).select(by, "event_date", "detail")
    # each distinct name is matched once
    counted = (imm.select("detail").unique().filter(pl.col("detail").is_not_null())
               .with_columns(key=vaccine_key(pl.col("detail").cast(pl.String)))
               .join(vaccine_table(policy).filter(pl.col("antigen").is_not_null()), on="key")
               .select("detail", "antigen"))
    given = imm.join(counted, on="detail", how="left")
    return given.group_by(by).agg(
        imms_records=pl.len() > 0,
        **{f"imms_{a}": pl.col("event_date").filter(pl.col("antigen") == a).n_unique()
           for a in ANTIGENS})


def _age(r: Requirement, dob: pl.Expr) -> pl.Expr:
    """The day the requirement's age is reached."""
    if r.weeks:
        return dob + timedelta(weeks=r.weeks)
    if r.months:
        return add_months(dob, r.months)
    # end of school Year N: the first 31 August on or after the (N + 5)th birthday
    birthday = add_months(dob, (r.year + 5) * 12)
    return pl.date(birthday.dt.year() + (birthday.dt.month() >= 9).cast(pl.Int32), 8, 31)


def _applies(r: Requirement, dob: pl.Expr, policy: Policy, as_of: AsOf) -> pl.Expr:
    """As-of is more than the grace days past the age, for the child's cohort and age."""
    cond = _age(r, dob) < as_of - timedelta(days=policy.imms_grace_days)
    if r.cohort is not None:
        born_b = dob >= NEW_SCHEDULE_BORN_FROM
        cond = cond & (born_b if r.cohort == "B" else ~born_b)
    if r.under is not None:
        cond = cond & (as_expr(as_of) < add_months(dob, 12 * r.under))
    return cond


def required(antigen: str, policy: Policy, as_of: AsOf, dob: pl.Expr | None = None) -> pl.Expr:
    """The largest applying requirement of `antigen` (doses), null when none applies."""
    dob = pl.col("dob") if dob is None else dob
    return pl.max_horizontal(
        *[pl.when(_applies(r, dob, policy, as_of)).then(pl.lit(r.doses, pl.Int64))
          for r in REQUIREMENTS if r.antigen == antigen])


def with_due(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    """`children` with `_due_{antigen}` (the `required` doses) for each antigen. Worked out
    once per distinct date of birth (and as-of, when `as_of` is a column), then joined back:
    far fewer dates than children."""
    keys = ["dob", *(as_of.meta.root_names() if isinstance(as_of, pl.Expr) else [])]
    due = (children.select(keys).unique().filter(pl.col("dob").is_not_null())
           .with_columns(**{f"_due_{a}": required(a, policy, as_of) for a in ANTIGENS}))
    return children.join(due, on=keys, how="left", maintain_order="left")


def missing(policy: Policy, as_of: AsOf) -> pl.Expr:
    """`antigen N` for each antigen short of its largest applying requirement N, in the table's
    order, `; `-joined; null when none is short. Reads imms_{antigen} and `_due_{antigen}`
    (`with_due`)."""
    parts = []
    for a in ANTIGENS:
        need = pl.col(f"_due_{a}")
        parts.append(pl.when(pl.col(f"imms_{a}").fill_null(0) < need)
                     .then(pl.format(f"{a} {{}}", need)))
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


# --- flags ------------------------------------------------------------------------------------

def unknown_vaccines(events: pl.DataFrame | pl.LazyFrame, policy: Policy) -> pl.LazyFrame:
    """The `immunisation` rows whose vaccine name is in none of the table's rows (or blank)."""
    imm = events.lazy().filter(pl.col("event_type") == IMM)
    known = vaccine_table(policy).select("key").unique()
    names = (imm.select("detail").unique().filter(pl.col("detail").is_not_null())
             .with_columns(key=vaccine_key(pl.col("detail")))
             .join(known, on="key", how="semi").select("detail"))
    return imm.join(names, on="detail", how="anti", nulls_equal=False)


_UNKNOWN_BLANK = ("Vaccination has no vaccine name: record which vaccine was given. Not counted "
                  "towards the immunisation schedule.")


def vaccine_unknown_flags(events: pl.DataFrame, policy: Policy, **where: object) -> pl.LazyFrame:
    """VACCINE_UNKNOWN for each row of `unknown_vaccines`; `where`: source, file, table, ..."""
    rows = unknown_vaccines(events, policy)
    return make_flags(rows, "VACCINE_UNKNOWN", field="detail", value=pl.col("detail"),
                      message=pl.when(pl.col("detail").is_null()).then(pl.lit(_UNKNOWN_BLANK))
                      .otherwise(pl.lit(VACCINE_UNKNOWN.message)),
                      **where)  # type: ignore[arg-type]


def status_disagrees(status: pl.DataFrame, events: pl.DataFrame, file: str,
                     as_of: date) -> pl.LazyFrame:
    """IMMUNISATIONS_STATUS_DISAGREES: a child decided from its vaccine records (so it has a
    clock) whose latest Y/N status in `events` (the health extract's, with child_id and row; N
    wins a same-day tie) says otherwise. The flag is on that status's row."""
    yn = pl.col("detail")
    key = pl.col("event_date").cast(pl.Int64) * 2 + (yn == "N").cast(pl.Int64)
    latest = (events.lazy().filter(
        pl.col("child_id").is_not_null() & (pl.col("event_type") == "immunisations_up_to_date")
        & yn.is_in(["Y", "N"]) & (pl.col("event_date") <= as_of))
        .filter(key == key.max().over("child_id"))
        .group_by("child_id").agg(pl.col("row").min(), yn.first(), pl.col("event_date").first()))
    decided = status.lazy().filter(pl.col("immunisations_basis") == "vaccines").select(
        "child_id", "immunisations_status", "immunisations_missing")
    bad = latest.join(decided, on="child_id").filter(
        (yn == "Y") != (pl.col("immunisations_status") == "up_to_date"))
    message = (
        pl.when(yn == "Y").then(pl.format(
            "Immunisation status Y (up to date) on {} but the vaccine records are missing {}: "
            "check the child health record, then record the missing doses or correct the status.",
            pl.col("event_date"), pl.col("immunisations_missing")))
        .otherwise(pl.format(
            "Immunisation status N (not up to date) on {} but the vaccine records have every "
            "routine dose due: check the child health record, then correct the status or record "
            "what is outstanding.", pl.col("event_date"))))
    return make_flags(bad, "IMMUNISATIONS_STATUS_DISAGREES", source="health", file=file,
                      table="events", row=pl.col("row"), child_id=pl.col("child_id"),
                      field="immunisations_up_to_date", value=yn, message=message)
