"""A model read from a file (ONNX) or from code (PyTorch), as the operations it runs, and the .nn text a person
would write for it: conv, batch-norm and activation fused into one line, names only where a later line refers to
them, and repeated sub-modules of one structure written once as a block and used N times.

The readers (onnx_reader.py, torch_reader.py) produce `Op`s in the order the model runs them; `to_nn` writes them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import kinds, parser
from .errors import ModelImportError
from .kinds import Param

# the language's own words, and settings' values a name would be read as
RESERVED = parser.RESERVED | set("auto shape channels none right u down layered".split())
_OPTION_LIKE = re.compile(r"^(k|s|p|d|g|h|n|ff|op|w|x)\d")


@dataclass
class Op:
    """One operation of the model: its name there, what it is in the language's words, the ops it reads (by
    name, in order), its output shape without the batch axis, and its settings (channels, kernel, ...)."""

    name: str
    kind: str  # the keyword of its kind (tikznn/kinds); op for anything else (`title` says what)
    inputs: list[str]
    shape: tuple[int, ...]
    settings: dict = field(default_factory=dict)
    scope: tuple[tuple[str, str], ...] = ()  # enclosing sub-modules, outermost first: (path, class name)
    params: int | None = None  # the parameters the model holds for it (its module's), when the reader knows


class Names:
    """Unique names for a model's operations: the one wanted, else wanted_2, wanted_3, ..."""

    def __init__(self):
        self.taken: set[str] = set()

    def __call__(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self.taken:
            name, n = f"{wanted}_{n}", n + 1
        self.taken.add(name)
        return name


def written(ops: list[Op]) -> list[Op]:
    """The operations as the .nn text has them, one per layer of the network it describes, in its order."""
    return _fused(_growing(_patterns(ops)))


def to_nn(ops: list[Op], *, title: str = "", source: str = "") -> str:
    """The .nn text of a model's operations (see the module's docstring)."""
    ops = written(ops)
    blocks, uses = _blocks(ops)
    lines = [f"# {title}: imported by tikznn from {source}" if source else f"# {title}: imported by tikznn"]
    if title:
        lines.append(f"network {_string(title)}")
    for block in blocks:
        lines += [""] + block.text() + [""]
    lines += _Writer(ops, uses).lines()
    return "\n".join(lines) + "\n"


# -- patterns: operations that together are one layer of a kind (kinds' from_ops) -------------------------------

def _patterns(ops: list[Op]) -> list[Op]:
    """Each run of operations a kind recognises as one of its layers (a conv, reshape and permute: patches)
    replaced by that layer, which holds their parameters and reads what the first of them read."""
    out: list[Op] = []
    shapes: dict[str, tuple] = {}
    renamed: dict[str, str] = {}
    for op in ops:
        out.append(replace(op, inputs=[renamed.get(n, n) for n in op.inputs]))
        shapes[op.name] = op.shape
        for kind in kinds.every():
            found = kind.from_ops(out, shapes)
            if found:
                count, settings = found
                run = out[-count:]
                del out[-count:]
                one = replace(run[-1], kind=kind.keyword, inputs=run[0].inputs, settings=settings,
                              params=sum(o.params or 0 for o in run))
                renamed.update({o.name: one.name for o in run})
                out.append(one)
                break
    return out


# -- growing concatenations: DenseNet's layers ---------------------------------------------------------------

def _growing(ops: list[Op]) -> list[Op]:
    """A concatenation of what an earlier one joined and more (DenseNet: cat(x0, ..., xk) after cat(x0, ..., xk-1))
    reads that earlier one instead; one that joins a sub-module's input and output belongs to it (a dense layer's
    output concatenated to everything before it, as a person writes the block: `concat in` at its end)."""
    joined: dict[tuple, str] = {}
    out = []
    for op in ops:
        if op.kind == "concat":
            joined[tuple(op.inputs)] = op.name
            for k in range(len(op.inputs) - 1, 1, -1):
                if tuple(op.inputs[:k]) in joined:
                    op = replace(op, inputs=[joined[tuple(op.inputs[:k])], *op.inputs[k:]])
                    break
        out.append(op)
    index = {op.name: i for i, op in enumerate(out)}
    for i, op in enumerate(out):
        if op.kind != "concat" or len(op.inputs) != 2 or op.inputs[1] not in index:
            continue
        last = out[index[op.inputs[1]]]
        if not last.scope or last.scope == op.scope or index[last.name] != i - 1:
            continue
        path = last.scope[-1][0]
        members = [o for o in out if any(p == path for p, _ in o.scope)]
        if members[-1] is last and members[0].inputs == [op.inputs[0]]:
            out[i] = replace(op, scope=last.scope)
    return out


# -- fusing: conv + bn + activation, dense + activation, add + activation -------------------------------------

def _fused(ops: list[Op]) -> list[Op]:
    readers: dict[str, int] = {}
    for op in ops:
        for name in op.inputs:
            readers[name] = readers.get(name, 0) + 1
    out: list[Op] = []
    renamed: dict[str, str] = {}
    for op in ops:
        op = replace(op, inputs=[renamed.get(n, n) for n in op.inputs])
        last = out[-1] if out else None
        alone = last is not None and op.inputs == [last.name] and readers.get(last.name) == 1
        folded = alone and op.kind in kinds.named(last.kind).fuses and \
            kinds.named(op.kind).folded(last.settings, op.settings)
        if folded:
            params = None if last.params is None or op.params is None else last.params + op.params
            out[-1] = replace(last, settings={**last.settings, **folded}, shape=op.shape, params=params)
            renamed[op.name] = last.name
            readers[last.name] = readers.get(op.name, 0)
        else:
            out.append(op)
    return _sequences_named(out)


def _sequences_named(ops: list[Op]) -> list[Op]:
    """A Sequential that fused into one line (nn.Sequential(conv, bn, relu) as `conv1`) gives it its name."""
    inside: dict[str, int] = {}
    for op in ops:
        for path, _ in op.scope:
            inside[path] = inside.get(path, 0) + 1
    renamed = {}
    for op in ops:
        if op.scope and op.scope[-1][1] == "Sequential" and op.name == op.scope[-1][0] + ".0" and \
                inside[op.scope[-1][0]] == 1:
            renamed[op.name] = op.scope[-1][0]
    return [replace(op, name=renamed.get(op.name, op.name), inputs=[renamed.get(n, n) for n in op.inputs],
                    scope=op.scope[:-1] if op.name in renamed else op.scope) for op in ops]


# -- blocks: sub-modules of one class and structure, used more than once ---------------------------------------

@dataclass
class _Instance:
    path: str          # the sub-module's path in the model: layer1.0
    cls: str
    ops: list[Op]      # its operations, in order
    feed: str          # the one op outside it that it reads


@dataclass
class _Block:
    name: str
    params: list[str]
    body: list[str]

    def text(self) -> list[str]:
        return [f"block {self.name}({', '.join(self.params)})"] + ["    " + line for line in self.body] + ["end"]


@dataclass
class _Use:
    block: str
    args: list[str]
    instances: list[_Instance]  # consecutive copies, each fed by the one before
    name: str                   # the instance's name in the .nn text


def _instances(ops: list[Op]) -> list[_Instance]:
    """Sub-modules that run as one piece (their operations contiguous, one input from outside, nothing outside
    reading any of them but the last) and that have twins: others of the same class and structure. Where such
    sub-modules nest, the outermost win (a ResNet's BasicBlocks, not the convolutions inside)."""
    spans: dict[str, list[int]] = {}
    classes: dict[str, str] = {}
    for i, op in enumerate(ops):
        for path, cls in op.scope:
            spans.setdefault(path, []).append(i)
            classes[path] = cls
    index = {op.name: i for i, op in enumerate(ops)}
    candidates = []
    for path, positions in spans.items():
        first, last = positions[0], positions[-1]
        if last - first + 1 != len(positions) or len(positions) < 2:
            continue
        members = ops[first:last + 1]
        names = {op.name for op in members}
        outside = {n for op in members for n in op.inputs if n not in names}
        later = [n for op in ops[last + 1:] for n in op.inputs if n in names]
        if len(outside) == 1 and all(n == members[-1].name for n in later) and \
                index.get(next(iter(outside)), len(ops)) < first:
            candidates.append(_Instance(path, classes[path], members, next(iter(outside))))
    twins: dict[tuple, int] = {}
    for instance in candidates:
        key = (instance.cls, _shape_of(instance))
        twins[key] = twins.get(key, 0) + 1
    chosen, used = [], set()
    # a model's own classes (BasicBlock) before containers (Sequential), whose twins are rarer and vaguer
    for containers in (False, True):
        for instance in sorted(candidates, key=lambda c: (index[c.ops[0].name], -len(c.ops))):
            names = {op.name for op in instance.ops}
            if (instance.cls in _CONTAINERS) == containers and twins[instance.cls, _shape_of(instance)] > 1 \
                    and not names & used:
                chosen.append(instance)
                used |= names
    return sorted(chosen, key=lambda c: index[c.ops[0].name])


def _shape_of(instance: _Instance) -> tuple:
    """What makes two instances the same block: each op's kind, which settings it has, and what it reads
    (by position inside the instance); the settings' values may differ and become the block's parameters, but for
    switches (bias, ceil, dw: a word or none, never a parameter). An `op` that says its shape is written with it:
    instances of other shapes are other blocks."""
    position = {op.name: k for k, op in enumerate(instance.ops)}
    return tuple((op.kind, tuple(sorted(op.settings)), tuple(position.get(n, -1) for n in op.inputs),
                  _local(instance, op), op.shape if op.settings.get("reshapes") else None,
                  tuple(sorted((k, v) for k, v in op.settings.items() if isinstance(v, bool))))
                 for op in instance.ops)


def _local(instance: _Instance, op: Op) -> str:
    prefix = instance.path + "."
    return op.name[len(prefix):] if op.name.startswith(prefix) else ""


_CONTAINERS = ("", "Sequential", "ModuleList", "ModuleDict")
_PARAM = {"channels": "c", "stride": "s", "units": "n", "kernel": "k", "padding": "p", "groups": "g", "p": "q",
          "heads": "h", "ff": "f", "dim": "d", "hidden": "u"}


def _blocks(ops: list[Op]) -> tuple[list[_Block], dict[str, _Use]]:
    """The block definitions, and each use keyed by the name of its first copy's first op."""
    groups: dict[tuple, list[_Instance]] = {}
    for instance in _instances(ops):
        groups.setdefault((instance.cls, _shape_of(instance)), []).append(instance)
    blocks, uses = [], {}
    taken_names: set[str] = set()
    for (cls, _), instances in groups.items():
        if len(instances) < 2:  # its twins were inside larger repeated pieces
            continue
        parent = instances[0].path.rsplit(".", 1)[0] if "." in instances[0].path else ""
        name = _block_name(cls or (valid_name(parent).replace(".", "_") + "_block" if parent else "unit"),
                           taken_names)
        params, slots, args = _parameters(instances)
        blocks.append(_Block(name, params, _body(instances[0], slots)))
        for use in _runs(name, instances, args):
            uses[use.instances[0].ops[0].name] = use
    _name_runs(list(uses.values()))
    return blocks, uses


def _name_runs(uses: list[_Use]) -> None:
    """A run of copies takes their parent's name when it is the parent's one run and its copies' names come out as
    the model's: layer1.0, layer1.1 (or, after a first block used on its own, layer2.1 to layer2.3: .nn numbers
    copies from the first free number), or names not numbered (DenseNet's denseblock1.denselayer1 to 6)."""
    def parent(path: str) -> str:
        return path.rsplit(".", 1)[0] if "." in path else ""
    runs = [use for use in uses if len(use.instances) > 1]
    runs_of: dict[str, int] = {}
    for use in runs:
        for name in {parent(i.path) for i in use.instances}:
            runs_of[name] = runs_of.get(name, 0) + 1
    singles = {use.instances[0].path for use in uses if len(use.instances) == 1}
    for use in runs:
        parents = {parent(i.path) for i in use.instances}
        name = parents.pop() if len(parents) == 1 else ""
        use.name = ""
        if not name or runs_of[name] > 1:
            continue
        last = [i.path.rsplit(".", 1)[1] for i in use.instances]
        if all(word.isdigit() for word in last):
            first = int(last[0])
            numbered = [int(word) for word in last] == list(range(first, first + len(last)))
            if not numbered or any(f"{name}.{k}" not in singles for k in range(first)):
                continue
        elif any(word.isdigit() for word in last):
            continue
        use.name = valid_name(name)


def _block_name(cls: str, taken: set[str]) -> str:
    # _DenseLayer: dense_layer, MBConv: mb_conv
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).lower().strip("_") or "unit"
    base = base if base not in RESERVED else base + "_block"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _parameters(instances: list[_Instance]) -> tuple[list[str], dict, list[list[str]]]:
    """The settings whose values differ between instances become parameters; settings that vary together
    (every conv's channels in a ResNet block) share one. Returns the parameters' names, which setting of which
    op each stands for ((op index, setting) -> name), and each instance's arguments."""
    columns: dict[tuple, list[tuple[int, str]]] = {}
    for k, op in enumerate(instances[0].ops):
        for key in sorted(op.settings):
            column = tuple(_plain(inst.ops[k].settings[key]) for inst in instances)
            if len(set(column)) > 1:
                columns.setdefault(column, []).append((k, key))
    params, slots = [], {}
    for members in columns.values():
        base = _PARAM.get(members[0][1], members[0][1][:1])
        name, n = base, 2
        while name in params:
            name, n = f"{base}{n}", n + 1
        params.append(name)
        slots.update({slot: name for slot in members})
    args = [[_arg(column[i]) for column in columns] for i in range(len(instances))]
    return params, slots, args


