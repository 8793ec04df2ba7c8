"""Choose the hyper-parameters of SignedCRNClassifier on validation data.

Only the training images of the reference digits protocol are used: they
are split (stratified, 75 % / 25 %) into a fitting and a validation set.
The test images are never loaded here. Every configuration is scored by its
validation accuracy, averaged over ``--splits`` such splits (different
seeds of the split and of the order of presentation). The script runs the
same functions as ``SignedCRNClassifier.fit`` (encoding, selection,
``signed_ewa_fit``), selecting complexes once per structure and reusing
them across the learning rates and temperatures.

Stages, each printed as a table:

A. structure: order of the complexes, selection rule, number of complexes
   K (each with a small grid of learning rates and temperatures);
B. learner: learning rate, inverse temperature and passes at the best
   structure;
C. normalisation: the softmax the network computes against normalisations
   a network could compute at steady state (division of the positive
   output by its total, the same with squares, and a winner-take-all
   mistake signal), each with its best learning rate;
D. accuracy against K at the chosen settings, with each K's best learning
   rate and temperature.

The best configuration maximises the mean validation accuracy; ties go to
fewer reactions.

Usage::

    python benchmarks/tune_signed.py               # all stages, 3 splits
    python benchmarks/tune_signed.py --splits 1 --stages A
"""

import argparse
import itertools
import time

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from crnlearn.datasets import load_digits_split
from crnlearn.encoding import ConcentrationEncoder
from crnlearn.learn.complexes import (
    complex_fluxes,
    input_concentrations,
    n_candidates,
)
from crnlearn.learn.selection import decorrelated_contrast, select_complexes
from crnlearn.learn.signed import (
    SignedCRNClassifier,
    signed_ewa_fit,
    signed_weights,
)

#: Fraction of the training images held out for validation.
VALIDATION_SIZE = 0.25
N_CLASSES = 10

ORDERS = (1, 2, 3)
#: (rule, max_correlation) pairs of stage A.
SELECTIONS = (
    ("decorrelated-contrast", 0.4),
    ("decorrelated-contrast", 0.6),
    ("decorrelated-contrast", 0.8),
    ("class-contrast", None),
    ("mean-flux", None),
)
SIZES = (50, 100, 200, 400)
#: Passes of stage A.
STRUCTURE_PASSES = 5
COARSE_RATES = (0.03, 0.1, 0.3)
COARSE_BETAS = (30.0, 100.0, 300.0)
FINE_RATES = (0.03, 0.1, 0.2, 0.3)
FINE_BETAS = (30.0, 100.0, 200.0, 400.0)
PASSES = (3, 5, 8, 12)
CURVE_SIZES = (10, 20, 50, 100, 200)


class Split:
    """One fitting/validation split with its encoded inputs."""

    def __init__(self, X, y, seed):
        X_fit, X_val, y_fit, y_val = train_test_split(
            X, y, test_size=VALIDATION_SIZE, random_state=seed, stratify=y
        )
        encoder = ConcentrationEncoder("minmax").fit(X_fit)
        self.Z_fit = input_concentrations(encoder.transform(X_fit), True)
        self.Z_val = input_concentrations(encoder.transform(X_val), True)
        self.y_fit, self.y_val, self.seed = y_fit, y_val, seed
        self._selected = {}

    def complexes(self, order, rule, rho, K):
        key = (order, rule, rho, K)
        if key not in self._selected:
            Z = self.Z_fit
            if rule == "decorrelated-contrast":
                chosen = decorrelated_contrast(
                    Z, self.y_fit, K, order=order, max_correlation=rho,
                    n_classes=N_CLASSES,
                )
            else:
                chosen = select_complexes(
                    Z, self.y_fit, K, order=order, rule=rule, n_classes=N_CLASSES
                )
            self._selected[key] = (
                complex_fluxes(self.Z_fit, chosen), complex_fluxes(self.Z_val, chosen)
            )
        return self._selected[key]

    def score(self, fluxes, rate, beta, passes, normalise=None):
        F_fit, F_val = fluxes
        rng = check_random_state(self.seed)
        order = np.concatenate(
            [rng.permutation(len(self.y_fit)) for _ in range(passes)]
        )
        G = signed_ewa_fit(
            F_fit, self.y_fit, N_CLASSES, order, learning_rate=rate,
            inverse_temperature=beta, normalise=normalise,
        )
        w_pos, w_neg = signed_weights(G, rate)
        predicted = np.argmax(F_val @ (w_pos - w_neg).T, axis=1)
        return float(np.mean(predicted == self.y_val))


