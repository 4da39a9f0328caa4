"""Shell-command rules: what counts as a git commit, push, pull request or test run, and how a test
run ended. Kept as plain regular expressions so anyone can reproduce a count by hand."""

from __future__ import annotations

import re

GIT_COMMIT = "git_commit"
GIT_PUSH = "git_push"
PR_CREATE = "pr_create"
TEST_RUN = "test_run"

_GIT = r"\bgit(?:\s+-C\s+\S+|\s+-c\s+\S+)*\s+"
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (PR_CREATE, re.compile(r"\bgh\s+pr\s+create\b|\bglab\s+mr\s+create\b|\bhub\s+pull-request\b")),
    (GIT_COMMIT, re.compile(_GIT + r"commit\b")),
    (GIT_PUSH, re.compile(_GIT + r"push\b")),
    (
        TEST_RUN,
        re.compile(
            r"\b(?:pytest|py\.test|tox|nox|jest|vitest|mocha|rspec|phpunit|ctest|nextest)\b"
            r"|\bpython[\d.]*\s+-m\s+(?:pytest|unittest)\b"
            r"|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b"
            r"|\b(?:go|cargo|dotnet|swift|mix|deno|zig)\s+test\b"
            r"|\b(?:mvn|mvnw|gradle|gradlew)\b[^|;&]*\btest\b"
            r"|\bmake\s+(?:test|check)\b"
            r"|\bbundle\s+exec\s+(?:rspec|rake\s+test)\b"
            r"|\bdbt\s+test\b|\btestthat::test_(?:dir|file|local)\b|\bdevtools::test\b"
        ),
    ),
]


def command_kind(command: str) -> str | None:
    """The most specific kind a shell command falls under, or None.

    A compound command (`git add . && git commit && git push`) is counted once, under the first
    matching rule in the order pull request, commit, push, test run.
    """
    for kind, pattern in _RULES:
        if pattern.search(command):
            return kind
    return None


_FAIL = re.compile(
    r"\b[1-9]\d*\s+(?:failed|failing|failures?|errors?)\b"
    r"|\bFAILED\b|^FAIL\b|\bTests?:\s+\d+\s+failed|test result: FAILED|\bBUILD FAILURE\b"
    r"|^--- FAIL|Process exited with code [1-9]|Exit code [1-9]"
    r"|\[ FAIL [1-9]\d* \||\bPASS=\d+ WARN=\d+ ERROR=[1-9]",
    re.MULTILINE,
)
_PASS = re.compile(
    r"\b[1-9]\d*\s+(?:passed|passing)\b|\bTests?:\s+\d+\s+passed|test result: ok\b|^ok\s|^PASS\b"
    r"|\bOK \(\d+ tests?\)|^OK$|\bBUILD SUCCESS\b|\bAll tests passed\b"
    r"|\[ FAIL 0 \| WARN \d+ \| SKIP \d+ \| PASS [1-9]|\bPASS=[1-9]\d* WARN=\d+ ERROR=0\b",
    re.MULTILINE,
)


def test_outcome(output: str, is_error: bool | None) -> str:
    """pass / fail / unknown for a test run, from its tool result.

    An error result is a failure; otherwise a failure pattern wins over a pass pattern (a run that
    printed `3 passed, 1 failed` failed)."""
    if is_error:
        return "fail"
    if _FAIL.search(output):
        return "fail"
    if _PASS.search(output):
        return "pass"
    return "unknown"
