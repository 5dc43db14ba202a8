"""An independent reference implementation of the rules (docs/rules.md §2-§7, with §4 R5
extended, and the flags of §10), used as a test oracle.

Written from the specification's text alone, in plain Python loops over rows: clarity beats
speed. It takes the typed tables of the product's ingest (`Extract.tables[name].to_dicts()`)
and returns the children.csv rows, the KPIs and the derived flags (§10) as (rule, child_id)
pairs.

Where the text is ambiguous the reading chosen is written down in a comment marked
`# AMBIGUOUS:`. Where the text is silent and the product has documented a decision (§12), the
reference mirrors it (marked `# DECISION:`), so that the comparison is meaningful.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import holidays

SHORT_BREAKS = ("V3", "V4")

DEFAULT_POLICY = {
    "notification_target_wd": 5,
    "notification_lookback_days": 10,
    "iha_rule": "20WD",
    "iha_prior_months": 3,
    "age5_mode": "conservative",
    "horizon_days": 28,
    "dental_interval_months": 12,
    "dental_first_due_wd": 40,
    "event_match_days": 31,
    "compare_months": 24,
    "imms_grace_days": 28,
    "request_target_wd": 5,
    "report_target_wd": 10,
}

CHILDREN_COLUMNS = (
    "child_id", "nhs_number", "match_status", "match_method", "in_care", "period_start",
    "clock_start", "notification_date", "notification_wd", "notification_status", "iha_due",
    "iha_date", "iha_status", "last_assessment", "rha_due", "rha_status", "dental_last",
    "dental_due", "dental_status", "immunisations_status", "oc2_cohort",
    "request_date", "request_wd", "request_status", "appointment_date", "was_not_brought",
    "report_date", "report_wd", "report_status", "delay_agency",
    "immunisations_basis", "immunisations_missing",
)

MEASURES = (
    "notification_mean_wd", "notification_on_time_pct", "iha_on_time_pct", "rha_in_date_pct",
    "oc2_health_assessment_pct", "oc2_teeth_check_pct", "oc2_immunisations_pct",
    "request_on_time_pct", "report_on_time_pct", "iha_late_la_pct", "iha_late_health_pct",
    "iha_late_carer_pct",
)


# --- calendar --------------------------------------------------------------------------------

@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(d: date) -> bool:
    """Monday to Friday except bank holidays in England."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def day_zero(start: date) -> date:
    """Day 0 of a working-day count: the start itself, or the next working day after it.

    # AMBIGUOUS: "A start on a non-working day counts from the next working day." Read as: the
    # next working day becomes day 0 (so a Saturday start +5 = the Monday after next), since the
    # other reading ("the next working day is day 1") would make the sentence say nothing new.
    """
    d = start
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after day 0 (Fri 19 Dec 2025 + 20 -> Wed 21 Jan 2026)."""
    d = day_zero(start)
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if is_working_day(d):
            counted += 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days from `start` (day 0) to `end`: n when `end` is the n-th working day after
    day 0. An `end` before the start counts as 0 (R1: "a notification before the clock start
    counts as 0").

    # AMBIGUOUS: an `end` on a non-working day counts as the next working day (as docs/rules.md §2
    # says for a start), so that on time <=> dated on or before the target day: a notification
    # on the Saturday after the target Friday is late (6), consistent with `missing` being
    # reported from that Saturday. (Counting only the working days elapsed would give 5.)
    """
    if end < start:
        return 0
    d0, last = day_zero(start), day_zero(end)
    n = 0
    d = d0
    while d < last:
        d += timedelta(days=1)
        if is_working_day(d):
            n += 1
    return n


def add_months(d: date, months: int) -> date:
    """Calendar months: keep the day of the month, clamped to the end of a shorter month."""
    total = d.year * 12 + (d.month - 1) + months
    y, m = divmod(total, 12)
    m += 1
    last = calendar.monthrange(y, m)[1]
    return date(y, m, min(d.day, last))


def under_five(dob: date | None, on: date) -> bool:
    # DECISION: a child with no DOB is treated as under 5 (the stricter, 6-monthly interval).
    if dob is None:
        return True
    return on < add_months(dob, 60)


# --- periods of care -------------------------------------------------------------------------

@dataclass
class Period:
    episodes: list[dict] = field(default_factory=list)

    @property
    def start(self) -> date:
        return self.episodes[0]["start_date"]

    @property
    def end(self) -> date | None:
        # AMBIGUOUS: the period's end is the end date of its last episode (sorted by start).
        return self.episodes[-1]["end_date"]

    @property
    def before_extract(self) -> bool:
        """The first episode's rne is neither S nor blank: the period began before the
        extract (docs/rules.md "Periods that began before the extract")."""
        return self.episodes[0].get("rne") not in (None, "", "S")

    @property
    def clock_start(self) -> date | None:
        for ep in self.episodes:
            if ep["legal_status"] not in SHORT_BREAKS:
                # DECISION: a period begun before the extract starts its clock at its first
                # episode's start, the earliest known, when it has a clock at all.
                return self.start if self.before_extract else ep["start_date"]
        return None


