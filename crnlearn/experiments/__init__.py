"""Experiments: the comparison sweep, its records, Dask execution and the report.

The flow of ``crnlearn compare``, one module per step:

- :mod:`~crnlearn.experiments.models`: the models compared, by name;
- :mod:`~crnlearn.experiments.sweep`: the grid of (model, K, seed) runs, the
  seeds, one run (fit, time, test, inspect) and the loop over runs;
- :mod:`~crnlearn.experiments.records`: one atomically written JSON record
  per finished run, which is what makes a sweep resumable;
- :mod:`~crnlearn.experiments.distributed`: the same runs on a Dask cluster;
- :mod:`~crnlearn.experiments.chemistry`: concentration trajectories of the
  learning network for the report;
- :mod:`~crnlearn.experiments.report` and :mod:`~crnlearn.experiments.plots`:
  the table, the figures and the static HTML page, rebuilt from records.

Beside it, ``crnlearn robustness``:

- :mod:`~crnlearn.experiments.robustness`: accuracy against the volume and
  against rate-constant noise;
- :mod:`~crnlearn.experiments.perturbation`: the learning network with
  perturbed rate constants and its quasi-steady-state closed form.

Only the command line imports this package.
"""

from .models import MODELS, ModelSpec, get_model, register_model
from .records import RecordStore, atomic_write, read_json, write_json
from .report import Report, build_report, format_table, summarize
from .sweep import (
    Run,
    SweepResult,
    dataset_fingerprint,
    dataset_summary,
    draw_seeds,
    execute_run,
    plan_runs,
    run_sweep,
)

__all__ = [
    "MODELS",
    "ModelSpec",
    "RecordStore",
    "Report",
    "Run",
    "SweepResult",
    "atomic_write",
    "build_report",
    "dataset_fingerprint",
    "dataset_summary",
    "draw_seeds",
    "execute_run",
    "format_table",
    "get_model",
    "plan_runs",
    "read_json",
    "register_model",
    "run_sweep",
    "summarize",
    "write_json",
]
