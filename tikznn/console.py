"""The `tikznn` command's entry point: a `build` whose stamp says it is up to date returns here, before typer, the
parser, the layout or TeX are imported; one that is not starts pdflatex at once; every command then goes on to the
CLI (cli.py)."""
from __future__ import annotations

import sys

from . import stamps


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["build"] and stamps.fresh(argv):
        if "-v" in argv or "--verbose" in argv:
            print("up to date")
        return
    if argv[:1] == ["build"] and not {"xelatex", "lualatex", "-h", "--help"} & set(argv):
        from .latex import start_early
        start_early()  # pdflatex loads its format while Python imports, parses and draws
    from .cli import main as cli_main  # imported only here: typer alone takes longer than the answer above

    cli_main()
