"""Tests of the shape-colour conjunction tasks, including their linear limits."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from crnlearn.datasets import (
    conjunction_objects,
    load_conjunction_split,
    make_conjunction_task,
)
from crnlearn.datasets.conjunction import CONJUNCTION_FEATURES


def linearly_separable(X, labels, bias=True, sum_zero=False):
    """Is there ``a`` (and ``b``) with ``sign(X @ a + b) == labels``?

    Feasibility of ``labels * (X @ a + b) >= 1`` (any strict separation can be
    scaled to this margin); ``bias=False`` drops ``b``, ``sum_zero=True`` adds
    ``sum(a) == 0``.
    """
    signs = np.where(labels > 0, 1.0, -1.0)
    design = np.hstack([X, np.ones((len(X), 1))]) if bias else X
    n_vars = design.shape[1]
    equality = {}
    if sum_zero:
        row = np.ones((1, n_vars))
        if bias:
            row[0, -1] = 0.0
        equality = dict(A_eq=row, b_eq=[0.0])
    result = linprog(
        np.zeros(n_vars),
        A_ub=-signs[:, None] * design,
        b_ub=-np.ones(len(X)),
        bounds=[(None, None)] * n_vars,
        method="highs",
        **equality,
    )
    assert result.status in (0, 2), result.message  # solved or infeasible
    return result.status == 0


def best_linear_accuracy(X, labels, **kind):
    """Largest fraction of objects any linear classifier of the kind gets right,
    by enumerating every labelling and keeping the separable ones."""
    best = 0
    for candidate in itertools.product([0, 1], repeat=len(X)):
        candidate = np.array(candidate)
        agree = int(np.sum(candidate == labels))
        if agree > best and linearly_separable(X, candidate, **kind):
            best = agree
    return best / len(X)


def test_objects_are_one_hot_shape_and_colour():
    X, y = conjunction_objects(task=2)
    assert X.shape == (9, 6) and len(CONJUNCTION_FEATURES) == 6
    np.testing.assert_array_equal(X[:, :3].sum(axis=1), 1.0)
    np.testing.assert_array_equal(X[:, 3:].sum(axis=1), 1.0)
    # all 9 shape-colour combinations, each once
    assert len({tuple(row) for row in X}) == 9
    assert y.sum() == 5


def test_task_one_is_one_colour_against_the_rest():
    X, y = conjunction_objects(task=1)
    np.testing.assert_array_equal(y, X[:, 3])
    assert linearly_separable(X, y)


def test_task_two_is_not_linearly_separable():
    X, y = conjunction_objects(task=2)
    assert not linearly_separable(X, y)
    assert not linearly_separable(X, y, bias=False, sum_zero=True)


def test_task_two_best_linear_accuracies():
    X, y = conjunction_objects(task=2)
    # with bias: one object must be misclassified
    assert best_linear_accuracy(X, y) == pytest.approx(8 / 9)
    # two competing simplex-weighted outputs: homogeneous, coefficients
    # summing to zero; two objects must be misclassified
    assert best_linear_accuracy(X, y, bias=False, sum_zero=True) == pytest.approx(7 / 9)


def test_samples_are_labelled_objects():
    X, y = make_conjunction_task(task=2, n_samples=500, random_state=0)
    objects, labels = conjunction_objects(task=2)
    index = [int(np.flatnonzero((objects == row).all(axis=1))[0]) for row in X]
    np.testing.assert_array_equal(y, labels[index])
    counts = np.bincount(index, minlength=9)
    # uniform draw: each count within five binomial standard deviations
    expected = 500 / 9
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected * 8 / 9))


def test_noise_is_clipped_to_unit_interval():
    X, _ = make_conjunction_task(task=1, n_samples=400, noise=0.3, random_state=1)
    assert X.min() == 0.0 and X.max() == 1.0
    clean, _ = make_conjunction_task(task=1, n_samples=400, random_state=1)
    assert 0 < np.mean(X != clean) < 1
    assert np.std(X - clean) < 0.3


def test_same_seed_same_samples():
    a = make_conjunction_task(n_samples=50, noise=0.1, random_state=2)
    b = make_conjunction_task(n_samples=50, noise=0.1, random_state=2)
    c = make_conjunction_task(n_samples=50, noise=0.1, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_split_sizes():
    split = load_conjunction_split(task=1, n_train=30, n_test=12, random_state=4)
    X_train, X_test, y_train, y_test = split
    assert X_train.shape == (30, 6) and X_test.shape == (12, 6)
    assert y_train.shape == (30,) and y_test.shape == (12,)
    assert split.name == "conjunction-1"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"task": 3}, r"task must be one of \(1, 2\); got 3"),
        ({"n_samples": 0}, r"n_samples must be an integer >= 1; got 0"),
        ({"noise": -0.1}, r"noise must be a finite number >= 0; got -0.1"),
    ],
)
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_conjunction_task(**kwargs)
