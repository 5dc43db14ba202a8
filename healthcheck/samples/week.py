"""The same authority a week later: the first week's tables, as written, with what a week brings
(for trying a weekly run, docs/rules.md §9).

Every row of the first week stays as it was (same cells, same row numbers); the week adds rows
and closes episodes:
- assessments and dental checks done before the first as-of but entered in the week (the
  trust's `recorded_date` more than `late_entry_days` after the event): the first week's
  figures are revised and EVENT_RECORDED_LATE is raised;
- IHAs, RHAs and dental checks done in the week, for children due, due soon or overdue;
- children coming into care in the week (the trust hears of most, and registers them);
- children leaving care in the week (their open episode ends);
- children the trust had no record of, registered by it in the week (now known to health).
Time moving on does the rest (checks becoming due soon or overdue).

Who is chosen follows the first week's truth (`World`): a child in care at the first as-of,
with none of the matching defects, no declined check, and the check open in the trust's
record. Due dates come from the project's calendar (`days`, i.e. `healthcheck.calendar`) and
the default policy. What was planted is counted for the manifest, with the children's ids.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from healthcheck.calendar import year_start
from healthcheck.policy import Policy
from healthcheck.samples import dirt
from healthcheck.samples import vocabulary as v
from healthcheck.samples.cells import Col, Table, blank_where, text, vocab
from healthcheck.samples.days import EPOCH, NAT, day_number, months_after, working_days_after
from healthcheck.samples.draws import Arr, uniform_int
from healthcheck.samples.events import EventRows
from healthcheck.samples.histories import World, valid_nhs_numbers
from healthcheck.samples.tables import Builder

DAYS = 7
IHA_WD = 20  # docs/rules.md §4 R2, the default `20WD`
POLICY = Policy()
LATE = POLICY.late_entry_days + 1  # a late entry's event is at least this long before the week
CHECKS = (("iha", v.IHA), ("rha", v.RHA), ("dental", v.DENTAL))


@dataclass
class Later:
    """The week-later extract's tables, and what the week planted (for the manifest)."""

    as_of: int  # day number
    tables: dict[str, Table]
    planted: dict[str, int] = field(default_factory=dict)
    detail: dict[str, dict[str, int]] = field(default_factory=dict)
    children: dict[str, Any] = field(default_factory=dict)  # ids, or ids by check


def week_later(w: World, b: Builder, tables: dict[str, Table], seed: int) -> Later:
    """The tables of the same authority `DAYS` days after the first as-of."""
    return _Week(w, b, tables, seed).run()


def _last(ev: EventRows, etype: int, n: int, upto: int) -> Arr:
    """Each LA child's latest event of `etype` on or before `upto` (NAT: none)."""
    m = (ev.type == etype) & (ev.date <= upto) & (ev.child < n)
    out = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(out, ev.child[m], ev.date[m])
    return out


def _fresh(rng: np.random.Generator, used: Arr, k: int, lo: int = 1_000_000,
           hi: int = 9_999_999) -> Arr:
    """`k` distinct integers in [lo, hi] not in `used`."""
    got = np.zeros(0, dtype=np.int64)
    while len(got) < k:
        cand = rng.integers(lo, hi + 1, 4 * k + 10)
        cand = cand[~np.isin(cand, used) & ~np.isin(cand, got)]
        _, first = np.unique(cand, return_index=True)
        got = np.concatenate([got, cand[np.sort(first)]])
    return got[:k]


def _ids(values: Arr) -> pl.Series:
    return pl.Series(values.astype(np.int64)).cast(pl.String)


def _blank(m: int) -> Col:
    return Col(pl.Series([None] * m, dtype=pl.String))


