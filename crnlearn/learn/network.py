"""The learning reaction network of docs/MODEL.md section 2, as a ReactionNetwork.

For ``C`` classes and ``K`` selected reactant complexes ``S`` (sets of input
species, catalysts that are never consumed) the network has

- input species ``X{i}`` (and, with dual rail, ``Xbar{i}``), clamped;
- per class ``c``: weights ``W{c}_{S}`` (one per complex, named after the
  input-species indices of ``S``, e.g. ``W3_12_40``), the output ``Y{c}``,
  and the teachers ``L{c}`` and ``Lbar{c}`` (clamped);

and, per class and complex, the reactions (rate constants in brackets)

=================== ================================================ =========
read-out            ``S + W{c}_S -> S + W{c}_S + Y{c}``              ``k_y``
decay               ``Y{c} -> 0``                                    ``k_y``
reward              ``L{c} + S + W{c}_S -> L{c} + S + 2 W{c}_S``     ``eta a``
penalty             ``Lbar{c} + S + W{c}_S -> Lbar{c} + S``          ``eta b``
normalise (reward)  ``L{c} + Y{c} + W{c}_S -> L{c} + Y{c}``          ``eta a``
normalise (penalty) ``Lbar{c} + Y{c} + W{c}_S -> Lbar{c} + Y{c} + 2 W{c}_S``
                                                                     ``eta b``
=================== ================================================ =========

With ``Y{c}`` at its quasi-steady state ``sum_S w_S phi_S`` the weights
follow the replicator equation, whose solution over a presentation of
length ``tau`` is the EWA update with rate ``eta tau``. The builder also
offers the variant without that approximation (``normalisation=
"complexes"``): the normalising reactions read the complexes themselves,
``L{c} + T + W{c}_T + W{c}_S -> L{c} + T + W{c}_T`` (and the penalty
counterpart) for every pair ``(S, T)``: ``K^2`` reactions per class.

The builder returns the network and a :class:`NetworkLayout` that tells a
simulation where each role sits in the concentration vector, so that the
deterministic and any stochastic engine share one network.
"""

from dataclasses import dataclass

import numpy as np

from ..crn.network import ReactionNetwork
from .complexes import input_species_names

__all__ = [
    "NORMALISATIONS",
    "NetworkLayout",
    "build_learning_network",
    "problem_network",
    "weight_species_name",
]

#: How the normalising reactions sense the class score: through the output
#: species (the paper's network) or through the complexes (exact, K^2
#: reactions per class).
NORMALISATIONS = ("output", "complexes")


@dataclass(frozen=True)
class NetworkLayout:
    """Indices of each role in the species vector of a learning network.

    Attributes
    ----------
    inputs : ndarray of int of shape (n_input_species,)
        The input species (``X{i}``, then ``Xbar{i}`` with dual rail).
    weights : ndarray of int of shape (n_classes, n_reactions)
        ``W{c}_S`` for each class and selected complex.
    outputs : ndarray of int of shape (n_classes,)
        ``Y{c}``.
    teachers, anti_teachers : ndarray of int of shape (n_classes,)
        ``L{c}`` and ``Lbar{c}``.
    """

    inputs: np.ndarray
    weights: np.ndarray
    outputs: np.ndarray
    teachers: np.ndarray
    anti_teachers: np.ndarray

    @property
    def clamped(self):
        """ndarray of int: the clamped species (inputs and teachers)."""
        return np.concatenate([self.inputs, self.teachers, self.anti_teachers])

    @property
    def free(self):
        """ndarray of int: the species that change (weights, then outputs)."""
        return np.concatenate([self.weights.ravel(), self.outputs])

    def teacher_values(self, target, n_classes):
        """Clamped teacher concentrations while a sample of class ``target`` is shown.

        Returns
        -------
        L, Lbar : ndarray of shape (n_classes,)
            ``L[c] = 1`` for the true class, else 0; ``Lbar = 1 - L``.
        """
        L = np.zeros(n_classes)
        L[target] = 1.0
        return L, 1.0 - L


def weight_species_name(class_index, complex_, prefix="W"):
    """Name of the weight species of one class and complex.

    Examples
    --------
    >>> weight_species_name(3, (12, 40))
    'W3_12_40'
    """
    return f"{prefix}{class_index}_" + "_".join(str(int(i)) for i in complex_)


