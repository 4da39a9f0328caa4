"""How far the offline heuristic backend agrees with real labelled sessions and with the planted labels
of the sample corpus, and what its rules cost in CPU per 1,000 sessions.

    python benchmarks/heuristic_agreement.py [--sessions 3000] [--seed 20260601]
        [--gold ../shared/gold/real_dev_labels.jsonl] [--real-corpus ../shared/corpus/real]

Real sessions: `--gold` (default `../shared/gold/real_dev_labels.jsonl`: sessions of `--real-corpus`,
default `../shared/corpus/real`, labelled with the report's rubrics, keyed by `source_file`, the path
under the corpus folder), scored on all of them and, when the labels carry an id (`gid`), on the two
halves split by its parity, so that rules written while looking at one half can be checked on the other.
A labelled session the corpus does not yield is counted and named, not dropped in silence;
`--sessions 0` leaves out the sample corpus. "unclear" (expertise, occupation) is a category of its own
there, and each side's share of it is printed (`unclear_ours`, `unclear_ref`); for ordinal scales, the
weighted kappa is over the sessions both sides rate, and `adjacent_all` (within one level) over all of
them; codebase labels are mapped to ours (modify -> modify_existing, ...). Besides the classifiers: the
value tier, the decision shares (within 0.2 of the reference, the correlation in the kappa column, each
side's mean), and the report's derived measures verified success and hit trouble
(`sessionlab_assets/derived.py`) computed from each side's labels, with both sides' shares. The
confusion matrix of each classifier over all of them follows (rows: the reference label; columns: the
heuristic's), and, when the labels say how confident the labeller was (`confidence`), exact agreement
at each confidence. Accuracy and both kappas come with 95% bootstrap intervals that resample people
(`agreement.figures`; a person is the corpus's first folder, one repository's sessions, as the ingest's
default user rule has it): on 92 sessions from 34 people they span about ±0.1 for accuracy and ±0.15
for the weighted kappa, so a change of a session or two is within them. The halves split sessions, not
people: a person's sessions can sit in both, so half B is not fully unseen when rules are written on
half A.

Builds a sample corpus in a temporary folder, runs ingest and every classifier measure with the
heuristic backend through Dagster into a temporary warehouse, joins the labels to the planted ground
truth on session id, and prints per classifier: sessions compared, accuracy, Cohen's kappa, and for
ordinal scales adjacent agreement and quadratic-weighted kappa. Planted labels the text carries no
signal for (expertise or profession "unclear") are compared as their own category.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import derived
from sessionlab_assets.classify import agreement, heuristic, rules_agreement
from sessionlab_assets.classify.assets import classify_measures
from sessionlab_assets.classify.inputs import FACT_COLUMNS
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.labels import CODEBASE_RELATIONSHIPS, OUTCOMES, SIGNAL_LEVELS, WORK_MODES
from sessionlab_assets.progress import console_log_level
from sessionlab_assets.report.html import with_intervals
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.sample import corpus

QUIET = console_log_level("WARNING")  # not a DEBUG line per Dagster event

LABELS_SQL = """
SELECT wm.session_id, wm.work_mode, ex.expertise, ou.occupation_user, ow.occupation_work, oc.outcome,
       ss.success_signal, fs.failure_signal, de.user_planning_share, de.user_execution_share, tv.value_tier
