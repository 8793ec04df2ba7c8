"""The ``crnlearn`` command line.

Each sub-command lives in its own module of this package, which defines
``add_parser(subparsers)`` and ``run(args)``. Only the command line
configures logging and progress display; library modules only create
loggers.
"""

import argparse
import importlib
import logging
import os
import sys

__all__ = ["main", "build_parser"]

#: Sub-command modules, in the order ``crnlearn --help`` lists them.
COMMANDS = ("simulate", "convert", "compare", "theory", "robustness")


def _configure_logging(verbosity, log_file):
    level = logging.WARNING - 10 * min(verbosity, 2)
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    # Dask sets up its own loggers (at INFO) when distributed is imported, in
    # this process and in every worker: hand them the same level.
    name = logging.getLevelName(level).lower()
    os.environ["DASK_LOGGING__DISTRIBUTED"] = name
    logging.getLogger("distributed").setLevel(level)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="crnlearn",
        description="Learning in chemical reaction networks under mass-action "
        "kinetics.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="more detail on stderr (-v: info, -vv: debug)",
    )
    parser.add_argument("--log-file", help="also write the log to this file")
    from .. import __version__

    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None):
    """Entry point of the ``crnlearn`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.log_file)
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        logging.getLogger("crnlearn").debug("failure", exc_info=True)
        print(f"crnlearn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
