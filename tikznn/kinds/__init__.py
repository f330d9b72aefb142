"""The kinds of layer. Each is declared once, in a module of this package, with everything tikznn knows of it:
its keyword, settings and checks, its shape rule with parameters and MACs, its .nn wording and its description,
how it is drawn and coloured, its PyTorch export and the PyTorch and ONNX operations it is imported from.
Every other module looks kinds up here (`of(layer)`, `named(keyword)`, `every()`) and names none of them.
"""
from __future__ import annotations

import importlib
import re
import pkgutil
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple

from ..layer import Analysis, Inputs, Layer, describe, shape_error

# The family modules, in the order their kinds are listed (in themes, legends and 'did you mean'). A new family
# module is found without being listed; it then comes after these.
FAMILIES = ("input", "convolution", "resampling", "pooling", "normalization", "activation", "dense", "sequence",
            "tokens", "operation", "merge")


class Colours(NamedTuple):
    """A kind's colour in each theme: classic RGB, a grey level for print, an Okabe–Ito name for colorblind, and its
    fill opacity (None: the theme's default)."""

    classic: tuple[int, int, int]
    grey: int
    colorblind: str
    opacity: float | None = None


class Param(str):
    """A block parameter standing for a setting in an imported block's body: Param("c") is the text $c, however
    it is written (str(), f-strings, join)."""

    def __new__(cls, name: str):
        return super().__new__(cls, "$" + name)


