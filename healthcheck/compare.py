"""Compare the two systems' health checks (`CHECK_TYPES`: IHA, RHA, dental) (docs/rules.md §6,
and §10 for the codes below).

For matched children, over the 24 months to as-of: each health event is paired with the case
event of the same type nearest in date within 31 days (and each case event with the nearest
health event). No partner -> EVENT_MISSING_IN_CASE / EVENT_MISSING_IN_HEALTH; a partner on
another date -> DATE_MISMATCH (raised once, from the health event's side). A
`health_assessment` (initial or review, the source does not say) pairs with an `iha`, an `rha`
or another `health_assessment`, and they with it (docs/rules.md "health_assessment").
"""

from __future__ import annotations

from datetime import date

import polars as pl

from healthcheck.calendar import add_months_date
from healthcheck.flags import DISAGREEMENT_CODES, all_flags, declare, make_flags
from healthcheck.policy import Policy
from healthcheck.schema import CHECK_TYPES

declare("EVENT_MISSING_IN_CASE", "warning",
        "Health has this assessment but the case system has none within 31 days: record it in"
        " the case system.")
declare("EVENT_MISSING_IN_HEALTH", "warning",
        "The case system has this assessment but health has none within 31 days: check the "
        "health record.")
declare("DATE_MISMATCH", "warning",
        "The two systems date this assessment differently: confirm the true date and correct "
        "the other system.")
COLUMNS = ("child_id", "event_type", "event_date", "row")
# The asof join's key: each (child, type) is a band of SPAN days and an event sits in its band at
# its date, so "nearest in the same child and type" is "nearest key" (SPAN is far wider than
# twice any date's distance from 1970, and no two bands come within the tolerance).
SPAN, MID = 1 << 25, 1 << 23
_TYPE = {t: i for i, t in enumerate(CHECK_TYPES)}
_TYPE_DTYPE = pl.Int8


def _key(date_col: str) -> pl.Expr:
    band = pl.col("_c").cast(pl.Int64) * len(_TYPE) + pl.col("_t").cast(pl.Int64)
    return band * SPAN + pl.col(date_col).cast(pl.Int64) + MID


def _nearest(left: pl.LazyFrame, right: pl.LazyFrame, days: int) -> pl.LazyFrame:
    """Each row of `left` with the date of its nearest `right` event (same child and type, a
    health_assessment standing for an iha or rha and either for it). Both have `_c`, the
    child's number, and `_t`, the type's."""
    r = right.select("_c", "_t", pl.col("event_date").alias("other_date"))
    kind = pl.col("_t")
    ha, iha, rha = _TYPE["health_assessment"], _TYPE["iha"], _TYPE["rha"]
    stand_ins = [r.filter(kind == ha).with_columns(_t=pl.lit(t, _TYPE_DTYPE)) for t in (iha, rha)]
    stand_ins.append(r.filter(kind.is_in([iha, rha])).with_columns(_t=pl.lit(ha, _TYPE_DTYPE)))
    r = pl.concat([r, *stand_ins]).select(_key=_key("other_date"), other_date="other_date")
    return left.with_columns(_key=_key("event_date")).sort("_key").join_asof(
        r.sort("_key"), on="_key", strategy="nearest", tolerance=days, check_sortedness=False,
    ).drop("_key")


def compare_events(health: pl.DataFrame, case: pl.DataFrame, matched: pl.Series,
                   policy: Policy, as_of: date) -> pl.LazyFrame:
    """Disagreements (a lazy query): child_id, event_type, health_date, case_date, rule, side,
    row.

    `health` and `case` have child_id, event_type, event_date, row (case child ids; health
    events already linked to their child). `matched`: child_ids that matched a patient.
    """
    start = add_months_date(as_of, -policy.compare_months)
    numbers = pl.LazyFrame({"child_id": matched.unique()}).with_row_index("_c")

    def prep(df: pl.DataFrame) -> pl.LazyFrame:
        return df.lazy().select(COLUMNS).filter(
            pl.col("event_type").is_in(CHECK_TYPES)
            & pl.col("event_date").is_not_null() & (pl.col("event_date") <= as_of)
        ).join(numbers, on="child_id").select(
            "row", "event_date", "_c",
            _t=pl.col("event_type").replace_strict(_TYPE, return_dtype=_TYPE_DTYPE))

    # A case event is one row; a health event has a row per link: once per child (its first
    # (row, child) pair; `row` < 2^31 and `_c` < 2^32, so one integer holds both).
    once = (pl.col("row") * (1 << 32) + pl.col("_c")).is_first_distinct()
    h, c = prep(health).filter(once).cache(), prep(case).cache()
    h_recent = h.filter(pl.col("event_date") >= start)
    c_recent = c.filter(pl.col("event_date") >= start)
    hp = _nearest(h_recent, c, policy.event_match_days)
    cp = _nearest(c_recent, h, policy.event_match_days)
    # the sorts and joins above carry numbers only; the child and type are put back here
    named = {"event_type": pl.col("_t").replace_strict(list(_TYPE.values()), list(_TYPE),
                                                       return_dtype=pl.String)}
    from_health = hp.filter(pl.col("other_date").is_null() |
                            (pl.col("other_date") != pl.col("event_date"))
                            ).join(numbers, on="_c").select(
        "child_id", **named, health_date="event_date", case_date="other_date", row="row",
        rule=pl.when(pl.col("other_date").is_null()).then(pl.lit("EVENT_MISSING_IN_CASE"))
        .otherwise(pl.lit("DATE_MISMATCH")), side=pl.lit("health"))
    from_case = cp.filter(pl.col("other_date").is_null()).join(numbers, on="_c").select(
        "child_id", **named, health_date=pl.lit(None, pl.Date), case_date="event_date",
        row="row", rule=pl.lit("EVENT_MISSING_IN_HEALTH"), side=pl.lit("case"))
    return pl.concat([from_health, from_case]).sort(
        "child_id", "event_type", "health_date", "case_date", "row", nulls_last=True)


def disagreement_flags(d: pl.DataFrame, health_file: str, case_file: str) -> pl.LazyFrame:
    """The flags of the disagreements `d` (`compare_events`): on the health event's row, or
    the case event's for EVENT_MISSING_IN_HEALTH."""
    parts = []
    for rule in DISAGREEMENT_CODES:
        side_health = rule != "EVENT_MISSING_IN_HEALTH"
        rows = d.lazy().filter(pl.col("rule") == rule)
        parts.append(make_flags(
            rows, rule, source="reconcile", file=health_file if side_health else case_file,
            table="events" if side_health else "health_events", row=pl.col("row"),
            child_id=pl.col("child_id"), field="event_date",
            value=pl.format("{} health {} / case {}", pl.col("event_type"),
                            pl.col("health_date").cast(pl.String).fill_null("none"),
                            pl.col("case_date").cast(pl.String).fill_null("none"))))
    return all_flags(parts)
