"""Secrets and personal data: every format of the seeded catalogue is redacted (recall 100%), ordinary
coding text is not, and a session full of them leaves no trace in any request to the model or in any
text column of the warehouse."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.redact import redact
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets_tests.fake_anthropic import FakeAnthropic
from sessionlab_assets_tests.secrets_catalogue import CATALOGUE

ORDINARY = [
    "Fixed the off-by-one in src/parse.py; 12 passed in 0.4s. Version 2.1.40, date 2025-10-01 12:30:45.",
    "commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3 (HEAD -> main), id 123e4567-e89b-12d3-a456-426614174000",
    "std::vector<int> v; use serde::Deserialize; Foo::Bar::baz(); let t = 1732147200000;",
    "The basic idea: a token budget of 4096, password field is required, secret sauce is caching.",
    "docker pull python:3.11-slim@sha256:" + "0123456789abcdef" * 4,
    "ratio 0.125 at 10:45:30, port 8080, image 1920x1080, array index [12][34], order #4532 total 99.95",
]


def test_the_catalogue_has_at_least_fifty_formats():
    assert len(CATALOGUE) >= 50
    assert len({kind for kind, _, _ in CATALOGUE.values()}) >= 40


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_seeded_format_is_redacted_as_its_kind(name):
    kind, secret, line = CATALOGUE[name]
    text, counts = redact(f"Some context first.\n{line}\nand more text after it.")
    assert secret not in text
    assert not [part for part in secret.split() if len(part) > 3 and part in text]  # no word of it is left
    assert counts[kind] >= 1 and f"[REDACTED:{kind}]" in text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_coding_text_is_left_alone(text):
    redacted, counts = redact(text)
    assert redacted == text and not counts, counts


def _transcript_full_of_secrets(root: Path) -> None:
    """One session carrying every catalogue line in a prompt, a tool input, a tool output and a reply."""
    lines = [line for _, _, line in CATALOGUE.values()]
    session = ClaudeCodeTranscript("5ec7e75e-0000-4000-8000-000000000001", datetime(2026, 1, 12, 9, 0, 0))
    half = len(lines) // 2
    session.prompt("Deploy is failing. Here is my config:\n" + "\n".join(lines[:half]))
    call = session.tool(
        "Bash", {"command": "cat .env && " + " ; ".join(lines[half:])}, text="Reading the configuration."
    )
    session.tool_result(call, "\n".join(lines))
    session.say("I found the problem in the config you pasted:\n" + "\n".join(lines[: half // 2]))
    session.prompt("Thanks, it deploys now.")
    session.write(root / "member" / "projects" / "app" / f"{session.session_id}.jsonl")


def test_no_seeded_secret_reaches_a_request_or_the_warehouse(tmp_path):
    source = tmp_path / "source"
    _transcript_full_of_secrets(source)
    db = tmp_path / "w.duckdb"
    months = {"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-01"}
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0)
        result = dg.materialize(
            [ingest_transcripts, classify_measures, session_measures],
            tags=months,
            raise_on_error=False,
            resources={
                "warehouse_db": DuckDBResource(database=str(db)),
                "classifier_settings": settings,
                "transcript_source": TranscriptSource(source_dir=str(source)),
            },
        )
        bodies = fake.raw_bodies()
        assert fake.message_bodies(), "the classifiers were called"
    assert result.success
    secrets = [secret for _, secret, _ in CATALOGUE.values()]
    leaked_to_model = [
        name for name, (_, secret, _) in CATALOGUE.items() if secret in bodies or json.dumps(secret)[1:-1] in bodies
    ]
    assert leaked_to_model == []
    with duckdb.connect(str(db), read_only=True) as conn:
        columns = conn.sql(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND data_type = 'VARCHAR'"
        ).fetchall()
        assert conn.sql("SELECT count(*) FROM sessions").fetchall()[0][0] == 1
        leaked_to_warehouse = []
        for table, column in columns:
            values = [
                v
                for (v,) in conn.sql(f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IS NOT NULL').fetchall()
            ]
            text = "\n".join(values)
            leaked_to_warehouse += [f"{table}.{column}" for secret in secrets if secret in text]
        redactions = conn.sql("SELECT redactions FROM classifier_inputs").fetchall()[0][0]
    assert leaked_to_warehouse == []
    # The prompt, the tool input, its output and the reply carry the catalogue about twice over.
    assert redactions >= len(CATALOGUE)
