"""Throughput of crnlearn's stochastic simulators against GillesPy2.

Three measurements, each printed with the reference measured in the same run:

1. Exact SSA on a random 100-reaction network (uni- and bimolecular,
   counts in the hundreds): reactions fired per second of
   ``crnlearn.simulate_stochastic(method="ssa")`` and of GillesPy2's
   ``NumPySSASolver`` on the same model and the same ``t_end``. GillesPy2 does
   not count firings, so its rate is crnlearn's mean number of firings over
   that time span (the same model has the same expected count) divided by
   GillesPy2's wall time per trajectory; the means of both are printed as a
   check that the models agree.
2. Tau-leaping on the same network at a 100 times larger volume: leaps per
   second and reactions per second, with the exact SSA as the reference.
3. A network shaped like the learning network (clamped inputs, thousands of
   catalytic reactions): SSA reactions per second, to show that the
   dependency graph keeps the cost of one firing small.

Run: ``python benchmarks/bench_stochastic.py [--quick]``.
"""

import argparse
import logging
import time

import numpy as np

from crnlearn.crn import ReactionNetwork
from crnlearn.crn.stochastic import StochasticSimulator, simulate_stochastic

#: Typical molecule count of the random network at volume 1.
TYPICAL_COUNT = 300


def random_network(n_species=40, seed=0):
    """A random network of exactly 100 reactions, mostly uni- and bimolecular.

    Conversions, exchanges, associations and dissociations keep the counts
    in the hundreds; a few births and deaths keep the total from being
    conserved. Bimolecular rate constants are divided by the typical count,
    so every reaction fires at a comparable rate.
    """
    rng = np.random.default_rng(seed)
    net = ReactionNetwork("random100")
    names = [f"S{i}" for i in range(n_species)]
    for name in names:
        net.add_species(name, initial=float(rng.integers(150, 450)))

    def pick(k):
        return [names[i] for i in rng.choice(n_species, size=k, replace=False)]

    def rate():
        return float(rng.uniform(0.5, 2.0))

    for _ in range(35):
        a, b = pick(2)
        net.add_reaction([a], [b], rate())
    for _ in range(30):
        a, b, c, d = pick(4)
        net.add_reaction([a, b], [c, d], rate() / TYPICAL_COUNT)
    for _ in range(12):
        a, b, c = pick(3)
        net.add_reaction([a, b], [c], rate() / TYPICAL_COUNT)
        net.add_reaction([c], [a, b], rate())
    for _ in range(6):
        net.add_reaction([], pick(1), rate() * TYPICAL_COUNT)
    for _ in range(5):
        net.add_reaction(pick(1), [], rate())
    assert net.n_reactions == 100
    return net


def learning_like_network(n_features=64, n_complexes=100, n_classes=10, seed=0):
    """Clamped inputs and per-class weights, outputs and teachers.

    Per class c and complex S = (i, j): read-out S + W -> S + W + Y_c,
    reward L_c + S + W -> L_c + S + 2W, penalty Lb_c + S + W -> Lb_c + S,
    and the two normalising reactions through Y_c; plus Y_c -> 0. The
    trimolecular reactions are written with the two input species as
    catalysts, so the network has 5 * n_classes * n_complexes + n_classes
    reactions.
    """
    rng = np.random.default_rng(seed)
    net = ReactionNetwork("learning_like")
    xs = [f"X{i}" for i in range(n_features)]
    for x in xs:
        net.add_species(x, initial=float(rng.uniform(0, 1)), clamped=True)
    pairs = [
        tuple(rng.choice(n_features, 2, replace=False)) for _ in range(n_complexes)
    ]
    eta, k_y = 0.1, 10.0
    for c in range(n_classes):
        y, lab, lbar = f"Y{c}", f"L{c}", f"Lb{c}"
        net.add_species(y)
        net.add_species(lab, initial=float(c == 0), clamped=True)
        net.add_species(lbar, initial=float(c != 0), clamped=True)
        net.add_reaction([y], [], k_y)
        for s, (i, j) in enumerate(pairs):
            w = f"W{c}_{s}"
            net.add_species(w, initial=1.0 / n_complexes)
            cat = {xs[i]: 1, xs[j]: 1}
            net.add_reaction(cat | {w: 1}, cat | {w: 1, y: 1}, k_y)
            net.add_reaction(cat | {w: 1, lab: 1}, cat | {w: 2, lab: 1}, eta)
            net.add_reaction(cat | {w: 1, lbar: 1}, cat | {lbar: 1}, eta)
            net.add_reaction({w: 1, y: 1, lab: 1}, {y: 1, lab: 1}, eta)
            net.add_reaction({w: 1, y: 1, lbar: 1}, {w: 2, y: 1, lbar: 1}, eta)
    return net


