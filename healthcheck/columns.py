"""Column names: which source column is which canonical column, and what is left over.

Names match ignoring case, spaces, underscores, hyphens and dots; a mapping file renames
anything else. Every column that matches nothing is reported with the closest canonical name
(docs/rules.md §1.3, §12 "Unrecognised columns"); a close miss of a canonical column the table
lacks stops the run, because ignoring it would change the figures.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

import polars as pl

from healthcheck.errors import InputError

# Names a council often uses for a canonical column, for the suggestion only: they are never
# read as that column unless a mapping file says so.
# Keys are name keys (see `name_key`).
ALIASES = {
    "nhsno": "nhs_number", "dateofbirth": "dob", "birthdate": "dob", "gender": "sex",
    "laref": "child_id", "clientid": "child_id", "personid": "child_id", "type": "event_type",
    "date": "event_date",
}
SUGGEST_RATIO = 0.6  # difflib ratio on name keys for "did you mean"
MISS_RATIO = 0.8  # ... and for a close miss (an error when the canonical column is absent)
UNNAMED = re.compile(r"^(?:__UNNAMED__\d+|_duplicated_\d+|column_\d+|)$")


class Unrecognised(NamedTuple):
    """A source column that is not read: where it is, and the closest canonical name."""

    file: str
    table: str
    column: str
    suggestion: str | None


def name_key(name: str) -> str:
    """`NHS Number`, `nhs_number`, `N.H.S-number` -> `nhsnumber`."""
    return re.sub(r"[\s_\-.]+", "", str(name).replace("\ufeff", "")).lower()


def closest(name: str, canonical: list[str]) -> tuple[str | None, bool]:
    """The canonical column `name` most looks like, and whether it is a close miss.

    A close miss: the name is an abbreviation (its key, at least three characters, begins the
    canonical key: `End` -> end_date, `NHS Num` -> nhs_number), a known alias (`NHS No`,
    `Date of Birth`), or a near spelling (difflib ratio of the keys at least 0.8:
    `chlid_id`). A looser likeness (ratio at least 0.6, or the canonical key begins the name:
    `Legal Status Code`) is only a suggestion."""
    key = name_key(name)
    keys = {name_key(c): c for c in canonical}
    alias = ALIASES.get(key)
    if alias in canonical:
        return alias, True
    if len(key) >= 3:
        for k, c in keys.items():
            if k.startswith(key):
                return c, True
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), c) for k, c in keys.items()),
                    key=lambda t: -t[0])
    if scored and scored[0][0] >= MISS_RATIO:
        return scored[0][1], True
    for k, c in keys.items():
        if len(k) >= 3 and key.startswith(k):
            return c, False
    if scored and scored[0][0] >= SUGGEST_RATIO:
        return scored[0][1], False
    return None, False


def choose_columns(frame: pl.DataFrame, table: str, label: str, spec: list[str],
                   renames: dict[str, str]) -> tuple[dict[str, str], list[Unrecognised]]:
    """canonical column -> source column, and the source columns read as nothing.

    `renames`: name key -> target from the mapping file; a target of "" ignores the column on
    purpose (it is then not reported). Two source columns for one canonical column, and a close
    miss of a canonical column that is absent, are InputErrors."""
    wanted = {name_key(c): c for c in spec}
    chosen: dict[str, str] = {}
    extra: list[str] = []
    for col in frame.columns:
        target = renames.get(name_key(col), col)
        if target == "":
            continue
        canon = wanted.get(name_key(target))
        if canon is None:
            extra.append(col)
        elif canon in chosen:
            raise InputError(
                f"{label}: table '{table}' has two columns for '{canon}': "
                f"{chosen[canon]!r} and {col!r}",
                "remove one, or map one of them onto another column in a mapping file")
        else:
            chosen[canon] = col
    unrecognised = []
    for col in extra:
        if UNNAMED.match(col.strip()) and frame[col].drop_nulls().str.strip_chars().eq("").all():
            continue  # an unnamed, empty column (a spreadsheet's trailing cells)
        suggestion, miss = closest(col, spec)
        if miss and suggestion not in chosen:
            raise InputError(
                f"{label}: table '{table}' has no column '{suggestion}' but has {col!r}: "
                f"did you mean {suggestion}?",
                f"rename the column to '{suggestion}', or map it in a mapping file "
                f"([columns.{table}] {col!r} = \"{suggestion}\"; \"\" ignores it)")
        unrecognised.append(Unrecognised(label, table, col, suggestion))
    return chosen, unrecognised


def missing_hint(unrecognised: list[Unrecognised], missing: list[str]) -> str:
    """' (did you mean ...?)' for a required column missing with a looser look-alike."""
    near = [f"{u.column!r} for {u.suggestion}" for u in unrecognised if u.suggestion in missing]
    return f" (is {' or '.join(near)}?)" if near else ""


def header_line(rows: list[list[str]], spec: list[str], required: tuple[str, ...]) -> int | None:
    """The index among `rows` (the first lines of a file) of a line that looks like the header:
    it names every required column. Used to say a title line sits above the header."""
    keys = {name_key(c) for c in spec}
    for i, cells in enumerate(rows):
        found = {name_key(c) for c in cells if c} & keys
        if {name_key(r) for r in required} <= found:
            return i
    return None
