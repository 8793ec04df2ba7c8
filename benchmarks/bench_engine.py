"""Speed of the chemistry engine against libroadrunner, on the same SBML.

For random networks of 10^2, 10^3 and 10^4 reactions (5 reactions per
species, orders 0-2, rate constants log-uniform in [0.1, 1], no reaction
making more molecules than it consumes, so the dynamics move for the whole
run but cannot explode) this script measures, in one run:

- one right-hand side evaluation of crnlearn (``network.rhs``);
- a full simulation with crnlearn (``simulate``, LSODA, network compiled
  first) and with libroadrunner (CVODE, the faster of its BDF and Adams
  modes), same tolerances, same time grid;
- the load times: ``read_sbml`` plus compilation for crnlearn, building
  the ``RoadRunner`` object (SBML parsing and LLVM compilation) for
  libroadrunner; and load + simulate for both.

Ratios are libroadrunner time / crnlearn time (> 1: crnlearn is faster). Both
simulators must reach the same final state (checked and printed).

Run ``python benchmarks/bench_engine.py`` (about 5 minutes, most of it
libroadrunner compiling the largest model) or with ``--quick`` (10^2 and
10^3 reactions only).
"""

import argparse
import platform
import sys
import time

import numpy as np

from crnlearn.crn.generate import random_network
from crnlearn.crn.sbml import read_sbml, write_sbml
from crnlearn.crn.simulate import simulate

#: Reactions per species in the random networks.
REACTIONS_PER_SPECIES = 5
#: Rate constants of the random networks: moderate, over one decade.
RATE_RANGE = (0.1, 1.0)
#: Simulated time: a few time constants of the slowest reactions.
T_END = 10.0
N_POINTS = 101
RTOL, ATOL = 1e-8, 1e-10
#: Largest accepted relative gap between the two final states (values
#: below FLOOR count as FLOOR), a hundred times the solvers' tolerance, or
#: ten times the gap between libroadrunner's own two integrators when that
#: is larger: both control the local error per step, so the global error of
#: a large network after hundreds of steps can exceed the tolerance.
AGREEMENT, FLOOR = 1e-5, 1e-6


def relative_gap(a, b):
    """Largest relative difference of two states (small values count as FLOOR)."""
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), FLOOR)))


