"""The plain-text ``.crn`` format of reaction networks.

The format is the one read by molecular-programming tools such as
crnsimulator and nuskell, with initial values and clamped species::

    # Comments run from '#' to the end of the line.
    A + B -> C [k = 0.2]          # an irreversible reaction
    C <=> 2D [kf = 1, kr = 0.5]   # a reversible pair: two reactions
    D -> [k = 0.1]; -> A [k = 1]  # ';' separates statements on one line
    A @i 1.0                      # initial concentration (default 0)
    B @c 0.5                      # clamped: held at 0.5

Rules:

- Species names are identifiers: a letter or ``_`` followed by letters,
  digits or ``_``. A stoichiometry is a whole number >= 1 written before the
  name, with or without a space (``2C`` or ``2 C``).
- An empty side (a source or a degradation) is written as nothing, ``0``
  or ``∅``; :func:`format_crn` writes nothing, as crnsimulator does.
- Rates go in brackets: ``[k = x]`` after ``->``, ``[kf = x, kr = y]``
  after ``<=>``. A missing rate constant means ``k = 1``. Rate constants
  are non-negative numbers (``1``, ``0.5``, ``1e-3``).
- ``A @i x`` (or ``@initial``) sets the initial concentration of ``A``;
  ``A @c x`` (or ``@constant``) also clamps ``A``. Each species is
  declared at most once. Species that appear only in reactions start at 0.
- Species are numbered in order of first appearance, in reactions or
  declarations.
- Reaction names are not part of the format (SBML keeps them).
"""

import re

from .errors import CRNParseError, NetworkError
from .network import ReactionNetwork

__all__ = ["parse_crn", "format_crn", "format_reaction"]

