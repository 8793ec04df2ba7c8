"""Capacity of the learning network: VC and Natarajan dimension in the K fluxes.

The hypothesis class
--------------------
After selection, the network sees an input ``x`` only through the fluxes
``phi(x) = (phi_1(x), ..., phi_K(x))`` of its ``K`` reactant complexes
(each in ``[0, 1]``). Class ``c`` scores ``y_c = w_c . phi(x)`` with
``w_c`` on the probability simplex, and the prediction is
``argmax_c y_c``.

*Two classes.* The prediction is the sign of ``u . phi(x)`` with
``u = w_1 - w_2``. Every such ``u`` sums to zero and has
``||u||_1 <= 2``; conversely every nonzero sum-zero ``u`` is a positive
multiple of such a difference, even of two strictly positive simplex
points (:func:`simplex_pair_from_direction`: with ``s = ||u||_1 / 2``,
``w_{1,2} = (1 - lam) u^{+/-} / s + lam / K``). The sign is unchanged by
positive scaling, so the class is exactly

    H_K = { x -> sign(u . phi(x)) : u in R^K, sum_S u_S = 0 },

homogeneous linear thresholds on the projected fluxes ``P phi`` (``P`` the
projection on the sum-zero hyperplane, ``u . phi = u . P phi``), a space of
dimension ``K - 1``.

*VC dimension K - 1.* Upper bound: take ``K`` points. Their projections
are ``K`` vectors in a ``(K - 1)``-dimensional space, so
``sum_m c_m P phi_m = 0`` with some ``c_m > 0`` (flip the signs of ``c`` if
needed). Label ``-1`` the points with ``c_m > 0`` and ``+1`` the others.
A ``u`` realising it would make every term of ``sum_m c_m (u . P phi_m)``
non-positive and those with ``c_m > 0`` negative, while the sum is zero.
So no set of ``K`` points is shattered, whatever their position and
whatever sign the classifier gives to ties. Lower bound: the ``K - 1``
unit flux vectors ``e_1, ..., e_{K-1}`` are shattered, by
``u = (y_1, ..., y_{K-1}, -sum y)`` (:func:`shattered_flux_set`). On the
input space the VC dimension is ``K - 1`` as soon as the ``K`` flux
functions are linearly independent (distinct products of distinct
species are), since then some ``K - 1`` inputs have independent projected
fluxes (:func:`independent_subset`).

*C classes: Natarajan dimension at most (C - 1)(K - 1).* Shifting every
``w_c`` by ``-1/K`` and scaling does not change the argmax, so the class
is ``x -> argmax_c v_c . P phi(x)`` with ``v_c`` in the sum-zero
hyperplane; conversely ``w_c = 1/K + lam v_c`` is a strictly positive
simplex point for small ``lam > 0`` (:func:`simplex_weights_from_scores`).
This is a linear multiclass predictor with the class-sensitive feature
map ``Psi(x, c) = e_c (x) P phi(x)``. We bound its Natarajan dimension
with the reduction of Shalev-Shwartz and Ben-David ([1]_, Theorem 29.7):
if a set is N-shattered with witnesses ``f0 != f1``, the vectors
``Psi(x, f0(x)) - Psi(x, f1(x))`` are shattered by homogeneous halfspaces
in the parameter space. These vectors are ``(e_i - e_j) (x) P phi``: they
lie in the subspace where the class blocks sum to zero, of dimension
``(C - 1)(K - 1)``, which therefore bounds the set size. For ``C = 2`` it
is ``K - 1``, the VC dimension above. Linear multiclass predictors are
studied in [2]_; we use only the upper bound proved here.

*A lower bound: K points for C >= 3 classes (K >= 3).* Take the unit flux
vectors ``e_1, ..., e_K`` with witnesses ``f0(e_j) = j mod C`` and
``f1(e_j) = j + 1 mod C``. For any choice of labels ``l_j`` among the two
witnesses, let class ``c`` label ``n_c`` points and set ``v_c[j] = 1``
where ``l_j = c`` and ``-n_c / (K - n_c)`` elsewhere: each row sums to
zero and point ``j`` scores 1 in its class and at most 0 in the others.
This needs ``n_c < K``, which holds because no class belongs to the
witness pairs of three consecutive points when ``C >= 3``. So
``K <= Ndim <= (C - 1)(K - 1)`` (:func:`natarajan_shattered_set`); for
two classes the ``K`` points are not shattered, as shown above.

The shattering checks are exact linear feasibility problems (solved with
``scipy.optimize.linprog``): a labelling is realisable with strict
decisions if and only if some parameter achieves margin 1 on every point
(scale a strict solution up).

The spiking network
-------------------
The spiking baseline's output neuron ``c`` spikes with probability
``sum_h w_{c,h} s_h(t)`` (simplex weights over the ``K`` selected hidden
neurons, never clipped since the sum lies in ``[0, 1]``), so its expected
spike count over an image is ``N w_c . P(x)``, ``P_h(x)`` the firing rate
of hidden neuron ``h``. The classifier on expected counts is the same
argmax of simplex-weighted sums, now over the ``K`` hidden firing rates:
the same bounds, ``K - 1`` and ``(C - 1)(K - 1)``, in the space of those
rates. The differences are in the feature maps, not in the output class:
the network's features are exact products of concentrations, fixed once
the reactions are selected; the spiking features are firing rates of
threshold units trained on data (an approximation of the pair
conjunctions), and the realised prediction compares random spike counts,
so it is a randomised classifier around that class. Without a hidden
layer the spiking output layer is the same class on the ``d`` input rates
(bound ``(C - 1)(d - 1)``), which cannot express a conjunction of inputs.

References
----------
.. [1] S. Shalev-Shwartz and S. Ben-David, *Understanding Machine
   Learning: From Theory to Algorithms*, Cambridge University Press,
   2014, section 29.3.3.
.. [2] A. Daniely, S. Sabato, S. Ben-David and S. Shalev-Shwartz,
   "Multiclass learnability and the ERM principle", JMLR 16, 2015
   (COLT 2011).
"""