def build_learning_network(
    complexes,
    n_features,
    n_classes,
    *,
    dual_rail=False,
    weights=None,
    learning_rate=1.0,
    reward=1.0,
    penalty=1.0,
    readout_rate=100.0,
    normalisation="output",
    name="crn_classifier",
):
    """Build the learning network of docs/MODEL.md section 2.

    Parameters
    ----------
    complexes : sequence of tuple of int
        The ``K`` selected complexes (input-species indices; with dual rail,
        index ``n_features + i`` is ``Xbar{i}``).
    n_features : int
        Number of features ``d``.
    n_classes : int
        Number of classes ``C``.
    dual_rail : bool, default=False
        Include the complementary inputs ``Xbar{i}``.
    weights : array-like of shape (n_classes, n_reactions), default=None
        Initial weight concentrations; ``1 / K`` when None.
    learning_rate : float, default=1.0
        ``eta`` in the learning rate constants ``eta a`` and ``eta b``.
    reward, penalty : float, default=1.0
        The reward and penalty scales ``a`` and ``b``.
    readout_rate : float, default=100.0
        ``k_y``, the rate constant of read-out and decay.
    normalisation : {"output", "complexes"}, default="output"
        Whether the normalising reactions read ``Y{c}`` (the paper's network,
        exact only at the quasi-steady state) or the complexes (exact).
    name : str, default="crn_classifier"
        Name of the network.

    Returns
    -------
    network : ReactionNetwork
        Inputs and teachers are clamped at 0 (the state of prediction with
        no sample shown), outputs start at 0.
    layout : NetworkLayout

    Examples
    --------
    >>> net, layout = build_learning_network([(0,), (0, 1)], 2, 2)
    >>> net.n_species, net.n_reactions
    (12, 22)
    >>> net.species[layout.weights[1, 1]]
    'W1_0_1'
    """
    complexes = [tuple(int(i) for i in s) for s in complexes]
    n_reactions = len(complexes)
    if normalisation not in NORMALISATIONS:
        raise ValueError(
            f"normalisation must be one of {NORMALISATIONS}; got {normalisation!r}."
        )
    if weights is None:
        weights = np.full((n_classes, n_reactions), 1.0 / n_reactions)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n_classes, n_reactions):
        raise ValueError(
            f"weights must have shape (n_classes, n_reactions) = "
            f"({n_classes}, {n_reactions}); got {weights.shape}."
        )

    species = input_species_names(n_features, dual_rail)
    for s in complexes:
        if not s or min(s) < 0 or max(s) >= len(species):
            raise ValueError(
                f"complexes must list input-species indices in [0, {len(species)}); "
                f"got {s!r}."
            )

    network = ReactionNetwork(name)
    # Free species first (weights class by class, then outputs), so that the
    # changing part of the state is one contiguous block.
    weight_idx = np.array(
        [
            [
                network.add_species(weight_species_name(c, s), initial=weights[c, k])
                for k, s in enumerate(complexes)
            ]
            for c in range(n_classes)
        ],
        dtype=np.intp,
    ).reshape(n_classes, n_reactions)
    output_idx = np.array(
        [network.add_species(f"Y{c}") for c in range(n_classes)], dtype=np.intp
    )
    input_idx = np.array(
        [network.add_species(s, clamped=True) for s in species], dtype=np.intp
    )
    teacher_idx = np.array(
        [network.add_species(f"L{c}", clamped=True) for c in range(n_classes)],
        dtype=np.intp,
    )
    anti_idx = np.array(
        [network.add_species(f"Lbar{c}", clamped=True) for c in range(n_classes)],
        dtype=np.intp,
    )

    eta_a = learning_rate * reward
    eta_b = learning_rate * penalty
    for c in range(n_classes):
        Y, L, Lbar = f"Y{c}", f"L{c}", f"Lbar{c}"
        for s in complexes:
            W = weight_species_name(c, s)
            S = [species[i] for i in s]
            tag = f"{c}_" + "_".join(str(i) for i in s)
            network.add_reaction(S + [W], S + [W, Y], readout_rate, f"readout_{tag}")
            network.add_reaction([L, *S, W], [L, *S, W, W], eta_a, f"reward_{tag}")
            network.add_reaction([Lbar, *S, W], [Lbar, *S], eta_b, f"penalty_{tag}")
            if normalisation == "output":
                network.add_reaction([L, Y, W], [L, Y], eta_a, f"normreward_{tag}")
                network.add_reaction(
                    [Lbar, Y, W], [Lbar, Y, W, W], eta_b, f"normpenalty_{tag}"
                )
            else:
                for t in complexes:
                    Wt = weight_species_name(c, t)
                    T = [species[i] for i in t]
                    pair = tag + "_by_" + "_".join(str(i) for i in t)
                    network.add_reaction(
                        [L, *T, Wt, W], [L, *T, Wt], eta_a, f"normreward_{pair}"
                    )
                    network.add_reaction(
                        [Lbar, *T, Wt, W],
                        [Lbar, *T, Wt, W, W],
                        eta_b,
                        f"normpenalty_{pair}",
                    )
        network.add_reaction([Y], [], readout_rate, f"decay_{c}")

    layout = NetworkLayout(
        inputs=input_idx,
        weights=weight_idx,
        outputs=output_idx,
        teachers=teacher_idx,
        anti_teachers=anti_idx,
    )
    return network, layout


def problem_network(problem, normalisation="output", name="crn_classifier"):
    """:func:`build_learning_network` for the state of a training problem.

    Parameters
    ----------
    problem : TrainingProblem
        Or any object with its attributes ``complexes``, ``n_features``,
        ``n_classes``, ``dual_rail``, ``weights``, ``learning_rate``,
        ``reward``, ``penalty`` and ``readout_rate``.
    normalisation : {"output", "complexes"}, default="output"
    name : str, default="crn_classifier"

    Returns
    -------
    network : ReactionNetwork
    layout : NetworkLayout
    """
    return build_learning_network(
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
        name=name,
    )
