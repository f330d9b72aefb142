"""Shape inference: each layer's output shape, parameters and MACs, with PyTorch's arithmetic.

Shapes are (channels, *spatial) for feature maps, (features,) for flat vectors, and for sequences (length,) of
token ids or (length, features), as PyTorch's batch_first layout; the batch axis is implicit.
Parameters follow PyTorch: weights and biases, batch-norm's affine weight and bias (running statistics are
buffers, not parameters). MACs count the multiply-accumulates of the layers with weights. What each kind of layer
does is declared with it in tikznn/kinds; this module runs them in the network's order.
"""
from __future__ import annotations

from dataclasses import replace

from . import kinds
from .kinds.activation import learned
from .layer import Analysis, Layer, Shape, describe, shape_error, who
from .model import Network

__all__ = ["Analysis", "Shape", "analyse", "describe", "human", "stats_line"]


def human(count: int) -> str:
    """Three significant digits and a unit: 11689512 → '11.7M', 416520 → '417k'; below 1000 exact."""
    units = ((10**9, "G"), (10**6, "M"), (10**3, "k"))
    for i, (size, unit) in enumerate(units):
        if count >= size:
            value = float(f"{count / size:.3g}")
            if value >= 1000 and i > 0:  # 999,999 rounds up to the next unit
                return f"{value / 1000:.3g}{units[i - 1][1]}"
            return f"{value:g}{unit}"
    return str(count)


def stats_line(analysis: dict[str, "Analysis"]) -> str:
    """The caption line a figure gets with `stats`."""
    params = sum(a.params for a in analysis.values())
    macs = sum(a.macs for a in analysis.values())
    return f"{human(params)} parameters · {human(macs)} MACs"


def analyse(network: Network) -> dict[str, Analysis]:
    """Every layer's output shape, parameter count and multiply-accumulates, by layer name."""
    result: dict[str, Analysis] = {}
    by_name = {layer.name: layer for layer in network.layers}
    for layer in network.layers:
        inputs = [(by_name[name], result[name].shape) for name in layer.inputs]
        result[layer.name] = _analyse(layer, inputs, {result[name].sequence for name in layer.inputs})
        # nn.PReLU() learns one slope
        extra = learned(getattr(layer, "fn", None)) + learned(getattr(layer, "act", None))
        if extra:
            result[layer.name] = replace(result[layer.name], params=result[layer.name].params + extra)
    return result


def _analyse(layer: Layer, inputs, sequences: set[bool]) -> Analysis:
    kind = kinds.of(layer)
    if len(sequences) > 1:
        raise shape_error(layer, "it takes a sequence and a feature map or vector together",
                          hint="merge sequences with sequences (add, concat)")
    if kind.is_input:
        return kind.infer(layer, inputs)
    if kind.any_shape:  # whatever it is, the model it came from said its shape (after sequences, L×D is one)
        found = kind.infer(layer, inputs)
        return replace(found, sequence=sequences == {True} and len(found.shape) <= 2)
    if len(inputs) != 1 and not kind.merges:
        raise shape_error(layer, f"{layer.kind} takes one input, got {len(inputs)}")
    if sequences != {True}:
        return kind.infer(layer, inputs)
    source, shape = inputs[0]
    if len(shape) == 1 and not kind.takes_tokens and not kind.merges:
        lookup = next(k for k in kinds.every() if k.takes_tokens)
        raise shape_error(layer, f"{who(source)} gives token ids; {layer.kind} needs vectors",
                          hint=f"put '{lookup.keyword} VOCAB DIM' first")
    return kind.infer_sequence(layer, inputs)
