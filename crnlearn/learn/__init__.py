"""Learning reaction networks: complex selection, network builders, estimators."""

from .classifier import CRNClassifier, optimal_learning_rate
from .signed import SignedCRNClassifier

__all__ = ["CRNClassifier", "SignedCRNClassifier", "optimal_learning_rate"]
