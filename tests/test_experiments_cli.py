"""``crnlearn compare`` from the command line: data sources, options, resume,
and a tiny sweep of the real models from records to report."""

import base64
import csv
import gzip
import json
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest
from _stand_ins import FeatureSubsetCentroid

import crnlearn
from crnlearn import cli
from crnlearn.cli import main
from crnlearn.experiments import MODELS, ModelSpec, RecordStore, sweep

BUILDS = []


@pytest.fixture(autouse=True)
def only_compare(monkeypatch):
    """Build the command line with this command alone: independent of the others."""
    monkeypatch.setattr(cli, "COMMANDS", ("compare",))


def build_counted(n_components, random_state, **params):
    BUILDS.append((n_components, random_state, params))
    return FeatureSubsetCentroid(n_components, random_state)


@pytest.fixture
def stand_in(monkeypatch):
    spec = ModelSpec(
        "stand-in", build_counted, defaults={"encoding": None, "depth": 1}
    )
    monkeypatch.setitem(MODELS, spec.name, spec)
    BUILDS.clear()
    return spec


def compare(*argv):
    return main(["compare", "--no-trajectories", *map(str, argv)])


def test_npz_data_and_resume(tmp_path, stand_in, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5)) + np.arange(120)[:, None] % 3
    y = np.arange(120) % 3
    np.savez(tmp_path / "toy.npz", X=X, y=y)
    out = tmp_path / "out"
    argv = ("--data", tmp_path / "toy.npz", "--models", "stand-in", "--k", 1, 3,
            "--seeds", 2, "--out", out)

    assert compare(*argv) == 0
    printed = capsys.readouterr()
    assert "report:" in printed.out
    records = RecordStore(out).load()
    assert len(records) == 4
    # features outside [0, 1]: every model is told to rescale them
    assert {r["params"]["encoding"] for r in records} == {"minmax"}
    assert all(r["dataset"]["name"] == "toy" for r in records)
    assert all(r["n_train"] == 96 and r["n_test"] == 24 for r in records)
    assert json.loads((out / "dataset.json").read_text())["n_features"] == 5
    calls = len(BUILDS)

    assert compare(*argv) == 0  # everything done: only the report is rebuilt
    assert len(BUILDS) == calls + 1  # the one early build that checks the model
    assert "4 runs (4 done before)" in capsys.readouterr().err


def test_mnist_files(tmp_path, stand_in):
    rng = np.random.default_rng(1)

    def idx(array):
        head = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
        return gzip.compress(head + array.astype(np.uint8).tobytes())

    for kind, n in (("train", 30), ("t10k", 12)):
        (tmp_path / f"{kind}-images-idx3-ubyte.gz").write_bytes(
            idx(rng.integers(0, 256, size=(n, 4, 4)))
        )
        (tmp_path / f"{kind}-labels-idx1-ubyte.gz").write_bytes(
            idx(np.arange(n) % 2)
        )
    out = tmp_path / "out"
    assert compare("--mnist", tmp_path, "--models", "stand-in", "--k", 2,
                   "--seeds", 1, "--out", out) == 0
    (record,) = RecordStore(out).load()
    assert record["n_train"] == 30 and record["n_test"] == 12
    assert record["params"]["encoding"] is None  # pixels / 255 are in [0, 1]
    assert json.loads((out / "dataset.json").read_text())["image_shape"] == [4, 4]


def test_settings_reach_the_model(tmp_path, stand_in):
    out = tmp_path / "out"
    assert compare("--models", "stand-in", "--k", 2, "--seeds", 1, "--max-train",
                   60, "--max-test", 20, "--set", "stand-in:depth=3", "--out",
                   out) == 0
    (record,) = RecordStore(out).load()
    assert record["params"] == {"depth": 3, "encoding": None}
    assert BUILDS[-1][2] == {"depth": 3, "encoding": None}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--models", "nope"), "unknown model"),
        (("--models", "stand-in", "--set", "depth"), "--set takes"),
        (("--models", "stand-in", "--set", "width=2"), "are not parameters"),
        (("--models", "stand-in", "--set", "crn:depth=2"), "not among --models"),
        (("--data", "missing.npz"), "does not exist"),
    ],
)
def test_bad_options_are_clear_errors(tmp_path, stand_in, capsys, argv, message):
    assert compare(*argv, "--out", tmp_path / "out") == 2
    assert message in capsys.readouterr().err


def test_argument_types_are_checked(capsys):
    with pytest.raises(SystemExit):
        compare("--k", "0")
    assert "expected a number >= 1; got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        compare("--workers", "2", "--scheduler", "tcp://x:1")
    assert "not allowed with argument" in capsys.readouterr().err


def test_folder_of_another_dataset_is_refused(tmp_path, stand_in, capsys):
    out = tmp_path / "out"
    base = ("--models", "stand-in", "--k", 2, "--seeds", 1, "--out", out)
    assert compare(*base, "--max-train", 50) == 0
    assert compare(*base, "--max-train", 60) == 2
    assert "holds results for dataset" in capsys.readouterr().err


