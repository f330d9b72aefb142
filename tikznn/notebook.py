"""Jupyter: a Network shows itself as its figure, `tikznn.display(net, ...)` with the figure's settings, and the
`%%tikznn` cell magic (`%load_ext tikznn`) draws .nn text, or with --info prints its table.

The figure is made by the same pipeline as `tikznn build` (TeX, then Poppler) and shown as PNG (SVG on request).
What keeps it from being drawn (no TeX installed, a shape error, a layout error) is shown as that message, in the
cell's output, never as a traceback.
"""
from __future__ import annotations

import html
import shlex

from .errors import TikznnError

DPI = 150  # a notebook's figure: sharp on a laptop screen, light in the .ipynb
FORMATS = ("png", "svg")


class Display:
    """A network's figure for a notebook: what Jupyter shows of `tikznn.display(net, ...)` or of a network."""

    def __init__(self, network, format: str = "png", dpi: int = DPI, transparent: bool = False, **settings):
        if format not in FORMATS:
            raise ValueError(f"format {format!r}: choose from {', '.join(FORMATS)}")
        self.network, self.format, self.dpi, self.settings = network, format, dpi, settings
        self.transparent = transparent

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .pipeline import figure_bytes

        try:
            data = figure_bytes(self.network, self.format, dpi=self.dpi, transparent=self.transparent,
                                **self.settings)
        except TikznnError as err:
            return _Message(str(err))._repr_mimebundle_()
        except Exception as err:  # noqa: BLE001 (a setting of the wrong type, a bug: said, not raised in the cell)
            return _Message(f"tikznn: {type(err).__name__}: {err}")._repr_mimebundle_()
        if self.format == "svg":
            return {"image/svg+xml": data.decode("utf-8"), "text/plain": self._name()}
        return {"image/png": data, "text/plain": self._name()}

    def _name(self) -> str:
        return f"<tikznn figure of {self.network.name!r}>"


def display(network, *, format: str = "png", dpi: int = DPI, transparent: bool = False, **settings) -> Display:
    """The network's figure in a notebook, with the settings of `tikznn build` (width="column", style="schematic",
    dims="shape", theme="print", ...): the cell's value shows it. `transparent`: a PNG without its white page."""
    return Display(network, format=format, dpi=dpi, transparent=transparent, **settings)


class Table:
    """`info`'s table of a network, for a notebook (HTML, and text)."""

    def __init__(self, network):
        self.network = network

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .report import as_table
        from .shapes import analyse

        try:
            text = as_table(self.network, analyse(self.network))
        except TikznnError as err:
            text = str(err)
        return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}


def load_ipython_extension(ipython) -> None:
    """`%load_ext tikznn`: the `%%tikznn` cell magic."""
    ipython.register_magic_function(_cell_magic, magic_kind="cell", magic_name="tikznn")


_MAGIC_USAGE = ("%%tikznn [--info] [--svg] [--NAME VALUE ...]: draw the cell's .nn text (settings as for tikznn "
                "build: --width column --style schematic --stats yes ...); --info: its table of shapes, parameters "
                "and MACs")


def _cell_magic(line: str, cell: str):
    from .parser import parse
    from .pipeline import read_import

    try:
        options = shlex.split(line)
    except ValueError as err:  # (an unclosed quote)
        return _Message(f"%%tikznn: {err}\n{_MAGIC_USAGE}")
    wanted, settings, i = {"info": False, "svg": False}, {}, 0
    while i < len(options):
        option = options[i][2:].replace("-", "_")
        if not options[i].startswith("--"):
            return _Message(f"%%tikznn: {options[i]!r} is not an option\n{_MAGIC_USAGE}")
        if option in wanted:
            wanted[option] = True
            i += 1
            continue
        if i + 1 >= len(options) or options[i + 1].startswith("--"):
            return _Message(f"%%tikznn: {options[i]} needs a value\n{_MAGIC_USAGE}")
        settings[option] = options[i + 1]
        i += 2
    try:
        network = parse(cell, path="<cell>", read=read_import)  # (imports: from the notebook's folder)
        settings = {name: _value(name, value) for name, value in settings.items()}
    except TikznnError as err:
        return _Message(str(err))
    if wanted["info"]:
        return Table(network)
    fmt = "svg" if wanted["svg"] else settings.pop("format", "png")
    if fmt not in FORMATS:
        return _Message(f"%%tikznn: --format {fmt}: choose from {', '.join(FORMATS)}")
    dpi = settings.pop("dpi", DPI)
    return Display(network, format=fmt, dpi=int(dpi), **settings)


_NUMBERS, _SWITCHES = ("fontsize", "blocks", "dpi"), ("stats", "collapse", "wrap", "legend", "transparent")


def _value(name: str, text: str):
    """A magic's value as the figure's settings take it: numbers for the font size and blocks, yes or no for a
    switch, words for the rest."""
    if name in _SWITCHES:
        if text not in ("yes", "no"):
            raise TikznnError(f"--{name} {text}: say yes or no")
        return text == "yes"
    if name in _NUMBERS:
        try:
            return float(text)
        except ValueError:
            raise TikznnError(f"--{name} {text}: a number is wanted") from None
    return text


class _Message:
    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": self.text, "text/html": f"<pre>{html.escape(self.text)}</pre>"}
