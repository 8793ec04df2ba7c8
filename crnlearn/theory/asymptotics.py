"""Where the weights go: concentration on the experts of largest expected gain.

With uniform initial weights, EWA's weights after ``m`` rounds satisfy, for
any two experts ``S`` and ``T``,

    w_S(m) / w_T(m) = exp(-eta (G_T(m) - G_S(m))),

``G`` the cumulative gains. If the gains of round ``m`` are drawn
independently with expected values ``mu_S`` and one expert ``S*`` has the
largest, the law of large numbers gives ``G_{S*}(m) - G_S(m) ~ m (mu_{S*} -
mu_S)``, so every other weight decays geometrically:

    1 - w_{S*}(m) <= sum_{S != S*} exp(-eta (G_{S*}(m) - G_S(m)))
                  ~ (K - 1) exp(-eta m Delta),

``Delta`` the gap between the two largest expected gains. The weight of the
best expert tends to 1 and the entropy of the weights to 0 (when several
experts tie for the largest expected gain, the weight spreads over them).
The inequality holds for every sequence, not only on average, and
:func:`weight_concentration` reports its right-hand side next to the
measured weights.

For the learning network the expected gain of reaction ``S`` in class
``c`` is ``a P(c) E[phi_S | c] - b (1 - P(c)) E[phi_S | not c]``: the
weights of class ``c`` concentrate on the reactions whose flux is large in
class ``c`` compared with the other classes, at the scale set by the
reward and the penalty.

In this module the best expert of an aggregation is the one with the
largest mean gain over the run, the empirical counterpart of ``S*``.
"""

from dataclasses import dataclass

import numpy as np

from ._checks import check_positive

__all__ = [
    "ConcentrationResult",
    "best_experts",
    "classifier_concentration",
    "weight_concentration",
    "weight_entropy",
]


