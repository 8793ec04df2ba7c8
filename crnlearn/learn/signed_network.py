"""The reaction network of the signed, success-driven learner.

:class:`~crnlearn.learn.signed.SignedCRNClassifier` learns with the network
built here. It keeps the single layer of the paper's learning network (one
reaction per class and reactant complex reads the inputs out) and changes
how the weights learn:

- every expert (a reactant complex ``S``) has, per class ``c``, a positive
  and a negative weight species ``Wp_c_k`` and ``Wn_c_k``, which feed the
  two rails ``Yp_c`` and ``Yn_c`` of the class output; the rails annihilate,
  so their difference ``y_c = Yp_c - Yn_c`` is the class score, and an
  expert can vote against a class;
- the weights learn from the network's own normalised output: a softmax
  ``p = softmax(beta * y)`` computed by the reactions (below), so that the
  gain of expert ``S`` for class ``c`` on a presented sample is
  ``g_{c,S} = (L_c - p_c) * phi_S(x)`` with ``L_c`` the teacher. This is the
  exponentiated gradient with positive and negative weights (EG+-) on the
  cross-entropy of the softmax output.

Presentation protocol
---------------------
A sample is presented in three phases, each set by clamped clock species
that the environment switches, as it switches the inputs and the teachers:

``reset`` (clock ``Reset`` = 1, duration ``tau``)
    The inputs are clamped at the new sample. The output rails settle to
    the new scores, the prediction species ``P_c`` relax to ``1/C``
    (``Reset + P_c -> Reset``, ``Reset -> Reset + P_c``) and the error gates
    ``E_c`` decay.
``read`` (clock ``Read`` = 1, duration ``tau``)
    The prediction species follow the replicator equation
    ``dP_c/dt = k_q P_c (y_c - sum_j P_j y_j)`` (autocatalysis by the
    positive rail, decay by the negative rail, and order-4 normalising
    reactions with the other classes). With the scores constant, the
    solution from ``P = 1/C`` is exactly ``P = softmax(k_q * tau * y)``:
    an exponential made by autocatalysis over the phase, normalised
    because the replicator equation conserves ``sum_c P_c = 1``.
    ``beta = k_q * tau`` is the softmax inverse temperature.
``learn`` (clock ``Learn`` = 1, teacher ``L_c`` clamped 1 for the true
class, duration ``tau``)
    ``P`` is frozen (its reactions need ``Reset`` or ``Read``). The error
    gates ``E_c`` rise to ``P_c`` (``Learn + P_c -> Learn + P_c + E_c``,
    ``E_c -> 0``), so the gain signal is the dual-rail pair
    ``(L_c, E_c)``, worth ``L_c - p_c``. Each weight grows or decays
    catalytically with its complex and the gain rails, and is normalised
    through the aggregate gain rails ``Ap_c, An_c`` (which settle to
    ``L_c Yp_c + E_c Yn_c`` and ``L_c Yn_c + E_c Yp_c``, a difference of
    ``(L_c - p_c) y_c``). The weights obey the replicator equation of
    2K experts with gains ``+g`` and ``-g``; it conserves
    ``sum_S Wp_c_S + Wn_c_S = 1`` and presenting the sample for ``tau``
    multiplies ``Wp`` by ``exp(eta tau g)`` and ``Wn`` by ``exp(-eta tau g)``
    before renormalising: the EG+- update, exactly.

The closed form is exact when the fast reactions (read-out, gates,
aggregate gains, reset, with rate constants proportional to ``s / tau``,
``s`` the time-scale separation) settle instantly. At finite ``s`` the
error gates lag behind the learning clock (at the start of a learning
phase, and into the next reset phase), and the outputs lag behind the
weights they read while those learn; each presentation then moves the
weights off the closed form by ``O(1 / s)``, and each class's total
weight off 1 by ``O(eta^2 tau^2 / s)``. The tests measure both shrinking
as ``s`` grows.

Reactions (``S`` is the complex's input species, a catalyst everywhere;
rate constants with ``k_f = s / tau``, ``k_q = beta / tau``):

==================  ==================================================  =========
name                reaction                                            rate
==================  ==================================================  =========
read-out            S + Wp_c_k -> S + Wp_c_k + Yp_c (also Wn, Yn)       k_f
decay               Yp_c -> 0, Yn_c -> 0                                k_f
annihilation        Yp_c + Yn_c -> 0                                    100 k_f
reset               Reset + P_c -> Reset; Reset -> Reset + P_c          k_f, k_f/C
softmax growth      Read + Yp_c + P_c -> Read + Yp_c + 2 P_c            k_q
softmax decay       Read + Yn_c + P_c -> Read + Yn_c                    k_q
softmax normalise   Read + Yp_j + P_j + P_c -> Read + Yp_j + P_j        k_q
                    Read + Yn_j + P_j + P_c -> Read + Yn_j + P_j + 2P_c k_q
error gate          Learn + P_c -> Learn + P_c + E_c; E_c -> 0          10 k_f
aggregate gain      L_c + Yp_c -> L_c + Yp_c + Ap_c (E_c + Yn_c too)    k_f
                    L_c + Yn_c -> L_c + Yn_c + An_c (E_c + Yp_c too)    k_f
                    Ap_c -> 0, An_c -> 0                                k_f
reward              L_c + S + Wp -> L_c + S + 2 Wp                      eta
                    E_c + S + Wn -> E_c + S + 2 Wn                      eta
penalty             E_c + S + Wp -> E_c + S; L_c + S + Wn -> L_c + S    eta
normalise           Ap_c + W -> Ap_c; An_c + W -> An_c + 2 W (W = Wp,   eta
                    Wn)
==================  ==================================================  =========

That is ``10 C K`` reactions for the experts plus ``2 C^2 + 15 C``, and
``2 C K + 6 C`` species besides the inputs, the 3 clocks and the ``C``
teachers.
"""

