"""Vaccine records from the child health record, for part of the children (docs/rules.md
§4 R5 extended): the UK routine schedule from birth, each dose a product name as trusts write it
(varied spelling and case), mostly on time, some appointments missed, a few products the
vaccine table does not know.

Children born on or after 1 July 2024 follow the schedule of July 2025 / January 2026 (MenB at
8 and 12 weeks, PCV at 16 weeks, no Hib/MenC at one year, the 18-month 6-in-1 and MMR(V)).
Whether a child misses an appointment leans on its latest immunisation status: a child last
recorded N misses one more often, so most records agree with the Y/N and some do not.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from healthcheck.samples import vocabulary as v
from healthcheck.samples.days import day_number, months_after
from healthcheck.samples.draws import Arr, uniform_int
from healthcheck.schedule import NEW_SCHEDULE_BORN_FROM

if TYPE_CHECKING:
    from healthcheck.samples.events import Periods

SHARE = 0.35  # of the children with a clock, those whose trust holds the child health record
MISS = 0.01  # an appointment missed (no dose recorded), when the latest status is Y or none
MISS_AFTER_N = 0.3  # the same when the latest status is N
UNKNOWN = 0.004  # a dose recorded under a product the vaccine table does not know
B = day_number(NEW_SCHEDULE_BORN_FROM)
MMRV_FROM = day_number(date(2026, 1, 1))

# Appointments: (age, which children: "all" / "B" / "not B", the products given). Ages are
# ("weeks", n), ("months", n), or ("year", n): during school Year n.
APPOINTMENTS: tuple[tuple[tuple[str, int], str, tuple[str, ...]], ...] = (
    (("weeks", 8), "all", ("hexa", "menb", "rota")),
    (("weeks", 12), "not B", ("hexa", "pcv", "rota")),
    (("weeks", 12), "B", ("hexa", "menb", "rota")),
    (("weeks", 16), "not B", ("hexa", "menb")),
    (("weeks", 16), "B", ("hexa", "pcv")),
    (("months", 12), "not B", ("hibmenc", "mmr", "pcv", "menb")),
    (("months", 12), "B", ("mmr", "pcv", "menb")),
    (("months", 18), "B", ("hexa", "mmr2")),
    (("months", 40), "not B", ("preschool", "mmr")),
    (("months", 40), "B", ("preschool",)),
    (("year", 8), "all", ("hpv",)),
    (("year", 9), "all", ("teen", "menacwy")),
)


def _school_year_end(dob: Arr, year: int) -> Arr:
    """The end of school Year `year`: the first 31 August on or after the birthday of
    year + 5."""
    birthday = months_after(dob, 12 * (year + 5)).astype("datetime64[D]")
    y = birthday.astype("datetime64[Y]")
    aug31 = (y.astype("datetime64[M]") + np.timedelta64(7, "M")).astype("datetime64[D]") + 30
    end = np.where(birthday > aug31, ((y + 1).astype("datetime64[M]") + np.timedelta64(7, "M"))
                   .astype("datetime64[D]") + 30, aug31)
    return end.astype(np.int64)


def _latest_status_is_n(p: Periods, children: Arr) -> Arr:
    """Whether each child's latest immunisation status emitted so far (N winning a tie) is N."""
    ev = p.rows()
    keep = (ev.type == v.IMM_UTD) & (ev.date <= p.A)
    child, day, is_n = ev.child[keep], ev.date[keep], ev.detail[keep] == v.D_N
    if not len(child):
        return np.zeros(len(children), bool)
    order = np.lexsort((is_n, day, child))
    child, is_n = child[order], is_n[order]
    last = np.r_[child[1:] != child[:-1], True]
    known, latest_n = child[last], is_n[last]  # sorted by child
    at = np.minimum(np.searchsorted(known, children), len(known) - 1)
    return (known[at] == children) & latest_n[at]


def vaccinations(p: Periods) -> None:
    """The vaccine records of a share of the children with a clock (one set per child)."""
    rng, A = p.rng, p.A
    _, first = np.unique(p.child, return_index=True)  # one period per child
    first = np.sort(first)
    idx = first[rng.random(len(first)) < SHARE]
    if not len(idx):
        return
    dob = p.dob[idx]
    born_b = dob >= B
    miss = np.where(_latest_status_is_n(p, p.child[idx]), MISS_AFTER_N, MISS)
    rota_keyed = rng.random(len(idx)) < 0.5  # rotavirus: often not keyed in the extract
    missed = 0
    for (kind, n), cohort, products in APPOINTMENTS:
        m = len(idx)
        if kind == "weeks":
            day = dob + 7 * n
        elif kind == "months":
            day = months_after(dob, n)
        else:
            day = _school_year_end(dob, n) - uniform_int(rng, 30, 300, m)  # during the year
        if kind != "year":
            r = rng.random(m)
            day = day + np.where(r < 0.7, uniform_int(rng, 0, 14, m), np.where(
                r < 0.9, uniform_int(rng, 15, 28, m), uniform_int(rng, 29, 180, m)))
        who = {"all": np.ones(m, bool), "B": born_b, "not B": ~born_b}[cohort] & (day <= A)
        given = who & (rng.random(m) >= miss)
        missed += int((who & ~given).sum())
        for product in products:
            if product == "mmr2":  # MMRV from January 2026, MMR before
                mmrv, mmr = v.VACCINE_PRODUCTS["mmrv"], v.VACCINE_PRODUCTS["mmr"]
                pick = rng.integers(0, len(mmrv) * len(mmr), m)
                code = np.where(day >= MMRV_FROM, v.vaccine_code(mmrv, pick % len(mmrv)),
                                v.vaccine_code(mmr, pick % len(mmr)))
            else:
                names = v.VACCINE_PRODUCTS[product]
                code = v.vaccine_code(names, rng.integers(0, len(names), m))
            odd = rng.random(m) < UNKNOWN
            other = v.vaccine_code(v.UNKNOWN_PRODUCTS,
                                   rng.integers(0, len(v.UNKNOWN_PRODUCTS), m))
            keep = np.nonzero(given & (rota_keyed if product == "rota" else True))[0]
            p.emit(idx[keep], v.IMM, day[keep], np.where(odd, other, code)[keep])
    p.planted["vaccination_appointments_missed"] = missed
