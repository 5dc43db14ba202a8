"""Matching case children to health patients, and health events to patients (docs/rules.md §5).

A case child and a health patient are the same child when their valid NHS numbers are equal;
else the patient's la_child_id equals the child_id; else exactly one patient has the same DOB,
surname and first initial (case-insensitive, trimmed). Two case records may match one patient.
A patient's events are linked to it by NHS number or, where that is blank, by trust_id.
"""

from __future__ import annotations

import polars as pl


def _demo_key(forename: str, surname: str, dob: str) -> list[pl.Expr]:
    return [
        pl.col(dob).alias("_k_dob"),
        pl.col(surname).str.strip_chars().str.to_lowercase().alias("_k_surname"),
        pl.col(forename).str.strip_chars().str.to_lowercase().str.slice(0, 1).alias("_k_init"),
    ]


def match_children(children: pl.DataFrame, patients: pl.DataFrame) -> pl.DataFrame:
    """Links child_id -> patient `pid` (patients' row) with method nhs | la_id | demographics.

    `children` must have one row per child_id. A child may link to several patients (a duplicate
    in the trust's record); the result has one row per (child_id, pid).
    """
    kids = children.lazy().select("child_id", "nhs_number", "forename", "surname", "dob")
    pats = patients.lazy().select(pl.col("row").alias("pid"), "nhs_number", "la_child_id",
                                  "forename", "surname", "dob")
    by_nhs = kids.filter(pl.col("nhs_number").is_not_null()).join(
        pats.filter(pl.col("nhs_number").is_not_null()), on="nhs_number"
    ).select("child_id", "pid", method=pl.lit("nhs"))
    rest = kids.join(by_nhs, on="child_id", how="anti")
    by_la = rest.join(pats.filter(pl.col("la_child_id").is_not_null()),
                      left_on="child_id", right_on="la_child_id"
                      ).select("child_id", "pid", method=pl.lit("la_id"))
    rest = rest.join(by_la, on="child_id", how="anti")
    keys = ["_k_dob", "_k_surname", "_k_init"]
    unique_pats = (pats.with_columns(_demo_key("forename", "surname", "dob"))
                   .drop_nulls(keys)
                   .filter(pl.len().over(keys) == 1)
                   .filter(pl.col("_k_surname") != "").select("pid", *keys))
    by_demo = (rest.with_columns(_demo_key("forename", "surname", "dob")).drop_nulls(keys)
               .join(unique_pats, on=keys)
               .select("child_id", "pid", method=pl.lit("demographics")))
    return pl.concat([by_nhs, by_la, by_demo]).collect()


def link_events(events: pl.DataFrame, patients: pl.DataFrame,
                link: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each health event with the `pid` of its patient(s); `pid` null when none matches. With
    `link` (from match_children), also the `child_id` of each case child matched to that patient.
    One row per (event, patient, child), in the events' order.

    By NHS number where the event and the patient both have one; where either is blank, by
    trust_id ("by NHS number or, where that is blank, by trust_id"). Worked out once
    per distinct (NHS number, trust id) of the events, then joined to the events.
    """
    pats = patients.lazy().select(pl.col("row").alias("pid"), pl.col("nhs_number").alias("_pn"),
                                  pl.col("trust_id").alias("_pt"))
    keys = events.lazy().select("nhs_number", "trust_id").unique()
    by_nhs = keys.filter(pl.col("nhs_number").is_not_null()).join(
        pats.filter(pl.col("_pn").is_not_null()), left_on="nhs_number", right_on="_pn")
    by_trust = keys.filter(pl.col("trust_id").is_not_null()).join(
        pats.filter(pl.col("_pt").is_not_null()), left_on="trust_id", right_on="_pt"
    ).filter(pl.col("nhs_number").is_null() | pl.col("_pn").is_null())
    cols = ["nhs_number", "trust_id", "pid"]
    linked = pl.concat([by_nhs.select(cols), by_trust.select(cols)])
    if link is not None:
        linked = linked.join(link.lazy().select("pid", "child_id"), on="pid", how="left")
    # a fixed order for an event's links (the join keeps the right side's order within a key)
    linked = linked.sort("pid", *(["child_id"] if link is not None else []), nulls_last=True)
    return events.lazy().join(linked, on=["nhs_number", "trust_id"], how="left",
                              nulls_equal=True, maintain_order="left_right").collect()
