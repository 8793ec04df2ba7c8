"""The theory measured: learning networks on the digits, and the figure set.

:func:`digits_run` fits a :class:`~crnlearn.CRNClassifier` on the first
``M`` training digits and returns its regret and weight concentration;
:func:`make_figures` draws the figures of ``crnlearn theory`` and writes an
index of them (``index.json``) with the numbers they show.

Runs use reward and penalty 1 (gains in ``[-1, 1]``) and, unless told
otherwise, the learning rate that is regret-optimal for their length,
``eta* = sqrt(8 ln K / M) / 2`` per presented sample (the classifier's
``learning_rate`` is ``eta* / presentation_time``).
"""

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .asymptotics import ConcentrationResult, classifier_concentration
from .integrated import (
    integrated_regret,
    integrated_regret_bound,
    integrated_regret_scaling,
    loglog_slope,
)
from .regret import RegretResult, classifier_regret, optimal_learning_rate

__all__ = ["DigitsRun", "PROTOCOLS", "digits_run", "known_best_run", "make_figures"]

logger = logging.getLogger(__name__)

#: Reward and penalty of the runs: gains in [-1, 1].
REWARD = PENALTY = 1.0
#: Settings of the figure set. "quick" is the default of ``crnlearn theory``
#: (well under a minute); "full" uses more reactions, horizons and samples.
PROTOCOLS = {
    "quick": {
        "n_reactions": 20,
        "horizons": (25, 50, 100, 200, 400, 800, 1437),
        "chemistry_reactions": 5,
        "chemistry_samples": 40,
        "integrated_horizons": (200, 400, 800, 1600, 3200, 6400),
        "random_repeats": 4,
        "vc_reactions": (2, 3, 4, 5, 6, 7),
        "natarajan_reactions": (3, 4, 5),
    },
    "full": {
        "n_reactions": 50,
        "horizons": (25, 50, 100, 200, 400, 800, 1437),
        "chemistry_reactions": 10,
        "chemistry_samples": 150,
        "integrated_horizons": (200, 400, 800, 1600, 3200, 6400, 12800, 25600),
        "random_repeats": 16,
        "vc_reactions": (2, 3, 4, 5, 6, 7, 8, 9, 10),
        "natarajan_reactions": (3, 4, 5, 6),
    },
}
#: Classes of the multiclass shattering checks.
NATARAJAN_CLASSES = 3
#: Input index of the colour "red" in the conjunction tasks (three shape
#: inputs come first).
RED_INPUT = 3
#: Backend names of :class:`~crnlearn.CRNClassifier`.
BACKENDS = ("closed-form", "chemistry")


@dataclass(frozen=True)
class DigitsRun:
    """One learning network fitted on the first ``M`` training digits.

    Attributes
    ----------
    backend : str
        ``"closed-form"`` or ``"chemistry"``.
    n_samples : int
        Presented samples ``M``.
    n_reactions : int
        Selected reactions ``K``.
    regret : RegretResult
        Per-class regret over rounds with the bound.
    concentration : ConcentrationResult
        Best-expert weight and entropy over rounds.
    fit_time : float
        Seconds spent in ``fit``.
    classifier : CRNClassifier
        The fitted estimator.
    """

    backend: str
    n_samples: int
    n_reactions: int
    regret: RegretResult
    concentration: ConcentrationResult
    fit_time: float
    classifier: object

    @property
    def integrated_regret(self):
        """Largest over classes of the regret integrated over the run."""
        return float(integrated_regret(self.regret.regret)[-1].max())

    @property
    def integrated_bound(self):
        """Integrated bound at the run's learning rate."""
        return float(
            integrated_regret_bound(
                self.n_samples,
                self.regret.n_experts,
                self.regret.learning_rate,
                self.regret.gain_range,
            )
        )

    def summary(self):
        """Numbers of the run as a dictionary (for the index)."""
        record = {
            "backend": self.backend,
            "n_samples": self.n_samples,
            "n_reactions": self.n_reactions,
            "fit_time_s": round(self.fit_time, 3),
            "integrated_regret_max": self.integrated_regret,
            "integrated_bound": self.integrated_bound,
        }
        record.update(self.regret.summary())
        record.update(
            {f"concentration_{k}": v for k, v in self.concentration.summary().items()}
        )
        return record


def _digits():
    from ..datasets import load_digits_split

    X_train, _, y_train, _ = load_digits_split()
    return X_train, y_train


