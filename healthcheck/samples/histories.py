"""The truth: synthetic children, their identifiers and their care histories (episodes grouped
into periods of care), before any cell is dirtied.

Children [0, n) are the LA's; [n, N) are known to the health trust only. Roles (`World.role`)
are disjoint sets of the LA's children that each carry one matching defect, so any flag the
product raises can be traced to one planted cause. The health events come from `events`.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from healthcheck.samples import vocabulary as v
from healthcheck.samples.days import NAT, day_number, holiday_days
from healthcheck.samples.draws import Arr, Rng, k_of, pick, uniform_int
from healthcheck.samples.events import Events, simulate_events


class World:
    """The clean generated world, as numpy arrays (one element per child, episode or period)."""

    def __init__(self, n: int, seed: int, as_of: date, cutover: date,
                 defects: bool = True) -> None:
        self.rng = rng = np.random.default_rng(seed)
        self.n = n
        self.defects = defects  # False: no defect that fails `healthcheck validate`
        self.A = A = day_number(as_of)
        self.C = day_number(cutover)
        self.n_ho = n_ho = k_of(0.012, n) if n >= 50 else 0  # health-only patients
        self.N = N = n + n_ho

        # people
        age = 30 + np.floor(rng.beta(1.5, 1.0, N) * (6570 - 30)).astype(np.int64)
        self.dob = A - age
        self.sex = rng.random(N) < 0.5  # True = female
        self.forename = np.where(self.sex, rng.integers(0, len(v.GIRLS), N),
                                 len(v.GIRLS) + rng.integers(0, len(v.BOYS), N))
        self.surname = rng.integers(0, len(v.SURNAMES), N)
        if N:  # at least one non-ASCII name, so the cp1252 file carries one
            self.sex[0] = True
            self.forename[0] = v.GIRLS.index("Zoë")
        self._unique_demographics()

        # identifiers: 7-digit child ids (extra ones for legacy duplicates), trust ids, NHS numbers
        ids = rng.choice(8_999_999, size=2 * N + 10, replace=False) + 1_000_000
        self.child_ids = ids[: N + 5 + N // 50]
        self.trust_ids = rng.choice(8_999_999, size=N, replace=False) + 1_000_000
        self.nhs = valid_nhs_numbers(rng, N)

        self._episodes()
        self._roles()
        self.events: Events = simulate_events(self)

    def planted(self) -> dict[str, int]:
        """The record-level situations this world was given, by kind (for the manifest)."""
        counts = {
            "legacy_duplicate_children": self.role["legacy_dup"],  # a second record, same NHS no.
            "case_only_children": self.role["case_only"],  # the LA's, with no trust record
            "health_only_patients": self.health_only,  # the trust's, unknown to the LA
            "case_nhs_blank": self.role["case_nhs_blank"],
            "patient_nhs_blank": self.role["patient_nhs_blank"],
            "trust_dob_keyed_wrongly": self.role["dob_mismatch"],
            "periods_started_on_cutover": self.clump,  # the migration re-keyed the start
            "children_history_lost_in_migration": self.history_lost,
        }
        return {k: int(m.sum()) for k, m in counts.items()} | self.events.planted

    def defect_k(self, rate: float, n: int) -> int:
        """`k_of` for a defect that fails validation: none when defects are off."""
        return k_of(rate, n) if self.defects else 0

    def _unique_demographics(self) -> None:
        """No two children share DOB, surname and first initial (so demographic matching and
        duplicate detection only fire where a defect was injected)."""
        initials = {c: i for i, c in enumerate(sorted({s[0].lower() for s in v.FORENAMES}))}
        ini = np.array([initials[s[0].lower()] for s in v.FORENAMES])[self.forename]
        for _ in range(200):
            key = (self.dob * len(v.SURNAMES) + self.surname) * 64 + ini
            _, first = np.unique(key, return_index=True)
            dup = np.ones(len(key), dtype=bool)
            dup[first] = False
            if not dup.any():
                return
            self.surname[dup] = self.rng.integers(0, len(v.SURNAMES), int(dup.sum()))
        raise RuntimeError("could not make children's demographics unique")

    def _episodes(self) -> None:
        """Up to three episodes per child, sometimes a second period of care (a re-entry)."""
        rng, N, A, C = self.rng, self.N, self.A, self.C
        earliest = np.maximum(self.dob, A - 6 * 365)
        s0 = uniform_int(rng, earliest, A - 1, N)
        # a clump of starts on the cutover date: the migration re-keyed the true start
        clump_ok = np.nonzero((self.dob < C) & (np.arange(N) < self.n))[0]
        self.clump = pick(rng, clump_ok, k_of(0.04, self.n), N)
        s0[self.clump] = C
        # some starts on bank holidays (weekends happen by themselves)
        hol = holiday_days()
        lo = np.searchsorted(hol, earliest)
        hi = np.searchsorted(hol, A - 2, side="right")
        bh = pick(rng, np.nonzero((hi > lo) & ~self.clump)[0], k_of(0.015, N), N)
        h_idx = uniform_int(rng, lo, np.asarray(hi - 1), N)
        s0[bh] = hol[np.clip(h_idx[bh], 0, max(len(hol) - 1, 0))]

        in_care = rng.random(N) < 0.75
        in_care |= s0 >= A - 1
        T = np.where(in_care, A, uniform_int(rng, s0 + 1, A - 1, N))
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
        status = rng.choice(len(v.STATUSES), size=(N, 3),
                            p=np.array(v.STATUS_W) / sum(v.STATUS_W))
        sb_only = pick(rng, np.arange(N), k_of(0.02, N), N)
        status[sb_only] = np.where(rng.random((int(sb_only.sum()), 3)) < 0.7, v.V3, v.V4)
        v3_then = pick(rng, np.nonzero((k >= 2) & ~sb_only)[0], k_of(0.01, N), N)
        status[v3_then] = v.C2
        status[v3_then, 0] = v.V3

        self.s0, self.in_care, self.k, self.reentry = s0, in_care, k, reentry
        self.sb_only, self.v3_then = sb_only, v3_then
        ci, cj = np.nonzero(ep_mask)
        self.ep_child = ci
        self.ep_start = ep_start[ci, cj]
        self.ep_end = np.where(ep_open[ci, cj], NAT, ep_end[ci, cj])
        self.ep_status = status[ci, cj]
        self.ep_first = first_in_period[ci, cj]
        self.ep_last_of_period = (last | (reentry[:, None] & (j == (k - 2)[:, None])))[ci, cj]

        # periods: 0 = episodes before a re-entry (or all), 1 = the re-entry episode; the clock
        # starts at the first episode that is not a short break (NAT: a period of short breaks)
        last0 = k - 1 - reentry
        in0 = ep_mask & (j <= last0[:, None])
        non_sb = (status != v.V3) & (status != v.V4)
        first_clock0 = np.argmax(in0 & non_sb, axis=1)
        has0 = (in0 & non_sb).any(axis=1)
        end0 = ep_end[rows, last0]
        open0 = in_care & ~reentry
        kr = np.nonzero(reentry)[0]
        last_st = status[kr, k[kr] - 1]
        self.p_child = np.concatenate([rows, kr])
        self.p_start = np.concatenate([s0, ep_start[kr, k[kr] - 1]])
        self.p_clock = np.concatenate([
            np.where(has0, ep_start[rows, first_clock0], NAT),
            np.where((last_st != v.V3) & (last_st != v.V4), ep_start[kr, k[kr] - 1], NAT),
        ])
        self.p_open = np.concatenate([open0, in_care[kr]])
        self.p_end = np.concatenate([np.where(open0, A, end0), np.where(in_care[kr], A, T[kr])])

    def _roles(self) -> None:
        """Disjoint sets of the LA's children that carry one matching defect each."""
        rng, n, N = self.rng, self.n, self.N
        perm = rng.permutation(n)
        perm = np.concatenate([perm[perm != 0], perm[perm == 0]])  # child 0 (Zoë) stays plain
        sizes = {
            "case_only": k_of(0.03, n), "case_nhs_blank": k_of(0.02, n),
            "case_nhs_invalid": self.defect_k(0.005, n), "patient_nhs_blank": k_of(0.02, n),
            "patient_nhs_invalid": self.defect_k(0.004, n), "dob_mismatch": k_of(0.01, n),
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
        self.role["legacy_dup"] = pick(rng, np.nonzero(rest & migrated)[0],
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


def valid_nhs_numbers(rng: Rng, size: int) -> Arr:
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
