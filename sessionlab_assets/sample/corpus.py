"""Build the sample corpus: transcripts the pipeline reads, and ground truth it never does.

Layout of a built sample directory:
    transcripts/<user folder>/projects/<project>/<session id>.jsonl   (+ subagent files)
    ground_truth.parquet   one row per session: every planted label, keyed by session_id
    manifest.json          seed, size, mode, counts and timings

The build is deterministic for (sessions, seed, lean): each session draws from its own seeded
generator, so the number of worker processes does not change a byte. It writes into a temporary
sibling directory and renames it at the end, so an interrupted build never looks finished.

Usage: python -m sessionlab_assets.sample.corpus DIR [--sessions N] [--seed S] [--lean] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import polars as pl

from sessionlab_assets import derived
from sessionlab_assets.sample.render import make_persona, render_session
from sessionlab_assets.sample.world import WorldSize, draw_world

TRANSCRIPTS = "transcripts"
GROUND_TRUTH = "ground_truth.parquet"
MANIFEST = "manifest.json"
DEFAULT_SESSIONS = 3_000
DEFAULT_SEED = WorldSize(sessions=0).seed
CHUNK = 250


def _render_chunk(rows: list[dict[str, Any]], root: str, seed: int, lean: bool) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        persona = make_persona(row["user_index"], row["occupation_user"], seed)
        rendered = render_session(row, persona, Path(root), seed, lean)
        out.append(
            {
                "session_index": row["session_index"],
                "user_folder": persona.folder,
                "language": persona.language,
                **asdict(rendered),
            }
        )
    return out


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def build(
    target: Path,
    sessions: int = DEFAULT_SESSIONS,
    seed: int = DEFAULT_SEED,
    lean: bool = False,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write the sample corpus into `target` (replacing it) and return the manifest."""
    started = time.perf_counter()
    world = draw_world(WorldSize(sessions=sessions, seed=seed))
    staging = target.with_name(target.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    transcripts = staging / TRANSCRIPTS
    transcripts.mkdir(parents=True)
    rows = world.with_columns(derived.abandoned).to_dicts()  # the renderer writes giving up where it holds
    chunks = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    workers = workers or default_workers()
    rendered: list[dict[str, Any]] = []
    if workers == 1:
        for chunk in chunks:
            rendered.extend(_render_chunk(chunk, str(transcripts), seed, lean))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(
                _render_chunk, chunks, [str(transcripts)] * len(chunks), [seed] * len(chunks), [lean] * len(chunks)
            ):
                rendered.extend(part)
    truth = world.join(pl.DataFrame(rendered), on="session_index", how="left")
    truth.write_parquet(staging / GROUND_TRUTH)
    size = sum(p.stat().st_size for p in transcripts.rglob("*.jsonl"))
    manifest = {
        "sessions": sessions,
        "seed": seed,
        "lean": lean,
        "users": truth["user_index"].n_unique(),
        "files": sum(1 for _ in transcripts.rglob("*.jsonl")),
        "bytes": size,
        "months": sorted({m.isoformat()[:7] for m in truth["month"]}),
        "seconds": round(time.perf_counter() - started, 2),
        "workers": workers,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return manifest


def read_ground_truth(target: Path) -> pl.DataFrame:
    return pl.read_parquet(target / GROUND_TRUTH)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the seeded sample corpus of Claude Code transcripts.")
    parser.add_argument("target", type=Path)
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--lean", action="store_true", help="short text and at most 3 tool calls per prompt (scale tests)"
    )
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    manifest = build(args.target, sessions=args.sessions, seed=args.seed, lean=args.lean, workers=args.workers)
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
