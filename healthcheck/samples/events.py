"""The health events of each period of care (the truth), and the case system's copy of them.

Each kind of event is one function over every period with a clock at once, drawing its dates
from the working-day and calendar-month arithmetic of docs/rules.md §2. `simulate_events` runs
them in a fixed order (the draws are seeded, so the order is part of the output); a new kind of
event is one more function appended to `HEALTH_EVENTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from healthcheck.samples import vocabulary as v
from healthcheck.samples.days import NAT, months_after, working_days_after
from healthcheck.samples.draws import Arr, Rng, uniform_int
from healthcheck.samples.vaccinations import vaccinations

if TYPE_CHECKING:
    from healthcheck.samples.histories import World


@dataclass(frozen=True)
class EventRows:
    """Events as parallel arrays: child, event type and detail (indices into
    vocabulary.EVENT_TYPES / DETAILS), date (day number)."""

    child: Arr
    type: Arr
    date: Arr
    detail: Arr


@dataclass(frozen=True)
class Events:
    health: EventRows  # what the trust's extract holds
    case: EventRows  # what the case system's health_events table holds
    planted: dict[str, int]  # how the two copies were made to disagree (for the manifest)


@dataclass
class Periods:
    """The periods of care with a clock, and the events emitted for them so far."""

    rng: Rng
    A: int  # as-of
    child: Arr
    clock: Arr  # the day the clock started
    end: Arr  # the period's last day (as-of while open)
    dob: Arr
    out: list[tuple[Arr, Arr, Arr, Arr]] = field(default_factory=list)
    # shared between the kinds: the LA's notification_sent (periods, dates); the IHA done (NAT:
    # none), from which the RHAs follow
    notification_sent: tuple[Arr, Arr] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    iha_done: Arr = field(default_factory=lambda: np.zeros(0, np.int64))
    planted: dict[str, int] = field(default_factory=dict)  # for the manifest

    def emit(self, idx: Arr, etype: int, dates: Arr, detail: Arr | int = 0) -> None:
        """Events of type `etype` for the periods `idx` on `dates`."""
        n = len(idx)
        self.out.append((self.child[idx], np.full(n, etype, dtype=np.int64),
                         dates.astype(np.int64),
                         np.broadcast_to(np.asarray(detail, dtype=np.int64), (n,)).copy()))

    def within(self, dates: Arr, keep: Arr) -> Arr:
        """The periods among `keep` whose `dates` fall in the period and by the as-of."""
        return np.nonzero(keep & (dates <= self.end) & (dates <= self.A))[0]

    def rows(self) -> EventRows:
        """Every event emitted, in the order emitted."""
        if not self.out:
            return EventRows(*(np.zeros(0, np.int64),) * 4)
        return EventRows(*(np.concatenate(x) for x in zip(*self.out, strict=True)))


def notifications(p: Periods) -> None:
    """Notification received: most within 5 working days, ~15% later, a few before the start.
    The LA's own notification_sent is kept for the case system only."""
    rng, c, P = p.rng, p.clock, len(p.child)
    r = rng.random(P)
    delay = np.where(r < 0.85, uniform_int(rng, 0, 5, P), uniform_int(rng, 6, 25, P))
    nr = working_days_after(c, delay)
    early = rng.random(P) < 0.03
    nr = np.where(early, np.maximum(c - uniform_int(rng, 1, 7, P), p.dob), nr)
    idx = p.within(nr, rng.random(P) < 0.97)
    p.emit(idx, v.NOTE_RECV, nr[idx])
    r = rng.random(P)
    ns = working_days_after(c, np.where(r < 0.8, uniform_int(rng, 0, 3, P),
                                        uniform_int(rng, 4, 20, P)))
    idx = p.within(ns, rng.random(P) < 0.95)
    p.notification_sent = (idx, ns[idx])


