"""Fuzzed ingest: real-format transcripts mutated, truncated and concatenated never crash the reader or a
month; every valid line is kept, every bad one is quarantined with its reason, every file is accounted for."""

from __future__ import annotations

import json
import random

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sessionlab_assets.fixtures.build_fixture_corpus import build  # noqa: E402
from sessionlab_assets.ingest.assets import ingest_transcripts  # noqa: E402
from sessionlab_assets.ingest.jsonl import read_jsonl_bytes  # noqa: E402
from sessionlab_assets.ingest.source import scan_source  # noqa: E402
from sessionlab_assets.resources import TranscriptSource  # noqa: E402

GARBAGE = [
    b"\x00\x00\x00",
    b"\xff\xfe not utf-8 \xc3\x28",
    b"[1, 2, 3]",
    b'"a string"',
    b"42",
    b"null",
    b'{"unterminated": ',
    b"}{",
    b'{"a": 1}{"b": 2}',
    b"\t  ",
    b'{"type": "user"}',
]


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> list[bytes]:
    root = build(tmp_path_factory.mktemp("fixture"))
    return [p.read_bytes() for p in sorted(root.rglob("*.jsonl"))]


def mutate(data: bytes, operations: list[tuple[str, int, int]], others: list[bytes]) -> bytes:
    """Apply (operation, a, b) in order; a and b pick positions or lines, modulo the current size."""
    for op, a, b in operations:
        lines = data.split(b"\n")
        if op == "truncate" and data:
            data = data[: a % len(data)]
        elif op == "flip" and data:
            i = a % len(data)
            data = data[:i] + bytes([b % 256]) + data[i + 1 :]
        elif op == "drop_line" and len(lines) > 1:
            del lines[a % len(lines)]
            data = b"\n".join(lines)
        elif op == "duplicate_line":
            i = a % len(lines)
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif op == "join_lines" and len(lines) > 1:
            i = a % (len(lines) - 1)
            lines[i : i + 2] = [lines[i] + lines[i + 1]]
            data = b"\n".join(lines)
        elif op == "insert_garbage":
            lines.insert(a % (len(lines) + 1), GARBAGE[b % len(GARBAGE)])
            data = b"\n".join(lines)
        elif op == "split_line":
            i = a % len(lines)
            cut = b % (len(lines[i]) + 1)
            lines[i : i + 1] = [lines[i][:cut], lines[i][cut:]]
            data = b"\n".join(lines)
        elif op == "concatenate" and others:
            data = data + others[a % len(others)]
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
    return data


operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "truncate",
                "flip",
                "drop_line",
                "duplicate_line",
                "join_lines",
                "insert_garbage",
                "split_line",
                "concatenate",
                "crlf",
            ]
        ),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    max_size=6,
)


def _strict_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a number beyond double range")  # quarantined by the reader, with that reason
    return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _valid_objects(data: bytes) -> dict[int, dict]:
    """The oracle: lines that on their own are a JSON object (strict JSON: no NaN or Infinity), parsed with
    the standard library."""
    valid = {}
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            value = json.loads(
                raw.rstrip(b"\r").decode("utf-8"), parse_constant=_reject_constant, parse_float=_strict_float
            )
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(value, dict):
            valid[line_no] = value
    return valid


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 10**6), ops=operations)
def test_every_valid_line_is_kept_and_every_bad_line_has_a_reason(originals, index, ops):
    data = mutate(originals[index % len(originals)], ops, originals)
    result = read_jsonl_bytes(data)
    kept = {}
    for line_no, record in result.records:
        kept.setdefault(line_no, []).append(record)
    for line_no, value in _valid_objects(data).items():
        assert kept.get(line_no) == [value], line_no
    errors = {e.line_no for e in result.errors}
    assert all(e.reason for e in result.errors)
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    for line_no, raw in enumerate(lines, start=1):
        if raw.replace(b"\x00", b"").strip():
            assert line_no in kept or line_no in errors, f"line {line_no} neither kept nor quarantined"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(st.integers(0, 10**6), operations), min_size=1, max_size=5))
def test_a_folder_of_mutated_files_is_read_whole_and_every_file_accounted_for(originals, tmp_path_factory, files):
    root = tmp_path_factory.mktemp("fuzzed")
    for n, (index, ops) in enumerate(files):
        path = root / f"user{n % 2}" / "projects" / "p" / f"f{n}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mutate(originals[index % len(originals)], ops, originals))
    batch = scan_source(root)
    listed = {f.source_file for f in batch.files}
    assert listed == {p.relative_to(root).as_posix() for p in root.rglob("*.jsonl")}
    for entry in batch.files:
        assert entry.status in ("ingested", "quarantined")
        assert entry.status == "ingested" or entry.reason
    assert all(q.reason for q in batch.quarantine)


def test_a_month_of_mutated_files_materialises(tmp_path, originals):
    """Two hundred mutated copies in one source: the month materialises, and the quarantine says why for each bad
    line."""
    rng = random.Random(5)
    root = tmp_path / "source"
    names = [
        "truncate",
        "flip",
        "drop_line",
        "duplicate_line",
        "join_lines",
        "insert_garbage",
        "split_line",
        "concatenate",
        "crlf",
    ]
    for n in range(200):
        ops = [(rng.choice(names), rng.randrange(10**6), rng.randrange(10**6)) for _ in range(rng.randrange(4))]
        path = root / f"user{n % 7}" / "projects" / "p" / f"copy{n}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mutate(originals[n % len(originals)], ops, originals))
    db = tmp_path / "w.duckdb"
    result = dg.materialize(
        [ingest_transcripts],
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(root)),
        },
        tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"},
    )
    assert result.success
    with duckdb.connect(str(db), read_only=True) as conn:
        files = conn.sql("SELECT count(*) FROM source_files").fetchall()[0][0]
        unexplained = conn.sql("SELECT count(*) FROM ingest_errors WHERE reason IS NULL OR reason = ''").fetchall()[0][
            0
        ]
        line_errors = conn.sql("SELECT count(*) FROM ingest_errors WHERE line_no IS NOT NULL").fetchall()[0][0]
    assert files == 200 and unexplained == 0 and line_errors > 0
