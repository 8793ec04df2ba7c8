"""Tests of the stochastic simulators (exact SSA and tau-leaping)."""

import logging
import math

import numpy as np
import pytest
from scipy import stats

from crnlearn import simulate
from crnlearn.crn import NetworkError, ReactionNetwork
from crnlearn.crn.stochastic import (
    CountRoundingWarning,
    StepBudgetWarning,
    StochasticResult,
    StochasticSimulator,
    simulate_stochastic,
    trajectory_seeds,
)

#: Two independent estimates agree when they differ by less than this many
#: standard errors (a false alarm has probability ~6e-5 per comparison).
N_STANDARD_ERRORS = 4.0


def network(species, reactions, name="test"):
    """A network from species ``name`` or ``(name, initial[, clamped])`` and
    reactions ``(reactants, products, rate)``."""
    net = ReactionNetwork(name)
    for spec in species:
        spec = (spec,) if isinstance(spec, str) else spec
        species_name, initial, clamped = (*spec, 0.0, False)[:3]
        net.add_species(species_name, initial=initial, clamped=clamped)
    for reactants, products, rate in reactions:
        net.add_reaction(reactants, products, rate)
    return net


def birth_death(k_birth, k_death, initial=0.0):
    return network([("A", initial)], [([], ["A"], k_birth), (["A"], [], k_death)])


def annihilation():
    """A + B -> C with A(0) = B(0) = 1: a(t) = 1 / (1 + t)."""
    return network([("A", 1.0), ("B", 1.0), ("C", 0.0)], [(["A", "B"], ["C"], 1.0)])


def mixed_network():
    """Small network with reactions of orders 0 to 2, one a dimerisation."""
    return network(
        [("A", 5.0), ("B", 0.0), ("C", 0.0)],
        [
            ([], ["A"], 20.0),
            ({"A": 2}, ["B"], 0.5),
            (["A", "B"], ["C"], 0.4),
            (["B"], [], 1.0),
            (["C"], ["A"], 0.5),
            (["C"], [], 0.2),
        ],
    )


def variance_standard_error(samples):
    """Standard error of the sample variance, from the fourth central moment."""
    n = samples.shape[0]
    centred = samples - samples.mean(axis=0)
    m4 = np.mean(centred**4, axis=0)
    var = samples.var(axis=0, ddof=1)
    return np.sqrt(np.maximum(m4 - var**2 * (n - 3) / (n - 1), 0.0) / n)


# -- propensities ----------------------------------------------------------------


def test_propensities_follow_stochastic_mass_action():
    net = network(
        ["A", "B", "C"],
        [
            ([], ["A"], 2.0),
            (["A"], ["B"], 3.0),
            (["A", "B"], ["C"], 0.5),
            ({"A": 2}, ["C"], 0.25),
            ({"A": 2, "B": 1}, ["C"], 0.125),
        ],
    )
    volume = 7.0
    counts = np.array([6, 4, 1])
    sim = StochasticSimulator(net, volume)
    a, b = 6, 4
    expected = [
        2.0 * volume,
        3.0 * a,
        0.5 * a * b / volume,
        0.25 * a * (a - 1) / volume,
        0.125 * a * (a - 1) * b / volume**2,
    ]
    np.testing.assert_allclose(sim.propensities(counts), expected, rtol=1e-14)


def test_propensities_are_zero_without_enough_molecules():
    net = network(["A", "B"], [({"A": 2}, ["B"], 1.0), ({"A": 3}, ["B"], 1.0)])
    sim = StochasticSimulator(net, 1.0)
    np.testing.assert_array_equal(sim.propensities([1, 0]), [0.0, 0.0])
    np.testing.assert_array_equal(sim.propensities([2, 0]), [2.0, 0.0])


def test_propensities_tend_to_volume_times_flux():
    net = network(
        ["A", "B"],
        [({"A": 2}, ["B"], 0.7), (["A", "B"], [], 1.3), ({"B": 3}, ["A"], 0.2)],
    )
    c = np.array([0.8, 1.5])
    gaps = []
    for volume in (1e2, 1e4, 1e6):
        sim = StochasticSimulator(net, volume)
        a = sim.propensities(np.rint(c * volume))
        gaps.append(np.max(np.abs(a / volume / net.flux(c) - 1)))
    # Falling factorials differ from powers by O(1 / count).
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-5


