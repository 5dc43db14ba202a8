"""R7 The IHA pathway: which stage, and which agency, held the delay (docs/rules.md §4 R7).

[SG: Promoting the health and wellbeing of looked-after children, 2015] the IHA within 20
working days of the child becoming looked after (R2); [LP] the local pathway's stage targets:
the LA's request reaches health within `request_target_wd` (5) working days, the paediatrician's
report is returned within `report_target_wd` (10) working days of the IHA.

Per child with a clock, from one source's events (on or before as-of), W = clock - 10 days:
- request: the earliest `iha_requested` on or after W; working days from the clock (0 before
  it); status exactly as R1 against `request_target_wd`;
- appointment: the earliest `iha_appointment` on or after the request (on or after W
  without one);
- was_not_brought: the `was_not_brought` events with detail `iha` from W to the IHA date (to
  as-of without an IHA);
- report: the earliest `iha_report_sent` on or after the IHA date; working days from the IHA;
  status not_required (no IHA), on_time, late, missing, pending against `report_target_wd`;
- a period that began before the extract: request and report `before_extract`, the rest blank;
- delay_agency, only for an IHA late or overdue, first that applies: `la` (notification or
  request late or missing), `carer` (not brought at least once), `health`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import AsOf, add_months, add_working_days, as_expr, working_days_between
from healthcheck.policy import Policy
from healthcheck.rules import iha

EVENT_TYPES = ("iha_requested", "iha_appointment", "was_not_brought", "iha_report_sent",
               *iha.IHA_TYPES)
OUTPUT = ("request_date", "request_wd", "request_status", "appointment_date", "was_not_brought",
          "report_date", "report_wd", "report_status", "delay_agency")
LOOKBACK_DAYS = 10  # W = clock start - 10 calendar days: paperwork sent just before the move


def _window() -> pl.Expr:
    return pl.col("clock_start") - pl.duration(days=LOOKBACK_DAYS)


def event_columns(policy: Policy, by: str = "child_id") -> list[pl.Expr]:
    """Beside each event, its child's request and IHA dates (windows over the child's events,
    before the grouping): the aggregates compare events with them row by row, which polars
    does far faster than comparing with a per-child minimum inside the grouping. `by`: the
    column the events are grouped by (one per child, or per child and as-of)."""
    kind, d = pl.col("event_type"), pl.col("event_date")
    request = pl.when((kind == "iha_requested") & (d >= _window())).then(d)
    return [request.min().over(by).alias("_request"),
            iha.qualifying_iha(policy).over(by).alias("_iha")]


def aggregates(policy: Policy) -> list[pl.Expr]:
    """Per child, over its events (each with the child's clock_start and `event_columns`)."""
    kind, d, w = pl.col("event_type"), pl.col("event_date"), _window()
    request, iha_date = pl.col("_request"), pl.col("_iha")
    # to the IHA date, or with none to as-of, which every event is on or before
    not_brought = ((kind == "was_not_brought") & (pl.col("detail") == "iha") & (d >= w)
                   & (d <= iha_date).fill_null(True))
    return [
        request.first().alias("request_date"),
        pl.when((kind == "iha_appointment") & (d >= pl.coalesce(request, w))).then(d)
        .min().alias("appointment_date"),
        # none: blank, as for a child with no events at all (`pathway` makes both 0)
        pl.when(not_brought.any()).then(not_brought.sum().cast(pl.Int64))
        .alias("was_not_brought"),
        pl.when((kind == "iha_report_sent") & (d >= iha_date)).then(d).min()
        .alias("report_date"),
    ]


def _stage_status(start: pl.Expr, wd: pl.Expr, target: int, as_of: AsOf) -> pl.Expr:
    """R1's statuses for a stage measured in working days from `start` (not null)."""
    return (pl.when(wd <= target).then(pl.lit("on_time"))
            .when(wd.is_not_null()).then(pl.lit("late"))
            .when(as_expr(as_of) > add_working_days(start, target)).then(pl.lit("missing"))
            .otherwise(pl.lit("pending")))


def pathway(children: pl.LazyFrame, policy: Policy, as_of: AsOf) -> pl.LazyFrame:
    """The R7 columns; reads R1's notification_status and R2's iha_date and iha_status."""
    clock, ihad = pl.col("clock_start"), pl.col("iha_date")
    before = pl.col("before_extract").fill_null(False)  # docs/rules.md §3.1: not in the extract
    has_clock, has_iha = clock.is_not_null() & ~before, ihad.is_not_null()
    out = children.with_columns(
        request_date=pl.when(has_clock).then(pl.col("request_date")),
        appointment_date=pl.when(has_clock).then(pl.col("appointment_date")),
        was_not_brought=pl.when(has_clock).then(pl.col("was_not_brought").fill_null(0)),
        report_date=pl.when(has_iha).then(pl.col("report_date")),
    ).with_columns(
        request_wd=working_days_between(clock, pl.col("request_date"))
        .clip(lower_bound=0).cast(pl.Int64),
        report_wd=working_days_between(ihad, pl.col("report_date"))
        .clip(lower_bound=0).cast(pl.Int64),
    )
    request_status = (pl.when(clock.is_null()).then(pl.lit("not_required"))
                      .when(before).then(pl.lit("before_extract"))
                      .otherwise(_stage_status(clock, pl.col("request_wd"),
                                               policy.request_target_wd, as_of)))
    report_status = (pl.when(clock.is_not_null() & before).then(pl.lit("before_extract"))
                     .when(~has_iha).then(pl.lit("not_required"))
                     .otherwise(_stage_status(ihad, pl.col("report_wd"),
                                              policy.report_target_wd, as_of)))
    out = out.with_columns(request_status.alias("request_status"),
                           report_status.alias("report_status"))
    la_late = (pl.col("notification_status").is_in(["late", "missing"])
               | pl.col("request_status").is_in(["late", "missing"]))
    agency = (pl.when(~pl.col("iha_status").is_in(["late", "overdue"])).then(None)
              .when(la_late).then(pl.lit("la"))
              .when(pl.col("was_not_brought") >= 1).then(pl.lit("carer"))
              .otherwise(pl.lit("health")))
    return out.with_columns(agency.cast(pl.String).alias("delay_agency"))


def out_of_order(events: pl.LazyFrame, status: pl.LazyFrame, policy: Policy,
                 as_of: date) -> pl.LazyFrame:
    """The events R7 sets aside because they are out of order, with `code`: an appointment on
    or after W before the request (PATHWAY_APPOINTMENT_BEFORE_REQUEST), a report from the start
    of the IHA window (the earlier of W and clock - iha_prior_months) before the IHA, or with
    no IHA recorded (PATHWAY_REPORT_BEFORE_IHA). `events` has row, child_id, event_type,
    event_date; `status` has child_id, clock_start, request_date, iha_date (evaluate's)."""
    kind, d = pl.col("event_type"), pl.col("event_date")
    w = _window()
    iha_from = pl.min_horizontal(w, add_months(pl.col("clock_start"), -policy.iha_prior_months))
    appointment = ((kind == "iha_appointment") & (d >= w) & (d < pl.col("request_date")))
    report = ((kind == "iha_report_sent") & (d >= iha_from)
              & (d < pl.col("iha_date")).fill_null(pl.col("clock_start").is_not_null()))
    return (events.filter(kind.is_in(["iha_appointment", "iha_report_sent"])
                          & (d <= as_of) & pl.col("child_id").is_not_null())
            .join(status.filter(~pl.col("before_extract").fill_null(False))
                  .select("child_id", "clock_start", "request_date", "iha_date"), on="child_id")
            .filter(appointment.fill_null(False) | report.fill_null(False))
            .with_columns(code=pl.when(kind == "iha_appointment")
                          .then(pl.lit("PATHWAY_APPOINTMENT_BEFORE_REQUEST"))
                          .otherwise(pl.lit("PATHWAY_REPORT_BEFORE_IHA"))))
