"""Classifier validation (the report's appendix): labels against telemetry, judged success against the
evidence scales, and agreement with a gold-label file the user supplies.

- Work mode against telemetry: the share of sessions with lines added or removed, per mode; the
  code-writing modes should nearly always change code.
- Judged success by success-signal level and by failure-signal level (report: ~13% -> 90% across
  success signal 1 -> 5, ~85% -> 3% across failure signal 1 -> 5).
- Gold labels: a CSV or Parquet file with `session_id` and any of the label columns in `GOLD_SCALES`;
  exact agreement and Cohen's kappa for every label, adjacent agreement and quadratic-weighted kappa for
  ordinal ones, and the confusion matrix. Exact agreement and both kappas carry a 95% percentile
  bootstrap interval that resamples people (`agreement.figures`): a labelled set is often a
  few hundred sessions, and the interval says how far its figures could move on another such set.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from sessionlab_assets.analyses.estimators import clustered_means
from sessionlab_assets.analyses.frame import HAS_GOAL, NOT_HEADLESS, labelled
from sessionlab_assets.classify.agreement import accuracy, adjacent_agreement, cohen_kappa, figures
from sessionlab_assets.labels import (
    CODE_WRITING_MODES,
    CODEBASE_RELATIONSHIPS,
    EXPERTISE_LEVELS,
    OUTCOMES,
    SIGNAL_LEVELS,
    SOC_MAJOR_GROUPS,
    VALUE_TIERS,
    WORK_MODES,
)

MODE_RULES = (NOT_HEADLESS, labelled("work_mode"))
SIGNAL_RULES = (NOT_HEADLESS, labelled("outcome", "success_signal", "failure_signal"), HAS_GOAL)
CODE_WRITING = "code-writing modes"
OTHER_MODES = "other modes"

# Label columns a gold file may carry: their categories, and whether the scale is ordinal.
GOLD_SCALES: dict[str, tuple[tuple, bool]] = {
    "work_mode": (WORK_MODES, False),
    "codebase_relationship": (CODEBASE_RELATIONSHIPS, False),
    "expertise": (EXPERTISE_LEVELS, True),
    "occupation_user": (tuple(SOC_MAJOR_GROUPS), False),
    "occupation_work": (tuple(SOC_MAJOR_GROUPS), False),
    "outcome": (OUTCOMES, False),
    "success_signal": (SIGNAL_LEVELS, True),
    "failure_signal": (SIGNAL_LEVELS, True),
    "value_tier": (tuple(VALUE_TIERS), True),
}


AGREEMENT_SCHEMA = {
    "label": pl.Utf8,
    "gold_sessions": pl.Int64,
    "sessions": pl.Int64,
    "users": pl.Int64,
    "exact": pl.Float64,
    "exact_low": pl.Float64,
    "exact_high": pl.Float64,
    "adjacent": pl.Float64,
    "kappa": pl.Float64,
    "kappa_low": pl.Float64,
    "kappa_high": pl.Float64,
    "weighted_kappa": pl.Float64,
    "weighted_kappa_low": pl.Float64,
    "weighted_kappa_high": pl.Float64,
}
CONFUSION_SCHEMA = {"label": pl.Utf8, "gold": pl.Utf8, "predicted": pl.Utf8, "sessions": pl.Int64, "users": pl.Int64}


class GoldFileError(ValueError):
    pass


def modes_against_telemetry(frame: pl.DataFrame) -> pl.DataFrame:
    changed = frame.with_columns(
        code_changed=((pl.col("lines_added") + pl.col("lines_removed")) > 0).cast(pl.Float64),
        mode_group=pl.when(pl.col("work_mode").is_in(CODE_WRITING_MODES))
        .then(pl.lit(CODE_WRITING))
        .otherwise(pl.lit(OTHER_MODES)),
    )
    per_mode = clustered_means(changed, "code_changed", ["work_mode"], proportion=True)
    per_group = clustered_means(changed, "code_changed", ["mode_group"], proportion=True).rename(
        {"mode_group": "work_mode"}
    )
    return (
        pl.concat([per_mode, per_group])
        .rename({"mean": "code_changed_share"})
        .with_columns(code_writing_mode=pl.col("work_mode").is_in([*CODE_WRITING_MODES, CODE_WRITING]))
    )


def judged_success_by_signal(frame: pl.DataFrame) -> pl.DataFrame:
    parts = [
        clustered_means(frame, "judged_success", [signal], proportion=True)
        .rename({signal: "level", "mean": "judged_success_rate"})
        .with_columns(signal=pl.lit(signal), level=pl.col("level").cast(pl.Int32))
        for signal in ("success_signal", "failure_signal")
    ]
    return pl.concat(parts).select(
        "signal", "level", "sessions", "users", "judged_success_rate", "se", "ci_low", "ci_high"
    )


# Values labelled sets write for our labels: an abstention, and the short codebase names.
GOLD_ALIASES: dict[str, dict[str, str | None]] = {
    "expertise": {"unclear": None},
    "occupation_user": {"unclear": None},
    "codebase_relationship": {
        "modify": "modify_existing",
        "explore": "explore_code",
        "create": "create_from_scratch",
        "none": "not_in_codebase",
    },
}
GOLD_KEYS = ("session_id", "source_file")  # a labelled set names sessions by our id or by their file


def read_gold(path: Path) -> pl.DataFrame:
    """The labels of a CSV, Parquet or JSON-lines file keyed by `session_id` or `source_file` (the path under
    the source root), with abstentions ("unclear") as NULL and short codebase names mapped to ours."""
    if not path.is_file():
        raise GoldFileError(f"gold-label file {path} does not exist (SESSIONLAB_GOLD_LABELS)")
    try:
        if path.suffix == ".parquet":
            gold = pl.read_parquet(path)
        elif path.suffix in (".jsonl", ".ndjson"):
            gold = pl.read_ndjson(path, infer_schema_length=None)
        else:
            gold = pl.read_csv(path, infer_schema_length=None)
    except Exception as error:  # a malformed file: say which and why
        raise GoldFileError(f"gold-label file {path} could not be read: {error}") from error
    if not any(k in gold.columns for k in GOLD_KEYS):
        raise GoldFileError(f"gold-label file {path} has no session_id or source_file column (columns: {gold.columns})")
    key = gold_key(gold)
    labels = [c for c in gold.columns if c in GOLD_SCALES]
    if not labels:
        raise GoldFileError(f"gold-label file {path} has none of the label columns {sorted(GOLD_SCALES)}")
    if gold[key].is_duplicated().any():
        raise GoldFileError(f"gold-label file {path} lists a {key} more than once")
    gold = gold.with_columns(
        pl.col(column).cast(pl.Utf8).replace(GOLD_ALIASES[column]) for column in labels if column in GOLD_ALIASES
    )
    for column in labels:
        allowed = {str(v) for v in GOLD_SCALES[column][0]}
        bad = sorted({str(v) for v in gold[column].drop_nulls().to_list()} - allowed)
        if bad:
            raise GoldFileError(f"gold-label file {path}: column {column} has values outside its label set: {bad[:5]}")
    return gold.select(key, *labels)


def gold_key(gold: pl.DataFrame) -> str:
    """The column a labelled set names its sessions by."""
    return next(k for k in GOLD_KEYS if k in gold.columns)


def keyed_by_session(gold: pl.DataFrame, files: pl.DataFrame) -> pl.DataFrame:
    """A labelled set keyed by source file, keyed by session id instead (`files`: source_file, session_id).
    A labelled file the warehouse does not hold keeps a NULL id: labelled, and not compared, as a labelled
    session id the warehouse does not hold is."""
    if "session_id" in gold.columns:
        return gold
    return gold.join(files, on="source_file", how="left").drop("source_file")


def none_in_the_warehouse(gold: pl.DataFrame, known: pl.Series) -> str | None:
    """Why a labelled set matches none of the warehouse's labelled sessions (`known`: their keys of the kind
    the set uses), naming a key of each side; None when some match. A set that matches nothing is keyed
    another way than the warehouse, not a set that agrees with nothing, so the check fails rather than
    publish empty agreement."""
    key = gold_key(gold)
    if gold.height == 0 or gold[key].is_in(known.implode()).any():
        return None
    ours = repr(known[0]) if known.len() else "(none: the warehouse has no labelled sessions)"
    hint = " (the path under SESSIONLAB_SOURCE_DIR)" if key == "source_file" else ""
    return (
        f"none of the {gold.height} labelled sessions is in the warehouse: the labels' {key} values look like "
        f"{gold[key][0]!r}, the warehouse's like {ours}; key the labels by the warehouse's {key}{hint}"
    )


def gold_agreement(frame: pl.DataFrame, gold: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Agreement rows (one per label column) and confusion-matrix rows (gold x predicted)."""
    agreement, confusion = [], []
    for column in (c for c in gold.columns if c in GOLD_SCALES):
        categories, ordinal = GOLD_SCALES[column]
        as_text = [str(c) for c in categories]
        pairs = (
            gold.select("session_id", pl.col(column).cast(pl.Utf8).alias("gold"))
            .drop_nulls()
            .join(
                frame.select("session_id", "user_key", pl.col(column).cast(pl.Utf8).alias("predicted")),
                on="session_id",
                how="left",
            )
        )
        matched = pairs.filter(pl.col("predicted").is_not_null())
        row = dict.fromkeys(AGREEMENT_SCHEMA) | {
            "label": column,
            "gold_sessions": pairs.height,
            "sessions": matched.height,
            "users": matched["user_key"].n_unique(),
        }
        if matched.height:
            order = {c: i for i, c in enumerate(as_text)}
            truth = np.array([order[t] for t in matched["gold"]])
            predicted = np.array([order[p] for p in matched["predicted"]])
            people = matched["user_key"].to_numpy()
            levels = list(range(len(as_text)))
            measures = {
                "exact": (accuracy, truth, predicted, people),
                "kappa": (partial(cohen_kappa, categories=levels), truth, predicted, people),
            }
            if ordinal:
                weighted = partial(cohen_kappa, categories=levels, weights="quadratic")
                measures["weighted_kappa"] = (weighted, truth, predicted, people)
            row.update(figures(measures))
            if ordinal:
                row["adjacent"] = adjacent_agreement(truth, predicted)
            confusion.append(
                matched.group_by("gold", "predicted")
                .agg(sessions=pl.len(), users=pl.col("user_key").n_unique())
                .with_columns(label=pl.lit(column))
            )
        agreement.append(row)
    confusion_table = (
        pl.concat(confusion).select(*CONFUSION_SCHEMA).cast(CONFUSION_SCHEMA).sort("label", "gold", "predicted")
        if confusion
        else pl.DataFrame(schema=CONFUSION_SCHEMA)
    )
    return pl.DataFrame(agreement, schema=AGREEMENT_SCHEMA), confusion_table