# -- exactness against a naive implementation -------------------------------------


def naive_direct_method(net, volume, counts, t_eval, rng, order):
    """Textbook direct method: every propensity recomputed, linear search.

    Draws the waiting time (standard exponential) before the uniform that
    chooses the reaction, and searches the reactions in the given order, as
    the compiled kernel does, so both follow the same random stream.
    """
    species = net.species
    x = np.array(counts, dtype=np.int64)
    reactions = net.reactions
    constants = [r.rate * volume ** (1 - r.order) for r in reactions]
    clamped = net.clamped

    def propensity(j):
        a = constants[j]
        for name, m in reactions[j].reactants.items():
            n = x[species.index(name)]
            a *= math.prod(n - k for k in range(m)) if n >= m else 0
        return a

    out = np.empty((len(t_eval), len(species)), dtype=np.int64)
    t, rec = 0.0, 0
    while rec < len(t_eval) and t_eval[rec] <= t:
        out[rec] = x
        rec += 1
    while rec < len(t_eval):
        a = np.array([propensity(j) for j in range(len(reactions))])
        a0 = a.sum()
        if a0 <= 0:
            out[rec:] = x
            break
        t_next = t + rng.standard_exponential() / a0
        while rec < len(t_eval) and t_eval[rec] < t_next:
            out[rec] = x
            rec += 1
        if rec == len(t_eval):
            break
        r = rng.random() * a0
        j = order[int(np.searchsorted(np.cumsum(a[order]), r, side="right"))]
        for name, m in reactions[j].reactants.items():
            if not clamped[species.index(name)]:
                x[species.index(name)] -= m
        for name, m in reactions[j].products.items():
            if not clamped[species.index(name)]:
                x[species.index(name)] += m
        t = t_next
    return out


def test_ssa_follows_the_naive_direct_method_step_by_step():
    # A clamped catalyst, a dimerisation, an order-0 source and a reaction
    # that consumes a clamped species: every path of the dependency graph.
    net = network(
        [("E", 3.0, True), ("A", 8.0), ("B", 4.0), ("C", 0.0), ("D", 2.0)],
        [
            ([], ["A"], 3.0),
            (["E", "A"], ["E", "B"], 0.5),
            ({"A": 2}, ["C"], 0.3),
            (["B", "C"], ["D"], 0.4),
            (["D"], ["A", "B"], 1.0),
            (["E"], ["C"], 0.7),
            (["C"], [], 0.6),
            (["B"], [], 0.2),
            (["A", "D"], {"D": 2}, 0.1),
        ],
    )
    volume = 2.0
    sim = StochasticSimulator(net, volume)
    counts = sim.counts_from_concentrations()
    t_eval = np.linspace(0.0, 40.0, 401)
    res = sim.run(counts, 40.0, t_eval=t_eval, random_state=np.random.default_rng(5))
    # The kernel chooses among reactions grouped by hub species.
    order = sim._group_members
    assert sorted(order) == list(range(net.n_reactions))
    reference = naive_direct_method(
        net, volume, counts, t_eval, np.random.default_rng(5), order
    )
    assert res.counters["reactions_fired"] > 1000
    np.testing.assert_array_equal(res.counts, reference)


