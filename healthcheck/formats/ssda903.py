"""The SSDA903 return as a case extract [DfE: SSDA903 guidance, the return's table layouts].

Recognised by its columns, whatever the files or sheets are called: `header` (CHILD, SEX, DOB,
ETHNIC, ...), `episodes` (CHILD, DECOM, RNE, LS, ...), `oc2` (CHILD, ..., HEALTH_CHECK,
IMMUNISATIONS, TEETH_CHECK, HEALTH_ASSESSMENT, ...) and the other 903 tables. CHILD -> child_id,
DOB -> dob, SEX -> sex, DECOM -> start_date, DEC -> end_date, LS -> legal_status, RNE -> rne,
REC -> reason_end, PLACE -> placement_type, PL_POST -> placement_area. A `children` table
beside the return (child_id, nhs_number, forename, surname) gives NHS numbers and names, joined
on CHILD. Everything else is listed as read and not used. See docs/rules.md "Reading a 903
return".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from healthcheck.errors import InputError
from healthcheck.flags import make_flags
from healthcheck.formats.common import (
    Adapted,
    ReadCsv,
    Source,
    canonical,
    find_column,
    flags_of,
    load,
    require,
    text_key,
    unused_columns,
    unused_table,
    with_rows,
)
from healthcheck.read import RawTable, name_key

# The return's tables, each known by the columns no other 903 table has (name keys).
SIGNATURES: dict[str, tuple[frozenset[str], ...]] = {
    "header": (frozenset({"child", "sex", "dob", "ethnic"}),),
    "episodes": (frozenset({"child", "decom"}),),
    "oc2": tuple(frozenset({"child", c}) for c in
                 ("healthassessment", "teethcheck", "immunisations", "healthcheck")),
    "reviews": (frozenset({"child", "review"}),),
    "uasc": (frozenset({"child", "duc"}),),
    "oc3": (frozenset({"child", "intouch"}),),
    "ad1": (frozenset({"child", "dateint"}),),
    "placed_for_adoption": (frozenset({"child", "dateplaced"}),),
    "prev_perm": (frozenset({"child", "prevperm"}),),
    "missing": (frozenset({"child", "misstart"}),),
}
HEADER_USED = ("CHILD", "DOB", "SEX")
EPISODE_COLUMNS = {  # canonical <- 903
    "child_id": "CHILD", "start_date": "DECOM", "end_date": "DEC", "legal_status": "LS",
    "rne": "RNE", "reason_end": "REC", "placement_type": "PLACE", "placement_area": "PL_POST",
}
EPISODES_REQUIRED = ("CHILD", "DECOM", "LS")
OC2_CHECKED = ("HEALTH_ASSESSMENT", "TEETH_CHECK", "IMMUNISATIONS")
OC2_COLUMNS = ("CHILD", *OC2_CHECKED)
CHILDREN_COLUMNS = ("nhs_number", "forename", "surname")


def table_of(source: Source) -> str | None:
    """Which 903 table `source` is, by its columns (None: not a 903 table)."""
    keys = source.keys()
    for table, signatures in SIGNATURES.items():
        if any(sig <= keys for sig in signatures):
            return table
    return None


def _is_children(source: Source) -> bool:
    keys = source.keys()
    return name_key(source.name) == "children" or {"childid", "nhsnumber"} <= keys


def recognise(sources: Sequence[Source]) -> bool:
    """A 903 return: some table is the return's header or episodes."""
    return any(table_of(s) in ("header", "episodes") for s in sources)


