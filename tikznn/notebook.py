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
            return {"text/plain": str(err), "text/html": f"<pre>{html.escape(str(err))}</pre>"}
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
                "build: --width column --style schematic ...); --info: its table of shapes, parameters and MACs")


def _cell_magic(line: str, cell: str):
    from .parser import parse

    options = shlex.split(line)
    wanted, settings, i = {"info": False, "svg": False}, {}, 0
    while i < len(options):
        option = options[i].lstrip("-").replace("-", "_")
        if not options[i].startswith("--"):
            return _Message(f"%%tikznn: {options[i]!r} is not an option\n{_MAGIC_USAGE}")
        if option in wanted:
            wanted[option] = True
            i += 1
            continue
        if i + 1 >= len(options):
            return _Message(f"%%tikznn: {options[i]} needs a value\n{_MAGIC_USAGE}")
        settings[option] = _value(options[i + 1])
        i += 2
    try:
        network = parse(cell, path="<cell>")
    except TikznnError as err:
        return _Message(str(err))
    if wanted["info"]:
        return Table(network)
    return Display(network, format="svg" if wanted["svg"] else "png", **settings)


def _value(text: str):
    """A magic's value as the figure settings take it: numbers as numbers, yes/no as booleans."""
    if text in ("yes", "no"):
        return text == "yes"
    try:
        return float(text)
    except ValueError:
        return text


class _Message:
    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": self.text, "text/html": f"<pre>{html.escape(self.text)}</pre>"}
