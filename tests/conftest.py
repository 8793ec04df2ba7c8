"""Shared fixtures: small reference networks with exact solutions."""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import strategies as st

from crnlearn.crn import ReactionNetwork
from crnlearn.crn.generate import random_network


@dataclass(frozen=True)
class ReferenceCase:
    """A network, an end time and its exact trajectories ``exact(t)``."""

    name: str
    text: str
    t_end: float
    exact: object  # callable: ndarray (n_times,) -> ndarray (n_times, n_species)

    @property
    def network(self):
        return ReactionNetwork.from_text(self.text, name=self.name)


def _decay(t, k=0.7, a0=2.0):
    return np.exp(-k * t)[:, None] * a0


def _bimolecular(t, k=1.3, a0=1.0, b0=0.4):
    # A + B -> C: b = a - (a0 - b0), so da/dt = -k a (a - d) with d = a0 - b0.
    d = a0 - b0
    a = d / (1.0 - (b0 / a0) * np.exp(-d * k * t))
    return np.column_stack([a, a - d, a0 - a])


def _reversible(t, kf=2.0, kr=0.5, a0=1.0, b0=0.2):
    total = a0 + b0
    a_eq = kr * total / (kf + kr)
    a = a_eq + (a0 - a_eq) * np.exp(-(kf + kr) * t)
    return np.column_stack([a, total - a])


def _catalytic(t, k=1.5, a0=1.0, b0=0.1, e0=0.3):
    # A + E -> B + E: E is never consumed, so A decays at the rate k e0.
    a = a0 * np.exp(-k * e0 * t)
    return np.column_stack([a, np.full_like(t, e0), b0 + a0 - a])


def _clamped_source(t, k=0.5, d=1.0, e0=0.8, a0=0.1):
    # E (clamped) -> E + A, A -> 0: da/dt = k e0 - d a.
    a_eq = k * e0 / d
    a = a_eq + (a0 - a_eq) * np.exp(-d * t)
    return np.column_stack([np.full_like(t, e0), a])


REFERENCE_CASES = {
    case.name: case
    for case in [
        ReferenceCase("decay", "A -> [k = 0.7]\nA @i 2.0", 5.0, _decay),
        ReferenceCase(
            "bimolecular",
            "A + B -> C [k = 1.3]\nA @i 1.0\nB @i 0.4",
            6.0,
            _bimolecular,
        ),
        ReferenceCase(
            "reversible",
            "A <=> B [kf = 2.0, kr = 0.5]\nA @i 1.0\nB @i 0.2",
            4.0,
            _reversible,
        ),
        ReferenceCase(
            "catalytic",
            "A + E -> B + E [k = 1.5]\nA @i 1.0\nE @i 0.3\nB @i 0.1",
            5.0,
            _catalytic,
        ),
        ReferenceCase(
            "clamped_source",
            "E -> E + A [k = 0.5]\nA -> [k = 1.0]\nE @c 0.8\nA @i 0.1",
            6.0,
            _clamped_source,
        ),
    ]
}


@pytest.fixture(params=sorted(REFERENCE_CASES))
def reference_case(request):
    """Each reference network with its exact solution."""
    return REFERENCE_CASES[request.param]


@pytest.fixture
def random_network_20x50():
    """20 species, 50 reactions of orders 0-2, tame rates (seeded)."""
    return random_network(20, 50, rate_range=(0.1, 1.0), random_state=2024)


def _assert_same_network(a, b, names=False):
    """Species, order, initial values, clamps and reactions are equal."""
    assert a.species == b.species
    np.testing.assert_array_equal(a.initial_concentrations, b.initial_concentrations)
    np.testing.assert_array_equal(a.clamped, b.clamped)
    assert len(a.reactions) == len(b.reactions)
    for r, s in zip(a.reactions, b.reactions, strict=True):
        assert (r.reactants, r.products, r.rate) == (s.reactants, s.products, s.rate)
        assert list(r.reactants) == list(s.reactants)
        assert list(r.products) == list(s.products)
        if names and r.name is not None:
            assert r.name == s.name


@pytest.fixture(scope="session")
def assert_same_network():
    """``check(a, b, names=False)``: two networks are equal, to the last bit."""
    return _assert_same_network


IDENTIFIER = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
VALUES = st.one_of(
    st.just(0.0),
    st.floats(
        min_value=0.0, max_value=1e300, allow_nan=False, allow_infinity=False,
        allow_subnormal=False,
    ),
)


@st.composite
def _networks(draw, named_reactions=False):
    names = draw(st.lists(IDENTIFIER, min_size=1, max_size=6, unique=True))
    net = ReactionNetwork(draw(IDENTIFIER))
    for name in names:
        net.add_species(name, initial=draw(VALUES), clamped=draw(st.booleans()))
    side = st.dictionaries(st.sampled_from(names), st.integers(1, 3), max_size=3)
    reaction_names = st.none()
    if named_reactions:
        reaction_names = st.one_of(
            st.none(), IDENTIFIER.filter(lambda x: x not in names)
        )
    for _ in range(draw(st.integers(0, 6))):
        reactants, products = draw(side), draw(side)
        if not reactants and not products:
            products = {names[0]: 1}
        label = draw(reaction_names)
        if label in {r.name for r in net.reactions}:
            label = None
        net.add_reaction(reactants, products, draw(VALUES), name=label)
    return net


@pytest.fixture(scope="session")
def network_strategy():
    """``network_strategy(named_reactions=False)``: a hypothesis strategy of
    small networks with arbitrary identifiers, floats and stoichiometries."""
    return _networks
