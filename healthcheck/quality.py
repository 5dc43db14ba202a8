"""Data-quality flags found by looking across rows and systems (docs/rules.md §10).

Cell-level flags come from the cell checks (`cells.py`); these need the as-of date, several
tables or the match. Each check is declared with its code, severity and message
(`flags.Checks`), returns its flag rows as a lazy query and is independent of the others;
`derived_flags` is them all, as one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from healthcheck.flags import Checks, all_flags, make_flags, no_flags
from healthcheck.ingest import Extract
from healthcheck.periods import periods
from healthcheck.policy import Policy
from healthcheck.rules.pathway import out_of_order
from healthcheck.schema import CHECK_TYPES


@dataclass
class Context:
    case: Extract
    health: Extract
    kids: pl.DataFrame  # case children, one row per child_id (first row kept)
    latest: pl.DataFrame  # latest period per child (periods.latest_periods)
    link: pl.DataFrame  # child_id, pid, method
    health_events: pl.DataFrame  # health events with pid and child_id (one row per link)
    as_of: date
    cutover: date | None
    health_checked: bool = True  # False in a case-only run: no match or comparison flags

    def cfile(self, table: str) -> str:
        return self.case.files[table]

    def hfile(self, table: str) -> str:
        return self.health.files[table]


check: Checks[Context] = Checks()


def _case(ctx: Context, table: str) -> dict[str, Any]:
    return dict(source="case", file=ctx.cfile(table), table=table, row=pl.col("row"),
                child_id=pl.col("child_id"))


def _health(ctx: Context, table: str) -> dict[str, Any]:
    return dict(source="health", file=ctx.hfile(table), table=table, row=pl.col("row"),
                nhs_number=pl.col("nhs_number"))


def _in_care(ctx: Context) -> pl.LazyFrame:
    return ctx.kids.lazy().join(ctx.latest.lazy().filter(pl.col("in_care")).select("child_id"),
                                on="child_id")


@check("CHILD_ID_REPEATED", "error",
       "The same child_id is on more than one row of children: only the first row is used. "
       "Remove or correct the repeated row.",
       local=True)
def child_id_repeated(ctx: Context) -> pl.LazyFrame:
    ch = ctx.case.tables["children"].lazy().filter(pl.col("child_id").is_not_null())
    dup = ch.join(ctx.kids.lazy().select("child_id", keep=pl.col("row")), on="child_id").filter(
        pl.col("row") != pl.col("keep"))
    return make_flags(dup, "CHILD_ID_REPEATED", field="child_id", value=pl.col("child_id"),
                      **_case(ctx, "children"))


@check("RECORD_UNLINKED", "error",
       "Row refers to a child or patient that is not in the extract: correct the id or add "
       "the missing record.",
       local=True)
def record_unlinked(ctx: Context) -> pl.LazyFrame:
    known = ctx.kids.lazy().select("child_id")
    parts = []
    for table in ("episodes", "health_events"):
        t = ctx.case.tables[table].lazy().filter(pl.col("child_id").is_not_null())
        parts.append(make_flags(t.join(known, on="child_id", how="anti"), "RECORD_UNLINKED",
                                field="child_id", value=pl.col("child_id"), **_case(ctx, table)))
    ev = ctx.health_events.lazy().filter(pl.col("pid").is_null() & (
        pl.col("nhs_number").is_not_null() | pl.col("trust_id").is_not_null()))
    parts.append(make_flags(ev, "RECORD_UNLINKED", field="nhs_number",
                            value=pl.coalesce("nhs_number", "trust_id"),
                            message="Event's NHS number / trust id matches no patient in the "
                                    "health extract: correct it or add the patient.",
                            **_health(ctx, "events")))
    return pl.concat(parts)


@check("NHS_NUMBER_MISSING", "warning",
       "Child in care has no NHS number: ask the health team for it and record it in the case"
       " system.")
def nhs_number_missing(ctx: Context) -> pl.LazyFrame:
    """In care with a blank NHS number (an invalid one is flagged NHS_NUMBER_INVALID)."""
    blank = ctx.case.cells["children"].lazy().filter(
        pl.col("nhs_number_state") == "blank").select("row")
    kids = _in_care(ctx).join(blank, on="row", how="semi")
    return make_flags(kids, "NHS_NUMBER_MISSING", field="nhs_number", **_case(ctx, "children"))


@check("DUPLICATE_NHS_NUMBER", "error",
       "The same NHS number is on more than one record: find which record is wrong and "
       "correct or merge it.")
def duplicate_nhs_number(ctx: Context) -> pl.LazyFrame:
    ch = ctx.case.tables["children"].lazy().filter(pl.col("nhs_number").is_not_null())
    ch = ch.filter(pl.col("child_id").n_unique().over("nhs_number") > 1)
    pa = ctx.health.tables["patients"].lazy().filter(pl.col("nhs_number").is_not_null())
    pa = pa.filter(pl.len().over("nhs_number") > 1)
    return pl.concat([
        make_flags(ch, "DUPLICATE_NHS_NUMBER", field="nhs_number", value=pl.col("nhs_number"),
                   nhs_number=pl.col("nhs_number"), **_case(ctx, "children")),
        make_flags(pa, "DUPLICATE_NHS_NUMBER", field="nhs_number", value=pl.col("nhs_number"),
                   **_health(ctx, "patients")),
    ])


def _dates_after(frame: pl.DataFrame, col: str, limit: date | pl.Expr) -> pl.LazyFrame:
    return frame.lazy().filter(pl.col(col) > limit)


@check("DATE_IN_FUTURE", "error",
       "Date is after the as-of date: correct the date in the source system.")
def date_in_future(ctx: Context) -> pl.LazyFrame:
    a = ctx.as_of
    c, h = ctx.case.tables, ctx.health.tables
    parts = []
    for table, col in (("children", "dob"), ("episodes", "start_date"),
                       ("health_events", "event_date")):
        t = _dates_after(c[table], col, a)
        parts.append(make_flags(t, "DATE_IN_FUTURE", field=col,
                                value=pl.col(col).cast(pl.String), **_case(ctx, table)))
    for table, col in (("patients", "dob"), ("events", "event_date")):
        t = _dates_after(h[table], col, a)
        parts.append(make_flags(t, "DATE_IN_FUTURE", field=col,
                                value=pl.col(col).cast(pl.String), **_health(ctx, table)))
    return pl.concat(parts)


@check("DATE_BEFORE_BIRTH", "error",
       "Date is before the child's date of birth: correct the date or the date of birth.")
def date_before_birth(ctx: Context) -> pl.LazyFrame:
    dob = ctx.kids.lazy().select("child_id", _dob="dob")
    parts = []
    for table, col in (("episodes", "start_date"), ("health_events", "event_date")):
        t = ctx.case.tables[table].lazy().join(dob, on="child_id").filter(
            pl.col(col) < pl.col("_dob"))
        parts.append(make_flags(t, "DATE_BEFORE_BIRTH", field=col,
                                value=pl.col(col).cast(pl.String), **_case(ctx, table)))
    pdob = ctx.health.tables["patients"].lazy().select(pid="row", _dob="dob")
    hev = ctx.health_events.lazy().filter(pl.col("pid").is_not_null())
    # the patients with an event before their birth first (fewer rows to join than events)
    early = (hev.group_by("pid").agg(_first=pl.col("event_date").min()).join(pdob, on="pid")
             .filter(pl.col("_first") < pl.col("_dob")).drop("_first"))
    ev = (hev.join(early, on="pid").filter(pl.col("event_date") < pl.col("_dob"))
          .unique("row", maintain_order=True))
    parts.append(make_flags(ev, "DATE_BEFORE_BIRTH", field="event_date",
                            value=pl.col("event_date").cast(pl.String), **_health(ctx, "events")))
    return pl.concat(parts)


@check("EPISODE_OVERLAP", "error",
       "Episode overlaps an earlier episode of the same child: correct the episode dates.")
def episode_overlap(ctx: Context) -> pl.LazyFrame:
    """Two episodes of a child share at least one day (an episode covers start .. end - 1, as
    "in care" does); flagged on the later-starting one. Zero-length episodes overlap nothing."""
    far = date(9999, 12, 31)
    ep = ctx.case.tables["episodes"].lazy().filter(
        pl.col("child_id").is_not_null() & pl.col("start_date").is_not_null()
    ).sort("child_id", "start_date", "end_date", "row", nulls_last=True)
    start = pl.col("start_date").cast(pl.Int64)  # days since 1970
    end = pl.col("end_date").fill_null(far).cast(pl.Int64)
    # The latest end among the child's earlier episodes. Rows are sorted by child: number the
    # children in order and lift each child's days by that number times a span wider than any
    # date range, so one running maximum over all rows never carries across children (cheaper
    # than a window per child).
    first = (pl.col("child_id") != pl.col("child_id").shift(1)).fill_null(True)
    lift = first.cum_sum().cast(pl.Int64) * (1 << 22)
    reach = (end + lift).cum_max().shift(1) - lift
    bad = ep.filter(~first & (start < reach) & (start < end))
    return make_flags(bad, "EPISODE_OVERLAP", field="start_date",
                      value=pl.col("start_date").cast(pl.String), **_case(ctx, "episodes"))


@check("LIKELY_DUPLICATE_CHILD", "error",
       "Two case records look like the same child (same name and date of birth, or both match"
       " one health patient): check and merge the duplicate left by a migration.")
def likely_duplicate_child(ctx: Context) -> pl.LazyFrame:
    """Same DOB, surname and forename on two child_ids, or two child_ids matching one patient."""
    ch = ctx.kids.lazy()
    key = [pl.col("dob"), pl.col("surname").str.to_lowercase(),
           pl.col("forename").str.to_lowercase()]
    named = ch.filter(pl.all_horizontal([k.is_not_null() for k in key]))
    same = named.filter(pl.col("child_id").n_unique().over(key) > 1).select("child_id")
    shared = ctx.link.lazy().filter(pl.col("child_id").n_unique().over("pid") > 1).select(
        "child_id")
    dup = ch.join(pl.concat([same, shared]).unique(), on="child_id", how="semi")
    return make_flags(dup, "LIKELY_DUPLICATE_CHILD", field="child_id",
                      value=pl.col("child_id"), **_case(ctx, "children"))


@check("MIGRATION_CUTOVER_START", "warning",
       "Period of care starts on the migration cutover date: the true start may have been "
       "lost; check the old system and correct the start date.")
def migration_cutover_start(ctx: Context) -> pl.LazyFrame:
    if ctx.cutover is None:
        return no_flags()
    p = periods(ctx.case.tables["episodes"], ctx.as_of).filter(
        pl.col("period_start") == ctx.cutover)
    p = p.join(ctx.kids.lazy().select("child_id"), on="child_id", how="semi")
    return make_flags(p, "MIGRATION_CUTOVER_START", field="start_date",
                      value=pl.col("period_start").cast(pl.String),
                      **{**_case(ctx, "episodes"), "row": pl.col("first_row")})


@check("PERIOD_STARTED_BEFORE_EXTRACT", "info",
       "Period of care began before the extract (its first episode is not a new period, RNE "
       "S): its start, notification and IHA are not in the extract and are not measured; RHA, "
       "dental and immunisations are.")
def period_started_before_extract(ctx: Context) -> pl.LazyFrame:
    """A period whose first episode's rne is neither S nor blank began before the extract
    (docs/rules.md "Periods that began before the extract"); flagged on that episode."""
    ep = ctx.case.tables["episodes"].lazy()
    p = (periods(ep, ctx.as_of).filter(pl.col("before_extract"))
         .join(ctx.kids.lazy().select("child_id"), on="child_id", how="semi")
         .join(ep.select(first_row="row", rne="rne"), on="first_row", how="left"))
    return make_flags(p, "PERIOD_STARTED_BEFORE_EXTRACT", field="rne", value=pl.col("rne"),
                      **{**_case(ctx, "episodes"), "row": pl.col("first_row")})


@check("CHILD_WITHOUT_EPISODES", "info",
       "Child has no episode of care in the extract: check whether the child was looked after "
       "in the year, and add the episodes or remove the child.")
def child_without_episodes(ctx: Context) -> pl.LazyFrame:
    """A child of the children table (a 903 header) with no episode at all."""
    ep = ctx.case.tables["episodes"].lazy().select("child_id")
    kids = ctx.kids.lazy().join(ep, on="child_id", how="anti")
    return make_flags(kids, "CHILD_WITHOUT_EPISODES", field="child_id",
                      value=pl.col("child_id"), nhs_number=pl.col("nhs_number"),
                      **_case(ctx, "children"))


@check("MIGRATION_HISTORY_GAP", "warning",
       "Health history before the cutover is missing from the case system but the health "
       "extract has it: back-record the assessments in the case system.")
def migration_history_gap(ctx: Context) -> pl.LazyFrame:
    if ctx.cutover is None:
        return no_flags()
    types = CHECK_TYPES
    cut = ctx.cutover
    kids = ctx.latest.lazy().filter(pl.col("in_care") & (pl.col("period_start") < cut)).select(
        "child_id")
    case_has = ctx.case.tables["health_events"].lazy().filter(
        pl.col("event_type").is_in(types) & (pl.col("event_date") < cut)).select("child_id")
    health_has = ctx.health_events.lazy().filter(
        pl.col("child_id").is_not_null() & pl.col("event_type").is_in(types)
        & (pl.col("event_date") < cut)).select("child_id")
    gap = (kids.join(case_has, on="child_id", how="anti")
           .join(health_has, on="child_id", how="semi").unique())
    return make_flags(gap, "MIGRATION_HISTORY_GAP", source="reconcile", child_id=pl.col("child_id"),
                      field="event_date", value=None)


@check("CASE_ONLY", "error",
       "Child in care is not known to the health team: send the health notification and share"
       " the NHS number.")
def case_only(ctx: Context) -> pl.LazyFrame:
    kids = _in_care(ctx).join(ctx.link.lazy(), on="child_id", how="anti")
    return make_flags(kids, "CASE_ONLY", **{**_case(ctx, "children"), "source": "reconcile"},
                      nhs_number=pl.col("nhs_number"), field="child_id", value=pl.col("child_id"))


@check("HEALTH_ONLY", "warning",
       "Health patient matches no child in the case system: check whether the child is looked"
       " after and record the LA child id in the health record.")
def health_only(ctx: Context) -> pl.LazyFrame:
    pats = ctx.health.tables["patients"].lazy().join(ctx.link.lazy().select(row="pid"), on="row",
                                                      how="anti")
    return make_flags(pats, "HEALTH_ONLY", **{**_health(ctx, "patients"), "source": "reconcile"},
                      field="nhs_number", value=pl.coalesce("nhs_number", "trust_id"))


@check("MATCHED_ON_DEMOGRAPHICS", "info",
       "Matched on date of birth, surname and initial only: record the NHS number in both "
       "systems.")
def matched_on_demographics(ctx: Context) -> pl.LazyFrame:
    kids = ctx.kids.lazy().join(
        ctx.link.lazy().filter(pl.col("method") == "demographics").select("child_id").unique(),
        on="child_id")
    return make_flags(kids, "MATCHED_ON_DEMOGRAPHICS",
                      **{**_case(ctx, "children"), "source": "reconcile"},
                      nhs_number=pl.col("nhs_number"), field="nhs_number", value=None)


@check("DOB_MISMATCH", "error",
       "Dates of birth differ between the case system and the health record: confirm the true"
       " date of birth and correct the wrong one.")
def dob_mismatch(ctx: Context) -> pl.LazyFrame:
    pdob = ctx.health.tables["patients"].lazy().select(pid="row", patient_dob="dob")
    m = (ctx.kids.lazy().join(ctx.link.lazy().filter(pl.col("method") != "demographics"),
                              on="child_id")
         .join(pdob, on="pid").filter(pl.col("dob") != pl.col("patient_dob"))
         .unique("child_id", keep="first").sort("row"))
    return make_flags(m, "DOB_MISMATCH", **{**_case(ctx, "children"), "source": "reconcile"},
                      nhs_number=pl.col("nhs_number"), field="dob",
                      value=pl.format("case {} / health {}", pl.col("dob"),
                                      pl.col("patient_dob")))


# The checks that compare the two systems: not made when the trust's record is not given.
RECONCILING = (migration_history_gap, case_only, health_only, matched_on_demographics,
               dob_mismatch)


@dataclass
class PathwayInput:
    """What the R7 order checks read: the context, the policy and each source's statuses."""

    ctx: Context
    policy: Policy
    health: pl.DataFrame  # evaluate's frame on the health extract's events
    case: pl.DataFrame  # and on the case system's own
    found: list[tuple[pl.LazyFrame, dict[str, Any]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Each source's out-of-order events, worked out once for both codes (cached: every
        # check's query reads the same result).
        ctx = self.ctx
        self.found = [
            (out_of_order(events, status.lazy(), self.policy, ctx.as_of).cache(), where)
            for status, events, where in (
                (self.health, ctx.health_events.lazy(), _health(ctx, "events")),
                (self.case, ctx.case.tables["health_events"].lazy(),
                 _case(ctx, "health_events")))]


pathway_check: Checks[PathwayInput] = Checks()


def _out_of_order(x: PathwayInput, code: str) -> pl.LazyFrame:
    """The events of each source that R7 sets aside as out of order (`rules.pathway`), against
    that source's request and IHA dates, flagged on their own rows."""
    value = pl.format("{} {}", pl.col("event_type"), pl.col("event_date"))
    parts = []
    for found, where in x.found:
        bad = (found.filter(pl.col("code") == code)
               .unique("row", keep="first", maintain_order=True))  # a patient on two children
        parts.append(make_flags(bad, code, **{**where, "child_id": pl.col("child_id")},
                                field="event_date", value=value))
    return pl.concat(parts)


@pathway_check("PATHWAY_APPOINTMENT_BEFORE_REQUEST", "info",
               "IHA appointment is dated before health received the IHA request: check both "
               "dates. The pathway uses the first appointment on or after the request.",
               local=True)
def appointment_before_request(x: PathwayInput) -> pl.LazyFrame:
    return _out_of_order(x, "PATHWAY_APPOINTMENT_BEFORE_REQUEST")


@pathway_check("PATHWAY_REPORT_BEFORE_IHA", "warning",
               "IHA report is dated before the IHA, or no IHA is recorded: check the dates and "
               "record the IHA. The pathway uses the first report on or after the IHA.",
               local=True)
def report_before_iha(x: PathwayInput) -> pl.LazyFrame:
    return _out_of_order(x, "PATHWAY_REPORT_BEFORE_IHA")


def pathway_order(ctx: Context, policy: Policy, h_status: pl.DataFrame,
                  c_status: pl.DataFrame) -> pl.LazyFrame:
    """The R7 order checks' flags (docs/rules.md §4 R7), as one lazy query: they need the rules'
    statuses, so reconcile runs them after the rules."""
    return pathway_check.flags(PathwayInput(ctx, policy, h_status, c_status))


def derived_flags(ctx: Context) -> pl.LazyFrame:
    """Every check's flags, as one lazy query (reconcile computes it with the rules); in a
    case-only run, not the checks that compare the two systems."""
    if ctx.health_checked:
        return check.flags(ctx)
    return all_flags([c(ctx) for _, c in check.checks if c not in RECONCILING])
