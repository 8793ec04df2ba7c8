"""``crnlearn convert``: translate a network between ``.crn`` text and SBML."""

from pathlib import Path

from ..crn.files import FILE_FORMATS, read_network, write_network

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    extensions = ", ".join(FILE_FORMATS)
    parser = subparsers.add_parser(
        "convert",
        help="convert a reaction network between .crn text and SBML",
        description="Read a reaction network and write it in another format; "
        f"the formats follow the file extensions ({extensions}).",
    )
    parser.add_argument("input", help="network to read (.crn, .xml or .sbml)")
    parser.add_argument("output", help="file to write (.crn, .xml or .sbml)")
    return parser


def run(args):
    network = read_network(args.input)
    write_network(network, args.output)
    print(
        f"wrote {Path(args.output)}: {network.n_species} species, "
        f"{network.n_reactions} reactions"
    )
    return 0