_SPACE = re.compile(r"[ \t\f\v\r]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_KEYWORD = re.compile(r"[A-Za-z]+")
_ARROWS = ("<=>", "->")
#: The empty-set sign, one way to write an empty side (as are "0" and nothing).
_EMPTY_SET = "∅"
_DECLARATIONS = {"i": False, "initial": False, "c": True, "constant": True}
_RATE_NAMES = {"->": ("k",), "<=>": ("kf", "kr")}
#: Rate constant when a reaction gives none.
DEFAULT_RATE = 1.0


def _describe(char):
    return "the end of the statement" if char == "" else repr(char)


class _Statement:
    """A cursor over one statement (a line, or a part of one between ';')."""

    def __init__(self, line_text, line, start, end):
        self.line_text = line_text
        self.line = line
        self.pos = start
        self.end = end

    def error(self, message, pos=None):
        pos = self.pos if pos is None else pos
        return CRNParseError(message, self.line, pos + 1, self.line_text)

    def skip_space(self):
        self.pos = _SPACE.match(self.line_text, self.pos, self.end).end()

    def peek(self, n=1):
        return self.line_text[self.pos : min(self.pos + n, self.end)]

    def at_end(self):
        self.skip_space()
        return self.pos >= self.end

    def match(self, pattern):
        """Consume and return the text matching ``pattern`` here, or None."""
        self.skip_space()
        found = pattern.match(self.line_text, self.pos, self.end)
        if found is None or not found.group():
            return None
        self.pos = found.end()
        return found.group()

    def literal(self, text):
        self.skip_space()
        fits = self.pos + len(text) <= self.end
        if fits and self.line_text.startswith(text, self.pos):
            self.pos += len(text)
            return True
        return False

    def expect(self, text, what):
        if not self.literal(text):
            raise self.error(f"expected {what}; found {_describe(self.peek())}.")

    def number(self, what):
        self.skip_space()
        start = self.pos
        token = self.match(_NUMBER)
        if token is None:
            raise self.error(
                f"expected {what} (a number); found {_describe(self.peek())}."
            )
        value = float(token)
        if value < 0:
            raise self.error(f"{what} must be >= 0; got {token}.", start)
        if value == float("inf"):
            raise self.error(f"{what} must be finite; got {token}.", start)
        return value, start


def _parse_complex(st):
    """Read ``[n] X + [n] Y ...``: a list of ``(species, count, column)``."""
    terms = []
    st.skip_space()
    if st.literal(_EMPTY_SET):
        return terms
    while True:
        st.skip_space()
        start = st.pos
        digits = st.match(_INTEGER)
        name = st.match(_NAME)
        if digits is not None and name is None:
            if digits == "0" and not terms:
                return terms  # "0": the empty complex
            raise st.error(
                f"expected a species name after the stoichiometry {digits}; "
                f"found {_describe(st.peek())}."
            )
        if name is None:
            if not terms:
                return terms  # nothing: the empty complex
            raise st.error(
                f"expected a species name after '+'; found {_describe(st.peek())}."
            )
        count = int(digits) if digits is not None else 1
        if count == 0:
            raise st.error(
                f"stoichiometry of {name!r} must be a whole number >= 1; got 0.", start
            )
        terms.append((name, count, start))
        if not st.literal("+"):
            return terms


def _parse_rates(st, arrow):
    """Read ``[name = x, ...]`` if present; missing constants are DEFAULT_RATE."""
    allowed = _RATE_NAMES[arrow]
    values = {}
    if not st.literal("["):
        return [DEFAULT_RATE] * len(allowed)
    while True:
        st.skip_space()
        start = st.pos
        key = st.match(_NAME)
        if key is None:
            raise st.error(
                f"expected a rate name ({' or '.join(allowed)}); found "
                f"{_describe(st.peek())}."
            )
        if key not in allowed:
            kind = "a reversible" if arrow == "<=>" else "an irreversible"
            expected = ", ".join(f"{a} = ..." for a in allowed)
            raise st.error(
                f"unknown rate name {key!r}: {kind} reaction takes [{expected}].",
                start,
            )
        if key in values:
            raise st.error(f"rate {key!r} is given twice.", start)
        st.expect("=", f"'=' after {key!r}")
        values[key], _ = st.number(f"rate constant {key}")
        if st.literal("]"):
            break
        st.expect(",", "',' or ']' in the rate list")
    return [values.get(key, DEFAULT_RATE) for key in allowed]


def _parse_statement(st):
    """Parse one statement into a declaration or a reaction record."""
    st.skip_space()
    start = st.pos
    name = st.match(_NAME)
    if name is not None and st.literal("@"):
        keyword_at = st.pos
        keyword = st.match(_KEYWORD)
        if keyword not in _DECLARATIONS:
            raise st.error(
                "expected 'i' (initial value) or 'c' (constant) after '@'; found "
                f"{_describe(keyword or st.peek())}.",
                keyword_at,
            )
        value, _ = st.number(f"the value of {name!r}")
        return ("declare", name, value, _DECLARATIONS[keyword], start)

    st.pos = start
    reactants = _parse_complex(st)
    st.skip_space()
    arrow = next((a for a in _ARROWS if st.literal(a)), None)
    if arrow is None:
        what = "'+', '->' or '<=>'" if reactants else "a reaction or a declaration"
        raise st.error(f"expected {what}; found {_describe(st.peek())}.")
    products = _parse_complex(st)
    rates = _parse_rates(st, arrow)
    return ("react", reactants, products, rates, start)


def _statements(text):
    """Yield a cursor per non-empty statement, with its line and columns."""
    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        start = 0
        for part in line.split(";"):
            end = start + len(part)
            if part.strip():
                yield _Statement(raw, line_number, start, end)
            start = end + 1


def parse_crn(text, name="network"):
    """Read a reaction network from the ``.crn`` text format.

    Parameters
    ----------
    text : str
        The network, in the format described in :mod:`crnlearn.crn.text`.
    name : str, default="network"
        Name of the returned network.

    Returns
    -------
    ReactionNetwork
        A reversible reaction ``A <=> B`` becomes two reactions (forward
        first).

    Raises
    ------
    CRNParseError
        When the text does not follow the format; the error gives the line,
        the column and what was expected there.

    Examples
    --------
    >>> net = parse_crn("A + B -> 2C [k = 0.5]; C <=> D [kf = 1, kr = 2]\\nA @i 1")
    >>> net.species
    ('A', 'B', 'C', 'D')
    >>> net.n_reactions, float(net.initial_concentrations[0])
    (3, 1.0)
    """
    if not isinstance(text, str):
        raise NetworkError(f"text must be a str; got {type(text).__name__}.")

    records = []
    for st in _statements(text):
        record = _parse_statement(st)
        if not st.at_end():
            after = "the rates" if record[0] == "react" else "the value"
            raise st.error(
                f"unexpected {_describe(st.peek())} after {after}; expected ';', "
                f"'#' or the end of the line."
            )
        records.append((st, record))
    if not records:
        raise CRNParseError(
            "the text defines no reactions and no species; expected a reaction "
            "such as 'A -> B [k = 1]' or a declaration such as 'A @i 1'.",
            1,
            1,
            text.splitlines()[0] if text.splitlines() else "",
        )

    # Species in order of first appearance; each declared at most once.
    order, declared = {}, {}
    for st, record in records:
        if record[0] == "declare":
            _, species, value, clamped, column = record
            if species in declared:
                raise st.error(
                    f"species {species!r} is declared twice (first on line "
                    f"{declared[species][2]}).",
                    column,
                )
            declared[species] = (value, clamped, st.line)
            order.setdefault(species, None)
        else:
            for species, _, _ in (*record[1], *record[2]):
                order.setdefault(species, None)

    network = ReactionNetwork(name)
    for species in order:
        value, clamped, _ = declared.get(species, (0.0, False, None))
        network.add_species(species, initial=value, clamped=clamped)
    for st, record in records:
        if record[0] != "react":
            continue
        _, reactants, products, rates, column = record
        sides = [
            [(s, n) for s, n, _ in reactants],
            [(s, n) for s, n, _ in products],
        ]
        left, right = dict(_summed(sides[0])), dict(_summed(sides[1]))
        try:
            network.add_reaction(left, right, rates[0])
            if len(rates) == 2:
                network.add_reaction(right, left, rates[1])
        except NetworkError as exc:
            raise st.error(str(exc), column) from None
    return network


def _summed(terms):
    """Merge repeated species of one side (``A + A`` is ``2A``)."""
    total = {}
    for species, count in terms:
        total[species] = total.get(species, 0) + count
    return total.items()


def _format_number(value):
    """Shortest text that reads back as exactly the same float."""
    return repr(float(value))


def _format_side(side):
    return " + ".join(s if n == 1 else f"{n}{s}" for s, n in side.items())


def format_reaction(reaction):
    """One reaction as a line of the ``.crn`` format.

    Parameters
    ----------
    reaction : Reaction

    Returns
    -------
    str

    Examples
    --------
    >>> from crnlearn.crn import Reaction
    >>> format_reaction(Reaction({"A": 2}, {}, 0.1))
    '2A -> [k = 0.1]'
    """
    parts = [_format_side(reaction.reactants), "->", _format_side(reaction.products)]
    parts.append(f"[k = {_format_number(reaction.rate)}]")
    return " ".join(p for p in parts if p)


def _parse_order(network, declared):
    """The species order that parsing reactions then declarations gives."""
    order = {}
    for r in network.reactions:
        for species in (*r.reactants, *r.products):
            order.setdefault(species, None)
    for species in declared:
        order.setdefault(species, None)
    return tuple(order)


def format_crn(network):
    """Write a network in the ``.crn`` text format.

    Reactions come first, one per line, then the declarations of species with
    a non-zero initial value or a clamp. When that would number the species
    differently from the network (for instance a species in no reaction and
    at 0), every species is declared first, in order. Numbers are written
    with ``repr``, so they read back as exactly the same floats.

    Parameters
    ----------
    network : ReactionNetwork
        A network with at least one species.

    Returns
    -------
    str
        The text; :func:`parse_crn` reads it back into an equal network
        (reaction names aside, which the format does not carry).

    Examples
    --------
    >>> net = parse_crn("A + B -> C [k = 0.2]\\nA @i 1\\nB @c 0.5")
    >>> print(format_crn(net))
    # network: 3 species, 1 reaction
    A + B -> C [k = 0.2]
    A @i 1.0
    B @c 0.5
    <BLANKLINE>
    """
    if network.n_species == 0:
        raise NetworkError("cannot write a network with no species.")

    initial, clamped = network.initial_concentrations, network.clamped
    species = network.species

    def declaration(i):
        tag = "@c" if clamped[i] else "@i"
        return f"{species[i]} {tag} {_format_number(initial[i])}"

    declared = [i for i in range(network.n_species) if initial[i] != 0 or clamped[i]]
    title = " ".join(network.name.split()) or "network"
    plural = "" if network.n_reactions == 1 else "s"
    lines = [
        f"# {title}: {network.n_species} species, {network.n_reactions} "
        f"reaction{plural}"
    ]
    reactions = [format_reaction(r) for r in network.reactions]
    if _parse_order(network, [species[i] for i in declared]) == species:
        lines += reactions + [declaration(i) for i in declared]
    else:
        lines += [declaration(i) for i in range(network.n_species)] + reactions
    return "\n".join(lines) + "\n"
