"""Regret of EWA against its bound (crnlearn.theory.regret)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crnlearn.aggregation import OnlineAggregation
from crnlearn.theory import (
    adversarial_gains,
    ewa_regret_bound,
    ewa_weight_history,
    network_regret_bound,
    optimal_learning_rate,
    optimal_regret_bound,
    regret_over_time,
)


def test_bound_formula_by_hand():
    # ln 4 / 0.5 + 0.5 * 10 * (2 + 1)^2 / 8
    expected = math.log(4) / 0.5 + 0.5 * 10 * 9 / 8
    assert ewa_regret_bound(10, 4, 0.5, gain_range=(-1, 2)) == pytest.approx(
        expected, rel=1e-14
    )


def test_bound_vectorised_over_horizons():
    rounds = np.arange(1, 6)
    bounds = ewa_regret_bound(rounds, 3, 0.2, (-0.5, 1.0))
    expected = [ewa_regret_bound(m, 3, 0.2, (-0.5, 1.0)) for m in rounds]
    np.testing.assert_allclose(bounds, expected, rtol=1e-14)


@pytest.mark.parametrize(("n_rounds", "n_experts", "gain_range"), [
    (100, 2, (-1, 1)), (1437, 50, (-1 / 9, 1)), (10, 7, (0, 3)),
])
def test_optimal_rate_minimises_the_bound(n_rounds, n_experts, gain_range):
    eta_star = optimal_learning_rate(n_rounds, n_experts, gain_range)
    grid = eta_star * np.exp(np.linspace(-3, 3, 2001))
    bounds = ewa_regret_bound(n_rounds, n_experts, grid, gain_range)
    assert grid[bounds.argmin()] == pytest.approx(eta_star, rel=5e-3)
    assert ewa_regret_bound(n_rounds, n_experts, eta_star, gain_range) == (
        pytest.approx(optimal_regret_bound(n_rounds, n_experts, gain_range), rel=1e-12)
    )


def test_network_bound_sums_the_classes():
    per_class = ewa_regret_bound(200, 10, 0.1, (-1, 1))
    assert network_regret_bound(200, 10, 10, 0.1, (-1, 1)) == pytest.approx(
        10 * per_class, rel=1e-14
    )
    assert network_regret_bound(200, 10, 3) == pytest.approx(
        3 * optimal_regret_bound(200, 10), rel=1e-14
    )


def test_weight_history_matches_the_online_aggregation():
    rng = np.random.default_rng(3)
    gains = rng.uniform(-1, 1, size=(40, 2, 5))
    aggregation = OnlineAggregation(5, shape=(2,), rule="ewa", learning_rate=0.7)
    reference = []
    for g in gains:
        reference.append(aggregation.weights.copy())
        aggregation.update(g)
    np.testing.assert_allclose(
        ewa_weight_history(gains, 0.7), np.array(reference), rtol=1e-12, atol=1e-15
    )


def test_regret_by_naive_loop():
    rng = np.random.default_rng(4)
    gains = rng.uniform(-0.5, 1, size=(30, 4))
    weights = ewa_weight_history(gains, 0.3)
    result = regret_over_time(gains, weights, 0.3, (-0.5, 1))
    for m in range(1, 31):
        best = gains[:m].sum(axis=0).max()
        earned = sum(weights[t] @ gains[t] for t in range(m))
        assert result.regret[m - 1] == pytest.approx(best - earned, abs=1e-12)


@st.composite
def bounded_runs(draw):
    n_rounds = draw(st.integers(1, 120))
    n_experts = draw(st.integers(1, 8))
    reward = draw(st.floats(0.01, 20.0))
    penalty = draw(st.floats(0.01, 20.0))
    eta = draw(st.floats(1e-3, 1e3))
    unit = draw(
        arrays(float, (n_rounds, n_experts), elements=st.floats(0.0, 1.0))
    )
    return -penalty + unit * (reward + penalty), eta, (-penalty, reward)


@settings(max_examples=300, deadline=None)
@given(bounded_runs())
def test_ewa_regret_never_exceeds_the_bound(run):
    gains, eta, gain_range = run
    result = regret_over_time(gains, ewa_weight_history(gains, eta), eta, gain_range)
    slack = 1e-9 * (1.0 + np.abs(gains).sum())
    assert np.all(result.regret <= result.bound + slack)


@pytest.mark.parametrize(("n_experts", "fraction"), [(2, 0.98), (4, 0.98), (8, 0.98),
                                                     (3, 0.92)])
def test_adversarial_sequence_nearly_reaches_the_bound(n_experts, fraction):
    n_rounds = 20_000
    eta = optimal_learning_rate(n_rounds, n_experts)
    gains = adversarial_gains(n_rounds, n_experts, eta)
    result = regret_over_time(gains, ewa_weight_history(gains, eta), eta, (-1, 1))
    assert result.within_bound()
    assert result.regret[-1] / result.bound[-1] > fraction


def test_adversarial_fraction_grows_with_the_horizon():
    fractions = []
    for n_rounds in (500, 5000, 50_000):
        eta = optimal_learning_rate(n_rounds, 2, (-0.25, 1.0))
        gains = adversarial_gains(n_rounds, 2, eta, (-0.25, 1.0))
        result = regret_over_time(gains, ewa_weight_history(gains, eta), eta)
        fractions.append(result.regret[-1] / result.bound[-1])
    assert np.all(np.diff(fractions) > 0)
    assert fractions[-1] > 0.99


def test_result_totals_and_summary():
    rng = np.random.default_rng(5)
    gains = rng.uniform(-1, 1, size=(25, 3, 4))
    result = regret_over_time(gains, ewa_weight_history(gains, 0.5), 0.5, (-1, 1))
    assert result.regret.shape == (25, 3)
    np.testing.assert_allclose(result.network_regret, result.regret.sum(axis=1))
    np.testing.assert_allclose(result.network_bound, 3 * result.bound)
    summary = result.summary()
    assert summary["n_aggregations"] == 3
    assert summary["within_bound"] is True


def test_gains_outside_the_range_warn():
    gains = np.array([[2.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="weights must have the shape"):
        regret_over_time(gains, np.ones((2, 3)), 0.1)
    with pytest.warns(RuntimeWarning, match="outside gain_range"):
        regret_over_time(gains, np.full((2, 2), 0.5), 0.1, gain_range=(-1, 1))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"learning_rate": 0.0}, "learning_rate must be finite and > 0"),
    ({"gain_range": (1, -1)}, "low < high"),
    ({"gain_range": "ab"}, "pair"),
    ({"n_experts": 0}, "n_experts must be an integer >= 1"),
])
def test_bound_rejects_bad_arguments(kwargs, match):
    arguments = {"n_rounds": 10, "n_experts": 3, "learning_rate": 0.1,
                 "gain_range": (-1, 1)} | kwargs
    with pytest.raises(ValueError, match=match):
        ewa_regret_bound(**arguments)


def test_optimal_rate_needs_two_experts():
    with pytest.raises(ValueError, match="n_experts must be >= 2"):
        optimal_learning_rate(10, 1)
