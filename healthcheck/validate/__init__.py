"""`healthcheck validate`: the Great Expectations suites (`expectations/`, shipped with the
package) against one extract (docs/rules.md §11).

- One reviewed suite file per extract kind, split by table (`suites`); each table's part is run
  as one GX suite (`case.children`, ...) against that table.
- The data validated is what ingest produced, with derived columns, from its cell states, that
  make visible what ingest blanked out, converted to pandas for GX (`frames`).
- The as-of date is a GX suite parameter: `{"$PARAMETER": "as_of"}` in a suite's kwargs.
- What GX found is gathered, printed and written as JSON by `report`, without the values of
  personal columns (identifiers, names, date of birth): row numbers instead.
- Empty tables fail (`expect_table_row_count_to_be_between` min 1) for every table, including the
  case system's `health_events`: ingest accepts an extract without health events, but the
  performance team would want to know before publishing figures that the export has none.
- A required column that is absent altogether stops ingest (exit 1) before validation, so the
  suites check required *values*, not column presence.

`great_expectations` is imported only here, inside `validate_frames` (it takes seconds to import
and nothing else needs it), with analytics and progress bars off; it makes no network call.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import polars as pl

from healthcheck.ingest import ingest
from healthcheck.validate.frames import to_pandas, validation_frames
from healthcheck.validate.report import (
    ExpectationResult,
    Report,
    check_json_path,
    gx_json,
    print_report,
    result_from_gx,
    write_json,
)
from healthcheck.validate.suites import load_suite, referenced_columns

__all__ = ["ExpectationResult", "Report", "load_suite", "print_report", "run_validate",
           "validate_frames", "validation_frames"]


def run_validate(kind: str, path: Path, *, as_of: date, json_path: Path | None = None,
                 mapping: Path | None = None, suite_dir: Traversable | None = None) -> Report:
    """Ingest the extract at `path` and validate each table against the `kind` suite."""
    t0 = time.perf_counter()
    if json_path is not None:
        check_json_path(json_path)
    suites = load_suite(kind, suite_dir)
    ex = ingest(Path(path), kind, mapping)
    report = validate_frames(kind, validation_frames(ex), suites, as_of=as_of,
                             json_path=json_path)
    report.path = Path(path)
    report.seconds = time.perf_counter() - t0
    return report


def validate_frames(kind: str, frames: dict[str, pl.DataFrame], suites: dict[str, list[dict]],
                    *, as_of: date, json_path: Path | None = None) -> Report:
    """Run the per-table suites on `frames` (from `validation_frames`) with GX."""
    t0 = time.perf_counter()
    ctx = _context()
    from great_expectations import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    params = {"as_of": datetime.combine(as_of, datetime.min.time()).isoformat()}
    # SUMMARY: counts and the first unexpected rows (the frame's index = source row), not every
    # failing value (COMPLETE would list them all: huge on a national extract).
    fmt = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    results: list[ExpectationResult] = []
    raw: dict[str, Any] = {}
    for table, exps in suites.items():
        if not exps or table not in frames:
            continue
        suite = ExpectationSuite(name=f"{kind}.{table}", expectations=[
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                     meta=e.get("meta")).to_domain_obj() for e in exps])
        batch = _batch_definition(ctx, table).get_batch(
            batch_parameters={"dataframe": to_pandas(frames[table], referenced_columns(exps))})
        vr = batch.validate(suite, expectation_parameters=params, result_format=fmt)
        raw[table] = gx_json(vr.to_json_dict())
        for r in vr.results:
            results.append(result_from_gx(table, r, frames[table]))
    report = Report(kind, Path(), as_of, all(r.success for r in results), results,
                    time.perf_counter() - t0, {t: f.height for t, f in frames.items()})
    if json_path is not None:
        write_json(json_path, {"kind": kind, "as_of": as_of.isoformat(),
                               "success": report.success, "validations": raw})
    return report


_CTX: dict[str, Any] = {}


def _context() -> Any:
    """One ephemeral GX context per process: in memory, analytics and progress bars off."""
    if "ctx" not in _CTX:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"  # read when GX is imported
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
        ctx = gx.get_context(mode="ephemeral", project_config=config)
        _CTX.update(ctx=ctx, source=ctx.data_sources.add_pandas("healthcheck"), batches={})
    return _CTX["ctx"]


def _batch_definition(ctx: Any, table: str) -> Any:
    batches = _CTX["batches"]
    if table not in batches:
        asset = _CTX["source"].add_dataframe_asset(table)
        batches[table] = asset.add_batch_definition_whole_dataframe(table)
    return batches[table]