import logging
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..crn import ReactionNetwork, simulate

__all__ = [
    "PHASES",
    "SignedNetworkLayout",
    "SignedRates",
    "build_signed_network",
    "chemical_probabilities",
    "present_samples",
]

logger = logging.getLogger(__name__)

#: The three phases of one presentation, in order.
PHASES = ("reset", "read", "learn")
#: Clock species of each phase.
CLOCKS = {"reset": "Reset", "read": "Read", "learn": "Learn"}
#: Solver round-off below zero that is set to 0 between phases (the engine
#: rejects negative states); anything lower is an error, not round-off.
ROUNDOFF = 1e-9
#: ODE method of the presentations: the network is stiff (fast and slow
#: reactions) and large, so a stiff method with a sparse Jacobian.
CHEMISTRY_METHOD = "BDF"
#: Annihilation of the output rails is this much faster than the other fast
#: reactions, so that at steady state the smaller rail of each pair is about
#: 1 % of the larger one's production: the rails hold ``max(y, 0)`` and
#: ``max(-y, 0)`` rather than the two sums of weighted fluxes.
ANNIHILATION_FACTOR = 100.0
#: The error gates open and close this much faster than the other fast
#: reactions. A gate lags ``1 / rate`` behind the learning clock, at the start
#: of a learning phase and into the next sample's reset phase; both cost
#: errors of order ``1 / (rate * tau)`` per presentation.
GATE_FACTOR = 10.0
#: Solver tolerances of the presentations.
CHEMISTRY_RTOL = 1e-7
CHEMISTRY_ATOL = 1e-10


