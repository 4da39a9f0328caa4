import json

import orjson
import pytest

from sessionlab_assets.ingest import formats


@pytest.mark.parametrize(
    ("text", "expected_format", "reason_start"),
    [
        ('{"type":"user","sessionId":"s","message":{}}\n', formats.CLAUDE_CODE, None),
        ('{"type":"summary","summary":"t","leafUuid":"x"}\n', formats.CLAUDE_CODE, None),
        ('{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"x"}}\n', formats.CODEX, None),
        (
            json.dumps({"sessionId": "s", "projectHash": "h", "startTime": "t", "messages": []}, indent=2),
            formats.GEMINI,
            None,
        ),
        (json.dumps({"info": {"id": "x"}, "messages": []}, indent=2), formats.OPENCODE, None),
        ('{"type":"session.start","data":{},"id":"1","timestamp":"t"}\n', formats.COPILOT, None),
        ('{"role":"user","message":{"content":"hi"}}\n', formats.CURSOR, None),
        ('{"checkpoint_id":"c","session_id":"s","created_at":"t"}', None, "not a transcript: checkpoint metadata"),
        ("# Claude Code Session Log\n\nhello\n", None, "not JSON lines"),
        ("", None, "empty file"),
        ('{\n  "truncated": [1, 2,\n', None, "first line is not a JSON object"),
    ],
)
def test_sniff(text, expected_format, reason_start):
    data = text.encode()
    verdict = formats.sniff(data[: formats.SNIFF_BYTES], data)
    assert verdict.format == expected_format
    if reason_start:
        assert verdict.reason.startswith(reason_start), verdict.reason


def test_a_first_line_longer_than_the_sniffed_head_is_still_recognised():
    """A pasted image in the first prompt makes the first line megabytes long."""
    import base64

    image = base64.b64encode(b"\x89PNG" + b"\x00" * 400_000).decode()
    first = orjson.dumps(
        {
            "type": "user",
            "sessionId": "s",
            "message": {"role": "user", "content": [{"type": "image", "source": {"data": image}}]},
        }
    )
    data = first + b"\n" + orjson.dumps({"type": "assistant", "sessionId": "s"}) + b"\n"
    assert len(first) > formats.SNIFF_BYTES
    assert formats.sniff(data[: formats.SNIFF_BYTES], data) == formats.Verdict(formats.CLAUDE_CODE, None)
