"""`tikznn info`: a network's layers with their output shapes, parameters and MACs, as a table or JSON."""
from __future__ import annotations

from . import model
from .model import Layer, Network
from .shapes import Analysis, describe, human


def summary(layer: Layer) -> str:
    """A layer's kind and settings, written as in the .nn language (defaults left out)."""
    words = [layer.kind if not isinstance(layer, model.Activation) else layer.fn]
    if isinstance(layer, model.Input):
        words.append("x".join(map(str, layer.shape)))
        words += [layer.data] if layer.data != "tensor" else []
    if isinstance(layer, model.Embedding):
        words += [str(layer.vocab), str(layer.dim)]
    if isinstance(layer, model.Recurrent):
        words.append(str(layer.hidden))
        words += ([f"n{layer.layers}"] if layer.layers > 1 else []) + (["bi"] if layer.bidirectional else [])
        words += ["last"] if layer.last else []
    if isinstance(layer, (model.Attention, model.Encoder)):
        words.append(f"h{layer.heads}")
    if isinstance(layer, model.Encoder):
        words.append(f"ff{layer.ff}")
    if isinstance(layer, model.Conv):
        words.append(str(layer.channels))
        words += _window(layer.kernel, "k", None) + _window(layer.stride, "s", (1, 1))
        words += ([f"p{layer.padding}"] if isinstance(layer.padding, str) else _window(layer.padding, "p", (0, 0)))
        words += _window(layer.dilation, "d", (1, 1))
        if isinstance(layer, model.Deconv):
            words += _window(layer.output_padding, "op", (0, 0))
        words += ["dw"] if layer.depthwise else [f"g{layer.groups}"] if layer.groups > 1 else []
        words += {True: ["bias"], False: ["nobias"], None: []}[layer.bias]
        words += ["bn"] if layer.bn else []
    if isinstance(layer, model.Pool):
        words.append(layer.mode)
        if layer.mode != "global":
            kernel = layer.kernel or (2, 2)
            words += _window(kernel, "k", None) + _window(layer.stride or kernel, "s", kernel)
            words += _window(layer.padding, "p", (0, 0)) + (["ceil"] if layer.ceil else [])
    if isinstance(layer, model.Upsample):
        words += [str(layer.scale), layer.mode]
    if isinstance(layer, model.Dense):
        words.append(str(layer.units))
    if isinstance(layer, model.Dropout):
        words.append(f"{layer.p:g}")
    if isinstance(layer, (model.Add, model.Concat)):
        words += list(layer.inputs)
    if isinstance(layer, model.Operation):
        words += [layer.title] + (["x".join(map(str, layer.shape))] if layer.shape else [])
        words += [f"w{layer.weights}"] if layer.weights else []
    act = getattr(layer, "act", None)
    return " ".join(words + ([act] if act else []))


def _window(pair, letter, default) -> list[str]:
    if pair == default:
        return []
    return [f"{letter}{pair[0]}" if pair[0] == pair[1] else f"{letter}{pair[0]}x{pair[1]}"]


def as_json(network: Network, analysis: dict[str, Analysis]) -> dict:
    inputs = [layer for layer in network.layers if isinstance(layer, model.Input)]
    return {
        "network": network.name,
        "input_shape": list(inputs[0].shape) if inputs else [],
        "total_params": sum(a.params for a in analysis.values()),
        "total_macs": sum(a.macs for a in analysis.values()),
        "layers": [{"name": layer.name, "kind": layer.kind, "output_shape": list(analysis[layer.name].shape),
                    "params": analysis[layer.name].params, "macs": analysis[layer.name].macs}
                   for layer in network.layers],
    }


def as_table(network: Network, analysis: dict[str, Analysis]) -> str:
    rows = [("line", "layer", "kind", "output", "params", "MACs")]
    stage = ""
    for layer in network.layers:
        if layer.stage != stage:  # a stage's layers under its name, with their totals
            stage = layer.stage
            if stage:
                members = [analysis[other.name] for other in network.layers if other.stage == stage]
                rows.append(("", f"[{stage}]", "", "", f"{sum(a.params for a in members):,}",
                             human(sum(a.macs for a in members))))
        a = analysis[layer.name]
        line = str((layer.used_at or layer.at).line) if layer.at else ""
        rows.append((line, layer.name, summary(layer), describe(a.shape),
                     f"{a.params:,}", human(a.macs) if a.macs else ""))
    params = sum(a.params for a in analysis.values())
    macs = sum(a.macs for a in analysis.values())
    elements = sum(a.elements for a in analysis.values())
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 4, 5}

    def line(row):
        return "  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in
                         enumerate(zip(row, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [f"{network.name}", "", line(rows[0]), rule] + [line(row) for row in rows[1:]] + [rule]
    out.append(f"total: {params:,} parameters ({human(params)}), {human(macs)} MACs, "
               f"{human(elements)} activations per sample")
    return "\n".join(out)
