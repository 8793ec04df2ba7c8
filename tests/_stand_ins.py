"""Seeded stand-ins for the learners in tests of the experiment machinery.

They fit in milliseconds, and their results depend on K and on the seed, so
a sweep that mixed up either would show it.
"""

import numpy as np
from sklearn.neighbors import NearestCentroid


class FeatureSubsetCentroid(NearestCentroid):
    """Nearest centroid on ``n_components`` features drawn at random.

    All the features when there are fewer.
    """

    def __init__(self, n_components=5, random_state=None):
        super().__init__()
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.default_rng(self.random_state)
        k = min(self.n_components, X.shape[1])
        self.columns_ = rng.choice(X.shape[1], size=k, replace=False)
        return super().fit(self._training_features(X[:, self.columns_], rng), y)

    def _training_features(self, X, rng):
        return X

    def predict(self, X):
        return super().predict(X[:, self.columns_])


class NoisyCentroid(FeatureSubsetCentroid):
    """The same, fitted on the chosen features plus Gaussian noise (sd 0.3)."""

    def _training_features(self, X, rng):
        return X + 0.3 * rng.standard_normal(X.shape)
