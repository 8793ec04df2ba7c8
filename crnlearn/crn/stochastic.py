"""Stochastic simulation of mass-action networks: exact SSA and tau-leaping.

At finite volume ``V`` a network holds whole molecules. A concentration ``c``
becomes the count ``n = rint(c * V)`` (nearest integer, ties to even, as
``numpy.rint``), and a reaction with rate constant ``k`` (concentration
units) and reactant stoichiometries ``a_i`` fires with the propensity

    ``k * V * prod_i n_i (n_i - 1) ... (n_i - a_i + 1) / V ** a_i``,

the stochastic mass-action law whose mean-field limit (``V -> infinity``) is
``V`` times the deterministic flux ``k * prod_i c_i ** a_i``. There is no
``1 / a_i!`` factor: ``k`` keeps the meaning it has in the rate equations
(GillesPy2's mass-action ``2 A`` propensity, ``k * A * (A - 1) / V``, follows
the same convention). Clamped species are reservoirs: they enter the
propensities with their counts and never change.

Two methods are offered:

- ``"ssa"``: Gillespie's direct method, exact. Each propensity is factored
  through one reactant (its *hub*), reactions sharing a hub are grouped, and
  sums are kept in two levels of sum trees: a firing refreshes only the
  reactions whose propensity it can change (the dependency graph), a change
  of a hub's count rescales its whole group at once, and choosing a reaction
  costs O(log n_reactions). Networks with thousands of catalytic reactions,
  such as the learning network, whose outputs enter every normalising
  reaction of their class, stay fast.
- ``"tau-leap"``: Poisson leaps with Cao-Gillespie-Petzold step selection
  (accuracy ``epsilon``) or a fixed step ``tau``; reactions close to
  exhausting a reactant are fired exactly, leaps that would make a count
  negative are rejected and halved, so counts never go below zero.

The inner loops are compiled with Numba (``_ssa_kernels``; compiled code is
cached on disk, so only the first run on a machine pays the compilation, a
few tens of seconds). :class:`StochasticSimulator` compiles a network once and
runs it many times with different initial or clamped counts;
:func:`simulate_stochastic` is the one-call interface, returning the same
:class:`~crnlearn.crn.simulate.SimulationResult` as the deterministic
:func:`~crnlearn.crn.simulate.simulate`, with concentrations = counts / V.

Known limits: trajectories run one after the other in one thread; a
tau-leap step costs O(n_reactions + n_species) and its exact steps search
the reactions linearly, so for large networks at low counts ``"ssa"`` is the
faster method; a fixed ``tau`` longer than the fastest time scale keeps counts
non-negative (by rejection) but biases the statistics.

References
----------
.. [1] D. T. Gillespie, "Exact stochastic simulation of coupled chemical
   reactions", J. Phys. Chem. 81 (1977) 2340-2361.
.. [2] Y. Cao, D. T. Gillespie, L. R. Petzold, "Efficient step size selection
   for the tau-leaping simulation method", J. Chem. Phys. 124 (2006) 044109.
"""

import logging
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .errors import NetworkError
from .simulate import SimulationResult

__all__ = [
    "STOCHASTIC_METHODS",
    "CountRoundingWarning",
    "StepBudgetWarning",
    "StochasticResult",
    "StochasticSimulator",
    "simulate_stochastic",
    "trajectory_seeds",
]

logger = logging.getLogger(__name__)

STOCHASTIC_METHODS = ("ssa", "tau-leap")

#: Default tau-leap accuracy: the relative change any propensity may undergo
#: in one leap (the value Cao, Gillespie and Petzold recommend).
DEFAULT_EPSILON = 0.03
#: A reaction is *critical*, and fired exactly, when fewer than this many
#: firings would exhaust one of its reactants (Cao et al.'s n_c).
N_CRITICAL = 10
#: Leaping pays off only when a leap holds more reactions than this on
#: average; below it, exact steps are taken (Cao et al.'s 10 / a0 switch).
EXACT_SWITCH = 10.0
#: Number of exact steps taken each time leaping does not pay (Cao et al.).
N_EXACT_BURST = 100
#: Default cap on steps per trajectory (reactions for "ssa", leaps plus exact
#: steps for "tau-leap"): about ten seconds of work, so an exploding network
#: stops with a message instead of hanging.
DEFAULT_MAX_STEPS = 10**8
#: Counts above 2**53 are no longer exact in the float64 propensities.
MAX_COUNT = 2**53