def small_learning_network(volume):
    """The learning network's reaction pattern on 3 inputs, 4 complexes and 2
    classes: outputs Y_c catalyse many normalising reactions (big groups)."""
    inputs = [("X0", 0.6, True), ("X1", 0.9, True), ("X2", 0.4, True)]
    complexes = [("X0", "X1"), ("X1", "X2"), ("X0", "X2"), ("X1",)]
    species = list(inputs)
    reactions = []
    k_y, eta = 2.0, 0.5
    for c, label in enumerate((1.0, 0.0)):
        y, lab, lbar = f"Y{c}", f"L{c}", f"Lb{c}"
        species += [(y, 0.0), (lab, label, True), (lbar, 1.0 - label, True)]
        reactions.append(([y], [], k_y))
        for s, cat in enumerate(complexes):
            w = f"W{c}{s}"
            species.append((w, 1.0 / len(complexes)))
            sub = list(cat)
            reactions += [
                (sub + [w], sub + [w, y], k_y),
                (sub + [w, lab], sub + [w, w, lab], eta),
                (sub + [w, lbar], sub + [lbar], eta),
                ([w, y, lab], [y, lab], eta),
                ([w, y, lbar], [w, w, y, lbar], eta),
            ]
    return network(species, reactions, name="learning")


def test_ssa_follows_the_naive_direct_method_on_a_learning_network():
    net, volume = small_learning_network(20.0), 20.0
    sim = StochasticSimulator(net, volume)
    # Both outputs are hubs of groups holding their normalising reactions.
    groups = np.bincount(sim._member_group)
    assert groups.max() >= 2 * 4 + 1
    counts = sim.counts_from_concentrations()
    t_eval = np.linspace(0.0, 12.0, 121)
    res = sim.run(counts, 12.0, t_eval=t_eval, random_state=np.random.default_rng(8))
    reference = naive_direct_method(
        net, volume, counts, t_eval, np.random.default_rng(8), sim._group_members
    )
    assert res.counters["reactions_fired"] > 500
    np.testing.assert_array_equal(res.counts, reference)


# -- exact statistics ---------------------------------------------------------------


def poisson_chisquare_pvalue(samples, lam):
    """Chi-square goodness of fit to Poisson(lam), adjacent bins pooled
    (left to right, the remainder into the last bin) until each expects >= 5."""
    n = samples.size
    top = max(int(samples.max()), int(stats.poisson.isf(1e-9, lam)))
    expected = n * stats.poisson.pmf(np.arange(top + 1), lam)
    expected[-1] += n * stats.poisson.sf(top, lam)
    observed = np.bincount(samples, minlength=top + 1)
    pooled_obs, pooled_exp = [], []
    acc_obs, acc_exp = 0, 0.0
    for o, e in zip(observed, expected, strict=True):
        acc_obs, acc_exp = acc_obs + o, acc_exp + e
        if acc_exp >= 5:
            pooled_obs.append(acc_obs)
            pooled_exp.append(acc_exp)
            acc_obs, acc_exp = 0, 0.0
    pooled_obs[-1] += acc_obs
    pooled_exp[-1] += acc_exp
    assert len(pooled_obs) >= 8
    return stats.chisquare(pooled_obs, pooled_exp).pvalue


def stationary_birth_death(k_birth, k_death, volume, n, seed, method="ssa"):
    # From zero, A(t) is Poisson with mean lam (1 - exp(-k_death t)); at
    # t = 20 that is lam to within 2e-9 relative.
    res = simulate_stochastic(
        birth_death(k_birth, k_death), 20.0, volume=volume, n_trajectories=n,
        t_eval=[0.0, 20.0], random_state=seed, method=method,
    )
    if method == "tau-leap":
        # At a dozen molecules leaping does not pay: exact steps are taken.
        assert res.counters["exact_steps"] > 0.9 * res.counters["steps"]
    return res.counts[:, -1, 0]


@pytest.mark.parametrize("method", ["ssa", "tau-leap"])
def test_birth_death_reaches_its_poisson_stationary_distribution(method):
    k_birth, k_death, volume, n = 3.0, 1.0, 4.0, 4000
    lam = k_birth * volume / k_death
    samples = stationary_birth_death(k_birth, k_death, volume, n, 11, method)

    assert abs(samples.mean() - lam) < N_STANDARD_ERRORS * math.sqrt(lam / n)
    # Variance of the sample variance of a Poisson: (lam + 2 lam^2) / n.
    assert abs(samples.var(ddof=1) - lam) < N_STANDARD_ERRORS * math.sqrt(
        (lam + 2 * lam**2) / n
    )
    assert poisson_chisquare_pvalue(samples, lam) > 0.01


