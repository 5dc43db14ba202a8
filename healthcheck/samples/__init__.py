"""Synthetic case-system and health-trust extracts with realistic defects (`healthcheck samples`).

Everything is seeded (same seed, same arguments -> the same csv bytes and the same manifest) and
vectorised with numpy and polars: values are generated and formatted column-wise, never in a
Python loop per row. The only per-row iteration is openpyxl writing xlsx cells.

The parts, in the order they run: `histories` (the children and their care: the truth) with
`events` (their health events, and the case system's copy), `tables` (the extract's tables, with
`dirt` applied), `write` (csv or xlsx, and the manifest). Beneath them: `vocabulary` (the word
lists), `draws` (seeded random draws), `days` (dates as day numbers, on the product's calendar),
`cells` (output tables and columns). A new kind of event is one function in `events`; a new
output layout is one module like `tables` that builds `cells.Table`s from the same world.
`week` makes the same authority a week later from the first week's tables (`week_later`).

`manifest.json` records what the generator put in, never what the product should make of it:
the cells it dirtied, by the flag code each produces (`EXACT_CODES` and DATE_IN_FUTURE: one
flag per cell), and under `planted` the record-level situations it created (legacy duplicates,
children missing from one system, assessments one system lacks ...).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from healthcheck.samples import ssd, ssda903, week
from healthcheck.samples.cells import Table
from healthcheck.samples.histories import World
from healthcheck.samples.tables import CASE, HEALTH, Builder
from healthcheck.samples.write import write_extract, write_manifest

__all__ = ["CASE_FORMATS", "EXACT_CODES", "WEEK_LATER", "write_samples"]

CASE_FORMATS = ("xlsx", "csv", "ssda903", "ssd")

EXACT_CODES = (
    "DATE_UNPARSEABLE", "DATE_PLACEHOLDER", "NHS_NUMBER_INVALID", "LEGAL_STATUS_UNKNOWN",
    "EPISODE_END_BEFORE_START",
)


WEEK_LATER = "week_later"  # the folder of the week-later pair, inside `out`


def write_samples(out: Path, *, children: int = 200, seed: int = 1, as_of: date | None = None,
                  case_format: str = "xlsx", health_format: str = "csv",
                  cutover: date | None = None, defects: bool = True,
                  week_later: bool = False) -> dict:
    """Write a synthetic case extract and health extract with realistic defects into `out`.

    `defects=False` leaves out every defect that fails `healthcheck validate` (unreadable and
    placeholder dates, invalid NHS numbers, unknown legal statuses, episodes ending before they
    start, future dates, legacy duplicates); the two systems still disagree as real ones do.

    `case_format` `ssda903`: the case side as the SSDA903 return (`samples.ssda903`: header,
    episodes, OC2 with planted mistakes, and a children table); `ssd`: as a Standard
    Safeguarding Dataset export (`samples.ssd`). Both are clean csv folders of the same world.

    `week_later`: also write the same authority a week later (as-of + 7 days) into
    `out/week_later/`, with its own manifest (`samples.week`: late entries, checks done,
    children entering and leaving care, a child newly known to health); the first pair is
    what it would be without it. Only for the xlsx and csv case formats.

    Returns the manifest (also written to `out/manifest.json`).
    """
    if case_format not in CASE_FORMATS or health_format not in ("xlsx", "csv"):
        raise ValueError(f"case format must be one of {', '.join(CASE_FORMATS)}; health "
                         "format 'xlsx' or 'csv'")
    if week_later and case_format not in ("xlsx", "csv"):
        raise ValueError("a week-later pair is written for the xlsx and csv case formats only")
    if not 1 <= children <= 500_000:
        raise ValueError("children must be between 1 and 500,000")
    as_of = as_of or date.today()
    cutover = cutover or date(as_of.year - 2, 10, 31)
    out = Path(out)
    world = World(children, seed, as_of, cutover, defects)
    builder = Builder(world, case_format == "xlsx", health_format == "xlsx")
    tables = builder.build()
    case_tables = [tables[t] for t in CASE]
    planted = world.planted()
    if case_format == "ssda903":
        built, oc2_planted = ssda903.build(world)
        case_tables = list(built.values())
        planted |= oc2_planted
    elif case_format == "ssd":
        case_tables = list(ssd.build(world).values())
    # the case tables' dirt is only in the canonical layouts (a return or export is clean)
    case_fmt = case_format if case_format in ("xlsx", "csv") else "csv"
    dropped = () if case_fmt == case_format else CASE
    by_table = {code: dict(sorted((t, k) for t, k in v.items() if t not in dropped))
                for code, v in sorted(builder.injected.items())}
    head = {"generator": "healthcheck.samples", "seed": seed, "children": children,
            "defects": defects}
    tail = {"cutover": cutover.isoformat(), "case_format": case_format,
            "health_format": health_format}
    manifest = _write(out, head | {"as_of": as_of.isoformat()} | tail, case_fmt,
                      health_format, case_tables, [tables[t] for t in HEALTH], by_table,
                      planted)
    if week_later:
        later = week.week_later(world, builder, tables, seed)
        late_as_of = as_of + timedelta(days=week.DAYS)
        by_table["DATE_IN_FUTURE"] = {"events": int((builder.future_days > later.as_of).sum())}
        now = planted | later.planted
        now["case_only_children"] -= later.planted["children_now_known_to_health"]
        info = {"after": as_of.isoformat(), "days": week.DAYS, **later.detail,
                "children": later.children}
        _write(out / WEEK_LATER, head | {"as_of": late_as_of.isoformat()} | tail, case_fmt,
               health_format, [later.tables[t] for t in CASE],
               [later.tables[t] for t in HEALTH], by_table, now, {"week": info})
        manifest["week_later"] = f"{WEEK_LATER}/"
        write_manifest(out, manifest)
    return manifest


def _write(out: Path, head: dict[str, Any], case_fmt: str, health_fmt: str,
           case_tables: list[Table], health_tables: list[Table],
           by_table: dict[str, dict[str, int]], planted: dict[str, int],
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write one pair of extracts and its manifest into `out`; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    written = {"case": write_extract(out, "case", case_fmt, case_tables),
               "health": write_extract(out, "health", health_fmt, health_tables)}
    by_table = {code: v for code, v in by_table.items() if v and any(v.values())}
    injected = dict.fromkeys(EXACT_CODES, 0) | {c: sum(v.values()) for c, v in by_table.items()}
    manifest: dict[str, Any] = head | {
        "files": {stem: w["file"] for stem, w in written.items()},
        "rows": {t.name: t.height for t in [*case_tables, *health_tables]},
        "blank_trailing_rows": written["case"]["blank_rows"] | written["health"]["blank_rows"],
        "csv_encodings": written["case"]["encodings"] | written["health"]["encodings"],
        "injected": dict(sorted(injected.items())),
        "exact": list(EXACT_CODES),
        "injected_by_table": dict(sorted(by_table.items())),
        "planted": planted,
    } | (extra or {})
    write_manifest(out, manifest)
    return manifest
