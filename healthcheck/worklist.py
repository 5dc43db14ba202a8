"""Who goes on each of the named nurse's sheets, and in which order: pure polars, no Excel.

`healthcheck.workbook` renders these frames as `worklist.xlsx`. Each function takes the frames
reconcile makes (children, flags, disagreements, kpis: `healthcheck.schema`) and returns one.
The statuses are the rules' (docs/rules.md §4 R1-R4); who is listed and in which order is
docs/rules.md §9.5. The sheets:

- Overdue: children in care with an IHA, RHA or dental check `overdue`; most days overdue first;
  then those whose vaccine records miss doses (§4 R5 extended: the doses, no due date).
- Due soon: children in care with an RHA or dental check `due_soon` (§4 R3, R4), or an IHA still
  `due` within the horizon (`iha_due_soon`, §4 R2); soonest first. Both sheets show the child's
  missing doses beside each check, so they can be caught up at the appointment.
- Pathway: every case child in care whose clock started in the figures' period, one row each:
  the IHA pathway's stages (docs/rules.md §4 R7) side by side, each with whether it was late
  (`*_late`), and the agency that held a late or overdue IHA; overdue IHAs first, then late,
  then due.
- Not known to health: children in care with no health record (`case_only`, docs/rules.md §5),
  or whose health team was not notified (`missing`, §4 R1); earliest clock start first.
- Year end: before the OC2 year end, the forecast cohort's children in care who still need a
  health assessment, a dental check or immunisations for the year-end figures to hold
  (docs/rules.md "Year-end forecast"); earliest due date first, then most needs.
- Disagreements: the event disagreements behind EVENT_MISSING_IN_CASE, EVENT_MISSING_IN_HEALTH
  and DATE_MISMATCH, with both dates; by child, check and date.
- Data quality: every other flag (docs/rules.md §12 "Workbook, Data quality sheet"): errors, then
  warnings, then information, each in flags.csv's order.
- Summary: the counts of the above (`counts`) and the figures, health and case side by side
  with England's (`figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from healthcheck.changes import CHANGE_SCHEMA, KINDS
from healthcheck.flags import DISAGREEMENT_CODES, SEVERITY_ORDER
from healthcheck.forecast import FORECAST_SCHEMA
from healthcheck.rules.iha import iha_due_soon
from healthcheck.schema import CHILDREN_SCHEMA, DISAGREEMENT_SCHEMA, FLAG_SCHEMA, KPI_SCHEMA
from healthcheck.worklist_labels import MEASURES
from healthcheck.worklist_pathway import AGENCY_MEASURES, pathway

CHECK_LABEL = {"iha": "IHA", "rha": "RHA", "dental": "Dental",
               "immunisations": "Immunisations"}

IN_CARE = pl.col("in_care").fill_null(False)
KNOWN = (pl.col("match_status") == "matched").alias("known")
# (check, the date it was last done) for each of the three checks
CHECKS = (("iha", "last_assessment"), ("rha", "last_assessment"), ("dental", "dental_last"))


def conform(df: pl.DataFrame, schema: dict[str, Any], name: str) -> pl.DataFrame:
    """`schema`'s columns with its dtypes. A missing column is a programming error and says
    so; a column of the wrong type is cast (dates given as ISO text, integers as floats)."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise ValueError(f"write_workbook: {name} frame lacks column(s) {', '.join(missing)}")
    exprs = []
    for col, dtype in schema.items():
        have, e = df.schema[col], pl.col(col)
        if have == dtype:
            pass
        elif dtype == pl.Date and have == pl.String:
            e = e.str.to_date("%Y-%m-%d", strict=False)
        else:
            e = e.cast(dtype, strict=False)
        exprs.append(e.alias(col))
    return df.select(exprs)


def _checks(children: pl.DataFrame, when: dict[str, pl.Expr], days: pl.Expr) -> pl.DataFrame:
    """One row per check (IHA, RHA, dental) where `when[check]` holds for a child in care,
    with its due date, `days` (an expression of `due`), clock start and when last done."""
    parts = [
        children.filter(IN_CARE & when[kind]).select(
            "child_id", "nhs_number", pl.lit(CHECK_LABEL[kind]).alias("check"),
            pl.col(f"{kind}_due").alias("due"), pl.lit(0, pl.Int64).alias("days"),
            "clock_start", pl.col(last).alias("last"), KNOWN, MISSING,
        )
        for kind, last in CHECKS
    ]
    return pl.concat(parts).with_columns(days.alias("days"))