@dataclass(frozen=True)
class SignedRates:
    """Rate constants and phase durations of the signed learning network.

    Parameters
    ----------
    learning_rate : float
        ``eta``: rate constant of the reward and penalty reactions; one
        presentation updates the weights with EG+- learning rate
        ``eta * presentation_time``.
    inverse_temperature : float
        ``beta``: the read phase computes ``softmax(beta * y)``.
    presentation_time : float
        ``tau``: the duration of each of the three phases.
    separation : float
        ``s``: the fast reactions have rate constant ``s / tau``.
    """

    learning_rate: float
    inverse_temperature: float
    presentation_time: float = 1.0
    separation: float = 1000.0

    @property
    def fast(self):
        """Rate constant of the fast reactions, ``s / tau``."""
        return self.separation / self.presentation_time

    @property
    def softmax_rate(self):
        """Rate constant of the softmax reactions, ``beta / tau``."""
        return self.inverse_temperature / self.presentation_time


@dataclass(frozen=True)
class SignedNetworkLayout:
    """Where the species of a signed learning network sit in its state.

    Attributes
    ----------
    inputs : ndarray of int of shape (n_inputs,)
        The input species (clamped).
    clocks : dict of str to int
        The clock species of each phase (clamped).
    teachers : ndarray of int of shape (n_classes,)
        ``L_c`` (clamped).
    output_positive, output_negative : ndarray of int of shape (n_classes,)
        ``Yp_c`` and ``Yn_c``.
    prediction : ndarray of int of shape (n_classes,)
        ``P_c``: the softmax after a read phase.
    error : ndarray of int of shape (n_classes,)
        ``E_c``: the error gates.
    gain_positive, gain_negative : ndarray of int of shape (n_classes,)
        ``Ap_c`` and ``An_c``: the aggregate gain rails.
    weights_positive, weights_negative : ndarray of int of shape (n_classes, K)
        ``Wp_c_k`` and ``Wn_c_k``.
    """

    inputs: np.ndarray
    clocks: dict
    teachers: np.ndarray
    output_positive: np.ndarray
    output_negative: np.ndarray
    prediction: np.ndarray
    error: np.ndarray
    gain_positive: np.ndarray
    gain_negative: np.ndarray
    weights_positive: np.ndarray
    weights_negative: np.ndarray


def _add(network, reactants, products, rate, name):
    network.add_reaction(dict(Counter(reactants)), dict(Counter(products)), rate, name)