def test_chi_square_check_detects_a_ten_percent_wrong_rate():
    # The same check, fed a birth rate 10 % too high, rejects: it has power.
    k_birth, k_death, volume, n = 3.0, 1.0, 4.0, 4000
    lam = k_birth * volume / k_death
    samples = stationary_birth_death(1.1 * k_birth, k_death, volume, n, seed=11)
    assert poisson_chisquare_pvalue(samples, lam) < 0.01


def test_fluctuations_about_the_ode_shrink_like_inverse_sqrt_volume():
    """The root-mean-square gap between SSA trajectories and the ODE, over
    200 trajectories and 20 times per volume, falls as V ** -1/2; the gap of
    a mean over R trajectories is that over sqrt(R), plus a bias O(1/V)."""
    net = annihilation()
    t_eval = np.linspace(0.0, 2.0, 21)
    ode = simulate(net, 2.0, t_eval=t_eval).concentrations
    volumes = np.array([50.0, 200.0, 800.0, 3200.0])
    rms, mean_gap, standard_error = [], [], []
    for volume in volumes:
        res = simulate_stochastic(
            net, 2.0, volume=volume, n_trajectories=200, t_eval=t_eval,
            random_state=int(volume),
        )
        deviation = res.concentrations[:, 1:, 0] - ode[1:, 0]
        rms.append(np.sqrt(np.mean(deviation**2)))
        mean_gap.append(np.abs(deviation.mean(axis=0)))
        standard_error.append(deviation.std(axis=0, ddof=1) / np.sqrt(200))
    slope = np.polyfit(np.log(volumes), np.log(rms), 1)[0]
    # Linear-noise theory: fluctuations of size 1 / sqrt(V). With 200
    # trajectories per volume the fitted slope has a standard error ~0.02.
    assert slope == pytest.approx(-0.5, abs=0.06)
    # The ensemble mean tends to the ODE: at the largest volume its gap is
    # within the statistical error at every time point.
    assert np.all(mean_gap[-1] < N_STANDARD_ERRORS * standard_error[-1])


def gillespy2_model(net, volume, t_eval):
    gillespy2 = pytest.importorskip("gillespy2")
    model = gillespy2.Model(name="reference", volume=volume)
    counts = np.rint(net.initial_concentrations * volume).astype(int)
    species = {
        name: gillespy2.Species(name=name, initial_value=int(n0), mode="discrete")
        for name, n0 in zip(net.species, counts, strict=True)
    }
    model.add_species(list(species.values()))
    for j, reaction in enumerate(net.reactions):
        k = gillespy2.Parameter(name=f"k{j}", expression=repr(reaction.rate))
        model.add_parameter(k)
        model.add_reaction(gillespy2.Reaction(
            name=f"r{j}",
            reactants={species[s]: m for s, m in reaction.reactants.items()},
            products={species[s]: m for s, m in reaction.products.items()},
            rate=k,
        ))
    model.timespan(t_eval)
    return model


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # GillesPy2's own parser
def test_mean_and_variance_agree_with_gillespy2():
    gillespy2 = pytest.importorskip("gillespy2")
    logging.getLogger("GillesPy2").setLevel(logging.ERROR)
    net = mixed_network()
    volume, n = 2.0, 500
    t_eval = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    model = gillespy2_model(net, volume, t_eval)
    ref = gillespy2.NumPySSASolver(model=model).run(number_of_trajectories=n, seed=3)
    # Counts at t = 1 and t = 4, shape (n, 2, n_species), from both.
    theirs = np.array([[traj[s] for s in net.species] for traj in ref])
    theirs = theirs.transpose(0, 2, 1)[:, [1, 4]]
    ours = simulate_stochastic(
        net, 4.0, volume=volume, n_trajectories=n, t_eval=t_eval, random_state=3
    ).counts[:, [1, 4]]

    se_mean = np.sqrt(ours.var(axis=0, ddof=1) / n + theirs.var(axis=0, ddof=1) / n)
    gap_mean = np.abs(ours.mean(axis=0) - theirs.mean(axis=0))
    assert np.all(gap_mean < N_STANDARD_ERRORS * se_mean)
    se_var = np.hypot(variance_standard_error(ours), variance_standard_error(theirs))
    gap_var = np.abs(ours.var(axis=0, ddof=1) - theirs.var(axis=0, ddof=1))
    assert np.all(gap_var < N_STANDARD_ERRORS * se_var)
    # A propensity convention with 1/2 on the dimerisation would shift the
    # mean of B by far more than the tolerance.
    assert np.all(se_mean[:, 1] < 0.15 * ours.mean(axis=0)[:, 1])