def usable_episodes(episodes: list[dict], as_of: date) -> list[dict]:
    """Episodes with a start date, sorted by start.

    # DECISION: episodes starting after the as-of date are ignored.
    # AMBIGUOUS: episodes with the same start are ordered by end date (blank = still open,
    # last), then file row: the open or longer episode is the later one.
    """
    eps = [e for e in episodes if e["start_date"] is not None and e["start_date"] <= as_of]
    return sorted(eps, key=lambda e: (e["start_date"], e["end_date"] or date.max, e["row"]))


def periods_of(episodes: list[dict]) -> list[Period]:
    """Split sorted episodes into periods of care: a new period starts at an episode with
    rne = S, or (rne blank) when it does not start on the day the previous one ended."""
    periods: list[Period] = []
    prev = None
    for ep in episodes:
        rne = ep.get("rne")
        if prev is None:
            new = True
        elif rne == "S":
            new = True
        elif rne is None or rne == "":
            new = ep["start_date"] != prev["end_date"]
        else:
            # Any other reason for a new episode (P, L, T, B, U...) continues the period.
            new = False
        if new:
            periods.append(Period())
        periods[-1].episodes.append(ep)
        prev = ep
    return periods


def covers(ep: dict, d: date) -> bool:
    return ep["start_date"] <= d and (ep["end_date"] is None or ep["end_date"] > d)


# --- events ----------------------------------------------------------------------------------

def events_of(events: list[dict], kinds: tuple[str, ...], as_of: date,
              detail: str | None = None) -> list[date]:
    """Sorted dates of the events of these types dated on or before as-of."""
    out = []
    for e in events:
        if e["event_type"] in kinds and e["event_date"] is not None and e["event_date"] <= as_of:
            if detail is None or e.get("detail") == detail:
                out.append(e["event_date"])
    return sorted(out)


# --- docs/rules.md §4 R5 extended: immunisations from vaccine records ----------------------------

# The default vaccine table, as docs/rules.md §4 R5 extended writes it (names -> what they
# count as).
VACCINE_ROWS = [
    ("6-in-1, DTaP/IPV/Hib/HepB, hexavalent, Infanrix hexa, Vaxelis", "dtp hib"),
    ("5-in-1, DTaP/IPV/Hib, Pediacel, Infanrix-IPV+Hib", "dtp hib"),
    ("4-in-1, dTaP/IPV, DTaP/IPV, Repevax, Boostrix-IPV, Infanrix-IPV", "dtp"),
    ("3-in-1, Td/IPV, Revaxis", "dtp"),
    ("Hib/MenC, Menitorix", "hib"),
    ("MMR, MMRvaxPRO, Priorix, MMRV, ProQuad, Priorix-Tetra", "mmr"),
    ("MenB, Bexsero", "menb"),
    ("PCV, PCV13, Prevenar 13", "pcv"),
    ("MenACWY, Nimenrix, MenQuadfi, Menveo", "menacwy"),
    ("HPV, Gardasil, Gardasil 9", "hpv"),
    ("Rotavirus, Rotarix, flu, influenza, LAIV, BCG, HepB, COVID-19", ""),
]
ANTIGEN_ORDER = ("dtp", "hib", "pcv", "menb", "mmr", "hpv", "menacwy")


def vaccine_name_key(name: str) -> str:
    """Case, spaces, hyphens, dots and slashes ignored."""
    return "".join(ch for ch in name.lower() if not (ch.isspace() or ch in "-./"))


VACCINES = {vaccine_name_key(n.strip()): tuple(counts.split())
            for names, counts in VACCINE_ROWS for n in names.split(",")}


def school_year_end(dob: date, birthday: int) -> date:
    """The first 31 August on or after the given birthday."""
    b = add_months(dob, 12 * birthday)
    return date(b.year, 8, 31) if b <= date(b.year, 8, 31) else date(b.year + 1, 8, 31)


def schedule(dob: date) -> list[tuple[str, int, date, int | None]]:
    """(antigen, doses, by this day, only while under this age) for one child."""
    b = dob >= date(2024, 7, 1)
    w16, m12, m18, m40 = (dob + timedelta(days=16 * 7), add_months(dob, 12),
                          add_months(dob, 18), add_months(dob, 40))
    y8, y9 = school_year_end(dob, 13), school_year_end(dob, 14)
    out = [("dtp", 3, w16, None), ("hib", 3, w16, 10), ("pcv", 1, w16, 2), ("pcv", 2, m12, 2),
           ("menb", 2, w16, 2), ("menb", 3, m12, 2), ("mmr", 1, m12, None),
           ("hpv", 1, y8, None), ("menacwy", 1, y9, None)]
    if b:
        out += [("dtp", 4, m18, None), ("dtp", 5, m40, None), ("dtp", 6, y9, None),
                ("hib", 4, m18, 10), ("mmr", 2, m18, None)]
    else:
        out += [("dtp", 4, m40, None), ("dtp", 5, y9, None), ("hib", 4, m12, 10),
                ("mmr", 2, m40, None)]
    return out