def build_signed_network(
    complexes,
    input_species,
    n_classes,
    rates,
    *,
    weights_positive=None,
    weights_negative=None,
    name="signed_crn",
):
    """Build the signed learning network.

    Parameters
    ----------
    complexes : sequence of tuple of int
        The ``K`` selected complexes, as indices into ``input_species``.
    input_species : sequence of str
        Names of the input species.
    n_classes : int
        Number of classes ``C`` (>= 2).
    rates : SignedRates
        Rate constants and phase durations.
    weights_positive, weights_negative : array-like of shape (n_classes, K)
        Initial weight concentrations; uniform ``1 / (2K)`` when None.
    name : str, default="signed_crn"

    Returns
    -------
    network : ReactionNetwork
        Inputs, clocks and teachers are clamped at 0; set them per phase.
    layout : SignedNetworkLayout

    Examples
    --------
    >>> net, layout = build_signed_network(
    ...     [(0,), (0, 1)], ["X0", "X1"], 2, SignedRates(0.1, 10.0))
    >>> net.n_reactions, layout.weights_positive.shape
    (78, (2, 2))
    """
    complexes = [tuple(int(i) for i in s) for s in complexes]
    input_species = list(input_species)
    n_experts = len(complexes)
    uniform = np.full((n_classes, n_experts), 1.0 / (2 * n_experts))
    w_pos = uniform if weights_positive is None else np.asarray(weights_positive)
    w_neg = uniform if weights_negative is None else np.asarray(weights_negative)
    net = ReactionNetwork(name)

    for s in input_species:
        net.add_species(s, clamped=True)
    for clock in CLOCKS.values():
        net.add_species(clock, clamped=True)
    for c in range(n_classes):
        net.add_species(f"L_{c}", clamped=True)
    for c in range(n_classes):
        net.add_species(f"Yp_{c}")
        net.add_species(f"Yn_{c}")
        net.add_species(f"P_{c}", initial=1.0 / n_classes)
        net.add_species(f"E_{c}")
        net.add_species(f"Ap_{c}")
        net.add_species(f"An_{c}")
    for c in range(n_classes):
        for k in range(n_experts):
            net.add_species(f"Wp_{c}_{k}", initial=w_pos[c, k])
            net.add_species(f"Wn_{c}_{k}", initial=w_neg[c, k])

    fast, soft, eta = rates.fast, rates.softmax_rate, rates.learning_rate
    for c in range(n_classes):
        yp, yn, p, e, ap, an, lc = (
            f"Yp_{c}", f"Yn_{c}", f"P_{c}", f"E_{c}", f"Ap_{c}", f"An_{c}", f"L_{c}"
        )
        _add(net, [yp], [], fast, f"decay_Yp_{c}")
        _add(net, [yn], [], fast, f"decay_Yn_{c}")
        _add(net, [yp, yn], [], ANNIHILATION_FACTOR * fast, f"annihilate_{c}")
        _add(net, ["Reset", p], ["Reset"], fast, f"reset_out_{c}")
        _add(net, ["Reset"], ["Reset", p], fast / n_classes, f"reset_in_{c}")
        _add(net, ["Read", yp, p], ["Read", yp, p, p], soft, f"softmax_grow_{c}")
        _add(net, ["Read", yn, p], ["Read", yn], soft, f"softmax_decay_{c}")
        for j in range(n_classes):
            ypj, ynj, pj = f"Yp_{j}", f"Yn_{j}", f"P_{j}"
            _add(net, ["Read", ypj, pj, p], ["Read", ypj, pj], soft,
                 f"softmax_norm_p_{c}_{j}")
            _add(net, ["Read", ynj, pj, p], ["Read", ynj, pj, p, p], soft,
                 f"softmax_norm_n_{c}_{j}")
        _add(net, ["Learn", p], ["Learn", p, e], GATE_FACTOR * fast, f"gate_{c}")
        _add(net, [e], [], GATE_FACTOR * fast, f"decay_E_{c}")
        _add(net, [lc, yp], [lc, yp, ap], fast, f"gain_p_teacher_{c}")
        _add(net, [e, yn], [e, yn, ap], fast, f"gain_p_error_{c}")
        _add(net, [lc, yn], [lc, yn, an], fast, f"gain_n_teacher_{c}")
        _add(net, [e, yp], [e, yp, an], fast, f"gain_n_error_{c}")
        _add(net, [ap], [], fast, f"decay_Ap_{c}")
        _add(net, [an], [], fast, f"decay_An_{c}")

        for k, complex_ in enumerate(complexes):
            S = [input_species[i] for i in complex_]
            wp, wn = f"Wp_{c}_{k}", f"Wn_{c}_{k}"
            _add(net, [*S, wp], [*S, wp, yp], fast, f"readout_p_{c}_{k}")
            _add(net, [*S, wn], [*S, wn, yn], fast, f"readout_n_{c}_{k}")
            _add(net, [lc, *S, wp], [lc, *S, wp, wp], eta, f"reward_p_{c}_{k}")
            _add(net, [e, *S, wp], [e, *S], eta, f"penalty_p_{c}_{k}")
            _add(net, [e, *S, wn], [e, *S, wn, wn], eta, f"reward_n_{c}_{k}")
            _add(net, [lc, *S, wn], [lc, *S], eta, f"penalty_n_{c}_{k}")
            for w in (wp, wn):
                _add(net, [ap, w], [ap], eta, f"normalise_down_{w}")
                _add(net, [an, w], [an, w, w], eta, f"normalise_up_{w}")

    index = net.index

    def per_class(prefix):
        return np.array([index(f"{prefix}_{c}") for c in range(n_classes)])

    def per_weight(prefix):
        grid = [[index(f"{prefix}_{c}_{k}") for k in range(n_experts)]
                for c in range(n_classes)]
        return np.array(grid, dtype=np.intp).reshape(n_classes, n_experts)

    layout = SignedNetworkLayout(
        inputs=np.array([index(s) for s in input_species], dtype=np.intp),
        clocks={phase: index(clock) for phase, clock in CLOCKS.items()},
        teachers=per_class("L"),
        output_positive=per_class("Yp"),
        output_negative=per_class("Yn"),
        prediction=per_class("P"),
        error=per_class("E"),
        gain_positive=per_class("Ap"),
        gain_negative=per_class("An"),
        weights_positive=per_weight("Wp"),
        weights_negative=per_weight("Wn"),
    )
    return net, layout