# -- tau-leaping ---------------------------------------------------------------------


def fast_degradation(n_a):
    """Fast degradation of A held near ``n_a`` molecules by a source."""
    return network(
        [("A", float(n_a)), ("B", 0.0)],
        [(["A"], [], 50.0), ([], ["A"], 50.0 * n_a), ({"A": 2}, ["B"], 1.0 / n_a),
         (["B"], [], 5.0)],
    )


def test_tau_leap_rejects_leaps_that_would_go_negative():
    # A fixed leap of 0.1 expects 50 * 0.1 = 5 degradations per molecule of
    # A: plain Poisson leaping would drive A negative at almost every step.
    res = simulate_stochastic(
        fast_degradation(400), 5.0, method="tau-leap", tau=0.1, n_trajectories=20,
        n_points=51, random_state=1,
    )
    assert res.counters["rejected_leaps"] > res.counters["leaps"] > 0
    assert res.counts.min() >= 0 and res.min_concentration >= 0
    assert res.success


@pytest.mark.parametrize("n_a", [3, 30, 400])
@pytest.mark.parametrize("options", [{"epsilon": 0.9}, {"tau": 0.05}])
def test_tau_leap_never_records_a_negative_count(n_a, options):
    # Low counts make the degradation critical (fired exactly); every
    # recorded state on a fine grid is checked.
    res = simulate_stochastic(
        fast_degradation(n_a), 2.0, method="tau-leap", n_trajectories=10,
        n_points=2001, random_state=n_a, **options,
    )
    assert res.counts.min() >= 0
    assert res.success and res.counters["steps"] > 0


def test_tau_leap_error_is_first_order_in_epsilon():
    # A -> 0: the exact count at t is binomial(n0, exp(-k t)).
    k, volume, n = 1.0, 1e5, 100
    net = network([("A", 1.0)], [(["A"], [], k)])
    exact_mean = volume * math.exp(-k)
    errors = {}
    for epsilon in (0.01, 0.04):
        res = simulate_stochastic(
            net, 1.0, method="tau-leap", volume=volume, epsilon=epsilon,
            n_trajectories=n, t_eval=[0.0, 1.0], random_state=2,
        )
        assert res.counters["exact_steps"] == 0
        # One leap costs far less than the ~63,000 reactions it covers.
        assert res.counters["steps"] < 0.01 * res.counters["reactions_fired"]
        errors[epsilon] = abs(res.counts[:, -1, 0].mean() / exact_mean - 1)
        # Explicit leaping loses about epsilon / 2 per unit k t.
        assert errors[epsilon] < epsilon
    # Statistical error of the mean here is ~4e-4, well below both gaps.
    assert 2.0 < errors[0.04] / errors[0.01] < 8.0


def test_tau_leap_variance_matches_the_binomial():
    k, volume, n = 1.0, 1e4, 1000
    p = math.exp(-k)
    net = network([("A", 1.0)], [(["A"], [], k)])
    res = simulate_stochastic(
        net, 1.0, method="tau-leap", volume=volume, epsilon=0.01,
        n_trajectories=n, t_eval=[0.0, 1.0], random_state=4,
    )
    samples = res.counts[:, -1, 0].astype(float)
    exact_var = volume * p * (1 - p)
    # Relative standard error of a sample variance ~ sqrt(2 / n) = 4.5 %.
    assert samples.var(ddof=1) == pytest.approx(
        exact_var, rel=N_STANDARD_ERRORS * math.sqrt(2 / n)
    )


