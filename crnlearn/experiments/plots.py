"""Figures of a comparison, drawn from records (never from live estimators).

Every function takes summary rows or records (plain dicts, as read from disk)
and returns a :class:`matplotlib.figure.Figure` built without ``pyplot``, so
nothing here touches global plotting state or needs a display: figures are
rendered by the Agg canvas when saved.
"""

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "series_colours",
    "accuracy_figure",
    "learning_curve_figure",
    "time_figure",
    "size_figure",
    "selected_reactions_figure",
    "trajectory_figure",
    "regret_figure",
    "BAND",
]

#: Quantiles of the shaded band around each median: 10 % to 90 % of the seeds.
BAND = (0.1, 0.9)
#: Width of one figure panel, in inches (fits a page column at 100 dpi).
PANEL_WIDTH = 5.0
#: Height of one figure panel, in inches.
PANEL_HEIGHT = 3.6
#: Transparency of the 10-90 % bands, light enough to see overlaps.
BAND_ALPHA = 0.2
#: Size names per family of learner, in plotting order.
SIZE_NAMES = {
    "chemical": ("species", "reactions"),
    "spiking": ("neurons", "synapses"),
    "reference": (),
}


def series_colours(series):
    """A colour for each series name, stable across the figures of a report."""
    palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
        "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
    ]
    return {name: palette[i % len(palette)] for i, name in enumerate(series)}


def _figure(n_panels=1, height=PANEL_HEIGHT, width=PANEL_WIDTH):
    fig = Figure(figsize=(width * n_panels, height), layout="constrained")
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, axes


def _by_series(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row["series"], []).append(row)
    for items in grouped.values():
        items.sort(key=lambda r: -1 if r["n_components"] is None else r["n_components"])
    return grouped


def _k_range(rows):
    ks = [r["n_components"] for r in rows if r["n_components"] is not None]
    return (min(ks), max(ks)) if ks else (0, 1)


def _band_plot(ax, rows, key, colour, label, k_range, log=False):
    """Median line and quantile band of ``key`` against K (flat if K unused)."""
    median = np.array([r[f"{key}_median"] for r in rows])
    low = np.array([r[f"{key}_q10"] for r in rows])
    high = np.array([r[f"{key}_q90"] for r in rows])
    if rows[0]["n_components"] is None:
        ax.axhline(median[0], color=colour, linestyle="--", label=f"{label} (no K)")
        ax.axhspan(low[0], high[0], color=colour, alpha=BAND_ALPHA, linewidth=0)
        return
    ks = [r["n_components"] for r in rows]
    ax.plot(ks, median, marker="o", markersize=3, color=colour, label=label)
    ax.fill_between(ks, low, high, color=colour, alpha=BAND_ALPHA, linewidth=0)


def accuracy_figure(rows, colours, reference=None):
    """Test accuracy against K: median over seeds and 10-90 % band per model.

    Parameters
    ----------
    rows : list of dict
        Summary rows (see :func:`crnlearn.experiments.report.summarize`).
    colours : mapping of series name to colour
    reference : dict, optional
        Published points drawn as black crosses: ``label``, ``k`` and
        ``accuracy`` (a list, one per run).
    """
    fig, (ax,) = _figure()
    k_range = _k_range(rows)
    for name, items in _by_series(rows).items():
        _band_plot(ax, items, "accuracy", colours[name], items[0]["label"], k_range)
    if reference:
        values = list(reference["accuracy"])
        ax.plot(
            [reference["k"]] * len(values), values, linestyle="none", marker="x",
            color="black", label=reference["label"],
        )
    ax.set_xlabel("K (selected reactions / hidden neurons)")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def time_figure(rows, colours):
    """Training and inference wall-clock time against K (log scale)."""
    fig, axes = _figure(2)
    k_range = _k_range(rows)
    for ax, key, title in zip(
        axes, ("fit_time", "predict_time"), ("training", "inference on the test set"),
        strict=True,
    ):
        for name, items in _by_series(rows).items():
            _band_plot(ax, items, key, colours[name], items[0]["label"], k_range)
        ax.set_yscale("log")
        ax.set_xlabel("K")
        ax.set_ylabel("seconds")
        ax.set_title(title, fontsize="medium")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize="small")
    return fig