def missing_doses(dob: date, vaccinations: list[dict], as_of: date, grace: int) -> list[str]:
    dates: dict[str, set[date]] = {a: set() for a in ANTIGEN_ORDER}
    for e in vaccinations:
        name = e.get("detail")
        for a in VACCINES.get(vaccine_name_key(name), ()) if name is not None else ():
            dates[a].add(e["event_date"])
    out = []
    for a in ANTIGEN_ORDER:
        need = 0
        for antigen, doses, by, under in schedule(dob):
            if (antigen == a and (as_of - by).days > grace
                    and (under is None or as_of < add_months(dob, 12 * under))):
                need = max(need, doses)
        if len(dates[a]) < need:
            out.append(f"{a} {need}")
    return out


# --- the rules for one child -----------------------------------------------------------------

def oc2(out: dict, eps: list[dict], period: Period, in_care: bool, assessments: list[date],
        dentals: list[date], as_of: date) -> dict:
    """R6 OC2 cohort and its measures.

    R6 does not depend on the clock (that can only matter for overlapping episodes: a
    V3/V4-only latest period while a care episode still covers as-of).
    """
    # DECISION: "the 12 months up to as-of" are as-of - 12 months + 1 day .. as-of (the DfE
    # year: 31 Mar 2025 -> 1 Apr 2024 .. 31 Mar 2025, as the default period):
    # in care, the latest period started on or before their first day, and no V3/V4 episode
    # with end blank or end on/after their first day; the measures count events dated in them.
    year_start = add_months(as_of, -12) + timedelta(days=1)
    short_break = any(e["legal_status"] in SHORT_BREAKS
                      and (e["end_date"] is None or e["end_date"] >= year_start) for e in eps)
    if in_care and period.start <= year_start and not short_break:
        out["oc2_cohort"] = True
        out["oc2_health_assessment"] = any(d >= year_start for d in assessments)
        out["oc2_teeth_check"] = any(d >= year_start for d in dentals)
        out["oc2_immunisations"] = out["immunisations_status"] == "up_to_date"
    return out


