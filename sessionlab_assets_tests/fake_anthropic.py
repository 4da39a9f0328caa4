"""A local stand-in for the Messages and Message Batches endpoints, for driving the real anthropic SDK.

It answers every classifier with a valid output for the schema it was sent, records every request
body, and injects failures: HTTP errors for the next N requests (with `retry-after-ms: 1`, so the
SDK's retries are fast), and, keyed on marker text in a request, refusals, malformed JSON, truncated
answers, and errored or expired batch items.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CANNED: dict[str, dict[str, Any]] = {
    "WorkMode": {"reasoning": "edits to fix a bug", "work_mode": "fix"},
    "CodebaseRelationship": {"reasoning": "edits existing files", "codebase_relationship": "modify_existing"},
    "Decisions": {
        "decisions": [
            {"summary": "approach", "kind": "planning", "made_by": "user"},
            {"summary": "file layout", "kind": "execution", "made_by": "agent"},
        ]
    },
    "Expertise": {"reasoning": "names constraints", "expertise": "advanced"},
    "OccupationUser": {"evidence": "on-call rotation", "occupation": "15-0000"},
    "OccupationWork": {"reasoning": "software work", "occupation": "15-0000"},
    "Outcome": {"objective": "fix the bug", "outcome": "succeeded"},
    "Signal": {"evidence": ["tests passed"], "level": 4},
    "JobPosting": {
        "title": "Fix a webhook bug",
        "description": "Find and fix a failing webhook handler.",
        "skills": ["python", "webhooks", "debugging"],
    },
    "JobPrice": {"reasoning": "small fix", "price_usd": 350.0},
    "Adjudication": {"reasoning": "the transcript supports either reading", "verdict": "ambiguous"},
}
REFUSE, MALFORMED, TRUNCATE = "MARKER-REFUSE", "MARKER-MALFORMED", "MARKER-TRUNCATE"
BATCH_ERRORED, BATCH_EXPIRED = "MARKER-BATCH-ERRORED", "MARKER-BATCH-EXPIRED"
# A model that follows an injected instruction: the answer is whatever follows this marker on its line.
OBEY = "MARKER-OBEY:"


def _text_of(params: dict[str, Any]) -> str:
    parts = []
    for message in params.get("messages", []):
        content = message["content"]
        parts += [content] if isinstance(content, str) else [block.get("text", "") for block in content]
    return "\n".join(parts)


class FakeAnthropic:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, body)
        self.failures: deque[int] = deque()  # HTTP status for each of the next requests
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls_before_end = 1
        self.cached_prefixes: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAnthropic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what tests look at ---------------------------------------------------------------------
    def fail_next(self, status: int, times: int = 1) -> None:
        self.failures.extend([status] * times)

    def message_bodies(self) -> list[dict[str, Any]]:
        return [body for method, path, body in self.requests if method == "POST" and path == "/v1/messages"]

    def batch_creates(self) -> list[dict[str, Any]]:
        return [body for method, path, body in self.requests if method == "POST" and path == "/v1/messages/batches"]

    def schema_titles(self) -> list[str]:
        """The output model of every model call made, real-time or in a batch."""
        params = [b for b in self.message_bodies()] + [r["params"] for b in self.batch_creates() for r in b["requests"]]
        return [p["output_config"]["format"]["schema"]["title"] for p in params]

    def raw_bodies(self) -> str:
        return "\n".join(json.dumps(body) for _, _, body in self.requests)

    # -- answers --------------------------------------------------------------------------------
    def message(self, params: dict[str, Any]) -> dict[str, Any]:
        text = _text_of(params)
        title = params["output_config"]["format"]["schema"]["title"]
        answer, stop = json.dumps(CANNED[title]), "end_turn"
        if OBEY in text:
            answer = text.split(OBEY, 1)[1].split("\n", 1)[0].strip()
        elif REFUSE in text:
            answer, stop = "", "refusal"
        elif MALFORMED in text:
            answer = answer[: len(answer) // 2]
        elif TRUNCATE in text:
            answer, stop = answer[:10], "max_tokens"
        cached = next(
            (
                b["text"]
                for m in params["messages"]
                for b in m["content"]
                if isinstance(b, dict) and b.get("cache_control")
            ),
            "",
        )
        with self.lock:
            hit = cached in self.cached_prefixes
            self.cached_prefixes.add(cached)
        cached_tokens = len(cached) // 4
        return {
            "id": f"msg_{abs(hash(text)) % 10**12}",
            "type": "message",
            "role": "assistant",
            "model": params["model"],
            "content": [{"type": "text", "text": answer}] if answer else [],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": (len(text) - len(cached)) // 4,
                "output_tokens": max(1, len(answer) // 4),
                "cache_read_input_tokens": cached_tokens if hit else 0,
                "cache_creation_input_tokens": 0 if hit else cached_tokens,
            },
        }

    def batch_result(self, custom_id: str, params: dict[str, Any]) -> dict[str, Any]:
        text = _text_of(params)
        if BATCH_ERRORED in text:
            result = {
                "type": "errored",
                "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "bad item"}},
            }
        elif BATCH_EXPIRED in text:
            result = {"type": "expired"}
        else:
            result = {"type": "succeeded", "message": self.message(params)}
        return {"custom_id": custom_id, "result": result}

    def batch_object(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        ended = batch["polls"] >= self.polls_before_end
        now = datetime.now(UTC)
        kinds = [r["result"]["type"] for r in batch["results"]]
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(kinds),
                "succeeded": kinds.count("succeeded") if ended else 0,
                "errored": kinds.count("errored") if ended else 0,
                "canceled": 0,
                "expired": kinds.count("expired") if ended else 0,
            },
            "created_at": now.isoformat(),
            "expires_at": (now + timedelta(days=1)).isoformat(),
            "ended_at": now.isoformat() if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(
                self, status: int, body: Any, content_type: str = "application/json", headers: dict | None = None
            ) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _failure(self) -> bool:
                with fake.lock:
                    status = fake.failures.popleft() if fake.failures else None
                if status is None:
                    return False
                kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
                self._send(
                    status,
                    {"type": "error", "error": {"type": kind, "message": f"injected {status}"}},
                    headers={"retry-after-ms": "1"},
                )
                return True

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])) or b"{}")
                with fake.lock:
                    fake.requests.append(("POST", self.path, body))
                if self._failure():
                    return
                if self.path == "/v1/messages":
                    self._send(200, fake.message(body))
                elif self.path == "/v1/messages/batches":
                    batch_id = f"msgbatch_{len(fake.batches) + 1:04d}"
                    fake.batches[batch_id] = {
                        "polls": 0,
                        "results": [fake.batch_result(r["custom_id"], r["params"]) for r in body["requests"]],
                    }
                    self._send(200, fake.batch_object(batch_id))
                else:
                    self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})

            def do_GET(self) -> None:
                with fake.lock:
                    fake.requests.append(("GET", self.path, None))
                parts = self.path.strip("/").split("/")
                if len(parts) >= 4 and parts[:3] == ["v1", "messages", "batches"] and parts[3] in fake.batches:
                    batch_id = parts[3]
                    if len(parts) == 5 and parts[4] == "results":
                        lines = "\n".join(
                            json.dumps(r) for r in reversed(fake.batches[batch_id]["results"])
                        )  # order is not promised
                        self._send(200, lines.encode(), content_type="application/binary")
                        return
                    fake.batches[batch_id]["polls"] += 1
                    self._send(200, fake.batch_object(batch_id))
                    return
                self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})

        return Handler