def adapt(sources: Sequence[Source], read_csv: ReadCsv) -> Adapted:
    found: dict[str, Source] = {}
    children: Source | None = None
    others: list[Source] = []
    for s in sources:
        table = table_of(s)
        if table is None and _is_children(s) and children is None:
            children = s
        elif table is None:
            others.append(s)
        elif table in found:
            raise InputError(
                f"{s.label}: two tables look like the 903 {table} table "
                f"('{found[table].name}' and '{s.name}')",
                "give one return: one file or sheet per 903 table")
        else:
            found[table] = s
    for table in ("header", "episodes"):
        if table not in found:
            raise InputError(
                f"{(found.get('header') or found['episodes']).label}: a 903 return needs a "
                f"'{table}' table and none was found",
                "add the return's " + ("header (CHILD, SEX, DOB, ETHNIC, ...)" if table ==
                                       "header" else "episodes (CHILD, DECOM, RNE, LS, ...)")
                + " table beside the others")

    unused: list[dict[str, Any]] = []
    flags: list[pl.LazyFrame] = []
    tables: dict[str, list[RawTable]] = {}
    extra: dict[str, RawTable] = {}

    hs = found.pop("header")
    header = with_rows(load(hs, read_csv))
    hcols = require(header, hs.label, hs.name, ("CHILD", "DOB"), "903 header")
    sex = find_column(header, "SEX")
    columns: dict[str, str | pl.Expr | None] = {"child_id": hcols["CHILD"],
                                                "dob": hcols["DOB"], "sex": sex}
    used = [hcols["CHILD"], hcols["DOB"], sex]
    if children is not None:
        header, cflags, centry = _join_children(header, hcols["CHILD"], children, read_csv)
        flags.extend(cflags)
        if centry:
            unused.append(centry)
        columns.update({c: f"__{c}" for c in CHILDREN_COLUMNS})
        used += [f"__{c}" for c in CHILDREN_COLUMNS]
    tables["children"] = [canonical("children", hs.label, header, columns)]
    _add(unused, unused_columns(hs.label, "header", header, used))

    es = found.pop("episodes")
    episodes = with_rows(load(es, read_csv))
    ecols = require(episodes, es.label, es.name, EPISODES_REQUIRED, "903 episodes")
    mapped = {c: ecols.get(src) or find_column(episodes, src)
              for c, src in EPISODE_COLUMNS.items()}
    tables["episodes"] = [canonical("episodes", es.label, episodes, dict(mapped))]
    _add(unused, unused_columns(es.label, "episodes", episodes, list(mapped.values())))
    tables["health_events"] = [canonical(
        "health_events", hs.label, pl.DataFrame(schema={"row": pl.Int64}), {})]

    if "oc2" in found:
        os_ = found.pop("oc2")
        oc2 = with_rows(load(os_, read_csv))
        ocols = require(oc2, os_.label, os_.name, OC2_COLUMNS, "903 OC2")
        extra["oc2"] = RawTable("oc2", os_.label, oc2.select(
            "row", pl.col(ocols["CHILD"]).alias("child_id"),
            *[pl.col(ocols[c]).alias(c.lower()) for c in OC2_CHECKED]))
        _add(unused, unused_columns(os_.label, "oc2", oc2, list(ocols.values())))

    for table, s in found.items():
        unused.append({**unused_table(s, load(s, read_csv), "a 903 table the rules do not use"),
                       "table": table})
    for s in others:
        unused.append(unused_table(s, load(s, read_csv), "not a 903 table"))
    files = sorted({s.label for s in sources})
    return Adapted("ssda903", tables, extra, unused, flags_of(flags), files)


def _add(unused: list[dict[str, Any]], entry: dict[str, Any] | None) -> None:
    if entry is not None:
        unused.append(entry)


def _join_children(header: pl.DataFrame, child_col: str, source: Source, read_csv: ReadCsv
                   ) -> tuple[pl.DataFrame, list[pl.LazyFrame], dict[str, Any] | None]:
    """The header with `__nhs_number`, `__forename`, `__surname` from the `children` table
    (first row per child); a children row whose child is not in the header is flagged
    RECORD_UNLINKED (nothing is lost)."""
    kids = with_rows(load(source, read_csv))
    id_col = find_column(kids, "child_id", "CHILD")
    if id_col is None:
        raise InputError(f"{source.label}: the children table beside the 903 return has no "
                         "column 'child_id'", "name the child's id column child_id (or CHILD)")
    cols = {c: find_column(kids, c) for c in CHILDREN_COLUMNS}
    picked = kids.select(
        "row", _key=text_key(id_col),
        **{f"__{c}": pl.col(src) if src else pl.lit(None, pl.String) for c, src in cols.items()})
    first = picked.filter(pl.col("_key").is_not_null()).unique("_key", keep="first",
                                                               maintain_order=True)
    out = header.with_columns(_key=text_key(child_col)).join(
        first.drop("row"), on="_key", how="left", maintain_order="left").drop("_key")
    orphans = picked.filter(pl.col("_key").is_not_null()).join(
        header.select(_key=text_key(child_col)), on="_key", how="anti")
    flags = [make_flags(orphans, "RECORD_UNLINKED", source="case", file=source.label,
                        table="children", row=pl.col("row"), child_id=pl.col("_key"),
                        field="child_id", value=pl.col("_key"),
                        message="Child in the children table is not in the 903 header: "
                                "correct the id, or add the child to the return.")]
    used = [id_col, *[c for c in cols.values() if c]]
    return out, flags, unused_columns(source.label, "children", kids, used)
