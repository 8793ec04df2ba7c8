"""The learning network with perturbed rate constants.

Every rate constant ``k`` of the learning network is multiplied by an
independent log-normal factor ``exp(sigma z)``, ``z ~ N(0, 1)`` (median
1), for spreads ``sigma`` and seeds; the same ``z`` serve every
``sigma`` of a seed, so the curves are smooth in ``sigma``. Either all
reactions, only the learning ones (reward, penalty, normalising) or only
the read-out ones (read-out, decay) are perturbed. For class ``c`` and
complex ``S`` call the factors of the read-out, reward, penalty and the
two normalising reactions ``r1 .. r5`` and that of the decay ``r6``.
With the outputs at their quasi-steady state the perturbed network
computes

    ``y_c = sum_S rho_S w_S phi_S``, ``rho_S = r1_S / r6``  (read-out gains)
    ``dw_S/dt = w_S (A_S - B_S y_c)``, with
    ``A_S = eta phi_S (a L_c r2_S - b Lbar_c r3_S)`` and
    ``B_S = eta (a L_c r4_S - b Lbar_c r5_S)``:

per-expert learning rates ``eta a r2`` and ``eta b r3`` on the gains, and
per-expert normalisation rates ``eta a r4`` and ``eta b r5``. Unperturbed,
``B_S`` is the same for every expert, the weights keep their sum and the
update is the EWA; perturbed, the normalisation no longer conserves the
sum and the ratios pick up a bias ``(B_S - B_T) y``. Within a presentation
``log w_S(t) = log w_S(0) + A_S t - B_S U(t)`` with ``U(t)`` the integral of
``y_c``, which obeys the scalar equation ``U' = sum_S rho_S phi_S w_S(0)
exp(A_S t - B_S U)``: one scalar ODE per class and sample, solved by a few
Runge-Kutta steps, vectorised over classes, experts and perturbed networks
(:func:`perturbed_training`). It differs from the rate equations of the
perturbed network by ``O(eta / k_y)`` (:func:`train_perturbed_network`
integrates those; :func:`closed_form_check` measures the gap).

:func:`crnlearn.experiments.robustness.rate_noise_study` measures the
accuracy of such networks on the digits.
"""

import time
from dataclasses import dataclass, fields

import numpy as np

from ..crn.network import ReactionNetwork
from ..crn.simulate import simulate
from ..learn.classifier import CRNClassifier
from ..learn.complexes import complex_fluxes, input_concentrations
from ..learn.network import build_learning_network

__all__ = [
    "EXPERT_ROLES",
    "NOISE_TARGETS",
    "RateFactors",
    "closed_form_check",
    "draw_rate_factors",
    "perturb_network",
    "perturbed_scores",
    "perturbed_training",
    "train_perturbed_network",
]

#: Reactions of each (class, complex), by the prefix of their name in
#: :func:`~crnlearn.learn.network.build_learning_network`.
EXPERT_ROLES = ("readout", "reward", "penalty", "normreward", "normpenalty")
#: Which rate constants each noise target perturbs ("decay" is per class).
NOISE_TARGETS = {
    "all": EXPERT_ROLES + ("decay",),
    "learning": ("reward", "penalty", "normreward", "normpenalty"),
    "read-out": ("readout", "decay"),
}
#: Runge-Kutta steps per presentation of the scalar equation of U: the
#: exponents move by about eta tau (a + b) per presentation (~1e-3 at the
#: defaults), so two fourth-order steps leave an error near round-off.
QSS_STEPS = 2


# -- rate factors --------------------------------------------------------------


@dataclass
class RateFactors:
    """Multiplicative factors on the rate constants of a learning network.

    The leading axes (``...``) index perturbed networks of a batch.

    Attributes
    ----------
    readout, reward, penalty, normreward, normpenalty : ndarray of shape \
(..., n_classes, n_reactions)
        Factors ``r1 .. r5`` of each class's reactions for each complex.
    decay : ndarray of shape (..., n_classes)
        Factor ``r6`` of each output's decay.
    """

    readout: np.ndarray
    reward: np.ndarray
    penalty: np.ndarray
    normreward: np.ndarray
    normpenalty: np.ndarray
    decay: np.ndarray

    @classmethod
    def ones(cls, n_classes, n_reactions, batch=()):
        """Unperturbed factors (all 1)."""
        shape = (*batch, n_classes, n_reactions)
        return cls(
            *(np.ones(shape) for _ in EXPERT_ROLES), decay=np.ones(shape[:-1])
        )

    @classmethod
    def stack(cls, items):
        """A batch of factors from a sequence of unbatched ones."""
        names = [f.name for f in fields(cls)]
        return cls(**{n: np.stack([getattr(i, n) for i in items]) for n in names})

    @property
    def readout_gain(self):
        """``rho = r1 / r6``: the read-out gain of each expert."""
        return self.readout / self.decay[..., None]

    def index(self, i):
        """The factors of network ``i`` of a batch."""
        return RateFactors(**{f.name: getattr(self, f.name)[i] for f in fields(self)})


