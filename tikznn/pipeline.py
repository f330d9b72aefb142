"""The whole pipeline in one call each: .nn text → Network → layout → TeX → PDF/PNG/SVG."""
from __future__ import annotations

import functools
import gc
import os
import threading
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import compiled, styles
from .latex import (DEFAULT_TIMEOUT, FORMATS, Source, compile_pdf, convert, installed_wide_engine, read_source,
                    write_all)
from .checks import SMALLEST_LABEL_PT
from .compose import SMALLEST_PT, Composition, compose, smallest_pt
from .drawing import Layout
from .errors import LayoutError, OutputError, TikznnError, TikznnWarning
from .figure import Figure
from .images import Picture, pictures
from .model import Network
from .parser import MAX_BYTES, decode, parse
from .render import to_tex as _render
from .shapes import analyse
from .tex import untypeset


TEX_LIMIT_CM = 570.0  # TeX's largest dimension is 16383.99 pt, 5.76 m

_PAUSES = {"count": 0, "was_on": False, "lock": threading.Lock()}  # builds running with the cycle collector paused


def collector_paused(function):
    """Run `function` (a whole build, or a figure made) with Python's cycle collector paused, and let it resume
    after. What a figure is made of holds no reference cycles, so the collector finds nothing; but each of its full
    collections looks through everything made so far, and a 5,000-layer figure made them a quarter of its Python.
    Builds in threads share one pause, which ends with the last."""
    @functools.wraps(function)
    def paused(*args, **kwargs):
        counted = False
        try:
            with _PAUSES["lock"]:
                if _PAUSES["count"] == 0:
                    _PAUSES["was_on"] = gc.isenabled()
                    gc.disable()
                _PAUSES["count"] += 1
                counted = True
            return function(*args, **kwargs)
        finally:
            if counted:
                with _PAUSES["lock"]:
                    _PAUSES["count"] = max(0, _PAUSES["count"] - 1)
                    if _PAUSES["count"] == 0 and _PAUSES["was_on"]:
                        gc.enable()
    return paused


def _forked() -> None:
    """In a process forked while a build ran (in another thread, say): no build of its own is paused, and the lock
    the other thread may have held is a new one."""
    if _PAUSES["count"] and _PAUSES["was_on"]:
        gc.enable()
    _PAUSES.update(count=0, lock=threading.Lock())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def to_tex(network: Network, figure: Figure | None = None, *, fragment: bool = False, overlay: bool = False,
           source: str | None = None, strict: bool = False) -> str:
    """The TeX of a network's figure (by default the one its description gives); what the figure's author may not
    want (text shrunk too small to read) is a TikznnWarning. With `overlay` (a fragment for beamer), the layers
    appear one slide after another."""
    tex, notes = figure_tex(network, figure or network.figure, fragment=fragment, overlay=overlay, source=source,
                            strict=strict)
    for note in notes:
        warnings.warn(TikznnWarning(note))
    return tex


def figure_tex(network: Network, figure: Figure, *, fragment: bool = False, overlay: bool = False,
               wide_engine: str = "xelatex", source: str | None = None, strict: bool = False) -> tuple[str, list[str]]:
    """The TeX of a network's figure and the warnings it gives. `wide_engine` sets the labels pdflatex cannot, when
    the network names no engine: the build passes the one installed, so that the TeX alone is the same anywhere."""
    tex, notes, _ = composed_tex(network, figure, fragment=fragment, overlay=overlay, wide_engine=wide_engine,
                                 source=source, strict=strict)
    return tex, notes