def test_redraw_needs_records(tmp_path, capsys):
    assert compare("--redraw", "--out", tmp_path) == 2
    assert "no records" in capsys.readouterr().err


# --- the real models, end to end -------------------------------------------------

#: A tiny sweep of the four built-in models: seconds, yet every figure is drawn.
TINY = ("--k", 4, 8, "--seeds", 2, "--max-train", 200, "--max-test", 60,
        "--n-steps", 100)
FIGURES = {
    "accuracy", "learning_curves", "times", "sizes", "selected_reactions",
    "trajectories", "regret",
}


class ImageSources(HTMLParser):
    """The embedded images and the summary table cells of a report page."""

    def __init__(self):
        super().__init__()
        self.images, self.rows = {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figure = attrs["id"]
        elif tag == "img":
            self.images[self._figure] = base64.b64decode(attrs["src"].split(",")[1])
        elif tag == "tr" and "data-series" in attrs:
            self.rows.append({"series": attrs["data-series"], "k": attrs["data-k"]})
        elif tag == "td" and "data-value" in attrs:
            self.rows[-1][attrs["class"]] = float(attrs["data-value"])


def test_compare_end_to_end(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["compare", *map(str, TINY), "--out", str(out)]) == 0
    printed = capsys.readouterr().out

    records = RecordStore(out).load()
    # 4 models with K (2 values x 2 seeds) but the one without K (2 seeds)
    assert sorted({r["model"] for r in records}) == [
        "crn", "crn-signed", "snn-hidden", "snn-none"
    ]
    assert len(records) == 3 * 2 * 2 + 2
    for record in records:
        assert record["n_train"] == 200 and record["n_test"] == 60
        assert record["versions"]["crnlearn"] == crnlearn.__version__
        assert record["fit_time"] > 0 and record["predict_time"] > 0
        assert 0.0 <= record["accuracy"] <= 1.0
        if record["model"].startswith("snn"):
            assert record["params"]["n_steps"] == 100
        curve = record.get("learning_curve")
        if curve is not None:  # the last point is the trained model itself
            assert curve["accuracy"][-1] == pytest.approx(record["accuracy"])
            assert curve["n_images"][-1] == 200
    regret = next(r["regret"] for r in records if r["model"] == "crn")
    assert np.all(np.asarray(regret["regret"]) <= np.asarray(regret["bound"]))

    # figures on disk, the same bytes embedded in the page
    page = (out / "index.html").read_text()
    parser = ImageSources()
    parser.feed(page)
    assert set(parser.images) == FIGURES
    for name, png in parser.images.items():
        assert png.startswith(b"\x89PNG") and png == (out / "figures" / f"{name}.png"
                                                      ).read_bytes()
    assert "signed CRN" in page and "SNN, no hidden layer" in page

    # the page's table, the printed table and the CSV all hold the records' medians
    assert len(parser.rows) == 7
    for row in parser.rows:
        model = row["series"].split("@")[0]
        accuracy = [r["accuracy"] for r in records if r["model"] == model
                    and str(r["n_components"] or "") == row["k"]]
        assert len(accuracy) == 2
        assert row["accuracy_median"] == np.median(accuracy)
        assert f"{100 * np.median(accuracy):.1f} %" in printed
    with open(out / "results.csv") as handle:
        rows = {row["key"]: row for row in csv.DictReader(handle)}
    assert rows.keys() == {r["key"] for r in records}
    assert all(float(rows[r["key"]]["accuracy"]) == r["accuracy"] for r in records)


def test_interrupted_compare_resumes(tmp_path, monkeypatch, capsys):
    """Interrupt after 3 runs; the rerun computes only the rest, records whole."""
    real = sweep.execute_run
    started = []

    def interrupting(run, spec, data):
        started.append(run.key)
        if len(started) == 4:
            raise KeyboardInterrupt
        return real(run, spec, data)

    out = tmp_path / "out"
    argv = ("--models", "crn", "snn-none", *TINY, "--no-trajectories",
            "--out", out)
    monkeypatch.setattr(sweep, "execute_run", interrupting)
    assert main(["compare", *map(str, argv)]) == 130
    assert "interrupted" in capsys.readouterr().err
    store = RecordStore(out)
    finished = store.keys()
    assert finished == sorted(started[:3])
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]

    started.clear()
    assert main(["compare", *map(str, argv)]) == 0
    assert "6 runs (3 done before)" in capsys.readouterr().err
    assert len(started) == 3 and set(started).isdisjoint(finished)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a half-written record would warn
        records = store.load()
    assert len(records) == 6

    # the resumed folder holds what an uninterrupted sweep computes
    monkeypatch.setattr(sweep, "execute_run", real)
    clean = tmp_path / "clean"
    assert main(["compare", *map(str, (*argv[:-1], clean))]) == 0
    again = {r["key"]: r for r in RecordStore(clean).load()}
    for record in records:
        assert record["accuracy"] == again[record["key"]]["accuracy"]
        assert record.get("learning_curve") == again[record["key"]].get(
            "learning_curve"
        )
