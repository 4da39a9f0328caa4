"""The heuristic's fast word matcher finds exactly what the plain case-insensitive pattern finds."""

from __future__ import annotations

import re

import polars as pl
import pytest

from sessionlab_assets.classify import heuristic
from sessionlab_assets.classify.transcript import session_entries
from sessionlab_assets.classify.window import render_window
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.sample import corpus

CUES = {
    **{f"mode:{k}": v for k, v in heuristic.MODE_CUES.items()},
    **{f"occupation:{k}": v for k, v in heuristic.OCCUPATION_CUES.items()},
    **{
        name: getattr(heuristic, name)
        for name in ("AFFIRM", "COMPLAIN", "GIVE_UP", "PARTIAL", "VAGUE", "TARGETED_CHECK")
    },
}
TRICKY = [
    "Plan the PLAN, plans, xplan, plan_b, _plan, plan-b, (plan) Planning",
    "trade-offs tradeoff Trade-Off; how should   how should; figure out how",
    "LAB lab-book collab labs, the PI said; the pi. thePI",
    "crashes crash crashed; doesn't work; doesnt work; does not work.",
    "year 3 class year 12 class year class; uses pandas instead; uses instead",
    "run the tests with pytest -x; run `cargo test`; RUN GO TEST ./...",
    "ÉCOLE students Straße ward toward forward wards ward.",
    "ſamples ſtudents ıcu ıt's ɪcu KPI K\u212aPI ﬅudents the ſcope",
    "",
]


@pytest.fixture(scope="module")
def windows(tmp_path_factory) -> list[str]:
    root = tmp_path_factory.mktemp("words")
    corpus.build(root, sessions=40, seed=5, workers=1)
    batch = scan_source(root / corpus.TRANSCRIPTS, keep_text=True)
    return [render_window(session_entries(s)).text for s in batch.sessions]


@pytest.mark.parametrize("name", sorted(CUES))
def test_fast_matcher_agrees_with_the_plain_pattern(name, windows):
    cue = CUES[name]
    plain = re.compile(rf"(?i)\b(?:{cue.alternatives})\b")
    for text in TRICKY + windows:
        assert len(cue.findall(text)) == len(plain.findall(text)), (name, text[:80])
        assert (cue.search(text) is None) == (plain.search(text) is None), (name, text[:80])


PHRASES = {
    name: getattr(heuristic, name)
    for name in (
        "GENERIC_CHECK",
        "AGENT_CORRECTS",
        "CONSTRAINT",
        "USER_PLANNING",
        "USER_EXECUTION",
        "AGENT_PLANNING",
        "AGENT_EXECUTION",
    )
}
TRICKY_PHRASES = TRICKY + [
    "Let's go with B. LET'S GO WITH a; Scope: x; I'LL USE pandas; I'll Run it; Use Polars For That; run `make`",
    "Don't touch main; DON'T  touch; do not  panic; Must Keep It simple; İ'll use the İdea; ıt must",
    "Actually, no. ACTUALLY,yes; Are You Sure? did it work",
]


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_fast_phrases_agree_with_the_case_insensitive_pattern(name, windows):
    phrases = PHRASES[name]
    plain = phrases.insensitive
    for text in TRICKY_PHRASES + windows:
        assert phrases.matches(text) == [m.group(0) for m in plain.finditer(text)], (name, text[:80])


def test_a_phrase_pattern_with_capitals_is_refused():
    with pytest.raises(ValueError, match="lower case"):
        heuristic._Phrases(r"(?:Keep it|\S+)")


OCCUPATION_TEXTS = TRICKY + [
    "backend on-call é backend; backendé; ébackend; lab\u00e9 lab; année lab; ward\u2014ward; 3\u0663 year 3 class",
    "year \u0663 class; year 3\u0663 class; the pi\u00e9; \u00e9the pi; fp&a FP&A fp&\u00e1",
    "KPI ca\u017fe \u212aanban \u0131nvoice \u0130nvoices students_ students2 _students",
    "\u4f7f\u7528backend \u2014 backend \u2014 \U0001f600backend\U0001f600 caf\u00e9 quota",
]


def test_batched_occupation_scores_agree_with_the_definition(windows):
    """Rust's count with ASCII word boundaries, falling back to Python where the two could differ,
    gives `_occupation_scores` exactly, text by text and in the same group order."""
    texts = OCCUPATION_TEXTS + windows + [text.upper() for text in windows[:10]]
    batched = heuristic._OccupationScores.count(texts)
    for text, scores in zip(texts, batched, strict=True):
        assert list(scores.items()) == list(heuristic._occupation_scores(text).items()), text[:80]


def test_every_text_where_ascii_boundaries_miscount_goes_to_the_fallback():
    patterns = heuristic._OccupationScores.PATTERNS
    rust = pl.DataFrame({"text": OCCUPATION_TEXTS}).select(
        pl.col("text").str.contains(heuristic._OccupationScores.UNSURE).alias("unsure"),
        *(pl.col("text").str.count_matches(pattern).cast(pl.Int64).alias(group) for group, pattern in patterns.items()),
    )
    miscounted = 0
    for text, row in zip(OCCUPATION_TEXTS, rust.iter_rows(named=True), strict=True):
        unsure = row.pop("unsure")
        if row != heuristic._occupation_scores(text):
            miscounted += 1
            assert unsure, text
    assert miscounted >= 4, "the crafted texts must include ones the ASCII count gets wrong"


def test_occupation_scores_of_prepared_and_unprepared_texts_agree(windows):
    scores = heuristic._OccupationScores()
    scores.prepare(windows[:5])
    assert all(scores.scores(text) == heuristic._occupation_scores(text) for text in windows[:8])