import itertools
import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ._checks import check_int

__all__ = [
    "ShatteringResult",
    "binary_realizable",
    "capacity_comparison",
    "independent_subset",
    "multiclass_realizable",
    "natarajan_dimension_bounds",
    "natarajan_shattered_set",
    "natarajan_shattering_check",
    "shattered_flux_set",
    "shattering_check",
    "simplex_pair_from_direction",
    "simplex_weights_from_scores",
    "vc_dimension_bound",
]

logger = logging.getLogger(__name__)

#: Largest number of points a shattering check accepts: 2^(n-1) linear
#: programs for the binary check, 2^n for the Natarajan one.
MAX_SHATTER_POINTS = 16
#: Relative singular-value threshold below which projected flux vectors
#: count as linearly dependent.
RANK_RTOL = 1e-9


def vc_dimension_bound(n_reactions, n_classes=2):
    """Capacity bound of the network with ``K`` reactions and ``C`` classes.

    Parameters
    ----------
    n_reactions : int
        Number of selected reactions ``K`` (>= 1).
    n_classes : int, default=2
        Number of classes ``C`` (>= 2).

    Returns
    -------
    int
        ``K - 1`` for two classes (the exact VC dimension of the class on
        flux space); ``(C - 1)(K - 1)`` for more (an upper bound on the
        Natarajan dimension, see the module docstring and
        :func:`natarajan_dimension_bounds`).

    Examples
    --------
    >>> vc_dimension_bound(50), vc_dimension_bound(50, n_classes=10)
    (49, 441)
    """
    n_reactions = check_int("n_reactions", n_reactions, 1)
    n_classes = check_int("n_classes", n_classes, 2)
    return (n_classes - 1) * (n_reactions - 1)


