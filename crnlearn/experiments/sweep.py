"""The comparison sweep: the grid, the seeds, one run, and running them all.

A sweep is a list of :class:`Run` specs, one per (model, K, seed). Each spec
holds everything its run depends on -- the model's name and parameters, K, the
integer seed and the dataset's fingerprint -- so :func:`execute_run` is a pure
function of the spec and the data: it gives the same record in this process
or on any worker of a cluster. Seeds are drawn from one base seed before
anything runs (:func:`draw_seeds`), and seed number ``i`` is the same for
every model and K (common random numbers: the models see the same
randomness wherever they use it alike).

:func:`run_sweep` skips runs whose record exists, runs the others here or on
a Dask cluster, and writes each record as soon as its run finishes.
"""

import hashlib
import json
import logging
import platform
import socket
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .models import MODELS, ModelSpec, get_model

__all__ = [
    "Run",
    "SweepResult",
    "draw_seeds",
    "dataset_fingerprint",
    "dataset_summary",
    "plan_runs",
    "execute_run",
    "run_sweep",
    "PROTOCOL_VERSION",
]

logger = logging.getLogger(__name__)

#: Version of what a record measures; bumping it makes old records stale (their
#: keys no longer match), so a changed protocol is never mixed with an old one.
PROTOCOL_VERSION = 1
#: Hex digits of the hashes in keys: 48 bits, no collision in any real sweep.
KEY_DIGITS = 12


@dataclass(frozen=True)
class Run:
    """One point of a sweep: what to build, with which seed, on which data.

    Attributes
    ----------
    model : str
        Registry name of the model.
    n_components : int or None
        K, the number of selected reactions or hidden neurons; None for a
        model that does not use it.
    seed_index : int
        Position of the seed in the sweep (0, 1, ...).
    random_state : int
        The integer seed the estimator receives.
    params : tuple of (str, value) pairs
        The model's parameters, sorted by name.
    dataset : str
        Fingerprint of the data (see :func:`dataset_fingerprint`).
    """

    model: str
    n_components: int | None
    seed_index: int
    random_state: int
    params: tuple = ()
    dataset: str = ""

    @property
    def params_hash(self):
        """Short hash of the parameters (tells two settings of a model apart)."""
        text = json.dumps(dict(self.params), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:KEY_DIGITS]

    @property
    def key(self):
        """File-name-safe identity of the run: model, K, seed, data, parameters."""
        identity = json.dumps(
            [
                PROTOCOL_VERSION,
                self.model,
                self.n_components,
                self.seed_index,
                self.random_state,
                dict(self.params),
                self.dataset,
            ],
            sort_keys=True,
        )
        digest = hashlib.sha256(identity.encode()).hexdigest()[:KEY_DIGITS]
        k = "-" if self.n_components is None else f"{self.n_components:04d}"
        return f"{self.model}_K{k}_seed{self.seed_index:03d}_{digest}"


@dataclass
class SweepResult:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    written : list of dict
        Records of the runs finished in this call, in completion order.
    skipped : int
        Runs skipped because their record existed.
    failures : list of (Run, str)
        Runs that raised, with the error; no record is written for them, so
        the next call retries them.
    """

    written: list = field(default_factory=list)
    skipped: int = 0
    failures: list = field(default_factory=list)


def draw_seeds(n_seeds, base_seed=0):
    """Integer seeds for a sweep, drawn before anything is dispatched.

    Seed ``i`` comes from the ``i``-th child of
    ``np.random.SeedSequence(base_seed)``, so it does not depend on
    ``n_seeds``: a longer sweep extends a shorter one.

    Examples
    --------
    >>> draw_seeds(3)[:2] == draw_seeds(2)
    True
    """
    n_seeds = int(n_seeds)
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be >= 1; got {n_seeds}.")
    children = np.random.SeedSequence(int(base_seed)).spawn(n_seeds)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def dataset_fingerprint(data):
    """A short hash of a split's arrays, name and image shape.

    Examples
    --------
    >>> from crnlearn.datasets import load_digits_split
    >>> len(dataset_fingerprint(load_digits_split()))
    12
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([data.name, data.image_shape]).encode())
    for array in data:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:KEY_DIGITS]


