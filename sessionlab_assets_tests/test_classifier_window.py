"""Classifier windows built from parsed sessions: the sample corpus and the real one."""

from __future__ import annotations

from sessionlab_assets.classify.redact import redact
from sessionlab_assets.classify.transcript import session_entries
from sessionlab_assets.classify.window import TOTAL_CHARS, render_window
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.sample import corpus, world


def test_sample_windows_keep_the_request_and_the_ending(tmp_path):
    corpus.build(tmp_path / "s", sessions=40, seed=3, workers=1)
    truth = corpus.read_ground_truth(tmp_path / "s")
    batch = scan_source(
        tmp_path / "s" / corpus.TRANSCRIPTS, set(world.MONTHS), IdentityRule(rule="top_folder", key="k"), keep_text=True
    )
    by_id = {s.session_id: s for s in batch.sessions}
    for row in truth.iter_rows(named=True):
        entries = session_entries(by_id[row["session_id"]])
        assert sum(e.role == "user" for e in entries) == row["human_turns"]
        window = render_window(entries)
        assert len(window.text) <= TOTAL_CHARS + 200
        assert window.text.startswith("<user>\n" + entries[0].text[:40].split("/home/")[0].split("/Users/")[0])
        assert "/home/" not in window.text.replace("/home/[REDACTED:home_user]", "")
        assert "/Users/" not in window.text.replace("/Users/[REDACTED:home_user]", "")
    # Tool calls carry what telemetry knows: a passing test run or a commit is visible in the window.
    for session in batch.sessions:
        text = render_window(session_entries(session)).text
        if any(e.test_outcome == "pass" and e.chain == "main" for e in session.events):
            assert "tests passed" in text or "characters cut" in text
        if any(e.command_kind == "git_commit" and e.chain == "main" for e in session.events):
            assert "git commit" in text or "characters cut" in text


def test_real_sessions_render_within_the_window_and_leave_nothing_a_rule_would_catch(real_corpus):
    batch = scan_source(real_corpus, None, IdentityRule(rule="top_folder", key="k"), keep_text=True)
    assert len(batch.sessions) > 100
    redacted = 0
    for session in batch.sessions:
        entries = session_entries(session)
        window = render_window(entries)
        assert window.chars_kept <= TOTAL_CHARS + 200
        redacted += sum(window.redactions.values())
        for entry in entries:  # redaction leaves nothing a rule would catch: a second pass finds nothing
            text, _ = redact(entry.text)
            _, again = redact(text)
            assert not again, (session.session_id, sorted(again))
    assert redacted > 0
