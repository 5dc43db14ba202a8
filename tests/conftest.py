"""Hypothesis profiles: `quick` by default (a developer's run), `ci` (thorough) when the
environment says CI=true, as CI services and `.ci/run` set it. HYPOTHESIS_PROFILE=ci (or quick)
chooses one explicitly. A test that sets `max_examples` itself in `@settings` keeps its own."""

from __future__ import annotations

import os

from hypothesis import settings

# No deadline in either: a reconcile of a random authority takes tens of milliseconds, more on a
# busy machine, and a timing failure would not be a fault of the code.
settings.register_profile("quick", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)


def profile_name(env: dict[str, str]) -> str:
    """The profile for an environment: HYPOTHESIS_PROFILE if set, else `ci` under CI."""
    if env.get("HYPOTHESIS_PROFILE"):
        return env["HYPOTHESIS_PROFILE"]
    return "ci" if env.get("CI", "").strip().lower() in ("true", "1", "yes") else "quick"


settings.load_profile(profile_name(dict(os.environ)))