def draw_rate_factors(n_classes, n_reactions, sigma, random_state=None, target="all"):
    """Independent log-normal factors ``exp(sigma z)`` on some rate constants.

    A ``z ~ N(0, 1)`` is drawn for every rate constant of the network in a
    fixed order whatever ``sigma`` and ``target`` are, so one seed gives the
    same ``z`` for every spread and target.

    Parameters
    ----------
    n_classes, n_reactions : int
        ``C`` and ``K``.
    sigma : float
        Spread (>= 0) of the log of each factor; 0 gives all ones.
    random_state : None, int or numpy.random.Generator
    target : {"all", "learning", "read-out"}, default="all"
        Which rate constants are perturbed (:data:`NOISE_TARGETS`); the
        others keep factor 1.

    Returns
    -------
    RateFactors

    Examples
    --------
    >>> f = draw_rate_factors(2, 3, 0.5, random_state=0, target="read-out")
    >>> f.readout.shape, bool(np.all(f.reward == 1.0))
    ((2, 3), True)
    """
    if target not in NOISE_TARGETS:
        raise ValueError(
            f"target must be one of {tuple(NOISE_TARGETS)}; got {target!r}."
        )
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be finite and >= 0; got {sigma!r}.")
    rng = np.random.default_rng(random_state)
    z = rng.standard_normal((len(EXPERT_ROLES), n_classes, n_reactions))
    z_decay = rng.standard_normal(n_classes)
    chosen = NOISE_TARGETS[target]
    values = {
        role: np.exp(sigma * z[r]) if role in chosen else np.ones_like(z[r])
        for r, role in enumerate(EXPERT_ROLES)
    }
    decay = np.exp(sigma * z_decay) if "decay" in chosen else np.ones(n_classes)
    return RateFactors(**values, decay=decay)


# -- the quasi-steady-state closed form ----------------------------------------