def weight_entropy(weights, normalize=False):
    """Shannon entropy (natural logarithm) of weights on the last axis.

    Parameters
    ----------
    weights : array-like of shape (..., n_experts)
        Non-negative weights; each row is normalised before use.
    normalize : bool, default=False
        Divide by ``ln(n_experts)``, the entropy of uniform weights, so that
        the result lies in ``[0, 1]``.

    Returns
    -------
    ndarray of shape (...)
        ``-sum_S w_S ln w_S`` (``0 ln 0 = 0``).

    Examples
    --------
    >>> weight_entropy([[0.5, 0.5], [1.0, 0.0]]).round(4)
    array([0.6931, 0.    ])
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim < 1 or weights.shape[-1] < 1:
        raise ValueError(
            f"weights must have a last axis of experts; got shape {weights.shape}."
        )
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative.")
    total = weights.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("every weight vector must have a positive sum.")
    p = weights / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    entropy = terms.sum(axis=-1)
    n_experts = weights.shape[-1]
    if normalize and n_experts > 1:
        entropy = entropy / np.log(n_experts)
    return entropy


def best_experts(gains):
    """Expert of largest mean gain of each aggregation, and the gap.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        Per-round gains.

    Returns
    -------
    best : ndarray of int of shape (...)
        Index of the expert with the largest mean gain (lowest index on
        ties).
    gap : ndarray of shape (...)
        Its mean gain minus the second largest (0 with a single expert).

    Examples
    --------
    >>> best, gap = best_experts([[1.0, 0.0, 0.5], [1.0, 0.0, 0.1]])
    >>> int(best), float(gap)
    (0, 0.7)
    """
    gains = np.asarray(gains, dtype=float)
    if gains.ndim < 2 or gains.shape[0] == 0:
        raise ValueError(
            "gains must have shape (n_rounds, ..., n_experts) with n_rounds >= 1; "
            f"got shape {gains.shape}."
        )
    mean = gains.mean(axis=0)
    best = mean.argmax(axis=-1)
    if mean.shape[-1] == 1:
        return best, np.zeros(best.shape)
    top_two = np.sort(mean, axis=-1)[..., -2:]
    return best, top_two[..., 1] - top_two[..., 0]


@dataclass(frozen=True)
class ConcentrationResult:
    """How the weights of an aggregation layer concentrate over rounds.

    Attributes
    ----------
    entropy : ndarray of shape (n_rounds, *layer_shape)
        Entropy of the weights in force in each round (natural logarithm).
    best_weight : ndarray of shape (n_rounds, *layer_shape)
        Weight of the best expert (largest mean gain over the run) in each
        round.
    best : ndarray of int of shape layer_shape
        Index of the best expert of each aggregation.
    gap : ndarray of shape layer_shape
        Mean gain of the best expert minus the second best.
    mean_gains : ndarray of shape (*layer_shape, n_experts)
        Mean gain of each expert over the run.
    residual_bound : ndarray of shape (n_rounds, *layer_shape) or None
        ``min(1, sum_{S != best} exp(-eta (G_best - G_S)))`` with the
        cumulative gains before each round: a bound on
        ``1 - best_weight`` for exact EWA at rate ``eta``. None when no
        learning rate was given.
    n_experts : int
        Number of experts.
    """

    entropy: np.ndarray
    best_weight: np.ndarray
    best: np.ndarray
    gap: np.ndarray
    mean_gains: np.ndarray
    residual_bound: np.ndarray | None
    n_experts: int

    @property
    def n_rounds(self):
        """Number of rounds."""
        return self.entropy.shape[0]

    @property
    def rounds(self):
        """ndarray of shape (n_rounds,): ``1, ..., M``."""
        return np.arange(1, self.n_rounds + 1)

    @property
    def normalized_entropy(self):
        """Entropy divided by ``ln K`` (1 for uniform weights)."""
        if self.n_experts < 2:
            return np.zeros_like(self.entropy)
        return self.entropy / np.log(self.n_experts)

    def summary(self):
        """Start and end values as a dictionary of plain numbers."""
        return {
            "n_rounds": int(self.n_rounds),
            "n_experts": int(self.n_experts),
            "entropy_first": float(np.mean(self.entropy[0])),
            "entropy_last": float(np.mean(self.entropy[-1])),
            "best_weight_first": float(np.mean(self.best_weight[0])),
            "best_weight_last": float(np.mean(self.best_weight[-1])),
            "gap_mean": float(np.mean(self.gap)),
        }


def weight_concentration(weights, gains, learning_rate=None):
    """Entropy and best-expert weight of an aggregation layer over rounds.

    Parameters
    ----------
    weights : array-like of shape (n_rounds, ..., n_experts)
        Weights in force in each round.
    gains : array-like of shape (n_rounds, ..., n_experts)
        Per-round gains; they define the best expert (largest mean gain).
    learning_rate : float, default=None
        Effective EWA learning rate; when given, the result carries the bound
        on ``1 - best_weight`` of exact EWA.

    Returns
    -------
    ConcentrationResult

    Examples
    --------
    >>> from crnlearn.theory import ewa_weight_history
    >>> rng = np.random.default_rng(0)
    >>> g = rng.uniform(-1, 1, size=(2000, 3)) + [0.2, 0.0, 0.0]
    >>> w = ewa_weight_history(g, 0.1)
    >>> result = weight_concentration(w, g, learning_rate=0.1)
    >>> int(result.best), bool(result.best_weight[-1] > 0.99)
    (0, True)
    """
    weights = np.asarray(weights, dtype=float)
    gains = np.asarray(gains, dtype=float)
    if weights.shape != gains.shape:
        raise ValueError(
            f"weights and gains must have the same shape; got {weights.shape} and "
            f"{gains.shape}."
        )
    best, gap = best_experts(gains)
    best_index = np.broadcast_to(best, weights.shape[:-1])[..., None]
    best_weight = np.take_along_axis(weights, best_index, axis=-1)[..., 0]
    best_weight = best_weight / weights.sum(axis=-1)

    residual = None
    if learning_rate is not None:
        eta = check_positive("learning_rate", learning_rate)
        before = np.cumsum(gains, axis=0) - gains
        lead = np.take_along_axis(before, best_index, axis=-1) - before
        terms = np.exp(-eta * lead)
        residual = np.minimum(1.0, terms.sum(axis=-1) - 1.0)

    return ConcentrationResult(
        entropy=weight_entropy(weights),
        best_weight=best_weight,
        best=best,
        gap=gap,
        mean_gains=gains.mean(axis=0),
        residual_bound=residual,
        n_experts=weights.shape[-1],
    )


def classifier_concentration(classifier):
    """Weight concentration of each class of a fitted learning network.

    Parameters
    ----------
    classifier : CRNClassifier
        A fitted :class:`~crnlearn.CRNClassifier` (reads ``gains_``,
        ``weight_history_``, ``learning_rate_`` and ``presentation_time``).

    Returns
    -------
    ConcentrationResult
        Layer shape ``(n_classes,)``. The residual bound is computed at the
        effective rate ``learning_rate_ * presentation_time``; for the
        chemistry backend it holds only up to the backend gap.

    Examples
    --------
    >>> from crnlearn import CRNClassifier
    >>> from crnlearn.datasets import load_digits_split
    >>> X, _, y, _ = load_digits_split()
    >>> clf = CRNClassifier(n_reactions=20, random_state=0).fit(X, y)
    >>> result = classifier_concentration(clf)
    >>> bool(result.entropy[-1].mean() < result.entropy[0].mean())
    True
    """
    missing = [
        name
        for name in ("gains_", "weight_history_", "learning_rate_")
        if not hasattr(classifier, name)
    ]
    if missing:
        raise ValueError(
            f"classifier must be a fitted CRNClassifier; {type(classifier).__name__} "
            f"lacks {', '.join(missing)}. Call fit first."
        )
    tau = float(getattr(classifier, "presentation_time", 1.0))
    return weight_concentration(
        classifier.weight_history_,
        classifier.gains_,
        learning_rate=float(classifier.learning_rate_) * tau,
    )
