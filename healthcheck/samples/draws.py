"""Seeded random draws over whole columns (numpy's Generator): how many to affect, which ones,
integers in per-row ranges. Every draw is vectorised; the same seed gives the same draws."""

from __future__ import annotations

import numpy as np

Arr = np.ndarray
Rng = np.random.Generator


def k_of(rate: float, n: int) -> int:
    """How many of `n` to affect at `rate`: at least one once there are 100 to choose from."""
    k = int(round(rate * n))
    if k == 0 and n >= 100:
        k = 1
    return min(k, n)


def pick(rng: Rng, eligible: Arr, k: int, size: int) -> Arr:
    """Boolean mask of length `size` with `k` of the `eligible` positions set."""
    mask = np.zeros(size, dtype=bool)
    if k > 0 and len(eligible):
        mask[rng.choice(eligible, size=min(k, len(eligible)), replace=False)] = True
    return mask


def uniform_int(rng: Rng, lo: Arr | int, hi: Arr | int, size: int) -> Arr:
    """Integers uniform in [lo, hi] (inclusive, elementwise)."""
    lo_a = np.broadcast_to(np.asarray(lo, dtype=np.int64), (size,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=np.int64), (size,))
    span = np.maximum(hi_a - lo_a + 1, 1)
    return lo_a + np.floor(rng.random(size) * span).astype(np.int64)
