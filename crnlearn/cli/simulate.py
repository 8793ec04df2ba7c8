"""``crnlearn simulate``: integrate a network file, write a table and a plot."""

import logging
from pathlib import Path

import numpy as np

from ..crn.files import read_network
from ..crn.simulate import ODE_METHODS, simulate
from ..crn.stochastic import STOCHASTIC_METHODS, simulate_stochastic

__all__ = ["add_parser", "run", "METHODS"]

logger = logging.getLogger(__name__)

#: Methods offered by ``--method``; every entry is handled by ``_integrate``.
METHODS = ODE_METHODS + STOCHASTIC_METHODS
#: Species listed in the printed summary and in the plot legend.
MAX_LISTED_SPECIES = 12


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a reaction network file and plot its trajectories",
        description="Integrate the mass-action rate equations of a network read "
        "from a .crn or SBML file, or simulate it stochastically (--method ssa "
        "or tau-leap); write the trajectories as a CSV table and a PNG plot "
        "named after the input file.",
    )
    parser.add_argument("file", help="the network (.crn, .xml or .sbml)")
    parser.add_argument(
        "--t-end", type=float, required=True, help="end time of the simulation"
    )
    parser.add_argument(
        "--method", choices=METHODS, default="LSODA",
        help="integration method (default: %(default)s)",
    )
    parser.add_argument(
        "--n-points", type=int, default=201,
        help="number of reported time points (default: %(default)s)",
    )
    parser.add_argument(
        "--rtol", type=float, default=1e-8,
        help="relative tolerance (default: %(default)s)",
    )
    parser.add_argument(
        "--atol", type=float, default=1e-10,
        help="absolute tolerance (default: %(default)s)",
    )
    parser.add_argument(
        "--volume", type=float, default=1.0,
        help="ssa / tau-leap: volume turning concentrations into molecule "
        "counts (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=None,
        help="ssa / tau-leap: random seed (default: fresh entropy)",
    )
    parser.add_argument(
        "--trajectories", type=int, default=1,
        help="ssa / tau-leap: number of trajectories; with more than one the "
        "table has a trajectory column and the plot shows their mean "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--out", default=".", help="output folder, created if missing "
        "(default: the current folder)",
    )
    return parser


def _integrate(network, args):
    """Run the method chosen on the command line."""
    if args.method in STOCHASTIC_METHODS:
        return simulate_stochastic(
            network,
            args.t_end,
            method=args.method,
            volume=args.volume,
            n_trajectories=None if args.trajectories == 1 else args.trajectories,
            n_points=args.n_points,
            random_state=args.seed,
        )
    return simulate(
        network,
        args.t_end,
        method=args.method,
        n_points=args.n_points,
        rtol=args.rtol,
        atol=args.atol,
    )


def plot_trajectories(result, path, title=None):
    """Save the trajectories of a result as a PNG image (Agg backend).

    Parameters
    ----------
    result : SimulationResult
    path : str or path-like
    title : str, optional
    """
    # The figure and its Agg canvas are made directly: no pyplot, no global
    # backend state, nothing opens a window.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for i, name in enumerate(result.species):
        axes.plot(result.t, result.concentrations[:, i], label=name, linewidth=1.2)
    axes.set_xlabel("time")
    axes.set_ylabel("concentration")
    if title:
        axes.set_title(title)
    if len(result.species) <= MAX_LISTED_SPECIES:
        axes.legend(loc="best", fontsize="small")
    figure.savefig(path, dpi=120)


def _summary(network, result, paths):
    final = result.final
    listed = np.argsort(-final, kind="stable")[:MAX_LISTED_SPECIES]
    values = ", ".join(f"{result.species[i]} = {final[i]:.6g}" for i in listed)
    hidden = network.n_species - len(listed)
    counters = ", ".join(f"{k} = {v}" for k, v in result.counters.items())
    lines = [
        f"network {network.name!r}: {network.n_species} species, "
        f"{network.n_reactions} reactions, {int(network.clamped.sum())} clamped",
        f"{result.method} to t = {result.t[-1]:g}: "
        f"{'success' if result.success else 'FAILED'} ({result.message}); "
        f"{counters}",
        f"final concentrations (largest first): {values}"
        + (f" and {hidden} more" if hidden > 0 else ""),
        "wrote " + " and ".join(str(p) for p in paths),
    ]
    return "\n".join(lines)


def run(args):
    network = read_network(args.file)
    result = _integrate(network, args)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(args.file).stem
    table, image = out / f"{stem}.csv", out / f"{stem}.png"
    result.to_csv(table)
    if getattr(result, "n_trajectories", None) is not None:
        result = result.mean()  # several stochastic runs: plot and sum up the mean
    plot_trajectories(result, image, title=f"{network.name} ({result.method})")
    logger.info("wrote %s and %s", table, image)

    print(_summary(network, result, (table, image)))
    return 0 if result.success else 1
