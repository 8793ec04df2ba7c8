"""Plots of the learning theory, drawn on axes the caller provides.

Each function takes a matplotlib ``Axes`` and a result object of
:mod:`crnlearn.theory`, draws on it, and returns the axes, so reports can
lay the panels out as they like:

- :func:`plot_regret`: regret of each class over rounds with the EWA bound
  (:class:`~crnlearn.theory.RegretResult`);
- :func:`plot_regret_scaling`: final regret of runs of different lengths
  against their bounds;
- :func:`plot_integrated_regret`: the regret integrated over a run against
  ``M``, with its fitted log-log slope
  (:class:`~crnlearn.theory.IntegratedRegretScaling`);
- :func:`plot_concentration`: best-expert weight and weight entropy over
  rounds (:class:`~crnlearn.theory.ConcentrationResult`);
- :func:`plot_vc`: capacity bounds against ``K`` with the outcomes of
  exact shattering checks (records of :func:`vc_checks`).

No function here creates a figure, chooses a backend or writes a file.
"""

import numpy as np

from .integrated import loglog_slope
from .vc import (
    natarajan_dimension_bounds,
    natarajan_shattered_set,
    natarajan_shattering_check,
    shattered_flux_set,
    shattering_check,
)

__all__ = [
    "plot_concentration",
    "plot_integrated_regret",
    "plot_regret",
    "plot_regret_scaling",
    "plot_vc",
    "vc_checks",
]


def _positive(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0)
    return x[keep], y[keep]


def plot_regret(ax, result, label=None, color=None, per_class=True, loglog=True):
    """Regret of each class over rounds, with the EWA bound.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    result : RegretResult
        From :func:`~crnlearn.theory.regret_over_time` or
        :func:`~crnlearn.theory.classifier_regret`.
    label : str, default=None
        Legend label of the run (for example the backend).
    color : str, default=None
        Colour of the run and its bounds (black bounds when None).
    per_class : bool, default=True
        Draw each class's regret (thin lines) and the largest over classes
        (thick); False draws the largest only.
    loglog : bool, default=True
        Logarithmic axes; non-positive regrets are left out.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from crnlearn.theory import ewa_weight_history, regret_over_time
    >>> g = np.random.default_rng(0).uniform(-1, 1, (200, 3, 5))
    >>> r = regret_over_time(g, ewa_weight_history(g, 0.2), 0.2, (-1, 1))
    >>> ax = plot_regret(plt.figure().gca(), r, label="EWA")
    """
    rounds = result.rounds
    regret = result.regret.reshape(result.n_rounds, -1)
    if per_class and regret.shape[1] > 1:
        for column in regret.T:
            ax.plot(*_positive(rounds, column), color=color, lw=0.6, alpha=0.35)
    worst = regret.max(axis=1)
    ax.plot(*_positive(rounds, worst), color=color, lw=1.8,
            label=f"{label}: largest class regret" if label else "largest class regret")
    prefix = f"{label}: " if label else ""
    bound_color = "black" if color is None else color
    ax.plot(rounds, result.bound, color=bound_color, ls="--", lw=1.2,
            label=f"{prefix}bound at its eta = {result.learning_rate:.3g}")
    ax.plot(rounds, result.optimal_bound, color=bound_color, ls=":", lw=1.0,
            alpha=0.7, label=f"{prefix}bound at the rate tuned to each M")
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("presented samples M")
    ax.set_ylabel("regret (gain per sample)")
    ax.legend(fontsize="small")
    return ax


def plot_regret_scaling(ax, n_rounds, final_regret, bound, label=None, color=None):
    """Final regret of runs of different lengths against their bounds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    n_rounds : array-like of shape (n_runs,)
        Length ``M`` of each run.
    final_regret : array-like of shape (n_runs,)
        Its final regret (for example the largest over classes).
    bound : array-like of shape (n_runs,)
        Its bound.
    label : str, default=None
        Legend label.
    color : str, default=None
        Colour of the measured points; the bound uses the same colour,
        dashed.

    Returns
    -------
    matplotlib.axes.Axes
    """
    x, y = _positive(n_rounds, final_regret)
    text = f"{label}: " if label else ""
    if x.size >= 2:
        text += f"measured (slope {loglog_slope(x, y):.2f})"
    else:
        text += "measured"
    ax.plot(x, y, "o-", color=color, label=text)
    ax.plot(n_rounds, bound, ls="--", color=color,
            label=f"{label}: bound" if label else "bound")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("presented samples M")
    ax.set_ylabel("final regret")
    ax.legend(fontsize="small")
    return ax


def plot_integrated_regret(ax, scaling, label=None, color=None):
    """Integrated regret against ``M`` with its bound and fitted slope.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    scaling : IntegratedRegretScaling
        From :func:`~crnlearn.theory.integrated_regret_scaling`, or any
        object with the attributes ``n_rounds``, ``integrated_regret``,
        ``bound`` and ``slope``.
    label : str, default=None
        Legend label (defaults to the sequence name).
    color : str, default=None
        Colour of the measured points.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from crnlearn.theory import integrated_regret_scaling
    >>> s = integrated_regret_scaling([100, 400, 1600])
    >>> ax = plot_integrated_regret(plt.figure().gca(), s)
    """
    name = label or getattr(scaling, "sequence", "run")
    ax.plot(scaling.n_rounds, scaling.integrated_regret, "o-", color=color,
            label=f"{name}: measured, slope {scaling.slope:.3f}")
    ax.plot(scaling.n_rounds, scaling.bound, ls="--", color=color,
            label=f"{name}: optimised bound")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("presented samples M")
    ax.set_ylabel("regret integrated over the run")
    ax.legend(fontsize="small")
    return ax