def _run_phase(network, state, duration):
    """Integrate one phase from ``state``; return the final state."""
    low = state.min()
    if low < -ROUNDOFF:
        raise RuntimeError(
            f"a concentration reached {low:.3g} < 0 between phases; the solver "
            f"tolerances are too loose for this network."
        )
    np.maximum(state, 0.0, out=state)
    with warnings.catch_warnings():
        # Round-off below zero is checked above, between phases.
        warnings.simplefilter("ignore", RuntimeWarning)
        result = simulate(
            network,
            duration,
            initial=state,
            n_points=2,
            method=CHEMISTRY_METHOD,
            rtol=CHEMISTRY_RTOL,
            atol=CHEMISTRY_ATOL,
        )
    if not result.success:
        raise RuntimeError(f"the simulation of a phase failed: {result.message}")
    return result.final.copy(), result.counters


def _set_phase(state, layout, phase, inputs, target=None):
    state[layout.inputs] = inputs
    for name, i in layout.clocks.items():
        state[i] = 1.0 if name == phase else 0.0
    state[layout.teachers] = 0.0
    if target is not None:
        state[layout.teachers[target]] = 1.0


def present_samples(network, layout, Z, targets, order, presentation_time,
                    state=None):
    """Present samples to the signed network, three phases each.

    Parameters
    ----------
    network : ReactionNetwork
        Built by :func:`build_signed_network`.
    layout : SignedNetworkLayout
    Z : ndarray of shape (n_samples, n_inputs)
        Input species concentrations of each sample.
    targets : ndarray of int of shape (n_samples,)
        Class index of each sample.
    order : ndarray of int of shape (n_rounds,)
        Which sample is presented at each round.
    presentation_time : float
        Duration ``tau`` of each phase.
    state : ndarray of shape (n_species,), default=None
        Starting state; the network's initial state when None.

    Returns
    -------
    state : ndarray of shape (n_species,)
        The state after the last learning phase.
    counters : dict
        Right-hand side and Jacobian evaluations and LU decompositions,
        summed over every phase.
    """
    state = network.initial_concentrations if state is None else state.copy()
    totals = Counter()
    for round_, m in enumerate(order):
        for phase in PHASES:
            _set_phase(state, layout, phase, Z[m], targets[m] if phase == "learn"
                       else None)
            state, counters = _run_phase(network, state, presentation_time)
            totals.update(counters)
        if round_ % 100 == 99:
            logger.debug("presented %d of %d samples", round_ + 1, len(order))
    return state, dict(totals)


def chemical_probabilities(network, layout, Z, presentation_time, state=None):
    """Run a reset and a read phase per sample and return the ``P`` species.

    The weights stay frozen (no teacher, no learning clock), so this is the
    network's prediction: ``softmax(beta * y)`` in the time-scale limit.

    Parameters
    ----------
    network : ReactionNetwork
    layout : SignedNetworkLayout
    Z : ndarray of shape (n_samples, n_inputs)
    presentation_time : float
    state : ndarray of shape (n_species,), default=None
        The state holding the weights; the network's initial state when None.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    base = network.initial_concentrations if state is None else state
    out = np.empty((len(Z), len(layout.prediction)))
    for m, z in enumerate(Z):
        current = base.copy()
        for phase in ("reset", "read"):
            _set_phase(current, layout, phase, z)
            current, _ = _run_phase(network, current, presentation_time)
        out[m] = current[layout.prediction]
    return out
