"""The paper's learner, CRNClassifier: EWA, its two backends and its network.

The closed form is compared with the EWA written as a per-sample loop; the
chemistry backend with the closed form as ``learning_rate / readout_rate``
shrinks (the regret side of that comparison is in
``tests/test_theory_classifier.py``, fixture ``backend_pair``); the network
of a trained classifier, exported to SBML, is simulated by libroadrunner
and by crnlearn's own engine, and must rank the classes as ``predict``
does. Candidate complexes and selection rules are tested in
``tests/test_complexes.py``, the network builder in
``tests/test_learning_network.py``.
"""

import math
import warnings

import numpy as np
import pytest
from _sklearn_checks import run_check
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from crnlearn import CRNClassifier, simulate
from crnlearn.datasets import (
    load_conjunction_split,
    load_digits_split,
    make_conjunction_task,
)
from crnlearn.learn.classifier import optimal_learning_rate
from crnlearn.learn.complexes import candidate_complexes, input_concentrations
from crnlearn.learn.network import weight_species_name

#: Digits runs of the chemistry backend: a subset of the training set, so
#: that one run takes seconds (all 1,437 images take about 20 s per run;
#: that version is marked slow).
CHEMISTRY_DIGITS = 300
#: Learning rate of the digits comparisons of the two backends.
CHEMISTRY_DIGITS_RATE = 0.1


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


@pytest.fixture(scope="module")
def digits_k20(digits):
    """The closed form with K = 20 on all training digits, other defaults."""
    return CRNClassifier(n_reactions=20, random_state=0).fit(
        digits.X_train, digits.y_train
    )


def naive_fluxes(clf, X):
    """``phi_S(x) = prod_{i in S} z_i`` of the selected complexes, in a loop."""
    Z = input_concentrations(clf.encoder_.transform(X), clf.dual_rail)
    return np.array([[math.prod(z[i] for i in s) for s in clf.complexes_]
                     for z in Z])


def naive_ewa(fluxes, targets, n_classes, reward, penalty, rate):
    """The EWA step ``w <- w exp(rate g) / sum(w exp(rate g))``, sample after
    sample, with ``g_{c,S} = s_c phi_S``: ``s_c = a`` for the true class and
    ``-b`` for the others. Returns the final weights and the weights in force
    at each sample."""
    K = fluxes.shape[1]
    w = np.full((n_classes, K), 1.0 / K)
    history = []
    for phi, target in zip(fluxes, targets, strict=True):
        history.append(w.copy())
        for c in range(n_classes):
            s = reward if c == target else -penalty
            w[c] = w[c] * np.exp(rate * s * phi)
            w[c] = w[c] / w[c].sum()
    return w, np.array(history)


def assert_on_simplex(weights):
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert weights.min() >= 0.0


def xor_task(n_samples, random_state, noise=0.1):
    """Two binary features and their XOR, with clipped Gaussian noise."""
    rng = np.random.default_rng(random_state)
    corners = rng.integers(0, 2, size=(n_samples, 2)).astype(float)
    y = (corners[:, 0] != corners[:, 1]).astype(int)
    X = np.clip(corners + noise * rng.standard_normal(corners.shape), 0.0, 1.0)
    return X, y


# -- scikit-learn ----------------------------------------------------------------


#: scikit-learn checks this estimator fails, with the reason: none.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [CRNClassifier(n_reactions=10)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_compatible(estimator, check):
    run_check(estimator, check)


@pytest.mark.parametrize(
    "method",
    ["predict", "predict_proba", "decision_function", "complex_fluxes",
     "simulate_outputs"],
)
def test_unfitted_estimator_raises_not_fitted(method):
    X, _ = make_conjunction_task(n_samples=5, random_state=0)
    with pytest.raises(NotFittedError):
        getattr(CRNClassifier(), method)(X)


def test_unfitted_estimator_has_no_network():
    # the network's reactions depend on the selected complexes
    with pytest.raises(NotFittedError):
        CRNClassifier().to_network()


# -- the closed form is the EWA --------------------------------------------------


