"""Regret of the Exponentially Weighted Average and its bound.

Every class ``c`` of the learning network runs one aggregation over the
``K`` selected reactions (the *experts*). In round ``m`` (the presentation
of sample ``m``) expert ``S`` earns the gain ``g[m, c, S] = s_c phi_S(x_m)``
with ``s_c = a`` for the true class and ``-b`` for the others, so that all
gains lie in ``[-b, a]`` (fluxes lie in ``[0, 1]``). The regret of class
``c`` after ``m`` rounds is

    R_c(m) = max_S sum_{m' <= m} g[m', c, S] - sum_{m' <= m} <w[m', c], g[m', c]>,

the weights ``w[m']`` being those in force while sample ``m'`` was
presented, before its update.

Conventions used throughout :mod:`crnlearn.theory`:

- gains are per sample, without the learning rate or the presentation time
  (the ``gains_`` of :class:`~crnlearn.CRNClassifier`), so regrets are in
  units of "gain per presented sample";
- the EWA learning rate that goes with these gains is the *effective* one,
  ``eta_eff = learning_rate_ * presentation_time``: presenting a sample for
  a time ``tau`` under the replicator equation multiplies the weights by
  ``exp(eta * tau * g)`` (docs/MODEL.md section 2);
- ``gain_range = (low, high)`` is an interval holding every gain, for the
  network ``(-b, a)``.

With ``K`` experts and gains in ``[low, high]``, EWA with a fixed learning
rate ``eta`` and uniform initial weights satisfies, for every horizon ``m``
and every gain sequence (Hoeffding's lemma applied to the log-sum-exp
potential, see [1]_, Theorem 2.2),

    R(m) <= ln K / eta + eta m (high - low)^2 / 8.

For a known horizon ``M`` the right-hand side is smallest at
``eta* = sqrt(8 ln K / M) / (high - low)``, where it equals
``(high - low) sqrt(M ln K / 2)``. That order ``sqrt(M ln K)`` cannot be
improved by any forecaster ([1]_, Theorem 3.7). Summing over the ``C``
classes of a network multiplies the bound by ``C``.

The bound is tight for EWA itself: :func:`adversarial_gains` builds a
sequence on which the regret at ``eta*`` reaches about 99 % of the bound
(``K = 2``, ``M = 10^4``); see its docstring.

References
----------
.. [1] N. Cesa-Bianchi and G. Lugosi, *Prediction, Learning, and Games*,
   Cambridge University Press, 2006.
"""

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..aggregation import cumulative_regret, ewa_weights
from ._checks import (
    as_result,
    check_gain_range,
    check_int,
    check_positive,
    check_rounds,
)

__all__ = [
    "RegretResult",
    "adversarial_gains",
    "classifier_regret",
    "ewa_regret_bound",
    "ewa_weight_history",
    "network_regret_bound",
    "optimal_learning_rate",
    "optimal_regret_bound",
    "regret_difference_bound",
    "regret_over_time",
]

logger = logging.getLogger(__name__)

#: Relative slack when checking that gains lie in their stated range:
#: fluxes computed in floating point may exceed 1 by a few ulps.
RANGE_RTOL = 1e-9
#: Share of the ``ln K / eta`` part of the bound left unrealised at the end of
#: the second phase of :func:`adversarial_gains` (sets that phase's length).
ADVERSARIAL_TAIL = 1e-3


# --------------------------------------------------------------------------
# The bound
# --------------------------------------------------------------------------


