"""The report of a comparison, rebuilt from the records of an output folder.

:func:`build_report` reads every record of a folder (see
:mod:`~crnlearn.experiments.records`), summarises them per model and K
(:func:`summarize`: median accuracy and its 10-90 % band over seeds, times,
sizes), draws the figures (:mod:`~crnlearn.experiments.plots`) and writes:

- ``index.html``: a static page (no server, no external file) with the
  table and every figure embedded as base64 PNG;
- ``figures/*.png``: the same figures as files;
- ``summary.csv``: the table; ``results.csv``: one row per record.

Everything is a function of the files on disk, so a report can be redrawn
at any time, also while a sweep on a cluster is still adding records.
"""

import base64
import csv
import html
import io
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import plots
from .models import MODELS
from .records import TMP_PREFIX, TMP_SUFFIX, RecordStore, atomic_write, read_json

__all__ = [
    "Report",
    "summarize",
    "format_table",
    "build_report",
    "curve_k",
    "REFERENCE_K",
]

logger = logging.getLogger(__name__)

#: K shown in the learning-curve, selected-reaction and regret figures: the
#: grid value closest to 50, the size at which the spiking reference was
#: measured (docs/MODEL.md section 5).
REFERENCE_K = 50
#: Test accuracies of the public CHANI code on the reference digits split with
#: K = 50 hidden neurons and EWA, three runs (docs/MODEL.md section 5), drawn beside
#: the sweep's own spiking network when the data are that split.
PUBLISHED_SNN = {
    "label": "public CHANI code, K = 50 (3 runs)",
    "k": 50,
    "accuracy": [0.764, 0.767, 0.789],
    "dataset": {"name": "digits", "n_train": 1437, "n_test": 360},
}
#: Quantiles of the band reported beside each median.
BAND = plots.BAND
#: Resolution of the PNG figures.
FIGURE_DPI = 110
#: Summary columns that hold per-seed statistics.
STATISTICS = ("accuracy", "fit_time", "predict_time")


@dataclass
class Report:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    rows : list of dict
        The summary table (see :func:`summarize`).
    records : list of dict
        Every record the report was built from.
    html : Path
        The page.
    figures : dict of str to Path
        Figure files by name.
    notes : list of str
        Figures left out, and why.
    """

    rows: list
    records: list
    html: Path
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _differs(name, records):
    """Whether parameter ``name`` takes more than one value among the records."""
    return len({json.dumps(r["params"].get(name)) for r in records}) > 1


def _series_labels(records):
    """A display label per (model, parameters), naming parameters that differ."""
    by_model = {}
    for record in records:
        by_model.setdefault(record["model"], {})[record["params_hash"]] = record
    labels = {}
    for model, variants in by_model.items():
        for params_hash, record in variants.items():
            label = record.get("label") or model
            if len(variants) > 1:
                differing = sorted(
                    name
                    for name in record["params"]
                    if _differs(name, variants.values())
                )
                shown = ", ".join(f"{n}={record['params'][n]}" for n in differing)
                label = f"{label} ({shown or params_hash})"
            labels[f"{model}@{params_hash}"] = label
    return labels


def summarize(records):
    """Per model, parameters and K: statistics over seeds.

    Parameters
    ----------
    records : list of dict
        Records of one dataset.

    Returns
    -------
    rows : list of dict
        One per (series, K), sorted by series then K, with ``series``
        (``"model@params_hash"``), ``model``, ``label``, ``family``,
        ``n_components``, ``n_seeds``, ``params``; for each of ``accuracy``,
        ``fit_time`` and ``predict_time`` the ``_median``, ``_q10`` and
        ``_q90`` over seeds (``numpy.quantile``, linear interpolation); and
        ``sizes``, the median of each size over seeds.

    Examples
    --------
    >>> base = {"model": "m", "params_hash": "h", "params": {}, "family": "reference",
    ...         "n_components": 5, "fit_time": 1.0, "predict_time": 0.1}
    >>> rows = summarize([dict(base, accuracy=a, seed_index=i)
    ...                   for i, a in enumerate([0.5, 0.7, 0.9])])
    >>> rows[0]["accuracy_median"], rows[0]["n_seeds"]
    (0.7, 3)
    """
    labels = _series_labels(records)
    groups = {}
    for record in records:
        series = f"{record['model']}@{record['params_hash']}"
        groups.setdefault((series, record["n_components"]), []).append(record)

    # Registered models in registry order, then any others as first seen.
    seen = list(dict.fromkeys(r["model"] for r in records))
    models = [m for m in MODELS if m in seen] + [m for m in seen if m not in MODELS]

    def position(item):
        (series, k), _ = item
        return models.index(series.split("@")[0]), labels[series], k or 0

    rows = []
    for (series, k), items in sorted(groups.items(), key=position):
        first = items[0]
        row = {
            "series": series,
            "model": first["model"],
            "label": labels[series],
            "family": first.get("family", "reference"),
            "n_components": k,
            "n_seeds": len(items),
            "params": first["params"],
        }
        for name in STATISTICS:
            values = np.array([r[name] for r in items], dtype=float)
            row[f"{name}_median"] = float(np.median(values))
            row[f"{name}_q10"] = float(np.quantile(values, BAND[0]))
            row[f"{name}_q90"] = float(np.quantile(values, BAND[1]))
        size_names = sorted({n for r in items for n in r.get("sizes", {})})
        row["sizes"] = {
            n: float(np.median([r["sizes"][n] for r in items if n in r["sizes"]]))
            for n in size_names
        }
        rows.append(row)
    return rows


def _format_size(sizes, family=None):
    """The sizes of the predicting network; a family's headline sizes only."""
    names = plots.SIZE_NAMES.get(family) or tuple(sizes)
    return ", ".join(
        f"{int(round(sizes[name])):,} {name}" for name in names if name in sizes
    )