def test_tau_leap_mean_follows_the_ode_at_large_volume():
    net = annihilation()
    t_eval = np.linspace(0.0, 2.0, 11)
    ode = simulate(net, 2.0, t_eval=t_eval).concentrations
    res = simulate_stochastic(
        net, 2.0, method="tau-leap", volume=1e6, n_trajectories=20,
        t_eval=t_eval, random_state=8,
    )
    assert res.counters["leaps"] > res.counters["exact_steps"]
    mean = res.concentrations.mean(axis=0)
    np.testing.assert_allclose(mean, ode, rtol=0.01, atol=1e-3)


# -- clamped species and inputs ------------------------------------------------------


@pytest.mark.parametrize("method", ["ssa", "tau-leap"])
def test_clamped_species_never_change(method):
    # X is consumed and used as a catalyst, yet stays at 5 molecules; the
    # stationary Y is Poisson with mean k_cat * X / k_decay = 10.
    net = network(
        [("X", 5.0, True), ("Y", 0.0)],
        [(["X"], [], 1.0), (["X"], ["X", "Y"], 2.0), (["Y"], [], 1.0)],
    )
    res = simulate_stochastic(
        net, 30.0, method=method, n_trajectories=200, t_eval=[0.0, 15.0, 30.0],
        random_state=6,
    )
    assert np.all(res.counts[..., 0] == 5)
    y = res.counts[:, 1:, 1].ravel()
    assert abs(y.mean() - 10.0) < N_STANDARD_ERRORS * math.sqrt(10.0 / y.size) * 1.5


def test_simulator_runs_again_with_new_clamped_inputs():
    net = network(
        [("X", 0.0, True), ("Y", 0.0)],
        [(["X"], ["X", "Y"], 1.0), (["Y"], [], 1.0)],
    )
    sim = StochasticSimulator(net, volume=100.0)
    rng = np.random.default_rng(0)
    finals = []
    for x in (0.2, 0.5, 0.9):
        res = sim.run([int(x * 100), 0], 10.0, n_points=2, random_state=rng)
        finals.append(res.final[1])
        assert res.counts[-1, 0] == int(x * 100)
    # Y settles at X (sd ~ 0.1 / sqrt(X)).
    np.testing.assert_allclose(finals, [0.2, 0.5, 0.9], atol=0.25)
    # A Generator is used as it is: the stream continues across calls.
    a = sim.run([50, 0], 1.0, random_state=np.random.default_rng(1))
    rng = np.random.default_rng(1)
    sim.run([50, 0], 1.0, random_state=rng)
    b = sim.run([50, 0], 1.0, random_state=rng)
    assert not np.array_equal(a.counts, b.counts)


def test_set_rate_constants_changes_the_propensities():
    net = birth_death(2.0, 1.0)
    sim = StochasticSimulator(net, volume=3.0)
    sim.set_rate_constants([4.0, 0.5])
    np.testing.assert_allclose(sim.propensities([6]), [12.0, 3.0])
    with pytest.raises(NetworkError, match=r"rate_constants must have shape \(2,\)"):
        sim.set_rate_constants([1.0])


# -- seeds and layout -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["ssa", "tau-leap"])
def test_same_seed_gives_the_same_numbers(method):
    net = mixed_network()
    kw = dict(method=method, volume=3.0, n_trajectories=3, n_points=21)
    a = simulate_stochastic(net, 2.0, random_state=42, **kw)
    b = simulate_stochastic(net, 2.0, random_state=42, **kw)
    c = simulate_stochastic(net, 2.0, random_state=43, **kw)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.counters == b.counters
    assert not np.array_equal(a.counts, c.counts)


def test_trajectories_are_runs_with_the_derived_seeds():
    net = mixed_network()
    many = simulate_stochastic(net, 2.0, n_trajectories=4, n_points=11, random_state=9)
    sim = StochasticSimulator(net)
    counts = sim.counts_from_concentrations()
    for i, seed in enumerate(trajectory_seeds(9, 4)):
        rng = np.random.default_rng(seed)
        one = sim.run(counts, 2.0, n_points=11, random_state=rng)
        np.testing.assert_array_equal(many.counts[i], one.counts)
    # Trajectory i does not depend on how many are run.
    fewer = simulate_stochastic(net, 2.0, n_trajectories=2, n_points=11, random_state=9)
    single = simulate_stochastic(net, 2.0, n_points=11, random_state=9)
    np.testing.assert_array_equal(fewer.counts, many.counts[:2])
    np.testing.assert_array_equal(single.counts, many.counts[0])


