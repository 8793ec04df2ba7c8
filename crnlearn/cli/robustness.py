"""``crnlearn robustness``: accuracy at finite volume and with noisy rate constants.

Trains the learning network on the digits with a small number of reactions
at molecule counts (stochastic backend) for a range of volumes, and with
every rate constant perturbed by log-normal noise of several spreads;
writes robustness.json and two PNG figures. The default run takes well
under a minute.
"""

import argparse
import logging
import sys
import time

__all__ = ["add_parser", "run"]

logger = logging.getLogger(__name__)

#: Default output folder.
DEFAULT_OUT = "crnlearn-robustness"


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0; got {text!r}")
    return value


def _nonnegative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0; got {text!r}")
    return value


def add_parser(subparsers):
    # Defaults of None leave the choice to run_robustness (the study's
    # defaults live there); crnlearn.experiments is imported only by run.
    parser = subparsers.add_parser(
        "robustness",
        help="accuracy against the volume and against rate-constant noise",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR",
        help="output folder, created if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--n-reactions", type=_positive_int, default=None, metavar="K",
        help="selected complexes K (default: 20)",
    )
    parser.add_argument(
        "--volumes", type=_positive_float, nargs="+", default=None, metavar="V",
        help="volumes of the stochastic training (default: 20 to 1e5, 8 values)",
    )
    parser.add_argument(
        "--volume-seeds", type=_positive_int, default=None, metavar="N",
        help="stochastic runs per volume (default: 3)",
    )
    parser.add_argument(
        "--sigmas", type=_nonnegative_float, nargs="+", default=None, metavar="S",
        help="log-normal spreads of the rate constants (default: 0, 0.01, 0.03, "
        "0.1, 0.3, 0.5, 1)",
    )
    parser.add_argument(
        "--noise-seeds", type=_positive_int, default=None, metavar="N",
        help="perturbed networks per spread and target (default: 10)",
    )
    parser.add_argument(
        "--n-train", type=_positive_int, default=None, metavar="N",
        help="train on the first N training images (default: all 1,437)",
    )
    parser.add_argument(
        "--no-check", dest="check", action="store_false",
        help="skip the check of the closed form against the perturbed network's "
        "rate equations",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="source of every seed (default: %(default)s)",
    )
    return parser


def _table(rows, columns):
    lines = ["  ".join(f"{title:>12}" for title, _ in columns)]
    for row in rows:
        lines.append("  ".join(f"{fmt(row):>12}" for _, fmt in columns))
    return "\n".join(lines)


def run(args):
    from ..experiments.robustness import run_robustness

    start = time.perf_counter()
    chosen = {
        name: getattr(args, name)
        for name in ("n_reactions", "volumes", "volume_seeds", "sigmas", "noise_seeds")
        if getattr(args, name) is not None
    }
    record = run_robustness(
        args.out, n_train=args.n_train, random_state=args.seed, check=args.check,
        **chosen,
    )
    elapsed = time.perf_counter() - start

    volume = record["volume"]
    print(
        f"accuracy against the volume (K = {volume['n_reactions']}, "
        f"{volume['n_train']} training images; deterministic "
        f"{volume['deterministic_accuracy']:.4f}):"
    )
    print(_table(volume["summary"], [
        ("volume", lambda r: f"{r['volume']:g}"),
        ("accuracy", lambda r: f"{r['accuracy_mean']:.4f}"),
        ("+-", lambda r: f"{r['accuracy_std']:.4f}"),
        ("Poisson r-o", lambda r: f"{r['readout_accuracy_mean']:.4f}"),
        ("rms w error", lambda r: f"{r['weight_error_rms_mean']:.2e}"),
        ("fit [s]", lambda r: f"{r['fit_time_mean']:.2f}"),
    ]))
    noise = record["rate_noise"]
    print(
        f"\naccuracy against rate-constant noise (median relative margin of the "
        f"unperturbed scores {noise['relative_margin_median']:.3f}):"
    )
    for target, rows in noise["summary"].items():
        print(f"{target} rates perturbed:")
        print(_table(rows, [
            ("sigma", lambda r: f"{r['sigma']:g}"),
            ("accuracy", lambda r: f"{r['accuracy_mean']:.4f}"),
            ("min", lambda r: f"{r['accuracy_min']:.4f}"),
            ("max", lambda r: f"{r['accuracy_max']:.4f}"),
            ("finite", lambda r: f"{r['finite_mean']:.2f}"),
        ]))
    if "closed_form_check" in record:
        check = record["closed_form_check"]
        print(
            f"\nclosed form vs perturbed rate equations (K = {check['n_reactions']}, "
            f"{check['n_samples']} samples, sigma = {check['sigma']:g}): largest "
            f"weight gap {check['max_abs_gap']:.2e} (weights moved up to "
            f"{check['max_weight_change']:.2e})"
        )
    for path in record["files"].values():
        print(f"wrote {path}", file=sys.stdout)
    print(f"({elapsed:.1f} s)")
    logger.info("robustness study written in %.1f s", elapsed)
    return 0