def digits_run(
    n_samples,
    n_reactions,
    backend="closed-form",
    learning_rate=None,
    random_state=0,
    data=None,
    **params,
):
    """Fit a learning network on the first ``M`` training digits.

    Parameters
    ----------
    n_samples : int
        Number ``M`` of training digits presented (at most 1437).
    n_reactions : int
        Number of selected reactions ``K``.
    backend : {"closed-form", "chemistry"}, default="closed-form"
        The classifier's backend.
    learning_rate : float, default=None
        Per-sample effective learning rate; None uses the regret-optimal
        ``eta*(M)``.
    random_state : int or None, default=0
        Passed to the classifier.
    data : tuple of (X, y), default=None
        Training data to take the first ``M`` samples of; None loads the
        digits split (docs/MODEL.md section 5).
    **params
        Further :class:`~crnlearn.CRNClassifier` parameters.

    Returns
    -------
    DigitsRun

    Examples
    --------
    >>> run = digits_run(100, 10)
    >>> run.regret.within_bound()
    True
    """
    from .. import CRNClassifier

    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}.")
    X, y = _digits() if data is None else data
    if not 1 <= n_samples <= len(X):
        raise ValueError(
            f"n_samples must lie in [1, {len(X)}] for this data; got {n_samples}."
        )
    tau = float(params.get("presentation_time", 1.0))
    if learning_rate is None:
        learning_rate = optimal_learning_rate(
            n_samples, n_reactions, (-PENALTY, REWARD)
        )
    classifier = CRNClassifier(
        n_reactions=n_reactions,
        backend=backend,
        learning_rate=float(learning_rate) / tau,
        reward=REWARD,
        penalty=PENALTY,
        random_state=random_state,
        **params,
    )
    start = time.perf_counter()
    classifier.fit(X[:n_samples], y[:n_samples])
    fit_time = time.perf_counter() - start
    logger.info(
        "digits run: %s, M = %d, K = %d, %.2f s", backend, n_samples, n_reactions,
        fit_time,
    )
    return DigitsRun(
        backend=backend,
        n_samples=int(n_samples),
        n_reactions=int(n_reactions),
        regret=classifier_regret(classifier),
        concentration=classifier_concentration(classifier),
        fit_time=fit_time,
        classifier=classifier,
    )


def known_best_run(n_samples=1500, learning_rate=0.05, random_state=0):
    """Concentration of the red class on the task "red against the rest".

    The objects of :func:`~crnlearn.datasets.make_conjunction_task` (task 1)
    activate one shape and one colour input. With all 21 complexes of order
    at most 2 on the 6 inputs (no complementary inputs) and reward = penalty
    = 1, the red class's expected gain is ``1/3`` for the singleton
    ``X_red``, ``1/9`` for each pair holding red, and at most about ``0.11``
    for the others: ``X_red`` is the best expert, by a gap of about ``2/9``.

    Parameters
    ----------
    n_samples : int, default=1500
        Presented objects.
    learning_rate : float, default=0.05
        ``eta`` (presentation time 1).
    random_state : int or None, default=0
        Seed of the drawn objects and of the classifier.

    Returns
    -------
    dict
        ``best_weight`` and ``residual_bound`` (ndarray of shape
        (n_samples,)), ``predicted`` (``(K - 1) exp(-eta gap m)``), ``gap``,
        ``best_is_red`` (whether the largest mean gain is that of ``X_red``),
        ``final_best_weight`` and ``learning_rate``.

    Examples
    --------
    >>> run = known_best_run(n_samples=1000)
    >>> run["best_is_red"], bool(run["final_best_weight"] > 0.99)
    (True, True)
    """
    from .. import CRNClassifier
    from ..datasets import make_conjunction_task

    X, y = make_conjunction_task(task=1, n_samples=n_samples,
                                 random_state=random_state)
    classifier = CRNClassifier(
        n_reactions=21, order=2, dual_rail=False, selection="mean-flux",
        learning_rate=learning_rate, reward=1.0, penalty=1.0, encoding=None,
        random_state=random_state,
    ).fit(X, y)
    concentration = classifier_concentration(classifier)
    red = 1  # class index of the red objects
    best = int(concentration.best[red])
    gap = float(concentration.gap[red])
    rounds = np.arange(1, n_samples + 1)
    return {
        "best_weight": concentration.best_weight[:, red],
        "residual_bound": concentration.residual_bound[:, red],
        "predicted": (classifier.n_reactions_ - 1)
        * np.exp(-learning_rate * gap * (rounds - 1)),
        "gap": gap,
        "best_is_red": classifier.complexes_[best] == (RED_INPUT,),
        "final_best_weight": float(concentration.best_weight[-1, red]),
        "learning_rate": float(learning_rate),
    }