def mean_score(splits, structure, rate, beta, passes, normalise=None):
    order, rule, rho, K = structure
    return float(np.mean([
        s.score(s.complexes(order, rule, rho, K), rate, beta, passes, normalise)
        for s in splits
    ]))


def reactions(K):
    """Reactions of the signed network for 10 classes (see signed_network)."""
    return 10 * N_CLASSES * K + 2 * N_CLASSES**2 + 15 * N_CLASSES


def best_of(rows):
    """The row of highest accuracy; ties to fewer reactions."""
    return max(rows, key=lambda r: (r["accuracy"], -r["reactions"]))


def stage_a(splits):
    print("\nA. structure (validation accuracy, best of the coarse grid)")
    print(f"{'order':>5} {'selection':>24} {'rho':>5} {'K':>5} {'reactions':>9} "
          f"{'eta':>6} {'beta':>6} {'accuracy':>8} {'select s':>8}")
    rows = []
    for order, (rule, rho), K in itertools.product(ORDERS, SELECTIONS, SIZES):
        if K > n_candidates(128, order):
            continue
        structure = (order, rule, rho, K)
        tic = time.perf_counter()
        for s in splits:
            s.complexes(order, rule, rho, K)
        select_time = (time.perf_counter() - tic) / len(splits)
        best = max(
            (mean_score(splits, structure, rate, beta, STRUCTURE_PASSES), rate, beta)
            for rate, beta in itertools.product(COARSE_RATES, COARSE_BETAS)
        )
        row = dict(structure=structure, accuracy=best[0], rate=best[1],
                   beta=best[2], passes=STRUCTURE_PASSES, reactions=reactions(K))
        rows.append(row)
        print(f"{order:>5} {rule:>24} {rho if rho else '-':>5} {K:>5} "
              f"{row['reactions']:>9} {best[1]:>6g} {best[2]:>6g} {best[0]:>8.4f} "
              f"{select_time:>8.2f}", flush=True)
    return best_of(rows)


def stage_b(splits, best):
    print(f"\nB. learner at structure {best['structure']}")
    print(f"{'passes':>6} {'eta':>6} {'beta':>7} {'accuracy':>8} {'fit s':>6}")
    rows = []
    for passes, rate, beta in itertools.product(PASSES, FINE_RATES, FINE_BETAS):
        tic = time.perf_counter()
        acc = mean_score(splits, best["structure"], rate, beta, passes)
        seconds = (time.perf_counter() - tic) / len(splits)
        rows.append(dict(best, accuracy=acc, rate=rate, beta=beta, passes=passes))
        print(f"{passes:>6} {rate:>6g} {beta:>7g} {acc:>8.4f} {seconds:>6.2f}",
              flush=True)
    # Ties go to fewer passes (faster training), then the listed order.
    return max(rows, key=lambda r: (r["accuracy"], -r["passes"]))


def _ratio(power):
    def normalise(scores):
        positive = np.maximum(scores, 0.0) ** power
        total = positive.sum()
        return positive / total if total > 0 else np.full_like(scores, 1 / scores.size)
    return normalise


def _winner(scores):
    p = np.zeros_like(scores)
    p[np.argmax(scores)] = 1.0
    return p


