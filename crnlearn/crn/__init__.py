"""The chemistry engine: networks, mass-action kinetics, simulation, file formats.

Nothing here imports the rest of crnlearn.
"""

from .errors import CRNParseError, NetworkError, SBMLError
from .network import Reaction, ReactionNetwork
from .simulate import NegativeConcentrationWarning, SimulationResult, simulate

__all__ = [
    "CRNParseError",
    "NegativeConcentrationWarning",
    "NetworkError",
    "Reaction",
    "ReactionNetwork",
    "SBMLError",
    "SimulationResult",
    "simulate",
]