def plot_concentration(ax, result, label=None, color=None):
    """Best-expert weight and normalised weight entropy over rounds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    result : ConcentrationResult
        From :func:`~crnlearn.theory.weight_concentration` or
        :func:`~crnlearn.theory.classifier_concentration`; values are
        averaged over the aggregations of the layer (the classes).
    label : str, default=None
        Prefix of the legend labels.
    color : str, default=None
        Colour of both curves (the entropy is dashed).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from crnlearn.theory import ewa_weight_history, weight_concentration
    >>> g = np.random.default_rng(0).uniform(-1, 1, (500, 4)) + [0.3, 0, 0, 0]
    >>> c = weight_concentration(ewa_weight_history(g, 0.1), g)
    >>> ax = plot_concentration(plt.figure().gca(), c)
    """
    axes = tuple(range(1, result.best_weight.ndim))
    prefix = f"{label}: " if label else ""
    ax.plot(result.rounds, result.best_weight.mean(axis=axes), color=color,
            label=prefix + "weight of the best expert")
    ax.plot(result.rounds, result.normalized_entropy.mean(axis=axes), color=color,
            ls="--", label=prefix + "weight entropy / ln K")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("presented samples M")
    ax.set_ylabel("mean over classes")
    ax.legend(fontsize="small")
    return ax


def vc_checks(n_reactions, n_classes=2, random_state=None):
    """Exact shattering checks behind :func:`plot_vc`.

    For each ``K``: the constructed set (:func:`~crnlearn.theory.
    natarajan_shattered_set`, which for two classes is the ``K - 1`` unit
    fluxes) is checked to be shattered; for two classes, ``K`` random flux
    vectors are checked not to be.

    Parameters
    ----------
    n_reactions : iterable of int
        Values of ``K`` (each >= 2; keep them small: a check solves up to
        ``2^K`` linear programs).
    n_classes : int, default=2
        Number of classes ``C``.
    random_state : int, numpy Generator or None, default=None
        Seed of the random ``K``-point sets.

    Returns
    -------
    list of dict
        One record per ``K``: ``n_reactions``, ``lower`` and ``upper`` (the
        bounds), ``shattered_size`` and ``shattered`` (the constructed set),
        and for two classes ``unshattered_size`` and ``unshattered``
        (whether the random ``K`` points resisted, True expected).

    Examples
    --------
    >>> [r["shattered"] for r in vc_checks([2, 3, 4], random_state=0)]
    [True, True, True]
    """
    rng = np.random.default_rng(random_state)
    records = []
    for k in n_reactions:
        lower, upper = natarajan_dimension_bounds(k, n_classes)
        if n_classes == 2:
            points = shattered_flux_set(k)
            shattered = shattering_check(points).shattered
        else:
            points, f0, f1 = natarajan_shattered_set(k, n_classes)
            shattered = natarajan_shattering_check(points, f0, f1, n_classes).shattered
        record = {
            "n_reactions": int(k),
            "n_classes": int(n_classes),
            "lower": int(lower),
            "upper": int(upper),
            "shattered_size": int(points.shape[0]),
            "shattered": bool(shattered),
        }
        if n_classes == 2:
            record["unshattered_size"] = int(k)
            record["unshattered"] = not shattering_check(rng.random((k, k))).shattered
        records.append(record)
    return records


def plot_vc(ax, records, color=None):
    """Capacity bounds against ``K`` with the shattering-check outcomes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    records : list of dict
        From :func:`vc_checks` (one number of classes).
    color : str, default=None
        Colour of the bound.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_vc(plt.figure().gca(), vc_checks([2, 3, 4], random_state=0))
    """
    k = np.array([r["n_reactions"] for r in records])
    n_classes = records[0]["n_classes"] if records else 2
    upper = np.array([r["upper"] for r in records])
    name = "VC dimension K - 1" if n_classes == 2 else (
        f"Natarajan bound (C - 1)(K - 1), C = {n_classes}"
    )
    ax.plot(k, upper, "-", color=color, label=name)
    if n_classes > 2:
        ax.plot(k, [r["lower"] for r in records], ":", color=color,
                label="lower bound K")

    ok = [r for r in records if r["shattered"]]
    ax.plot([r["n_reactions"] for r in ok], [r["shattered_size"] for r in ok],
            "o", color="tab:green", label="set shattered (checked by LP)")
    failed = [r for r in records if not r["shattered"]]
    if failed:
        ax.plot([r["n_reactions"] for r in failed],
                [r["shattered_size"] for r in failed], "o", mfc="none",
                color="tab:red", label="constructed set NOT shattered")
    resisted = [r for r in records if r.get("unshattered")]
    if resisted:
        ax.plot([r["n_reactions"] for r in resisted],
                [r["unshattered_size"] for r in resisted], "x", color="tab:red",
                label="K random points: not shattered (LP)")
    ax.set_xlabel("selected reactions K")
    ax.set_ylabel("points")
    ax.legend(fontsize="small")
    return ax