def iha_pathway(p: Periods) -> None:
    """The IHA pathway (docs/rules.md §4 R7): the LA's request (~70% within 5 working days, ~15%
    late, ~11% never, a few sent just before the clock), the first appointment health books
    (~70% within 12 working days of hearing), children not brought (~10%) and rebooked, the
    IHA on the appointment attended, and the paediatrician's report (~70% within 10 working
    days, ~20% later, ~10% never). Besides: ~6% no IHA (booked, not yet undertaken), ~5% an IHA
    in the 3 months before placement, ~2% declined; the immunisation status recorded with the
    IHA; a few reports keyed before the IHA and appointments before the request."""
    rng, c, P = p.rng, p.clock, len(p.child)
    r = rng.random(P)
    sent = working_days_after(c, np.where(r < 0.74, uniform_int(rng, 0, 5, P),
                                          uniform_int(rng, 6, 18, P)))
    req = np.where(r < 0.04, np.maximum(c - uniform_int(rng, 1, 9, P), p.dob), sent)
    has_req = r < 0.89
    idx = p.within(req, has_req)
    p.emit(idx, v.IHA_REQ, req[idx])
    p.planted["iha_requests_late"] = int((has_req[idx] & (r[idx] >= 0.74)).sum())
    p.planted["iha_requests_never"] = int((~has_req).sum())
    # health books from the request, or from hearing another way (5-25 working days) without one
    heard = np.maximum(np.where(has_req, req, working_days_after(c, uniform_int(rng, 5, 25, P))),
                       c)
    quick = rng.random(P) < 0.7
    appt = [working_days_after(heard, np.where(quick, uniform_int(rng, 2, 12, P),
                                               uniform_int(rng, 13, 30, P)))]
    for _ in range(2):  # rebooked after a child was not brought
        appt.append(working_days_after(appt[-1], uniform_int(rng, 5, 15, P)))
    r = rng.random(P)
    missed = np.where(r < 0.9, 0, np.where(r < 0.98, 1, 2))
    fate = rng.random(P)  # <0.06 no IHA yet, <0.11 before placement, <0.13 declined, else done
    pathway = fate >= 0.11
    for k in range(3):
        idx = p.within(appt[k], (pathway | (fate < 0.06)) & (missed >= k))
        p.emit(idx, v.IHA_APPT, appt[k][idx])
        idx = p.within(appt[k], (pathway | (fate < 0.06)) & (missed > k))
        p.emit(idx, v.WNB, appt[k][idx], v.D_IHA)
        p.planted["iha_not_brought"] = p.planted.get("iha_not_brought", 0) + len(idx)
    seen = np.choose(missed, appt)
    early = rng.random(P) < 0.01  # a provisional booking keyed before the request
    before = req - uniform_int(rng, 1, 3, P)
    idx = p.within(before, pathway & has_req & early)
    p.emit(idx, v.IHA_APPT, before[idx])
    p.planted["iha_appointments_before_request"] = len(idx)
    when = np.where(fate < 0.06, NAT, np.where(
        fate < 0.11, np.maximum(c - uniform_int(rng, 1, 85, P), p.dob), seen))
    ok = (when != NAT) & (when <= p.end) & (when <= p.A)
    declined = ok & (fate >= 0.11) & (fate < 0.13)
    idx = np.nonzero(declined)[0]
    p.emit(idx, v.DECLINED, when[idx], v.D_IHA)
    ok &= ~declined
    idx = np.nonzero(ok)[0]
    p.emit(idx, v.IHA, when[idx])
    imm_status = np.where(rng.random(P) < 0.85, v.D_Y, v.D_N)
    p.emit(idx, v.IMM_UTD, when[idx], imm_status[idx])
    r = rng.random(P)
    rep = working_days_after(np.where(ok, when, c), np.where(
        r < 0.7, uniform_int(rng, 0, 10, P), uniform_int(rng, 11, 35, P)))
    keyed_before = rng.random(P) < 0.005
    rep = np.where(keyed_before, np.where(ok, when, c) - uniform_int(rng, 1, 5, P), rep)
    idx = np.nonzero(ok & (r < 0.9) & (rep <= p.A))[0]
    p.emit(idx, v.IHA_REPORT, rep[idx])
    p.planted["iha_reports_late"] = int((~keyed_before[idx] & (r[idx] >= 0.7)).sum())
    p.planted["iha_reports_never"] = int((ok & (r >= 0.9)).sum())
    p.planted["iha_reports_keyed_before_iha"] = int(keyed_before[idx].sum())
    p.iha_done = np.where(ok, when, NAT)


