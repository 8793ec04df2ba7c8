"""SBML: writing valid documents, reading ours and other tools' models back."""

import libsbml
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crnlearn.cli import main
from crnlearn.crn import ReactionNetwork, SBMLError, simulate
from crnlearn.crn.files import read_network
from crnlearn.crn.generate import random_network
from crnlearn.crn.sbml import read_sbml, write_sbml

# -- writing --------------------------------------------------------------------


def consistency_messages(xml):
    """All libsbml consistency messages (errors and warnings) of a document."""
    document = libsbml.readSBMLFromString(xml)
    document.checkConsistency()
    return [
        f"{document.getError(i).getSeverityAsString()}: "
        f"{document.getError(i).getMessage()}"
        for i in range(document.getNumErrors())
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_written_sbml_passes_libsbml_consistency_checks(seed):
    net = random_network(15, 40, max_order=3, n_clamped=3, random_state=seed)
    xml = write_sbml(net)
    assert consistency_messages(xml) == []
    document = libsbml.readSBMLFromString(xml)
    assert (document.getLevel(), document.getVersion()) == (3, 2)


def test_reference_networks_pass_consistency_checks(reference_case):
    assert consistency_messages(write_sbml(reference_case.network)) == []


def test_written_model_structure():
    net = ReactionNetwork.from_text(
        "2A + E -> B + E [k = 0.5]\n-> A [k = 0.25]\nB -> [k = 1]\nE @c 0.3\nA @i 1"
    )
    model = libsbml.readSBMLFromString(write_sbml(net)).getModel()
    assert model.getNumCompartments() == 1
    assert model.getCompartment(0).getSize() == 1.0
    species = {s.getId(): s for s in model.getListOfSpecies()}
    assert list(species) == ["A", "E", "B"]
    assert species["E"].getBoundaryCondition() and species["E"].getConstant()
    assert not species["A"].getBoundaryCondition()
    assert not species["A"].getConstant()
    assert species["A"].getInitialConcentration() == 1.0
    parameters = {p.getId(): p.getValue() for p in model.getListOfParameters()}
    assert parameters == {"k_r1": 0.5, "k_r2": 0.25, "k_r3": 1.0}
    laws = [libsbml.formulaToL3String(r.getKineticLaw().getMath())
            for r in model.getListOfReactions()]
    assert laws == ["k_r1 * A^2 * E", "k_r2", "k_r3 * B"]


def test_reaction_names_become_ids_and_ids_stay_unique():
    net = ReactionNetwork()
    for name in ("cell", "r1", "pi"):
        net.add_species(name, initial=1.0)
    net.add_reaction(["cell"], ["r1"], 1.0)
    net.add_reaction(["pi"], [], 2.0, name="k_r1_")
    model = libsbml.readSBMLFromString(write_sbml(net)).getModel()
    ids = [r.getId() for r in model.getListOfReactions()]
    assert ids[1] == "k_r1_" and ids[0] not in ("cell", "r1", "pi")
    assert model.getCompartment(0).getId() not in ("cell", "r1", "pi")
    assert consistency_messages(write_sbml(net)) == []
    # "pi" stays a species name in the law, not the constant 3.14...
    again = read_sbml(write_sbml(net))
    assert again.reactions[1].reactants == {"pi": 1}


def test_write_to_a_file(tmp_path):
    net = ReactionNetwork.from_text("A -> B [k = 0.1]; A @i 2")
    xml = write_sbml(net, tmp_path / "model.xml")
    assert (tmp_path / "model.xml").read_text(encoding="utf-8") == xml
    assert read_sbml(tmp_path / "model.xml").initial_concentrations[0] == 2.0
    assert read_sbml(str(tmp_path / "model.xml")).rate_constants[0] == 0.1


def test_write_refuses_what_sbml_cannot_hold():
    net = ReactionNetwork()
    net.add_species("A")
    net.add_reaction(["A"], [], 1.0, name="A")
    with pytest.raises(SBMLError, match="reaction name 'A' is also a species name"):
        write_sbml(net)
    net = ReactionNetwork()
    net.add_species("A", initial=5e-324)
    with pytest.raises(SBMLError, match="initial concentration of 'A' is 5e-324"):
        write_sbml(net)
    with pytest.raises(SBMLError, match="no species"):
        write_sbml(ReactionNetwork())


# -- round trips ----------------------------------------------------------------


def test_round_trip_keeps_every_bit(assert_same_network):
    net = random_network(20, 60, max_order=3, n_clamped=4, random_state=3)
    net.add_species("tiny", initial=1e-300)
    net.add_reaction(["tiny"], [], 0.1 + 0.2, name="third")
    again = read_sbml(write_sbml(net))
    assert_same_network(net, again)
    assert again.name == "random"
    assert again.reactions[-1].name == "third"
    assert [r.name for r in again.reactions[:3]] == ["r1", "r2", "r3"]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_property(data, network_strategy, assert_same_network):
    net = data.draw(network_strategy(named_reactions=True))
    assert_same_network(net, read_sbml(write_sbml(net)), names=True)


# -- reading models written by other tools --------------------------------------


def mathml(formula):
    """MathML of an infix formula, without the XML declaration."""
    ast = libsbml.parseL3Formula(formula)
    assert ast is not None, formula
    text = libsbml.writeMathMLToString(ast)
    return text[text.index("<math"):]


def species(sid, value=1.0, compartment="c", boundary=False, constant=False,
            attribute="initialConcentration", only_amounts=False):
    return (
        f'<species id="{sid}" compartment="{compartment}" {attribute}="{value}" '
        f'hasOnlySubstanceUnits="{str(only_amounts).lower()}" '
        f'boundaryCondition="{str(boundary).lower()}" '
        f'constant="{str(constant).lower()}"/>'
    )


def reaction(rid, reactants, products, formula, local="", modifiers=()):
    def refs(side):
        return "".join(
            f'<speciesReference species="{s}" stoichiometry="{n}" constant="true"/>'
            for s, n in side.items()
        )

    listed = "".join(f'<modifierSpeciesReference species="{m}"/>' for m in modifiers)
    parts = [f'<reaction id="{rid}" reversible="false">']
    if reactants:
        parts.append(f"<listOfReactants>{refs(reactants)}</listOfReactants>")
    if products:
        parts.append(f"<listOfProducts>{refs(products)}</listOfProducts>")
    if listed:
        parts.append(f"<listOfModifiers>{listed}</listOfModifiers>")
    law = mathml(formula) if formula else ""
    if local:
        law += f"<listOfLocalParameters>{local}</listOfLocalParameters>"
    if formula is not None:
        parts.append(f"<kineticLaw>{law}</kineticLaw>")
    parts.append("</reaction>")
    return "".join(parts)


def model(species_xml, reactions_xml, parameters="", size=1.0, extra="",
          compartments=None):
    if compartments is None:
        compartments = f'<compartment id="c" size="{size}" constant="true"/>'
    listed = f"<listOfParameters>{parameters}</listOfParameters>" if parameters else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" '
        'version="2">\n<model id="other_tool">'
        f"<listOfCompartments>{compartments}</listOfCompartments>"
        f"<listOfSpecies>{species_xml}</listOfSpecies>{listed}"
        f"<listOfReactions>{reactions_xml}</listOfReactions>{extra}"
        "</model></sbml>"
    )


