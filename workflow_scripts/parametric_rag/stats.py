"""Uncertainty of per-question scores: bootstrap intervals, a paired significance test, Holm.

- :func:`bootstrap_interval`: percentile bootstrap of a mean over questions (resampling the
  questions with replacement).
- :func:`paired_test`: two methods on the same questions. The p-value comes from approximate
  randomisation (each question's pair of scores swapped with probability 1/2, two-sided, with
  the +1 correction so that p is never 0); the interval of the mean difference from a paired
  percentile bootstrap.
- :func:`holm`: Holm's step-down correction of a family of p-values.

Everything is deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float
    lo: float
    hi: float


@dataclass(frozen=True)
class Paired:
    diff: float  # mean of a - b
    lo: float
    hi: float
    p: float


def _means_of_resamples(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    return values[idx].mean(axis=1)


def bootstrap_interval(values: Sequence[float], *, resamples: int, confidence: float, seed: int) -> Interval:
    """The mean of ``values`` with its percentile-bootstrap interval."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    means = _means_of_resamples(x, resamples, np.random.default_rng(seed))
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return Interval(float(x.mean()), float(lo), float(hi))


def paired_test(a: Sequence[float], b: Sequence[float], *, resamples: int, permutations: int, confidence: float,
                seed: int) -> Paired:
    """``a`` against ``b`` on the same questions (in the same order)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired scores of different lengths: {len(x)} and {len(y)}")
    if len(x) == 0:
        return Paired(float("nan"), float("nan"), float("nan"), float("nan"))
    d = x - y
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(permutations, len(d)))
    flipped = np.abs((signs * d).mean(axis=1))
    # a tolerance so that float noise in equal means does not count as a smaller difference
    extreme = int(np.sum(flipped >= observed - 1e-12))
    p = (extreme + 1) / (permutations + 1)
    interval = bootstrap_interval(d, resamples=resamples, confidence=confidence, seed=seed)
    return Paired(float(d.mean()), interval.lo, interval.hi, float(p))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (same order; NaN stays NaN and is not counted)."""
    p = np.asarray(pvalues, dtype=float)
    valid = np.flatnonzero(~np.isnan(p))
    out = np.full(len(p), np.nan)
    m = len(valid)
    running = 0.0
    for rank, i in enumerate(valid[np.argsort(p[valid], kind="stable")]):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()
