"""The network model: frozen dataclasses for layers and connections, and the builder that chains them.

The parser and the Python builder both add layers through `Assembler.add`, so a .nn file and the equivalent
builder calls produce equal networks. The model knows nothing about drawing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import import_module
from typing import Mapping, Sequence

from . import kinds, theme
from .tex import label_problem  # (math of tikznn's vocabulary, braces that pair)
from .errors import ModelError, Span, suggest
from .figure import Figure
from .layer import DIMS_MODES, Layer, Style

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")  # the grammar's NAME


@dataclass(frozen=True, kw_only=True)
class Skip:
    """A plain arrow from one layer to a later one, drawn as a routed skip; it carries no data."""

    source: str
    target: str
    label: str | None = None
    at: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BlockScope:
    """A block being added: its layers are named `prefix + local name`, 'in' is what feeds it, and its last layer
    takes the instance's name."""

    block: str
    name: str
    prefix: str
    input: str
    start: int  # index of its first layer
    used_at: Span | None = field(default=None, compare=False)
    names: tuple[tuple[str, str], ...] = ()  # local name -> name in the network
    counts: tuple[tuple[str, int], ...] = ()  # unnamed layers so far, by kind

    def local(self, ref: str) -> str | None:
        if ref == "in":
            return self.input
        return dict(self.names).get(ref)

    def named(self, local: str, full: str) -> "BlockScope":
        return replace(self, names=self.names + ((local, full),))

    def unnamed(self, kind: str) -> tuple[str, "BlockScope"]:
        """conv1, conv2, ... as torchvision names them, passing over names the block gave explicitly."""
        counts, taken = dict(self.counts), {full for _, full in self.names}
        counts[kind] = counts.get(kind, 0) + 1
        while f"{self.prefix}{kind}{counts[kind]}" in taken:
            counts[kind] += 1
        return f"{self.prefix}{kind}{counts[kind]}", replace(self, counts=tuple(counts.items()))


_STYLE_KEYS = ("color", "opacity", "show_label", "dims", "image")


@lru_cache(maxsize=1)
def _builders() -> dict:
    return {kind.method or kind.keyword: kind for kind in kinds.every()}


MAX_LAYERS = 20_000  # layers a network may expand to (docs/language.md, Repetition): far more than any figure shows


def _check_settings(layer: Layer) -> None:
    """Values the grammar cannot rule out: sizes that must be positive, known words, probabilities."""
    def bad(message: str, hint: str | None = None):
        raise ModelError(f"{layer.kind}: {message}", span=layer.at, hint=hint)

    if layer.name and not NAME.match(layer.name):
        bad(f"'{layer.name}' is not a name", hint="a name is letters, digits, _ and ., starting with a letter or _")
    if layer.label is not None and (problem := label_problem(layer.label)):
        bad(problem, hint="in labels, TeX math goes between $...$ with balanced braces")
    if layer.style.color is not None and (problem := theme.colour_problem(layer.style.color)):
        bad(*problem)
    kind = kinds.of(layer)
    if kind.in_arrow and (layer.label or layer.style != Style()):
        bad(f"{layer.kind} is drawn as part of the arrow, so it shows no label or style",
            hint="label the layer before or after it instead")
    for key in ("channels", "units", "scale", "vocab", "dim", "hidden", "layers", "heads", "ff"):
        value = getattr(layer, key, 1)
        if not isinstance(value, int) or value < 1:
            bad(f"{key} must be a whole number of at least 1, not {value}")
    for key, least in (("kernel", 1), ("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0),
                       ("shape", 1), ("output", 1)):
        value = getattr(layer, key, None)
        if isinstance(value, str):
            if value not in ("same", "valid"):
                bad(f"padding '{value}' is not allowed", hint="write a size like p1, or psame / pvalid")
            continue
        if value is not None and any(not isinstance(n, int) or n < least for n in value):
            shown = str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))
            bad(f"{key} {shown} is not allowed: each size must be at least {least}")
    if (problem := kind.check(layer)) is not None:
        bad(*problem) if isinstance(problem, tuple) else bad(problem)
    if getattr(layer, "groups", 1) < 1:
        bad(f"groups must be at least 1, not {layer.groups}")
    if layer.style.dims is not None and layer.style.dims not in DIMS_MODES:
        bad(f"unknown dims '{layer.style.dims}'", hint="choose from: " + ", ".join(DIMS_MODES))
    opacity = layer.style.opacity
    if opacity is not None and not 0 <= opacity <= 1:
        bad(f"opacity {opacity} must be between 0 and 1")