def param(pid, value):
    return f'<parameter id="{pid}" value="{value}" constant="true"/>'


def local_param(pid, value):
    return f'<localParameter id="{pid}" value="{value}"/>'


def with_function_definition(xml):
    """Add ``mass_action(k, x, y) = k * x * y`` as a function definition."""
    definition = (
        '<listOfFunctionDefinitions><functionDefinition id="mass_action">'
        + mathml("lambda(k, x, y, k * x * y)")
        + "</functionDefinition></listOfFunctionDefinitions>"
    )
    head = '<model id="other_tool">'
    return xml.replace(head, head + definition)


AB = species("A", 1.0) + species("B", 0.6) + species("C", 0.1)

OTHER_TOOL_MODELS = {
    "factors in any order": (
        model(AB, reaction("r", {"A": 1, "B": 1}, {"C": 1}, "B * k1 * A"),
              param("k1", 1.3)),
        [({"A": 1, "B": 1}, {"C": 1}, 1.3)],
    ),
    "local parameter shadows a global one": (
        model(AB, reaction("r", {"A": 1}, {"C": 1}, "k * A", local_param("k", 0.7)),
              param("k", 99.0)),
        [({"A": 1}, {"C": 1}, 0.7)],
    ),
    "a number and a division by a constant": (
        model(AB, reaction("r", {"A": 1}, {"B": 1}, "0.5 * A / 4")),
        [({"A": 1}, {"B": 1}, 0.125)],
    ),
    "power": (
        model(AB, reaction("r", {"A": 2}, {"C": 1}, "k * A^2"), param("k", 0.4)),
        [({"A": 2}, {"C": 1}, 0.4)],
    ),
    "repeated factor": (
        model(AB, reaction("r", {"A": 2}, {"C": 1}, "A * k * A"), param("k", 0.4)),
        [({"A": 2}, {"C": 1}, 0.4)],
    ),
    "modifier as catalyst": (
        model(AB + species("E", 0.3),
              reaction("r", {"A": 1}, {"C": 1}, "k * A * E", modifiers=["E"]),
              param("k", 2.0)),
        [({"A": 1, "E": 1}, {"C": 1, "E": 1}, 2.0)],
    ),
    "reversible difference": (
        model(AB, reaction("r", {"A": 1, "B": 1}, {"C": 1}, "kf * A * B - kr * C"),
              param("kf", 2.0) + param("kr", 0.5)),
        [({"A": 1, "B": 1}, {"C": 1}, 2.0), ({"C": 1}, {"A": 1, "B": 1}, 0.5)],
    ),
    "compartment factor, size 2, amounts": (
        model(species("A", 2.0, attribute="initialAmount") + species("B", 0.6)
              + species("C", 0.1),
              reaction("r", {"A": 1, "B": 1}, {"C": 1}, "c * k * A * B"),
              param("k", 1.5), size=2.0),
        [({"A": 1, "B": 1}, {"C": 1}, 1.5)],
    ),
    "no compartment factor, size 2": (
        model(AB, reaction("r", {"A": 1}, {"C": 1}, "k * A"), param("k", 1.5),
              size=2.0),
        [({"A": 1}, {"C": 1}, 0.75)],
    ),
    "species in amounts, size 2": (
        model(species("A", 1.0, only_amounts=True) + species("C", 0.0),
              reaction("r", {"A": 1}, {"C": 1}, "k * A"), param("k", 1.5),
              size=2.0),
        [({"A": 1}, {"C": 1}, 1.5)],
    ),
    "boundary species": (
        model(species("S", 0.8, boundary=True) + species("A", 0.0),
              reaction("r", {"S": 1}, {"S": 1, "A": 1}, "k * S"), param("k", 0.5)),
        [({"S": 1}, {"S": 1, "A": 1}, 0.5)],
    ),
    "function definition": (
        with_function_definition(
            model(AB, reaction("r", {"A": 1, "B": 1}, {"C": 1}, "mass_action(k, A, B)"),
                  param("k", 1.1))
        ),
        [({"A": 1, "B": 1}, {"C": 1}, 1.1)],
    ),
}


