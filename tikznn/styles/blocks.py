"""blocks: PlotNeuralNet's look, shaded 3-D blocks for feature maps and vectors, balls for merges (the default)."""
from __future__ import annotations

from ..layout import layout as draw

__all__ = ["draw"]
