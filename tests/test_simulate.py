"""Deterministic simulation against exact solutions and an independent simulator."""

import importlib
import warnings

import numpy as np
import pytest

from crnlearn.cli import main
from crnlearn.crn import (
    NegativeConcentrationWarning,
    NetworkError,
    ReactionNetwork,
    simulate,
)
from crnlearn.crn.generate import random_network
from crnlearn.crn.simulate import ODE_METHODS, InitialisedBDF

STIFF = ("LSODA", "BDF", "Radau")
NON_STIFF = ("RK45", "DOP853")
#: Solver tolerances for the accuracy tests: far below the checked errors.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}
#: Checked agreement. Concentrations here are O(0.1-1); absolute errors of
#: both solvers are ~1e-11, so atol = 1e-9 only matters for values near 0.
RTOL, ATOL = 1e-6, 1e-9


# -- exact solutions ------------------------------------------------------------


@pytest.mark.parametrize("method", STIFF + NON_STIFF)
def test_matches_exact_solution(reference_case, method):
    result = simulate(
        reference_case.network, reference_case.t_end, n_points=41, method=method,
        **TIGHT,
    )
    assert result.success and result.method == method
    assert result.concentrations.shape == (41, reference_case.network.n_species)
    exact = reference_case.exact(result.t)
    np.testing.assert_allclose(result.concentrations, exact, rtol=RTOL, atol=ATOL)


def test_reversible_pair_reaches_equilibrium():
    net = ReactionNetwork.from_text("A <=> B [kf = 2, kr = 0.5]; A @i 1; B @i 0.2")
    result = simulate(net, 20.0, n_points=3, **TIGHT)
    # Detailed balance: kf a = kr b with a + b = 1.2.
    np.testing.assert_allclose(result.final, [0.24, 0.96], rtol=1e-9)


def test_steady_state_stop():
    net = ReactionNetwork.from_text("A <=> B [kf = 2, kr = 0.5]; A @i 1; B @i 0.2")
    result = simulate(net, 1e3, steady_state=True, steady_state_tol=1e-10, **TIGHT)
    assert result.steady_state and result.status == 1
    assert result.message == "steady state reached"
    assert result.t[-1] < 20.0
    # |dc/dt| = (kf + kr)|a - a_eq| < 1e-10 at the stop.
    np.testing.assert_allclose(result.final, [0.24, 0.96], atol=1e-10 / 2.5 + 1e-12)


# -- the independent simulator --------------------------------------------------


def roadrunner_trajectories(network, t_end, n_points):
    """Trajectories of the network's SBML export, simulated by libroadrunner."""
    roadrunner = pytest.importorskip("roadrunner")
    rr = roadrunner.RoadRunner(network.to_sbml())
    rr.integrator.relative_tolerance = TIGHT["rtol"]
    # With 1e-12, CVODE's errors on the random network reach ~4e-9; at 1e-14
    # both simulators agree to ~1e-11, a hundred times inside RTOL and ATOL.
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.maximum_num_steps = 100_000
    rr.timeCourseSelections = ["time"] + [f"[{s}]" for s in network.species]
    table = np.asarray(rr.simulate(0.0, t_end, n_points))
    return table[:, 0], table[:, 1:]


