"""make bench: speed and memory of ingest, reconcile and validate, measured, not asserted.

Generates (and caches in bench/cache/) a 2,000-child authority and a national-scale one
(85,000 children) in csv and xlsx, runs each command as its own process, and prints wall
seconds, the process's peak RSS, rows per second and the ratio to a bare polars read of the
same files. Appends the figures, dated, to bench/results.md.

Reconcile runs `--repeat` times (default 3) and reports the median wall time and the largest
peak RSS. Then doubling: reconcile on half the national size (42,500 children, csv) and on the
full size, in turns, the ratio of their medians. For csv, where the time goes: each step of a
reconcile process (reading and typing, reconciling, writing, and everything else: start-up,
imports, exit; wall and CPU seconds, medians of `--repeat` runs), and a lower bound: a process
that reads the files and types every date and NHS number in the cheapest way, one format only.
Also a reconcile without the workbook, and one that keeps its run in a history holding last
week's run (changes, revisions, trend). Last, the guard of issue 12, each with its measured
figure and met / not met.

    python bench/bench.py [--sizes 2000,85000] [--formats csv,xlsx] [--skip-validate]
                          [--repeat 3] [--no-doubling]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
BIN = Path(sys.executable).parent
AS_OF = "2026-03-31"
READ_ONLY = """
import sys, polars as pl, fastexcel
from pathlib import Path
for p in map(Path, sys.argv[1:]):
    if p.is_dir():
        for f in sorted(p.glob('*.csv')):
            pl.read_csv(f, infer_schema=False, encoding='utf8-lossy')
    else:
        r = fastexcel.read_excel(str(p))
        for s in r.sheet_names:
            r.load_sheet(s, dtypes='string').to_polars()
"""

# A lower bound, as a whole process like the bare read: the read, then the least typing any
# reconcile must do, by the cheapest polars calls: dates in one format (typed once per
# distinct value and mapped back, cheaper here than per row) and NHS numbers that only lose
# their spaces (per row, cheaper for values that are mostly distinct). The real ingest also
# reads UK, named and serial dates, checks NHS numbers and codes and flags bad cells;
# reconciling and the outputs come on top. A yardstick for the targets, not a target.
LOWER_BOUND = """
import sys, polars as pl
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from healthcheck.read import name_key
DATES = {"dob", "startdate", "enddate", "eventdate", "recordeddate"}
def one(f):
    t = pl.read_csv(f, infer_schema=False, encoding='utf8-lossy')
    for c in t.columns:
        if name_key(c) in DATES:
            u = t[c].unique()
            t[c].replace_strict(u, u.str.to_date("%Y-%m-%d", strict=False), default=None)
        elif name_key(c) == "nhsnumber":
            t[c].str.replace_all(" ", "", literal=True)
files = [f for p in map(Path, sys.argv[1:]) for f in sorted(p.glob('*.csv'))]
with ThreadPoolExecutor(2) as pool:
    list(pool.map(one, files))
"""
# Where a reconcile spends its time: the CLI's own `reconcile`, with each of its steps timed
# (wall, and CPU seconds of all threads), printed as JSON on stderr's last line.
STAGES = """
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
from contextlib import contextmanager
import healthcheck.cli as cli
stages = []
@contextmanager
def step(label):
    w, c = time.perf_counter(), cpu()
    yield
    stages.append((label, time.perf_counter() - w, cpu() - c))
cli.step = step
sys.argv = ["healthcheck", "-q", "reconcile", *sys.argv[1:]]
try:
    cli.main()
except SystemExit as e:
    if e.code:
        raise
