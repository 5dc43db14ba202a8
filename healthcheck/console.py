"""What a reconcile prints on the console, and the `--fail-on` decision, from its summary
(the dict written as summary.json, docs/rules.md §8.4). No printing happens here but through
`echo`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

MAX_UNRECOGNISED = 20  # lines; past it, "and N more"
KPI_LINES = ("iha_on_time_pct", "rha_in_date_pct", "oc2_health_assessment_pct",
             "oc2_teeth_check_pct", "oc2_immunisations_pct", "request_on_time_pct",
             "report_on_time_pct")


def print_summary(s: dict, out: Path, seconds: float, echo: Callable[[str], None]) -> None:
    """Counts, overdue checks, the main figures (health's and the council's side by side), the
    flags by severity and the columns not read."""
    c = s["counts"]
    st = c["in_care_statuses"]
    print_return(s, echo)
    echo(f"As of {s['as_of']}: {c['case_children']:,} case children, {c['in_care']:,} in care.")
    echo("Overdue (in care): IHA {}, RHA {}, dental {}.".format(
        st["iha_status"].get("overdue", 0), st["rha_status"].get("overdue", 0),
        st["dental_status"].get("overdue", 0)))
    fig = {(k["measure"], k["source"]): k["value"] for k in s["kpis"]}
    for m in KPI_LINES:
        h, ca, r = fig.get((m, "health")), fig.get((m, "case")), fig.get((m, "return"))
        echo(f"  {m:<27} health {pct(h):>7}   case {pct(ca):>7}"
             + (f"   return {pct(r):>7}" if (m, "return") in fig else ""))
    src = "health" if ("iha_late_la_pct", "health") in fig else "case"  # case-only runs
    held = [pct(fig.get((f"iha_late_{a}_pct", src))) for a in ("la", "health", "carer")]
    echo(f"Late or overdue IHAs held by ({src}): LA {held[0]}, health {held[1]}, "
         f"carer {held[2]}.")
    if s.get("oc2_forecast_children") is not None:
        ye = {k["measure"]: k["value"] for k in s["kpis"]
              if k["measure"].startswith("oc2_year_end_")}
        echo(f"Year end {s['year_end']}: {s['oc2_forecast_children']:,} children forecast in "
             "the OC2 cohort; done so far: health assessment "
             f"{pct(ye.get('oc2_year_end_health_assessment_done_pct'))}, teeth check "
             f"{pct(ye.get('oc2_year_end_teeth_check_done_pct'))} (oc2_forecast.csv).")
    hist = s.get("history")
    if hist:
        prev = hist["compared_with"]
        echo("Changes since {}: {}.".format(
            prev["as_of"] if prev else "(no earlier run)",
            ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in hist["changes"].items() if n)
            or "none"))
        echo(f"Earlier figures revised: {hist['revised_figures']:,}.")
        for note in hist["notes"]:
            echo(f"Note: {note}.")
    sev = c["flags_by_severity"]
    echo(f"Flags: {sev.get('error', 0):,} errors, {sev.get('warning', 0):,} warnings, "
         f"{sev.get('info', 0):,} info.")
    print_unrecognised(s.get("unrecognised_columns", []), echo, "summary.json lists them all")
    echo(f"Written to {out} in {seconds:.1f} s.")


def print_unrecognised(columns: list[dict], echo: Callable[[str], None],
                       rest: str | None = None) -> None:
    """One line per column not read (`file`, `table`, `column`, `suggestion`: see
    columns.Unrecognised), the first MAX_UNRECOGNISED of them; `rest` says where the others
    are listed."""
    for u in columns[:MAX_UNRECOGNISED]:
        hint = f" (did you mean {u['suggestion']}?)" if u.get("suggestion") else ""
        echo(f"Not read: {u['file']}, table {u['table']}, column {u['column']!r}{hint}")
    if len(columns) > MAX_UNRECOGNISED:
        echo(f"  and {len(columns) - MAX_UNRECOGNISED:,} more columns not read"
             + (f" ({rest})." if rest else "."))


def print_return(s: dict, echo: Callable[[str], None]) -> None:
    """The case extract's format, what was read and not used, a case-only run, the OC2 check
    (docs/rules.md "Reading a 903 return", "Case-only runs", "Checking the OC2 return")."""
    fmt = {"ssda903": "an SSDA903 return", "ssd": "an SSD export"}.get(s.get("case_format", ""))
    if fmt:
        echo(f"Case extract read as {fmt}.")
    for u in s.get("read_not_used", []):
        what = ", ".join(u["columns"]) if u["columns"] else "rows"
        echo(f"  read, not used: {u['table']} ({u['rows']:,} rows): {what} - {u['reason']}")
    if not s.get("health_checked", True):
        echo(s["health_note"])
    if "oc2_return" in s:
        o = s["oc2_return"]
        echo(f"OC2 return: {o['rows']:,} rows checked against the R6 cohort" + (
            f" and the {o['checked_against']} record's events." if o["values_checked"] else
            "; its values were not checked (no record of health events to check them with)."))


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


def fail_on(summary: dict, level: str | None) -> str | None:
    """Why `--fail-on level` fails the run (flags of severity error, or error or warning,
    exist), or None when it passes or was not given."""
    if level is None:
        return None
    levels = ["error"] if level == "error" else ["error", "warning"]
    sev = summary["counts"]["flags_by_severity"]
    n = sum(sev.get(x, 0) for x in levels)
    if not n:
        return None
    return f"Failing: {n:,} flag(s) of severity {' or '.join(levels)} (--fail-on {level})."
