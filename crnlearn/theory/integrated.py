"""Regret integrated over a training run: our reading of "order M sqrt(M)".

The paper's summary states that the network reaches "optimal regret bounds
of order M sqrt(M)". The full text is not available to us; this module
records which quantity we take that to describe, why, and computes it. It
is our reading, not a quotation of the paper.

Which quantities grow like ``M^{3/2}``
--------------------------------------
Write ``M`` for the number of presented samples, ``K`` for the number of
selected reactions, ``C`` for the number of classes and ``[-b, a]`` for
the gain range (per sample, as in :mod:`crnlearn.theory.regret`).

1. *The regret of one class.* Whatever the weights, the regret after ``M``
   rounds is at most ``(a + b) M`` (each round loses at most ``a + b``
   against any expert). A bound of order ``M sqrt(M)`` on it would be
   weaker than this trivial one, so the claim cannot be about the regret
   itself in these units. EWA tuned to the horizon gives
   ``(a + b) sqrt(M ln K / 2)``, of order ``sqrt(M)``, and that order is
   optimal: no forecaster does better against every sequence.
2. *The regret summed over the classes.* ``C (a + b) sqrt(M ln K / 2)``:
   linear in ``C`` and of order ``sqrt(M)`` in the number of samples. It
   grows like ``M^{3/2}`` only if the number of classes grows like the
   number of samples (a fixed number of samples per class, ``M``
   standing for the classes). We found no natural setting for that.
3. *Regret in presentation time.* With a presentation time ``tau`` per
   sample the gains per sample, measured in time units, are ``tau g`` and
   the regret is ``tau`` times the per-sample one: still ``sqrt(M)`` for a
   fixed ``tau``. In continuous time, the replicator equation of the weights
   is exactly EWA on the time-integrated gains, whose regret is at most
   ``ln K / eta`` at every instant (derivative of the log-sum-exp
   potential), bounded in ``M``. ``M^{3/2}`` would need ``tau`` growing
   like ``M``, which the learning rule does not call for.
4. *A gain range growing with M.* The bound ``(a + b) sqrt(M ln K / 2)``
   is of order ``M^{3/2}`` if ``a + b`` grows like ``M``, but the network's
   gains are bounded by its fixed reward and penalty.
5. *The regret integrated over the run.* The network learns while it runs:
   its regret ``R(t)`` is a curve over the whole training time
   ``T = M tau``, and its integral ``tau sum_{m=1}^{M} R(m)`` (the area
   under the regret curve, presentation by presentation) measures how much
   the network lost against its best reaction during the whole run, not
   only at its end. Summing the fixed-rate bound over the horizons gives

       tau sum_{m=1}^{M} (ln K / eta + eta m (a+b)^2 / 8)
           = tau (M ln K / eta + eta (a+b)^2 M (M + 1) / 16),

   smallest at ``eta = 4 sqrt(ln K / (M + 1)) / (a + b)`` where it equals

       tau (a + b) M sqrt((M + 1) ln K) / 2,

   of order ``M sqrt(M)``. The order is optimal: on i.i.d. gains of
   independent random signs every forecaster has expected regret of order
   ``sqrt(m ln K)`` at every ``m`` (its own expected gain is zero while
   the best of ``K`` random walks is ahead by that much), so the integral
   is of order ``M^{3/2}`` too, and the trivial bound ``(a + b) M^2 / 2``
   is beaten by a factor ``sqrt(M)``.

Reading 5 is the one we adopt: it is the only one in which ``M`` means the
number of samples in both factors, the bound is not weaker than a trivial
one, the learning rate is optimised, and the order is attained. It is also
a statement about the *global* behaviour of the network in time (the whole
trajectory, not its last state), which is how the paper's abstract
describes its regret bounds. Put differently, it is the network's regret
totalled over its presentation time: the regret standing during each
presentation, accumulated over the ``M tau`` time units of training.
Summed over the classes it is multiplied by ``C``
(:func:`network_integrated_regret_bound`); the reading "the per-class
bound summed over ``M`` classes" would give the same order only by letting
the number of classes grow with the samples (reading 2).

The log-log slope of the integrated regret against ``M`` is 1.5 on
constructed runs: :func:`integrated_regret_scaling` runs EWA at the
integrated-optimal rate on alternating gains (the sequence of
:func:`~crnlearn.theory.regret.adversarial_gains` without its last phase)
or on random signs, and :func:`loglog_slope` fits the slope.

Measured
--------
With ``K = 4`` and ``M`` from 400 to 25,600, the integrated regret has
slope 1.49 on the alternating sequence (about half of the optimised bound
at every horizon) and 1.50 on random signs, while the final regret of the
same runs has slope 0.50. On the digits (``K = 20``, balanced penalty,
``eta*(M)``, ``M`` from 100 to 1,437) the largest class's final regret has
slope 0.51 and its integrated regret 1.59; the network's total regret
(summed over the 10 classes) has slope 0.59. The digits runs are short
enough that the weights are still concentrating at the end, which puts
their slopes a little above the asymptotic 0.5 and 1.5. The tests of the
theory module check these numbers.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..aggregation import cumulative_regret
from ._checks import (
    as_result,
    check_gain_range,
    check_int,
    check_positive,
    check_rounds,
)
from .regret import ewa_weight_history

__all__ = [
    "IntegratedRegretScaling",
    "integrated_regret",
    "integrated_regret_bound",
    "integrated_regret_scaling",
    "loglog_slope",
    "network_integrated_regret_bound",
    "optimal_integrated_learning_rate",
    "optimal_integrated_regret_bound",
]

#: Sequences :func:`integrated_regret_scaling` can run.
SEQUENCES = ("alternating", "random")


def integrated_regret(regret, presentation_time=1.0):
    """Regret integrated over the run, presentation by presentation.

    Parameters
    ----------
    regret : array-like of shape (n_rounds, ...)
        Cumulative regret after each round (for instance
        :attr:`RegretResult.regret <crnlearn.theory.RegretResult>`).
    presentation_time : float, default=1.0
        Duration ``tau`` of one presentation; the regret reached at the end
        of a presentation counts for its whole duration.

    Returns
    -------
    ndarray of shape (n_rounds, ...)
        ``tau * sum_{m' <= m} regret[m' - 1]`` after each round ``m``.

    Examples
    --------
    >>> integrated_regret([0.5, 1.0, 1.0], presentation_time=2.0)
    array([1., 3., 5.])
    """
    regret = np.asarray(regret, dtype=float)
    tau = float(check_positive("presentation_time", presentation_time))
    return tau * np.cumsum(regret, axis=0)


def integrated_regret_bound(
    n_rounds, n_experts, learning_rate, gain_range=(-1.0, 1.0), presentation_time=1.0
):
    """Bound on the integrated regret of EWA with a fixed learning rate.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon(s) ``M``.
    n_experts : int
        Number of experts ``K``.
    learning_rate : float
        Effective EWA learning rate ``eta`` (> 0).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.
    presentation_time : float, default=1.0
        Duration ``tau`` of one presentation.

    Returns
    -------
    float or ndarray
        ``tau (M ln K / eta + eta (high-low)^2 M (M+1) / 16)``: the sum over
        ``m <= M`` of :func:`~crnlearn.theory.ewa_regret_bound`, times ``tau``.

    Examples
    --------
    >>> round(integrated_regret_bound(3, 2, 0.5), 4)
    5.6589
    """
    rounds = check_rounds(n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    eta = check_positive("learning_rate", learning_rate)
    low, high = check_gain_range(gain_range)
    tau = float(check_positive("presentation_time", presentation_time))
    width = high - low
    return as_result(
        tau
        * (
            rounds * math.log(n_experts) / eta
            + eta * width**2 * rounds * (rounds + 1.0) / 16.0
        )
    )


def optimal_integrated_learning_rate(n_rounds, n_experts, gain_range=(-1.0, 1.0)):
    """Learning rate minimising :func:`integrated_regret_bound` at horizon M.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon ``M`` (> 0).
    n_experts : int
        Number of experts ``K`` (>= 2).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.

    Returns
    -------
    float or ndarray
        ``4 sqrt(ln K / (M + 1)) / (high - low)``, about ``sqrt(2)`` times
        the rate that is optimal for the final regret alone.

    Examples
    --------
    >>> round(optimal_integrated_learning_rate(99, 2), 5)
    0.16651
    """
    rounds = check_positive("n_rounds", n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    if n_experts < 2:
        raise ValueError(
            f"n_experts must be >= 2 for an optimal learning rate; got {n_experts}."
        )
    low, high = check_gain_range(gain_range)
    return as_result(4.0 * np.sqrt(math.log(n_experts) / (rounds + 1.0)) / (high - low))


def optimal_integrated_regret_bound(
    n_rounds, n_experts, gain_range=(-1.0, 1.0), presentation_time=1.0
):
    """The integrated bound at its optimal rate: ``tau w M sqrt((M+1) ln K) / 2``.

    Here ``w = high - low``. This is of order ``M sqrt(M)``.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon ``M`` (>= 0).
    n_experts : int
        Number of experts ``K``.
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.
    presentation_time : float, default=1.0
        Duration ``tau`` of one presentation.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(optimal_integrated_regret_bound(99, 2), 4)
    824.2291
    """
    rounds = check_rounds(n_rounds)
    n_experts = check_int("n_experts", n_experts, 1)
    low, high = check_gain_range(gain_range)
    tau = float(check_positive("presentation_time", presentation_time))
    root = np.sqrt((rounds + 1.0) * math.log(n_experts))
    return as_result(tau * (high - low) * rounds * root / 2.0)


def network_integrated_regret_bound(
    n_rounds,
    n_experts,
    n_classes,
    learning_rate=None,
    gain_range=(-1.0, 1.0),
    presentation_time=1.0,
):
    """The integrated bound summed over the ``C`` classes of a network.

    Parameters
    ----------
    n_rounds : int or array-like of int
        Horizon(s) ``M``.
    n_experts : int
        Number of experts ``K`` per class.
    n_classes : int
        Number of classes ``C``.
    learning_rate : float, default=None
        The effective learning rate; None uses the integrated-optimal one.
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)`` holding every gain.
    presentation_time : float, default=1.0
        Duration ``tau`` of one presentation.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(network_integrated_regret_bound(99, 2, n_classes=10), 3)
    8242.291
    """
    n_classes = check_int("n_classes", n_classes, 1)
    if learning_rate is None:
        per_class = optimal_integrated_regret_bound(
            n_rounds, n_experts, gain_range, presentation_time
        )
    else:
        per_class = integrated_regret_bound(
            n_rounds, n_experts, learning_rate, gain_range, presentation_time
        )
    return n_classes * per_class


def loglog_slope(x, y):
    """Least-squares slope of ``log y`` against ``log x``.

    Parameters
    ----------
    x, y : array-like of shape (n_points,)
        Positive values, at least two distinct ``x``.

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.array([1.0, 10.0, 100.0])
    >>> round(loglog_slope(x, 3 * x**1.5), 6)
    1.5
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(
            f"x and y must be 1-d of equal length >= 2; got shapes {x.shape} and "
            f"{y.shape}."
        )
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to take logarithms.")
    if np.ptp(x) == 0:
        raise ValueError("x must hold at least two distinct values.")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


