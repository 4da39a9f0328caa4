"""The report's analyses as assets over all months of `session_measures`.

Each asset reads the warehouse's `session_measures`, applies its sample rules (counted in
`analysis_samples`), computes its tables, suppresses cells with fewer than `min_users` distinct users
(counted in `analysis_suppressions`), and replaces its tables in one transaction. Key numbers are float
metadata, so the Dagster UI charts them across materialisations.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets.analyses import activity, adjusted_rates, composition, division, occupation, validation
from sessionlab_assets.analyses.estimators import COVARIANCE, OLS_ESTIMATOR
from sessionlab_assets.analyses.publication import AnalysisSettings, Publication
from sessionlab_assets.metadata import markdown_table

GROUP = "analyses"
COMPUTED_IN = "tables computed in"  # the label of the code reference to an analysis's module
KINDS = {"duckdb", "python"}


def _as_month(table: pl.DataFrame) -> pl.DataFrame:
    return table.with_columns(month=(pl.col("month_label") + "-01").str.to_date()).drop("month_label")


def _float(value) -> dg.MetadataValue:
    return dg.MetadataValue.float(float(value)) if value is not None else dg.MetadataValue.float(float("nan"))


def _lookup(table: pl.DataFrame, column: str, **where) -> float | None:
    rows = table.filter(*(pl.col(k) == v for k, v in where.items()))
    return rows[column][0] if rows.height else None


def analysis_asset(name: str, module: ModuleType, description: str, checks: Sequence[tuple[str, str]] = ()) -> Callable:
    """`module`: where the analysis's tables are computed, linked from the asset in the UI beside the asset's
    own code. `checks`: (name, description) of the asset's checks, reported by the asset itself."""
    computed_in = dg.LocalFileCodeReference(file_path=str(module.__file__), line_number=1, label=COMPUTED_IN)
    return dg.asset(
        name=name,
        deps=["session_measures"],
        group_name=GROUP,
        kinds=KINDS,
        pool="warehouse",
        description=description,
        metadata={"dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[computed_in])},
        check_specs=[dg.AssetCheckSpec(check, asset=name, description=text) for check, text in checks],
    )


@analysis_asset(
    "composition_trends",
    composition,
    "Work-mode shares per month with user-clustered CIs, value by mode by month, "
    "and the change from the first month to the last (Figure 4).",
    checks=[("shares_sum_to_one", "In every month the work-mode shares add up to 1 (before suppression).")],
)
def composition_trends(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("composition_trends", warehouse_db, analysis_settings)
    rows = out.sample(composition.SAMPLE_RULES)
    unsuppressed = composition.mode_shares(rows)
    totals = unsuppressed.group_by("month_label").agg(pl.col("share").sum())
    worst = float((totals["share"] - 1).abs().max() or 0.0)
    shares = out.add("analysis_mode_shares", _as_month(unsuppressed), ["share", "se", "ci_low", "ci_high"])
    out.add(
        "analysis_mode_value",
        _as_month(composition.mode_value(rows)),
        ["mean_value_usd", "se", "ci_low", "ci_high", "tier_1_share", "tier_2_share", "tier_3_share", "tier_4_share"],
    )
    change = out.add(
        "analysis_composition_change",
        composition.composition_change(rows),
        list(composition.CHANGE_VALUES),
    )
    metadata = out.write()
    for category in ("fix", "operate", "analyze + communicate", "build"):
        key = category.replace(" + ", "_")
        metadata[f"{key}_share_first"] = _float(_lookup(change, "first_value", category=category, measure="share"))
        metadata[f"{key}_share_last"] = _float(_lookup(change, "last_value", category=category, measure="share"))
    metadata["mean_value_change_relative"] = _float(
        _lookup(change, "relative_change", category="all", measure="mean_value_usd")
    )
    metadata["shares_by_month"] = markdown_table(
        shares.pivot(on="work_mode", index="month", values="share")
        .sort("month")
        .with_columns(pl.selectors.float().round(3)),
        24,
    )
    metadata["change"] = markdown_table(
        change.select("category", "measure", "first_value", "last_value", "change", "ci_low", "ci_high").with_columns(
            pl.selectors.float().round(3)
        ),
        30,
    )
    check = dg.AssetCheckResult(
        check_name="shares_sum_to_one",
        passed=worst < 1e-9,
        metadata={"largest_deviation": dg.MetadataValue.float(worst)},
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


@analysis_asset(
    "adjusted_success_rates",
    adjusted_rates,
    "Success by expertise: Table A1 (per-level slope, six specifications), Table A2 "
    "(recycled-prediction rates) and Figure 5 (all sessions and sessions that hit trouble). "
    f"{OLS_ESTIMATOR}; {COVARIANCE}.",
    checks=[
        (
            "specifications_estimated",
            "Every column of Table A1 could be estimated on the data (else its note says why).",
        )
    ],
)
def adjusted_success_rates(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("adjusted_success_rates", warehouse_db, analysis_settings)
    rows = out.sample(adjusted_rates.SAMPLE_RULES)
    a1 = out.add(
        "analysis_expertise_slopes",
        adjusted_rates.table_a1(rows),
        ["slope", "se", "ci_low", "ci_high", "r2", "fixed_effect_cells"],
    )
    rates = pl.concat(
        [adjusted_rates.table_a2(rows).with_columns(panel=pl.lit("table_a2")), adjusted_rates.figure5(rows)],
        how="diagonal_relaxed",
    )
    rates = out.add("analysis_adjusted_rates", rates, ["share", "raw_rate", "rate", "se", "ci_low", "ci_high"])
    metadata = out.write()
    preferred = adjusted_rates.PREFERRED.number
    metadata["slope_preferred"] = _float(_lookup(a1, "slope", specification=preferred))
    metadata["slope_preferred_se"] = _float(_lookup(a1, "se", specification=preferred))
    for level in range(1, 6):
        metadata[f"verified_success_level_{level}"] = _float(
            _lookup(rates, "rate", panel="table_a2", specification=preferred, expertise=level)
        )
    metadata["table_a1"] = markdown_table(
        a1.select(
            "specification", "fixed_effects", "slope", "se", "sessions", "users", "fixed_effect_cells", "r2", "note"
        ).with_columns(pl.selectors.float().round(4))
    )
    metadata["figure_5"] = markdown_table(
        rates.filter(pl.col("panel") != "table_a2")
        .pivot(on="expertise", index=["panel", "outcome"], values="rate")
        .with_columns(pl.selectors.float().round(3)),
        12,
    )
    unestimated = a1.filter(pl.col("note").is_not_null())
    check = dg.AssetCheckResult(
        check_name="specifications_estimated",
        passed=unestimated.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"not_estimated": markdown_table(unestimated.select("specification", "note"))},
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[check])


@analysis_asset(
    "expertise_activity",
    activity,
    "Actions and output words per prompt by expertise: box statistics with geometric "
    "means, log-linear regressions with controls (exp(b) - 1), Poisson pseudo-ML as a check (Figure 3).",
)
def expertise_activity(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("expertise_activity", warehouse_db, analysis_settings)
    rows = out.sample(activity.SAMPLE_RULES)
    boxes = out.add(
        "analysis_activity_boxes",
        activity.box_statistics(rows),
        ["p5", "p25", "p50", "p75", "p95", "mean", "geometric_mean", "zero_sessions"],
    )
    effects = out.add(
        "analysis_activity_regressions",
        activity.regressions(rows),
        ["coefficient", "se", "effect", "effect_ci_low", "effect_ci_high", "p_value"],
    )
    metadata = out.write()
    for measure in activity.MEASURES:
        metadata[f"{measure}_effect_per_level"] = _float(
            _lookup(effects, "effect", measure=measure, estimator="log-linear OLS", term="per level")
        )
        metadata[f"{measure}_geomean_novice"] = _float(_lookup(boxes, "geometric_mean", measure=measure, expertise=1))
        metadata[f"{measure}_geomean_expert"] = _float(_lookup(boxes, "geometric_mean", measure=measure, expertise=5))
    metadata["effects"] = markdown_table(
        effects.select(
            "measure", "estimator", "term", "effect", "effect_ci_low", "effect_ci_high", "p_value"
        ).with_columns(pl.selectors.float().round(4)),
        20,
    )
    return dg.MaterializeResult(metadata=metadata)


@analysis_asset(
    "division_of_labour",
    division,
    "Distributions of the agent's share of planning and execution decisions, and "
    "actions per prompt by who controls which (Figure 2).",
)
def division_of_labour(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("division_of_labour", warehouse_db, analysis_settings)
    rows = out.sample(division.SAMPLE_RULES)
    out.add("analysis_decision_shares", division.share_distributions(rows), ["share"])
    summary = out.add(
        "analysis_decision_summary", division.share_summary(rows), ["mean", "se", "ci_low", "ci_high", "median"]
    )
    regimes = out.add(
        "analysis_control_regimes",
        division.actions_by_regime(rows),
        [
            "mean_actions_per_prompt",
            "se",
            "ci_low",
            "ci_high",
            "geometric_mean_actions_per_prompt",
            "median_actions_per_prompt",
        ],
    )
    metadata = out.write()
    metadata["user_planning_share_mean"] = _float(_lookup(summary, "mean", decision="planning", who="user"))
    metadata["user_execution_share_mean"] = _float(_lookup(summary, "mean", decision="execution", who="user"))
    metadata["regimes"] = markdown_table(regimes.with_columns(pl.selectors.float().round(2)))
    return dg.MaterializeResult(metadata=metadata)


@analysis_asset(
    "occupation_success",
    occupation,
    "Verified, judged and at-least-partial success for the ten largest user occupations in "
    "code-producing sessions, and software against other occupations by month; CIs clustered on users (Figure 6).",
)
def occupation_success(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("occupation_success", warehouse_db, analysis_settings)
    rows = out.sample(occupation.SAMPLE_RULES)
    table = out.add(
        "analysis_occupation_success", occupation.success_by_occupation(rows), ["rate", "se", "ci_low", "ci_high"]
    )
    metadata = out.write()
    for scope, key in ((occupation.CODE_PRODUCING, "code_producing"), (occupation.ALL_SESSIONS, "all")):
        for group in ("software", "other"):
            metadata[f"verified_success_{key}_{group}"] = _float(
                _lookup(
                    table,
                    "rate",
                    scope=scope,
                    grouping="software vs other",
                    period=occupation.ALL_MONTHS,
                    group_name=group,
                    measure="verified_success",
                )
            )
    metadata["largest_groups"] = markdown_table(
        table.filter(pl.col("grouping") == "occupation")
        .pivot(on="measure", index=["group_name", "group_title"], values="rate")
        .with_columns(pl.selectors.float().round(3))
    )
    return dg.MaterializeResult(metadata=metadata)


@analysis_asset(
    "classifier_validation",
    validation,
    "Work mode against telemetry (lines changed), judged success by signal strength, and "
    "agreement with a gold-label file (SESSIONLAB_GOLD_LABELS): exact, adjacent, kappa, weighted kappa, confusion.",
)
def classifier_validation(warehouse_db: DuckDBResource, analysis_settings: AnalysisSettings) -> dg.MaterializeResult:
    out = Publication("classifier_validation", warehouse_db, analysis_settings)
    modes = out.add(
        "analysis_validation_modes",
        validation.modes_against_telemetry(out.sample(validation.MODE_RULES, "modes")),
        ["code_changed_share", "se", "ci_low", "ci_high"],
    )
    signals = out.add(
        "analysis_validation_signals",
        validation.judged_success_by_signal(out.sample(validation.SIGNAL_RULES, "signals")),
        ["judged_success_rate", "se", "ci_low", "ci_high"],
    )
    gold_file = analysis_settings.gold_labels
    # Without a gold file the agreement tables are emptied, so no stale agreement outlives its file.
    agreement, confusion = (
        pl.DataFrame(schema=validation.AGREEMENT_SCHEMA),
        pl.DataFrame(schema=validation.CONFUSION_SCHEMA),
    )
    if gold_file:
        try:
            gold = validation.read_gold(Path(gold_file).expanduser())
        except validation.GoldFileError as error:
            raise dg.Failure(str(error)) from error
        with warehouse_db.get_connection() as conn:
            files = conn.sql("SELECT source_file, session_id FROM sessions").pl()
        keyed = out.measures.select("session_id").join(files, on="session_id", how="left")
        unmatched = validation.none_in_the_warehouse(gold, keyed[validation.gold_key(gold)].drop_nulls())
        if unmatched:
            raise dg.Failure(f"gold-label file {gold_file} (SESSIONLAB_GOLD_LABELS): {unmatched}")
        agreement, confusion = validation.gold_agreement(out.measures, validation.keyed_by_session(gold, files))
    out.add(
        "analysis_gold_agreement",
        agreement.with_columns(gold_file=pl.lit(gold_file)),
        [c for c, dtype in validation.AGREEMENT_SCHEMA.items() if dtype == pl.Float64],
    )
    out.add("analysis_gold_confusion", confusion, [])
    metadata = out.write()
    metadata["code_writing_modes_code_changed"] = _float(
        _lookup(modes, "code_changed_share", work_mode=validation.CODE_WRITING)
    )
    for signal in ("success_signal", "failure_signal"):
        for level in (1, 5):
            metadata[f"judged_success_at_{signal}_{level}"] = _float(
                _lookup(signals, "judged_success_rate", signal=signal, level=level)
            )
    metadata["gold_labels"] = dg.MetadataValue.text(gold_file or "(none configured: set SESSIONLAB_GOLD_LABELS)")
    if gold_file:
        metadata["agreement"] = markdown_table(
            out.tables["analysis_gold_agreement"].drop("gold_file").with_columns(pl.selectors.float().round(3))
        )
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [
    composition_trends,
    adjusted_success_rates,
    expertise_activity,
    division_of_labour,
    occupation_success,
    classifier_validation,
]