FROM work_mode wm
JOIN expertise ex USING (session_id) JOIN occupation_user ou USING (session_id)
JOIN occupation_work ow USING (session_id)
JOIN outcome oc USING (session_id) JOIN success_signal ss USING (session_id) JOIN failure_signal fs USING (session_id)
JOIN decisions de USING (session_id) JOIN task_value tv USING (session_id)
WHERE wm.status <> 'error'
"""


def rules_cpu(conn) -> tuple[int, float]:
    """Sessions, and CPU seconds the rules take to answer every classifier of them (windows read first)."""
    facts = ", ".join(f"s.{c}" for c in FACT_COLUMNS)
    rows_ = conn.sql(
        f"SELECT {facts}, i.window_text FROM sessions s JOIN classifier_inputs i USING (session_id) "
        "WHERE NOT s.headless"
    ).fetchall()
    calls = [
        (name, row[-1], dict(zip(FACT_COLUMNS, (v or 0 for v in row[:-1]), strict=True)))
        for row in rows_
        for name in heuristic.WINDOW_RULES
    ]
    started = time.process_time()
    heuristic._evaluate_many(calls)
    return len(rows_), time.process_time() - started


def run(sessions: int, seed: int) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        corpus.build(root / "sample", sessions=sessions, seed=seed)
        db = root / "w.duckdb"
        started = time.perf_counter()
        result = dg.materialize(
            [ingest_transcripts, classify_measures],
            run_config=QUIET,
            resources={
                "warehouse_db": DuckDBResource(database=str(db)),
                "transcript_source": TranscriptSource(source_dir=str(root / "sample" / corpus.TRANSCRIPTS)),
                "classifier_settings": ClassifierSettings(backend_name="heuristic"),
            },
            tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"},
        )
        assert result.success
        print(f"ingest + heuristic classification of {sessions} sessions: {time.perf_counter() - started:.1f}s")
        with duckdb.connect(str(db), read_only=True) as conn:
            labels = conn.sql(LABELS_SQL).pl()
            n, cpu = rules_cpu(conn)
        print(
            f"sample corpus: the rules take {cpu / n * 1000:.2f} CPU-s per 1,000 sessions ({n} sessions, one process)"
        )
        truth = corpus.read_ground_truth(root / "sample")
    return truth.join(labels, on="session_id", suffix="_label")


def rows(joined: pl.DataFrame) -> list[dict]:
    out = []

    def nominal(name: str, truth: pl.Series, labels: pl.Series, categories=None) -> None:
        t, lab = truth.fill_null("unclear").to_numpy(), labels.fill_null("unclear").to_numpy()
        out.append(
            {
                "classifier": name,
                "sessions": len(t),
                "accuracy": agreement.accuracy(t, lab),
                "kappa": agreement.cohen_kappa(t, lab, categories),
                "adjacent": None,
                "weighted_kappa": None,
            }
        )

    def ordinal(name: str, truth: pl.Series, labels: pl.Series, categories: list) -> None:
        keep = truth.is_not_null() & labels.is_not_null()
        t, lab = truth.filter(keep).to_numpy(), labels.filter(keep).to_numpy()
        out.append(
            {
                "classifier": name,
                "sessions": len(t),
                "accuracy": agreement.accuracy(t, lab),
                "kappa": agreement.cohen_kappa(t, lab, categories),
                "adjacent": agreement.adjacent_agreement(t, lab),
                "weighted_kappa": agreement.cohen_kappa(t, lab, categories, weights="quadratic"),
            }
        )

    j = joined
    nominal("work_mode", j["work_mode"], j["work_mode_label"], list(WORK_MODES))
    expertise_truth = pl.when(j["expertise_signalled"]).then(j["expertise"]).otherwise(None)
    ordinal(
        "expertise (signalled)", j.select(e=expertise_truth)["e"], j["expertise_label"].cast(pl.Int64), [1, 2, 3, 4, 5]
    )
    user_truth = j.select(o=pl.when(pl.col("occupation_signalled")).then(pl.col("occupation_user")))["o"]
    nominal("occupation_user", user_truth, j["occupation_user_label"])
    nominal("occupation_work", j["occupation_work"], j["occupation_work_label"])
    nominal("outcome", j["outcome"], j["outcome_label"], list(OUTCOMES))
    ordinal("success_signal", j["success_signal"], j["success_signal_label"].cast(pl.Int64), list(SIGNAL_LEVELS))
    ordinal("failure_signal", j["failure_signal"], j["failure_signal_label"].cast(pl.Int64), list(SIGNAL_LEVELS))
    ordinal(
        "value_tier (job_price)", j["value_tier"].cast(pl.Int64), j["value_tier_label"].cast(pl.Int64), [1, 2, 3, 4]
    )
    for share in SHARES:
        out.append({**share_agreement(j, share), "adjacent": None, "weighted_kappa": None})
    return out


SHARES = ("user_planning_share", "user_execution_share")


def share_agreement(joined: pl.DataFrame, share: str) -> dict:
    """A decision share against the reference: the sessions within 0.2 of it ("accuracy") and the Pearson
    correlation ("kappa"), over the sessions both sides give a share; each side's mean in the name (a
    share can correlate well and still sit low, and the report's headline is the mean)."""
    keep = joined[share].is_not_null() & joined[f"{share}_label"].is_not_null()
    t, lab = joined[share].filter(keep).to_numpy(), joined[f"{share}_label"].filter(keep).to_numpy()
    means = f"; means {t.mean():.2f} ref, {lab.mean():.2f} ours" if len(t) else ""
    return {
        "classifier": f"decisions: {share} (|error| <= 0.2{means})",
        "sessions": len(t),
        "accuracy": float(np.mean(np.abs(t - lab) <= 0.2)) if len(t) else None,
        "kappa": float(np.corrcoef(t, lab)[0, 1]) if len(t) > 1 and t.std() and lab.std() else None,
    }


SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLD = SHARED / "gold" / "real_dev_labels.jsonl"
REAL = SHARED / "corpus" / "real"
CODEBASE = {
    "modify": "modify_existing",
    "explore": "explore_code",
    "create": "create_from_scratch",
    "none": "not_in_codebase",
}
REAL_SQL = """
SELECT s.source_file, wm.work_mode, cr.codebase_relationship, ex.expertise, ex.status AS expertise_status,
       ou.occupation_user, ow.occupation_work, oc.outcome, ss.success_signal, fs.failure_signal,
       tv.value_tier, de.user_planning_share, de.user_execution_share
FROM sessions s JOIN work_mode wm USING (session_id) JOIN codebase_relationship cr USING (session_id)
JOIN expertise ex USING (session_id) JOIN occupation_user ou USING (session_id)
JOIN occupation_work ow USING (session_id) JOIN outcome oc USING (session_id)
JOIN success_signal ss USING (session_id) JOIN failure_signal fs USING (session_id)
JOIN task_value tv USING (session_id) JOIN decisions de USING (session_id)
"""


def real_labels(corpus_dir: Path) -> pl.DataFrame:
    """The heuristic's labels of the real corpus, by source file."""
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "w.duckdb"
        result = dg.materialize(
            [ingest_transcripts, classify_measures],
            run_config=QUIET,
            resources={
                "warehouse_db": DuckDBResource(database=str(db)),
                "transcript_source": TranscriptSource(source_dir=str(corpus_dir)),
                "classifier_settings": ClassifierSettings(backend_name="heuristic"),
            },
            tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-12"},
        )
        assert result.success
        with duckdb.connect(str(db), read_only=True) as conn:
            n, cpu = rules_cpu(conn)
            print(f"real corpus: the rules take {cpu / n * 1000:.2f} CPU-s per 1,000 sessions ({n} sessions)")
            return conn.sql(REAL_SQL).pl()


# The person behind a labelled session, as the ingest's default rule has it: the corpus's first folder
# (one public repository, one person's sessions; several of the labelled sessions share one).
PEOPLE = IdentityRule("top_folder")


# The labels scored on the real sessions: name, categories in order (None: those seen), ordinal.
SCORED = (
    ("work_mode", list(WORK_MODES), False),
    ("codebase_relationship", None, False),
    ("expertise", [1, 2, 3, 4, 5, "unclear"], True),
    ("occupation_user", None, False),
    ("occupation_work", None, False),
    ("outcome", list(OUTCOMES), False),
    ("success_signal", list(SIGNAL_LEVELS), True),
    ("failure_signal", list(SIGNAL_LEVELS), True),
    ("value_tier", [1, 2, 3, 4], True),
)