@dataclass(frozen=True)
class IntegratedRegretScaling:
    """Integrated regret of EWA runs against the horizon.

    Attributes
    ----------
    n_rounds : ndarray of shape (n_horizons,)
        The horizons ``M``.
    integrated_regret : ndarray of shape (n_horizons,)
        Measured integrated regret of the run of each horizon.
    bound : ndarray of shape (n_horizons,)
        :func:`optimal_integrated_regret_bound` at each horizon.
    learning_rate : ndarray of shape (n_horizons,)
        The learning rate of each run (integrated-optimal for its horizon).
    sequence : str
        Which gain sequence was run.
    n_experts : int
        Number of experts.
    """

    n_rounds: np.ndarray
    integrated_regret: np.ndarray
    bound: np.ndarray
    learning_rate: np.ndarray
    sequence: str
    n_experts: int

    @property
    def slope(self):
        """Log-log slope of the integrated regret against ``M``."""
        return loglog_slope(self.n_rounds, self.integrated_regret)

    @property
    def bound_slope(self):
        """Log-log slope of the bound against ``M`` (tends to 1.5)."""
        return loglog_slope(self.n_rounds, self.bound)

    @property
    def fraction(self):
        """ndarray of shape (n_horizons,): measured over bound."""
        return self.integrated_regret / self.bound