def ewa_regret_bound(n_rounds, n_experts, learning_rate, gain_range=(-1.0, 1.0)):
    """Regret bound of EWA with a fixed learning rate.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon(s) ``M``; an array gives the bound at each horizon.
    n_experts : int
        Number of experts ``K`` (>= 1).
    learning_rate : float
        The EWA learning rate ``eta`` (> 0) that multiplies the per-round
        gains; for the network, ``learning_rate_ * presentation_time``.
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain; for the network ``(-b, a)``.

    Returns
    -------
    bound : float or ndarray of the shape of ``n_rounds``
        ``ln K / eta + eta M (high - low)^2 / 8``.

    Examples
    --------
    >>> round(ewa_regret_bound(100, 2, 0.1, gain_range=(-1, 1)), 4)
    11.9315
    """
    rounds = check_rounds(n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    eta = check_positive("learning_rate", learning_rate)
    low, high = check_gain_range(gain_range)
    return as_result(math.log(n_experts) / eta + eta * rounds * (high - low) ** 2 / 8.0)


def optimal_learning_rate(n_rounds, n_experts, gain_range=(-1.0, 1.0)):
    """Learning rate that minimises :func:`ewa_regret_bound` at horizon ``M``.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon ``M`` (> 0).
    n_experts : int
        Number of experts ``K`` (>= 2: with one expert there is nothing to
        learn and no optimum).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.

    Returns
    -------
    float or ndarray
        ``eta* = sqrt(8 ln K / M) / (high - low)``.

    Examples
    --------
    >>> round(optimal_learning_rate(800, 2, gain_range=(-1, 1)), 5)
    0.04163
    """
    rounds = check_positive("n_rounds", n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    if n_experts < 2:
        raise ValueError(
            f"n_experts must be >= 2 for an optimal learning rate; got {n_experts}."
        )
    low, high = check_gain_range(gain_range)
    return as_result(np.sqrt(8.0 * math.log(n_experts) / rounds) / (high - low))


def optimal_regret_bound(n_rounds, n_experts, gain_range=(-1.0, 1.0)):
    """The EWA bound at the optimal learning rate: ``(high-low) sqrt(M ln K / 2)``.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon ``M`` (>= 0).
    n_experts : int
        Number of experts ``K`` (>= 1).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.

    Returns
    -------
    float or ndarray
        Equal to ``ewa_regret_bound(M, K, optimal_learning_rate(M, K))``.

    Examples
    --------
    >>> round(optimal_regret_bound(800, 2, gain_range=(-1, 1)), 4)
    33.3022
    """
    rounds = check_rounds(n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    low, high = check_gain_range(gain_range)
    return as_result((high - low) * np.sqrt(rounds * math.log(n_experts) / 2.0))


def network_regret_bound(
    n_rounds, n_experts, n_classes, learning_rate=None, gain_range=(-1.0, 1.0)
):
    """The EWA bound summed over the ``C`` class aggregations of a network.

    Each class runs its own aggregation over the same ``K`` experts with
    gains in the same range, so the network's total regret
    ``sum_c R_c(M)`` is at most ``C`` times the per-class bound.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon(s) ``M``.
    n_experts : int
        Number of experts ``K`` per class.
    n_classes : int
        Number of classes ``C`` (>= 1).
    learning_rate : float, default=None
        The effective learning rate; None uses the optimal one for each
        horizon (:func:`optimal_regret_bound`).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(network_regret_bound(800, 2, n_classes=10), 3)
    333.022
    """
    n_classes = check_int("n_classes", n_classes, 1)
    if learning_rate is None:
        per_class = optimal_regret_bound(n_rounds, n_experts, gain_range)
    else:
        per_class = ewa_regret_bound(n_rounds, n_experts, learning_rate, gain_range)
    return n_classes * per_class


# --------------------------------------------------------------------------
# Regret of a run
# --------------------------------------------------------------------------


def ewa_weight_history(gains, learning_rate, prior=None):
    """Weights EWA holds in each round, before that round's update.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        Gains of the experts in each round.
    learning_rate : float
        The EWA learning rate (> 0).
    prior : array-like of shape (..., n_experts), default=None
        Initial weights; uniform when None.

    Returns
    -------
    weights : ndarray of shape (n_rounds, ..., n_experts)
        ``weights[m] = ewa_weights(sum_{m' < m} gains[m'], learning_rate)``.

    Examples
    --------
    >>> ewa_weight_history([[1.0, 0.0], [1.0, 0.0]], np.log(3.0)).round(2)
    array([[0.5 , 0.5 ],
           [0.75, 0.25]])
    """
    gains = np.asarray(gains, dtype=float)
    if gains.ndim < 2:
        raise ValueError(
            "gains must have shape (n_rounds, ..., n_experts) with at least two "
            f"axes; got shape {gains.shape}."
        )
    eta = check_positive("learning_rate", learning_rate)
    before = np.cumsum(gains, axis=0) - gains
    return ewa_weights(before, eta, prior=prior)


@dataclass(frozen=True)
class RegretResult:
    """Regret of an aggregation layer over time, with the EWA bound.

    Attributes
    ----------
    regret : ndarray of shape (n_rounds, *layer_shape)
        ``regret[m - 1]`` is the cumulative regret after ``m`` rounds of each
        aggregation of the layer (one per class for the network).
    bound : ndarray of shape (n_rounds,)
        :func:`ewa_regret_bound` after ``m`` rounds at the run's effective
        learning rate (the same for every aggregation of the layer).
    optimal_bound : ndarray of shape (n_rounds,)
        :func:`optimal_regret_bound` after ``m`` rounds: the bound a run tuned
        for horizon ``m`` would have (a reference curve, not a bound on this
        run).
    learning_rate : float
        The effective EWA learning rate of the run.
    gain_range : tuple of (float, float)
        ``(low, high)`` used in the bounds.
    n_experts : int
        Number of experts per aggregation.
    """

    regret: np.ndarray
    bound: np.ndarray
    optimal_bound: np.ndarray
    learning_rate: float
    gain_range: tuple
    n_experts: int

    @property
    def n_rounds(self):
        """Number of rounds ``M``."""
        return self.regret.shape[0]

    @property
    def rounds(self):
        """ndarray of shape (n_rounds,): ``1, 2, ..., M``."""
        return np.arange(1, self.n_rounds + 1)

    @property
    def n_aggregations(self):
        """Number of aggregations in the layer (the classes of a network)."""
        return int(np.prod(self.regret.shape[1:], dtype=int))

    @property
    def network_regret(self):
        """ndarray of shape (n_rounds,): regret summed over the layer."""
        return self.regret.reshape(self.n_rounds, -1).sum(axis=1)

    @property
    def network_bound(self):
        """ndarray of shape (n_rounds,): the bound summed over the layer."""
        return self.n_aggregations * self.bound

    @property
    def final_regret(self):
        """ndarray of shape layer_shape: each aggregation's regret after M rounds."""
        return self.regret[-1]

    @property
    def bound_fraction(self):
        """Largest ``regret / bound`` over rounds and aggregations."""
        return float((self.regret / self._broadcast(self.bound)).max())

    def within_bound(self, rtol=1e-12):
        """Whether the regret stays below the bound at every round.

        Parameters
        ----------
        rtol : float, default=1e-12
            Relative slack for floating-point round-off.

        Returns
        -------
        bool
        """
        bound = self._broadcast(self.bound)
        return bool(np.all(self.regret <= bound * (1.0 + rtol)))

    def _broadcast(self, per_round):
        return per_round.reshape((-1,) + (1,) * (self.regret.ndim - 1))

    def summary(self):
        """Totals as a dictionary of plain numbers (for reports and JSON)."""
        return {
            "n_rounds": int(self.n_rounds),
            "n_experts": int(self.n_experts),
            "n_aggregations": int(self.n_aggregations),
            "learning_rate": float(self.learning_rate),
            "gain_range": [float(v) for v in self.gain_range],
            "final_regret_max": float(np.max(self.final_regret)),
            "final_regret_mean": float(np.mean(self.final_regret)),
            "final_network_regret": float(self.network_regret[-1]),
            "final_bound": float(self.bound[-1]),
            "final_network_bound": float(self.network_bound[-1]),
            "bound_fraction": self.bound_fraction,
            "within_bound": self.within_bound(),
        }


def regret_over_time(gains, weights, learning_rate, gain_range=None):
    """Regret of any aggregation layer over time, with the EWA bound.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        Per-round gains of the experts (without the learning rate).
    weights : array-like of shape (n_rounds, ..., n_experts)
        Weights in force in each round, chosen before its gains were known.
    learning_rate : float
        The effective EWA learning rate (> 0) the bound is computed for.
    gain_range : tuple of (float, float), default=None
        ``(low, high)`` holding every gain; None takes the observed smallest
        and largest gain (widened to a unit interval if all gains are equal).

    Returns
    -------
    RegretResult

    Warns
    -----
    RuntimeWarning
        If some gain lies outside ``gain_range``: the bound then does not
        apply.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = rng.uniform(-1, 1, size=(50, 3, 4))
    >>> result = regret_over_time(g, ewa_weight_history(g, 0.3), 0.3, (-1, 1))
    >>> result.regret.shape, result.within_bound()
    ((50, 3), True)
    """
    gains = np.asarray(gains, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if gains.ndim < 2 or gains.shape[0] == 0:
        raise ValueError(
            "gains must have shape (n_rounds, ..., n_experts) with n_rounds >= 1; "
            f"got shape {gains.shape}."
        )
    if weights.shape != gains.shape:
        raise ValueError(
            f"weights must have the shape of gains {gains.shape}; got "
            f"{weights.shape}."
        )
    eta = float(check_positive("learning_rate", learning_rate))

    if gain_range is None:
        low, high = float(gains.min()), float(gains.max())
        if low == high:
            low, high = low - 0.5, high + 0.5
    else:
        low, high = check_gain_range(gain_range)
        slack = RANGE_RTOL * max(1.0, abs(low), abs(high))
        if gains.min() < low - slack or gains.max() > high + slack:
            warnings.warn(
                f"gains span [{gains.min():.6g}, {gains.max():.6g}], outside "
                f"gain_range ({low}, {high}); the EWA bound does not apply.",
                RuntimeWarning,
                stacklevel=2,
            )

    n_experts = gains.shape[-1]
    rounds = np.arange(1, gains.shape[0] + 1)
    return RegretResult(
        regret=cumulative_regret(gains, weights),
        bound=ewa_regret_bound(rounds, n_experts, eta, (low, high)),
        optimal_bound=optimal_regret_bound(rounds, n_experts, (low, high)),
        learning_rate=eta,
        gain_range=(low, high),
        n_experts=n_experts,
    )


def classifier_regret(classifier, normalize=False):
    """Regret per class over time of a fitted learning network.

    Parameters
    ----------
    classifier : CRNClassifier
        A fitted :class:`~crnlearn.CRNClassifier`, either backend. Read:
        ``gains_`` and ``weight_history_`` (shape (n_rounds, n_classes,
        K)), ``learning_rate_``, ``presentation_time``, ``reward_`` and
        ``penalty_``.
    normalize : bool, default=False
        Divide each class's weights by their sum before computing the regret.
        The closed-form weights sum to 1 already; the chemistry backend's
        weight concentrations keep the EWA ratios but their sum drifts from 1
        with the quasi-steady-state error of the read-out, so False measures
        the network as it runs and True the aggregation on the simplex.

    Returns
    -------
    RegretResult
        Regret of each class aggregation (``regret`` of shape (n_rounds,
        n_classes)), the bound at the effective learning rate
        ``learning_rate_ * presentation_time`` with gains in
        ``(-penalty_, reward_)``, and the network totals.

    Notes
    -----
    For the chemistry backend ``weight_history_`` holds the simulated weight
    concentrations, which follow EWA only up to the quasi-steady-state error
    of the read-out; with ``normalize=False`` their regret is computed as it
    is, so the gap between the backends shows in the regret. The difference
    between two runs on the same gains is at most
    ``max(a, b) * sum_m ||w_m - w'_m||_1`` per class
    (:func:`regret_difference_bound`). On the first 40 training digits with
    ``K = 5`` and ``eta = 0.2`` the two backends' regrets differ by
    ``2e-4`` against a bound of 9.3.

    Examples
    --------
    >>> from crnlearn import CRNClassifier
    >>> from crnlearn.datasets import load_digits_split
    >>> X, _, y, _ = load_digits_split()
    >>> clf = CRNClassifier(n_reactions=20, random_state=0).fit(X[:200], y[:200])
    >>> classifier_regret(clf).within_bound()
    True
    """
    missing = [
        name
        for name in ("gains_", "weight_history_", "learning_rate_", "reward_",
                     "penalty_")
        if not hasattr(classifier, name)
    ]
    if missing:
        raise ValueError(
            f"classifier must be a fitted CRNClassifier; {type(classifier).__name__} "
            f"lacks {', '.join(missing)}. Call fit first."
        )
    tau = float(getattr(classifier, "presentation_time", 1.0))
    eta_eff = float(classifier.learning_rate_) * tau
    gain_range = (-float(classifier.penalty_), float(classifier.reward_))
    logger.debug(
        "regret of %s: effective learning rate %.4g, gains in %s",
        type(classifier).__name__, eta_eff, gain_range,
    )
    weights = np.asarray(classifier.weight_history_, dtype=float)
    if normalize:
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return regret_over_time(classifier.gains_, weights, eta_eff, gain_range)


def regret_difference_bound(gains, weights, reference_weights):
    """How far the regrets of two weight histories on the same gains can differ.

    Both runs face the same gains, so their best experts in hindsight earn
    the same and the regrets differ only by what the weights earned:

        |R(m) - R'(m)| = |sum_{m' <= m} <w[m'] - w'[m'], g[m']>|
                       <= sum_{m' <= m} ||w[m'] - w'[m']||_1 max_S |g[m', S]|.

    This is how the chemistry backend's regret is compared with the closed
    form's: the right-hand side is the backend gap expressed in regret.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        Gains shared by both runs.
    weights, reference_weights : array-like of the shape of ``gains``
        Weights in force in each round in the two runs.

    Returns
    -------
    ndarray of shape (n_rounds, ...)
        The bound after each round, for each aggregation.

    Examples
    --------
    >>> g = np.array([[1.0, -1.0], [1.0, -1.0]])
    >>> w = np.array([[0.5, 0.5], [0.6, 0.4]])
    >>> regret_difference_bound(g, w, np.full((2, 2), 0.5))
    array([0. , 0.2])
    """
    gains = np.asarray(gains, dtype=float)
    weights = np.asarray(weights, dtype=float)
    reference_weights = np.asarray(reference_weights, dtype=float)
    if gains.ndim < 2 or weights.shape != gains.shape or (
        reference_weights.shape != gains.shape
    ):
        raise ValueError(
            "gains, weights and reference_weights must share a shape (n_rounds, "
            f"..., n_experts); got {gains.shape}, {weights.shape} and "
            f"{reference_weights.shape}."
        )
    distance = np.abs(weights - reference_weights).sum(axis=-1)
    return np.cumsum(distance * np.abs(gains).max(axis=-1), axis=0)


# --------------------------------------------------------------------------
# A sequence on which the bound is nearly reached
# --------------------------------------------------------------------------


def adversarial_gains(n_rounds, n_experts, learning_rate, gain_range=(-1.0, 1.0)):
    """A gain sequence on which EWA's regret nearly reaches its bound.

    The sequence has two phases, one for each term of the bound:

    1. *Alternation* (an even number of rounds): the experts are split into
       two halves; in odd rounds the first half gains ``high`` and the second
       ``low``, in even rounds the reverse. After every pair of rounds all
       experts are level again, but EWA has moved weight towards the half
       that was just ahead, which is the half about to lose: each pair of
       rounds costs ``(high - low) (w' - w)``, about
       ``eta (high - low)^2 / 4`` when the halves are equal, the second term
       of the bound.
    2. *A clear winner*: expert 0 gains ``high`` and every other expert
       ``low``. Starting from uniform weights EWA needs time to move all its
       weight to expert 0; the regret of this phase tends to
       ``ln K / eta``, the first term. It lasts until only a fraction
       ``ADVERSARIAL_TAIL`` of that term is still to come.

    Parameters
    ----------
    n_rounds : int
        Number of rounds ``M`` (>= 2).
    n_experts : int
        Number of experts ``K`` (>= 2). With ``K`` odd the halves are
        unequal and phase 1 reaches a share ``(K^2 - 1) / K^2`` of the second
        term only.
    learning_rate : float
        The EWA learning rate the sequence is built against (> 0).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)``: every gain is one of the two ends.

    Returns
    -------
    gains : ndarray of shape (n_rounds, n_experts)

    Examples
    --------
    >>> eta = optimal_learning_rate(10_000, 2)
    >>> g = adversarial_gains(10_000, 2, eta)
    >>> r = regret_over_time(g, ewa_weight_history(g, eta), eta, (-1, 1))
    >>> round(float(r.regret[-1] / r.bound[-1]), 2)
    0.99
    """
    n_rounds = check_int("n_rounds", n_rounds, 2)
    n_experts = check_int("n_experts", n_experts, 2)
    eta = float(check_positive("learning_rate", learning_rate))
    low, high = check_gain_range(gain_range)

    # Phase 2 length: the weight outside expert 0 after t rounds is about
    # (K - 1) exp(-eta (high - low) t); stop when what is left is negligible.
    rate = eta * (high - low)
    left = ADVERSARIAL_TAIL * math.log(n_experts) / (n_experts - 1)
    n_winner = min(n_rounds, math.ceil(-math.log(left) / rate))
    n_alternating = n_rounds - n_winner
    n_alternating -= n_alternating % 2
    n_winner = n_rounds - n_alternating

    gains = np.empty((n_rounds, n_experts))
    first_half = (n_experts + 1) // 2
    odd = np.arange(n_alternating) % 2 == 0
    gains[:n_alternating, :first_half] = np.where(odd, high, low)[:, None]
    gains[:n_alternating, first_half:] = np.where(odd, low, high)[:, None]
    gains[n_alternating:] = low
    gains[n_alternating:, 0] = high
    return gains
