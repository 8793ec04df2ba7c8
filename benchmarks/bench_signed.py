"""Speed, accuracy and size of SignedCRNClassifier on the reference digits.

Prints:

1. the training time of the fast path (closed form) with the default
   settings, the median of ``--repeats`` fits, and its ratio to the goal of
   2 s; beside it, measured in the same run, a multinomial logistic
   regression on the raw pixels (scikit-learn, lbfgs), the conventional
   linear model the learner is meant to match;
2. test accuracy, number of reactions and species against the number of
   selected complexes K (10, 20, 50, 100, 200 and the default), median over
   ``--seeds`` orders of presentation, with the paper's learner
   (``CRNClassifier``, its defaults) at the same K when it is installed;
3. the chemistry path: seconds per presented sample at K = 20, measured on
   a few samples, and the time a full training would take.

The hyper-parameters are the estimator's defaults, chosen on validation
data by ``benchmarks/tune_signed.py``; only K varies in the table. The
machine's cores may be shared: the load average is printed, and timings
under load are upper bounds.

Usage::

    python benchmarks/bench_signed.py
    python benchmarks/bench_signed.py --seeds 5 --repeats 5
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from crnlearn.datasets import load_digits_split
from crnlearn.learn.signed import SignedCRNClassifier

#: The training-time goal of the fast path, in seconds.
GOAL_SECONDS = 2.0
CURVE_SIZES = (10, 20, 50, 100, 200)
#: Samples presented to time the chemistry path.
CHEMISTRY_SAMPLES = 10
CHEMISTRY_K = 20


def timed_fit(estimator, X, y):
    tic = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - tic


def paper_learner():
    try:
        from crnlearn import CRNClassifier
    except ImportError:
        return None
    return CRNClassifier


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")

    X_train, X_test, y_train, y_test = load_digits_split()
    default = SignedCRNClassifier()

    # 1. speed of the fast path against the goal and a logistic regression
    times = [timed_fit(SignedCRNClassifier(random_state=r), X_train, y_train)
             for r in range(args.repeats)]
    fit_time = float(np.median(times))
    logistic = LogisticRegression(max_iter=2000)
    logistic_times = [timed_fit(logistic, X_train, y_train)
                      for _ in range(args.repeats)]
    print(f"\nfast path, defaults (K = {default.n_reactions}, order "
          f"{default.order}, {default.n_passes} passes): training "
          f"{fit_time:.2f} s (median of {args.repeats}), "
          f"{fit_time / GOAL_SECONDS:.2f} of the {GOAL_SECONDS:g} s goal")
    print(f"logistic regression on pixels: training "
          f"{np.median(logistic_times):.2f} s, test accuracy "
          f"{logistic.score(X_test, y_test):.4f}; ratio signed / logistic "
          f"{fit_time / np.median(logistic_times):.1f}")

    # 2. accuracy against the number of reactions
    Paper = paper_learner()
    print(f"\n{'K':>5} {'reactions':>9} {'species':>8} {'accuracy':>8} "
          f"{'10-90 %':>13} {'fit s':>6}"
          + (f" {'paper acc':>9} {'paper reactions':>15}" if Paper else ""))
    for K in sorted(set(CURVE_SIZES) | {default.n_reactions}):
        scores, seconds = [], []
        for seed in range(args.seeds):
            clf = SignedCRNClassifier(n_reactions=K, random_state=seed)
            seconds.append(timed_fit(clf, X_train, y_train))
            scores.append(clf.score(X_test, y_test))
        low, high = np.percentile(scores, [10, 90])
        line = (f"{K:>5} {clf.n_network_reactions_:>9} {clf.n_network_species_:>8} "
                f"{np.median(scores):>8.4f} {f'[{low:.3f}, {high:.3f}]':>13} "
                f"{np.median(seconds):>6.2f}")
        if Paper:
            paper = Paper(n_reactions=K, random_state=0).fit(X_train, y_train)
            size = paper.to_network().n_reactions
            line += f" {paper.score(X_test, y_test):>9.4f} {size:>15}"
        print(line, flush=True)

    # 3. the chemistry path
    chem = SignedCRNClassifier(n_reactions=CHEMISTRY_K, n_passes=1,
                               backend="chemistry", random_state=0)
    seconds = timed_fit(chem, X_train[:CHEMISTRY_SAMPLES], y_train[:CHEMISTRY_SAMPLES])
    per_sample = seconds / CHEMISTRY_SAMPLES
    print(f"\nchemistry path at K = {CHEMISTRY_K}: {per_sample:.3f} s per presented "
          f"sample (three phases), so about {per_sample * len(y_train) / 60:.0f} "
          f"min per pass over the {len(y_train)} training images")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
