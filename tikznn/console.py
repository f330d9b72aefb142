"""The `tikznn` command's entry point: a `build` whose stamp says it is up to date returns here, before typer, the
parser, the layout or TeX are imported; another build goes to a warm builder (warm.py) if one runs, or else starts
pdflatex at once and goes on to the CLI (cli.py), as every other command does."""
from __future__ import annotations

import sys

from . import stamps


def run() -> None:
    """The installed command (and `python -m tikznn`): main(), and a build (answered early: up to date, or served by
    a warm builder; or made here) or `tex` ends the process at once: the interpreter's own teardown would add a
    third to a no-op's time, and a fifth to a figure's made here."""
    status = main()
    if status is not None:
        if not _nothing_left():
            sys.exit(status)
        import os
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:  # (as the interpreter ends when its output cannot be written: status 120)
                status = status or 120
            except (ValueError, AttributeError):  # (a closed stream, none at all)
                pass
        os._exit(status if 0 <= status <= 255 else 1)


def _nothing_left() -> bool:
    """Is there nothing the interpreter's end would still do: no coverage or profiler to write what they found, no
    build of another thread to finish (a second Ctrl-C while -j lets those begun finish)?"""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return False
    threading = sys.modules.get("threading")
    return threading is None or not any(thread.is_alive() and not thread.daemon and
                                        thread is not threading.main_thread() for thread in threading.enumerate())


def main() -> int | None:
    """Run the command; the exit status of a build or `tex`, else the CLI ends by SystemExit as typer does."""
    argv = sys.argv[1:]
    if argv[:1] == ["build"] and stamps.fresh(argv):
        if "-v" in argv or "--verbose" in argv:
            print("up to date")
        return 0
    building = argv[:1] == ["build"] and not {"-h", "--help"} & set(argv)
    if building:
        from . import warm
        try:
            status = warm.served(argv)  # a warm builder, if one runs, builds it in about pdflatex's own time
        except KeyboardInterrupt:
            sys.exit(130)
        if status is not None:
            return status
    if building and not {"xelatex", "lualatex"} & set(argv):
        from .latex import start_early
        start_early()  # pdflatex loads its format while Python imports, parses and draws
    from .cli import main as cli_main  # imported only here: typer alone takes longer than the answer above

    try:
        cli_main()
    except SystemExit as stop:
        if argv[:1] not in (["build"], ["tex"]):
            raise
        return _ended(stop)  # a figure made here ends at once too (tearing down what made it: a fifth of its time)
    finally:
        if building:
            warm.start()  # for the next build (it leaves after ten idle minutes; TIKZNN_WARM=0: never)
    return None


def _ended(stop: SystemExit) -> int:
    """The exit status of a build or `tex`; what would have run at exit, run now (a head start pdflatex a build did
    not take: the only thing either leaves for then)."""
    latex = sys.modules.get("tikznn.latex")
    if latex is not None:
        latex.stop_early()
    from .errors import exit_status
    return exit_status(stop)
