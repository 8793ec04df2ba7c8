"""Candidate reactant complexes, their fluxes and their flux statistics.

A learning network reads its inputs through *reactant complexes*: multisets
of input species whose mass-action flux ``phi_S(x) = prod_{i in S} z_i`` is
the product of their concentrations. With ``n_species`` input species and
reactions of order up to ``q``, the candidates are every set of 1 to ``q``
distinct species, listed in a canonical order: by size, then
lexicographically (``(0,), (1,), ..., (0, 1), (0, 2), ..., (0, 1, 2), ...``).
Candidate ``j`` of that list is the *candidate index* ``j``.

Input species are the features (``X0 ... X{d-1}``, concentration ``x_i``)
and, with dual rail, their complements (``Xbar0 ... Xbar{d-1}``,
concentration ``1 - x_i``, input species index ``d + i``).

Selection needs, for every candidate, statistics of its flux over a
selection set: class-conditional sums (and sums of squares) and the largest
flux. :func:`flux_statistics` computes them without listing per-sample
fluxes where it can: the sums of all pairs are the upper triangles of the
class Gram matrices ``Z_c^T Z_c`` (one matrix product per class), and the
triples of 128 dual-rail species (341,376 of them) are streamed in chunks
of pair *prefixes*, each multiplied with all species in one matrix product
``P^T Z``. Only the largest flux needs the per-sample fluxes, chunk by
chunk.

The rules that choose among the candidates are in
:mod:`crnlearn.learn.selection`.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "COMPLEMENT_PREFIX",
    "FluxStatistics",
    "INPUT_PREFIX",
    "candidate_complexes",
    "complex_fluxes",
    "complex_names",
    "flux_statistics",
    "input_concentrations",
    "input_species_names",
    "n_candidates",
]

#: Name prefix of the input species (one per feature).
INPUT_PREFIX = "X"
#: Name prefix of the complementary (dual-rail) input species.
COMPLEMENT_PREFIX = "Xbar"
#: Largest reaction order supported: triples of 128 species are 341,376
#: candidates; quadruples would be over 10 million.
MAX_ORDER = 3
#: Floats held per intermediate array while streaming (about 32 MB).
CHUNK_FLOATS = 4_000_000
# -- input species -------------------------------------------------------------


def input_species_names(n_features, dual_rail=False):
    """Names of the input species.

    Parameters
    ----------
    n_features : int
        Number of features ``d``.
    dual_rail : bool, default=False
        Also name the complements ``Xbar0 ... Xbar{d-1}``.

    Returns
    -------
    list of str
        ``["X0", ..., "X{d-1}"]``, then the complements when ``dual_rail``.

    Examples
    --------
    >>> input_species_names(2, dual_rail=True)
    ['X0', 'X1', 'Xbar0', 'Xbar1']
    """
    names = [f"{INPUT_PREFIX}{i}" for i in range(n_features)]
    if dual_rail:
        names += [f"{COMPLEMENT_PREFIX}{i}" for i in range(n_features)]
    return names


def input_concentrations(X, dual_rail=False):
    """Concentrations of the input species for each sample.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Feature concentrations in ``[0, 1]``.
    dual_rail : bool, default=False
        Append the complements ``1 - X``.

    Returns
    -------
    ndarray of shape (n_samples, n_species)
        ``n_species`` is ``n_features``, or ``2 * n_features`` with dual rail.

    Examples
    --------
    >>> input_concentrations([[0.25, 1.0]], dual_rail=True)
    array([[0.25, 1.  , 0.75, 0.  ]])
    """
    X = np.asarray(X, dtype=float)
    return np.hstack([X, 1.0 - X]) if dual_rail else X


# -- candidates ----------------------------------------------------------------


def _check_order(order):
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be an int in [1, {MAX_ORDER}]; got {order!r}.")
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order must be in [1, {MAX_ORDER}]; got {order!r}.")
    return int(order)


def n_candidates(n_species, order):
    """Number of candidate complexes: sets of 1 to ``order`` distinct species.

    Examples
    --------
    >>> n_candidates(64, 2)
    2080
    >>> n_candidates(128, 3)
    349632
    """
    order = _check_order(order)
    return sum(math.comb(n_species, q) for q in range(1, order + 1))


def candidate_complexes(n_species, order):
    """The candidate complexes in canonical order.

    Parameters
    ----------
    n_species : int
        Number of input species.
    order : int
        Largest complex size (1 to 3).

    Returns
    -------
    ndarray of int of shape (n_candidates, order)
        Row ``j`` lists the species of candidate ``j``, padded with -1.

    Examples
    --------
    >>> candidate_complexes(3, 2)
    array([[ 0, -1],
           [ 1, -1],
           [ 2, -1],
           [ 0,  1],
           [ 0,  2],
           [ 1,  2]])
    """
    order = _check_order(order)
    return _candidate_table(int(n_species), order).copy()


@functools.lru_cache(maxsize=8)
def _candidate_table(n_species, order):
    """Read-only cached :func:`candidate_complexes`."""
    table = np.full((n_candidates(n_species, order), order), -1, dtype=np.intp)
    start = 0
    for q in range(1, order + 1):
        block = _combinations(n_species, q)
        table[start : start + len(block), :q] = block
        start += len(block)
    table.setflags(write=False)
    return table


def _combinations(n, q):
    """All ``q``-subsets of ``range(n)`` in lexicographic order, shape (., q).

    Built with array operations (no Python loop over subsets) and cached
    read-only, since every fit of a learner asks for the same tables.
    """
    if q == 0:
        table = np.zeros((1, 0), dtype=np.intp)
    elif q == 1:
        table = np.arange(n, dtype=np.intp)[:, None]
    else:
        # Extend each (q-1)-subset by every larger last element.
        shorter = _combinations(n, q - 1)
        counts = np.maximum(n - 1 - shorter[:, -1], 0) if len(shorter) else []
        owner = np.repeat(np.arange(len(shorter)), counts)
        first = np.cumsum(counts) - counts
        offset = np.arange(owner.size) - np.repeat(first, counts)
        table = np.empty((owner.size, q), dtype=np.intp)
        table[:, :-1] = shorter[owner]
        table[:, -1] = shorter[owner, -1] + 1 + offset
    table.setflags(write=False)
    return table


def _as_table(complexes):
    """Complexes (tuples or a padded table) as a padded int table."""
    if isinstance(complexes, np.ndarray) and complexes.ndim == 2:
        return complexes.astype(np.intp, copy=False)
    complexes = [tuple(int(i) for i in s) for s in complexes]
    width = max((len(s) for s in complexes), default=1)
    table = np.full((len(complexes), width), -1, dtype=np.intp)
    for row, s in zip(table, complexes, strict=True):
        row[: len(s)] = s
    return table


def complex_fluxes(Z, complexes):
    """Mass-action fluxes ``phi_S = prod_{i in S} z_i`` of some complexes.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_species)
        Input species concentrations.
    complexes : sequence of tuple of int, or ndarray of int of shape (K, q)
        Species indices of each complex (a table is padded with -1).

    Returns
    -------
    ndarray of shape (n_samples, K)

    Examples
    --------
    >>> complex_fluxes([[0.5, 0.2, 1.0]], [(0,), (0, 1), (0, 1, 2)])
    array([[0.5, 0.1, 0.1]])
    """
    Z = np.asarray(Z, dtype=float)
    table = _as_table(complexes)
    # A column of ones stands for the padding index -1.
    padded = np.hstack([Z, np.ones((Z.shape[0], 1))])
    fluxes = padded[:, table[:, 0]].copy()
    for s in range(1, table.shape[1]):
        fluxes *= padded[:, table[:, s]]
    return fluxes


def complex_names(complexes, species_names):
    """Readable names of complexes, species joined by ``"_"``.

    Examples
    --------
    >>> complex_names([(0,), (0, 2)], ["X0", "X1", "Xbar0"])
    ['X0', 'X0_Xbar0']
    """
    table = _as_table(complexes)
    return ["_".join(species_names[i] for i in row if i >= 0) for row in table]


# -- streaming flux statistics -------------------------------------------------


@dataclass
class FluxStatistics:
    """Statistics of every candidate's flux over a selection set.

    Attributes
    ----------
    n_species : int
        Number of input species.
    order : int
        Largest complex size.
    class_counts : ndarray of shape (n_classes,)
        Samples per class.
    class_sums : ndarray of shape (n_classes, n_candidates)
        Sum of each candidate's flux over the samples of each class.
    class_square_sums : ndarray of shape (n_classes, n_candidates) or None
        Sum of the squared fluxes, when requested.
    max_flux : ndarray of shape (n_candidates,) or None
        Largest flux over all samples, when requested.
    """

    n_species: int
    order: int
    class_counts: np.ndarray
    class_sums: np.ndarray
    class_square_sums: np.ndarray | None = None
    max_flux: np.ndarray | None = None

    @property
    def n_samples(self):
        return int(self.class_counts.sum())

    @property
    def n_candidates(self):
        return self.class_sums.shape[1]

    @property
    def mean_flux(self):
        """ndarray of shape (n_candidates,): mean flux over all samples."""
        return self.class_sums.sum(axis=0) / max(self.n_samples, 1)

    @property
    def class_means(self):
        """ndarray of shape (n_classes, n_candidates); 0 for an empty class."""
        counts = np.maximum(self.class_counts, 1)[:, None]
        return self.class_sums / counts

    @property
    def class_variances(self):
        """ndarray of shape (n_classes, n_candidates): within-class variances."""
        if self.class_square_sums is None:
            raise ValueError(
                "these statistics hold no squared fluxes; compute them with "
                "flux_statistics(..., squares=True)."
            )
        counts = np.maximum(self.class_counts, 1)[:, None]
        means = self.class_means
        return np.maximum(self.class_square_sums / counts - means**2, 0.0)


def _prefix_chunks(n_species, size, chunk):
    """Chunks of the ``size``-subsets (lexicographic) as index tables."""
    prefixes = _combinations(n_species, size)
    for start in range(0, len(prefixes), chunk):
        yield prefixes[start : start + chunk]


def flux_statistics(
    Z, y, n_classes=None, order=2, *, squares=False, maximum=False, chunk_size=None
):
    """Stream the flux statistics of all candidate complexes over samples.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_species)
        Input species concentrations of the selection set.
    y : array-like of int of shape (n_samples,)
        Class index of each sample, in ``[0, n_classes)``.
    n_classes : int, default=None
        Number of classes; ``max(y) + 1`` when None.
    order : int, default=2
        Largest complex size (1 to 3).
    squares : bool, default=False
        Also accumulate the class-conditional sums of squared fluxes.
    maximum : bool, default=False
        Also accumulate the largest flux of each candidate (the costliest
        statistic: it needs the per-sample fluxes, chunk by chunk).
    chunk_size : int, default=None
        Floats per intermediate array; :data:`CHUNK_FLOATS` when None.

    Returns
    -------
    FluxStatistics

    Examples
    --------
    >>> Z = np.array([[1.0, 0.5], [0.0, 1.0]])
    >>> stats = flux_statistics(Z, [0, 1], order=2)
    >>> stats.class_sums
    array([[1. , 0.5, 0.5],
           [0. , 1. , 0. ]])
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y, dtype=np.intp)
    order = _check_order(order)
    n_samples, n_species = Z.shape
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    chunk_size = int(chunk_size or CHUNK_FLOATS)
    total = n_candidates(n_species, order)

    counts = np.bincount(y, minlength=n_classes).astype(float)
    sums = np.zeros((n_classes, total))
    square_sums = np.zeros((n_classes, total)) if squares else None
    largest = np.full(total, -np.inf) if maximum else None

    # Samples sorted by class, so that each class is one slice.
    by_class = np.argsort(y, kind="stable")
    Z = Z[by_class]
    bounds = np.concatenate([[0], np.cumsum(counts).astype(np.intp)])
    slices = [slice(bounds[c], bounds[c + 1]) for c in range(n_classes)]
    Z2 = Z**2 if squares else None

    # Order 1: the species themselves.
    for c, rows in enumerate(slices):
        sums[c, :n_species] = Z[rows].sum(axis=0)
        if squares:
            square_sums[c, :n_species] = Z2[rows].sum(axis=0)
    if maximum:
        largest[:n_species] = Z.max(axis=0, initial=-np.inf)
    if order == 1:
        return FluxStatistics(n_species, order, counts, sums, square_sums, largest)

    # Order 2: the pair sums are the upper triangles of the class Gram
    # matrices, in the lexicographic order of the candidates.
    upper = np.triu_indices(n_species, 1)
    pairs = slice(n_species, n_species + upper[0].size)
    for c, rows in enumerate(slices):
        sums[c, pairs] = (Z[rows].T @ Z[rows])[upper]
        if squares:
            square_sums[c, pairs] = (Z2[rows].T @ Z2[rows])[upper]
    if maximum:
        largest[pairs] = _chunked_max(Z, Z, chunk_size)[upper]

    # Order 3: pair prefixes times one more species, streamed in chunks.
    start = pairs.stop
    last = np.arange(n_species)
    prefix_chunk = max(1, chunk_size // max(n_samples, n_species, 1))
    for q in range(3, order + 1):
        for prefixes in _prefix_chunks(n_species, q - 1, prefix_chunk):
            keep = last[None, :] > prefixes[:, -1][:, None]  # (p, n_species)
            n_new = int(keep.sum())
            if n_new == 0:
                continue
            P = complex_fluxes(Z, prefixes)  # (n_samples, p)
            P2 = P**2 if squares else None
            for c, rows in enumerate(slices):
                sums[c, start : start + n_new] = (P[rows].T @ Z[rows])[keep]
                if squares:
                    square_sums[c, start : start + n_new] = (P2[rows].T @ Z2[rows])[
                        keep
                    ]
            if maximum:
                largest[start : start + n_new] = _chunked_max(P, Z, chunk_size)[keep]
            start += n_new
    return FluxStatistics(n_species, order, counts, sums, square_sums, largest)


def _chunked_max(P, Z, chunk_size):
    """``max_m P[m, p] * Z[m, j]`` over samples, in sample chunks."""
    n_samples = P.shape[0]
    step = max(1, chunk_size // max(P.shape[1] * Z.shape[1], 1))
    out = np.full((P.shape[1], Z.shape[1]), -np.inf)
    for m in range(0, n_samples, step):
        block = P[m : m + step, :, None] * Z[m : m + step, None, :]
        np.maximum(out, block.max(axis=0), out=out)
    return out
