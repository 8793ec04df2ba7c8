"""Reading and writing network files, with the format chosen by extension."""

from pathlib import Path

from .errors import NetworkError

__all__ = ["read_network", "write_network", "FILE_FORMATS"]

#: File extensions and the format each one means.
FILE_FORMATS = {".crn": "text", ".xml": "sbml", ".sbml": "sbml"}


def file_format(path):
    """The format (``"text"`` or ``"sbml"``) of a file name, by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FILE_FORMATS:
        raise NetworkError(
            f"cannot tell the format of {str(path)!r} from its extension; use one "
            f"of {', '.join(FILE_FORMATS)} (.crn: text, .xml/.sbml: SBML)."
        )
    return FILE_FORMATS[suffix]


def read_network(path):
    """Read a network from a ``.crn`` text file or an SBML file.

    Parameters
    ----------
    path : str or path-like
        The file; ``.crn`` is read by :func:`crnlearn.crn.text.parse_crn`
        (the network is named after the file), ``.xml`` and ``.sbml`` by
        :func:`crnlearn.crn.sbml.read_sbml`.

    Returns
    -------
    ReactionNetwork

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "decay.crn"), "w") as f:
    ...     _ = f.write("A -> [k = 2]; A @i 1")
    >>> read_network(os.path.join(folder, "decay.crn")).name
    'decay'
    """
    kind = file_format(path)
    if kind == "sbml":
        from .sbml import read_sbml

        return read_sbml(Path(path))
    from .text import parse_crn

    text = Path(path).read_text(encoding="utf-8")
    return parse_crn(text, name=Path(path).stem)


def write_network(network, path):
    """Write a network as ``.crn`` text or SBML, by the extension of ``path``.

    Parameters
    ----------
    network : ReactionNetwork
    path : str or path-like
        Ends in ``.crn``, ``.xml`` or ``.sbml``.

    Examples
    --------
    >>> import tempfile, os
    >>> from crnlearn.crn import ReactionNetwork
    >>> path = os.path.join(tempfile.mkdtemp(), "pair.xml")
    >>> write_network(ReactionNetwork.from_text("A <=> B"), path)
    >>> read_network(path).n_reactions
    2
    """
    kind = file_format(path)
    if kind == "sbml":
        from .sbml import write_sbml

        write_sbml(network, path)
        return
    from .text import format_crn

    Path(path).write_text(format_crn(network), encoding="utf-8")
