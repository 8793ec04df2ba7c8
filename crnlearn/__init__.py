"""crnlearn: learning in chemical reaction networks under mass-action kinetics.

The package builds the learning chemical reaction network of Jaffard &
Sbalzarini (2026), the spiking networks it is compared with, the learning
theory behind it, and the handwritten-digit experiment.
"""

from importlib.metadata import PackageNotFoundError, version

from .crn import (
    CRNParseError,
    NetworkError,
    Reaction,
    ReactionNetwork,
    SBMLError,
    SimulationResult,
    StochasticSimulator,
    simulate,
    simulate_stochastic,
)
from .learn import CRNClassifier, SignedCRNClassifier
from .snn import SpikingClassifier

try:
    __version__ = version("crnlearn")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "CRNClassifier",
    "CRNParseError",
    "NetworkError",
    "Reaction",
    "ReactionNetwork",
    "SBMLError",
    "SignedCRNClassifier",
    "SimulationResult",
    "SpikingClassifier",
    "StochasticSimulator",
    "simulate",
    "simulate_stochastic",
    "__version__",
]
