"""Training backends: the same learning network computed two ways.

A backend takes a :class:`TrainingProblem` (the samples in presentation
order, as input concentrations and complex fluxes, and the learner's
current state) and returns a :class:`TrainingResult` (new weights, their
history, the gains). :data:`BACKENDS` maps a name to the training function;
a new backend is one function and one entry there.

``"closed-form"``
    The Exponentially Weighted Average with cumulative gains, vectorised
    over samples, classes and complexes. This is what the network computes
    at its quasi-steady state (docs/MODEL.md section 2).
``"chemistry"``
    The explicit reaction network (:func:`~crnlearn.learn.network.
    build_learning_network`) integrated sample after sample with SciPy's
    BDF solver on the network's own mass-action rate law and sparse
    Jacobian: inputs and teachers are clamped for the presentation time
    ``tau``, weights and outputs carry over from one sample to the next.
    The network is built and compiled once; each presentation folds the
    clamped concentrations into the rate constants of the reactions that
    run (:class:`_ClampedKinetics`), and the sparse LU keeps the species
    order, in which the Jacobian factorises without fill-in.

In the chemistry, the ratios of one class's weights follow the EWA
exactly whatever the output concentration (``d log w_S/dt - d log w_T/dt =
eta s (phi_S - phi_T)``); the quasi-steady-state error only moves each
class's total weight away from 1, by ``O(eta / k_y)`` per sample.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.integrate import solve_ivp
from scipy.sparse import issparse
from scipy.sparse.linalg import splu

from ..aggregation import ewa_weights
from ..crn.simulate import InitialisedBDF
from .network import problem_network

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
#: Relative and absolute tolerances of the weights in the chemistry backend.
#: Over one presentation the solver's error on the weights is then about
#: 1e-7 of the largest weight, below the quasi-steady-state gap for
#: ``k_y / eta`` up to about 1e5 (the defaults, 1000 / 0.002, go further:
#: there the gap is below the solver error and the backends agree to it).
CHEMISTRY_RTOL = 1e-8
CHEMISTRY_ATOL = 1e-11
#: Absolute tolerance of the outputs: they are of order 0.1 to 1 and move
#: the weights only through the rate ``eta``, so resolving their fast
#: transient (rate ``k_y``) at the start of each presentation to 1e-11
#: costs a quarter of the steps and changes no weight by more than the
#: solver error.
CHEMISTRY_OUTPUT_ATOL = 1e-8


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
    it (the starting cumulative gains included). The final weights are
    computed from the summed gains directly; the history by the equivalent
    multiplicative update ``w <- w exp(eta tau g) / sum(...)`` in one
    compiled pass, which needs ``2 K`` exponentials per sample (``s_c``
    takes only the values ``a`` and ``-b``) instead of ``C K``.
    """
    fluxes = np.ascontiguousarray(problem.fluxes, dtype=float)
    targets = np.ascontiguousarray(problem.targets, dtype=np.intp)
    n_rounds, n_reactions = fluxes.shape
    n_classes = problem.n_classes
    rate = float(problem.ewa_rate)
    start = np.asarray(problem.cumulative_gains, dtype=float)
    history = np.empty((n_rounds, n_classes, n_reactions))
    gains = np.empty((n_rounds, n_classes, n_reactions))
    total = _ewa_history(
        fluxes, targets, float(problem.reward), float(problem.penalty), rate,
        ewa_weights(start, rate), start.copy(), history, gains,
    )
    weights = ewa_weights(total, rate)
    outputs = (
        weights @ fluxes[-1] if n_rounds else np.asarray(problem.outputs, dtype=float)
    )
    return TrainingResult(
        weights=weights,
        weight_history=history,
        gains=gains,
        cumulative_gains=total,
        outputs=outputs,
    )