def capacity_comparison(n_reactions, n_features, n_classes=2):
    """Capacity bounds of the learning network and of the spiking baselines.

    Each bound is the one of the module docstring for a class of simplex
    weighted sums compared by argmax, applied to the features each model
    reads: the ``K`` complex fluxes of the network, the firing rates of the
    ``K`` selected hidden neurons of the spiking network (on its expected
    spike counts), and the ``d`` input rates of the spiking network without
    a hidden layer. For two classes the bounds are exact VC dimensions on
    the respective feature spaces.

    Parameters
    ----------
    n_reactions : int
        ``K``: selected reactions of the network, and selected hidden
        neurons of the spiking network (>= 1).
    n_features : int
        ``d``: input features (>= 1).
    n_classes : int, default=2
        ``C`` (>= 2).

    Returns
    -------
    dict
        ``"crn"``, ``"snn_hidden"`` and ``"snn_no_hidden"``: each a dict with
        ``upper`` (``(C - 1)(n - 1)`` for ``n`` features), ``lower`` (from
        :func:`natarajan_dimension_bounds`), ``features`` (what the output
        layer reads) and ``n_features`` (``n``).

    Examples
    --------
    >>> table = capacity_comparison(50, 64, n_classes=10)
    >>> table["crn"]["upper"], table["snn_hidden"]["upper"]
    (441, 441)
    >>> table["snn_no_hidden"]["upper"]
    567
    """
    n_reactions = check_int("n_reactions", n_reactions, 1)
    n_features = check_int("n_features", n_features, 1)
    n_classes = check_int("n_classes", n_classes, 2)
    rows = {
        "crn": (n_reactions, "complex fluxes prod_{i in S} x_i (exact products)"),
        "snn_hidden": (
            n_reactions,
            "firing rates of the selected hidden neurons (learned, approximate "
            "conjunctions; the realised prediction compares random spike counts)",
        ),
        "snn_no_hidden": (n_features, "input firing rates x_i (no conjunctions)"),
    }
    table = {}
    for name, (n, features) in rows.items():
        lower, upper = natarajan_dimension_bounds(n, n_classes)
        table[name] = {
            "lower": lower,
            "upper": upper,
            "features": features,
            "n_features": n,
        }
    return table


def natarajan_dimension_bounds(n_reactions, n_classes):
    """Lower and upper bound on the Natarajan dimension of the network.

    Parameters
    ----------
    n_reactions : int
        Number of selected reactions ``K`` (>= 1).
    n_classes : int
        Number of classes ``C`` (>= 2).

    Returns
    -------
    lower, upper : int
        ``upper = (C - 1)(K - 1)``; ``lower = K`` for ``C >= 3`` and
        ``K >= 3`` (:func:`natarajan_shattered_set`), else ``K - 1``. For two
        classes both equal the VC dimension ``K - 1``.

    Examples
    --------
    >>> natarajan_dimension_bounds(4, 3)
    (4, 6)
    """
    n_reactions = check_int("n_reactions", n_reactions, 1)
    n_classes = check_int("n_classes", n_classes, 2)
    upper = vc_dimension_bound(n_reactions, n_classes)
    lower = n_reactions if n_classes >= 3 and n_reactions >= 3 else n_reactions - 1
    return lower, upper


