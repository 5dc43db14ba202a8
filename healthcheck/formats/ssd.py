"""The Standard Safeguarding Dataset (SSD, data-to-insight's ssd-data-model) as a case extract.

Recognised by its table names (`ssd_person`, `ssd_cla_episodes`, ...) and read with what a
mapping file cannot do: the legal status in force on each episode's start date joined from
`ssd_legal_status`; `ssd_cla_health` and `ssd_cla_immunisations` merged into health events.
Column names are those of the SSD data model (data/objects/*.yml). See docs/rules.md "Reading
the SSD".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from healthcheck import normalise as nz
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

PERSON = {"child_id": "pers_person_id", "dob": "pers_dob", "nhs_number": "pers_common_child_id",
          "legacy_id": "pers_legacy_id"}
EPISODE = {"child_id": "clae_person_id", "start_date": "clae_cla_episode_start_date",
           "end_date": "clae_cla_episode_ceased", "rne": "clae_cla_episode_start_reason",
           "reason_end": "clae_cla_episode_ceased_reason"}
LEGAL = ("lega_person_id", "lega_legal_status", "lega_legal_status_start_date")
HEALTH = ("clah_person_id", "clah_health_check_type", "clah_health_check_date")
IMMUNISATIONS = ("clai_person_id", "clai_immunisations_status")
# clah_health_check_type (name key) -> event type; any other type is kept as it is, so that
# ingest flags it EVENT_TYPE_UNKNOWN on its row.
CHECK_TYPES = {
    "healthassessment": "health_assessment", "dentalcheck": "dental", "dental": "dental",
    "dentist": "dental", "initialhealthassessment": "iha", "iha": "iha",
    "reviewhealthassessment": "rha", "rha": "rha",
}
# clah_health_check_status (name key) -> what the row is
DONE = ("completed", "complete", "done", "attended")
REFUSED = ("refused", "declined")
NOT_BROUGHT = ("dna", "didnotattend", "wasnotbrought", "notbrought")
NOT_EVENTS = ("planned", "cancelled", "canceled", "booked", "scheduled")
REQUIRED_TABLES = ("ssd_person", "ssd_cla_episodes", "ssd_legal_status")


def recognise(sources: Sequence[Source]) -> bool:
    names = {name_key(s.name) for s in sources}
    return bool(names & {name_key(t) for t in ("ssd_person", "ssd_cla_episodes")})


def adapt(sources: Sequence[Source], read_csv: ReadCsv) -> Adapted:
    by_name = {name_key(s.name): s for s in sources}
    for t in REQUIRED_TABLES:
        if name_key(t) not in by_name:
            raise InputError(f"{sources[0].label}: an SSD export needs a '{t}' table and none "
                             "was found", f"export {t} from the SSD with the other tables")
    used_names: set[str] = set()
    unused: list[dict[str, Any]] = []
    flags: list[pl.LazyFrame] = []

    def take(t: str) -> tuple[Source, pl.DataFrame] | None:
        s = by_name.get(name_key(t))
        if s is None:
            return None
        used_names.add(name_key(t))
        return s, with_rows(load(s, read_csv))

    def need(t: str) -> tuple[Source, pl.DataFrame]:
        got = take(t)
        assert got is not None  # checked above
        return got

    ps, person = need("ssd_person")
    pcols = require(person, ps.label, ps.name, (PERSON["child_id"], PERSON["dob"]), "SSD")
    sex = find_column(person, "pers_sex", "pers_gender")
    pmap = {c: find_column(person, src) for c, src in PERSON.items()} | {"sex": sex}
    pmap["child_id"], pmap["dob"] = pcols[PERSON["child_id"]], pcols[PERSON["dob"]]
    tables: dict[str, list[RawTable]] = {
        "children": [canonical("children", ps.label, person, dict(pmap))]}
    _add(unused, unused_columns(ps.label, ps.name, person, list(pmap.values())))

    es, episodes = need("ssd_cla_episodes")
    ecols = require(episodes, es.label, es.name, (EPISODE["child_id"], EPISODE["start_date"]),
                    "SSD")
    emap = {c: find_column(episodes, src) for c, src in EPISODE.items()}
    ls, legal = need("ssd_legal_status")
    lcols = require(legal, ls.label, ls.name, LEGAL, "SSD")
    lend = find_column(legal, "lega_legal_status_end_date")
    episodes, legal_unused = _legal_status(episodes, ecols, legal, lcols, lend)
    emap["legal_status"] = "__legal_status"
    tables["episodes"] = [canonical("episodes", es.label, episodes, dict(emap))]
    _add(unused, unused_columns(es.label, es.name, episodes, [*emap.values()]))
    _add(unused, unused_columns(ls.label, ls.name, legal, [*lcols.values(), lend]))
    if legal_unused:
        unused.append({"file": ls.label, "table": ls.name, "rows": legal_unused, "columns": None,
                       "reason": "legal statuses in force at no episode's start"})

    parts: list[RawTable] = []
    health = take("ssd_cla_health")
    if health is not None:
        part, hflags, hunused = _health_checks(*health)
        parts.append(part)
        flags.extend(hflags)
        unused.extend(hunused)
    imms = take("ssd_cla_immunisations")
    if imms is not None:
        part_or_entry = _immunisations(*imms)
        if isinstance(part_or_entry, RawTable):
            parts.append(part_or_entry)
        else:
            unused.append(part_or_entry)
    if not parts:
        parts.append(canonical("health_events", ps.label, pl.DataFrame(schema={"row": pl.Int64}),
                               {}))
    tables["health_events"] = parts

    for s in sources:
        if name_key(s.name) not in used_names:
            unused.append(unused_table(s, load(s, read_csv), "an SSD table the rules do not use"))
    return Adapted("ssd", tables, {}, unused, flags_of(flags), sorted({s.label for s in sources}))


def _add(unused: list[dict[str, Any]], entry: dict[str, Any] | None) -> None:
    if entry is not None:
        unused.append(entry)


def _dates(frame: pl.DataFrame, col: str | None) -> pl.Expr:
    """The dates of a text column, each distinct value parsed once (for the legal-status join:
    ingest types the episodes' own dates again, once, with the others)."""
    if col is None:
        return pl.lit(None, pl.Date)
    values = frame.select(pl.col(col).unique())
    parsed = nz.parse_dates(values, col)
    return pl.col(col).replace_strict(parsed[col], parsed["__parsed"], default=None,
                                      return_dtype=pl.Date)


def _legal_status(episodes: pl.DataFrame, ecols: dict[str, str], legal: pl.DataFrame,
                  lcols: dict[str, str], lend: str | None) -> tuple[pl.DataFrame, int]:
    """Each episode with `__legal_status`: the status of the person in force on the episode's
    start date (started on or before it, not ended before it; the latest started wins). The
    count of legal-status rows in force at no episode start is returned too."""
    ep = episodes.with_columns(
        _p=text_key(ecols[EPISODE["child_id"]]),
        _d=_dates(episodes, ecols[EPISODE["start_date"]]))
    lg = legal.select(
        _lrow=pl.col("row"), _p=text_key(lcols["lega_person_id"]),
        _status=pl.col(lcols["lega_legal_status"]),
        _from=_dates(legal, lcols["lega_legal_status_start_date"]),
        _to=_dates(legal, lend))
    pairs = (ep.select("row", "_p", "_d").join(lg, on="_p")
             .filter((pl.col("_from") <= pl.col("_d"))
                     & (pl.col("_to").is_null() | (pl.col("_to") >= pl.col("_d"))))
             .sort("row", "_from", "_lrow").unique("row", keep="last"))
    out = ep.join(pairs.select("row", __legal_status="_status"), on="row", how="left",
                  maintain_order="left").drop("_p", "_d")
    not_used = lg.height - pairs["_lrow"].n_unique()
    return out, not_used


def _status_key(col: str | None) -> pl.Expr:
    if col is None:
        return pl.lit(None, pl.String)
    return pl.col(col).cast(pl.String).str.to_lowercase().str.replace_all(r"[\s_\-.]+", "")


def _health_checks(s: Source, frame: pl.DataFrame
                   ) -> tuple[RawTable, list[pl.LazyFrame], list[dict[str, Any]]]:
    """ssd_cla_health -> health events: a completed check (or one with no status) is an event
    of its type; refused -> `declined` (detail = the check's type); did not attend ->
    `was_not_brought`; planned or cancelled -> no event (read and not used); any other status
    is flagged VALUE_UNKNOWN and not used."""
    cols = require(frame, s.label, s.name, HEALTH, "SSD")
    status_col = find_column(frame, "clah_health_check_status")
    raw_type = pl.col(cols["clah_health_check_type"])
    kind = _status_key(cols["clah_health_check_type"]).replace_strict(
        CHECK_TYPES, default=raw_type, return_dtype=pl.String)
    st = _status_key(status_col)
    done = st.is_null() | st.is_in(DONE)
    refused, wnb = st.is_in(REFUSED), st.is_in(NOT_BROUGHT)
    events = frame.filter(done | refused | wnb)
    part = canonical("health_events", s.label, events, {
        "child_id": cols["clah_person_id"], "event_date": cols["clah_health_check_date"],
        "event_type": pl.when(refused).then(pl.lit("declined"))
        .when(wnb).then(pl.lit("was_not_brought")).otherwise(kind),
        "detail": pl.when(refused | wnb).then(kind)})
    unused: list[dict[str, Any]] = []
    _add(unused, unused_columns(s.label, s.name, frame, [*cols.values(), status_col]))
    planned = frame.filter(st.is_in(NOT_EVENTS)).height
    if planned:
        unused.append({"file": s.label, "table": s.name, "rows": planned, "columns": None,
                       "reason": "health checks planned or cancelled (not events)"})
    odd = frame.filter(~(done | refused | wnb | st.is_in(NOT_EVENTS)))
    flags = [make_flags(odd, "VALUE_UNKNOWN", source="case", file=s.label,
                        table="health_events", row=pl.col("row"),
                        child_id=text_key(cols["clah_person_id"]),
                        field="clah_health_check_status",
                        value=pl.col(status_col) if status_col else None,
                        message="Health check status is not Completed, Refused, Planned or "
                                "Cancelled: correct it. The check is not used.")]
    return part, flags, unused


def _immunisations(s: Source, frame: pl.DataFrame) -> RawTable | dict[str, Any]:
    """ssd_cla_immunisations -> `immunisations_up_to_date` events (detail = the Y/N status),
    dated by clai_immunisations_status_date. Without that column (the older model) the statuses
    cannot be dated: the table is listed as read and not used."""
    cols = require(frame, s.label, s.name, IMMUNISATIONS, "SSD")
    dated = find_column(frame, "clai_immunisations_status_date")
    if dated is None:
        return unused_table(s, frame, "no clai_immunisations_status_date: the statuses cannot "
                                      "be dated")
    return canonical("health_events", s.label, frame, {
        "child_id": cols["clai_person_id"], "event_type": pl.lit("immunisations_up_to_date"),
        "event_date": dated, "detail": cols["clai_immunisations_status"]})
