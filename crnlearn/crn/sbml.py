"""Reading and writing mass-action networks as SBML, with python-libsbml.

:func:`write_sbml` writes SBML Level 3 Version 2: one compartment of size 1
(so a kinetic law, an amount per time, equals the rate of change of
concentrations), every species with its ``initialConcentration`` (clamped
species have ``boundaryCondition`` and ``constant`` true), one global
parameter ``k_<reaction id>`` per rate constant, and the mass-action law
``k_r * A * B^2``. Quantities are dimensionless. Numbers are written so that
they read back as exactly the same floats.

:func:`read_sbml` reads such models back, and models from other tools when
every kinetic law is a mass-action monomial: a product (in any order, with
divisions by constants allowed) of numbers, parameters (local or global),
the compartment size, and species concentrations raised to whole powers.
The exponent of each reactant must equal its stoichiometry; a species in
the law that is not a reactant (a modifier, a product) acts as a catalyst
and appears on both sides of the reaction. A law written as a difference
``forward - reverse`` of two such monomials, the forward one in the
reactants and the reverse one in the products, becomes two reactions
``<id>_forward`` and ``<id>_reverse``. Anything else (rate laws such as
Michaelis-Menten, sums, rules, events, initial assignments, several
compartments) is refused with an :class:`SBMLError` that names the reaction
or element and the formula. Function definitions are expanded first.
"""

import os
import re
import sys

import libsbml

from .errors import NetworkError, SBMLError
from .network import SPECIES_NAME, ReactionNetwork

__all__ = ["read_sbml", "write_sbml", "SBML_LEVEL", "SBML_VERSION"]

SBML_LEVEL, SBML_VERSION = 3, 2
#: Id of the single compartment (made unique if a species has this name).
COMPARTMENT_ID = "cell"
#: Most libsbml messages shown when a document cannot be read.
MAX_REPORTED_ERRORS = 5
_NUMBER_TYPES = (
    libsbml.AST_INTEGER,
    libsbml.AST_REAL,
    libsbml.AST_REAL_E,
    libsbml.AST_RATIONAL,
)
_POWER_TYPES = (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER)
_START_TAG = re.compile(r"<(parameter|species)\s[^>]*>")
_ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')


# -- writing --------------------------------------------------------------------


def _unique_id(base, taken):
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def _model_id(name):
    sid = re.sub(r"[^A-Za-z0-9_]", "_", name) or "network"
    return sid if SPECIES_NAME.match(sid) else "_" + sid


def _check_writable(value, what):
    if value != 0 and abs(value) < sys.float_info.min:
        raise SBMLError(
            f"{what} is {float(value)!r}, a subnormal number that SBML readers "
            f"(libsbml) cannot read back; use 0 or a value >= "
            f"{sys.float_info.min!r}."
        )


def _check(status, what):
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLError(
            f"libsbml refused to set {what}: "
            f"{libsbml.OperationReturnValue_toString(status)}."
        )


def _name_node(sid):
    node = libsbml.ASTNode(libsbml.AST_NAME)
    node.setName(sid)
    return node


def _mass_action_law(parameter, reactants):
    """AST of ``parameter * A * B^n`` (built node by node: ids such as ``pi``
    or ``time`` stay plain names)."""
    factors = [_name_node(parameter)]
    for species, count in reactants.items():
        if count == 1:
            factors.append(_name_node(species))
        else:
            power = libsbml.ASTNode(libsbml.AST_POWER)
            power.addChild(_name_node(species))
            exponent = libsbml.ASTNode(libsbml.AST_INTEGER)
            exponent.setValue(int(count))
            power.addChild(exponent)
            factors.append(power)
    if len(factors) == 1:
        return factors[0]
    product = libsbml.ASTNode(libsbml.AST_TIMES)
    for factor in factors:
        product.addChild(factor)
    return product


def _restore_precision(xml, exact):
    """Rewrite numbers that libsbml printed with 15 digits.

    ``exact`` maps a parameter or species id to ``(attribute, text)``; the
    text is ``repr`` of the float, which reads back exactly.
    """

    def fix(match):
        tag = match.group(0)
        found = _ID_ATTRIBUTE.search(tag)
        if found is None or found.group(1) not in exact:
            return tag
        attribute, text = exact[found.group(1)]
        return re.sub(
            rf'\s{attribute}="[^"]*"', f' {attribute}="{text}"', tag, count=1
        )

    return _START_TAG.sub(fix, xml)