sys.stderr.write(json.dumps(stages) + "\\n")
"""


def stages(case: Path, health: Path, out: Path, times: int) -> list[tuple[str, float, float]]:
    """(step, median wall s, median CPU s) of a reconcile process's steps, over `times` runs;
    the last, everything else (start-up, imports, the printed summary, exit), so that the steps
    add up to the whole process."""
    cmd = [sys.executable, "-c", STAGES, "--case", str(case), "--health", str(health), "--out",
           str(out), "--as-of", AS_OF]
    runs = []
    for _ in range(max(1, times)):
        wall, usage, err = process(cmd)
        steps = [(str(label), float(w), float(c))
                 for label, w, c in json.loads(err.strip().splitlines()[-1])]
        runs.append((steps, wall, usage.ru_utime + usage.ru_stime))
    found = [(label, statistics.median(r[0][i][1] for r in runs),
              statistics.median(r[0][i][2] for r in runs))
             for i, (label, _, _) in enumerate(runs[0][0])]
    found.append(("Everything else: start-up, imports, summary, exit",
                  statistics.median(w - sum(st[1] for st in steps) for steps, w, _ in runs),
                  statistics.median(c - sum(st[2] for st in steps) for steps, _, c in runs)))
    return found


def process(cmd: list[str]) -> tuple[float, resource.struct_rusage, str]:
    """(wall seconds, resource usage, stderr) of one process, which must exit 0 (or 3: flags
    found); otherwise the bench stops with its error."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read() if proc.stderr else ""  # read to the end: a full pipe would block
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        shown = " ".join(c if len(c) < 200 else "<script>" for c in cmd)
        raise SystemExit(f"{shown} failed ({code}):\n{err[-2000:]}")
    return wall, usage, err


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one process."""
    wall, usage, _ = process(cmd)
    return wall, usage.ru_maxrss / 1024


def repeated(cmd: list[str], times: int) -> tuple[float, float]:
    """(median wall seconds, largest peak RSS MiB) of `times` runs of one command."""
    runs = [run(cmd) for _ in range(max(1, times))]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def targets(seen: dict[tuple[int, str], tuple[float, float, float]]) -> list[str]:
    """The guard (issue 12), each with the figure measured in this run."""
    out = ["Guard (issue 12):", ""]

    def say(what: str, figure: str, met: bool) -> None:
        out.append(f"- {what}: {figure}: {'met' if met else 'NOT met'}")

    for key, what in (((85000, "csv"), "reconcile, workbook included"),
                      ((85000, "csv-nowb"), "reconcile --no-workbook")):
        if key in seen:
            wall, rss, read = seen[key]
            say(f"85,000 children, csv, {what}: within 6x the bare polars read",
                f"{wall:.2f} s = {wall / read:.1f}x {read:.2f} s", wall <= 6 * read)
            say(f"85,000 children, csv, {what}: peak RSS at most 1.5 GiB", f"{rss:,.0f} MiB",
                rss <= 1536)
    if (2000, "csv") in seen:
        wall = seen[(2000, "csv")][0]
        say("2,000 children: whole reconcile process under 1.5 s", f"{wall:.2f} s", wall < 1.5)
    for n in (2000, 85000):
        if (n, "csv-history") in seen and (n, "csv") in seen:
            ratio = seen[(n, "csv-history")][0] / seen[(n, "csv")][0]
            say(f"{n:,} children: reconcile with history and trend at most 2x without",
                f"{ratio:.2f}x", ratio <= 2)
    if (42500, "csv") in seen and (85000, "pair") in seen:
        ratio = seen[(85000, "pair")][0] / seen[(42500, "csv")][0]
        say("doubling the input (42,500 -> 85,000 children, csv) at most 2.2x the time",
            f"{ratio:.2f}x", ratio <= 2.2)
    return out


def with_history(cmd: list[str], times: int, root: Path) -> tuple[float, float]:
    """(median wall s, largest peak RSS MiB) of a reconcile that keeps its run in a history
    already holding last week's run (made anew, untimed, for each of `times` runs)."""
    import shutil

    runs = []
    for i in range(max(1, times)):
        hist = root / f"history-{i}"
        shutil.rmtree(hist, ignore_errors=True)
        last_week = date.fromisoformat(AS_OF).toordinal() - 7
        seed = [*cmd, "--history", str(hist)]
        seed[seed.index("--as-of") + 1] = date.fromordinal(last_week).isoformat()
        seed[seed.index("--out") + 1] += "-last-week"
        process(seed)
        runs.append(run([*cmd, "--history", str(hist)]))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def extracts(n: int, fmt: str) -> tuple[Path, Path, dict[str, int]]:
    out = CACHE / f"{n}-{fmt}"
    manifest = out / "manifest.json"
    if not manifest.exists():
        print(f"generating {n:,} children ({fmt}) ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "healthcheck"), "-q", "samples", "--out", str(out),
                        "--children", str(n), "--seed", "1", "--as-of", AS_OF,
                        "--case-format", fmt, "--health-format", fmt], check=True)
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    m = json.loads(manifest.read_text())
    counts = {str(k): int(v) for k, v in m.get("rows", {}).items()}
    case_rows = sum(v for k, v in counts.items() if k in ("children", "episodes", "health_events"))
    rows = {"case": case_rows, "health": sum(counts.values()) - case_rows,
            "all": sum(counts.values())}
    ext = ".xlsx" if fmt == "xlsx" else ""
    return out / f"case{ext}", out / f"health{ext}", rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,85000")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument("--skip-validate", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-doubling", action="store_true")
    args = ap.parse_args()
    hc = str(BIN / "healthcheck")
    # Measure the tool as installed: its modules compiled once (an install compiles them; a
    # machine with PYTHONDONTWRITEBYTECODE set, like this sandbox, would otherwise recompile
    # the package on every run, about 0.06 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "healthcheck")],
                   check=True)
    seen: dict[tuple[int, str], tuple[float, float, float]] = {}  # reconcile: wall, rss, read
    lines = [f"## {datetime.now():%Y-%m-%d %H:%M} — {platform.machine()}, {os.cpu_count()} "
             f"cores, Python {platform.python_version()}", "",
             "| children | format | step | wall s | peak RSS MiB | rows/s | × polars read |",
             "|---:|---|---|---:|---:|---:|---:|"]
    print(lines[0])
    profile = ["", "Where the time goes (csv, medians; a reconcile process's steps add up to it; "
               "CPU counts all threads):",
               "", "| children | what | wall s | CPU s | × polars read |",
               "|---:|---|---:|---:|---:|"]
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            case, health, rows = extracts(n, fmt)
            # the yardstick as the reconciles: a median of `--repeat` runs
            read_s, read_rss = repeated([sys.executable, "-c", READ_ONLY, str(case), str(health)],
                                        args.repeat)
            out = CACHE / f"out-{n}-{fmt}"
            steps = {
                "polars read (baseline)": None,
                "ingest case": [hc, "-q", "ingest", "case", str(case), "--out", str(out / "c")],
                "ingest health": [hc, "-q", "ingest", "health", str(health), "--out",
                                  str(out / "h")],
                "reconcile (with workbook)": [hc, "-q", "reconcile", "--case", str(case),
                                              "--health", str(health), "--out", str(out / "r"),
                                              "--as-of", AS_OF],
                "reconcile --no-workbook": [hc, "-q", "reconcile", "--case", str(case),
                                            "--health", str(health), "--out", str(out / "n"),
                                            "--as-of", AS_OF, "--no-workbook"],
                "reconcile --history (a week after the last run)": [
                    hc, "-q", "reconcile", "--case", str(case), "--health", str(health),
                    "--out", str(out / "w"), "--as-of", AS_OF],
            }
            if not args.skip_validate:
                steps["validate case"] = [hc, "-q", "validate", "case", str(case), "--as-of",
                                          AS_OF]
                steps["validate health"] = [hc, "-q", "validate", "health", str(health),
                                            "--as-of", AS_OF]
            for label, cmd in steps.items():
                if cmd is None:
                    wall, rss = read_s, read_rss
                elif label.startswith("reconcile --history"):
                    wall, rss = with_history(cmd, args.repeat, out)
                    seen[(n, f"{fmt}-history")] = (wall, rss, read_s)
                elif label.startswith("reconcile"):
                    wall, rss = repeated(cmd, args.repeat)
                    key = fmt if "with workbook" in label else f"{fmt}-nowb"
                    seen[(n, key)] = (wall, rss, read_s)
                else:
                    wall, rss = run(cmd)
                part = "case" if "case" in label else "health" if "health" in label else "all"
                rate = f"{rows[part] / wall:,.0f}"
                line = (f"| {n:,} | {fmt} | {label} | {wall:.2f} | {rss:,.0f} | "
                        f"{rate} | {wall / read_s:.1f} |")
                print(line, flush=True)
                lines.append(line)
            print(f"(input rows: case {rows['case']:,}, health {rows['health']:,})")
            if fmt == "csv":
                low, _ = repeated([sys.executable, "-c", LOWER_BOUND, str(case), str(health)],
                                  args.repeat)
                found = [f"| {n:,} | lower bound, whole process: read, type dates and NHS "
                         f"numbers (one format) | {low:.2f} | | {low / read_s:.1f} |"]
                for label, wall, cpu in stages(case, health, out / "s", args.repeat):
                    found.append(f"| {n:,} | reconcile step: {label} | {wall:.2f} | "
                                 f"{cpu:.2f} | {wall / read_s:.1f} |")
                print("\n".join(found), flush=True)
                profile += found
    if not args.no_doubling and (85000, "csv") in seen:
        # Half and full size run in turns, so that a slow spell of the machine falls on both.
        runs: dict[int, list[tuple[float, float]]] = {42500: [], 85000: []}
        rows_of = {}
        for _ in range(max(1, args.repeat)):
            for size in runs:
                case, health, rows_of[size] = extracts(size, "csv")
                out = CACHE / f"out-{size}-csv" / "doubling"
                runs[size].append(run([hc, "-q", "reconcile", "--case", str(case), "--health",
                                       str(health), "--out", str(out), "--as-of", AS_OF]))
        for size, rs in runs.items():
            wall = statistics.median(r[0] for r in rs)
            rss = max(r[1] for r in rs)
            line = (f"| {size:,} | csv | reconcile, doubling pair | {wall:.2f} | {rss:,.0f} | "
                    f"{rows_of[size]['all'] / wall:,.0f} | |")
            print(line, flush=True)
            lines.append(line)
        seen[(42500, "csv")] = (statistics.median(r[0] for r in runs[42500]), 0.0, 0.0)
        seen[(85000, "pair")] = (statistics.median(r[0] for r in runs[85000]), 0.0, 0.0)
    if len(profile) > 5:
        lines += profile
    met = targets(seen)
    print("\n".join(met))
    lines += ["", *met]
    lines.append("")
    with open(ROOT / "bench" / "results.md", "a", encoding="utf-8") as f:
        if f.tell() == 0:
            f.write("# Benchmark results\n\nAppended by `make bench` (bench/bench.py).\n\n")
        f.write("\n".join(lines) + "\n")
    print(f"appended to bench/results.md ({date.today()})")


if __name__ == "__main__":
    main()
