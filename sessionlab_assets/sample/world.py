"""The planted world of the sample corpus: one row of ground truth per session, drawn from a seed.

Every planted quantity is calibrated to a published figure of the report, restated in
../shared/spec/MEASURES.md; the constant next to it says which. Transcripts are rendered from these
rows elsewhere; no classifier ever reads this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from sessionlab_assets.labels import OUTCOMES, SOFTWARE_OCCUPATION, VALUE_TIERS, WORK_MODES, value_tier

MONTHS = tuple(
    date(y, m, 1) for y, m in ((2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4))
)
# Usage grew over the period; the share of sessions in each month.
MONTH_WEIGHTS = np.array([0.09, 0.10, 0.12, 0.14, 0.16, 0.18, 0.21])

# Work-mode composition in the first and last month (MEASURES: fix 33% -> 19%, operate 14% -> 21%,
# analyze + communicate ~10% -> ~20%; April build 21, operate 21, communicate 20, fix 19); months in
# between are interpolated linearly.
MODE_SHARES_OCT = {
    "plan": 0.07,
    "build": 0.25,
    "fix": 0.33,
    "understand": 0.07,
    "test": 0.02,
    "operate": 0.14,
    "analyze": 0.03,
    "orchestrate": 0.02,
    "communicate": 0.07,
}
MODE_SHARES_APR = {
    "plan": 0.06,
    "build": 0.21,
    "fix": 0.19,
    "understand": 0.05,
    "test": 0.02,
    "operate": 0.21,
    "analyze": 0.03,
    "orchestrate": 0.03,
    "communicate": 0.20,
}

# Expertise distribution, levels 1-5 (MEASURES: 1.6 / 20.5 / 26.8 / 40.8 / 10.1 %).
EXPERTISE_SHARES = np.array([0.016, 0.205, 0.268, 0.408, 0.101])
EXPERTISE_PERSISTENCE = 0.8  # chance a session keeps the user's usual level
EXPERTISE_UNCLEAR = 0.03  # sessions whose text carries no expertise signal

# Outcomes by expertise level (Figure 5: at least partial 77 -> 91, judged 39 -> 65; Table A2:
# verified 14.5 / 20.9 / 28.3 / 29.5 / 32.9 %, adjusted for the fixed effects below).
AT_LEAST_PARTIAL = np.array([0.77, 0.83, 0.87, 0.89, 0.91])
JUDGED_SUCCESS = np.array([0.39, 0.50, 0.58, 0.61, 0.65])
VERIFIED_SUCCESS = np.array([0.145, 0.209, 0.283, 0.295, 0.329])
NO_CLEAR_GOAL = 0.077
# Signal distributions (levels 0-5) by outcome. Among sessions that hit trouble (failure signal >= 3)
# the report finds, levels 1 -> 5: at least partial 60 -> 80, judged 10 -> 27, verified 4 -> 15.
SUCCESS_SIGNAL_SOFT = np.array([0.00, 0.08, 0.55, 0.37, 0.00, 0.00])  # succeeded without hard evidence
SUCCESS_SIGNAL_PARTIAL = np.array([0.00, 0.35, 0.35, 0.20, 0.08, 0.02])
SUCCESS_SIGNAL_FAILED = np.array([0.60, 0.35, 0.05, 0.00, 0.00, 0.00])
SUCCESS_SIGNAL_NO_GOAL = np.array([0.40, 0.30, 0.30, 0.00, 0.00, 0.00])
# P(failure signal 0..5). Verified successes more often came through trouble than soft ones did.
FAILURE_SIGNAL_VERIFIED = np.array([0.42, 0.25, 0.13, 0.13, 0.07, 0.00])
FAILURE_SIGNAL_SOFT_SUCCESS = np.array([0.46, 0.25, 0.13, 0.11, 0.05, 0.00])
FAILURE_SIGNAL_PARTIAL = np.array([0.02, 0.05, 0.10, 0.38, 0.30, 0.15])
FAILURE_SIGNAL_FAILED = np.array([0.00, 0.00, 0.02, 0.18, 0.40, 0.40])
FAILURE_SIGNAL_NO_GOAL = np.array([0.50, 0.25, 0.15, 0.07, 0.03, 0.00])
# Abandonment among sessions that hit trouble: 19% for novices, 5-7% for the rest.
TRIED_CODE_FACTOR = 0.5
GAVE_UP_NOVICE, GAVE_UP_OTHERS = 0.45, 0.05

# Shifts of the verified-success probability by fixed-effect cell (value band, work mode, month).
# They make the fixed effects matter (report: R-squared .009 without them, .136 with all).
VERIFIED_SHIFT_BY_BAND = {1: 0.06, 2: 0.02, 3: -0.03, 4: -0.08}
VERIFIED_SHIFT_BY_MODE = {
    "plan": -0.04,
    "build": 0.03,
    "fix": 0.02,
    "understand": -0.05,
    "test": 0.05,
    "operate": 0.0,
    "analyze": -0.02,
    "orchestrate": -0.03,
    "communicate": -0.05,
}
VERIFIED_SHIFT_PER_MONTH = 0.004

# Activity per prompt, geometric means at levels 1 and 5 (MEASURES: ~4.9 -> 11.7 actions, ~607 -> 3,200 words).
ACTIONS_GEOMEAN = (4.9, 11.7)
WORDS_GEOMEAN = (607.0, 3200.0)
ACTIONS_LOG_SD, WORDS_LOG_SD = 0.8, 0.7

# Decisions (MEASURES: users make ~70% of planning and ~20% of execution decisions; for about half the
# sessions the agent's execution share is 90-100%).
PLANNING_BETA = (2.8, 1.2)
EXECUTION_AGENT_DOMINANT = 0.5
EXECUTION_BETA = (2.0, 3.5)

# Occupation of users (share of users); ~30% of sessions carry no occupational signal.
USER_OCCUPATIONS = {
    "15-0000": 0.45,
    "11-0000": 0.08,
    "13-0000": 0.08,
    "17-0000": 0.07,
    "19-0000": 0.07,
    "27-0000": 0.06,
    "25-0000": 0.05,
    "29-0000": 0.04,
    "43-0000": 0.03,
    "41-0000": 0.03,
    "23-0000": 0.02,
    "21-0000": 0.01,
    "49-0000": 0.01,
}
OCCUPATION_UNSIGNALLED = 0.30

# Value: lognormal per mode, rising Oct -> Apr (MEASURES: mean +27%; build +43%, operate +34%,
# fix +32%, communicate +2%).
VALUE_LOG_MEDIAN = {
    "plan": 900,
    "build": 1500,
    "fix": 400,
    "understand": 300,
    "test": 600,
    "operate": 500,
    "analyze": 800,
    "orchestrate": 1000,
    "communicate": 350,
}
VALUE_GROWTH = {"build": 0.43, "operate": 0.34, "fix": 0.32, "communicate": 0.02}
VALUE_GROWTH_OTHER = 0.30  # plan, understand, test, analyze, orchestrate: not published
VALUE_PER_LEVEL = 0.25  # log-value per expertise level: experts take on larger jobs
VALUE_LOG_SD = 0.9  # wider tails make the monthly mean too noisy to show the published rise

CODE_PROBABILITY = {
    "build": 0.96,
    "fix": 0.95,
    "test": 0.93,
    "operate": 0.6,
    "orchestrate": 0.7,
    "analyze": 0.7,
    "plan": 0.2,
    "understand": 0.1,
    "communicate": 0.15,
}
TURNS_GEOMETRIC_P = 0.27  # ~4 turns per session (MEASURES)
SESSIONS_PER_USER_ZIPF = 2.5  # heavy tail, ~1.9 sessions per user on average (report: 398k / 235k)
MAX_SESSIONS_PER_USER = 200

# Decisions are counted, so shares are ratios of small integers, as a classifier would report them.
PLANNING_DECISIONS = (2, 7)
EXECUTION_DECISIONS = (3, 9)


@dataclass(frozen=True)
class WorldSize:
    sessions: int
    seed: int = 20260601


def _month_mode_shares(month_index: int) -> np.ndarray:
    t = month_index / (len(MONTHS) - 1)
    shares = np.array([(1 - t) * MODE_SHARES_OCT[m] + t * MODE_SHARES_APR[m] for m in WORK_MODES])
    return shares / shares.sum()


def _categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(probabilities / probabilities.sum()), rng.random(size), side="right")


def _balanced_bernoulli(rng: np.random.Generator, probability: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """0/1 draws with the given marginal probabilities whose count in each group is within one of its
    expectation (systematic sampling in random order).

    Independent draws would add binomial noise of about the size of the confidence intervals to the
    planted rates; with this, a test that the analyses recover them checks for bias, not for luck."""
    chosen = np.zeros(len(probability), dtype=bool)
    for group in np.unique(groups):
        members = rng.permutation(np.flatnonzero(groups == group))
        cumulative = np.cumsum(probability[members]) + rng.random()
        chosen[members] = np.diff(np.floor(cumulative), prepend=np.floor(cumulative[0] - probability[members][0])) > 0
    return chosen


def draw_world(size: WorldSize) -> pl.DataFrame:
    """Ground truth for `size.sessions` sessions (one row each), deterministic for a seed."""
    rng = np.random.default_rng(size.seed)
    n = size.sessions
    # Users with a heavy-tailed number of sessions each.
    per_user = np.minimum(rng.zipf(SESSIONS_PER_USER_ZIPF, size=n), MAX_SESSIONS_PER_USER)
    users = int(np.searchsorted(np.cumsum(per_user), n)) + 1
    user_of_session = np.repeat(np.arange(users), per_user[:users])[:n]
    occupation_codes = np.array(list(USER_OCCUPATIONS))
    user_occupation = occupation_codes[_categorical(rng, np.array(list(USER_OCCUPATIONS.values())), users)]
    user_level = _categorical(rng, EXPERTISE_SHARES, users) + 1

    month_index = _categorical(rng, MONTH_WEIGHTS, n)
    mode_index = np.empty(n, dtype=np.int64)
    for m in range(len(MONTHS)):
        in_month = month_index == m
        mode_index[in_month] = _categorical(rng, _month_mode_shares(m), int(in_month.sum()))
    modes = np.array(WORK_MODES)[mode_index]

    keep_level = rng.random(n) < EXPERTISE_PERSISTENCE
    level = np.where(keep_level, user_level[user_of_session], _categorical(rng, EXPERTISE_SHARES, n) + 1)
    k = level - 1

    growth = np.array([VALUE_GROWTH.get(m, VALUE_GROWTH_OTHER) for m in modes])
    log_value = (
        np.log([VALUE_LOG_MEDIAN[m] for m in modes])
        + np.log1p(growth) * month_index / (len(MONTHS) - 1)
        + VALUE_PER_LEVEL * (level - EXPERTISE_SHARES @ np.arange(1, 6))
    )
    value_usd = np.clip(np.exp(log_value + VALUE_LOG_SD * rng.standard_normal(n)), VALUE_TIERS[1][0], VALUE_TIERS[4][1])
    band = value_tier(value_usd)
    # Cell effects on verified success, centred on zero over the sample so the adjusted rates stay
    # the published ones; experts take on larger jobs, so raw rates by level are confounded.
    cell_shift = (
        np.array([VERIFIED_SHIFT_BY_BAND[b] for b in band])
        + np.array([VERIFIED_SHIFT_BY_MODE[m] for m in modes])
        + VERIFIED_SHIFT_PER_MONTH * month_index
    )
    cell_shift = cell_shift - cell_shift.mean()

    no_goal = rng.random(n) < NO_CLEAR_GOAL
    verified_probability = VERIFIED_SUCCESS[k] + cell_shift
    verified = _balanced_bernoulli(rng, verified_probability, groups=np.where(no_goal, 0, level))
    # Judged success keeps its published rate: verified sessions, plus others drawn to make up J_k.
    other_success = rng.random(n) < (JUDGED_SUCCESS[k] - verified_probability) / (1 - verified_probability)
    succeeded = verified | other_success
    partial = ~succeeded & (rng.random(n) < (AT_LEAST_PARTIAL[k] - JUDGED_SUCCESS[k]) / (1 - JUDGED_SUCCESS[k]))
    outcome_index = np.where(no_goal, 3, np.where(succeeded, 0, np.where(partial, 1, 2)))
    outcomes = np.array(OUTCOMES)[outcome_index]
    succeeded = outcome_index == 0
    hard = verified

    # Signal strength by outcome. Validation targets (MEASURES): P(judged success) rises ~13% -> 90%
    # across success signal 1 -> 5 and falls ~85% -> 3% across failure signal 1 -> 5.
    success_signal = np.empty(n, dtype=np.int64)
    success_signal[succeeded & hard] = np.where(rng.random(int((succeeded & hard).sum())) < 0.3, 5, 4)
    for rows, probabilities in (
        (succeeded & ~hard, SUCCESS_SIGNAL_SOFT),
        (outcome_index == 1, SUCCESS_SIGNAL_PARTIAL),
        (outcome_index == 2, SUCCESS_SIGNAL_FAILED),
        (outcome_index == 3, SUCCESS_SIGNAL_NO_GOAL),
    ):
        success_signal[rows] = _categorical(rng, probabilities, int(rows.sum()))
    failure_signal = np.empty(n, dtype=np.int64)
    for rows, probabilities in (
        (succeeded & hard, FAILURE_SIGNAL_VERIFIED),
        (succeeded & ~hard, FAILURE_SIGNAL_SOFT_SUCCESS),
        (outcome_index == 1, FAILURE_SIGNAL_PARTIAL),
        (outcome_index == 2, FAILURE_SIGNAL_FAILED),
        (outcome_index == 3, FAILURE_SIGNAL_NO_GOAL),
    ):
        failure_signal[rows] = _categorical(rng, probabilities, int(rows.sum()))

    code_p = np.array([CODE_PROBABILITY[m] for m in modes])
    # A session that fails after trouble has usually tried to change code; the ones that did not are
    # abandoned, and failing novices give up before writing anything far more often.
    failed_in_trouble = (outcome_index == 2) & (failure_signal >= 3)
    code_p = np.where(failed_in_trouble, 1 - (1 - code_p) * TRIED_CODE_FACTOR, code_p)
    gave_up = failed_in_trouble & (rng.random(n) < np.where(level == 1, GAVE_UP_NOVICE, GAVE_UP_OTHERS))
    wrote_code = (rng.random(n) < code_p) & ~gave_up

    planning = rng.beta(*PLANNING_BETA, n)
    agent_dominant = rng.random(n) < EXECUTION_AGENT_DOMINANT
    execution = np.where(agent_dominant, 0.0, rng.beta(*EXECUTION_BETA, n))

    planning_decisions = rng.integers(PLANNING_DECISIONS[0], PLANNING_DECISIONS[1] + 1, n)
    user_planning_decisions = np.rint(planning * planning_decisions).astype(np.int64)
    execution_decisions = rng.integers(EXECUTION_DECISIONS[0], EXECUTION_DECISIONS[1] + 1, n)
    user_execution_decisions = np.rint(execution * execution_decisions).astype(np.int64)

    step = k / 4.0
    actions = np.exp(
        np.log(ACTIONS_GEOMEAN[0])
        + step * np.log(ACTIONS_GEOMEAN[1] / ACTIONS_GEOMEAN[0])
        + ACTIONS_LOG_SD * rng.standard_normal(n)
    )
    words = np.exp(
        np.log(WORDS_GEOMEAN[0])
        + step * np.log(WORDS_GEOMEAN[1] / WORDS_GEOMEAN[0])
        + WORDS_LOG_SD * rng.standard_normal(n)
    )
    turns = rng.geometric(TURNS_GEOMETRIC_P, n)
    # Whole tool calls. Writing code takes at least one; so does hard evidence in a one-prompt session,
    # where no later prompt can carry an affirmation or a complaint.
    calls_needed = wrote_code.astype(np.int64) + ((turns == 1) & ((success_signal >= 4) | (failure_signal >= 4)))
    tool_calls = np.maximum(np.rint(actions * turns).astype(np.int64), calls_needed)
    output_words = np.maximum(np.rint(words * turns).astype(np.int64), 1)

    occupation_signalled = rng.random(n) >= OCCUPATION_UNSIGNALLED
    work_occupation = np.where(
        np.isin(modes, ["communicate", "analyze"]) & (rng.random(n) < 0.6),
        user_occupation[user_of_session],
        SOFTWARE_OCCUPATION,
    )

    return pl.DataFrame(
        {
            "session_index": np.arange(n),
            "user_index": user_of_session,
            "month": [MONTHS[i] for i in month_index],
            "work_mode": modes,
            "expertise": level,
            "expertise_signalled": rng.random(n) >= EXPERTISE_UNCLEAR,
            "occupation_user": user_occupation[user_of_session],
            "occupation_signalled": occupation_signalled,
            "occupation_work": work_occupation,
            "outcome": outcomes,
            "success_signal": success_signal,
            "failure_signal": failure_signal,
            "wrote_code": wrote_code,
            "planning_decisions": planning_decisions,
            "user_planning_decisions": user_planning_decisions,
            "execution_decisions": execution_decisions,
            "user_execution_decisions": user_execution_decisions,
            "user_planning_share": user_planning_decisions / planning_decisions,
            "user_execution_share": user_execution_decisions / execution_decisions,
            "human_turns": turns,
            "tool_calls": tool_calls,
            "output_words": output_words,
            "actions_per_prompt": tool_calls / turns,
            "words_per_prompt": output_words / turns,
            "value_usd": value_usd,
            "value_tier": value_tier(value_usd),
        }
    )


def as_labels(truth: pl.DataFrame) -> pl.DataFrame:
    """The planted world as the warehouse's `session_measures` would hold it under a perfect classifier:
    what the text carries no signal for is null (unclear), the cluster is the user, and the derived
    measures come from their one definition. Telemetry the world does not plant (model, model calls,
    duration) is NULL, as it is for an agent whose transcripts do not record it."""
    from sessionlab_assets.derived import ALL as DERIVED

    return truth.select(
        session_id=pl.format("planted-{}", pl.col("session_index")),
        user_key=pl.col("user_index").cast(pl.Utf8),
        month=pl.col("month"),
        headless=pl.lit(False),
        human_turns=pl.col("human_turns"),
        tool_calls=pl.col("tool_calls"),
        actions_per_prompt=pl.col("actions_per_prompt"),
        output_words_per_prompt=pl.col("words_per_prompt"),
        wrote_code=pl.col("wrote_code"),
        work_mode=pl.col("work_mode"),
        expertise=pl.when(pl.col("expertise_signalled")).then(pl.col("expertise")),
        occupation_user=pl.when(pl.col("occupation_signalled")).then(pl.col("occupation_user")),
        occupation_work=pl.col("occupation_work"),
        outcome=pl.col("outcome"),
        success_signal=pl.col("success_signal"),
        failure_signal=pl.col("failure_signal"),
        user_planning_share=pl.col("user_planning_share"),
        user_execution_share=pl.col("user_execution_share"),
        value_usd=pl.col("value_usd"),
        value_tier=pl.col("value_tier"),
        model_family=pl.lit(None, pl.Utf8),
        model_calls=pl.lit(None, pl.Int64),
        duration_seconds=pl.lit(None, pl.Float64),
    ).with_columns(*DERIVED)


def with_drawn_telemetry(labels: pl.DataFrame, seed: int) -> pl.DataFrame:
    """`as_labels` plus the session_measures columns the world does not plant, drawn at random and
    independent of every label (model, duration, model calls, lines changed), with the bookkeeping
    columns: a full `session_measures` frame for exercising the analyses at any size without
    rendering transcripts. Nothing in it is evidence about the planted effects."""
    rng = np.random.default_rng(seed)
    n = labels.height
    return labels.with_columns(
        model_calls=pl.col("tool_calls") + pl.col("human_turns"),
        lines_added=pl.when(pl.col("wrote_code")).then(pl.Series(rng.integers(1, 200, n))).otherwise(0),
        lines_removed=pl.Series(rng.integers(0, 3, n)),
        model_family=pl.Series(rng.choice(["claude-opus", "claude-sonnet", "claude-haiku"], n)),
        duration_seconds=pl.Series(rng.lognormal(7.5, 1.0, n)),
        codebase_relationship=pl.lit(None, pl.Utf8),
        backend=pl.lit("planted"),
        labels_ok=pl.lit(10),
        labels_error=pl.lit(0),
    )