def test_closed_form_is_the_naive_ewa_loop(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    clf = CRNClassifier(
        n_reactions=12, learning_rate=0.05, reward=1.5, penalty=0.4,
        presentation_time=2.0, n_passes=2, random_state=1,
    ).fit(X, y)
    order = clf.presentation_order_
    assert sorted(order[:200]) == sorted(order[200:]) == list(range(200))
    fluxes = naive_fluxes(clf, X[order])
    targets = np.searchsorted(clf.classes_, y[order])
    rate = 0.05 * 2.0
    weights, history = naive_ewa(fluxes, targets, 10, 1.5, 0.4, rate)

    np.testing.assert_allclose(clf.weight_history_, history, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(clf.weights_, weights, rtol=1e-11, atol=1e-15)
    assert_on_simplex(clf.weight_history_)
    assert_on_simplex(clf.weights_)
    # the gains and their sums: s_c phi_S, s_c = a or -b
    signs = np.where(targets[:, None] == np.arange(10), 1.5, -0.4)
    gains = signs[:, :, None] * fluxes[:, None, :]
    np.testing.assert_allclose(clf.gains_, gains, rtol=1e-14)
    np.testing.assert_allclose(clf.cumulative_gains_, gains.sum(axis=0), rtol=1e-11)
    # the outputs after the last presentation: y_c = sum_S w_{c,S} phi_S
    np.testing.assert_allclose(clf.outputs_, weights @ fluxes[-1], rtol=1e-11)
    # the weights have learned: far from uniform
    assert np.abs(clf.weights_ - 1 / 12).max() > 0.2
    assert clf.n_rounds_ == 400


def test_closed_form_is_stable_where_the_naive_loop_overflows(digits):
    # at rate (a + b) in the hundreds the per-sample products underflow to 0
    # and the naive loop gives NaN; the weights are still softmax(rate G)
    X, y = digits.X_train[:200], digits.y_train[:200]
    clf = CRNClassifier(n_reactions=12, learning_rate=1000.0, random_state=1)
    clf.fit(X, y)
    fluxes = naive_fluxes(clf, X[clf.presentation_order_])
    targets = np.searchsorted(clf.classes_, y[clf.presentation_order_])
    with np.errstate(all="ignore"):
        naive, _ = naive_ewa(fluxes, targets, 10, clf.reward_, clf.penalty_, 1000.0)
    assert np.isnan(naive).any()
    signs = np.where(targets[:, None] == np.arange(10), clf.reward_, -clf.penalty_)
    G = np.einsum("mc,mk->ck", signs, fluxes)
    logits = 1000.0 * (G - G.max(axis=1, keepdims=True))
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.weights_, expected, rtol=0, atol=1e-12)
    assert np.isfinite(clf.weight_history_).all()
    assert_on_simplex(clf.weight_history_)


def test_partial_fit_over_the_fit_order_is_the_fit(digits):
    # sixteenths as concentrations: the selection sums are exact, so the
    # selection cannot depend on the order of the samples
    X, y = digits.X_train[:300], digits.y_train[:300]
    whole = CRNClassifier(n_reactions=15, encoding=None, learning_rate=0.05,
                          random_state=4).fit(X, y)
    order = whole.presentation_order_
    once = CRNClassifier(n_reactions=15, encoding=None, learning_rate=0.05)
    once.partial_fit(X[order], y[order], classes=np.unique(y))
    assert once.complexes_ == whole.complexes_
    np.testing.assert_allclose(once.weight_history_, whole.weight_history_,
                               rtol=1e-12)
    np.testing.assert_allclose(once.weights_, whole.weights_, rtol=1e-12)
    np.testing.assert_array_equal(once.presentation_order_, np.arange(300))


def chunked_fit(params, X, y, order, bounds):
    """``partial_fit`` on ``X[order]`` in the chunks between ``bounds``."""
    clf = CRNClassifier(**params)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[start:stop]
        clf.partial_fit(X[rows], y[rows], classes=np.unique(y))
    return clf


def matched_columns(a, b):
    """Column order of ``b`` that lists its complexes as ``a`` does."""
    assert sorted(a.complexes_) == sorted(b.complexes_)
    return [b.complexes_.index(s) for s in a.complexes_]


@pytest.mark.parametrize("backend", ["closed-form", "chemistry"])
def test_partial_fit_in_chunks_is_one_fit(backend):
    # the first chunk selects the complexes; with all candidates kept both
    # runs have the same ones, perhaps in another order
    rng = np.random.default_rng(2)
    X = rng.random((30, 6))
    y = np.arange(30) % 3
    order_of_complexes = 1 if backend == "chemistry" else 2
    params = dict(n_reactions=len(candidate_complexes(6, order_of_complexes)),
                  order=order_of_complexes, dual_rail=False, encoding=None,
                  learning_rate=0.3, readout_rate=300.0, backend=backend)
    whole = CRNClassifier(n_passes=2, random_state=3, **params).fit(X, y)
    order = whole.presentation_order_
    chunks = chunked_fit(params, X, y, order, [0, 25, 45, 60])
    columns = matched_columns(whole, chunks)
    # the chemistry's solver sees the same presentations: measured equal
    tolerance = 1e-12 if backend == "closed-form" else 1e-10
    np.testing.assert_allclose(chunks.weight_history_[:, :, columns],
                               whole.weight_history_, rtol=tolerance)
    np.testing.assert_allclose(chunks.weights_[:, columns], whole.weights_,
                               rtol=tolerance)
    np.testing.assert_allclose(chunks.outputs_, whole.outputs_, rtol=tolerance)
    assert chunks.n_rounds_ == whole.n_rounds_ == 60
    assert np.abs(whole.weights_ - 1 / whole.n_reactions_).max() > 0.1
    # indices into each call's data
    np.testing.assert_array_equal(
        chunks.presentation_order_,
        np.concatenate([np.arange(25), np.arange(20), np.arange(15)]),
    )


def test_fit_starts_afresh_and_partial_fit_continues(digits):
    X, y = digits.X_train[:100], digits.y_train[:100]
    clf = CRNClassifier(n_reactions=8, learning_rate=0.05, random_state=0)
    clf.fit(X, y).partial_fit(X[:30], y[:30])
    assert clf.n_rounds_ == 130
    assert clf.weight_history_.shape == (130, 10, 8)
    fresh = CRNClassifier(n_reactions=8, learning_rate=0.05, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.weight_history_[:100], fresh.weight_history_)
    np.testing.assert_array_equal(clf.weight_history_[100], fresh.weights_)
    clf.fit(X, y)
    assert clf.n_rounds_ == 100
    np.testing.assert_array_equal(clf.weights_, fresh.weights_)


def test_random_state_fixes_the_order_of_presentation(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    fits = [CRNClassifier(n_reactions=10, learning_rate=0.05, random_state=seed)
            .fit(X, y) for seed in (5, 5, 6)]
    np.testing.assert_array_equal(fits[0].presentation_order_,
                                  fits[1].presentation_order_)
    np.testing.assert_array_equal(fits[0].weight_history_, fits[1].weight_history_)
    assert not np.array_equal(fits[0].presentation_order_,
                              fits[2].presentation_order_)
    assert np.abs(fits[0].weight_history_ - fits[2].weight_history_).max() > 1e-3
    # the final weights are a function of the summed gains only
    np.testing.assert_allclose(fits[0].weights_, fits[2].weights_, rtol=1e-10)


# -- the chemistry backend converges to the closed form --------------------------


def test_chemistry_gap_shrinks_in_proportion_to_the_rate_ratio(digits):
    X, y = digits.X_train[:30], digits.y_train[:30]
    eta, K = 0.2, 5
    closed = CRNClassifier(n_reactions=K, learning_rate=eta, random_state=0)
    closed.fit(X, y)
    gaps, mass_errors = [], []
    for ratio in (1e-1, 1e-2, 1e-3):
        chemistry = CRNClassifier(
            n_reactions=K, learning_rate=eta, readout_rate=eta / ratio,
            backend="chemistry", random_state=0,
        ).fit(X, y)
        assert chemistry.complexes_ == closed.complexes_
        gaps.append(np.abs(chemistry.weight_history_ - closed.weight_history_).max())
        mass = chemistry.weights_.sum(axis=1)
        mass_errors.append(np.abs(mass - 1.0).max())
        # the quasi-steady-state error only moves each class's total weight:
        # the weights' ratios follow the EWA to the solver's tolerance
        np.testing.assert_allclose(chemistry.weights_ / mass[:, None],
                                   closed.weights_, rtol=2e-6)
    # measured: gaps 4.6e-2, 4.7e-3, 4.6e-4 and mass errors 1.0e-1, 1.0e-2,
    # 1.0e-3, each step 9.9 to 10.1 times smaller
    for errors in (np.array(gaps), np.array(mass_errors)):
        steps = errors[:-1] / errors[1:]
        assert np.all((steps > 5) & (steps < 20)), steps
    assert gaps[-1] < 1e-3
    # against how far the weights moved
    assert np.abs(closed.weights_ - 1 / K).max() > 100 * gaps[-1]


def test_chemistry_with_exact_normalisation_is_the_closed_form(digits):
    # normalising through the complexes needs no quasi-steady state: even at
    # learning_rate / readout_rate = 0.1 the backends agree
    X, y = digits.X_train[:30], digits.y_train[:30]
    params = dict(n_reactions=5, learning_rate=0.2, readout_rate=2.0,
                  random_state=0)
    closed = CRNClassifier(**params).fit(X, y)
    exact = CRNClassifier(backend="chemistry", normalisation="complexes",
                          **params).fit(X, y)
    np.testing.assert_allclose(exact.weight_history_, closed.weight_history_,
                               rtol=1e-6)
    assert exact.chemistry_counters_["presentations"] == 30
    assert exact.chemistry_counters_["failures"] == 0


def compare_backends_on_digits(digits, n_train, ratios, normalisation="output"):
    """Closed form and chemistry, K = 20, on the first ``n_train`` digits."""
    X, y = digits.X_train[:n_train], digits.y_train[:n_train]
    eta = CHEMISTRY_DIGITS_RATE
    runs = []
    for ratio in ratios:
        params = dict(n_reactions=20, learning_rate=eta, readout_rate=eta / ratio,
                      random_state=0)
        closed = CRNClassifier(**params).fit(X, y)
        chemistry = CRNClassifier(
            backend="chemistry", normalisation=normalisation, **params
        ).fit(X, y)
        runs.append((closed, chemistry))
    return runs


def score_margin(scores):
    """Largest class score minus the second largest."""
    top = np.sort(scores, axis=1)
    return top[:, -1] - top[:, -2]


def test_chemistry_predicts_the_digits_as_the_closed_form(digits):
    """Both backends on 300 training digits, K = 20, at learning_rate /
    readout_rate = 1e-3 and 1e-4 (the test images are all 360)."""
    X_test = digits.X_test
    runs = compare_backends_on_digits(digits, CHEMISTRY_DIGITS, (1e-3, 1e-4))
    errors = []
    for closed, chemistry in runs:
        exact = closed.decision_function(X_test)
        errors.append(np.abs(chemistry.decision_function(X_test) - exact).max())
    # measured 3.2e-3 and 3.2e-4
    assert 5 < errors[0] / errors[1] < 20
    (closed, coarse), (_, fine) = runs
    expected = closed.predict(X_test)
    # at 1e-4 every test image is classified alike
    np.testing.assert_array_equal(fine.predict(X_test), expected)
    # at 1e-3 a few near-ties flip (measured 2 of 360): only images whose
    # closed-form margin is within twice the score error
    differ = coarse.predict(X_test) != expected
    assert differ.mean() <= 0.01
    margin = score_margin(closed.decision_function(X_test))
    assert np.all(margin[differ] < 2 * errors[0])


def test_exact_normalisation_predicts_the_digits_as_the_closed_form(digits):
    """At ratio 1e-3 the normalisation through the complexes themselves
    (``K^2`` reactions per class) leaves no quasi-steady-state gap."""
    ((closed, chemistry),) = compare_backends_on_digits(
        digits, CHEMISTRY_DIGITS, (1e-3,), normalisation="complexes"
    )
    # what is left is the solver's error over 300 presentations (measured
    # 6e-8); the quasi-steady-state gap at this ratio is 1e-3 (see above)
    np.testing.assert_allclose(chemistry.weights_, closed.weights_, rtol=0,
                               atol=1e-6)
    np.testing.assert_array_equal(chemistry.predict(digits.X_test),
                                  closed.predict(digits.X_test))


@pytest.mark.slow
def test_chemistry_predicts_the_digits_as_the_closed_form_on_all_of_them(digits):
    # all 1,437 training digits: about 20 s for the chemistry run
    ((closed, chemistry),) = compare_backends_on_digits(
        digits, digits.X_train.shape[0], (1e-4,)
    )
    np.testing.assert_array_equal(chemistry.predict(digits.X_test),
                                  closed.predict(digits.X_test))


# -- the exported network classifies as predict does -----------------------------


def test_network_export_holds_the_learned_state(digits_k20):
    clf = digits_k20
    net = clf.to_network()
    C, K, n_inputs = 10, 20, 128
    assert (net.n_species, net.n_reactions) == (C * K + C + n_inputs + 2 * C,
                                                C * (5 * K + 1))
    start = net.initial_concentrations
    weights = [[start[net.index(weight_species_name(c, s))] for s in clf.complexes_]
               for c in range(C)]
    np.testing.assert_array_equal(weights, clf.weights_)
    clamped = [net.index(s) for s in clf.input_species_]
    clamped += [net.index(f"{p}{c}") for p in ("L", "Lbar") for c in range(C)]
    assert net.clamped[clamped].all()
    np.testing.assert_array_equal(start[clamped], 0.0)


def test_sbml_simulated_by_roadrunner_classifies_as_predict(digits, digits_k20):
    # libroadrunner is a test dependency: without it this test errors.
    import roadrunner

    clf = digits_k20
    X = digits.X_test[:10]
    rr = roadrunner.RoadRunner(clf.to_network().to_sbml())
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    Z = input_concentrations(clf.encoder_.transform(X), clf.dual_rail)
    outputs = np.empty((len(X), clf.classes_.size))
    for n, z in enumerate(Z):
        rr.resetAll()
        for name, value in zip(clf.input_species_, z, strict=True):
            rr[f"[{name}]"] = value
        # 20 time constants of the read-out; teachers stay at 0
        rr.simulate(0.0, 20.0 / clf.readout_rate, 2)
        outputs[n] = [rr[f"[Y{c}]"] for c in range(clf.classes_.size)]
    np.testing.assert_array_equal(clf.classes_[outputs.argmax(axis=1)],
                                  clf.predict(X))
    # measured 3e-9
    np.testing.assert_allclose(outputs, clf.decision_function(X), rtol=1e-6)

    # the same document learns: one presentation with the teachers set is
    # one EWA step, up to the O(eta / k_y) read-out lag
    target = int(np.searchsorted(clf.classes_, digits.y_test[0]))
    rr.resetAll()
    for name, value in zip(clf.input_species_, Z[0], strict=True):
        rr[f"[{name}]"] = value
    for c in range(clf.classes_.size):
        rr[f"[L{c}]"] = float(c == target)
        rr[f"[Lbar{c}]"] = float(c != target)
    rr.simulate(0.0, clf.presentation_time, 2)
    learned = np.array([[rr[f"[{weight_species_name(c, s)}]"] for s in clf.complexes_]
                        for c in range(clf.classes_.size)])
    phi = clf.complex_fluxes(X[:1])[0]
    signs = np.full(clf.classes_.size, -clf.penalty_)
    signs[target] = clf.reward_
    step = clf.weights_ * np.exp(clf.learning_rate_ * clf.presentation_time
                                 * signs[:, None] * phi)
    step /= step.sum(axis=1, keepdims=True)
    # measured: a step of 9e-5, an error of 2e-8
    change = np.abs(step - clf.weights_).max()
    assert np.abs(learned - step).max() < 0.01 * change


def test_crnlearn_engine_classifies_as_predict(digits, digits_k20):
    clf = digits_k20
    X = digits.X_test[:20]
    outputs = clf.simulate_outputs(X)
    np.testing.assert_array_equal(clf.classes_[outputs.argmax(axis=1)],
                                  clf.predict(X))
    np.testing.assert_allclose(outputs, clf.decision_function(X), rtol=1e-6)
    # one image by hand, with another solver
    net = clf.to_network()
    z = input_concentrations(clf.encoder_.transform(X[:1]), clf.dual_rail)[0]
    start = net.state(dict(zip(clf.input_species_, z, strict=True)))
    run = simulate(net, 20.0 / clf.readout_rate, initial=start, n_points=2,
                   method="BDF", rtol=1e-10, atol=1e-13)
    final = [run[f"Y{c}"][-1] for c in range(clf.classes_.size)]
    np.testing.assert_allclose(final, outputs[0], rtol=1e-6)


def test_digits_scores_and_probabilities(digits, digits_k20):
    clf = digits_k20
    X = digits.X_test
    scores = clf.decision_function(X)
    np.testing.assert_allclose(scores, naive_fluxes(clf, X) @ clf.weights_.T,
                               rtol=1e-12)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, scores / scores.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    # measured 0.81 (the order of presentation does not change it)
    assert clf.score(X, digits.y_test) > 0.78


# -- conjunctions need pairs -----------------------------------------------------


def test_xor_is_learned_with_pairs_and_not_with_single_species():
    X, y = xor_task(400, random_state=0)
    X_test, y_test = xor_task(1000, random_state=1)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    # 4 input species (X0, X1, Xbar0, Xbar1): 10 complexes of order <= 2
    pairs = CRNClassifier(n_reactions=10, order=2, random_state=0).fit(X, y)
    assert pairs.score(X_test, y_test) >= 0.99  # measured 1.0
    np.testing.assert_array_equal(pairs.predict(corners), labels)
    singles = CRNClassifier(n_reactions=4, order=1, random_state=0).fit(X, y)
    assert singles.score(X_test, y_test) < 0.8  # measured 0.49
    # with single species the score difference is affine in x, and no
    # affine threshold classifies all four corners
    assert (singles.predict(corners) != labels).any()
    # two classes: the decision function is the second score minus the first
    difference = pairs.decision_function(corners)
    assert difference.shape == (4,)
    np.testing.assert_array_equal(pairs.classes_[(difference > 0).astype(int)],
                                  labels)


@pytest.mark.parametrize("n_reactions", [8, 12, 15])
def test_shape_colour_conjunctions_need_pairs(n_reactions):
    # task 2: class A holds 5 of the 9 shape-colour objects, no single
    # feature separates it; the setting of ``crnlearn compare --task
    # conjunction`` (inputs taken as concentrations)
    data = load_conjunction_split(task=2, random_state=0)
    pairs = CRNClassifier(n_reactions=n_reactions, order=2, encoding=None,
                          random_state=0).fit(data.X_train, data.y_train)
    assert pairs.score(data.X_test, data.y_test) >= 0.99  # measured 1.0
    # order 1 has 12 candidates (6 inputs and their complements)
    singles = CRNClassifier(n_reactions=min(n_reactions, 12), order=1,
                            encoding=None, random_state=0)
    singles.fit(data.X_train, data.y_train)
    assert singles.score(data.X_test, data.y_test) < 0.75  # measured 0.58-0.70


# -- parameters and errors -------------------------------------------------------


def test_auto_learning_rate_is_the_regret_optimal_rate():
    rng = np.random.default_rng(0)
    X, y = rng.random((50, 4)), np.arange(50) % 3
    clf = CRNClassifier(n_reactions=7, learning_rate="auto", reward=1.5,
                        presentation_time=2.5, n_passes=2, random_state=0).fit(X, y)
    assert clf.penalty_ == pytest.approx(1.5 / 2, rel=1e-15)  # "balanced"
    expected = optimal_learning_rate(7, 100, 1.5, 0.75) / 2.5
    assert clf.learning_rate_ == pytest.approx(expected, rel=1e-14)
    by_hand = math.sqrt(8 * math.log(7) / 100) / (1.5 + 0.75) / 2.5
    assert clf.learning_rate_ == pytest.approx(by_hand, rel=1e-14)
    # the EWA rate of a presentation, eta tau, is the optimal one
    assert clf.learning_rate_ * 2.5 == pytest.approx(
        optimal_learning_rate(7, 100, 1.5, 0.75), rel=1e-14
    )


def test_auto_learning_rate_online_takes_the_first_batch_as_horizon():
    rng = np.random.default_rng(0)
    X, y = rng.random((50, 4)), np.arange(50) % 3
    # partial_fit presents each batch once, whatever n_passes says
    clf = CRNClassifier(n_reactions=7, learning_rate="auto", n_passes=3,
                        random_state=0)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    expected = optimal_learning_rate(7, 20, 1.0, 0.5)
    assert clf.learning_rate_ == pytest.approx(expected, rel=1e-14)
    clf.partial_fit(X[20:], y[20:])
    assert clf.learning_rate_ == pytest.approx(expected, rel=1e-14)
    assert clf.n_rounds_ == 50


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(learning_rate=-0.1), "'learning_rate' parameter"),
        (dict(learning_rate=0.0), "'learning_rate' parameter"),
        (dict(learning_rate="fast"), "'learning_rate' parameter"),
        (dict(order=4), "'order' parameter"),
        (dict(order=0), "'order' parameter"),
        (dict(selection="largest"), "'selection' parameter"),
        (dict(backend="gpu"), "'backend' parameter"),
        (dict(n_reactions=0), "'n_reactions' parameter"),
        (dict(penalty=-1.0), "'penalty' parameter"),
        (dict(readout_rate=0.0), "'readout_rate' parameter"),
        (dict(normalisation="exact"), "'normalisation' parameter"),
        (dict(encoding="standard"), "'encoding' parameter"),
        (dict(n_passes=0), "'n_passes' parameter"),
    ],
)
def test_invalid_parameters_are_named(params, match):
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.raises(InvalidParameterError, match=match):
        CRNClassifier(**params).fit(X, y)