@dataclass(frozen=True)
class Network:
    """A network: its name, caption, layers in order and skip arrows. Builder methods return a new Network.

        Network("LeNet-5").input(1, 32, 32).conv(6, k=5, act="relu", label="C1").pool("max", 2)
    """

    name: str = "network"
    caption: str | None = None
    layers: tuple[Layer, ...] = ()
    skips: tuple[Skip, ...] = ()
    figure: Figure = Figure()  # how its description asks it to be drawn (style, width, theme, ...)
    open_stage: str = ""    # the stage layers added now join (between 'stage' and 'end')
    open_blocks: tuple[BlockScope, ...] = ()  # blocks being added, outermost first (builder calls inside `use`)
    aliases: tuple[tuple[str, str], ...] = ()  # a repeated block's name -> the name of its last copy
    imports: tuple[str, ...] = field(default=(), compare=False)  # files it reads: imported blocks, a theme file

    # -- queries ---------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    # -- the one way layers enter a network ------------------------------------------------------------------
    def append(self, layer: Layer, refs: Sequence[str] = (), *, implicit: bool = True,
               ref_spans: Mapping[str, Span] | None = None, times: int = 1) -> "Network":
        """Add `layer` (`times` times in a row), fed by `refs` (names of earlier layers), plus the previous layer
        when `implicit`."""
        return Assembler(self).add(layer, refs, implicit=implicit, ref_spans=ref_spans, times=times).network()

    def with_skip(self, skip: Skip, ref_spans: Mapping[str, Span] | None = None) -> "Network":
        return Assembler(self).skip(skip, ref_spans).network()

    # -- the Python builder: one method per statement of the language -----------------------------------------
    def titled(self, name: str, caption: str | None = None) -> "Network":
        return replace(self, name=name, caption=caption if caption is not None else self.caption)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In a Jupyter notebook, a network shows itself as its figure (notebook.py). Jupyter's protocol asks the
        model for what the top of the pipeline makes: the one call upward, by the module's name."""
        display = import_module("tikznn.notebook").Display
        return display(self)._repr_mimebundle_(include, exclude)

    def drawn_with(self, **settings) -> "Network":
        """The network with figure settings (figure.Figure.but): net.drawn_with(style="graph bias", legend=True)."""
        return replace(self, figure=self.figure.but(**settings))

    def __getattr__(self, method: str):
        """A builder method for each kind of layer, taking what its .nn line takes (tikznn/kinds):
        net.conv(64, 3, 1, 1, bn=True, act="relu"), net.pool("max", 2), net.act("relu"), net.add("a", "b"),
        net.dense(10, "softmax", label="Output"); besides, a name, a label, from_ (the layer it reads), times
        (x3) and the style's color, opacity, show_label, dims and image."""
        kind = _builders().get(method)
        if kind is None:
            raise AttributeError(f"'Network' has no attribute '{method}'")

        def add(*args, name: str = "", label: str | None = None, from_: str | None = None, times: int = 1,
                **settings) -> "Network":
            style = Style(**{key: settings.pop(key) for key in _STYLE_KEYS if key in settings})
            args, refs = kind.builder_refs(args)
            layer = kind.build(*args, name=name, label=label, style=style, **settings)
            if from_ is not None and (kind.merges or refs):
                raise ModelError(f"'{kind.keyword}' names its inputs itself; from_ does not apply",
                                 hint=f"write: {method}(\"a\", \"b\")")
            if refs:
                return self.append(layer, refs, implicit=kind.implicit(list(refs)), times=times)
            if from_ is not None:
                return self.append(layer, (from_,), implicit=False, times=times)
            return self.append(layer, implicit=kind.implicit([]), times=times)
        add.__name__ = add.__qualname__ = method
        return add

    def skip(self, source: str, target: str, *, label: str | None = None) -> "Network":
        return self.with_skip(Skip(source=source, target=target, label=label))

    def stage(self, name: str) -> "Network":
        """Layers added from here until end() form a stage, framed and captioned in the figure."""
        return Assembler(self).stage(name).network()

    def end(self) -> "Network":
        return Assembler(self).stage(None).network()

    def use(self, block, *args, name: str = "", from_: str | None = None, times: int = 1, **kwargs) -> "Network":
        """Add a block: `block(network, *args, **kwargs)` is a function that adds layers, as a 'block' definition
        does in the language; inside it, "in" names the layer that feeds the block.

            def basic(net, c):
                return net.conv(c, 3, 1, 1, bn=True, act="relu").conv(c, 3, 1, 1, bn=True).add("in", act="relu")
            Network().input(64, 56, 56).use(basic, 64, name="layer1", times=2)
        """
        def expand(assembler: Assembler) -> None:
            assembler.load(block(assembler.network(), *args, **kwargs))
        return Assembler(self).use(block.__name__, expand, name=name, source=from_, times=times).network()