def rhas(p: Periods) -> None:
    """RHA rounds after the IHA: 6-monthly under 5, else 12-monthly; ~88% on time."""
    rng = p.rng
    last = p.iha_done.copy()
    active = last != NAT
    fifth = months_after(p.dob, 60)
    for _ in range(60):
        ia = np.nonzero(active)[0]
        if not len(ia):
            break
        lst = last[ia]
        under5 = lst < fifth[ia]
        due = np.where(under5, months_after(lst, 6), months_after(lst, 12))
        m = len(ia)
        late = rng.random(m) >= 0.88
        nxt = np.maximum(due + np.where(late, uniform_int(rng, 10, 150, m),
                                        -uniform_int(rng, 0, 45, m)), lst + 60)
        ok = (nxt <= p.end[ia]) & (nxt <= p.A)
        kind = rng.random(m)
        wnb = ok & (kind < 0.03)
        p.emit(ia[wnb], v.WNB, np.maximum(nxt[wnb] - uniform_int(rng, 7, 40, int(wnb.sum())),
                                          lst[wnb] + 1), v.D_RHA)
        dec = ok & (kind >= 0.03) & (kind < 0.045)
        p.emit(ia[dec], v.DECLINED, nxt[dec], v.D_RHA)
        done = ok & ~dec
        p.emit(ia[done], v.RHA, nxt[done])
        st = np.where(rng.random(m) < 0.85, v.D_Y, v.D_N)
        p.emit(ia[done], v.IMM_UTD, nxt[done], st[done])
        last[ia] = nxt
        active[ia[~ok]] = False


def dental(p: Periods) -> None:
    """Dental checks: the first within ~40 working days, then yearly (~84% on time)."""
    rng, P = p.rng, len(p.child)
    first = working_days_after(p.clock, uniform_int(rng, 10, 60, P))
    last = first
    active = (rng.random(P) < 0.9) & (first <= p.end) & (first <= p.A)
    rounds = 0
    while active.any() and rounds < 60:
        ia = np.nonzero(active)[0]
        m = len(ia)
        kind = rng.random(m)
        dec = kind < 0.015
        p.emit(ia[dec], v.DECLINED, last[ia][dec], v.D_DENTAL)
        p.emit(ia[~dec], v.DENTAL, last[ia][~dec])
        late = rng.random(m) >= 0.84
        nxt = months_after(last[ia], 12) + np.where(
            late, uniform_int(rng, 20, 200, m), -uniform_int(rng, 0, 60, m))
        ok = (nxt <= p.end[ia]) & (nxt <= p.A)
        last = last.copy()
        last[ia] = nxt
        active[ia[~ok]] = False
        rounds += 1


def was_not_brought(p: Periods) -> None:
    """Missed rha or dental appointments on any day of the period (the IHA's are part of its
    pathway)."""
    rng, P = p.rng, len(p.child)
    wnb = np.nonzero(rng.random(P) < 0.04)[0]
    d = uniform_int(rng, p.clock[wnb], np.minimum(p.end[wnb], p.A), len(wnb))
    p.emit(wnb, v.WNB, d, rng.choice(np.array([v.D_RHA, v.D_DENTAL]), len(wnb)))


HEALTH_EVENTS: tuple[Callable[[Periods], None], ...] = (
    notifications, iha_pathway, rhas, dental, vaccinations, was_not_brought,
)


def simulate_events(w: World) -> Events:
    """Every period's health events, then the case system's copy of them."""
    has_clock = w.p_clock != NAT
    child = w.p_child[has_clock]
    p = Periods(w.rng, w.A, child, w.p_clock[has_clock], w.p_end[has_clock], w.dob[child])
    for kind in HEALTH_EVENTS:
        kind(p)
    return _case_copy(w, p, p.rows())


