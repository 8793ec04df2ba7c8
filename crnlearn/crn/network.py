"""Reaction networks under deterministic mass-action kinetics.

A :class:`ReactionNetwork` holds named species (with initial concentrations,
some of them *clamped*: held constant, as chemostat inputs or teacher
signals) and :class:`Reaction` objects ``a_1 A_1 + ... -> b_1 B_1 + ...`` with
a rate constant ``k``. Under mass-action kinetics the flux of a reaction is
``v = k * prod_i c_i ** a_i`` and the concentrations obey ``dc/dt = N v(c)``
with ``N`` the stoichiometry matrix (products minus reactants); the rows of
clamped species are zero.

The network compiles itself into index arrays on first use, so the flux, the
right-hand side and the Jacobian cost O(non-zeros) per evaluation and accept
a batch of states at once.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .errors import NetworkError

__all__ = ["Reaction", "ReactionNetwork", "SPECIES_NAME"]

#: Species names: an identifier, as in the ``.crn`` format and SBML ids.
SPECIES_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Singular values below this (relative to the largest) count as zero when the
#: conservation laws are taken from the left null space of N.
NULL_SPACE_RTOL = 1e-10


def _check_species_name(name):
    if not isinstance(name, str) or not SPECIES_NAME.match(name):
        raise NetworkError(
            f"species name must be an identifier (a letter or '_' followed by "
            f"letters, digits or '_'); got {name!r}."
        )
    return name


def _check_nonnegative(value, what):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise NetworkError(f"{what} must be a number; got {value!r}.") from None
    if not np.isfinite(value) or value < 0:
        raise NetworkError(f"{what} must be finite and >= 0; got {value!r}.")
    return value


def _complex(side, what):
    """Clean one side of a reaction into a ``{species: stoichiometry}`` dict."""
    if isinstance(side, str):
        raise NetworkError(
            f"{what} must be a mapping {{species: stoichiometry}} or a sequence of "
            f"species names; got the string {side!r}. Use ReactionNetwork.from_text "
            f"to read reactions written as text."
        )
    items = side.items() if hasattr(side, "items") else ((s, 1) for s in side)
    cleaned = {}
    for species, count in items:
        _check_species_name(species)
        if isinstance(count, bool) or int(count) != count or count < 0:
            raise NetworkError(
                f"stoichiometry of {species!r} in the {what} must be a whole number "
                f">= 0; got {count!r}."
            )
        if count:
            cleaned[species] = cleaned.get(species, 0) + int(count)
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
        lhs, rhs = _format_complex(self.reactants), _format_complex(self.products)
        return f"{lhs} -> {rhs} [k = {self.rate:.12g}]"


@dataclass(frozen=True)
class _Compiled:
    """Index arrays behind the vectorised kinetics."""

    reactant_slots: np.ndarray  # (n_reactions, max_order), n_species pads
    rates: np.ndarray  # (n_reactions,)
    stoichiometry: sp.csr_matrix  # (n_species, n_reactions), products - reactants
    effective: sp.csr_matrix  # the same with clamped rows zeroed
    jac_rows: np.ndarray  # reaction index of each Jacobian slot entry
    jac_cols: np.ndarray  # species index of each Jacobian slot entry
    jac_slot: np.ndarray  # which reactant slot each entry differentiates
    jac_mask: np.ndarray  # (n_reactions, max_order) slots holding a species


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
            (repeated names add up); an empty side is allowed.
        rate : float
            Rate constant ``k >= 0``.
        name : str, optional
            A label for the reaction.

        Returns
        -------
        Reaction
        """
        reactants = _complex(reactants, "reactants")
        products = _complex(products, "products")
        for species in (*reactants, *products):
            if species not in self._index:
                raise NetworkError(
                    f"reaction {_format_complex(reactants)} -> "
                    f"{_format_complex(products)} uses unknown species {species!r}; "
                    f"add it with add_species first."
                )
        rate = _check_nonnegative(rate, "rate constant")
        if name is not None:
            _check_species_name(name)
        reaction = Reaction(reactants, products, rate, name)
        self._reactions.append(reaction)
        self._compiled = None
        return reaction

    def set_initial(self, name, value):
        """Set the initial concentration of a species."""
        i = self.index(name)
        self._initial[i] = _check_nonnegative(value, f"initial concentration of {name!r}")

    def set_clamped(self, name, clamped=True):
        """Clamp a species (hold it constant) or release it."""
        self._clamped[self.index(name)] = bool(clamped)
        self._compiled = None

    def copy(self):
        """An independent copy of the network."""
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
        c = np.array(values, dtype=float)
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
        if self._compiled is not None:
            return self._compiled
        if self.n_species == 0:
            raise NetworkError("the network has no species; add some first.")
        n_s, n_r = self.n_species, self.n_reactions
        max_order = max((r.order for r in self._reactions), default=0)
        slots = np.full((n_r, max(max_order, 1)), n_s, dtype=np.intp)
        rows, cols, vals = [], [], []
        for j, r in enumerate(self._reactions):
            s = 0
            for name, count in r.reactants.items():
                i = self._index[name]
                slots[j, s : s + count] = i
                s += count
            change = dict.fromkeys(r.reactants, 0) | dict.fromkeys(r.products, 0)
            for name, count in r.reactants.items():
                change[name] -= count
            for name, count in r.products.items():
                change[name] += count
            for name, delta in change.items():
                if delta:
                    rows.append(self._index[name])
                    cols.append(j)
                    vals.append(delta)
        stoich = sp.csr_matrix((vals, (rows, cols)), shape=(n_s, n_r), dtype=float)
        keep = sp.diags((~self.clamped).astype(float))
        effective = sp.csr_matrix(keep @ stoich)
        effective.eliminate_zeros()
        mask = slots < n_s
        jac_rows, jac_slot = np.nonzero(mask)
        self._compiled = _Compiled(
            reactant_slots=slots,
            rates=self.rate_constants,
            stoichiometry=stoich,
            effective=effective,
            jac_rows=jac_rows,
            jac_cols=slots[jac_rows, jac_slot],
            jac_slot=jac_slot,
            jac_mask=mask,
        )
        return self._compiled

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
        """
        N = self._compile().stoichiometry
        return N.copy() if sparse else N.toarray()

    def _extended(self, c):
        c = np.asarray(c, dtype=float)
        if c.shape[-1] != self.n_species:
            raise NetworkError(
                f"concentrations must have {self.n_species} values on their last "
                f"axis (one per species); got shape {c.shape}."
            )
        pad = np.ones(c.shape[:-1] + (1,))
        return np.concatenate([c, pad], axis=-1)

    def flux(self, c):
        """Mass-action fluxes ``v_j = k_j prod_i c_i ** a_ij``.

        Parameters
        ----------
        c : array-like of shape (..., n_species)
            One state or a batch of states.

        Returns
        -------
        ndarray of shape (..., n_reactions)
        """
        comp = self._compile()
        ext = self._extended(c)
        return comp.rates * np.prod(ext[..., comp.reactant_slots], axis=-1)

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
        c = np.asarray(c, dtype=float)
        comp = self._compile()
        if c.ndim == 2 and c.shape[0] == self.n_species:
            return comp.effective @ self.flux(c.T).T
        return comp.effective @ self.flux(c)

    def flux_jacobian(self, c):
        """Jacobian of the fluxes, ``dv_j / dc_i``, as a sparse matrix.

        Returns
        -------
        csr_matrix of shape (n_reactions, n_species)
        """
        comp = self._compile()
        ext = self._extended(c)
        factors = ext[comp.reactant_slots]  # (n_reactions, max_order)
        n_slots = factors.shape[1]
        # Product of all slots but one, for every slot, without dividing by c.
        others = np.ones_like(factors)
        for s in range(n_slots):
            for t in range(n_slots):
                if t != s:
                    others[:, s] *= factors[:, t]
        data = comp.rates[comp.jac_rows] * others[comp.jac_rows, comp.jac_slot]
        return sp.csr_matrix(
            (data, (comp.jac_rows, comp.jac_cols)),
            shape=(self.n_reactions, self.n_species),
        )

    def jacobian(self, t, c, sparse=True):
        """Analytic Jacobian of :meth:`rhs`, ``d(dc/dt)/dc``.

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
        """
        J = sp.csr_matrix(self._compile().effective @ self.flux_jacobian(c))
        return J if sparse else J.toarray()

    def conservation_laws(self):
        """Linear conservation laws: an orthonormal basis of the left null space.

        Each row ``l`` satisfies ``l @ N_eff = 0``, where ``N_eff`` is the
        stoichiometry matrix with the rows of clamped species zeroed, so
        ``l @ c(t)`` is constant along every trajectory. Each clamped species
        is trivially conserved and contributes to this space.

        Returns
        -------
        ndarray of shape (n_laws, n_species)
        """
        N = self._compile().effective.toarray()
        if N.shape[1] == 0:
            return np.eye(self.n_species)
        return scipy.linalg.null_space(N.T, rcond=NULL_SPACE_RTOL).T

    # -- formats ----------------------------------------------------------------

    @classmethod
    def from_text(cls, text, name="network"):
        """Read a network written in the ``.crn`` text format."""
        from .text import parse_crn

        return parse_crn(text, name=name)

    def to_text(self):
        """Write the network in the ``.crn`` text format."""
        from .text import format_crn

        return format_crn(self)

    @classmethod
    def from_sbml(cls, source):
        """Read a mass-action network from an SBML document (path or string)."""
        from .sbml import read_sbml

        return read_sbml(source)

    def to_sbml(self, path=None):
        """Write the network as SBML Level 3; return the XML string."""
        from .sbml import write_sbml

        return write_sbml(self, path)
