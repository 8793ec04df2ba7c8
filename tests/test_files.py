"""File loaders: .npz archives and MNIST IDX files built here byte by byte."""

import gzip

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from crnlearn.datasets.files import load_mnist, load_npz, read_idx


def idx_bytes(array, type_code=0x08):
    """Encode an array in the IDX layout, written independently of the reader."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4", 0x0E: ">f8"}[type_code]
    header = bytes([0, 0, type_code, array.ndim])
    sizes = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + sizes + np.asarray(array, dtype=dtype).tobytes()


def write_mnist(folder, images, labels, test_images, test_labels, compress):
    parts = {
        "train-images-idx3-ubyte": images,
        "train-labels-idx1-ubyte": labels,
        "t10k-images-idx3-ubyte": test_images,
        "t10k-labels-idx1-ubyte": test_labels,
    }
    for stem, array in parts.items():
        data = idx_bytes(array)
        if compress:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)


@pytest.fixture
def tiny_mnist():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(7, 3, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    test_images = rng.integers(0, 256, size=(4, 3, 4), dtype=np.uint8)
    test_labels = rng.integers(0, 10, size=4, dtype=np.uint8)
    return images, labels, test_images, test_labels


def test_npz_round_trip_matches_reference_split(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((60, 5))
    y = rng.integers(0, 3, size=60)
    path = tmp_path / "toy.npz"
    np.savez(path, X=X, y=y)

    split = load_npz(path)

    ref = train_test_split(X, y, test_size=0.2, random_state=42)
    for got, want in zip(split, ref, strict=True):
        np.testing.assert_array_equal(got, want)
    assert split.name == "toy"
    assert split.image_shape is None


def test_npz_with_own_split_and_images(tmp_path):
    rng = np.random.default_rng(1)
    X_train = rng.random((10, 2, 3))
    X_test = rng.random((4, 2, 3))
    y_train, y_test = np.arange(10) % 2, np.arange(4) % 2
    path = tmp_path / "img.npz"
    np.savez(path, X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test)

    split = load_npz(path, name="images")

    np.testing.assert_array_equal(split.X_train, X_train.reshape(10, 6))
    np.testing.assert_array_equal(split.X_test, X_test.reshape(4, 6))
    np.testing.assert_array_equal(split.y_test, y_test)
    assert split.image_shape == (2, 3)
    assert split.name == "images"


def test_npz_errors_name_the_problem(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, X=np.zeros((5, 2)), y=np.zeros(4))
    with pytest.raises(ValueError, match="5 rows of X and 4 labels"):
        load_npz(path)

    np.savez(path, features=np.zeros((5, 2)))
    with pytest.raises(ValueError, match="must hold arrays 'X' and 'y'"):
        load_npz(path)

    np.savez(path, X=np.zeros((5, 6)), y=np.zeros(5), image_shape=[2, 2])
    with pytest.raises(ValueError, match="does not match the 6 features"):
        load_npz(path)

    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_npz(tmp_path / "missing.npz")


@pytest.mark.parametrize("type_code", [0x08, 0x0B, 0x0D, 0x0E])
def test_read_idx_types(tmp_path, type_code):
    array = np.arange(24).reshape(2, 3, 4)
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(array, type_code))

    got = read_idx(path)

    assert got.shape == (2, 3, 4)
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_plain_and_gzipped(tmp_path, tiny_mnist, compress):
    images, labels, test_images, test_labels = tiny_mnist
    write_mnist(tmp_path, *tiny_mnist, compress=compress)

    split = load_mnist(tmp_path)

    np.testing.assert_allclose(split.X_train, images.reshape(7, 12) / 255.0, rtol=0)
    np.testing.assert_allclose(split.X_test, test_images.reshape(4, 12) / 255.0, rtol=0)
    np.testing.assert_array_equal(split.y_train, labels)
    np.testing.assert_array_equal(split.y_test, test_labels)
    assert split.image_shape == (3, 4)
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0


def test_load_mnist_limits(tmp_path, tiny_mnist):
    write_mnist(tmp_path, *tiny_mnist, compress=True)
    split = load_mnist(tmp_path, max_train=5, max_test=2)
    assert split.X_train.shape == (5, 12)
    assert split.y_test.shape == (2,)
    with pytest.raises(ValueError, match="max_train must be >= 1"):
        load_mnist(tmp_path, max_train=0)


def test_bad_magic_number(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(bytes([0, 1, 8, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="not an IDX file: its magic number is 000108"):
        read_idx(path)
    path.write_bytes(gzip.compress(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 5])))
    with pytest.raises(ValueError, match="magic number is 00004201"):
        read_idx(path)


def test_size_mismatch_in_file(tmp_path):
    data = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    path = tmp_path / "short"
    path.write_bytes(data[:-1])
    with pytest.raises(ValueError, match=r"holds 11 bytes .* shape \(3, 2, 2\)"):
        read_idx(path)


def test_labels_images_mismatch(tmp_path, tiny_mnist):
    images, labels, test_images, test_labels = tiny_mnist
    write_mnist(tmp_path, images, labels[:6], test_images, test_labels, compress=False)
    with pytest.raises(ValueError, match=r"must have shape \(7,\) to match"):
        load_mnist(tmp_path)


def test_missing_mnist_part(tmp_path, tiny_mnist):
    write_mnist(tmp_path, *tiny_mnist, compress=False)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="no MNIST test labels"):
        load_mnist(tmp_path)
