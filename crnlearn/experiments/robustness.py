"""Robustness of the learning network: finite molecule counts and noisy rates.

Two studies on the digits protocol (:func:`crnlearn.datasets.load_digits_split`)
with a small number ``K`` of reactions:

**Accuracy against the volume.** The classifier is trained by the
stochastic backend (:mod:`crnlearn.learn.stochastic_backend`) at volumes
``V`` from tens to ``1e5`` molecules per unit concentration, several seeds
each; the test accuracy of the learned weights (deterministic read-out), of
one Poisson snapshot of the read-out at the same volume, and the distance
of the weights to the deterministic ones (which shrinks as ``1 / sqrt(V)``)
are recorded. The deterministic accuracy is the limit.

**Accuracy against rate-constant noise.** Every rate constant ``k`` of the
learning network is multiplied by an independent log-normal factor
``exp(sigma z)``, ``z ~ N(0, 1)`` (median 1), for spreads ``sigma`` and
seeds; the same ``z`` serve every ``sigma`` of a seed, so the curves are
smooth in ``sigma``. Either all reactions, only the learning ones (reward,
penalty, normalising) or only the read-out ones (read-out, decay) are
perturbed. For class ``c`` and complex ``S`` call the factors of the
read-out, reward, penalty and the two normalising reactions ``r1 .. r5``
and that of the decay ``r6``. With the outputs at their quasi-steady state
the perturbed network computes

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

:func:`run_robustness` runs both studies and writes ``robustness.json`` and
two figures; ``crnlearn robustness`` is its command line.
"""

import io
import logging
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..crn.network import ReactionNetwork
from ..crn.simulate import simulate
from ..learn.classifier import CRNClassifier
from ..learn.complexes import complex_fluxes, input_concentrations
from ..learn.network import build_learning_network
from ..learn.stochastic_backend import stochastic_readout
from .records import atomic_write, write_json

__all__ = [
    "NOISE_TARGETS",
    "RateFactors",
    "closed_form_check",
    "draw_rate_factors",
    "perturb_network",
    "perturbed_scores",
    "perturbed_training",
    "rate_noise_study",
    "run_robustness",
    "train_perturbed_network",
    "volume_study",
]

logger = logging.getLogger(__name__)

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

#: Defaults of the command: a small K, volumes from about one molecule per
#: weight to the near-deterministic regime, and spreads from 1 % (below the
#: typical relative margin between the two best class scores, ~4 %) to 1.
DEFAULT_N_REACTIONS = 20
DEFAULT_VOLUMES = (20.0, 50.0, 100.0, 300.0, 1e3, 3e3, 1e4, 1e5)
DEFAULT_VOLUME_SEEDS = 3
DEFAULT_SIGMAS = (0.0, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0)
DEFAULT_NOISE_SEEDS = 10
#: File names in the output folder.
JSON_NAME = "robustness.json"
VOLUME_FIGURE = "accuracy_vs_volume.png"
NOISE_FIGURE = "accuracy_vs_rate_noise.png"


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


# -- the studies ---------------------------------------------------------------


def _seeds(random_state, n):
    """``n`` integer seeds drawn up front from one ``random_state``."""
    return [int(s) for s in np.random.SeedSequence(random_state).generate_state(n)]


def _subset(split, n_train):
    X_train, X_test, y_train, y_test = split
    if n_train is not None:
        X_train, y_train = X_train[:n_train], y_train[:n_train]
    return X_train, X_test, y_train, y_test


