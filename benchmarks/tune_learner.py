"""Choose the hyper-parameters of CRNClassifier on validation data.

Only the training images of the reference digits protocol are used: the
1,437 images are split (stratified, 75 % / 25 %) into a fitting and a
validation set, ``--splits`` times with different seeds; the test images
are dropped as soon as the protocol is loaded. A configuration is scored by
its validation accuracy, averaged over the splits and over the numbers of
complexes K of the stage (the defaults must hold from K = 10 to 200, not at
one K).

The script runs the library functions that ``CRNClassifier.fit`` runs
(min-max encoding, ``input_concentrations``, ``flux_statistics``,
``select_complexes``, the closed-form EWA), with two savings:

- the flux statistics of all candidates are computed once per split, order
  and dual rail, and every selection rule reads them;
- the selected complexes of K = 10, 20, ... are the first K of the K = 200
  selection (every rule ranks or picks greedily, so a smaller K is a
  prefix; the script checks this before it relies on it), so each
  structure is selected once per split.

The closed form's final weights are ``softmax(eta tau G)`` of the summed
gains ``G[c, S] = sum_m s_c(m) phi_S(x_m)``, whatever the order of
presentation; ``n_passes = p`` multiplies ``G`` by ``p``. The script
computes ``G`` from the class sums of the fitting fluxes, and at the end
checks that the estimator gives the same validation accuracy.

Stages, each printed as a table:

A. structure: selection rule (``mean-flux`` is the paper's), order and
   dual rail, at K = 10, 50, 200, each with its best learning rate (and
   the accuracy at the default one);
B. learner at the best structure: learning rate (``"auto"`` included),
   penalty (``"balanced"`` or 1) and passes;
C. the class-contrast constants: the floor of the contrast ratio and the
   reuse penalty (``CONTRAST_FLOOR`` and ``REUSE_PENALTY`` in
   ``crnlearn.learn.selection``; the estimator does not expose them, so
   they are passed to ``select_complexes`` directly);
D. validation accuracy against K = 10, 20, 50, 100, 200 at the chosen
   settings and at the current defaults, with the best learning rate of
   each K.

The reference measured in the same run is the estimator's current
defaults: every stage prints the gain of its best configuration over them,
with the standard error of that difference over the splits (the splits are
paired: both configurations see the same images). Configurations within one
such standard error of the best count as tied with it; among the tied, a
stage keeps the current default, then the cheaper setting (lower order,
fewer passes), and passes its choice to the next stage.

Usage::

    python benchmarks/tune_learner.py              # all stages, 10 splits
    python benchmarks/tune_learner.py --quick      # 2 splits, small grids
    python benchmarks/tune_learner.py --stages BD --splits 3
"""

import argparse
import os
import time
from dataclasses import dataclass, replace

import numpy as np
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from crnlearn import CRNClassifier
from crnlearn.aggregation import ewa_weights
from crnlearn.datasets import load_digits_split
from crnlearn.encoding import ConcentrationEncoder
from crnlearn.experiments.report import PUBLISHED_SNN
from crnlearn.learn import selection
from crnlearn.learn.classifier import optimal_learning_rate
from crnlearn.learn.complexes import (
    complex_fluxes,
    flux_statistics,
    input_concentrations,
    n_candidates,
)
from crnlearn.learn.selection import SELECTION_RULES, select_complexes

#: Fraction of the training images held out for validation.
VALIDATION_SIZE = 0.25
N_CLASSES = 10
N_FEATURES = 64

#: The paper's rule first.
RULES = ("mean-flux", "max-flux", "class-spread", "class-contrast")
ORDERS = (1, 2, 3)
#: Order 3 with dual rail has 349,632 candidates: its statistics take
#: seconds per split, too long for a quick look.
QUICK_ORDERS = (1, 2)
DUAL_RAIL = (True, False)
#: K of stages A to C: the ends and the middle of the range to cover.
STAGE_SIZES = (10, 50, 200)
CURVE_SIZES = (10, 20, 50, 100, 200)
RATES = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, "auto")
QUICK_RATES = (3e-4, 2e-3, 0.01, 0.05, 0.2, "auto")
PENALTIES = ("balanced", 1.0)
PASSES = (1, 2, 3)
FLOORS = (0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0)
QUICK_FLOORS = (0.05, 0.2, 0.5)
REUSE_PENALTIES = (0.0, 0.03, 0.1, 0.2, 0.3, 0.5)
QUICK_REUSE_PENALTIES = (0.0, 0.1, 0.3)
#: Selections kept per split (the fluxes of one are about 2 MB).
CACHE_SIZE = 32


