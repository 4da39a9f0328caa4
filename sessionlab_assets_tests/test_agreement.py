"""Agreement measures and their bootstrap interval."""

from __future__ import annotations

import numpy as np
import pytest

from sessionlab_assets.classify import agreement


def test_kappa_against_values_worked_by_hand():
    truth = np.array(["a", "a", "b", "b"])
    # Observed agreement 3/4; chance agreement from the margins (2/4, 2/4) and (1/4, 3/4) is 1/2.
    assert agreement.cohen_kappa(truth, np.array(["a", "b", "b", "b"])) == pytest.approx(0.5)
    assert agreement.cohen_kappa(truth, truth) == 1.0
    # Quadratic weights: one step off on a three-level scale costs (1/2)^2 of a full disagreement.
    levels = [1, 2, 3]
    one_off = agreement.cohen_kappa(np.array([1, 2, 3, 3]), np.array([1, 2, 3, 2]), levels, weights="quadratic")
    two_off = agreement.cohen_kappa(np.array([1, 2, 3, 3]), np.array([1, 2, 3, 1]), levels, weights="quadratic")
    assert 0 < two_off < one_off < 1
    with pytest.raises(ValueError, match="3 reference labels against 2"):
        agreement.cohen_kappa(np.array([1, 2, 3]), np.array([1, 2]))


def test_the_interval_resamples_people_not_sessions():
    rng = np.random.default_rng(7)
    # 12 people, 20 sessions each; each person's sessions are labelled alike (all agree or all do not).
    people = np.repeat(np.arange(12), 20)
    truth = np.ones(len(people), dtype=int)
    labels = np.where(np.repeat(rng.random(12) < 0.6, 20), 1, 0)
    estimate = agreement.accuracy(truth, labels)
    by_person = agreement.bootstrap_interval(agreement.accuracy, truth, labels, people)
    by_session = agreement.bootstrap_interval(agreement.accuracy, truth, labels)
    assert by_person[0] <= estimate <= by_person[1]
    # Twelve independent people carry far less information than 240 independent sessions would.
    assert by_person[1] - by_person[0] > 2 * (by_session[1] - by_session[0])
    assert agreement.bootstrap_interval(agreement.accuracy, truth, labels, people) == by_person  # fixed seed


def test_no_interval_from_a_single_person_or_an_undefined_measure():
    five = np.arange(5)
    assert agreement.bootstrap_interval(agreement.accuracy, five, five, np.zeros(5)) == (None, None)
    assert agreement.bootstrap_interval(agreement.accuracy, five[:0], five[:0]) == (None, None)
    # Every label alike on both sides: kappa is undefined in every resample.
    assert agreement.bootstrap_interval(agreement.cohen_kappa, np.ones(10), np.ones(10)) == (None, None)


def test_figures_carry_their_intervals_and_an_undefined_kappa_is_none():
    truth, labels = np.array([1, 2, 1, 2, 1, 2]), np.array([1, 2, 1, 1, 1, 2])
    out = agreement.figures(
        {
            "exact": (agreement.accuracy, truth, labels, None),
            "kappa": (agreement.cohen_kappa, np.ones(4), np.ones(4), None),  # one label on both sides
            "weighted_kappa": (agreement.cohen_kappa, truth[:0], labels[:0], None),  # no sessions: left out
        }
    )
    assert set(out) == {"exact", "exact_low", "exact_high", "kappa", "kappa_low", "kappa_high"}
    assert out["exact"] == 5 / 6 and out["exact_low"] <= 5 / 6 <= out["exact_high"]
    assert out["kappa"] is None and out["kappa_low"] is None