class Kind:
    """A kind of layer. Subclasses declare the facets; the defaults suit a layer without settings that passes its
    input's shape through."""

    keyword: ClassVar[str]           # the word that starts its line, and its layers' `kind`
    layer: ClassVar[type[Layer]]     # its dataclass
    legend: ClassVar[str]            # what a legend calls it ('transposed convolution')
    family: ClassVar[str]            # the theme part it takes its colour from when it declares none
    colours: ClassVar[Colours | None] = None  # its own theme part (named like its keyword); None: its family's
    parts: ClassVar[tuple[tuple[str, str, Colours], ...]] = ()  # further parts it draws: (part, legend, colours)
    doc: ClassVar[str] = ""          # one line for the docs: what it is
    example: ClassVar[str] = ""      # its line in a .nn file (the last of these lines), as `info` writes it
    example_input: ClassVar[str] = "input 16x32x32"  # what the example reads

    # the language
    is_input: ClassVar[bool] = False  # a network input: fed by nothing
    merges: ClassVar[bool] = False   # reads the layers its line names (add a b), never 'from'
    method: ClassVar[str | None] = None  # the builder's method, if not its keyword (Network().act("relu"))
    names_inputs: ClassVar[bool] = False  # its line may name what it reads (merges; op)
    repeatable: ClassVar[bool] = True     # 'x3' repeats it
    terminals: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}  # grammar terminal -> (words, values)

    # shape inference
    takes_tokens: ClassVar[bool] = False  # reads token ids (L,) of a sequence
    on_sequences: ClassVar[str] = ""      # what a line of it on a sequence says (pool global), if it takes one
    any_shape: ClassVar[bool] = False     # says its own shape, whatever it reads (an imported op)

    # drawing: the blocks style, and the 2-D styles
    slab: ClassVar[float | None] = None  # a thin slab (this share of drawing.SLAB) in the blocks style, not a box
    bar: ClassVar[bool] = False          # a bar when it gives a vector (dense)
    sticks: ClassVar[bool] = False       # stuck to its neighbour in the blocks style when it is one too (conv + pool)
    ends_stack: ClassVar[bool] = False   # ... but its output stands apart when nothing reads it
    joins_next: ClassVar[bool] = True    # ... a box after it joins it (not after a pool: the size changed)
    counted: ClassVar[bool] = False      # its block shows its channel or feature count
    loop: ClassVar[bool] = False         # drawn with a recurrence loop
    in_arrow: ClassVar[bool] = False     # drawn as part of the arrow out of its input, not as a block
    in_words: ClassVar[bool] = False     # the 2-D styles say it in words between drawn layers
    window: ClassVar[bool] = False       # the flat style draws its window (a kernel) projecting onto the next map
    neurons: ClassVar[bool] = False      # the graph style draws a vector it gives as neurons
    symbol: ClassVar[str | None] = None  # TeX math drawn in its circle (merges)
    band: ClassVar[str] = "conv-act"     # the theme part of the band its activation is drawn as
    act_inside: ClassVar[bool] = False   # its activation is inside it, not a band after it

    # import
    fuses: ClassVar[tuple[str, ...]] = ()  # the kinds the importer folds into its line when they follow it
    torch_tuple: ClassVar[bool] = False    # its torch module returns a tuple, its output first
    torch_modules: ClassVar[tuple[str, ...]] = ()    # nn classes it is imported from
    torch_functions: ClassVar[tuple[str, ...]] = ()  # functions (torch.flatten, F.relu) it is imported from
    onnx_ops: ClassVar[tuple[str, ...]] = ()         # ONNX op types it is imported from

    # -- the language ------------------------------------------------------------------------------------------
    def read(self, items: list, span) -> tuple[dict, list]:
        """Its settings and the names its line reads, from the grammar's tokens after the keyword; `span(token)` is
        where a token is, for a ParseError."""
        return {}, []

    def build(self, *args, **settings) -> Layer:
        """The layer a builder call makes (Network().dense(10, "relu")): the same arguments as its .nn line."""
        return self.layer(*args, **settings)

    def builder_refs(self, args: tuple) -> tuple[tuple, tuple]:
        """A builder call's arguments: (its settings', the names of the layers it reads)."""
        return ((), args) if self.merges else (args, ())

    def default_label(self, settings: dict) -> str | None:
        return None

    def implicit(self, refs: list) -> bool:
        """Is it fed by the line before, besides the names its line gives?"""
        return len(refs) < 2 if self.merges else True

    def check(self, layer: Layer) -> str | tuple[str, str] | None:
        """What is wrong with its settings, if anything: a message, or (message, hint)."""
        return None

    def written(self, inputs: list[str], previous: str) -> list[str]:
        """The names its line writes, when it names its inputs; `previous` is the name of the line before."""
        return []

    def folded(self, host: dict, settings: dict) -> dict | None:
        """The settings it adds to the line of a layer it follows that `fuses` it (conv ... bn relu), or None when
        that line has them already."""
        return None

    def from_settings(self, settings: dict, shape: tuple) -> Layer:
        """A layer from an importer's settings; `shape` is its output's."""
        return self.layer(**settings)

    def words(self, layer: Layer, refs: list[str]) -> list[str]:
        """Its line in .nn, defaults left out; `refs` are the names a line that names its inputs writes."""
        return [self.keyword]

    # -- shape inference ---------------------------------------------------------------------------------------
    def infer(self, layer: Layer, inputs: Inputs) -> Analysis:
        """Output shape, parameters and MACs on a feature map or vector."""
        return Analysis(inputs[0][1], 0, 0)

    def infer_sequence(self, layer: Layer, inputs: Inputs) -> Analysis:
        """... and on a sequence of L positions × D features (or L token ids)."""
        source, shape = inputs[0]
        raise shape_error(layer, f"{layer.kind} does not apply to a sequence ({describe(shape)}, positions × "
                                 "features)", hint="sequences take " + ", ".join(
                                     k.on_sequences for k in every() if k.on_sequences))

    # -- words in figures --------------------------------------------------------------------------------------
    def describe(self, layer: Layer, result: Analysis, counts: bool) -> str:
        """What it does as papers write it, '3×3 conv, 64, /2', given its output `result` (a kernel over a 1-D map
        reads k5); without the channel or unit count unless `counts` (a style that shows them otherwise)."""
        return self.legend

    # -- PyTorch -----------------------------------------------------------------------------------------------
    exportable: ClassVar[bool] = True  # False: PyTorch code cannot say what it computes (an imported op)

    def torch_module(self, layer: Layer, source: Analysis) -> str | list[str] | None:
        """The constructor of its module (or the parts of an nn.Sequential); None when forward computes it."""
        return None

    def forward(self, layer: Layer, target: str, args: list[str], attribute: str | None,
                source: Analysis) -> str | None:
        """Its line of forward; None: `target = <its function>` or a call of its module."""
        return None

    def function(self, layer: Layer, x: str, source: Analysis) -> str | None:
        """The expression computing it without a module of its own."""
        return None

    def from_torch(self, module: Any, shape: tuple) -> dict | None:
        """Its settings for a torch.nn module of one of `torch_modules`, or None when this one is not it."""
        return {}

    def from_torch_function(self, name: str, given: dict, node: Any, shape: tuple, tensors: list) -> dict | None:
        """Its settings for a call of one of `torch_functions` (torch.fx `node`) with arguments `given`, reading
        tensors of the shapes `tensors`, or None."""
        return {}

    def from_onnx(self, op_type: str, attrs: dict, data: list, weights: list, shape: tuple,
                  shapes: dict) -> dict | None:
        """Its settings for an ONNX node of one of `onnx_ops`, or None."""
        return {}

    def passes(self, settings: dict) -> bool:
        """Does a layer with these imported settings compute nothing (dropout 0)? An importer leaves it out."""
        return False

    def from_ops(self, ops: list, shapes: dict) -> tuple[int, dict] | None:
        """(count, settings) when the last `count` operations an importer read (traced.Op, `shapes` by name) are
        what one layer of it computes (a conv, a reshape and a permute: a patch embedding); else None."""
        return None

    # -- the declaration as a whole ----------------------------------------------------------------------------
    def theme_parts(self) -> tuple[tuple[str, str, Colours | None], ...]:
        """(part, legend name, colours or None for its family's) of every theme part it draws, its own first (none of
        its own when it is drawn as part of an arrow)."""
        return ((() if self.in_arrow else ((self.keyword, self.legend, self.colours),)) + self.parts)