def real_rows(gold: pl.DataFrame, labels: pl.DataFrame, half: str) -> list[dict]:
    j = gold.join(labels, on="source_file", suffix="_label")
    out = []
    people = np.array([PEOPLE.raw_user(path) for path in j["source_file"]])
    for name, categories, ordinal in SCORED:
        truth = j[name].cast(pl.Utf8).fill_null("unclear").to_numpy()
        labels_ = j[f"{name}_label"].cast(pl.Utf8).fill_null("unclear").to_numpy()
        kappa = partial(agreement.cohen_kappa, categories=[str(c) for c in categories] if categories else None)
        measures = {
            "accuracy": (agreement.accuracy, truth, labels_, people),
            "kappa": (kappa, truth, labels_, people),
        }
        if ordinal:
            keep = (truth != "unclear") & (labels_ != "unclear")
            t, lab = truth[keep].astype(int), labels_[keep].astype(int)
            levels = [c for c in categories if c != "unclear"]
            weighted = partial(agreement.cohen_kappa, categories=levels, weights="quadratic")
            measures["weighted_kappa"] = (weighted, t, lab, people[keep])
        row = {"half": half, "classifier": name, "sessions": len(truth), **agreement.figures(measures)}
        if ordinal:
            # Within one level, over every session: an abstention on either side counts as a miss, so
            # abstaining on hard sessions cannot raise it (the weighted kappa is over rated pairs only).
            row["adjacent_all"] = float(np.sum(np.abs(t - lab) <= 1)) / len(truth) if len(truth) else None
        if "unclear" in (categories or []) or name == "occupation_user":
            row["unclear_ours"], row["unclear_ref"] = (
                float(np.mean(labels_ == "unclear")),
                float(np.mean(truth == "unclear")),
            )
        out.append(row)
    out += [{"half": half, **share_agreement(j, share)} for share in SHARES]
    out += [{"half": half, **row} for row in derived_agreement(j)]
    return out


DERIVED = (derived.verified_success, derived.hit_trouble)


def derived_agreement(joined: pl.DataFrame) -> list[dict]:
    """The report's derived measures (sessionlab_assets/derived.py) from the reference labels and from the
    heuristic's: agreement, and each side's share of sessions."""
    inputs = ("outcome", "success_signal", "failure_signal")
    reference = joined.select(*inputs).select(*DERIVED)
    ours = joined.select(*(pl.col(f"{c}_label").alias(c) for c in inputs)).select(*DERIVED)
    rows = []
    for measure in reference.columns:
        t, lab = reference[measure].to_numpy(), ours[measure].to_numpy()
        rows.append(
            {
                "classifier": f"{measure} (derived; shares {t.mean():.2f} ref, {lab.mean():.2f} ours)",
                "sessions": len(t),
                "accuracy": agreement.accuracy(t, lab),
                "kappa": agreement.cohen_kappa(t, lab),
            }
        )
    return rows


def confusion(joined: pl.DataFrame, name: str) -> pl.DataFrame:
    """Sessions by reference label (rows) and heuristic label (columns)."""
    pairs = joined.select(
        reference=pl.col(name).cast(pl.Utf8).fill_null("unclear"),
        heuristic=pl.col(f"{name}_label").cast(pl.Utf8).fill_null("unclear"),
    )
    columns = sorted(pairs["heuristic"].unique().to_list())
    return (
        pairs.group_by("reference", "heuristic")
        .len()
        .pivot(on="heuristic", index="reference", values="len")
        .fill_null(0)
        .select("reference", *columns)
        .sort("reference")
    )


CONFUSIONS = (
    "work_mode",
    "codebase_relationship",
    "expertise",
    "occupation_user",
    "outcome",
    "success_signal",
    "failure_signal",
    "value_tier",
)


