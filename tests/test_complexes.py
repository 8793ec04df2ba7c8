"""Candidate complexes, their flux statistics and the selection rules.

Every statistic and rule is compared with a direct computation on the
per-sample fluxes of all candidates, written with plain loops and
``itertools``. On the digits (pixels in sixteenths, taken as
concentrations) every flux and every sum of fluxes is exact in floating
point, so there the naive and the streamed statistics are equal to the
last bit and the rankings, ties included, must agree exactly.
"""

import itertools
import math

import numpy as np
import pytest

from crnlearn import CRNClassifier
from crnlearn.datasets import load_digits_split
from crnlearn.learn.complexes import (
    candidate_complexes,
    complex_fluxes,
    flux_statistics,
    input_concentrations,
    n_candidates,
)
from crnlearn.learn.selection import CONTRAST_FLOOR, REUSE_PENALTY, select_complexes


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def naive_candidates(n_species, order):
    """Sets of 1 to ``order`` species: by size, then lexicographic."""
    return [
        s for q in range(1, order + 1)
        for s in itertools.combinations(range(n_species), q)
    ]


def naive_fluxes(Z, complexes):
    """``phi_S(z) = prod_{i in S} z_i``, one sample and complex at a time."""
    F = np.empty((len(Z), len(complexes)))
    for m, z in enumerate(Z):
        for j, s in enumerate(complexes):
            F[m, j] = math.prod(z[i] for i in s)
    return F


def ranked(score, n_reactions):
    """The ``n_reactions`` largest scores; ties to the lower index."""
    return sorted(range(len(score)), key=lambda j: (-score[j], j))[:n_reactions]


def naive_class_contrast(Z, y, n_reactions, order, floor, penalty,
                         fluxes=naive_fluxes):
    """Round robin over the classes: each takes its best untaken candidate,
    its contrast lowered by ``penalty`` per earlier use of each species."""
    candidates = naive_candidates(Z.shape[1], order)
    F = fluxes(Z, candidates)
    classes = np.unique(y)
    contrast = {
        c: np.log((F[y == c].mean(axis=0) + floor) / (F[y != c].mean(axis=0) + floor))
        for c in classes
    }
    uses = {c: np.zeros(Z.shape[1]) for c in classes}
    chosen = []
    while len(chosen) < n_reactions:
        for c in classes:
            if len(chosen) == n_reactions:
                break
            score = [
                -np.inf if j in chosen
                else contrast[c][j] - penalty * sum(uses[c][i] for i in s)
                for j, s in enumerate(candidates)
            ]
            pick = ranked(score, 1)[0]
            chosen.append(pick)
            for i in candidates[pick]:
                uses[c][i] += 1
    return [candidates[j] for j in chosen]


def random_problem(seed, n_samples=40, n_species=6, n_classes=3):
    rng = np.random.default_rng(seed)
    Z = rng.random((n_samples, n_species))
    y = rng.permutation(np.arange(n_samples) % n_classes)
    return Z, y


# -- candidates and fluxes -------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
def test_candidates_are_listed_by_size_then_lexicographically(order):
    table = candidate_complexes(7, order)
    listed = [tuple(int(i) for i in row if i >= 0) for row in table]
    assert listed == naive_candidates(7, order)
    assert n_candidates(7, order) == len(listed)
    assert np.all(table[[len(s) < order for s in listed], -1] == -1)


def test_candidate_counts_of_the_digits():
    # 64 pixels and their 64 complements
    assert n_candidates(128, 1) == 128
    assert n_candidates(128, 2) == 128 + 128 * 127 // 2
    assert n_candidates(128, 3) == n_candidates(128, 2) + math.comb(128, 3)


def test_complex_fluxes_are_products_of_concentrations():
    Z, _ = random_problem(0)
    candidates = naive_candidates(Z.shape[1], 3)
    np.testing.assert_allclose(
        complex_fluxes(Z, candidates), naive_fluxes(Z, candidates), rtol=1e-14
    )
    # the padded table gives the same fluxes as the tuples
    np.testing.assert_array_equal(
        complex_fluxes(Z, candidate_complexes(Z.shape[1], 3)),
        complex_fluxes(Z, candidates),
    )