def _plain(value):
    return tuple(value) if isinstance(value, list) else value


def _arg(value) -> str:
    if isinstance(value, tuple):
        return str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))
    return str(value)


def _body(instance: _Instance, slots: dict) -> list[str]:
    """The block's lines: the first instance's, its parameters written as $name."""
    names = _local_names(instance)
    names[instance.feed] = "in"
    ops = []
    for k, op in enumerate(instance.ops):
        settings = {key: Param(slots[k, key]) if (k, key) in slots else value for key, value in op.settings.items()}
        ops.append(replace(op, name=names[op.name], inputs=[names.get(n, n) for n in op.inputs], settings=settings,
                           scope=()))
    return _Writer(ops, {}, start="in", inside=True).lines()


def _local_names(instance: _Instance) -> dict[str, str]:
    """Names inside a block: an op's path in its sub-module (branch3.2), else the last word of it a name can be
    (torchvision's `block.2.fc2`: fc2), else after its kind and place (`block.1.0`: conv_1)."""
    names, taken = {}, {"in"}
    for k, op in enumerate(instance.ops):
        path = re.sub(r"^block\.", "", _local(instance, op))
        words = [path] + [w for w in reversed(path.split(".")) if not w.isdigit()]
        word = next((w for w in words if w and valid_name(w) == w and w not in taken), None)
        if word is None:
            word, n = f"{op.kind}_{k}", 2  # (not conv1: the name an unnamed conv takes)
            while word in taken:
                word, n = f"{op.kind}_{k}_{n}", n + 1
        taken.add(word)
        names[op.name] = word
    return names


