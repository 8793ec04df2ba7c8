"""The signed learner's reaction network computes its closed form."""

import numpy as np
import pytest

from crnlearn.crn import simulate
from crnlearn.datasets import (
    conjunction_objects,
    load_digits_split,
    make_conjunction_task,
)
from crnlearn.learn.complexes import complex_fluxes
from crnlearn.learn.signed import (
    SignedCRNClassifier,
    signed_ewa_fit,
    signed_weights,
    softmax,
)
from crnlearn.learn.signed_network import (
    ANNIHILATION_FACTOR,
    PHASES,
    SignedRates,
    build_signed_network,
    chemical_probabilities,
    present_samples,
)

INPUTS = ["X0", "X1", "X2", "Xbar0"]
COMPLEXES = [(0,), (1,), (0, 1), (2, 3), (0, 1, 2)]
N_CLASSES = 3


def random_weights(seed):
    """Positive weights whose 2K entries per class sum to 1."""
    n_experts = len(COMPLEXES)
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 1.0, size=(N_CLASSES, 2 * n_experts))
    w /= w.sum(axis=1, keepdims=True)
    return w[:, :n_experts], w[:, n_experts:]


def small_network(separation=1000.0, beta=8.0, eta=0.5, seed=0):
    w_pos, w_neg = random_weights(seed)
    rates = SignedRates(eta, beta, presentation_time=1.0, separation=separation)
    net, layout = build_signed_network(
        COMPLEXES, INPUTS, N_CLASSES, rates,
        weights_positive=w_pos, weights_negative=w_neg,
    )
    return net, layout, w_pos, w_neg


Z = np.array([[0.9, 0.6, 0.3, 0.1], [0.2, 0.8, 0.7, 0.8]])


def test_network_size_and_catalytic_inputs():
    net, layout, _, _ = small_network()
    C, K = N_CLASSES, len(COMPLEXES)
    assert net.n_reactions == 10 * C * K + 2 * C**2 + 15 * C
    assert net.n_species == len(INPUTS) + 3 + 7 * C + 2 * C * K
    clamped = set(np.flatnonzero(net.clamped))
    assert clamped == set(layout.inputs) | set(layout.clocks.values()) | set(
        layout.teachers
    )
    for reaction in net.reactions:
        for species in set(reaction.reactants) | set(reaction.products):
            if species in INPUTS or species in ("Reset", "Read", "Learn"):
                # inputs and clocks are catalysts: never made or consumed
                assert reaction.reactants.get(species, 0) == reaction.products.get(
                    species, 0
                )
    assert max(r.order for r in net.reactions) == 3 + 2  # L + a triple + W


def test_reset_settles_the_dual_rail_output_on_the_scores():
    net, layout, w_pos, w_neg = small_network()
    state = net.initial_concentrations
    state[layout.inputs] = Z[0]
    state[layout.clocks["reset"]] = 1.0
    final = simulate(net, 1.0, initial=state, n_points=2).final
    phi = complex_fluxes(Z[:1], COMPLEXES)[0]
    y = (w_pos - w_neg) @ phi
    output = final[layout.output_positive] - final[layout.output_negative]
    np.testing.assert_allclose(output, y, atol=1e-7)
    np.testing.assert_allclose(final[layout.prediction], 1.0 / N_CLASSES, atol=1e-7)
    # Steady state of the positive rail: production P = Yp (1 + a Yn) with
    # Yn = Yp - y and a the annihilation factor, a quadratic in Yp.
    a, production = ANNIHILATION_FACTOR, w_pos @ phi
    b = 1.0 - a * y
    expected = (-b + np.sqrt(b**2 + 4 * a * production)) / (2 * a)
    np.testing.assert_allclose(final[layout.output_positive], expected, atol=1e-7)


def test_read_phase_computes_the_softmax():
    beta = 8.0
    net, layout, w_pos, w_neg = small_network(beta=beta)
    got = chemical_probabilities(net, layout, Z, 1.0)
    scores = complex_fluxes(Z, COMPLEXES) @ (w_pos - w_neg).T
    np.testing.assert_allclose(got, softmax(scores, beta), atol=1e-5)