class CountRoundingWarning(UserWarning):
    """A positive concentration is less than half a molecule at this volume."""


class StepBudgetWarning(RuntimeWarning):
    """A trajectory used up ``max_steps`` before reaching its last time point."""


def _kernels():
    # Imported on first use so that importing crnlearn does not load Numba.
    from . import _ssa_kernels

    return _ssa_kernels


# -- validation ----------------------------------------------------------------


def _check_positive(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool):
        raise NetworkError(f"{name} must be a number > 0; got {value!r}.")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"{name} must be a number > 0; got {value!r}.") from None
    if not np.isfinite(value) or value <= 0:
        raise NetworkError(f"{name} must be finite and > 0; got {value!r}.")
    return value


def _check_method(method):
    if method not in STOCHASTIC_METHODS:
        raise NetworkError(
            f"method must be one of {STOCHASTIC_METHODS}; got {method!r}. Use "
            f"crnlearn.simulate for the deterministic rate equations."
        )
    return method


def _check_epsilon(epsilon):
    epsilon = _check_positive(epsilon, "epsilon")
    if epsilon >= 1:
        raise NetworkError(
            f"epsilon (the tau-leap accuracy) must be in (0, 1); got {epsilon!r}."
        )
    return epsilon


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NetworkError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise NetworkError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_times(t_end, t_eval, n_points):
    t_end = _check_positive(t_end, "t_end")
    if t_eval is None:
        n_points = _check_count(n_points, "n_points", 2)
        return np.linspace(0.0, t_end, n_points)
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or t_eval.size == 0:
        raise NetworkError(
            f"t_eval must be a non-empty 1-D array of times; got shape {t_eval.shape}."
        )
    if not np.all(np.isfinite(t_eval)) or t_eval[0] < 0 or np.any(np.diff(t_eval) <= 0):
        raise NetworkError(
            "t_eval must be finite, increasing times >= 0; got "
            f"{np.array2string(t_eval[:5])}{'...' if t_eval.size > 5 else ''}."
        )
    if t_eval[-1] > t_end:
        raise NetworkError(
            f"t_eval must end at or before t_end={t_end}; got {t_eval[-1]}."
        )
    return np.ascontiguousarray(t_eval)


def _as_generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(
        random_state, (numbers.Integral, np.random.SeedSequence)
    ):
        if isinstance(random_state, bool):
            raise NetworkError(f"random_state must not be a bool; got {random_state}.")
        return np.random.default_rng(random_state)
    raise NetworkError(
        "random_state must be None, an int, a numpy SeedSequence or a numpy "
        f"Generator; got {type(random_state).__name__}."
    )


def trajectory_seeds(random_state, n_trajectories):
    """Independent seeds, one per trajectory, derived from one ``random_state``.

    Trajectory ``i`` of :func:`simulate_stochastic` runs on
    ``numpy.random.default_rng(trajectory_seeds(random_state, n)[i])``. The
    seeds are the children of ``SeedSequence(random_state)`` (for an int or
    ``None``); a ``Generator`` first gives four 63-bit words of entropy, so
    it is advanced. Seeds are drawn before any simulation, and trajectory
    ``i`` of an int seed is the same whatever the number of trajectories.

    Parameters
    ----------
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The source of randomness.
    n_trajectories : int
        How many seeds (>= 1).

    Returns
    -------
    list of numpy.random.SeedSequence

    Examples
    --------
    >>> a, b = trajectory_seeds(7, 3)[1], trajectory_seeds(7, 5)[1]
    >>> bool(np.random.default_rng(a).random() == np.random.default_rng(b).random())
    True
    """
    n_trajectories = _check_count(n_trajectories, "n_trajectories", 1)
    if isinstance(random_state, np.random.Generator):
        entropy = random_state.integers(0, 2**63, size=4, dtype=np.uint64)
        root = np.random.SeedSequence([int(e) for e in entropy])
    elif isinstance(random_state, np.random.SeedSequence):
        root = random_state
    elif random_state is None or (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
    ):
        if random_state is not None and random_state < 0:
            raise NetworkError(f"random_state must be >= 0; got {random_state}.")
        root = np.random.SeedSequence(random_state)
    else:
        raise NetworkError(
            "random_state must be None, an int, a numpy SeedSequence or a numpy "
            f"Generator; got {type(random_state).__name__}."
        )
    return root.spawn(n_trajectories)


