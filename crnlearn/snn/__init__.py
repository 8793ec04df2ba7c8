"""Spiking baselines: discrete-time linear Hawkes units and their classifier.

- :mod:`~crnlearn.snn.hawkes`: the units, the spike simulation of a layer,
  the triple-coincidence gains and the EWA / PWA training of a layer;
- :mod:`~crnlearn.snn.classifier`: :class:`SpikingClassifier`, the network
  with or without a hidden layer of pair detectors (docs/MODEL.md section 4).
"""

from .classifier import SpikingClassifier
from .hawkes import (
    HawkesLayer,
    InputLayer,
    candidate_pairs,
    coincidence_gains,
    fit_aggregation,
    hawkes_spikes,
    input_spikes,
)

__all__ = [
    "SpikingClassifier",
    "HawkesLayer",
    "InputLayer",
    "candidate_pairs",
    "coincidence_gains",
    "fit_aggregation",
    "hawkes_spikes",
    "input_spikes",
]
