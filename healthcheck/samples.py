"""Synthetic case-system and health-trust extracts with realistic defects (`healthcheck samples`).

Everything is seeded (same seed, same arguments -> the same csv bytes and the same manifest) and
vectorised with numpy and polars: values are generated and formatted column-wise, never in a
Python loop per row. The only per-row iteration is openpyxl writing xlsx cells.

The people are synthetic: names come from the small lists below, NHS numbers from the range
999 000 0000 - 999 999 9999, which is never issued.

`manifest.json` records what was injected, keyed by the flag code each defect should produce
(SPEC section 3). The cell-level codes in `EXACT_CODES` are exact: one per affected cell or row.
The derived codes are computed from the generated truth by the SPEC's matching rules before any
cell was dirtied, so an ingest may differ from them by the odd case where a dirtied date (an
unreadable end date, a placeholder start) changes what can be derived.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from healthcheck.schema import EVENT_TYPES, LEGAL_STATUSES

__all__ = ["EXACT_CODES", "write_samples"]

EXACT_CODES = (
    "DATE_UNPARSEABLE", "DATE_PLACEHOLDER", "NHS_NUMBER_INVALID", "LEGAL_STATUS_UNKNOWN",
    "EPISODE_END_BEFORE_START",
)

# --- built-in synthetic vocabularies ------------------------------------------------------------
# Every name is cp1252-encodable (one csv file is written in cp1252, as Excel does).

_GIRLS = (
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Florence", "Willow",
    "Evie", "Poppy", "Sophia", "Grace", "Ella", "Rosie", "Daisy", "Harper", "Millie", "Phoebe",
    "Aisha", "Maryam", "Layla", "Hannah", "Chloe", "Jessica", "Ruby", "Megan", "Leah", "Erin",
    "Niamh", "Kayla", "Tia", "Shannon", "Courtney", "Paige", "Jade", "Nevaeh", "Aaliyah", "Maja",
    "Zuzanna", "Amira", "Precious", "Blessing", "Esme", "Bethany", "Holly", "Imogen", "Keira",
    "Zoë", "Siân", "Chloë", "Renée", "Anaïs", "Maëlle", "Inès",
)
_BOYS = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theo", "Jack", "Freddie", "Charlie", "Thomas", "Jacob", "Alfie", "Riley", "Tyler", "Kai",
    "Callum", "Connor", "Liam", "Kyle", "Reece", "Jayden", "Mason", "Logan", "Lewis", "Aaron",
    "Kacper", "Jakub", "Omar", "Yusuf", "Ibrahim", "Tyrese", "Kwame", "Dylan", "Rhys", "Owen",
    "Ethan", "Lucas", "Finley", "Brandon", "Declan", "Ryan", "Ashton", "Mikey", "Louie",
    "Seán", "Rónán", "José", "Noël", "Zoltán", "Björn",
)
_FORENAMES = _GIRLS + _BOYS
_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
    "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young",
    "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell",
    "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall", "Simpson",
    "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy",
    "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell",
    "Holmes", "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Powell", "Stevens",
    "Kaur", "Fisher", "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham", "Fletcher",
    "Okafor", "Mensah", "Nowak", "Kowalski", "Popescu", "Osei", "Adeyemi", "Haddad", "Rahman",
    "O'Brien", "O'Neill", "McDonald", "MacLeod", "Smith-Jones", "Fraser", "Doherty", "Quinn",
    "Nuñez", "Müller", "Gonçalves", "Sørensen", "Lefèvre", "Brennan", "Lynch", "Gallagher",
)
_VACCINES = (
    "MMR", "DTaP/IPV/Hib/HepB", "MenB", "PCV", "Rotavirus", "Hib/MenC", "dTaP/IPV",
    "Td/IPV", "MenACWY", "HPV", "Flu (LAIV)",
)
_PLACEMENT_TYPES = ("U1", "U2", "U3", "U4", "U5", "U6", "R1", "R2", "P1", "H5", "K2", "S1", "Z1")
_PLACEMENT_W = (4, 6, 10, 30, 8, 6, 2, 2, 8, 4, 12, 3, 5)
_REASONS_END = ("E11", "E12", "E13", "E4A", "E4B", "E41", "E45", "E46", "E47", "E48", "E5", "E7",
                "E8", "E9", "E14", "E15", "E16", "E17")
_STATUSES = LEGAL_STATUSES  # weights below follow this order
_STATUS_W = (18, 38, 1, 10, 1, 4, 2, 3, 2, 1, 20, 0, 0)
_V3, _V4, _C2 = _STATUSES.index("V3"), _STATUSES.index("V4"), _STATUSES.index("C2")
_UNKNOWN_STATUSES = ("C3", "V1", "X1", "S20", "ICO", "E2", "PO")  # none valid, even upper-cased
_RNE_LATER = ("P", "L", "T", "B", "U")
_RNE_W = (55, 25, 10, 5, 5)

(_NOTE_SENT, _NOTE_RECV, _IHA_REQ, _IHA_APPT, _IHA, _IHA_REPORT, _RHA, _DENTAL, _IMM, _IMM_UTD,
 _DECLINED, _WNB) = range(len(EVENT_TYPES))
_DETAILS = ("", "iha", "rha", "dental", "Y", "N", *_VACCINES)
_D_IHA, _D_RHA, _D_DENTAL, _D_Y, _D_N, _D_VACCINE0 = 1, 2, 3, 4, 5, 6

PLACEHOLDER_TEXTS = ("1900-01-01", "01/01/1900", "1-Jan-1900", "9999-12-31", "31/12/9999",
                     "1899-12-31", "30/12/1899", "0001-01-01", "1901-01-01")
_EPOCH = date(1970, 1, 1)
_NAT = np.int64(-(10**9))  # "no date" in the int-day arrays
_EXCEL_EPOCH_DAYS = (date(1899, 12, 30) - _EPOCH).days

# Per-cell date formats: ISO, UK, 7-Mar-2024, date-time, Excel serial in text, real Excel date.
_DATE_P_CSV = (0.52, 0.24, 0.08, 0.11, 0.05, 0.0)
_DATE_P_XLSX = (0.20, 0.14, 0.05, 0.07, 0.04, 0.50)
# NHS numbers: plain, spaced, dashed, a number (csv: "9991234567.0", xlsx: numeric cell).
_NHS_P = (0.70, 0.14, 0.05, 0.11)

# Header spellings: SPEC section 1 matches names ignoring case, spaces, underscores, hyphens, dots.
_HEADERS: dict[str, tuple[str, ...]] = {
    "children": ("Child ID", "NHS Number", "Forename", "Surname", "DOB", "Sex", "Legacy_ID"),
    "episodes": ("child_id", "Start Date", "End Date", "Legal Status", "RNE", "Placement Type",
                 "Placement-Area", "Reason End"),
    "health_events": ("Child ID", "Event Type", "Event Date", "detail"),
    "patients": ("NHS Number", "Trust ID", "LA Child ID", "Forename", "Surname", "DOB"),
    "events": ("nhs_number", "Trust ID", "Event Type", "Event Date", "Detail", "Recorded.Date"),
}
_SHEETS = {"children": "Children", "episodes": "Episodes", "health_events": "Health_Events",
           "patients": "Patients", "events": "Events"}
# csv files: encoding and line ending per table; a couple of blank trailing rows on two files.
_CSV_STYLE: dict[str, tuple[str, str]] = {
    "children": ("utf-8-sig", "\n"), "episodes": ("utf-8", "\r\n"),
    "health_events": ("utf-8", "\n"), "patients": ("cp1252", "\r\n"),
    "events": ("utf-8-sig", "\n"),
}
_BLANK_TRAILING = {"episodes": 2, "events": 2}

Arr = np.ndarray


def _days(d: date) -> int:
    return (d - _EPOCH).days


def _k(rate: float, n: int) -> int:
    """How many of `n` to affect at `rate`: at least one once there are 100 to choose from."""
    k = int(round(rate * n))
    if k == 0 and n >= 100:
        k = 1
    return min(k, n)


def _pick(rng: np.random.Generator, eligible: Arr, k: int, size: int) -> Arr:
    """Boolean mask of length `size` with `k` of the `eligible` positions set."""
    mask = np.zeros(size, dtype=bool)
    if k > 0 and len(eligible):
        mask[rng.choice(eligible, size=min(k, len(eligible)), replace=False)] = True
    return mask


def _uniform_int(rng: np.random.Generator, lo: Arr | int, hi: Arr | int, size: int) -> Arr:
    """Integers uniform in [lo, hi] (inclusive, elementwise)."""
    lo_a = np.broadcast_to(np.asarray(lo, dtype=np.int64), (size,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=np.int64), (size,))
    span = np.maximum(hi_a - lo_a + 1, 1)
    return lo_a + np.floor(rng.random(size) * span).astype(np.int64)


def _add_months(days: Arr, months: Arr | int) -> Arr:
    """Calendar months, the day of month clamped to the end of a shorter month (SPEC §2)."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    nm = m + np.asarray(months, dtype=np.int64)
    last = ((nm + 1).astype("datetime64[D]") - nm.astype("datetime64[D]")).astype(np.int64) - 1
    return (nm.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, last)).astype(np.int64)