def stage_c(splits, best):
    print(f"\nC. normalisation at structure {best['structure']}, "
          f"{best['passes']} passes")
    print(f"{'normalisation':>38} {'eta':>6} {'beta':>6} {'accuracy':>8}")
    candidates = [
        ("softmax (replicator read phase)", None, FINE_BETAS),
        ("division by total positive output", _ratio(1), (None,)),
        ("division, squared outputs", _ratio(2), (None,)),
        ("winner-take-all mistake signal", _winner, (None,)),
    ]
    for name, normalise, betas in candidates:
        acc, rate, beta = max(
            (mean_score(splits, best["structure"], rate, beta or 1.0, best["passes"],
                        normalise), rate, beta or 0.0)
            for rate, beta in itertools.product(FINE_RATES, betas)
        )
        print(f"{name:>38} {rate:>6g} {beta:>6g} {acc:>8.4f}", flush=True)


def stage_d(splits, best):
    order, rule, rho, default_K = best["structure"]
    print(f"\nD. accuracy against K (order {order}, {rule}, rho {rho}, "
          f"{best['passes']} passes)")
    print(f"{'K':>5} {'reactions':>9} {'eta':>6} {'beta':>7} {'accuracy':>8} "
          f"{'at defaults':>11}")
    for K in sorted(set(CURVE_SIZES) | {default_K}):
        structure = (order, rule, rho, K)
        acc, rate, beta = max(
            (mean_score(splits, structure, rate, beta, best["passes"]), rate, beta)
            for rate, beta in itertools.product(FINE_RATES, FINE_BETAS)
        )
        at_defaults = mean_score(
            splits, structure, best["rate"], best["beta"], best["passes"]
        )
        print(f"{K:>5} {reactions(K):>9} {rate:>6g} {beta:>7g} {acc:>8.4f} "
              f"{at_defaults:>11.4f}", flush=True)


def check_estimator_agrees(splits, X, y, best):
    """The estimator with the chosen settings gives the same validation score."""
    order, rule, rho, K = best["structure"]
    scores = []
    for s in splits:
        X_fit, X_val, y_fit, y_val = train_test_split(
            X, y, test_size=VALIDATION_SIZE, random_state=s.seed, stratify=y
        )
        clf = SignedCRNClassifier(
            n_reactions=K, order=order, selection=rule,
            max_correlation=rho if rho else 0.6, learning_rate=best["rate"],
            inverse_temperature=best["beta"], n_passes=best["passes"],
            random_state=s.seed,
        ).fit(X_fit, y_fit)
        scores.append(clf.score(X_val, y_val))
    print(f"\nestimator at the chosen settings: validation accuracy "
          f"{np.mean(scores):.4f} (stage B: {best['accuracy']:.4f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3,
                        help="validation splits averaged (default 3)")
    parser.add_argument("--stages", default="ABCD", help="stages to run")
    args = parser.parse_args(argv)

    split = load_digits_split()
    X, y = split.X_train, split.y_train  # the test images are not used
    tic = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        splits = [Split(X, y, seed) for seed in range(args.splits)]
        defaults = SignedCRNClassifier()
        best = dict(
            structure=(defaults.order, defaults.selection, defaults.max_correlation,
                       defaults.n_reactions),
            rate=defaults.learning_rate, beta=defaults.inverse_temperature,
            passes=defaults.n_passes, accuracy=float("nan"),
            reactions=reactions(defaults.n_reactions),
        )
        if "A" in args.stages:
            best = stage_a(splits)
            print(f"best structure: {best}")
        if "B" in args.stages:
            best = stage_b(splits, best)
            print(f"best learner: {best}")
        if "C" in args.stages:
            stage_c(splits, best)
        if "D" in args.stages:
            stage_d(splits, best)
        check_estimator_agrees(splits, X, y, best)
    print(f"\nchosen: {best}\n({time.perf_counter() - tic:.0f} s)")


if __name__ == "__main__":
    main()