def best_of(repeats, function):
    """Smallest wall time of several calls, and the last result."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def time_rhs(network, state, min_seconds=0.2):
    """Mean time of one rhs evaluation over a loop of at least min_seconds."""
    network.rhs(0.0, state)
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            network.rhs(0.0, state)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n
        n *= 4


def run_crnlearn(xml, repeats):
    start = time.perf_counter()
    network = read_sbml(xml)
    read = time.perf_counter() - start
    start = time.perf_counter()
    network._compile()
    compile_ = time.perf_counter() - start

    def run():
        return simulate(network, T_END, n_points=N_POINTS, rtol=RTOL, atol=ATOL)

    sim, result = best_of(repeats, run)
    if not result.success:
        raise RuntimeError(f"crnlearn failed: {result.message}")
    return {"read": read, "compile": compile_, "simulate": sim,
            "final": result.final, "counters": result.counters,
            "rhs": time_rhs(network, network.initial_concentrations)}


def run_roadrunner(xml, species, repeats, backend):
    import roadrunner

    config = roadrunner.Config
    config.setValue(config.LLVM_BACKEND, {"mcjit": 0, "lljit": 1}[backend])
    start = time.perf_counter()
    rr = roadrunner.RoadRunner(xml)
    load = time.perf_counter() - start
    rr.integrator.relative_tolerance = RTOL
    rr.integrator.absolute_tolerance = ATOL
    rr.integrator.maximum_num_steps = 10**6
    rr.timeCourseSelections = ["time"] + [f"[{s}]" for s in species]

    def run():
        rr.resetAll()
        return np.asarray(rr.simulate(0.0, T_END, N_POINTS))

    # CVODE runs BDF (stiff, its default) or Adams (non-stiff); LSODA picks
    # between the two by itself, so libroadrunner gets its faster mode here.
    times, finals = {}, {}
    for mode, stiff in (("BDF", True), ("Adams", False)):
        rr.integrator.stiff = stiff
        times[mode], table = best_of(repeats, run)
        finals[mode] = table[-1, 1:]
    mode = min(times, key=times.get)
    return {"load": load, "simulate": times[mode], "mode": mode, "times": times,
            "final": finals[mode], "spread": relative_gap(*finals.values())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10^2 and 10^3 reactions only")
    parser.add_argument("--repeats", type=int, default=3,
                        help="simulations per simulator; the best time counts")
    parser.add_argument("--roadrunner-backend", choices=("lljit", "mcjit"),
                        default="lljit",
                        help="LLVM back end of libroadrunner (lljit compiles "
                        "large models several times faster than mcjit, its "
                        "default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import roadrunner
    import scipy

    sizes = (100, 1000) if args.quick else (100, 1000, 10_000)
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy "
          f"{scipy.__version__}, libroadrunner {roadrunner.__version__} "
          f"({args.roadrunner_backend}), {platform.machine()}")
    print(f"random networks: {REACTIONS_PER_SPECIES} reactions per species, rates "
          f"in {RATE_RANGE}, t_end = {T_END}, {N_POINTS} points, rtol = {RTOL}, "
          f"atol = {ATOL}\n")

    rows = []
    for n_reactions in sizes:
        network = random_network(
            max(n_reactions // REACTIONS_PER_SPECIES, 2), n_reactions,
            rate_range=RATE_RANGE, random_state=args.seed,
        )
        xml = write_sbml(network)
        ours = run_crnlearn(xml, args.repeats)
        theirs = run_roadrunner(xml, network.species, args.repeats,
                                args.roadrunner_backend)
        gap = relative_gap(ours["final"], theirs["final"])
        moved = np.max(np.abs(theirs["final"] - network.initial_concentrations))
        rows.append((n_reactions, network.n_species, ours, theirs, gap, moved))
        print(f"  {n_reactions} reactions: crnlearn {ours['counters']}, "
              "libroadrunner " + ", ".join(
                  f"{m} {t:.3f}s" for m, t in theirs["times"].items()),
              file=sys.stderr)

    header = (
        f"{'reactions':>9} {'species':>7} | {'rhs':>8} | {'crn sim':>8} "
        f"{'rr sim':>14} {'ratio':>6} | {'crn load':>8} {'rr load':>8} | "
        f"{'crn l+s':>8} {'rr l+s':>8} {'ratio':>6} | {'final gap':>9} "
        f"{'rr spread':>9}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for n_reactions, n_species, ours, theirs, gap, moved in rows:
        crn_load = ours["read"] + ours["compile"]
        crn_total = crn_load + ours["simulate"]
        rr_total = theirs["load"] + theirs["simulate"]
        print(
            f"{n_reactions:>9} {n_species:>7} | {ours['rhs'] * 1e6:>6.1f}us | "
            f"{ours['simulate']:>7.3f}s {theirs['simulate']:>7.3f}s "
            f"{'(' + theirs['mode'] + ')':>7}"
            f"{theirs['simulate'] / ours['simulate']:>6.2f} | "
            f"{crn_load:>7.3f}s {theirs['load']:>7.2f}s | "
            f"{crn_total:>7.3f}s {rr_total:>7.2f}s {rr_total / crn_total:>6.1f} | "
            f"{gap:>9.1e} {theirs['spread']:>9.1e}"
        )
        ok &= gap < max(AGREEMENT, 10 * theirs["spread"]) and moved > 0.01
    print(
        "\nrhs: one crnlearn right-hand side evaluation. crn load: read_sbml + "
        "compile; rr load: RoadRunner(sbml). l+s: load + simulate. ratio: "
        "libroadrunner time / crnlearn time. final gap: largest relative "
        f"difference of the final states (values below {FLOOR} count as {FLOOR}); "
        "rr spread: the same between libroadrunner's BDF and Adams runs."
    )
    if not ok:
        print(f"FAILED: final states differ by more than {AGREEMENT} (or ten "
              "times libroadrunner's own spread) or did not move", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
