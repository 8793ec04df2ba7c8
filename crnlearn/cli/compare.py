"""``crnlearn compare``: the CRN against the spiking networks, with a report.

Trains and tests each model over a grid of K (selected reactions / hidden
neurons) and seeds, prints a table (median test accuracy with its 10-90 %
band, times, sizes) and writes a report folder: a static HTML page with the
figures embedded, the figures as PNG files, CSV tables and one JSON record
per run. Finished runs are kept: running the same command again resumes.
"""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["add_parser", "run", "PROTOCOLS", "DEFAULT_MODELS"]

logger = logging.getLogger(__name__)

#: Models compared when ``--models`` is not given.
DEFAULT_MODELS = ("crn", "crn-signed", "snn-hidden", "snn-none")
#: Grids per task. "quick" is the default run; "full" is the paper's protocol
#: (docs/MODEL.md section 5). The spiking network with a hidden layer dominates the
#: cost: about 3 s to train and select its hidden layer plus 0.04 s per hidden
#: neuron on two cores, so the quick digits grid (5 values of K, 3 seeds) takes
#: 3 to 4 minutes. It keeps the protocol's 2000 time steps per image: with 500
#: the spiking network at K = 50 loses about 13 points of accuracy, which
#: would misstate the comparison.
PROTOCOLS = {
    "digits": {
        "quick": {"k": (10, 20, 50, 100, 200), "seeds": 3, "n_steps": 2000},
        "full": {"k": tuple(range(10, 201, 10)), "seeds": 20, "n_steps": 2000},
    },
    # 6 features: 15 input pairs bound the hidden layer, 21 candidate
    # complexes (singletons and pairs) the CRN. Runs take a fraction of a
    # second, so even the quick grid keeps the protocol's 2000 steps.
    "conjunction": {
        "quick": {"k": (2, 4, 8, 15), "seeds": 5, "n_steps": 2000},
        "full": {"k": tuple(range(1, 16)), "seeds": 20, "n_steps": 2000},
    },
}
#: Seed of the conjunction task's draw of training and test objects.
CONJUNCTION_SEED = 0
#: Images presented to the chemistry backend for the trajectory figure.
TRAJECTORY_IMAGES = 6
#: K of the trajectory figure: small, so each species' curve can be told apart.
TRAJECTORY_K = 6
#: Learning rate of the trajectory figure. At the classifier's default (0.002)
#: a weight moves by about 1e-4 of its value per image and every class's output
#: is the same to three digits; 0.5 makes a few images' learning visible.
TRAJECTORY_LEARNING_RATE = 0.5
#: Default output folder.
DEFAULT_OUT = "crnlearn-report"


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number; got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1; got {value}")
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare",
        help="compare the CRN learner with spiking networks over K and seeds",
        description=__doc__.split("\n\n")[0] + " " + __doc__.split("\n\n")[1],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--task", choices=tuple(PROTOCOLS), default="digits",
        help="built-in task: the bundled 8x8 digits (docs/MODEL.md section 5) or the "
        "shape-colour conjunction task that needs a hidden layer in a spiking "
        "network",
    )
    source.add_argument(
        "--data", metavar="FILE.npz",
        help="a dataset in a .npz file with arrays X and y (split 80/20, "
        "random_state 42) or X_train, X_test, y_train, y_test",
    )
    source.add_argument(
        "--mnist", metavar="DIR",
        help="a folder with the four MNIST IDX files (gzipped or not)",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR",
        help="report folder; its records make a rerun resume",
    )
    parser.add_argument(
        "--models", nargs="+", default=list(DEFAULT_MODELS), metavar="NAME",
        help="models to compare (crn, crn-signed, snn-hidden, snn-none)",
    )
    parser.add_argument(
        "--k", nargs="+", type=_positive_int, metavar="K",
        help="values of K (default: the task's quick grid, or the full one)",
    )
    parser.add_argument(
        "--seeds", type=_positive_int, metavar="N",
        help="seeds per model and K (default 3, or 20 with --full)",
    )
    parser.add_argument(
        "--base-seed", type=int, default=0, metavar="S",
        help="root of the seeds (numpy SeedSequence)",
    )
    parser.add_argument(
        "--full", action="store_true",
        help="the paper's protocol: K = 10, 20, ..., 200, 20 seeds, 2000 spiking "
        "steps per image (1,220 runs: about 22 minutes with --workers 2 on two "
        "cores; see also --scheduler)",
    )
    parser.add_argument(
        "--n-steps", type=_positive_int, metavar="N",
        help="time steps per image of the spiking networks (default 2000, the "
        "protocol's; fewer is faster and less accurate)",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="[MODEL:]NAME=VALUE",
        dest="settings",
        help="set a model parameter, for every model that has it or for one "
        "(e.g. --set snn-hidden:aggregation=pwa); VALUE is read as JSON, "
        "else as text",
    )
    parser.add_argument(
        "--max-train", type=_positive_int, metavar="N",
        help="keep only the first N training samples",
    )
    parser.add_argument(
        "--max-test", type=_positive_int, metavar="N",
        help="keep only the first N test samples",
    )
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument(
        "--workers", type=_positive_int, metavar="N",
        help="run on a local Dask cluster of N single-threaded processes",
    )
    cluster.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on the Dask cluster of this scheduler (e.g. tcp://host:8786)",
    )
    parser.add_argument(
        "--redraw", action="store_true",
        help="only rebuild the report from the records in --out",
    )
    parser.add_argument(
        "--no-trajectories", action="store_true",
        help="skip the short chemistry-backend run drawn as concentration "
        "trajectories",
    )
    return parser