def size_figure(rows, colours):
    """Species and reactions of the CRN against neurons and synapses of the SNNs."""
    fig, (ax,) = _figure(width=PANEL_WIDTH + 2.5)
    markers = ("o", "s")
    drawn = False
    for name, items in _by_series(rows).items():
        family = items[0]["family"]
        for marker, size_name in zip(markers, SIZE_NAMES.get(family, ()), strict=False):
            values = [r["sizes"].get(size_name) for r in items]
            if any(v is None for v in values):
                continue
            label = f"{items[0]['label']}: {size_name}"
            linestyle = "-" if marker == "o" else ":"
            if items[0]["n_components"] is None:
                ax.axhline(values[0], color=colours[name], linestyle="--", label=label)
            else:
                ks = [r["n_components"] for r in items]
                ax.plot(
                    ks, values, marker=marker, markersize=3, linestyle=linestyle,
                    color=colours[name], label=label,
                )
            drawn = True
    ax.set_yscale("log")
    ax.set_xlabel("K")
    ax.set_ylabel("count")
    ax.grid(alpha=0.3, which="both")
    if drawn:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def learning_curve_figure(curves, colours):
    """Test accuracy against the number of training images presented.

    Parameters
    ----------
    curves : mapping of series name to dict
        Each with ``label``, ``n_components`` and ``curves``: a list of
        ``{"n_images": [...], "accuracy": [...]}``, one per seed.
    colours : mapping of series name to colour
    """
    fig, (ax,) = _figure()
    for name, entry in curves.items():
        grid = np.unique(np.concatenate([c["n_images"] for c in entry["curves"]]))
        # Seeds share checkpoints for a given dataset; interpolate in case not.
        table = np.array(
            [np.interp(grid, c["n_images"], c["accuracy"]) for c in entry["curves"]]
        )
        median = np.median(table, axis=0)
        low, high = np.quantile(table, BAND, axis=0)
        k = entry["n_components"]
        label = entry["label"] + ("" if k is None else f", K = {k}")
        x = np.maximum(grid, 1)  # log axis: the untrained point is drawn at 1
        ax.plot(x, median, color=colours[name], label=label)
        ax.fill_between(
            x, low, high, color=colours[name], alpha=BAND_ALPHA, linewidth=0
        )
    ax.set_xscale("log")
    ax.set_xlabel("training images presented")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def _pixel_xy(index, image_shape):
    row, col = divmod(int(index), int(image_shape[1]))
    return col, row


