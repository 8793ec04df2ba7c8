"""Speed, accuracy and size of CRNClassifier on the reference digits.

Prints, in one run:

1. the closed-form ``fit`` at K = 200 with the other parameters at their
   defaults (median of ``--repeats`` fits on the 1,437 training images,
   after one untimed fit that loads the compiled functions) against its
   goal of 50 ms, and ``predict`` on the 360 test images (median of
   ``--predict-repeats``) against its goal of 5 ms. Two references are
   measured in the same run: a multinomial logistic regression on the
   pixels (scikit-learn, lbfgs), fit and predict, and a naive per-sample
   numpy loop of the same EWA on the same fluxes (learning only, no
   selection), whose final weights must equal the estimator's;
2. the chemistry backend (the learning network integrated sample after
   sample) at K = 200: first a probe of ``--probe-samples`` presentations
   (``partial_fit`` after a closed-form fit, so the complexes are those of
   the full training set), then, if the probe projects less than
   ``--chemistry-budget`` seconds, the full training on all images, timed,
   with its agreement with the closed form; otherwise the time is the
   probe's extrapolation, and the output says so. The goal is 60 s;
3. test accuracy of the defaults at K = 10, 20, 50, 100, 200: median and
   10-90 % band over ``--seeds`` orders of presentation, fit and predict
   times, and the size of ``to_network()`` (species and reactions). The
   closed form's final weights depend only on the summed gains, so the
   seeds agree unless the order matters; the band shows it. The spiking
   reference beside it is the published figure of the public code at
   K = 50 (docs/MODEL.md section 5), not a measurement of this run.

The machine's cores may be shared: the load average is printed before and
after, and timings under load are upper bounds.

Usage::

    python benchmarks/bench_learner.py
    python benchmarks/bench_learner.py --seeds 5 --repeats 11
    python benchmarks/bench_learner.py --chemistry-budget 0   # probe only
"""

import argparse
import os
import time

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from crnlearn import CRNClassifier
from crnlearn.datasets import load_digits_split
from crnlearn.experiments.report import PUBLISHED_SNN

#: Goals of the closed-form fit at K = 200, of predict on the test images,
#: and of the chemistry backend's full training, in seconds.
FIT_GOAL = 0.050
PREDICT_GOAL = 0.005
CHEMISTRY_GOAL = 60.0
#: K of the timings.
TIMING_K = 200
CURVE_SIZES = (10, 20, 50, 100, 200)


