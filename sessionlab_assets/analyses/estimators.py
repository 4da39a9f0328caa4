"""The estimators every analysis uses, stated once.

- `fit_ols`: OLS with fixed effects absorbed by linearmodels' `AbsorbingLS` (LSMR, tolerance 1e-12 so
  coefficients agree with an exact solver to ~1e-12), covariance clustered by user with the
  small-sample correction G/(G-1) · (N-1)/(N-K), K counting absorbed effects — the estimator of
  linearmodels' `cov_type="clustered", debiased=True` and of pyfixest's CRV1 with `ssc(k_fixef="full")`,
  computed here (`clustered_ols_cov`) from the model's absorbed design with one bincount per column,
  because linearmodels loops over clusters in Python, which dominates a fit with 235k users.
- `fit_poisson`: Poisson pseudo-maximum likelihood with fixed effects as dummies and the same
  clustered, small-sample-corrected covariance; separated rows and collinear dummies left out, and said.
- `not_estimated`: the one-line note a table carries for a model the rows cannot support.
- `clustered_means`: a cell mean with its clustered standard error, the CR1 variance of OLS on a
  constant, computed from per-cluster sums so it is one group-by at any size; for a share, a Wilson
  interval at the design-effect sample size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from linearmodels.iv.absorbing import AbsorbingLS, AbsorbingLSResults
from linearmodels.panel.utility import AbsorbingEffectError
from scipy import stats

CONFIDENCE = 0.95
LSMR_TOLERANCE = 1e-12
OLS_ESTIMATOR = "OLS; fixed effects absorbed (linearmodels AbsorbingLS, LSMR)"
POISSON_ESTIMATOR = "Poisson pseudo-ML (Newton-Raphson); fixed effects as dummies"
COVARIANCE = "clustered by user; small-sample corrected: G/(G-1)·(N-1)/(N-K)"
# What a model that the data at hand cannot support raises (no rows, too few for its fixed effects, a
# regressor absorbed by them, a singular design); callers report it as a row with the reason. A missing
# column is a bug, not a data condition: `MissingColumn` fails the run.
NOT_ESTIMABLE = (ValueError, ZeroDivisionError, np.linalg.LinAlgError, AbsorbingEffectError)


class MissingColumn(RuntimeError):
    pass


def not_estimated(error: Exception) -> str:
    """One line for a table's `note` on a model the data cannot support. linearmodels explains an absorbed
    regressor over a dozen lines; the note keeps the variables it names."""
    if isinstance(error, AbsorbingEffectError):
        lines = str(error).splitlines()
        named = [line.strip() for line in lines if line.startswith("    ") and line.strip()]
        return "not estimated: absorbed by the fixed effects in these rows: " + "; ".join(named or ["(unnamed)"])
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return f"not estimated: {first}"


def cov_cluster(z: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """The meat of a clustered covariance, (1/n) Σ_g z_g z_g' with z_g the sum of z over cluster g,
    with one bincount per column (no Python loop over clusters)."""
    if pd.isnull(clusters).any():
        raise ValueError("clusters cannot contain missing values.")
    _, inverse = np.unique(clusters, return_inverse=True)
    groups = int(inverse.max()) + 1 if inverse.size else 0
    if groups < 2:
        raise ValueError("A clustered covariance requires at least two clusters, but clusters has one group.")
    sums = np.column_stack([np.bincount(inverse, weights=z[:, j], minlength=groups) for j in range(z.shape[1])])
    return sums.T @ sums / z.shape[0]


def clustered_ols_cov(design: np.ndarray, resids: np.ndarray, clusters: np.ndarray, df_model: int) -> np.ndarray:
    """CR1 covariance of OLS coefficients: (X'X)⁻¹ (Σ_g s_g s_g') (X'X)⁻¹ · G/(G-1) · (N-1)/(N-K), where X is
    the design after absorbing fixed effects, s_g = Σ_{i∈g} x_i e_i and K = `df_model` counts the
    coefficients and the absorbed effects."""
    n = design.shape[0]
    groups = np.unique(clusters).size
    if n <= df_model:
        raise ValueError(f"{n} rows cannot support {df_model} parameters")
    bread = np.linalg.inv(design.T @ design / n)
    meat = cov_cluster(design * resids[:, None], clusters)
    scale = groups / (groups - 1) * (n - 1) / (n - df_model)
    return scale * bread @ meat @ bread / n


def z_value(confidence: float = CONFIDENCE) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


@dataclass(frozen=True)
class Fit:
    """A fitted regression: the linearmodels (or statsmodels) result stays available for inspection."""

    estimator: str
    covariance: str
    outcome: str
    regressors: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    nobs: int
    clusters: int
    fixed_effect_cells: int  # distinct categories over all absorbed effects
    r2: float  # R² of the whole model, absorbed effects included (NaN for Poisson)
    params: pd.Series
    cov: pd.DataFrame
    # The linearmodels results (None for Poisson: params and cov are all there is). For OLS its `cov` is the
    # homoskedastic one; the clustered covariance every table uses is `cov` here.
    result: object
    # Poisson only: rows left out because their fixed-effect cell has an all-zero outcome (separated), and
    # dummies left out because earlier columns already span them (collinear). `note` says both.
    separated_rows: int = 0
    collinear_columns: tuple[str, ...] = ()

    @property
    def note(self) -> str | None:
        parts = []
        if rows := self.separated_rows:
            parts.append(
                f"{rows} {'row' if rows == 1 else 'rows'} in fixed-effect cells whose outcome is all zero left out"
            )
        if columns := len(self.collinear_columns):
            parts.append(f"{columns} collinear {'dummy' if columns == 1 else 'dummies'} left out")
        return "; ".join(parts) or None

    def coefficient(self, name: str) -> tuple[float, float]:
        return float(self.params[name]), float(np.sqrt(self.cov.loc[name, name]))

    def contrast(self, weights: dict[str, float]) -> tuple[float, float]:
        """Estimate and delta-method standard error of a linear combination of coefficients."""
        names = list(weights)
        vector = np.array([weights[n] for n in names])
        estimate = float(vector @ self.params[names].to_numpy())
        variance = float(vector @ self.cov.loc[names, names].to_numpy() @ vector)
        return estimate, float(np.sqrt(max(variance, 0.0)))


def _codes(frame: pl.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Dense 0-based integer codes of each column, all columns in one pass: hashed to categorical codes,
    then dense-ranked, so each code is used by some row. Far cheaper than factorising Python strings."""
    ranked = frame.select(
        *(
            (pl.col(c).cast(pl.Utf8).cast(pl.Categorical).to_physical().rank("dense").cast(pl.Int64) - 1).alias(c)
            for c in dict.fromkeys(columns)
        )
    )
    return {c: ranked[c].to_numpy() for c in ranked.columns}


def _categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=np.arange(int(codes.max()) + 1 if codes.size else 0))


