"""tikznn: neural-network architecture figures from a short description, drawn with TikZ.

The public names load their modules on first use, so that `tikznn build` can tell an up-to-date figure
without importing the parser, the layout or TeX templates.
"""
from importlib import import_module

__all__ = ["Network", "parse", "parse_file", "to_tex", "build", "display", "TikznnError", "ParseError", "ModelError", "ShapeError",
           "LayoutError", "LatexError", "LatexNotFound", "OutputError"]
__version__ = "0.1.0"

_HOMES = {"Network": "model", "parse": "parser", "parse_file": "pipeline", "to_tex": "pipeline", "build": "pipeline",
          "display": "notebook"}


def load_ipython_extension(ipython) -> None:
    """`%load_ext tikznn` in Jupyter: the %%tikznn cell magic (notebook.py)."""
    from .notebook import load_ipython_extension as load
    load(ipython)


def __getattr__(name: str):
    if name in __all__:
        value = getattr(import_module(f".{_HOMES.get(name, 'errors')}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tikznn' has no attribute '{name}'")
