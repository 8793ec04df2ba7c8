"""Training backends: the same learning network computed two ways.

A backend takes a :class:`TrainingProblem` (the samples in presentation
order, as input concentrations and complex fluxes, and the learner's
current state) and returns a :class:`TrainingResult` (new weights, their
history, the gains). :data:`BACKENDS` maps a name to the training function;
a new backend is one function and one entry there.

``"closed-form"``
    The Exponentially Weighted Average with cumulative gains, vectorised
    over samples, classes and complexes. This is what the network computes
    at its quasi-steady state (MODEL.md section 2).
``"chemistry"``
    The explicit reaction network (:func:`~crnlearn.learn.network.
    build_learning_network`) integrated sample after sample with SciPy's
    stiff solvers on the network's own mass-action right-hand side and
    sparse Jacobian: inputs and teachers are clamped for the presentation
    time ``tau``, weights and outputs carry over from one sample to the
    next. The network is built once; only the clamped concentrations
    change between samples.

In the chemistry, the ratios of one class's weights follow the EWA
exactly whatever the output concentration (``d log w_S/dt - d log w_T/dt =
eta s (phi_S - phi_T)``); the quasi-steady-state error only moves each
class's total weight away from 1, by ``O(eta / k_y)`` per sample.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from ..aggregation import ewa_weights
from .network import build_learning_network

__all__ = [
    "BACKENDS",
    "TrainingProblem",
    "TrainingResult",
    "class_signs",
    "expert_gains",
    "train_chemistry",
    "train_closed_form",
]

logger = logging.getLogger(__name__)

#: Stiff solver of the chemistry backend: BDF takes the sparse Jacobian.
CHEMISTRY_METHOD = "BDF"
#: Relative and absolute tolerances of the chemistry backend: well below the
#: quasi-steady-state gap (eta / k_y ~ 1e-3 at the defaults) that the
#: backend is meant to show.
CHEMISTRY_RTOL = 1e-8
CHEMISTRY_ATOL = 1e-11


@dataclass
class TrainingProblem:
    """Samples to present and the learner's state before them.

    Attributes
    ----------
    inputs : ndarray of shape (n_rounds, n_input_species)
        Input species concentrations of each presented sample, in order.
    fluxes : ndarray of shape (n_rounds, n_reactions)
        Flux ``phi_S`` of each selected complex for each presented sample.
    targets : ndarray of int of shape (n_rounds,)
        Class index of each presented sample.
    n_classes : int
    complexes : list of tuple of int
        The selected complexes (for backends that build the network).
    n_features : int
    dual_rail : bool
    learning_rate, reward, penalty, presentation_time, readout_rate : float
        ``eta``, ``a``, ``b``, ``tau`` and ``k_y``.
    weights : ndarray of shape (n_classes, n_reactions)
        Weights before the first presented sample.
    cumulative_gains : ndarray of shape (n_classes, n_reactions)
        Gains summed over the samples presented before.
    outputs : ndarray of shape (n_classes,)
        Output concentrations before the first presented sample.
    options : dict
        Backend-specific settings (for the chemistry: ``normalisation``,
        ``method``, ``rtol``, ``atol``).
    """

    inputs: np.ndarray
    fluxes: np.ndarray
    targets: np.ndarray
    n_classes: int
    complexes: list
    n_features: int
    dual_rail: bool
    learning_rate: float
    reward: float
    penalty: float
    presentation_time: float
    readout_rate: float
    weights: np.ndarray
    cumulative_gains: np.ndarray
    outputs: np.ndarray
    options: dict = field(default_factory=dict)

    @property
    def n_rounds(self):
        return self.fluxes.shape[0]

    @property
    def ewa_rate(self):
        """The EWA learning rate of one presentation, ``eta * tau``."""
        return self.learning_rate * self.presentation_time


@dataclass
class TrainingResult:
    """What a backend returns.

    Attributes
    ----------
    weights : ndarray of shape (n_classes, n_reactions)
        Weights after the last sample.
    weight_history : ndarray of shape (n_rounds, n_classes, n_reactions)
        Weights in force when each sample was presented (before its update).
    gains : ndarray of shape (n_rounds, n_classes, n_reactions)
        ``g[m, c, S] = s_c(m) phi_S(x_m)``.
    cumulative_gains : ndarray of shape (n_classes, n_reactions)
        Gains summed over all samples presented so far.
    outputs : ndarray of shape (n_classes,)
        Output concentrations after the last sample.
    counters : dict
        Work done (solver calls and evaluations for the chemistry).
    """

    weights: np.ndarray
    weight_history: np.ndarray
    gains: np.ndarray
    cumulative_gains: np.ndarray
    outputs: np.ndarray
    counters: dict = field(default_factory=dict)


def class_signs(targets, n_classes, reward, penalty):
    """``s_c(m)``: ``reward`` for the true class of sample ``m``, else ``-penalty``.

    Returns
    -------
    ndarray of shape (n_rounds, n_classes)

    Examples
    --------
    >>> class_signs([1, 0], 2, reward=1.0, penalty=0.5)
    array([[-0.5,  1. ],
           [ 1. , -0.5]])
    """
    targets = np.asarray(targets, dtype=np.intp)
    signs = np.full((targets.size, n_classes), -float(penalty))
    signs[np.arange(targets.size), targets] = float(reward)
    return signs


def expert_gains(fluxes, targets, n_classes, reward, penalty):
    """Gains of every expert: ``g[m, c, S] = s_c(m) phi_S(x_m)``.

    Parameters
    ----------
    fluxes : ndarray of shape (n_rounds, n_reactions)
    targets : ndarray of int of shape (n_rounds,)
    n_classes : int
    reward, penalty : float

    Returns
    -------
    ndarray of shape (n_rounds, n_classes, n_reactions)
    """
    signs = class_signs(targets, n_classes, reward, penalty)
    return signs[:, :, None] * np.asarray(fluxes)[:, None, :]


def train_closed_form(problem):
    """EWA with cumulative gains: ``w = softmax(eta tau G)`` per class.

    The weights in force at sample ``m`` use the gains of the samples before
    it (the starting cumulative gains included).
    """
    gains = expert_gains(
        problem.fluxes, problem.targets, problem.n_classes, problem.reward,
        problem.penalty,
    )
    history = np.cumsum(gains, axis=0)
    total = problem.cumulative_gains + history[-1]
    # Shift by one round: the weights of round m see the gains before m.
    history[1:] = history[:-1]
    history[0] = 0.0
    history += problem.cumulative_gains
    history *= problem.ewa_rate
    history -= history.max(axis=-1, keepdims=True)
    np.exp(history, out=history)
    history /= history.sum(axis=-1, keepdims=True)
    weights = ewa_weights(total, problem.ewa_rate)
    return TrainingResult(
        weights=weights,
        weight_history=history,
        gains=gains,
        cumulative_gains=total,
        outputs=(weights * problem.fluxes[-1]).sum(axis=1),
    )


class _Presentation:
    """The free part of a learning network with its clamped species set.

    The weights and outputs are the first ``n_free`` species of the network
    (see :func:`build_learning_network`), so the solver works on that block
    and reads the rest of the state from ``state``.
    """

    def __init__(self, network, n_free):
        self.network = network
        self.n_free = n_free
        self.state = network.initial_concentrations
        self.n_rhs = 0
        self.n_jac = 0

    def rhs(self, t, u):
        self.state[: self.n_free] = u
        self.n_rhs += 1
        return self.network.rhs(t, self.state)[: self.n_free]

    def jacobian(self, t, u):
        self.state[: self.n_free] = u
        self.n_jac += 1
        J = self.network.jacobian(t, self.state, sparse=True)
        return J[: self.n_free, : self.n_free]


def train_chemistry(problem):
    """Integrate the learning network sample after sample.

    Each sample clamps the inputs at its concentrations and the teachers at
    ``L_c = 1`` for its class (``Lbar_c = 1 - L_c``) for the presentation
    time ``tau``; weights and outputs carry over. Gains are recorded as in
    the closed form; the weight history holds the simulated concentrations.
    """
    options = {
        "method": CHEMISTRY_METHOD,
        "rtol": CHEMISTRY_RTOL,
        "atol": CHEMISTRY_ATOL,
        **problem.options,
    }
    normalisation = options.pop("normalisation", "output")
    network, layout = build_learning_network(
        problem.complexes,
        problem.n_features,
        problem.n_classes,
        dual_rail=problem.dual_rail,
        weights=problem.weights,
        learning_rate=problem.learning_rate,
        reward=problem.reward,
        penalty=problem.penalty,
        readout_rate=problem.readout_rate,
        normalisation=normalisation,
    )
    n_classes, n_reactions = layout.weights.shape
    n_free = layout.free.size
    if not np.array_equal(layout.free, np.arange(n_free)):
        raise RuntimeError("the learning network must list its free species first.")
    system = _Presentation(network, n_free)
    system.state[layout.outputs] = problem.outputs

    tau = problem.presentation_time
    history = np.empty((problem.n_rounds, n_classes, n_reactions))
    counters = {"presentations": 0, "nfev": 0, "njev": 0, "nlu": 0, "failures": 0}
    for m in range(problem.n_rounds):
        L, Lbar = layout.teacher_values(problem.targets[m], n_classes)
        system.state[layout.inputs] = problem.inputs[m]
        system.state[layout.teachers] = L
        system.state[layout.anti_teachers] = Lbar
        u0 = system.state[:n_free].copy()
        history[m] = u0[: n_classes * n_reactions].reshape(n_classes, n_reactions)
        sol = solve_ivp(
            system.rhs, (0.0, tau), u0, jac=system.jacobian, t_eval=None,
            dense_output=False, **options,
        )
        if not sol.success:
            counters["failures"] += 1
            raise RuntimeError(
                f"the chemistry backend failed at sample {m}: {sol.message}"
            )
        system.state[:n_free] = sol.y[:, -1]
        counters["presentations"] += 1
        counters["nfev"] += int(sol.nfev)
        counters["njev"] += int(sol.njev)
        counters["nlu"] += int(sol.nlu)

    weights = system.state[layout.weights]
    gains = expert_gains(
        problem.fluxes, problem.targets, n_classes, problem.reward, problem.penalty
    )
    logger.debug("chemistry backend: %s", counters)
    return TrainingResult(
        weights=weights,
        weight_history=history,
        gains=gains,
        cumulative_gains=problem.cumulative_gains + gains.sum(axis=0),
        outputs=system.state[layout.outputs].copy(),
        counters=counters,
    )


#: Training functions by backend name: ``fn(problem) -> TrainingResult``.
BACKENDS = {
    "closed-form": train_closed_form,
    "chemistry": train_chemistry,
}
