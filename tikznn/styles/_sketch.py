"""What the 2-D styles share: the layers they draw and in what order, the words for what a layer does, and the
finishing of a drawing (its caption, width, theme and legend)."""
from __future__ import annotations

from dataclasses import replace

from .. import kinds
from ..drawing import Label, Layout
from ..errors import LayoutError
from ..finishing import dressed, fitted, source_lines
from ..kinds.activation import NAMES as ACT_NAMES
from ..layer import Layer, Style
from ..metrics import text_box
from ..model import Network
from ..shapes import Analysis, stats_line

GAP = 0.15  # cm between a mark and its label
OPAQUE = Style(opacity=1.0)  # small dots (an ellipsis) in their colour, whatever the theme's opacity


def chain(network: Network, style: str) -> list[Layer]:
    """The layers of a network that is one chain (each layer fed by the one before), which the flat and graph
    styles draw; a branch or a merge is an error naming it."""
    for before, layer in zip(network.layers, network.layers[1:]):
        if layer.inputs != (before.name,):
            source = network[layer.inputs[0]] if layer.inputs else None
            what = (f"merges {len(layer.inputs)} inputs" if len(layer.inputs) > 1 else
                    f"branches off {who(source)}" if source else "is a second input")
            raise LayoutError(f"the {style} style draws a chain of layers, one after another; "
                              f"{who(layer)} {what}", span=layer.used_at or layer.at,
                              hint="draw this network with --style blocks or --style schematic (or 'style "
                                   "schematic' in the .nn file), which show branches and merges")
    if network.skips:
        skip = network.skips[0]
        raise LayoutError(f"the {style} style has no arrows between distant layers, such as the skip "
                          f"{skip.source} -> {skip.target}", span=skip.at,
                          hint="draw this network with --style blocks or --style schematic")
    return list(network.layers)


def who(layer: Layer) -> str:
    """How a message names a layer: by its label or name; one a block named for itself ('conv#3') by its kind."""
    if layer.label:
        return f"{layer.kind} \"{layer.label}\""
    return f"{layer.kind} '{layer.name}'" if "#" not in layer.name else f"this {layer.kind}"


def shown_label(layer: Layer) -> str | None:
    """The layer's label, unless {nolabel} hides it."""
    return layer.label if layer.style.show_label else None


def operation(layer: Layer, analysis: dict[str, Analysis], *, counts: bool = False, act: bool = False) -> str:
    """What a layer does in its kind's one description ('5×5 conv', '3×3 max-pool, /2'; with `counts`,
    '3×3 conv, 64'), then with `act` its activation ('5×5 conv, ReLU')."""
    kind = kinds.of(layer)
    words = kind.describe(layer, analysis[layer.name], counts)
    fn = None if kind.act_inside else getattr(layer, "act", None)
    return f"{words}, {ACT_NAMES[fn]}" if act and fn else words


def label(text: str, role: str, x: float, y: float, size: float, layer: str = "") -> Label:
    """A label centred at (x, y), its box measured for the figure's font size."""
    width, height = text_box(text, role, size)
    return Label(text, role, x, y, width, height, layer=layer)


def passes_through(layer: Layer) -> bool:
    return kinds.of(layer).in_arrow


def finished(network: Network, analysis: dict[str, Analysis], figure, *, marks=(), lines=(), labels=(),
             frames=(), layouts: tuple[str, ...] = ("right",), collapses: bool = False) -> Layout:
    """The drawing with the network's caption and totals under it, fitted to the figure's (figure.Figure) width, in
    its theme, with its legend; `layouts` are the layouts the style draws, `collapses` whether it draws repeated
    layers once (a setting it does not use is said)."""
    drawing = Layout(network.name, (), (), (), tuple(labels), frames=tuple(frames), marks=tuple(marks),
                     lines=tuple(lines), source_lines=source_lines(network),
                     order={layer.name: i for i, layer in enumerate(network.layers)})
    caption = "\n".join(([network.caption] if network.caption else []) +
                        ([stats_line(analysis)] if figure.stats else []))
    if caption:
        box = drawing.bounds()
        height = text_box(caption, "note", figure.text_size)[1]
        drawing = replace(drawing, labels=drawing.labels + (
            label(caption, "note", (box.x0 + box.x1) / 2, box.y0 - 0.25 - height / 2, figure.text_size),))
    notes = []
    if figure.layout is not None and figure.layout not in layouts:
        notes.append(f"'layout {figure.layout}' is not used by the {figure.style} style, which draws "
                     + " or ".join(f"'layout {name}'" for name in layouts))
    repeated = any(layer.times > 1 or layer.block_times > 1 for layer in network.layers)
    if figure.collapse and repeated and not collapses:
        notes.append(f"'collapse' is not used by the {figure.style} style: every copy is drawn")
    if figure.width is not None and figure.wrap:
        notes.append(f"'wrap' puts the blocks style on rows; the {figure.style} style is only scaled to the width")
    return dressed(fitted(replace(drawing, notes=tuple(notes)), figure), figure)