def write_sbml(network, path=None):
    """Write a network as an SBML Level 3 Version 2 document.

    Parameters
    ----------
    network : ReactionNetwork
        A network with at least one species.
    path : str or path-like, optional
        Also write the document to this file.

    Returns
    -------
    str
        The SBML document. Species ids are the species names; reaction ids
        are the reaction names, or ``r1``, ``r2``, ... (by position) for
        unnamed reactions; the rate constant of reaction ``r`` is the global
        parameter ``k_r``.

    Raises
    ------
    SBMLError
        When a reaction name is also a species name (SBML ids share one
        namespace), or a number cannot be represented.

    Examples
    --------
    >>> net = ReactionNetwork.from_text("A + B -> 2C [k = 0.5]; A @i 1")
    >>> xml = write_sbml(net)
    >>> 'boundaryCondition="false"' in xml and "<power/>" not in xml
    True
    >>> read_sbml(xml).species
    ('A', 'B', 'C')
    """
    if network.n_species == 0:
        raise SBMLError("cannot write a network with no species as SBML.")
    species_ids = set(network.species)
    for r in network.reactions:
        if r.name is not None and r.name in species_ids:
            raise SBMLError(
                f"reaction name {r.name!r} is also a species name; SBML ids must "
                f"be unique, so rename the reaction."
            )

    taken = set(species_ids) | {r.name for r in network.reactions if r.name}
    reaction_ids = [
        r.name if r.name is not None else _unique_id(f"r{j + 1}", taken)
        for j, r in enumerate(network.reactions)
    ]
    compartment = _unique_id(COMPARTMENT_ID, taken)
    parameter_ids = [_unique_id(f"k_{rid}", taken) for rid in reaction_ids]
    model_id = _unique_id(_model_id(network.name), taken)

    document = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    model = document.createModel()
    _check(model.setId(model_id), f"the model id {model_id!r}")
    model.setName(network.name)
    for unit in ("Substance", "Time", "Volume", "Extent"):
        getattr(model, f"set{unit}Units")("dimensionless")

    comp = model.createCompartment()
    comp.setId(compartment)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    comp.setUnits("dimensionless")
    comp.setConstant(True)

    exact = {}
    initial, clamped = network.initial_concentrations, network.clamped
    for name, c0, fixed in zip(network.species, initial, clamped, strict=True):
        _check_writable(c0, f"the initial concentration of {name!r}")
        sp = model.createSpecies()
        _check(sp.setId(name), f"the species id {name!r}")
        sp.setCompartment(compartment)
        sp.setInitialConcentration(float(c0))
        sp.setHasOnlySubstanceUnits(False)
        sp.setBoundaryCondition(bool(fixed))
        sp.setConstant(bool(fixed))
        exact[name] = ("initialConcentration", repr(float(c0)))

    for r, rid, pid in zip(network.reactions, reaction_ids, parameter_ids, strict=True):
        _check_writable(r.rate, f"the rate constant of reaction {rid!r}")
        parameter = model.createParameter()
        parameter.setId(pid)
        parameter.setValue(r.rate)
        parameter.setUnits("dimensionless")
        parameter.setConstant(True)
        exact[pid] = ("value", repr(float(r.rate)))

        reaction = model.createReaction()
        _check(reaction.setId(rid), f"the reaction id {rid!r}")
        reaction.setReversible(False)
        for side, create in ((r.reactants, reaction.createReactant),
                             (r.products, reaction.createProduct)):
            for name, count in side.items():
                ref = create()
                ref.setSpecies(name)
                ref.setStoichiometry(float(count))
                ref.setConstant(True)
        law = reaction.createKineticLaw()
        _check(law.setMath(_mass_action_law(pid, r.reactants)), f"the law of {rid!r}")

    xml = _restore_precision(libsbml.writeSBMLToString(document), exact)
    if path is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(xml)
    return xml


# -- reading --------------------------------------------------------------------


class _NotMassAction(Exception):
    """A kinetic law that is not a mass-action monomial (the reason inside)."""


