"""Expert aggregation shared by every learner: EWA, PWA and regret bookkeeping.

An *aggregation* keeps one weight per expert on the probability simplex and
updates it from the experts' *gains*. Two rules are used throughout crnlearn:

- the Exponentially Weighted Average (EWA), ``w ∝ exp(eta * G)`` with ``G``
  the cumulative gains, which is what the learning CRN computes in its rate
  equations (docs/MODEL.md section 2);
- the Polynomially Weighted Average (PWA) of exponent 2, ``w ∝ max(R, 0)``
  with ``R`` the cumulative regret of each expert against the aggregation,
  uniform while no regret is positive (docs/MODEL.md section 4).

All functions work on the last axis, so a whole layer of aggregations (one per
class, or one per neuron) is updated in one call.
"""

import numpy as np

__all__ = [
    "ewa_weights",
    "pwa_weights",
    "aggregation_gains",
    "cumulative_regret",
    "OnlineAggregation",
]

AGGREGATIONS = ("ewa", "pwa")


def ewa_weights(cumulative_gains, learning_rate, prior=None):
    """Weights of the Exponentially Weighted Average.

    Parameters
    ----------
    cumulative_gains : array-like of shape (..., n_experts)
        Gains summed over the rounds seen so far.
    learning_rate : float
        The EWA learning rate ``eta`` (>= 0).
    prior : array-like of shape (..., n_experts), default=None
        Initial weights (positive); uniform when None.

    Returns
    -------
    weights : ndarray of shape (..., n_experts)
        ``prior * exp(eta * G)`` normalised on the last axis; computed with the
        maximum subtracted, so large gains do not overflow.

    Examples
    --------
    >>> ewa_weights([0.0, 1.0], learning_rate=np.log(3.0))
    array([0.25, 0.75])
    """
    logits = learning_rate * np.asarray(cumulative_gains, dtype=float)
    if prior is not None:
        logits = logits + np.log(np.asarray(prior, dtype=float))
    logits = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights


def pwa_weights(cumulative_regret, exponent=2.0):
    """Weights of the Polynomially Weighted Average.

    Parameters
    ----------
    cumulative_regret : array-like of shape (..., n_experts)
        For each expert, its cumulative gain minus the aggregation's.
    exponent : float, default=2.0
        The polynomial exponent ``p``; weights are ``max(R, 0) ** (p - 1)``.

    Returns
    -------
    weights : ndarray of shape (..., n_experts)
        Normalised on the last axis; uniform wherever no regret is positive.

    Examples
    --------
    >>> pwa_weights([-1.0, 1.0, 3.0])
    array([0.  , 0.25, 0.75])
    """
    regret = np.asarray(cumulative_regret, dtype=float)
    weights = np.maximum(regret, 0.0) ** (exponent - 1.0)
    total = weights.sum(axis=-1, keepdims=True)
    n_experts = regret.shape[-1]
    safe_total = np.where(total > 0, total, 1.0)
    return np.where(total > 0, weights / safe_total, 1.0 / n_experts)


def aggregation_gains(weights, gains):
    """Gain of the aggregation in each round: ``sum_S w_S g_S``.

    Parameters
    ----------
    weights, gains : array-like of shape (..., n_experts)
        The weights used in a round and the experts' gains in that round.

    Returns
    -------
    ndarray of shape (...)
    """
    return np.einsum("...k,...k->...", np.asarray(weights), np.asarray(gains))


def cumulative_regret(gains, weights):
    """Regret of an aggregation against its best expert in hindsight, over time.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        Gains of the experts in each round.
    weights : array-like of shape (n_rounds, ..., n_experts)
        Weights the aggregation used in each round, chosen before that round's
        gains were known.

    Returns
    -------
    regret : ndarray of shape (n_rounds, ...)
        ``regret[t] = max_S sum_{s<=t} g[s, S] - sum_{s<=t} <w[s], g[s]>``.

    Examples
    --------
    >>> g = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> w = np.full((2, 2), 0.5)
    >>> cumulative_regret(g, w)
    array([0.5, 1. ])
    """
    gains = np.asarray(gains, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if gains.shape != weights.shape:
        raise ValueError(
            f"gains and weights must have the same shape; got {gains.shape} and "
            f"{weights.shape}."
        )
    best = np.cumsum(gains, axis=0).max(axis=-1)
    earned = np.cumsum(aggregation_gains(weights, gains), axis=0)
    return best - earned


class OnlineAggregation:
    """A layer of expert aggregations updated round by round.

    Parameters
    ----------
    n_experts : int
        Number of experts per aggregation.
    shape : tuple of int, default=()
        Shape of the layer: one aggregation per index (for example one per
        class or one per neuron).
    rule : {"ewa", "pwa"}, default="ewa"
        The weighting rule.
    learning_rate : float, default=1.0
        EWA learning rate; unused by PWA.
    exponent : float, default=2.0
        PWA exponent; unused by EWA.

    Attributes
    ----------
    weights : ndarray of shape (*shape, n_experts)
        Current weights, on the simplex along the last axis.
    cumulative_gains : ndarray of shape (*shape, n_experts)
        Sum of the experts' gains so far.
    aggregation_gain : ndarray of shape shape
        Sum of the aggregation's own gains so far.
    n_rounds : int
        Rounds seen so far.

    Examples
    --------
    >>> agg = OnlineAggregation(2, rule="ewa", learning_rate=np.log(3.0))
    >>> agg.update([1.0, 0.0]).round(2)
    array([0.75, 0.25])
    """

    def __init__(
        self, n_experts, shape=(), rule="ewa", learning_rate=1.0, exponent=2.0
    ):
        if rule not in AGGREGATIONS:
            raise ValueError(
                f"rule must be one of {AGGREGATIONS}; got {rule!r}."
            )
        self.rule = rule
        self.learning_rate = float(learning_rate)
        self.exponent = float(exponent)
        shape = tuple(shape)
        self.cumulative_gains = np.zeros(shape + (n_experts,))
        self.aggregation_gain = np.zeros(shape)
        self.weights = np.full(shape + (n_experts,), 1.0 / n_experts)
        self.n_rounds = 0

    @property
    def regret(self):
        """Cumulative regret of each expert against the aggregation."""
        return self.cumulative_gains - self.aggregation_gain[..., None]

    def update(self, gains):
        """Take one round of gains and return the new weights."""
        gains = np.asarray(gains, dtype=float)
        self.aggregation_gain += aggregation_gains(self.weights, gains)
        self.cumulative_gains += gains
        self.n_rounds += 1
        if self.rule == "ewa":
            self.weights = ewa_weights(self.cumulative_gains, self.learning_rate)
        else:
            self.weights = pwa_weights(self.regret, self.exponent)
        return self.weights
