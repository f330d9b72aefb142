"""Drawing styles: each module here draws a shaped network its own way, as a `drawing.Layout`.

A style module has a docstring (its first line is its help text), optionally OPTIONS (the words it takes after its
name, each with its help), WRAPS (it puts a long network on rows) and TOO_LARGE (what to do when a figure is larger
than TeX can draw), and one function, `draw(network, analysis, figure) -> Layout`, which raises LayoutError naming
the layer and the styles that can draw it for a network it cannot draw honestly. The 3-D style draws blocks, balls
and arrows; the 2-D styles draw marks, lines and labels (drawing.Mark, drawing.Line), which the templates know, so a
new style is a new module here. A style may also have `measure(network, analysis, figure) -> Layout`: a Layout that
need hold no more than the drawing's bounds, font size and the width and height it must fit (what composing weighs
a candidate by); without it, composing draws each candidate.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Sequence

from ..errors import ModelError, suggest
from ..topology import by_blocks

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


def measures(name: str) -> bool:
    """Does the style measure a candidate more cheaply than it draws it (`measure`)?"""
    return hasattr(_module(name), "measure")


def too_large(name: str) -> str:
    """What to do when a figure in this style is larger than TeX can draw."""
    return getattr(_module(name), "TOO_LARGE", "draw it as blocks wrapped onto rows ('style blocks', "
                                               "'width 17cm wrap'), or as a collapsed schematic")


def problem(name: str, options: Sequence[str] = ()) -> tuple[str, str] | None:
    """(message, hint) when no drawing style has this name, or it does not take these options."""
    if name not in names():
        return f"unknown style '{name}'", suggest(name, names()) or "choose from: " + ", ".join(names())
    known = options_of(name)
    for i, word in enumerate(options):
        if word in options[:i]:
            return f"the option '{word}' is given twice", "give each option once"
        if word not in known:
            return (f"the {name} style has no option '{word}'",
                    (suggest(word, list(known)) or "its options: " + ", ".join(known)) if known
                    else f"the {name} style takes no options")
    return None


def _module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def check(figure) -> None:
    """Refuse a figure (figure.Figure) whose style is unknown or does not take its options. The command line and
    the parser check the style where it is written; a builder's is checked here, where it is drawn."""
    if found := problem(figure.style, figure.style_options):
        raise ModelError(found[0], hint=found[1])


def draw(network, analysis: dict, figure, *, measure: bool = False):
    """The drawing (a drawing.Layout) of a network with its shapes (shapes.analyse), in its figure's style (a
    figure.Figure); with `measure`, what the style's `measure` gives where it has one."""
    check(figure)
    if figure.detail == "blocks":
        network, analysis = by_blocks(network, analysis)
    module = _module(figure.style)
    return getattr(module, "measure", module.draw)(network, analysis, figure) if measure else \
        module.draw(network, analysis, figure)
