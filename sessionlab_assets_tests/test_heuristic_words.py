"""The heuristic's fast word matcher finds exactly what the plain case-insensitive pattern finds."""

from __future__ import annotations

import re

import pytest

from sessionlab_assets.classify import heuristic
from sessionlab_assets.classify.transcript import session_entries
from sessionlab_assets.classify.window import render_window
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.sample import corpus

CUES = {
    **{f"mode:{k}": v for k, v in heuristic.MODE_CUES.items()},
    **{f"occupation:{k}": v for k, v in heuristic.OCCUPATION_CUES.items()},
    **{name: getattr(heuristic, name) for name in ("AFFIRM", "COMPLAIN", "GIVE_UP", "PARTIAL", "VAGUE", "TARGETED_CHECK")},
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


PHRASES = {name: getattr(heuristic, name) for name in
           ("GENERIC_CHECK", "AGENT_CORRECTS", "CONSTRAINT", "USER_PLANNING", "USER_EXECUTION", "AGENT_PLANNING", "AGENT_EXECUTION")}
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