def gillespy2_model(network, volume, t_end, n_points):
    import gillespy2

    model = gillespy2.Model(name=network.name, volume=volume)
    counts = np.rint(network.initial_concentrations * volume).astype(int)
    species = {}
    for name, n0 in zip(network.species, counts, strict=True):
        species[name] = gillespy2.Species(
            name=name, initial_value=int(n0), mode="discrete"
        )
        model.add_species(species[name])
    for j, reaction in enumerate(network.reactions):
        k = gillespy2.Parameter(name=f"k{j}", expression=repr(reaction.rate))
        model.add_parameter(k)
        model.add_reaction(
            gillespy2.Reaction(
                name=f"r{j}",
                reactants={species[s]: n for s, n in reaction.reactants.items()},
                products={species[s]: n for s, n in reaction.products.items()},
                rate=k,
            )
        )
    model.timespan(np.linspace(0.0, t_end, n_points))
    return model


def time_gillespy2(network, volume, t_end, n_trajectories, seed):
    import gillespy2

    model = gillespy2_model(network, volume, t_end, n_points=11)
    solver = gillespy2.NumPySSASolver(model=model)
    start = time.perf_counter()
    results = solver.run(number_of_trajectories=n_trajectories, seed=seed)
    elapsed = time.perf_counter() - start
    finals = np.array(
        [[traj[s][-1] for s in network.species] for traj in results]
    )
    return elapsed, finals


def time_crnlearn(network, volume, t_end, n_trajectories, seed, **options):
    simulate_stochastic(network, t_end, volume=volume, n_trajectories=1,
                        n_points=2, random_state=seed, **options)  # compile/load
    start = time.perf_counter()
    res = simulate_stochastic(
        network, t_end, volume=volume, n_trajectories=n_trajectories,
        n_points=11, random_state=seed, **options,
    )
    elapsed = time.perf_counter() - start
    return elapsed, res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    logging.getLogger("GillesPy2").setLevel(logging.ERROR)

    net = random_network()
    t_end = 0.2 if args.quick else 1.0
    n_ref = 2 if args.quick else 4

    # 1. Exact SSA against GillesPy2's NumPySSASolver.
    ref_time, ref_finals = time_gillespy2(net, 1.0, t_end, n_ref, seed=1)
    n_ours = 50 if args.quick else 200
    our_time, res = time_crnlearn(net, 1.0, t_end, n_ours, seed=2)
    fired_per_traj = res.counters["reactions_fired"] / n_ours
    ours_rate = res.counters["reactions_fired"] / our_time
    ref_rate = fired_per_traj * n_ref / ref_time
    print(f"random network: {net.n_species} species, {net.n_reactions} reactions, "
          f"t_end={t_end}, ~{fired_per_traj:.0f} firings per trajectory")
    print(f"  mean final count  crnlearn {res.counts[:, -1].mean():8.1f}   "
          f"GillesPy2 {ref_finals.mean():8.1f}")
    print(f"  SSA reactions/s   crnlearn {ours_rate:12.3e}   "
          f"GillesPy2 NumPySSASolver {ref_rate:12.3e}   "
          f"ratio {ours_rate / ref_rate:8.1f}")

    # 2. Tau-leaping at a larger volume, against the exact SSA.
    volume = 100.0
    n_tau = 4 if args.quick else 8
    ssa_time, ssa = time_crnlearn(net, volume, t_end, n_tau, seed=3)
    tau_time, tau = time_crnlearn(net, volume, t_end, n_tau, seed=3, method="tau-leap")
    print(f"volume {volume:g} (counts ~{TYPICAL_COUNT * volume:.0f}), "
          f"{n_tau} trajectories")
    ssa_rate = ssa.counters["reactions_fired"] / ssa_time
    print(f"  SSA       {ssa_rate:12.3e} reactions/s, {ssa_time:.3f} s")
    print(f"  tau-leap  {tau.counters['steps'] / tau_time:12.3e} steps/s "
          f"({tau.counters['leaps']} leaps, {tau.counters['exact_steps']} exact, "
          f"{tau.counters['rejected_leaps']} rejected), "
          f"{tau.counters['reactions_fired'] / tau_time:12.3e} reactions/s, "
          f"{tau_time:.3f} s: {ssa_time / tau_time:.1f}x faster than SSA")
    gap = np.abs(tau.final.mean(axis=0) - ssa.final.mean(axis=0))
    error = np.hypot(tau.final.std(axis=0, ddof=1), ssa.final.std(axis=0, ddof=1))
    error /= np.sqrt(n_tau)
    worst = int(np.argmax(gap / error))
    print(f"  mean final concentrations, tau-leap vs SSA: largest gap "
          f"{gap[worst] / ssa.final.mean(axis=0)[worst]:.2%} "
          f"({gap[worst] / error[worst]:.1f} standard errors)")

    # 3. A learning-shaped network.
    big = learning_like_network(n_complexes=50 if args.quick else 200)
    sim = StochasticSimulator(big, volume=1000.0)
    counts = sim.counts_from_concentrations()
    sim.run(counts, 1e-3, n_points=2, random_state=0)
    t_big = 0.2 if args.quick else 1.0
    start = time.perf_counter()
    run = sim.run(counts, t_big, n_points=2, random_state=4)
    elapsed = time.perf_counter() - start
    fired = run.counters["reactions_fired"]
    print(f"learning-shaped network: {big.n_species} species, {big.n_reactions} "
          f"reactions at volume 1000: {fired} firings in {elapsed:.3f} s = "
          f"{fired / elapsed:.3e} reactions/s")


if __name__ == "__main__":
    main()