def closed_form_presentations(w_pos, w_neg, order, targets, eta, beta):
    """EG+- with softmax gains from given weights, one presentation at a time."""
    F = complex_fluxes(Z, COMPLEXES)
    w = np.hstack([w_pos, w_neg])
    for m in order:
        phi = np.concatenate([F[m], -F[m]])
        p = softmax(w @ phi, beta)
        error = -p
        error[targets[m]] += 1.0
        w = w * np.exp(eta * np.multiply.outer(error, phi))
        w /= w.sum(axis=1, keepdims=True)
    K = len(COMPLEXES)
    return w[:, :K], w[:, K:]


def test_presentations_make_the_eg_update():
    eta, beta = 0.5, 8.0
    net, layout, w_pos, w_neg = small_network(1e4, beta=beta, eta=eta)
    order, targets = np.array([0, 1, 0]), np.array([2, 0])
    state, counters = present_samples(net, layout, Z, targets, order, 1.0)
    expected = closed_form_presentations(w_pos, w_neg, order, targets, eta, beta)
    # the fast reactions' lag costs O(eta / separation) per presentation
    np.testing.assert_allclose(state[layout.weights_positive], expected[0], atol=5e-6)
    np.testing.assert_allclose(state[layout.weights_negative], expected[1], atol=5e-6)
    # the outputs lag the learning weights: O(eta^2 / separation) of mass
    total = (state[layout.weights_positive] + state[layout.weights_negative]).sum(1)
    np.testing.assert_allclose(total, 1.0, atol=2e-5)
    assert counters["nfev"] > 0


def test_independent_simulator_agrees_on_one_presentation():
    # libroadrunner is a test dependency: without it this test errors.
    import roadrunner

    eta, beta = 0.5, 8.0
    net, layout, w_pos, w_neg = small_network(1e4, beta=beta, eta=eta)
    rr = roadrunner.RoadRunner(net.to_sbml())
    rr.integrator.relative_tolerance = 1e-9
    rr.integrator.absolute_tolerance = 1e-12
    for name, value in zip(INPUTS, Z[1], strict=True):
        rr[name] = value
    clocks = {"reset": "Reset", "read": "Read", "learn": "Learn"}
    for phase in PHASES:
        for other, clock in clocks.items():
            rr[clock] = 1.0 if other == phase else 0.0
        rr["L_1"] = 1.0 if phase == "learn" else 0.0
        if phase == "learn":
            p = np.array([rr[f"P_{c}"] for c in range(N_CLASSES)])
        rr.simulate(0.0, 1.0, 2)
    scores = complex_fluxes(Z[1:], COMPLEXES)[0] @ (w_pos - w_neg).T
    np.testing.assert_allclose(p, softmax(scores, beta), atol=1e-5)
    expected = closed_form_presentations(w_pos, w_neg, [1], [0, 1], eta, beta)
    got = np.array([[rr[f"Wp_{c}_{k}"] for k in range(len(COMPLEXES))]
                    for c in range(N_CLASSES)])
    np.testing.assert_allclose(got, expected[0], atol=5e-6)


@pytest.fixture(scope="module")
def digits_subset():
    X_train, X_test, y_train, y_test = load_digits_split()
    return X_train[:20], X_test[:40], y_train[:20], y_test[:40]


def test_gap_shrinks_as_time_scale_separation_grows(digits_subset):
    X, X_test, y, _ = digits_subset
    params = dict(n_reactions=8, n_passes=1, random_state=0)
    fast = SignedCRNClassifier(**params).fit(X, y)
    gaps, mass_errors = [], []
    for separation in (10.0, 100.0, 1000.0):
        chem = SignedCRNClassifier(
            backend="chemistry", time_scale_separation=separation, **params
        ).fit(X, y)
        gaps.append(np.abs(chem.coef_ - fast.coef_).max())
        total = chem.weights_positive_.sum(axis=1) + chem.weights_negative_.sum(1)
        mass_errors.append(np.abs(total - 1.0).max())
    # both errors are O(1 / s): a tenfold separation divides them by about 10
    assert gaps[0] > 5 * gaps[1] > 25 * gaps[2]
    assert gaps[2] < 1e-4
    assert mass_errors[0] > 5 * mass_errors[1] > 25 * mass_errors[2]
    assert mass_errors[2] < 1e-4
    np.testing.assert_array_equal(chem.predict(X_test), fast.predict(X_test))