@pytest.mark.parametrize("case", sorted(OTHER_TOOL_MODELS))
def test_reads_mass_action_models_of_other_tools(case):
    xml, expected = OTHER_TOOL_MODELS[case]
    net = read_sbml(xml)
    found = [(r.reactants, r.products, pytest.approx(r.rate, rel=1e-15))
             for r in net.reactions]
    assert found == expected
    assert net.name == "other_tool"


@pytest.mark.parametrize("case", sorted(OTHER_TOOL_MODELS))
def test_models_of_other_tools_simulate_like_roadrunner(case):
    roadrunner = pytest.importorskip("roadrunner")
    xml, _ = OTHER_TOOL_MODELS[case]
    net = read_sbml(xml)
    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    rr.timeCourseSelections = ["time"] + [f"[{s}]" for s in net.species]
    theirs = np.asarray(rr.simulate(0.0, 3.0, 31))
    ours = simulate(net, 3.0, t_eval=theirs[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.concentrations, theirs[:, 1:], rtol=1e-6,
                               atol=1e-9)


def test_reversible_split_names():
    xml, _ = OTHER_TOOL_MODELS["reversible difference"]
    assert [r.name for r in read_sbml(xml).reactions] == ["r_forward", "r_reverse"]


def test_initial_amount_is_divided_by_the_volume():
    xml, _ = OTHER_TOOL_MODELS["compartment factor, size 2, amounts"]
    np.testing.assert_array_equal(read_sbml(xml).initial_concentrations,
                                  [1.0, 0.6, 0.1])


def test_reads_level_2_models():
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" '
        'version="4"><model id="old"><listOfCompartments>'
        '<compartment id="c" size="1"/></listOfCompartments><listOfSpecies>'
        '<species id="A" compartment="c" initialConcentration="1"/>'
        '<species id="B" compartment="c" initialConcentration="0"/>'
        "</listOfSpecies><listOfReactions>"
        '<reaction id="r" reversible="false"><listOfReactants>'
        '<speciesReference species="A"/></listOfReactants><listOfProducts>'
        '<speciesReference species="B"/></listOfProducts><kineticLaw>'
        + mathml("k * A")
        + '<listOfParameters><parameter id="k" value="0.3"/></listOfParameters>'
        "</kineticLaw></reaction></listOfReactions></model></sbml>"
    )
    (r,) = read_sbml(xml).reactions
    assert (r.reactants, r.products, r.rate, r.name) == ({"A": 1}, {"B": 1}, 0.3, "r")