# the doses a child's vaccine records miss (docs/rules.md §4 R5 extended), blank otherwise
MISSING = pl.col("immunisations_missing").alias("missing")
MISSING_DOSES = ((pl.col("immunisations_basis") == "vaccines")
                 & pl.col("immunisations_missing").is_not_null()).fill_null(False)


def overdue(children: pl.DataFrame, as_of: date,
            lost_iha: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per check overdue for a child in care; `days` overdue, most first; then one row
    per child in care whose vaccine records miss doses (no due date: each dose has its own).
    An IHA flagged IHA_NOT_RECORDED (`lost_iha`: child_id) is not listed (docs/rules.md §9.5)."""
    when = {kind: pl.col(f"{kind}_status") == "overdue" for kind, _ in CHECKS}
    if lost_iha is not None:
        when["iha"] = when["iha"] & ~pl.col("child_id").is_in(lost_iha["child_id"].implode())
    checks = (_checks(children, when, (pl.lit(as_of) - pl.col("due")).dt.total_days())
              .sort(["days", "child_id", "check"], descending=[True, False, False],
                    nulls_last=True))
    imms = children.filter(IN_CARE & MISSING_DOSES).sort("child_id").select(
        "child_id", "nhs_number", pl.lit(CHECK_LABEL["immunisations"]).alias("check"),
        pl.lit(None, pl.Date).alias("due"), pl.lit(None, pl.Int64).alias("days"),
        "clock_start", pl.lit(None, pl.Date).alias("last"), KNOWN, MISSING)
    return pl.concat([checks, imms])


def due_soon(children: pl.DataFrame, as_of: date, horizon_days: int) -> pl.DataFrame:
    """One row per check falling due within `horizon_days` for a child in care; `days` left,
    soonest first. RHA and dental: their rules' `due_soon`; IHA: `iha_due_soon`."""
    when = {
        "iha": iha_due_soon(as_of, horizon_days),
        "rha": pl.col("rha_status") == "due_soon",
        "dental": pl.col("dental_status") == "due_soon",
    }
    return (_checks(children, when, (pl.col("due") - pl.lit(as_of)).dt.total_days())
            .sort(["due", "child_id", "check"], nulls_last=True))


def not_known(children: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Children in care the health team has no record of, and children it was not told of in
    time, with why; earliest clock start first. Only children in care (docs/rules.md §9.5 "Acting
    on the lists")."""
    case_only = ((pl.col("match_status") == "case_only") & IN_CARE).fill_null(False)
    missing = ((pl.col("notification_status") == "missing") & IN_CARE).fill_null(False)
    reason = pl.concat_str(
        pl.when(case_only).then(pl.lit("No record in the health extract")),
        pl.when(missing).then(pl.lit("Health team not notified (past the target day)")),
        separator="; ", ignore_nulls=True,
    )
    return (
        children.filter(case_only | missing)
        .select(
            "child_id", "nhs_number", reason.alias("reason"), "in_care", "period_start",
            "clock_start", (pl.lit(as_of) - pl.col("clock_start")).dt.total_days().alias("days"),
            "notification_status", KNOWN, "iha_status",
        )
        .sort(["clock_start", "child_id"], nulls_last=True)
    )


def disagreement_sheet(dis: pl.DataFrame) -> pl.DataFrame:
    """The event disagreements with the check's label and `days` = health date - case date."""
    return dis.with_columns(
        pl.col("event_type").replace_strict(CHECK_LABEL, default=pl.col("event_type"))
        .alias("check"),
        (pl.col("health_date") - pl.col("case_date")).dt.total_days().alias("days"),
    ).sort(["child_id", "event_type", "health_date", "case_date"], nulls_last=True)


def data_quality(flags: pl.DataFrame) -> pl.DataFrame:
    """Every flag but the disagreements (on their own sheet): errors, warnings, then info."""
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
    return (flags.filter(~pl.col("rule").is_in(DISAGREEMENT_CODES))
            .sort(order, maintain_order=True))


CHANGE_LABEL = {k: k.replace("_", " ").capitalize() for k in KINDS}
KIND_RANK = pl.col("change").replace_strict({k: i for i, k in enumerate(KINDS)},
                                            default=len(KINDS), return_dtype=pl.Int8)
CHECK_RANK = {"care": 0, "health_record": 1, "notification": 2, "iha": 3, "rha": 4,
              "dental": 5, "immunisations": 6}


def change_sheet(changes: pl.DataFrame, children: pl.DataFrame) -> pl.DataFrame:
    """This week's changes for children in care at as-of: the nurse's kinds first (KINDS'
    order), then by check and child."""
    in_care = children.filter(IN_CARE).select("child_id")
    return (changes.join(in_care, on="child_id", how="semi")
            .sort(KIND_RANK, pl.col("check").replace_strict(CHECK_RANK, default=9,
                                                            return_dtype=pl.Int8),
                  "child_id", maintain_order=True)
            .with_columns(pl.col("change").replace_strict(CHANGE_LABEL, default=None)
                          .alias("kind")))


def trend_sheet(trend: pl.DataFrame) -> pl.DataFrame:
    """The trend, health source, one row per month end: `as_of`, then per percentage measure
    (MEASURES' order) its value now, the value reported then and, where England has one, the
    England figure (`{measure}__england`)."""
    pct = [m for m in MEASURES if m.endswith("_pct") and m in set(trend["measure"])]
    h = trend.filter(pl.col("source") == "health", pl.col("measure").is_in(pct))
    now = h.pivot("measure", index="as_of", values="value")
    then = h.pivot("measure", index="as_of", values="reported").rename(
        {m: f"{m}__reported" for m in pct})
    with_england = set(h.filter(pl.col("england").is_not_null())["measure"])
    england = (h.filter(pl.col("measure").is_in(with_england))
               .pivot("measure", index="as_of", values="england")
               .rename({m: f"{m}__england" for m in with_england}))
    cols = [c for m in pct for c in (m, f"{m}__reported", f"{m}__england")
            if not c.endswith("__england") or m in with_england]
    return (now.join(then, on="as_of", how="left").join(england, on="as_of", how="left")
            .sort("as_of").select("as_of", *cols))


NEED_LABEL = {"health_assessment": "Health assessment", "teeth_check": "Dental check",
              "immunisations": "Immunisations"}


def year_end_sheet(forecast: pl.DataFrame, children: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Who must be seen by the year end for the OC2 figures to hold: the forecast's children
    (oc2_forecast.csv) in care at as-of with something still needed. `due`: the earliest due
    date of what is needed (the RHA's for a health assessment, the dental check's for teeth;
    immunisations have none), `days` left to it (negative: overdue, and `late`), `need_count`;
    earliest
    due first (none last), then most needs, then child_id. `needs` in words."""
    in_care = children.filter(IN_CARE).select("child_id")
    needs = pl.col("needs").str.split(";")
    rha = pl.when(~pl.col("health_assessment_done")).then(pl.col("rha_due"))
    dental = pl.when(~pl.col("teeth_check_done")).then(pl.col("dental_due"))
    return (
        forecast.filter(pl.col("needs").is_not_null())
        .join(in_care, on="child_id", how="semi")
        .with_columns(due=pl.min_horizontal(rha, dental), need_count=needs.list.len())
        .with_columns(days=(pl.col("due") - pl.lit(as_of)).dt.total_days(),
                      needs=needs.list.eval(pl.element().replace(NEED_LABEL)).list.join("; "))
        .sort(["due", "need_count", "child_id"], descending=[False, True, False],
              nulls_last=True)
        .select("child_id", "nhs_number", "needs", "need_count", "due", "days",
                "health_assessment_done", "teeth_check_done", "immunisations_up_to_date",
                "rha_due", "dental_due", (pl.col("days") < 0).fill_null(False).alias("late"))
    )


def _with_names(frame: pl.DataFrame, names: pl.DataFrame | None) -> pl.DataFrame:
    """forename and surname (from the case extract) after nhs_number."""
    if names is None:
        names = pl.DataFrame(schema={"child_id": pl.String, "forename": pl.String,
                                     "surname": pl.String})
    out = frame.join(names.select("child_id", "forename", "surname"), on="child_id",
                     how="left", maintain_order="left")
    first = ["child_id", "nhs_number", "forename", "surname"]
    return out.select(*first, *[c for c in frame.columns if c not in first])


@dataclass(frozen=True)
class Worklist:
    """The nurse's sheets, in the workbook's order."""

    overdue: pl.DataFrame
    due_soon: pl.DataFrame
    pathway: pl.DataFrame
    not_known: pl.DataFrame
    disagreements: pl.DataFrame
    data_quality: pl.DataFrame
    counts: pl.DataFrame  # the Summary's counts (see `counts`)
    changes: pl.DataFrame | None = None  # with a history: the Changes sheet
    trend: pl.DataFrame | None = None  # with a history: the Trend sheet (`trend_sheet`)
    year_end: pl.DataFrame | None = None  # before the year end: the Year end sheet
    year_end_date: date | None = None  # the OC2 year end forecast (None: not known)


def worklist(*, children: pl.DataFrame, flags: pl.DataFrame, disagreements: pl.DataFrame,
             as_of: date, horizon_days: int, names: pl.DataFrame | None = None,
             lost_iha: pl.DataFrame | None = None, changes: pl.DataFrame | None = None,
             trend: pl.DataFrame | None = None, forecast: pl.DataFrame | None = None,
             year_end: date | None = None, period_start: date | None = None,
             period_end: date | None = None) -> Worklist:
    """Every sheet from reconcile's frames (conformed to their schemas first). `names`:
    child_id, forename, surname; `lost_iha`: the child_ids flagged IHA_NOT_RECORDED; with a
    history, `changes` (changes.csv) and `trend` (trend.csv); before the OC2 year end
    `year_end`, `forecast` (oc2_forecast.csv) for the Year end sheet. The Pathway sheet's
    children are those whose clock started in period_start .. period_end (the figures')."""
    kids = conform(children, CHILDREN_SCHEMA, "children")
    sheets = dict(
        overdue=_with_names(overdue(kids, as_of, lost_iha), names),
        due_soon=_with_names(due_soon(kids, as_of, horizon_days), names),
        pathway=_with_names(pathway(kids, period_start, period_end), names),
        not_known=_with_names(not_known(kids, as_of), names),
        disagreements=disagreement_sheet(
            conform(disagreements, DISAGREEMENT_SCHEMA, "disagreements")),
        data_quality=data_quality(conform(flags, FLAG_SCHEMA, "flags")),
    )
    change_rows = None
    if changes is not None:
        change_rows = _with_names(change_sheet(conform(changes, CHANGE_SCHEMA, "changes"),
                                               kids), names)
    ahead = None
    if forecast is not None and year_end is not None and as_of < year_end:
        ahead = _with_names(year_end_sheet(conform(forecast, FORECAST_SCHEMA, "forecast"),
                                           kids, as_of), names)
    rows = counts(kids, horizon_days=horizon_days, changes=changes, **sheets)
    if year_end is not None:
        rows = pl.concat([rows, year_end_count(ahead, year_end)])
    return Worklist(**sheets, counts=rows, changes=change_rows,
                    trend=trend_sheet(trend) if trend is not None else None,
                    year_end=ahead, year_end_date=year_end)


def year_end_count(ahead: pl.DataFrame | None, year_end: date) -> pl.DataFrame:
    """The Summary's line for the Year end sheet; with none (as-of on or after the year end),
    a line that says why."""
    by = year_end.strftime("%d/%m/%Y")
    row = ((f"To be seen by {by} for the year-end OC2 figures", ahead.height, "due_soon",
            "Year end") if ahead is not None else
           (f"Year end {by}: no Year end sheet (as-of is on or after the year end)", None,
            None, None))
    return pl.DataFrame([row], schema={"label": pl.String, "number": pl.Int64,
                                       "tone": pl.String, "sheet": pl.String}, orient="row")


def counts(children: pl.DataFrame, *, overdue: pl.DataFrame, due_soon: pl.DataFrame,
           pathway: pl.DataFrame, not_known: pl.DataFrame, disagreements: pl.DataFrame,
           data_quality: pl.DataFrame, horizon_days: int,
           changes: pl.DataFrame | None = None) -> pl.DataFrame:
    """The Summary's counts: label, number, tone (`overdue`, `due_soon` or null: the colour)
    and the sheet that lists them (null: none)."""
    in_care = children.filter(IN_CARE)
    basis = dict(in_care.group_by("immunisations_basis").len().iter_rows())
    over = dict(overdue.group_by("check").len().iter_rows())
    soon = dict(due_soon.group_by("check").len().iter_rows())
    sev = dict(data_quality.group_by("severity").len().iter_rows())
    rows = [
        ("Children in care", in_care.height, None, None),
        ("  of whom in care 12 months or more (OC2 cohort)",
         int(in_care["oc2_cohort"].fill_null(False).sum()), None, None),
        ("Initial health assessments overdue", over.get("IHA", 0), "overdue", "Overdue"),
        ("Review health assessments overdue", over.get("RHA", 0), "overdue", "Overdue"),
        ("Dental checks overdue", over.get("Dental", 0), "overdue", "Overdue"),
        (f"IHAs due in the next {horizon_days} days", soon.get("IHA", 0), "due_soon",
         "Due soon"),
        (f"RHAs due in the next {horizon_days} days", soon.get("RHA", 0), "due_soon",
         "Due soon"),
        (f"Dental checks due in the next {horizon_days} days", soon.get("Dental", 0),
         "due_soon", "Due soon"),
        ("Immunisations decided from vaccine records", basis.get("vaccines", 0), None, None),
        ("  of whom with doses missing", over.get("Immunisations", 0), "overdue", "Overdue"),
        ("Immunisations decided from a Y/N status", basis.get("status", 0), None, None),
        ("Came into care in the period, in care now (IHA pathway)", pathway.height, None,
         "Pathway"),
        ("  of whom IHA late or overdue", int(pathway["iha_late"].sum()), "overdue", "Pathway"),
        ("Not known to health", not_known.height, None, "Not known to health"),
        ("Where health and case records disagree", disagreements.height, None,
         "Disagreements"),
        ("Data-quality flags: errors", sev.get("error", 0), None, "Data quality"),
        ("Data-quality flags: warnings", sev.get("warning", 0), None, "Data quality"),
        ("Data-quality flags: for information", sev.get("info", 0), None, "Data quality"),
    ]
    if changes is not None:  # a line per kind of change (all children: changes.csv)
        kinds = dict(changes.group_by("change").len().iter_rows())
        tone = {"newly_overdue": "overdue", "newly_due_soon": "due_soon"}
        rows += [(f"Since the last run: {CHANGE_LABEL[k].lower()}", int(kinds.get(k, 0)),
                  tone.get(k), None if k == "left_care" else "Changes") for k in KINDS]
    return pl.DataFrame(rows, schema={"label": pl.String, "number": pl.Int64,
                                      "tone": pl.String, "sheet": pl.String}, orient="row")


def figures(kpis: pl.DataFrame, england: dict[str, float]) -> pl.DataFrame:
    """The Summary's figures, one row per measure: label, health, case, difference (health -
    case, 1 dp), england, health_count, case_count ("n of d", or "n = d" for a mean), what it
    counts, `pct` (a percentage: these come first, in MEASURES' order, and are charted) and
    `agency` (the shares of late IHAs by agency: the last percentages, charted apart)."""
    kpis = conform(kpis, KPI_SCHEMA, "kpis")
    measures = pl.concat([kpis.select("measure"),
                          pl.DataFrame({"measure": list(england)}, schema={"measure": pl.String})]
                         ).unique(maintain_order=True)
    known = list(MEASURES)
    count = (pl.when(pl.col("denominator").is_null()).then(pl.lit(None))
             .when(~pl.col("measure").str.ends_with("_pct"))
             .then(pl.format("n = {}", pl.col("denominator")))
             .otherwise(pl.format("{} of {}", pl.col("numerator").fill_null(0),
                                  pl.col("denominator"))))

    def side(source: str) -> pl.DataFrame:
        return (kpis.filter(pl.col("source") == source)
                .unique("measure", keep="last", maintain_order=True)
                .select("measure", pl.col("value").alias(source),
                        count.alias(f"{source}_count")))

    eng = pl.DataFrame({"measure": list(england), "england": list(england.values())},
                       schema={"measure": pl.String, "england": pl.Float64})
    return (
        measures.join(side("health"), on="measure", how="left", maintain_order="left")
        .join(side("case"), on="measure", how="left", maintain_order="left")
        .join(eng, on="measure", how="left", maintain_order="left")
        .with_columns(
            pl.col("measure").str.ends_with("_pct").alias("pct"),
            pl.col("measure").is_in(AGENCY_MEASURES).alias("agency"),
            pl.col("measure").replace_strict({m: i for i, m in enumerate(known)},
                                             default=len(known), return_dtype=pl.Int32)
            .alias("_order"),
            pl.col("measure").replace_strict({m: v[0] for m, v in MEASURES.items()},
                                             default=pl.col("measure")).alias("label"),
            pl.col("measure").replace_strict({m: v[1] for m, v in MEASURES.items()},
                                             default=None, return_dtype=pl.String)
            .alias("what"),
            (pl.col("health") - pl.col("case")).round(1).alias("difference"),
        )
        .sort([pl.col("pct").not_(), "agency", "_order"], maintain_order=True)
        .select("measure", "label", "health", "case", "difference", "england",
                "health_count", "case_count", "what", "pct", "agency")
    )


def period(kpis: pl.DataFrame) -> tuple[date | None, date | None]:
    """The figures' period (from the first KPI row; none without figures)."""
    kpis = conform(kpis, KPI_SCHEMA, "kpis")
    if kpis.height == 0:
        return None, None
    start, end = kpis.select("period_start", "period_end").row(0)
    return start, end
