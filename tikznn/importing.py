"""`tikznn import`: a model file or a PyTorch model as .nn text, through the reader for its format (onnx_reader,
torch_reader) and the writer in traced.py."""
from __future__ import annotations

import re
from pathlib import Path

from . import onnx_reader, torch_reader
from .errors import ModelImportError
from .parser import parse
from .traced import to_nn


def import_model(source: str, input_shape: str | None = None, *, tokens: bool = False) -> tuple[str, list[str]]:
    """The .nn text for a model (an .onnx file, or a PyTorch spec module:attr with `input_shape` like 3x224x224),
    checked by parsing it back, and a warning for each operation written as a generic 'op' line."""
    if source.endswith(".py") and ":" not in source:
        raise ModelImportError(f"{source} is Python: name the class or function that makes the model",
                               hint=f"tikznn import {source}:Net --input 3x224x224")
    if source.endswith(".onnx") or Path(source).is_file() and ":" not in source:
        ops, title = onnx_reader.read(source)
    else:
        if not input_shape or not re.fullmatch(r"\d+(x\d+)*", input_shape):
            raise ModelImportError(f"give the input size of {source} without the batch axis",
                                   hint="--input 3x224x224 (or --input 128 --tokens for token ids)")
        shape = tuple(int(n) for n in input_shape.split("x"))
        ops = torch_reader.read(torch_reader.load(source), shape, tokens=tokens)
        title = source.rpartition(":")[2]
    text = to_nn(ops, title=title, source=Path(source).name if source.endswith(".onnx") else source)
    parse(text)  # what we write must read back; a failure here is tikznn's bug, not the user's
    unknown: dict[str, list[str]] = {}
    for op in ops:
        if op.kind == "op":
            unknown.setdefault(op.settings["title"], []).append(op.name)
    notes = [f"{title} has no word in the .nn language: written as 'op {title}' "
             f"({len(names)}×: {', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
             for title, names in unknown.items()]
    return text, notes
