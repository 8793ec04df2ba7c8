"""Sweep planning, seeds, atomic records and resuming an interrupted sweep.

The models here are small scikit-learn stand-ins registered by the tests, so
the sweep machinery is checked in seconds and independently of the learners.
"""

import json
import os

import numpy as np
import pytest
from _stand_ins import FeatureSubsetCentroid

from crnlearn.datasets import load_digits_split
from crnlearn.experiments import (
    ModelSpec,
    RecordStore,
    atomic_write,
    draw_seeds,
    execute_run,
    plan_runs,
    run_sweep,
)
from crnlearn.experiments.records import REQUIRED_FIELDS, RecordWarning


def build_stand_in(n_components, random_state, **params):
    return FeatureSubsetCentroid(n_components, random_state)


def inspect_stand_in(estimator, data, y_pred):
    return {"sizes": {"features": int(len(estimator.columns_))}}


STAND_IN = ModelSpec(
    "subset-centroid", build_stand_in, family="reference", defaults={"C": 1.0},
    inspect=inspect_stand_in,
)
CONSTANT = ModelSpec(
    "majority", lambda k, seed, **p: _Majority(), uses_k=False, defaults={}
)


class _Majority:
    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.value_ = values[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.value_)


@pytest.fixture(scope="module")
def data():
    split = load_digits_split()
    return type(split)(
        split.X_train[:300], split.X_test[:100], split.y_train[:300],
        split.y_test[:100], name="digits-small", image_shape=(8, 8),
    )


@pytest.fixture
def models():
    return {STAND_IN.name: STAND_IN, CONSTANT.name: CONSTANT}


def plan(data, models, ks=(3, 6), n_seeds=2, **kwargs):
    return plan_runs(list(models.values()), ks, n_seeds, data=data, **kwargs)


# --- seeds and planning ---------------------------------------------------------