def natarajan_shattered_set(n_reactions, n_classes):
    """A point set with witnesses that the network N-shatters.

    Parameters
    ----------
    n_reactions : int
        Number of reactions ``K`` (>= 2).
    n_classes : int
        Number of classes ``C`` (>= 2).

    Returns
    -------
    fluxes : ndarray of shape (n_points, n_reactions)
        For ``C >= 3`` and ``K >= 3``: the ``K`` unit flux vectors; otherwise
        the ``K - 1`` of :func:`shattered_flux_set`.
    f0, f1 : ndarray of int of shape (n_points,)
        The witnesses: ``j mod C`` and ``j + 1 mod C`` (``1`` and ``0`` in
        the second case).

    Examples
    --------
    >>> fluxes, f0, f1 = natarajan_shattered_set(3, 3)
    >>> natarajan_shattering_check(fluxes, f0, f1, n_classes=3).shattered
    True
    """
    n_reactions = check_int("n_reactions", n_reactions, 2)
    n_classes = check_int("n_classes", n_classes, 2)
    if n_classes >= 3 and n_reactions >= 3:
        index = np.arange(n_reactions)
        return np.eye(n_reactions), index % n_classes, (index + 1) % n_classes
    fluxes = shattered_flux_set(n_reactions)
    n_points = fluxes.shape[0]
    return fluxes, np.ones(n_points, dtype=int), np.zeros(n_points, dtype=int)


def _check_fluxes(fluxes):
    fluxes = np.asarray(fluxes, dtype=float)
    if fluxes.ndim != 2 or fluxes.shape[1] < 1:
        raise ValueError(
            "fluxes must have shape (n_points, n_reactions); got shape "
            f"{fluxes.shape}."
        )
    if not np.all(np.isfinite(fluxes)):
        raise ValueError("fluxes must be finite.")
    return fluxes


def _feasible(A_ub, b_ub, A_eq, b_eq):
    result = linprog(
        np.zeros(A_ub.shape[1]),
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=(None, None),
        method="highs",
    )
    if result.status == 0:
        return True, result.x
    if result.status == 2:
        return False, None
    raise RuntimeError(f"linprog failed: status {result.status}: {result.message}")


def binary_realizable(fluxes, labels, sum_zero=True):
    """Whether a labelling of flux vectors is realised by a linear threshold.

    Solves: find ``u`` with ``labels[m] * (u . fluxes[m]) >= 1`` for every
    point (and ``sum(u) = 0`` when ``sum_zero``).

    Parameters
    ----------
    fluxes : array-like of shape (n_points, n_reactions)
        Flux vectors.
    labels : array-like of shape (n_points,)
        Labels in ``{-1, +1}``.
    sum_zero : bool, default=True
        Restrict to sum-zero coefficients (the two-class network);
        False gives all homogeneous thresholds.

    Returns
    -------
    realizable : bool
    coefficients : ndarray of shape (n_reactions,) or None
        A solution ``u`` when realisable.

    Examples
    --------
    >>> ok, u = binary_realizable([[1, 0, 0], [0, 1, 0]], [1, -1])
    >>> ok, bool(abs(u.sum()) < 1e-9)
    (True, True)
    """
    fluxes = _check_fluxes(fluxes)
    labels = np.asarray(labels, dtype=float)
    if labels.shape != (fluxes.shape[0],) or not np.all(np.isin(labels, (-1, 1))):
        raise ValueError(
            f"labels must be {fluxes.shape[0]} values in {{-1, +1}}; got {labels!r}."
        )
    A_ub = -labels[:, None] * fluxes
    b_ub = -np.ones(fluxes.shape[0])
    if sum_zero:
        A_eq, b_eq = np.ones((1, fluxes.shape[1])), np.zeros(1)
    else:
        A_eq = b_eq = None
    return _feasible(A_ub, b_ub, A_eq, b_eq)


