"""The rules that select the reactant complexes of a learning network.

Every rule ranks the candidate complexes of :mod:`crnlearn.learn.complexes`
by statistics of their flux over a selection set (the training inputs,
from :func:`~crnlearn.learn.complexes.flux_statistics`) and keeps the
``n_reactions`` best; ties go to the lower candidate index. The rules of
:data:`SELECTION_RULES`:

``"mean-flux"``, also named ``"paper"``
    The largest mean flux over the selection set: the paper's rule.
``"max-flux"``
    The largest flux over the selection set.
``"class-spread"``
    The largest spread (population standard deviation) of the
    class-conditional mean fluxes.
``"class-contrast"``
    One class after the other (round robin, classes in sorted order), the
    candidate not yet chosen with the largest one-against-the-rest contrast
    ``log((mean_c + f) / (mean_rest + f))`` (:func:`class_contrast`, floor
    ``f`` = :data:`CONTRAST_FLOOR`), minus :data:`REUSE_PENALTY` for every
    earlier use of each of its species by that class's complexes. Every
    class gets complexes that fire for it and rarely for the others, spread
    over different features.

New rules are a function ``rule(stats, n_reactions) -> indices`` plus an
entry in :data:`SELECTION_RULES`.

:func:`decorrelated_contrast`, the rule of
:class:`~crnlearn.learn.signed.SignedCRNClassifier`, also reads the
per-sample fluxes: it skips candidates that correlate with those already
chosen.
"""

import functools
import logging
from dataclasses import dataclass

import numpy as np
from numba import njit

from .complexes import (
    _candidate_table,
    candidate_complexes,
    flux_statistics,
    n_candidates,
)

__all__ = [
    "CONTRAST_FLOOR",
    "REUSE_PENALTY",
    "SELECTION_RULES",
    "SelectionRule",
    "class_contrast",
    "decorrelated_contrast",
    "select_complexes",
]

logger = logging.getLogger(__name__)

#: Mean flux added to both sides of the class-contrast ratio, so that rare
#: complexes (mean flux near 0 everywhere) do not win on noise; chosen on
#: validation folds of the digits training set (benchmarks/tune_learner.py).
CONTRAST_FLOOR = 0.2
#: Log-contrast subtracted per earlier use of each of a candidate's species
#: among the complexes already chosen for the same class, so that a class's
#: complexes spread over the input instead of repeating its single best
#: feature; chosen on validation folds (benchmarks/tune_learner.py).
REUSE_PENALTY = 0.1
#: Added to within-class variances so that a candidate constant in every
#: class does not divide by zero in the contrast score.
VARIANCE_FLOOR = 1e-3
#: Candidates whose centred flux has a smaller norm over the selection set
#: are constant there: their correlation with anything is undefined.
CONSTANT_FLUX = 1e-12
#: Candidates examined at once per class by the decorrelated selection.
SELECTION_BLOCK = 64


# -- the rules of SELECTION_RULES ----------------------------------------------


def _top(score, n_reactions):
    """Indices of the ``n_reactions`` largest scores; ties to the lower index."""
    if n_reactions < score.size:
        # Everything tied with the n-th best is kept, so ties stay ordered.
        threshold = np.partition(score, score.size - n_reactions)[
            score.size - n_reactions
        ]
        candidates = np.flatnonzero(score >= threshold)
    else:
        candidates = np.arange(score.size)
    order = np.lexsort((candidates, -score[candidates]))
    return candidates[order[:n_reactions]]


def _mean_flux(stats, n_reactions):
    return _top(stats.mean_flux, n_reactions)


def _max_flux(stats, n_reactions):
    return _top(stats.max_flux, n_reactions)


def _class_spread(stats, n_reactions):
    present = stats.class_counts > 0
    return _top(stats.class_means[present].std(axis=0), n_reactions)