@njit(cache=True)
def _ewa_history(fluxes, targets, reward, penalty, rate, weights, cumulative,
                 history, gains):
    """Fill ``history`` and ``gains`` sample by sample; return the summed gains.

    Each factor ``exp(rate s (phi_S - phi_ref))`` is shifted by the
    largest (reward) or smallest (penalty) flux of the sample so that it
    lies in ``(0, 1]``; the shift cancels in the normalisation. Should a
    class's weights all underflow (only for ``rate (a + b)`` of hundreds),
    they are recomputed from the cumulative gains with the largest one
    subtracted.
    """
    n_rounds, n_reactions = fluxes.shape
    n_classes = weights.shape[0]
    up = np.empty(n_reactions)
    down = np.empty(n_reactions)
    for m in range(n_rounds):
        phi = fluxes[m]
        high = phi.max()
        low = phi.min()
        for k in range(n_reactions):
            up[k] = np.exp(rate * reward * (phi[k] - high))
            down[k] = np.exp(-rate * penalty * (phi[k] - low))
        for c in range(n_classes):
            true = targets[m] == c
            sign = reward if true else -penalty
            factor = up if true else down
            norm = 0.0
            for k in range(n_reactions):
                history[m, c, k] = weights[c, k]
                g = sign * phi[k]
                gains[m, c, k] = g
                cumulative[c, k] += g
                w = weights[c, k] * factor[k]
                weights[c, k] = w
                norm += w
            if norm > 0.0 and np.isfinite(norm):
                for k in range(n_reactions):
                    weights[c, k] /= norm
            else:
                top = cumulative[c].max()
                norm = 0.0
                for k in range(n_reactions):
                    w = np.exp(rate * (cumulative[c, k] - top))
                    weights[c, k] = w
                    norm += w
                for k in range(n_reactions):
                    weights[c, k] /= norm
    return cumulative


