"""Shape inference: each layer's output shape, parameters and MACs, with PyTorch's arithmetic.

Shapes are (channels, *spatial) for feature maps and (features,) for flat vectors; the batch axis is implicit.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from . import model
from .errors import ShapeError
from .model import Layer, Network

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Analysis:
    shape: Shape
    params: int
    macs: int


def describe(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def window_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling window along one axis (PyTorch's floor formula)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def transposed_out(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    return (size - 1) * stride - 2 * padding + (kernel - 1) + output_padding + 1


def analyse(network: Network) -> dict[str, Analysis]:
    """Every layer's output shape, parameter count and multiply-accumulates, by layer name."""
    result: dict[str, Analysis] = {}
    by_name = {layer.name: layer for layer in network.layers}
    for layer in network.layers:
        inputs = [(by_name[name], result[name].shape) for name in layer.inputs]
        result[layer.name] = _analyse(layer, inputs)
    return result


def _error(layer: Layer, message: str, hint: str | None = None) -> ShapeError:
    return ShapeError(f"{_who(layer)}: {message}", span=layer.at, hint=hint)


def _who(layer: Layer) -> str:
    """A layer as the user knows it: by its name, or for an unnamed one by its kind and line."""
    if "#" not in layer.name:
        return f"'{layer.name}'"
    return f"the {layer.kind} on line {layer.at.line}" if layer.at else f"'{layer.name}'"


def _spatial_input(layer: Layer, inputs) -> tuple[Layer, Shape]:
    source, shape = inputs[0]
    if len(shape) < 2:
        raise _error(layer, f"{layer.kind} needs a feature map (C×H×W) but {_who(source)} gives a flat "
                            f"vector of {shape[0]}",
                     hint="put spatial layers before 'flatten'/'dense', or give the input a shape like 3x32x32")
    return source, shape


def _analyse(layer: Layer, inputs) -> Analysis:
    if isinstance(layer, model.Input):
        if any(n <= 0 for n in layer.shape) or len(layer.shape) > 4:
            raise _error(layer, f"input shape {describe(layer.shape)} is not a tensor shape",
                         hint="write C×H×W like 3x224x224, C×L like 1x128, or a vector size like 784")
        return Analysis(layer.shape, 0, 0)
    if isinstance(layer, (model.Add, model.Concat)):
        return _merge(layer, inputs)
    if len(inputs) != 1:
        raise _error(layer, f"{layer.kind} takes one input, got {len(inputs)}")
    source, shape = inputs[0]

    if isinstance(layer, model.Deconv):
        _, shape = _spatial_input(layer, inputs)
        spatial = tuple(transposed_out(n, k, s, p) for n, k, s, p in
                        zip(shape[1:], layer.kernel, layer.stride, layer.padding))
        _check_window(layer, source, shape, spatial)
        out = (layer.channels, *spatial)
        weights = shape[0] * layer.channels * prod(layer.kernel[:len(spatial)])
        params = weights + (2 * layer.channels if layer.bn else layer.channels)
        return Analysis(out, params, weights * prod(shape[1:]))
    if isinstance(layer, model.Conv):
        _, shape = _spatial_input(layer, inputs)
        spatial = tuple(window_out(n, k, s, p) for n, k, s, p in
                        zip(shape[1:], layer.kernel, layer.stride, layer.padding))
        _check_window(layer, source, shape, spatial)
        out = (layer.channels, *spatial)
        weights = shape[0] * layer.channels * prod(layer.kernel[:len(spatial)])
        # with a fused batch-norm the conv has no bias (as in torchvision) and BN has 2 weights per channel
        params = weights + (2 * layer.channels if layer.bn else layer.channels)
        return Analysis(out, params, weights * prod(spatial))
    if isinstance(layer, model.Pool):
        _, shape = _spatial_input(layer, inputs)
        if layer.mode == "global":
            return Analysis((shape[0],) + (1,) * (len(shape) - 1), 0, 0)
        stride = layer.stride or layer.kernel
        spatial = tuple(window_out(n, k, s, p) for n, k, s, p in
                        zip(shape[1:], layer.kernel, stride, layer.padding))
        _check_window(layer, source, shape, spatial)
        return Analysis((shape[0], *spatial), 0, 0)
    if isinstance(layer, model.Upsample):
        _, shape = _spatial_input(layer, inputs)
        return Analysis((shape[0], *(n * layer.scale for n in shape[1:])), 0, 0)
    if isinstance(layer, model.Dense):
        if len(shape) != 1:
            raise _error(layer, f"dense needs a flat vector but {_who(source)} gives {describe(shape)}",
                         hint=f"add a 'flatten' line before this one (it gives {prod(shape)} features), "
                              "or 'pool global' first")
        return Analysis((layer.units,), shape[0] * layer.units + layer.units, shape[0] * layer.units)
    if isinstance(layer, model.Flatten):
        return Analysis((prod(shape),), 0, 0)
    if isinstance(layer, model.BatchNorm):
        return Analysis(shape, 2 * shape[0], 0)
    # activation, dropout: the shape passes through
    return Analysis(shape, 0, 0)


def _check_window(layer, source, shape, spatial) -> None:
    if any(n <= 0 for n in spatial):
        raise _error(layer, f"its output would be {describe(spatial)}: the {describe(layer.kernel)} window does "
                            f"not fit the {describe(shape[1:])} output of {_who(source)}",
                     hint="use a smaller kernel or stride, or change the padding")


def _merge(layer: Layer, inputs) -> Analysis:
    if len(inputs) < 2:
        raise _error(layer, f"{layer.kind} needs at least two inputs", hint=f"write: {layer.kind} a b")
    (first, first_shape), rest = inputs[0], inputs[1:]
    for other, shape in rest:
        if isinstance(layer, model.Add) and shape != first_shape:
            raise _error(layer, f"cannot add {_who(first)} ({describe(first_shape)}) and {_who(other)} "
                                f"({describe(shape)})", hint=_projection_hint(first_shape, shape))
        if isinstance(layer, model.Concat) and (len(shape) != len(first_shape) or shape[1:] != first_shape[1:]):
            raise _error(layer, f"cannot concatenate {_who(first)} ({describe(first_shape)}) and "
                                f"{_who(other)} ({describe(shape)}): sizes other than channels differ",
                         hint="resize one branch (pool, upsample or a strided conv) to the other's size")
    if isinstance(layer, model.Add):
        return Analysis(first_shape, 0, 0)
    return Analysis((sum(shape[0] for _, shape in inputs), *first_shape[1:]), 0, 0)


def _projection_hint(a: Shape, b: Shape) -> str:
    if len(a) == len(b) == 3 and a[1] and b[1]:
        big, small = (a, b) if a[1] >= b[1] else (b, a)
        stride = big[1] // small[1] if small[1] else 1
        if stride > 1:
            return (f"project the larger one on the skip: a 1×1 conv with {small[0]} channels and stride {stride} "
                    f"(conv {small[0]} k1 s{stride} bn from NAME)")
        return f"project one with a 1×1 conv to the other's channels (conv {max(a[0], b[0])} k1 from NAME)"
    return "both inputs of add must have the same shape"