@lru_cache(maxsize=1)
def _registry() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    modules = [name for _, name, _ in pkgutil.iter_modules(__path__) if not name.startswith("_")]
    for name in sorted(modules, key=lambda m: (FAMILIES.index(m) if m in FAMILIES else len(FAMILIES), m)):
        module = importlib.import_module(f"{__name__}.{name}")
        for kind in getattr(module, "KINDS", ()):
            if kind.keyword in found:
                raise RuntimeError(f"two declarations of the kind '{kind.keyword}'")
            found[kind.keyword] = kind
    return found


def every() -> list[Kind]:
    return list(_registry().values())


def keywords() -> list[str]:
    return list(_registry())


def named(keyword: str) -> Kind | None:
    return _registry().get(keyword)


def of(layer: Layer) -> Kind:
    return _registry()[layer.kind]


def wording(layer: Layer, refs=()) -> str:
    """A layer's line in .nn, as `info` shows it and the importer writes it: its kind and settings, defaults left
    out; `refs` are the inputs a line that names them writes (add a b)."""
    return " ".join(of(layer).words(layer, list(refs)))


# -- helpers the declarations share ----------------------------------------------------------------------------

def pair(value) -> tuple[int, int]:
    """A size as a pair: 3 → (3, 3)."""
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))


def sized(letter: str, value, default=None) -> list[str]:
    """A kernel, stride, padding, ... written as in .nn: k3, k3x1, or k$k for a block parameter; nothing at its
    default."""
    if value is None or value == default:
        return []
    if isinstance(value, (Param, str)):
        return [f"{letter}{value}"]
    value = tuple(value)
    return [f"{letter}{value[0]}" if value[0] == value[1] else f"{letter}{value[0]}x{value[1]}"]


def token_sizes(token) -> tuple[int, ...]:
    """The numbers of a size token: 'k3x1' → (3, 1), '3x224x224' → (3, 224, 224)."""
    return tuple(int(part) for part in re.sub(r"^[a-z]+", "", token).split("x"))


def times(value) -> str:
    """A window as the papers write it: 5×5."""
    return f"{value[0]}" if len(value) == 1 or value[0] == value[1] else f"{value[0]}×{value[1]}"  # (1-D: one)


def window_words(value, axes: int = 2) -> str:
    """A kernel as the papers write it: 5×5, or k5 along the one axis of a 1-D input."""
    return f"{value[0]}×{value[1]}" if axes > 1 else f"k{value[0]}"


def torch_size(values) -> str:
    """A kernel, stride or padding as PyTorch takes it: 3 for (3, 3), (3, 1) otherwise."""
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def torch_options(pairs) -> list[str]:
    """Keyword arguments, leaving out those at PyTorch's default."""
    return [f"{key}={value}" for key, value, default in pairs if value != default]


def call(callee: str, *args: str) -> str:
    return f"{callee}({', '.join(args)})"


def features(source: Analysis) -> int:
    """The channels of a feature map, the features of a vector or of a sequence's positions."""
    return source.shape[-1] if source.sequence else source.shape[0]


def feature_axis(source: Analysis) -> int:
    """Softmax and concat work along channels (axis 1), or for a sequence its features (the last axis)."""
    return -1 if source.sequence else 1