def selected_reactions_figure(selected, image_shape, max_columns=5):
    """The selected reactions of each class as pixel pairs on the image grid.

    A reaction ``X_i + X_j`` is a segment between pixels ``i`` and ``j``, a
    first-order reaction ``X_i`` a dot. Every class has the same ``K``
    reactions; what differs is the weight it learned for each, so width and
    opacity grow with the weight, scaled from the class's lightest weight
    (faint) to its heaviest (bold). With dual-rail inputs, a complementary
    species (index ``d + i``, the concentration ``1 - x_i``: "pixel ``i``
    dark") is drawn at pixel ``i`` with a hollow marker. The background is
    the class's mean training image when ``selected`` holds it.

    Parameters
    ----------
    selected : dict
        ``complexes`` (K lists of input-species indices), ``weights``
        (n_classes x K), ``classes``, ``n_features`` and optionally
        ``class_means`` (n_classes x n_features).
    image_shape : tuple of int
        (height, width) of an image.
    max_columns : int, default=5
        Panels per row.
    """
    complexes = selected["complexes"]
    weights = np.asarray(selected["weights"], dtype=float)
    classes = selected["classes"]
    means = selected.get("class_means")
    n_features = int(selected["n_features"])
    n_classes = len(classes)
    n_cols = min(max_columns, n_classes)
    n_rows = -(-n_classes // n_cols)
    fig = Figure(figsize=(2.2 * n_cols, 2.4 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    height, width = image_shape
    for c, ax in enumerate(axes):
        if c >= n_classes:
            ax.set_axis_off()
            continue
        if means is not None:
            ax.imshow(
                np.reshape(means[c], image_shape), cmap="Greys", vmin=0, vmax=1.5,
                interpolation="nearest",
            )
        w = weights[c]
        spread = w.max() - w.min()
        strengths = (w - w.min()) / spread if spread > 0 else np.ones_like(w)
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_xticks(np.arange(width) - 0.5, minor=True)
        ax.set_yticks(np.arange(height) - 0.5, minor=True)
        ax.grid(which="minor", color="0.85", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        for s in np.argsort(w):  # heaviest drawn last, on top
            strength = strengths[s]
            members = complexes[s]
            points = [_pixel_xy(i % n_features, image_shape) for i in members]
            complement = [i >= n_features for i in members]
            xs, ys = zip(*points, strict=True)
            alpha = 0.05 + 0.95 * strength**2
            if len(points) > 1:
                ax.plot(
                    xs, ys, color="#1f77b4", alpha=alpha, linewidth=0.3 + 2.5 * strength
                )
            for (x, y), hollow in zip(points, complement, strict=True):
                ax.plot(
                    x, y, marker="o", markersize=1.5 + 3.5 * strength,
                    markerfacecolor="none" if hollow else "#d62728",
                    markeredgecolor="#d62728", alpha=alpha, linestyle="none",
                )
        ax.set_title(
            f"class {classes[c]}: w {w.min() * len(w):.2f}-{w.max() * len(w):.2f} / K",
            fontsize="x-small",
        )
    return fig


def trajectory_figure(trajectories):
    """Concentrations of weight and output species while the chemistry learns.

    Parameters
    ----------
    trajectories : dict
        ``t`` (times), ``species`` (names), ``concentrations`` (one list per
        time), ``boundaries`` (times at which a new image is presented) and
        ``labels`` (the class of each presented image).
    """
    t = np.asarray(trajectories["t"], dtype=float)
    values = np.asarray(trajectories["concentrations"], dtype=float)
    names = list(trajectories["species"])
    groups = trajectories.get("groups") or {}
    weight_names = groups.get("weights") or [n for n in names if n.startswith("W")]
    output_names = groups.get("outputs") or [n for n in names if n.startswith("Y")]
    fig, axes = _figure(2)
    for ax, subset, title in (
        (axes[0], weight_names, "weight species"),
        (axes[1], output_names, "output species"),
    ):
        for name in subset:
            ax.plot(t, values[:, names.index(name)], linewidth=1, label=name)
        for boundary in trajectories.get("boundaries", [])[1:]:
            ax.axvline(boundary, color="0.7", linewidth=0.5)
        ax.set_xlabel("time")
        ax.set_ylabel("concentration")
        ax.set_title(title, fontsize="medium")
        ax.grid(alpha=0.3)
        if subset:
            ax.legend(fontsize="x-small", ncols=2)
    return fig


def regret_figure(regret):
    """Each class's cumulative regret against the EWA bound, over the rounds.

    Parameters
    ----------
    regret : dict
        ``n_rounds`` (the rounds M shown), ``regret`` (one list per class),
        ``bound`` (the bound at each M, the same for every class), and
        optionally ``optimal_bound`` (the bound at the regret-optimal
        learning rate for each M) and ``classes``.
    """
    rounds = np.asarray(regret["n_rounds"])
    curves = np.asarray(regret["regret"], dtype=float)
    classes = regret.get("classes") or list(range(len(curves)))
    fig, (ax,) = _figure(height=PANEL_HEIGHT + 0.4)
    for c, curve in enumerate(curves):
        ax.plot(rounds, curve, linewidth=1, label=f"class {classes[c]}")
    ax.plot(
        rounds, regret["bound"], color="black", linestyle="--", linewidth=1.5,
        label="EWA bound at the run's eta",
    )
    if regret.get("optimal_bound") is not None:
        ax.plot(
            rounds, regret["optimal_bound"], color="black", linestyle=":",
            linewidth=1.5, label="bound of a run at the optimal eta*(M)",
        )
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    top = max(np.max(regret["bound"]), np.max(curves))
    bottom = min(0.0, np.min(curves))
    ax.set_ylim(bottom - (1.0 if bottom < 0 else 0.0), 2.0 * top)
    ax.set_xlabel("rounds M (training images presented)")
    ax.set_ylabel("cumulative regret")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="x-small", ncols=2)
    return fig
