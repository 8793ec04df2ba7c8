"""The report agrees with the records it is built from."""

import base64
import csv
import json
from html.parser import HTMLParser

import numpy as np
import pytest
from _stand_ins import FeatureSubsetCentroid

from crnlearn import ReactionNetwork, simulate
from crnlearn.datasets import load_digits_split
from crnlearn.experiments import (
    ModelSpec,
    RecordStore,
    build_report,
    dataset_summary,
    format_table,
    plan_runs,
    run_sweep,
    summarize,
    write_json,
)
from crnlearn.experiments.models import curve_checkpoints

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def inspect_prefix(estimator, data, y_pred):
    """Learning curve by refitting on prefixes of the training set."""
    points = curve_checkpoints(len(data.y_train), 5)[2:]  # >= 2 samples per fit
    accuracy = []
    for m in points:
        est = FeatureSubsetCentroid(estimator.n_components, estimator.random_state)
        est.fit(data.X_train[:m], data.y_train[:m])
        accuracy.append(float(np.mean(est.predict(data.X_test) == data.y_test)))
    return {
        "sizes": {"species": 3 * estimator.n_components, "reactions": 7},
        "learning_curve": {"n_images": points.tolist(), "accuracy": accuracy},
    }


SPECS = [
    ModelSpec(
        "prefix-centroid",
        lambda k, seed, **p: FeatureSubsetCentroid(k, seed),
        label="stand-in",
        family="chemical",
        defaults={"shrink": 0},
        inspect=inspect_prefix,
    ),
    ModelSpec(
        "all-centroid",
        lambda k, seed, **p: FeatureSubsetCentroid(64, seed),
        uses_k=False,
    ),
]


class TableParser(HTMLParser):
    """Collects the data-value of every cell of the summary table, by row."""

    def __init__(self):
        super().__init__()
        self.rows, self.images, self._in_table = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "summary":
            self._in_table = True
        elif self._in_table and tag == "tr" and "data-series" in attrs:
            self.rows.append({"series": attrs["data-series"], "k": attrs["data-k"]})
        elif self._in_table and tag == "td" and "data-value" in attrs:
            self.rows[-1][attrs["class"]] = float(attrs["data-value"])
        elif tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory):
    split = load_digits_split()
    data = type(split)(
        split.X_train[:200], split.X_test[:80], split.y_train[:200],
        split.y_test[:80], name="digits-small", image_shape=(8, 8),
    )
    root = tmp_path_factory.mktemp("report")
    store = RecordStore(root)
    write_json(root / "dataset.json", dataset_summary(data))
    runs = plan_runs(SPECS, [4, 16], 3, data=data)
    # a second setting of the same model: labelled apart in the report
    runs += plan_runs(SPECS[:1], [4], 2, data=data, params={"shrink": 1})
    run_sweep(runs, data, store, models={s.name: s for s in SPECS})

    network = ReactionNetwork.from_text("W0 -> Y0 [k = 1]; W0 @i 1")
    trace = simulate(network, 2.0, n_points=11)
    (root / "artifacts").mkdir()
    write_json(
        root / "artifacts" / "trajectories.json",
        {"t": trace.t.tolist(), "species": list(trace.species),
         "concentrations": trace.concentrations.tolist(), "boundaries": [0.0, 1.0]},
    )
    report = build_report(root, notes=["a note for the page"])
    return root, report


def test_html_table_equals_medians_of_records(report_folder):
    root, report = report_folder
    records = RecordStore(root).load()
    parser = TableParser()
    parser.feed(report.html.read_text())

    assert len(parser.rows) == 4  # K = 4 and 16; K = 4 with shrink=1; no K
    for row in parser.rows:
        model, params_hash = row["series"].split("@")
        chosen = [
            r for r in records
            if r["model"] == model and r["params_hash"] == params_hash
            and str(r["n_components"] or "") == row["k"]
        ]
        accuracy = [r["accuracy"] for r in chosen]
        assert len(chosen) in (2, 3)
        assert row["accuracy_median"] == np.median(accuracy)
        assert row["accuracy_q10"] == np.quantile(accuracy, 0.1)
        assert row["accuracy_q90"] == np.quantile(accuracy, 0.9)
        assert row["fit_time_median"] == np.median([r["fit_time"] for r in chosen])
        assert min(accuracy) <= row["accuracy_q10"] <= row["accuracy_median"]
        assert row["accuracy_median"] <= row["accuracy_q90"] <= max(accuracy)


def test_figures_are_written_and_embedded(report_folder):
    root, report = report_folder
    assert set(report.figures) == {
        "accuracy", "learning_curves", "times", "sizes", "trajectories"
    }
    parser = TableParser()
    parser.feed(report.html.read_text())
    embedded = [base64.b64decode(src.split(",", 1)[1]) for src in parser.images]
    assert len(embedded) == len(report.figures)
    for name, path in report.figures.items():
        png = path.read_bytes()
        assert png.startswith(PNG_MAGIC)
        assert png in embedded, name
    page = report.html.read_text()
    assert "a note for the page" in page
    assert "stand-in (shrink=1)" in page and "stand-in (shrink=0)" in page
    assert not list(root.rglob("*.tmp"))


def test_csv_tables_match_records(report_folder):
    root, report = report_folder
    records = {r["key"]: r for r in RecordStore(root).load()}
    with open(root / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["key"] for row in rows} == set(records)
    for row in rows:
        assert float(row["accuracy"]) == records[row["key"]]["accuracy"]
        assert json.loads(row["params"]) == records[row["key"]]["params"]
    with open(root / "summary.csv") as handle:
        summary = list(csv.DictReader(handle))
    assert [float(r["accuracy_median"]) for r in summary] == [
        r["accuracy_median"] for r in report.rows
    ]


def test_redraw_from_records_gives_the_same_table(report_folder):
    root, report = report_folder
    again = build_report(root)
    assert again.rows == report.rows
    assert format_table(again.rows) == format_table(report.rows)


def test_summarize_groups_by_model_params_and_k():
    base = {"model": "m", "params": {"a": 1}, "family": "reference",
            "fit_time": 1.0, "predict_time": 2.0}
    records = [
        dict(base, params_hash="h1", n_components=5, accuracy=a, seed_index=i,
             sizes={"neurons": 10 + i})
        for i, a in enumerate([0.2, 0.4, 0.9, 0.5])
    ] + [dict(base, params_hash="h2", params={"a": 2}, n_components=5, accuracy=0.1,
              seed_index=0)]
    rows = summarize(records)
    assert [(r["series"], r["n_seeds"]) for r in rows] == [("m@h1", 4), ("m@h2", 1)]
    assert rows[0]["accuracy_median"] == pytest.approx(0.45, abs=1e-12)
    assert rows[0]["accuracy_q10"] == pytest.approx(0.26, abs=1e-12)
    assert rows[0]["sizes"] == {"neurons": 11.5}
    assert rows[0]["label"] == "m (a=1)"


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no records in"):
        build_report(tmp_path)