# -- refusals -------------------------------------------------------------------


def one_reaction(formula, reactants=None, products=None, parameters=None,
                 **kwargs):
    parameters = parameters or (param("Vmax", 1.0) + param("Km", 0.5) + param("k", 1.0)
                                + param("k2", 2.0))
    reactants = {"A": 1} if reactants is None else reactants
    products = {"B": 1} if products is None else products
    return model(AB, reaction("r1", reactants, products, formula), parameters,
                 **kwargs)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (one_reaction("Vmax * A / (Km + A)"),
         r"reaction 'r1' does not have a mass-action kinetic law: it divides by "
         r"an expression that is not constant \(it is a sum\) "
         r"\(law: Vmax \* A / \(Km \+ A\)\)"),
        (one_reaction("k * A + k2 * B"), r"'r1'.*it is a sum"),
        (one_reaction("k * A", reactants={"A": 2}),
         r"the law has 'A' to the power 1, but its stoichiometry is 2 "
         r"\(law: k \* A\)"),
        (one_reaction("k"), r"'A' to the power 0, but its stoichiometry is 1"),
        (one_reaction("k * A - k2 * A"),
         r"the reverse term has 'B' to the power 0, but its stoichiometry is 1"),
        (one_reaction("k * (A - B)"), r"a difference inside a product"),
        (one_reaction("k * A / B"), r"it divides by the species \['B'\]"),
        (one_reaction("k * A * time"), r"it uses 'time'"),
        (one_reaction("k * exp(A)"), r"it uses 'exp'"),
        (one_reaction("k * A^0.5"), r"raised to the power 0.5"),
        (one_reaction("k * A * q"), r"the name 'q' is not a parameter or a species"),
        (one_reaction("-k * A"),
         r"reaction 'r1' \(law: -k \* A\): rate constant .* must be finite and >= 0"),
        (one_reaction(None), r"reaction 'r1' has no kinetic law"),
        (one_reaction("k * A", reactants={"A": 0.5}),
         r"gives species 'A' the stoichiometry 0.5; .* whole numbers"),
        (one_reaction("k * A", extra='<listOfRules><assignmentRule variable="k">'
                      + mathml("2") + "</assignmentRule></listOfRules>"),
         r"the model has 1 rules"),
        (one_reaction("k * A", extra='<listOfEvents><event useValuesFromTriggerTime='
                      '"true"><trigger initialValue="true" persistent="true">'
                      + mathml("time > 1") + '</trigger><listOfEventAssignments>'
                      '<eventAssignment variable="A">' + mathml("0")
                      + "</eventAssignment></listOfEventAssignments></event>"
                      "</listOfEvents>"),
         r"the model has 1 events"),
        (one_reaction("k * A", extra='<listOfInitialAssignments><initialAssignment '
                      'symbol="k">' + mathml("3")
                      + "</initialAssignment></listOfInitialAssignments>"),
         r"the model has 1 initial assignments"),
        (model(species("A", 1.0) + species("B", 0.0, compartment="d"),
               reaction("r1", {"A": 1}, {"B": 1}, "k * A"), param("k", 1.0),
               compartments='<compartment id="c" size="1" constant="true"/>'
               '<compartment id="d" size="1" constant="true"/>'),
         r"the species live in 2 compartments \(\['c', 'd'\]\)"),
        (model(AB, reaction("r1", {"A": 1}, {"B": 1}, "k * A"), param("k", 1.0),
               compartments='<compartment id="c" constant="true"/>'),
         r"compartment 'c' must have a finite size > 0; got no size"),
        (model(species("A", 1.0) + '<species id="B" compartment="c" '
               'hasOnlySubstanceUnits="false" boundaryCondition="false" '
               'constant="false"/>',
               reaction("r1", {"A": 1}, {"B": 1}, "k * A"), param("k", 1.0)),
         r"species 'B' has no initialConcentration or initialAmount"),
        (model("", ""), r"the model has no species"),
    ],
)
def test_refuses_what_is_not_mass_action(xml, message):
    with pytest.raises(SBMLError, match=message):
        read_sbml(xml)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<sbml><model", r"cannot read SBML from the SBML text: line \d+: Unclosed"),
        ('<?xml version="1.0"?><notes/>', r"cannot read SBML .* XML Schema"),
        ('<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" '
         'version="2"><model><listOfSpecies><species id="A"/></listOfSpecies>'
         "</model></sbml>",
         r"line \d+: The <species> with the id 'A' is missing the 'compartment' "
         r"attribute; line"),
        ("/no/such/model.xml", r"cannot read SBML: no file '/no/such/model.xml'"),
        (42, r"source must be a path or an SBML string; got int"),
    ],
)
def test_reports_read_errors(source, message):
    with pytest.raises(SBMLError, match=message):
        read_sbml(source)


