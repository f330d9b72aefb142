"""The whole pipeline in one call each: .nn text → Network → layout → TeX → PDF/PNG/SVG."""
from __future__ import annotations

import warnings
from pathlib import Path

from .build import DEFAULT_TIMEOUT, FORMATS, Source, compile_pdf, convert, read_source, write_all
from .checks import SMALLEST_LABEL_PT, SMALLEST_TEXT_PT
from .errors import OutputError, TikznnError, TikznnWarning
from .layout import layout
from .model import Network
from .parser import MAX_BYTES, decode, parse
from .render import to_tex as _render
from .shapes import analyse


def to_tex(network: Network, *, fragment: bool = False) -> str:
    drawing = layout(network, analyse(network))
    if drawing.width is not None and SMALLEST_LABEL_PT * drawing.scale() < SMALLEST_TEXT_PT:
        box = drawing.bounds()
        hint = ("try 'wrap', or a larger width" if network.layout == "right" and not network.wrap
                else "try a larger width")
        warnings.warn(TikznnWarning(f"the figure is {box.x1 - box.x0:.1f} cm wide; shrunk to {network.width} its "
                                    f"smallest labels are {SMALLEST_LABEL_PT * drawing.scale():.1f} pt ({hint})"))
    return _render(drawing, fragment=fragment)


def load(path: str | Path) -> tuple[Network, str]:
    """A .nn file's network and text; import lines are read relative to the file that has them."""
    text = decode(read_source(path, MAX_BYTES), str(path))
    return parse(text, path=str(path), read=read_import), text


def read_import(name: str, importer: str | None) -> tuple[str, str]:
    """The path and text of the file an import line names."""
    base = Path(importer).parent if importer else Path.cwd()
    path = Path(name) if Path(name).is_absolute() else base / name
    return str(path), decode(read_source(path, MAX_BYTES), str(path))


def parse_file(path: str | Path) -> Network:
    return load(path)[0]


def tex_for_file(path: str | Path, *, fragment: bool = False, dims: str | None = None,
                 stats: bool | None = None, collapse: bool | None = None, layout: str | None = None,
                 width: str | None = None, wrap: bool | None = None) -> str:
    network, text = load(path)
    try:
        network = network.drawn_with(dims=dims, stats=stats, collapse=collapse, layout=layout, width=width, wrap=wrap)
        return to_tex(network, fragment=fragment)
    except TikznnError as err:
        raise err.located(str(path), text) from None


def outputs_for(source: Path, output: Path | None, formats: list[str]) -> dict[str, Path]:
    """Output paths: next to the source by default; `output` names the file (its suffix is replaced per format)
    or, when it is a folder, where the files go."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise OutputError(f"unknown output format '{fmt}'", hint="choose from: " + ", ".join(FORMATS))
    formats = list(dict.fromkeys(formats))  # each once, in order
    if output is None:
        base = source.with_suffix("")
    elif output.is_dir():
        base = output / source.stem
    else:
        base = output.with_suffix("") if output.suffix.lstrip(".") in FORMATS else output
    return {fmt: base.with_name(base.name + "." + fmt) for fmt in formats}


def build(path: str | Path, output: str | Path | None = None, formats=("pdf",), *, dpi: int = 300,
          timeout: float = DEFAULT_TIMEOUT, dims: str | None = None, stats: bool | None = None,
          collapse: bool | None = None, layout: str | None = None, width: str | None = None,
          wrap: bool | None = None) -> list[Path]:
    """Build the figure of a .nn file; returns the files written (unchanged ones are left alone).

    Every output is made in memory first, so a failure leaves earlier outputs as they were.
    """
    path = Path(path)
    network, text = load(path)
    try:
        tex = to_tex(network.drawn_with(dims=dims, stats=stats, collapse=collapse, layout=layout, width=width,
                                        wrap=wrap))
        pdf = compile_pdf(tex, source=Source(str(path), text), timeout=timeout)
    except TikznnError as err:
        raise err.located(str(path), text) from None
    targets = outputs_for(path, Path(output) if output is not None else None, list(formats))
    return write_all({target: convert(pdf, fmt, dpi=dpi, timeout=timeout) for fmt, target in targets.items()})
