"""Discrete-time linear Hawkes units with Bernoulli spikes.

The spiking baselines of crnlearn (docs/MODEL.md section 4) are built from one kind
of unit. At every time step ``t`` a unit with synaptic weights ``w`` over its
presynaptic neurons spikes with probability

    ``clip(-nu + sum_k w_k s_k(t), 0, 1)``,

where ``s_k(t)`` in ``{0, 1}`` are the presynaptic spikes and ``nu >= 0`` a
threshold. The interaction kernel is instantaneous: a unit reads the spikes
its presynaptic neurons emit *at the same step*, so one step of a feed-forward
network is computed layer after layer, and a unit carries no memory from one
step to the next. The input neurons are the first layer: input neuron ``i``
spikes with probability ``p * x_i``.

Every Bernoulli draw compares a uniform number in ``[0, 1)`` with the spike
probability, so a probability of 0 never spikes and a probability of 1 always
does. The uniforms are float32 draws of a :class:`numpy.random.Generator`;
the functions here draw them in a documented order so that a naive reference
simulation can reproduce them exactly.

This module also holds the two layer-training helpers shared by the hidden
and the output layer: the triple-coincidence gains of the pair-detecting
hidden neurons and the EWA / PWA aggregation of a sequence of gains.
"""

import numpy as np

from ..aggregation import AGGREGATIONS, aggregation_gains, ewa_weights, pwa_weights

__all__ = [
    "InputLayer",
    "HawkesLayer",
    "candidate_pairs",
    "input_spikes",
    "hawkes_spikes",
    "coincidence_gains",
    "fit_aggregation",
]

#: dtype of the uniform draws and of the membrane potentials: spike counts and
#: weights need no more precision, and float32 halves the cost of both.
SPIKE_DTYPE = np.float32


def candidate_pairs(n_inputs):
    """All pairs ``(i, j)`` of input indices with ``i < j``.

    Parameters
    ----------
    n_inputs : int
        Number of input neurons ``d``.

    Returns
    -------
    pairs : ndarray of shape (d * (d - 1) / 2, 2)
        In lexicographic order: ``(0, 1), (0, 2), ..., (d - 2, d - 1)``.

    Examples
    --------
    >>> candidate_pairs(3).tolist()
    [[0, 1], [0, 2], [1, 2]]
    """
    first, second = np.triu_indices(n_inputs, k=1)
    return np.stack([first, second], axis=1)


class InputLayer:
    """Input neurons simulated sample after sample, reusing their buffers.

    Parameters
    ----------
    n_inputs : int
        Number of input neurons ``d``.
    n_steps : int
        Number of time steps ``N`` per sample.
    spike_probability : float, default=1.0
        ``p``: input neuron ``i`` spikes with probability ``p * x_i``.

    Attributes
    ----------
    spikes : ndarray of shape (n_steps, n_inputs), dtype float32
        The spikes (0 or 1) of the last call to ``run``; overwritten by the
        next call.

    Examples
    --------
    >>> layer = InputLayer(2, n_steps=3)
    >>> layer.run(np.array([0.0, 1.0]), np.random.default_rng(0)).tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """

    def __init__(self, n_inputs, n_steps, spike_probability=1.0):
        self.spike_probability = spike_probability
        self._uniform = np.empty((n_steps, n_inputs), dtype=SPIKE_DTYPE)
        self.spikes = np.empty((n_steps, n_inputs), dtype=SPIKE_DTYPE)

    def run(self, x, rng):
        """Draw the ``(n_steps, d)`` uniforms (one call) and return the spikes."""
        probability = (self.spike_probability * np.asarray(x)).astype(SPIKE_DTYPE)
        rng.random(out=self._uniform, dtype=SPIKE_DTYPE)
        return np.less(self._uniform, probability, out=self.spikes)


