"""Datasets: the reference digits protocol, synthetic tasks and file loaders."""

from .conjunction import (
    conjunction_objects,
    load_conjunction_split,
    make_conjunction_task,
)
from .digits import load_digits_split
from .files import load_mnist, load_npz, read_idx

__all__ = [
    "conjunction_objects",
    "load_conjunction_split",
    "make_conjunction_task",
    "load_digits_split",
    "load_mnist",
    "load_npz",
    "read_idx",
]
