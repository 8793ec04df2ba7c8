"""Exceptions of the chemistry engine."""

__all__ = ["NetworkError", "CRNParseError", "SBMLError"]


class NetworkError(ValueError):
    """A reaction network, or an argument about one, is not valid."""


class CRNParseError(NetworkError):
    """Text in the ``.crn`` format could not be read.

    Attributes
    ----------
    line, column : int
        1-based position of the problem in the text.
    """

    def __init__(self, message, line, column, text=None):
        self.line = line
        self.column = column
        self.text = text
        where = f"line {line}, column {column}"
        detail = ""
        if text is not None:
            # Keep tabs in the caret line so that it lines up under the text.
            pad = "".join(c if c == "\t" else " " for c in text[: column - 1])
            detail = f"\n    {text}\n    {pad}^"
        super().__init__(f"{where}: {message}{detail}")


class SBMLError(NetworkError):
    """An SBML document could not be read or written as a mass-action network."""