def multiclass_realizable(fluxes, labels, n_classes):
    """Whether a labelling is realised by the network's argmax of scores.

    Solves: find sum-zero ``v_1, ..., v_C`` in ``R^K`` with
    ``(v_{labels[m]} - v_c) . fluxes[m] >= 1`` for every point and every
    ``c != labels[m]``. A solution maps to simplex weights with the same
    predictions through :func:`simplex_weights_from_scores`.

    Parameters
    ----------
    fluxes : array-like of shape (n_points, n_reactions)
        Flux vectors.
    labels : array-like of int of shape (n_points,)
        Class indices in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes ``C`` (>= 2).

    Returns
    -------
    realizable : bool
    scores : ndarray of shape (n_classes, n_reactions) or None
        The ``v_c`` when realisable.

    Examples
    --------
    >>> ok, v = multiclass_realizable(np.eye(3), [0, 1, 2], n_classes=3)
    >>> ok, (np.eye(3) @ v.T).argmax(axis=1).tolist()
    (True, [0, 1, 2])
    """
    fluxes = _check_fluxes(fluxes)
    n_classes = check_int("n_classes", n_classes, 2)
    labels = np.asarray(labels)
    if (
        labels.shape != (fluxes.shape[0],)
        or not np.issubdtype(labels.dtype, np.integer)
        or labels.min(initial=0) < 0
        or labels.max(initial=0) >= n_classes
    ):
        raise ValueError(
            f"labels must be {fluxes.shape[0]} integers in [0, {n_classes}); got "
            f"{labels!r}."
        )
    n_points, n_reactions = fluxes.shape

    rows = []
    for m in range(n_points):
        for c in range(n_classes):
            if c == labels[m]:
                continue
            row = np.zeros((n_classes, n_reactions))
            row[labels[m]] -= fluxes[m]
            row[c] += fluxes[m]
            rows.append(row.ravel())
    A_ub = np.array(rows)
    b_ub = -np.ones(len(rows))
    A_eq = np.kron(np.eye(n_classes), np.ones((1, n_reactions)))
    b_eq = np.zeros(n_classes)
    ok, solution = _feasible(A_ub, b_ub, A_eq, b_eq)
    return ok, (solution.reshape(n_classes, n_reactions) if ok else None)


@dataclass(frozen=True)
class ShatteringResult:
    """Outcome of an exact shattering check.

    Attributes
    ----------
    n_points : int
        Size of the point set.
    n_checked : int
        Number of labellings solved.
    n_unrealizable : int
        Number of those found unrealisable.
    shattered : bool
        Whether every labelling is realisable.
    unrealizable : list of tuple
        Labellings found unrealisable (labels in {-1, +1}, or the chosen
        subset as a 0/1 mask for the Natarajan check), at most
        ``max_reported`` of them.
    """

    n_points: int
    n_checked: int
    n_unrealizable: int
    shattered: bool
    unrealizable: list


def _check_size(n_points):
    if n_points > MAX_SHATTER_POINTS:
        raise ValueError(
            f"shattering checks accept at most {MAX_SHATTER_POINTS} points (2^n "
            f"linear programs); got {n_points}."
        )


def shattering_check(fluxes, sum_zero=True, max_reported=10):
    """Exact check that linear thresholds shatter a set of flux vectors.

    Every labelling ``y`` in ``{-1, +1}^n`` is solved with
    :func:`binary_realizable`. Since ``u`` realises ``y`` exactly when
    ``-u`` realises ``-y``, only the labellings with ``y_0 = +1`` are
    solved: ``2^(n-1)`` linear programs.

    Parameters
    ----------
    fluxes : array-like of shape (n_points, n_reactions)
        The point set (at most ``MAX_SHATTER_POINTS`` points).
    sum_zero : bool, default=True
        Sum-zero coefficients (the two-class network) or all homogeneous
        thresholds.
    max_reported : int, default=10
        How many unrealisable labellings to keep; the check goes on over
        all labellings.

    Returns
    -------
    ShatteringResult

    Examples
    --------
    >>> shattering_check(shattered_flux_set(4)).shattered
    True
    >>> shattering_check(np.eye(4)).shattered
    False
    """
    fluxes = _check_fluxes(fluxes)
    n_points = fluxes.shape[0]
    _check_size(n_points)
    if n_points == 0:
        return ShatteringResult(0, 0, 0, True, [])

    unrealizable, n_checked, n_failed = [], 0, 0
    for tail in itertools.product((1, -1), repeat=n_points - 1):
        labels = (1,) + tail
        ok, _ = binary_realizable(fluxes, labels, sum_zero=sum_zero)
        n_checked += 1
        if not ok:
            n_failed += 1
            logger.debug("labelling %s not realisable", labels)
            if len(unrealizable) < max_reported:
                unrealizable.append(labels)
    return ShatteringResult(n_points, n_checked, n_failed, n_failed == 0, unrealizable)


