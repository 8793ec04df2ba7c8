"""Learning theory of the networks: regret, asymptotics and capacity.

- :mod:`~crnlearn.theory.regret`: regret of each class aggregation over
  time and the EWA bound ``ln K / eta + eta M (a+b)^2 / 8`` (its optimum
  ``(a+b) sqrt(M ln K / 2)``), for any gain sequence or a fitted
  :class:`~crnlearn.CRNClassifier`, and how far two weight histories on
  the same gains (the two backends) can differ in regret;
- :mod:`~crnlearn.theory.integrated`: the regret integrated over a training
  run, of order ``M sqrt(M)``: our reading of the paper's claim;
- :mod:`~crnlearn.theory.asymptotics`: concentration of the weights on the
  experts of largest expected gain (entropy, best-expert weight);
- :mod:`~crnlearn.theory.vc`: VC dimension ``K - 1`` of the two-class
  network, a Natarajan bound ``(C - 1)(K - 1)`` for ``C`` classes, and exact
  shattering checks by linear programming, compared with the spiking
  networks' output layers;
- :mod:`~crnlearn.theory.figures`: plots on given axes;
- :mod:`~crnlearn.theory.report`: the runs and figure set of
  ``crnlearn theory``.

Conventions (see :mod:`~crnlearn.theory.regret`): gains are per presented
sample and lie in ``[-b, a]``; the EWA learning rate that goes with them
is ``learning_rate_ * presentation_time``.
"""

from .asymptotics import (
    ConcentrationResult,
    best_experts,
    classifier_concentration,
    weight_concentration,
    weight_entropy,
)
from .integrated import (
    IntegratedRegretScaling,
    integrated_regret,
    integrated_regret_bound,
    integrated_regret_scaling,
    loglog_slope,
    network_integrated_regret_bound,
    optimal_integrated_learning_rate,
    optimal_integrated_regret_bound,
)
from .regret import (
    RegretResult,
    adversarial_gains,
    classifier_regret,
    ewa_regret_bound,
    ewa_weight_history,
    network_regret_bound,
    optimal_learning_rate,
    optimal_regret_bound,
    regret_difference_bound,
    regret_over_time,
)
from .vc import (
    ShatteringResult,
    binary_realizable,
    capacity_comparison,
    independent_subset,
    multiclass_realizable,
    natarajan_dimension_bounds,
    natarajan_shattered_set,
    natarajan_shattering_check,
    shattered_flux_set,
    shattering_check,
    simplex_pair_from_direction,
    simplex_weights_from_scores,
    vc_dimension_bound,
)

__all__ = [
    "ConcentrationResult",
    "IntegratedRegretScaling",
    "RegretResult",
    "ShatteringResult",
    "adversarial_gains",
    "best_experts",
    "binary_realizable",
    "capacity_comparison",
    "classifier_concentration",
    "classifier_regret",
    "ewa_regret_bound",
    "ewa_weight_history",
    "independent_subset",
    "integrated_regret",
    "integrated_regret_bound",
    "integrated_regret_scaling",
    "loglog_slope",
    "multiclass_realizable",
    "natarajan_dimension_bounds",
    "natarajan_shattered_set",
    "natarajan_shattering_check",
    "network_integrated_regret_bound",
    "network_regret_bound",
    "optimal_integrated_learning_rate",
    "optimal_integrated_regret_bound",
    "optimal_learning_rate",
    "optimal_regret_bound",
    "regret_difference_bound",
    "regret_over_time",
    "shattered_flux_set",
    "shattering_check",
    "simplex_pair_from_direction",
    "simplex_weights_from_scores",
    "vc_dimension_bound",
    "weight_concentration",
    "weight_entropy",
]