@dataclass(frozen=True)
class Structure:
    """What decides the complexes: rule, order, dual rail, contrast constants.

    ``floor`` and ``reuse_penalty`` apply to ``"class-contrast"`` only; None
    is the module constant, which is what the estimator uses.
    """

    rule: str
    order: int
    dual_rail: bool
    floor: float | None = None
    reuse_penalty: float | None = None

    def options(self):
        if self.rule != "class-contrast":
            return {}
        return {"floor": self.floor, "reuse_penalty": self.reuse_penalty}

    def label(self):
        rail = "dual" if self.dual_rail else "single"
        return f"{self.rule}, order {self.order}, {rail} rail"


@dataclass(frozen=True)
class Learner:
    """The EWA settings: learning rate (or "auto"), penalty, passes."""

    learning_rate: float | str
    penalty: float | str
    n_passes: int

    def label(self):
        return (f"eta {self.learning_rate}, penalty {self.penalty}, "
                f"{self.n_passes} pass(es)")


def default_configuration():
    """The estimator's current defaults, read from the library."""
    clf = CRNClassifier()
    structure = Structure(
        clf.selection, clf.order, clf.dual_rail,
        selection.CONTRAST_FLOOR, selection.REUSE_PENALTY,
    )
    learner = Learner(clf.learning_rate, clf.penalty, clf.n_passes)
    return structure, learner, clf.reward


def training_images():
    """The protocol's training images; the test images are not kept."""
    split = load_digits_split()
    return split.X_train, split.y_train


class Split:
    """One fitting/validation split, its statistics and its selections."""

    def __init__(self, X, y, seed):
        X_fit, X_val, y_fit, y_val = train_test_split(
            X, y, test_size=VALIDATION_SIZE, random_state=seed, stratify=y
        )
        encoder = ConcentrationEncoder("minmax").fit(X_fit)
        E_fit, E_val = encoder.transform(X_fit), encoder.transform(X_val)
        self.inputs = {
            dual: (input_concentrations(E_fit, dual), input_concentrations(E_val, dual))
            for dual in DUAL_RAIL
        }
        self.raw = (X_fit, X_val)
        self.y_fit, self.y_val, self.seed = y_fit, y_val, seed
        self.onehot = np.eye(N_CLASSES)[y_fit]
        self._stats = {}
        self._selected = {}

    @property
    def n_fit(self):
        return self.y_fit.size

    def statistics(self, order, dual_rail, maximum):
        """Flux statistics of every candidate, computed once."""
        key = (order, dual_rail)
        stats = self._stats.get(key)
        if stats is None or (maximum and stats.max_flux is None):
            stats = flux_statistics(
                self.inputs[dual_rail][0], self.y_fit, N_CLASSES, order,
                maximum=maximum,
            )
            self._stats[key] = stats
        return stats

    def select(self, structure, n_reactions):
        """The selected complexes (candidates of the fitting inputs)."""
        Z_fit = self.inputs[structure.dual_rail][0]
        spec = SELECTION_RULES[structure.rule]
        stats = self.statistics(structure.order, structure.dual_rail, spec.maximum)
        return select_complexes(
            Z_fit, self.y_fit, n_reactions, order=structure.order,
            rule=structure.rule, n_classes=N_CLASSES, stats=stats,
            **structure.options(),
        )

    def fluxes(self, structure):
        """Class sums of the fitting fluxes and the validation fluxes.

        For the largest K of the script (or all candidates, if fewer); a
        smaller K is a prefix of the columns.
        """
        if structure not in self._selected:
            if len(self._selected) >= CACHE_SIZE:
                self._selected.pop(next(iter(self._selected)))
            Z_fit, Z_val = self.inputs[structure.dual_rail]
            largest = min(max(CURVE_SIZES), n_candidates(Z_fit.shape[1],
                                                         structure.order))
            chosen = self.select(structure, largest)
            class_sums = self.onehot.T @ complex_fluxes(Z_fit, chosen)
            self._selected[structure] = (class_sums, complex_fluxes(Z_val, chosen))
        return self._selected[structure]

    def accuracy(self, structure, n_reactions, learner, reward):
        """Validation accuracy of the closed-form learner."""
        class_sums, F_val = self.fluxes(structure)
        K = min(n_reactions, class_sums.shape[1])
        class_sums, F_val = class_sums[:, :K], F_val[:, :K]
        a = float(reward)
        b = a / (N_CLASSES - 1) if learner.penalty == "balanced" else learner.penalty
        if learner.learning_rate == "auto":
            rate = optimal_learning_rate(K, self.n_fit * learner.n_passes, a, b)
        else:
            rate = learner.learning_rate
        # G[c, S] = a (sum over class c) - b (sum over the other classes).
        gains = (a + b) * class_sums - b * class_sums.sum(axis=0)
        weights = ewa_weights(learner.n_passes * gains, rate)
        predicted = np.argmax(F_val @ weights.T, axis=1)
        return float(np.mean(predicted == self.y_val))