class _Week:
    def __init__(self, w: World, b: Builder, tables: dict[str, Table], seed: int) -> None:
        self.w, self.b, self.t = w, b, dict(tables)
        self.rng = np.random.default_rng([seed, w.n, 52])  # the first week's draws untouched
        self.A, self.A2 = w.A, w.A + DAYS
        self.out = Later(self.A2, self.t)
        self.taken = np.zeros(w.n, dtype=bool)
        # health events to add: nhs, trust id, type, date, recorded date
        self.events: list[tuple[Arr, Arr, Arr, Arr, Arr]] = []
        self.patients: list[tuple[Arr, Arr, Arr, Arr, Arr, Arr]] = []  # nhs trust la fore sur dob
        self._facts()

    def _facts(self) -> None:
        """Each LA child's care and open checks at the first as-of, from the world."""
        w, n, A = self.w, self.w.n, self.A
        op = np.nonzero(w.p_open & (w.p_child < n))[0]
        self.in_care = np.zeros(n, dtype=bool)
        self.in_care[w.p_child[op]] = True
        clock = np.full(n, NAT, dtype=np.int64)
        clock[w.p_child[op]] = w.p_clock[op]
        h = w.events.health
        declined = np.zeros(n, dtype=bool)
        declined[h.child[(h.type == v.DECLINED) & (h.child < n)]] = True
        self.ok = self.in_care & w.plain[:n] & ~declined & (clock != NAT)
        c = np.where(clock == NAT, A, clock)
        self.clock = clock
        self.iha_due = working_days_after(c, IHA_WD)
        last_iha = _last(h, v.IHA, n, A)
        self.no_iha = last_iha < months_after(c, -POLICY.iha_prior_months)
        last = np.maximum(last_iha, _last(h, v.RHA, n, A))
        la = np.where(last == NAT, A, last)
        under5 = la < months_after(w.dob[:n], 60)
        self.rha_due = np.where(last == NAT, NAT,
                                np.where(under5, months_after(la, 6), months_after(la, 12)))
        first = working_days_after(c, POLICY.dental_first_due_wd)
        ld = _last(h, v.DENTAL, n, A)
        self.dental_due = np.where(ld == NAT, first, np.maximum(
            months_after(np.where(ld == NAT, A, ld), POLICY.dental_interval_months), first))

    def run(self) -> Later:
        self.now_known_to_health()
        self.leave_care()
        self.entered_late()
        self.done_in_week()
        self.enter_care()
        self._add_patients()
        self._add_events()
        return self.out

    def pick(self, eligible: Arr, k: int) -> Arr:
        """`k` of the eligible LA children not chosen yet (sorted), now taken."""
        idx = np.nonzero(eligible & ~self.taken)[0]
        k = min(k, len(idx))
        chosen = np.sort(self.rng.choice(idx, size=k, replace=False)) if k else idx[:0]
        self.taken[chosen] = True
        return chosen

    def some(self, eligible: Arr, rate: float) -> Arr:
        """About `rate` of the eligible (at least one when there is one)."""
        m = int((eligible & ~self.taken).sum())
        return self.pick(eligible, max(1, round(rate * m)) if m else 0)

    def record(self, kind: str, kids: Arr | pl.Series, check: str | None = None) -> None:
        """Count the children of a kind of plant (by check for events), with their ids."""
        ids = (_ids(self.w.child_ids[kids]) if isinstance(kids, np.ndarray) else kids).to_list()
        self.out.planted[kind] = self.out.planted.get(kind, 0) + len(ids)
        if check is None:
            self.out.children[kind] = ids
        else:
            self.out.detail.setdefault(kind, {})[check] = len(ids)
            self.out.children.setdefault(kind, {})[check] = ids

    def emit(self, kids: Arr, etype: int, dates: Arr, rec: Arr) -> None:
        w = self.w
        self.events.append((w.nhs[kids], w.trust_ids[kids], np.full(len(kids), etype),
                            dates, rec))

    def entered_late(self) -> None:
        """Done before the first as-of, entered in the week, more than late_entry_days on."""
        A, rng, y = self.A, self.rng, day_number(year_start(
            EPOCH + timedelta(days=int(self.A))))
        eligible = {
            # an IHA in time for a clock in the first week's year, never entered
            "iha": self.ok & self.no_iha & (self.clock >= y) & (self.iha_due <= A - LATE),
            "rha": self.ok & (self.rha_due != NAT) & (self.rha_due < A - LATE - 14),
            "dental": self.ok & (self.dental_due < A - LATE - 14),
        }
        for check, etype in CHECKS:
            kids = self.some(eligible[check], {"iha": 0.5}.get(check, 0.2))
            m = len(kids)
            d = (working_days_after(self.clock[kids], uniform_int(rng, 5, IHA_WD, m))
                 if check == "iha" else A - uniform_int(rng, LATE, LATE + 13, m))
            self.emit(kids, etype, d, A + uniform_int(rng, 1, DAYS, m))
            self.record("events_entered_late", kids, check)

    def done_in_week(self) -> None:
        """Checks due, due soon or overdue at the first as-of, done (and entered) in the week."""
        A, rng = self.A, self.rng
        soon = A + POLICY.horizon_days
        eligible = {
            "iha": self.ok & self.no_iha & (self.iha_due >= A),
            "rha": self.ok & (self.rha_due >= A - 44) & (self.rha_due <= soon),
            "dental": self.ok & (self.dental_due >= A - 44) & (self.dental_due <= soon),
        }
        for check, etype in CHECKS:
            day = working_days_after(np.full(self.w.n, A), uniform_int(rng, 1, 5, self.w.n))
            kids = self.some(eligible[check] & (day <= self.A2), {"iha": 0.5}.get(check, 0.25))
            m = len(kids)
            self.emit(kids, etype, day[kids],
                      np.minimum(day[kids] + uniform_int(rng, 0, 2, m), self.A2))
            self.record("checks_done_in_week", kids, check)

    def now_known_to_health(self) -> None:
        """Children in care the trust had no record of, registered in the week."""
        w = self.w
        kids = self.some(self.in_care & w.role["case_only"][: w.n], 0.1)
        la = np.where(self.rng.random(len(kids)) < 0.5, w.child_ids[kids], NAT)
        self.patients.append((w.nhs[kids], w.trust_ids[kids], la, w.forename[kids],
                              w.surname[kids], w.dob[kids]))
        self.record("children_now_known_to_health", kids)

    def leave_care(self) -> None:
        """Children in care whose open episode (started a week or more before) ends in the
        week; the cell was blank."""
        w, rng, A = self.w, self.rng, self.A
        t = self.t["episodes"]
        ep = self.b.episode_rows
        child = w.ep_child[ep]
        open_row = ((w.ep_end[ep] == NAT) & (w.ep_start[ep] <= A - DAYS)
                    & t.cols[2].text.is_null().to_numpy())
        eligible = np.zeros(w.n, dtype=bool)
        eligible[child[open_row]] = True
        kids = self.pick(eligible & self.in_care & w.plain[: w.n], self._per_week())
        rows = np.nonzero(open_row & np.isin(child, kids))[0]
        m = len(rows)
        if m:
            no = np.zeros(m, dtype=bool)
            end = dirt.dirty_dates(rng, A + uniform_int(rng, 1, DAYS, m), self.b.case_xlsx,
                                   no, no)
            reason = Col(vocab(v.REASONS_END, rng.integers(0, len(v.REASONS_END), m)))
            cols = list(t.cols)
            cols[2], cols[7] = cols[2].scatter(rows, end), cols[7].scatter(rows, reason)
            self.t["episodes"] = dataclasses.replace(t, cols=cols)
        self.record("children_leaving_care", kids)

    def _per_week(self) -> int:
        """Children coming into (or leaving) care in a week: about 0.8% of those in care."""
        return max(1, round(0.008 * int(self.in_care.sum())))

    def enter_care(self) -> None:
        """New children, looked after from a day in the week; the LA notifies the trust, which
        registers the child once notified (most by the second as-of)."""
        w, rng, A2 = self.w, self.rng, self.A2
        k = self._per_week()
        ids = _fresh(rng, w.child_ids, k)
        nhs = valid_nhs_numbers(rng, 2 * k + 20)
        nhs = nhs[~np.isin(nhs, w.nhs)][:k]
        trust = _fresh(rng, w.trust_ids, k)
        sex = rng.random(k) < 0.5
        fore = np.where(sex, rng.integers(0, len(v.GIRLS), k),
                        len(v.GIRLS) + rng.integers(0, len(v.BOYS), k))
        dob = A2 - uniform_int(rng, 30, 6500, k)
        sur = self._unique_surnames(dob, fore, rng.integers(0, len(v.SURNAMES), k))
        start = self.A + uniform_int(rng, 1, DAYS, k)
        case_xlsx, no = self.b.case_xlsx, np.zeros(k, dtype=bool)
        cid = _ids(ids)
        self._append("children", [
            Col(cid), dirt.dirty_nhs(rng, _ids(nhs), ~no, case_xlsx),
            Col(vocab(v.FORENAMES, fore)), dirt.dirty_names(rng, sur, v.SURNAMES, 0.0),
            dirt.dirty_dates(rng, dob, case_xlsx, no, no),
            Col(text(np.where(sex, "F", "M").tolist())), _blank(k)])
        weights = np.array(v.STATUS_W, dtype=float)
        weights[[v.V3, v.V4]] = 0
        status = rng.choice(len(v.STATUSES), k, p=weights / weights.sum())
        self._append("episodes", [
            Col(cid), dirt.dirty_dates(rng, start, case_xlsx, no, no), _blank(k),
            Col(vocab(v.STATUSES, status)), Col(text(["S"] * k)),
            Col(vocab(v.PLACEMENT_TYPES, rng.integers(0, len(v.PLACEMENT_TYPES), k))),
            Col(vocab(("IN", "OUT"), (rng.random(k) >= 0.7).astype(np.int64))), _blank(k)])
        sent = working_days_after(start, uniform_int(rng, 0, 3, k))
        s = np.nonzero(sent <= A2)[0]
        self._append("health_events", [
            Col(cid.gather(s)), dirt.dirty_event_type(rng, np.full(len(s), v.NOTE_SENT)),
            dirt.dirty_dates(rng, sent[s], case_xlsx, no[s], no[s]), _blank(len(s))])
        heard = working_days_after(start, uniform_int(rng, 0, 5, k))
        r = np.nonzero(heard <= A2)[0]
        la = np.where(rng.random(k) < 0.6, ids, NAT)
        self.patients.append((nhs[r], trust[r], la[r], fore[r], sur[r], dob[r]))
        self.events.append((nhs[r], trust[r], np.full(len(r), v.NOTE_RECV), heard[r],
                            heard[r]))
        self.record("children_entering_care", cid)

    def _unique_surnames(self, dob: Arr, fore: Arr, sur: Arr) -> Arr:
        """Surnames redrawn until no one else (either system's DOB) shares DOB, surname and
        first initial with a new child, so a new child matches no one by demographics."""
        w = self.w
        ini = np.array([ord(s[0].lower()) for s in v.FORENAMES], dtype=np.int64)

        def key(d: Arr, f: Arr, s: Arr) -> Arr:
            return (d * len(v.SURNAMES) + s) * 4096 + ini[f]

        taken = np.concatenate([key(w.dob, w.forename, w.surname),
                                key(w.p_dob, w.forename, w.surname)])
        for _ in range(200):
            k = key(dob, fore, sur)
            _, first = np.unique(k, return_index=True)
            clash = np.isin(k, taken)
            clash[np.setdiff1d(np.arange(len(k)), first)] = True
            if not clash.any():
                return sur
            sur = np.where(clash, self.rng.integers(0, len(v.SURNAMES), len(sur)), sur)
        raise RuntimeError("could not make the new children's demographics unique")

    def _append(self, name: str, cols: list[Col]) -> None:
        t = self.t[name]
        self.t[name] = dataclasses.replace(
            t, cols=[a.append(b) for a, b in zip(t.cols, cols, strict=True)])

    def _add_patients(self) -> None:
        nhs, trust, la, fore, sur, dob = (np.concatenate(x) for x in zip(*self.patients,
                                                                          strict=True))
        m, rng, xlsx = len(nhs), self.rng, self.b.health_xlsx
        no = np.zeros(m, dtype=bool)
        self._append("patients", [
            dirt.dirty_nhs(rng, _ids(nhs), ~no, xlsx), Col("T" + _ids(trust)),
            Col(blank_where(_ids(np.where(la == NAT, 0, la)), la == NAT)),
            Col(vocab(v.FORENAMES, fore)), dirt.dirty_names(rng, sur, v.SURNAMES, 0.0),
            dirt.dirty_dates(rng, dob, xlsx, no, no)])

    def _add_events(self) -> None:
        nhs, trust, etype, d, rec = (np.concatenate(x) for x in zip(*self.events,
                                                                     strict=True))
        m, rng, xlsx = len(nhs), self.rng, self.b.health_xlsx
        no = np.zeros(m, dtype=bool)
        self._append("events", [
            dirt.dirty_nhs(rng, _ids(nhs), ~no, xlsx),
            Col(blank_where("T" + _ids(trust), rng.random(m) >= 0.3)),
            dirt.dirty_event_type(rng, etype.astype(np.int64)),
            dirt.dirty_dates(rng, d, xlsx, no, no), _blank(m),
            dirt.dirty_dates(rng, rec, xlsx, no, no)])