def volume_study(
    split,
    volumes=DEFAULT_VOLUMES,
    *,
    n_reactions=DEFAULT_N_REACTIONS,
    n_seeds=DEFAULT_VOLUME_SEEDS,
    n_train=None,
    random_state=0,
    classifier_params=None,
):
    """Test accuracy of the stochastic backend against the volume.

    Parameters
    ----------
    split : DatasetSplit or tuple
        ``X_train, X_test, y_train, y_test``.
    volumes : sequence of float
    n_reactions : int, default=20
        ``K``.
    n_seeds : int, default=3
        Runs per volume; run ``i`` of every volume uses seed ``i``.
    n_train : int, optional
        Train on the first ``n_train`` training images only.
    random_state : int, default=0
        Source of the seeds.
    classifier_params : dict, optional
        Further :class:`CRNClassifier` parameters.

    Returns
    -------
    dict
        ``deterministic_accuracy`` (closed form), ``runs`` (one dict per
        volume and seed: ``accuracy``, ``readout_accuracy`` of one Poisson
        snapshot of the read-out with input counts, ``weight_error_max``
        and ``weight_error_rms`` against the closed-form weights,
        ``fit_time``, ``reactions_fired``, ``method``) and ``summary`` (mean
        and standard deviation per volume).
    """
    X_train, X_test, y_train, y_test = _subset(split, n_train)
    params = {"n_reactions": n_reactions, **(classifier_params or {})}
    seeds = _seeds(random_state, n_seeds)

    start = time.perf_counter()
    reference = CRNClassifier(**params, random_state=seeds[0]).fit(X_train, y_train)
    deterministic = float(reference.score(X_test, y_test))
    reference_time = time.perf_counter() - start
    Z_test = input_concentrations(
        reference.encoder_.transform(X_test), reference.dual_rail
    )
    y_index = np.searchsorted(reference.classes_, y_test)

    runs = []
    for volume in volumes:
        for i, seed in enumerate(seeds):
            start = time.perf_counter()
            clf = CRNClassifier(
                **params, backend="stochastic", volume=float(volume), random_state=seed
            ).fit(X_train, y_train)
            fit_time = time.perf_counter() - start
            error = clf.weights_ - reference.weights_
            counted = np.rint(Z_test * volume) / volume
            snapshot = stochastic_readout(
                complex_fluxes(counted, clf.complexes_), clf.weights_, volume, seed
            )
            runs.append({
                "volume": float(volume),
                "seed_index": i,
                "random_state": seed,
                "accuracy": float(clf.score(X_test, y_test)),
                "readout_accuracy": float(np.mean(snapshot == y_index)),
                "weight_error_max": float(np.abs(error).max()),
                "weight_error_rms": float(np.sqrt(np.mean(error**2))),
                "fit_time": fit_time,
                "reactions_fired": int(clf.chemistry_counters_["reactions_fired"]),
                "method": "tau-leap" if clf.chemistry_counters_["tau_leap"] else "ssa",
            })
            logger.info(
                "V=%g seed %d: accuracy %.4f (%.2f s)", volume, i,
                runs[-1]["accuracy"], fit_time,
            )
    return {
        "n_reactions": int(reference.n_reactions_),
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "learning_rate": reference.learning_rate_,
        "readout_rate": float(reference.readout_rate),
        "deterministic_accuracy": deterministic,
        "deterministic_fit_time": reference_time,
        "runs": runs,
        "summary": _summarise(
            runs, "volume",
            ("accuracy", "readout_accuracy", "weight_error_max", "weight_error_rms",
             "fit_time"),
        ),
    }


