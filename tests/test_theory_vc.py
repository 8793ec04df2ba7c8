"""VC and Natarajan dimension by exact shattering checks (crnlearn.theory.vc)."""

import itertools

import numpy as np
import pytest

from crnlearn.datasets import conjunction_objects
from crnlearn.theory import (
    binary_realizable,
    capacity_comparison,
    independent_subset,
    multiclass_realizable,
    natarajan_dimension_bounds,
    natarajan_shattered_set,
    natarajan_shattering_check,
    shattered_flux_set,
    shattering_check,
    simplex_pair_from_direction,
    simplex_weights_from_scores,
    vc_dimension_bound,
)


def test_bounds_by_formula():
    assert vc_dimension_bound(10) == 9
    assert vc_dimension_bound(10, n_classes=10) == 81
    assert natarajan_dimension_bounds(5, 2) == (4, 4)
    assert natarajan_dimension_bounds(5, 4) == (5, 12)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        vc_dimension_bound(5, n_classes=1)


@pytest.mark.parametrize("n_reactions", [2, 3, 4, 5, 6, 7])
def test_k_minus_one_unit_fluxes_are_shattered(n_reactions):
    result = shattering_check(shattered_flux_set(n_reactions))
    assert result.shattered
    assert result.n_checked == 2 ** (n_reactions - 2)


@pytest.mark.parametrize("n_reactions", [2, 3, 4, 5, 6])
def test_k_unit_fluxes_are_not_shattered(n_reactions):
    result = shattering_check(np.eye(n_reactions))
    assert not result.shattered
    # the labelling all +1 is one that fails (u . e_S > 0 for all S is not
    # possible with sum(u) = 0)
    assert (1,) * n_reactions in result.unrealizable


@pytest.mark.parametrize("n_reactions", [3, 4, 5])
def test_without_the_sum_zero_constraint_k_points_are_shattered(n_reactions):
    # homogeneous thresholds on K coordinates have VC dimension K: the
    # sum-zero constraint is what removes one
    assert shattering_check(np.eye(n_reactions), sum_zero=False).shattered


@pytest.mark.parametrize("n_reactions", [3, 4, 5, 6])
def test_random_sets(n_reactions):
    rng = np.random.default_rng(n_reactions)
    for _ in range(3):
        points = rng.random((n_reactions, n_reactions))
        assert not shattering_check(points).shattered
        assert shattering_check(points[:-1]).shattered


def _angular_gap_reference(points, labels):
    """Independent check for K = 3: the projected, sign-flipped points must fit
    in an open half-plane, i.e. leave an angular gap larger than pi."""
    basis = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]])
    basis /= np.linalg.norm(basis, axis=1, keepdims=True)
    z = (np.asarray(labels)[:, None] * points) @ basis.T
    angles = np.sort(np.arctan2(z[:, 1], z[:, 0]))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
    return gaps.max() > np.pi


def test_binary_feasibility_matches_the_angular_reference():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n_points = rng.integers(2, 6)
        points = rng.random((n_points, 3))
        labels = rng.choice([-1, 1], size=n_points)
        ok, u = binary_realizable(points, labels)
        assert ok == _angular_gap_reference(points, labels)
        if ok:
            assert np.all(labels * (points @ u) >= 1 - 1e-7)
            assert abs(u.sum()) < 1e-7


def test_simplex_pairs_cover_every_sum_zero_direction():
    rng = np.random.default_rng(8)
    for n_reactions in (2, 5, 9):
        for _ in range(10):
            u = rng.normal(size=n_reactions)
            u -= u.mean()
            w1, w2, scale = simplex_pair_from_direction(u, mix=0.3)
            assert scale > 0
            np.testing.assert_allclose(w1 - w2, scale * u, atol=1e-12)
            np.testing.assert_allclose([w1.sum(), w2.sum()], 1.0, rtol=1e-12)
            assert w1.min() > 0 and w2.min() > 0


def test_a_realised_labelling_is_realised_by_simplex_weights():
    points = shattered_flux_set(5)
    for labels in itertools.product((-1, 1), repeat=4):
        ok, u = binary_realizable(points, labels)
        assert ok
        w1, w2, _ = simplex_pair_from_direction(u)
        predicted = np.where(points @ w1 > points @ w2, 1, -1)
        np.testing.assert_array_equal(predicted, labels)


