"""What the 2-D styles share: the layers they draw and in what order, the words for what a layer does, and the
finishing of a drawing (its caption, width, theme and legend)."""
from __future__ import annotations

from dataclasses import replace

from .. import model
from ..drawing import PASS_THROUGH, Label, Layout, text_box
from ..errors import LayoutError
from ..layout import dressed, fitted, source_lines
from ..model import Layer, Network, Style
from ..shapes import Analysis, stats_line

ACT_NAMES = {"relu": "ReLU", "leakyrelu": "leaky ReLU", "prelu": "PReLU", "elu": "ELU", "gelu": "GELU",
             "silu": "SiLU", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "logsoftmax": "log-softmax"}
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


def pair(value) -> str:
    return f"{value[0]}" if value[0] == value[1] else f"{value[0]}×{value[1]}"


def window(value, axes: int = 2) -> str:
    """A kernel as the papers write it: 5×5, or k5 along the one axis of a 1-D input."""
    return f"{value[0]}×{value[1]}" if axes > 1 else f"k{value[0]}"


def axes(layer: Layer, analysis: dict[str, Analysis]) -> int:
    """How many axes a layer's feature maps have (1: C×L, 2: C×H×W)."""
    return len(analysis[layer.name].shape) - 1


def operation(layer: Layer, analysis: dict[str, Analysis]) -> str:
    """What a layer does, in a few words: '5×5 conv', '2×2 max-pool', 'dropout 0.2'."""
    if isinstance(layer, model.Deconv):
        return f"{window(layer.kernel, axes(layer, analysis))} up-conv"
    if isinstance(layer, model.Conv):
        words = f"{window(layer.kernel, axes(layer, analysis))} {'dw ' if layer.depthwise else ''}conv"
        return words + (f", stride {pair(layer.stride)}" if layer.stride != (1, 1) else "")
    if isinstance(layer, model.Pool):
        if layer.mode == "global":
            return "global avg-pool"
        kernel = layer.kernel or (2, 2)
        stride = layer.stride or kernel
        moved = "" if stride == kernel else ", stride 1" if stride == (1, 1) else f", /{pair(stride)}"
        return f"{window(kernel, axes(layer, analysis))} {layer.mode}-pool{moved}"  # the stride, if not the window
    if isinstance(layer, model.Upsample):
        return f"upsample ×{layer.scale}"
    if isinstance(layer, model.Dropout):
        return f"dropout {layer.p:g}"
    if isinstance(layer, model.Activation):
        return ACT_NAMES[layer.fn]
    if isinstance(layer, model.BatchNorm):
        return "batch norm"
    if isinstance(layer, model.Dense):
        return "dense"
    if isinstance(layer, model.Operation):
        return layer.title
    return {"flatten": "flatten", "layernorm": "layer norm", "embed": "embedding", "attention": "attention",
            "lstm": "LSTM", "gru": "GRU", "encoder": "encoder", "add": "sum", "concat": "concat",
            "input": "input"}.get(layer.kind, layer.kind)


def label(text: str, role: str, x: float, y: float, size: float, layer: str = "") -> Label:
    """A label centred at (x, y), its box measured for the figure's font size."""
    width, height = text_box(text, role, size)
    return Label(text, role, x, y, width, height, layer=layer)


def passes_through(layer: Layer) -> bool:
    return layer.kind in PASS_THROUGH


def finished(network: Network, analysis: dict[str, Analysis], *, marks=(), lines=(), labels=(),
             frames=(), layouts: tuple[str, ...] = ("right",), collapses: bool = False) -> Layout:
    """The drawing with the network's caption and totals under it, fitted to its width, in its theme, with its
    legend; `layouts` are the layouts the style draws, `collapses` whether it draws repeated layers once (a
    setting it does not use is said)."""
    drawing = Layout(network.name, (), (), (), tuple(labels), frames=tuple(frames), marks=tuple(marks),
                     lines=tuple(lines), source_lines=source_lines(network),
                     order={layer.name: i for i, layer in enumerate(network.layers)})
    caption = "\n".join(([network.caption] if network.caption else []) +
                        ([stats_line(analysis)] if network.stats else []))
    if caption:
        box = drawing.bounds()
        height = text_box(caption, "note", network.fontsize)[1]
        drawing = replace(drawing, labels=drawing.labels + (
            label(caption, "note", (box.x0 + box.x1) / 2, box.y0 - 0.25 - height / 2, network.fontsize),))
    notes = []
    if network.layout is not None and network.layout not in layouts:
        notes.append(f"'layout {network.layout}' is not used by the {network.style} style, which draws "
                     + " or ".join(f"'layout {name}'" for name in layouts))
    repeated = any(layer.times > 1 or layer.block_times > 1 for layer in network.layers)
    if network.collapse and repeated and not collapses:
        notes.append(f"'collapse' is not used by the {network.style} style: every copy is drawn")
    if network.width is not None and network.wrap:
        notes.append(f"'wrap' puts the blocks style on rows; the {network.style} style is only scaled to the width")
    return dressed(fitted(replace(drawing, notes=tuple(notes)), network.width), network)