def perturbed_training(
    fluxes,
    targets,
    n_classes,
    factors,
    *,
    learning_rate,
    reward,
    penalty,
    presentation_time=1.0,
    weights=None,
    n_steps=QSS_STEPS,
    return_history=False,
):
    """Weights the perturbed learning network reaches at quasi-steady state.

    Solves, for each presented sample, the scalar equation of ``U`` (module
    docstring) with ``n_steps`` classical Runge-Kutta steps, for every class
    and every perturbed network of the batch at once.

    Parameters
    ----------
    fluxes : ndarray of shape (n_rounds, n_reactions)
        ``phi_S`` of each presented sample, in presentation order.
    targets : ndarray of int of shape (n_rounds,)
        Class index of each presented sample.
    n_classes : int
    factors : RateFactors
        With leading batch axes ``...`` (or none).
    learning_rate, reward, penalty : float
        ``eta``, ``a`` and ``b``.
    presentation_time : float, default=1.0
        ``tau``.
    weights : array-like of shape (n_classes, n_reactions) or \
(..., n_classes, n_reactions), default=None
        Starting weights; ``1 / K`` when None.
    n_steps : int, default=QSS_STEPS
        Runge-Kutta steps per presentation.
    return_history : bool, default=False
        Also return the weights in force at each sample.

    Returns
    -------
    weights : ndarray of shape (..., n_classes, n_reactions)
    history : ndarray of shape (n_rounds, ..., n_classes, n_reactions)
        Only with ``return_history``.

    Examples
    --------
    With unperturbed rates this is the EWA:

    >>> phi = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> w = perturbed_training(phi, [0, 1], 2, RateFactors.ones(2, 2),
    ...                        learning_rate=0.5, reward=1.0, penalty=1.0)
    >>> g = np.array([[1.5, 0.5], [-1.5, -0.5]]) * 0.5  # eta * summed gains
    >>> bool(np.allclose(w, np.exp(g) / np.exp(g).sum(1, keepdims=True)))
    True
    """
    fluxes = np.asarray(fluxes, dtype=float)
    targets = np.asarray(targets, dtype=np.intp)
    n_reactions = fluxes.shape[1]
    rho = factors.readout_gain
    shape = rho.shape
    if weights is None:
        w = np.full(shape, 1.0 / n_reactions)
    else:
        w = np.broadcast_to(np.asarray(weights, dtype=float), shape).copy()
    eta_a = learning_rate * reward
    eta_b = learning_rate * penalty
    tau = float(presentation_time)
    h = tau / n_steps
    history = np.empty((targets.size, *shape)) if return_history else None

    for m in range(targets.size):
        if return_history:
            history[m] = w
        phi = fluxes[m]
        true = np.zeros((n_classes, 1), dtype=bool)
        true[targets[m]] = True
        A = phi * np.where(true, eta_a * factors.reward, -eta_b * factors.penalty)
        B = np.where(true, eta_a * factors.normreward, -eta_b * factors.normpenalty)
        c = rho * phi * w

        def slope(t, U, A=A, B=B, c=c):
            return np.einsum("...k,...k->...", c, np.exp(A * t - B * U[..., None]))

        U = np.zeros(shape[:-1])
        t = 0.0
        for _ in range(n_steps):
            k1 = slope(t, U)
            k2 = slope(t + h / 2, U + h / 2 * k1)
            k3 = slope(t + h / 2, U + h / 2 * k2)
            k4 = slope(t + h, U + h * k3)
            U = U + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t += h
        w = w * np.exp(A * tau - B * U[..., None])
    return (w, history) if return_history else w


def perturbed_scores(fluxes, weights, factors):
    """Steady-state outputs of the perturbed network: ``sum_S rho_S w_S phi_S``.

    Parameters
    ----------
    fluxes : ndarray of shape (n_samples, n_reactions)
    weights : ndarray of shape (..., n_classes, n_reactions)
    factors : RateFactors
        Same batch axes as ``weights``.

    Returns
    -------
    ndarray of shape (..., n_samples, n_classes)
    """
    gain = factors.readout_gain * weights
    return np.einsum("nk,...ck->...nc", np.asarray(fluxes, dtype=float), gain)


# -- the perturbed network itself ----------------------------------------------


def _reaction_role(name, tags):
    """``(role, class, complex)`` of a reaction of the learning network."""
    role, rest = name.split("_", 1)
    if role == "decay":
        return role, int(rest), None
    c, tag = rest.split("_", 1)
    return role, int(c), tags.get(tag)


def perturb_network(network, complexes, factors):
    """A copy of a learning network with its rate constants multiplied.

    Parameters
    ----------
    network : ReactionNetwork
        From :func:`~crnlearn.learn.network.build_learning_network` with
        ``normalisation="output"``.
    complexes : sequence of tuple of int
        Its complexes, in order.
    factors : RateFactors
        Unbatched: arrays of shape (n_classes, n_reactions).

    Returns
    -------
    ReactionNetwork
    """
    tags = {"_".join(str(int(i)) for i in s): k for k, s in enumerate(complexes)}
    new = ReactionNetwork(network.name + "_perturbed")
    for name, c0, clamped in zip(
        network.species, network.initial_concentrations, network.clamped, strict=True
    ):
        new.add_species(name, c0, clamped)
    for reaction in network.reactions:
        role, c, k = _reaction_role(reaction.name, tags)
        if role not in (*EXPERT_ROLES, "decay") or (role != "decay" and k is None):
            raise ValueError(
                f"perturb_network takes the network with normalisation='output'; "
                f"got a reaction named {reaction.name!r}."
            )
        factor = factors.decay[c] if role == "decay" else getattr(factors, role)[c, k]
        new.add_reaction(
            reaction.reactants, reaction.products, reaction.rate * float(factor),
            reaction.name,
        )
    return new


