"""graph: neurons as circles in columns, every edge between consecutive fully connected layers (NN-SVG's FCNN look).

A dense layer (or a vector input) is a column of neurons: all of them up to MAX_SHOWN, else the first and last few
around a vertical ellipsis, the true count written under the column. Layers that have no neurons to draw (a
convolution's feature maps, pooling) are compact boxes saying what they are and their shape; the build says so.
Option `bias`: a bias node (+1) above each column that feeds a dense layer. The opacity of the edges into a layer
is its `opacity` setting, else the theme's ('edge' in a theme file).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import kinds, theme
from . import _sketch
from ._sketch import ACT_NAMES, GAP, label, operation
from ..drawing import Line, Mark
from ..errors import LayoutError
from ..layer import Layer
from ..metrics import text_box
from ..model import Network
from ..shapes import Analysis, describe

MAX_SHOWN = 10   # neurons drawn in a column; more are drawn as HEAD, an ellipsis, TAIL
HEAD, TAIL = 4, 3
DIAMETER = 0.36  # cm
PITCH = 0.52     # cm between neighbouring neurons' centres
MIN_GAP = 2.2    # cm between columns of neurons, more when the words under a gap need it
BOX_GAP = 0.9    # cm between two boxes, 1.6 between a box and neurons
BOX_TINT = 40    # percent: a box's fill is light, so that its words read on it
OPTIONS = {"bias": "a bias node (+1) above each column that feeds a dense layer"}


@dataclass
class _Column:
    layer: Layer
    x: float = 0.0
    width: float = 0.0
    neurons: list = field(default_factory=list)  # centres of the drawn neurons, top to bottom
    box: Mark | None = None
    gap_words: list = field(default_factory=list)  # what happens between this column and the next
    trailing: list = field(default_factory=list)   # ... or after it, when it is the last
    top: float = 0.0
    bottom: float = 0.0


def draw(network: Network, analysis: dict[str, Analysis], figure):
    size = figure.text_size
    columns: list[_Column] = []
    for layer in _sketch.chain(network, "graph"):
        if _column_kind(layer, analysis) is None:  # drawn as words in the gap before the next column
            if columns:
                columns[-1].gap_words.append(operation(layer, analysis))
            continue
        columns.append(_Column(layer))
    if columns and columns[-1].gap_words:  # after the last column: said under it
        columns[-1].trailing, columns[-1].gap_words = columns[-1].gap_words, []
    if not any(_column_kind(c.layer, analysis) == "neurons" and not kinds.of(c.layer).is_input for c in columns):
        dense = next((layer for layer in network.layers if kinds.of(layer).neurons and not kinds.of(layer).is_input),
                     None)
        sequences = any(result.sequence for result in analysis.values())
        widest = max(result.shape[0] for result in analysis.values())
        why = ("its dense layers work on each position of a sequence" if dense else
               "a sequence has no neurons to draw" if sequences else
               f"feature maps of up to {widest} channels would be columns of {widest} circles that say nothing")
        where = dense or network.layers[0]
        raise LayoutError("the graph style draws the neurons of fully connected (dense) layers on vectors, and this "
                          f"network has none: {why}", span=where.used_at or where.at,
                          hint="draw it with --style blocks or schematic" + ("" if sequences else ", or flat"))
    bias = "bias" in figure.style_options
    marks: list[Mark] = []
    lines: list[Line] = []
    labels = []
    # where each column stands: wide enough for its words, far enough from the next for the words between them
    x = 0.0
    for i, column in enumerate(columns):
        head = _head_text(column.layer, i, len(columns))
        foot = _foot_text(column, analysis)
        kind = _column_kind(column.layer, analysis)
        body = DIAMETER if kind == "neurons" else _box_size(column.layer, analysis, size)[0]
        column.width = max(body, text_box(head, "caption", size)[0], text_box(foot, "dims", size)[0])
        if i:
            between = "\n".join(columns[i - 1].gap_words)
            boxes = (_column_kind(columns[i - 1].layer, analysis) == "box") + (kind == "box")
            least = (MIN_GAP, 1.6, BOX_GAP)[boxes]
            gap = max(least, text_box(between, "note", size)[0] + 0.4) if between else least
            x += columns[i - 1].width / 2 + gap + column.width / 2
        column.x = x
        if kind == "neurons":
            column.neurons = _neurons(column.x, analysis[column.layer.name].shape[-1])
            column.top, column.bottom = column.neurons[0][1] + DIAMETER / 2, column.neurons[-1][1] - DIAMETER / 2
        else:
            width, height = _box_size(column.layer, analysis, size)
            column.box = Mark(column.layer.name, x - width / 2, -height / 2, x + width / 2, height / 2,
                              fill=column.layer.kind if column.layer.kind in theme.PARTS else "op",
                              style=column.layer.style, tint=BOX_TINT, round=0.12, holds=True)
            column.top, column.bottom = height / 2, -height / 2
    # bias nodes stand above the column they feed from
    biases = {}
    bias_size = max(DIAMETER, math.hypot(*text_box("+1", "dims", size)) + 0.04)  # round its words
    if bias:
        for before, column in zip(columns, columns[1:]):
            if kinds.of(column.layer).neurons:  # over a box: at its right corner, its edges clear of the box
                y = before.top + PITCH - DIAMETER + bias_size / 2 + (0.1 if before.box else 0.0)
                biases[column.layer.name] = (before.box.x1 if before.box else before.x, y)
                before.top = y + bias_size / 2
    for column in columns:
        if column.box:
            marks.append(column.box)
            text, shape = _box_lines(column.layer, analysis)
            inner = column.box.y1 - 0.15
            labels.append(label(text, "caption", column.x, inner - text_box(text, "caption", size)[1] / 2, size,
                                column.layer.name))
            labels.append(label(shape, "dims", column.x, -inner + text_box(shape, "dims", size)[1] / 2, size,
                                column.layer.name))
        for i, (cx, cy) in enumerate(column.neurons):
            if cy is None:  # the ellipsis
                continue
            marks.append(Mark(column.layer.name, cx - DIAMETER / 2, cy - DIAMETER / 2, cx + DIAMETER / 2,
                              cy + DIAMETER / 2, fill=_fill(column), style=column.layer.style, circle=True))
        marks += _ellipsis(column)
    for name, (bx, by) in biases.items():
        r = bias_size / 2
        marks.append(Mark(name, bx - r, by - r, bx + r, by + r, fill=None, circle=True, holds=True))
        labels.append(label("+1", "dims", bx, by, size, name))
    for before, column in zip(columns, columns[1:]):
        bias_at = biases.get(column.layer.name)
        lines += _connections(before, column, bias_at and (bias_at, bias_size / 2))
    # the words: names above on one row, counts under on one row, what happens between columns under those
    top = max(c.top for c in columns) + GAP
    bottom = min(c.bottom for c in columns) - GAP
    head_h = max(text_box(_head_text(c.layer, i, len(columns)), "caption", size)[1] for i, c in enumerate(columns))
    foot_h = max(text_box(_foot_text(c, analysis), "dims", size)[1] for c in columns)
    for i, column in enumerate(columns):
        head = _head_text(column.layer, i, len(columns))
        if head:
            labels.append(label(head, "caption", column.x, top + head_h / 2, size, column.layer.name))
        foot = _foot_text(column, analysis)
        if foot:
            labels.append(label(foot, "dims", column.x, bottom - foot_h / 2, size, column.layer.name))
    for before, column in zip(columns, columns[1:]):
        if before.gap_words:
            text = "\n".join(before.gap_words)
            height = text_box(text, "note", size)[1]
            labels.append(label(text, "note", (before.x + before.width / 2 + column.x - column.width / 2) / 2,
                                bottom - height / 2, size, column.layer.name))  # between the counts
    boxes = [c.layer for c in columns if c.box and not kinds.of(c.layer).is_input]
    notes = ()
    if boxes:
        names = ", ".join(_sketch.who(layer) for layer in boxes[:4]) + (", ..." if len(boxes) > 4 else "")
        many = len(boxes) > 1
        what = "layers are drawn as boxes with their shapes" if many else "layer is drawn as a box with its shape"
        notes = (f"the graph style draws neurons for fully connected layers only; {len(boxes)} other {what} "
                 f"({names})",)
    drawing = _sketch.finished(network, analysis, figure, marks=marks, lines=lines, labels=labels)
    return replace(drawing, notes=drawing.notes + notes)


def _column_kind(layer: Layer, analysis) -> str | None:
    """neurons (a vector), box (anything else shown), or None: words between columns (flatten, batch norm, ...)."""
    if kinds.of(layer).in_words:
        return None
    shape = analysis[layer.name].shape
    if kinds.of(layer).neurons and len(shape) == 1 and not analysis[layer.name].sequence:
        return "neurons"
    return "box"


def _neurons(x: float, count: int) -> list:
    """Centres of a column's neurons, top to bottom, centred on y = 0; (x, None) marks the ellipsis."""
    shown = [0] * count if count <= MAX_SHOWN else [0] * HEAD + [None] + [0] * TAIL
    top = (len(shown) - 1) * PITCH / 2
    return [(x, top - i * PITCH if s is not None else None) for i, s in enumerate(shown)]