def _int64(values):
    return np.ascontiguousarray(values, dtype=np.int64)


def _csr_arrays(matrix):
    """``(indptr, indices)`` of a sparse matrix, indices sorted, as int64."""
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    return _int64(matrix.indptr), _int64(matrix.indices)


# -- results -------------------------------------------------------------------


@dataclass
class StochasticResult(SimulationResult):
    """Stochastic trajectories: a :class:`SimulationResult` with molecule counts.

    With one trajectory (``n_trajectories=None``) the arrays have the layout
    of the deterministic result, ``(n_times, n_species)``; with
    ``n_trajectories=n`` (even 1) they gain a leading trajectory axis,
    ``(n, n_times, n_species)``, as NumPy's ``size=None`` versus ``size=1``.

    Attributes
    ----------
    concentrations : ndarray of shape (n_times, n_species) or \
(n_trajectories, n_times, n_species)
        ``counts / volume``; NaN at times a trajectory did not reach (only
        when ``max_steps`` ran out).
    counts : ndarray of int64, same shape as ``concentrations``
        Molecule counts; -1 at times not reached.
    volume : float
        The volume ``V``.
    n_trajectories : int or None
        Number of trajectories, or ``None`` for a single one without the
        leading axis.
    counters : dict
        Totals over all trajectories: ``reactions_fired``, ``steps`` (exact
        steps plus leaps), ``exact_steps``, ``leaps``, ``rejected_leaps``
        (leaps retried with a halved step because a count would have gone
        negative).

    See :class:`~crnlearn.crn.simulate.SimulationResult` for the other
    attributes.
    """

    counts: np.ndarray = None
    volume: float = 1.0
    n_trajectories: int | None = None

    @property
    def final(self):
        """Concentrations at the last time point, per trajectory if several."""
        return self.concentrations[..., -1, :]

    def trajectory(self, i):
        """Trajectory ``i`` alone, as a single-trajectory result.

        The counters stay the totals of the whole run.
        """
        if self.n_trajectories is None:
            if i not in (0, -1):
                raise IndexError(f"this result holds one trajectory; got index {i}.")
            return self
        return StochasticResult(
            t=self.t,
            concentrations=self.concentrations[i],
            species=self.species,
            success=bool(np.all(np.isfinite(self.concentrations[i]))),
            status=self.status,
            message=self.message,
            method=self.method,
            counters=dict(self.counters),
            min_concentration=float(np.nanmin(self.concentrations[i])),
            counts=self.counts[i],
            volume=self.volume,
            n_trajectories=None,
        )

    def mean(self):
        """The mean over trajectories, as a single-trajectory result.

        Concentrations are averaged over the trajectories that reached each
        time; ``counts`` is ``None``. A single trajectory is returned as is.

        Returns
        -------
        StochasticResult
            With ``concentrations`` of shape (n_times, n_species).
        """
        if self.n_trajectories is None:
            return self
        with warnings.catch_warnings():
            # Times no trajectory reached stay NaN without a warning.
            warnings.simplefilter("ignore", RuntimeWarning)
            concentrations = np.nanmean(self.concentrations, axis=0)
        return StochasticResult(
            t=self.t,
            concentrations=concentrations,
            species=self.species,
            success=self.success,
            status=self.status,
            message=f"mean of {self.n_trajectories} trajectories; {self.message}",
            method=self.method,
            counters=dict(self.counters),
            min_concentration=self.min_concentration,
            counts=None,
            volume=self.volume,
            n_trajectories=None,
        )

    def to_csv(self, path):
        """Write a CSV table: ``trajectory`` (if several), ``t``, the species."""
        if self.n_trajectories is None:
            return super().to_csv(path)
        n_traj, n_times, _ = self.concentrations.shape
        table = np.column_stack([
            np.repeat(np.arange(n_traj), n_times),
            np.tile(self.t, n_traj),
            self.concentrations.reshape(n_traj * n_times, -1),
        ])
        header = ",".join(("trajectory", "t") + tuple(self.species))
        np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.12g")