def test_a_generator_seed_is_reproducible():
    net = mixed_network()
    a = simulate_stochastic(net, 1.0, n_trajectories=2,
                            random_state=np.random.default_rng(5))
    b = simulate_stochastic(net, 1.0, n_trajectories=2,
                            random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(a.counts, b.counts)


def test_result_layout(tmp_path):
    net = mixed_network()
    one = simulate_stochastic(net, 1.0, volume=2.0, n_points=6, random_state=0)
    assert isinstance(one, StochasticResult)
    assert one.concentrations.shape == one.counts.shape == (6, 3)
    assert one.final.shape == (3,)
    np.testing.assert_array_equal(one.concentrations, one.counts / 2.0)
    assert one["A"].shape == (6,)
    assert one.method == "ssa" and one.success and one.status == 0

    several = simulate_stochastic(net, 1.0, volume=2.0, n_trajectories=1, n_points=6,
                                  random_state=0)
    assert several.concentrations.shape == (1, 6, 3)
    assert several.final.shape == (1, 3)
    np.testing.assert_array_equal(several.trajectory(0).counts, one.counts)

    mean = several.mean()
    assert mean.concentrations.shape == (6, 3) and mean.counts is None
    np.testing.assert_array_equal(mean.concentrations, several.concentrations[0])
    assert one.mean() is one
    three = simulate_stochastic(net, 1.0, n_trajectories=3, n_points=6, random_state=0)
    np.testing.assert_allclose(
        three.mean().concentrations, three.concentrations.mean(axis=0), rtol=1e-15
    )

    path = tmp_path / "runs.csv"
    several.to_csv(path)
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    assert table.shape == (6, 5)
    assert open(path).readline().strip() == "trajectory,t,A,B,C"


def test_a_network_without_reactions_stays_put():
    net = network([("A", 3.0)], [])
    res = simulate_stochastic(net, 1.0, n_points=4, random_state=0)
    np.testing.assert_array_equal(res.counts[:, 0], [3, 3, 3, 3])
    assert res.counters["reactions_fired"] == 0


def test_step_budget_stops_with_a_warning():
    net = network([("A", 1.0)], [(["A"], {"A": 2}, 1.0)])
    with pytest.warns(StepBudgetWarning, match="max_steps=50"):
        res = simulate_stochastic(net, 10.0, volume=10.0, max_steps=50,
                                  n_points=11, random_state=0)
    assert not res.success and res.status == -1
    assert res.counters["reactions_fired"] == 50
    assert np.isnan(res.concentrations[-1, 0]) and res.counts[-1, 0] == -1


def test_rounding_a_concentration_to_zero_molecules_warns():
    net = network([("A", 0.3), ("B", 2.0)], [(["A"], ["B"], 1.0)])
    with pytest.warns(CountRoundingWarning, match=r"\['A'\]"):
        res = simulate_stochastic(net, 1.0, volume=1.0, random_state=0)
    assert res.counts[0].tolist() == [0, 2]


# -- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"volume": -1.0}, "volume must be finite and > 0; got -1.0"),
        ({"volume": 0}, "volume must be finite and > 0"),
        ({"volume": float("nan")}, "volume must be finite and > 0; got nan"),
        ({"volume": "big"}, "volume must be a number > 0; got 'big'"),
        ({"method": "euler"}, r"one of \('ssa', 'tau-leap'\); got 'euler'"),
        ({"n_trajectories": 0}, "n_trajectories must be an integer >= 1; got 0"),
        ({"n_trajectories": 2.5}, "n_trajectories must be an integer >= 1; got 2.5"),
        ({"epsilon": 1.5}, r"epsilon .* must be in \(0, 1\); got 1.5"),
        ({"epsilon": 0.0}, "epsilon must be finite and > 0"),
        ({"tau": -0.1}, "tau must be finite and > 0; got -0.1"),
        ({"max_steps": 0}, "max_steps must be an integer >= 1; got 0"),
        ({"initial": {"A": float("nan")}}, "concentration of 'A' must be finite"),
        ({"initial": [1.0, -2.0, 0.0]}, "concentrations must be finite and >= 0"),
        ({"t_eval": [0.0, 2.0, 1.0]}, "t_eval must be finite, increasing times"),
        ({"t_eval": [0.0, 5.0]}, "t_eval must end at or before t_end=1.0"),
        ({"random_state": "seed"}, "random_state must be None, an int"),
        ({"random_state": -3}, "random_state must be >= 0; got -3"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(NetworkError, match=match):
        simulate_stochastic(mixed_network(), 1.0, **kwargs)


@pytest.mark.parametrize("t_end", [float("nan"), -1.0, 0.0, float("inf")])
def test_bad_end_time_is_rejected(t_end):
    with pytest.raises(NetworkError, match="t_end must be finite and > 0"):
        simulate_stochastic(mixed_network(), t_end)


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ([1, 2], r"initial_counts must have shape \(3,\).*got shape \(2,\)"),
        ([1, -2, 0], r"whole numbers in \[0, 2\*\*53\]; got \[-2\]"),
        ([1.5, 2, 0], r"whole numbers .* got \[1.5\]"),
        ([np.nan, 2, 0], "whole numbers"),
    ],
)
def test_bad_initial_counts_are_rejected(counts, match):
    sim = StochasticSimulator(mixed_network())
    with pytest.raises(NetworkError, match=match):
        sim.run(counts, 1.0)


