"""Time and size of the spiking baseline on the reference digits protocol.

Runs ``SpikingClassifier`` (one hidden layer, EWA, ``encoding=None`` so the
inputs are pixels / 16 exactly as in the public protocol) for several hidden
layer sizes K and seeds, each run in a fresh process so that its peak resident
memory is its own, and prints per K the median test accuracy, the wall time
of one run (fit + predict) and the peak RSS.

Two speed references are printed:

- the public CHANI code, measured once on this 2-core machine at K = 50:
  about 250 s per run (docs/MODEL.md section 5 quotes 260-300 s);
- a step-by-step simulation measured in this run: the same network
  simulated one time step at a time (numpy over neurons, a Python loop over
  steps), timed on a few samples of every phase and extrapolated to the
  whole protocol.

The machine's 2 cores may be shared: the load average is printed before and
after, and timings under load are upper bounds. The CPU time of each run is
printed beside its wall time; the simulation runs on one thread, so on an
idle machine the two agree, and under load the CPU time is the steadier
measure.

Usage::

    python benchmarks/bench_snn.py                   # K = 10 50 100 200, 3 seeds
    python benchmarks/bench_snn.py --k 50 --seeds 5
    python benchmarks/bench_snn.py --k 200 --seeds 1 --aggregation pwa
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

#: Seconds per run of the public CHANI code at K = 50 on this machine.
PUBLIC_CODE_SECONDS = 250.0
#: Memory budget at K = 200 (MB of peak resident memory).
MEMORY_BUDGET_MB = 4096


def one_run(n_hidden, seed, aggregation):
    """Fit and score one network; return a dict of measurements."""
    from crnlearn import SpikingClassifier
    from crnlearn.datasets import load_digits_split

    X_train, X_test, y_train, y_test = load_digits_split()
    clf = SpikingClassifier(
        n_hidden=n_hidden, aggregation=aggregation, encoding=None, random_state=seed
    )
    cpu = time.process_time()
    tic = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_time = time.perf_counter() - tic
    tic = time.perf_counter()
    accuracy = clf.score(X_test, y_test)
    predict_time = time.perf_counter() - tic
    cpu = time.process_time() - cpu
    return {
        "n_hidden": n_hidden,
        "seed": seed,
        "accuracy": accuracy,
        "fit_s": fit_time,
        "predict_s": predict_time,
        "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "n_neurons": clf.n_neurons_,
        "n_synapses": clf.n_synapses_,
        "n_synapses_trained": clf.n_synapses_trained_,
        "n_neuron_steps": clf.n_neuron_steps_,
    }


def stepwise_time(n_hidden, n_samples=2, n_steps=2000, seed=0):
    """Extrapolated seconds of a run simulated one time step at a time."""
    from crnlearn.datasets import load_digits_split
    from crnlearn.snn import candidate_pairs

    X_train, X_test, _, _ = load_digits_split()
    rng = np.random.default_rng(seed)
    d, n_classes = X_train.shape[1], 10
    pairs = candidate_pairs(d)
    hidden = rng.dirichlet(np.ones(d), size=len(pairs))
    kept = hidden[:n_hidden]
    output = rng.dirichlet(np.ones(n_hidden), size=n_classes)

    def per_sample(body):
        tic = time.perf_counter()
        for x in X_train[:n_samples]:
            body(x)
        return (time.perf_counter() - tic) / n_samples

    def hidden_training(x):
        counts = np.zeros((len(pairs), d))
        for _ in range(n_steps):
            s = rng.random(d) < x
            both = s[pairs[:, 0]] & s[pairs[:, 1]]
            counts += np.outer(both, s)

    def selection(x):
        spikes = np.zeros(len(pairs))
        for _ in range(n_steps):
            s = rng.random(d) < x
            spikes += rng.random(len(pairs)) < hidden @ s - 0.5

    def forward(x):
        rates, counts = np.zeros(n_hidden), np.zeros(n_classes)
        for _ in range(n_steps):
            s = rng.random(d) < x
            h = rng.random(n_hidden) < kept @ s - 0.5
            rates += h
            counts += rng.random(n_classes) < output @ h

    n_out = len(X_train) - 80
    return (
        40 * per_sample(hidden_training)
        + 40 * per_sample(selection)
        + (n_out + len(X_test)) * per_sample(forward)
    )


def run_in_subprocess(n_hidden, seed, aggregation):
    command = [
        sys.executable, __file__, "--single", str(n_hidden), str(seed),
        "--aggregation", aggregation,
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[10, 50, 100, 200])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--aggregation", choices=["ewa", "pwa"], default="ewa")
    parser.add_argument("--no-flat", action="store_true",
                        help="skip the network without hidden layer")
    parser.add_argument("--no-stepwise", action="store_true",
                        help="skip the step-by-step reference")
    parser.add_argument("--single", nargs=2, metavar=("K", "SEED"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.single:
        k = None if args.single[0] == "None" else int(args.single[0])
        print(json.dumps(one_run(k, int(args.single[1]), args.aggregation)))
        return

    print(f"load average before: {os.getloadavg()}")
    sizes = list(args.k) + ([] if args.no_flat else [None])
    rows = []
    for k in sizes:
        runs = [run_in_subprocess(k, s, args.aggregation) for s in range(args.seeds)]
        acc = [r["accuracy"] for r in runs]
        wall = [r["fit_s"] + r["predict_s"] for r in runs]
        fit = [r["fit_s"] for r in runs]
        rows.append((k, runs))
        label = "none" if k is None else k
        print(
            f"K={label:>4} {args.aggregation}: accuracy {np.round(acc, 4).tolist()} "
            f"median {np.median(acc):.4f} | wall per run median "
            f"{np.median(wall):.2f} s (fit {np.median(fit):.2f} s, CPU "
            f"{np.median([r['cpu_s'] for r in runs]):.2f} s) | peak RSS "
            f"{max(r['peak_rss_mb'] for r in runs):.0f} MB | neurons "
            f"{runs[0]['n_neurons']}, synapses {runs[0]['n_synapses']} "
            f"({runs[0]['n_synapses_trained']} trained)",
            flush=True,
        )

    for k, runs in rows:
        if k == 50:
            wall = float(np.median([r["fit_s"] + r["predict_s"] for r in runs]))
            cpu = float(np.median([r["cpu_s"] for r in runs]))
            print(f"K=50: {wall:.2f} s wall ({cpu:.2f} s CPU) per run; public code "
                  f"{PUBLIC_CODE_SECONDS:.0f} s: {PUBLIC_CODE_SECONDS / wall:.1f}x "
                  f"faster by wall time ({PUBLIC_CODE_SECONDS / cpu:.1f}x by CPU)")
            if not args.no_stepwise:
                reference = stepwise_time(50)
                print(f"K=50: step-by-step simulation (extrapolated, this run) "
                      f"{reference:.0f} s: {reference / wall:.1f}x faster")
        if k == 200:
            peak = max(r["peak_rss_mb"] for r in runs)
            print(f"K=200: peak RSS {peak:.0f} MB, budget {MEMORY_BUDGET_MB} MB: "
                  f"{'within' if peak < MEMORY_BUDGET_MB else 'OVER'}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