@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_and_inf_are_rejected(value, match):
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    bad = X.copy()
    bad[3, 2] = value
    with pytest.raises(ValueError, match=match):
        CRNClassifier(n_reactions=5).fit(bad, y)
    clf = CRNClassifier(n_reactions=5).fit(X, y)
    with pytest.raises(ValueError, match=match):
        clf.predict(bad)


def test_concentrations_outside_the_unit_interval_are_rejected():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    message = r"X must hold concentrations in \[0, 1\] when encoding=None"
    with pytest.raises(ValueError, match=message):
        CRNClassifier(n_reactions=5, encoding=None).fit(X * 2.0, y)
    clf = CRNClassifier(n_reactions=5, encoding=None).fit(X, y)
    with pytest.raises(ValueError, match=message):
        clf.predict(X - 0.5)
    # minmax learns the map instead, and clips what lies outside it
    minmax = CRNClassifier(n_reactions=5, random_state=0).fit(X * 2.0, y)
    np.testing.assert_array_equal(minmax.predict(X * 4.0), minmax.predict(X * 2.0))


def test_feature_count_is_checked_at_prediction():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    clf = CRNClassifier(n_reactions=5).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but CRNClassifier is "
                                         "expecting 6 features"):
        clf.predict(X[:, :4])
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.partial_fit(X[:, :4], y)


