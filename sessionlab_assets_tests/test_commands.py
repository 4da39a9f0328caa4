"""Shell-command rules: what counts as a test run, commit, push or pull request, and how a test run ended."""

from __future__ import annotations

import pytest

from sessionlab_assets.ingest import commands
from sessionlab_assets.ingest.commands import GIT_COMMIT, GIT_PUSH, PR_CREATE, TEST_RUN


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("python -m pytest -q", TEST_RUN),
        ("npm test", TEST_RUN),
        ("go test ./...", TEST_RUN),
        ("cargo test", TEST_RUN),
        ("dbt test --select orders", TEST_RUN),
        ("Rscript -e 'testthat::test_dir(\"tests\")'", TEST_RUN),
        ("Rscript -e 'devtools::test()'", TEST_RUN),
        ("git add -A && git commit -m 'x' && git push", GIT_COMMIT),
        ("git push origin main", GIT_PUSH),
        ("gh pr create --fill", PR_CREATE),
        ("ls -la", None),
        ("pytestify notes.md", None),
    ],
)
def test_command_kinds(command, kind):
    assert commands.command_kind(command) == kind


@pytest.mark.parametrize(
    ("output", "is_error", "outcome"),
    [
        ("12 passed in 0.4s", False, "pass"),
        ("1 failed, 11 passed in 0.5s", False, "fail"),
        ("[ FAIL 0 | WARN 0 | SKIP 0 | PASS 70 ]", False, "pass"),
        ("[ FAIL 2 | WARN 0 | SKIP 0 | PASS 68 ]", False, "fail"),
        ("Completed successfully\nDone. PASS=74 WARN=0 ERROR=0", False, "pass"),
        ("Failure in test unique_orders_id\nDone. PASS=74 WARN=0 ERROR=1", False, "fail"),
        ("test result: ok. 9 passed; 0 failed", False, "pass"),
        ("collected 0 items", False, "unknown"),
        ("12 passed", True, "fail"),
    ],
)
def test_test_outcomes(output, is_error, outcome):
    assert commands.test_outcome(output, is_error) == outcome
