"""Errors that end a run with one plain line and an exit code (handled once, in cli.py;
docs/rules.md §1.6, §8.6 exit codes)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_FLAGS = 3


class HealthcheckError(Exception):
    """An error the user can act on. `str(err)` is the whole message; `hint` says what to do."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class InputError(HealthcheckError):
    """An input file could not be read at all (missing, wrong type, required column absent)."""

    exit_code = EXIT_INPUT


class UsageError(HealthcheckError):
    """A bad option value or policy file."""

    exit_code = EXIT_USAGE


class OutputError(HealthcheckError):
    """The outputs could not be written (the folder is a file, not writable, the disk full);
    the previous outputs are unchanged."""

    exit_code = EXIT_INPUT


class OutputsReplaced(KeyboardInterrupt):  # noqa: N818 - a KeyboardInterrupt, as Python names it
    """Ctrl-C after the outputs in `out` were replaced: the new outputs are whole."""

    def __init__(self, out: Path) -> None:
        super().__init__(str(out))
        self.out = out


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file as a dict; a missing or malformed file is a UsageError naming `what`."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise UsageError(f"{path}: {what} not found") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not a valid TOML {what} ({e})") from e