def test_refuses_required_packages():
    xml = one_reaction("k * A").replace(
        'version="2">',
        'version="2" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/'
        'version1" comp:required="true">',
        1,
    )
    with pytest.raises(SBMLError, match="requires the SBML package 'comp'"):
        read_sbml(xml)


# -- command line ---------------------------------------------------------------


def test_cli_convert_between_text_and_sbml(tmp_path, capsys, assert_same_network):
    net = random_network(8, 20, n_clamped=2, random_state=9)
    text_path = tmp_path / "net.crn"
    text_path.write_text(net.to_text())

    assert main(["convert", str(text_path), str(tmp_path / "net.sbml")]) == 0
    assert "net.sbml: 8 species, 20 reactions" in capsys.readouterr().out
    assert_same_network(net, read_sbml(tmp_path / "net.sbml"))
    assert consistency_messages((tmp_path / "net.sbml").read_text()) == []

    assert main(["convert", str(tmp_path / "net.sbml"), str(tmp_path / "b.crn")]) == 0
    assert_same_network(net, read_network(tmp_path / "b.crn"))
    assert (tmp_path / "b.crn").read_text().splitlines()[1:] == (
        net.to_text().splitlines()[1:]
    )


def test_cli_convert_reports_errors(tmp_path, capsys):
    (tmp_path / "mm.xml").write_text(one_reaction("Vmax * A / (Km + A)"))
    assert main(["convert", str(tmp_path / "mm.xml"), str(tmp_path / "mm.crn")]) == 2
    assert "reaction 'r1' does not have a mass-action kinetic law" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "mm.crn").exists()
    (tmp_path / "a.crn").write_text("A -> B")
    assert main(["convert", str(tmp_path / "a.crn"), str(tmp_path / "a.json")]) == 2
    assert "use one of .crn, .xml, .sbml" in capsys.readouterr().err
