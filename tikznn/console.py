"""The `tikznn` command's entry point: a `build` whose stamp says it is up to date returns here, before typer, the
parser, the layout or TeX are imported; every other command goes on to the CLI (cli.py)."""
from __future__ import annotations

import sys

from . import stamps


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["build"] and stamps.fresh(argv):
        if "-v" in argv or "--verbose" in argv:
            print("up to date")
        return
    from .cli import main as cli_main  # imported only here: typer alone takes longer than the answer above

    cli_main()
