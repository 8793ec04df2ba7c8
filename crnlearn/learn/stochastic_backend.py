"""Learning at finite molecule counts: the learning network simulated stochastically.

At volume ``V`` every species of the learning network holds whole
molecules: a weight ``w`` is the count ``n_W = rint(w V)``, an input ``x_i``
the count ``rint(x_i V)`` and a teacher ``L_c = 1`` the count ``rint(V)``.
:func:`train_stochastic` presents the samples one after the other, as the
deterministic chemistry backend does: the inputs and teachers of a sample
are clamped (reservoirs whose counts never change) for the presentation
time ``tau``, the free counts (weights, outputs) evolve under the
stochastic mass-action law of :mod:`crnlearn.crn.stochastic` and carry over
to the next sample. The learned weights are the counts divided by ``V``;
they converge to the deterministic ones as ``V`` grows, with fluctuations
of order ``1 / sqrt(V)``.

The read-out and the cost of exactness
--------------------------------------
The read-out ``S + W -> S + W + Y`` and the decay ``Y -> 0`` run at the
read-out rate ``k_y``, which is much faster than learning (``k_y / eta =
5e5`` at the classifier's defaults). An exact simulation of the whole
network spends almost all its firings there: about ``2 k_y V y_c tau`` per
class and sample, against ``~ 2 eta V y_c tau`` learning firings. Two
read-outs are offered (option ``readout``):

``"averaged"`` (default)
    The slow-scale reduction [1]_. Given the weights and the clamped
    inputs, ``Y_c`` is an immigration-death process whose stationary law is
    Poisson with mean ``sum_T phi_T n_T`` (``phi_T`` from the input counts).
    It relaxes in ``1 / k_y``, long before the next learning firing, so the
    normalising reactions, whose propensities are linear in ``Y_c``, fire at
    their propensity averaged over that law. This is written as a network of
    ordinary mass-action reactions, simulated by the same engine: each
    normalising reaction ``L + Y + W_S -> L + Y`` becomes ``L + T + W_T +
    W_S -> L + T + W_T`` for every complex ``T`` (the ``"complexes"``
    normalisation of :func:`~crnlearn.learn.network.build_learning_network`,
    ``K^2`` reactions per class), plus ``L + S + W_S -> L + S`` at rate
    ``eta a / V``: the ``T = S`` reaction, bimolecular in ``W_S``, fires
    with ``n_S (n_S - 1)`` where the average of ``Y`` gives ``n_S ** 2``
    (penalty reactions likewise). The read-out and decay reactions are left
    out; ``Y_c`` is drawn from its Poisson law at the end. The neglected
    correlation between ``Y`` and the weights is of relative order
    ``eta / k_y``, the quasi-steady-state gap of the deterministic chemistry
    backend, far below the ``1 / sqrt(V)`` counting noise; the cost per
    sample is proportional to ``eta V`` and does not depend on ``k_y``.
    With ``normalisation="complexes"`` the normalising reactions do not read
    ``Y`` at all and the reduction only drops the read-out: it is exact.
``"explicit"``
    The learning network of the classifier exactly as built, read-out and
    decay included. Exact, and the reference for the reduction, but its
    cost grows with ``k_y V``: minutes per sample at the defaults for
    ``V`` in the thousands.

Exact SSA or tau-leaping
------------------------
``method="ssa"`` is Gillespie's exact direct method; ``"tau-leap"`` is
adaptive tau-leaping (accuracy ``epsilon``, which falls back to exact steps
when leaps would hold few firings, so counts stay exact where they are
small). The default, ``"auto"``, takes exact SSA unless a presentation is
expected to fire more reactions than :data:`AUTO_LEAP_FIRINGS_PER_REACTION`
times the number of reactions (estimated from the fluxes of the first
samples): then a leap, which costs about one pass over the reactions, is
cheaper than the exact firings, and tau-leaping is used. On the digits
with the averaged read-out this switches at ``V`` of order ``1e6``.

Prediction is not changed by this backend: the classifier scores a sample
with the deterministic ``y_c = sum_S w_{c,S} phi_S(x)`` of the learned
weights. :func:`stochastic_readout` draws the output counts instead (one
snapshot of the read-out at volume ``V``), for studies of a fully
molecular classifier.

Options (``problem.options``)
-----------------------------
``volume`` (required, > 0), ``random_state`` (None, int, SeedSequence or
Generator), ``normalisation`` (``"output"`` or ``"complexes"``),
``readout`` (``"averaged"`` or ``"explicit"``), ``method`` (``"auto"``,
``"ssa"`` or ``"tau-leap"``), ``epsilon`` (tau-leap accuracy) and
``max_steps`` (per presentation).

References
----------
.. [1] Y. Cao, D. T. Gillespie, L. R. Petzold, "The slow-scale stochastic
   simulation algorithm", J. Chem. Phys. 122 (2005) 014116.
"""

