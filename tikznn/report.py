"""`tikznn info`: a network's layers with their output shapes, parameters and MACs, as a table or JSON."""
from __future__ import annotations

from . import kinds
from .model import Layer, Network
from .shapes import Analysis, describe, human


def summary(layer: Layer) -> str:
    """A layer's kind and settings, written as in the .nn language (defaults left out)."""
    kind = kinds.of(layer)
    return kinds.wording(layer, layer.inputs if kind.merges else ())


def as_json(network: Network, analysis: dict[str, Analysis]) -> dict:
    inputs = [layer for layer in network.layers if kinds.of(layer).is_input]
    return {
        "network": network.name,
        "input_shape": list(inputs[0].shape) if inputs else [],
        "total_params": sum(a.params for a in analysis.values()),
        "total_macs": sum(a.macs for a in analysis.values()),
        "layers": [{"name": layer.name, "kind": layer.kind, "output_shape": list(analysis[layer.name].shape),
                    "params": analysis[layer.name].params, "macs": analysis[layer.name].macs}
                   for layer in network.layers],
    }


def row(layer: Layer, analysis: Analysis) -> dict:
    """A layer's row of the table: its .nn line ('' if none), name, kind as written, output shape, parameters and
    MACs, as `tikznn info` (and `tikznn serve`'s page) show them."""
    line = (layer.used_at or layer.at).line if layer.at else ""
    return {"line": line, "name": layer.name, "kind": summary(layer), "output": describe(analysis.shape),
            "params": f"{analysis.params:,}", "macs": human(analysis.macs) if analysis.macs else ""}


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
        rows.append(tuple(str(value) for value in row(layer, analysis[layer.name]).values()))
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