def dataset_summary(data):
    """A JSON-serialisable description of a split (sizes, classes, fingerprint)."""
    classes = np.unique(np.concatenate([data.y_train, data.y_test]))
    return {
        "name": data.name,
        "fingerprint": dataset_fingerprint(data),
        "n_train": int(len(data.y_train)),
        "n_test": int(len(data.y_test)),
        "n_features": int(data.X_train.shape[1]),
        "n_classes": int(len(classes)),
        "image_shape": None if data.image_shape is None else list(data.image_shape),
    }


def _check_k(n_components):
    values = []
    for k in n_components:
        if isinstance(k, bool) or int(k) != k or int(k) < 1:
            raise ValueError(f"every K must be a whole number >= 1; got {k!r}.")
        values.append(int(k))
    if not values:
        raise ValueError("give at least one K.")
    return sorted(set(values))


def _check_builds(spec, n_components, params):
    """Build one estimator now, so a missing model or a bad parameter fails early."""
    try:
        spec.build(n_components, 0, **params)
    except (ImportError, TypeError) as exc:
        raise ValueError(
            f"model {spec.name!r} cannot be built with parameters {params}: {exc}"
        ) from exc


def plan_runs(
    models, n_components, n_seeds, *, data, base_seed=0, params=None, model_params=None
):
    """The runs of a sweep: every model, every K it uses, every seed.

    Parameters
    ----------
    models : sequence of str or ModelSpec
        Registry names (see :data:`~crnlearn.experiments.models.MODELS`) or
        specs (models that need not be registered).
    n_components : sequence of int
        The values of K.
    n_seeds : int
        Seeds per (model, K).
    data : DatasetSplit
        The data; only its fingerprint enters the specs.
    base_seed : int, default=0
        Root of the seeds (see :func:`draw_seeds`).
    params : mapping, optional
        Parameter overrides; each model takes the keys it declares and
        ignores the others. A key no model declares is an error.
    model_params : mapping of str to mapping, optional
        Overrides for one model each, applied after ``params``; every key
        must be one the model declares.

    Returns
    -------
    list of Run

    Examples
    --------
    >>> from crnlearn.datasets import load_digits_split
    >>> runs = plan_runs(["crn", "snn-none"], [10, 50], 2, data=load_digits_split())
    >>> [(r.model, r.n_components, r.seed_index) for r in runs][:3]
    [('crn', 10, 0), ('crn', 10, 1), ('crn', 50, 0)]
    >>> len(runs)
    6
    """
    if isinstance(models, (str, ModelSpec)):
        models = [models]
    specs = [m if isinstance(m, ModelSpec) else get_model(m) for m in models]
    specs = list({spec.name: spec for spec in specs}.values())
    if not specs:
        raise ValueError("give at least one model.")
    ks = _check_k(n_components)
    seeds = draw_seeds(n_seeds, base_seed)
    params = dict(params or {})
    known = set().union(*(spec.defaults for spec in specs))
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(
            f"parameters {unknown} are not parameters of the models "
            f"{[spec.name for spec in specs]} (they take {sorted(known)})."
        )
    model_params = dict(model_params or {})
    names = [spec.name for spec in specs]
    for name, overrides in model_params.items():
        if name not in names:
            raise ValueError(
                f"model_params names model {name!r}, which is not among {names}."
            )
        spec = specs[names.index(name)]
        unknown = sorted(set(overrides) - set(spec.defaults))
        if unknown:
            raise ValueError(
                f"parameters {unknown} are not parameters of {name!r} (it takes "
                f"{sorted(spec.defaults)})."
            )
    fingerprint = dataset_fingerprint(data)

    runs = []
    for spec in specs:
        resolved = spec.params(params)
        resolved.update(model_params.get(spec.name, {}))
        try:
            json.dumps(resolved)
        except TypeError as exc:
            raise ValueError(
                f"parameters of {spec.name!r} must be JSON values; {exc}"
            ) from None
        _check_builds(spec, ks[0] if spec.uses_k else None, resolved)
        frozen = tuple(sorted(resolved.items()))
        for k in ks if spec.uses_k else [None]:
            for index, seed in enumerate(seeds):
                runs.append(Run(spec.name, k, index, seed, frozen, fingerprint))
    return runs


def _versions():
    import sklearn

    from .. import __version__

    return {
        "crnlearn": __version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
    }