class _Calendar:
    """English working days (SPEC §2) with numpy's business-day arithmetic."""

    def __init__(self, first_year: int, last_year: int) -> None:
        import holidays

        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
        self.holidays = np.array(sorted(_days(d) for d in hol), dtype=np.int64)
        self.cal = np.busdaycalendar(holidays=self.holidays.astype("datetime64[D]"))

    def add(self, days: Arr, wd: Arr) -> Arr:
        """The `wd`-th working day after `days` (a non-working start counts from the next)."""
        out = np.busday_offset(days.astype("datetime64[D]"), wd, roll="forward",
                               busdaycal=self.cal)
        return out.astype(np.int64)


# --- the truth ----------------------------------------------------------------------------------


class _Truth:
    """The clean generated world, as numpy arrays, before any cell is dirtied."""

    def __init__(self, n: int, seed: int, as_of: date, cutover: date,
                 defects: bool = True) -> None:
        self.rng = rng = np.random.default_rng(seed)
        self.n = n
        self.defects = defects  # False: no defect that fails `healthcheck validate`
        self.A = A = _days(as_of)
        self.C = _days(cutover)
        self.cal = _Calendar(min(as_of.year, cutover.year) - 20, max(as_of.year, cutover.year) + 2)
        self.n_ho = n_ho = _k(0.012, n) if n >= 50 else 0  # health-only patients
        self.N = N = n + n_ho  # children [0, n) are the LA's; [n, N) are known to health only

        # people
        age = 30 + np.floor(rng.beta(1.5, 1.0, N) * (6570 - 30)).astype(np.int64)
        self.dob = A - age
        self.sex = rng.random(N) < 0.5  # True = female
        self.forename = np.where(self.sex, rng.integers(0, len(_GIRLS), N),
                                 len(_GIRLS) + rng.integers(0, len(_BOYS), N))
        self.surname = rng.integers(0, len(_SURNAMES), N)
        if N:  # at least one non-ASCII name, so the cp1252 file carries one
            self.sex[0] = True
            self.forename[0] = _GIRLS.index("Zoë")
        self._unique_demographics()

        # identifiers: 7-digit child ids (extra ones for legacy duplicates), trust ids, NHS numbers
        ids = rng.choice(8_999_999, size=2 * N + 10, replace=False) + 1_000_000
        self.child_ids = ids[: N + 5 + N // 50]
        self.trust_ids = rng.choice(8_999_999, size=N, replace=False) + 1_000_000
        self.nhs = _valid_nhs_numbers(rng, N)

        self._episodes()
        self._roles()
        self._events()

    def _unique_demographics(self) -> None:
        """No two children share DOB, surname and first initial (so demographic matching and
        duplicate detection only fire where a defect was injected)."""
        initials = {c: i for i, c in enumerate(sorted({s[0].lower() for s in _FORENAMES}))}
        ini = np.array([initials[s[0].lower()] for s in _FORENAMES])[self.forename]
        for _ in range(200):
            key = (self.dob * len(_SURNAMES) + self.surname) * 64 + ini
            _, first = np.unique(key, return_index=True)
            dup = np.ones(len(key), dtype=bool)
            dup[first] = False
            if not dup.any():
                return
            self.surname[dup] = self.rng.integers(0, len(_SURNAMES), int(dup.sum()))
        raise RuntimeError("could not make children's demographics unique")

    def _episodes(self) -> None:
        rng, N, A, C = self.rng, self.N, self.A, self.C
        earliest = np.maximum(self.dob, A - 6 * 365)
        s0 = _uniform_int(rng, earliest, A - 1, N)
        # a clump of starts on the cutover date: the migration re-keyed the true start
        clump_ok = np.nonzero((self.dob < C) & (np.arange(N) < self.n))[0]
        self.clump = _pick(rng, clump_ok, _k(0.04, self.n), N)
        s0[self.clump] = C
        # some starts on bank holidays (weekends happen by themselves)
        hol = self.cal.holidays
        lo = np.searchsorted(hol, earliest)
        hi = np.searchsorted(hol, A - 2, side="right")
        bh = _pick(rng, np.nonzero((hi > lo) & ~self.clump)[0], _k(0.015, N), N)
        h_idx = _uniform_int(rng, lo, np.asarray(hi - 1), N)
        s0[bh] = hol[np.clip(h_idx[bh], 0, max(len(hol) - 1, 0))]

        in_care = rng.random(N) < 0.75
        in_care |= s0 >= A - 1
        T = np.where(in_care, A, _uniform_int(rng, s0 + 1, A - 1, N))
        span = T - s0
        k = rng.choice(np.array([1, 2, 3]), size=N, p=[0.5, 0.32, 0.18])
        reentry = (k >= 2) & (rng.random(N) < 0.3)
        reentry &= span >= k + 1
        k = np.minimum(k, span)
        m = k + reentry
        cols = np.arange(4)
        active = cols[None, :] < m[:, None]
        w = rng.gamma(1.0, size=(N, 4)) * active
        w /= w.sum(axis=1, keepdims=True)
        parts = np.where(active, 1 + np.floor(w * (span - m)[:, None]).astype(np.int64), 0)
        rows = np.arange(N)
        parts[rows, m - 1] = 0
        parts[rows, m - 1] = span - parts.sum(axis=1)
        bounds = np.concatenate([s0[:, None], s0[:, None] + np.cumsum(parts, axis=1)], axis=1)

        j = np.arange(3)[None, :]
        last = j == (k - 1)[:, None]
        pidx = np.where(reentry[:, None] & last, j + 1, j)
        pidx = np.minimum(pidx, 3)
        ep_start = np.take_along_axis(bounds, pidx, axis=1)
        ep_end = np.take_along_axis(bounds, pidx + 1, axis=1)
        ep_open = last & in_care[:, None]
        ep_mask = j < k[:, None]
        ep_period = (reentry[:, None] & last).astype(np.int64)
        first_in_period = (j == 0) | (ep_period == 1)

        # legal statuses: mostly care orders and s20; short breaks for a few children
        status = rng.choice(len(_STATUSES), size=(N, 3), p=np.array(_STATUS_W) / sum(_STATUS_W))
        sb_only = _pick(rng, np.arange(N), _k(0.02, N), N)
        status[sb_only] = np.where(rng.random((int(sb_only.sum()), 3)) < 0.7, _V3, _V4)
        v3_then = _pick(rng, np.nonzero((k >= 2) & ~sb_only)[0], _k(0.01, N), N)
        status[v3_then] = _C2
        status[v3_then, 0] = _V3

        self.s0, self.in_care, self.k, self.reentry = s0, in_care, k, reentry
        self.sb_only, self.v3_then = sb_only, v3_then
        ci, cj = np.nonzero(ep_mask)
        self.ep_child = ci
        self.ep_start = ep_start[ci, cj]
        self.ep_end = np.where(ep_open[ci, cj], _NAT, ep_end[ci, cj])
        self.ep_status = status[ci, cj]
        self.ep_first = first_in_period[ci, cj]
        self.ep_last_of_period = (last | (reentry[:, None] & (j == (k - 2)[:, None])))[ci, cj]

        # periods: 0 = episodes before a re-entry (or all), 1 = the re-entry episode
        last0 = k - 1 - reentry
        in0 = ep_mask & (j <= last0[:, None])
        non_sb = (status != _V3) & (status != _V4)
        first_clock0 = np.argmax(in0 & non_sb, axis=1)
        has0 = (in0 & non_sb).any(axis=1)
        end0 = ep_end[rows, last0]
        open0 = in_care & ~reentry
        kr = np.nonzero(reentry)[0]
        last_st = status[kr, k[kr] - 1]
        self.p_child = np.concatenate([rows, kr])
        self.p_start = np.concatenate([s0, ep_start[kr, k[kr] - 1]])
        self.p_clock = np.concatenate([
            np.where(has0, ep_start[rows, first_clock0], _NAT),
            np.where((last_st != _V3) & (last_st != _V4), ep_start[kr, k[kr] - 1], _NAT),
        ])
        self.p_open = np.concatenate([open0, in_care[kr]])
        self.p_end = np.concatenate([np.where(open0, A, end0), np.where(in_care[kr], A, T[kr])])

    def defect_k(self, rate: float, n: int) -> int:
        """`_k` for a defect that fails validation: none when defects are off."""
        return _k(rate, n) if self.defects else 0

    def _roles(self) -> None:
        """Disjoint sets of the LA's children that carry one matching defect each."""
        rng, n, N = self.rng, self.n, self.N
        perm = rng.permutation(n)
        perm = np.concatenate([perm[perm != 0], perm[perm == 0]])  # child 0 (Zoë) stays plain
        sizes = {
            "case_only": _k(0.03, n), "case_nhs_blank": _k(0.02, n),
            "case_nhs_invalid": self.defect_k(0.005, n), "patient_nhs_blank": _k(0.02, n),
            "patient_nhs_invalid": self.defect_k(0.004, n), "dob_mismatch": _k(0.01, n),
        }
        self.role: dict[str, Arr] = {}
        at = 0
        for name, size in sizes.items():
            mask = np.zeros(N, dtype=bool)
            mask[perm[at: at + size]] = True
            self.role[name] = mask
            at += size
        rest = np.zeros(N, dtype=bool)
        rest[perm[at:]] = True
        migrated = self.s0 < self.C
        self.role["legacy_dup"] = _pick(rng, np.nonzero(rest & migrated)[0],
                                        self.defect_k(0.01, n), N)
        self.plain = rest & ~self.role["legacy_dup"]
        self.has_patient = ~self.role["case_only"]
        self.health_only = np.arange(N) >= n
        # la_child_id on the trust's record
        la = rng.random(N) < 0.6
        half = rng.random(N) < 0.5
        la = np.where(self.role["case_nhs_blank"] | self.role["patient_nhs_blank"], half, la)
        self.la_set = la & ~self.health_only
        # the trust's DOB: a few keyed wrongly (a year out, or days out; always earlier)
        shift = np.where(rng.random(N) < 0.5, 365, rng.integers(1, 40, N))
        self.p_dob = np.where(self.role["dob_mismatch"], self.dob - shift, self.dob)
        self.legacy_ids = rng.choice(899_999, size=N, replace=False) + 100_000
        self.history_lost = (rng.random(N) < 0.15) & (np.arange(N) < n)

    def _events(self) -> None:
        """Health events per period of care with a clock, then the case system's copy."""
        rng, A, cal = self.rng, self.A, self.cal
        has_clock = self.p_clock != _NAT
        pc = self.p_child[has_clock]
        c = self.p_clock[has_clock]
        pend = self.p_end[has_clock]
        pdob = self.dob[pc]
        P = len(pc)
        out_c: list[Arr] = []
        out_t: list[Arr] = []
        out_d: list[Arr] = []
        out_x: list[Arr] = []

        def emit(idx: Arr, etype: int, dates: Arr, detail: Arr | int = 0) -> None:
            out_c.append(pc[idx])
            out_t.append(np.full(len(idx), etype, dtype=np.int64))
            out_d.append(dates.astype(np.int64))
            out_x.append(np.broadcast_to(np.asarray(detail, dtype=np.int64), (len(idx),)).copy())

        def within(dates: Arr, keep: Arr) -> Arr:
            return np.nonzero(keep & (dates <= pend) & (dates <= A))[0]

        # notification received: most within 5 working days, ~15% later, a few before the start
        r = rng.random(P)
        delay = np.where(r < 0.85, _uniform_int(rng, 0, 5, P), _uniform_int(rng, 6, 25, P))
        nr = cal.add(c, delay)
        early = rng.random(P) < 0.03
        nr = np.where(early, np.maximum(c - _uniform_int(rng, 1, 7, P), pdob), nr)
        rng_mask = rng.random(P) < 0.97
        idx = within(nr, rng_mask)
        emit(idx, _NOTE_RECV, nr[idx])
        # the LA's own notification_sent (case system only)
        r = rng.random(P)
        ns = cal.add(c, np.where(r < 0.8, _uniform_int(rng, 0, 3, P), _uniform_int(rng, 4, 20, P)))
        ns_keep = rng.random(P) < 0.95
        # IHA requested
        req = cal.add(c, _uniform_int(rng, 1, 5, P))
        idx = within(req, rng.random(P) < 0.85)
        emit(idx, _IHA_REQ, req[idx])
        # IHA: ~8% none, ~5% in the 3 months before placement, ~1/3 of the rest late
        r = rng.random(P)
        iha = np.where(r < 0.08, _NAT, np.where(
            r < 0.13, np.maximum(c - _uniform_int(rng, 1, 85, P), pdob), np.where(
                r < 0.71, cal.add(c, _uniform_int(rng, 3, 20, P)),
                cal.add(c, _uniform_int(rng, 21, 70, P)))))
        iha_ok = (iha != _NAT) & (iha <= pend) & (iha <= A)
        declined_iha = iha_ok & (rng.random(P) < 0.02)
        idx = np.nonzero(declined_iha)[0]
        emit(idx, _DECLINED, iha[idx], _D_IHA)
        iha_ok &= ~declined_iha
        idx = np.nonzero(iha_ok)[0]
        emit(idx, _IHA, iha[idx])
        imm_status = np.where(rng.random(P) < 0.85, _D_Y, _D_N)
        emit(idx, _IMM_UTD, iha[idx], imm_status[idx])
        rep = cal.add(np.where(iha_ok, iha, c), _uniform_int(rng, 1, 10, P))
        idx = np.nonzero(iha_ok & (rng.random(P) < 0.8) & (rep <= A))[0]
        emit(idx, _IHA_REPORT, rep[idx])

        # RHA rounds: 6-monthly under 5, else 12-monthly; ~88% on time
        last = np.where(iha_ok, iha, _NAT)
        active = iha_ok.copy()
        for _ in range(60):
            ia = np.nonzero(active)[0]
            if not len(ia):
                break
            lst = last[ia]
            under5 = lst < _add_months(pdob[ia], 60)
            due = _add_months(lst, np.where(under5, 6, 12))
            m = len(ia)
            late = rng.random(m) >= 0.88
            nxt = np.maximum(due + np.where(late, _uniform_int(rng, 10, 150, m),
                                            -_uniform_int(rng, 0, 45, m)), lst + 60)
            ok = (nxt <= pend[ia]) & (nxt <= A)
            kind = rng.random(m)
            wnb = ok & (kind < 0.03)
            emit(ia[wnb], _WNB, np.maximum(nxt[wnb] - _uniform_int(rng, 7, 40, int(wnb.sum())),
                                           lst[wnb] + 1), _D_RHA)
            dec = ok & (kind >= 0.03) & (kind < 0.045)
            emit(ia[dec], _DECLINED, nxt[dec], _D_RHA)
            done = ok & ~dec
            emit(ia[done], _RHA, nxt[done])
            st = np.where(rng.random(m) < 0.85, _D_Y, _D_N)
            emit(ia[done], _IMM_UTD, nxt[done], st[done])
            last[ia] = nxt
            active[ia[~ok]] = False

        # dental: first within ~40 working days, then yearly (~81% within the last year)
        first = cal.add(c, _uniform_int(rng, 10, 60, P))
        last = first
        active = (rng.random(P) < 0.9) & (first <= pend) & (first <= A)
        rounds = 0
        while active.any() and rounds < 60:
            ia = np.nonzero(active)[0]
            m = len(ia)
            kind = rng.random(m)
            dec = kind < 0.015
            emit(ia[dec], _DECLINED, last[ia][dec], _D_DENTAL)
            emit(ia[~dec], _DENTAL, last[ia][~dec])
            late = rng.random(m) >= 0.84
            nxt = _add_months(last[ia], 12) + np.where(
                late, _uniform_int(rng, 20, 200, m), -_uniform_int(rng, 0, 60, m))
            ok = (nxt <= pend[ia]) & (nxt <= A)
            last = last.copy()
            last[ia] = nxt
            active[ia[~ok]] = False
            rounds += 1

        # immunisations given, was-not-brought appointments
        n_imm = rng.poisson(0.9, P)
        ii = np.repeat(np.arange(P), n_imm)
        d = _uniform_int(rng, c[ii], np.minimum(pend[ii], A), len(ii))
        emit(ii, _IMM, d, _D_VACCINE0 + rng.integers(0, len(_VACCINES), len(ii)))
        wnb = np.nonzero(rng.random(P) < 0.04)[0]
        d = _uniform_int(rng, c[wnb], np.minimum(pend[wnb], A), len(wnb))
        emit(wnb, _WNB, d, rng.choice(np.array([_D_IHA, _D_RHA, _D_DENTAL]), len(wnb)))

        h_child = np.concatenate(out_c) if out_c else np.zeros(0, np.int64)
        h_type = np.concatenate(out_t) if out_t else np.zeros(0, np.int64)
        h_date = np.concatenate(out_d) if out_d else np.zeros(0, np.int64)
        h_det = np.concatenate(out_x) if out_x else np.zeros(0, np.int64)

        # the case system's copy of iha/rha/dental: mostly the same date, some missing in one
        # system or the other, some keyed days to weeks apart
        mirror = np.isin(h_type, [_IHA, _RHA, _DENTAL])
        M = len(h_type)
        r = rng.random(M)
        miss_case = mirror & (r < 0.05)
        miss_health = mirror & (r >= 0.05) & (r < 0.075)
        shifted = mirror & (r >= 0.075) & (r < 0.105)
        delta = _uniform_int(rng, 2, 21, M) * np.where(rng.random(M) < 0.5, 1, -1)
        cd = h_date + np.where(shifted, delta, 0)
        cd = np.where(cd > A, h_date - np.abs(delta), cd)
        cd = np.where(shifted & (cd < self.dob[h_child]), h_date + np.abs(delta), cd)
        lost = self.history_lost[h_child] & (h_date < self.C)
        # the LA also records the immunisation status it is told (most of it, same day)
        imm_case = (h_type == _IMM_UTD) & (r < 0.9) & ~lost
        in_case = mirror & ~miss_case & ~lost | imm_case
        ns_idx = np.nonzero(ns_keep & (ns <= A) & (ns <= pend))[0]
        self.c_child = np.concatenate([h_child[in_case], pc[ns_idx]])
        self.c_type = np.concatenate([h_type[in_case], np.full(len(ns_idx), _NOTE_SENT)])
        self.c_date = np.concatenate([cd[in_case], ns[ns_idx]])
        self.c_detail = np.concatenate([np.where(imm_case, h_det, 0)[in_case],
                                        np.zeros(len(ns_idx), np.int64)])
        self.c_shifted = np.concatenate([shifted[in_case] & (cd != h_date)[in_case],
                                         np.zeros(len(ns_idx), bool)])
        keep_h = ~miss_health & self.has_patient[h_child]
        self.h_child, self.h_type = h_child[keep_h], h_type[keep_h]
        self.h_date, self.h_detail = h_date[keep_h], h_det[keep_h]


def _valid_nhs_numbers(rng: np.random.Generator, size: int) -> Arr:
    """`size` distinct valid NHS numbers (int64) in the never-issued 999 range."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    want = int(size * 1.25) + 20
    body = rng.choice(1_000_000, size=min(want, 1_000_000), replace=False).astype(np.int64)
    nine = 999_000_000 + body
    digits = (nine[:, None] // (10 ** np.arange(8, -1, -1))[None, :]) % 10
    total = (digits * np.arange(10, 1, -1)[None, :]).sum(axis=1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    full = nine * 10 + check
    ok = (check != 10) & (full != 9_999_999_999)
    full = full[ok]
    if len(full) < size:
        raise ValueError("too many children for the 999 NHS number range")
    return full[:size]


def _invalid_variant(rng: np.random.Generator, valid: Arr) -> pl.Series:
    """Invalid NHS numbers: the right shape with a wrong check digit, or one digit short."""
    m = len(valid)
    wrong = (valid % 10 + _uniform_int(rng, 1, 9, m)) % 10
    bad_check = (valid // 10) * 10 + wrong
    short = rng.random(m) < 0.3
    text = np.where(short, (valid // 10).astype(str), bad_check.astype(str))
    return pl.Series(text.tolist() if m else [], dtype=pl.String)


# --- dirty formatting ---------------------------------------------------------------------------


class _Col:
    """An output column: text for every cell, and for xlsx optionally native values (real dates,
    numeric NHS numbers) in the cells where `native_mask` is set."""

    def __init__(self, text: pl.Series, native: pl.Series | None = None,
                 native_mask: Arr | None = None) -> None:
        self.text = text
        self.native = native
        self.native_mask = native_mask

    def cells(self) -> list[Any]:
        text = self.text.to_list()
        if self.native is None or self.native_mask is None or not self.native_mask.any():
            return text
        native = self.native.to_list()
        mask = self.native_mask.tolist()
        return [v if use else t for t, v, use in zip(text, native, mask, strict=True)]


def _gather(values: pl.Series, key: Arr) -> pl.Series:
    """values[key], on the Rust side."""
    return values.gather(pl.Series(np.asarray(key, dtype=np.int64)))


def _vocab(vocab: tuple[str | None, ...] | list[str | None], key: Arr) -> pl.Series:
    return _gather(pl.Series(list(vocab), dtype=pl.String), key)


def _format_dates(rng: np.random.Generator, days: Arr, xlsx: bool, unparseable: Arr,
                  placeholder: Arr) -> _Col:
    """Dates in the mix of formats a real extract holds; the defect cells as given.

    Each distinct date is formatted once in every style and the cells gather their style.
    """
    n = len(days)
    present = days != _NAT
    f = rng.choice(6, size=n, p=_DATE_P_XLSX if xlsx else _DATE_P_CSV)
    kind = rng.integers(0, 6, n)
    ph = rng.integers(0, len(PLACEHOLDER_TEXTS), n)
    pad = rng.random(n)
    uniq, inv = np.unique(np.where(present, days, 0), return_inverse=True)
    U = len(uniq)
    d = pl.col("d")
    iso = d.dt.strftime("%Y-%m-%d")
    forms = pl.DataFrame({"d": pl.Series(uniq.astype(np.int32)).cast(pl.Date)}).select(
        iso.alias("0"), d.dt.strftime("%d/%m/%Y").alias("1"),
        d.dt.strftime("%-d-%b-%Y").alias("2"), (iso + pl.lit(" 00:00:00")).alias("3"),
        (d.cast(pl.Int32) - _EXCEL_EPOCH_DAYS).cast(pl.String).alias("4"), iso.alias("5"),
    )
    flat = pl.concat([
        v for c in forms.columns
        for v in (forms[c], " " + forms[c], forms[c] + " ")
    ])
    padkind = np.where(pad < 0.005, 1, np.where(pad < 0.01, 2, 0))
    text = _gather(flat, (f * 3 + padkind) * U + inv.reshape(-1))
    if (~present).any():
        text = text.scatter(np.nonzero(~present)[0], None)
    bad_idx = np.nonzero(unparseable)[0]
    if len(bad_idx):
        # never readable by a careful day-first reader
        sub = pl.DataFrame({
            "d": pl.Series(days[bad_idx].astype(np.int32)).cast(pl.Date), "k": kind[bad_idx],
        })
        y = d.dt.year().cast(pl.String)
        dd = d.dt.day().cast(pl.String).str.zfill(2)
        k = pl.col("k")
        bad = (
            pl.when(k == 0).then(pl.format("{}/02/{}", pl.when(d.dt.day() % 2 == 0)
                                           .then(pl.lit("30")).otherwise(pl.lit("31")), y))
            .when(k == 1).then(pl.format("{}-13-{}", y, dd))
            .when(k == 2).then(pl.lit("unknown"))
            .when(k == 3).then(pl.lit("TBC"))
            .when(k == 4).then(pl.format(  # US month-first with a day over 12: 03/27/2024
                "{}/{}/{}", d.dt.month().cast(pl.String).str.zfill(2),
                pl.max_horizontal(d.dt.day(), pl.lit(13)).cast(pl.String), y))
            .otherwise(pl.lit("not known"))
        )
        text = text.scatter(bad_idx, sub.select(bad.alias("t"))["t"])
    ph_idx = np.nonzero(placeholder)[0]
    if len(ph_idx):
        text = text.scatter(ph_idx, _vocab(PLACEHOLDER_TEXTS, ph[ph_idx]))
    if not xlsx:
        return _Col(text)
    native_mask = present & (f == 5) & ~unparseable & ~placeholder
    native = pl.Series(np.where(present, days, 0).astype(np.int32)).cast(pl.Date)
    return _Col(text, native, native_mask)


def _format_nhs(rng: np.random.Generator, digits: pl.Series, valid: Arr, xlsx: bool) -> _Col:
    """NHS numbers: plain, spaced, dashed, or stored as a number. Invalid ones stay text."""
    n = len(digits)
    f = rng.choice(4, size=n, p=_NHS_P)
    pad = rng.random(n)
    df = pl.DataFrame({"s": digits, "f": f, "_pad": pad, "valid": valid})
    s = pl.col("s")
    spaced = pl.format("{} {} {}", s.str.slice(0, 3), s.str.slice(3, 3), s.str.slice(6))
    dashed = pl.format("{}-{}-{}", s.str.slice(0, 3), s.str.slice(3, 3), s.str.slice(6))
    t = (pl.when(pl.col("f") == 1).then(spaced)
         .when((pl.col("f") == 2) & pl.col("valid")).then(dashed)
         .when((pl.col("f") == 3) & pl.col("valid")).then(s + pl.lit(".0"))
         .otherwise(s))
    t = (pl.when(pl.col("_pad") < 0.01).then(t + pl.lit(" ")).otherwise(t))
    out = df.select(t.alias("t"))["t"]
    if not xlsx:
        return _Col(out)
    mask = (f == 3) & valid & digits.is_not_null().to_numpy()
    native = digits.cast(pl.Int64, strict=False)
    return _Col(out, native, mask)


def _format_code(rng: np.random.Generator, codes: pl.Series, lower_rate: float,
                 pad_rate: float) -> _Col:
    """Codes with the odd lower-case or stray space (`c2 `)."""
    n = len(codes)
    df = pl.DataFrame({"s": codes, "r": rng.random(n), "_pad": rng.random(n)})
    s = pl.col("s")
    t = pl.when(pl.col("r") < lower_rate).then(s.str.to_lowercase()).otherwise(s)
    t = (pl.when(pl.col("_pad") < pad_rate / 2).then(pl.lit(" ") + t)
         .when(pl.col("_pad") < pad_rate).then(t + pl.lit(" ")).otherwise(t))
    return _Col(df.select(t.alias("t"))["t"])


def _format_event_type(rng: np.random.Generator, etype: Arr) -> _Col:
    """Event types, mostly canonical; some `IHA`, ` Dental`, `Notification Received`."""
    n = len(etype)
    r = rng.random(n)
    variant = np.select([r < 0.04, r < 0.08, r < 0.10, r < 0.12], [1, 2, 3, 4], 0)
    base = pl.Series(EVENT_TYPES, dtype=pl.String)
    titled = base.str.replace_all("_", " ").str.to_titlecase()
    table = pl.concat([base, base.str.to_uppercase(), titled, " " + titled, base + " "])
    return _Col(_gather(table, variant * len(EVENT_TYPES) + etype))


def _names(rng: np.random.Generator, idx: Arr, vocab: tuple[str, ...], pad_rate: float) -> _Col:
    s = pl.Series(idx.astype(np.int64)).replace_strict(
        list(range(len(vocab))), list(vocab), return_dtype=pl.String)
    return _format_code(rng, s, 0.0, pad_rate)


def _blank_where(values: pl.Series, mask: Arr) -> pl.Series:
    """`values` with the cells where `mask` is set blank."""
    idx = np.nonzero(mask)[0]
    return values.scatter(idx, None) if len(idx) else values


def _text(values: Arr | list[str | None]) -> pl.Series:
    return pl.Series(list(values) if not isinstance(values, list) else values, dtype=pl.String)


# --- assembling the tables ----------------------------------------------------------------------


class _Builder:
    def __init__(self, t: _Truth, case_xlsx: bool, health_xlsx: bool) -> None:
        self.t = t
        self.rng = np.random.default_rng([t.n, 7919, int(t.rng.integers(0, 2**31))])
        self.case_xlsx, self.health_xlsx = case_xlsx, health_xlsx
        self.injected: dict[str, dict[str, int]] = {}
        self.unreadable = np.zeros(0, dtype=bool)
        self.overlaps = 0
        self.tables: dict[str, list[_Col]] = {}
        self.frames: dict[str, pl.DataFrame] = {}

    def count(self, code: str, table: str, k: int) -> None:
        if k:
            by = self.injected.setdefault(code, {})
            by[table] = by.get(table, 0) + int(k)

    def dates(self, table: str, days: Arr, xlsx: bool, eligible_bad: Arr,
              eligible_placeholder: Arr, rate: float = 0.003) -> _Col:
        """Format a date column, injecting unparseable and placeholder cells at `rate` each."""
        rng, n = self.rng, len(days)
        bad = _pick(rng, np.nonzero(eligible_bad)[0],
                    self.t.defect_k(rate, int(eligible_bad.sum())), n)
        ph_ok = eligible_placeholder & ~bad
        ph = _pick(rng, np.nonzero(ph_ok)[0],
                   self.t.defect_k(rate, int(eligible_placeholder.sum())), n)
        self.count("DATE_UNPARSEABLE", table, int(bad.sum()))
        self.count("DATE_PLACEHOLDER", table, int(ph.sum()))
        self.unreadable = bad | ph  # the cells an ingest will read as blank
        return _format_dates(rng, days, xlsx, bad, ph)

    def build(self) -> None:
        self._children()
        self._episodes()
        self._case_events()
        self._patients()
        self._health_events()

    def _children(self) -> None:
        t, rng, xlsx = self.t, self.rng, self.case_xlsx
        n = t.n
        real = np.arange(n)
        dups = np.nonzero(t.role["legacy_dup"])[0]
        src = np.concatenate([real, dups])
        ids = t.child_ids[: n + len(dups)]
        self.child_id_of = t.child_ids[:n]
        m = len(src)
        # NHS number as held by the case system
        nhs_digits = t.nhs[src].astype(str) if m else np.zeros(0, dtype=str)
        blank = t.role["case_nhs_blank"][src]
        invalid = t.role["case_nhs_invalid"][src] & (np.arange(m) < n)
        digits = pl.Series(nhs_digits.tolist(), dtype=pl.String)
        if invalid.any():
            inv = _invalid_variant(rng, t.nhs[src][invalid])
            digits = digits.scatter(np.nonzero(invalid)[0], inv)
        digits = digits.scatter(np.nonzero(blank)[0], None) if blank.any() else digits
        self.count("NHS_NUMBER_INVALID", "children", int(invalid.sum()))
        nhs = _format_nhs(rng, digits, ~invalid & ~blank, xlsx)
        fore = np.array(_FORENAMES, dtype=object)[t.forename[src]]
        dob_ok = t.plain[src] & (np.arange(m) < n)
        dob = self.dates("children", t.dob[src], xlsx, dob_ok, dob_ok)
        sex_codes = pl.Series(np.where(t.sex[src], "F", "M").tolist(), dtype=pl.String)
        legacy = _blank_where("CF" + pl.Series(t.legacy_ids[src]).cast(pl.String),
                              t.s0[src] >= t.C)
        cid = pl.Series(ids.astype(str).tolist(), dtype=pl.String)
        self.tables["children"] = [
            _format_code(rng, cid, 0.0, 0.01), nhs,
            _format_code(rng, _text(fore.tolist()), 0.0, 0.01),
            _names(rng, t.surname[src], _SURNAMES, 0.01),
            dob, _format_code(rng, sex_codes, 0.04, 0.01),
            _Col(legacy),
        ]
        order = np.argsort(ids, kind="stable")
        self.frames["children"] = pl.DataFrame({
            "src": src, "child_id": ids.astype(str), "valid_nhs": np.where(
                blank | invalid, -1, t.nhs[src]), "dob": t.dob[src],
            "surname": t.surname[src], "fore": pl.Series(fore.tolist(), dtype=pl.String),
            "in_care": t.in_care[src] & (np.arange(m) < n), "dup": np.arange(m) >= n,
        })
        self.tables["children"] = _reorder(self.tables["children"], order)

    def _episodes(self) -> None:
        t, rng, xlsx = self.t, self.rng, self.case_xlsx
        keep = t.ep_child < t.n
        child = t.ep_child[keep]
        start, end = t.ep_start[keep], t.ep_end[keep].copy()
        status = t.ep_status[keep].copy()
        first, last_p = t.ep_first[keep], t.ep_last_of_period[keep]
        order = np.lexsort((start, self.child_id_of[child]))
        child, start, end, status = child[order], start[order], end[order], status[order]
        first, last_p = first[order], last_p[order]
        E = len(child)
        closed = end != _NAT
        ebs = _pick(rng, np.nonzero(closed)[0], t.defect_k(0.003, int(closed.sum())), E)
        end = np.where(ebs, start - _uniform_int(rng, 1, 30, E), end)
        self.count("EPISODE_END_BEFORE_START", "episodes", int(ebs.sum()))
        cut = first & (start == t.C)
        st_col = self.dates("episodes", start, xlsx, ~ebs & ~cut, ~ebs & ~cut, rate=0.002)
        end_col = self.dates("episodes", end, xlsx, closed & ~ebs, ~ebs, rate=0.003)
        # a closed episode whose end became unreadable now runs into the child's next one
        followed = np.zeros(E, dtype=bool)
        followed[:-1] = child[:-1] == child[1:]
        self.overlaps = int((self.unreadable & closed & followed).sum())
        codes = pl.Series(np.array(_STATUSES)[status].tolist(), dtype=pl.String)
        unknown = _pick(rng, np.arange(E), t.defect_k(0.005, E), E)
        if unknown.any():
            codes = codes.scatter(np.nonzero(unknown)[0], pl.Series(
                np.array(_UNKNOWN_STATUSES)[rng.integers(0, len(_UNKNOWN_STATUSES),
                                                         int(unknown.sum()))].tolist()))
        self.count("LEGAL_STATUS_UNKNOWN", "episodes", int(unknown.sum()))
        later = rng.choice(len(_RNE_LATER), E, p=np.array(_RNE_W) / sum(_RNE_W))
        rne = _vocab(("S", *_RNE_LATER), np.where(first, 0, 1 + later))
        rne = _blank_where(rne, rng.random(E) < 0.04)
        ptype = _vocab(_PLACEMENT_TYPES, rng.choice(
            len(_PLACEMENT_TYPES), E, p=np.array(_PLACEMENT_W) / sum(_PLACEMENT_W)))
        area = _vocab(("IN", "OUT"), (rng.random(E) >= 0.7).astype(np.int64))
        reason = _vocab(("X1", *_REASONS_END), np.where(
            last_p, 1 + rng.integers(0, len(_REASONS_END), E), 0))
        reason = _blank_where(reason, ~closed)
        cid = pl.Series(self.child_id_of[child]).cast(pl.String)
        self.tables["episodes"] = [
            _format_code(rng, cid, 0.0, 0.01), st_col, end_col,
            _format_code(rng, codes, 0.04, 0.03), _format_code(rng, rne, 0.02, 0.0),
            _Col(ptype), _Col(area), _Col(reason),
        ]

    def _case_events(self) -> None:
        t, rng, xlsx = self.t, self.rng, self.case_xlsx
        keep = t.c_child < t.n
        child, etype, d = t.c_child[keep], t.c_type[keep], t.c_date[keep]
        det = t.c_detail[keep]
        order = np.lexsort((etype, d, self.child_id_of[child]))
        child, etype, d, det = child[order], etype[order], d[order], det[order]
        m = len(child)
        date_col = self.dates("health_events", d, xlsx, np.ones(m, bool), np.ones(m, bool))
        self.frames["case_events"] = pl.DataFrame(
            {"src": child, "type": etype, "date": np.where(self.unreadable, _NAT, d)})
        cid = pl.Series(self.child_id_of[child]).cast(pl.String)
        self.tables["health_events"] = [
            _format_code(rng, cid, 0.0, 0.01), _format_event_type(rng, etype), date_col,
            _Col(_vocab([None if x == "" else x for x in _DETAILS], det)),
        ]

    def _patients(self) -> None:
        t, rng, xlsx = self.t, self.rng, self.health_xlsx
        src = np.nonzero(t.has_patient)[0]
        src = src[np.argsort(t.trust_ids[src], kind="stable")]
        blank = t.role["patient_nhs_blank"][src]
        invalid = t.role["patient_nhs_invalid"][src]
        digits = pl.Series(t.nhs[src].astype(str).tolist(), dtype=pl.String)
        if invalid.any():
            digits = digits.scatter(np.nonzero(invalid)[0],
                                    _invalid_variant(rng, t.nhs[src][invalid]))
        if blank.any():
            digits = digits.scatter(np.nonzero(blank)[0], None)
        self.count("NHS_NUMBER_INVALID", "patients", int(invalid.sum()))
        self.patient_nhs_usable = np.zeros(t.N, dtype=bool)
        self.patient_nhs_usable[src] = ~blank & ~invalid
        nhs = _format_nhs(rng, digits, ~blank & ~invalid, xlsx)
        la = _blank_where(pl.Series(t.child_ids[src]).cast(pl.String),
                          ~(t.la_set[src] & (src < t.n)))
        fore = np.array(_FORENAMES, dtype=object)[t.forename[src]].tolist()
        dob_ok = t.plain[src] | t.health_only[src]
        dob = self.dates("patients", t.p_dob[src], xlsx, dob_ok, dob_ok)
        self.tables["patients"] = [
            nhs, _Col(_text(("T" + t.trust_ids[src].astype(str)).tolist())),
            _format_code(rng, la, 0.0, 0.01),
            _format_code(rng, _text(fore), 0.0, 0.01),
            _names(rng, t.surname[src], _SURNAMES, 0.01), dob,
        ]
        self.frames["patients"] = pl.DataFrame({
            "src": src, "valid_nhs": np.where(blank | invalid, -1, t.nhs[src]),
            "la": la, "dob": t.p_dob[src],
            "surname": t.surname[src], "fore": pl.Series(fore, dtype=pl.String),
        })

    def _health_events(self) -> None:
        t, rng, xlsx = self.t, self.rng, self.health_xlsx
        child, etype, d, det = t.h_child, t.h_type, t.h_date, t.h_detail
        order = np.lexsort((etype, d, t.trust_ids[child]))
        child, etype, d, det = child[order], etype[order], d[order], det[order]
        m = len(child)
        # a few vaccines keyed with a date after the extract (DATE_IN_FUTURE)
        future = _pick(rng, np.nonzero(etype == _IMM)[0], t.defect_k(0.0005, m), m)
        d = np.where(future, t.A + _uniform_int(rng, 1, 60, m), d)
        self.count("DATE_IN_FUTURE", "events", int(future.sum()))
        lag = np.where(rng.random(m) < 0.6, _uniform_int(rng, 0, 7, m), np.where(
            rng.random(m) < 0.75, _uniform_int(rng, 8, 30, m), _uniform_int(rng, 31, 120, m)))
        rec = np.where(future, d, np.minimum(d + lag, t.A))
        rec = np.where(rng.random(m) < 0.02, _NAT, rec)
        date_col = self.dates("events", d, xlsx, ~future, ~future)
        self.frames["health_events"] = pl.DataFrame(
            {"src": child, "type": etype, "date": np.where(self.unreadable, _NAT, d)})
        rec_col = self.dates("events", rec, xlsx, rec != _NAT, rec != _NAT)
        usable = self.patient_nhs_usable[child]
        digits = pl.Series(t.nhs[child]).cast(pl.String)
        if (~usable).any():
            digits = digits.scatter(np.nonzero(~usable)[0], None)
        nhs = _format_nhs(rng, digits, usable, xlsx)
        trust = ("T" + pl.Series(t.trust_ids[child]).cast(pl.String))
        no_trust = np.nonzero(usable & (rng.random(m) >= 0.3))[0]
        if len(no_trust):
            trust = trust.scatter(no_trust, None)
        # detail, with the odd "Yes"/"No" and "IHA"/"DENTAL"
        vocab = [None if x == "" else x for x in _DETAILS]
        alt = list(vocab)
        alt[_D_Y], alt[_D_N] = "Yes", "No"
        for i in (_D_IHA, _D_RHA, _D_DENTAL):
            alt[i] = _DETAILS[i].upper()
        r = rng.random(m)
        use_alt = ((det == _D_Y) | (det == _D_N)) & (r < 0.1) | (
            (det >= _D_IHA) & (det <= _D_DENTAL) & (r < 0.15))
        detail = _vocab(vocab + alt, det + np.where(use_alt, len(vocab), 0))
        self.tables["events"] = [
            nhs, _Col(trust), _format_event_type(rng, etype), date_col,
            _format_code(rng, detail, 0.0, 0.01), rec_col,
        ]


def _reorder(cols: list[_Col], order: Arr) -> list[_Col]:
    idx = pl.Series(order.astype(np.int64))
    out = []
    for c in cols:
        native = c.native.gather(idx) if c.native is not None else None
        mask = c.native_mask[order] if c.native_mask is not None else None
        out.append(_Col(c.text.gather(idx), native, mask))
    return out


# --- expected derived flags ---------------------------------------------------------------------


def _derived(b: _Builder) -> dict[str, int]:
    """Derived flags expected from the truth, by the SPEC's matching rules."""
    t = b.t
    kids = b.frames["children"]
    pats = b.frames["patients"]
    key = [pl.col("dob"), pl.col("surname"), pl.col("fore").str.slice(0, 1).str.to_lowercase()]
    kids = kids.with_columns(k_dob=key[0], k_sur=key[1], k_ini=key[2])
    pats = pats.with_columns(k_dob=key[0], k_sur=key[1], k_ini=key[2])
    by_nhs = kids.filter(pl.col("valid_nhs") > 0).join(
        pats.filter(pl.col("valid_nhs") > 0).select("valid_nhs", psrc="src"), on="valid_nhs")
    matched = by_nhs.select("child_id", "psrc").with_columns(method=pl.lit("nhs"))
    rest = kids.join(matched, on="child_id", how="anti")
    by_la = rest.join(pats.filter(pl.col("la").is_not_null()).select(
        child_id="la", psrc="src"), on="child_id")
    matched = pl.concat([matched, by_la.select("child_id", "psrc").with_columns(
        method=pl.lit("la_id"))])
    rest = kids.join(matched, on="child_id", how="anti")
    unique_demo = pats.group_by("k_dob", "k_sur", "k_ini").agg(
        psrc=pl.col("src").first(), cnt=pl.len()).filter(pl.col("cnt") == 1)
    by_demo = rest.join(unique_demo, on=["k_dob", "k_sur", "k_ini"])
    matched = pl.concat([matched, by_demo.select("child_id", "psrc").with_columns(
        method=pl.lit("demographics"))])
    m = matched.join(kids.select("child_id", "dob", "src", "in_care"), on="child_id").join(
        pats.select(psrc="src", pdob="dob"), on="psrc")
    unmatched = kids.join(matched, on="child_id", how="anti")
    out = {
        "MATCHED_ON_DEMOGRAPHICS": int((m["method"] == "demographics").sum()),
        "DOB_MISMATCH": int((m["dob"] != m["pdob"]).sum()),
        "CASE_ONLY": int(unmatched["in_care"].sum()),
        "HEALTH_ONLY": pats.height - m["psrc"].n_unique(),
        # one flag per record involved (both the migrated and the legacy child_id)
        "LIKELY_DUPLICATE_CHILD": 2 * int(kids["dup"].sum()),
        "DUPLICATE_NHS_NUMBER": int(kids.filter(pl.col("valid_nhs") > 0)
                                    .group_by("valid_nhs").len().filter(pl.col("len") > 1)
                                    ["len"].sum()),
        "EPISODE_OVERLAP": b.overlaps,
        "NHS_NUMBER_MISSING": int(kids.filter(pl.col("in_care") & ~pl.col("dup"))
                                  .join(pl.DataFrame({"src": np.nonzero(
                                      t.role["case_nhs_blank"])[0]}), on="src").height),
    }
    # periods of the LA's children: cutover starts, history gaps
    periods = pl.DataFrame({"src": t.p_child, "start": t.p_start, "open": t.p_open}).filter(
        pl.col("src") < t.n)
    out["MIGRATION_CUTOVER_START"] = int((periods["start"] == t.C).sum())
    current = periods.filter(pl.col("open") & (pl.col("start") < t.C))
    assess = [_IHA, _RHA, _DENTAL]
    dated = (pl.col("date") != _NAT) & (pl.col("date") <= t.A)
    case_pre = b.frames["case_events"].filter(
        dated & pl.col("type").is_in(assess) & (pl.col("date") < t.C))
    health_pre = b.frames["health_events"].filter(
        dated & pl.col("type").is_in(assess) & (pl.col("date") < t.C))
    matched_src = m.select("src").unique()
    gap = (current.join(matched_src, on="src").join(case_pre, on="src", how="anti")
           .join(health_pre.select("src").unique(), on="src"))
    out["MIGRATION_HISTORY_GAP"] = gap.select("src").n_unique()
    # the two systems' iha/rha/dental compared (matched children)
    window = int(_add_months(np.array([t.A]), -24)[0])
    h = b.frames["health_events"].filter(dated & pl.col("type").is_in(assess)).join(
        matched_src, on="src")
    c = b.frames["case_events"].filter(dated & pl.col("type").is_in(assess)).join(
        matched_src, on="src")
    h = h.with_row_index("hid")
    c = c.with_row_index("cid")
    pairs = h.join(c, on=["src", "type"], suffix="_c").with_columns(
        gap=(pl.col("date") - pl.col("date_c")).abs()).filter(pl.col("gap") <= 31)
    recent = (pl.col("date") >= window) & (pl.col("date") <= t.A)
    out["EVENT_MISSING_IN_CASE"] = h.filter(recent).join(pairs.select("hid"), on="hid",
                                                         how="anti").height
    out["EVENT_MISSING_IN_HEALTH"] = c.filter(recent).join(pairs.select("cid"), on="cid",
                                                           how="anti").height
    nearest = pairs.filter(recent).sort("hid", "gap", "cid").group_by(
        "hid", maintain_order=True).first()
    out["DATE_MISMATCH"] = int((nearest["gap"] > 0).sum())
    return out


# --- writing ------------------------------------------------------------------------------------


def _write_csv(folder: Path, tables: dict[str, list[_Col]]) -> dict[str, str]:
    folder.mkdir(parents=True)
    encodings = {}
    for name, cols in tables.items():
        headers = _HEADERS[name]
        df = pl.DataFrame({h: c.text for h, c in zip(headers, cols, strict=True)})
        encoding, eol = _CSV_STYLE[name]
        text = df.write_csv(line_terminator=eol)
        text += ("," * (len(headers) - 1) + eol) * _BLANK_TRAILING.get(name, 0)
        (folder / f"{name}.csv").write_bytes(text.encode(encoding))
        encodings[name] = encoding
    return encodings


def _write_xlsx(path: Path, tables: dict[str, list[_Col]]) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    for name, cols in tables.items():
        ws = wb.create_sheet(_SHEETS[name])
        ws.append(list(_HEADERS[name]))
        for row in zip(*(c.cells() for c in cols), strict=True):
            ws.append(row)
    wb.save(path)


def _clear(out: Path, stem: str) -> None:
    for p in (out / f"{stem}.xlsx", out / stem):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def write_samples(out: Path, *, children: int = 200, seed: int = 1, as_of: date | None = None,
                  case_format: str = "xlsx", health_format: str = "csv",
                  cutover: date | None = None, defects: bool = True) -> dict:
    """Write a synthetic case extract and health extract with realistic defects into `out`.

    `defects=False` leaves out every defect that fails `healthcheck validate` (unreadable and
    placeholder dates, invalid NHS numbers, unknown legal statuses, episodes ending before they
    start, future dates, legacy duplicates); the two systems still disagree as real ones do.

    Returns the manifest (also written to `out/manifest.json`).
    """
    if case_format not in ("xlsx", "csv") or health_format not in ("xlsx", "csv"):
        raise ValueError("formats must be 'xlsx' or 'csv'")
    if not 1 <= children <= 500_000:
        raise ValueError("children must be between 1 and 500,000")
    as_of = as_of or date.today()
    cutover = cutover or date(as_of.year - 2, 10, 31)
    out = Path(out)
    truth = _Truth(children, seed, as_of, cutover, defects)
    b = _Builder(truth, case_format == "xlsx", health_format == "xlsx")
    b.build()
    derived = _derived(b)

    out.mkdir(parents=True, exist_ok=True)
    _clear(out, "case")
    _clear(out, "health")
    case_tables = {k: b.tables[k] for k in ("children", "episodes", "health_events")}
    health_tables = {k: b.tables[k] for k in ("patients", "events")}
    files: dict[str, str] = {}
    encodings: dict[str, str] = {}
    blank_rows: dict[str, int] = {}
    for stem, fmt, tables in (("case", case_format, case_tables),
                              ("health", health_format, health_tables)):
        if fmt == "xlsx":
            _write_xlsx(out / f"{stem}.xlsx", tables)
            files[stem] = f"{stem}.xlsx"
        else:
            encodings.update(_write_csv(out / stem, tables))
            files[stem] = f"{stem}/"
            blank_rows.update({k: v for k, v in _BLANK_TRAILING.items() if k in tables})

    injected_by_table = {code: dict(sorted(v.items())) for code, v in sorted(b.injected.items())}
    injected = {code: sum(v.values()) for code, v in injected_by_table.items()}
    for code in EXACT_CODES:
        injected.setdefault(code, 0)
    injected.update({k: v for k, v in derived.items()})
    manifest: dict[str, Any] = {
        "generator": "healthcheck.samples",
        "seed": seed,
        "children": children,
        "defects": defects,
        "as_of": as_of.isoformat(),
        "cutover": cutover.isoformat(),
        "case_format": case_format,
        "health_format": health_format,
        "files": files,
        "rows": {name: cols[0].text.len() for name, cols in b.tables.items()},
        "blank_trailing_rows": blank_rows,
        "csv_encodings": encodings,
        "injected": dict(sorted(injected.items())),
        "exact": list(EXACT_CODES),
        "injected_by_table": injected_by_table,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