class HawkesLayer:
    """A layer of linear Hawkes units simulated sample after sample.

    Parameters
    ----------
    weights : array-like of shape (n_units, n_pre)
        Synaptic weights, one row per unit.
    n_steps : int
        Number of time steps ``N`` per sample.
    threshold : float, default=0.0
        ``nu``: subtracted from the potential before clipping to ``[0, 1]``.

    Attributes
    ----------
    spikes : ndarray of shape (n_steps, n_units), dtype float32
        The spikes (0 or 1) of the last call to ``run``; overwritten by the
        next call.

    Notes
    -----
    The potentials and uniforms live in buffers allocated once: allocating
    fresh arrays of this size for every sample costs more than the
    simulation itself.

    Examples
    --------
    >>> layer = HawkesLayer([[0.5, 0.5]], n_steps=2)
    >>> pre = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    >>> layer.run(pre, np.random.default_rng(0)).tolist()
    [[1.0], [0.0]]
    """

    def __init__(self, weights, n_steps, threshold=0.0):
        weights = np.asarray(weights, dtype=SPIKE_DTYPE)
        self.threshold = SPIKE_DTYPE(threshold)
        self._weights = np.ascontiguousarray(weights.T)
        shape = (n_steps, weights.shape[0])
        self._potential = np.empty(shape, dtype=SPIKE_DTYPE)
        self._uniform = np.empty(shape, dtype=SPIKE_DTYPE)
        self.spikes = np.empty(shape, dtype=SPIKE_DTYPE)

    def run(self, presynaptic, rng):
        """Spikes given the presynaptic spikes (one ``(N, n_units)`` draw).

        Parameters
        ----------
        presynaptic : ndarray of shape (n_steps, n_pre)
            Spikes (0 or 1, float32 avoids a conversion) of the presynaptic
            neurons at each step.
        rng : numpy.random.Generator

        Returns
        -------
        spikes : ndarray of shape (n_steps, n_units), dtype float32
            Unit ``h`` spikes at step ``t`` with probability
            ``clip(-nu + weights[h] @ presynaptic[t], 0, 1)``.
        """
        presynaptic = np.asarray(presynaptic, dtype=SPIKE_DTYPE)
        np.matmul(presynaptic, self._weights, out=self._potential)
        if self.threshold:
            self._potential -= self.threshold
        rng.random(out=self._uniform, dtype=SPIKE_DTYPE)
        # clipping is implicit: a uniform in [0, 1) is never below a negative
        # potential and always below a potential >= 1
        return np.less(self._uniform, self._potential, out=self.spikes)


def input_spikes(x, n_steps, rng, spike_probability=1.0):
    """Spike trains of the input neurons while one sample is presented.

    Parameters
    ----------
    x : ndarray of shape (d,)
        Input values in ``[0, 1]``.
    n_steps : int
        Number of time steps ``N``.
    rng : numpy.random.Generator
        Source of the ``(n_steps, d)`` uniform draws (one call).
    spike_probability : float, default=1.0
        ``p``: input neuron ``i`` spikes with probability ``p * x_i``.

    Returns
    -------
    spikes : ndarray of shape (n_steps, d), dtype bool

    See Also
    --------
    InputLayer : the same, reusing buffers from one sample to the next.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> input_spikes(np.array([0.0, 1.0]), 3, rng).astype(int).tolist()
    [[0, 1], [0, 1], [0, 1]]
    """
    layer = InputLayer(len(x), n_steps, spike_probability)
    return layer.run(x, rng).astype(bool)


def hawkes_spikes(presynaptic, weights, rng, threshold=0.0):
    """Spike trains of a layer of linear Hawkes units.

    Parameters
    ----------
    presynaptic : ndarray of shape (n_steps, n_pre)
        Spikes (bool or 0/1) of the presynaptic neurons at each step.
    weights : array-like of shape (n_units, n_pre)
        Synaptic weights, one row per unit.
    rng : numpy.random.Generator
        Source of the ``(n_steps, n_units)`` uniform draws (one call).
    threshold : float, default=0.0
        ``nu``: subtracted from the potential before clipping to ``[0, 1]``.

    Returns
    -------
    spikes : ndarray of shape (n_steps, n_units), dtype bool
        Unit ``h`` spikes at step ``t`` with probability
        ``clip(-nu + weights[h] @ presynaptic[t], 0, 1)``.

    See Also
    --------
    HawkesLayer : the same, reusing buffers from one sample to the next.

    Examples
    --------
    Both inputs spike at every step, so the unit spikes with probability
    ``0.7 + 0.3 - 0.5 = 0.5``:

    >>> rng = np.random.default_rng(0)
    >>> pre = np.ones((10000, 2), dtype=bool)
    >>> spikes = hawkes_spikes(pre, np.array([[0.7, 0.3]]), rng, threshold=0.5)
    >>> spikes.shape, round(float(spikes.mean()), 1)
    ((10000, 1), 0.5)
    """
    layer = HawkesLayer(weights, len(presynaptic), threshold)
    return layer.run(presynaptic, rng).astype(bool)