def paired_standard_error(diff):
    """Standard error of a mean difference over the splits (0 for one split)."""
    return float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0


@dataclass
class Candidate:
    """A configuration, its objective on every split, and a preference.

    ``preference`` orders the candidates tied with the best: larger first.
    """

    objective: np.ndarray
    preference: tuple
    structure: Structure
    learner: Learner

    @property
    def accuracy(self):
        return float(self.objective.mean())


def choose(candidates):
    """The best candidate and the chosen one.

    Candidates whose mean accuracy is within one paired standard error of
    the best one's are tied with it; the chosen one is the tied candidate
    of largest preference (the current default, then the cheaper), then of
    highest accuracy.
    """
    best = max(candidates, key=lambda c: c.accuracy)
    tied = []
    for candidate in candidates:
        diff = best.objective - candidate.objective
        if diff.mean() <= paired_standard_error(diff):
            tied.append(candidate)
    chosen = max(tied, key=lambda c: (c.preference, c.accuracy))
    return best, chosen, len(tied)


class Tuner:
    """Scores configurations on all splits; knows the current defaults."""

    def __init__(self, splits, reward, default_structure, default_learner):
        self.splits = splits
        self.reward = reward
        self.default_structure = default_structure
        self.default_learner = default_learner

    def scores(self, structure, learner, sizes):
        """Accuracies of shape (n_splits, n_sizes)."""
        return np.array([
            [s.accuracy(structure, K, learner, self.reward) for K in sizes]
            for s in self.splits
        ])

    def objective(self, structure, learner, sizes):
        """Mean accuracy over ``sizes``, one per split."""
        return self.scores(structure, learner, sizes).mean(axis=1)

    def best_rate(self, structure, learner, sizes, rates):
        """The learning rate of highest mean accuracy, and its scores."""
        results = []
        for rate in rates:
            trial = replace(learner, learning_rate=rate)
            results.append((trial, self.scores(structure, trial, sizes)))
        return max(results, key=lambda r: (r[1].mean(),
                                           r[0] == self.default_learner))

    def report(self, best, chosen, n_tied, sizes):
        """Print the best and chosen candidates against the defaults."""
        defaults = self.objective(self.default_structure, self.default_learner,
                                  sizes)
        for name, candidate in (("best", best), ("chosen", chosen)):
            diff = candidate.objective - defaults
            print(f"{name}: {candidate.structure.label()}, floor "
                  f"{_fmt(candidate.structure.floor)}, reuse "
                  f"{_fmt(candidate.structure.reuse_penalty)}; "
                  f"{candidate.learner.label()}: {candidate.accuracy:.4f}, "
                  f"{100 * diff.mean():+.2f} +- "
                  f"{100 * paired_standard_error(diff):.2f} points over the "
                  f"current defaults ({defaults.mean():.4f})")
        print(f"({n_tied} configuration(s) within one paired standard error of "
              f"the best, over {len(self.splits)} splits)")