def _load_document(source):
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not source.lstrip().startswith("<")
    ):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise SBMLError(f"cannot read SBML: no file {path!r}.")
        document, origin = libsbml.readSBMLFromFile(path), f"file {path!r}"
    elif isinstance(source, str):
        document, origin = libsbml.readSBMLFromString(source), "the SBML text"
    else:
        raise SBMLError(
            "source must be a path or an SBML string; got "
            f"{type(source).__name__}."
        )

    problems = []
    for i in range(document.getNumErrors()):
        error = document.getError(i)
        if error.isError() or error.isFatal():
            lines = [x.strip() for x in error.getMessage().splitlines() if x.strip()]
            detail = lines[-1] if lines else error.getShortMessage()
            if detail.startswith("Reference:"):
                detail = error.getShortMessage()
            problems.append(f"line {error.getLine()}: {detail.rstrip('.')}")
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED_ERRORS])
        more = len(problems) - MAX_REPORTED_ERRORS
        extra = f" (and {more} more)" if more > 0 else ""
        raise SBMLError(f"cannot read SBML from {origin}: {shown}{extra}.")
    if document.getModel() is None:
        raise SBMLError(f"the SBML document in {origin} has no model.")
    return document


def _expand_function_definitions(document):
    if document.getModel().getNumFunctionDefinitions() == 0:
        return
    properties = libsbml.ConversionProperties()
    properties.addOption("expandFunctionDefinitions", True)
    if document.convert(properties) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLError(
            "the model's function definitions could not be expanded into its "
            "kinetic laws."
        )


def _refuse_unsupported(document, model):
    # Level 2 has no packages; libsbml still attaches some (layout) to it.
    packages = document.getNumPlugins() if document.getLevel() >= 3 else 0
    for i in range(packages):
        package = document.getPlugin(i).getPackageName()
        # libsbml attaches L3V2's extended MathML to every document as a package.
        if package != "l3v2extendedmath" and document.getPackageRequired(package):
            raise SBMLError(
                f"the model requires the SBML package {package!r}, which a "
                f"mass-action network cannot represent."
            )
    counts = {
        "rules": model.getNumRules(),
        "events": model.getNumEvents(),
        "initial assignments": model.getNumInitialAssignments(),
    }
    for what, count in counts.items():
        if count:
            raise SBMLError(
                f"the model has {count} {what}; a mass-action network cannot "
                f"represent {what}. Remove them, or apply them to the model's "
                f"values first."
            )
    if model.isSetConversionFactor():
        raise SBMLError("the model sets a conversionFactor; it is not supported.")


def _compartment_size(model):
    used = {model.getSpecies(i).getCompartment() for i in range(model.getNumSpecies())}
    if len(used) != 1:
        raise SBMLError(
            f"the species live in {len(used)} compartments ({sorted(used)}); only "
            f"single-compartment models can be read as a mass-action network."
        )
    (cid,) = used
    compartment = model.getCompartment(cid)
    if compartment is None:
        raise SBMLError(f"the species' compartment {cid!r} is not defined.")
    size = compartment.getSize()
    if not compartment.isSetSize() or not size > 0 or size == float("inf"):
        raise SBMLError(
            f"compartment {cid!r} must have a finite size > 0; got "
            f"{'no size' if not compartment.isSetSize() else size}."
        )
    return cid, size


def _read_species(model, volume):
    species = []
    for i in range(model.getNumSpecies()):
        s = model.getSpecies(i)
        sid = s.getId()
        if s.isSetConversionFactor():
            raise SBMLError(f"species {sid!r} sets a conversionFactor; not supported.")
        if s.isSetInitialConcentration():
            c0 = s.getInitialConcentration()
        elif s.isSetInitialAmount():
            c0 = s.getInitialAmount() / volume
        else:
            raise SBMLError(
                f"species {sid!r} has no initialConcentration or initialAmount."
            )
        clamped = s.getBoundaryCondition() or s.getConstant()
        species.append((sid, c0, clamped, s.getHasOnlySubstanceUnits()))
    return species


class _Symbols:
    """What the names in one kinetic law refer to.

    Parameters
    ----------
    reaction : libsbml.Reaction
        Its kinetic law's local parameters come first.
    model_names : dict
        ``species`` (set of ids), ``amounts`` (ids of species given in
        amounts), ``parameters`` (id to libsbml.Parameter), ``compartment``
        and ``volume``: built once per model (libsbml looks ids up by a
        linear scan).
    """

    def __init__(self, reaction, model_names):
        law = reaction.getKineticLaw()
        self.local = {}
        for i in range(law.getNumParameters()):
            p = law.getParameter(i)
            self.local[p.getId()] = p
        self.names = model_names
        self.volume = model_names["volume"]

    def value_of(self, name):
        """``(coefficient, {species: exponent})`` of one name."""
        names = self.names
        if name in self.local:
            return self._parameter(self.local[name]), {}
        if name in names["species"]:
            # A species with hasOnlySubstanceUnits stands for its amount.
            scale = self.volume if name in names["amounts"] else 1.0
            return scale, {name: 1}
        if name == names["compartment"]:
            return self.volume, {}
        if name in names["parameters"]:
            return self._parameter(names["parameters"][name]), {}
        raise _NotMassAction(f"the name {name!r} is not a parameter or a species")

    @staticmethod
    def _parameter(parameter):
        if not parameter.isSetValue():
            raise _NotMassAction(f"parameter {parameter.getId()!r} has no value")
        return parameter.getValue()


