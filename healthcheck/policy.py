"""The policy: the parameters of the rules (docs/rules.md), with built-in defaults, overridable
by a TOML file.

Every value is validated; an unknown key or a bad value is a usage error naming the key.
The policy used is echoed into summary.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from healthcheck.errors import UsageError, read_toml


@dataclass(frozen=True)
class Policy:
    notification_target_wd: int = 5  # R1 [S reg 13, LP]
    notification_lookback_days: int = 10  # R1: notification up to 10 days before clock start
    iha_rule: str = "20WD"  # R2: 20WD (20 working days) or 28CD (28 calendar days)
    iha_prior_months: int = 3  # R2: an IHA in the 3 months before placement counts (reg 7(3))
    age5_mode: str = "conservative"  # R3: conservative | lenient
    horizon_days: int = 28  # R3/R4: due_soon horizon
    dental_interval_months: int = 12  # R4: 12 (6 allowed)
    dental_first_due_wd: int = 40  # R4: first dental check after coming into care
    event_match_days: int = 31  # compare: events of one type paired within 31 days
    compare_months: int = 24  # compare: events compared over the 24 months to as-of
    late_entry_days: int = 30  # EVENT_RECORDED_LATE: recorded more than this after the event

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_CHOICES = {"iha_rule": ("20WD", "28CD"), "age5_mode": ("conservative", "lenient"),
            "dental_interval_months": (6, 12)}
_RANGES = {"notification_target_wd": (0, 60), "notification_lookback_days": (0, 366),
           "iha_prior_months": (0, 12), "horizon_days": (0, 366),
           "dental_first_due_wd": (0, 260), "event_match_days": (0, 366),
           "compare_months": (1, 120), "late_entry_days": (0, 3660)}


def make_policy(values: dict[str, Any], origin: str = "policy") -> Policy:
    """A validated Policy from a dict of overrides."""
    known = {f.name: f for f in fields(Policy)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"{origin}: unknown key(s) {', '.join(unknown)}",
                         f"known keys: {', '.join(known)}")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        default = getattr(Policy(), key)
        if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
            raise UsageError(f"{origin}: {key} must be a whole number, not {value!r}")
        if isinstance(default, str):
            if not isinstance(value, str):
                raise UsageError(f"{origin}: {key} must be text, not {value!r}")
            value = value.strip()
            if key == "iha_rule":
                value = value.upper()
            else:
                value = value.lower()
        if key in _CHOICES and value not in _CHOICES[key]:
            raise UsageError(f"{origin}: {key} must be one of "
                             f"{', '.join(map(str, _CHOICES[key]))}, not {value!r}")
        if key in _RANGES:
            lo, hi = _RANGES[key]
            if not lo <= value <= hi:
                raise UsageError(f"{origin}: {key} must be between {lo} and {hi}, not {value}")
        clean[key] = value
    return Policy(**clean)


def load_policy(path: Path | None) -> Policy:
    """The default policy, with the overrides of a TOML file when given."""
    if path is None:
        return Policy()
    return make_policy(read_toml(path, "policy file"), str(path))
