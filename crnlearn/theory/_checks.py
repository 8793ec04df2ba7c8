"""Validation helpers shared by the theory modules: each returns a clean value."""

import math

import numpy as np


def check_gain_range(gain_range, name="gain_range"):
    """Return ``(low, high)`` as floats, checking that ``low < high``.

    Parameters
    ----------
    gain_range : tuple of (float, float)
        An interval ``(low, high)`` holding every gain; for the learning
        network ``(-penalty, reward)``.
    name : str, default="gain_range"
        Argument name used in error messages.

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> check_gain_range((-1, 2))
    (-1.0, 2.0)
    """
    try:
        low, high = (float(value) for value in gain_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a pair (low, high) of numbers; got {gain_range!r}."
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"{name} must be finite with low < high; got ({low}, {high})."
        )
    return low, high


def check_int(name, value, minimum):
    """Return ``value`` as an int, checking that it is an integer >= minimum."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer, float, np.floating))
        or int(value) != value
        or value < minimum
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_positive(name, value):
    """Return ``value`` (float or ndarray), checking it is finite and > 0."""
    array = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{name} must be finite and > 0; got {value!r}.")
    return array if array.ndim else float(array)


def check_rounds(n_rounds):
    """Return horizons (float or ndarray), checking they are finite and >= 0."""
    rounds = np.asarray(n_rounds, dtype=float)
    if not np.all(np.isfinite(rounds)) or np.any(rounds < 0):
        raise ValueError(f"n_rounds must be finite and >= 0; got {n_rounds!r}.")
    return rounds if rounds.ndim else float(rounds)


def as_result(value):
    """A 0-d result as a Python float, anything else as an ndarray."""
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array
