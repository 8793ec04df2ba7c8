"""Theory plots draw on given axes (crnlearn.theory.figures)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from crnlearn.theory import (  # noqa: E402
    classifier_regret,
    ewa_weight_history,
    integrated_regret_scaling,
    regret_over_time,
    weight_concentration,
)
from crnlearn.theory.figures import (  # noqa: E402
    plot_concentration,
    plot_integrated_regret,
    plot_regret,
    plot_regret_scaling,
    plot_vc,
    vc_checks,
)


@pytest.fixture
def ax():
    fig = plt.figure()
    yield fig.gca()
    plt.close(fig)


def _run(n_rounds=300, shape=(3,), n_experts=5, eta=0.2, seed=0):
    rng = np.random.default_rng(seed)
    gains = rng.uniform(-1, 1, (n_rounds, *shape, n_experts))
    gains[..., 0] += 0.3
    gains = np.clip(gains, -1, 1)
    return gains, ewa_weight_history(gains, eta)


def test_plot_regret_draws_classes_and_bounds(ax):
    gains, weights = _run()
    result = regret_over_time(gains, weights, 0.2, (-1, 1))
    plot_regret(ax, result, label="EWA")
    # three classes, the largest, the bound and the tuned bound
    assert len(ax.lines) == 3 + 3
    np.testing.assert_allclose(ax.lines[-2].get_ydata(), result.bound)
    assert ax.get_xscale() == "log"


def test_plot_regret_scaling_reports_the_slope(ax):
    m = np.array([100, 400, 1600])
    plot_regret_scaling(ax, m, 2 * np.sqrt(m), 3 * np.sqrt(m), label="run")
    assert "slope 0.50" in ax.lines[0].get_label()


def test_plot_integrated_regret(ax):
    scaling = integrated_regret_scaling([100, 400, 1600])
    plot_integrated_regret(ax, scaling)
    assert f"{scaling.slope:.3f}" in ax.lines[0].get_label()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), scaling.bound)


def test_plot_concentration_averages_classes(ax):
    gains, weights = _run()
    result = weight_concentration(weights, gains)
    plot_concentration(ax, result)
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(), result.best_weight.mean(axis=1)
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_vc_checks_and_plot(ax, n_classes):
    records = vc_checks([3, 4], n_classes=n_classes, random_state=0)
    assert all(r["shattered"] for r in records)
    if n_classes == 2:
        assert all(r["unshattered"] for r in records)
        assert [r["upper"] for r in records] == [2, 3]
    else:
        assert [r["shattered_size"] for r in records] == [3, 4]
    plot_vc(ax, records)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [3, 4])


class _FittedStandIn:
    """Attributes of a fitted CRNClassifier, built from exact EWA."""

    def __init__(self, gains, learning_rate, presentation_time, reward, penalty):
        self.gains_ = gains
        self.learning_rate_ = learning_rate
        self.presentation_time = presentation_time
        self.reward_ = reward
        self.penalty_ = penalty
        self.weight_history_ = ewa_weight_history(
            gains, learning_rate * presentation_time
        )


def test_classifier_regret_uses_the_effective_rate_and_the_gain_range():
    rng = np.random.default_rng(1)
    fluxes = rng.random((200, 6))
    labels = rng.integers(0, 3, 200)
    sign = np.where(labels[:, None] == np.arange(3), 2.0, -0.5)
    gains = sign[:, :, None] * fluxes[:, None, :]
    clf = _FittedStandIn(gains, learning_rate=0.05, presentation_time=4.0,
                         reward=2.0, penalty=0.5)
    result = classifier_regret(clf)
    assert result.learning_rate == pytest.approx(0.2, rel=1e-14)
    assert result.gain_range == (-0.5, 2.0)
    assert result.regret.shape == (200, 3)
    assert result.within_bound()


def test_classifier_regret_needs_a_fitted_classifier():
    with pytest.raises(ValueError, match="Call fit first"):
        classifier_regret(object())


def test_theory_command_writes_figures_and_index(tmp_path):
    import json

    from crnlearn.cli import main

    out = tmp_path / "theory"
    assert main(["theory", "--out", str(out), "--seed", "1"]) == 0
    record = json.loads((out / "index.json").read_text())
    files = {entry["file"] for entry in record["figures"]}
    assert files == {"regret.png", "integrated_regret.png", "concentration.png",
                     "vc.png"}
    assert all((out / name).stat().st_size > 10_000 for name in files)

    numbers = {entry["file"]: entry["numbers"] for entry in record["figures"]}
    for backend in ("closed-form", "chemistry"):
        assert numbers["regret.png"][backend]["within_bound"]
    scaling = numbers["regret.png"]["scaling"]
    assert all(r <= b for r, b in zip(scaling["final_regret_max"], scaling["bound"],
                                      strict=True))
    for sequence in ("alternating", "random"):
        assert abs(numbers["integrated_regret.png"][sequence]["slope"] - 1.5) < 0.05
    assert numbers["concentration.png"]["known_best"]["best_is_red"]
    assert all(r["shattered"] and r["unshattered"]
               for r in numbers["vc.png"]["binary"])
