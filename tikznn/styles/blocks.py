"""blocks: PlotNeuralNet's look, shaded 3-D blocks for feature maps and vectors, balls for merges (the default)."""
from __future__ import annotations

from ..layout import layout as draw


def measure(network, analysis, figure):
    """The drawing, or when it is wrapped onto rows a Layout holding only its bounds (all that composing weighs)."""
    return draw(network, analysis, figure, measure=True)


WRAPS = True
TOO_LARGE = "wrap it onto rows ('width 17cm wrap'), shrink it ('width 17cm'), or collapse its repeated layers"
__all__ = ["draw", "measure", "WRAPS", "TOO_LARGE"]