def evaluate_child(episodes: list[dict], dob: date | None, events: list[dict], *, as_of: date,
                   policy: dict, notification_type: str) -> dict:
    """R1-R6 for one child over one source's events. Returns the computed children.csv fields
    plus the OC2 measures (keys starting `oc2_`)."""
    p = policy
    out: dict = {c: None for c in CHILDREN_COLUMNS if c not in (
        "child_id", "nhs_number", "match_status", "match_method")}
    eps = usable_episodes(episodes, as_of)
    in_care = any(covers(e, as_of) for e in eps)
    out["in_care"] = in_care
    out["oc2_cohort"] = False
    out["_pathway_flags"] = []
    out["oc2_health_assessment"] = False
    out["oc2_teeth_check"] = False
    out["oc2_immunisations"] = False
    # last_assessment and dental_last: "the latest on or before as-of whatever the status".
    # AMBIGUOUS: given for every case child (also one with no period / not in care).
    assessments = events_of(events, ("iha", "rha", "health_assessment"), as_of)
    dentals = events_of(events, ("dental",), as_of)
    last = assessments[-1] if assessments else None
    last_dental = dentals[-1] if dentals else None
    out["last_assessment"] = last
    out["dental_last"] = last_dental

    periods = periods_of(eps)
    statuses = ("notification_status", "iha_status", "rha_status", "dental_status",
                "immunisations_status", "request_status", "report_status")
    if not periods:
        for s in statuses:
            out[s] = "not_required"
        return out
    period = periods[-1]
    out["period_start"] = period.start
    clock = period.clock_start
    if clock is None:
        for s in statuses:
            out[s] = "not_required"
        return oc2(out, eps, period, in_care, assessments, dentals, as_of)
    out["clock_start"] = clock

    # R1 notification
    notes = [d for d in events_of(events, (notification_type,), as_of)
             if d >= clock - timedelta(days=p["notification_lookback_days"])]
    target_day = add_working_days(clock, p["notification_target_wd"])
    if period.before_extract:
        out["notification_status"] = "before_extract"
    elif notes:
        nd = notes[0]
        wd = 0 if nd < clock else working_days_between(clock, nd)
        out["notification_date"] = nd
        out["notification_wd"] = wd
        out["notification_status"] = "on_time" if wd <= p["notification_target_wd"] else "late"
    elif as_of > target_day:
        out["notification_status"] = "missing"
    else:
        out["notification_status"] = "pending"

    # R2 IHA
    if p["iha_rule"] == "28CD":
        iha_due = clock + timedelta(days=28)
    else:
        iha_due = add_working_days(clock, 20)
    iha_from = add_months(clock, -p["iha_prior_months"])
    ihas = [d for d in events_of(events, ("iha", "health_assessment"), as_of) if d >= iha_from]
    iha_declined = any(d >= iha_from for d in events_of(events, ("declined",), as_of, "iha"))
    if not period.before_extract:
        out["iha_due"] = iha_due
    if period.before_extract:
        iha_status = "before_extract"
    elif ihas:
        out["iha_date"] = ihas[0]
        iha_status = "on_time" if ihas[0] <= iha_due else "late"
    elif period.end is not None and period.end < iha_due:
        iha_status = "not_required"
    elif iha_declined:
        iha_status = "declined"
    elif iha_due < as_of:
        iha_status = "overdue"
    else:
        iha_status = "due"
    out["iha_status"] = iha_status
    pathway(out, events, clock, as_of, p)

    # R5 immunisations (DECISION: computed whenever there is a clock; on one day N wins).
    statuses_by_day: dict[date, set[str]] = {}
    for e in events:
        if (e["event_type"] == "immunisations_up_to_date" and e["event_date"] is not None
                and e["event_date"] <= as_of and e.get("detail") in ("Y", "N")):
            statuses_by_day.setdefault(e["event_date"], set()).add(e["detail"])
    # §4 R5 extended: vaccine records on or before as-of decide, when there are any.
    # DECISION: with no DOB the records cannot be placed on the schedule: the Y/N decides.
    vaccinations = [e for e in events if e["event_type"] == "immunisation"
                    and e["event_date"] is not None and e["event_date"] <= as_of]
    if vaccinations and dob is not None:
        short = missing_doses(dob, vaccinations, as_of, p["imms_grace_days"])
        out["immunisations_status"] = "not_up_to_date" if short else "up_to_date"
        out["immunisations_basis"] = "vaccines"
        out["immunisations_missing"] = "; ".join(short) or None
    elif statuses_by_day:
        latest = statuses_by_day[max(statuses_by_day)]
        out["immunisations_status"] = "not_up_to_date" if "N" in latest else "up_to_date"
        out["immunisations_basis"] = "status"
    else:
        out["immunisations_status"] = "unknown"

    if not in_care:
        out["rha_status"] = "not_required"
        out["dental_status"] = "not_required"
        return out  # not in the OC2 cohort

    horizon = as_of + timedelta(days=p["horizon_days"])

    def timing(due: date) -> str:
        if due < as_of:
            return "overdue"
        if due <= horizon:
            return "due_soon"
        return "in_date"

    # R3 RHA
    if last is None:
        if iha_status == "declined":
            out["rha_status"] = "declined"
        elif iha_status == "due":
            out["rha_status"] = "not_required"
        else:
            out["rha_status"] = "none_recorded"
    else:
        months = 6 if under_five(dob, last) else 12
        if (months == 6 and p["age5_mode"] == "lenient" and dob is not None
                and add_months(dob, 60) < add_months(last, 6)):
            months = 12
        rha_due = add_months(last, months)
        out["rha_due"] = rha_due
        if any(d > last for d in events_of(events, ("declined",), as_of, "rha")):
            out["rha_status"] = "declined"
        else:
            out["rha_status"] = timing(rha_due)

    # R4 dental
    first_due = add_working_days(clock, p["dental_first_due_wd"])
    if last_dental is None:
        dental_due = first_due
    else:
        dental_due = max(add_months(last_dental, p["dental_interval_months"]), first_due)
    out["dental_due"] = dental_due
    # DECISION: declined = a declined dental dated after the last dental, or on/after the
    # clock start when there is none.
    declined_after = last_dental if last_dental is not None else clock - timedelta(days=1)
    if any(d > declined_after for d in events_of(events, ("declined",), as_of, "dental")):
        out["dental_status"] = "declined"
    else:
        out["dental_status"] = timing(dental_due)
    return oc2(out, eps, period, in_care, assessments, dentals, as_of)