def natarajan_shattering_check(fluxes, f0, f1, n_classes, max_reported=10):
    """Exact check that the network's multiclass class N-shatters a set.

    The set is N-shattered with witnesses ``f0``, ``f1`` (``f0[m] != f1[m]``)
    when for every subset ``B`` the labelling ``f0`` on ``B`` and ``f1``
    elsewhere is realised (:func:`multiclass_realizable`): ``2^n`` linear
    programs.

    Parameters
    ----------
    fluxes : array-like of shape (n_points, n_reactions)
        The point set (at most ``MAX_SHATTER_POINTS`` points).
    f0, f1 : array-like of int of shape (n_points,)
        The two witness labellings, different at every point.
    n_classes : int
        Number of classes ``C``.
    max_reported : int, default=10
        How many unrealisable subsets (as 0/1 masks) to keep.

    Returns
    -------
    ShatteringResult

    Examples
    --------
    >>> fluxes = shattered_flux_set(3)
    >>> natarajan_shattering_check(fluxes, [1, 1], [0, 0], n_classes=2).shattered
    True
    """
    fluxes = _check_fluxes(fluxes)
    n_points = fluxes.shape[0]
    _check_size(n_points)
    f0, f1 = np.asarray(f0), np.asarray(f1)
    if f0.shape != (n_points,) or f1.shape != (n_points,) or np.any(f0 == f1):
        raise ValueError(
            f"f0 and f1 must be {n_points} class indices each, different at every "
            f"point; got {f0!r} and {f1!r}."
        )

    unrealizable, n_checked, n_failed = [], 0, 0
    for mask in itertools.product((1, 0), repeat=n_points):
        labels = np.where(np.array(mask, dtype=bool), f0, f1)
        ok, _ = multiclass_realizable(fluxes, labels, n_classes)
        n_checked += 1
        if not ok:
            n_failed += 1
            if len(unrealizable) < max_reported:
                unrealizable.append(mask)
    return ShatteringResult(n_points, n_checked, n_failed, n_failed == 0, unrealizable)