def train_perturbed_network(
    inputs,
    targets,
    complexes,
    n_features,
    n_classes,
    factors,
    *,
    dual_rail=False,
    learning_rate,
    reward,
    penalty,
    presentation_time=1.0,
    readout_rate=1000.0,
    weights=None,
    rtol=1e-9,
    atol=1e-12,
):
    """Integrate the rate equations of the perturbed network, sample after sample.

    The reference for :func:`perturbed_training`: inputs and teachers are
    clamped for ``tau``, weights and outputs carry over, as in the
    chemistry backend, with the perturbed rate constants.

    Parameters
    ----------
    inputs : ndarray of shape (n_rounds, n_input_species)
        Input concentrations of each presented sample.
    targets : ndarray of int of shape (n_rounds,)
    complexes : sequence of tuple of int
    n_features, n_classes : int
    factors : RateFactors
        Unbatched.
    dual_rail : bool, default=False
    learning_rate, reward, penalty, presentation_time, readout_rate : float
    weights : array-like of shape (n_classes, n_reactions), default=None
    rtol, atol : float
        Tolerances of the stiff solver.

    Returns
    -------
    weights : ndarray of shape (n_classes, n_reactions)
    outputs : ndarray of shape (n_classes,)
    """
    network, layout = build_learning_network(
        complexes, n_features, n_classes, dual_rail=dual_rail, weights=weights,
        learning_rate=learning_rate, reward=reward, penalty=penalty,
        readout_rate=readout_rate,
    )
    network = perturb_network(network, complexes, factors)
    state = network.initial_concentrations
    for m, target in enumerate(np.asarray(targets, dtype=np.intp)):
        L, Lbar = layout.teacher_values(target, n_classes)
        state[layout.inputs] = inputs[m]
        state[layout.teachers] = L
        state[layout.anti_teachers] = Lbar
        run = simulate(
            network, presentation_time, initial=state, n_points=2, method="BDF",
            rtol=rtol, atol=atol,
        )
        if not run.success:
            raise RuntimeError(f"integration failed at sample {m}: {run.message}")
        state = run.concentrations[-1].copy()
    return state[layout.weights], state[layout.outputs]


def closed_form_check(
    n_samples=40, n_reactions=4, sigma=0.5, learning_rate=0.05, readout_rate=1e4,
    random_state=0,
):
    """Gap between :func:`perturbed_training` and the perturbed rate equations.

    A small case of the digits (three classes, ``n_samples`` training
    images, ``n_reactions`` complexes, a learning rate large enough for the
    weights to move far from uniform) with every rate constant perturbed.

    Returns
    -------
    dict
        ``max_abs_gap``, ``max_rel_gap`` (largest weight differences),
        ``max_weight_change`` (largest move of a weight from its start,
        the scale the gap is measured against), the setting and the time.
    """
    from ..datasets import load_digits_split

    start = time.perf_counter()
    X_train, _, y_train, _ = load_digits_split()
    keep = np.isin(y_train, (0, 1, 2))
    X, y = X_train[keep][:n_samples], y_train[keep][:n_samples]
    clf = CRNClassifier(
        n_reactions=n_reactions, learning_rate=learning_rate,
        readout_rate=readout_rate, random_state=random_state,
    ).fit(X, y)
    order = clf.presentation_order_
    Z = input_concentrations(clf.encoder_.transform(X[order]), clf.dual_rail)
    targets = np.searchsorted(clf.classes_, y[order])
    factors = draw_rate_factors(
        clf.classes_.size, clf.n_reactions_, sigma, random_state=random_state
    )
    params = {
        "learning_rate": clf.learning_rate_, "reward": clf.reward_,
        "penalty": clf.penalty_,
    }
    closed = perturbed_training(
        complex_fluxes(Z, clf.complexes_), targets, clf.classes_.size, factors,
        **params,
    )
    simulated, _ = train_perturbed_network(
        Z, targets, clf.complexes_, X.shape[1], clf.classes_.size, factors,
        dual_rail=clf.dual_rail, readout_rate=readout_rate, **params,
    )
    gap = np.abs(closed - simulated)
    return {
        "n_samples": int(n_samples), "n_reactions": int(clf.n_reactions_),
        "n_classes": int(clf.classes_.size), "sigma": float(sigma),
        "learning_rate": float(learning_rate), "readout_rate": float(readout_rate),
        "max_abs_gap": float(gap.max()),
        "max_rel_gap": float((gap / np.abs(simulated)).max()),
        "max_weight_change": float(np.abs(simulated - 1.0 / clf.n_reactions_).max()),
        "time": time.perf_counter() - start,
    }
