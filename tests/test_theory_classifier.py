"""The theory measured on fitted CRNClassifier runs, both backends."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnlearn import CRNClassifier
from crnlearn.datasets import load_digits_split, make_conjunction_task
from crnlearn.theory import (
    classifier_concentration,
    classifier_regret,
    integrated_regret,
    loglog_slope,
    network_regret_bound,
    regret_difference_bound,
)

#: Chemistry runs: few reactions and samples so that one fit takes seconds.
CHEMISTRY_REACTIONS = 5
CHEMISTRY_SAMPLES = 40
#: A learning rate large enough for the weights to move visibly in 40 samples.
CHEMISTRY_RATE = 0.2


@pytest.fixture(scope="module")
def digits():
    X_train, _, y_train, _ = load_digits_split()
    return X_train, y_train


@pytest.fixture(scope="module")
def digits_fit(digits):
    X, y = digits
    return CRNClassifier(n_reactions=20, learning_rate="auto", random_state=0).fit(
        X, y
    )


@pytest.fixture(scope="module")
def backend_pair(digits):
    X, y = digits
    fits = {}
    for backend in ("closed-form", "chemistry"):
        fits[backend] = CRNClassifier(
            n_reactions=CHEMISTRY_REACTIONS, learning_rate=CHEMISTRY_RATE,
            backend=backend, random_state=0,
        ).fit(X[:CHEMISTRY_SAMPLES], y[:CHEMISTRY_SAMPLES])
    return fits


def test_regret_api_on_a_digits_run(digits_fit):
    clf = digits_fit
    result = classifier_regret(clf)
    n_rounds, n_classes = clf.n_rounds_, clf.classes_.size

    assert result.regret.shape == (n_rounds, n_classes)
    assert result.bound.shape == result.optimal_bound.shape == (n_rounds,)
    assert result.learning_rate == pytest.approx(
        clf.learning_rate_ * clf.presentation_time, rel=1e-14
    )
    assert result.gain_range == (-clf.penalty_, clf.reward_)
    # "auto" is the rate tuned to the run: the bound at its end is the optimum
    assert result.bound[-1] == pytest.approx(result.optimal_bound[-1], rel=1e-12)


def test_digits_regret_sits_under_the_bound_and_close_to_it(digits_fit):
    result = classifier_regret(digits_fit)
    assert result.within_bound()
    # measured 0.70: the worst-case bound is not vacuous on real data
    assert result.bound_fraction > 0.4
    np.testing.assert_array_less(result.network_regret, result.network_bound + 1e-9)
    assert result.network_bound[-1] == pytest.approx(
        network_regret_bound(
            digits_fit.n_rounds_, digits_fit.n_reactions_, digits_fit.classes_.size,
            gain_range=result.gain_range,
        ),
        rel=1e-12,
    )


def test_digits_regret_orders_in_m(digits):
    # runs at eta*(M): the final regret follows the bound's sqrt(M) order
    # rather than the trivial linear one
    # and the regret integrated over the run follows the order M sqrt(M)
    X, y = digits
    horizons = np.array([100, 200, 400, 800, 1437])
    final, integrated = [], []
    for n_rounds in horizons:
        clf = CRNClassifier(n_reactions=20, learning_rate="auto", random_state=0)
        result = classifier_regret(clf.fit(X[:n_rounds], y[:n_rounds]))
        final.append(result.final_regret.max())
        integrated.append(integrated_regret(result.regret)[-1].max())
    # measured 0.51 and 1.59
    assert loglog_slope(horizons, final) == pytest.approx(0.5, abs=0.1)
    assert loglog_slope(horizons, integrated) == pytest.approx(1.5, abs=0.15)


def test_weight_entropy_falls_on_the_digits(digits_fit):
    result = classifier_concentration(digits_fit)
    entropy = result.normalized_entropy.mean(axis=1)
    assert entropy[0] == pytest.approx(1.0, rel=1e-12)
    # measured 0.13 after the 1437 training digits
    assert entropy[-1] < 0.3
    windows = entropy[: entropy.size // 200 * 200].reshape(-1, 200).mean(axis=1)
    assert np.all(np.diff(windows) < 0)
    assert np.all(result.best_weight[-1] > result.best_weight[0])


def test_chemistry_regret_sits_under_the_bound(backend_pair):
    for backend, clf in backend_pair.items():
        result = classifier_regret(clf)
        assert result.regret.shape == (CHEMISTRY_SAMPLES, clf.classes_.size)
        assert result.within_bound(), backend


def test_chemistry_regret_matches_the_closed_form_within_the_backend_gap(
    backend_pair,
):
    closed, chemistry = backend_pair["closed-form"], backend_pair["chemistry"]
    np.testing.assert_allclose(chemistry.gains_, closed.gains_, rtol=1e-14)
    exact = classifier_regret(closed)
    simulated = classifier_regret(chemistry)
    gap = regret_difference_bound(
        closed.gains_, chemistry.weight_history_, closed.weight_history_
    )

    difference = np.abs(simulated.regret - exact.regret)
    assert np.all(difference <= gap + 1e-12)
    # the weights differ (the chemistry is not the closed form in disguise)...
    assert difference.max() > 0
    # ...but the backend gap is small against the bound (measured 1.2e-4)
    assert gap[-1].max() < 1e-3 * exact.bound[-1]


def test_chemistry_regret_gap_shrinks_with_the_readout_rate(digits):
    X, y = digits
    X, y = X[:30], y[:30]
    closed = CRNClassifier(
        n_reactions=4, learning_rate=CHEMISTRY_RATE, random_state=1
    ).fit(X, y)
    exact = classifier_regret(closed).regret
    gaps = []
    for readout_rate in (100.0, 1000.0):
        chemistry = CRNClassifier(
            n_reactions=4, learning_rate=CHEMISTRY_RATE, backend="chemistry",
            readout_rate=readout_rate, random_state=1,
        ).fit(X, y)
        gaps.append(np.abs(classifier_regret(chemistry).regret - exact).max())
    # the quasi-steady-state error scales like eta / k_y: measured ratio 0.10
    assert gaps[1] < 0.2 * gaps[0]


@st.composite
def small_problems(draw):
    n_samples = draw(st.integers(5, 60))
    n_features = draw(st.integers(2, 5))
    n_classes = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    params = {
        "n_reactions": draw(st.integers(1, 12)),
        "learning_rate": draw(st.floats(1e-3, 50.0)),
        "reward": draw(st.floats(0.05, 5.0)),
        "penalty": draw(st.one_of(st.just("balanced"), st.floats(0.05, 5.0))),
        "presentation_time": draw(st.floats(0.1, 5.0)),
        "n_passes": draw(st.integers(1, 2)),
        "random_state": seed,
    }
    return X, y, params


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_any_closed_form_fit_sits_under_its_bound(problem):
    X, y, params = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # K above the candidates
        clf = CRNClassifier(**params).fit(X, y)
    result = classifier_regret(clf)
    slack = 1e-9 * (1.0 + np.abs(clf.gains_).sum())
    assert np.all(result.regret <= result.bound[:, None] + slack)


def test_weight_of_the_known_best_reaction_tends_to_one():
    # "red against the rest": for the red class the singleton X_red has the
    # largest expected gain, a P(red) = a / 3, every pair with red only a / 9
    X, y = make_conjunction_task(task=1, n_samples=3000, random_state=0)
    eta = 0.05
    clf = CRNClassifier(
        n_reactions=21, order=2, dual_rail=False, selection="mean-flux",
        learning_rate=eta, reward=1.0, penalty=1.0, encoding=None, random_state=0,
    ).fit(X, y)
    red = 3  # CONJUNCTION_FEATURES: three shapes, then red, green, blue
    result = classifier_concentration(clf)

    assert clf.complexes_[result.best[1]] == (red,)
    assert result.gap[1] == pytest.approx(2 / 9, abs=0.02)
    best_weight = result.best_weight[:, 1]
    assert best_weight[0] == pytest.approx(1 / 21, rel=1e-12)
    assert best_weight[-1] > 1 - 1e-9
    assert np.all(1 - best_weight <= result.residual_bound[:, 1] + 1e-12)
    # geometric decay of the rest at the rate eta * gap
    m = np.arange(1, best_weight.size + 1)
    late = slice(500, 1500)
    rate = np.polyfit(m[late], np.log(1 - best_weight[late]), 1)[0]
    assert rate == pytest.approx(-eta * 2 / 9, rel=0.1)