def _checked(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumn(f"columns missing for the regression: {missing}")
    data = frame.select(*dict.fromkeys(columns)).drop_nulls()
    if data.height == 0:
        raise ValueError("no rows to fit")
    return data


def fit_ols(
    frame: pl.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    fixed_effects: Sequence[str] = (),
    cluster: str = "user_key",
) -> Fit:
    """OLS of `outcome` on a constant, `regressors` (numeric columns) and absorbed `fixed_effects`."""
    data = _checked(frame, [outcome, *regressors, *fixed_effects, cluster])
    exog = pd.DataFrame({"const": np.ones(data.height), **{r: data[r].cast(pl.Float64).to_numpy() for r in regressors}})
    codes = _codes(data, [*fixed_effects, cluster])
    absorb = pd.DataFrame({fe: _categorical(codes[fe]) for fe in fixed_effects}) if fixed_effects else None
    clusters = codes[cluster]
    # pandas inputs keep their RangeIndex; a bare array makes linearmodels build a list of row labels.
    dependent = pd.Series(data[outcome].cast(pl.Float64).to_numpy(), name=outcome)
    model = AbsorbingLS(dependent, exog, absorb=absorb, drop_absorbed=False)
    # The fit's own covariance is the cheap homoskedastic one; the clustered one is computed below.
    if fixed_effects:
        result: AbsorbingLSResults = model.fit(
            cov_type="unadjusted",
            method="lsmr",
            absorb_options={"atol": LSMR_TOLERANCE, "btol": LSMR_TOLERANCE},
        )
    else:
        result = model.fit(cov_type="unadjusted")
    cov = clustered_ols_cov(
        model.absorbed_exog.to_numpy(), result.resids.to_numpy(), clusters, df_model=int(result.df_model)
    )
    return Fit(
        estimator=OLS_ESTIMATOR,
        covariance=COVARIANCE,
        outcome=outcome,
        regressors=tuple(regressors),
        fixed_effects=tuple(fixed_effects),
        nobs=int(result.nobs),
        clusters=int(np.unique(clusters).size),
        fixed_effect_cells=sum(data[fe].n_unique() for fe in fixed_effects),
        r2=float(result.rsquared),
        params=result.params,
        cov=pd.DataFrame(cov, index=result.params.index, columns=result.params.index),
        result=result,
    )


def fit_poisson(
    frame: pl.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    fixed_effects: Sequence[str] = (),
    cluster: str = "user_key",
    tolerance: float = 1e-10,
    max_iterations: int = 100,
) -> Fit:
    """Poisson pseudo-ML of a non-negative `outcome` (need not be a count) with fixed effects as dummies.

    Rows in a fixed-effect cell whose outcome is zero throughout are left out first, repeatedly until none
    is left (their dummy's estimate would run to minus infinity; pyfixest's `separation_check=["fe"]`),
    then dummies that earlier columns already span (cells that coincide in a small sample). Newton-Raphson
    with step halving on the log-likelihood, to |step| < `tolerance`. Covariance: the sandwich
    H⁻¹ (Σ_g s_g s_g') H⁻¹ with s_g the cluster's summed scores, times G/(G-1)·(N-1)/(N-K), K the number
    of columns of the design (pyfixest's fepois CRV1 with ssc(k_fixef="full"))."""
    checked = _checked(frame, [outcome, *regressors, *fixed_effects, cluster])
    if (checked[outcome] < 0).any():
        raise ValueError(f"Poisson pseudo-ML needs a non-negative outcome; {outcome} has negative values")
    data = _without_separated(checked, outcome, fixed_effects)
    if data.height == 0 or data[outcome].sum() == 0:
        raise ValueError(f"{outcome} is zero in every row: nothing for a Poisson model to fit")
    y = data[outcome].cast(pl.Float64).to_numpy()
    names = ["const", *regressors]
    columns = [np.ones(data.height), *(data[r].cast(pl.Float64).to_numpy() for r in regressors)]
    codes = _codes(data, [*fixed_effects, cluster])
    for fe in fixed_effects:
        for category in range(1, int(codes[fe].max()) + 1):
            names.append(f"{fe}[{category}]")
            columns.append((codes[fe] == category).astype(float))
    # The constant and the dummies first, so a regressor the effects absorb is the column found redundant.
    regressor_columns = range(1, 1 + len(regressors))
    order = [j for j in range(len(names)) if j not in regressor_columns] + list(regressor_columns)
    kept = sorted(order[i] for i in _spanning_columns(np.column_stack([columns[j] for j in order])))
    dropped = [names[j] for j in range(len(names)) if j not in kept]
    if lost := [name for name in dropped if name in ("const", *regressors)]:
        raise ValueError(f"{', '.join(lost)} cannot be told apart from the fixed effects in these rows")
    names = [names[j] for j in kept]
    design = np.column_stack([columns[j] for j in kept])
    beta = np.zeros(design.shape[1])
    beta[0] = np.log(y.mean())

    def log_likelihood(b: np.ndarray) -> float:
        eta = design @ b
        with np.errstate(over="ignore"):  # an overshooting step: -inf, which the halving below rejects
            return float(y @ eta - np.exp(eta).sum())

    current = log_likelihood(beta)
    for _ in range(max_iterations):
        mu = np.exp(design @ beta)
        hessian = (design * mu[:, None]).T @ design
        step = np.linalg.solve(hessian, design.T @ (y - mu))
        while True:  # halve the step until the likelihood does not fall
            candidate = log_likelihood(beta + step)
            if candidate >= current - 1e-12 * abs(current) or np.abs(step).max() < tolerance:
                break
            step /= 2
        beta, current = beta + step, candidate
        if np.abs(step).max() < tolerance:
            break
    else:
        raise ValueError(f"Poisson pseudo-ML did not converge in {max_iterations} iterations")
    mu = np.exp(design @ beta)
    bread = np.linalg.inv((design * mu[:, None]).T @ design)
    clusters = codes[cluster]
    groups = int(clusters.max()) + 1
    n, k = design.shape
    meat = cov_cluster(design * (y - mu)[:, None], clusters) * n
    cov = bread @ meat @ bread * (groups / (groups - 1)) * ((n - 1) / (n - k))
    return Fit(
        estimator=POISSON_ESTIMATOR,
        covariance=COVARIANCE,
        outcome=outcome,
        regressors=tuple(regressors),
        fixed_effects=tuple(fixed_effects),
        nobs=n,
        clusters=groups,
        fixed_effect_cells=sum(data[fe].n_unique() for fe in fixed_effects),
        r2=float("nan"),
        params=pd.Series(beta, index=names),
        cov=pd.DataFrame((cov + cov.T) / 2, index=names, columns=names),
        result=None,
        separated_rows=checked.height - data.height,
        collinear_columns=tuple(dropped),
    )


def _without_separated(data: pl.DataFrame, outcome: str, fixed_effects: Sequence[str]) -> pl.DataFrame:
    """`data` without the rows of fixed-effect cells whose outcome sums to zero, repeated until no such cell
    is left (leaving out one effect's cell can empty another's)."""
    while True:
        keep = pl.lit(True)
        for fe in fixed_effects:
            keep = keep & (pl.col(outcome).sum().over(fe) > 0)
        kept = data.filter(keep)
        if kept.height == data.height:
            return data
        data = kept


def _spanning_columns(design: np.ndarray, tolerance: float = 1e-9) -> list[int]:
    """Indices of the columns of `design` kept left to right, each one only if it is not (to `tolerance`,
    relative) a linear combination of those kept before it; computed on the Gram matrix, K × K."""
    gram = design.T @ design
    kept: list[int] = []
    for j in range(gram.shape[0]):
        trial = [*kept, j]
        eigenvalues = np.linalg.eigvalsh(gram[np.ix_(trial, trial)])
        if eigenvalues.min() > tolerance * max(eigenvalues.max(), 1.0):
            kept.append(j)
    return kept


def clustered_means(
    frame: pl.DataFrame,
    value: str,
    by: Sequence[str],
    cluster: str = "user_key",
    confidence: float = CONFIDENCE,
    proportion: bool = False,
) -> pl.DataFrame:
    """Mean of `value` in each cell of `by`, with its standard error clustered on `cluster`.

    For cell c with clusters g, s_g = Σ y and n_g = the rows of g: mean = Σ s_g / N and
    Var = G/(G-1) · Σ_g (s_g − mean·n_g)² / N², the CR1 variance of OLS on a constant (N-K = N-1 cancels).
    The CI is mean ± z·se, or, for a `proportion` (a 0/1 value), the Wilson score interval at the effective
    sample size p(1-p)/se² (at most N; N when se is 0): it stays inside [0, 1] and is not a point at a
    share of 0 or 1 — what a few sessions give — and it is the Wald interval as N grows (Korn & Graubard's
    design-effect adjustment). No CI with one cluster, unless it is a single session (a share's Wilson
    interval at n = 1). Nulls in `value` are left out.
    Columns: by..., sessions, users, mean, se, ci_low, ci_high."""
    by = list(by)
    z = z_value(confidence)
    per_cluster = (
        frame.filter(pl.col(value).is_not_null())
        .group_by(*by, cluster)
        .agg(s=pl.col(value).cast(pl.Float64).sum(), n=pl.len())
    )
    cells = (
        per_cluster.group_by(*by)
        .agg(
            sessions=pl.col("n").sum(),
            users=pl.len(),
            total=pl.col("s").sum(),
            ss=(pl.col("s") ** 2).sum(),
            sn=(pl.col("s") * pl.col("n")).sum(),
            nn=(pl.col("n").cast(pl.Float64) ** 2).sum(),
        )
        .with_columns(mean=pl.col("total") / pl.col("sessions"))
    )
    squared = pl.col("ss") - 2 * pl.col("mean") * pl.col("sn") + pl.col("mean") ** 2 * pl.col("nn")
    se = pl.when(pl.col("users") > 1).then(
        (pl.col("users") / (pl.col("users") - 1) * squared.clip(lower_bound=0)).sqrt() / pl.col("sessions")
    )
    out = cells.with_columns(se=se)
    if proportion:
        sessions = out["sessions"].to_numpy().astype(float)
        estimable = interval_estimable(out["users"].to_numpy(), sessions, proportion=True)
        # A single session's se is 0 (Wilson at n = 1); a cell without an interval gets NaN, hence none.
        se_or_none = np.where(estimable, np.nan_to_num(out["se"].to_numpy().astype(float)), np.nan)
        low, high = wilson_interval(out["mean"].to_numpy(), se_or_none, sessions, z)
        out = out.with_columns(ci_low=pl.Series(low, nan_to_null=True), ci_high=pl.Series(high, nan_to_null=True))
    else:
        out = out.with_columns(ci_low=pl.col("mean") - z * pl.col("se"), ci_high=pl.col("mean") + z * pl.col("se"))
    return out.select(
        *by, pl.col("sessions").cast(pl.Int64), pl.col("users").cast(pl.Int64), "mean", "se", "ci_low", "ci_high"
    ).sort(by)


def interval_estimable(clusters, sessions, proportion: bool):
    """Whether a cell's mean has an interval (elementwise): two clusters or more give a clustered variance;
    one cluster gives none (CR1 puts it at 0), unless the cell is a share of a single session — one 0/1
    observation, whose Wilson interval is at n = 1."""
    clusters, sessions = np.asarray(clusters), np.asarray(sessions)
    return (clusters >= 2) | (proportion & (sessions == 1))


def wilson_interval(share: np.ndarray, se: np.ndarray, sessions: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a share at the effective sample size share(1-share)/se² (its clustered
    variance's, at most `sessions`; `sessions` when se is 0). NaN where se is NaN (one cluster)."""
    share, se, sessions = (np.asarray(a, dtype=float) for a in (share, se, sessions))
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(se > 0, np.minimum(share * (1 - share) / se**2, sessions), sessions)
        centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    defined = ~np.isnan(se)
    # The interval lies inside [0, 1] and holds the share by construction; the clip and the bound by the
    # share only absorb rounding (at a share of 1 the upper end came out as 0.9999999999999999).
    low = np.where(defined, np.clip(np.minimum(centre - half, share), 0.0, 1.0), np.nan)
    high = np.where(defined, np.clip(np.maximum(centre + half, share), 0.0, 1.0), np.nan)
    return low, high


def indicator_shares(
    frame: pl.DataFrame,
    category: str,
    categories: Sequence[str],
    by: Sequence[str],
    cluster: str = "user_key",
    confidence: float = CONFIDENCE,
) -> pl.DataFrame:
    """Share of rows in each category within each cell of `by`, with clustered CIs (the mean of the
    category's indicator). Rows whose category is null are left out of the denominator. `sessions` and
    `users` count the category's own rows and users (what a privacy threshold applies to)."""
    by = list(by)
    rows = frame.filter(pl.col(category).is_not_null())
    parts = []
    for value in categories:
        indicator = rows.with_columns((pl.col(category) == value).cast(pl.Float64).alias("_indicator"))
        parts.append(
            clustered_means(indicator, "_indicator", by, cluster, confidence, proportion=True)
            .drop("sessions", "users")
            .with_columns(pl.lit(value).alias(category))
        )
    counts = rows.group_by(*by, category).agg(
        sessions=pl.len().cast(pl.Int64), users=pl.col(cluster).n_unique().cast(pl.Int64)
    )
    return (
        pl.concat(parts)
        .join(counts, on=[*by, category], how="left")
        .with_columns(pl.col("sessions", "users").fill_null(0))
        .rename({"mean": "share"})
        .select(*by, category, "sessions", "users", "share", "se", "ci_low", "ci_high")
        .sort([*by, category])
    )