@collector_paused
def composed_tex(network: Network, figure: Figure, *, fragment: bool = False, overlay: bool = False,
                 wide_engine: str = "xelatex", source: str | None = None, strict: bool = False,
                 pictures: tuple = ()) -> tuple[str, list[str], Composition]:
    """The TeX of a network's figure composed for its width (compose.py), its warnings, and the composition; with
    `strict`, text that cannot print at 6 pt at its width is an error rather than a warning."""
    analysis = analyse(network)
    styles.check(figure)
    composition = compose(network, figure, lambda choice: styles.draw(network, analysis, choice),
                          wraps=styles.wraps(figure.style),
                          measure=(lambda choice: styles.draw(network, analysis, choice, measure=True))
                          if styles.measures(figure.style) else None)
    oversize = _oversize(composition.drawing)
    paged = ""
    if oversize and figure.width is None and styles.wraps(figure.style):
        # (a 400-layer import, as written): its rows wrapped to a page instead, if that is within TeX's reach
        paged_figure = replace(figure, width="page", wrap=True)
        drawing = styles.draw(network, analysis, paged_figure)
        if not _oversize(drawing):
            box, scale = composition.drawing.bounds(), composition.drawing.scale()
            paged = (f"as written the figure would be {(box.x1 - box.x0) * scale / 100:.1f} m wide, larger than "
                     "TeX can draw: its rows are wrapped to a page (give it a width, --width page, and tikznn "
                     "composes it to print as large as it can)")
            composition, oversize = Composition(paged_figure, drawing, smallest_pt(drawing), "wrap"), False
    figure, drawing = composition.figure, composition.drawing
    drawing = drawing.but(engine=figure.engine or _engine_for(drawing, fragment, wide_engine))
    box, scale = drawing.bounds(), drawing.scale()
    if oversize:
        raise LayoutError(f"the figure would be {(box.x1 - box.x0) * scale / 100:.2f} m by "
                          f"{(box.y1 - box.y0) * scale / 100:.2f} m: larger than TeX can draw (5.76 m)",
                          hint=styles.too_large(figure.style))
    notes = list(drawing.notes) + ([paged] if paged else [])
    if drawing.width is not None and composition.smallest_pt < SMALLEST_PT:
        short = (f"at {figure.width} its smallest text prints at {composition.smallest_pt:.1f} pt, "
                 f"under {SMALLEST_PT:g} pt")
        remedy = _remedy(drawing)
        if strict:
            raise LayoutError(short, hint=remedy + "; without --strict it is built with a warning")
        notes.append(f"{short} ({remedy})")
    drawing = drawing.but(pictures=pictures)
    return _render(drawing, fragment=fragment, overlay=overlay, source=source), notes, composition


def _oversize(drawing: Layout) -> bool:
    """Is the figure larger than TeX can draw?"""
    box, scale = drawing.bounds(), drawing.scale()
    return max(box.x1 - box.x0, box.y1 - box.y0) * scale > TEX_LIMIT_CM


def _remedy(drawing: Layout) -> str:
    """The one change that helps most a figure whose text prints too small."""
    box = drawing.bounds()
    by_width = drawing.width / (box.x1 - box.x0)
    if drawing.height is not None and drawing.height / (box.y1 - box.y0) < by_width:
        return "it is as tall as the page allows: a wider page, or fewer boxes drawn (collapse, 'detail blocks')"
    wider = (box.x1 - box.x0) * SMALLEST_PT / SMALLEST_LABEL_PT / drawing.fontsize / 2.54
    return f"it needs a width of {wider:.1f} in"


def _engine_for(drawing: Layout, fragment: bool, wide_engine: str) -> str:
    """pdflatex, unless a label has text it cannot set (a fragment is compiled by the paper's engine)."""
    if fragment or not any(untypeset(label.text) for label in drawing.labels):
        return "pdflatex"
    return wide_engine


def load(path: str | Path) -> tuple[Network, str]:
    """A .nn file's network and text; import lines are read relative to the file that has them. As an end of the
    pipeline that touches files, it takes the parser from the cache folder (parse itself does not)."""
    compiled.load_grammar()
    text = decode(read_source(path, MAX_BYTES), str(path))
    return parse(text, path=str(path), read=read_import), text