def class_contrast(stats, floor=None):
    """One-against-the-rest contrast of every candidate for every class.

    Parameters
    ----------
    stats : FluxStatistics
    floor : float, default=None
        Added to both mean fluxes before their ratio is taken;
        :data:`CONTRAST_FLOOR` when None.

    Returns
    -------
    ndarray of shape (n_classes, n_candidates)
        ``log((mean_c + floor) / (mean_rest + floor))``, where ``mean_rest``
        is the mean flux over the samples of the other classes.
    """
    floor = CONTRAST_FLOOR if floor is None else float(floor)
    if not floor > 0:
        raise ValueError(f"floor must be a number > 0; got {floor!r}.")
    counts = np.maximum(stats.class_counts, 1)[:, None]
    sums = stats.class_sums
    rest_counts = np.maximum(stats.n_samples - stats.class_counts, 1)[:, None]
    rest_means = (sums.sum(axis=0) - sums) / rest_counts
    return np.log((sums / counts + floor) / (rest_means + floor))


@functools.lru_cache(maxsize=8)
def _species_members(n_species, order):
    """For every species, the candidates that contain it.

    Returns
    -------
    members : ndarray of int
        Candidate indices grouped by species.
    bounds : ndarray of int of shape (n_species + 1,)
        Species ``s`` owns ``members[bounds[s]:bounds[s + 1]]``.
    """
    table = _candidate_table(n_species, order)
    candidate, _ = np.nonzero(table >= 0)
    species = table[table >= 0]
    by_species = np.argsort(species, kind="stable")
    members = candidate[by_species]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(species, minlength=n_species))])
    members.setflags(write=False)
    return members, bounds


def _class_contrast(stats, n_reactions, floor=None, reuse_penalty=None):
    penalty = REUSE_PENALTY if reuse_penalty is None else float(reuse_penalty)
    present = np.flatnonzero(stats.class_counts > 0)
    contrast = class_contrast(stats, floor)[present]
    table = _candidate_table(stats.n_species, stats.order)
    members, bounds = _species_members(stats.n_species, stats.order)

    return _greedy_contrast(contrast, table, members, bounds, n_reactions, penalty)


@njit(cache=True)
def _greedy_contrast(contrast, table, members, bounds, n_reactions, penalty):
    """Round-robin picks of the class-contrast rule (compiled loop).

    The score of a candidate for class ``c`` is its contrast minus
    ``penalty`` for every earlier use, by ``c``'s picks, of each of its
    species; taken candidates score ``-inf`` for every class. The first
    maximum wins, so ties go to the lower candidate index.
    """
    n_classes, n_total = contrast.shape
    score = contrast.copy()
    uses = np.zeros_like(contrast)
    chosen = np.empty(n_reactions, dtype=np.intp)
    n_chosen = 0
    while n_chosen < n_reactions:
        for c in range(n_classes):
            if n_chosen == n_reactions:
                break
            pick = 0
            best = -np.inf
            for j in range(n_total):
                if score[c, j] > best:
                    best = score[c, j]
                    pick = j
            chosen[n_chosen] = pick
            n_chosen += 1
            for k in range(n_classes):
                score[k, pick] = -np.inf
            for i in table[pick]:
                if i < 0:
                    break
                for j in members[bounds[i] : bounds[i + 1]]:
                    uses[c, j] += 1.0
                    if score[c, j] != -np.inf:
                        score[c, j] = contrast[c, j] - penalty * uses[c, j]
    return chosen


@dataclass(frozen=True)
class SelectionRule:
    """A selection rule and the statistics it needs.

    Attributes
    ----------
    select : callable
        ``select(stats, n_reactions) -> ndarray of int`` (candidate indices).
    squares, maximum : bool
        Whether the rule reads squared-flux sums or the largest flux.
    """

    select: object
    squares: bool = False
    maximum: bool = False


#: Selection rules by name; each gives ``n_reactions`` candidate indices.
SELECTION_RULES = {
    "mean-flux": SelectionRule(_mean_flux),
    # The paper's rule under a name that says so.
    "paper": SelectionRule(_mean_flux),
    "max-flux": SelectionRule(_max_flux, maximum=True),
    "class-spread": SelectionRule(_class_spread),
    "class-contrast": SelectionRule(_class_contrast),
}


