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

**Accuracy against rate-constant noise.** Every rate constant of the
learning network is multiplied by an independent log-normal factor, for
several spreads and seeds, with all reactions, only the learning ones or
only the read-out ones perturbed; the perturbed networks are trained by
the quasi-steady-state closed form of
:mod:`crnlearn.experiments.perturbation`, checked against their rate
equations.

:func:`run_robustness` runs both studies and writes ``robustness.json`` and
two figures; ``crnlearn robustness`` is its command line.
"""

import io
import logging
import time
from pathlib import Path

import numpy as np

from ..learn.classifier import CRNClassifier
from ..learn.complexes import complex_fluxes, input_concentrations
from ..learn.stochastic_backend import stochastic_readout
from .perturbation import (
    NOISE_TARGETS,
    RateFactors,
    closed_form_check,
    draw_rate_factors,
    perturbed_scores,
    perturbed_training,
)
from .records import atomic_write, write_json

__all__ = [
    "rate_noise_study",
    "run_robustness",
    "volume_study",
]

logger = logging.getLogger(__name__)

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