def _monomial(node, symbols):
    """Reduce a law to ``coefficient * prod species ** exponent``."""
    kind = node.getType()
    if kind in _NUMBER_TYPES:
        return node.getValue(), {}
    if kind == libsbml.AST_NAME:
        return symbols.value_of(node.getName())
    if kind == libsbml.AST_TIMES:
        coefficient, exponents = 1.0, {}
        for i in range(node.getNumChildren()):
            c, e = _monomial(node.getChild(i), symbols)
            coefficient *= c
            for s, n in e.items():
                exponents[s] = exponents.get(s, 0) + n
        return coefficient, exponents
    if kind == libsbml.AST_DIVIDE:
        top, top_exp = _monomial(node.getChild(0), symbols)
        try:
            bottom, bottom_exp = _monomial(node.getChild(1), symbols)
        except _NotMassAction as reason:
            raise _NotMassAction(
                f"it divides by an expression that is not constant ({reason})"
            ) from None
        if bottom_exp:
            raise _NotMassAction(
                f"it divides by the species {sorted(bottom_exp)}"
            )
        return top / bottom, top_exp
    if kind in _POWER_TYPES:
        base, base_exp = _monomial(node.getChild(0), symbols)
        power, power_exp = _monomial(node.getChild(1), symbols)
        if power_exp:
            raise _NotMassAction("an exponent depends on a species")
        if base_exp and not (float(power).is_integer() and power >= 0):
            raise _NotMassAction(
                f"the species {sorted(base_exp)} are raised to the power {power:g}, "
                f"not a whole number"
            )
        return base**power, {s: n * int(power) for s, n in base_exp.items()}
    if kind == libsbml.AST_MINUS and node.getNumChildren() == 1:
        c, e = _monomial(node.getChild(0), symbols)
        return -c, e
    if kind == libsbml.AST_PLUS:
        raise _NotMassAction("it is a sum")
    if kind == libsbml.AST_MINUS:
        raise _NotMassAction("it has a difference inside a product")
    what = node.getName() or libsbml.formulaToL3String(node)
    raise _NotMassAction(f"it uses {what!r}")


def _as_reaction(monomial, reactants, products, direction):
    """Match a monomial to the reactants: ``(reactants, products, k)``.

    Reactant exponents must equal their stoichiometry; any other species in
    the monomial is a catalyst, added to both sides.
    """
    coefficient, exponents = monomial
    where = f"the {direction} term" if direction else "the law"
    for species, count in reactants.items():
        if exponents.get(species, 0) != count:
            raise _NotMassAction(
                f"{where} has {species!r} to the power "
                f"{exponents.get(species, 0)}, but its stoichiometry is {count}"
            )
    catalysts = {s: n for s, n in exponents.items() if s not in reactants and n}
    left = dict(reactants)
    right = dict(products)
    for species, n in catalysts.items():
        left[species] = left.get(species, 0) + n
        right[species] = right.get(species, 0) + n
    return left, right, coefficient


def _side(reaction, which):
    refs = reaction.getListOfReactants() if which == "reactants" else (
        reaction.getListOfProducts()
    )
    side = {}
    for ref in refs:
        if ref.isSetStoichiometryMath():
            raise SBMLError(
                f"reaction {reaction.getId()!r} sets a stoichiometry by a formula; "
                f"not supported."
            )
        n = ref.getStoichiometry()
        if not (n == n and n >= 0 and float(n).is_integer()):
            raise SBMLError(
                f"reaction {reaction.getId()!r} gives species {ref.getSpecies()!r} "
                f"the stoichiometry {n!r}; a mass-action network needs whole "
                f"numbers."
            )
        if n:
            side[ref.getSpecies()] = side.get(ref.getSpecies(), 0) + int(n)
    return side


