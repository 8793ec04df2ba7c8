"""The signed learner's closed form, its selection rule and its estimator."""

import itertools
import tracemalloc

import numpy as np
import pytest
from _sklearn_checks import run_check
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from crnlearn.aggregation import ewa_weights
from crnlearn.crn import ReactionNetwork
from crnlearn.datasets import (
    conjunction_objects,
    load_conjunction_split,
    load_digits_split,
    make_conjunction_task,
)
from crnlearn.learn.complexes import (
    candidate_complexes,
    complex_fluxes,
    input_concentrations,
    n_candidates,
)
from crnlearn.learn.selection import decorrelated_contrast, select_complexes
from crnlearn.learn.signed import (
    SignedCRNClassifier,
    signed_ewa_fit,
    signed_weights,
    softmax,
)

#: The reference protocol's accuracy goal for this learner.
DIGITS_GOAL = 0.96


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


# -- closed form -----------------------------------------------------------------


def test_signed_weights_are_ewa_over_positive_and_negative_experts():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(3, 5))
    w_pos, w_neg = signed_weights(G, 0.7)
    expected = ewa_weights(np.hstack([G, -G]), 0.7)
    np.testing.assert_allclose(np.hstack([w_pos, w_neg]), expected, rtol=1e-12)
    np.testing.assert_allclose(w_pos.sum(axis=1) + w_neg.sum(axis=1), 1.0)


def test_signed_weights_do_not_overflow():
    w_pos, w_neg = signed_weights([[1e6, 0.0, -1e6]], 10.0)
    np.testing.assert_allclose(w_pos, [[0.5, 0.0, 0.0]])
    np.testing.assert_allclose(w_neg, [[0.0, 0.0, 0.5]])


def naive_signed_ewa(F, targets, n_classes, order, eta, beta):
    """Per-round EG+- with softmax gains, written as the textbook recursion."""
    K = F.shape[1]
    w_pos = np.full((n_classes, K), 1.0 / (2 * K))
    w_neg = w_pos.copy()
    for m in order:
        scores = np.array([(w_pos[c] - w_neg[c]) @ F[m] for c in range(n_classes)])
        p = np.exp(beta * scores) / np.exp(beta * scores).sum()
        for c in range(n_classes):
            g = ((c == targets[m]) - p[c]) * F[m]
            w_pos[c] *= np.exp(eta * g)
            w_neg[c] *= np.exp(-eta * g)
            total = w_pos[c].sum() + w_neg[c].sum()
            w_pos[c] /= total
            w_neg[c] /= total
    return w_pos, w_neg


def test_signed_ewa_fit_matches_naive_recursion():
    rng = np.random.default_rng(1)
    F = rng.uniform(size=(12, 4))
    targets = rng.integers(0, 3, size=12)
    order = np.concatenate([rng.permutation(12), rng.permutation(12)])
    G = signed_ewa_fit(F, targets, 3, order, learning_rate=0.8,
                       inverse_temperature=5.0)
    expected = naive_signed_ewa(F, targets, 3, order, 0.8, 5.0)
    for got, want in zip(signed_weights(G, 0.8), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_signed_ewa_fit_continues_from_gains():
    rng = np.random.default_rng(2)
    F = rng.uniform(size=(10, 3))
    targets = rng.integers(0, 2, size=10)
    order = np.arange(10)
    kwargs = dict(learning_rate=0.5, inverse_temperature=3.0)
    whole = signed_ewa_fit(F, targets, 2, order, **kwargs)
    half = signed_ewa_fit(F, targets, 2, order[:4], **kwargs)
    rest = signed_ewa_fit(F, targets, 2, order[4:], cumulative_gains=half, **kwargs)
    np.testing.assert_allclose(rest, whole, rtol=1e-10, atol=1e-12)


def test_confident_correct_prediction_does_not_learn():
    # A class score far above the others makes p one-hot on the true class,
    # so every gain (L_c - p_c) phi vanishes.
    F = np.array([[1.0, 0.0]])
    G0 = np.array([[50.0, 0.0], [-50.0, 0.0]])
    G = signed_ewa_fit(F, np.array([0]), 2, np.array([0]), learning_rate=1.0,
                       inverse_temperature=100.0, cumulative_gains=G0)
    np.testing.assert_allclose(G, G0, atol=1e-12)


def test_softmax_is_normalised_and_stable():
    p = softmax([[1000.0, 999.0, -1000.0]], 1.0)
    np.testing.assert_allclose(p.sum(), 1.0)
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1)), 1 / (1 + np.e)])


# -- selection -------------------------------------------------------------------