def _save(fig, path, index, title, description, numbers):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    index.append(
        {
            "file": path.name,
            "title": title,
            "description": description,
            "numbers": numbers,
        }
    )
    logger.info("wrote %s", path)


def make_figures(out_dir, quick=True, backends=BACKENDS, random_state=0):
    """Draw the theory figures and write them with an index.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing).
    quick : bool, default=True
        The quick protocol (under a minute) or the full one
        (:data:`PROTOCOLS`).
    backends : sequence of str, default=("closed-form", "chemistry")
        Backends of the digits runs; the chemistry backend runs on a small
        subset with few reactions.
    random_state : int, default=0
        Seed of the classifiers and of the random sequences.

    Returns
    -------
    dict
        The index written to ``out_dir/index.json``: protocol, and for each
        figure its file, title, description and the numbers it shows.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import figures
    from .vc import capacity_comparison, vc_dimension_bound

    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        raise ValueError(f"backends must be among {BACKENDS}; got {unknown}.")
    protocol_name = "quick" if quick else "full"
    protocol = PROTOCOLS[protocol_name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    index = []
    colors = {"closed-form": "tab:blue", "chemistry": "tab:orange"}
    data = _digits()
    k = protocol["n_reactions"]

    # Regret on the digits: one full run per backend, and runs of growing M.
    runs = {}
    if "closed-form" in backends:
        runs["closed-form"] = digits_run(
            protocol["horizons"][-1], k, random_state=random_state, data=data
        )
    if "chemistry" in backends:
        runs["chemistry"] = digits_run(
            protocol["chemistry_samples"], protocol["chemistry_reactions"],
            backend="chemistry", random_state=random_state, data=data,
        )
    scaling = []
    if "closed-form" in backends:
        scaling = [
            digits_run(m, k, random_state=random_state, data=data)
            for m in protocol["horizons"]
        ]

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, run in runs.items():
        figures.plot_regret(
            axes[0], run.regret, label=f"{name} (K = {run.n_reactions})",
            color=colors[name], per_class=name == "closed-form",
        )
    axes[0].set_title("digits: regret of each class over the run")
    numbers = {name: run.summary() for name, run in runs.items()}
    if scaling:
        m = [run.n_samples for run in scaling]
        final = [float(run.regret.final_regret.max()) for run in scaling]
        bound = [float(run.regret.bound[-1]) for run in scaling]
        network = [float(run.regret.network_regret[-1]) for run in scaling]
        network_bound = [float(run.regret.network_bound[-1]) for run in scaling]
        figures.plot_regret_scaling(
            axes[1], m, final, bound, label=f"largest class, K = {k}",
            color=colors["closed-form"],
        )
        figures.plot_regret_scaling(
            axes[1], m, network, network_bound,
            label="network (sum over the classes)",
            color="tab:red",
        )
        axes[1].set_title("digits at eta*(M): final regret against M")
        numbers["scaling"] = {
            "n_samples": m,
            "final_regret_max": final,
            "bound": bound,
            "slope": loglog_slope(m, final) if min(final) > 0 else None,
            "network_regret": network,
            "network_bound": network_bound,
            "network_slope": loglog_slope(m, network) if min(network) > 0 else None,
            "bound_slope": loglog_slope(m, bound),
        }
    _save(
        fig, out / "regret.png", index, "Regret on the digits",
        "Largest class regret (thick) and each class (thin) over the presented "
        "samples, with the EWA bound ln K / eta + eta M (a+b)^2 / 8 at the run's "
        "effective rate (dashed). Right: runs of growing length M at the rate "
        "eta*(M), final regret against the optimised bound (a+b) sqrt(M ln K/2), "
        "for the largest class and summed over the network (bound times C).",
        numbers,
    )
    plt.close(fig)

    # The order M sqrt(M): integrated regret on constructed runs and digits.
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    constructed = {
        "alternating": integrated_regret_scaling(
            protocol["integrated_horizons"], 4, "alternating"
        ),
        "random": integrated_regret_scaling(
            protocol["integrated_horizons"], 4, "random",
            n_repeats=protocol["random_repeats"], random_state=random_state,
        ),
    }
    for (name, result), color in zip(constructed.items(), ("tab:green", "tab:purple"),
                                     strict=True):
        figures.plot_integrated_regret(ax, result, label=f"{name}, K = 4", color=color)
    numbers = {
        name: {
            "n_rounds": result.n_rounds.tolist(),
            "integrated_regret": result.integrated_regret.tolist(),
            "bound": result.bound.tolist(),
            "slope": result.slope,
            "bound_slope": result.bound_slope,
        }
        for name, result in constructed.items()
    }
    if scaling:
        m = [run.n_samples for run in scaling]
        measured = [run.integrated_regret for run in scaling]
        bounds = [run.integrated_bound for run in scaling]
        ax.plot(m, measured, "s-", color=colors["closed-form"],
                label=f"digits, closed-form: slope {loglog_slope(m, measured):.3f}")
        ax.plot(m, bounds, "--", color=colors["closed-form"],
                label="digits: integrated bound at eta*(M)")
        numbers["digits"] = {
            "n_samples": m, "integrated_regret_max": measured, "bound": bounds,
            "slope": loglog_slope(m, measured),
        }
    ax.legend(fontsize="small")
    ax.set_title("regret integrated over the run: order M sqrt(M)")
    _save(
        fig, out / "integrated_regret.png", index, "Integrated regret, order M sqrt(M)",
        "Our reading of the paper's 'order M sqrt(M)': the regret integrated over "
        "the training run, tau sum_m R(m), whose optimised bound is "
        "(a+b) M sqrt((M+1) ln K) / 2 (see crnlearn.theory.integrated). "
        "Log-log slopes of constructed EWA runs at the integrated-optimal rate.",
        numbers,
    )
    plt.close(fig)

    # Weight concentration: a known best reaction, then the digits.
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    known = known_best_run(random_state=random_state)
    residual = 1.0 - known["best_weight"]
    rounds = np.arange(1, residual.size + 1)
    keep = residual > 0
    axes[0].semilogy(rounds[keep], residual[keep], color="tab:blue",
                     label="1 - weight of X_red (measured)")
    axes[0].semilogy(rounds, known["residual_bound"], "--", color="black",
                     label="bound sum exp(-eta (G_best - G_S))")
    axes[0].semilogy(rounds, known["predicted"], ":", color="tab:red",
                     label=f"(K - 1) exp(-eta gap m), gap = {known['gap']:.3f}")
    axes[0].set_ylim(0.1 * residual[keep].min(), 2.0)
    axes[0].set_xlabel("presented samples m")
    axes[0].set_ylabel("weight outside the best reaction")
    axes[0].set_title("red against the rest: class 'red', K = 21")
    axes[0].legend(fontsize="small")
    numbers = {"known_best": {key: value for key, value in known.items()
                              if np.ndim(value) == 0}}
    for name, run in runs.items():
        figures.plot_concentration(axes[1], run.concentration, label=name,
                                   color=colors[name])
        numbers[name] = run.concentration.summary()
    axes[1].set_title("digits: weights concentrate on the best reactions")
    _save(
        fig, out / "concentration.png", index, "Weight concentration",
        "Left: the conjunction task 'red against the rest', where the singleton "
        "complex X_red has the largest expected gain of the red class; the weight "
        "outside it decays geometrically at the rate eta times the gap, under its "
        "bound. Right: weight of each class's best reaction (largest mean gain "
        "over the run) and the entropy of its weights divided by ln K on the "
        "digits, averaged over classes.",
        numbers,
    )
    plt.close(fig)

    # Capacity.
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    binary = figures.vc_checks(protocol["vc_reactions"], 2, random_state=random_state)
    multi = figures.vc_checks(protocol["natarajan_reactions"], NATARAJAN_CLASSES)
    figures.plot_vc(axes[0], binary)
    axes[0].set_title("two classes: VC dimension K - 1")
    figures.plot_vc(axes[1], multi)
    axes[1].set_title(f"{NATARAJAN_CLASSES} classes: Natarajan dimension")
    _save(
        fig, out / "vc.png", index, "Capacity against K",
        "Exact shattering checks by linear programming. Two classes: the K - 1 "
        "unit flux vectors are shattered and K random flux vectors are not. "
        f"{NATARAJAN_CLASSES} classes: K unit fluxes with cyclic witnesses are "
        "N-shattered, below the upper bound (C - 1)(K - 1).",
        {"binary": binary, "multiclass": multi,
         "digits_bound": vc_dimension_bound(k, 10),
         "capacity_comparison": capacity_comparison(k, data[0].shape[1], 10)},
    )
    plt.close(fig)

    record = {
        "protocol": protocol_name,
        "settings": {key: list(v) if isinstance(v, tuple) else v
                     for key, v in protocol.items()},
        "random_state": random_state,
        "figures": index,
    }
    with open(out / "index.json", "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, default=_plain)
    return record


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
