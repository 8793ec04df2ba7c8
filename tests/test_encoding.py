import numpy as np
import pytest

from crnlearn.datasets import load_digits_split
from crnlearn.encoding import ConcentrationEncoder, check_concentrations


def test_minmax_maps_training_range_to_unit_interval():
    X = np.array([[0.0, 5.0, -1.0], [2.0, 5.0, 3.0], [1.0, 5.0, 1.0]])
    Z = ConcentrationEncoder().fit_transform(X)
    np.testing.assert_allclose(Z[:, 0], [0.0, 1.0, 0.5])
    np.testing.assert_allclose(Z[:, 1], 0.0)  # a constant feature maps to 0
    np.testing.assert_allclose(Z[:, 2], [0.0, 1.0, 0.5])


def test_minmax_clips_outside_training_range():
    enc = ConcentrationEncoder().fit([[0.0], [1.0]])
    Z = enc.transform([[-3.0], [0.25], [7.0]])
    np.testing.assert_allclose(Z, [[0.0], [0.25], [1.0]])


def test_identity_encoding_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"concentrations in \[0, 1\].*1\.5"):
        ConcentrationEncoder(encoding=None).fit([[0.5], [1.5]])
    enc = ConcentrationEncoder(encoding=None).fit([[0.0], [1.0]])
    with pytest.raises(ValueError, match="encoding='minmax'"):
        enc.transform([[-0.1]])


def test_rejects_nan_and_unknown_encoding():
    with pytest.raises(ValueError, match="NaN"):
        ConcentrationEncoder().fit([[np.nan]])
    with pytest.raises(ValueError, match="encoding must be one of"):
        ConcentrationEncoder(encoding="zscore").fit([[0.0]])


def test_check_concentrations_accepts_bounds():
    X = np.array([[0.0, 1.0]])
    assert check_concentrations(X) is not None


def test_digits_split_is_the_reference_protocol():
    X_train, X_test, y_train, y_test = load_digits_split()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))