def _fmt(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_prefix_selection(split, orders):
    """Check that a smaller K selects the first K complexes of a larger one."""
    for rule in RULES:
        for order in orders:
            structure = Structure(rule, order, True)
            total = n_candidates(2 * N_FEATURES, order)
            small = split.select(structure, min(min(STAGE_SIZES), total))
            large = split.select(structure, min(max(CURVE_SIZES), total))
            if large[: len(small)] != small:
                raise RuntimeError(
                    f"{structure.label()}: the K = {len(small)} selection is not a "
                    f"prefix of the K = {len(large)} one; select every K separately."
                )


def stage_a(tuner, orders, rates):
    sizes = STAGE_SIZES
    print("\nA. structure (validation accuracy at the structure's best learning "
          "rate; penalty and passes at their defaults)")
    columns = "".join(f"{f'K={K}':>7}" for K in sizes)
    print(f"{'rule':>15} {'order':>5} {'rail':>6}{columns} {'mean':>7} "
          f"{'eta':>7} {'at eta0':>7} {'select s':>8}")
    default = tuner.default_structure
    candidates = []
    for rule in RULES:
        for order in orders:
            for dual in DUAL_RAIL:
                # The contrast constants stay at the module's values here.
                structure = Structure(rule, order, dual, default.floor,
                                      default.reuse_penalty)
                tic = time.perf_counter()
                for s in tuner.splits:
                    s.fluxes(structure)
                seconds = (time.perf_counter() - tic) / len(tuner.splits)
                learner, scores = tuner.best_rate(
                    structure, tuner.default_learner, sizes, rates
                )
                at_default = tuner.scores(structure, tuner.default_learner, sizes)
                candidates.append(Candidate(
                    scores.mean(axis=1), (structure == default, -order),
                    structure, learner,
                ))
                print(f"{rule:>15} {order:>5} {'dual' if dual else 'single':>6}"
                      + "".join(f"{a:>7.4f}" for a in scores.mean(axis=0))
                      + f" {scores.mean():>7.4f} {_fmt(learner.learning_rate):>7} "
                      f"{at_default.mean():>7.4f} {seconds:>8.2f}", flush=True)
    print(f"(eta0 = the default learning rate "
          f"{_fmt(tuner.default_learner.learning_rate)}; select s = statistics "
          f"and selection per split, the statistics computed by the first rule "
          f"of each order and rail and reused by the others)")
    best, chosen, n_tied = choose(candidates)
    tuner.report(best, chosen, n_tied, sizes)
    return chosen.structure, chosen.learner


def stage_b(tuner, structure, rates):
    sizes = STAGE_SIZES
    print(f"\nB. learner at {structure.label()} (mean validation accuracy over "
          f"K = {', '.join(map(str, sizes))})")
    combos = [(p, n) for p in PENALTIES for n in PASSES]
    header = "".join(f"{f'b={_fmt(p)},p={n}':>16}" for p, n in combos)
    print(f"{'eta':>7}{header}")
    default = tuner.default_learner
    candidates = []
    for rate in rates:
        line = f"{_fmt(rate):>7}"
        for penalty, passes in combos:
            learner = Learner(rate, penalty, passes)
            objective = tuner.objective(structure, learner, sizes)
            # Among the tied: the default, then fewer passes (faster
            # training), then the default penalty.
            preference = (learner == default, -passes, penalty == default.penalty)
            candidates.append(Candidate(objective, preference, structure, learner))
            line += f"{objective.mean():>16.4f}"
        print(line, flush=True)
    print("(b = penalty, p = passes; in the closed form p passes at eta are "
          "one pass at p * eta, and 'auto' scales as sqrt(p))")
    best, chosen, n_tied = choose(candidates)
    tuner.report(best, chosen, n_tied, sizes)
    scores = tuner.scores(structure, chosen.learner, sizes).mean(axis=0)
    print("chosen, per K: " + ", ".join(
        f"{K}: {a:.4f}" for K, a in zip(sizes, scores, strict=True)))
    return chosen.learner


def stage_c(tuner, structure, learner, floors, reuse_penalties, rates):
    sizes = STAGE_SIZES
    base = Structure("class-contrast", structure.order, structure.dual_rail)
    print(f"\nC. class-contrast constants at order {base.order}, "
          f"{'dual' if base.dual_rail else 'single'} rail (mean validation "
          f"accuracy over K = {', '.join(map(str, sizes))})")
    default = tuner.default_structure
    # Each cell is selected once and scored both ways.
    cells = {}
    for floor in floors:
        for reuse in reuse_penalties:
            trial = replace(base, floor=floor, reuse_penalty=reuse)
            fixed = tuner.objective(trial, learner, sizes)
            found, scores = tuner.best_rate(trial, learner, sizes, rates)
            cells[floor, reuse] = (trial, fixed, found, scores.mean(axis=1))
    header = "".join(f"{f'r={_fmt(r)}':>9}" for r in reuse_penalties)
    for title, column in ((f"at {learner.label()}", 1),
                          ("at the best learning rate of each cell", 3)):
        print(f"{title}; rows: floor, columns: reuse penalty")
        print(f"{'floor':>7}{header}")
        for floor in floors:
            print(f"{_fmt(floor):>7}" + "".join(
                f"{cells[floor, reuse][column].mean():>9.4f}"
                for reuse in reuse_penalties
            ))
    print(f"(module constants: floor {_fmt(selection.CONTRAST_FLOOR)}, reuse "
          f"penalty {_fmt(selection.REUSE_PENALTY)})")
    candidates = []
    for (floor, reuse), (trial, fixed, found, tuned) in cells.items():
        constants = floor == default.floor and reuse == default.reuse_penalty
        candidates.append(Candidate(fixed, (constants, True), trial, learner))
        candidates.append(Candidate(tuned, (constants, found == learner), trial,
                                    found))
    # The incoming structure competes too (it may use another rule).
    candidates.append(Candidate(
        tuner.objective(structure, learner, sizes),
        (structure.rule != "class-contrast" or (
            structure.floor == default.floor
            and structure.reuse_penalty == default.reuse_penalty), True),
        structure, learner,
    ))
    best, chosen, n_tied = choose(candidates)
    tuner.report(best, chosen, n_tied, sizes)
    return chosen.structure, chosen.learner


def stage_d(tuner, structure, learner, rates):
    print(f"\nD. validation accuracy against K: chosen = {structure.label()}, "
          f"floor {_fmt(structure.floor)}, reuse {_fmt(structure.reuse_penalty)}, "
          f"{learner.label()}")
    print(f"{'K':>5} {'chosen':>7} {'sd':>6} {'worst':>7} {'defaults':>8} "
          f"{'worst':>7} {'gain':>6} {'+-':>5} {'best eta':>8} {'at it':>7}")
    for K in CURVE_SIZES:
        ours = tuner.scores(structure, learner, (K,))[:, 0]
        base = tuner.scores(tuner.default_structure, tuner.default_learner,
                            (K,))[:, 0]
        diff = ours - base
        tuned, scores = tuner.best_rate(structure, learner, (K,), rates)
        sd = ours.std(ddof=1) if ours.size > 1 else np.nan
        print(f"{K:>5} {ours.mean():>7.4f} {sd:>6.3f} {ours.min():>7.4f} "
              f"{base.mean():>8.4f} {base.min():>7.4f} {100 * diff.mean():>+6.2f} "
              f"{100 * paired_standard_error(diff):>5.2f} "
              f"{_fmt(tuned.learning_rate):>8} {scores.mean():>7.4f}", flush=True)
    print("(sd, worst: over the splits; gain: points over the defaults, +- its "
          "paired standard error; best eta: the best of the grid at that K)")
    print(f"(a guide, not a validation accuracy: {PUBLISHED_SNN['label']}, test "
          f"accuracy {np.median(PUBLISHED_SNN['accuracy']):.3f} median)")


def check_estimator_agrees(tuner, structure, learner, n_reactions=50):
    """CRNClassifier gives the script's validation accuracy.

    The estimator uses the module's contrast constants, so the check runs
    the structure with those.
    """
    structure = replace(structure, floor=selection.CONTRAST_FLOOR,
                        reuse_penalty=selection.REUSE_PENALTY)
    ours, theirs = [], []
    for s in tuner.splits:
        clf = CRNClassifier(
            n_reactions=n_reactions, order=structure.order,
            dual_rail=structure.dual_rail, selection=structure.rule,
            learning_rate=learner.learning_rate, penalty=learner.penalty,
            n_passes=learner.n_passes, reward=tuner.reward, random_state=s.seed,
        ).fit(s.raw[0], s.y_fit)
        theirs.append(clf.score(s.raw[1], s.y_val))
        ours.append(s.accuracy(structure, n_reactions, learner, tuner.reward))
    print(f"\nestimator check at K = {n_reactions} ({structure.label()}, module "
          f"constants, {learner.label()}): CRNClassifier {np.mean(theirs):.4f}, "
          f"this script {np.mean(ours):.4f}")
    if not np.allclose(ours, theirs):
        raise RuntimeError("the script's closed form disagrees with CRNClassifier.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=None,
                        help="validation splits averaged (default 10, 2 with "
                        "--quick)")
    parser.add_argument("--stages", default="ABCD", help="stages to run")
    parser.add_argument("--quick", action="store_true",
                        help="orders 1 and 2 only, 2 splits, small grids")
    args = parser.parse_args(argv)
    n_splits = args.splits or (2 if args.quick else 10)
    orders = QUICK_ORDERS if args.quick else ORDERS
    rates = QUICK_RATES if args.quick else RATES
    floors = QUICK_FLOORS if args.quick else FLOORS
    reuse_penalties = QUICK_REUSE_PENALTIES if args.quick else REUSE_PENALTIES
    print(f"load average before: {os.getloadavg()}")

    tic = time.perf_counter()
    X, y = training_images()
    default_structure, default_learner, reward = default_configuration()
    print(f"{len(y)} training images, {n_splits} splits of "
          f"{1 - VALIDATION_SIZE:.0%} / {VALIDATION_SIZE:.0%}; current defaults: "
          f"{default_structure.label()}, floor {_fmt(default_structure.floor)}, "
          f"reuse penalty {_fmt(default_structure.reuse_penalty)}, "
          f"{default_learner.label()}")
    with threadpool_limits(limits=1, user_api="blas"):
        splits = [Split(X, y, seed) for seed in range(n_splits)]
        check_prefix_selection(splits[0], orders)
        tuner = Tuner(splits, reward, default_structure, default_learner)
        structure, learner = default_structure, default_learner
        if "A" in args.stages:
            stage_tic = time.perf_counter()
            structure, learner = stage_a(tuner, orders, rates)
            print(f"(stage A: {time.perf_counter() - stage_tic:.0f} s)")
        if "B" in args.stages:
            stage_tic = time.perf_counter()
            learner = stage_b(tuner, structure, rates)
            print(f"(stage B: {time.perf_counter() - stage_tic:.0f} s)")
        if "C" in args.stages:
            stage_tic = time.perf_counter()
            structure, learner = stage_c(
                tuner, structure, learner, floors, reuse_penalties, rates
            )
            print(f"(stage C: {time.perf_counter() - stage_tic:.0f} s)")
        if "D" in args.stages:
            stage_tic = time.perf_counter()
            stage_d(tuner, structure, learner, rates)
            print(f"(stage D: {time.perf_counter() - stage_tic:.0f} s)")
        check_estimator_agrees(tuner, structure, learner)

    print(f"\nchosen configuration: selection={structure.rule!r}, "
          f"order={structure.order}, dual_rail={structure.dual_rail}, "
          f"learning_rate={_fmt(learner.learning_rate)}, "
          f"penalty={_fmt(learner.penalty)}, n_passes={learner.n_passes}"
          + (f", floor={_fmt(structure.floor)}, reuse_penalty="
             f"{_fmt(structure.reuse_penalty)}"
             if structure.rule == "class-contrast" else ""))
    objective = tuner.objective(structure, learner, CURVE_SIZES)
    diff = objective - tuner.objective(default_structure, default_learner,
                                       CURVE_SIZES)
    print(f"mean validation accuracy over K = "
          f"{', '.join(map(str, CURVE_SIZES))}: {objective.mean():.4f}, "
          f"{100 * diff.mean():+.2f} +- {100 * paired_standard_error(diff):.2f} "
          f"points over the current defaults")
    print(f"load average after: {os.getloadavg()}")
    print(f"({time.perf_counter() - tic:.0f} s)")


if __name__ == "__main__":
    main()
