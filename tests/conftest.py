"""Hypothesis profiles: `quick` by default (a developer's run), `ci` (thorough) when the
environment says CI=true, as CI services and `.ci/run` set it. HYPOTHESIS_PROFILE=ci (or quick)
chooses one explicitly. No test sets `max_examples` in its own `@settings` (it would override
the profile; tests/test_cli.py checks), so every property runs as many examples as the profile
says."""

from __future__ import annotations

import os

from hypothesis import settings

# No deadline in either: a reconcile of a random authority takes tens of milliseconds, more on a
# busy machine, and a timing failure would not be a fault of the code.
settings.register_profile("quick", max_examples=20, deadline=None)
# At least as thorough as any test was with its own max_examples (at most 150, the random IHA
# pathways against the reference) before the profiles applied to all.
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)


def profile_name(env: dict[str, str]) -> str:
    """The profile for an environment: HYPOTHESIS_PROFILE if set, else `ci` under CI."""
    if env.get("HYPOTHESIS_PROFILE"):
        return env["HYPOTHESIS_PROFILE"]
    return "ci" if env.get("CI", "").strip().lower() in ("true", "1", "yes") else "quick"


settings.load_profile(profile_name(dict(os.environ)))
