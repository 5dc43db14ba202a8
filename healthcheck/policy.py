"""The policy: the parameters of the rules (docs/rules.md §4, "Policy"), with built-in
defaults, overridable by a TOML file.

Every value is validated; an unknown key or a bad value is a usage error naming the key.
The policy used is echoed into summary.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from healthcheck.errors import UsageError, read_toml
from healthcheck.schedule import ANTIGENS, DEFAULT_VACCINES, NOT_COUNTED, vaccine_keys

Vaccines = tuple[tuple[str, tuple[str, ...]], ...]


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
    request_target_wd: int = 5  # R7 [LP]: the LA's IHA request reaches health
    report_target_wd: int = 10  # R7 [LP]: the IHA report is returned after the IHA
    imms_grace_days: int = 28  # R5: a dose is missing once as-of is more than this past its age
    # R5: vaccine name -> antigens it counts for (empty: recorded, not counted); `[vaccines]`
    vaccines: Vaccines = DEFAULT_VACCINES

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["vaccines"] = {name: list(antigens) or NOT_COUNTED for name, antigens in self.vaccines}
        return out


_CHOICES = {"iha_rule": ("20WD", "28CD"), "age5_mode": ("conservative", "lenient"),
            "dental_interval_months": (6, 12)}
_RANGES = {"notification_target_wd": (0, 60), "notification_lookback_days": (0, 366),
           "iha_prior_months": (0, 12), "horizon_days": (0, 366),
           "dental_first_due_wd": (0, 260), "event_match_days": (0, 366),
           "compare_months": (1, 120), "late_entry_days": (0, 3660),
           "imms_grace_days": (0, 366),
           "request_target_wd": (0, 60), "report_target_wd": (0, 60)}


def make_policy(values: dict[str, Any], origin: str = "policy") -> Policy:
    """A validated Policy from a dict of overrides."""
    known = {f.name: f for f in fields(Policy)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"{origin}: unknown key(s) {', '.join(unknown)}",
                         f"known keys: {', '.join(known)}")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "vaccines":
            clean[key] = _vaccines(value, origin)
            continue
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


def _vaccines(value: Any, origin: str) -> Vaccines:
    """The built-in vaccine table with the `[vaccines]` section's entries added: a name already in
    it (matched as vaccine names are) takes the new antigens. A value is a list of antigens, or
    "not counted" (or an empty list) for a vaccine recorded but not counted."""
    if not isinstance(value, dict):
        raise UsageError(f"{origin}: [vaccines] must be a table of name = [antigens]")
    new: dict[str, tuple[str, ...]] = {}
    for name, antigens in value.items():
        if isinstance(antigens, str) and antigens.strip().lower() == NOT_COUNTED:
            antigens = []
        if not isinstance(antigens, list) or not all(isinstance(a, str) for a in antigens):
            raise UsageError(f"{origin}: vaccine {name!r} must be a list of antigens or "
                             f"{NOT_COUNTED!r}, not {antigens!r}")
        clean = tuple(dict.fromkeys(a.strip().lower() for a in antigens))
        bad = [a for a in clean if a not in ANTIGENS]
        if bad:
            raise UsageError(f"{origin}: vaccine {name!r}: unknown antigen(s) {', '.join(bad)}",
                             f"known antigens: {', '.join(ANTIGENS)}")
        new[name] = clean
    names = [n for n, _ in DEFAULT_VACCINES] + list(new)
    keys = vaccine_keys(names)
    if any(not k for k in keys[len(DEFAULT_VACCINES):]):
        raise UsageError(f"{origin}: a vaccine name is blank once spaces, hyphens, dots and "
                         "slashes are ignored")
    new_keys: dict[str, tuple[str, ...]] = {}
    for key, (_, antigens) in zip(keys[len(DEFAULT_VACCINES):], new.items(), strict=True):
        # two spellings of one name are fine when they say the same (the built-in table has
        # `dTaP/IPV` and `DTaP/IPV`, so a policy echoed into run.json reads back)
        if new_keys.setdefault(key, antigens) != antigens:
            raise UsageError(f"{origin}: two [vaccines] names are the same once case, spaces, "
                             "hyphens, dots and slashes are ignored, with different antigens")
    kept = tuple((n, a) for (n, a), k in zip(DEFAULT_VACCINES, keys, strict=False)
                 if k not in new_keys)
    return kept + tuple(new.items())


def load_policy(path: Path | None) -> Policy:
    """The default policy, with the overrides of a TOML file when given."""
    if path is None:
        return Policy()
    return make_policy(read_toml(path, "policy file"), str(path))