def test_seeds_are_drawn_from_seed_sequence_and_extend():
    seeds = draw_seeds(5, base_seed=7)
    children = np.random.SeedSequence(7).spawn(5)
    assert seeds == [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert draw_seeds(3, base_seed=7) == seeds[:3]
    assert len(set(seeds)) == 5
    assert draw_seeds(2, base_seed=8) != seeds[:2]
    with pytest.raises(ValueError, match="n_seeds must be >= 1; got 0"):
        draw_seeds(0)


def test_plan_covers_grid_and_keys_are_unique(data, models):
    runs = plan(data, models, ks=(6, 3, 6), n_seeds=2)
    k_runs = [r for r in runs if r.model == "subset-centroid"]
    assert [(r.n_components, r.seed_index) for r in k_runs] == [
        (3, 0), (3, 1), (6, 0), (6, 1)
    ]
    # a model without K runs once per seed
    assert [(r.n_components, r.seed_index) for r in runs if r.model == "majority"] == [
        (None, 0), (None, 1)
    ]
    assert len({r.key for r in runs}) == len(runs)
    # common random numbers: seed i is the same for every model and K
    assert {r.random_state for r in runs if r.seed_index == 1} == {draw_seeds(2)[1]}


def test_key_depends_on_params_and_data(data, models):
    base = plan(data, models, ks=(3,), n_seeds=1)[0]
    other_params = plan(data, models, ks=(3,), n_seeds=1, params={"C": 2.0})[0]
    smaller = type(data)(
        data.X_train[:200], data.X_test, data.y_train[:200], data.y_test,
        name=data.name,
    )
    other_data = plan(smaller, models, ks=(3,), n_seeds=1)[0]
    assert base.model == other_params.model == other_data.model
    assert len({base.key, other_params.key, other_data.key}) == 3
    assert dict(other_params.params) == {"C": 2.0}


def test_plan_errors(data, models):
    with pytest.raises(ValueError, match="unknown model 'nope'; choose from"):
        plan_runs(["nope"], [3], 1, data=data)
    with pytest.raises(ValueError, match="every K must be a whole number >= 1; got 0"):
        plan(data, models, ks=(0,))
    with pytest.raises(ValueError, match=r"parameters \['speed'\] are not parameters"):
        plan(data, models, params={"speed": 3})


# --- one run --------------------------------------------------------------------


def test_execute_run_measures_the_model(data, models):
    run = plan(data, models, ks=(5,), n_seeds=1)[0]
    record = execute_run(run, STAND_IN, data)

    reference = build_stand_in(5, run.random_state).fit(data.X_train, data.y_train)
    expected = np.mean(reference.predict(data.X_test) == data.y_test)
    assert record["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert record["sizes"] == {"features": 5}
    assert record["fit_time"] > 0 and record["predict_time"] > 0
    assert record["versions"]["crnlearn"]
    assert record["params"] == {"C": 1.0}
    assert set(REQUIRED_FIELDS) <= set(record)
    json.dumps(record)  # serialisable as it is


def test_execute_run_rejects_other_data(data, models):
    run = plan(data, models, ks=(5,), n_seeds=1)[0]
    other = type(data)(data.X_train[:50], data.X_test, data.y_train[:50], data.y_test)
    with pytest.raises(ValueError, match="was planned for data"):
        execute_run(run, STAND_IN, other)


# --- records --------------------------------------------------------------------


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    atomic_write(path, "old")

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_store_ignores_and_cleans_litter(tmp_path):
    store = RecordStore(tmp_path)
    record = dict.fromkeys(REQUIRED_FIELDS, 0) | {"key": "a"}
    store.write(record)
    (store.records_dir / ".b.json.x1.tmp").write_text('{"key": ')
    (store.records_dir / "c.json").write_text("{not json")

    with pytest.warns(RecordWarning, match="c.json: not a readable JSON record"):
        loaded = store.load()
    assert [r["key"] for r in loaded] == ["a"]

    RecordStore(tmp_path)  # reopening removes the temporary file
    assert not list(store.records_dir.glob("*.tmp"))
    with pytest.raises(ValueError, match="record is missing the fields"):
        store.write({"key": "d"})
    with pytest.raises(ValueError, match="plain file name"):
        store.path("../x")


# --- resume ---------------------------------------------------------------------


class CountingBuilds:
    """A model factory that counts its calls and can be told to be interrupted."""

    def __init__(self, interrupt_at=None):
        self.calls = []
        self.interrupt_at = interrupt_at

    def __call__(self, n_components, random_state, **params):
        self.calls.append((n_components, random_state))
        if len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        return build_stand_in(n_components, random_state, **params)


def test_interrupted_sweep_resumes_without_recomputing(tmp_path, data, models):
    runs = plan(data, models, ks=(3, 6), n_seeds=3)
    runs = [r for r in runs if r.model == "subset-centroid"]
    assert len(runs) == 6

    first = CountingBuilds(interrupt_at=3)
    spec = ModelSpec("subset-centroid", first, defaults={"C": 1.0})
    store = RecordStore(tmp_path / "out")
    with pytest.raises(KeyboardInterrupt):
        run_sweep(runs, data, store, models={spec.name: spec})
    assert len(first.calls) == 3
    assert len(store.keys()) == 2  # the two finished runs, nothing half-written
    assert not list(store.records_dir.glob(".*"))

    second = CountingBuilds()
    spec = ModelSpec("subset-centroid", second, defaults={"C": 1.0})
    result = run_sweep(runs, data, store, models={spec.name: spec})
    assert result.skipped == 2
    assert len(second.calls) == 4
    finished = {(r.n_components, r.random_state) for r in runs[:2]}
    assert finished.isdisjoint(second.calls)
    assert store.keys() == sorted(r.key for r in runs)

    # the resumed records equal those of an uninterrupted sweep
    clean = RecordStore(tmp_path / "clean")
    run_sweep(runs, data, clean, models={spec.name: spec})
    resumed = {r["key"]: r["accuracy"] for r in store.load()}
    assert resumed == {r["key"]: r["accuracy"] for r in clean.load()}

    # a third call has nothing left to do
    third = CountingBuilds()
    spec = ModelSpec("subset-centroid", third, defaults={"C": 1.0})
    assert run_sweep(runs, data, store, models={spec.name: spec}).skipped == 6
    assert third.calls == []


def test_failed_run_is_reported_and_retried(tmp_path, data, models):
    runs = [r for r in plan(data, models, ks=(3,), n_seeds=2) if r.n_components]

    def failing(n_components, random_state, **params):
        if random_state == runs[1].random_state:
            raise RuntimeError("diverged")
        return build_stand_in(n_components, random_state)

    spec = ModelSpec("subset-centroid", failing, defaults={"C": 1.0})
    store = RecordStore(tmp_path)
    seen = []
    result = run_sweep(
        runs, data, store, models={spec.name: spec},
        callback=lambda run, record, error: seen.append(error),
    )
    assert len(result.written) == 1
    assert [(run.key, error) for run, error in result.failures] == [
        (runs[1].key, "RuntimeError: diverged")
    ]
    assert seen == [None, "RuntimeError: diverged"]
    assert not store.has(runs[1].key)

    result = run_sweep(runs, data, store, models={STAND_IN.name: STAND_IN})
    assert result.skipped == 1 and len(result.written) == 1