def median_time(function, repeats):
    """Median wall time of ``function()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        function()
        times.append(time.perf_counter() - tic)
    return float(np.median(times))


def naive_ewa(fluxes, targets, n_classes, rate, reward, penalty):
    """The EWA update written sample by sample, as the reference loop.

    ``w <- w exp(rate s_c phi) / sum(...)`` for every class ``c``, with
    ``s_c = reward`` for the true class and ``-penalty`` for the others.
    """
    K = fluxes.shape[1]
    weights = np.full((n_classes, K), 1.0 / K)
    for phi, target in zip(fluxes, targets, strict=True):
        signs = np.full(n_classes, -penalty)
        signs[target] = reward
        weights = weights * np.exp(rate * signs[:, None] * phi[None, :])
        weights /= weights.sum(axis=1, keepdims=True)
    return weights


def speed(data, repeats, predict_repeats):
    X_train, X_test, y_train, y_test = data
    print(f"\n1. closed form at K = {TIMING_K} (other parameters at their defaults)")
    clf = CRNClassifier(n_reactions=TIMING_K, random_state=0)
    tic = time.perf_counter()
    clf.fit(X_train, y_train)
    first = time.perf_counter() - tic
    fit = median_time(lambda: clf.fit(X_train, y_train), repeats)
    predict = median_time(lambda: clf.predict(X_test), predict_repeats)

    logistic = LogisticRegression(max_iter=2000)
    logistic_fit = median_time(lambda: logistic.fit(X_train, y_train), repeats)
    logistic_predict = median_time(lambda: logistic.predict(X_test), predict_repeats)

    # The same learning on the estimator's own fluxes and presentation order.
    order = clf.presentation_order_
    fluxes = clf.complex_fluxes(X_train)[order]
    targets = np.searchsorted(clf.classes_, y_train[order])
    rate = clf.learning_rate_ * clf.presentation_time
    args = (fluxes, targets, clf.classes_.size, rate, clf.reward_, clf.penalty_)
    loop = median_time(lambda: naive_ewa(*args), repeats)
    gap = np.abs(naive_ewa(*args) - clf.weights_).max() / clf.weights_.max()

    print(f"{'':>32} {'seconds':>9} {'goal':>7} {'/ goal':>7} {'logistic':>9} "
          f"{'ratio':>6}")
    print(f"{'fit (1,437 images)':>32} {fit:>9.4f} {FIT_GOAL:>7.3f} "
          f"{fit / FIT_GOAL:>7.2f} {logistic_fit:>9.4f} {fit / logistic_fit:>6.2f}")
    print(f"{'predict (360 images)':>32} {predict:>9.5f} {PREDICT_GOAL:>7.3f} "
          f"{predict / PREDICT_GOAL:>7.2f} {logistic_predict:>9.5f} "
          f"{predict / logistic_predict:>6.2f}")
    print(f"(medians of {repeats} fits and {predict_repeats} predicts; the first "
          f"fit, which loads the compiled functions, took {first:.3f} s)")
    print(f"naive per-sample numpy EWA loop on the same fluxes: {loop:.4f} s "
          f"(learning only); estimator fit / loop = {fit / loop:.2f}; largest "
          f"weight difference {gap:.1e} of the largest weight")
    print(f"logistic regression on pixels: test accuracy "
          f"{logistic.score(X_test, y_test):.4f}; CRN at K = {TIMING_K}: "
          f"{clf.score(X_test, y_test):.4f}")
    return clf


def chemistry(data, closed_form, probe_samples, budget):
    X_train, X_test, y_train, y_test = data
    print(f"\n2. chemistry backend at K = {TIMING_K}")
    probe = clone(closed_form).fit(X_train, y_train)
    probe.set_params(backend="chemistry")
    tic = time.perf_counter()
    probe.partial_fit(X_train[:probe_samples], y_train[:probe_samples])
    per_sample = (time.perf_counter() - tic) / probe_samples
    projected = per_sample * len(y_train)
    print(f"probe: {probe_samples} presentations, {1000 * per_sample:.1f} ms each "
          f"(network build included), so about {projected:.0f} s for the "
          f"{len(y_train)} training images")
    if projected > budget:
        print(f"full training not run (projected {projected:.0f} s > budget "
              f"{budget:g} s): training time EXTRAPOLATED from the probe, "
              f"{projected:.0f} s, {projected / CHEMISTRY_GOAL:.2f} of the "
              f"{CHEMISTRY_GOAL:g} s goal")
        return

    clf = clone(closed_form).set_params(backend="chemistry")
    tic = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    counters = clf.chemistry_counters_
    gap = np.abs(clf.weights_ - closed_form.weights_).max() / closed_form.weights_.max()
    same = np.mean(clf.predict(X_test) == closed_form.predict(X_test))
    print(f"full training, measured: {seconds:.1f} s, {seconds / CHEMISTRY_GOAL:.2f} "
          f"of the {CHEMISTRY_GOAL:g} s goal ({counters['presentations']} "
          f"presentations, {counters['nfev']} right-hand sides, {counters['njev']} "
          f"Jacobians, {counters['nlu']} LU factorisations)")
    print(f"against the closed form: largest weight difference {gap:.1e} of the "
          f"largest weight; test accuracy {clf.score(X_test, y_test):.4f} "
          f"(closed form {closed_form.score(X_test, y_test):.4f}); "
          f"{100 * same:.1f} % identical predictions")


def accuracy_curve(data, seeds):
    X_train, X_test, y_train, y_test = data
    print(f"\n3. test accuracy of the defaults against K ({seeds} orders of "
          f"presentation)")
    print(f"{'K':>5} {'accuracy':>8} {'10-90 %':>15} {'fit s':>7} {'predict s':>9} "
          f"{'species':>8} {'reactions':>9}")
    for K in CURVE_SIZES:
        scores, fit_times, predict_times = [], [], []
        for seed in range(seeds):
            clf = CRNClassifier(n_reactions=K, random_state=seed)
            tic = time.perf_counter()
            clf.fit(X_train, y_train)
            fit_times.append(time.perf_counter() - tic)
            tic = time.perf_counter()
            predicted = clf.predict(X_test)
            predict_times.append(time.perf_counter() - tic)
            scores.append(np.mean(predicted == y_test))
        network = clf.to_network()
        low, high = np.percentile(scores, [10, 90])
        print(f"{K:>5} {np.median(scores):>8.4f} {f'[{low:.4f}, {high:.4f}]':>15} "
              f"{np.median(fit_times):>7.4f} {np.median(predict_times):>9.5f} "
              f"{network.n_species:>8} {network.n_reactions:>9}", flush=True)
    print(f"(spiking reference, published, not measured here: "
          f"{PUBLISHED_SNN['label']}, test accuracy "
          + ", ".join(f"{a:.3f}" for a in PUBLISHED_SNN["accuracy"]) + ")")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5,
                        help="orders of presentation per K (default 5)")
    parser.add_argument("--repeats", type=int, default=9,
                        help="timed fits (default 9)")
    parser.add_argument("--predict-repeats", type=int, default=101,
                        help="timed predicts (default 101)")
    parser.add_argument("--probe-samples", type=int, default=20,
                        help="presentations of the chemistry probe (default 20)")
    parser.add_argument("--chemistry-budget", type=float, default=600.0,
                        help="longest full chemistry training run, in seconds, "
                        "as projected by the probe (default 600)")
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    tic = time.perf_counter()

    data = load_digits_split()
    closed_form = speed(data, args.repeats, args.predict_repeats)
    chemistry(data, closed_form, args.probe_samples, args.chemistry_budget)
    accuracy_curve(data, args.seeds)

    print(f"\nload average after: {os.getloadavg()}")
    print(f"({time.perf_counter() - tic:.0f} s)")


if __name__ == "__main__":
    main()