def _ellipsis(column: _Column) -> list[Mark]:
    """Three dots where the neurons not drawn would be."""
    for i, (cx, cy) in enumerate(column.neurons):
        if cy is None:
            y = column.neurons[i - 1][1] - PITCH
            r = 0.035
            return [Mark(column.layer.name, cx - r, y + d - r, cx + r, y + d + r, fill="edge", circle=True,
                         style=_sketch.OPAQUE, stroke="none", solid=False) for d in (-0.13, 0.0, 0.13)]
    return []


def _fill(column: _Column) -> str:
    if kinds.of(column.layer).is_input:
        return "input"
    softmax = getattr(column.layer, "act", None) == "softmax" or ACT_NAMES["softmax"] in column.trailing
    return "softmax" if softmax else "dense"


def _drawn(column: _Column) -> list:
    return [(x, y) for x, y in column.neurons if y is not None]


def _connections(before: _Column, column: _Column, bias) -> list[Line]:
    """Edges from every drawn neuron (or the box) before to every one of this column (or its box)."""
    def rim(p, q, r):  # the point where the segment p-q leaves a circle of radius r around p
        d = math.dist(p, q)
        return (p[0] + (q[0] - p[0]) * r / d, p[1] + (q[1] - p[1]) * r / d)

    name, style = column.layer.name, column.layer.style
    sources = [(p, DIAMETER / 2) for p in _drawn(before)] or [((before.box.x1, 0.0), 0.0)]
    targets = [(p, DIAMETER / 2) for p in _drawn(column)] or [((column.box.x0, 0.0), 0.0)]
    if before.box and column.box:
        return [Line(((before.box.x1, 0.0), (column.box.x0, 0.0)), "flow", before.layer.name, name)]
    lines = [Line((rim(p, q, r), rim(q, p, s)), "edge", before.layer.name, name, style)
             for p, r in sources for q, s in targets]
    if bias:  # (centre, radius) of the bias node
        (centre, radius) = bias
        lines += [Line((rim(centre, q, radius), rim(q, centre, s)), "edge", before.layer.name, name, style)
                  for q, s in targets]
    return lines


