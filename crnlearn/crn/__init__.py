"""The chemistry engine: networks, mass-action kinetics, simulation, file formats.

Nothing here imports the rest of crnlearn.
"""

from .errors import CRNParseError, NetworkError, SBMLError
from .files import read_network, write_network
from .generate import random_network
from .network import Reaction, ReactionNetwork
from .simulate import NegativeConcentrationWarning, SimulationResult, simulate
from .stochastic import (
    CountRoundingWarning,
    StepBudgetWarning,
    StochasticResult,
    StochasticSimulator,
    simulate_stochastic,
)

__all__ = [
    "CRNParseError",
    "NegativeConcentrationWarning",
    "NetworkError",
    "Reaction",
    "ReactionNetwork",
    "SBMLError",
    "SimulationResult",
    "CountRoundingWarning",
    "StepBudgetWarning",
    "StochasticResult",
    "StochasticSimulator",
    "simulate",
    "simulate_stochastic",
    "random_network",
    "read_network",
    "write_network",
]