def _runs(block: str, instances: list[_Instance], args: list[list[str]]) -> list[_Use]:
    """Consecutive instances with the same arguments, each fed by the one before: one use, ×N (named by
    `_name_runs`); a single copy takes its own name."""
    runs: list[_Use] = []
    for instance, arguments in zip(instances, args):
        last = runs[-1] if runs else None
        if last and last.args == arguments and instance.feed == last.instances[-1].ops[-1].name:
            last.instances.append(instance)
        else:
            runs.append(_Use(block, arguments, [instance], valid_name(instance.path)))
    return runs


# -- writing the lines ---------------------------------------------------------------------------------------

class _Writer:
    def __init__(self, ops: list[Op], uses: dict[str, _Use], *, start: str = "", inside: bool = False):
        self.ops, self.uses, self.start, self.inside = ops, uses, start, inside
        self.output = {}  # an op's name -> the name it goes by in the text (a block use's output: the use's name)

    def lines(self) -> list[str]:
        skipped: set[str] = set()
        plan = []  # (op or use, inputs)
        for op in self.ops:
            if op.name in skipped:
                continue
            use = self.uses.get(op.name)
            if use:
                members = [o.name for inst in use.instances for o in inst.ops]
                skipped.update(members)
                plan.append((use, [use.instances[0].feed], members[-1]))
            else:
                plan.append((op, op.inputs, op.name))
        referred = self._referred(plan)
        lines, previous = [], self.start
        for item, inputs, out in plan:
            inputs = [self.output.get(n, n) for n in inputs]
            name = self._name(out, item) if out in referred or isinstance(item, _Use) and item.name else ""
            self.output[out] = name or out
            text = self._use(item, inputs, previous) if isinstance(item, _Use) else _line(item, inputs, previous)
            lines.append(f"{name} = {text}" if name else text)
            previous = self.output[out]
        return lines

    def _referred(self, plan) -> set[str]:
        """Ops a later line names: read other than as the line right before, or by add/concat."""
        referred, previous = set(), self.start
        for item, inputs, out in plan:
            kind = None if isinstance(item, _Use) else kinds.named(item.kind)
            if kind is not None and kind.names_inputs:
                referred.update(kind.written(inputs, previous))
            elif inputs and inputs[0] != previous:
                referred.add(inputs[0])
            previous = out
        return referred

    def _name(self, out: str, item) -> str:
        if isinstance(item, _Use):  # (a run named unlike layer1.0, layer1.1: its last copy's name)
            return item.name or valid_name(item.instances[-1].path)
        return out if self.inside else valid_name(out)

    def _use(self, use: _Use, inputs: list[str], previous: str) -> str:
        text = f"{use.block}({', '.join(use.args)})"
        if len(use.instances) > 1:
            text += f" x{len(use.instances)}"
        if inputs[0] != previous:
            text += f" from {inputs[0]}"
        return text


def valid_name(name: str) -> str:
    """A model's name for an operation made into a .nn name: letters, digits, '_' and '.', not a reserved word and
    not starting with `block.` (torchvision's `block.1.0` would start a block definition)."""
    name = re.sub(r"[^A-Za-z0-9_.]+", "_", name).strip("_.") or "x"
    if name[0].isdigit():
        name = "n" + name
    if name in RESERVED or _OPTION_LIKE.match(name) or name.startswith("block."):
        name = name + "_" if "." not in name else name.replace(".", "_.", 1)
    return name


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(op: Op, inputs: list[str], previous: str) -> str:
    """One line of .nn text for an operation, reading `inputs` ('from' when not the line before)."""
    kind = kinds.named(op.kind)
    if kind is None:
        raise ModelImportError(f"no .nn line for a {op.kind} operation ('{op.name}')")
    layer = kind.from_settings(op.settings, op.shape)
    if kind.names_inputs:
        return kinds.wording(layer, kind.written(inputs, previous))
    source = f" from {inputs[0]}" if inputs and inputs[0] != previous else ""
    return kinds.wording(layer) + source
