"""The reconciliation: ingested extracts -> periods -> rules -> match -> flags -> figures.

docs/rules.md §3-§7 and §10; children.csv, flags.csv and summary.json as §8.1, §8.2, §8.4
describe them.

Data flows one way; nothing here writes files (see outputs.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from healthcheck import __version__
from healthcheck.calendar import year_start
from healthcheck.compare import compare_events, disagreement_flags
from healthcheck.errors import UsageError
from healthcheck.flags import CODES, SEVERITY_ORDER, all_flags
from healthcheck.forecast import default_year_end, forecast, forecast_kpis, forecast_membership
from healthcheck.ingest import Extract, empty_extract
from healthcheck.kpis import differences, kpis, membership
from healthcheck.lost_iha import iha_not_recorded, lost_iha
from healthcheck.match import link_events, match_children
from healthcheck.periods import latest_periods
from healthcheck.policy import Policy
from healthcheck.quality import Context, derived_flags, pathway_order
from healthcheck.recompute import Prepared
from healthcheck.revisions import event_recorded_late
from healthcheck.rules import vaccines
from healthcheck.rules.evaluate import EVENT_SCHEMA, evaluate
from healthcheck.rules.oc2_return import check_oc2, return_kpis, return_membership
from healthcheck.schema import CHILDREN_COLUMNS, FLAG_COLUMNS


@dataclass
class Result:
    children: pl.DataFrame
    flags: pl.DataFrame
    kpis: pl.DataFrame
    disagreements: pl.DataFrame
    as_of: date
    period_start: date
    period_end: date
    policy: Policy
    summary: dict[str, Any] = field(default_factory=dict)
    # membership of every measure (source, child_id, a column per measure): kept in a history
    members: pl.DataFrame = field(default_factory=pl.DataFrame)
    prepared: Prepared | None = None  # what figures at other dates are recomputed from
    lost_iha: pl.DataFrame = field(default_factory=pl.DataFrame)  # IHA_NOT_RECORDED children
    forecast: pl.DataFrame | None = None  # oc2_forecast.csv, before the year end only
    year_end: date | None = None


def default_period(as_of: date) -> tuple[date, date]:
    """The 12 months ending at as-of: (as-of - 12 months + 1 day, as-of)."""
    return year_start(as_of), as_of


def reconcile(case: Extract, health: Extract | None, *, as_of: date,
              period_start: date | None = None, period_end: date | None = None,
              cutover: date | None = None, policy: Policy | None = None,
              year_end: date | None = None) -> Result:
    """`health` None: a case-only run. The statuses come from the case system's own health
    events, and nothing is matched or compared (docs/rules.md "Case-only runs")."""
    policy = policy or Policy()
    checked = health is not None
    health = health if health is not None else empty_extract("health")
    year_end = year_end or default_year_end(as_of)
    d_start, d_end = default_period(as_of)
    period_start = period_start or d_start
    period_end = period_end or d_end
    if period_start > period_end:
        raise UsageError(f"--period-start {period_start} is after --period-end {period_end}")

    children = case.tables["children"]
    kids = (children.filter(pl.col("child_id").is_not_null()).sort("row")
            .unique("child_id", keep="first", maintain_order=True))
    latest = latest_periods(case.tables["episodes"], as_of).collect()
    base = kids.select("child_id", "dob").join(latest, on="child_id", how="left")

    patients = health.tables["patients"]
    link = match_children(kids, patients)
    hev = link_events(health.tables["events"], patients, link)
    # the linked events, with only the columns the rules, the comparison and the checks read
    health_events = hev.lazy().select("row", *EVENT_SCHEMA).filter(
        pl.col("child_id").is_not_null()).collect()
    case_events = case.tables["health_events"]

    # The rules on each source, the event comparison and the cross-row checks are independent:
    # polars runs them together. A case extract with no health events (a 903 return) has
    # nothing to compare: no child is compared (docs/rules.md §6).
    compared = link["child_id"].unique() if case_events.height else link["child_id"].head(0)
    lbase = base.lazy()
    ctx = Context(case, health, kids, latest, link, hev, as_of, cutover, checked)
    h_status, c_status, disagreements, derived = pl.collect_all([
        evaluate(lbase, health_events.lazy(), policy, as_of, "notification_received"),
        evaluate(lbase, case_events.lazy(), policy, as_of, "notification_sent"),
        compare_events(health_events, case_events, compared, policy, as_of),
        derived_flags(ctx),
    ])

    # The record the statuses and the OC2 check read: the trust's, or the case system's own.
    status, record = (h_status, health_events) if checked else (c_status, case_events)

    h_members = membership(h_status, period_start, period_end)
    c_members = membership(c_status, period_start, period_end)
    kpi_parts = [kpis(c_members, "case", period_start, period_end, as_of)]
    if checked:
        kpi_parts.insert(0, kpis(h_members, "health", period_start, period_end, as_of))
    oc2_flags = []
    if "oc2" in case.extra:
        oc2 = case.extra["oc2"]
        oc2_flags.append(check_oc2(oc2, case.files["oc2"], status, values=record.height > 0))
        kpi_parts.append(return_kpis(oc2, period_start, period_end, as_of))
    ahead = (forecast(case.tables["episodes"], status, kids, record, as_of, year_end)
             if as_of < year_end else None)
    if ahead is not None:
        kpi_parts.append(forecast_kpis(ahead, "health" if checked else "case", as_of, year_end))
    kpi = pl.concat(kpi_parts)

    lost = lost_iha(h_status, health_events, as_of).cache()
    imms_flags = [
        vaccines.vaccine_unknown_flags(case_events, policy, source="case",
                                       file=case.files["health_events"], table="health_events",
                                       row=pl.col("row"), child_id=pl.col("child_id")),
        vaccines.vaccine_unknown_flags(health.tables["events"], policy, source="health",
                                       file=health.files["events"], table="events",
                                       row=pl.col("row"), nhs_number=pl.col("nhs_number")),
        vaccines.status_disagrees(h_status, health_events, health.files["events"], as_of)]
    flags_q = _enrich_flags(all_flags([
        case.flags, health.flags, derived, pathway_order(ctx, policy, h_status, c_status),
        disagreement_flags(disagreements, health.files["events"], case.files["health_events"]),
        event_recorded_late(health.tables["events"], policy, health.files["events"]),
        iha_not_recorded(lost, health.files["events"]), *imms_flags,
        *oc2_flags]), kids, link, hev)
    nhs = kids.lazy().select("child_id", "nhs_number")
    disagreements_q = disagreements.lazy().join(nhs, on="child_id", how="left",
                                                maintain_order="left").with_columns(
        message=pl.col("rule").replace_strict({c: CODES[c].message for c in CODES}))
    # Everything that reads the statuses, as one query: polars computes the shared parts once.
    flags, disagreements, lost_df, out_children = pl.collect_all([
        flags_q, disagreements_q, lost, _children_table(kids, status, link, patients)])
    if not checked:  # nothing was matched: say so rather than "case_only" for everyone
        out_children = out_children.with_columns(match_status=pl.lit("not_checked"))
    summary = _summary(case, health, out_children, flags, kpi, policy, as_of, period_start,
                       period_end, cutover,
                       differences(h_members, c_members) if checked else {})
    if not checked:
        summary["inputs"]["health"] = None
    summary.update(_return_summary(case, checked, record.height > 0, year_end, ahead))
    members = _members(h_members, c_members, ahead, checked, case.extra.get("oc2"))
    # only the columns the rules read: the rest is freed with the extracts
    read = list(EVENT_SCHEMA)
    prepared = Prepared(kids.select("child_id", "dob", "forename", "surname"),
                        case.tables["episodes"], {"health": health_events.select(read),
                                                  "case": case_events.select(read)},
                        case.extra.get("oc2"))
    return Result(out_children, flags, kpi, disagreements, as_of, period_start, period_end,
                  policy, summary, members, prepared, lost_df.select("child_id"),
                  forecast=ahead, year_end=year_end)


def _members(h_members: pl.DataFrame, c_members: pl.DataFrame, ahead: pl.DataFrame | None,
             checked: bool, oc2: pl.DataFrame | None) -> pl.DataFrame:
    """Membership of every measure (source, child_id, a column per measure), with the
    year-end floor's on its source's rows and the return's own (source `return`) when there
    are such figures: what the revisions compare (docs/rules.md §9.3)."""
    parts = {"health": h_members, "case": c_members}
    if ahead is not None:
        floor = "health" if checked else "case"
        parts[floor] = parts[floor].join(forecast_membership(ahead), on="child_id", how="left")
    if oc2 is not None:
        parts["return"] = return_membership(oc2)
    return pl.concat([m.with_columns(source=pl.lit(s)) for s, m in parts.items()],
                     how="diagonal")


def _return_summary(case: Extract, checked: bool, has_record: bool, year_end: date,
                    ahead: pl.DataFrame | None) -> dict[str, Any]:
    """What summary.json says about the case extract's format, a case-only run, the OC2
    check and the forecast."""
    out: dict[str, Any] = {
        "case_format": case.format,
        "health_checked": checked,
        "events_compared": bool(checked and case.tables["health_events"].height),
        "read_not_used": case.unused,
        "year_end": year_end.isoformat(),
        "oc2_forecast_children": None if ahead is None else ahead.height,
    }
    if not checked:
        out["health_note"] = ("The trust's health record was not checked (no health extract): "
                              "statuses come from the case system's own health events, and no "
                              "match or comparison was made.")
    if "oc2" in case.extra:
        out["oc2_return"] = {
            "rows": case.extra["oc2"].height, "values_checked": has_record,
            "checked_against": "health" if checked else "case"}
    return out


def _enrich_flags(flags: pl.LazyFrame, kids: pl.DataFrame, link: pl.DataFrame,
                  hev: pl.DataFrame) -> pl.LazyFrame:
    """Fill child_id on health flags (via the match) and nhs_number on case flags; sort."""
    is_h = pl.col("source").is_in(["health", "reconcile"])
    pat_child = link.lazy().group_by("pid").agg(pl.col("child_id").min().alias("_c1"))
    flagged_events = flags.filter(is_h & (pl.col("table") == "events")).select("row")
    ev_child = (hev.lazy().filter(pl.col("child_id").is_not_null())
                .join(flagged_events.unique(), on="row", how="semi")
                .group_by("row").agg(pl.col("child_id").min().alias("_c2")))
    kid_nhs = kids.lazy().select("child_id", _n=pl.col("nhs_number"))
    f = (flags.join(pat_child, left_on="row", right_on="pid", how="left", maintain_order="left")
         .join(ev_child, on="row", how="left", maintain_order="left")
         .with_columns(child_id=pl.coalesce(
             "child_id",
             pl.when(is_h & (pl.col("table") == "patients")).then("_c1"),
             pl.when(is_h & (pl.col("table") == "events")).then("_c2")))
         .join(kid_nhs, on="child_id", how="left", maintain_order="left")
         .with_columns(nhs_number=pl.coalesce("nhs_number", "_n")))
    # docs/rules.md §12 "Derived flags": row is blank for the flags found by reconciling the
    # two systems.
    f = f.with_columns(row=pl.when(pl.col("source") != "reconcile").then(pl.col("row")))
    return f.select(FLAG_COLUMNS).sort(
        pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int8),
        "rule", "source", "table", "row", "child_id", "field", nulls_last=True,
        maintain_order=True)


def _children_table(kids: pl.DataFrame, status: pl.DataFrame, link: pl.DataFrame,
                    patients: pl.DataFrame) -> pl.LazyFrame:
    method_rank = pl.col("method").replace_strict(
        {"nhs": 0, "la_id": 1, "demographics": 2}, return_dtype=pl.Int8)
    methods = link.lazy().group_by("child_id").agg(
        match_method=pl.col("method").sort_by(method_rank).first())
    case_rows = (kids.lazy().select("child_id", "nhs_number")
                 .join(status.lazy().drop("dob"), on="child_id", how="left")
                 .join(methods, on="child_id", how="left")
                 .with_columns(
                     match_status=pl.when(pl.col("match_method").is_not_null())
                     .then(pl.lit("matched")).otherwise(pl.lit("case_only")),
                     in_care=pl.col("in_care").fill_null(False),
                     oc2_cohort=pl.col("oc2_cohort").fill_null(False)))
    health_only = patients.lazy().join(link.lazy().select(row="pid"), on="row",
                                       how="anti").sort("row")
    ho = health_only.select("nhs_number", match_status=pl.lit("health_only"))
    out = pl.concat([case_rows.sort("child_id"), ho], how="diagonal_relaxed")
    return out.select(CHILDREN_COLUMNS)


def _summary(case: Extract, health: Extract, children: pl.DataFrame, flags: pl.DataFrame,
             kpi: pl.DataFrame, policy: Policy, as_of: date, period_start: date,
             period_end: date, cutover: date | None,
             diffs: dict[str, list[str]]) -> dict[str, Any]:
    case_kids = children.filter(pl.col("match_status") != "health_only")
    in_care = case_kids.filter(pl.col("in_care"))

    def counts(frame: pl.DataFrame, col: str) -> dict[str, int]:
        vc = frame.group_by(col).len().sort(col, nulls_last=True)
        return {str(k): int(v) for k, v in vc.iter_rows()}

    return {
        "tool": {"name": "healthcheck", "version": __version__},
        "as_of": as_of.isoformat(),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "cutover": cutover.isoformat() if cutover else None,
        "policy": policy.as_dict(),
        "inputs": {
            "case": {"path": str(case.path), "files": case.hashes, "rows": case.raw_rows},
            "health": {"path": str(health.path), "files": health.hashes,
                       "rows": health.raw_rows},
        },
        "unrecognised_columns": [u._asdict() for u in case.unrecognised + health.unrecognised],
        "counts": {
            "case_children": case_kids.height,
            "in_care": in_care.height,
            "match_status": counts(children, "match_status"),
            "oc2_cohort": int(case_kids["oc2_cohort"].sum()),
            "in_care_statuses": {c: counts(in_care, c) for c in (
                "notification_status", "iha_status", "rha_status", "dental_status",
                "immunisations_status", "request_status", "report_status",
                "delay_agency")},
            "flags_by_severity": counts(flags, "severity"),
            "flags_by_rule": counts(flags, "rule"),
        },
        "kpis": kpi.with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts(),
        "differences": {m: ids for m, ids in diffs.items()},
    }