def rate_noise_study(
    split,
    sigmas=DEFAULT_SIGMAS,
    *,
    n_reactions=DEFAULT_N_REACTIONS,
    n_seeds=DEFAULT_NOISE_SEEDS,
    targets=tuple(NOISE_TARGETS),
    n_train=None,
    random_state=0,
    classifier_params=None,
):
    """Test accuracy of the learning network with log-normal rate constants.

    The complexes, encoding and presentation order come from one
    closed-form fit; every perturbed network (spread, seed, target) is then
    trained by :func:`perturbed_training`, all at once, and scored with its
    own read-out gains (:func:`perturbed_scores`).

    Parameters
    ----------
    split : DatasetSplit or tuple
    sigmas : sequence of float
    n_reactions : int, default=20
    n_seeds : int, default=10
    targets : sequence of str, default=all of NOISE_TARGETS
    n_train : int, optional
    random_state : int, default=0
    classifier_params : dict, optional

    Returns
    -------
    dict
        ``deterministic_accuracy``, ``relative_margin_median`` and
        ``relative_margin_p10`` (of the unperturbed test scores, ``(y_top -
        y_second) / y_top``), ``runs`` (one dict per target, spread and
        seed: ``accuracy``, ``weight_sum_min`` and ``weight_sum_max``, the
        extreme class totals of the learned weights, ``finite``: False when
        the weights diverged) and ``summary``.
    """
    X_train, X_test, y_train, y_test = _subset(split, n_train)
    params = {"n_reactions": n_reactions, **(classifier_params or {})}
    seeds = _seeds(random_state, n_seeds)

    start = time.perf_counter()
    clf = CRNClassifier(**params, random_state=seeds[0]).fit(X_train, y_train)
    deterministic = float(clf.score(X_test, y_test))
    order = clf.presentation_order_
    Z = input_concentrations(clf.encoder_.transform(X_train[order]), clf.dual_rail)
    train_fluxes = complex_fluxes(Z, clf.complexes_)
    train_targets = np.searchsorted(clf.classes_, y_train[order])
    test_fluxes = clf.complex_fluxes(X_test)
    y_index = np.searchsorted(clf.classes_, y_test)
    C, K = clf.weights_.shape

    keys = [(t, float(s), i) for t in targets for s in sigmas for i in range(n_seeds)]
    factors = RateFactors.stack([
        draw_rate_factors(C, K, sigma, random_state=seeds[i], target=target)
        for target, sigma, i in keys
    ])
    # A perturbed network whose penalty normalisation outruns its reward
    # normalisation has weights growing without bound (dW/dt ~ W**2): they
    # overflow to inf or NaN, count as diverged, and score as wrong.
    with np.errstate(invalid="ignore", over="ignore"):
        weights = perturbed_training(
            train_fluxes, train_targets, C, factors,
            learning_rate=clf.learning_rate_, reward=clf.reward_,
            penalty=clf.penalty_, presentation_time=float(clf.presentation_time),
        )
        scores = perturbed_scores(test_fluxes, weights, factors)
    predicted = np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=-1)
    accuracy = np.mean(predicted == y_index, axis=-1)
    with np.errstate(invalid="ignore", over="ignore"):
        totals = weights.sum(axis=-1)
    elapsed = time.perf_counter() - start

    # How far apart the unperturbed class scores are: a gain error larger
    # than this relative margin flips the decision. A sample whose scores
    # are all 0 (no selected complex flows) is a tie: margin 0.
    top_two = np.sort(clf.decision_function(X_test), axis=1)[:, -2:]
    margin = np.divide(
        top_two[:, 1] - top_two[:, 0], top_two[:, 1],
        out=np.zeros(len(top_two)), where=top_two[:, 1] > 0,
    )

    runs = [
        {
            "target": target, "sigma": sigma, "seed_index": i,
            "random_state": seeds[i], "accuracy": float(accuracy[b]),
            "weight_sum_min": float(totals[b].min()),
            "weight_sum_max": float(totals[b].max()),
            "finite": bool(np.all(np.isfinite(weights[b]))),
        }
        for b, (target, sigma, i) in enumerate(keys)
    ]
    summary = {
        target: _summarise(
            [r for r in runs if r["target"] == target], "sigma",
            ("accuracy", "weight_sum_min", "weight_sum_max", "finite"),
        )
        for target in targets
    }
    return {
        "n_reactions": int(K),
        "n_train": int(X_train.shape[0]),
        "n_networks": len(keys),
        "deterministic_accuracy": deterministic,
        "relative_margin_median": float(np.median(margin)),
        "relative_margin_p10": float(np.percentile(margin, 10)),
        "time": elapsed,
        "runs": runs,
        "summary": summary,
    }


def _summarise(runs, by, keys):
    rows = []
    for value in sorted({r[by] for r in runs}):
        group = [r for r in runs if r[by] == value]
        row = {by: value, "n_runs": len(group)}
        for key in keys:
            values = np.array([r[key] for r in group], dtype=float)
            row[f"{key}_mean"] = float(np.mean(values))
            row[f"{key}_std"] = float(np.std(values))
            row[f"{key}_min"] = float(np.min(values))
            row[f"{key}_max"] = float(np.max(values))
        rows.append(row)
    return rows


# -- figures and the whole run -------------------------------------------------


