"""What changed since the last run (docs/rules.md §9.2): changes.csv.

This run's children are compared with those of the latest earlier run in the history, one row
per case child and check that changed, checks in the order of CHECKS:
- care: entered_care (not in care before, or not in the earlier extract, and in care now);
  left_care (in care before; not now, or gone from the extract);
- for children in both runs, health_record: now_known_to_health (case_only -> matched),
  newly_not_known_to_health (matched -> case_only);
- for children in both runs, each status check whose status differs: newly_overdue (now
  overdue, or missing for notification), else newly_due_soon (now due_soon), else done (from an
  open status to a met one), else status_changed.
"""

from __future__ import annotations

import polars as pl

S = pl.String
CHANGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": S, "nhs_number": S, "check": S, "before": S, "after": S, "change": S,
}
STATUS_CHECKS = {"notification": "notification_status", "iha": "iha_status",
                 "rha": "rha_status", "dental": "dental_status",
                 "immunisations": "immunisations_status"}
CHECKS = ("care", "health_record", *STATUS_CHECKS)
OPEN = ("overdue", "due", "due_soon", "missing", "pending", "none_recorded", "unknown",
        "not_up_to_date")
MET = ("on_time", "late", "in_date", "up_to_date")
# Every kind, the nurse's first: what she must act on, then what was done, then the rest.
KINDS = ("newly_overdue", "newly_due_soon", "entered_care", "newly_not_known_to_health",
         "done", "now_known_to_health", "left_care", "status_changed")
# The care values in before/after.
IN_CARE, NOT_IN_CARE, NOT_IN_EXTRACT = "in_care", "not_in_care", "not_in_extract"


def _case_children(children: pl.DataFrame) -> pl.LazyFrame:
    return children.lazy().filter(
        pl.col("child_id").is_not_null() & (pl.col("match_status") != "health_only")
    ).unique("child_id", keep="first", maintain_order=True)


def changes(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """changes.csv from the earlier run's children (`before`) and this run's (`after`): both
    in children.csv's columns. Sorted by child_id, then check in the order of CHECKS."""
    cols = ["child_id", "nhs_number", "in_care", "match_status", *STATUS_CHECKS.values()]
    b = _case_children(before).select(cols).with_columns(_b=pl.lit(True))
    a = _case_children(after).select(cols).with_columns(_a=pl.lit(True))
    both = b.join(a, on="child_id", how="full", coalesce=True, suffix="_now")
    present_b, present_a = pl.col("_b").fill_null(False), pl.col("_a").fill_null(False)

    def care_value(present: pl.Expr, in_care: pl.Expr) -> pl.Expr:
        return (pl.when(~present).then(pl.lit(NOT_IN_EXTRACT))
                .when(in_care.fill_null(False)).then(pl.lit(IN_CARE))
                .otherwise(pl.lit(NOT_IN_CARE)))

    # this run's NHS number, else the earlier one's (docs/rules.md §9.2)
    nhs = pl.coalesce("nhs_number_now", "nhs_number").alias("nhs_number")
    was = present_b & pl.col("in_care").fill_null(False)
    now = present_a & pl.col("in_care_now").fill_null(False)
    parts = [both.filter(was != now).select(
        "child_id", nhs, check=pl.lit("care"),
        before=care_value(present_b, pl.col("in_care")),
        after=care_value(present_a, pl.col("in_care_now")),
        change=pl.when(now).then(pl.lit("entered_care")).otherwise(pl.lit("left_care")))]

    common = both.filter(present_b & present_a)
    ms_b, ms_a = pl.col("match_status"), pl.col("match_status_now")
    parts.append(common.filter(ms_b.ne_missing(ms_a)).select(
        "child_id", nhs, check=pl.lit("health_record"),
        before=ms_b, after=ms_a,
        change=pl.when(ms_a == "matched").then(pl.lit("now_known_to_health"))
        .otherwise(pl.lit("newly_not_known_to_health"))))

    for check, col in STATUS_CHECKS.items():
        s_b, s_a = pl.col(col), pl.col(f"{col}_now")
        overdue = (s_a == "overdue") | ((s_a == "missing") if check == "notification"
                                        else pl.lit(False))
        kind = (pl.when(overdue).then(pl.lit("newly_overdue"))
                .when(s_a == "due_soon").then(pl.lit("newly_due_soon"))
                .when(s_b.is_in(OPEN) & s_a.is_in(MET)).then(pl.lit("done"))
                .otherwise(pl.lit("status_changed")))
        parts.append(common.filter(s_b.ne_missing(s_a)).select(
            "child_id", nhs, check=pl.lit(check),
            before=s_b, after=s_a, change=kind))

    order = pl.col("check").replace_strict({c: i for i, c in enumerate(CHECKS)},
                                           return_dtype=pl.Int8)
    out = pl.concat([p.cast(CHANGE_SCHEMA) for p in parts])  # type: ignore[arg-type]
    return out.sort("child_id", order).collect()


def change_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many changes of each kind (every kind listed, nurse's kinds first)."""
    got = dict(frame.group_by("change").len().iter_rows())
    return {k: int(got.get(k, 0)) for k in KINDS}