def test_empty_network_is_rejected():
    with pytest.raises(NetworkError, match="no species"):
        StochasticSimulator(ReactionNetwork())


def test_too_many_molecules_is_rejected():
    net = network([("A", 1.0)], [(["A"], [], 1.0)])
    with pytest.raises(NetworkError, match="above the exact limit 2\\*\\*53"):
        simulate_stochastic(net, 1.0, volume=1e17)


# -- command line ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["ssa", "tau-leap"])
def test_cli_simulate_runs_stochastic_methods(tmp_path, capsys, method):
    from crnlearn.cli import main

    source = tmp_path / "binding.crn"
    source.write_text("A + B -> C [k = 1]; A @i 1; B @i 1\n")
    args = ["simulate", str(source), "--t-end", "2", "--method", method,
            "--volume", "500", "--seed", "3", "--n-points", "11",
            "--out", str(tmp_path)]
    assert main(args + ["--trajectories", "4"]) == 0
    header = (tmp_path / "binding.csv").read_text().splitlines()[0]
    assert header == "trajectory,t,A,B,C"
    table = np.loadtxt(tmp_path / "binding.csv", delimiter=",", skiprows=1)
    net = ReactionNetwork.from_text("A + B -> C [k = 1]; A @i 1; B @i 1")
    library = simulate_stochastic(
        net, 2.0, method=method, volume=500, n_trajectories=4, n_points=11,
        random_state=3,
    )
    np.testing.assert_allclose(table[:, 2:], library.concentrations.reshape(44, 3))
    assert (tmp_path / "binding.png").read_bytes()[:4] == b"\x89PNG"
    summary = capsys.readouterr().out
    assert f"{method} to t = 2" in summary and "reactions_fired" in summary

    # One trajectory: the deterministic table layout.
    assert main(args) == 0
    assert (tmp_path / "binding.csv").read_text().startswith("t,A,B,C")


def test_cli_simulate_reports_a_bad_volume(tmp_path, capsys):
    from crnlearn.cli import main

    source = tmp_path / "decay.crn"
    source.write_text("A -> 0 [k = 1]; A @i 1\n")
    code = main(["simulate", str(source), "--t-end", "1", "--method", "ssa",
                 "--volume", "-2", "--out", str(tmp_path)])
    assert code == 2
    assert "volume must be finite and > 0; got -2.0" in capsys.readouterr().err