def _save_figure(figure, path):
    """Render a figure to PNG and write it atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    atomic_write(path, buffer.getvalue())


def volume_figure(result):
    """Accuracy and weight error against the volume (a Matplotlib Figure)."""
    from matplotlib.figure import Figure

    rows = result["summary"]
    V = np.array([r["volume"] for r in rows])
    figure = Figure(figsize=(10.0, 3.8), layout="constrained")
    left, right = figure.subplots(1, 2)
    for key, label, colour in (
        ("accuracy", "learned weights, deterministic read-out", "#1f77b4"),
        ("readout_accuracy", "learned weights, Poisson read-out at V", "#ff7f0e"),
    ):
        mean = np.array([r[f"{key}_mean"] for r in rows])
        low = np.array([r[f"{key}_min"] for r in rows])
        high = np.array([r[f"{key}_max"] for r in rows])
        left.plot(V, mean, "o-", color=colour, label=label)
        left.fill_between(V, low, high, color=colour, alpha=0.2)
    left.axhline(
        result["deterministic_accuracy"], color="k", linestyle="--",
        label="deterministic (closed form)",
    )
    left.set_xscale("log")
    left.set_xlabel("volume V (molecules per unit concentration)")
    left.set_ylabel("test accuracy")
    left.set_ylim(0.0, 1.0)
    left.set_title(
        f"digits, K = {result['n_reactions']}: accuracy (min-max over seeds)"
    )
    left.legend(fontsize="small", loc="lower right")

    for key, label, colour in (
        ("weight_error_max", "max |w_V - w|", "#2ca02c"),
        ("weight_error_rms", "rms (w_V - w)", "#9467bd"),
    ):
        right.loglog(V, [r[f"{key}_mean"] for r in rows], "o-", color=colour,
                     label=label)
    rms = np.array([r["weight_error_rms_mean"] for r in rows])
    anchor = rms[-1] * np.sqrt(V[-1])
    right.loglog(V, anchor / np.sqrt(V), "k:", label="slope -1/2")
    right.set_xlabel("volume V")
    right.set_ylabel("distance to the deterministic weights")
    right.set_title("weights converge as 1 / sqrt(V)")
    right.legend(fontsize="small")
    return figure


def noise_figure(result):
    """Accuracy against the spread of the rate constants (a Matplotlib Figure)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 4.0), layout="constrained")
    axes = figure.subplots()
    colours = {"all": "#d62728", "learning": "#1f77b4", "read-out": "#2ca02c"}
    for target, rows in result["summary"].items():
        sigma = np.array([r["sigma"] for r in rows])
        mean = np.array([r["accuracy_mean"] for r in rows])
        colour = colours.get(target, "#7f7f7f")
        axes.plot(sigma, mean, "o-", color=colour, label=f"{target} rates perturbed")
        axes.fill_between(
            sigma, [r["accuracy_min"] for r in rows], [r["accuracy_max"] for r in rows],
            color=colour, alpha=0.15,
        )
    axes.axhline(
        result["deterministic_accuracy"], color="k", linestyle="--",
        label="unperturbed",
    )
    # Linear up to 0.01, logarithmic beyond: both 0 and the small spreads show.
    axes.set_xscale("symlog", linthresh=0.01)
    largest = max(r["sigma"] for rows in result["summary"].values() for r in rows)
    axes.set_xlim(0.0, max(largest, 0.01) * 1.1)
    axes.set_xlabel("sigma (log-normal spread of the rate constants)")
    axes.set_ylabel("test accuracy")
    axes.set_ylim(0.0, 1.0)
    axes.set_title(
        f"digits, K = {result['n_reactions']}: rate-constant noise "
        f"(min-max over seeds)"
    )
    axes.legend(fontsize="small", loc="lower left")
    return figure


def run_robustness(
    out,
    *,
    n_reactions=DEFAULT_N_REACTIONS,
    volumes=DEFAULT_VOLUMES,
    volume_seeds=DEFAULT_VOLUME_SEEDS,
    sigmas=DEFAULT_SIGMAS,
    noise_seeds=DEFAULT_NOISE_SEEDS,
    n_train=None,
    random_state=0,
    check=True,
):
    """Run both studies and write ``robustness.json`` and two PNG figures.

    Parameters
    ----------
    out : str or path-like
        Output folder, created if missing. Every file is written atomically.
    n_reactions : int, default=20
    volumes : sequence of float
    volume_seeds : int, default=3
    sigmas : sequence of float
    noise_seeds : int, default=10
    n_train : int, optional
        Train on the first ``n_train`` training images only.
    random_state : int, default=0
    check : bool, default=True
        Also measure the gap between the closed form of the perturbed
        network and its rate equations on a small case
        (:func:`closed_form_check`, a few seconds).

    Returns
    -------
    dict
        What ``robustness.json`` holds, with the paths of the files.
    """
    from ..datasets import load_digits_split

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    split = load_digits_split()
    start = time.perf_counter()
    record = {
        "dataset": "digits",
        "random_state": random_state,
        "volume": volume_study(
            split, volumes, n_reactions=n_reactions, n_seeds=volume_seeds,
            n_train=n_train, random_state=random_state,
        ),
    }
    record["rate_noise"] = rate_noise_study(
        split, sigmas, n_reactions=n_reactions, n_seeds=noise_seeds,
        n_train=n_train, random_state=random_state,
    )
    if check:
        record["closed_form_check"] = closed_form_check(random_state=random_state)
    record["time"] = time.perf_counter() - start

    files = {"json": str(out / JSON_NAME)}
    for name, draw, part in (
        (VOLUME_FIGURE, volume_figure, "volume"),
        (NOISE_FIGURE, noise_figure, "rate_noise"),
    ):
        _save_figure(draw(record[part]), out / name)
        files[part + "_figure"] = str(out / name)
    record["files"] = files
    write_json(out / JSON_NAME, record)
    return record
