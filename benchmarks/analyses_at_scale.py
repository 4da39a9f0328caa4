"""Every analysis at the report's scale, beside pyfixest running the same regressions.

    python benchmarks/analyses_at_scale.py [--sessions 400000] [--seed 20260601]

Draws planted sessions (sample world labels plus random telemetry) into a temporary warehouse, then:
1. materialises all six analysis assets through Dagster in a child process, and reports wall time per
   asset, total wall time and the child's peak RSS;
2. in this process, times the regressions alone — Table A1 (6 specifications), Table A2 (6 step
   functions), Figure 5 (9 outcome x panel fits), activity (2 log-linear slopes, 2 step models, 2
   Poisson) — as the assets run them (linearmodels AbsorbingLS; Newton-Raphson Poisson), and with pyfixest
   (feols/fepois,
   CRV1 by user) on the same frames, and prints both and their ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
import warnings
from pathlib import Path

import duckdb
import polars as pl

from sessionlab_assets import warehouse
from sessionlab_assets.analyses import activity, adjusted_rates
from sessionlab_assets.analyses.frame import restrict, with_cells
from sessionlab_assets.progress import console_log_level
from sessionlab_assets.sample import world

QUIET = console_log_level("WARNING")  # not a DEBUG line per Dagster event


def _write_warehouse(path: Path, sessions: int, seed: int) -> pl.DataFrame:
    measures = world.with_drawn_telemetry(
        world.as_labels(world.draw_world(world.WorldSize(sessions=sessions, seed=seed))), seed=seed
    )
    with duckdb.connect(str(path)) as conn:
        warehouse.ensure_schema(conn)
        conn.register("incoming", measures.select(warehouse.table_columns(conn, "session_measures")))
        conn.execute("INSERT INTO session_measures BY NAME SELECT * FROM incoming")
    return measures


def _materialise(db: str, queue) -> None:
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from sessionlab_assets.analyses.assets import ASSETS, AnalysisSettings

    started = time.perf_counter()
    result = dg.materialize(
        ASSETS,
        resources={"warehouse_db": DuckDBResource(database=db), "analysis_settings": AnalysisSettings()},
        run_config=QUIET,
    )
    wall = time.perf_counter() - started
    steps = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    queue.put(
        {
            "success": result.success,
            "wall": wall,
            "steps": steps,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _regressions_ours(frame: pl.DataFrame, activity_frame: pl.DataFrame) -> None:
    adjusted_rates.table_a1(frame)
    adjusted_rates.table_a2(frame)
    adjusted_rates.figure5(frame)
    activity.regressions(activity_frame)


def _regressions_pyfixest(frame: pl.DataFrame, activity_frame: pl.DataFrame) -> None:
    import pyfixest as pf

    options = dict(vcov={"CRV1": "user_key"}, ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=True), fixef_rm="none")
    levels = [f"level_{lv}" for lv in range(2, 6)]
    data = frame.with_columns(
        pl.col(adjusted_rates.FIGURE5_PANELS["trouble"]).cast(pl.Float64),
        *((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in range(2, 6)),
    ).to_pandas()

    def formula(outcome: str, regressors: list[str], spec: adjusted_rates.Specification) -> str:
        fixed = f" | {' + '.join(spec.fixed_effects)}" if spec.fixed_effects else ""
        return f"{outcome} ~ {' + '.join([*regressors, *spec.controls])}{fixed}"

    for spec in adjusted_rates.SPECIFICATIONS.values():
        pf.feols(formula("verified_success", ["expertise"], spec), data=data, **options)
        pf.feols(formula("verified_success", levels, spec), data=data, **options)
    trouble = data[data["hit_trouble"]]
    for panel, outcomes in adjusted_rates.FIGURE5_PANELS.items():
        for outcome in outcomes:
            pf.feols(
                formula(outcome, levels, adjusted_rates.PREFERRED), data=data if panel == "all" else trouble, **options
            )
    fixed = " + ".join(activity.FIXED_EFFECTS)
    act = activity_frame.with_columns(
        *((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in range(2, 6)),
        pl.col("value_band").cast(pl.Utf8),
    ).to_pandas()
    for measure in activity.MEASURES:
        logged = act[act[measure] > 0].assign(log_measure=lambda d, m=measure: __import__("numpy").log(d[m]))
        pf.feols(f"log_measure ~ expertise | {fixed}", data=logged, **options)
        pf.feols(f"log_measure ~ {' + '.join(levels)} | {fixed}", data=logged, **options)
        pf.fepois(f"{measure} ~ expertise | {fixed}", data=act, **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=world.WorldSize(1).seed)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "warehouse.duckdb")
        started = time.perf_counter()
        measures = _write_warehouse(Path(db), args.sessions, args.seed)
        print(f"sessions: {measures.height:,}; drawn and written in {time.perf_counter() - started:.1f}s")

        queue = multiprocessing.get_context("spawn").Queue()
        child = multiprocessing.get_context("spawn").Process(target=_materialise, args=(db, queue))
        child.start()
        report = queue.get()
        child.join()
        print(
            f"\nall six analysis assets through Dagster: {report['wall']:.1f}s wall, peak RSS "
            f"{report['peak_rss_mb']:.0f} MB, "
            f"success={report['success']}"
        )
        for step, seconds in sorted(report["steps"].items(), key=lambda kv: -kv[1]):
            print(f"  {step:<24} {seconds:6.1f}s")

    cells = with_cells(measures)
    frame = restrict(cells, "bench", adjusted_rates.SAMPLE_RULES)[0]
    activity_frame = restrict(cells, "bench", activity.SAMPLE_RULES)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _regressions_pyfixest(frame.head(2_000), activity_frame.head(2_000))  # warm-up: imports and JIT compilation
        timings = {}
        for name, run in (("sessionlab", _regressions_ours), ("pyfixest", _regressions_pyfixest)):
            started = time.perf_counter()
            run(frame, activity_frame)
            timings[name] = time.perf_counter() - started
    ours, reference = timings["sessionlab"], timings["pyfixest"]
    print(f"\nthe same 27 regressions on {frame.height:,} (success) and {activity_frame.height:,} (activity) sessions:")
    print(f"  sessionlab (linearmodels)   {ours:6.1f}s")
    print(f"  pyfixest                    {reference:6.1f}s")
    print(f"  ratio ours / pyfixest       {ours / reference:6.2f}")


if __name__ == "__main__":
    main()