class _NaturalOrderBDF(InitialisedBDF):
    """BDF whose sparse LU keeps the species order (no fill-reducing permutation).

    The free species of a learning network come weights first, class by
    class, then the outputs: the Jacobian is an arrow per class (each weight
    couples to its class's output), which factorises with no fill-in in
    that order. SuperLU's default column ordering (COLAMD) creates ten
    times more fill-in on it and takes about five times longer.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if issparse(self.J):

            def lu(A):
                self.nlu += 1
                return splu(A, permc_spec="NATURAL")

            self.lu = lu


class _ClampedKinetics:
    """Mass-action kinetics of a network's free species, clamped ones folded in.

    While a sample is presented the inputs and teachers are constant, so
    each reaction's flux is ``k * (product of its clamped reactants) *
    (product of its free reactants)``. :meth:`present` folds the first
    product into an effective rate constant and drops the reactions whose
    effective rate is 0 (the reward reactions of the classes whose teacher
    is 0, the penalty reactions of the true class, the complexes with an
    absent input), so the solver evaluates only what runs. This is the
    network's own rate law, not an approximation of it.

    Parameters
    ----------
    network : ReactionNetwork
    n_free : int
        The free species are the first ``n_free`` of the network.
    """

    def __init__(self, network, n_free):
        index = {name: i for i, name in enumerate(network.species)}
        n_species = network.n_species
        reactions = network.reactions
        free_slots, clamped_slots = [], []
        rows, cols, vals = [], [], []
        for j, reaction in enumerate(reactions):
            free, clamped = [], []
            for name, count in reaction.reactants.items():
                i = index[name]
                (free if i < n_free else clamped).extend([i] * count)
            free_slots.append(free)
            clamped_slots.append(clamped)
            change = {}
            for name, count in reaction.reactants.items():
                change[index[name]] = change.get(index[name], 0) - count
            for name, count in reaction.products.items():
                change[index[name]] = change.get(index[name], 0) + count
            for i, delta in change.items():
                if delta and i < n_free:
                    rows.append(i)
                    cols.append(j)
                    vals.append(delta)

        # Unused slots point at an extra entry fixed to 1.
        self.free_slots = _slot_table(free_slots, n_free)
        self.clamped_slots = _slot_table(clamped_slots, n_species)
        self.rates = np.array([r.rate for r in reactions], dtype=float)
        self.stoichiometry = sp.csc_matrix(
            (vals, (rows, cols)), shape=(n_free, len(reactions)), dtype=float
        )
        self.n_free = n_free
        self.n_rhs = 0
        self.n_jac = 0

    def present(self, state):
        """Fold the clamped concentrations of ``state`` into the rate constants."""
        ext = np.append(state, 1.0)
        effective = self.rates * ext[self.clamped_slots].prod(axis=1)
        active = np.flatnonzero(effective)
        self.k = effective[active]
        slots = self.free_slots[active]
        self.slots = [np.ascontiguousarray(slots[:, s]) for s in range(slots.shape[1])]
        self.N = self.stoichiometry[:, active].tocsr()
        # Jacobian entries: (reaction, slot) pairs that read a free species.
        reaction, slot = np.nonzero(slots < self.n_free)
        self.jac_reaction, self.jac_slot = reaction, slot
        self.jac_species = slots[reaction, slot]

    def _extended(self, u):
        ext = np.empty(self.n_free + 1)
        ext[:-1] = u
        ext[-1] = 1.0
        return ext

    def rhs(self, t, u):
        self.n_rhs += 1
        ext = self._extended(u)
        v = self.k * ext[self.slots[0]]
        for column in self.slots[1:]:
            v *= ext[column]
        return self.N @ v

    def jacobian(self, t, u):
        self.n_jac += 1
        ext = self._extended(u)
        factors = np.stack([ext[column] for column in self.slots], axis=1)
        # d v_j / d u_i: the rate times the other slots of reaction j.
        others = np.ones_like(factors)
        for s in range(factors.shape[1]):
            for r in range(factors.shape[1]):
                if r != s:
                    others[:, s] *= factors[:, r]
        data = self.k[self.jac_reaction] * others[self.jac_reaction, self.jac_slot]
        flux_jacobian = sp.csr_matrix(
            (data, (self.jac_reaction, self.jac_species)),
            shape=(self.k.size, self.n_free),
        )
        return (self.N @ flux_jacobian).tocsc()


def _slot_table(slots, padding):
    """Ragged lists of species indices as a table padded with ``padding``."""
    width = max((len(row) for row in slots), default=0)
    table = np.full((len(slots), max(width, 1)), padding, dtype=np.intp)
    for row, values in zip(table, slots, strict=True):
        row[: len(values)] = values
    return table


def train_chemistry(problem):
    """Integrate the learning network sample after sample.

    Each sample clamps the inputs at its concentrations and the teachers at
    ``L_c = 1`` for its class (``Lbar_c = 1 - L_c``) for the presentation
    time ``tau``; weights and outputs carry over. Gains are recorded as in
    the closed form; the weight history holds the simulated concentrations.
    """
    options = {"method": CHEMISTRY_METHOD, "rtol": CHEMISTRY_RTOL, **problem.options}
    normalisation = options.pop("normalisation", "output")
    if options["method"] == "BDF":
        options["method"] = _NaturalOrderBDF
    network, layout = problem_network(problem, normalisation)
    n_classes, n_reactions = layout.weights.shape
    n_free = layout.free.size
    if not np.array_equal(layout.free, np.arange(n_free)):
        raise RuntimeError("the learning network must list its free species first.")
    if "atol" not in options:
        atol = np.full(n_free, CHEMISTRY_ATOL)
        atol[layout.outputs] = CHEMISTRY_OUTPUT_ATOL
        options["atol"] = atol
    system = _ClampedKinetics(network, n_free)
    state = network.initial_concentrations
    state[layout.outputs] = problem.outputs

    tau = problem.presentation_time
    history = np.empty((problem.n_rounds, n_classes, n_reactions))
    counters = {"presentations": 0, "nfev": 0, "njev": 0, "nlu": 0, "failures": 0}
    for m in range(problem.n_rounds):
        L, Lbar = layout.teacher_values(problem.targets[m], n_classes)
        state[layout.inputs] = problem.inputs[m]
        state[layout.teachers] = L
        state[layout.anti_teachers] = Lbar
        system.present(state)
        u0 = state[:n_free].copy()
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
        state[:n_free] = sol.y[:, -1]
        counters["presentations"] += 1
        counters["nfev"] += int(sol.nfev)
        counters["njev"] += int(sol.njev)
        counters["nlu"] += int(sol.nlu)

    weights = state[layout.weights]
    gains = expert_gains(
        problem.fluxes, problem.targets, n_classes, problem.reward, problem.penalty
    )
    logger.debug("chemistry backend: %s", counters)
    return TrainingResult(
        weights=weights,
        weight_history=history,
        gains=gains,
        cumulative_gains=problem.cumulative_gains + gains.sum(axis=0),
        outputs=state[layout.outputs].copy(),
        counters=counters,
    )


#: Training functions by backend name: ``fn(problem) -> TrainingResult``.
BACKENDS = {
    "closed-form": train_closed_form,
    "chemistry": train_chemistry,
}

# At the end: the stochastic backend imports this module's result types lazily.
from .stochastic_backend import train_stochastic  # noqa: E402

BACKENDS["stochastic"] = train_stochastic