def select_complexes(
    Z, y, n_reactions, *, order=2, rule="mean-flux", n_classes=None, stats=None,
    **options,
):
    """Select the reactant complexes of a learning network.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_species)
        Input species concentrations of the selection set.
    y : array-like of int of shape (n_samples,)
        Class index of each sample (used by the class-aware rules).
    n_reactions : int
        Number of complexes ``K`` to keep.
    order : int, default=2
        Largest complex size.
    rule : str, default="mean-flux"
        A key of :data:`SELECTION_RULES`.
    n_classes : int, default=None
        Number of classes; ``max(y) + 1`` when None.
    stats : FluxStatistics, default=None
        Statistics computed before (with what the rule needs), to select
        several times from one pass over the data.
    **options
        Keyword arguments of the rule (for ``"class-contrast"``: ``floor``,
        ``reuse_penalty``).

    Returns
    -------
    list of tuple of int
        The ``n_reactions`` complexes (species indices), in selection order.

    Examples
    --------
    >>> Z = np.array([[1.0, 0.5, 0.0], [0.8, 0.5, 1.0]])
    >>> select_complexes(Z, [0, 1], 2, order=2, rule="mean-flux")
    [(0,), (1,)]
    """
    if rule not in SELECTION_RULES:
        raise ValueError(
            f"rule must be one of {sorted(SELECTION_RULES)}; got {rule!r}."
        )
    Z = np.asarray(Z, dtype=float)
    total = n_candidates(Z.shape[1], order)
    if not 1 <= n_reactions <= total:
        raise ValueError(
            f"n_reactions must be in [1, {total}] (the candidate complexes of "
            f"order <= {order} of {Z.shape[1]} input species); got {n_reactions}."
        )
    spec = SELECTION_RULES[rule]
    if stats is None:
        stats = flux_statistics(
            Z, y, n_classes, order, squares=spec.squares, maximum=spec.maximum
        )
    indices = spec.select(stats, n_reactions, **options)
    rows = _candidate_table(Z.shape[1], order)[indices].tolist()
    return [tuple(i for i in row if i >= 0) for row in rows]


# -- decorrelated contrast --------------------------------------------------------


def _contrast(stats):
    """One-against-the-rest contrast of every candidate, (n_classes, n_cand)."""
    counts = np.maximum(stats.class_counts, 1)[:, None]
    sums = stats.class_sums
    means = sums / counts
    rest = np.maximum(stats.n_samples - stats.class_counts, 1)[:, None]
    rest_means = (sums.sum(axis=0) - sums) / rest
    noise = np.sqrt(stats.class_variances + VARIANCE_FLOOR)
    return (means - rest_means) / noise


class _ClassQueue:
    """The ranked candidates of one class, examined a block at a time.

    Fluxes are rows (one per candidate, centred and scaled to unit norm over
    the selection set), so a correlation is a dot product.
    """

    def __init__(self, score, table, Zt):
        self.ranking = np.lexsort((np.arange(score.size), -score))
        self.table = table
        self.Zt = Zt  # (n_species + 1, n_samples); the last row is ones
        self.cursor = 0
        self.pending = np.empty(0, dtype=np.intp)

    def _refill(self, taken):
        while self.cursor < self.ranking.size:
            block = self.ranking[self.cursor : self.cursor + SELECTION_BLOCK]
            self.cursor += block.size
            block = block[~taken[block]]
            if block.size:
                rows = self.table[block]
                F = self.Zt[rows[:, 0]]
                for s in range(1, rows.shape[1]):
                    F = F * self.Zt[rows[:, s]]  # padding -1 picks the ones row
                F = F - F.mean(axis=1, keepdims=True)
                norms = np.sqrt(np.einsum("ij,ij->i", F, F))
                constant = norms < CONSTANT_FLUX
                self.pending = block
                self.basis = F / np.where(constant, 1.0, norms)[:, None]
                self.max_corr = np.where(constant, np.inf, 0.0)
                self.checked = 0
                return True
        return False

    def next(self, chosen, n_chosen, taken, max_correlation):
        """The best candidate left that no chosen one correlates with."""
        while True:
            if self.pending.size == 0 and not self._refill(taken):
                return None
            if n_chosen > self.checked and max_correlation < 1.0:
                corr = np.abs(self.basis @ chosen[self.checked : n_chosen].T)
                np.maximum(self.max_corr, corr.max(axis=1), out=self.max_corr)
                self.checked = n_chosen
            keep = ~taken[self.pending] & (self.max_corr <= max_correlation)
            hits = np.flatnonzero(keep)
            if hits.size:
                i = hits[0]
                j, vector = int(self.pending[i]), self.basis[i]
                self.pending = self.pending[i + 1 :]
                self.basis = self.basis[i + 1 :]
                self.max_corr = self.max_corr[i + 1 :]
                return j, vector
            self.pending = np.empty(0, dtype=np.intp)