def pathway(out: dict, events: list[dict], clock: date, as_of: date, p: dict) -> None:
    """R7 the IHA pathway (docs/rules.md §4 R7) for a child with a clock, after R1 and R2."""
    # DECISION: a period that began before the extract: its pathway is not in it either.
    if out["iha_status"] == "before_extract":
        out["request_status"] = out["report_status"] = "before_extract"
        return
    w = clock - timedelta(days=10)

    def status(start: date, found: date | None, target: int) -> tuple[int | None, str]:
        if found is None:
            return None, ("missing" if as_of > add_working_days(start, target) else "pending")
        wd = 0 if found < start else working_days_between(start, found)
        return wd, ("on_time" if wd <= target else "late")

    requests = [d for d in events_of(events, ("iha_requested",), as_of) if d >= w]
    out["request_date"] = requests[0] if requests else None
    out["request_wd"], out["request_status"] = status(clock, out["request_date"],
                                                      p["request_target_wd"])
    since = out["request_date"] or w
    appts = [d for d in events_of(events, ("iha_appointment",), as_of) if d >= since]
    out["appointment_date"] = appts[0] if appts else None
    iha = out["iha_date"]
    until = iha if iha is not None else as_of
    out["was_not_brought"] = sum(
        1 for d in events_of(events, ("was_not_brought",), as_of, "iha") if w <= d <= until)
    if iha is None:
        out["report_status"] = "not_required"
    else:
        reports = [d for d in events_of(events, ("iha_report_sent",), as_of) if d >= iha]
        out["report_date"] = reports[0] if reports else None
        out["report_wd"], out["report_status"] = status(iha, out["report_date"],
                                                        p["report_target_wd"])
    # DECISION: events set aside as out of order are flagged (rows, as `(code, row)`): an
    # appointment on/after W before the request; a report before the IHA (or with none), from
    # the earlier of W and the IHA window's start.
    report_from = min(w, add_months(clock, -p["iha_prior_months"]))
    for e in events:
        d = e["event_date"]
        if d is None or d > as_of:
            continue
        if (e["event_type"] == "iha_appointment" and out["request_date"] is not None
                and w <= d < out["request_date"]):
            out["_pathway_flags"].append(("PATHWAY_APPOINTMENT_BEFORE_REQUEST", e["row"]))
        if e["event_type"] == "iha_report_sent" and d >= report_from and (iha is None or d < iha):
            out["_pathway_flags"].append(("PATHWAY_REPORT_BEFORE_IHA", e["row"]))
    if out["iha_status"] in ("late", "overdue"):
        if (out["notification_status"] in ("late", "missing")
                or out["request_status"] in ("late", "missing")):
            out["delay_agency"] = "la"
        elif out["was_not_brought"] >= 1:
            out["delay_agency"] = "carer"
        else:
            out["delay_agency"] = "health"


# --- matching --------------------------------------------------------------------------------

