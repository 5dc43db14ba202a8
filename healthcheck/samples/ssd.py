"""The same world as a Standard Safeguarding Dataset export (data-to-insight's ssd-data-model):
`ssd_person`, `ssd_cla_episodes`, `ssd_legal_status`, `ssd_cla_health` and
`ssd_cla_immunisations`, with the data model's column names and ISO dates (a SQL export).

The legal status is not on the episode (the SSD keeps it in ssd_legal_status, one row per
status with its own dates: here one per episode); the health checks are the case system's copy
of the IHAs, RHAs and dental checks (`events.case`), with the check's status; the immunisation
statuses are the LA's Y/N records, dated. The SSD has no names.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from healthcheck.samples import vocabulary as v
from healthcheck.samples.cells import Col, Table, blank_where, vocab
from healthcheck.samples.days import NAT
from healthcheck.samples.histories import World
from healthcheck.samples.ssda903 import ETHNIC, Episodes, dates

ISO = "%Y-%m-%d"
CHECK_NAMES = {v.IHA: "Initial Health Assessment", v.RHA: "Review Health Assessment",
               v.DENTAL: "Dental Check"}
FILES = ("ssd_person", "ssd_cla_episodes", "ssd_legal_status", "ssd_cla_health",
         "ssd_cla_immunisations")


def _ids(values: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values).astype(str).tolist(), dtype=pl.String)


def build(w: World) -> dict[str, Table]:
    """The export's tables, by file stem."""
    rng = np.random.default_rng([w.n, 55, int(w.A)])
    ep = Episodes(w)
    n = w.n
    order = np.argsort(ep.ids, kind="stable")
    nhs = blank_where(pl.Series(w.nhs[:n]).cast(pl.String), w.role["case_nhs_blank"][:n])
    person = [Col(_ids(ep.ids)), Col(vocab(("M", "F"), w.sex[:n].astype(np.int64))),
              Col(vocab(ETHNIC, rng.integers(0, len(ETHNIC), n))), Col(dates(w.dob[:n], ISO)),
              Col(nhs), Col("CF" + _ids(w.legacy_ids[:n]))]

    E = len(ep.child)
    period = np.cumsum(ep.first)  # a period of care id: a new one at each period's first
    later = rng.choice(len(v.RNE_LATER), E, p=np.array(v.RNE_W) / sum(v.RNE_W))
    reason = vocab(("X1", *v.REASONS_END), np.where(
        ep.last, 1 + rng.integers(0, len(v.REASONS_END), E), 0))
    child = _ids(ep.ids[ep.child])
    episodes = [
        Col(_ids(np.arange(1, E + 1))), Col(child), Col(dates(ep.start, ISO)),
        Col(vocab(("S", *v.RNE_LATER), np.where(ep.first, 0, 1 + later))),
        Col(vocab(("N1", "N2", "N4"), rng.integers(0, 3, E))), Col(dates(ep.end, ISO)),
        Col(blank_where(reason, ep.end == NAT)), Col("P" + _ids(period)),
    ]
    legal = [Col(_ids(np.arange(1, E + 1))), Col(child), Col(vocab(v.STATUSES, ep.status)),
             Col(dates(ep.start, ISO)), Col(dates(ep.end, ISO))]

    c = w.events.case
    checks = np.isin(c.type, list(CHECK_NAMES)) & (c.child < n)
    hc, ht, hd = c.child[checks], c.type[checks], c.date[checks]
    h_order = np.lexsort((ht, hd, ep.ids[hc]))
    hc, ht, hd = hc[h_order], ht[h_order], hd[h_order]
    names = tuple(CHECK_NAMES[t] for t in sorted(CHECK_NAMES))
    kind = np.searchsorted(np.array(sorted(CHECK_NAMES)), ht)
    health = [Col(_ids(np.arange(1, len(hc) + 1))), Col(_ids(ep.ids[hc])),
              Col(vocab(names, kind)), Col(dates(hd, ISO)),
              Col(pl.Series(["Completed"] * len(hc), dtype=pl.String))]

    imm = (c.type == v.IMM_UTD) & (c.child < n)
    ic, idate, idet = c.child[imm], c.date[imm], c.detail[imm]
    i_order = np.lexsort((idate, ep.ids[ic]))
    ic, idate, idet = ic[i_order], idate[i_order], idet[i_order]
    imms = [Col(_ids(np.arange(1, len(ic) + 1))), Col(_ids(ep.ids[ic])),
            Col(vocab(("Y", "N"), (idet == v.D_N).astype(np.int64))), Col(dates(idate, ISO))]

    return {
        "ssd_person": Table("ssd_person", "ssd_person", (
            "pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob", "pers_common_child_id",
            "pers_legacy_id"), [col.gather(order) for col in person]),
        "ssd_cla_episodes": Table("ssd_cla_episodes", "ssd_cla_episodes", (
            "clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date",
            "clae_cla_episode_start_reason", "clae_cla_primary_need_code",
            "clae_cla_episode_ceased", "clae_cla_episode_ceased_reason", "clae_cla_id"),
            episodes),
        "ssd_legal_status": Table("ssd_legal_status", "ssd_legal_status", (
            "lega_legal_status_id", "lega_person_id", "lega_legal_status",
            "lega_legal_status_start_date", "lega_legal_status_end_date"), legal),
        "ssd_cla_health": Table("ssd_cla_health", "ssd_cla_health", (
            "clah_health_check_id", "clah_person_id", "clah_health_check_type",
            "clah_health_check_date", "clah_health_check_status"), health),
        "ssd_cla_immunisations": Table("ssd_cla_immunisations", "ssd_cla_immunisations", (
            "clai_immunisations_id", "clai_person_id", "clai_immunisations_status",
            "clai_immunisations_status_date"), imms),
    }
