"""ReactionNetwork: building, mass-action kinetics, Jacobian, conservation laws."""

import numpy as np
import pytest
import scipy.sparse as sp

from crnlearn.crn import NetworkError, ReactionNetwork
from crnlearn.crn.generate import random_network
from crnlearn.crn.network import MAX_REACTION_ORDER


def naive_flux(network, c):
    """Mass-action fluxes by a plain loop over reactions and species."""
    v = np.empty(network.n_reactions)
    for j, r in enumerate(network.reactions):
        v[j] = r.rate
        for name, a in r.reactants.items():
            v[j] *= c[network.index(name)] ** a
    return v


def naive_rhs(network, c):
    dc = np.zeros(network.n_species)
    for r, v in zip(network.reactions, naive_flux(network, c), strict=True):
        for name, a in r.reactants.items():
            dc[network.index(name)] -= a * v
        for name, b in r.products.items():
            dc[network.index(name)] += b * v
    dc[network.clamped] = 0.0
    return dc


def finite_difference_jacobian(network, c, step=1e-6):
    """Central differences: exact up to O(step**2) for polynomial kinetics."""
    J = np.empty((network.n_species, network.n_species))
    for k in range(network.n_species):
        e = np.zeros(network.n_species)
        e[k] = step
        J[:, k] = (network.rhs(0.0, c + e) - network.rhs(0.0, c - e)) / (2 * step)
    return J


# -- building -------------------------------------------------------------------


def test_add_species_and_reaction():
    net = ReactionNetwork("toy")
    assert net.add_species("A", initial=1.5) == 0
    assert net.add_species("B", clamped=True) == 1
    r = net.add_reaction(["A", "A"], {"B": 1}, rate=0.25, name="dimerise")
    assert r.reactants == {"A": 2} and r.products == {"B": 1}
    assert r.order == 2 and r.name == "dimerise"
    assert net.species == ("A", "B")
    np.testing.assert_array_equal(net.initial_concentrations, [1.5, 0.0])
    np.testing.assert_array_equal(net.clamped, [False, True])
    np.testing.assert_array_equal(net.rate_constants, [0.25])
    np.testing.assert_array_equal(net.stoichiometry_matrix(), [[-2.0], [1.0]])


def test_catalyst_has_zero_net_stoichiometry():
    net = ReactionNetwork.from_text("A + E -> B + E [k = 2]")
    assert net.reactions[0].is_catalytic_in == ("E",)
    N = net.stoichiometry_matrix(sparse=True)
    assert sp.issparse(N)
    np.testing.assert_array_equal(N.toarray(), [[-1.0], [0.0], [1.0]])


def test_copy_is_independent():
    net = ReactionNetwork.from_text("A -> B [k = 2]; A @i 1")
    twin = net.copy()
    twin.set_initial("A", 3.0)
    twin.add_species("C")
    assert net.n_species == 2 and net.initial_concentrations[0] == 1.0
    assert twin.reactions == net.reactions


def test_state_from_mapping_and_array():
    net = ReactionNetwork.from_text("A -> B; A @i 1")
    np.testing.assert_array_equal(net.state({"B": 0.25}), [1.0, 0.25])
    np.testing.assert_array_equal(net.state([0.5, 0.5]), [0.5, 0.5])


# -- kinetics against naive loops -----------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flux_and_rhs_match_naive_loops(seed):
    net = random_network(
        12, 40, max_order=3, max_products=3, n_clamped=2, random_state=seed
    )
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.0, 2.0, net.n_species)
    np.testing.assert_allclose(net.flux(c), naive_flux(net, c), rtol=1e-13)
    np.testing.assert_allclose(net.rhs(0.0, c), naive_rhs(net, c), rtol=1e-12,
                               atol=1e-13)


def test_flux_is_batched_over_leading_axes():
    net = random_network(6, 15, max_order=3, random_state=3)
    states = np.random.default_rng(3).uniform(0, 1, (4, 5, net.n_species))
    batched = net.flux(states)
    assert batched.shape == (4, 5, net.n_reactions)
    np.testing.assert_allclose(batched[2, 3], naive_flux(net, states[2, 3]),
                               rtol=1e-13)