@pytest.mark.parametrize("method", ["LSODA", "BDF", "DOP853"])
def test_reference_networks_agree_with_roadrunner(reference_case, method):
    net = reference_case.network
    t, theirs = roadrunner_trajectories(net, reference_case.t_end, 41)
    ours = simulate(net, reference_case.t_end, t_eval=t, method=method, **TIGHT)
    np.testing.assert_allclose(ours.concentrations, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("method", ["LSODA", "BDF", "DOP853"])
def test_random_network_agrees_with_roadrunner(random_network_20x50, method):
    net = random_network_20x50
    assert {r.order for r in net.reactions} == {0, 1, 2}
    t, theirs = roadrunner_trajectories(net, 5.0, 51)
    ours = simulate(net, 5.0, t_eval=t, method=method, **TIGHT)
    # The dynamics are not trivial: every species moves by > 1 %.
    change = np.abs(theirs[-1] - theirs[0]) / np.maximum(theirs[0], 1e-3)
    assert change.min() > 0.01
    np.testing.assert_allclose(ours.concentrations, theirs, rtol=RTOL, atol=ATOL)


def test_clamped_network_agrees_with_roadrunner():
    net = random_network(12, 30, n_clamped=3, random_state=5)
    t, theirs = roadrunner_trajectories(net, 4.0, 21)
    ours = simulate(net, 4.0, t_eval=t, **TIGHT)
    np.testing.assert_allclose(ours.concentrations, theirs, rtol=RTOL, atol=ATOL)


# -- conservation ---------------------------------------------------------------


def mass_conserving_network(seed, n_species=10, n_reactions=25):
    """Random reactions between species of mass 1 or 2 that conserve mass."""
    rng = np.random.default_rng(seed)
    mass = rng.integers(1, 3, n_species)
    names = [f"M{i}" for i in range(n_species)]
    net = ReactionNetwork(f"mass{seed}")
    for name in names:
        net.add_species(name, initial=rng.uniform(0.1, 1.0))
    by_mass = {m: [i for i in range(n_species) if mass[i] == m] for m in (1, 2)}
    while net.n_reactions < n_reactions:
        reactants = list(rng.choice(n_species, size=rng.integers(1, 3)))
        left = int(mass[reactants].sum())
        products = []
        while left:
            m = int(rng.integers(1, min(left, 2) + 1))
            products.append(int(rng.choice(by_mass[m])) if by_mass[m] else None)
            left -= m
        if None in products or sorted(products) == sorted(reactants):
            continue
        net.add_reaction(
            [names[i] for i in reactants], [names[i] for i in products],
            rng.uniform(0.2, 2.0),
        )
    return net, mass.astype(float)


@pytest.mark.parametrize("method", ["LSODA", "Radau", "RK45"])
@pytest.mark.parametrize("seed", [0, 1])
def test_conservation_laws_hold_along_trajectories(seed, method):
    net, mass = mass_conserving_network(seed)
    laws = net.conservation_laws()
    # The total mass is one of the laws.
    coef, *_ = np.linalg.lstsq(laws.T, mass, rcond=None)
    np.testing.assert_allclose(laws.T @ coef, mass, atol=1e-10)

    result = simulate(net, 5.0, n_points=51, method=method, **TIGHT)
    totals = result.concentrations @ laws.T
    np.testing.assert_allclose(totals, totals[:1].repeat(51, axis=0), rtol=1e-8,
                               atol=1e-10)
    assert np.ptp(result.concentrations, axis=0).min() > 1e-3  # it moved


@pytest.mark.parametrize("method", ODE_METHODS)
def test_clamped_species_stay_exactly_constant(method):
    net = random_network(10, 30, n_clamped=3, random_state=8)
    result = simulate(net, 3.0, n_points=31, method=method)
    fixed = result.concentrations[:, net.clamped]
    np.testing.assert_array_equal(fixed, fixed[:1].repeat(31, axis=0))
    np.testing.assert_array_equal(fixed[0], net.initial_concentrations[net.clamped])
    laws = net.conservation_laws()
    totals = result.concentrations @ laws.T
    np.testing.assert_allclose(totals, totals[:1].repeat(31, axis=0), atol=1e-12)


DECAY = "A -> [k = 0.7]\nA @i 2.0"


def exact_decay(t):
    return 2.0 * np.exp(-0.7 * np.asarray(t))[:, None]


@pytest.mark.parametrize("method", ["LSODA", "BDF"])
def test_time_grid_not_starting_at_zero(method):
    t_eval = [0.5, 1.0, 4.0]
    result = simulate(ReactionNetwork.from_text(DECAY), 5.0, t_eval=t_eval,
                      method=method, **TIGHT)
    np.testing.assert_array_equal(result.t, t_eval)
    np.testing.assert_allclose(result.concentrations, exact_decay(result.t),
                               rtol=RTOL, atol=ATOL)


def test_lsoda_failure_is_reported_and_cut(monkeypatch):
    module = importlib.import_module("crnlearn.crn.simulate")
    # Five steps per reported interval are not enough to reach t = 2.
    monkeypatch.setattr(module, "MAX_STEPS_PER_INTERVAL", 5)
    net = ReactionNetwork.from_text(DECAY)
    result = simulate(net, 4.0, t_eval=[0.0, 1e-3, 2.0, 4.0], **TIGHT)
    assert not result.success and result.status == -1
    assert "Excess work done" in result.message
    assert 1 <= len(result.t) < 4
    assert result.counters["nfev"] >= 5
    np.testing.assert_allclose(result.concentrations, exact_decay(result.t),
                               rtol=RTOL, atol=ATOL)


# -- the result object ----------------------------------------------------------


def test_result_access_and_csv(tmp_path):
    net = ReactionNetwork.from_text("A -> B [k = 1]; A @i 1")
    result = simulate(net, 1.0, n_points=5, initial={"A": 2.0})
    np.testing.assert_allclose(result["A"], 2.0 * np.exp(-result.t), rtol=1e-7)
    np.testing.assert_array_equal(result.final, result.concentrations[-1])
    assert result.counters["nfev"] > 0
    with pytest.raises(KeyError, match="no species 'C'"):
        result["C"]
    result.to_csv(tmp_path / "out.csv")
    table = np.loadtxt(tmp_path / "out.csv", delimiter=",", skiprows=1)
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == "t,A,B"
    np.testing.assert_allclose(table[:, 1:], result.concentrations, rtol=1e-11)


def test_negative_concentrations_are_reported_not_clipped():
    # A loose explicit solver overshoots the fast decay below zero.
    net = ReactionNetwork.from_text("A -> [k = 50]; A @i 1")
    with pytest.warns(NegativeConcentrationWarning, match="below zero"):
        result = simulate(net, 2.0, method="RK23", rtol=1e-1, atol=1e-2)
    assert result.min_concentration < -1e-2
    assert result.negative_species == ("A",)


# -- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t_end": 0}, r"t_end must be finite and > 0; got 0.0"),
        ({"t_end": float("nan")}, r"t_end must be finite and > 0; got nan"),
        ({"t_end": "long"}, r"t_end must be a number; got 'long'"),
        ({"method": "euler"}, r"method must be one of \('LSODA'"),
        ({"n_points": 1}, r"n_points must be an integer >= 2; got 1"),
        ({"rtol": -1e-6}, r"rtol must be finite and > 0"),
        ({"t_eval": [0.0, 2.0, 1.0]}, r"t_eval must be increasing"),
        ({"t_eval": [0.0, 5.0]}, r"t_eval must end at or before t_end=1.0"),
        ({"initial": {"Z": 1.0}}, r"unknown species 'Z'"),
        ({"initial": [1.0, -1.0]}, r"concentrations must be finite and >= 0"),
        ({"initial": [1.0]}, r"a state must have shape \(2,\)"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    net = ReactionNetwork.from_text("A -> B; A @i 1")
    kwargs = {"t_end": 1.0} | kwargs
    with pytest.raises(NetworkError, match=message):
        simulate(net, **kwargs)


def test_empty_network_cannot_be_simulated():
    with pytest.raises(NetworkError, match="no species"):
        simulate(ReactionNetwork(), 1.0)


# -- command line ---------------------------------------------------------------


def test_cli_simulate_writes_table_and_plot(tmp_path, capsys, reference_case):
    source = tmp_path / f"{reference_case.name}.crn"
    source.write_text(reference_case.text)
    out = tmp_path / "results"
    code = main([
        "simulate", str(source), "--t-end", str(reference_case.t_end),
        "--method", "BDF", "--n-points", "21", "--out", str(out),
    ])
    assert code == 0
    table_path = out / f"{reference_case.name}.csv"
    image = out / f"{reference_case.name}.png"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = table_path.read_text().splitlines()[0].split(",")
    table = np.loadtxt(table_path, delimiter=",", skiprows=1)

    net = reference_case.network
    assert header == ["t", *net.species]
    library = simulate(net, reference_case.t_end, n_points=21, method="BDF")
    np.testing.assert_allclose(table[:, 0], library.t, rtol=1e-12)
    np.testing.assert_allclose(table[:, 1:], library.concentrations, rtol=1e-11,
                               atol=1e-15)
    summary = capsys.readouterr().out
    assert f"network '{reference_case.name}'" in summary
    assert "BDF to t = " in summary and "success" in summary


def test_cli_simulate_reads_sbml(tmp_path, capsys):
    net = ReactionNetwork.from_text("A + B -> C [k = 1.3]; A @i 1; B @i 0.4")
    source = tmp_path / "binding.xml"
    net.to_sbml(source)
    assert main(["simulate", str(source), "--t-end", "2", "--out", str(tmp_path)]) == 0
    table = np.loadtxt(tmp_path / "binding.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(table[:, 1:], simulate(net, 2.0).concentrations,
                               rtol=1e-11, atol=1e-15)


def test_cli_simulate_reports_bad_input(tmp_path, capsys):
    source = tmp_path / "broken.crn"
    source.write_text("A -> B [k = 1]\nA + -> C\n")
    code = main(["simulate", str(source), "--t-end", "1", "--out", str(tmp_path)])
    assert code == 2
    error = capsys.readouterr().err
    assert "crnlearn simulate: error: line 2, column 5" in error
    assert not (tmp_path / "broken.csv").exists()



def test_bdf_starts_from_a_fully_set_difference_table():
    # SciPy's BDF takes its table of differences from np.empty: here from
    # memory that held signalling NaNs, which warn when first subtracted
    bits = 0x7FF0000000000001
    junk = np.full((8, 3), bits, dtype=np.int64)
    del junk
    solver = InitialisedBDF(lambda t, y: -y, 0.0, np.ones(3), 1.0)
    assert np.all(solver.D[2:] == 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        solver.step()
    np.testing.assert_allclose(solver.y, np.exp(-solver.t), rtol=1e-3)