def _format_seconds(seconds):
    return f"{seconds:.3g}"


def format_table(rows):
    """The summary as a plain-text table (what ``crnlearn compare`` prints).

    Examples
    --------
    >>> row = {"label": "CRN", "n_components": 10, "n_seeds": 3,
    ...        "accuracy_median": 0.9, "accuracy_q10": 0.85, "accuracy_q90": 0.93,
    ...        "fit_time_median": 0.5, "predict_time_median": 0.01,
    ...        "sizes": {"species": 120.0}}
    >>> print(format_table([row]))  # doctest: +NORMALIZE_WHITESPACE
    model  K   seeds  accuracy  10-90 %        fit s  predict s  size
    CRN    10  3      90.0 %    85.0 - 93.0 %  0.5    0.01       120 species
    """
    header = (
        "model", "K", "seeds", "accuracy", "10-90 %", "fit s", "predict s", "size"
    )
    lines = [header]
    for row in rows:
        k = row["n_components"]
        lines.append(
            (
                row["label"],
                "-" if k is None else str(k),
                str(row["n_seeds"]),
                f"{100 * row['accuracy_median']:.1f} %",
                f"{100 * row['accuracy_q10']:.1f} - {100 * row['accuracy_q90']:.1f} %",
                _format_seconds(row["fit_time_median"]),
                _format_seconds(row["predict_time_median"]),
                _format_size(row["sizes"], row.get("family")),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def curve_k(ks, reference=REFERENCE_K):
    """The value of ``ks`` closest to ``reference`` (the smaller one on a tie).

    Examples
    --------
    >>> curve_k([10, 40, 60, 200])
    40
    """
    ks = sorted(k for k in ks if k is not None)
    if not ks:
        return None
    return min(ks, key=lambda k: (abs(k - reference), k))


def _learning_curves(records, labels):
    """Per series: the learning curves of every seed at the reference K."""
    curves = {}
    by_series = {}
    for record in records:
        if record.get("learning_curve"):
            series = f"{record['model']}@{record['params_hash']}"
            by_series.setdefault(series, []).append(record)
    for series, items in by_series.items():
        k = curve_k([r["n_components"] for r in items])
        chosen = [r for r in items if r["n_components"] == k]
        curves[series] = {
            "label": labels[series],
            "n_components": k,
            "curves": [r["learning_curve"] for r in chosen],
        }
    return curves


def _showcase_record(records):
    """The chemical record whose reactions and regret are drawn.

    The first chemical series, at the K closest to :data:`REFERENCE_K`,
    lowest seed.
    """
    chemical = [r for r in records if r.get("selected") or r.get("regret")]
    if not chemical:
        return None
    first_series = (chemical[0]["model"], chemical[0]["params_hash"])
    chemical = [r for r in chemical if (r["model"], r["params_hash"]) == first_series]
    k = curve_k([r["n_components"] for r in chemical])
    chosen = [r for r in chemical if r["n_components"] == k]
    return min(chosen, key=lambda r: r["seed_index"])


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def _cell(value, text, css):
    return f'<td class="{css}" data-value="{value!r}">{html.escape(text)}</td>'


def _html_table(rows):
    head = (
        "<tr><th>model</th><th>K</th><th>seeds</th><th>accuracy (median)</th>"
        "<th>10 %</th><th>90 %</th><th>fit time, s (median)</th>"
        "<th>inference time, s (median)</th><th>size</th></tr>"
    )
    body = []
    for row in rows:
        k = row["n_components"]
        cells = [
            f"<td>{html.escape(row['label'])}</td>",
            f"<td class=\"k\">{'-' if k is None else k}</td>",
            f"<td class=\"n_seeds\">{row['n_seeds']}</td>",
            _cell(row["accuracy_median"], f"{100 * row['accuracy_median']:.1f} %",
                  "accuracy_median"),
            _cell(row["accuracy_q10"], f"{100 * row['accuracy_q10']:.1f} %",
                  "accuracy_q10"),
            _cell(row["accuracy_q90"], f"{100 * row['accuracy_q90']:.1f} %",
                  "accuracy_q90"),
            _cell(row["fit_time_median"], _format_seconds(row["fit_time_median"]),
                  "fit_time_median"),
            _cell(row["predict_time_median"],
                  _format_seconds(row["predict_time_median"]), "predict_time_median"),
            f"<td>{html.escape(_format_size(row['sizes'], row['family']))}</td>",
        ]
        body.append(
            f'<tr data-series="{html.escape(row["series"])}" '
            f'data-k="{"" if k is None else k}">' + "".join(cells) + "</tr>"
        )
    return (
        '<table id="summary"><thead>' + head + "</thead><tbody>"
        + "\n".join(body) + "</tbody></table>"
    )


def _parameters_list(rows):
    seen = {}
    for row in rows:
        seen.setdefault(row["label"], row["params"])
    items = []
    for label, params in seen.items():
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())) or "defaults"
        items.append(f"<li><b>{html.escape(label)}</b>: {html.escape(shown)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


PAGE_STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; }
figcaption { font-size: 0.9em; color: #444; }
.note { color: #8a4b00; }
"""


def _page(title, dataset, rows, records, figures, notes, extra_notes):
    versions = sorted(
        {json.dumps(r.get("versions", {}), sort_keys=True) for r in records}
    )
    warnings_seen = sorted({w for r in records for w in r.get("warnings", [])})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if dataset:
        parts.append(
            "<p>Dataset <b>{name}</b>: {n_train} training and {n_test} test samples, "
            "{n_features} features, {n_classes} classes (fingerprint {fp}).</p>".format(
                name=html.escape(str(dataset.get("name"))),
                n_train=dataset.get("n_train"),
                n_test=dataset.get("n_test"),
                n_features=dataset.get("n_features"),
                n_classes=dataset.get("n_classes"),
                fp=html.escape(str(dataset.get("fingerprint"))),
            )
        )
    parts.append(
        f"<p>{len(records)} runs. Accuracy is on the test set; the median and the "
        "10 % and 90 % quantiles are over seeds. Times are wall-clock seconds of "
        "<code>fit</code> on the training set and <code>predict</code> on the test "
        "set, one process per run. Sizes count the network that predicts.</p>"
    )
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in extra_notes]
    parts += ["<h2>Summary</h2>", _html_table(rows), "<h3>Parameters</h3>",
              _parameters_list(rows)]
    parts.append("<h2>Figures</h2>")
    for name, (png, caption) in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure id="{name}"><img alt="{html.escape(name)}" '
            f'src="data:image/png;base64,{encoded}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in notes]
    if warnings_seen:
        parts.append("<h2>Warnings raised during the runs</h2><ul>")
        parts += [f"<li>{html.escape(w)}</li>" for w in warnings_seen]
        parts.append("</ul>")
    parts.append("<h2>Provenance</h2><ul>")
    parts += [f"<li><code>{html.escape(v)}</code></li>" for v in versions]
    parts.append(
        f"</ul><p>Raw records: <code>records/*.json</code>; flat table: "
        f"<code>results.csv</code>. Built {time.strftime('%Y-%m-%d %H:%M:%S')}.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _write_csv(path, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())


def _write_tables(root, rows, records):
    size_names = sorted({n for r in rows for n in r["sizes"]})
    _write_csv(
        root / "summary.csv",
        ["model", "label", "params_hash", "K", "n_seeds"]
        + [f"{s}_{q}" for s in STATISTICS for q in ("median", "q10", "q90")]
        + size_names,
        [
            [row["model"], row["label"], row["series"].split("@")[1],
             "" if row["n_components"] is None else row["n_components"], row["n_seeds"]]
            + [row[f"{s}_{q}"] for s in STATISTICS for q in ("median", "q10", "q90")]
            + [row["sizes"].get(n, "") for n in size_names]
            for row in rows
        ],
    )
    record_sizes = sorted({n for r in records for n in r.get("sizes", {})})
    _write_csv(
        root / "results.csv",
        ["key", "model", "K", "seed_index", "random_state", "accuracy", "fit_time",
         "predict_time", "params", "dataset", "crnlearn_version"] + record_sizes,
        [
            [r["key"], r["model"],
             "" if r["n_components"] is None else r["n_components"],
             r["seed_index"], r["random_state"], r["accuracy"], r["fit_time"],
             r["predict_time"], json.dumps(r["params"], sort_keys=True),
             r["dataset"]["fingerprint"], r.get("versions", {}).get("crnlearn", "")]
            + [r.get("sizes", {}).get(n, "") for n in record_sizes]
            for r in records
        ],
    )


def build_report(root, *, title=None, notes=()):
    """Rebuild the report of an output folder from its records.

    Parameters
    ----------
    root : str or path-like
        The output folder of ``crnlearn compare``.
    title : str, optional
        Page title; default names the dataset.
    notes : sequence of str, default=()
        Extra remarks shown at the top of the page (e.g. how the default run
        differs from the paper's protocol).

    Returns
    -------
    Report

    Raises
    ------
    ValueError
        When the folder holds no record.
    """
    root = Path(root)
    store = RecordStore(root)
    records = store.load()
    if not records:
        raise ValueError(f"no records in {store.records_dir}; run a sweep first.")
    dataset = read_json(root / "dataset.json") or {}
    figures_dir = root / "figures"
    figures_dir.mkdir(exist_ok=True)
    for stale in figures_dir.glob(TMP_PREFIX + "*" + TMP_SUFFIX):
        stale.unlink(missing_ok=True)

    rows = summarize(records)
    labels = {row["series"]: row["label"] for row in rows}
    colours = plots.series_colours(list(labels))
    figures, missing = {}, []

    reference = None
    if all(dataset.get(n) == v for n, v in PUBLISHED_SNN["dataset"].items()):
        reference = PUBLISHED_SNN
    figures["accuracy"] = (
        plots.accuracy_figure(rows, colours, reference),
        "Test accuracy against K: median over seeds (line) and 10-90 % band. A model "
        "without K (no hidden layer) is a dashed line."
        + (
            " Black crosses: the public CHANI code's spiking network with K = 50 "
            "hidden neurons on the same split, three runs."
            if reference else ""
        ),
    )
    curves = _learning_curves(records, labels)
    if curves:
        figures["learning_curves"] = (
            plots.learning_curve_figure(curves, colours),
            "Test accuracy against the number of training images presented, at the K "
            f"closest to {REFERENCE_K}: median and 10-90 % band over seeds. The CRN "
            "curve uses the weights in force after each image (the reactions are "
            "selected from the training inputs beforehand); the spiking curves the "
            "output weights after each image, with the same spikes as the final "
            "prediction (the hidden layer's first images, which train and select "
            "it, come before its curve starts). Models without a weight history "
            "(the signed CRN, which makes several passes) have no curve.",
        )
    else:
        missing.append("No learning curve: no record holds one.")
    figures["times"] = (
        plots.time_figure(rows, colours),
        "Wall-clock time of training (left) and of inference on the test set "
        "(right) against K: median and 10-90 % band over seeds.",
    )
    if any(row["sizes"] for row in rows):
        figures["sizes"] = (
            plots.size_figure(rows, colours),
            "Size of the network that predicts: species and reactions of the CRN, "
            "neurons and synapses of the spiking networks.",
        )
    showcase = _showcase_record(records)
    image_shape = dataset.get("image_shape")
    if showcase is not None and showcase.get("selected") and image_shape:
        figures["selected_reactions"] = (
            plots.selected_reactions_figure(showcase["selected"], image_shape),
            f"The K = {showcase['n_components']} selected reactions of each class "
            f"(seed {showcase['seed_index']}) as pixel pairs on the image grid, over "
            "the class's mean training image. All classes share the reactions and "
            "differ in their learned weight concentrations: line width and opacity "
            "grow from the class's lightest weight (faint) to its heaviest (bold); "
            "the panel title gives that range in units of the initial weight 1/K. "
            "A dot alone is a first-order reaction; a hollow dot a complementary "
            "input (1 - x: the pixel is dark).",
        )
    elif showcase is not None and showcase.get("selected"):
        missing.append("No selected-reaction figure: the features are not pixels.")
    trajectories = read_json(root / "artifacts" / "trajectories.json")
    if trajectories:
        figures["trajectories"] = (
            plots.trajectory_figure(trajectories),
            trajectories.get(
                "caption",
                "Concentrations of weight and output species while the chemistry "
                "learns; grey lines mark a new presented image.",
            ),
        )
    else:
        missing.append(
            "No concentration trajectories: none were computed for this folder."
        )
    if showcase is not None and showcase.get("regret"):
        regret = showcase["regret"]
        if "bound" not in regret:
            missing.append(
                "No regret figure: the records hold no regret bound (crnlearn.theory "
                "was not available when they were computed)."
            )
        else:
            figures["regret"] = (
                plots.regret_figure(regret),
                f"Cumulative regret of each class's weights against its best "
                f"reaction in hindsight (K = {showcase['n_components']}, seed "
                f"{showcase['seed_index']}), with the EWA bound ln K / eta + eta M "
                f"(a + b)^2 / 8 at the effective learning rate of the run "
                f"(eta = {regret['learning_rate']:.4g}, gains in "
                f"[{regret['gain_range'][0]:g}, {regret['gain_range'][1]:g}]); "
                "dotted: (a + b) sqrt(M ln K / 2), the bound at the regret-optimal "
                "eta* tuned for each M. Symmetric-log scale.",
            )

    rendered = {}
    paths = {}
    for name, (fig, caption) in figures.items():
        png = _png(fig)
        path = figures_dir / f"{name}.png"
        atomic_write(path, png)
        rendered[name] = (png, caption)
        paths[name] = path
    _write_tables(root, rows, records)
    title = title or f"crnlearn compare: {dataset.get('name', 'results')}"
    page = _page(title, dataset, rows, records, rendered, missing, list(notes))
    html_path = root / "index.html"
    atomic_write(html_path, page)
    logger.info("report written to %s", html_path)
    return Report(
        rows=rows, records=records, html=html_path, figures=paths, notes=missing
    )
