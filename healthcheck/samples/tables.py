"""The five tables of the case-system and health-trust extracts, built from the `World` with
the dirt applied, in the column order and header spelling each file carries.

Another output layout (an SSDA903 return, an SSD extract) is another module like this one that
builds its own `Table`s from the same `World`; `write` writes any of them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from healthcheck.samples import dirt
from healthcheck.samples import vocabulary as v
from healthcheck.samples.cells import Col, Table, blank_where, text, vocab
from healthcheck.samples.days import NAT
from healthcheck.samples.draws import Arr, pick, uniform_int
from healthcheck.samples.histories import World

# Header spellings: docs/rules.md §1.3 matches names ignoring case, spaces, underscores,
# hyphens and dots, so each file spells them its own way.
HEADERS: dict[str, tuple[str, ...]] = {
    "children": ("Child ID", "NHS Number", "Forename", "Surname", "DOB", "Sex", "Legacy_ID"),
    "episodes": ("child_id", "Start Date", "End Date", "Legal Status", "RNE", "Placement Type",
                 "Placement-Area", "Reason End"),
    "health_events": ("Child ID", "Event Type", "Event Date", "detail"),
    "patients": ("NHS Number", "Trust ID", "LA Child ID", "Forename", "Surname", "DOB"),
    "events": ("nhs_number", "Trust ID", "Event Type", "Event Date", "Detail", "Recorded.Date"),
}
SHEETS = {"children": "Children", "episodes": "Episodes", "health_events": "Health_Events",
          "patients": "Patients", "events": "Events"}
CASE, HEALTH = ("children", "episodes", "health_events"), ("patients", "events")


class Builder:
    """Builds the tables in a fixed order (the draws are seeded) and counts the defects it
    injects, by the flag code each produces and by table."""

    def __init__(self, w: World, case_xlsx: bool, health_xlsx: bool) -> None:
        self.w = w
        self.rng = np.random.default_rng([w.n, 7919, int(w.rng.integers(0, 2**31))])
        self.case_xlsx, self.health_xlsx = case_xlsx, health_xlsx
        self.injected: dict[str, dict[str, int]] = {}
        self.cols: dict[str, list[Col]] = {}

    def build(self) -> dict[str, Table]:
        self._children()
        self._episodes()
        self._case_events()
        self._patients()
        self._health_events()
        return {name: Table(name, SHEETS[name], HEADERS[name], cols, *dirt.CSV_STYLE[name],
                            dirt.BLANK_TRAILING.get(name, 0))
                for name, cols in self.cols.items()}

    def count(self, code: str, table: str, k: int) -> None:
        if k:
            by = self.injected.setdefault(code, {})
            by[table] = by.get(table, 0) + int(k)

    def dates(self, table: str, days: Arr, xlsx: bool, eligible_bad: Arr,
              eligible_placeholder: Arr, rate: float = 0.003) -> Col:
        """Format a date column, injecting unparseable and placeholder cells at `rate` each."""
        k = self.w.defect_k
        bad, ph = dirt.date_defects(self.rng, eligible_bad, eligible_placeholder,
                                    k(rate, int(eligible_bad.sum())),
                                    k(rate, int(eligible_placeholder.sum())))
        self.count("DATE_UNPARSEABLE", table, int(bad.sum()))
        self.count("DATE_PLACEHOLDER", table, int(ph.sum()))
        return dirt.dirty_dates(self.rng, days, xlsx, bad, ph)

    def nhs(self, table: str, src: Arr, blank: Arr, invalid: Arr, xlsx: bool) -> Col:
        """The NHS numbers of the children `src`, blank or mangled where asked."""
        w, rng = self.w, self.rng
        digits = pl.Series(w.nhs[src].astype(str).tolist(), dtype=pl.String)
        if invalid.any():
            digits = digits.scatter(np.nonzero(invalid)[0],
                                    dirt.invalid_nhs(rng, w.nhs[src][invalid]))
        digits = blank_where(digits, blank)
        self.count("NHS_NUMBER_INVALID", table, int(invalid.sum()))
        return dirt.dirty_nhs(rng, digits, ~blank & ~invalid, xlsx)

    def _children(self) -> None:
        w, rng, xlsx = self.w, self.rng, self.case_xlsx
        n = w.n
        dups = np.nonzero(w.role["legacy_dup"])[0]
        src = np.concatenate([np.arange(n), dups])  # legacy duplicates: a second record
        ids = w.child_ids[: n + len(dups)]
        self.child_id_of = w.child_ids[:n]
        m = len(src)
        invalid = w.role["case_nhs_invalid"][src] & (np.arange(m) < n)
        nhs = self.nhs("children", src, w.role["case_nhs_blank"][src], invalid, xlsx)
        fore = np.array(v.FORENAMES, dtype=object)[w.forename[src]]
        dob_ok = w.plain[src] & (np.arange(m) < n)
        dob = self.dates("children", w.dob[src], xlsx, dob_ok, dob_ok)
        sex_codes = pl.Series(np.where(w.sex[src], "F", "M").tolist(), dtype=pl.String)
        legacy = blank_where("CF" + pl.Series(w.legacy_ids[src]).cast(pl.String),
                             w.s0[src] >= w.C)
        cid = pl.Series(ids.astype(str).tolist(), dtype=pl.String)
        cols = [
            dirt.dirty_code(rng, cid, 0.0, 0.01), nhs,
            dirt.dirty_code(rng, text(fore.tolist()), 0.0, 0.01),
            dirt.dirty_names(rng, w.surname[src], v.SURNAMES, 0.01),
            dob, dirt.dirty_code(rng, sex_codes, 0.04, 0.01),
            Col(legacy),
        ]
        order = np.argsort(ids, kind="stable")
        self.cols["children"] = [c.gather(order) for c in cols]

    def _episodes(self) -> None:
        w, rng, xlsx = self.w, self.rng, self.case_xlsx
        keep = w.ep_child < w.n
        child = w.ep_child[keep]
        start, end = w.ep_start[keep], w.ep_end[keep].copy()
        status = w.ep_status[keep].copy()
        first, last_p = w.ep_first[keep], w.ep_last_of_period[keep]
        order = np.lexsort((start, self.child_id_of[child]))
        child, start, end, status = child[order], start[order], end[order], status[order]
        first, last_p = first[order], last_p[order]
        self.episode_rows = np.nonzero(keep)[0][order]  # each row's episode in the world
        E = len(child)
        closed = end != NAT
        ebs = pick(rng, np.nonzero(closed)[0], w.defect_k(0.003, int(closed.sum())), E)
        end = np.where(ebs, start - uniform_int(rng, 1, 30, E), end)
        self.count("EPISODE_END_BEFORE_START", "episodes", int(ebs.sum()))
        cut = first & (start == w.C)
        st_col = self.dates("episodes", start, xlsx, ~ebs & ~cut, ~ebs & ~cut, rate=0.002)
        end_col = self.dates("episodes", end, xlsx, closed & ~ebs, ~ebs, rate=0.003)
        codes = pl.Series(np.array(v.STATUSES)[status].tolist(), dtype=pl.String)
        unknown = pick(rng, np.arange(E), w.defect_k(0.005, E), E)
        if unknown.any():
            codes = codes.scatter(np.nonzero(unknown)[0], pl.Series(
                np.array(v.UNKNOWN_STATUSES)[rng.integers(0, len(v.UNKNOWN_STATUSES),
                                                          int(unknown.sum()))].tolist()))
        self.count("LEGAL_STATUS_UNKNOWN", "episodes", int(unknown.sum()))
        later = rng.choice(len(v.RNE_LATER), E, p=np.array(v.RNE_W) / sum(v.RNE_W))
        rne = vocab(("S", *v.RNE_LATER), np.where(first, 0, 1 + later))
        rne = blank_where(rne, rng.random(E) < 0.04)
        ptype = vocab(v.PLACEMENT_TYPES, rng.choice(
            len(v.PLACEMENT_TYPES), E, p=np.array(v.PLACEMENT_W) / sum(v.PLACEMENT_W)))
        area = vocab(("IN", "OUT"), (rng.random(E) >= 0.7).astype(np.int64))
        reason = vocab(("X1", *v.REASONS_END), np.where(
            last_p, 1 + rng.integers(0, len(v.REASONS_END), E), 0))
        reason = blank_where(reason, ~closed)
        cid = pl.Series(self.child_id_of[child]).cast(pl.String)
        self.cols["episodes"] = [
            dirt.dirty_code(rng, cid, 0.0, 0.01), st_col, end_col,
            dirt.dirty_code(rng, codes, 0.04, 0.03), dirt.dirty_code(rng, rne, 0.02, 0.0),
            Col(ptype), Col(area), Col(reason),
        ]

    def _case_events(self) -> None:
        w, rng, xlsx = self.w, self.rng, self.case_xlsx
        ev = w.events.case
        keep = ev.child < w.n
        child, etype, d, det = ev.child[keep], ev.type[keep], ev.date[keep], ev.detail[keep]
        order = np.lexsort((etype, d, self.child_id_of[child]))
        child, etype, d, det = child[order], etype[order], d[order], det[order]
        m = len(child)
        date_col = self.dates("health_events", d, xlsx, np.ones(m, bool), np.ones(m, bool))
        cid = pl.Series(self.child_id_of[child]).cast(pl.String)
        self.cols["health_events"] = [
            dirt.dirty_code(rng, cid, 0.0, 0.01), dirt.dirty_event_type(rng, etype), date_col,
            Col(vocab([None if x == "" else x for x in v.DETAILS], det)),
        ]

    def _patients(self) -> None:
        w, rng, xlsx = self.w, self.rng, self.health_xlsx
        src = np.nonzero(w.has_patient)[0]
        src = src[np.argsort(w.trust_ids[src], kind="stable")]
        blank = w.role["patient_nhs_blank"][src]
        invalid = w.role["patient_nhs_invalid"][src]
        nhs = self.nhs("patients", src, blank, invalid, xlsx)
        self.patient_nhs_usable = np.zeros(w.N, dtype=bool)
        self.patient_nhs_usable[src] = ~blank & ~invalid
        la = blank_where(pl.Series(w.child_ids[src]).cast(pl.String),
                         ~(w.la_set[src] & (src < w.n)))
        fore = np.array(v.FORENAMES, dtype=object)[w.forename[src]].tolist()
        dob_ok = w.plain[src] | w.health_only[src]
        dob = self.dates("patients", w.p_dob[src], xlsx, dob_ok, dob_ok)
        self.cols["patients"] = [
            nhs, Col(text(("T" + w.trust_ids[src].astype(str)).tolist())),
            dirt.dirty_code(rng, la, 0.0, 0.01),
            dirt.dirty_code(rng, text(fore), 0.0, 0.01),
            dirt.dirty_names(rng, w.surname[src], v.SURNAMES, 0.01), dob,
        ]

    def _health_events(self) -> None:
        w, rng, xlsx = self.w, self.rng, self.health_xlsx
        ev = w.events.health
        order = np.lexsort((ev.type, ev.date, w.trust_ids[ev.child]))
        child, etype, d, det = ev.child[order], ev.type[order], ev.date[order], ev.detail[order]
        m = len(child)
        # a few vaccines keyed with a date after the extract (DATE_IN_FUTURE)
        future = pick(rng, np.nonzero(etype == v.IMM)[0], w.defect_k(0.0005, m), m)
        d = np.where(future, w.A + uniform_int(rng, 1, 60, m), d)
        self.count("DATE_IN_FUTURE", "events", int(future.sum()))
        self.future_days = d[future]  # a later as-of may have caught up with some
        lag = np.where(rng.random(m) < 0.6, uniform_int(rng, 0, 7, m), np.where(
            rng.random(m) < 0.75, uniform_int(rng, 8, 30, m), uniform_int(rng, 31, 120, m)))
        rec = np.where(future, d, np.minimum(d + lag, w.A))
        rec = np.where(rng.random(m) < 0.02, NAT, rec)
        date_col = self.dates("events", d, xlsx, ~future, ~future)
        rec_col = self.dates("events", rec, xlsx, rec != NAT, rec != NAT)
        usable = self.patient_nhs_usable[child]
        digits = blank_where(pl.Series(w.nhs[child]).cast(pl.String), ~usable)
        nhs = dirt.dirty_nhs(rng, digits, usable, xlsx)
        trust = blank_where("T" + pl.Series(w.trust_ids[child]).cast(pl.String),
                            usable & (rng.random(m) >= 0.3))
        detail = _detail(rng, det)
        self.cols["events"] = [
            nhs, Col(trust), dirt.dirty_event_type(rng, etype), date_col,
            dirt.dirty_code(rng, detail, 0.0, 0.01), rec_col,
        ]


def _detail(rng: np.random.Generator, det: Arr) -> pl.Series:
    """The trust's detail column, with the odd "Yes"/"No" and "IHA"/"DENTAL"."""
    words = [None if x == "" else x for x in v.DETAILS]
    alt = list(words)
    alt[v.D_Y], alt[v.D_N] = "Yes", "No"
    for i in (v.D_IHA, v.D_RHA, v.D_DENTAL):
        alt[i] = v.DETAILS[i].upper()
    r = rng.random(len(det))
    use_alt = ((det == v.D_Y) | (det == v.D_N)) & (r < 0.1) | (
        (det >= v.D_IHA) & (det <= v.D_DENTAL) & (r < 0.15))
    return vocab(words + alt, det + np.where(use_alt, len(words), 0))