def test_dual_rail_appends_complements():
    X = np.array([[0.25, 1.0, 0.0]])
    np.testing.assert_array_equal(
        input_concentrations(X, dual_rail=True), [[0.25, 1.0, 0.0, 0.75, 0.0, 1.0]]
    )
    np.testing.assert_array_equal(input_concentrations(X), X)


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("chunk_size", [None, 37])
def test_flux_statistics_match_per_sample_fluxes(order, chunk_size):
    # a small chunk size streams the triples in many pieces
    Z, y = random_problem(1, n_samples=30, n_species=7, n_classes=4)
    stats = flux_statistics(Z, y, 5, order, squares=True, maximum=True,
                            chunk_size=chunk_size)
    F = naive_fluxes(Z, naive_candidates(7, order))
    assert stats.n_candidates == F.shape[1]
    np.testing.assert_array_equal(stats.class_counts, np.bincount(y, minlength=5))
    for c in range(4):
        np.testing.assert_allclose(stats.class_sums[c], F[y == c].sum(axis=0),
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(stats.class_square_sums[c],
                                   (F[y == c] ** 2).sum(axis=0),
                                   rtol=1e-12, atol=1e-15)
    # class 4 has no samples: zero sums, zero means
    np.testing.assert_array_equal(stats.class_sums[4], 0.0)
    np.testing.assert_array_equal(stats.class_means[4], 0.0)
    np.testing.assert_allclose(stats.max_flux, F.max(axis=0), rtol=1e-14)
    np.testing.assert_allclose(stats.mean_flux, F.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.class_variances[1], F[y == 1].var(axis=0),
                               rtol=1e-9, atol=1e-14)


def test_class_variances_need_squares():
    Z, y = random_problem(2)
    with pytest.raises(ValueError, match="squares=True"):
        _ = flux_statistics(Z, y, order=2).class_variances


# -- the paper's rule: mean flux -------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
def test_mean_flux_keeps_the_largest_mean_fluxes(order):
    Z, y = random_problem(3)
    candidates = naive_candidates(Z.shape[1], order)
    means = naive_fluxes(Z, candidates).mean(axis=0)
    K = min(15, len(candidates) - 1)
    chosen = select_complexes(Z, y, K, order=order, rule="mean-flux")
    assert chosen == [candidates[j] for j in ranked(means, K)]
    # in decreasing order of mean flux
    chosen_means = means[[candidates.index(s) for s in chosen]]
    assert np.all(np.diff(chosen_means) <= 0)


def test_mean_flux_breaks_ties_by_candidate_index():
    # species 1 and 3 are copies of species 0; species 2 is dimmer. The
    # singletons 0, 1, 3 tie, and so do the pairs among them (sixteenths:
    # every sum is exact, so the ties are exact too).
    rng = np.random.default_rng(4)
    base = rng.integers(8, 17, size=20) / 16
    Z = np.column_stack([base, base, 0.5 * base, base])
    y = np.arange(20) % 2
    assert select_complexes(Z, y, 2, order=1, rule="mean-flux") == [(0,), (1,)]
    assert select_complexes(Z, y, 3, order=1, rule="mean-flux") == [
        (0,), (1,), (3,)
    ]
    pairs = select_complexes(Z, y, 5, order=2, rule="mean-flux")
    assert pairs == [(0,), (1,), (3,), (0, 1), (0, 3)]
    # the order of the samples does not matter
    order = rng.permutation(20)
    assert select_complexes(Z[order], y[order], 5, order=2, rule="mean-flux") == pairs


def test_classifier_uses_the_paper_rule_on_the_digits(digits):
    # pixels in sixteenths as concentrations: exact sums, exact ties (many
    # border pixels are always 0)
    X, y = digits.X_train[:400], digits.y_train[:400]
    clf = CRNClassifier(n_reactions=40, selection="mean-flux", encoding=None,
                        random_state=0).fit(X, y)
    Z = input_concentrations(X, dual_rail=True)
    candidates = naive_candidates(Z.shape[1], 2)
    means = complex_fluxes(Z, candidates).mean(axis=0)
    expected = [candidates[j] for j in ranked(means, 40)]
    assert clf.complexes_ == expected
    assert clf.n_reactions_ == 40
    # the rule is the paper's, not the default
    default = CRNClassifier(n_reactions=40, encoding=None).fit(X, y)
    assert default.complexes_ != clf.complexes_
    # and it answers to the name that says so
    paper = CRNClassifier(n_reactions=40, selection="paper", encoding=None,
                          random_state=0).fit(X, y)
    assert paper.complexes_ == clf.complexes_


# -- the other rules -------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
def test_class_contrast_matches_the_naive_round_robin(order):
    Z, y = random_problem(5, n_samples=45, n_species=6, n_classes=3)
    K = min(14, n_candidates(6, order))
    expected = naive_class_contrast(Z, y, K, order, CONTRAST_FLOOR, REUSE_PENALTY)
    assert select_complexes(Z, y, K, order=order, rule="class-contrast") == expected


def test_class_contrast_options_change_the_picks():
    Z, y = random_problem(6, n_samples=60, n_species=6, n_classes=3)
    options = dict(floor=0.05, reuse_penalty=0.5)
    got = select_complexes(Z, y, 12, order=2, rule="class-contrast", **options)
    assert got == naive_class_contrast(Z, y, 12, 2, 0.05, 0.5)
    assert got != select_complexes(Z, y, 12, order=2, rule="class-contrast")


def test_classifier_default_rule_on_the_digits(digits):
    X, y = digits.X_train[:200], digits.y_train[:200]
    clf = CRNClassifier(n_reactions=30, encoding=None).fit(X, y)
    assert clf.selection == "class-contrast"
    Z = input_concentrations(X, dual_rail=True)
    # the per-sample fluxes of all 8,256 candidates, by the tested product
    expected = naive_class_contrast(Z, y, 30, 2, CONTRAST_FLOOR, REUSE_PENALTY,
                                    fluxes=complex_fluxes)
    assert clf.complexes_ == expected
    assert len(set(clf.complexes_)) == 30


def test_class_contrast_skips_classes_without_samples():
    # four classes declared, class 2 absent: the round robin runs over 0, 1, 3
    Z, y = random_problem(7, n_samples=30, n_species=5, n_classes=3)
    y = np.where(y == 2, 3, y)
    got = select_complexes(Z, y, 9, order=2, rule="class-contrast", n_classes=4)
    assert got == naive_class_contrast(Z, y, 9, 2, CONTRAST_FLOOR, REUSE_PENALTY)


@pytest.mark.parametrize("rule", ["max-flux", "class-spread"])
def test_flux_rules_match_their_definition(rule):
    Z, y = random_problem(8)
    candidates = naive_candidates(Z.shape[1], 2)
    F = naive_fluxes(Z, candidates)
    if rule == "max-flux":
        score = F.max(axis=0)
    else:
        score = np.array([F[y == c].mean(axis=0) for c in np.unique(y)]).std(axis=0)
    chosen = select_complexes(Z, y, 10, order=2, rule=rule)
    assert chosen == [candidates[j] for j in ranked(score, 10)]


# -- errors ----------------------------------------------------------------------


def test_selection_errors_are_named():
    Z, y = random_problem(9, n_species=4)
    with pytest.raises(ValueError, match="rule must be one of"):
        select_complexes(Z, y, 3, rule="largest")
    with pytest.raises(ValueError, match=r"n_reactions must be in \[1, 10\]"):
        select_complexes(Z, y, 11, order=2)
    with pytest.raises(ValueError, match=r"n_reactions must be in \[1, 4\]"):
        select_complexes(Z, y, 0, order=1)
    with pytest.raises(ValueError, match=r"order must be in \[1, 3\]"):
        n_candidates(4, 4)
    with pytest.raises(TypeError, match="order must be an int"):
        candidate_complexes(4, 2.0)
