"""The flag codes and one way to build flag rows.

Every code is declared once, beside the logic that raises it, with its severity and a
plain-English message that says what to do: the cell checks in `cells.py`, the cross-row checks
in `quality.py`, the event comparison's codes in `compare.py`. `CODES` is the registry of them
all, filled as those modules are imported (`healthcheck.reconcile` imports every one).
`docs/rules.md` §10 has a section per code; tests/test_docs.py checks every code has a section of
the same severity and a test that asserts it (`tests.helpers.assert_flagged`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import polars as pl

from healthcheck.schema import FLAG_COLUMNS, FLAG_SCHEMA

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# The event comparison's codes (declared in compare.py): one per disagreement between the two
# systems, the rows of the workbook's disagreements sheet.
DISAGREEMENT_CODES = ("EVENT_MISSING_IN_CASE", "DATE_MISMATCH", "EVENT_MISSING_IN_HEALTH")


@dataclass(frozen=True)
class FlagCode:
    code: str
    severity: str  # error | warning | info
    message: str  # plain English: what is wrong and what to do
    local: bool = False  # True for the codes this project adds (docs/rules.md §10 "(local)")


CODES: dict[str, FlagCode] = {}


def declare(code: str, severity: str, message: str, *, local: bool = False) -> FlagCode:
    """Register one flag code; a code is declared once."""
    if code in CODES:
        raise ValueError(f"flag code {code} is declared twice")
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"{code}: severity {severity!r} is not one of {list(SEVERITY_ORDER)}")
    CODES[code] = FlagCode(code, severity, message, local)
    return CODES[code]


In = TypeVar("In")


class Checks(Generic[In]):
    """An ordered set of flag checks over one kind of input (`In`: a table's cells, the
    reconciliation's context), each declared with the code it raises:

        @checks("CODE", "error", "What is wrong: what to do.")
        def code(x: In) -> pl.LazyFrame: ...   # its flag rows (make_flags), as a lazy query

    A check reads typed frames and returns a lazy query: `flags` runs none of them, so polars
    computes every check at once and nothing is copied per check. An error in a check is
    raised, never hidden.
    """

    def __init__(self) -> None:
        self.checks: list[tuple[FlagCode, Callable[[In], pl.LazyFrame]]] = []

    def __call__(self, code: str, severity: str, message: str, *, local: bool = False
                 ) -> Callable[[Callable[[In], pl.LazyFrame]], Callable[[In], pl.LazyFrame]]:
        declared = declare(code, severity, message, local=local)

        def register(check: Callable[[In], pl.LazyFrame]) -> Callable[[In], pl.LazyFrame]:
            self.checks.append((declared, check))
            return check

        return register

    def flags(self, x: In) -> pl.LazyFrame:
        """Every check's flag rows, in the order the checks were declared, as one query."""
        return all_flags([check(x) for _, check in self.checks])


def _lit(v: pl.Expr | str | int | None, dtype: type[pl.DataType]) -> pl.Expr:
    if isinstance(v, pl.Expr):
        return v.cast(dtype)
    return pl.lit(v, dtype=dtype)


def make_flags(
    frame: pl.DataFrame | pl.LazyFrame,
    code: str,
    *,
    source: str,
    file: pl.Expr | str | None = None,
    table: pl.Expr | str | None = None,
    row: pl.Expr | int | None = None,
    child_id: pl.Expr | str | None = None,
    nhs_number: pl.Expr | str | None = None,
    field: pl.Expr | str | None = None,
    value: pl.Expr | str | None = None,
    message: pl.Expr | str | None = None,
) -> pl.LazyFrame:
    """One flag per row of `frame` (already filtered to the rows to flag), as a lazy query:
    `concat_flags` runs all of a step's queries at once."""
    declared = CODES[code]
    exprs = {
        "source": _lit(source, pl.String),
        "file": _lit(file, pl.String),
        "table": _lit(table, pl.String),
        "row": _lit(row, pl.Int64),
        "child_id": _lit(child_id, pl.String),
        "nhs_number": _lit(nhs_number, pl.String),
        "rule": pl.lit(code),
        "severity": pl.lit(declared.severity),
        "field": _lit(field, pl.String),
        "value": _lit(value, pl.String),
        "message": _lit(message if message is not None else declared.message, pl.String),
    }
    return frame.lazy().select(**{k: exprs[k] for k in FLAG_COLUMNS})


def no_flags() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FLAG_SCHEMA)


def all_flags(parts: Sequence[pl.DataFrame | pl.LazyFrame]) -> pl.LazyFrame:
    """All flag rows of `parts`, in order, as one lazy query."""
    if not parts:
        return no_flags()
    lazy = [p.lazy().select(FLAG_COLUMNS).cast(FLAG_SCHEMA) for p in parts]  # type: ignore[arg-type]
    return pl.concat(lazy, how="vertical")


def concat_flags(parts: Sequence[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    """All flag rows of `parts`, in order, computed in one go."""
    return all_flags(parts).collect()