def by_confidence(gold: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Exact agreement per classifier on the sessions the reference labelled with each confidence: whether
    the rules miss most where the reference itself was unsure."""
    out = []
    for level in gold["confidence"].drop_nulls().unique(maintain_order=True).to_list():
        part = gold.filter(pl.col("confidence") == level)
        scored = {row["classifier"]: row["accuracy"] for row in real_rows(part, labels, level)}
        out.append({"confidence": level, "sessions": part.height, **{name: scored[name] for name, *_ in SCORED}})
    return pl.DataFrame(out).sort("sessions", descending=True).with_columns(pl.col(pl.Float64).round(3))


def real_table(gold_path: Path, corpus_dir: Path) -> pl.DataFrame | None:
    if not gold_path.is_file():
        print(f"real labelled sessions not found at {gold_path}: skipped")
        return None
    gold = pl.read_ndjson(gold_path, infer_schema_length=None).with_columns(
        pl.col("codebase_relationship").replace_strict(CODEBASE, default=None),
        pl.col("expertise").cast(pl.Utf8),
    )
    halves: tuple[str, ...] = ()
    if "gid" in gold.columns:
        halves = ("A", "B")
        gold = gold.with_columns(
            half=pl.when(pl.col("gid").str.extract(r"(\d+)").cast(pl.Int64) % 2 == 0)
            .then(pl.lit("A"))
            .otherwise(pl.lit("B"))
        )
    labels = real_labels(corpus_dir)
    missing = gold.join(labels, on="source_file", how="anti")["source_file"].to_list()
    print(f"{gold.height - len(missing)} of {gold.height} labelled sessions found in {corpus_dir}")
    if missing:
        print(
            f"not found, so not scored ({len(missing)}): {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
        )
    rows_ = real_rows(gold, labels, "all")
    for half in halves:
        rows_ += real_rows(gold.filter(pl.col("half") == half), labels, half)
    joined = gold.join(labels, on="source_file", suffix="_label")
    with pl.Config(
        tbl_rows=20, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True
    ):
        for name in CONFUSIONS:
            print(f"{name}: reference (rows) by heuristic (columns), all {joined.height} sessions")
            print(confusion(joined, name))
        if "confidence" in gold.columns:
            print("exact agreement by the reference labeller's confidence in its labels:")
            print(by_confidence(gold, labels))
    return pl.DataFrame(rows_, infer_schema_length=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--gold", type=Path, default=GOLD, help="labels keyed by source_file (JSON lines)")
    parser.add_argument("--real-corpus", type=Path, default=REAL, help="the folder the labels' source_file is under")
    parser.add_argument(
        "--record",
        type=Path,
        nargs="?",
        const=rules_agreement.RECORDED,
        help="write the agreement on the real labelled sessions, with the rules' version, where reports read it "
        f"(default: {rules_agreement.RECORDED})",
    )
    args = parser.parse_args()
    real = real_table(args.gold, args.real_corpus)
    if real is not None:
        split = "; halves A/B split by gid parity" if "A" in real["half"].to_list() else " (no gid: no halves)"
        print(f"real labelled sessions ({args.gold.name}), heuristic backend{split}:")
        with pl.Config(tbl_rows=60, tbl_cols=-1, tbl_width_chars=240, fmt_str_lengths=80):
            print(with_intervals(real).with_columns(pl.col(pl.Float64).round(3)))
        print("(for the decision shares, 'kappa' is the Pearson correlation with the reference share)")
        if args.record:
            scored = real.filter((pl.col("half") == "all") & pl.col("classifier").is_in([n for n, *_ in SCORED]))
            people = pl.read_ndjson(args.gold)["source_file"].map_elements(PEOPLE.raw_user, pl.Utf8).n_unique()
            recorded = rules_agreement.record(scored, args.gold.name, people, args.record)
            print(f"recorded the agreement of rules {recorded['rules_version']} in {args.record}")
    if args.sessions <= 0:
        return
    joined = run(args.sessions, args.seed)
    table = pl.DataFrame(rows(joined)).with_columns(pl.col(pl.Float64).round(3))
    print("(for the decision shares, 'kappa' is the Pearson correlation with the planted share)")
    with pl.Config(tbl_rows=30, tbl_width_chars=160, fmt_str_lengths=80):
        print(table)
    print(
        "codebase_relationship: not planted in the sample world, so not scored; labels:",
        ", ".join(CODEBASE_RELATIONSHIPS),
    )


if __name__ == "__main__":
    main()
