"""Concentration of the weights on the best expert (crnlearn.theory.asymptotics)."""

import numpy as np
import pytest

from crnlearn.theory import (
    best_experts,
    ewa_weight_history,
    weight_concentration,
    weight_entropy,
)


def test_entropy_of_uniform_and_one_hot_weights():
    weights = np.array([[0.25] * 4, [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    np.testing.assert_allclose(
        weight_entropy(weights), [np.log(4), 0.0, np.log(2)], rtol=1e-14, atol=0
    )
    np.testing.assert_allclose(
        weight_entropy(weights, normalize=True), [1.0, 0.0, 0.5], rtol=1e-14
    )


def test_entropy_rejects_negative_weights():
    with pytest.raises(ValueError, match="non-negative"):
        weight_entropy([[0.5, -0.5]])


def test_best_expert_and_gap():
    gains = np.array([[0.1, 0.5, 0.2], [0.3, 0.7, 0.2]])
    best, gap = best_experts(gains)
    assert int(best) == 1
    assert float(gap) == pytest.approx(0.6 - 0.2, abs=1e-12)


def _iid_gains(n_rounds, means, rng, noise=0.5):
    means = np.asarray(means, dtype=float)
    return np.clip(means + rng.uniform(-noise, noise, (n_rounds, means.size)), -1, 1)


def test_weight_of_the_best_expert_tends_to_one():
    rng = np.random.default_rng(0)
    means = [0.0, 0.1, -0.2, 0.25, 0.05]  # expert 3 is best, gap 0.15
    gains = _iid_gains(4000, means, rng)
    eta = 0.05
    result = weight_concentration(ewa_weight_history(gains, eta), gains, eta)

    assert int(result.best) == 3
    assert result.best_weight[0] == pytest.approx(0.2, rel=1e-12)
    assert result.best_weight[-1] > 0.9999
    # monotone in the long run: every later window is closer to 1
    windows = result.best_weight[: 4000 // 500 * 500].reshape(-1, 500).mean(axis=1)
    assert np.all(np.diff(windows) > 0)
    assert result.entropy[0] == pytest.approx(np.log(5), rel=1e-12)
    assert result.entropy[-1] < 1e-3 * result.entropy[0]


def test_residual_weight_stays_under_its_bound():
    rng = np.random.default_rng(1)
    gains = _iid_gains(3000, [0.3, 0.2, 0.2, -0.1], rng)
    eta = 0.1
    result = weight_concentration(ewa_weight_history(gains, eta), gains, eta)
    assert np.all(1.0 - result.best_weight <= result.residual_bound + 1e-12)


def test_residual_decays_at_the_rate_set_by_the_gap():
    # (1/m) ln(1 - w_best) -> -eta * gap for i.i.d. gains
    rng = np.random.default_rng(2)
    gains = _iid_gains(6000, [0.2, 0.0, -0.3], rng, noise=0.3)
    eta = 0.01
    result = weight_concentration(ewa_weight_history(gains, eta), gains)
    m = np.arange(1, 6001)
    late = slice(3000, 6000)
    rate = np.polyfit(m[late], np.log(1.0 - result.best_weight[late]), 1)[0]
    assert rate == pytest.approx(-eta * 0.2, rel=0.05)


def test_tied_experts_share_the_weight():
    rng = np.random.default_rng(3)
    shared = rng.uniform(-0.5, 0.5, size=(3000, 1))
    gains = np.hstack([shared + 0.2, shared + 0.2, _iid_gains(3000, [0.0], rng)])
    eta = 0.1
    weights = ewa_weight_history(gains, eta)
    result = weight_concentration(weights, gains, eta)
    np.testing.assert_allclose(weights[-1, :2], [0.5, 0.5], rtol=1e-9)
    assert result.entropy[-1] == pytest.approx(np.log(2), rel=1e-6)


def test_concentration_checks_shapes():
    with pytest.raises(ValueError, match="same shape"):
        weight_concentration(np.ones((3, 2)), np.ones((3, 4)))
