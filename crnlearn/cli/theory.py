"""``crnlearn theory``: figures of the learning theory, with an index.

Fits learning networks on the digits (both backends; the chemistry one on
a small subset with few reactions), measures their regret against the EWA
bound and the concentration of their weights, shows the order M sqrt(M)
of the regret integrated over a run, and checks the VC and Natarajan
bounds by exact shattering. Writes PNG figures and ``index.json``.
"""

import argparse
import logging
import sys
import time

__all__ = ["add_parser", "run"]

logger = logging.getLogger(__name__)

#: What ``crnlearn theory --help`` says the command does.
DESCRIPTION = (
    "Figures of the learning theory, with an index (index.json). Fits learning "
    "networks on the digits (the chemistry backend on a small subset with few "
    "reactions), measures their regret against the EWA bound and the "
    "concentration of their weights, shows the order M sqrt(M) of the regret "
    "integrated over a run, and checks the VC and Natarajan bounds by exact "
    "shattering."
)
#: Default output folder.
DEFAULT_OUT = "crnlearn-theory"


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "theory",
        help="regret, weight concentration and VC-dimension figures",
        description=DESCRIPTION,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    # Set before the two flags so that their help shows no misleading default.
    parser.set_defaults(quick=True)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help="folder for the figures"
    )
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument(
        "--quick", dest="quick", action="store_true", default=argparse.SUPPRESS,
        help="the quick protocol (the default; well under a minute)",
    )
    speed.add_argument(
        "--full", dest="quick", action="store_false", default=argparse.SUPPRESS,
        help="more reactions, horizons and chemistry samples (about a minute)",
    )
    parser.add_argument(
        "--backends", nargs="+", default=["closed-form", "chemistry"],
        choices=["closed-form", "chemistry"], metavar="NAME",
        help="backends of the digits runs (closed-form, chemistry)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the classifiers and sequences"
    )
    return parser


def run(args):
    from ..theory.report import make_figures

    start = time.perf_counter()
    record = make_figures(
        args.out, quick=args.quick, backends=tuple(args.backends),
        random_state=args.seed,
    )
    elapsed = time.perf_counter() - start
    for entry in record["figures"]:
        print(f"{args.out}/{entry['file']}: {entry['title']}", file=sys.stdout)
    print(f"{args.out}/index.json ({elapsed:.1f} s)", file=sys.stdout)
    logger.info("theory figures written in %.1f s", elapsed)
    return 0