import logging
import numbers
import warnings

import numpy as np

from ..crn.network import ReactionNetwork
from ..crn.stochastic import (
    DEFAULT_EPSILON,
    DEFAULT_MAX_STEPS,
    StepBudgetWarning,
    StochasticSimulator,
)
from .network import NORMALISATIONS, problem_network

__all__ = [
    "AUTO_LEAP_FIRINGS_PER_REACTION",
    "READOUTS",
    "STOCHASTIC_TRAINING_METHODS",
    "build_stochastic_learning_network",
    "stochastic_readout",
    "train_stochastic",
]

logger = logging.getLogger(__name__)

#: How the read-out is simulated (see the module docstring).
READOUTS = ("averaged", "explicit")
#: Simulation methods of the backend; "auto" picks one of the other two.
STOCHASTIC_TRAINING_METHODS = ("auto", "ssa", "tau-leap")
#: "auto" leaps when a presentation is expected to fire more than this many
#: reactions per reaction of the network: an exact firing costs about a
#: hundred operations, a leap a pass over every reaction, and a presentation
#: takes a few leaps, so the two cost about the same there.
AUTO_LEAP_FIRINGS_PER_REACTION = 1.0
#: Samples whose fluxes "auto" averages to estimate the firings per
#: presentation.
AUTO_PROBE_SAMPLES = 32
#: Options the backend reads; anything else is an error.
KNOWN_OPTIONS = (
    "volume", "random_state", "normalisation", "readout", "method", "epsilon",
    "max_steps",
)


# -- validation ----------------------------------------------------------------


def _check_volume(volume):
    if volume is None:
        raise ValueError(
            "the stochastic backend needs a volume (molecules per unit "
            "concentration); got volume=None. Set CRNClassifier(volume=...) to a "
            "number > 0, e.g. 1000."
        )
    if isinstance(volume, bool) or not isinstance(volume, numbers.Real):
        raise ValueError(f"volume must be a number > 0; got {volume!r}.")
    volume = float(volume)
    if not np.isfinite(volume) or volume <= 0:
        raise ValueError(f"volume must be finite and > 0; got {volume!r}.")
    return volume


def _check_choice(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}.")
    return value


def _read_options(options):
    unknown = sorted(set(options) - set(KNOWN_OPTIONS))
    if unknown:
        raise ValueError(
            f"unknown options of the stochastic backend: {unknown}; the known "
            f"ones are {list(KNOWN_OPTIONS)}."
        )
    return {
        "volume": _check_volume(options.get("volume")),
        "random_state": options.get("random_state"),
        "normalisation": _check_choice(
            options.get("normalisation", "output"), "normalisation", NORMALISATIONS
        ),
        "readout": _check_choice(
            options.get("readout", "averaged"), "readout", READOUTS
        ),
        "method": _check_choice(
            options.get("method", "auto"), "method", STOCHASTIC_TRAINING_METHODS
        ),
        "epsilon": options.get("epsilon", DEFAULT_EPSILON),
        "max_steps": options.get("max_steps", DEFAULT_MAX_STEPS),
    }


# -- the network ---------------------------------------------------------------


