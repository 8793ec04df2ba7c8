"""Turning feature values into input concentrations.

Every learner in crnlearn reads its inputs as concentrations (chemical
learners) or firing probabilities (spiking networks), both in ``[0, 1]``. The
encoding is part of each estimator so that the chemical and the spiking
models are compared on identical inputs.

- ``"minmax"`` learns per-feature bounds on the training data and maps them
  to ``[0, 1]``; a constant feature maps to 0; values outside the training
  range are clipped to ``[0, 1]`` at prediction time.
- ``None`` takes the data as concentrations already and rejects values
  outside ``[0, 1]``.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ConcentrationEncoder", "check_concentrations", "ENCODINGS"]

ENCODINGS = ("minmax", None)


def check_concentrations(X, name="X"):
    """Raise a clear error unless every value of ``X`` lies in ``[0, 1]``."""
    X = np.asarray(X)
    if X.size and (X.min() < 0.0 or X.max() > 1.0):
        raise ValueError(
            f"{name} must hold concentrations in [0, 1] when encoding=None; got "
            f"values in [{X.min():.6g}, {X.max():.6g}]. Rescale the data, or use "
            f"encoding='minmax' to learn the map from the training data."
        )
    return X


class ConcentrationEncoder(TransformerMixin, BaseEstimator):
    """Map features to input concentrations in ``[0, 1]``.

    Parameters
    ----------
    encoding : {"minmax", None}, default="minmax"
        ``"minmax"`` learns the map on the data passed to ``fit``; ``None``
        checks that the data are concentrations already.

    Attributes
    ----------
    data_min_, data_range_ : ndarray of shape (n_features,)
        The learned bounds (``"minmax"`` only); a constant feature has range 1
        so that it maps to 0.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> enc = ConcentrationEncoder().fit([[0.0, 5.0], [2.0, 5.0]])
    >>> enc.transform([[1.0, 5.0], [4.0, 5.0]])
    array([[0.5, 0. ],
           [1. , 0. ]])
    """

    def __init__(self, encoding="minmax"):
        self.encoding = encoding

    def fit(self, X, y=None):
        if self.encoding not in ENCODINGS:
            raise ValueError(
                f"encoding must be one of {ENCODINGS}; got {self.encoding!r}."
            )
        X = validate_data(self, X, dtype=np.float64)
        if self.encoding is None:
            check_concentrations(X)
        else:
            self.data_min_ = X.min(axis=0)
            data_range = X.max(axis=0) - self.data_min_
            self.data_range_ = np.where(data_range > 0, data_range, 1.0)
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.encoding is None:
            return check_concentrations(X)
        Z = (X - self.data_min_) / self.data_range_
        return np.clip(Z, 0.0, 1.0, out=Z)