def naive_decorrelated_contrast(Z, y, K, order, rho, floor=1e-3):
    """The rule written directly on the materialised fluxes of all candidates."""
    table = candidate_complexes(Z.shape[1], order)
    F = complex_fluxes(Z, table)
    classes = np.unique(y)
    contrast = []
    for c in classes:
        inside, outside = F[y == c], F[y != c]
        noise = np.sqrt(inside.var(axis=0) + floor)
        contrast.append((inside.mean(axis=0) - outside.mean(axis=0)) / noise)
    rankings = [sorted(range(len(table)), key=lambda j, s=s: (-s[j], j))
                for s in contrast]
    centred = F - F.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0)
    chosen = []
    cursors = [0] * len(classes)
    active = list(range(len(classes)))
    while len(chosen) < K and active:
        for c in list(active):
            if len(chosen) == K:
                break
            while cursors[c] < len(table):
                j = rankings[c][cursors[c]]
                cursors[c] += 1
                if j in chosen or norms[j] < 1e-12:
                    continue
                corr = [abs(centred[:, j] @ centred[:, i]) / (norms[i] * norms[j])
                        for i in chosen]
                if max(corr, default=0.0) <= rho:
                    chosen.append(j)
                    break
            else:
                active.remove(c)
    # Too few passed: the best remaining by their largest contrast.
    best = np.max(contrast, axis=0)
    rest = sorted(set(range(len(table))) - set(chosen), key=lambda j: (-best[j], j))
    chosen += rest[: K - len(chosen)]
    return [tuple(int(i) for i in table[j] if i >= 0) for j in chosen]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_decorrelated_contrast_matches_naive_rule(digits, order):
    X = digits.X_train[:150, ::4]  # 16 pixels, dual rail: 32 species
    y = digits.y_train[:150]
    Z = input_concentrations(X, dual_rail=True)
    got = decorrelated_contrast(Z, y, 15, order=order, max_correlation=0.6)
    assert got == naive_decorrelated_contrast(Z, y, 15, order, 0.6)


def test_decorrelated_contrast_keeps_correlations_below_bound(digits):
    Z = input_concentrations(digits.X_train, dual_rail=True)
    chosen = decorrelated_contrast(Z, digits.y_train, 60, order=2,
                                   max_correlation=0.5)
    corr = np.corrcoef(complex_fluxes(Z, chosen).T)
    off_diagonal = np.abs(corr[~np.eye(len(chosen), dtype=bool)])
    assert off_diagonal.max() <= 0.5 + 1e-9
    assert len(set(chosen)) == 60


def test_decorrelated_contrast_without_bound_is_round_robin(digits):
    Z = input_concentrations(digits.X_train[:300, ::4], dual_rail=True)
    y = digits.y_train[:300]
    got = decorrelated_contrast(Z, y, 30, order=2, max_correlation=1.0)
    assert got == naive_decorrelated_contrast(Z, y, 30, 2, np.inf)


def test_decorrelated_contrast_fills_up_when_too_few_pass():
    # Two perfectly anti-correlated species: only one passes the bound.
    Z = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    chosen = decorrelated_contrast(Z, np.array([0, 1, 0, 1]), 2, order=1,
                                   max_correlation=0.5)
    assert sorted(chosen) == [(0,), (1,)]


def peak_bytes(function, *args, **kwargs):
    """The result of a call and the peak memory traced while it ran."""
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_order_three_selection_streams_over_triples(digits):
    # 128 dual-rail species: 349,632 candidates, whose fluxes over the
    # training set take 4 GB if held at once.
    Z = input_concentrations(digits.X_train, dual_rail=True)
    chosen, peak = peak_bytes(decorrelated_contrast, Z, digits.y_train, 40, order=3)
    all_fluxes = Z.shape[0] * n_candidates(Z.shape[1], 3) * Z.itemsize
    assert peak < all_fluxes / 10
    assert len(chosen) == 40
    assert all(1 <= len(s) <= 3 for s in chosen)
    assert max(len(s) for s in chosen) == 3


def test_order_three_fit_never_holds_all_triples_of_the_pixels(digits):
    # 64 pixels without complements: 41,664 triples among 43,744 candidates.
    # Their fluxes over the 1437 training images would take 503 MB.
    clf = SignedCRNClassifier(order=3, dual_rail=False, random_state=0)
    _, peak = peak_bytes(clf.fit, digits.X_train, digits.y_train)
    n_pixels = digits.X_train.shape[1]
    assert n_candidates(n_pixels, 3) - n_candidates(n_pixels, 2) == 41_664
    all_fluxes = digits.X_train.shape[0] * n_candidates(n_pixels, 3) * 8
    assert peak < all_fluxes / 4
    assert any(len(s) == 3 for s in clf.complexes_)
    assert clf.score(digits.X_test, digits.y_test) >= DIGITS_GOAL


# -- the estimator ---------------------------------------------------------------


#: scikit-learn checks this estimator fails, with the reason: none.
EXPECTED_FAILED_CHECKS = {}

