"""The same world as an SSDA903 return [DfE SSDA903 guidance, the return's table layouts]:
`header.csv`, `SSDA903_Episodes.csv`, `OC2.csv` and a `children.csv` beside them (NHS numbers
and names, which the return does not carry), with the DfE's column names and dd/mm/yyyy dates.

A return has passed the DfE's validator, so its cells are clean; its mistakes are in the OC2
table, where the validator cannot see them (docs/rules.md "Checking OC2"): a few 1s the trust's
record does not support, a few 0s or blanks where it shows the check done, a cohort child left
out and a row for a child who is not in the cohort. The OC2 values are the trust's record
(`events.health`) for the health assessment and the teeth check, and its latest immunisations
status; the cohort is the truth's (in care at as-of, looked after for the 12 months to it, no
short break in them). What was planted is counted in `planted` (for the manifest).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from healthcheck.samples import vocabulary as v
from healthcheck.samples.cells import Col, Table, blank_where, text, vocab
from healthcheck.samples.days import NAT, as_dates, months_after
from healthcheck.samples.draws import Arr, pick
from healthcheck.samples.histories import World

ETHNIC = ("WBRI", "WOTH", "MWBC", "MOTH", "AOTH", "BAFR", "BCRB", "CHNE", "OOTH", "REFU")
ETHNIC_W = (60, 6, 5, 5, 5, 6, 4, 1, 4, 4)
OC2_HEADERS = ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
               "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
               "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")
FILES = ("header", "SSDA903_Episodes", "OC2", "children")


def dates(days: Arr, fmt: str = "%d/%m/%Y") -> pl.Series:
    """Day numbers as text (NAT blank)."""
    days = np.asarray(days, dtype=np.int64)
    out = as_dates(np.where(days == NAT, 0, days)).dt.strftime(fmt)
    return blank_where(out, days == NAT)


class Episodes:
    """The LA's children's episodes (not the trust-only patients), by child id then start."""

    def __init__(self, w: World) -> None:
        keep = w.ep_child < w.n
        ids = w.child_ids[: w.n]
        order = np.lexsort((w.ep_start[keep], ids[w.ep_child[keep]]))
        self.child = w.ep_child[keep][order]
        self.start = w.ep_start[keep][order]
        self.end = w.ep_end[keep][order]
        self.status = w.ep_status[keep][order]
        self.first = w.ep_first[keep][order]
        self.last = w.ep_last_of_period[keep][order]
        self.ids = ids

    def cohort(self, w: World) -> Arr:
        """The OC2 cohort at as-of (a mask over the LA's children): in care, its latest period
        started on or before as-of - 12 months + 1 day, no V3/V4 episode in those 12 months."""
        year_start = int(months_after(np.array([w.A]), -12)[0]) + 1
        latest = np.full(w.n, NAT, dtype=np.int64)
        np.maximum.at(latest, self.child[self.first], self.start[self.first])
        short = np.isin(self.status, [v.V3, v.V4]) & (
            (self.end == NAT) | (self.end >= year_start))
        in_year_short = np.zeros(w.n, dtype=bool)
        in_year_short[self.child[short]] = True
        in_care = np.zeros(w.n, dtype=bool)
        in_care[self.child[self.end == NAT]] = True
        return in_care & (latest != NAT) & (latest <= year_start) & ~in_year_short


def _done(w: World, etypes: list[int], since: int) -> Arr:
    """A mask over the LA's children: the trust's record has an event of `etypes` dated from
    `since` to as-of."""
    h = w.events.health
    hit = np.isin(h.type, etypes) & (h.date >= since) & (h.date <= w.A) & (h.child < w.n)
    out = np.zeros(w.n, dtype=bool)
    out[h.child[hit]] = True
    return out


def _immunised(w: World) -> Arr:
    """The trust's latest immunisations status at as-of is Y (a mask over the LA's children)."""
    h = w.events.health
    keep = (h.type == v.IMM_UTD) & (h.date <= w.A) & (h.child < w.n)
    child, day, det = h.child[keep], h.date[keep], h.detail[keep]
    order = np.lexsort((day, child))
    child, det = child[order], det[order]
    last = np.r_[child[1:] != child[:-1], True] if len(child) else np.zeros(0, bool)
    out = np.zeros(w.n, dtype=bool)
    out[child[last]] = det[last] == v.D_Y
    return out


def build(w: World) -> tuple[dict[str, Table], dict[str, int]]:
    """The return's tables (by file stem) and what was planted in its OC2 table."""
    rng = np.random.default_rng([w.n, 903, int(w.A)])
    ep = Episodes(w)
    n = w.n
    ids = pl.Series(ep.ids.astype(str).tolist(), dtype=pl.String)
    order = np.argsort(ep.ids, kind="stable")
    sex = vocab(("1", "2"), w.sex[:n].astype(np.int64))
    ethnic = vocab(ETHNIC, rng.choice(len(ETHNIC), n, p=np.array(ETHNIC_W) / sum(ETHNIC_W)))
    header = [Col(ids), Col(sex), Col(dates(w.dob[:n])), Col(ethnic)]
    fore = text(np.array(v.FORENAMES, dtype=object)[w.forename[:n]].tolist())
    sur = text(np.array(v.SURNAMES, dtype=object)[w.surname[:n]].tolist())
    nhs = blank_where(pl.Series(w.nhs[:n]).cast(pl.String), w.role["case_nhs_blank"][:n])
    children = [Col(ids), Col(nhs), Col(fore), Col(sur)]

    E = len(ep.child)
    later = rng.choice(len(v.RNE_LATER), E, p=np.array(v.RNE_W) / sum(v.RNE_W))
    closed = ep.end != NAT
    reason = vocab(("X1", *v.REASONS_END), np.where(
        ep.last, 1 + rng.integers(0, len(v.REASONS_END), E), 0))
    place = vocab(v.PLACEMENT_TYPES, rng.choice(
        len(v.PLACEMENT_TYPES), E, p=np.array(v.PLACEMENT_W) / sum(v.PLACEMENT_W)))
    episodes = [
        Col(pl.Series(ep.ids[ep.child].astype(str).tolist(), dtype=pl.String)),
        Col(dates(ep.start)), Col(vocab(("S", *v.RNE_LATER), np.where(ep.first, 0, 1 + later))),
        Col(vocab(v.STATUSES, ep.status)), Col(vocab(("N1", "N2", "N4"), rng.integers(0, 3, E))),
        Col(place), Col(dates(ep.end)), Col(blank_where(reason, ~closed)),
        Col(vocab(("IN", "OUT"), (rng.random(E) >= 0.7).astype(np.int64))),
    ]

    cohort = ep.cohort(w)
    since = int(months_after(np.array([w.A]), -12)[0]) + 1
    ha = _done(w, [v.IHA, v.RHA], since)
    teeth = _done(w, [v.DENTAL], since)
    imms = _immunised(w)
    k = max(1, n // 200)
    # 1s the record does not support, 0s and blanks where it shows the check done
    ha_1 = pick(rng, np.nonzero(cohort & ~ha)[0], k, n)
    teeth_1 = pick(rng, np.nonzero(cohort & ~teeth & ~ha_1)[0], k, n)
    ha_0 = pick(rng, np.nonzero(cohort & ha)[0], k, n)
    teeth_0 = pick(rng, np.nonzero(cohort & teeth & ~ha_0)[0], k, n)
    missing = pick(rng, np.nonzero(cohort & ~ha_1 & ~teeth_1 & ~ha_0 & ~teeth_0)[0], 1, n)
    extra = pick(rng, np.nonzero(~cohort)[0], 1, n)
    rows = np.nonzero((cohort & ~missing) | extra)[0]
    rows = rows[np.argsort(ep.ids[rows], kind="stable")]

    def flag(truth: Arr, one: Arr, zero: Arr) -> pl.Series:
        value = np.where(one, 1, np.where(zero, 0, truth.astype(np.int64)))[rows]
        out = vocab(("0", "1"), value)
        blank = zero[rows] & (rng.random(len(rows)) < 0.5)
        return blank_where(out, blank)

    none = np.zeros(n, dtype=bool)
    under5 = (w.A - w.dob[:n]) < 5 * 365
    m = len(rows)
    oc2 = [
        Col(gather_ids(ep.ids, rows)), Col(dates(w.dob[rows])),
        Col(vocab(("", *map(str, range(41))), 1 + rng.integers(0, 41, m))),
        Col(pl.Series([None] * m, dtype=pl.String)),
        Col(vocab(("0", "1"), (rng.random(m) < 0.02).astype(np.int64))),
        Col(blank_where(vocab(("0", "1"), (rng.random(m) < 0.85).astype(np.int64)),
                        ~under5[rows])),
        Col(flag(imms, none, none)), Col(flag(teeth, teeth_1, teeth_0)),
        Col(flag(ha, ha_1, ha_0)),
        Col(vocab(("0", "1"), (rng.random(m) < 0.04).astype(np.int64))),
        Col(pl.Series([None] * m, dtype=pl.String)), Col(pl.Series([None] * m, dtype=pl.String)),
    ]
    tables = {
        "header": Table("header", "Header", ("CHILD", "SEX", "DOB", "ETHNIC"),
                        [c.gather(order) for c in header], eol="\r\n"),
        "SSDA903_Episodes": Table(
            "SSDA903_Episodes", "Episodes",
            ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "PL_POST"), episodes,
            eol="\r\n"),
        "OC2": Table("OC2", "OC2", OC2_HEADERS, oc2, eol="\r\n"),
        "children": Table("children", "Children",
                          ("child_id", "nhs_number", "forename", "surname"),
                          [c.gather(order) for c in children]),
    }
    planted = {
        "oc2_cohort_children": int(cohort.sum()),
        "oc2_health_assessment_1_unsupported": int(ha_1.sum()),
        "oc2_teeth_check_1_unsupported": int(teeth_1.sum()),
        "oc2_health_assessment_0_or_blank_done": int(ha_0.sum()),
        "oc2_teeth_check_0_or_blank_done": int(teeth_0.sum()),
        "oc2_cohort_child_missing": int(missing.sum()),
        "oc2_row_not_in_cohort": int(extra.sum()),
    }
    return tables, planted


def gather_ids(ids: Arr, idx: Arr) -> pl.Series:
    return pl.Series(ids[idx].astype(str).tolist(), dtype=pl.String)
