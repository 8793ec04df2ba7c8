"""Shape-colour conjunction tasks: where a hidden layer is needed.

Each object has one of 3 shapes and one of 3 colours, and is encoded one-hot
over 6 input features (3 shape features, then 3 colour features), so every
object activates exactly 2 inputs. Two binary tasks label the 9 objects:

- task 1, *one colour against the rest*: class 1 holds the 3 red objects. A
  single feature decides it, so it is linearly separable.
- task 2, *a set of conjunctions*: class 1 holds the 5 objects whose colour
  index equals the shape index or the next one,
  ``{(circle, red), (circle, green), (square, green), (square, blue),
  (triangle, blue)}`` (a staircase in the 3 x 3 shape-colour grid). The
  circle row {red, green} and the square row {green, blue} are not nested,
  so no linear threshold on the 6 features, with or without bias, separates
  the classes: a learner must sense conjunctions of a shape and a colour.

The best linear threshold with bias classifies 8 of the 9 objects of task 2
correctly; a homogeneous one with coefficients summing to zero, the
hypothesis class of two competing output neurons with simplex weights, only
7 of 9. The tests of crnlearn prove both numbers by linear feasibility.
"""

import numpy as np
from sklearn.utils import check_random_state

from .digits import DatasetSplit

__all__ = [
    "SHAPES",
    "COLOURS",
    "CONJUNCTION_FEATURES",
    "CONJUNCTION_TASKS",
    "conjunction_objects",
    "make_conjunction_task",
    "load_conjunction_split",
]

SHAPES = ("circle", "square", "triangle")
COLOURS = ("red", "green", "blue")
#: Names of the 6 input features, shape features first.
CONJUNCTION_FEATURES = tuple(f"shape={s}" for s in SHAPES) + tuple(
    f"colour={c}" for c in COLOURS
)
#: Class-1 objects of each task, as (shape index, colour index).
CONJUNCTION_TASKS = {
    1: frozenset((s, 0) for s in range(len(SHAPES))),
    2: frozenset((s, c) for s in range(3) for c in range(3) if c - s in (0, 1)),
}


def _check_task(task):
    if task not in CONJUNCTION_TASKS:
        raise ValueError(
            f"task must be one of {tuple(CONJUNCTION_TASKS)}; got {task!r}."
        )


def conjunction_objects(task=2):
    """The 9 noise-free objects of a task and their labels.

    Parameters
    ----------
    task : {1, 2}, default=2

    Returns
    -------
    X : ndarray of shape (9, 6)
        One-hot encodings, object ``3 * shape + colour`` in row order.
    y : ndarray of shape (9,), dtype int
        1 for the task's class-1 objects, else 0.

    Examples
    --------
    >>> X, y = conjunction_objects(task=1)
    >>> X[3].tolist(), y.tolist()
    ([0.0, 1.0, 0.0, 1.0, 0.0, 0.0], [1, 0, 0, 1, 0, 0, 1, 0, 0])
    """
    _check_task(task)
    n_shapes, n_colours = len(SHAPES), len(COLOURS)
    shape, colour = np.divmod(np.arange(n_shapes * n_colours), n_colours)
    X = np.zeros((shape.size, n_shapes + n_colours))
    X[np.arange(shape.size), shape] = 1.0
    X[np.arange(shape.size), n_shapes + colour] = 1.0
    positive = CONJUNCTION_TASKS[task]
    y = np.array([int((s, c) in positive) for s, c in zip(shape, colour, strict=True)])
    return X, y


def make_conjunction_task(task=2, n_samples=900, noise=0.0, random_state=None):
    """Draw objects uniformly at random and label them by a conjunction task.

    Parameters
    ----------
    task : {1, 2}, default=2
        1: red against the rest (linearly separable); 2: the staircase set of
        shape-colour conjunctions (not linearly separable).
    n_samples : int, default=900
        Number of objects drawn, each of the 9 with probability 1/9.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to every feature; the
        result is clipped to ``[0, 1]`` so it stays a firing probability.
    random_state : int, RandomState or None, default=None
        Seeds the draw of objects and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 6)
    y : ndarray of shape (n_samples,), dtype int

    Examples
    --------
    >>> X, y = make_conjunction_task(task=2, n_samples=4, random_state=0)
    >>> X.shape, X.sum(axis=1).tolist()
    ((4, 6), [2.0, 2.0, 2.0, 2.0])
    """
    _check_task(task)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1; got {n_samples!r}.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    rng = check_random_state(random_state)
    objects, labels = conjunction_objects(task)
    index = rng.randint(len(objects), size=n_samples)
    X, y = objects[index], labels[index]
    if noise > 0:
        X = np.clip(X + noise * rng.standard_normal(X.shape), 0.0, 1.0)
    return X, y


def load_conjunction_split(task=2, n_train=600, n_test=300, noise=0.0,
                           random_state=None):
    """A train/test split of a conjunction task, drawn independently.

    Parameters
    ----------
    task : {1, 2}, default=2
    n_train, n_test : int, default=600 and 300
    noise : float, default=0.0
    random_state : int, RandomState or None, default=None

    Returns
    -------
    DatasetSplit
        Unpacks as ``X_train, X_test, y_train, y_test``.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_conjunction_split(
    ...     n_train=10, n_test=5, random_state=0)
    >>> X_train.shape, X_test.shape
    ((10, 6), (5, 6))
    """
    rng = check_random_state(random_state)
    X, y = make_conjunction_task(task, n_train + n_test, noise, rng)
    return DatasetSplit(
        X[:n_train], X[n_train:], y[:n_train], y[n_train:],
        name=f"conjunction-{task}",
    )
