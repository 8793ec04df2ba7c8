"""Datasets: the reference digits protocol, synthetic tasks and file loaders."""

from .digits import load_digits_split

__all__ = ["load_digits_split"]
