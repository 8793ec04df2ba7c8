"""The reference handwritten-digit protocol (docs/MODEL.md section 5)."""

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

__all__ = ["DatasetSplit", "load_digits_split"]

#: Fraction of the 1,797 images held out for testing in the reference protocol.
TEST_SIZE = 0.2
#: Seed of the reference split; fixed by the protocol, not a tuning choice.
SPLIT_SEED = 42
#: Largest pixel value of scikit-learn's 8x8 digits (4-bit grey levels).
DIGITS_MAX_PIXEL = 16.0


@dataclass(frozen=True)
class DatasetSplit:
    """A train/test split of a classification dataset.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_test, n_features)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
    name : str
        A short name for reports.
    image_shape : tuple of int or None
        The shape of one image when the features are pixels.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    name: str = "data"
    image_shape: tuple | None = None

    def __iter__(self):
        """Unpack as ``X_train, X_test, y_train, y_test`` like scikit-learn."""
        return iter((self.X_train, self.X_test, self.y_train, self.y_test))


def load_digits_split():
    """The reference protocol: scikit-learn's bundled 8x8 digits.

    Pixels are divided by 16, so every feature is a concentration in
    ``[0, 1]``; the split is ``train_test_split(test_size=0.2,
    random_state=42)``: 1,437 training and 360 test images.

    Returns
    -------
    DatasetSplit
        Unpacks as ``X_train, X_test, y_train, y_test``.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_digits_split()
    >>> X_train.shape, X_test.shape
    ((1437, 64), (360, 64))
    """
    digits = load_digits()
    X = digits.data / DIGITS_MAX_PIXEL
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=TEST_SIZE, random_state=SPLIT_SEED
    )
    return DatasetSplit(
        X_train, X_test, y_train, y_test, name="digits", image_shape=(8, 8)
    )