def _alternating_gains(n_rounds, n_experts, low, high):
    gains = np.empty((n_rounds, n_experts))
    first_half = (n_experts + 1) // 2
    odd = np.arange(n_rounds) % 2 == 0
    gains[:, :first_half] = np.where(odd, high, low)[:, None]
    gains[:, first_half:] = np.where(odd, low, high)[:, None]
    return gains


def integrated_regret_scaling(
    n_rounds,
    n_experts=4,
    sequence="alternating",
    gain_range=(-1.0, 1.0),
    n_repeats=1,
    random_state=None,
):
    """Run EWA at the integrated-optimal rate for several horizons.

    For each horizon ``M`` a gain sequence of ``M`` rounds is drawn, EWA runs
    on it at :func:`optimal_integrated_learning_rate` ``(M)``, and its regret
    is integrated over the run.

    Parameters
    ----------
    n_rounds : array-like of int
        Horizons ``M`` (each >= 2).
    n_experts : int, default=4
        Number of experts ``K`` (>= 2).
    sequence : {"alternating", "random"}, default="alternating"
        ``"alternating"``: two halves of the experts take turns at ``high``
        and ``low`` (EWA always leans to the half about to lose; the regret
        grows like ``eta m (high-low)^2 / 8``). ``"random"``: every gain is
        ``low`` or ``high`` with probability 1/2, independently (the regret
        grows like ``sqrt(m ln K)``).
    gain_range : tuple of (float, float), default=(-1.0, 1.0)
        ``(low, high)``.
    n_repeats : int, default=1
        Random sequences drawn per horizon; the integrated regret is their
        mean (the alternating sequence is deterministic and run once).
    random_state : int, numpy Generator or None, default=None
        Seed of the random sequence (unused for ``"alternating"``).

    Returns
    -------
    IntegratedRegretScaling

    Examples
    --------
    >>> scaling = integrated_regret_scaling([400, 1600, 6400])
    >>> round(scaling.slope, 1)
    1.5
    """
    horizons = np.asarray(n_rounds)
    if horizons.ndim != 1 or horizons.size < 2 or np.any(horizons < 2) or not (
        np.issubdtype(horizons.dtype, np.integer)
    ):
        raise ValueError(
            "n_rounds must be a 1-d array of at least two integers >= 2; got "
            f"{n_rounds!r}."
        )
    if sequence not in SEQUENCES:
        raise ValueError(f"sequence must be one of {SEQUENCES}; got {sequence!r}.")
    n_experts = check_int("n_experts", n_experts, 2)
    n_repeats = check_int("n_repeats", n_repeats, 1)
    low, high = check_gain_range(gain_range)
    rng = np.random.default_rng(random_state)

    measured, rates = [], []
    for horizon in horizons:
        horizon = int(horizon)
        eta = float(optimal_integrated_learning_rate(horizon, n_experts, (low, high)))
        if sequence == "alternating":
            gains = _alternating_gains(horizon, n_experts, low, high)[:, None, :]
        else:
            draws = rng.random((horizon, n_repeats, n_experts))
            gains = np.where(draws < 0.5, low, high)
        regret = cumulative_regret(gains, ewa_weight_history(gains, eta))
        measured.append(integrated_regret(regret)[-1].mean())
        rates.append(eta)

    return IntegratedRegretScaling(
        n_rounds=horizons.astype(int),
        integrated_regret=np.array(measured),
        bound=optimal_integrated_regret_bound(horizons, n_experts, (low, high)),
        learning_rate=np.array(rates),
        sequence=sequence,
        n_experts=n_experts,
    )
