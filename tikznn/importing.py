"""`tikznn import`: a model file or a PyTorch model as .nn text, through the reader for its format (onnx_reader,
torch_reader) and the writer in traced.py."""
from __future__ import annotations

import re
from pathlib import Path

from . import onnx_reader, torch_reader
from .errors import ModelImportError, TikznnError
from .kinds import wording
from .model import Network
from .parser import parse
from .shapes import analyse
from .traced import Op, to_nn, written


def import_model(source: str, input_shape: str | None = None, *, tokens: bool = False) -> tuple[str, list[str]]:
    """The .nn text for a model (an .onnx file, or a PyTorch spec module:attr with `input_shape` like 3x224x224),
    checked by parsing it back, and a warning for each operation written as a generic 'op' line."""
    if source.endswith(".py") and ":" not in source:
        raise ModelImportError(f"{source} is Python: name the class or function that makes the model",
                               hint=f"tikznn import {source}:Net --input 3x224x224")
    unused = ""
    if source.endswith(".onnx") or Path(source).is_file() and ":" not in source:
        ops, title = onnx_reader.read(source)
    else:
        if not input_shape or not re.fullmatch(r"\d+(x\d+)*", input_shape):
            raise ModelImportError(f"give the input size of {source} without the batch axis",
                                   hint="--input 3x224x224 (or --input 128 --tokens for token ids)")
        shape = tuple(int(n) for n in input_shape.split("x"))
        model = torch_reader.load(source)
        ops = torch_reader.read(model, shape, tokens=tokens)
        title = re.sub(r"\(.*", "", source).rpartition(":")[2]  # the class or function, not its arguments
        held, run = sum(p.numel() for p in model.parameters()), sum(op.params for op in ops)
        if run < held:
            unused = (f"{held - run:,} of the model's {held:,} parameters are in modules its forward does not "
                      "run: they are not in the .nn")
    text = to_nn(ops, title=title, source=Path(source).name if source.endswith(".onnx") else source)
    network, analysis = _read_back(text)
    _check_totals(network, analysis, ops)
    _check_layers(network, analysis, written(ops))
    unknown: dict[str, list[str]] = {}
    for layer in network.layers:  # (an unnamed one by its line in the text written)
        if layer.kind == "op":
            unknown.setdefault(layer.title, []).append(layer.name if "#" not in layer.name or not layer.at
                                                       else f"line {layer.at.line}")
    notes = [f"{title} has no word in the .nn language: written as 'op {title}' "
             f"({len(names)}×: {', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
             for title, names in unknown.items()]
    return text, notes + ([unused] if unused else [])


def _read_back(text: str) -> tuple[Network, dict]:
    """The network the written text describes, and its analysis: what we write must read back and fit together;
    a failure here is tikznn's bug, not the user's (its line is in text the user has not seen: quote it)."""
    try:
        network = parse(text)
        return network, analyse(network)
    except TikznnError as err:
        line = text.splitlines()[err.span.line - 1].strip() if err.span and err.span.line else ""
        raise ModelImportError(f"the .nn text tikznn wrote does not read back ({err.message}"
                               + (f", at '{line}'" if line else "") + "): a bug in tikznn, nothing was written",
                               hint="please report it with the model") from None


def _check_layers(network: Network, analysis: dict, ops: list[Op]) -> None:
    """Never a silently wrong number, layer by layer: each layer of the text gives the shape the model's operation
    gives and holds the parameters it holds (totals alone let two errors cancel)."""
    if len(network.layers) != len(ops):
        raise ModelImportError(f"the .nn text tikznn wrote has {len(network.layers)} layers for {len(ops)} operations: "
                               "a bug in tikznn, nothing was written", hint="please report it with the model")
    for layer, op in zip(network.layers, ops):
        found = analysis[layer.name]
        if tuple(found.shape) != tuple(op.shape) or op.params is not None and found.params != op.params:
            said = "×".join(map(str, found.shape))
            real = "×".join(map(str, op.shape))
            raise ModelImportError(
                f"tikznn cannot write '{op.name}' exactly: its line '{wording(layer)}' gives {said} with "
                f"{found.params:,} parameters where the model gives {real}"
                + (f" with {op.params:,}" if op.params is not None else "") + "; nothing was written",
                hint="please report it with the model; an ONNX export of it may import")


def _check_totals(network: Network, analysis: dict, ops: list[Op]) -> None:
    """Never a silently wrong number: the .nn written must hold as many parameters as the operations it was read
    from (when the reader knows each one's). Else it is tikznn's bug: say so, with both totals and the first line
    whose running total no run of the model's operations has, and write nothing."""
    if any(op.params is None for op in ops):
        return
    written, held = sum(a.params for a in analysis.values()), sum(op.params for op in ops)
    if written == held:
        return
    runs, total = {0}, 0
    for op in ops:
        total += op.params
        runs.add(total)
    total, first = 0, network.layers[-1]
    for layer in network.layers:
        total += analysis[layer.name].params
        if total not in runs:
            first = layer
            break
    raise ModelImportError(f"the .nn text tikznn wrote counts {written:,} parameters where the model holds {held:,} "
                           f"(from '{first.name}': {wording(first)}): a bug in tikznn, nothing "
                           "was written", hint="please report it with the model")
