"""What every style does last to its drawing: fit it to the figure's width, dress it in the figure's theme and font
size with its legend, and note the .nn line of everything labelled (for messages that point at a label)."""
from __future__ import annotations

from .drawing import Layout
from .figure import Figure
from .legend import with_legend
from .model import Network
from .tex import NAMED_WIDTHS, length_cm
from .topology import skip_owner

BORDER_CM = 2 * 4 / 72.27 * 2.54  # the standalone document's border, 4 pt on each side
PAGE_HEIGHT = "9in"  # a page's text height (letter paper, 1 in margins): no figure can be taller


def fitted(drawing: Layout, figure: Figure) -> Layout:
    """The drawing with the width and height it must fit: in cm, less the standalone PDF's margins; a width relative
    to the page (0.8\\linewidth) only as written, for the document a fragment goes into to shrink it. With a width,
    the height is at most a page's text height unless the figure says otherwise."""
    if figure.width is None and figure.height is None:
        return drawing
    width = length_cm(figure.width) if figure.width is not None else None
    height = figure.height or (PAGE_HEIGHT if width is not None else None)
    height = length_cm(height) if height is not None else None
    return drawing.but(fit=NAMED_WIDTHS.get(figure.width, figure.width),
                       width=None if width is None else width - BORDER_CM,
                       height=None if height is None else height - BORDER_CM)


def dressed(drawing: Layout, figure: Figure) -> Layout:
    """The drawing in the figure's theme and font size, with its legend if it asks for one."""
    drawing = drawing.but(theme=figure.theme, colours=figure.colours, fontsize=figure.text_size)
    return with_legend(drawing, dict(figure.names)) if figure.legend else drawing


def source_lines(network: Network) -> dict[str, int]:
    """The .nn line of everything that has a label: layers by name, skips as 'the skip A -> B'."""
    lines = {layer.name: (layer.used_at or layer.at).line for layer in network.layers if layer.at}
    lines.update({skip_owner(s): s.at.line for s in network.skips if s.at})
    return lines