# --- the data -------------------------------------------------------------------


def _load_data(args):
    from ..datasets import load_digits_split, load_mnist, load_npz

    if args.data:
        data = load_npz(args.data)
        description = f"npz file {args.data}"
    elif args.mnist:
        data = load_mnist(args.mnist)
        description = f"MNIST files in {args.mnist}"
    elif args.task == "conjunction":
        from ..datasets.conjunction import load_conjunction_split

        data = load_conjunction_split(task=2, random_state=CONJUNCTION_SEED)
        description = (
            "shape-colour conjunction task 2 (not linearly separable), drawn with "
            f"random_state={CONJUNCTION_SEED}"
        )
    else:
        data = load_digits_split()
        description = "scikit-learn's 8x8 digits, pixels / 16, 80/20 split (seed 42)"
    if args.max_train or args.max_test:
        n_train = args.max_train or len(data.y_train)
        n_test = args.max_test or len(data.y_test)
        data = type(data)(
            data.X_train[:n_train], data.X_test[:n_test], data.y_train[:n_train],
            data.y_test[:n_test], name=data.name, image_shape=data.image_shape,
        )
        description += f"; first {len(data.y_train)} training, {len(data.y_test)} test"
    return data, description


def _parse_value(text):
    if text.lower() in ("none", "null"):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_settings(settings, models):
    """``[MODEL:]NAME=VALUE`` strings into shared and per-model overrides."""
    shared, per_model = {}, {}
    for setting in settings:
        target, sep, value = setting.partition("=")
        if not sep or not target:
            raise ValueError(
                f"--set takes [MODEL:]NAME=VALUE, e.g. --set aggregation=pwa; got "
                f"{setting!r}."
            )
        model, colon, name = target.rpartition(":")
        if colon:
            if model not in models:
                raise ValueError(
                    f"--set {setting!r} names model {model!r}, which is not among "
                    f"--models {list(models)}."
                )
            per_model.setdefault(model, {})[name] = _parse_value(value)
        else:
            shared[name] = _parse_value(value)
    return shared, per_model


def _check_folder(out, summary, store_keys):
    """Tie an output folder to one dataset, refusing to mix two."""
    from ..experiments import read_json, write_json

    path = Path(out) / "dataset.json"
    existing = read_json(path)
    if existing is not None and existing.get("fingerprint") != summary["fingerprint"]:
        if store_keys:
            raise ValueError(
                f"--out {out} holds results for dataset {existing.get('name')!r} "
                f"(fingerprint {existing.get('fingerprint')}), not for "
                f"{summary['name']!r} (fingerprint {summary['fingerprint']}); choose "
                f"another --out."
            )
    write_json(path, summary)


# --- the run --------------------------------------------------------------------


def _notes(task, protocol, n_steps, data_description):
    from ..learn import CRNClassifier, SignedCRNClassifier
    from ..snn import SpikingClassifier

    full = PROTOCOLS[task]["full"]
    ks = list(protocol["k"])
    crn, signed, snn = CRNClassifier(), SignedCRNClassifier(), SpikingClassifier()
    hidden_images = snn.n_hidden_train + snn.n_selection
    return [
        f"Data: {data_description}.",
        f"Grid: K in {ks}, {protocol['seeds']} seeds; the spiking networks run "
        f"{n_steps} time steps per image. The full protocol (crnlearn compare "
        f"--full) runs K = {full['k'][0]}, {full['k'][1]}, ..., {full['k'][-1]}, "
        f"{full['seeds']} seeds and {full['n_steps']} steps.",
        "Models: CRN is crnlearn.CRNClassifier with n_reactions = K and its "
        f"defaults ({crn.n_passes} pass(es), complexes of order <= {crn.order}, "
        f"chosen by the {crn.selection} rule; the paper's mean-flux rule ranks "
        "first the complements of the always-blank border pixels, which flow "
        "on every image, and falls to chance on the digits). Its final weights "
        "depend on the summed gains only, not on the order of presentation the "
        "seed draws, so its band has no width. Signed CRN (beyond the paper) is "
        "crnlearn.SignedCRNClassifier with n_reactions = K: signed weights, "
        f"softmax-driven gains, complexes of order <= {signed.order}, "
        f"{signed.n_passes} passes. The spiking network with a hidden layer "
        f"spends {hidden_images} training images on that layer "
        f"({snn.n_hidden_train} to train it, {snn.n_selection} to select K of "
        "its d(d - 1)/2 input-pair neurons) and the rest on its output layer; "
        "the one without reads the inputs directly.",
        "Inputs: all models read the features as concentrations (firing "
        "probabilities) directly, without min-max rescaling, unless the data "
        "leave [0, 1].",
    ]


