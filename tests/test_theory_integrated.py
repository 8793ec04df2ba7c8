"""Regret integrated over a run, of order M sqrt(M) (crnlearn.theory.integrated)."""

import numpy as np
import pytest

from crnlearn.aggregation import cumulative_regret
from crnlearn.theory import (
    ewa_regret_bound,
    ewa_weight_history,
    integrated_regret,
    integrated_regret_bound,
    integrated_regret_scaling,
    loglog_slope,
    network_integrated_regret_bound,
    optimal_integrated_learning_rate,
    optimal_integrated_regret_bound,
    optimal_learning_rate,
)

HORIZONS = [400, 800, 1600, 3200, 6400, 12800, 25600]


def test_integrated_bound_is_the_sum_of_the_bounds():
    for n_rounds in (1, 7, 250):
        naive = sum(
            ewa_regret_bound(m, 5, 0.3, (-0.5, 1.5)) for m in range(1, n_rounds + 1)
        )
        assert integrated_regret_bound(
            n_rounds, 5, 0.3, (-0.5, 1.5), presentation_time=2.0
        ) == pytest.approx(2.0 * naive, rel=1e-12)


@pytest.mark.parametrize(("n_rounds", "n_experts"), [(99, 2), (1437, 50)])
def test_integrated_optimal_rate_minimises_the_integrated_bound(n_rounds, n_experts):
    eta = optimal_integrated_learning_rate(n_rounds, n_experts, (-0.2, 1.0))
    grid = eta * np.exp(np.linspace(-2, 2, 4001))
    bounds = integrated_regret_bound(n_rounds, n_experts, grid, (-0.2, 1.0))
    assert grid[bounds.argmin()] == pytest.approx(eta, rel=2e-3)
    assert integrated_regret_bound(n_rounds, n_experts, eta, (-0.2, 1.0)) == (
        pytest.approx(
            optimal_integrated_regret_bound(n_rounds, n_experts, (-0.2, 1.0)),
            rel=1e-12,
        )
    )
    # about sqrt(2) times the rate tuned for the final regret alone
    ratio = eta / optimal_learning_rate(n_rounds, n_experts, (-0.2, 1.0))
    assert ratio == pytest.approx(np.sqrt(2 * n_rounds / (n_rounds + 1)), rel=1e-12)


def test_optimal_integrated_bound_has_slope_three_halves():
    rounds = np.array(HORIZONS)
    bound = optimal_integrated_regret_bound(rounds, 10)
    assert loglog_slope(rounds, bound) == pytest.approx(1.5, abs=2e-3)
    network = network_integrated_regret_bound(rounds, 10, n_classes=10)
    np.testing.assert_allclose(network, 10 * bound, rtol=1e-14)


def test_integrated_regret_is_a_weighted_cumulative_sum():
    regret = np.array([[0.5, 0.0], [1.0, 2.0], [1.5, 1.0]])
    np.testing.assert_allclose(
        integrated_regret(regret, presentation_time=0.5),
        0.5 * np.array([[0.5, 0.0], [1.5, 2.0], [3.0, 3.0]]),
    )


def test_alternating_run_has_slope_three_halves():
    scaling = integrated_regret_scaling(HORIZONS, n_experts=4, sequence="alternating")
    assert scaling.slope == pytest.approx(1.5, abs=0.02)
    assert np.all(scaling.integrated_regret <= scaling.bound)
    # the run reaches about half of the bound at every horizon
    assert np.all((scaling.fraction > 0.45) & (scaling.fraction < 0.6))


def test_random_run_has_slope_three_halves():
    scaling = integrated_regret_scaling(
        HORIZONS, n_experts=4, sequence="random", n_repeats=8, random_state=0
    )
    assert scaling.slope == pytest.approx(1.5, abs=0.04)
    assert np.all(scaling.integrated_regret <= scaling.bound)


def test_final_regret_of_the_same_runs_has_slope_one_half():
    # the contrast: the regret itself grows like sqrt(M), its integral like
    # M sqrt(M)
    final = []
    for n_rounds in HORIZONS:
        gains = np.tile([[1.0, -1.0], [-1.0, 1.0]], (n_rounds // 2, 1))
        eta = optimal_integrated_learning_rate(n_rounds, 2)
        final.append(cumulative_regret(gains, ewa_weight_history(gains, eta))[-1])
    assert loglog_slope(HORIZONS, final) == pytest.approx(0.5, abs=0.02)


def test_fixed_rate_gives_slope_two():
    # without tuning to the horizon the alternating regret grows linearly and
    # its integral like M^2: the order M sqrt(M) needs the optimised rate.
    measured = []
    for n_rounds in HORIZONS:
        gains = np.tile([[1.0, -1.0], [-1.0, 1.0]], (n_rounds // 2, 1))
        regret = cumulative_regret(gains, ewa_weight_history(gains, 0.2))
        measured.append(integrated_regret(regret)[-1])
    assert loglog_slope(HORIZONS, measured) == pytest.approx(2.0, abs=0.02)


def test_scaling_rejects_bad_arguments():
    with pytest.raises(ValueError, match="sequence must be one of"):
        integrated_regret_scaling([10, 20], sequence="sine")
    with pytest.raises(ValueError, match="at least two integers"):
        integrated_regret_scaling([10])
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1.0, 2.0], [0.0, 1.0])
