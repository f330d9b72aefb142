"""flat: LeNet's look, each feature map a stack of squares, a kernel projecting onto the next map (draw_convnet).

A feature map of C channels is a stack of C squares, or of a few with an ellipsis when C is large; its side grows
with the logarithm of its size. A vector (a dense layer) is an upright bar. Above each stack, its name and shape
("C1: 6@28×28"); under the gap before it, what made it ("5×5 conv, ReLU"). A convolution or pooling shows its
window as a small square on the front map, projecting to a point on the next. Sequences (tokens, positions ×
features) have no feature maps to draw: the style says so and names the styles that draw them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import kinds, theme
from . import _sketch
from ._sketch import GAP, label, operation
from ..drawing import Line, Mark
from ..errors import LayoutError
from ..layer import Layer
from ..metrics import text_box, wrap
from ..model import Network
from ..shapes import Analysis

OFFSET = 0.14      # cm between the squares of a stack, right and down
ALL_SHOWN = 6      # up to this many channels, every square is drawn; beyond, BACK squares, an ellipsis and the front
BACK = 3
TINT = 60          # percent of a kind's colour in its maps: opaque, so a stack reads as squares one behind another
BAR_WIDTH = 0.3
MIN_GAP = 0.9


def side(size: int) -> float:
    return min(4.2, 0.5 + 0.42 * math.log2(max(size, 1)))


def bar_height(units: int) -> float:
    return min(4.2, 0.6 + 0.3 * math.log2(max(units, 1)))


@dataclass
class _Stack:
    layer: Layer
    shape: tuple
    made_by: list = field(default_factory=list)  # the layers between the stack before and this one, this included
    x: float = 0.0          # left of its column
    width: float = 0.0      # of its column (its label may be wider than its squares)
    front: tuple = ()       # the front square (or the bar): x0, y0, x1, y1

    @property
    def vector(self) -> bool:
        return len(self.shape) == 1

    def extent(self) -> tuple[float, float]:
        """Width and height of its squares (or bar) together."""
        if self.vector:
            return BAR_WIDTH, bar_height(self.shape[0])
        w, h = _square(self.shape)
        slots = _slots(self.shape[0])
        return w + (slots - 1) * OFFSET, h + (slots - 1) * OFFSET


def _square(shape) -> tuple[float, float]:
    return side(shape[2] if len(shape) > 2 else 1), side(shape[1])


def _slots(channels: int) -> int:
    """Places in a stack, front included: every channel, or BACK, two places of ellipsis and the front."""
    return channels if channels <= ALL_SHOWN else BACK + 3


def draw(network: Network, analysis: dict[str, Analysis], figure):
    size = figure.text_size
    stacks: list[_Stack] = []
    waiting: list[Layer] = []  # layers drawn as words under the next gap (flatten, batch norm, ...)
    for layer in _sketch.chain(network, "flat"):
        result = analysis[layer.name]
        if result.sequence:
            raise LayoutError(f"the flat style draws feature maps and vectors; {_sketch.who(layer)} works on a "
                              f"sequence ({'×'.join(map(str, result.shape))}), which has no maps to stack",
                              span=layer.used_at or layer.at, hint="draw it with --style blocks or schematic")
        if kinds.of(layer).in_words or (stacks and kinds.of(layer).is_input):
            waiting.append(layer)
            continue
        stacks.append(_Stack(layer, result.shape, waiting + [layer]))
        waiting = []
    if waiting and stacks:
        stacks[-1].made_by += waiting  # a trailing activation: said with the last stack
    marks: list[Mark] = []
    lines: list[Line] = []
    labels = []
    x = 0.0
    for i, stack in enumerate(stacks):
        stack.width = max(stack.extent()[0], text_box(_title(stack, figure.dims), "caption", size)[0])
        if i:
            words = _words(stack, analysis)
            x += max(MIN_GAP, text_box(words, "note", size)[0] + 0.3)
        stack.x = x
        x += stack.width
        marks += _draw_stack(stack)
    for before, stack in zip(stacks, stacks[1:]):
        m, ls = _projection(before, stack)
        marks += m
        lines += ls
    top = max(s.extent()[1] for s in stacks) / 2 + GAP
    bottom = -top
    for i, stack in enumerate(stacks):
        text = _title(stack, figure.dims)
        if text:
            labels.append(label(text, "caption", stack.x + stack.width / 2,
                                top + text_box(text, "caption", size)[1] / 2, size, stack.layer.name))
        words = _words(stack, analysis) if i else ""
        if words:
            before = stacks[i - 1]
            height = text_box(words, "note", size)[1]
            labels.append(label(words, "note", (before.x + before.width + stack.x) / 2, bottom - height / 2, size,
                                stack.layer.name))
    return _sketch.finished(network, analysis, figure, marks=marks, lines=lines, labels=labels)


def _title(stack: _Stack, dims: str) -> str:
    """'C1: 6@28×28': its name, then C maps of H×W (or the length of a vector); {nolabel} hides the name, dims
    none the size."""
    shape = stack.shape
    size = (f"{shape[0]}" if len(shape) == 1 else f"{shape[0]}@{shape[1]}" if len(shape) == 2
            else f"{shape[0]}@{shape[1]}×{shape[2]}")
    if (stack.layer.style.dims or dims) == "none":
        size = ""
    name = _sketch.shown_label(stack.layer) or ("input" if kinds.of(stack.layer).is_input else "")
    return ": ".join(filter(None, [name, size]))


def _words(stack: _Stack, analysis) -> str:
    """What made a stack from the one before, one line per layer: '5×5 conv, ReLU', 'flatten', 'dense'."""
    lines = []
    for layer in stack.made_by:
        lines.append(wrap(operation(layer, analysis, act=True), 12))
    return "\n".join(lines)


def _draw_stack(stack: _Stack) -> list[Mark]:
    """Its squares back to front (the front one last, lowest and furthest right), or its bar; centred on y = 0."""
    width, height = stack.extent()
    left = stack.x + (stack.width - width) / 2
    fill, name, style = _fill(stack.layer), stack.layer.name, stack.layer.style
    if stack.vector:
        stack.front = (left, -height / 2, left + width, height / 2)
        return [Mark(name, *stack.front, fill=fill, style=style, tint=TINT)]
    w, h = _square(stack.shape)
    slots = _slots(stack.shape[0])
    top = height / 2
    marks = []
    for slot in range(slots):
        x0, y1 = left + slot * OFFSET, top - slot * OFFSET
        if stack.shape[0] > ALL_SHOWN and slot in (BACK, BACK + 1):  # the ellipsis: a dot at a corner
            if slot == BACK:
                marks += [Mark(name, x0 + t * OFFSET - 0.03, y1 - t * OFFSET - 0.03, x0 + t * OFFSET + 0.03,
                               y1 - t * OFFSET + 0.03, fill="edge", circle=True, stroke="none", solid=False,
                               style=_sketch.OPAQUE) for t in (0.0, 0.75, 1.5)]
            continue
        marks.append(Mark(name, x0, y1 - h, x0 + w, y1, fill=fill, style=style, tint=TINT))
    squares = [i for i, mark in enumerate(marks) if not mark.circle]  # (the ellipsis's dots are no maps)
    for k, i in enumerate(reversed(squares)):
        marks[i] = replace(marks[i], face=k)
    stack.front = (marks[-1].x0, marks[-1].y0, marks[-1].x1, marks[-1].y1)
    return marks


def _projection(before: _Stack, stack: _Stack) -> tuple[list[Mark], list[Line]]:
    """A window (kernel) as a small square on the front map before, its corners joined to a point on the next
    map; into a vector, the front map's right edge joined to the bar's."""
    x0, y0, x1, y1 = before.front
    a0, b0, a1, b1 = stack.front
    name = stack.layer.name
    layer = stack.made_by[-1]
    kernel = getattr(layer, "kernel", None)
    if kinds.of(layer).window and not before.vector and not stack.vector:
        kernel = kernel or (before.shape[1:] if getattr(layer, "mode", "") == "global" else (2, 2))
        kw = max(0.16, min(0.8 * (x1 - x0), (x1 - x0) * kernel[-1] / before.shape[-1]))
        kh = max(0.16, min(0.8 * (y1 - y0), (y1 - y0) * kernel[0] / before.shape[1]))
        kx, ky = x0 + 0.6 * (x1 - x0) - kw / 2, y1 - 0.35 * (y1 - y0) + kh / 2  # top left of the window
        px, py = a0 + 0.6 * (a1 - a0), b1 - 0.35 * (b1 - b0)
        window = Mark(name, kx, ky - kh, kx + kw, ky, solid=False)
        return [window], [Line(((kx + kw, ky), (px, py)), "guide", before.layer.name, name),
                          Line(((kx + kw, ky - kh), (px, py)), "guide", before.layer.name, name)]
    return [], [Line(((x1, y1), (a0, b1)), "guide", before.layer.name, name),
                Line(((x1, y0), (a0, b0)), "guide", before.layer.name, name)]


def _fill(layer: Layer) -> str:
    if kinds.of(layer).bar and getattr(layer, "act", None) == "softmax":
        return "softmax"
    return layer.kind if layer.kind in theme.PARTS else "op"
