"""Reaction networks under deterministic mass-action kinetics.

A :class:`ReactionNetwork` holds named species (with initial concentrations,
some of them *clamped*: held constant, as chemostat inputs or teacher
signals) and :class:`Reaction` objects ``a_1 A_1 + ... -> b_1 B_1 + ...`` with
a rate constant ``k``. Under mass-action kinetics the flux of a reaction is
``v = k * prod_i c_i ** a_i`` and the concentrations obey ``dc/dt = N v(c)``
with ``N`` the stoichiometry matrix (products minus reactants); the rows of
clamped species are zero.

The network compiles itself into index arrays on first use (and again after
any change), so the flux, the right-hand side and the Jacobian cost
O(non-zeros) per evaluation and the flux accepts a batch of states at once.
The Jacobian's sparsity pattern is computed once at compilation; each
evaluation only fills in its values.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .errors import NetworkError

__all__ = ["Reaction", "ReactionNetwork", "SPECIES_NAME", "MAX_REACTION_ORDER"]

#: Species names: an identifier, as in the ``.crn`` format and SBML ids.
SPECIES_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Singular values below this (relative to the largest) count as zero when the
#: conservation laws are taken from the left null space of N.
NULL_SPACE_RTOL = 1e-10

#: Largest molecularity of a reaction: the kinetics stores one slot per
#: reactant molecule, and orders this high have no chemical meaning anyway.
MAX_REACTION_ORDER = 32


def _check_species_name(name, what="species name"):
    if not isinstance(name, str) or not SPECIES_NAME.match(name):
        raise NetworkError(
            f"{what} must be an identifier (a letter or '_' followed by "
            f"letters, digits or '_'); got {name!r}."
        )
    return name


def _check_nonnegative(value, what):
    if isinstance(value, str):
        raise NetworkError(f"{what} must be a number; got the string {value!r}.")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"{what} must be a number; got {value!r}.") from None
    if not np.isfinite(value) or value < 0:
        raise NetworkError(f"{what} must be finite and >= 0; got {value!r}.")
    return value


def _check_stoichiometry(species, count, what):
    ok = isinstance(count, (int, np.integer)) and not isinstance(count, bool)
    if not ok and isinstance(count, (float, np.floating)):
        ok = bool(np.isfinite(count)) and float(count).is_integer()
    if not ok or count < 0:
        raise NetworkError(
            f"stoichiometry of {species!r} in the {what} must be a whole number "
            f">= 0; got {count!r}."
        )
    return int(count)


def _complex(side, what):
    """Clean one side of a reaction into a ``{species: stoichiometry}`` dict."""
    if isinstance(side, str):
        raise NetworkError(
            f"{what} must be a mapping {{species: stoichiometry}} or a sequence of "
            f"species names; got the string {side!r}. Use ReactionNetwork.from_text "
            f"to read reactions written as text."
        )
    try:
        items = list(side.items() if hasattr(side, "items") else ((s, 1) for s in side))
    except TypeError:
        raise NetworkError(
            f"{what} must be a mapping {{species: stoichiometry}} or a sequence of "
            f"species names; got {side!r}."
        ) from None
    cleaned = {}
    for species, count in items:
        _check_species_name(species)
        count = _check_stoichiometry(species, count, what)
        if count:
            cleaned[species] = cleaned.get(species, 0) + count
    return cleaned


def _format_complex(side):
    if not side:
        return "0"
    return " + ".join(f"{n}{s}" if n != 1 else s for s, n in side.items())


@dataclass(frozen=True, eq=True)
class Reaction:
    """One mass-action reaction.

    Parameters
    ----------
    reactants, products : dict of str to int
        Stoichiometry of each side; species absent from a side have 0.
    rate : float
        The rate constant ``k >= 0``.
    name : str or None
        An optional label (kept in SBML as the reaction id).

    Examples
    --------
    >>> print(Reaction({"A": 1, "B": 1}, {"C": 1}, 0.5))
    A + B -> C [k = 0.5]
    """

    reactants: dict = field(hash=False)
    products: dict = field(hash=False)
    rate: float
    name: str | None = None

    @property
    def order(self):
        """Molecularity: the sum of the reactant stoichiometries."""
        return sum(self.reactants.values())

    @property
    def is_catalytic_in(self):
        """Species that appear on both sides (catalysts of the reaction)."""
        return tuple(s for s in self.reactants if s in self.products)

    def __str__(self):
        """The reaction as one line of the ``.crn`` text format."""
        from .text import format_reaction

        return format_reaction(self)


class _Kinetics:
    """Index arrays behind the vectorised kinetics of one network state.

    Each reaction gets ``max_order`` reactant *slots*, one per reactant
    molecule (``2A`` fills two slots with ``A``); unused slots point at an
    extra entry fixed to 1, so the flux is a product over slots. The
    derivative of the flux with respect to slot ``s`` is the product of the
    other slots, and summing slot derivatives that point at the same species
    gives ``a * c ** (a - 1)`` without any division by a concentration.
    """

    def __init__(self, network):
        n_s, n_r = network.n_species, network.n_reactions
        index = network._index
        max_order = max((r.order for r in network._reactions), default=0)
        n_slots = max(max_order, 1)
        slots = np.full((n_r, n_slots), n_s, dtype=np.intp)
        rows, cols, vals = [], [], []
        for j, r in enumerate(network._reactions):
            s = 0
            for name, count in r.reactants.items():
                slots[j, s : s + count] = index[name]
                s += count
            change = dict.fromkeys(r.reactants, 0) | dict.fromkeys(r.products, 0)
            for name, count in r.reactants.items():
                change[name] -= count
            for name, count in r.products.items():
                change[name] += count
            for name, delta in change.items():
                if delta:
                    rows.append(index[name])
                    cols.append(j)
                    vals.append(delta)

        self.n_species, self.n_reactions, self.n_slots = n_s, n_r, n_slots
        self.rates = network.rate_constants
        self.slots = slots
        self.slot_columns = [np.ascontiguousarray(slots[:, s]) for s in range(n_slots)]
        self.stoichiometry = sp.csr_matrix(
            (vals, (rows, cols)), shape=(n_s, n_r), dtype=float
        )
        free = ~network.clamped
        keep = np.repeat(free, np.diff(self.stoichiometry.indptr))
        effective = self.stoichiometry.copy()
        effective.data = np.where(keep, effective.data, 0.0)
        effective.eliminate_zeros()
        self.effective = effective
        self._compile_jacobian()

    def _compile_jacobian(self):
        """Precompute the sparsity pattern of ``d(N_eff v)/dc``.

        Entry ``(i, k)`` of the Jacobian is ``sum_j N_eff[i, j] dv_j/dc_k``.
        Every pair (reactant slot of reaction ``j`` pointing at species ``k``,
        non-zero ``N_eff[i, j]``) contributes to one entry; the contributions
        are gathered once into a sparse matrix ``self.assemble`` that maps
        the slot derivatives (flattened, shape ``n_reactions * n_slots``) to
        the Jacobian's values in CSR order.
        """
        n_s, n_slots = self.n_species, self.n_slots
        used = self.slots < n_s
        slot_reaction, slot_index = np.nonzero(used)
        slot_species = self.slots[slot_reaction, slot_index]
        slot_flat = slot_reaction * n_slots + slot_index

        csc = self.effective.tocsc()
        csc.sort_indices()
        start = csc.indptr[slot_reaction]
        counts = csc.indptr[slot_reaction + 1] - start
        total = int(counts.sum())
        owner = np.repeat(np.arange(slot_reaction.size), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        entry = np.repeat(start, counts) + offsets
        target_rows = csc.indices[entry]
        target_cols = slot_species[owner]
        coefficients = csc.data[entry]

        keys = target_rows.astype(np.int64) * n_s + target_cols
        pattern, position = np.unique(keys, return_inverse=True)
        self.jac_rows = (pattern // n_s).astype(np.intp)
        self.jac_cols = (pattern % n_s).astype(np.intp)
        self.jac_flat = pattern
        self.jac_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.jac_rows, minlength=n_s))]
        ).astype(np.int32 if pattern.size < 2**31 else np.int64)
        self.jac_indices = self.jac_cols.astype(self.jac_indptr.dtype)
        self.assemble = sp.csr_matrix(
            (coefficients, (position, slot_flat[owner])),
            shape=(pattern.size, self.n_reactions * n_slots),
        )
        self.flux_jac_rows = slot_reaction
        self.flux_jac_cols = slot_species
        self.flux_jac_flat = slot_flat

    # -- evaluation (no validation: callers check shapes) ----------------------

    def extended(self, c):
        """States with the constant-1 entry that unused slots point at."""
        if c.ndim == 1:
            ext = np.empty(self.n_species + 1)
            ext[:-1] = c
            ext[-1] = 1.0
            return ext
        pad = np.ones(c.shape[:-1] + (1,))
        return np.concatenate([c, pad], axis=-1)

    def flux(self, c):
        ext = self.extended(c)
        columns = self.slot_columns
        if ext.ndim == 1:
            # The solvers' path: plain indexing is the cheapest gather.
            v = self.rates * ext[columns[0]]
            for column in columns[1:]:
                v *= ext[column]
            return v
        v = self.rates * np.take(ext, columns[0], axis=-1)
        for column in columns[1:]:
            v *= np.take(ext, column, axis=-1)
        return v

    def rhs(self, c):
        return self.effective @ self.flux(c)

    def slot_derivatives(self, c):
        """``rates * prod of the other slots``, shape (n_reactions * n_slots,)."""
        factors = self.extended(c)[self.slots]
        n_slots = self.n_slots
        if n_slots == 1:
            others = np.ones_like(factors)
        else:
            # Prefix and suffix products: no division by a zero concentration.
            prefix = np.ones_like(factors)
            suffix = np.ones_like(factors)
            for s in range(1, n_slots):
                prefix[:, s] = prefix[:, s - 1] * factors[:, s - 1]
                suffix[:, n_slots - 1 - s] = (
                    suffix[:, n_slots - s] * factors[:, n_slots - s]
                )
            others = prefix * suffix
        return (self.rates[:, None] * others).ravel()

    def jacobian(self, c, sparse):
        data = self.assemble @ self.slot_derivatives(c)
        n = self.n_species
        if sparse:
            return sp.csr_matrix(
                (data, self.jac_indices.copy(), self.jac_indptr.copy()), shape=(n, n)
            )
        dense = np.zeros((n, n))
        dense.flat[self.jac_flat] = data
        return dense

    def flux_jacobian(self, c):
        data = self.slot_derivatives(c)[self.flux_jac_flat]
        return sp.csr_matrix(
            (data, (self.flux_jac_rows, self.flux_jac_cols)),
            shape=(self.n_reactions, self.n_species),
        )


class ReactionNetwork:
    """A chemical reaction network with mass-action kinetics.

    Parameters
    ----------
    name : str, default="network"
        A name used in exported files.

    Attributes
    ----------
    species : tuple of str
        Species names, in the order of every concentration vector.
    reactions : tuple of Reaction
        The reactions, in the order of every flux vector.

    Examples
    --------
    >>> net = ReactionNetwork()
    >>> net.add_species("A", initial=1.0)
    0
    >>> net.add_species("B")
    1
    >>> _ = net.add_reaction({"A": 1}, {"B": 1}, rate=2.0)
    >>> net.rhs(0.0, net.initial_concentrations)
    array([-2.,  2.])
    """

    def __init__(self, name="network"):
        self.name = str(name)
        self._species = []
        self._index = {}
        self._initial = []
        self._clamped = []
        self._reactions = []
        self._reaction_names = set()
        self._compiled = None

    # -- building ---------------------------------------------------------------

    def add_species(self, name, initial=0.0, clamped=False):
        """Add a species and return its index.

        Parameters
        ----------
        name : str
            An identifier not used yet.
        initial : float, default=0.0
            Initial concentration (>= 0).
        clamped : bool, default=False
            Hold the species at its concentration (its rate of change is 0).

        Returns
        -------
        int
            The index of the new species in every concentration vector.

        Examples
        --------
        >>> net = ReactionNetwork()
        >>> net.add_species("X", initial=0.5, clamped=True)
        0
        """
        _check_species_name(name)
        if name in self._index:
            raise NetworkError(f"species {name!r} is defined twice.")
        initial = _check_nonnegative(initial, f"initial concentration of {name!r}")
        self._index[name] = len(self._species)
        self._species.append(name)
        self._initial.append(initial)
        self._clamped.append(bool(clamped))
        self._compiled = None
        return self._index[name]

    def add_reaction(self, reactants, products, rate, name=None):
        """Add a reaction between species already in the network.

        Parameters
        ----------
        reactants, products : mapping of str to int, or sequence of str
            Each side as ``{species: stoichiometry}`` or as a list of names
            (repeated names add up); one side may be empty.
        rate : float
            Rate constant ``k >= 0``.
        name : str, optional
            A label for the reaction, unique among the reactions.

        Returns
        -------
        Reaction

        Examples
        --------
        >>> net = ReactionNetwork()
        >>> for s in "ABC":
        ...     _ = net.add_species(s)
        >>> print(net.add_reaction(["A", "A"], {"B": 1, "C": 2}, rate=0.1))
        2A -> B + 2C [k = 0.1]
        """
        reactants = _complex(reactants, "reactants")
        products = _complex(products, "products")
        label = f"{_format_complex(reactants)} -> {_format_complex(products)}"
        if not reactants and not products:
            raise NetworkError(
                "a reaction needs at least one reactant or product; got both "
                "sides empty."
            )
        for species in (*reactants, *products):
            if species not in self._index:
                raise NetworkError(
                    f"reaction {label} uses unknown species {species!r}; add it "
                    f"with add_species first."
                )
        order = sum(reactants.values())
        if order > MAX_REACTION_ORDER:
            raise NetworkError(
                f"reaction {label} has order {order}; at most {MAX_REACTION_ORDER} "
                f"reactant molecules are supported."
            )
        rate = _check_nonnegative(rate, f"rate constant of reaction {label}")
        if name is not None:
            _check_species_name(name, "reaction name")
            if name in self._reaction_names:
                raise NetworkError(f"reaction name {name!r} is used twice.")
        reaction = Reaction(reactants, products, rate, name)
        self._reactions.append(reaction)
        if name is not None:
            self._reaction_names.add(name)
        self._compiled = None
        return reaction

    def set_initial(self, name, value):
        """Set the initial concentration of a species."""
        i = self.index(name)
        what = f"initial concentration of {name!r}"
        self._initial[i] = _check_nonnegative(value, what)

    def set_clamped(self, name, clamped=True):
        """Clamp a species (hold it constant) or release it."""
        self._clamped[self.index(name)] = bool(clamped)
        self._compiled = None

    def copy(self):
        """An independent copy of the network.

        Examples
        --------
        >>> net = ReactionNetwork.from_text("A -> B [k = 2]")
        >>> twin = net.copy()
        >>> twin.set_initial("A", 1.0)
        >>> float(net.initial_concentrations[0])
        0.0
        """
        new = ReactionNetwork(self.name)
        for s, c0, cl in zip(self._species, self._initial, self._clamped, strict=True):
            new.add_species(s, c0, cl)
        for r in self._reactions:
            new.add_reaction(r.reactants, r.products, r.rate, r.name)
        return new

    # -- reading ----------------------------------------------------------------

    @property
    def species(self):
        return tuple(self._species)

    @property
    def reactions(self):
        return tuple(self._reactions)

    @property
    def n_species(self):
        return len(self._species)

    @property
    def n_reactions(self):
        return len(self._reactions)

    @property
    def initial_concentrations(self):
        """ndarray of shape (n_species,): a copy of the initial state."""
        return np.array(self._initial, dtype=float)

    @property
    def clamped(self):
        """ndarray of bool, shape (n_species,): which species are held constant."""
        return np.array(self._clamped, dtype=bool)

    @property
    def rate_constants(self):
        """ndarray of shape (n_reactions,)."""
        return np.array([r.rate for r in self._reactions], dtype=float)

    def index(self, name):
        """Index of a species by name."""
        try:
            return self._index[name]
        except (KeyError, TypeError):
            raise NetworkError(
                f"unknown species {name!r}; the network has {self.n_species} species"
                + (f", e.g. {self._species[:3]}" if self._species else "")
                + "."
            ) from None

    def state(self, values=None):
        """A concentration vector: the initial state with some species changed.

        Parameters
        ----------
        values : mapping of str to float, or array-like of shape (n_species,)
            Concentrations to set; ``None`` gives the initial state.

        Returns
        -------
        ndarray of shape (n_species,)

        Examples
        --------
        >>> net = ReactionNetwork.from_text("A -> B; A @i 1")
        >>> net.state({"B": 0.5})
        array([1. , 0.5])
        """
        c = self.initial_concentrations
        if values is None:
            return c
        if hasattr(values, "items"):
            for name, value in values.items():
                c[self.index(name)] = _check_nonnegative(
                    value, f"concentration of {name!r}"
                )
            return c
        try:
            c = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise NetworkError(
                f"a state must be numbers, one per species; got {values!r}."
            ) from None
        if c.shape != (self.n_species,):
            raise NetworkError(
                f"a state must have shape ({self.n_species},) (one value per "
                f"species); got shape {c.shape}."
            )
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise NetworkError(
                "concentrations must be finite and >= 0; got "
                f"{c[~(np.isfinite(c) & (c >= 0))][:3]} among them."
            )
        return c

    def __repr__(self):
        return (
            f"ReactionNetwork(name={self.name!r}, n_species={self.n_species}, "
            f"n_reactions={self.n_reactions}, "
            f"n_clamped={int(np.sum(self._clamped))})"
        )

    def __str__(self):
        return "\n".join(str(r) for r in self._reactions)

    # -- compiled kinetics ------------------------------------------------------

    def _compile(self):
        if self._compiled is None:
            if self.n_species == 0:
                raise NetworkError("the network has no species; add some first.")
            self._compiled = _Kinetics(self)
        return self._compiled

    def _concentrations(self, c):
        c = np.asarray(c, dtype=float)
        if c.ndim == 0 or c.shape[-1] != self.n_species:
            raise NetworkError(
                f"concentrations must have {self.n_species} values on their last "
                f"axis (one per species); got shape {c.shape}."
            )
        return c

    def stoichiometry_matrix(self, sparse=False):
        """The stoichiometry matrix N (products minus reactants).

        Parameters
        ----------
        sparse : bool, default=False
            Return a ``scipy.sparse.csr_matrix`` instead of a dense array.

        Returns
        -------
        ndarray or csr_matrix of shape (n_species, n_reactions)
            Clamped species keep their rows here; :meth:`rhs` ignores them.

        Examples
        --------
        >>> ReactionNetwork.from_text("A + E -> B + E").stoichiometry_matrix()
        array([[-1.],
               [ 0.],
               [ 1.]])
        """
        N = self._compile().stoichiometry
        return N.copy() if sparse else N.toarray()

    def flux(self, c):
        """Mass-action fluxes ``v_j = k_j prod_i c_i ** a_ij``.

        Parameters
        ----------
        c : array-like of shape (..., n_species)
            One state or a batch of states.

        Returns
        -------
        ndarray of shape (..., n_reactions)

        Examples
        --------
        >>> net = ReactionNetwork.from_text("A + B -> C [k = 2]")
        >>> net.flux([[1.0, 3.0, 0.0], [0.5, 0.5, 0.0]])
        array([[6. ],
               [0.5]])
        """
        comp = self._compile()
        return comp.flux(self._concentrations(c))

    def rhs(self, t, c):
        """Right-hand side ``dc/dt = N v(c)``, zero for clamped species.

        Parameters
        ----------
        t : float
            Time (unused: mass-action kinetics is autonomous; present for
            ``solve_ivp``).
        c : array-like of shape (n_species,) or (n_species, n_states)
            One state, or states as columns (``solve_ivp``'s vectorised form).

        Returns
        -------
        ndarray of the shape of ``c``
        """
        comp = self._compile()
        c = np.asarray(c, dtype=float)
        if c.ndim == 1 and c.shape[0] == self.n_species:
            return comp.rhs(c)
        if c.ndim == 2 and c.shape[0] == self.n_species:
            return comp.effective @ comp.flux(c.T).T
        raise NetworkError(
            f"rhs takes a state of shape ({self.n_species},) or states as columns "
            f"of shape ({self.n_species}, n_states); got shape {c.shape}."
        )

    def flux_jacobian(self, c):
        """Jacobian of the fluxes, ``dv_j / dc_i``, as a sparse matrix.

        Parameters
        ----------
        c : array-like of shape (n_species,)

        Returns
        -------
        csr_matrix of shape (n_reactions, n_species)
        """
        c = self._concentrations(c)
        if c.ndim != 1:
            raise NetworkError(f"flux_jacobian takes one state; got shape {c.shape}.")
        return self._compile().flux_jacobian(c)

    def jacobian(self, t, c, sparse=True):
        """Analytic Jacobian of :meth:`rhs`, ``d(dc/dt)/dc``.

        The sparsity pattern is fixed at compilation (entries that happen to
        be zero at ``c`` are stored as explicit zeros).

        Parameters
        ----------
        t : float
            Time (unused).
        c : array-like of shape (n_species,)
        sparse : bool, default=True
            Return a ``csr_matrix``; else a dense array.

        Returns
        -------
        csr_matrix or ndarray of shape (n_species, n_species)

        Examples
        --------
        >>> net = ReactionNetwork.from_text("2A -> B [k = 3]")
        >>> net.jacobian(0.0, [2.0, 0.0], sparse=False)
        array([[-24.,   0.],
               [ 12.,   0.]])
        """
        c = self._concentrations(c)
        if c.ndim != 1:
            raise NetworkError(f"jacobian takes one state; got shape {c.shape}.")
        return self._compile().jacobian(c, sparse)

    def conservation_laws(self):
        """Linear conservation laws: an orthonormal basis of the left null space.

        Each row ``l`` satisfies ``l @ N_eff = 0``, where ``N_eff`` is the
        stoichiometry matrix with the rows of clamped species zeroed, so
        ``l @ c(t)`` is constant along every trajectory. Each clamped species
        is trivially conserved and contributes to this space.

        Returns
        -------
        ndarray of shape (n_laws, n_species)

        Examples
        --------
        >>> net = ReactionNetwork.from_text("A <=> B")
        >>> law = net.conservation_laws()
        >>> law.shape
        (1, 2)
        >>> bool(np.allclose(abs(law), np.sqrt(0.5)))
        True
        """
        N = self._compile().effective.toarray()
        if N.shape[1] == 0:
            return np.eye(self.n_species)
        return scipy.linalg.null_space(N.T, rcond=NULL_SPACE_RTOL).T

    # -- formats ----------------------------------------------------------------

    @classmethod
    def from_text(cls, text, name="network"):
        """Read a network written in the ``.crn`` text format.

        See :func:`crnlearn.crn.text.parse_crn`.
        """
        from .text import parse_crn

        return parse_crn(text, name=name)

    def to_text(self):
        """Write the network in the ``.crn`` text format.

        See :func:`crnlearn.crn.text.format_crn`.
        """
        from .text import format_crn

        return format_crn(self)

    @classmethod
    def from_sbml(cls, source):
        """Read a mass-action network from an SBML document (path or string).

        See :func:`crnlearn.crn.sbml.read_sbml`.
        """
        from .sbml import read_sbml

        return read_sbml(source)

    def to_sbml(self, path=None):
        """Write the network as SBML Level 3; return the XML string.

        See :func:`crnlearn.crn.sbml.write_sbml`.
        """
        from .sbml import write_sbml

        return write_sbml(self, path)
