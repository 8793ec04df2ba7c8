import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crnlearn.aggregation import (
    OnlineAggregation,
    aggregation_gains,
    cumulative_regret,
    ewa_weights,
    pwa_weights,
)


def naive_ewa(gains, eta):
    """Per-round EWA by the textbook recursion w <- w exp(eta g) / Z."""
    w = np.full(gains.shape[1], 1.0 / gains.shape[1])
    history = []
    for g in gains:
        history.append(w.copy())
        w = w * np.exp(eta * g)
        w /= w.sum()
    return np.array(history), w


def test_ewa_weights_match_recursion():
    rng = np.random.default_rng(0)
    gains = rng.uniform(-1, 1, size=(50, 7))
    history, final = naive_ewa(gains, 0.3)
    np.testing.assert_allclose(ewa_weights(gains.sum(axis=0), 0.3), final, rtol=1e-12)
    agg = OnlineAggregation(7, rule="ewa", learning_rate=0.3)
    for m, g in enumerate(gains):
        np.testing.assert_allclose(agg.weights, history[m], rtol=1e-12)
        agg.update(g)


def test_ewa_weights_do_not_overflow():
    w = ewa_weights([1e6, 0.0, -1e6], learning_rate=10.0)
    np.testing.assert_allclose(w, [1.0, 0.0, 0.0])
    assert np.all(np.isfinite(w))


def test_ewa_prior_shifts_weights():
    w = ewa_weights([0.0, 0.0], learning_rate=1.0, prior=[0.2, 0.8])
    np.testing.assert_allclose(w, [0.2, 0.8])


def test_pwa_is_uniform_without_positive_regret():
    np.testing.assert_allclose(pwa_weights([[-1.0, -2.0, 0.0]]), [[1 / 3] * 3])


def test_pwa_proportional_to_positive_regret():
    np.testing.assert_allclose(pwa_weights([2.0, -5.0, 6.0]), [0.25, 0.0, 0.75])
    np.testing.assert_allclose(
        pwa_weights([2.0, -5.0, 6.0], exponent=3.0), [4 / 40, 0.0, 36 / 40]
    )


def test_online_pwa_tracks_regret():
    agg = OnlineAggregation(3, rule="pwa")
    agg.update([1.0, 0.0, 0.0])
    # aggregation earned 1/3, so regrets are 2/3, -1/3, -1/3
    np.testing.assert_allclose(agg.regret, [2 / 3, -1 / 3, -1 / 3])
    np.testing.assert_allclose(agg.weights, [1.0, 0.0, 0.0])


def test_online_aggregation_rejects_unknown_rule():
    with pytest.raises(ValueError, match="rule must be one of"):
        OnlineAggregation(3, rule="softmax")


def test_cumulative_regret_against_naive_loop():
    rng = np.random.default_rng(1)
    gains = rng.uniform(-1, 1, size=(30, 2, 5))
    weights = rng.dirichlet(np.ones(5), size=(30, 2))
    expected = np.empty((30, 2))
    for c in range(2):
        for t in range(30):
            best = gains[: t + 1, c].sum(axis=0).max()
            earned = sum(weights[s, c] @ gains[s, c] for s in range(t + 1))
            expected[t, c] = best - earned
    np.testing.assert_allclose(cumulative_regret(gains, weights), expected)


def test_cumulative_regret_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        cumulative_regret(np.zeros((3, 2)), np.zeros((3, 3)))


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
           elements=st.floats(-50, 50)),
    st.floats(0.0, 5.0),
)
def test_ewa_weights_on_simplex(gains, eta):
    w = ewa_weights(gains, eta)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)


def test_aggregation_gains_is_inner_product():
    assert aggregation_gains([0.5, 0.5], [1.0, 3.0]) == pytest.approx(2.0)
