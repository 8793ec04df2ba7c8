"""Tests of the robustness studies and of the perturbed network they train."""

import json

import numpy as np
import pytest

from crnlearn.cli import main
from crnlearn.datasets import load_digits_split
from crnlearn.experiments.perturbation import (
    EXPERT_ROLES,
    RateFactors,
    closed_form_check,
    draw_rate_factors,
    perturb_network,
    perturbed_scores,
    perturbed_training,
)
from crnlearn.experiments.robustness import (
    JSON_NAME,
    NOISE_FIGURE,
    VOLUME_FIGURE,
    rate_noise_study,
)
from crnlearn.learn import CRNClassifier
from crnlearn.learn.network import build_learning_network


@pytest.fixture(scope="module")
def fitted():
    """A closed-form fit on 300 digits, K = 8, and its training fluxes."""
    X_train, X_test, y_train, y_test = load_digits_split()
    X, y = X_train[:300], y_train[:300]
    clf = CRNClassifier(n_reactions=8, random_state=0).fit(X, y)
    order = clf.presentation_order_
    fluxes = clf.complex_fluxes(X[order])
    targets = np.searchsorted(clf.classes_, y[order])
    return clf, fluxes, targets, (X_test, y_test)


def test_unperturbed_closed_form_is_the_ewa(fitted):
    clf, fluxes, targets, _ = fitted
    C, K = clf.weights_.shape
    weights, history = perturbed_training(
        fluxes, targets, C, RateFactors.ones(C, K),
        learning_rate=clf.learning_rate_, reward=clf.reward_, penalty=clf.penalty_,
        return_history=True,
    )
    np.testing.assert_allclose(weights, clf.weights_, rtol=1e-10)
    np.testing.assert_allclose(history, clf.weight_history_, rtol=1e-10)


def test_batch_equals_one_by_one(fitted):
    clf, fluxes, targets, _ = fitted
    C, K = clf.weights_.shape
    items = [draw_rate_factors(C, K, 0.4, random_state=s) for s in range(3)]
    kw = {"learning_rate": clf.learning_rate_, "reward": clf.reward_,
          "penalty": clf.penalty_}
    batch = perturbed_training(fluxes, targets, C, RateFactors.stack(items), **kw)
    for i, item in enumerate(items):
        alone = perturbed_training(fluxes, targets, C, item, **kw)
        np.testing.assert_allclose(batch[i], alone, rtol=1e-13)


def test_closed_form_matches_perturbed_rate_equations():
    """The quasi-steady-state closed form against the perturbed network's ODE;
    the gap is O(eta / k_y): ten times the read-out rate, about a tenth."""
    coarse = closed_form_check(n_samples=15, readout_rate=1e3, sigma=0.5)
    fine = closed_form_check(n_samples=15, readout_rate=1e4, sigma=0.5)
    assert fine["max_weight_change"] > 0.03  # the weights did move
    assert fine["max_abs_gap"] < 1e-3 * fine["max_weight_change"]
    assert fine["max_abs_gap"] < coarse["max_abs_gap"] / 5


def test_draw_rate_factors():
    zero = draw_rate_factors(3, 4, 0.0, random_state=1)
    for role in (*EXPERT_ROLES, "decay"):
        np.testing.assert_array_equal(getattr(zero, role), 1.0)
    a = draw_rate_factors(3, 4, 0.2, random_state=1)
    b = draw_rate_factors(3, 4, 0.6, random_state=1)
    # One z per rate constant and seed, whatever the spread.
    np.testing.assert_allclose(np.log(b.reward), 3 * np.log(a.reward))
    np.testing.assert_allclose(np.log(b.decay), 3 * np.log(a.decay))
    read = draw_rate_factors(3, 4, 0.6, random_state=1, target="read-out")
    np.testing.assert_array_equal(read.readout, b.readout)
    np.testing.assert_array_equal(read.normpenalty, 1.0)
    learning = draw_rate_factors(3, 4, 0.6, random_state=1, target="learning")
    np.testing.assert_array_equal(learning.decay, 1.0)
    np.testing.assert_array_equal(learning.penalty, b.penalty)
    with pytest.raises(ValueError, match="target must be one of"):
        draw_rate_factors(3, 4, 0.1, target="outputs")
    with pytest.raises(ValueError, match="sigma must be finite and >= 0"):
        draw_rate_factors(3, 4, -0.1)


def test_perturb_network():
    complexes = [(0,), (0, 1)]
    network, _ = build_learning_network(complexes, 2, 2, learning_rate=0.1)
    factors = draw_rate_factors(2, 2, 0.5, random_state=0)
    new = perturb_network(network, complexes, factors)
    rates = {r.name: r.rate for r in new.reactions}
    base = {r.name: r.rate for r in network.reactions}
    for name, factor in [
        ("reward_1_0_1", factors.reward[1, 1]),
        ("normpenalty_0_0", factors.normpenalty[0, 0]),
        ("readout_0_0", factors.readout[0, 0]),
        ("decay_1", factors.decay[1]),
    ]:
        assert rates[name] == pytest.approx(base[name] * factor, rel=1e-14)
    other, _ = build_learning_network(complexes, 2, 2, normalisation="complexes")
    with pytest.raises(ValueError, match="normalisation='output'"):
        perturb_network(other, complexes, factors)


def test_perturbed_scores_use_readout_gains():
    factors = draw_rate_factors(2, 3, 0.5, random_state=0)
    fluxes = np.array([[0.2, 0.5, 1.0]])
    weights = np.full((2, 3), 1.0 / 3)
    expected = [
        sum(factors.readout[c, k] / factors.decay[c] * weights[c, k] * fluxes[0, k]
            for k in range(3))
        for c in range(2)
    ]
    np.testing.assert_allclose(perturbed_scores(fluxes, weights, factors)[0], expected)


def test_rate_noise_study_at_zero_spread(fitted):
    clf, _, _, _ = fitted
    split = load_digits_split()
    result = rate_noise_study(
        split, (0.0, 0.5), n_reactions=8, n_seeds=2, n_train=300, random_state=0
    )
    for rows in result["summary"].values():
        assert rows[0]["sigma"] == 0.0
        assert rows[0]["accuracy_mean"] == result["deterministic_accuracy"]
    assert result["n_networks"] == 3 * 2 * 2
    assert 0.0 < result["relative_margin_median"] < 1.0


def test_command_writes_its_files(tmp_path, capsys):
    out = tmp_path / "report"
    code = main([
        "robustness", "--out", str(out), "--n-reactions", "5", "--n-train", "150",
        "--volumes", "100", "1e4", "--volume-seeds", "1", "--sigmas", "0", "0.3",
        "--noise-seeds", "2", "--no-check",
    ])
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([JSON_NAME, VOLUME_FIGURE, NOISE_FIGURE])  # no temp files
    record = json.loads((out / JSON_NAME).read_text())
    assert [r["volume"] for r in record["volume"]["summary"]] == [100.0, 1e4]
    assert record["volume"]["n_train"] == 150
    for name in (VOLUME_FIGURE, NOISE_FIGURE):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "accuracy against the volume" in printed
    assert "read-out rates perturbed" in printed


def test_command_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["robustness", "--volumes", "0"])
    assert "must be a number > 0" in capsys.readouterr().err