def coincidence_gains(spikes, pairs):
    """Triple-coincidence gains of the pair-detecting hidden neurons.

    Parameters
    ----------
    spikes : ndarray of shape (n_steps, d)
        Input spikes (bool or 0/1) while one sample is presented.
    pairs : ndarray of shape (n_pairs, 2)
        The input pair ``(i, j)`` of each hidden neuron.

    Returns
    -------
    gains : ndarray of shape (n_pairs, d)
        ``gains[h, k] = (1 / N) * #{t : s_k(t) = s_i(t) = s_j(t) = 1}`` for the
        hidden neuron ``h`` of pair ``(i, j)``.

    Notes
    -----
    For each input ``i`` the steps where ``i`` spikes are gathered into an
    ``(n_i, d)`` matrix ``A_i``; its Gram matrix ``A_i.T @ A_i`` holds the
    triple counts of every pair ``(i, j)`` at once. This costs
    ``sum_i n_i * d**2`` operations, never forms the ``(N, n_pairs)`` array of
    pair coincidences, and counts exactly in float32 below ``2**24`` steps.

    Examples
    --------
    >>> spikes = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=bool)
    >>> coincidence_gains(spikes, np.array([[0, 1]])) * 3
    array([[2., 2., 1.]])
    """
    n_steps, n_inputs = spikes.shape
    pairs = np.asarray(pairs)
    gains = np.empty((len(pairs), n_inputs))
    as_float = np.asarray(spikes, dtype=SPIKE_DTYPE)
    spiking = as_float > 0
    for i in np.unique(pairs[:, 0]):
        rows = as_float[spiking[:, i]]
        counts = rows.T @ rows
        of_i = np.flatnonzero(pairs[:, 0] == i)
        gains[of_i] = counts[pairs[of_i, 1]]
    return gains / n_steps


def fit_aggregation(gains, rule="ewa", learning_rate=1.0, exponent=2.0,
                    return_history=True):
    """Train a layer of aggregations on a sequence of per-round gains.

    Every aggregation starts uniform. EWA weights are computed in closed form,
    ``w(m) ∝ exp(eta * sum_{r<m} g(r))``; PWA weights follow the rounds one by
    one, ``w(m) ∝ max(R(m), 0) ** (exponent - 1)`` with ``R`` each expert's
    cumulative gain minus the aggregation's, uniform while no regret is
    positive.

    Parameters
    ----------
    gains : array-like of shape (n_rounds, ..., n_experts)
        The experts' gains in each round.
    rule : {"ewa", "pwa"}, default="ewa"
    learning_rate : float, default=1.0
        EWA learning rate ``eta``; unused by PWA.
    exponent : float, default=2.0
        PWA exponent; unused by EWA.
    return_history : bool, default=True
        Also return the weights in force in each round.

    Returns
    -------
    weights : ndarray of shape (..., n_experts)
        The weights after the last round.
    history : ndarray of shape (n_rounds, ..., n_experts)
        ``history[m]``: the weights used in round ``m``, before its gains.
        Only when ``return_history`` is True.

    Examples
    --------
    >>> w, history = fit_aggregation([[1.0, 0.0]], learning_rate=np.log(3.0))
    >>> history.tolist(), w.round(2).tolist()
    ([[0.5, 0.5]], [0.75, 0.25])
    """
    if rule not in AGGREGATIONS:
        raise ValueError(f"rule must be one of {AGGREGATIONS}; got {rule!r}.")
    gains = np.asarray(gains, dtype=float)
    if gains.ndim < 2 or gains.shape[0] == 0:
        raise ValueError(
            "gains must have shape (n_rounds, ..., n_experts) with at least one "
            f"round; got shape {gains.shape}."
        )
    n_rounds = gains.shape[0]
    uniform = np.full(gains.shape[1:], 1.0 / gains.shape[-1])

    if rule == "ewa":
        if not return_history:
            return ewa_weights(gains.sum(axis=0), learning_rate)
        cumulative = np.cumsum(gains, axis=0)
        history = np.empty_like(gains)
        history[0] = uniform
        if n_rounds > 1:
            history[1:] = ewa_weights(cumulative[:-1], learning_rate)
        return ewa_weights(cumulative[-1], learning_rate), history

    weights = uniform
    regret = np.zeros(gains.shape[1:])
    history = np.empty_like(gains) if return_history else None
    for m in range(n_rounds):
        if return_history:
            history[m] = weights
        regret += gains[m] - aggregation_gains(weights, gains[m])[..., None]
        weights = pwa_weights(regret, exponent)
    return (weights, history) if return_history else weights
