"""Datasets read from local files: NumPy ``.npz`` archives and MNIST IDX files.

Both loaders return a :class:`~crnlearn.datasets.digits.DatasetSplit`, so a
file-based dataset runs through the same experiments as the bundled digits.
Nothing is downloaded: the files must already be on disk.

The IDX format (used by MNIST) is a 4-byte magic number -- two zero bytes, a
type code and the number of dimensions -- followed by one big-endian 32-bit
size per dimension and the values in row-major order, big-endian. Files may be
gzip-compressed; compression is recognised from the file's first bytes, not
from its name.
"""

import gzip
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from .digits import SPLIT_SEED, TEST_SIZE, DatasetSplit

__all__ = ["load_npz", "read_idx", "load_mnist", "IDX_TYPES", "MNIST_FILES"]

#: IDX type codes and the big-endian NumPy types they stand for.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
#: The first two bytes of every gzip stream.
GZIP_MAGIC = b"\x1f\x8b"
#: Largest pixel value of MNIST's 8-bit grey levels; pixels are divided by it.
MNIST_MAX_PIXEL = 255.0
#: File names of the four MNIST parts, without the optional ``.gz`` suffix. The
#: second spelling (a dot before ``idx``) is how several mirrors name them.
MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def _check_file(path, what):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{what} {str(path)!r} does not exist or is not a file."
        )
    return path


def _check_xy(X, y, source):
    """Validate a feature matrix and its labels; images are flattened."""
    X = np.asarray(X)
    y = np.asarray(y)
    image_shape = None
    if X.ndim == 3:
        image_shape = tuple(int(s) for s in X.shape[1:])
        X = X.reshape(len(X), -1)
    if X.ndim != 2:
        raise ValueError(
            f"X in {source} must have shape (n_samples, n_features) or "
            f"(n_samples, height, width); got shape {X.shape}."
        )
    if y.ndim != 1:
        raise ValueError(f"y in {source} must have shape (n_samples,); got {y.shape}.")
    if len(X) != len(y):
        raise ValueError(
            f"X and y in {source} must hold the same number of samples; got "
            f"{len(X)} rows of X and {len(y)} labels."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X in {source} must be real numbers; got dtype {X.dtype}.")
    X = X.astype(float)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X in {source} holds NaN or infinite values.")
    return X, y, image_shape


def load_npz(path, *, test_size=TEST_SIZE, random_state=SPLIT_SEED, name=None):
    """Load a classification dataset from a NumPy ``.npz`` archive.

    The archive holds either ``X`` and ``y`` (split here, stratified by
    nothing, like the reference digits protocol) or the four arrays
    ``X_train``, ``X_test``, ``y_train``, ``y_test`` (used as they are). ``X``
    may be a stack of images of shape ``(n_samples, height, width)``; it is
    then flattened and the image shape recorded. An optional
    ``image_shape`` array gives the shape of flat images. Values are not
    rescaled: the estimators encode features as concentrations themselves.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    test_size : float, default=0.2
        Fraction held out for testing when the archive holds ``X`` and ``y``.
    random_state : int, default=42
        Seed of that split (the reference protocol's).
    name : str, optional
        Name of the dataset in reports; default the file's stem.

    Returns
    -------
    DatasetSplit
        Unpacks as ``X_train, X_test, y_train, y_test``.

    Raises
    ------
    ValueError
        When arrays are missing or their shapes disagree.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.npz")
    >>> rng = np.random.default_rng(0)
    >>> np.savez(path, X=rng.random((50, 4)), y=np.arange(50) % 2)
    >>> split = load_npz(path)
    >>> split.X_train.shape, split.X_test.shape
    ((40, 4), (10, 4))
    """
    path = _check_file(path, "npz file")
    name = path.stem if name is None else str(name)
    with np.load(path, allow_pickle=False) as archive:
        keys = set(archive.files)
        parts = ("X_train", "X_test", "y_train", "y_test")
        if set(parts) <= keys:
            X_train, y_train, shape_train = _check_xy(
                archive["X_train"], archive["y_train"], f"{path} (train)"
            )
            X_test, y_test, shape_test = _check_xy(
                archive["X_test"], archive["y_test"], f"{path} (test)"
            )
            if X_train.shape[1] != X_test.shape[1]:
                raise ValueError(
                    f"X_train and X_test in {path} must have the same number of "
                    f"features; got {X_train.shape[1]} and {X_test.shape[1]}."
                )
            image_shape = shape_train or shape_test
        elif {"X", "y"} <= keys:
            X, y, image_shape = _check_xy(archive["X"], archive["y"], str(path))
            if not 0.0 < float(test_size) < 1.0:
                raise ValueError(f"test_size must be in (0, 1); got {test_size!r}.")
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=test_size, random_state=random_state
            )
        else:
            raise ValueError(
                f"{path} must hold arrays 'X' and 'y' (or 'X_train', 'X_test', "
                f"'y_train', 'y_test'); it holds {sorted(keys)}."
            )
        if "image_shape" in keys and image_shape is None:
            image_shape = tuple(int(s) for s in np.ravel(archive["image_shape"]))
    if image_shape is not None and int(np.prod(image_shape)) != X_train.shape[1]:
        raise ValueError(
            f"image_shape {image_shape} in {path} does not match the "
            f"{X_train.shape[1]} features of X."
        )
    return DatasetSplit(
        X_train, X_test, y_train, y_test, name=name, image_shape=image_shape
    )


