"""Drawing styles: each module here draws a shaped network its own way, as a `drawing.Layout`.

A style module has a docstring (its first line is its help text), optionally OPTIONS (the words it takes after its
name, each with its help), WRAPS (it puts a long network on rows) and TOO_LARGE (what to do when a figure is larger
than TeX can draw), and one function, `draw(network, analysis) -> Layout`, which raises LayoutError naming
the layer and the styles that can draw it for a network it cannot draw honestly. The 3-D style draws blocks, balls
and arrows; the 2-D styles draw marks, lines and labels (drawing.Mark, drawing.Line), which the templates know, so a
new style is a new module here.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line lists the styles without loading the drawing code
    from ..drawing import Layout
    from ..model import Network

DEFAULT = "blocks"


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """The styles there are, the default first."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return (DEFAULT,) + tuple(n for n in found if n != DEFAULT)


def summary(name: str) -> str:
    """A style's help text: the first line of its module's docstring."""
    return (_module(name).__doc__ or name).strip().splitlines()[0]


def options_of(name: str) -> dict[str, str]:
    """The words a style takes after its name ('style graph bias'), each with what it does."""
    return dict(getattr(_module(name), "OPTIONS", {}))


def wraps(name: str) -> bool:
    """Does the style put a long network on rows ('width 17cm wrap')?"""
    return getattr(_module(name), "WRAPS", False)


def too_large(name: str) -> str:
    """What to do when a figure in this style is larger than TeX can draw."""
    return getattr(_module(name), "TOO_LARGE", "draw it as blocks wrapped onto rows ('style blocks', "
                                               "'width 17cm wrap'), or as a collapsed schematic")


def _module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def draw(network: "Network", analysis: dict) -> "Layout":
    """The network's figure in its style."""
    return _module(network.style).draw(network, analysis)