def shattered_flux_set(n_reactions):
    """``K - 1`` flux vectors the two-class network shatters.

    Parameters
    ----------
    n_reactions : int
        Number of reactions ``K`` (>= 2).

    Returns
    -------
    ndarray of shape (n_reactions - 1, n_reactions)
        The unit vectors ``e_1, ..., e_{K-1}``: reaction ``j`` alone has flux
        1. The labelling ``y`` is realised by ``u = (y, -sum y)``.

    Examples
    --------
    >>> shattered_flux_set(3)
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    n_reactions = check_int("n_reactions", n_reactions, 2)
    return np.eye(n_reactions - 1, n_reactions)


def independent_subset(fluxes, size=None):
    """Points whose projected fluxes are linearly independent (greedy).

    Parameters
    ----------
    fluxes : array-like of shape (n_points, n_reactions)
        Candidate flux vectors, for example the fluxes of training inputs.
    size : int, default=None
        How many points to pick; default ``n_reactions - 1``, the largest
        possible.

    Returns
    -------
    ndarray of int of shape (n_found,)
        Indices of the chosen points, in the order found; ``n_found`` is
        below ``size`` when the candidates do not span enough directions.
        Such points are shattered by the two-class network.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> independent_subset(rng.random((20, 5))).size
    4
    """
    fluxes = _check_fluxes(fluxes)
    n_reactions = fluxes.shape[1]
    size = n_reactions - 1 if size is None else check_int("size", size, 0)
    projected = fluxes - fluxes.mean(axis=1, keepdims=True)
    scale = max(float(np.abs(projected).max(initial=0.0)), 1e-300)

    chosen = []
    for index in range(fluxes.shape[0]):
        if len(chosen) == size:
            break
        candidate = projected[chosen + [index]]
        singular = np.linalg.svd(candidate, compute_uv=False)
        if singular[-1] > RANK_RTOL * scale:
            chosen.append(index)
    return np.array(chosen, dtype=int)


def simplex_pair_from_direction(direction, mix=0.5):
    """Two simplex points whose difference is a positive multiple of ``u``.

    Parameters
    ----------
    direction : array-like of shape (n_reactions,)
        A nonzero sum-zero vector ``u``.
    mix : float, default=0.5
        Share of uniform weight mixed into both points, in ``[0, 1)``;
        with ``mix > 0`` every weight is positive, as under EWA.

    Returns
    -------
    w1, w2 : ndarray of shape (n_reactions,)
        Points of the simplex.
    scale : float
        ``> 0``, with ``w1 - w2 = scale * u``.

    Examples
    --------
    >>> w1, w2, s = simplex_pair_from_direction([2.0, -1.0, -1.0])
    >>> bool(np.allclose(w1 - w2, s * np.array([2.0, -1.0, -1.0])))
    True
    >>> w1.round(3).tolist(), w2.round(3).tolist()
    ([0.667, 0.167, 0.167], [0.167, 0.417, 0.417])
    """
    u = np.asarray(direction, dtype=float)
    if u.ndim != 1 or u.size < 2:
        raise ValueError(f"direction must be a 1-d vector of size >= 2; got {u!r}.")
    norm = np.abs(u).sum()
    if norm == 0 or abs(u.sum()) > 1e-12 * norm:
        raise ValueError(
            f"direction must be nonzero and sum to zero; got sum {u.sum():.3g}."
        )
    if not 0.0 <= mix < 1.0:
        raise ValueError(f"mix must lie in [0, 1); got {mix!r}.")
    half = norm / 2.0
    uniform = np.full(u.size, 1.0 / u.size)
    w1 = (1.0 - mix) * np.maximum(u, 0.0) / half + mix * uniform
    w2 = (1.0 - mix) * np.maximum(-u, 0.0) / half + mix * uniform
    return w1, w2, (1.0 - mix) / half


def simplex_weights_from_scores(scores, mix=0.5):
    """Strictly positive simplex weights with the argmax of given scores.

    Parameters
    ----------
    scores : array-like of shape (n_classes, n_reactions)
        Score vectors ``v_c``, each summing to zero.
    mix : float, default=0.5
        In ``(0, 1)``: the smallest weight is ``mix / K``.

    Returns
    -------
    weights : ndarray of shape (n_classes, n_reactions)
        ``1/K + lam v_c`` with ``lam > 0``: each row on the simplex, and
        ``argmax_c weights[c] . phi = argmax_c v_c . phi`` for every ``phi``
        (the common term ``sum(phi) / K`` does not change the argmax).

    Examples
    --------
    >>> w = simplex_weights_from_scores([[1.0, -1.0], [-1.0, 1.0]])
    >>> w.sum(axis=1).tolist(), bool((w > 0).all())
    ([1.0, 1.0], True)
    """
    v = np.asarray(scores, dtype=float)
    if v.ndim != 2:
        raise ValueError(f"scores must be 2-d (n_classes, n_reactions); got {v!r}.")
    norms = np.abs(v).sum(axis=1)
    if np.any(np.abs(v.sum(axis=1)) > 1e-9 * np.maximum(norms, 1.0)):
        raise ValueError("every row of scores must sum to zero.")
    if not 0.0 < mix < 1.0:
        raise ValueError(f"mix must lie in (0, 1); got {mix!r}.")
    n_reactions = v.shape[1]
    largest = float(np.abs(v).max(initial=0.0))
    lam = (1.0 - mix) / (n_reactions * largest) if largest > 0 else 0.0
    return 1.0 / n_reactions + lam * v