class Assembler:
    """Checks and adds layers one at a time; the builder and the parser both go through `add` and `skip`.

    It keeps its indexes as it goes, so a parser adding thousands of layers stays linear.
    """

    def __init__(self, start: Network = Network()):
        self.load(start)

    def load(self, start: Network) -> None:
        self.name, self.caption, self.figure = start.name, start.caption, start.figure
        self.open_stage = start.open_stage
        self.scopes: list[BlockScope] = list(start.open_blocks)
        self.aliases: dict[str, str] = dict(start.aliases)
        self.layers: list[Layer] = list(start.layers)
        self.skips: list[Skip] = list(start.skips)
        self.position = {layer.name: i for i, layer in enumerate(self.layers)}
        self.kinds: dict[str, int] = {}  # layers of each kind so far, and instances of each block
        for layer in self.layers:
            self.kinds[layer.kind] = self.kinds.get(layer.kind, 0) + 1
            instance = re.match(r"([A-Za-z_]\w*)#(\d+)\.", layer.name)
            if instance:
                block, count = instance.group(1), int(instance.group(2))
                self.kinds[block] = max(self.kinds.get(block, 0), count)

    def network(self) -> Network:
        return Network(name=self.name, caption=self.caption, layers=tuple(self.layers), skips=tuple(self.skips),
                       figure=self.figure, open_stage=self.open_stage,
                       open_blocks=tuple(self.scopes), aliases=tuple(self.aliases.items()))

    def _undefined(self, ref: str, span: Span | None) -> ModelError:
        known = [n for n in list(self.position) + list(self.aliases) if "#" not in n]  # what a user can write
        known += [n for s in self.scopes for n, _ in s.names]
        hint = suggest(ref, known) or ("names must be defined before they are used" if self.position else None)
        if ref == "in" and not self.scopes:
            hint = "'in' names a block's input, inside a block definition"
        return ModelError(f"undefined layer '{ref}'", span=span, hint=hint)

    def resolve(self, ref: str) -> str:
        """The network's name for a name written here: inside blocks their own names and 'in' come first."""
        for scope in reversed(self.scopes):
            found = scope.local(ref)
            if found is not None:
                return found
        return self.aliases.get(ref, ref)

    def _full_name(self, layer: Layer) -> str:
        """An unnamed layer gets the name kind#n, which no user's name can clash with ('#' is not allowed in
        them); in a block, names are prefixed with the block's, as torchvision's are (layer1.0.conv1)."""
        self.kinds[layer.kind] = self.kinds.get(layer.kind, 0) + 1
        if self.scopes:
            scope = self.scopes[-1]
            kind = kinds.of(layer).words(layer, [])[0]  # relu1, as torchvision names an unnamed ReLU
            if layer.name:
                if layer.name == "in":
                    raise ModelError("'in' names the block's input; give this layer another name", span=layer.at)
                full = scope.prefix + layer.name
                if layer.name in dict(scope.names):
                    raise ModelError(f"duplicate name '{layer.name}' in block '{scope.block}'", span=layer.at,
                                     hint="give each named layer of a block its own name")
                self.scopes[-1] = scope.named(layer.name, full)
                return full
            full, self.scopes[-1] = scope.unnamed(kind)
            return full
        return layer.name or f"{layer.kind}#{self.kinds[layer.kind]}"

    def add(self, layer: Layer, refs: Sequence[str] = (), *, implicit: bool = True,
            ref_spans: Mapping[str, Span] | None = None, times: int = 1) -> "Assembler":
        """Add a layer fed by `refs` and, when `implicit`, by the previous layer (in a block: at first, 'in').

        `times` > 1 adds the layer that many times in a row: the label goes to the first, the name to the last
        (the one later lines refer to).
        """
        self._room(times, layer.at)
        if times != 1:
            if not isinstance(times, int) or times < 1 or not kinds.of(layer).repeatable:
                raise ModelError(f"{layer.kind} cannot be repeated {times} times", span=layer.at,
                                 hint="repeat a layer with one input, e.g. conv 64 k3 p1 relu x2")
            self.add(replace(layer, name="", times=times), refs, implicit=implicit, ref_spans=ref_spans)
            for _ in range(times - 2):
                self.add(replace(layer, name="", label=None))
            return self.add(replace(layer, label=None))
        _check_settings(layer)
        if self.scopes:
            if kinds.of(layer).is_input:
                raise ModelError("a block cannot hold an input", span=layer.at,
                                 hint="a block is fed by the layer before it; its first line can say 'from in'")
            layer = replace(layer, used_at=self.scopes[0].used_at, use=(self.scopes[0].block, self.scopes[0].name))
            if implicit and len(self.layers) == self.scopes[-1].start:  # the block's first layer: fed by 'in'
                refs, implicit = ["in"] + [r for r in refs if r != "in"], False
        elif layer.name and (layer.name in self.position or layer.name in self.aliases):
            first = self.layers[self.position[self.resolve(layer.name)]]
            where = f" (first defined on line {first.at.line})" if first.at else ""
            raise ModelError(f"duplicate name '{layer.name}'{where}", span=layer.at,
                             hint="give each named layer its own name")
        spans = dict(ref_spans or {})
        resolved = []
        for ref in refs:
            full = self.resolve(ref)
            if full not in self.position:
                raise self._undefined(ref, spans.get(ref, layer.at))
            resolved.append(full)
        refs = resolved
        inputs = list(refs)
        if kinds.of(layer).is_input:
            inputs = []
        elif implicit:
            if not self.layers:
                raise ModelError(f"'{layer.kind}' comes before any input", span=layer.at,
                                 hint="start the network with a line like: input 3x224x224")
            previous = self.layers[-1].name
            if kinds.of(layer).merges and inputs == [previous]:
                raise ModelError(f"{layer.kind} of '{previous}' with itself: '{previous}' is also the previous line",
                                 span=layer.at, hint=f"name both inputs: {layer.kind} OTHER {previous}")
            if previous not in inputs:
                inputs.insert(0, previous)
        name = self._full_name(layer)
        if name in self.position:
            raise ModelError(f"duplicate name '{name}'", span=layer.at, hint="give each named layer its own name")
        self.position[name] = len(self.layers)
        self.layers.append(replace(layer, name=name, inputs=tuple(inputs), stage=self.open_stage))
        return self

    def use(self, block: str, expand, *, name: str = "", source: str | None = None, times: int = 1,
            span: Span | None = None, source_span: Span | None = None) -> "Assembler":
        """Add `times` copies of a block, each fed by the one before; `expand(self)` adds one copy's layers.

        The last layer of a copy takes the instance's name: `name`, or with copies name.0, name.1, ... and `name`
        then stands for the last copy. An unnamed instance is block#n.
        """
        if not isinstance(times, int) or times < 1:
            raise ModelError(f"a block cannot be used {times} times", span=span)
        self._room(times, span)  # (each copy adds a layer at least)
        if not self.layers:
            raise ModelError(f"block '{block}' comes before any input", span=span,
                             hint="start the network with a line like: input 3x224x224")
        if name and (name == "in" or not NAME.match(name) or self.resolve(name) in self.position):
            raise ModelError(f"'{name}' cannot name this block: it is {'taken' if NAME.match(name) else 'no name'}",
                             span=span, hint="give the block a name of its own")
        if len(self.scopes) > 20:
            raise ModelError(f"blocks nest more than 20 deep at '{block}'", span=span,
                             hint="a block that uses itself never ends; blocks may use blocks 20 deep")
        feed = self.resolve(source) if source is not None else self.layers[-1].name
        if feed not in self.position:
            raise self._undefined(source, source_span or span)
        start, last = len(self.layers), None
        first = 0  # torchvision's naming: after `layer2.0 = down(128)`, `layer2 = basic(128) x3` is layer2.1 to .3
        while name and times > 1 and self.resolve(f"{name}.{first}") in self.position:
            first += 1
        for copy in range(first, first + times):
            instance = f"{name}.{copy}" if name and times > 1 else name
            if self.scopes:
                parent = self.scopes[-1]
                if not instance:
                    instance, self.scopes[-1] = parent.unnamed(block)
                else:
                    instance = parent.prefix + instance
            elif not instance:
                self.kinds[block] = self.kinds.get(block, 0) + 1
                instance = f"{block}#{self.kinds[block]}"
            first = len(self.layers)
            used_at = self.scopes[0].used_at if self.scopes else span
            self.scopes.append(BlockScope(block, instance, instance + ".", feed, first, used_at))
            expand(self)
            self.scopes.pop()
            if len(self.layers) == first:
                raise ModelError(f"block '{block}' adds no layers", span=span)
            last = self.layers[-1].name
            self._rename(last, instance)
            feed = last = instance
        if name:
            full = self.scopes[-1].prefix + name if self.scopes else name
            if self.scopes:
                self.scopes[-1] = self.scopes[-1].named(name, last)
            elif times > 1:
                self.aliases[full] = last
        if times > 1:
            self.layers[start] = replace(self.layers[start], block_times=times,
                                         block_length=(len(self.layers) - start) // times)
        return self

    def _room(self, more: int, span: Span | None) -> None:
        """Refuse, before adding them, layers past MAX_LAYERS: a few bytes (x100000000, blocks using blocks twice
        over) must not make a network that takes minutes and gigabytes to build."""
        if isinstance(more, int) and len(self.layers) + more > MAX_LAYERS:
            raise ModelError(f"the network would have more than {MAX_LAYERS:,} layers",
                             span=self.scopes[0].used_at if self.scopes else span,
                             hint="a figure of that many boxes cannot be read: repeat less, or draw a part of it")

    def _rename(self, old: str, new: str) -> None:
        """Give the last layer a new name (a block's output takes the instance's name)."""
        if old == new:
            return
        if new in self.position:
            raise ModelError(f"duplicate name '{new}'", span=self.layers[-1].at)
        for scope_index, scope in enumerate(self.scopes):
            self.scopes[scope_index] = replace(scope, names=tuple((k, new if v == old else v) for k, v in scope.names))
        self.layers[-1] = replace(self.layers[-1], name=new)
        del self.position[old]
        self.position[new] = len(self.layers) - 1
        self.skips = [replace(s, source=new if s.source == old else s.source,
                              target=new if s.target == old else s.target) for s in self.skips]

    def stage(self, name: str | None, span: Span | None = None) -> "Assembler":
        """Open a stage (name) or close the open one (None)."""
        if self.scopes:
            raise ModelError("a stage cannot start or end inside a block", span=span,
                             hint="put the stage around the lines that use the block")
        if name is None:
            if not self.open_stage:
                raise ModelError("'end' without a stage to end", span=span, hint='a stage starts with: stage "name"')
            self.open_stage = ""
            return self
        if self.open_stage:
            raise ModelError(f"stage '{name}' starts inside stage '{self.open_stage}'", span=span,
                             hint="stages do not nest: put 'end' before it")
        if not name.strip() or any(layer.stage == name for layer in self.layers):
            raise ModelError(f"a stage needs a name of its own, not '{name}'", span=span)
        if (problem := label_problem(name)):
            raise ModelError(problem, span=span)
        self.open_stage = name
        return self

    def skip(self, skip: Skip, ref_spans: Mapping[str, Span] | None = None) -> "Assembler":
        if skip.label is not None and (problem := label_problem(skip.label)):
            raise ModelError(problem, span=skip.at, hint="in labels, TeX math goes between $...$ with balanced braces")
        spans = dict(ref_spans or {})
        for ref in (skip.source, skip.target):
            if self.resolve(ref) not in self.position:
                raise self._undefined(ref, spans.get(ref, skip.at))
        skip = replace(skip, source=self.resolve(skip.source), target=self.resolve(skip.target))
        if skip.source == skip.target:
            raise ModelError(f"a skip from '{skip.source}' to itself", span=skip.at,
                             hint="a skip arrow goes from a layer to a later one")
        if self.position[skip.source] > self.position[skip.target]:
            raise ModelError(f"skip '{skip.source} -> {skip.target}' would form a cycle: "
                             f"'{skip.target}' does not come after '{skip.source}'", span=skip.at,
                             hint="a skip arrow goes from a layer to a later one")
        self.skips.append(skip)
        return self
