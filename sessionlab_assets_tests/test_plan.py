"""Cost projections: planned a round at a time, they total what one pass over every call totals."""

from __future__ import annotations

import pytest

from sessionlab_assets.classify import plan
from sessionlab_assets.classify.registry import CLASSIFIERS


def _calls(sessions: range, model: str = "claude-sonnet-4-6") -> list[plan.PlannedCall]:
    window = "a long enough window to be worth caching " * 400
    # Sessions 0..4 repeat in later rounds with the same window (a duplicate transcript): their
    # prefix was written in an earlier round and is read, not written again.
    return [
        plan.planned_call(CLASSIFIERS[name], model, window if name != "job_price" else None, f"window-{s % 5}")
        for s in sessions
        for name in ("work_mode", "expertise", "job_price")
    ]


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-haiku-4-5"])
def test_round_by_round_projection_equals_one_pass(model):
    whole = plan.project(_calls(range(12), model), batch=True, caching=True)
    rounds = plan.Projection(batch=True, caching=True)
    for start in range(0, 12, 4):
        rounds.add(_calls(range(start, start + 4), model))
    by_rounds = rounds.frame()
    assert by_rounds.drop("dollars").equals(whole.drop("dollars"))
    assert by_rounds["dollars"].to_list() == pytest.approx(whole["dollars"].to_list(), rel=1e-12)
    work_mode = by_rounds.row(by_rounds["classifier"].to_list().index("work_mode"), named=True)
    assert work_mode["calls"] == 12 and work_mode["cache_write_tokens"] and work_mode["cache_read_tokens"]
    # Five windows, each written once in the whole run; every other call reads it.
    per_window = work_mode["cache_write_tokens"] // 5
    assert work_mode["cache_read_tokens"] == per_window * 7


def test_an_empty_projection_has_the_columns():
    frame = plan.Projection(batch=False, caching=True).frame()
    assert frame.height == 0 and frame.columns == ["classifier", "model", *plan.TOTALS]


def test_a_cached_window_is_not_shared_across_models():
    window = "a long enough window to be worth caching " * 400
    calls = [
        plan.planned_call(CLASSIFIERS[name], model, window, "window-0")
        for name, model in (("work_mode", "claude-sonnet-4-6"), ("job_posting", "claude-haiku-4-5"))
    ]
    frame = plan.project(calls, batch=False, caching=True)
    assert frame["cache_write_tokens"].to_list()[0] > 0 and frame["cache_write_tokens"].to_list()[1] > 0
    assert frame["cache_read_tokens"].sum() == 0