def _case_copy(w: World, p: Periods, h: EventRows) -> Events:
    """The case system's copy of iha/rha/dental: mostly the same date, some missing in one
    system or the other, some keyed days to weeks apart; none before the cutover for children
    whose history the migration lost. The LA also records most immunisation statuses it is
    told (same day), and its own notification_sent."""
    rng, A = w.rng, w.A
    mirror = np.isin(h.type, [v.IHA, v.RHA, v.DENTAL])
    M = len(h.type)
    r = rng.random(M)
    miss_case = mirror & (r < 0.05)
    miss_health = mirror & (r >= 0.05) & (r < 0.075)
    shifted = mirror & (r >= 0.075) & (r < 0.105)
    delta = uniform_int(rng, 2, 21, M) * np.where(rng.random(M) < 0.5, 1, -1)
    cd = h.date + np.where(shifted, delta, 0)
    cd = np.where(cd > A, h.date - np.abs(delta), cd)
    cd = np.where(shifted & (cd < w.dob[h.child]), h.date + np.abs(delta), cd)
    lost = w.history_lost[h.child] & (h.date < w.C)
    imm_case = (h.type == v.IMM_UTD) & (r < 0.9) & ~lost
    pathway_case, cd = _case_pathway(rng, h, cd, w.dob[h.child], A)
    in_case = mirror & ~miss_case & ~lost | imm_case | pathway_case & ~lost
    ns_idx, ns_date = p.notification_sent
    case = EventRows(
        np.concatenate([h.child[in_case], p.child[ns_idx]]),
        np.concatenate([h.type[in_case], np.full(len(ns_idx), v.NOTE_SENT)]),
        np.concatenate([cd[in_case], ns_date]),
        np.concatenate([np.where(imm_case | (h.type == v.WNB), h.detail, 0)[in_case],
                        np.zeros(len(ns_idx), np.int64)]),
    )
    keep_h = ~miss_health & w.has_patient[h.child]
    health = EventRows(h.child[keep_h], h.type[keep_h], h.date[keep_h], h.detail[keep_h])
    planted = {
        "assessments_left_out_of_case": int((miss_case & ~lost).sum()),
        "assessments_left_out_of_health": int((miss_health & w.has_patient[h.child]).sum()),
        "assessments_lost_before_cutover": int((mirror & lost).sum()),
        "assessment_dates_differing": int((in_case & shifted & (cd != h.date)).sum()),
        **p.planted,
        "children_with_vaccine_records": len(np.unique(health.child[health.type == v.IMM])),
        "vaccines_under_unknown_names": int(np.isin(
            health.detail[health.type == v.IMM],
            v.vaccine_code(v.UNKNOWN_PRODUCTS, np.arange(len(v.UNKNOWN_PRODUCTS)))).sum()),
    }
    return Events(health, case, planted)


def _case_pathway(rng: Rng, h: EventRows, cd: Arr, dob: Arr, A: int) -> tuple[Arr, Arr]:
    """The LA's side of the IHA pathway, fewer events than health's: the request it sent (most
    the day health received it, a fifth 1-4 days earlier), the reports the Council received
    (0-3 days after they were sent), some appointments and children not brought. Returns
    which health events the case system has, and the case dates."""
    M = len(h.type)
    r = rng.random(M)
    sent_early = (h.type == v.IHA_REQ) & (r < 0.2)
    cd = np.where(sent_early, np.maximum(h.date - uniform_int(rng, 1, 4, M), dob), cd)
    received = (h.type == v.IHA_REPORT) & (r < 0.7)
    cd = np.where(received, np.minimum(h.date + uniform_int(rng, 0, 3, M), A), cd)
    seen = (h.type == v.IHA_APPT) | ((h.type == v.WNB) & (h.detail == v.D_IHA))
    return ((h.type == v.IHA_REQ) & (r < 0.85)) | received | (seen & (r < 0.4)), cd