def test_rhs_accepts_states_as_columns():
    net = random_network(6, 15, random_state=4)
    states = np.random.default_rng(4).uniform(0, 1, (net.n_species, 7))
    columns = net.rhs(0.0, states)
    assert columns.shape == states.shape
    for i in range(7):
        np.testing.assert_allclose(columns[:, i], net.rhs(0.0, states[:, i]),
                                   rtol=1e-13, atol=1e-15)


def test_clamped_species_do_not_change():
    net = ReactionNetwork.from_text("X + Y -> 2Y [k = 3]; Y -> [k = 1]; X @c 0.5")
    dc = net.rhs(0.0, [0.5, 0.2])
    assert dc[0] == 0.0
    assert dc[1] == pytest.approx(3 * 0.5 * 0.2 - 0.2, rel=1e-14)


def test_network_without_reactions_is_still():
    net = ReactionNetwork()
    net.add_species("A", 1.0)
    np.testing.assert_array_equal(net.rhs(0.0, [1.0]), [0.0])
    assert net.jacobian(0.0, [1.0]).nnz == 0
    np.testing.assert_array_equal(net.conservation_laws(), [[1.0]])


# -- Jacobian -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_jacobian_matches_finite_differences(seed):
    net = random_network(
        10, 30, max_order=3, max_products=3, rate_range=(0.1, 2.0),
        n_clamped=seed % 3, random_state=seed,
    )
    assert max(r.order for r in net.reactions) == 3
    c = np.random.default_rng(seed).uniform(0.2, 1.5, net.n_species)
    J = net.jacobian(0.0, c)
    assert sp.isspmatrix_csr(J)
    np.testing.assert_allclose(J.toarray(), finite_difference_jacobian(net, c),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(net.jacobian(0.0, c, sparse=False), J.toarray())


def test_jacobian_of_repeated_reactant_without_division():
    # d(k A^3)/dA = 3 k A^2 must hold at A = 0 too (no division by A).
    net = ReactionNetwork.from_text("3A -> B [k = 2]")
    J = net.jacobian(0.0, [0.0, 0.0], sparse=False)
    np.testing.assert_array_equal(J, np.zeros((2, 2)))
    J = net.jacobian(0.0, [0.5, 0.0], sparse=False)
    np.testing.assert_allclose(J[:, 0], [-3 * 3 * 2 * 0.25, 3 * 2 * 0.25],
                               rtol=1e-15)


def test_flux_jacobian_times_stoichiometry_is_jacobian():
    net = random_network(8, 20, max_order=3, random_state=7)
    c = np.random.default_rng(7).uniform(0.1, 1.0, net.n_species)
    product = net.stoichiometry_matrix() @ net.flux_jacobian(c).toarray()
    np.testing.assert_allclose(product, net.jacobian(0.0, c, sparse=False),
                               rtol=1e-13, atol=1e-14)


# -- conservation laws ----------------------------------------------------------


def test_conservation_laws_of_binding():
    net = ReactionNetwork.from_text("A + B <=> C [kf = 1, kr = 2]")
    laws = net.conservation_laws()
    assert laws.shape == (2, 3)
    np.testing.assert_allclose(laws @ net.stoichiometry_matrix(), 0.0, atol=1e-14)
    # The totals A + C and B + C lie in the span of the laws.
    for total in ([1.0, 0.0, 1.0], [0.0, 1.0, 1.0]):
        coef, *_ = np.linalg.lstsq(laws.T, total, rcond=None)
        np.testing.assert_allclose(laws.T @ coef, total, atol=1e-12)


def test_clamped_species_count_as_conserved():
    net = ReactionNetwork.from_text("E -> E + A [k = 1]; A -> [k = 1]; E @c 1")
    laws = net.conservation_laws()
    assert laws.shape == (1, 2)
    np.testing.assert_allclose(np.abs(laws), [[1.0, 0.0]], atol=1e-14)


# -- random networks ------------------------------------------------------------


def test_random_network_is_reproducible_and_bounded_in_order():
    a = random_network(20, 50, random_state=11)
    b = random_network(20, 50, random_state=np.random.RandomState(11))
    assert a.reactions == b.reactions
    np.testing.assert_array_equal(a.initial_concentrations, b.initial_concentrations)
    assert {r.order for r in a.reactions} == {0, 1, 2}
    # By default no reaction makes more molecules than it consumes.
    assert all(sum(r.products.values()) <= max(r.order, 1) for r in a.reactions)
    assert all(0.1 <= r.rate <= 1.0 for r in a.reactions)


def test_random_network_rejects_bad_arguments():
    with pytest.raises(NetworkError, match="n_species must be an integer >= 1"):
        random_network(0, 5)
    with pytest.raises(NetworkError, match="rate_range"):
        random_network(3, 5, rate_range=(1.0, 0.5))
    with pytest.raises(NetworkError, match="order_weights must be 3"):
        random_network(3, 5, order_weights=[1, 1])
    with pytest.raises(NetworkError, match="random_state must be"):
        random_network(3, 5, random_state="seed")


# -- bad input ------------------------------------------------------------------


@pytest.fixture
def abc():
    net = ReactionNetwork()
    for name in "ABC":
        net.add_species(name)
    return net


def test_unknown_species_is_named(abc):
    with pytest.raises(NetworkError, match="unknown species 'D'"):
        abc.add_reaction({"A": 1}, {"D": 1}, 1.0)
    with pytest.raises(NetworkError, match="unknown species 'Z'"):
        abc.index("Z")
    with pytest.raises(NetworkError, match="unknown species 'Q'"):
        abc.state({"Q": 1.0})


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (-1.0, r"rate constant of reaction A -> B must be finite and >= 0; got -1.0"),
        (float("nan"), r"must be finite and >= 0; got nan"),
        (float("inf"), r"must be finite and >= 0; got inf"),
        ("fast", r"must be a number; got the string 'fast'"),
        (None, r"must be a number; got None"),
    ],
)
def test_bad_rate_constants(abc, rate, message):
    with pytest.raises(NetworkError, match=message):
        abc.add_reaction(["A"], ["B"], rate)


