"""The ``.crn`` text format: parsing, writing, round trips, errors."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnlearn.crn import CRNParseError, NetworkError, ReactionNetwork
from crnlearn.crn.generate import random_network
from crnlearn.crn.text import format_crn, parse_crn

# -- reading --------------------------------------------------------------------


def test_reactions_rates_and_declarations():
    net = parse_crn(
        """
        # A comment line, then reactions and declarations.
        A + B -> 2C [k = 0.2]   # trailing comment
        C <=> 2 D [kf = 1.5, kr = 0.25]
        A @i 1.0
        B @c 0.5
        """,
        name="toy",
    )
    assert net.name == "toy"
    assert net.species == ("A", "B", "C", "D")
    np.testing.assert_array_equal(net.initial_concentrations, [1.0, 0.5, 0.0, 0.0])
    np.testing.assert_array_equal(net.clamped, [False, True, False, False])
    sides = [(r.reactants, r.products, r.rate) for r in net.reactions]
    assert sides == [
        ({"A": 1, "B": 1}, {"C": 2}, 0.2),
        ({"C": 1}, {"D": 2}, 1.5),
        ({"D": 2}, {"C": 1}, 0.25),
    ]


def test_semicolons_separate_statements():
    net = parse_crn("A -> B [k = 2]; B -> C; C @i 3")
    assert net.n_reactions == 2 and net.species == ("A", "B", "C")
    assert net.initial_concentrations[2] == 3.0


def test_missing_rate_means_one():
    net = parse_crn("A -> B\nB <=> C\nC <=> D [kf = 4]")
    np.testing.assert_array_equal(net.rate_constants, [1.0, 1.0, 1.0, 4.0, 1.0])


@pytest.mark.parametrize(
    "text", ["A -> [k = 2]", "A -> 0 [k = 2]", "A -> ∅ [k = 2]", "A->[k=2]"]
)
def test_empty_products(text):
    (r,) = parse_crn(text).reactions
    assert r.reactants == {"A": 1} and r.products == {} and r.rate == 2.0


@pytest.mark.parametrize("text", ["-> A", "0 -> A", "∅ -> A", "  ->A"])
def test_empty_reactants(text):
    (r,) = parse_crn(text).reactions
    assert r.reactants == {} and r.products == {"A": 1} and r.rate == 1.0


@pytest.mark.parametrize("text", ["2C -> D", "2 C -> D", "C + C -> D", "C + 1C -> D"])
def test_stoichiometry_prefixes(text):
    (r,) = parse_crn(text).reactions
    assert r.reactants == {"C": 2}


def test_stoichiometry_before_a_name_starting_with_e():
    # "2E5" is 2 molecules of E5, not the number 2e5.
    (r,) = parse_crn("2E5 -> F").reactions
    assert r.reactants == {"E5": 2}


@pytest.mark.parametrize(
    ("text", "initial", "clamped"),
    [
        ("A @i 0.1", 0.1, False),
        ("A @initial 1e-3", 1e-3, False),
        ("A @c 2", 2.0, True),
        ("A @constant .5", 0.5, True),
        ("A@i7", 7.0, False),
    ],
)
def test_declarations(text, initial, clamped):
    net = parse_crn(text)
    assert net.species == ("A",) and net.n_reactions == 0
    assert net.initial_concentrations[0] == initial
    assert net.clamped[0] == clamped


def test_species_are_numbered_by_first_appearance():
    net = parse_crn("Z @i 1\nB + A -> C\nA -> Y")
    assert net.species == ("Z", "B", "A", "C", "Y")


def test_crnsimulator_style_file():
    text = (
        "# Rock-paper-scissors\n\n"
        "A + B -> B + B [k = 0.2]\n"
        "B + C -> C + C [k = 0.4]\n"
        "C + A -> A + A [k = 0.7]\n"
        "A @i 1\nB @i 0.5\nC @i 0.25\n"
    )
    net = ReactionNetwork.from_text(text)
    assert [r.products for r in net.reactions] == [{"B": 2}, {"C": 2}, {"A": 2}]
    np.testing.assert_array_equal(net.initial_concentrations, [1.0, 0.5, 0.25])


# -- writing --------------------------------------------------------------------


def test_format_exact_text():
    net = parse_crn("2A + B -> [k = 0.1]\n-> C [k = 3]\nA @i 0.5\nC @c 1e-07")
    assert format_crn(net) == (
        "# network: 3 species, 2 reactions\n"
        "2A + B -> [k = 0.1]\n"
        "-> C [k = 3.0]\n"
        "A @i 0.5\n"
        "C @c 1e-07\n"
    )


def test_format_keeps_full_float_precision():
    net = ReactionNetwork()
    net.add_species("A", initial=1 / 3)
    net.add_species("B")
    net.add_reaction(["A"], ["B"], 0.1 + 0.2)
    again = parse_crn(format_crn(net))
    assert again.rate_constants[0] == 0.1 + 0.2
    assert again.initial_concentrations[0] == 1 / 3


def test_format_declares_every_species_when_order_needs_it():
    net = ReactionNetwork()
    for name in ("lonely", "B", "A"):
        net.add_species(name)
    net.add_reaction(["A"], ["B"], 1.0)
    text = format_crn(net)
    assert text.splitlines()[1:4] == ["lonely @i 0.0", "B @i 0.0", "A @i 0.0"]
    assert parse_crn(text).species == net.species


def test_to_text_and_str_agree():
    net = parse_crn("A + E -> B + E [k = 1.5]; E @c 0.3")
    assert net.to_text().splitlines()[1] == str(net) == str(net.reactions[0])
    assert str(net) == "A + E -> B + E [k = 1.5]"


def test_format_rejects_empty_network():
    with pytest.raises(NetworkError, match="no species"):
        format_crn(ReactionNetwork())


# -- round trips ----------------------------------------------------------------


def test_round_trip_of_random_networks(assert_same_network):
    for seed in range(5):
        net = random_network(15, 40, max_order=3, n_clamped=3, random_state=seed)
        text = format_crn(net)
        again = parse_crn(text, name=net.name)
        assert_same_network(net, again)
        assert format_crn(again) == text


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_round_trip_property(data, network_strategy, assert_same_network):
    net = data.draw(network_strategy())
    text = format_crn(net)
    again = parse_crn(text)
    assert_same_network(net, again)
    assert format_crn(again) == format_crn(parse_crn(format_crn(again)))
    assert format_crn(again).splitlines()[1:] == text.splitlines()[1:]


# -- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("A + -> B", 1, 5, r"expected a species name after '\+'; found '-'"),
        ("A -> B\nA B -> C", 2, 3, r"expected '\+', '->' or '<=>'; found 'B'"),
        ("A -> B [k = -1]", 1, 13, r"rate constant k must be >= 0; got -1"),
        ("A -> B [k = nan]", 1, 13, r"expected rate constant k \(a number\)"),
        ("A -> B [k = 1e999]", 1, 13, r"rate constant k must be finite"),
        ("A -> B [q = 1]", 1, 9, r"unknown rate name 'q'.*\[k = \.\.\.\]"),
        ("A <=> B [k = 1]", 1, 10, r"reversible reaction takes \[kf = \.\.\., kr"),
        ("A -> B [k = 1, k = 2]", 1, 16, r"rate 'k' is given twice"),
        ("A -> B [k = 1", 1, 14, r"expected ',' or '\]'.*end of the statement"),
        ("A -> B [k 1]", 1, 11, r"expected '=' after 'k'"),
        ("A -> B [k = 1] C", 1, 16, r"unexpected 'C' after the rates"),
        ("0A -> B", 1, 1, r"stoichiometry of 'A' must be a whole number >= 1"),
        ("2 -> B", 1, 3, r"expected a species name after the stoichiometry 2"),
        ("A @x 1", 1, 4, r"expected 'i' \(initial value\) or 'c' \(constant\)"),
        ("A @i", 1, 5, r"expected the value of 'A' \(a number\)"),
        ("A @i -2", 1, 6, r"the value of 'A' must be >= 0"),
        ("A @i 1 2", 1, 8, r"unexpected '2' after the value"),
        ("A @i 1\nB -> A\nA @c 2", 3, 1, r"species 'A' is declared twice"),
        ("->", 1, 1, r"at least one reactant or product"),
        ("33A -> B", 1, 1, r"order 33; at most 32"),
        ("A => B", 1, 3, r"expected '\+', '->' or '<=>'; found '='"),
        ("A -> B; ; C -> $", 1, 16, r"unexpected '\$' after the rates"),
        ("", 1, 1, r"defines no reactions and no species"),
        ("# only a comment\n\n", 1, 1, r"defines no reactions and no species"),
    ],
)
def test_parse_errors_give_position_and_expectation(text, line, column, message):
    with pytest.raises(CRNParseError, match=message) as info:
        parse_crn(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(info.value)


def test_parse_error_shows_the_line_and_a_caret():
    with pytest.raises(CRNParseError) as info:
        parse_crn("A -> B\nC + -> D")
    assert info.value.text == "C + -> D"
    assert str(info.value).endswith("    C + -> D\n        ^")


def test_parse_rejects_non_text():
    with pytest.raises(NetworkError, match="text must be a str; got bytes"):
        parse_crn(b"A -> B")


CRN_ALPHABET = list("ABk0129 .+-<=>[],;#@ic\n∅eE_")


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    text=st.one_of(st.text(alphabet=CRN_ALPHABET, max_size=40), st.text(max_size=40))
)
def test_fuzzed_text_raises_only_parse_errors(text, assert_same_network):
    try:
        net = parse_crn(text)
    except CRNParseError as exc:
        n_lines = max(len(text.splitlines()), 1)
        assert 1 <= exc.line <= n_lines and exc.column >= 1
    except NetworkError:
        pass
    else:
        assert net.n_species >= 1
        assert_same_network(net, parse_crn(format_crn(net)))