# -- the simulator -------------------------------------------------------------


class StochasticSimulator:
    """A network compiled for repeated stochastic simulation at one volume.

    The network's reactions, clamping and rate constants are read once, at
    construction, into flat index arrays (reactant entries, net changes of
    the free species, and the dependency graph: which propensities a firing
    can change); later edits of the network are not seen. :meth:`run` can
    then be called many times with different initial counts (for instance
    new clamped inputs) at no compilation cost.

    Parameters
    ----------
    network : ReactionNetwork
        The network.
    volume : float, default=1.0
        The volume ``V`` (> 0) converting concentrations to counts.
    method : {"ssa", "tau-leap"}, default="ssa"
        Exact direct method, or tau-leaping.
    epsilon : float, default=0.03
        Tau-leap accuracy in (0, 1), used when ``tau`` is None.
    tau : float, optional
        A fixed leap length for ``"tau-leap"`` instead of the adaptive one
        (still cut at reported times, halved when a count would go negative,
        and with near-exhausted reactions fired exactly). Leaps longer than
        the fastest time scale keep counts non-negative but bias the
        statistics.
    max_steps : int, default=10**8
        Cap on steps per trajectory; a trajectory that reaches it stops with
        ``status=-1`` and a :class:`StepBudgetWarning`.

    Attributes
    ----------
    species : tuple of str
        Species names, in column order.
    clamped : ndarray of bool, shape (n_species,)
        Species whose counts never change.
    rate_constants : ndarray of shape (n_reactions,)
        The deterministic rate constants in use (see
        :meth:`set_rate_constants`).
    propensity_constants : ndarray of shape (n_reactions,)
        ``k_j * V ** (1 - order_j)``, so that a propensity is this constant
        times the falling factorials of the reactant counts.

    Examples
    --------
    >>> from crnlearn import ReactionNetwork
    >>> net = ReactionNetwork()
    >>> net.add_species("A")
    0
    >>> _ = net.add_reaction({}, {"A": 1}, rate=2.0)
    >>> _ = net.add_reaction({"A": 1}, {}, rate=1.0)
    >>> sim = StochasticSimulator(net, volume=50.0)
    >>> res = sim.run([0], 20.0, n_points=3, random_state=0)
    >>> res.counts.shape
    (3, 1)
    >>> int(res.counts[0, 0])
    0
    """

    def __init__(
        self,
        network,
        volume=1.0,
        *,
        method="ssa",
        epsilon=DEFAULT_EPSILON,
        tau=None,
        max_steps=DEFAULT_MAX_STEPS,
    ):
        self.network = network
        self.volume = _check_positive(volume, "volume")
        self.method = _check_method(method)
        self.epsilon = _check_epsilon(epsilon)
        self.tau = _check_positive(tau, "tau", allow_none=True)
        self.max_steps = _check_count(max_steps, "max_steps", 1)
        if network.n_species == 0:
            raise NetworkError("cannot simulate a network with no species.")
        self.species = network.species
        self.clamped = network.clamped
        self._compile()
        self.set_rate_constants(network.rate_constants)

    @property
    def n_species(self):
        return len(self.species)

    @property
    def n_reactions(self):
        return self._order.size

    def _compile(self):
        index = {name: i for i, name in enumerate(self.species)}
        react_ptr, react_species, react_mult, order = [0], [], [], []
        change_ptr, change_species, change_delta = [0], [], []
        for reaction in self.network.reactions:
            delta = {}
            for name, m in reaction.reactants.items():
                react_species.append(index[name])
                react_mult.append(m)
                delta[index[name]] = delta.get(index[name], 0) - m
            for name, m in reaction.products.items():
                delta[index[name]] = delta.get(index[name], 0) + m
            react_ptr.append(len(react_species))
            order.append(sum(reaction.reactants.values()))
            for i in sorted(delta):
                if delta[i] and not self.clamped[i]:
                    change_species.append(i)
                    change_delta.append(delta[i])
            change_ptr.append(len(change_species))

        self._react_ptr = _int64(react_ptr)
        self._react_species = _int64(react_species)
        self._react_mult = _int64(react_mult)
        self._order = _int64(order)
        self._change_ptr = _int64(change_ptr)
        self._change_species = _int64(change_species)
        self._change_delta = _int64(change_delta)
        self._is_free = np.ascontiguousarray(~self.clamped)

        # Reaction j affects reaction l when j changes a reactant of l.
        n_r, n_s = len(order), len(self.species)
        changes = sp.csr_matrix(
            (np.ones(len(change_species)), self._change_species, self._change_ptr),
            shape=(n_r, n_s),
        )
        uses = sp.csr_matrix(
            (np.ones(len(react_species)), self._react_species, self._react_ptr),
            shape=(n_r, n_s),
        )
        self._dep_ptr, self._dep_reactions = _csr_arrays(changes @ uses.T)
        self._compile_groups(changes)

    def _compile_groups(self, changes):
        """Factor each propensity through a hub reactant, for the exact SSA.

        The hub of a reaction is one of its free reactants taken once, the
        one with the most reactions (ties: the first listed); the rest of
        the propensity, ``pi``, is what the dependency graph refreshes. A
        reaction without such a reactant goes to a group with factor 1.
        """
        n_r, n_s = self.n_reactions, self.n_species
        degree = np.bincount(self._react_species, minlength=n_s)
        hub = np.full(n_r, -1, dtype=np.int64)
        pi_ptr, pi_species, pi_mult = [0], [], []
        for j in range(n_r):
            entries = range(self._react_ptr[j], self._react_ptr[j + 1])
            best = -1
            for e in entries:
                s = self._react_species[e]
                if self._react_mult[e] == 1 and self._is_free[s] and (
                    best < 0 or degree[s] > degree[self._react_species[best]]
                ):
                    best = e
            if best >= 0:
                hub[j] = self._react_species[best]
            for e in entries:
                if e != best:
                    pi_species.append(self._react_species[e])
                    pi_mult.append(self._react_mult[e])
            pi_ptr.append(len(pi_species))

        # Groups: one per hub species (in species order), then the hubless.
        group_hub = np.unique(hub[hub >= 0])
        if np.any(hub < 0):
            group_hub = np.append(group_hub, -1)
        group_of_hub = {int(h): g for g, h in enumerate(group_hub)}
        member_group = np.array([group_of_hub[int(h)] for h in hub], dtype=np.int64)
        group_members = np.argsort(member_group, kind="stable")
        n_members = np.bincount(member_group, minlength=group_hub.size)
        group_size = np.ones(group_hub.size, dtype=np.int64)
        for g, m in enumerate(n_members):
            while group_size[g] < m:
                group_size[g] *= 2
        group_offset = np.concatenate([[0], np.cumsum(2 * group_size)])
        members_ptr = np.concatenate([[0], np.cumsum(n_members)])
        rank = np.empty(n_r, dtype=np.int64)
        rank[group_members] = np.arange(n_r) - members_ptr[member_group[group_members]]
        member_leaf = group_offset[member_group] + group_size[member_group] + rank

        self._pi_ptr = _int64(pi_ptr)
        self._pi_species = _int64(pi_species)
        self._pi_mult = _int64(pi_mult)
        self._member_group = _int64(member_group)
        self._member_leaf = _int64(member_leaf)
        self._group_hub = _int64(group_hub)
        self._group_offset = _int64(group_offset)
        self._group_size = _int64(group_size)
        self._group_members_ptr = _int64(members_ptr)
        self._group_members = _int64(group_members)

        # Firing j refreshes pi of the reactions that have a species j
        # changes as a non-hub reactant, and the factor of the groups whose
        # hub it changes.
        uses_pi = sp.csr_matrix(
            (np.ones(len(pi_species)), self._pi_species, self._pi_ptr),
            shape=(n_r, n_s),
        )
        is_hub = group_hub >= 0
        hubs = sp.csr_matrix(
            (np.ones(int(is_hub.sum())), (group_hub[is_hub], np.flatnonzero(is_hub))),
            shape=(n_s, group_hub.size),
        )
        self._dep_pi_ptr, self._dep_pi = _csr_arrays(changes @ uses_pi.T)
        self._dep_hub_ptr, self._dep_hub = _csr_arrays(changes @ hubs)

    def set_rate_constants(self, rate_constants):
        """Replace the rate constants (e.g. to add noise) without recompiling.

        Parameters
        ----------
        rate_constants : array-like of shape (n_reactions,)
            Deterministic rate constants ``k >= 0``, in the network's order.
        """
        k = np.asarray(rate_constants, dtype=float)
        if k.shape != (self.n_reactions,):
            raise NetworkError(
                f"rate_constants must have shape ({self.n_reactions},); got "
                f"{k.shape}."
            )
        if not np.all(np.isfinite(k)) or np.any(k < 0):
            raise NetworkError("rate_constants must be finite and >= 0.")
        self.rate_constants = k
        self.propensity_constants = np.ascontiguousarray(
            k * self.volume ** (1.0 - self._order)
        )

    def counts_from_concentrations(self, concentrations=None):
        """Molecule counts ``rint(c * V)`` of a concentration state.

        Parameters
        ----------
        concentrations : mapping of str to float, or array-like of shape \
(n_species,), optional
            As ``initial`` in :func:`crnlearn.simulate`; ``None`` gives the
            network's initial state.

        Returns
        -------
        ndarray of int64, shape (n_species,)

        Warns
        -----
        CountRoundingWarning
            When a positive concentration rounds to zero molecules.
        """
        c = self.network.state(concentrations)
        scaled = c * self.volume
        if np.any(scaled > MAX_COUNT):
            name = self.species[int(np.argmax(scaled))]
            raise NetworkError(
                f"concentration of {name!r} times volume {self.volume:g} is "
                f"{scaled.max():.3g} molecules, above the exact limit 2**53; "
                f"lower the volume."
            )
        counts = np.rint(scaled).astype(np.int64)
        lost = (c > 0) & (counts == 0)
        if np.any(lost):
            names = [self.species[i] for i in np.flatnonzero(lost)]
            warnings.warn(
                f"{len(names)} species with a positive concentration hold less "
                f"than half a molecule at volume {self.volume:g} and start at 0 "
                f"(e.g. {names[:3]}); raise the volume to keep them.",
                CountRoundingWarning,
                stacklevel=2,
            )
        return counts

    def _check_initial_counts(self, counts):
        if counts is None:
            return self.counts_from_concentrations(None)
        if (
            isinstance(counts, np.ndarray)
            and counts.dtype == np.int64
            and counts.shape == (self.n_species,)
            and (counts.size == 0 or counts.min() >= 0)
        ):
            return counts.copy()  # the learner's fast path: counts from a run
        raw = np.asarray(counts)
        if raw.shape != (self.n_species,):
            raise NetworkError(
                f"initial_counts must have shape ({self.n_species},) (one count "
                f"per species); got shape {raw.shape}."
            )
        values = raw.astype(float)
        bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
        bad |= values > MAX_COUNT
        if np.any(bad):
            raise NetworkError(
                "initial_counts must be whole numbers in [0, 2**53]; got "
                f"{raw[bad][:3]} among them."
            )
        return values.astype(np.int64)

    def propensities(self, counts):
        """Propensities of every reaction at the given counts.

        Parameters
        ----------
        counts : array-like of int, shape (n_species,)

        Returns
        -------
        ndarray of shape (n_reactions,)
        """
        x = self._check_initial_counts(counts)
        return _kernels().propensities(
            x,
            self.propensity_constants,
            self._react_ptr,
            self._react_species,
            self._react_mult,
        )

    def _simulate(self, x, t_eval, rng):
        """One trajectory from counts ``x`` (modified in place)."""
        kernels = _kernels()
        out = np.empty((t_eval.size, self.n_species), dtype=np.int64)
        if self.method == "ssa":
            status, n_fired, n_recorded = kernels.ssa_direct(
                x, t_eval, self.propensity_constants,
                self._pi_ptr, self._pi_species, self._pi_mult,
                self._change_ptr, self._change_species, self._change_delta,
                self._member_group, self._member_leaf, self._group_hub,
                self._group_offset, self._group_size, self._group_members_ptr,
                self._group_members, self._dep_pi_ptr, self._dep_pi,
                self._dep_hub_ptr, self._dep_hub, self.max_steps, rng, out,
            )
            counters = {
                "reactions_fired": n_fired, "steps": n_fired, "exact_steps": n_fired,
                "leaps": 0, "rejected_leaps": 0,
            }
        else:
            status, n_fired, n_leaps, n_exact, n_rejected, n_recorded = (
                kernels.tau_leap(
                    x, t_eval, self.propensity_constants, self._order,
                    self._react_ptr, self._react_species, self._react_mult,
                    self._change_ptr, self._change_species, self._change_delta,
                    self._dep_ptr, self._dep_reactions, self._is_free,
                    self.epsilon, self.tau if self.tau is not None else -1.0,
                    N_CRITICAL, EXACT_SWITCH, N_EXACT_BURST, self.max_steps,
                    rng, out,
                )
            )
            counters = {
                "reactions_fired": n_fired, "steps": n_leaps + n_exact,
                "exact_steps": n_exact, "leaps": n_leaps,
                "rejected_leaps": n_rejected,
            }
        out[n_recorded:] = -1
        return out, int(status), {k: int(v) for k, v in counters.items()}

    def _result(self, t_eval, outs, statuses, counters, n_trajectories):
        counts = np.stack(outs) if n_trajectories is not None else outs[0]
        concentrations = counts / self.volume
        failed = sum(s != 0 for s in statuses)
        if failed:
            concentrations[counts < 0] = np.nan
            message = (
                f"{failed} of {len(statuses)} trajectories used up max_steps="
                f"{self.max_steps} before t={t_eval[-1]:g}; later times are NaN"
            )
            warnings.warn(
                message + "; raise max_steps or check the network for explosive "
                "growth.",
                StepBudgetWarning,
                stacklevel=3,
            )
        else:
            message = f"reached t={t_eval[-1]:g}"
        reached = counts[counts >= 0] if failed else counts
        min_c = float(reached.min()) / self.volume if reached.size else 0.0
        return StochasticResult(
            t=t_eval.copy(),
            concentrations=concentrations,
            species=self.species,
            success=failed == 0,
            status=-1 if failed else 0,
            message=message,
            method=self.method,
            counters=counters,
            min_concentration=min_c,
            negative_species=(),
            counts=counts,
            volume=self.volume,
            n_trajectories=n_trajectories,
        )

    def run(
        self, initial_counts, t_end, *, t_eval=None, n_points=201, random_state=None
    ):
        """Simulate one trajectory from given molecule counts.

        Parameters
        ----------
        initial_counts : array-like of int, shape (n_species,), or None
            Counts at time 0, clamped species included (they keep theirs);
            ``None`` rounds the network's initial concentrations.
        t_end : float
            End time (> 0).
        t_eval : array-like of shape (n_times,), optional
            Increasing report times in ``[0, t_end]``; default ``n_points``
            evenly spaced. The run stops after the last one.
        n_points : int, default=201
            Number of report times when ``t_eval`` is not given.
        random_state : None, int, SeedSequence or Generator
            A ``Generator`` is used as it is and advanced, so consecutive
            calls continue one random stream; anything else seeds a new one.

        Returns
        -------
        StochasticResult
            With arrays of shape (n_times, n_species).
        """
        x = self._check_initial_counts(initial_counts)
        t_eval = _check_times(t_end, t_eval, n_points)
        rng = _as_generator(random_state)
        out, status, counters = self._simulate(x, t_eval, rng)
        return self._result(t_eval, [out], [status], counters, None)

    def __repr__(self):
        return (
            f"StochasticSimulator(network={self.network.name!r}, volume="
            f"{self.volume:g}, method={self.method!r}, n_species={self.n_species}, "
            f"n_reactions={self.n_reactions})"
        )


