"""How far to trust the labels: the reference check, test-retest and truncation sensitivity, offline on
the sample corpus and through the fake Messages API."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sessionlab_assets.classify import label_checks
from sessionlab_assets.classify.assets import classify_measures
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import TranscriptSource, WarehouseResource
from sessionlab_assets.sample import corpus
from sessionlab_assets_tests import fake_anthropic
from sessionlab_assets_tests.fake_anthropic import FakeAnthropic

MONTHS = {"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"}
CHECKS = [label_checks.reference_agreement, label_checks.test_retest, label_checks.truncation_sensitivity]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    corpus.build(root, sessions=40, seed=12, workers=1)
    return root / corpus.TRANSCRIPTS


def _resources(db: Path, sample: Path, settings: ClassifierSettings) -> dict:
    return {
        "warehouse_db": WarehouseResource(database=str(db)),  # closes its connection when a step fails
        "transcript_source": TranscriptSource(source_dir=str(sample), workers=1),
        "classifier_settings": settings,
    }


def _label(db: Path, sample: Path, settings: ClassifierSettings) -> None:
    result = dg.materialize(
        [ingest_transcripts, classify_measures], resources=_resources(db, sample, settings), tags=MONTHS
    )
    assert result.success


def _check(db: Path, sample: Path, settings: ClassifierSettings, asset, config: dict | None = None):
    return dg.materialize(
        [asset],
        resources=_resources(db, sample, settings),
        run_config={"ops": {asset.key.to_user_string(): {"config": config or {}}}},
        raise_on_error=False,
    )


def _rows(db: Path, analysis: str) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as conn:
        frame = conn.sql(
            "SELECT * FROM analysis_label_checks WHERE analysis = $a ORDER BY measure", params={"a": analysis}
        )
        return frame.pl().to_dicts()


def test_the_sample_is_stratified_and_reproducible(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    _label(db, sample, ClassifierSettings(backend_name="heuristic"))
    with duckdb.connect(str(db), read_only=True) as conn:
        first = label_checks.stratified_sample(conn, 15, seed=3)
        again = label_checks.stratified_sample(conn, 15, seed=3)
        other = label_checks.stratified_sample(conn, 15, seed=4)
        strata = conn.sql(
            "SELECT s.month, coalesce(w.work_mode, '(no label)') AS stratum_mode, count(*) AS n FROM sessions s "
            "LEFT JOIN work_mode w USING (session_id) WHERE NOT s.headless GROUP BY ALL"
        ).pl()
    assert first.height == 15 and first.equals(again) and not first.equals(other)
    drawn = first.group_by("month", "stratum_mode").len()
    total = strata["n"].sum()
    for row in strata.join(drawn, on=["month", "stratum_mode"], how="left").fill_null(0).iter_rows(named=True):
        assert abs(row["len"] - 15 * row["n"] / total) < 1  # proportional, to the nearest session


def test_offline_every_table_is_filled_and_says_what_it_is(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    settings = ClassifierSettings(backend_name="heuristic")
    _label(db, sample, settings)
    for asset in CHECKS:
        assert _check(db, sample, settings, asset, {"sessions": 20}).success
    reference = _rows(db, "reference_agreement")
    assert len(reference) == len(label_checks.COMPARED)
    # Agreement of the rules with themselves is not shown; the note says the stored labels reproduce.
    assert all(r["exact"] is None and r["kappa"] is None and r["sessions"] > 0 for r in reference)
    assert all("its own reference" in r["note"] and "are what the rules give" in r["note"] for r in reference)
    retest = _rows(db, "test_retest")
    assert all(r["exact"] is None and "deterministic" in r["note"] for r in retest)
    truncation = _rows(db, "truncation_sensitivity")
    assert truncation and all(0.0 <= r["exact"] <= 1.0 and "stored windows were cut" in r["note"] for r in truncation)
    assert {r["second"] for r in truncation} == {"larger window"}
    # Each figure with its interval, resampling people; kappa's only where it is defined.
    assert all(r["exact_low"] <= r["exact"] <= r["exact_high"] for r in truncation)
    assert all(r["kappa_low"] is None or r["kappa_low"] <= r["kappa"] <= r["kappa_high"] for r in truncation)
    with duckdb.connect(str(db), read_only=True) as conn:
        cells = conn.sql("SELECT analysis, sum(sessions) FROM analysis_label_confusion GROUP BY 1").fetchall()
    assert dict(cells)["reference_agreement"] >= 20


def test_offline_the_reference_check_says_when_stored_labels_are_not_what_the_rules_give(tmp_path, sample):
    """Stored work modes that the rules would not give (labelled by other rules, or edited) are counted."""
    db = tmp_path / "w.duckdb"
    settings = ClassifierSettings(backend_name="heuristic")
    _label(db, sample, settings)
    with duckdb.connect(str(db)) as conn:
        conn.execute("UPDATE work_mode SET work_mode = CASE WHEN work_mode = 'plan' THEN 'build' ELSE 'plan' END")
    assert _check(db, sample, settings, label_checks.reference_agreement, {"sessions": 20}).success
    notes = {r["note"] for r in _rows(db, "reference_agreement")}
    assert len(notes) == 1 and "20 stored labels differ from what the rules give now" in notes.pop()


def test_through_the_fake_server_reference_and_adjudication_are_blind_and_resumable(tmp_path, sample, monkeypatch):
    db = tmp_path / "w.duckdb"
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0)
        _label(db, sample, settings)
        production_calls = len(fake.message_bodies())
        # The reference model reads the same windows differently: every work mode disagrees.
        monkeypatch.setitem(fake_anthropic.CANNED, "WorkMode", {"reasoning": "new code", "work_mode": "build"})
        config = {"sessions": 12, "adjudicate": True}
        assert _check(db, sample, settings, label_checks.reference_agreement, config).success
        bodies = fake.message_bodies()[production_calls:]
        reference_calls = len(bodies)
        assert _check(db, sample, settings, label_checks.reference_agreement, config).success
        assert len(fake.message_bodies()) - production_calls == reference_calls  # the re-run reads the ledger
    assert {b["model"] for b in bodies} == {"claude-opus-4-7"}
    judged = [b for b in bodies if b["output_config"]["format"]["schema"]["title"] == "Adjudication"]
    assert len(judged) == 12  # one per disagreement: every sampled session's work mode
    order = set()
    for body in judged:
        text = "".join(block["text"] for block in body["messages"][0]["content"])
        answers = re.findall(r"<answer_([ab])>(\w+)</answer_\1>", text)
        assert sorted(a for _, a in answers) == ["build", "fix"]
        assert "production" not in text.split("<question>")[1] and "reference" not in text.split("<question>")[1]
        order.add(answers[0][1])
    assert order == {"build", "fix"}  # production's answer is shown first for some sessions, second for others
    rows = {r["measure"]: r for r in _rows(db, "reference_agreement")}
    assert rows["work_mode"]["exact"] == 0.0 and rows["work_mode"]["ambiguous"] == 12
    assert rows["outcome"]["exact"] == 1.0 and rows["work_mode"]["second"] == "claude-opus-4-7"


def test_replicates_are_distinct_calls_and_a_dry_run_calls_nothing(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0)
        _label(db, sample, settings)
        before = len(fake.message_bodies())
        dry = ClassifierSettings(
            api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0, dry_run=True
        )
        result = _check(db, sample, dry, label_checks.test_retest, {"sessions": 10})
        assert not result.success and "Dry run: replicate 2 of 10 sessions would cost about $" in str(result.all_events)
        assert len(fake.message_bodies()) == before
        assert _check(db, sample, settings, label_checks.test_retest, {"sessions": 10}).success
        assert len(fake.message_bodies()) > before  # the second replicate is not the first one's ledger entries
    with duckdb.connect(str(db), read_only=True) as conn:
        versions = conn.sql("SELECT DISTINCT prompt_version FROM classifier_calls WHERE classifier = 'work_mode'")
        versions = sorted(v for (v,) in versions.fetchall())
    assert len(versions) == 2 and versions[1] == versions[0] + "+replicate-2"
    rows = _rows(db, "test_retest")
    assert all(r["exact"] == 1.0 for r in rows if r["sessions"])  # the fake answers the same twice


def test_reference_dry_run_projects_dollars_for_the_default_models(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    _label(db, sample, ClassifierSettings(backend_name="heuristic"))
    settings = ClassifierSettings(api_key="test-key", base_url="http://127.0.0.1:9", dry_run=True)
    result = _check(db, sample, settings, label_checks.reference_agreement, {"sessions": 20})
    assert not result.success
    message = str(result.all_events)
    assert "Dry run: the reference check of 20 sessions with claude-opus-4-7 would cost about $" in message


def test_agreement_intervals_resample_people_and_one_persons_sessions_each_alone():
    import polars as pl

    sessions = [f"s{i}" for i in range(40)]
    first = pl.DataFrame({"session_id": sessions, "work_mode": ["build"] * 20 + ["fix"] * 20})
    second = pl.DataFrame({"session_id": sessions, "work_mode": ["build"] * 15 + ["fix"] * 25})

    def work_mode_row(people: dict[str, str]) -> dict:
        rows, _ = label_checks.agreement_rows(first, second, people)
        return next(row for row in rows if row["measure"] == "work_mode")

    # Four people, each labelled alike within: the interval is as wide as four draws make it.
    four = work_mode_row({s: f"u{i // 10}" for i, s in enumerate(sessions)})
    assert four["exact"] == 35 / 40 and four["exact_low"] < 35 / 40 <= four["exact_high"]
    # One person: nothing to resample between people, so each session is its own cluster.
    one = work_mode_row(dict.fromkeys(sessions, "u0"))
    assert (
        one["exact_low"] is not None and one["exact_high"] - one["exact_low"] < four["exact_high"] - four["exact_low"]
    )