def build_stochastic_learning_network(problem, volume, readout="averaged",
                                      normalisation="output"):
    """The network the stochastic backend simulates for a training problem.

    Parameters
    ----------
    problem : TrainingProblem
        Supplies the complexes, sizes, rate constants and initial weights.
    volume : float
        The volume ``V`` (> 0); the averaged read-out's ``T = S`` reactions
        have rate constants ``eta a / V`` and ``eta b / V``.
    readout : {"averaged", "explicit"}, default="averaged"
        Average the read-out out (slow-scale reduction) or keep it.
    normalisation : {"output", "complexes"}, default="output"
        The normalising reactions of the network being simulated.

    Returns
    -------
    network : ReactionNetwork
        Same species, in the same order, as
        :func:`~crnlearn.learn.network.build_learning_network`.
    layout : NetworkLayout

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(complexes=[(0,), (1,)], n_features=2, n_classes=2,
    ...     dual_rail=False, weights=None, learning_rate=0.1, reward=1.0,
    ...     penalty=1.0, readout_rate=100.0)
    >>> net, layout = build_stochastic_learning_network(p, 100.0)
    >>> net.n_reactions  # per class: 2 reward, 2 penalty, 2 * (4 + 2) normalising
    32
    """
    volume = _check_volume(volume)
    _check_choice(readout, "readout", READOUTS)
    _check_choice(normalisation, "normalisation", NORMALISATIONS)
    build = "complexes" if readout == "averaged" else normalisation
    full, layout = problem_network(problem, build, name="crn_classifier_stochastic")
    if readout == "explicit":
        return full, layout

    network = ReactionNetwork(full.name)
    for name, c0, clamped in zip(
        full.species, full.initial_concentrations, full.clamped, strict=True
    ):
        network.add_species(name, c0, clamped)
    for reaction in full.reactions:
        if reaction.name.startswith(("readout_", "decay_")):
            continue
        network.add_reaction(
            reaction.reactants, reaction.products, reaction.rate, reaction.name
        )
    if normalisation == "output":
        # Average of Y over its Poisson law gives n_S ** 2 where the T = S
        # reaction fires with n_S (n_S - 1): these reactions add n_S.
        species = full.species
        eta_a = problem.learning_rate * problem.reward / volume
        eta_b = problem.learning_rate * problem.penalty / volume
        inputs = [species[i] for i in layout.inputs]
        for c in range(problem.n_classes):
            L = species[layout.teachers[c]]
            Lbar = species[layout.anti_teachers[c]]
            for k, s in enumerate(problem.complexes):
                W = species[layout.weights[c, k]]
                S = [inputs[i] for i in s]
                tag = f"{c}_" + "_".join(str(int(i)) for i in s)
                network.add_reaction(
                    [L, *S, W], [L, *S], eta_a, f"normreward_{tag}_self"
                )
                network.add_reaction(
                    [Lbar, *S, W], [Lbar, *S, W, W], eta_b, f"normpenalty_{tag}_self"
                )
    return network, layout


def _expected_outputs(input_counts, weight_counts, complexes, volume):
    """Mean output counts ``sum_T phi_T n_T`` of each class; shape (n_classes,)."""
    phi = np.array(
        [np.prod(input_counts[list(s)] / volume) for s in complexes], dtype=float
    )
    return weight_counts @ phi


def stochastic_readout(fluxes, weights, volume, random_state=None):
    """Predicted classes from one snapshot of the read-out at volume ``V``.

    At steady state the output count of class ``c`` is Poisson with mean
    ``V y_c``, ``y_c = sum_S w_{c,S} phi_S``; the predicted class is the
    largest count, ties broken uniformly at random. Pass fluxes computed
    from input counts (``rint(x V) / V``) for a fully molecular read-out.

    Parameters
    ----------
    fluxes : array-like of shape (n_samples, n_reactions)
        ``phi_S`` of each sample.
    weights : array-like of shape (n_classes, n_reactions)
        Weight concentrations.
    volume : float
        The volume ``V`` (> 0).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of int of shape (n_samples,)
        Class indices.

    Examples
    --------
    >>> stochastic_readout([[1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]], 1e6, 0)
    array([1])
    """
    volume = _check_volume(volume)
    rng = np.random.default_rng(random_state)
    scores = np.asarray(fluxes, dtype=float) @ np.asarray(weights, dtype=float).T
    counts = rng.poisson(np.maximum(scores, 0.0) * volume)
    # Random tie-breaking: a uniform jitter below one molecule.
    return np.argmax(counts + rng.random(counts.shape), axis=1)


# -- training ------------------------------------------------------------------


def _choose_method(method, network, layout, problem, volume, input_counts, teacher):
    """``"auto"``: exact SSA unless a presentation fires many reactions."""
    if method != "auto":
        return method
    n_probe = min(problem.n_rounds, AUTO_PROBE_SAMPLES)
    states = np.tile(network.initial_concentrations, (n_probe, 1))
    states[:, layout.inputs] = input_counts[:n_probe] / volume
    for m in range(n_probe):
        L, Lbar = layout.teacher_values(problem.targets[m], problem.n_classes)
        states[m, layout.teachers] = L * teacher / volume
        states[m, layout.anti_teachers] = Lbar * teacher / volume
    firings = volume * network.flux(states).sum(axis=1).mean()
    firings *= problem.presentation_time
    leap = firings > AUTO_LEAP_FIRINGS_PER_REACTION * network.n_reactions
    logger.debug(
        "stochastic backend: ~%.3g firings per presentation, %d reactions: %s",
        firings, network.n_reactions, "tau-leap" if leap else "ssa",
    )
    return "tau-leap" if leap else "ssa"


