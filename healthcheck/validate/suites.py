"""The expectation suites: `expectations/case.json` and `expectations/health.json`, in the GX 1.x
ExpectationSuite JSON format (`name`, `meta`, `expectations` of `type`, `kwargs`, `meta`), shipped
with the package as `healthcheck.expectations` (found through the installed package, from any
folder). Every expectation names its table in `meta.table` and why it matters in `meta.why`; a
suite is split by table here, and each table's part is run against that table."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable

from healthcheck.errors import InputError
from healthcheck.schema import EXTRACTS

SUITE_DIR: Traversable = files("healthcheck.expectations")


def load_suite(kind: str, suite_dir: Traversable | None = None) -> dict[str, list[dict]]:
    """Read the `kind` suite (`<kind>.json` in `suite_dir`, default the package's) and split it
    by table: {table: [expectation config]}."""
    path = (suite_dir or SUITE_DIR) / f"{kind}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        hint = None if suite_dir else "reinstall healthcheck: its expectation suites are missing"
        raise InputError(f"{path}: expectation suite not found", hint) from e
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: not a readable JSON expectation suite ({e})") from e
    tables: dict[str, list[dict]] = {t: [] for t in EXTRACTS[kind]}
    for i, exp in enumerate(doc.get("expectations", []), 1):
        table = (exp.get("meta") or {}).get("table")
        if table not in tables or not exp.get("type") or not (exp.get("meta") or {}).get("why"):
            raise InputError(f"{path}: expectation {i} needs a type, meta.table (one of "
                             f"{', '.join(tables)}) and meta.why")
        tables[table].append(exp)
    return tables


def referenced_columns(exps: list[dict]) -> list[str]:
    """The columns a table's expectations read (incl. their row conditions)."""
    cols: list[str] = []
    for e in exps:
        kw = e["kwargs"]
        cond = kw.get("row_condition")
        found = [kw.get("column"), kw.get("column_A"), kw.get("column_B"),
                 *kw.get("column_list", []),
                 ((cond.get("column") or {}).get("name") if isinstance(cond, dict) else None)]
        cols += [c for c in found if c and c not in cols]
    return cols