def read_import(name: str, importer: str | None) -> tuple[str, str]:
    """The path and text of the file an import or theme line names: in the importing file's folder or below it,
    never through a link out of it (a .nn file from someone else reads nothing else of this machine)."""
    base = Path(importer).parent if importer else Path.cwd()
    path = base / name
    try:
        inside = not Path(name).is_absolute() and ".." not in Path(name).parts and \
            path.resolve().is_relative_to(base.resolve())
    except OSError:
        inside = False
    if not inside:
        raise OutputError("it lies outside the .nn file's folder",
                          hint="a .nn file reads only files in its own folder or below it")
    return str(path), decode(read_source(path, MAX_BYTES), str(path))


def formatted(path: str | Path) -> tuple[str, str]:
    """A .nn file's text and its canonical layout (fmt.py), checked to mean the same: no character but white space
    outside strings changed, and the same figure drawn (or, for a file of blocks, the same blocks defined). A
    difference would be a bug in the layout, and is an error rather than a file rewritten."""
    from .fmt import bare, format_text

    compiled.load_grammar()
    text = decode(read_source(path, MAX_BYTES), str(path))
    meaning = _meaning(text, path)  # (text that does not parse is reported, not laid out)
    layout = format_text(text)
    if layout != text and (bare(layout) != bare(text) or _meaning_or_none(layout, path) != meaning):
        raise TikznnError(f"laying out {path} would change what it says: it is left as it is",
                          hint="please report it with the .nn file")
    return text, layout


def _meaning_or_none(text: str, path: str | Path):
    try:
        return _meaning(text, path)
    except TikznnError:  # (text of a layout gone wrong)
        return None


def _meaning(text: str, path: str | Path):
    """What a .nn text draws (its TeX, or what keeps it from drawing), or for a file of blocks, the blocks."""
    from .parser import library

    try:
        return library(text, str(path), read=read_import)
    except TikznnError:
        network = parse(text, path=str(path), read=read_import)
    try:
        return figure_tex(network, network.figure)[0]
    except TikznnError as err:
        return f"{type(err).__name__}: {err.message} (line {err.span.line if err.span else None})"


def parse_file(path: str | Path) -> Network:
    return load(path)[0]


@collector_paused
def tex_and_sources(path: str | Path, *, fragment: bool = False, overlay: bool = False, strict: bool = False,
                    prefix: str = "", **settings) -> tuple[str, list[Path], tuple[Picture, ...]]:
    """A .nn file's TeX, the files it was made from (the file, its imports and images), and the pictures to write
    beside the TeX (named `prefix`image1.png, ...); `settings` change its figure (figure.Figure.but: dims, stats,
    collapse, layout, width, wrap, theme, legend, ...), None keeps the file's."""
    network, text = load(path)
    compiled.load_templates()
    try:
        shown = pictures(network, path, prefix)
        tex, notes, _ = composed_tex(network, network.figure.but(**settings), fragment=fragment, overlay=overlay,
                                     source=Path(path).name, strict=strict, pictures=shown)
        for note in notes:
            warnings.warn(TikznnWarning(note))
        return tex, sources_of(path, network), shown
    except TikznnError as err:
        raise err.located(str(path), text) from None


def sources_of(path: str | Path, network: Network) -> list[Path]:
    """The files a figure is made from: its .nn file, the files it imports and the images its layers show."""
    base = Path(path).parent
    images = sorted({str((Path(layer.at.origin[0]).parent if layer.at is not None and layer.at.origin else base)
                         / layer.style.image) for layer in network.layers if layer.style.image})
    return [Path(path)] + [Path(p) for p in network.imports] + [Path(p) for p in images]


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


@dataclass
class Built:
    """What building one figure did: the files written (unchanged ones are left alone), the files the figure was
    made from, the files it makes, and its warnings."""

    written: list[Path]
    sources: list[Path]
    targets: list[Path]
    warnings: list[str] = field(default_factory=list)
    rule: Path | None = None  # the make rule written, if any
    composed: str = ""  # what was chosen for its width (compose.py), said with -v