def train_stochastic(problem):
    """Train the learning network at finite molecule counts, sample after sample.

    Each sample clamps the input counts ``rint(x V)`` and the teacher counts
    (``rint(V)`` for ``L`` of its class and ``Lbar`` of the others, 0 for
    the rest) for the presentation time ``tau``; the weight (and, with the
    explicit read-out, output) counts carry over. The returned weights are
    counts divided by ``V``; they do not sum to exactly 1 per class, and a
    weight that reaches zero molecules is gone for good (autocatalysis needs
    one molecule). See the module docstring for the read-out and the
    methods.

    Parameters
    ----------
    problem : TrainingProblem
        ``problem.options`` must hold ``volume``; see the module docstring
        for the other options.

    Returns
    -------
    TrainingResult
        ``weight_history`` holds the weights (counts / V) in force at each
        sample; ``outputs`` the output counts / V after the last one (drawn
        from their Poisson law with the averaged read-out); ``counters`` the
        presentations, reactions fired, exact steps, leaps and rejected
        leaps, and ``tau_leap`` (1 when tau-leaping was used).

    Raises
    ------
    ValueError
        When the volume is missing or not a positive number, or an option is
        unknown or has a value not allowed.
    RuntimeError
        When a presentation uses up ``max_steps``.
    """
    from .backends import TrainingResult, expert_gains  # backends imports us

    options = _read_options(problem.options)
    volume = options["volume"]
    network, layout = build_stochastic_learning_network(
        problem, volume, options["readout"], options["normalisation"]
    )
    rng = np.random.default_rng(options["random_state"])

    # Counts of the clamped species, for every sample at once.
    input_counts = np.rint(np.asarray(problem.inputs, dtype=float) * volume).astype(
        np.int64
    )
    teacher = int(np.rint(volume))
    method = _choose_method(
        options["method"], network, layout, problem, volume, input_counts, teacher
    )
    simulator = StochasticSimulator(
        network, volume, method=method, epsilon=options["epsilon"],
        max_steps=options["max_steps"],
    )
    start = network.initial_concentrations
    start[layout.outputs] = problem.outputs
    counts = simulator.counts_from_concentrations(start)

    n_classes, n_reactions = layout.weights.shape
    tau = float(problem.presentation_time)
    t_eval = np.array([tau])
    history = np.empty((problem.n_rounds, n_classes, n_reactions))
    counters = dict.fromkeys(
        ("presentations", "reactions_fired", "exact_steps", "leaps", "rejected_leaps"),
        0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=StepBudgetWarning)
        for m in range(problem.n_rounds):
            target = problem.targets[m]
            counts[layout.inputs] = input_counts[m]
            counts[layout.teachers] = 0
            counts[layout.teachers[target]] = teacher
            counts[layout.anti_teachers] = teacher
            counts[layout.anti_teachers[target]] = 0
            history[m] = counts[layout.weights] / volume
            try:
                run = simulator.run(counts, tau, t_eval=t_eval, random_state=rng)
            except StepBudgetWarning as exc:
                raise RuntimeError(
                    f"the stochastic backend stopped at sample {m}: {exc}"
                ) from None
            counts = run.counts[-1]
            counters["presentations"] += 1
            for key in ("reactions_fired", "exact_steps", "leaps", "rejected_leaps"):
                counters[key] += run.counters[key]
    counters["tau_leap"] = int(method == "tau-leap")

    weights = counts[layout.weights] / volume
    if options["readout"] == "averaged" and problem.n_rounds:
        mean = _expected_outputs(
            input_counts[-1], counts[layout.weights], problem.complexes, volume
        )
        outputs = rng.poisson(mean) / volume
    else:
        outputs = counts[layout.outputs] / volume
    gains = expert_gains(
        problem.fluxes, problem.targets, n_classes, problem.reward, problem.penalty
    )
    logger.debug("stochastic backend (%s, V=%g): %s", method, volume, counters)
    return TrainingResult(
        weights=weights,
        weight_history=history,
        gains=gains,
        cumulative_gains=problem.cumulative_gains + gains.sum(axis=0),
        outputs=outputs,
        counters=counters,
    )
