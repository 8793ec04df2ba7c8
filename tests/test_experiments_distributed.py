"""The same sweep on a local Dask cluster gives the same records as in-process,
also when a worker is lost in the middle of a run."""

import os
import time

import pytest
from _stand_ins import NoisyCentroid

from crnlearn.datasets import load_digits_split
from crnlearn.experiments import MODELS, ModelSpec, RecordStore, plan_runs, run_sweep
from crnlearn.experiments.distributed import dask_client

pytest.importorskip("distributed")


def build_noisy(n_components, random_state, **params):
    return NoisyCentroid(n_components, random_state)


class SlowCentroid(NoisyCentroid):
    """A noisy centroid whose fit takes long enough to be cut by a lost worker."""

    def fit(self, X, y):
        time.sleep(SLOW_FIT)
        return super().fit(X, y)


def build_slow(n_components, random_state, **params):
    return SlowCentroid(n_components, random_state)


#: Seconds per fit of the slow stand-in.
SLOW_FIT = 0.4
SPEC = ModelSpec("noisy-centroid", build_noisy)
SLOW = ModelSpec("slow-centroid", build_slow)
#: Record fields that depend on where and when a run went, not on what it computed.
CIRCUMSTANCES = {"fit_time", "predict_time", "host", "finished"}


@pytest.fixture(scope="module")
def data():
    split = load_digits_split()
    return type(split)(
        split.X_train[:400], split.X_test[:150], split.y_train[:400],
        split.y_test[:150], name="digits-small", image_shape=(8, 8),
    )


@pytest.fixture(scope="module")
def client():
    with dask_client(n_workers=2) as client:
        yield client


def computed(store):
    return {
        r["key"]: {k: v for k, v in r.items() if k not in CIRCUMSTANCES}
        for r in store.load()
    }


def test_local_cluster_matches_in_process(tmp_path, data, client):
    runs = plan_runs([SPEC], [2, 4, 8], 3, data=data, base_seed=11)
    # the real learners too, small: their records must agree field by field
    runs += plan_runs(
        ["crn", "snn-hidden"], [4, 8], 2, data=data, base_seed=11,
        params={"n_steps": 50, "encoding": None},
    )
    models = {SPEC.name: SPEC, "crn": MODELS["crn"], "snn-hidden": MODELS["snn-hidden"]}
    here = RecordStore(tmp_path / "here")
    run_sweep(runs, data, here, models=models)

    cluster = RecordStore(tmp_path / "cluster")
    completed = []
    result = run_sweep(
        runs, data, cluster, client=client, models=models,
        callback=lambda run, record, error: completed.append(run.key),
    )
    assert len(client.scheduler_info()["workers"]) == 2
    assert result.failures == []
    assert sorted(completed) == sorted(r.key for r in runs)

    in_process, distributed = computed(here), computed(cluster)
    assert distributed.keys() == in_process.keys() == {r.key for r in runs}
    for key, record in distributed.items():
        assert record == in_process[key], key
    # the seeds matter, so equal accuracies are not a coincidence
    noisy = [r["accuracy"] for r in distributed.values() if r["model"] == SPEC.name]
    assert len(set(noisy)) > 3


def test_lost_worker_tasks_are_recomputed(tmp_path, data, client):
    runs = plan_runs([SLOW], [2, 4, 8, 16], 2, data=data, base_seed=3)
    killed = []

    async def end_process():
        # A coroutine: the only kind a client may run without waiting for it.
        os._exit(1)

    def kill_a_busy_worker(run, record, error):
        # After the first result, end a worker that is in the middle of a run.
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            killed.append(busy[0])
            client.run(end_process, workers=busy[:1], wait=False)

    store = RecordStore(tmp_path / "cluster")
    result = run_sweep(
        runs, data, store, client=client, models={SLOW.name: SLOW},
        callback=kill_a_busy_worker,
    )
    assert killed, "no worker was busy when the first run finished"
    assert result.failures == []
    assert len(result.written) == len(runs)

    here = RecordStore(tmp_path / "here")
    run_sweep(runs, data, here, models={SLOW.name: SLOW})
    assert computed(store) == computed(here)


def test_client_arguments_are_checked():
    with pytest.raises(ValueError, match="exactly one of scheduler"):
        with dask_client():
            pass
    with pytest.raises(ValueError, match="n_workers must be >= 1; got 0"):
        with dask_client(n_workers=0):
            pass
