"""Tests of the stochastic training backend (learning at finite molecule counts)."""

import numpy as np
import pytest

from crnlearn.crn.stochastic import StochasticSimulator
from crnlearn.datasets import load_digits_split
from crnlearn.learn import CRNClassifier
from crnlearn.learn.backends import (
    BACKENDS,
    TrainingProblem,
    class_signs,
    train_closed_form,
)
from crnlearn.learn.complexes import complex_fluxes, input_concentrations
from crnlearn.learn.stochastic_backend import (
    build_stochastic_learning_network,
    stochastic_readout,
    train_stochastic,
)

#: A weight differs from the deterministic one by less than this many
#: predicted standard deviations (the linear-noise estimate below); with 15
#: weights per run a false alarm has probability ~1e-5.
N_SIGMAS = 5.0


@pytest.fixture(scope="module")
def small():
    """Three digit classes, 80 images, K = 5, a learning rate that moves the
    weights well away from uniform."""
    X_train, _, y_train, _ = load_digits_split()
    keep = np.isin(y_train, (0, 1, 2))
    X, y = X_train[keep][:80], y_train[keep][:80]
    clf = CRNClassifier(n_reactions=5, learning_rate=0.05, random_state=0).fit(X, y)
    Z = input_concentrations(clf.encoder_.transform(X), clf.dual_rail)
    C, K = clf.weights_.shape

    def problem(n_rounds=None, readout_rate=1000.0, **options):
        n = len(y) if n_rounds is None else n_rounds
        return TrainingProblem(
            inputs=Z[:n],
            fluxes=complex_fluxes(Z[:n], clf.complexes_),
            targets=np.searchsorted(clf.classes_, y[:n]),
            n_classes=C,
            complexes=clf.complexes_,
            n_features=X.shape[1],
            dual_rail=clf.dual_rail,
            learning_rate=clf.learning_rate_,
            reward=clf.reward_,
            penalty=clf.penalty_,
            presentation_time=1.0,
            readout_rate=readout_rate,
            weights=np.full((C, K), 1.0 / K),
            cumulative_gains=np.zeros((C, K)),
            outputs=np.zeros(C),
            options=options,
        )

    return problem


def predicted_std(problem, volume):
    """Linear-noise standard deviation of each learned weight at volume V.

    Each reaction changing ``W_{c,S}`` by one molecule fires at a
    per-molecule rate ``eta |s_c| (phi_S + y_c)`` (gain and normalisation
    reactions); summed over the run, the variance of the count is the
    expected number of firings, ``V sum_m eta tau w |s| (phi + y)``.
    """
    ref = train_closed_form(problem)
    scores = np.einsum("mck,mk->mc", ref.weight_history, problem.fluxes)
    signs = np.abs(
        class_signs(problem.targets, problem.n_classes, problem.reward, problem.penalty)
    )
    rate = problem.ewa_rate * ref.weight_history * signs[:, :, None]
    rate = rate * (problem.fluxes[:, None, :] + scores[:, :, None])
    return ref.weights, np.sqrt(rate.sum(axis=0) / volume)


def test_registered():
    assert BACKENDS["stochastic"] is train_stochastic


@pytest.mark.parametrize("method", ["ssa", "tau-leap"])
def test_large_volume_matches_closed_form(small, method):
    errors = {}
    for volume in (1e3, 1e5):
        problem = small(volume=volume, random_state=1, method=method)
        result = train_stochastic(problem)
        reference, std = predicted_std(problem, volume)
        error = np.abs(result.weights - reference)
        assert np.all(error < N_SIGMAS * std), (volume, (error / std).max())
        errors[volume] = error.max()
        assert result.counters["tau_leap"] == (method == "tau-leap")
    # 100 times the volume: the error shrinks about tenfold (1 / sqrt(V)).
    assert errors[1e5] < errors[1e3] / 3


def test_weights_move_and_stay_near_unit_sum(small):
    problem = small(volume=1e5, random_state=0)
    result = train_stochastic(problem)
    assert np.abs(result.weights - 1.0 / 5).max() > 0.05  # learning happened
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0, atol=0.02)
    assert result.weight_history.shape == (80, 3, 5)
    np.testing.assert_allclose(result.weight_history[0], 0.2)
    assert result.counters["presentations"] == 80


def test_same_seed_same_result(small):
    a = train_stochastic(small(volume=300.0, random_state=7))
    b = train_stochastic(small(volume=300.0, random_state=7))
    c = train_stochastic(small(volume=300.0, random_state=8))
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.weight_history, b.weight_history)
    np.testing.assert_array_equal(a.outputs, b.outputs)
    assert not np.array_equal(a.weights, c.weights)


def test_weights_are_whole_molecules(small):
    volume = 250.0
    result = train_stochastic(small(volume=volume, random_state=0))
    counts = result.weights * volume
    np.testing.assert_allclose(counts, np.rint(counts), atol=1e-9)


