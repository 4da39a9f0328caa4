"""Agreement between two labellings of the same sessions: accuracy, Cohen's kappa, and for ordinal
scales adjacent agreement (within one step) and quadratic-weighted kappa; and a bootstrap interval for
any of them that resamples whole people, not sessions."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sessionlab_assets.analyses.estimators import CONFIDENCE

# The figures a comparison of two labellings reports, each of exact agreement and both kappas with its
# interval's bounds (`figures`), in the order tables show them.
AGREEMENT_COLUMNS = (
    *("exact", "exact_low", "exact_high", "kappa", "kappa_low", "kappa_high", "adjacent"),
    *("weighted_kappa", "weighted_kappa_low", "weighted_kappa_high"),
)
# The interval's resamples and seed: fixed, so the same labels give the same interval on every run.
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20260601


def accuracy(truth: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(truth == labels))


def adjacent_agreement(truth: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.abs(truth.astype(float) - labels.astype(float)) <= 1))


def cohen_kappa(
    truth: np.ndarray, labels: np.ndarray, categories: list | None = None, weights: str | None = None
) -> float:
    """Cohen's kappa; `weights="quadratic"` gives the weighted kappa of an ordinal scale, whose
    categories must then be given in order."""
    categories = list(categories) if categories is not None else sorted(set(truth.tolist()) | set(labels.tolist()))
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    if len(truth) != len(labels):
        raise ValueError(f"{len(truth)} reference labels against {len(labels)} labels")
    values, inverse = np.unique(np.concatenate([truth, labels]), return_inverse=True)
    codes = np.array([index[v] for v in values.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    cells = codes[: len(truth)] * k + codes[len(truth) :]
    observed = np.bincount(cells, minlength=k * k).reshape(k, k) / max(len(cells), 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    if weights == "quadratic":
        grid = np.arange(k)
        disagreement = (grid[:, None] - grid[None, :]) ** 2 / max((k - 1) ** 2, 1)
    else:
        disagreement = 1.0 - np.eye(k)
    expected_disagreement = (disagreement * expected).sum()
    return (
        float(1.0 - (disagreement * observed).sum() / expected_disagreement) if expected_disagreement else float("nan")
    )


def bootstrap_interval(
    measure: Callable[[np.ndarray, np.ndarray], float],
    truth: np.ndarray,
    labels: np.ndarray,
    clusters: np.ndarray | None = None,
    level: float = CONFIDENCE,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of `measure(truth, labels)`, an agreement measure over labelled
    sessions. Each resample draws whole clusters (`clusters[i]` names the person of session i; None: each
    session its own) with replacement, because one person's sessions are labelled alike more than two
    people's are, so resampling sessions would understate the spread. Resamples where the measure is
    undefined (kappa with a single category) are left out; (None, None) when fewer than half are
    defined or there are fewer than two clusters."""
    if clusters is None:
        clusters = np.arange(len(truth))
    _, cluster_of = np.unique(clusters, return_inverse=True)
    cluster_of = cluster_of.reshape(-1)
    members = np.split(np.argsort(cluster_of, kind="stable"), np.cumsum(np.bincount(cluster_of))[:-1])
    if len(members) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(reps):
        rows = np.concatenate([members[c] for c in rng.integers(0, len(members), len(members))])
        values.append(measure(truth[rows], labels[rows]))
    defined = np.array([v for v in values if v is not None and np.isfinite(v)])
    if len(defined) < reps / 2:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)


# An agreement measure, and what it is computed on: (measure, truth, labels, clusters; see bootstrap_interval).
Measured = tuple[Callable[[np.ndarray, np.ndarray], float], np.ndarray, np.ndarray, np.ndarray | None]


def figures(measures: dict[str, Measured]) -> dict[str, float | None]:
    """Each named measure with its bootstrap interval: `name`, `name_low`, `name_high`. A measure that is
    undefined (kappa when both sides use one label) is None; one with no sessions is left out."""
    out: dict[str, float | None] = {}
    for name, (measure, truth, labels, clusters) in measures.items():
        if len(truth):
            value = measure(truth, labels)
            low, high = bootstrap_interval(measure, truth, labels, clusters)
            out |= {name: None if math.isnan(value) else value, f"{name}_low": low, f"{name}_high": high}
    return out