def _head_text(layer: Layer, i: int, count: int) -> str:
    """Above a column: the layer's label; else, over neurons, which layer of the network it is."""
    if not layer.style.show_label:
        return ""
    if layer.label or not kinds.of(layer).neurons:
        return layer.label or ""
    if kinds.of(layer).is_input:
        return "input"
    return "output" if i == count - 1 else "hidden"


def _foot_text(column: _Column, analysis) -> str:
    """Under a column of neurons: how many there are, and their activation (and what follows the last column)."""
    layer = column.layer
    words = []
    if kinds.of(layer).neurons and len(analysis[layer.name].shape) == 1:
        words.append(f"{analysis[layer.name].shape[0]:,}")
    act = getattr(layer, "act", None)
    return " · ".join(words + ([ACT_NAMES[act]] if act and words else []) + column.trailing)


def _box_lines(layer: Layer, analysis) -> tuple[str, str]:
    """What a box says: what the layer does, and its output ('6@28×28': 6 maps of 28×28)."""
    shape = analysis[layer.name].shape
    words = operation(layer, analysis, act=not kinds.of(layer).neurons)
    if len(shape) == 3:
        return words, f"{shape[0]}@{shape[1]}×{shape[2]}"
    return words, describe(shape)


def _box_size(layer: Layer, analysis, size: float) -> tuple[float, float]:
    text, shape = _box_lines(layer, analysis)
    return (max(text_box(text, "caption", size)[0], text_box(shape, "dims", size)[0]) + 0.3,
            text_box(text, "caption", size)[1] + text_box(shape, "dims", size)[1] + 0.3)