def _read_bytes(path):
    with open(path, "rb") as handle:
        head = handle.read(2)
    opener = gzip.open if head == GZIP_MAGIC else open
    try:
        with opener(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc


def read_idx(path):
    """Read one IDX file (plain or gzip-compressed) into an array.

    Parameters
    ----------
    path : str or path-like
        The IDX file, for example ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    ndarray
        The array with the shape written in the file's header, in native
        byte order (``uint8`` for MNIST images and labels).

    Raises
    ------
    ValueError
        When the magic number is not an IDX one, or the file holds more or
        fewer values than its header announces.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = _check_file(path, "IDX file")
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise ValueError(
            f"{path} is not an IDX file: its magic number is {raw[:4].hex() or 'empty'}"
            f"; expected 0000 followed by a type code in "
            f"{[f'{code:02x}' for code in IDX_TYPES]} and the number of dimensions."
        )
    dtype = IDX_TYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(
            f"{path} has a truncated IDX header: {ndim} dimensions announced, "
            f"{len(raw)} bytes in the file."
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        raise ValueError(
            f"{path} holds {found} bytes of data but its header announces shape "
            f"{shape} of {dtype.name}, which needs {expected} bytes; the file is "
            f"truncated or not an IDX file."
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def _find_mnist_file(directory, part):
    for stem in MNIST_FILES[part]:
        for suffix in ("", ".gz"):
            candidate = directory / (stem + suffix)
            if candidate.is_file():
                return candidate
    tried = ", ".join(f"{stem}[.gz]" for stem in MNIST_FILES[part])
    raise FileNotFoundError(
        f"no MNIST {part.replace('_', ' ')} in {directory}: tried {tried}."
    )


def _mnist_part(directory, kind):
    images = read_idx(_find_mnist_file(directory, f"{kind}_images"))
    labels = read_idx(_find_mnist_file(directory, f"{kind}_labels"))
    if images.ndim != 3:
        raise ValueError(
            f"MNIST {kind} images in {directory} must have shape "
            f"(n_images, height, width); got {images.shape}."
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"MNIST {kind} labels in {directory} must have shape ({len(images)},) to "
            f"match the images; got {labels.shape}."
        )
    return images, labels


def _mnist_pixels(images):
    """Flatten images; 8-bit grey levels become concentrations in [0, 1]."""
    X = images.reshape(len(images), -1).astype(float)
    if images.dtype == np.uint8:
        X /= MNIST_MAX_PIXEL
    return X


def load_mnist(directory, *, max_train=None, max_test=None, name="mnist"):
    """Load MNIST (or any dataset in its layout) from local IDX files.

    The directory holds ``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte``, each optionally gzip-compressed (``.gz``);
    the spelling with a dot before ``idx`` is accepted too. The files' own
    train/test split is kept. Unsigned-byte pixels are divided by 255, so
    each is a concentration in ``[0, 1]`` like the digits protocol's; other
    value types are kept as they are.

    Parameters
    ----------
    directory : str or path-like
        Folder holding the four files.
    max_train, max_test : int, optional
        Keep only the first images of each part (all by default).
    name : str, default="mnist"
        Name of the dataset in reports.

    Returns
    -------
    DatasetSplit
        With ``image_shape`` the images' shape, ``(28, 28)`` for MNIST.

    Raises
    ------
    FileNotFoundError
        When a part is missing.
    ValueError
        When a file is not IDX, or images and labels disagree in number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> def idx(shape, values):
    ...     head = bytes([0, 0, 8, len(shape)])
    ...     return head + np.array(shape, ">u4").tobytes() + bytes(values)
    >>> for kind, n in (("train", 3), ("t10k", 2)):
    ...     _ = (folder / f"{kind}-images-idx3-ubyte").write_bytes(
    ...         idx((n, 2, 2), range(4 * n)))
    ...     _ = (folder / f"{kind}-labels-idx1-ubyte").write_bytes(
    ...         idx((n,), range(n)))
    >>> split = load_mnist(folder)
    >>> split.X_train.shape, split.image_shape
    ((3, 4), (2, 2))
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"MNIST directory {str(directory)!r} does not exist.")
    parts = {}
    for kind, limit in (("train", max_train), ("test", max_test)):
        images, labels = _mnist_part(directory, kind)
        if limit is not None:
            if int(limit) < 1:
                raise ValueError(f"max_{kind} must be >= 1; got {limit!r}.")
            images, labels = images[: int(limit)], labels[: int(limit)]
        parts[kind] = (images, labels.astype(np.int64))
    shape_train = parts["train"][0].shape[1:]
    shape_test = parts["test"][0].shape[1:]
    if shape_train != shape_test:
        raise ValueError(
            f"MNIST train and test images in {directory} must have the same shape; "
            f"got {shape_train} and {shape_test}."
        )
    X_train, X_test = (
        _mnist_pixels(parts[kind][0]) for kind in ("train", "test")
    )
    return DatasetSplit(
        X_train,
        X_test,
        parts["train"][1],
        parts["test"][1],
        name=name,
        image_shape=tuple(int(s) for s in shape_train),
    )
