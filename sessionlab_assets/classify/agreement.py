"""Agreement between two labellings of the same sessions: accuracy, Cohen's kappa, and for ordinal
scales adjacent agreement (within one step) and quadratic-weighted kappa."""

from __future__ import annotations

import numpy as np


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
    observed = np.zeros((k, k))
    for t, lab in zip(truth.tolist(), labels.tolist(), strict=True):
        observed[index[t], index[lab]] += 1
    observed /= observed.sum()
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