def execute_run(run, spec, data):
    """Fit, time and test one model; return its record.

    Parameters
    ----------
    run : Run
    spec : ModelSpec
        The model ``run.model`` names (passed along so workers need no
        registry).
    data : DatasetSplit
        Must have the fingerprint ``run.dataset``.

    Returns
    -------
    dict
        The record: the run's spec, ``accuracy`` on the test set, ``fit_time``
        and ``predict_time`` (wall-clock seconds), ``sizes``, the package
        versions, warnings raised while fitting, and whatever the model's
        ``inspect`` adds (learning curve, regret, selected reactions).
    """
    if run.model != spec.name:
        raise ValueError(f"run is for model {run.model!r} but spec is {spec.name!r}.")
    if run.dataset and dataset_fingerprint(data) != run.dataset:
        raise ValueError(
            f"run {run.key} was planned for data {run.dataset}; got "
            f"{dataset_fingerprint(data)}."
        )
    X_train, X_test, y_train, y_test = data
    params = dict(run.params)
    logger.info("running %s", run.key)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = spec.build(run.n_components, run.random_state, **params)
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        y_pred = np.asarray(estimator.predict(X_test))
        predict_time = time.perf_counter() - start
        extra = {}
        if spec.inspect is not None:
            extra = spec.inspect(estimator, data, y_pred)
    messages = list(
        dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    )

    record = {
        "key": run.key,
        "model": run.model,
        "label": spec.label,
        "family": spec.family,
        "n_components": run.n_components,
        "seed_index": run.seed_index,
        "random_state": run.random_state,
        "params": params,
        "params_hash": run.params_hash,
        "dataset": {"name": data.name, "fingerprint": run.dataset},
        "accuracy": float(np.mean(y_pred == y_test)),
        "fit_time": fit_time,
        "predict_time": predict_time,
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "sizes": {},
        "warnings": messages,
        "versions": _versions(),
        "host": socket.gethostname(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "protocol": PROTOCOL_VERSION,
    }
    record.update(extra)
    return record


def _run_here(runs, specs, data):
    for run in runs:
        try:
            record = execute_run(run, specs[run.model], data)
        except Exception as exc:  # one failed run must not stop the sweep
            logger.debug("run %s failed", run.key, exc_info=True)
            yield run, None, f"{type(exc).__name__}: {exc}"
        else:
            yield run, record, None


def run_sweep(runs, data, store, *, client=None, models=None, callback=None):
    """Run every run without a record, writing each record as it finishes.

    Parameters
    ----------
    runs : sequence of Run
        From :func:`plan_runs`.
    data : DatasetSplit
    store : RecordStore
        Where records are written; runs whose key it holds are skipped.
    client : distributed.Client, optional
        Run on this Dask cluster (see
        :func:`crnlearn.experiments.distributed.run_on_cluster`); in this
        process, one run after the other, by default.
    models : mapping of str to ModelSpec, optional
        Specs by name; default the registry.
    callback : callable, optional
        ``callback(run, record, error)`` after each run (for progress
        display); ``record`` is None when the run failed.

    Returns
    -------
    SweepResult

    Notes
    -----
    Interrupting the call (``KeyboardInterrupt``) keeps every record written
    so far; calling it again with the same runs resumes where it stopped.
    """
    registry = MODELS if models is None else models
    try:
        specs = {run.model: registry[run.model] for run in runs}
    except KeyError as exc:
        raise ValueError(
            f"unknown model {exc.args[0]!r}; choose from {sorted(registry)}."
        ) from None
    result = SweepResult()
    pending = []
    for run in runs:
        if store.has(run.key):
            result.skipped += 1
        else:
            pending.append(run)
    logger.info(
        "%d runs: %d finished before, %d to run",
        len(runs), result.skipped, len(pending),
    )
    if not pending:
        return result

    if client is None:
        outcomes = _run_here(pending, specs, data)
    else:
        from .distributed import run_on_cluster

        outcomes = run_on_cluster(client, pending, specs, data)
    for run, record, error in outcomes:
        if error is None:
            store.write(record)
            result.written.append(record)
            logger.info("%s: accuracy %.4f", run.key, record["accuracy"])
        else:
            result.failures.append((run, error))
            logger.warning("run %s failed: %s", run.key, error)
        if callback is not None:
            callback(run, record, error)
    return result