def test_monomial_fluxes_of_inputs_reach_the_vc_dimension():
    # fluxes of distinct products of input concentrations are linearly
    # independent functions, so K - 1 inputs with independent projected
    # fluxes exist and are shattered
    rng = np.random.default_rng(9)
    complexes = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)]
    x = rng.random((50, 3))
    fluxes = np.stack([np.prod(x[:, list(s)], axis=1) for s in complexes], axis=1)
    chosen = independent_subset(fluxes)
    assert chosen.size == len(complexes) - 1
    assert shattering_check(fluxes[chosen]).shattered
    assert not shattering_check(fluxes[:len(complexes)]).shattered


@pytest.mark.parametrize(("n_reactions", "n_classes"), [(3, 3), (4, 3), (5, 4), (4, 2)])
def test_constructed_sets_are_n_shattered(n_reactions, n_classes):
    fluxes, f0, f1 = natarajan_shattered_set(n_reactions, n_classes)
    lower, _ = natarajan_dimension_bounds(n_reactions, n_classes)
    assert fluxes.shape[0] == lower
    assert natarajan_shattering_check(fluxes, f0, f1, n_classes).shattered


def test_two_class_natarajan_check_agrees_with_the_binary_one():
    fluxes = np.eye(4)
    result = natarajan_shattering_check(fluxes, [1] * 4, [0] * 4, n_classes=2)
    assert not result.shattered
    assert (0, 0, 0, 0) in result.unrealizable or (1, 1, 1, 1) in result.unrealizable


@pytest.mark.parametrize(("n_reactions", "n_classes"), [(3, 3), (3, 4)])
def test_sets_larger_than_the_upper_bound_are_not_n_shattered(n_reactions, n_classes):
    rng = np.random.default_rng(10)
    _, upper = natarajan_dimension_bounds(n_reactions, n_classes)
    for _ in range(2):
        points = rng.random((upper + 1, n_reactions))
        f0 = rng.integers(0, n_classes, upper + 1)
        f1 = (f0 + rng.integers(1, n_classes, upper + 1)) % n_classes
        assert not natarajan_shattering_check(points, f0, f1, n_classes).shattered


def test_multiclass_solution_maps_to_simplex_weights():
    rng = np.random.default_rng(11)
    points = rng.random((6, 5))
    labels = np.array([0, 1, 2, 0, 1, 2])
    ok, scores = multiclass_realizable(points, labels, n_classes=3)
    assert ok
    weights = simplex_weights_from_scores(scores)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
    assert weights.min() > 0
    np.testing.assert_array_equal((points @ weights.T).argmax(axis=1), labels)


def test_checks_reject_bad_input():
    with pytest.raises(ValueError, match="labels must be"):
        binary_realizable(np.eye(3), [1, 0, 1])
    with pytest.raises(ValueError, match="at most 16 points"):
        shattering_check(np.ones((17, 3)))
    with pytest.raises(ValueError, match="different at every point"):
        natarajan_shattering_check(np.eye(2), [0, 1], [0, 0], n_classes=2)
    with pytest.raises(ValueError, match="sum to zero"):
        simplex_pair_from_direction([1.0, 1.0])


def test_capacity_of_the_network_and_the_spiking_baselines():
    table = capacity_comparison(n_reactions=50, n_features=64, n_classes=10)
    # the same output class on K features: equal bounds for K reactions and K
    # selected hidden neurons; the spiking network without hidden layer has
    # the bound of its d inputs
    assert table["crn"]["upper"] == table["snn_hidden"]["upper"] == 9 * 49
    assert table["snn_no_hidden"]["upper"] == 9 * 63
    binary = capacity_comparison(n_reactions=5, n_features=6)
    assert binary["crn"]["lower"] == binary["crn"]["upper"] == 4


def test_conjunctions_need_products():
    # the staircase task on 6 one-hot inputs: not realisable by the output
    # class on the inputs (the spiking network without hidden layer), and
    # realisable on the fluxes of the 9 shape-colour pair complexes
    X, y = conjunction_objects(task=2)
    labels = 2 * y - 1
    assert not binary_realizable(X, labels)[0]
    pairs = [(shape, 3 + colour) for shape in range(3) for colour in range(3)]
    fluxes = np.stack([X[:, i] * X[:, j] for i, j in pairs], axis=1)
    ok, u = binary_realizable(fluxes, labels)
    assert ok
    w1, w2, _ = simplex_pair_from_direction(u)
    np.testing.assert_array_equal(fluxes @ w1 > fluxes @ w2, y == 1)