def simulate_stochastic(
    network,
    t_end,
    *,
    method="ssa",
    volume=1.0,
    n_trajectories=None,
    initial=None,
    t_eval=None,
    n_points=201,
    random_state=None,
    epsilon=DEFAULT_EPSILON,
    tau=None,
    max_steps=DEFAULT_MAX_STEPS,
):
    """Simulate a network stochastically, exactly (SSA) or by tau-leaping.

    Concentrations are turned into counts ``n = rint(c * V)`` (nearest
    integer, ties to even); propensities follow the stochastic mass-action
    law of this module; reported concentrations are ``counts / V``. Clamped
    species keep their counts.

    Parameters
    ----------
    network : ReactionNetwork
        The network.
    t_end : float
        End time (> 0); the run starts at 0.
    method : {"ssa", "tau-leap"}, default="ssa"
        Gillespie's exact direct method, or adaptive (or fixed-step)
        tau-leaping that never produces negative counts.
    volume : float, default=1.0
        The volume ``V`` (> 0).
    n_trajectories : int or None, default=None
        ``None``: one trajectory, arrays of shape (n_times, n_species), as
        :func:`crnlearn.simulate`. An int ``n >= 1``: ``n`` independent
        trajectories, arrays of shape (n, n_times, n_species).
    initial : mapping of str to float, or array-like of shape (n_species,), optional
        Concentrations replacing the network's initial ones.
    t_eval : array-like of shape (n_times,), optional
        Increasing report times in ``[0, t_end]``; default ``n_points``
        evenly spaced. The state reported at ``s`` includes every reaction
        at times ``<= s``.
    n_points : int, default=201
        Number of report times when ``t_eval`` is not given.
    random_state : None, int, SeedSequence or Generator
        Trajectory ``i`` uses ``default_rng(trajectory_seeds(random_state,
        n)[i])``: the same seed gives the same numbers, and with an int seed
        trajectory ``i`` does not depend on ``n``.
    epsilon : float, default=0.03
        Tau-leap accuracy (largest relative change of a propensity per
        leap), when ``tau`` is None.
    tau : float, optional
        Fixed leap length for ``"tau-leap"``. A leap longer than the
        fastest time scale (``k * tau > 1`` for a first-order decay) is
        unstable: rejection still keeps counts non-negative, but the
        statistics are then biased; prefer the adaptive step.
    max_steps : int, default=10**8
        Cap on steps per trajectory.

    Returns
    -------
    StochasticResult
        ``counters`` holds the total reactions fired, steps, exact steps,
        leaps and rejected leaps over all trajectories.

    Warns
    -----
    CountRoundingWarning
        When a positive concentration rounds to zero molecules.
    StepBudgetWarning
        When a trajectory reaches ``max_steps`` before its last time point.

    See Also
    --------
    StochasticSimulator : compile once, run many times from given counts.
    crnlearn.simulate : the deterministic rate equations.

    Examples
    --------
    >>> from crnlearn import ReactionNetwork
    >>> net = ReactionNetwork()
    >>> for name, c0 in [("A", 1.0), ("B", 1.0), ("C", 0.0)]:
    ...     _ = net.add_species(name, initial=c0)
    >>> _ = net.add_reaction(["A", "B"], ["C"], rate=1.0)
    >>> res = simulate_stochastic(net, 1.0, volume=1000, n_trajectories=4,
    ...                           n_points=11, random_state=0)
    >>> res.concentrations.shape
    (4, 11, 3)
    >>> bool(abs(res["C"][:, -1].mean() - 0.5) < 0.05)
    True
    """
    n = None if n_trajectories is None else _check_count(
        n_trajectories, "n_trajectories", 1
    )
    simulator = StochasticSimulator(
        network, volume, method=method, epsilon=epsilon, tau=tau, max_steps=max_steps
    )
    t_eval = _check_times(t_end, t_eval, n_points)
    x0 = simulator.counts_from_concentrations(initial)
    seeds = trajectory_seeds(random_state, 1 if n is None else n)

    logger.debug(
        "simulating %r stochastically to t=%g with %s at volume %g "
        "(%d trajectories, %d species, %d reactions)",
        network.name, t_eval[-1], method, simulator.volume, len(seeds),
        network.n_species, network.n_reactions,
    )
    outs, statuses = [], []
    totals = dict.fromkeys(
        ("reactions_fired", "steps", "exact_steps", "leaps", "rejected_leaps"), 0
    )
    for seed in seeds:
        out, status, counters = simulator._simulate(
            x0.copy(), t_eval, np.random.default_rng(seed)
        )
        outs.append(out)
        statuses.append(status)
        for key, value in counters.items():
            totals[key] += value
    return simulator._result(t_eval, outs, statuses, totals, n)