@parametrize_with_checks(
    [SignedCRNClassifier(n_reactions=10)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_scikit_learn_compatible(estimator, check):
    run_check(estimator, check)


def test_digits_reach_goal_with_defaults(digits):
    # every order of presentation tried, not the best of them
    X_train, X_test, y_train, y_test = digits
    for seed in range(3):
        clf = SignedCRNClassifier(random_state=seed).fit(X_train, y_train)
        assert clf.score(X_test, y_test) >= DIGITS_GOAL
    assert (clf.n_network_reactions_, clf.n_network_species_) == (20_350, 4_201)


def test_paper_selection_rule_is_available(digits):
    X_train, X_test, y_train, y_test = digits
    clf = SignedCRNClassifier(n_reactions=50, selection="mean-flux",
                              random_state=0).fit(X_train, y_train)
    expected = select_complexes(
        input_concentrations(clf.encoder_.transform(X_train), True),
        np.searchsorted(clf.classes_, y_train), 50, order=clf.order,
        rule="mean-flux",
    )
    assert clf.complexes_ == expected


@pytest.mark.parametrize("task", [1, 2])
def test_conjunction_tasks_are_solved(task):
    X, y = make_conjunction_task(task=task, n_samples=300, random_state=0)
    X_test, y_test = make_conjunction_task(task=task, n_samples=200, random_state=1)
    clf = SignedCRNClassifier(n_reactions=12, random_state=0).fit(X, y)
    assert clf.score(X_test, y_test) == 1.0


def test_conjunction_task_is_solved_with_defaults_under_noise():
    X_train, X_test, y_train, y_test = load_conjunction_split(
        task=2, noise=0.1, random_state=0
    )
    clf = SignedCRNClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) == 1.0
    objects, labels = conjunction_objects(task=2)
    np.testing.assert_array_equal(clf.predict(objects), labels)


def test_xor_needs_pairs():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, size=(200, 2)).astype(float)
    y = (X[:, 0] != X[:, 1]).astype(int)
    pairs = SignedCRNClassifier(n_reactions=6, order=2, random_state=0).fit(X, y)
    assert pairs.score(X, y) == 1.0
    singles = SignedCRNClassifier(n_reactions=4, order=1, random_state=0).fit(X, y)
    assert singles.score(X, y) < 0.9


def test_weights_stay_on_the_simplex(digits):
    clf = SignedCRNClassifier(n_reactions=30, random_state=0).fit(
        digits.X_train[:300], digits.y_train[:300]
    )
    total = clf.weights_positive_.sum(axis=1) + clf.weights_negative_.sum(axis=1)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    np.testing.assert_allclose(clf.coef_, clf.weights_positive_ - clf.weights_negative_)
    assert clf.n_rounds_ == clf.n_passes * 300


def test_probabilities_are_the_softmax_of_the_scores(digits):
    clf = SignedCRNClassifier(n_reactions=30, random_state=0).fit(
        digits.X_train[:300], digits.y_train[:300]
    )
    X = digits.X_test[:50]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        proba, softmax(clf.decision_function(X), clf.inverse_temperature)
    )
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_random_state_fixes_the_result(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    a = SignedCRNClassifier(n_reactions=20, random_state=5).fit(X, y)
    b = SignedCRNClassifier(n_reactions=20, random_state=5).fit(X, y)
    c = SignedCRNClassifier(n_reactions=20, random_state=6).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.presentation_order_, c.presentation_order_)


def test_network_export_matches_reported_size(digits):
    clf = SignedCRNClassifier(n_reactions=5, random_state=0).fit(
        digits.X_train[:100], digits.y_train[:100]
    )
    net = clf.to_network()
    assert isinstance(net, ReactionNetwork)
    assert (net.n_species, net.n_reactions) == (
        clf.n_network_species_, clf.n_network_reactions_
    )
    again = ReactionNetwork.from_text(net.to_text())
    assert (again.n_species, again.n_reactions) == (net.n_species, net.n_reactions)
    np.testing.assert_allclose(again.initial_concentrations,
                               net.initial_concentrations, rtol=1e-12)
    assert "<sbml" in net.to_sbml()


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_reactions=0), "'n_reactions' parameter"),
        (dict(order=4), "'order' parameter"),
        (dict(learning_rate=-1.0), "'learning_rate' parameter"),
        (dict(inverse_temperature=0.0), "'inverse_temperature' parameter"),
        (dict(max_correlation=1.5), "'max_correlation' parameter"),
        (dict(selection="largest"), "'selection' parameter"),
        (dict(backend="gpu"), "'backend' parameter"),
        (dict(n_passes=0), "'n_passes' parameter"),
    ],
)
def test_invalid_parameters_are_named(params, match):
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.raises(InvalidParameterError, match=match):
        SignedCRNClassifier(**params).fit(X, y)


def test_nan_inputs_are_rejected():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SignedCRNClassifier(n_reactions=5).fit(X, y)


def test_feature_count_is_checked_at_prediction():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    clf = SignedCRNClassifier(n_reactions=5).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :4])


def test_single_class_is_rejected():
    X, _ = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SignedCRNClassifier(n_reactions=5).fit(X, np.zeros(30))


def test_too_many_reactions_warn_and_use_all():
    X, y = make_conjunction_task(n_samples=30, random_state=0)
    with pytest.warns(UserWarning, match="exceeds the 78 candidate complexes"):
        clf = SignedCRNClassifier(n_reactions=500, order=2).fit(X, y)
    assert clf.n_reactions_ == 78
    assert len(set(clf.complexes_)) == 78
    assert set(clf.complexes_) == {
        s for q in (1, 2) for s in itertools.combinations(range(12), q)
    }
