"""The `healthcheck` command line. Each command is a thin layer over a library function;
errors become one `Error: ...` line and an exit code here, at one edge (`_edge`)."""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from healthcheck import __version__, console
from healthcheck.errors import EXIT_FLAGS, HealthcheckError, OutputsReplaced, UsageError

app = typer.Typer(
    help="Reconcile looked-after children's statutory health checks between the LA case "
         "system and the NHS health trust.\n\nStart with: healthcheck demo",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a crash must never print a child's record
    add_completion=False,
    rich_markup_mode=None,
)
ingest_app = typer.Typer(help="Read one extract and write its typed tables and flags.",
                         no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")

STATE = {"quiet": False, "debug": False}
F = TypeVar("F", bound=Callable[..., Any])


# Options with a fixed set of values: typer checks them and a wrong one is a usage error (exit 2).
class Severity(StrEnum):
    error = "error"
    warning = "warning"


class Kind(StrEnum):
    case = "case"
    health = "health"


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


class CaseFormat(StrEnum):
    """The sample case extract: the canonical tables as xlsx or csv, or the same children as
    an SSDA903 return or an SSD export."""
    xlsx = "xlsx"
    csv = "csv"
    ssda903 = "ssda903"
    ssd = "ssd"


def _echo(msg: str = "") -> None:
    typer.echo(msg)


def _edge(fn: F) -> F:
    """The single place where errors become a message and an exit code."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HealthcheckError as e:
            if STATE["debug"]:
                raise
            typer.echo(f"Error: {e}", err=True)
            if e.hint:
                typer.echo(f"  What to do: {e.hint}", err=True)
            raise typer.Exit(e.exit_code) from None
        except OutputsReplaced as e:
            typer.echo(f"Interrupted: the new outputs were written to {e.out}.", err=True)
            raise typer.Exit(130) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted: no output was changed.", err=True)
            raise typer.Exit(130) from None
    return wrapper  # type: ignore[return-value]


@contextmanager
def written(out: Path | None) -> Iterator[None]:
    """Around what a command does after writing `out` (printing, the next run): a Ctrl-C there
    says that `out` was written."""
    try:
        yield
    except OutputsReplaced:
        raise
    except KeyboardInterrupt:
        if out is None:
            raise
        raise OutputsReplaced(out) from None


@contextmanager
def step(label: str) -> Iterator[None]:
    """A spinner on stderr for a long step; silent when not a terminal or with --quiet."""
    if STATE["quiet"] or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(label):
        yield


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from healthcheck.normalise import PLACEHOLDER_DATES, parse_date_values

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):  # the usual form, read directly
        try:
            day = date.fromisoformat(value.strip())
            if day.isoformat() not in PLACEHOLDER_DATES:
                return day
        except ValueError:
            pass
    parsed = parse_date_values([value])[0]
    if parsed is None:
        raise UsageError(f"{option} {value!r} is not a date", "write it as YYYY-MM-DD")
    return parsed  # type: ignore[no-any-return]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"healthcheck {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    STATE["quiet"], STATE["debug"] = quiet, debug


CasePath = Annotated[Path, typer.Option("--case", help="Case-system extract: .xlsx or folder of "
                                                       ".csv files.")]
HealthPath = Annotated[Path, typer.Option("--health", help="Health-trust extract: .xlsx or "
                                                           "folder of .csv files.")]
Mapping = Annotated[Path | None, typer.Option("--mapping", help="TOML file renaming your "
                                                                "tables, columns and codes.")]


def _ingest(kind: str, path: Path, out: Path, mapping: Path | None) -> None:
    from healthcheck.ingest import ingest
    from healthcheck.store import write_ingest

    with step(f"Reading {path}"):
        ex = ingest(path, kind, mapping)
        write_ingest(ex, out)
    with written(out):  # counts, rule codes and column names only: nothing personal
        for name, frame in ex.tables.items():
            _echo(f"{name:>14}: {frame.height:>9,} rows")
        counts = ex.flags.group_by("rule").len().sort("rule").rows()
        _echo(f"flags: {ex.flags.height:,}" + ("".join(f"\n  {r}: {n:,}" for r, n in counts)))
        console.print_unrecognised([u._asdict() for u in ex.unrecognised], _echo)
        _echo(f"{ex.seconds:.2f} s; written to {out}")


@ingest_app.command("case")
@_edge
def ingest_case(path: Path, out: Annotated[Path, typer.Option("--out")],
                mapping: Mapping = None) -> None:
    """Ingest a case-system extract (children, episodes, health_events).

    Example: healthcheck ingest case samples/case.xlsx --out out/case
    """
    _ingest("case", path, out, mapping)


@ingest_app.command("health")
@_edge
def ingest_health(path: Path, out: Annotated[Path, typer.Option("--out")],
                  mapping: Mapping = None) -> None:
    """Ingest a health-trust extract (patients, events).

    Example: healthcheck ingest health samples/health --out out/health
    """
    _ingest("health", path, out, mapping)


@app.command()
@_edge
def reconcile(
    case: CasePath,
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")],
    health: Annotated[Path | None, typer.Option(
        "--health", help="Health-trust extract: .xlsx or folder of .csv files. Without it, "
                         "the case system's own health events are used and the trust's record "
                         "is not checked.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date to report at "
                                              "(default today).")] = None,
    period_start: Annotated[str | None, typer.Option(
        "--period-start", help="Start of the reporting period (default as-of - 12 months "
                               "+ 1 day).")] = None,
    period_end: Annotated[str | None, typer.Option(
        "--period-end", help="End of the reporting period (default as-of).")] = None,
    cutover: Annotated[str | None, typer.Option(
        "--cutover", help="Date the case system was migrated.")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="TOML policy file.")] = None,
    fail_on: Annotated[Severity | None, typer.Option(
        "--fail-on", help="Exit 3 after writing when flags of this severity exist (warning: "
                          "errors or warnings).")] = None,
    mapping_case: Annotated[Path | None, typer.Option("--mapping-case")] = None,
    mapping_health: Annotated[Path | None, typer.Option("--mapping-health")] = None,
    no_workbook: Annotated[bool, typer.Option("--no-workbook",
                                              help="Skip worklist.xlsx.")] = False,
    history: Annotated[Path | None, typer.Option(
        "--history", help="Folder keeping every run: adds changes.csv, revisions.csv and "
                          "trend.csv.")] = None,
    year_end: Annotated[str | None, typer.Option(
        "--year-end", help="The OC2 year end to forecast (default the first 31 March on or "
                           "after as-of).")] = None,
) -> None:
    """Reconcile the two extracts and write children.csv, flags.csv, kpis.csv, summary.json
    and worklist.xlsx.

    Example: healthcheck reconcile --case samples/case.xlsx --health samples/health
    --out out --as-of 2026-03-31 --cutover 2024-10-31
    """
    from healthcheck.pipeline import run_reconcile

    t0 = time.perf_counter()
    result = run_reconcile(
        case, health, out, as_of=parse_day(as_of, "--as-of") or date.today(),
        period_start=parse_day(period_start, "--period-start"),
        period_end=parse_day(period_end, "--period-end"),
        cutover=parse_day(cutover, "--cutover"), policy_file=policy,
        mapping_case=mapping_case, mapping_health=mapping_health, workbook=not no_workbook,
        history=history, year_end=parse_day(year_end, "--year-end"), step=step)
    with written(out):
        console.print_summary(result.summary, out, time.perf_counter() - t0, _echo)
    failing = console.fail_on(result.summary, fail_on.value if fail_on else None)
    if failing:
        typer.echo(failing, err=True)
        raise typer.Exit(EXIT_FLAGS)


@app.command("history")
@_edge
def history_command(folder: Annotated[Path, typer.Argument(help="The history folder.")]) -> None:
    """List the runs kept in a history folder (reconcile --history), oldest first.

    Example: healthcheck history weekly
    """
    from healthcheck.history import KEY_MEASURES, history_rows

    rows = history_rows(folder)
    _echo(f"{len(rows)} run(s) in {folder}.")
    _echo("as-of       ran (UTC)         children  in care  " + "  ".join(
        f"{m.removesuffix('_pct'):>22}" for m in KEY_MEASURES))
    for r in rows:
        _echo(f"{r['as_of']}  {r['ran_at']:%Y-%m-%d %H:%M}  {r['children'] or 0:>8,}  "
              f"{r['in_care'] or 0:>7,}  " + "  ".join(f"{console.pct(r[m]):>22}"
                                                       for m in KEY_MEASURES))


@app.command()
@_edge
def validate(
    kind: Annotated[Kind, typer.Argument(help="Which extract.")],
    path: Path,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Latest date allowed "
                                              "(default today).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the Great "
                                                  "Expectations result here.")] = None,
    mapping: Mapping = None,
) -> None:
    """Check an extract against its Great Expectations suite (expectations/case.json or
    health.json, shipped with healthcheck).

    Exit 0 when every expectation passes, 3 when any fails.

    Example: healthcheck validate health samples/health --as-of 2026-03-31
    """
    from healthcheck.validate import print_report, run_validate

    with step("Validating"):
        report = run_validate(kind.value, path, as_of=parse_day(as_of, "--as-of") or date.today(),
                              json_path=json_out, mapping=mapping)
    with written(json_out):
        print_report(report, _echo)
    if not report.success:
        raise typer.Exit(EXIT_FLAGS)


@app.command()
@_edge
def samples(
    out: Annotated[Path, typer.Option("--out", help="Folder for the extracts.")],
    children: Annotated[int, typer.Option("--children", min=1, max=200_000)] = 200,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The extracts' as-of (default today; with --week-later, a week ago).")
    ] = None,
    case_format: Annotated[CaseFormat, typer.Option(
        "--case-format", help="ssda903: an SSDA903 return (with OC2 mistakes); ssd: an SSD "
        "export.")] = CaseFormat.xlsx,
    health_format: Annotated[Format, typer.Option("--health-format")] = Format.csv,
    cutover: Annotated[str | None, typer.Option("--cutover")] = None,
    defects: Annotated[bool, typer.Option(
        "--defects/--no-defects",
        help="--no-defects leaves out what fails validation (a clean extract).")] = True,
    week_later: Annotated[bool, typer.Option(
        "--week-later", help="Also write the same authority 7 days later into OUT/week_later "
        "(late entries, checks done, children entering and leaving care), for trying a "
        "weekly run.")] = False,
) -> None:
    """Write synthetic extracts with realistic defects (seeded, reproducible).

    Example: healthcheck samples --out extracts --children 2000 --seed 7
    """
    from healthcheck.samples import WEEK_LATER, write_samples

    if week_later and case_format.value not in ("xlsx", "csv"):
        raise UsageError("--week-later is for the xlsx and csv case formats",
                         "leave out --case-format, or --week-later")
    day = parse_day(as_of, "--as-of")
    if day is None and week_later:
        day = date.today() - timedelta(days=7)
    with step("Writing samples"):
        manifest = write_samples(out, children=children, seed=seed, as_of=day,
                                 case_format=case_format.value,
                                 health_format=health_format.value,
                                 cutover=parse_day(cutover, "--cutover"), defects=defects,
                                 week_later=week_later)
    _echo(f"Wrote {children:,} children to {out} (as of {manifest['as_of']}, "
          f"cutover {manifest['cutover']}).")
    if week_later:
        later = date.fromisoformat(manifest["as_of"]) + timedelta(days=7)
        _echo(f"The same authority a week later: {out / WEEK_LATER} (as of {later}).")


@app.command()
@_edge
def demo(out: Annotated[Path, typer.Option("--out", help="Folder for everything.")] = Path(
        "demo")) -> None:
    """Write sample extracts and reconcile them: what a new user runs first.

    Two weekly runs into one history: last week's extracts as of a week ago, then the same
    authority's extracts as of today (late entries, checks done, children entering and
    leaving care), so the workbook's Changes and Trend sheets are filled in.

    Example: healthcheck demo --out demo
    """
    from healthcheck.pipeline import run_reconcile
    from healthcheck.samples import WEEK_LATER, write_samples

    t0 = time.perf_counter()
    today = date.today()
    with step("Writing sample extracts"):
        m = write_samples(out / "extracts", children=500, seed=1, case_format="xlsx",
                          health_format="csv", as_of=today - timedelta(days=7),
                          week_later=True)
    written_to: Path | None = None
    for as_of, folder, result_dir in ((today - timedelta(days=7), out / "extracts", "last_week"),
                                      (today, out / "extracts" / WEEK_LATER, "results")):
        case, health = folder / "case.xlsx", folder / "health"
        with written(written_to):
            result = run_reconcile(case, health, out / result_dir, as_of=as_of,
                                   cutover=date.fromisoformat(m["cutover"]),
                                   history=out / "history", step=step)
        written_to = out / result_dir
    with written(out / "results"):
        _echo(f"Sample extracts: {out / 'extracts'} (last week) and {folder} (this week)")
        console.print_summary(result.summary, out / "results", time.perf_counter() - t0, _echo)
        _echo(f"Open the workbook: {out / 'results' / 'worklist.xlsx'}")


def main() -> None:
    """The console script."""
    app()  # click exits 2 on usage errors; _edge maps our own errors