def _progress(total):
    from tqdm import tqdm

    # disable=None: no bar when the output is not a terminal (logs, pipes, CI).
    return tqdm(total=total, unit="run", disable=None, file=sys.stderr)


def _trajectories(out, data, params, seed):
    from ..experiments import dataset_fingerprint, read_json, write_json
    from ..experiments.chemistry import learning_trajectories

    path = Path(out) / "artifacts" / "trajectories.json"
    path.parent.mkdir(exist_ok=True)
    params = dict(params, learning_rate=TRAJECTORY_LEARNING_RATE)
    k = min(TRAJECTORY_K, data.X_train.shape[1])
    identity = {
        "params": params, "n_reactions": k, "n_images": TRAJECTORY_IMAGES,
        "random_state": seed, "dataset": dataset_fingerprint(data),
    }
    previous = read_json(path)
    if previous is not None and previous.get("fingerprint") == identity:
        return
    result = learning_trajectories(
        data, n_reactions=k, n_images=TRAJECTORY_IMAGES, random_state=seed,
        params=params,
    )
    result["fingerprint"] = identity
    write_json(path, result)


def run(args):
    from ..experiments import (
        MODELS,
        RecordStore,
        build_report,
        dataset_summary,
        format_table,
        plan_runs,
        run_sweep,
    )

    started = time.perf_counter()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        raise ValueError(
            f"--models: unknown model(s) {unknown}; choose from {sorted(MODELS)}."
        )
    task = "digits" if (args.data or args.mnist) else args.task
    protocol = dict(PROTOCOLS[task]["full" if args.full else "quick"])
    if args.k:
        protocol["k"] = tuple(args.k)
    if args.seeds:
        protocol["seeds"] = args.seeds
    n_steps = args.n_steps or protocol["n_steps"]

    data, description = _load_data(args)
    notes = _notes(task, protocol, n_steps, description)
    out = Path(args.out)
    if args.redraw:
        report = build_report(out, notes=notes)
        print(format_table(report.rows))
        print(f"report: {report.html}")
        return 0

    shared, per_model = _parse_settings(args.settings, args.models)
    shared.setdefault("n_steps", n_steps)
    low, high = float(np.min(data.X_train)), float(np.max(data.X_train))
    if "encoding" not in shared and (low < 0.0 or high > 1.0):
        shared["encoding"] = "minmax"
        notes[-1] = (
            f"Inputs: the features span [{low:.3g}, {high:.3g}], so every model "
            f"maps them to [0, 1] with min-max scaling learned on the training set."
        )
    # Only models that declare a parameter take it; n_steps is ours, always set.
    declared = set().union(*(MODELS[m].defaults for m in args.models))
    unused = sorted(set(shared) - declared - {"n_steps", "encoding"})
    if unused:
        raise ValueError(
            f"--set: {unused} are not parameters of {args.models} (they take "
            f"{sorted(declared)})."
        )
    shared = {k: v for k, v in shared.items() if k in declared}
    runs = plan_runs(
        args.models, protocol["k"], protocol["seeds"], data=data,
        base_seed=args.base_seed, params=shared, model_params=per_model,
    )

    out.mkdir(parents=True, exist_ok=True)
    store = RecordStore(out)
    _check_folder(out, dataset_summary(data), store.keys())
    pending = sum(not store.has(r.key) for r in runs)
    print(
        f"crnlearn compare: {len(runs)} runs ({len(runs) - pending} done before), "
        f"{description}",
        file=sys.stderr,
    )

    with _progress(pending) as bar:
        def advance(run_, record, error):
            bar.update(1)
            if record is not None:
                bar.set_postfix_str(
                    f"{run_.model} K={run_.n_components}", refresh=False
                )

        if args.workers or args.scheduler:
            from ..experiments.distributed import dask_client

            with dask_client(args.scheduler, args.workers) as client:
                result = run_sweep(runs, data, store, client=client, callback=advance)
        else:
            result = run_sweep(runs, data, store, callback=advance)

    if "crn" in args.models and not args.no_trajectories:
        crn_params = next((dict(r.params) for r in runs if r.model == "crn"), {})
        try:
            _trajectories(out, data, crn_params, args.base_seed)
        except ImportError as exc:
            logger.warning("no concentration trajectories: %s", exc)

    report = build_report(out, notes=notes)
    print(format_table(report.rows))
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"report: {report.html.resolve()}")
    print(f"wall time: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if result.failures:
        for run_, error in result.failures:
            print(f"failed: {run_.key}: {error}", file=sys.stderr)
        print(
            f"{len(result.failures)} runs failed; rerun the same command to retry "
            "them.",
            file=sys.stderr,
        )
        return 1
    return 0
