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
    simulate,
)

try:
    __version__ = version("crnlearn")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "CRNParseError",
    "NetworkError",
    "Reaction",
    "ReactionNetwork",
    "SBMLError",
    "SimulationResult",
    "simulate",
    "__version__",
]