def decorrelated_contrast(
    Z, targets, n_reactions, *, order=2, max_correlation=0.6, n_classes=None
):
    """Select complexes by class contrast, skipping correlated ones.

    Candidates are ranked, for each class ``c``, by the one-against-the-rest
    contrast ``(mean_c - mean_rest) / sqrt(var_c + 1e-3)`` of their flux
    (a signal-to-noise ratio; ``var_c`` is the within-class variance). The
    classes take turns; each takes its best candidate not chosen yet whose
    flux over ``Z`` has an absolute Pearson correlation of at most
    ``max_correlation`` with every chosen one. Constant candidates are
    skipped. If fewer than ``n_reactions`` candidates pass, the best
    remaining ones by their largest contrast fill the set.

    The flux statistics stream over chunks of candidates
    (:func:`~crnlearn.learn.complexes.flux_statistics`); the correlation
    check computes the fluxes of one block of candidates of one class at a
    time, so memory stays ``O(n_samples * (n_reactions + block))``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_species)
        Input species concentrations of the selection set.
    targets : ndarray of int of shape (n_samples,)
        Class index of each sample.
    n_reactions : int
        Number of complexes ``K``.
    order : int, default=2
        Largest complex size (1 to 3).
    max_correlation : float, default=0.6
        In ``(0, 1]``; 1 disables the check (round robin on the contrast).
    n_classes : int, default=None
        ``max(targets) + 1`` when None.

    Returns
    -------
    list of tuple of int
        The chosen complexes in the order chosen.

    Examples
    --------
    >>> Z = np.array([[1.0, 1.0, 0.0], [1.0, 0.9, 0.1], [0.0, 0.1, 1.0]])
    >>> decorrelated_contrast(Z, np.array([0, 0, 1]), 2, order=1)
    [(0,), (2,)]
    """
    Z = np.asarray(Z, dtype=float)
    targets = np.asarray(targets, dtype=np.intp)
    stats = flux_statistics(Z, targets, n_classes, order, squares=True)
    n_cand = stats.n_candidates
    contrast = _contrast(stats)
    present = np.flatnonzero(stats.class_counts > 0)
    table = candidate_complexes(Z.shape[1], order)
    Zt = np.vstack([Z.T, np.ones(Z.shape[0])])
    queues = [_ClassQueue(contrast[c], table, Zt) for c in present]
    basis = np.empty((n_reactions, Z.shape[0]))
    taken = np.zeros(n_cand, dtype=bool)
    chosen = []
    active = list(range(len(queues)))
    while len(chosen) < n_reactions and active:
        for q in list(active):
            if len(chosen) == n_reactions:
                break
            found = queues[q].next(basis, len(chosen), taken, max_correlation)
            if found is None:
                active.remove(q)
                continue
            j, vector = found
            basis[len(chosen)] = vector
            taken[j] = True
            chosen.append(j)
    if len(chosen) < n_reactions:
        logger.info(
            "only %d candidates pass max_correlation=%g; filling %d by contrast",
            len(chosen), max_correlation, n_reactions - len(chosen),
        )
        best = contrast[present].max(axis=0)
        rest = np.lexsort((np.arange(n_cand), -best))
        rest = rest[~taken[rest]][: n_reactions - len(chosen)]
        chosen.extend(int(j) for j in rest)
    table = table[np.array(chosen, dtype=np.intp)]
    return [tuple(int(i) for i in row if i >= 0) for row in table]