@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf")])
def test_bad_concentrations(abc, value):
    with pytest.raises(NetworkError, match="initial concentration of 'D' must be"):
        abc.add_species("D", initial=value)
    with pytest.raises(NetworkError, match="initial concentration of 'A' must be"):
        abc.set_initial("A", value)
    with pytest.raises(NetworkError, match="concentrations must be finite and >= 0"):
        abc.state([1.0, value, 0.0])


def test_duplicated_names(abc):
    with pytest.raises(NetworkError, match="species 'A' is defined twice"):
        abc.add_species("A")
    abc.add_reaction(["A"], ["B"], 1.0, name="r1")
    with pytest.raises(NetworkError, match="reaction name 'r1' is used twice"):
        abc.add_reaction(["B"], ["C"], 1.0, name="r1")


@pytest.mark.parametrize("name", ["2A", "A-B", "", "A B", 3, None])
def test_bad_species_names(name):
    with pytest.raises(NetworkError, match="species name must be an identifier"):
        ReactionNetwork().add_species(name)


@pytest.mark.parametrize(
    ("reactants", "message"),
    [
        ({"A": 1.5}, r"stoichiometry of 'A' in the reactants must be a whole number"),
        ({"A": float("nan")}, r"must be a whole number >= 0; got nan"),
        ({"A": -1}, r"must be a whole number >= 0; got -1"),
        ({"A": "2"}, r"must be a whole number >= 0; got '2'"),
        ({"A": True}, r"must be a whole number >= 0; got True"),
        ("A + B", r"got the string 'A \+ B'"),
        (5, r"must be a mapping"),
        ({}, r"at least one reactant or product"),
        ({"A": MAX_REACTION_ORDER + 1}, r"at most 32 reactant molecules"),
    ],
)
def test_bad_reaction_sides(abc, reactants, message):
    products = {} if reactants == {} else {"B": 1}
    with pytest.raises(NetworkError, match=message):
        abc.add_reaction(reactants, products, 1.0)


def test_empty_network_cannot_be_evaluated():
    with pytest.raises(NetworkError, match="the network has no species"):
        ReactionNetwork().rhs(0.0, [])


@pytest.mark.parametrize("shape", [(2,), (4,), (3, 2)])
def test_wrong_state_shapes(abc, shape):
    abc.add_reaction(["A"], ["B"], 1.0)
    with pytest.raises(NetworkError, match=r"shape \(3,\)|3 values|one state"):
        if len(shape) == 2:
            abc.jacobian(0.0, np.ones(shape))
        else:
            abc.rhs(0.0, np.ones(shape))