def test_chemical_prediction_is_predict_proba(digits_subset):
    X, X_test, y, _ = digits_subset
    clf = SignedCRNClassifier(n_reactions=8, n_passes=1, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        clf.chemical_predict_proba(X_test[:4]), clf.predict_proba(X_test[:4]),
        atol=1e-5,
    )


def test_closed_form_weights_are_the_cumulative_gains(digits_subset):
    X, _, y, _ = digits_subset
    clf = SignedCRNClassifier(n_reactions=8, n_passes=2, random_state=0).fit(X, y)
    F = clf.complex_fluxes(X)
    G = signed_ewa_fit(
        F, np.searchsorted(clf.classes_, y), len(clf.classes_),
        clf.presentation_order_, learning_rate=clf.learning_rate,
        inverse_temperature=clf.inverse_temperature,
    )
    np.testing.assert_allclose(G, clf.cumulative_gains_)
    np.testing.assert_allclose(
        signed_weights(G, clf.learning_rate)[0], clf.weights_positive_
    )


#: Small K at which the chemistry is run on the digits.
CHEMISTRY_K = 20
#: Test images read by the chemistry in the default suite (all in the slow one).
CHEMISTRY_READS = 60


@pytest.fixture(scope="module")
def digits_fast_small_k():
    X_train, X_test, y_train, y_test = load_digits_split()
    clf = SignedCRNClassifier(n_reactions=CHEMISTRY_K, n_passes=1, random_state=0)
    return clf.fit(X_train, y_train), X_test, y_test


def test_chemical_read_reproduces_fast_predictions_on_digits(digits_fast_small_k):
    clf, X_test, _ = digits_fast_small_k
    X = X_test[:CHEMISTRY_READS]
    proba = clf.chemical_predict_proba(X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


@pytest.mark.slow
def test_chemistry_reproduces_fast_path_on_digits(digits_fast_small_k):
    # training: 1437 presentations of three phases each (about 3 minutes)
    fast, X_test, y_test = digits_fast_small_k
    X_train, _, y_train, _ = load_digits_split()
    chem = SignedCRNClassifier(
        n_reactions=CHEMISTRY_K, n_passes=1, backend="chemistry", random_state=0
    ).fit(X_train, y_train)
    assert chem.complexes_ == fast.complexes_
    assert np.abs(chem.coef_ - fast.coef_).max() < 1e-3
    agree = np.mean(chem.predict(X_test) == fast.predict(X_test))
    assert agree >= 1.0 - 1 / len(y_test)
    assert abs(chem.score(X_test, y_test) - fast.score(X_test, y_test)) <= 1 / 360
    # the read phase of the chemically trained network on every test image
    proba = chem.chemical_predict_proba(X_test)
    chemical = chem.classes_[proba.argmax(axis=1)]
    assert np.mean(chemical == fast.predict(X_test)) >= 1.0 - 1 / len(y_test)


def test_chemistry_solves_the_conjunction_task():
    # the staircase of task 2 needs pairs: no linear threshold separates it
    X, y = make_conjunction_task(task=2, n_samples=45, random_state=0)
    objects, labels = conjunction_objects(task=2)
    params = dict(n_reactions=12, n_passes=1, random_state=0)
    fast = SignedCRNClassifier(**params).fit(X, y)
    chem = SignedCRNClassifier(backend="chemistry", **params).fit(X, y)
    assert np.abs(chem.coef_ - fast.coef_).max() < 1e-4
    proba = chem.chemical_predict_proba(objects)
    np.testing.assert_array_equal(chem.classes_[proba.argmax(axis=1)], labels)
    np.testing.assert_array_equal(fast.predict(objects), labels)