def test_a_single_class_is_rejected():
    X, _ = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="needs samples of at least 2 classes; "
                                         "got 1 class"):
        CRNClassifier(n_reactions=5).fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="classes must hold at least 2 classes"):
        CRNClassifier(n_reactions=5).partial_fit(X, np.zeros(30), classes=[0])


def test_partial_fit_needs_the_classes_first():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="classes must be given on the first call"):
        CRNClassifier(n_reactions=5).partial_fit(X, y)
    with pytest.raises(ValueError, match=r"y holds labels not in classes: \[1\]"):
        CRNClassifier(n_reactions=5).partial_fit(X, y, classes=[0, 2])
    clf = CRNClassifier(n_reactions=5).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not seen on the first call: \[7\]"):
        clf.partial_fit(X[:3], [0, 1, 7])


def test_too_many_reactions_warn_and_use_all_candidates():
    # 6 features with complements: 12 species, 12 + 66 = 78 complexes
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.warns(UserWarning, match="n_reactions=500 exceeds the 78 "
                                         "candidate complexes") as record:
        clf = CRNClassifier(n_reactions=500, order=2).fit(X, y)
    # the warning points at the caller
    assert record[0].filename == __file__
    assert clf.n_reactions_ == 78
    assert clf.weights_.shape == (2, 78)
    all_candidates = {tuple(int(i) for i in row if i >= 0)
                      for row in candidate_complexes(12, 2)}
    assert set(clf.complexes_) == all_candidates
    assert len(clf.complexes_) == 78
    # exactly as many as there are: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CRNClassifier(n_reactions=78).fit(X, y)