def build(path: str | Path, output: str | Path | None = None, formats=("pdf",), **options) -> list[Path]:
    """Build the figure of a .nn file; returns the files written (unchanged ones are left alone).

    Every output is made in memory first, so a failure leaves earlier outputs as they were.
    """
    built = build_figure(path, output, formats, **options)
    for note in built.warnings:
        warnings.warn(TikznnWarning(note))
    return built.written


@collector_paused
def build_figure(path: str | Path, output: str | Path | None = None, formats=("pdf",), *, dpi: int = 300,
                 timeout: float = DEFAULT_TIMEOUT, depfile: str | Path | None = None, strict: bool = False,
                 dep_target: str | Path | None = None, transparent: bool = False,
                 maps: tuple | None = None, **settings) -> Built:
    """Build one figure (safe to run in several threads at once: each pdflatex runs in its own folder).
    With `depfile`, also write a make rule listing every file the figure was made from (its target the outputs, or
    `dep_target`)."""
    path = Path(path)
    network, text = load(path)
    compiled.load_templates()
    mapped: list[str] = []
    try:
        figure = network.figure.but(**settings)
        shown = pictures(network, path)
        if maps is not None:  # (MODEL, IMAGE, WEIGHTS): the model's own maps on the blocks (maps.py)
            from .maps import feature_maps, shown_on
            found, unmatched = feature_maps(network, *maps)
            network = shown_on(network, found)
            shown += tuple(picture for layer in found.values() for picture in layer)
            mapped = [f"no module of the model is named {', '.join(unmatched[:8])}"
                      f"{' ...' if len(unmatched) > 8 else ''}: drawn without maps"] if unmatched else []
        tex, notes, composition = composed_tex(network, figure, wide_engine=installed_wide_engine(), strict=strict,
                                               pictures=shown)
        notes = mapped + notes
        pdf = compile_pdf(tex, source=Source(str(path), text), timeout=timeout,
                          files={picture.file: picture.png for picture in shown})
    except TikznnError as err:
        raise err.located(str(path), text) from None
    targets = outputs_for(path, Path(output) if output is not None else None, list(formats))
    sources = sources_of(path, network)
    if maps is not None:  # (the image, the weights and a model's file are sources too)
        model_file = maps[0].rpartition(":")[0] if maps[0].rpartition(":")[0].endswith(".py") else None
        sources += [Path(p) for p in (maps[1], maps[2], model_file) if p]
    try:
        files = dict(zip(targets.values(), _converted(pdf, list(targets), dpi, timeout, transparent)))
    except TikznnError as err:
        raise err.located(str(path), text) from None
    if depfile is not None:
        files[Path(depfile)] = make_rule([Path(dep_target)] if dep_target else list(targets.values()),
                                         sources).encode("utf-8")
    return Built(write_all(files, sources=sources), sources, list(targets.values()), notes,
                 Path(depfile) if depfile else None, composition.said() if figure.width is not None else "")


def figure_bytes(network: Network, fmt: str = "pdf", *, dpi: int = 300, timeout: float = DEFAULT_TIMEOUT,
                 transparent: bool = False, **settings) -> bytes:
    """A network's figure as PDF, PNG or SVG bytes, made as `tikznn build` makes it (for notebooks: notebook.py;
    its pictures read beside the notebook). `settings` are the figure's, as for Figure.but."""
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise TikznnError(f"a figure has no setting '{unknown[0]}'", hint="settings: " + ", ".join(_SETTINGS))
    return drawn(network, Path.cwd() / "notebook.nn", fmt, dpi=dpi, timeout=timeout, transparent=transparent,
                 **settings).data