def _read_reaction(reaction, model_names, taken):
    """The one or two ``(reactants, products, k, name)`` of a reaction.

    ``model_names`` tells what the names in the kinetic law refer to (see
    :class:`_Symbols`); ``taken`` holds the ids in use, for split reactions.
    """
    rid = reaction.getId()
    if reaction.isSetFast() and reaction.getFast():
        raise SBMLError(f"reaction {rid!r} is a fast reaction; not supported.")
    if not reaction.isSetKineticLaw() or reaction.getKineticLaw().getMath() is None:
        raise SBMLError(f"reaction {rid!r} has no kinetic law.")
    symbols = _Symbols(reaction, model_names)
    math = reaction.getKineticLaw().getMath()
    reactants, products = _side(reaction, "reactants"), _side(reaction, "products")
    volume = symbols.volume
    try:
        if math.getType() == libsbml.AST_MINUS and math.getNumChildren() == 2:
            forward = _as_reaction(
                _monomial(math.getChild(0), symbols), reactants, products, "forward"
            )
            reverse = _as_reaction(
                _monomial(math.getChild(1), symbols), products, reactants, "reverse"
            )
            names = (
                _unique_id(f"{rid}_forward", taken),
                _unique_id(f"{rid}_reverse", taken),
            )
            found = [forward, reverse]
        else:
            found = [_as_reaction(_monomial(math, symbols), reactants, products, "")]
            names = (rid,)
    except _NotMassAction as reason:
        raise SBMLError(
            f"reaction {rid!r} does not have a mass-action kinetic law: {reason} "
            f"(law: {_law_text(reaction)})."
        ) from None
    # The law is an amount per time; concentrations change by law / volume.
    return [
        (left, right, k / volume, name)
        for (left, right, k), name in zip(found, names, strict=True)
    ]


def _law_text(reaction):
    """The kinetic law of a reaction in infix notation, for messages."""
    return libsbml.formulaToL3String(reaction.getKineticLaw().getMath())


def read_sbml(source):
    """Read a mass-action reaction network from SBML.

    Parameters
    ----------
    source : str or path-like
        A path to an SBML file, or the SBML document itself (a string that
        starts with ``<``).

    Returns
    -------
    ReactionNetwork
        Named after the model (its id, else its name); species keep their
        ids and order, reactions keep their ids as names.

    Raises
    ------
    SBMLError
        When the document cannot be read (the libsbml messages, with line
        numbers), or when it is not a single-compartment mass-action model
        (the reaction or element at fault and its formula).

    Notes
    -----
    A species is clamped when it has ``boundaryCondition`` or ``constant``
    set. Initial amounts are divided by the compartment size. A compartment
    size other than 1 is folded into the rate constants, so that the
    network's concentrations follow the same equations as the model's.

    Examples
    --------
    >>> net = ReactionNetwork.from_text("A <=> B [kf = 2, kr = 1]; A @i 1")
    >>> again = read_sbml(write_sbml(net))
    >>> again.rate_constants
    array([2., 1.])
    """
    document = _load_document(source)
    _expand_function_definitions(document)
    model = document.getModel()
    _refuse_unsupported(document, model)
    if model.getNumSpecies() == 0:
        raise SBMLError("the model has no species.")

    compartment, volume = _compartment_size(model)
    species = _read_species(model, volume)
    name = model.getId() or model.getName() or "network"
    network = ReactionNetwork(name)
    for sid, c0, clamped, _ in species:
        try:
            network.add_species(sid, initial=c0, clamped=clamped)
        except NetworkError as exc:
            raise SBMLError(f"species {sid!r}: {exc}") from None

    amounts = {sid for sid, _, _, only_amounts in species if only_amounts}
    taken = {model.getReaction(i).getId() for i in range(model.getNumReactions())}
    taken |= set(network.species)
    model_names = {
        "species": set(network.species),
        "amounts": amounts,
        "parameters": {p.getId(): p for p in model.getListOfParameters()},
        "compartment": compartment,
        "volume": volume,
    }
    for i in range(model.getNumReactions()):
        reaction = model.getReaction(i)
        for left, right, k, rname in _read_reaction(reaction, model_names, taken):
            try:
                network.add_reaction(left, right, k, name=rname)
            except NetworkError as exc:
                raise SBMLError(
                    f"reaction {reaction.getId()!r} (law: {_law_text(reaction)}): "
                    f"{exc}"
                ) from None
    return network
