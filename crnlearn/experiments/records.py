"""Result records on disk: one JSON file per finished run, written atomically.

A sweep writes each run's record the moment it finishes: into a temporary
file in the same folder, flushed and synced to disk, then renamed over its
final name with :func:`os.replace` (atomic on POSIX and Windows), and the
folder itself synced. An interrupted sweep therefore loses only the runs
still in progress and never leaves a half-written record; a temporary file
left by a killed process is ignored and removed by the next
:class:`RecordStore`. Running the same sweep again skips every run whose
record exists: the record's file name is its key (model, K, seed, dataset
and parameters).

Layout of an output folder::

    DIR/dataset.json         the dataset the records belong to
    DIR/records/<key>.json   one record per finished run
    DIR/artifacts/*.json     extra data for figures (concentration trajectories)
"""

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

__all__ = [
    "RecordStore",
    "RecordWarning",
    "atomic_write",
    "write_json",
    "read_json",
    "REQUIRED_FIELDS",
]

logger = logging.getLogger(__name__)

#: Fields every record holds; a file without them is not a record.
REQUIRED_FIELDS = (
    "key",
    "model",
    "n_components",
    "seed_index",
    "random_state",
    "params",
    "dataset",
    "accuracy",
    "fit_time",
    "predict_time",
)
#: Prefix and suffix of temporary files, so a crash leaves recognisable litter.
TMP_PREFIX, TMP_SUFFIX = ".", ".tmp"


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions of written files: those of a plain ``open`` under the process's
#: umask (``mkstemp`` alone would make them private to the owner).
FILE_MODE = 0o666 & ~_current_umask()


class RecordWarning(UserWarning):
    """A file in a records folder could not be read as a record."""


def _fsync_directory(directory):
    # Makes the rename itself durable; not every platform can open folders.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, content):
    """Write a file so that readers see either the old or the whole new one.

    The content goes to a temporary file in the same folder, which is flushed,
    synced to disk and renamed over ``path``; the folder is then synced.

    Parameters
    ----------
    path : str or path-like
        Destination; its folder must exist.
    content : str or bytes
        The whole new content (text is written as UTF-8).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(path, "hello")
    >>> path.read_text()
    'hello'
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    fd, tmp = tempfile.mkstemp(
        prefix=TMP_PREFIX + path.name + ".", suffix=TMP_SUFFIX, dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # POSIX only
                os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Also on KeyboardInterrupt: never leave the temporary file behind.
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(path.parent)


def write_json(path, obj):
    """Atomically write ``obj`` as indented JSON (see :func:`atomic_write`)."""
    atomic_write(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")


def read_json(path):
    """Read a JSON file; ``None`` when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


class RecordStore:
    """The records of an output folder.

    Parameters
    ----------
    root : str or path-like
        The output folder; created with its ``records/`` sub-folder if
        missing. Temporary files left there by an interrupted writer are
        removed.

    Attributes
    ----------
    root : Path
    records_dir : Path
        Where the record files live.

    Examples
    --------
    >>> import tempfile
    >>> store = RecordStore(tempfile.mkdtemp())
    >>> record = dict.fromkeys(REQUIRED_FIELDS, 0) | {"key": "crn-K10-s0-abc"}
    >>> store.write(record)
    >>> store.has("crn-K10-s0-abc"), len(store.load())
    (True, 1)
    """

    def __init__(self, root):
        self.root = Path(root)
        self.records_dir = self.root / "records"
        self.records_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.records_dir.glob(TMP_PREFIX + "*" + TMP_SUFFIX):
            logger.info("removing %s, left by an interrupted write", stale.name)
            stale.unlink(missing_ok=True)

    def path(self, key):
        """File of the record with this key."""
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"record key must be a plain file name; got {key!r}.")
        return self.records_dir / f"{key}.json"

    def has(self, key):
        """Whether a record with this key has been written."""
        return self.path(key).is_file()

    def keys(self):
        """Keys of every record file, sorted."""
        return sorted(p.stem for p in self.records_dir.glob("*.json"))

    def write(self, record):
        """Atomically write one record (a JSON-serialisable dict with a ``key``)."""
        missing = [name for name in REQUIRED_FIELDS if name not in record]
        if missing:
            raise ValueError(f"record is missing the fields {missing}.")
        write_json(self.path(record["key"]), record)

    def load(self):
        """Every valid record, sorted by key.

        Files that are not valid JSON or lack a required field are skipped with
        a :class:`RecordWarning` (atomic writes make these impossible unless
        files are edited by hand).
        """
        records = []
        for path in sorted(self.records_dir.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                warnings.warn(
                    f"skipping {path}: not a readable JSON record ({exc}).",
                    RecordWarning,
                    stacklevel=2,
                )
                continue
            missing = [name for name in REQUIRED_FIELDS if name not in record]
            if missing or record.get("key") != path.stem:
                warnings.warn(
                    f"skipping {path}: not a record (missing {missing} or a key that "
                    f"differs from the file name).",
                    RecordWarning,
                    stacklevel=2,
                )
                continue
            records.append(record)
        return records