@dataclass
class Drawn:
    """A figure made from a network that is not (yet) a file's: for `tikznn serve` and notebooks."""
    data: bytes            # the figure in the format asked for (the .tex of a fragment: 'tikz')
    network: Network
    analysis: dict
    smallest_pt: float     # its smallest text as it prints at its width
    notes: list[str]
    regions: list = field(default_factory=list)  # (layer, x0, y0, x1, y1): where each shape is, in pt from the
                                                 # figure's top left (as an SVG's viewBox counts)


@collector_paused
def drawn_from_text(text: str, path: str | Path, fmt: str = "svg", *, dpi: int = 150,
                    timeout: float = DEFAULT_TIMEOUT, **settings) -> Drawn:
    """The figure of .nn text standing for the file at `path` (its imports and images are read beside that
    file), made as `tikznn build` makes it: PDF, PNG, SVG, or 'tikz', the fragment (located errors)."""
    compiled.load_grammar()
    try:
        network = parse(text, path=str(path), read=read_import)
        return drawn(network, path, fmt, dpi=dpi, timeout=timeout, source=Source(str(path), text), **settings)
    except TikznnError as err:
        raise err.located(str(path), text) from None


@collector_paused
def drawn(network: Network, path: str | Path, fmt: str, *, dpi: int, timeout: float, transparent: bool = False,
          source: Source = Source(), **settings) -> Drawn:
    """A network's figure in a format (its pictures read beside `path`), with what a page shows of it."""
    compiled.load_templates()
    analysis = analyse(network)
    shown = pictures(network, path)
    tex, notes, composition = composed_tex(network, network.figure.but(**settings), fragment=fmt == "tikz",
                                           wide_engine=installed_wide_engine(), pictures=shown)
    if fmt == "tikz":
        data = tex.encode("utf-8")
    else:
        pdf = compile_pdf(tex, source=source, timeout=timeout, files={picture.file: picture.png for picture in shown})
        data = convert(pdf, fmt, dpi=dpi, timeout=timeout, transparent=transparent)
    return Drawn(data, network, analysis, composition.smallest_pt, notes, regions(composition.drawing))


def regions(drawing: Layout) -> list[tuple[str, float, float, float, float]]:
    """Where each block and ball of a drawing prints, in pt from the figure's top left (the standalone
    document's 4 pt border included): what a click on the figure is found in."""
    box, scale = drawing.bounds(), drawing.scale() * 72.27 / 2.54
    found = []
    for shape in drawing.shapes():
        xs, ys = [p[0] for p in shape.outline()], [p[1] for p in shape.outline()]
        found.append((shape.layer, 4 + (min(xs) - box.x0) * scale, 4 + (box.y1 - max(ys)) * scale,
                      4 + (max(xs) - box.x0) * scale, 4 + (box.y1 - min(ys)) * scale))
    return found


_SETTINGS = Figure.but.__code__.co_varnames[1:Figure.but.__code__.co_kwonlyargcount + 1]  # (its keywords)


def _converted(pdf: bytes, formats: list[str], dpi: int, timeout: float, transparent: bool) -> list[bytes]:
    """The PDF in each format; Poppler's conversions run side by side (the PNG's takes longest)."""
    def one(fmt: str) -> bytes:
        return convert(pdf, fmt, dpi=dpi, timeout=timeout, transparent=transparent)
    if len(formats) < 2:
        return [one(fmt) for fmt in formats]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(formats)) as pool:
        return list(pool.map(one, formats))


def make_rule(targets: list[Path], sources: list[Path]) -> str:
    """A make dependency rule (as gcc -MD -MP writes them): the targets depend on every source, and each
    imported source is a target of its own, so that deleting one does not stop make."""
    def quoted(path: Path) -> str:
        return str(path).replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ")
    lines = [" ".join(quoted(t) for t in targets) + ": " + " ".join(quoted(s) for s in sources)]
    lines += [f"{quoted(s)}:" for s in sources[1:]]
    return "\n".join(lines) + "\n"