def _key(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.strip().lower()
    return s or None


def _demographic_key(dob, surname, forename):
    sn, fn = _key(surname), _key(forename)
    if dob is None or sn is None or fn is None:
        return None
    return (dob, sn, fn[0])


def match(children: list[dict], patients: list[dict]) -> dict[int, tuple[str, list[int]]]:
    """case child index -> (method, [patient indexes]).

    NHS first, else la_id, else demographics; each step only for children not matched by an
    earlier step, and each against all patients.
    # AMBIGUOUS: when two trust patients share the child's NHS number (or la_child_id), the
    # child is matched to both (the same child recorded twice by the trust).
    """
    result: dict[int, tuple[str, list[int]]] = {}
    for i, c in enumerate(children):
        if c["nhs_number"] is None:
            continue
        hits = [j for j, pt in enumerate(patients) if pt["nhs_number"] == c["nhs_number"]]
        if hits:
            result[i] = ("nhs", hits)
    for i, c in enumerate(children):
        if i in result or c["child_id"] is None:
            continue
        hits = [j for j, pt in enumerate(patients) if pt["la_child_id"] == c["child_id"]]
        if hits:
            result[i] = ("la_id", hits)
    for i, c in enumerate(children):
        if i in result:
            continue
        key = _demographic_key(c["dob"], c["surname"], c["forename"])
        if key is None:
            continue
        hits = [j for j, pt in enumerate(patients)
                if _demographic_key(pt["dob"], pt["surname"], pt["forename"]) == key]
        if len(hits) == 1:
            result[i] = ("demographics", hits)
    return result


def patient_events(patient: dict, events: list[dict]) -> list[dict]:
    """A patient's events: by NHS number or, where that is blank, by trust_id.

    # AMBIGUOUS: "where that is blank" read on either side: an event links by NHS number when
    # both the event and the patient have one, else by trust_id when both have one.
    """
    out = []
    for e in events:
        if e["nhs_number"] is not None and patient["nhs_number"] is not None:
            if e["nhs_number"] == patient["nhs_number"]:
                out.append(e)
        elif e["trust_id"] is not None and e["trust_id"] == patient["trust_id"]:
            out.append(e)
    return out


# --- the event comparison --------------------------------------------------------------------

def compare_events(health: list[dict], case: list[dict], *, as_of: date,
                   policy: dict) -> set[str]:
    """The §3 event-comparison rules that fire for one matched child."""
    fired: set[str] = set()
    window_from = add_months(as_of, -policy["compare_months"])
    tol = policy["event_match_days"]
    for kind in ("iha", "rha", "dental"):
        h = events_of(health, (kind,), as_of)
        c = events_of(case, (kind,), as_of)

        def nearest(d: date, others: list[date]) -> date | None:
            near = [o for o in others if abs((o - d).days) <= tol]
            if not near:
                return None
            return min(near, key=lambda o: (abs((o - d).days), o))

        # AMBIGUOUS: "in the last 24 months" = dated on or after as-of - 24 months (and on or
        # before as-of); the other system's events of the type are looked for at any date up
        # to as-of. DATE_MISMATCH pairs each health event in the window with its nearest case
        # event within 31 days (the case system's events are compared against the health
        # extract, docs/rules.md §1.1); a pair with different dates fires.
        for d in h:
            if d < window_from:
                continue
            n = nearest(d, c)
            if n is None:
                fired.add("EVENT_MISSING_IN_CASE")
            elif n != d:
                fired.add("DATE_MISMATCH")
        for d in c:
            if d >= window_from and nearest(d, h) is None:
                fired.add("EVENT_MISSING_IN_HEALTH")
    return fired


# --- the whole reconcile ---------------------------------------------------------------------

def _pct(num: int, den: int) -> float | None:
    if den == 0:
        return None
    # AMBIGUOUS: "percent to 1 dp": Python's round() of the float (half to even).
    return round(100.0 * num / den, 1)


def kpis_for(rows: list[dict], source: str, period_start: date, period_end: date) -> list[dict]:
    """The §4 KPIs over the evaluated case children (rows from `evaluate_child`)."""
    P = [r for r in rows if r["clock_start"] is not None
         and period_start <= r["clock_start"] <= period_end]
    out = []

    def add(measure, num, den, value):
        out.append({"measure": measure, "source": source, "numerator": num,
                    "denominator": den, "value": value})

    timed = [r for r in P if r["notification_status"] in ("on_time", "late")]
    wd_sum = sum(r["notification_wd"] for r in timed)
    # DECISION: the numerator of the mean is the sum of working days.
    add("notification_mean_wd", wd_sum, len(timed),
        round(wd_sum / len(timed), 1) if timed else None)
    on = sum(r["notification_status"] == "on_time" for r in P)
    den = sum(r["notification_status"] in ("on_time", "late", "missing") for r in P)
    add("notification_on_time_pct", on, den, _pct(on, den))
    on = sum(r["iha_status"] == "on_time" for r in P)
    den = sum(r["iha_status"] in ("on_time", "late", "overdue") for r in P)
    add("iha_on_time_pct", on, den, _pct(on, den))
    rha = [r for r in rows if r["in_care"] and r["clock_start"] is not None
           and r["rha_status"] not in ("not_required", "declined")]
    num = sum(r["rha_status"] in ("in_date", "due_soon") for r in rha)
    add("rha_in_date_pct", num, len(rha), _pct(num, len(rha)))
    for measure, key in (("request_on_time_pct", "request_status"),
                         ("report_on_time_pct", "report_status")):
        on = sum(r[key] == "on_time" for r in P)
        den = sum(r[key] in ("on_time", "late", "missing") for r in P)
        add(measure, on, den, _pct(on, den))
    late = [r for r in P if r["iha_status"] in ("late", "overdue")]
    for agency in ("la", "health", "carer"):
        num = sum(r["delay_agency"] == agency for r in late)
        add(f"iha_late_{agency}_pct", num, len(late), _pct(num, len(late)))
    cohort = [r for r in rows if r["oc2_cohort"]]
    for measure, key in (("oc2_health_assessment_pct", "oc2_health_assessment"),
                         ("oc2_teeth_check_pct", "oc2_teeth_check"),
                         ("oc2_immunisations_pct", "oc2_immunisations")):
        num = sum(bool(r[key]) for r in cohort)
        add(measure, num, len(cohort), _pct(num, len(cohort)))
    return out


def reference(case_tables: dict, health_tables: dict, *, as_of: date,
              period_start: date | None = None, period_end: date | None = None,
              cutover: date | None = None, policy: dict | None = None,
              invalid_nhs_rows: frozenset[int] = frozenset()) -> dict:
    """children.csv rows, KPIs and derived flags for one pair of typed extracts.

    `case_tables` / `health_tables`: table name -> list of row dicts (or polars frames).
    `invalid_nhs_rows`: the children rows whose NHS number was present but invalid (ingest
    blanks it): NHS_NUMBER_MISSING is for a child with none, NHS_NUMBER_INVALID (an ingest
    flag) for one that fails the check.
    """
    pol = {**DEFAULT_POLICY, **(policy or {})}
    ct = {k: (v.to_dicts() if hasattr(v, "to_dicts") else list(v)) for k, v in case_tables.items()}
    ht = {k: (v.to_dicts() if hasattr(v, "to_dicts") else list(v))
          for k, v in health_tables.items()}
    # DECISION: a children row without a child_id, or repeating an earlier row's child_id, is
    # not used (the product flags it CHILD_ID_REPEATED / REQUIRED_VALUE_MISSING).
    children, seen = [], set()
    for c in sorted(ct.get("children", []), key=lambda r: r["row"]):
        if c["child_id"] is not None and c["child_id"] not in seen:
            seen.add(c["child_id"])
            children.append(c)
    episodes = ct.get("episodes", [])
    case_events = ct.get("health_events", [])
    patients = ht.get("patients", [])
    events = ht.get("events", [])
    # DECISION: the default period is as-of - 12 calendar months + 1 day .. as-of.
    if period_end is None:
        period_end = as_of
    if period_start is None:
        period_start = add_months(as_of, -12) + timedelta(days=1)

    eps_by_child: dict[str, list[dict]] = {}
    for e in episodes:
        eps_by_child.setdefault(e["child_id"], []).append(e)
    case_ev_by_child: dict[str, list[dict]] = {}
    for e in case_events:
        case_ev_by_child.setdefault(e["child_id"], []).append(e)
    pt_events = [patient_events(pt, events) for pt in patients]

    matches = match(children, patients)
    matched_patients = {j for _, js in matches.values() for j in js}
    flags: set[tuple[str, str | None]] = set()
    vaccine_flags: set[tuple[str, str, int]] = set()
    # §10 VACCINE_UNKNOWN: any immunisation row, in either extract, whose name (or blank) is
    # in none of the table's rows. DECISION: whatever its date or link.
    for e in case_events:
        if e["event_type"] == "immunisation" and vaccine_name_key(
                e["detail"] or "") not in VACCINES:
            flags.add(("VACCINE_UNKNOWN", e["child_id"]))
    for e in events:
        if e["event_type"] == "immunisation" and vaccine_name_key(
                e["detail"] or "") not in VACCINES:
            vaccine_flags.add(("VACCINE_UNKNOWN", "events", e["row"]))
    health_flags: set[tuple[str, str, int]] = set()  # with vaccine_flags after the loop

    rows: list[dict] = []
    health_rows: list[dict] = []
    case_rows: list[dict] = []
    for i, c in enumerate(children):
        cid = c["child_id"]
        eps = eps_by_child.get(cid, [])
        method, pjs = matches.get(i, (None, []))
        h_events = [e for j in pjs for e in pt_events[j]]
        c_events = case_ev_by_child.get(cid, [])
        h = evaluate_child(eps, c["dob"], h_events, as_of=as_of, policy=pol,
                           notification_type="notification_received")
        k = evaluate_child(eps, c["dob"], c_events, as_of=as_of, policy=pol,
                           notification_type="notification_sent")
        health_rows.append(h)
        case_rows.append(k)
        for code, row_no in h["_pathway_flags"]:
            health_flags.add((code, "events", row_no))
        for code, _ in k["_pathway_flags"]:
            flags.add((code, cid))
        row = {"child_id": cid, "nhs_number": c["nhs_number"],
               "match_status": "matched" if pjs else "case_only", "match_method": method}
        row.update({col: h[col] for col in CHILDREN_COLUMNS if col not in row})
        rows.append(row)

        # §10 IMMUNISATIONS_STATUS_DISAGREES: the latest health Y/N (N wins a tie) against the
        # records; on that Y/N's row
        if h["immunisations_basis"] == "vaccines":
            yns = [e for e in h_events if e["event_type"] == "immunisations_up_to_date"
                   and e["event_date"] is not None and e["event_date"] <= as_of
                   and e.get("detail") in ("Y", "N")]
            if yns:
                day = max(e["event_date"] for e in yns)
                on_day = [e for e in yns if e["event_date"] == day]
                said = "N" if any(e["detail"] == "N" for e in on_day) else "Y"
                if (said == "Y") != (h["immunisations_status"] == "up_to_date"):
                    row_ = min(e["row"] for e in on_day if e["detail"] == said)
                    vaccine_flags.add(("IMMUNISATIONS_STATUS_DISAGREES", "events", row_))
        # derived flags about this child
        if h["in_care"] and c["nhs_number"] is None and c["row"] not in invalid_nhs_rows:
            flags.add(("NHS_NUMBER_MISSING", cid))
        if h["in_care"] and not pjs:
            flags.add(("CASE_ONLY", cid))
        if method == "demographics":
            flags.add(("MATCHED_ON_DEMOGRAPHICS", cid))
        if any(c["dob"] is not None and patients[j]["dob"] is not None
               and c["dob"] != patients[j]["dob"] for j in pjs):
            flags.add(("DOB_MISMATCH", cid))
        # a case extract with no health events at all is not compared (docs/rules.md §6)
        if pjs and case_events:
            for rule in compare_events(h_events, c_events, as_of=as_of, policy=pol):
                flags.add((rule, cid))
        if c["dob"] is not None and c["dob"] > as_of:
            flags.add(("DATE_IN_FUTURE", cid))
        for e in eps:
            if e["start_date"] is not None and e["start_date"] > as_of:
                flags.add(("DATE_IN_FUTURE", cid))
            if (e["start_date"] is not None and c["dob"] is not None
                    and e["start_date"] < c["dob"]):
                flags.add(("DATE_BEFORE_BIRTH", cid))
        for e in c_events:
            if e["event_date"] is not None and e["event_date"] > as_of:
                flags.add(("DATE_IN_FUTURE", cid))
            if e["event_date"] is not None and c["dob"] is not None and e["event_date"] < c["dob"]:
                flags.add(("DATE_BEFORE_BIRTH", cid))
        # EPISODE_OVERLAP: an episode covers [start, end) (in care on a day when start <= day
        # and end blank or > day: docs/rules.md §3 "in care"), so the next may start on the day the
        # previous ended. Two overlap by a day or more when min(ends) - max(starts) >= 1 day.
        # AMBIGUOUS: so an episode with start = end covers no day and overlaps nothing. All the
        # child's dated episodes count, also those starting after as-of.
        dated = [e for e in eps if e["start_date"] is not None]
        for a in range(len(dated)):
            for b in range(a + 1, len(dated)):
                ea, eb = dated[a], dated[b]
                lo = max(ea["start_date"], eb["start_date"])
                hi = min(ea["end_date"] or date.max, eb["end_date"] or date.max)
                if (hi - lo).days >= 1:
                    flags.add(("EPISODE_OVERLAP", cid))
        if cutover is not None:
            ueps = usable_episodes(eps, as_of)
            periods = periods_of(ueps)
            if any(per.start == cutover for per in periods):
                flags.add(("MIGRATION_CUTOVER_START", cid))
            if h["in_care"] and periods and periods[-1].start < cutover:
                in_case = any(e["event_type"] in ("iha", "rha", "dental")
                              and e["event_date"] is not None and e["event_date"] < cutover
                              for e in c_events)
                in_health = any(e["event_type"] in ("iha", "rha", "dental")
                                and e["event_date"] is not None and e["event_date"] < cutover
                                for e in h_events)
                if in_health and not in_case:
                    flags.add(("MIGRATION_HISTORY_GAP", cid))

    health_flags |= vaccine_flags
    # Health-side per-row flags are keyed by (rule, table, row): docs/rules.md does not say which
    # case child_id names a health row (one patient may match two case children).
    # AMBIGUOUS: health events are checked against the DOB of the patient they link to.
    for j, pt in enumerate(patients):
        if pt["dob"] is not None and pt["dob"] > as_of:
            health_flags.add(("DATE_IN_FUTURE", "patients", pt["row"]))
        for e in pt_events[j]:
            if (e["event_date"] is not None and pt["dob"] is not None
                    and e["event_date"] < pt["dob"]):
                health_flags.add(("DATE_BEFORE_BIRTH", "events", e["row"]))
    for e in events:
        if e["event_date"] is not None and e["event_date"] > as_of:
            health_flags.add(("DATE_IN_FUTURE", "events", e["row"]))
    child_of_patient: dict[int, list[str | None]] = {}
    for i, (_, pjs) in matches.items():
        for j in pjs:
            child_of_patient.setdefault(j, []).append(children[i]["child_id"])

    # duplicates
    by_nhs: dict[str, set[str]] = {}
    for c in children:
        if c["nhs_number"] is not None:
            by_nhs.setdefault(c["nhs_number"], set()).add(c["child_id"])
    for ids in by_nhs.values():
        if len(ids) > 1:
            for cid in ids:
                flags.add(("DUPLICATE_NHS_NUMBER", cid))
    pt_by_nhs: dict[str, list[int]] = {}
    for j, pt in enumerate(patients):
        if pt["nhs_number"] is not None:
            pt_by_nhs.setdefault(pt["nhs_number"], []).append(j)
    for js in pt_by_nhs.values():
        if len(js) > 1:
            for j in js:
                health_flags.add(("DUPLICATE_NHS_NUMBER", "patients", patients[j]["row"]))
    by_person: dict[tuple, set[str]] = {}
    for c in children:
        sn, fn = _key(c["surname"]), _key(c["forename"])
        if c["dob"] is not None and sn is not None and fn is not None:
            by_person.setdefault((c["dob"], sn, fn), set()).add(c["child_id"])
    for ids in by_person.values():
        if len(ids) > 1:
            for cid in ids:
                flags.add(("LIKELY_DUPLICATE_CHILD", cid))
    for cids in child_of_patient.values():
        if len(set(cids)) > 1:
            for cid in cids:
                flags.add(("LIKELY_DUPLICATE_CHILD", cid))

    # unmatched health patients
    for j, pt in enumerate(patients):
        if j in matched_patients:
            continue
        flags.add(("HEALTH_ONLY", None))
        # DECISION: a health_only row has a blank child_id and blank statuses.
        row = {col: None for col in CHILDREN_COLUMNS}
        row.update({"nhs_number": pt["nhs_number"], "match_status": "health_only"})
        rows.append(row)

    kpis = (kpis_for(health_rows, "health", period_start, period_end)
            + kpis_for(case_rows, "case", period_start, period_end))
    return {"children": rows, "kpis": kpis, "flags": flags, "health_flags": health_flags,
            "period_start": period_start, "period_end": period_end}