def test_averaged_readout_has_the_averaged_propensities(small):
    """The reduced network fires its normalising reactions at the explicit
    network's propensity with the output count replaced by its mean."""
    volume = 50.0
    problem = small(n_rounds=1)
    explicit, layout = build_stochastic_learning_network(problem, volume, "explicit")
    averaged, layout_a = build_stochastic_learning_network(problem, volume)
    assert explicit.species == averaged.species
    rng = np.random.default_rng(3)
    counts = np.zeros(explicit.n_species, dtype=np.int64)
    counts[layout.weights] = rng.integers(0, 40, size=layout.weights.shape)
    counts[layout.inputs] = rng.integers(0, 51, size=layout.inputs.size)
    counts[layout.teachers] = [50, 0, 0]
    counts[layout.anti_teachers] = [0, 50, 50]
    counts[layout.outputs] = 1  # propensities are linear in the output count
    a_explicit = dict(
        zip(
            [r.name for r in explicit.reactions],
            StochasticSimulator(explicit, volume).propensities(counts),
            strict=True,
        )
    )
    a_averaged = StochasticSimulator(averaged, volume).propensities(counts)
    complexes = problem.complexes
    phi = np.array(
        [np.prod(counts[layout.inputs[list(s)]] / volume) for s in complexes]
    )
    for c in range(3):
        mean_y = counts[layout.weights[c]] @ phi
        for s in complexes:
            tag = f"{c}_" + "_".join(map(str, s))
            for kind in ("normreward", "normpenalty"):
                total = sum(
                    a for r, a in zip(averaged.reactions, a_averaged, strict=True)
                    if r.name.startswith(f"{kind}_{tag}_")
                )
                np.testing.assert_allclose(
                    total, a_explicit[f"{kind}_{tag}"] * mean_y, rtol=1e-12,
                    atol=1e-300,
                )
    assert not any(r.name.startswith(("readout", "decay")) for r in averaged.reactions)


def test_explicit_readout_agrees_with_averaged(small):
    """Mean learned weights over seeds: full network (read-out simulated)
    against the averaged read-out, at a read-out rate low enough to simulate."""
    volume, n_runs = 200.0, 12
    means = {}
    spreads = {}
    for readout in ("explicit", "averaged"):
        runs = np.array([
            train_stochastic(
                small(n_rounds=30, readout_rate=40.0, volume=volume, random_state=s,
                      readout=readout, method="ssa")
            ).weights
            for s in range(n_runs)
        ])
        means[readout] = runs.mean(axis=0)
        spreads[readout] = runs.std(axis=0, ddof=1)
    standard_error = np.sqrt((spreads["explicit"] ** 2 + spreads["averaged"] ** 2)
                             / n_runs)
    gap = np.abs(means["explicit"] - means["averaged"])
    assert np.all(gap < N_SIGMAS * standard_error + 1e-12)


def test_auto_method(small):
    low = train_stochastic(small(n_rounds=5, volume=100.0, random_state=0))
    high = train_stochastic(small(n_rounds=5, volume=1e8, random_state=0))
    assert low.counters["tau_leap"] == 0
    assert high.counters["tau_leap"] == 1
    assert high.counters["leaps"] > 0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({}, "needs a volume"),
        ({"volume": None}, "needs a volume"),
        ({"volume": 0.0}, "volume must be finite and > 0"),
        ({"volume": -5.0}, "volume must be finite and > 0"),
        ({"volume": float("nan")}, "volume must be finite and > 0"),
        ({"volume": "big"}, "volume must be a number > 0"),
        ({"volume": True}, "volume must be a number > 0"),
        ({"volume": 10.0, "method": "euler"}, "method must be one of"),
        ({"volume": 10.0, "readout": "fast"}, "readout must be one of"),
        ({"volume": 10.0, "normalisation": "x"}, "normalisation must be one of"),
        ({"volume": 10.0, "tau": 0.1}, r"unknown options .*\['tau'\]"),
    ],
)
def test_errors(small, options, match):
    with pytest.raises(ValueError, match=match):
        train_stochastic(small(n_rounds=3, **options))


def test_step_budget_error(small):
    with pytest.raises(RuntimeError, match="stopped at sample 0"):
        train_stochastic(
            small(n_rounds=3, volume=1e4, random_state=0, method="ssa", max_steps=5)
        )


def test_classifier(small):
    X_train, X_test, y_train, y_test = load_digits_split()
    with pytest.raises(ValueError, match="needs a volume"):
        CRNClassifier(n_reactions=5, backend="stochastic").fit(
            X_train[:50], y_train[:50]
        )
    clf = CRNClassifier(
        n_reactions=10, backend="stochastic", volume=1e4, random_state=0
    ).fit(X_train[:300], y_train[:300])
    ref = CRNClassifier(n_reactions=10, random_state=0)
    ref.fit(X_train[:300], y_train[:300])
    assert clf.weight_history_.shape == (300, 10, 10)
    assert clf.chemistry_counters_["presentations"] == 300
    # Prediction is the deterministic score of the learned weights.
    np.testing.assert_allclose(
        clf.decision_function(X_test), clf.complex_fluxes(X_test) @ clf.weights_.T
    )
    assert abs(clf.score(X_test, y_test) - ref.score(X_test, y_test)) < 0.1
    # partial_fit carries the counts on.
    clf.partial_fit(X_train[300:350], y_train[300:350])
    assert clf.n_rounds_ == 350


def test_stochastic_readout():
    rng = np.random.default_rng(0)
    fluxes = rng.random((200, 6))
    weights = rng.dirichlet(np.ones(6), size=4)
    exact = np.argmax(fluxes @ weights.T, axis=1)
    np.testing.assert_array_equal(stochastic_readout(fluxes, weights, 1e12, 0), exact)
    noisy = stochastic_readout(fluxes, weights, 5.0, 0)
    assert np.mean(noisy == exact) < 0.9
    np.testing.assert_array_equal(noisy, stochastic_readout(fluxes, weights, 5.0, 0))
    with pytest.raises(ValueError, match="volume must be finite and > 0"):
        stochastic_readout(fluxes, weights, -1.0)
