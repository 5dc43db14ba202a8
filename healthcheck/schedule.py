"""The UK routine immunisation schedule as data (docs/rules.md §4 R5 extended).

Sources: UKHSA, Immunisation against infectious disease (the Green Book), chapter 11 "The UK
immunisation schedule"; UKHSA, "Changes to the routine childhood immunisation schedule" from
1 July 2025 and 1 January 2026. Catch-up schedules and the selective programmes are left out
(see docs/rules.md §4 R5 extended).

Two tables: the vaccines (a product or programme name -> the antigens it counts for; the default
of the policy's `[vaccines]` section) and the requirements (cumulative doses of an antigen by an
age, for a birth cohort).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

# The antigens tracked, in the order `immunisations_missing` lists them.
ANTIGENS = ("dtp", "hib", "pcv", "menb", "mmr", "hpv", "menacwy")
# A policy value for a vaccine that is recorded but does not count towards any antigen.
NOT_COUNTED = "not counted"
# B: children born on or after this day follow the schedule of 1 July 2025 / 1 January 2026
# (an 18-month appointment; no Hib/MenC at one year; MMR(V) second dose at 18 months).
NEW_SCHEDULE_BORN_FROM = date(2024, 7, 1)

_ROWS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("6-in-1", "DTaP/IPV/Hib/HepB", "hexavalent", "Infanrix hexa", "Vaxelis"), ("dtp", "hib")),
    (("5-in-1", "DTaP/IPV/Hib", "Pediacel", "Infanrix-IPV+Hib"), ("dtp", "hib")),
    (("4-in-1", "dTaP/IPV", "DTaP/IPV", "Repevax", "Boostrix-IPV", "Infanrix-IPV"), ("dtp",)),
    (("3-in-1", "Td/IPV", "Revaxis"), ("dtp",)),
    (("Hib/MenC", "Menitorix"), ("hib",)),
    (("MMR", "MMRvaxPRO", "Priorix", "MMRV", "ProQuad", "Priorix-Tetra"), ("mmr",)),
    (("MenB", "Bexsero"), ("menb",)),
    (("PCV", "PCV13", "Prevenar 13"), ("pcv",)),
    (("MenACWY", "Nimenrix", "MenQuadfi", "Menveo"), ("menacwy",)),
    (("HPV", "Gardasil", "Gardasil 9"), ("hpv",)),
    (("Rotavirus", "Rotarix", "flu", "influenza", "LAIV", "BCG", "HepB", "COVID-19"), ()),
)
# name -> antigens (empty: recorded, not counted). Names match ignoring case, spaces, hyphens,
# dots and slashes (rules.vaccines.vaccine_key), so "dTaP/IPV" and "DTaP/IPV" are one name.
DEFAULT_VACCINES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (name, antigens) for names, antigens in _ROWS for name in names)


def vaccine_key(name: pl.Expr) -> pl.Expr:
    """A vaccine name as it is matched: lower case, without spaces, hyphens, dots and slashes
    ("DTaP / IPV / Hib / HepB" -> "dtapipvhibhepb"). Used on both the table and the events."""
    return name.str.to_lowercase().str.replace_all(r"[\s./-]+", "")


def vaccine_keys(names: list[str]) -> list[str]:
    """`vaccine_key` of each name (for the table's names: the same expression as the events)."""
    return pl.Series(names, dtype=pl.String).to_frame("n").select(
        vaccine_key(pl.col("n")))["n"].to_list()


@dataclass(frozen=True)
class Requirement:
    """`doses` of `antigen` are due by an age: `weeks` or `months` after the date of birth, or
    the end of school `year` (the first 31 August on or after the birthday of year + 5: Year 8
    ends at the first 31 August on or after the 13th birthday). `cohort` "B" = born on or after
    1 July 2024, "not B" = before, None = both. `under`: only while under that many years old at
    as-of."""

    antigen: str
    doses: int
    weeks: int = 0
    months: int = 0
    year: int = 0
    cohort: str | None = None
    under: int | None = None


def _r(antigen: str, doses: int, **age: int | str | None) -> Requirement:
    return Requirement(antigen, doses, **age)  # type: ignore[arg-type]


REQUIREMENTS: tuple[Requirement, ...] = (
    _r("dtp", 3, weeks=16),
    _r("dtp", 4, months=18, cohort="B"),
    _r("dtp", 5, months=40, cohort="B"),
    _r("dtp", 6, year=9, cohort="B"),
    _r("dtp", 4, months=40, cohort="not B"),
    _r("dtp", 5, year=9, cohort="not B"),
    _r("hib", 3, weeks=16, under=10),
    _r("hib", 4, months=12, cohort="not B", under=10),
    _r("hib", 4, months=18, cohort="B", under=10),
    _r("pcv", 1, weeks=16, under=2),
    _r("pcv", 2, months=12, under=2),
    _r("menb", 2, weeks=16, under=2),
    _r("menb", 3, months=12, under=2),
    _r("mmr", 1, months=12),
    _r("mmr", 2, months=40, cohort="not B"),
    _r("mmr", 2, months=18, cohort="B"),
    _r("hpv", 1, year=8),
    _r("menacwy", 1, year=9),
)
