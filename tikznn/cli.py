"""The `tikznn` command. Exit codes (stable): 0 done; 1 internal error; 2 bad command line;
3 invalid .nn text; 4 shapes do not fit; 5 no layout; 6 LaTeX failed; 7 TeX/Poppler missing; 8 file error;
9 a model cannot be imported."""
from __future__ import annotations

import functools
import os
import re
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .errors import TikznnError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Draw neural-network figures from .nn descriptions: TikZ, PDF, PNG, SVG.")


@contextmanager
def _warnings_of(path: Path):
    """Print the warnings a figure's build gives, each naming the file."""
    from .errors import TikznnWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TikznnWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, TikznnWarning):
            typer.echo(f"{path}: warning: {warning.message}", err=True)


def _fail(err: TikznnError) -> None:
    typer.echo(str(err), err=True)
    raise typer.Exit(err.exit_code)


def _dims(value: Optional[str]) -> Optional[str]:
    from .layer import DIMS_MODES

    if value is not None and value not in DIMS_MODES:
        raise typer.BadParameter(f"'{value}'; choose from: {', '.join(DIMS_MODES)}")
    return value


_LAYOUT_HELP = "right (left to right), down (top to bottom), u (an encoder-decoder as a U), layered (any graph)."


def _layout(value: Optional[str]) -> Optional[str]:
    from .figure import LAYOUTS

    if value is not None and value not in LAYOUTS:
        raise typer.BadParameter(f"'{value}'; choose from: {', '.join(LAYOUTS)}")
    return value


def _one_of(choices: str):
    """A callback that accepts None or one of a figure's `choices` (the name of a tuple in tikznn.figure)."""
    def check(value: Optional[str]) -> Optional[str]:
        from . import figure
        allowed = getattr(figure, choices)
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"'{value}'; choose from: {', '.join(allowed)}")
        return value
    return check


def _sizes(value: Optional[str]) -> Optional[str]:
    from .errors import ModelError
    from .figure import Figure

    if value is not None:
        try:
            Figure().but(sizes=value)
        except ModelError as err:
            raise typer.BadParameter(f"{err.message}; {err.hint}")
    return value


def _width(value: Optional[str]) -> Optional[str]:
    from .errors import ModelError
    from .figure import check_length

    if value is not None:
        try:
            check_length(value)
        except ModelError as err:
            raise typer.BadParameter(f"{err.message}; {err.hint}")
    return value


def _version(value: bool) -> None:
    if value:
        from .latex import tex_version
        typer.echo(f"tikznn {__version__}\n{tex_version()}")
        raise typer.Exit()


# the figure settings both build and tex take
_DIMS = typer.Option(None, callback=_dims, metavar="MODE", help="Label blocks with: auto, shape, channels or none.")
_STATS = typer.Option(None, "--stats/--no-stats", help="Add a caption line with parameter and MAC totals.")
_COLLAPSE = typer.Option(None, "--collapse/--expand", help="Draw repeated layers once, marked ×N (or each copy).")
_LAYOUT = typer.Option(None, callback=_layout, metavar="LAYOUT", help=_LAYOUT_HELP)
_WIDTH = typer.Option(None, callback=_width, metavar="LENGTH",
                      help="Compose for this width (3.5in, 17cm; column = 252pt, page = "
                                                  "516pt): text at 6 pt or more, shrunk if wider.")
_WRAP = typer.Option(None, "--wrap/--no-wrap", help="With a width: wrap the network onto rows first.")
_HEIGHT = typer.Option(None, callback=_width, metavar="LENGTH",
                       help="The tallest it may be (with a width: 9in, a page's text height).")
_THEME = typer.Option(None, callback=_one_of("THEMES"), metavar="THEME",
                      help="Colours: classic, print (greys for black and white) or colorblind.")
_LEGEND = typer.Option(None, "--legend/--no-legend", help="Add a legend of the kinds of layer drawn.")
_SIZES = typer.Option(None, callback=_sizes, metavar="RULE",
                      help="How blocks follow their tensors' sizes: sqrt (default: a 16× smaller map 4× smaller), "
                           "log (flatter, PlotNeuralNet's look), linear; then a factor of their sides: 'log 0.7'.")
_DETAIL = typer.Option(None, callback=_one_of("DETAILS"), metavar="WHAT",
                       help="What a box stands for: layers (default), or blocks (each use of a block one box).")
_STRICT = typer.Option(False, "--strict", help="Fail, rather than warn, when the text cannot print at 6 pt at "
                                                "the width.")
_FONTSIZE = typer.Option(None, min=0.5, max=1.6, metavar="FACTOR",
                         help="All text this many times its usual size, e.g. 1.3.")
_ENGINE = typer.Option(None, callback=_one_of("ENGINES"), metavar="ENGINE",
                       help="pdflatex (default), xelatex or lualatex; labels pdflatex cannot set (Cyrillic, ...) "
                            "choose xelatex (or lualatex) by themselves when it is installed.")



def _style(value: Optional[str]) -> Optional[str]:
    from .figure import style_words
    from .styles import problem as style_problem

    if value is not None:
        if problem := style_problem(*style_words(value)):
            raise typer.BadParameter(f"{problem[0]}; {problem[1]}")
    return value


def _style_help() -> str:
    from .styles import names
    return (f"Drawing style: {', '.join(names())}; options follow the name: 'graph bias' (bias nodes), "
            "'schematic shapes' (output shapes in the boxes).")


_DEP_TARGET = typer.Option(None, "--dep-target", metavar="TARGET",
                           help="The target the make rule names (default: the output), e.g. a stamp file that make "
                                "touches, so that an unchanged figure is not remade again on the next make.")
_STYLE = typer.Option(None, callback=_style, metavar="STYLE", help=_style_help())


@app.callback()
def main_options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                              help="Print tikznn's and TeX's versions and exit.")) -> None:
    pass


@app.command()
def build(files: List[Path] = typer.Argument(..., help=".nn files to draw.", show_default=False, metavar="NET.nn..."),
          output: Optional[str] = typer.Option(None, "-o", "--output", metavar="PATH",
                                               help="Output file (one input), or folder (several inputs, or a "
                                                    "name ending in /)."),
          format: str = typer.Option("pdf", "-f", "--format", metavar="FORMATS",
                                     help="Comma-separated: pdf, png, svg."),
          dpi: int = typer.Option(300, min=10, max=2400, metavar="DPI", help="Resolution of PNG output."),
          transparent: bool = typer.Option(False, "--transparent", help="PNG without a white background."),
          maps: Optional[str] = typer.Option(None, "--maps", metavar="MODEL",
                                             help="Draw the model's real feature maps on the blocks (module:Class "
                                                  "or file.py:Class; with --image)."),
          image: Optional[Path] = typer.Option(None, "--image", metavar="IMG", help="The picture --maps runs on."),
          weights: Optional[Path] = typer.Option(None, "--weights", metavar="FILE",
                                                 help="The model's weights for --maps (a saved state_dict)."),
          timeout: float = typer.Option(60.0, min=1, metavar="SECONDS",
                                        help="Seconds pdflatex (and Poppler) may run per figure."),
          dims: Optional[str] = _DIMS, stats: Optional[bool] = _STATS, collapse: Optional[bool] = _COLLAPSE,
          layout: Optional[str] = _LAYOUT, width: Optional[str] = _WIDTH, height: Optional[str] = _HEIGHT,
          wrap: Optional[bool] = _WRAP,
          theme: Optional[str] = _THEME, legend: Optional[bool] = _LEGEND, engine: Optional[str] = _ENGINE,
          fontsize: Optional[float] = _FONTSIZE, style: Optional[str] = _STYLE, sizes: Optional[str] = _SIZES,
          detail: Optional[str] = _DETAIL, strict: bool = _STRICT,
          jobs: int = typer.Option(1, "-j", "--jobs", min=1, max=64, metavar="N",
                                   help="Build this many figures at once."),
          deps: bool = typer.Option(False, "-M", help="Write a make dependency file NAME.d next to each output."),
          depfile: Optional[Path] = typer.Option(None, "--depfile", metavar="FILE",
                                                 help="Write the make dependency rule here (one input)."),
          dep_target: Optional[str] = _DEP_TARGET,
          verbose: bool = typer.Option(False, "-v", "--verbose", help="Say what was written.")) -> None:
    """Build figures: NET.nn → NET.pdf (and .png/.svg)."""
    from concurrent.futures import ThreadPoolExecutor

    from .latex import FORMATS
    from .pipeline import build_figure, outputs_for

    formats = [f.strip().lower() for f in format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise typer.BadParameter(f"unknown format '{(unknown or [format])[0]}'; choose from: {', '.join(FORMATS)}",
                                 param_hint="--format")
    folder = None
    if output is not None and (len(files) > 1 or output.endswith(("/", "\\")) or Path(output).is_dir()):
        folder = Path(output)
        if folder.suffix.lstrip(".") in FORMATS and len(files) > 1:
            raise typer.BadParameter("with several inputs, -o names a folder, not a file", param_hint="-o")
        stems = [path.stem for path in files]
        if len(set(stems)) < len(stems):
            twice = next(stem for stem in stems if stems.count(stem) > 1)
            raise typer.BadParameter(f"two inputs are named '{twice}': their outputs would overwrite each other "
                                     "in one folder", param_hint="-o")
    if depfile is not None and len(files) > 1:
        raise typer.BadParameter("--depfile names one file: with several inputs use -M", param_hint="--depfile")
    if (maps is None) != (image is None) or weights is not None and maps is None:
        raise typer.BadParameter("--maps MODEL and --image IMG go together (--weights with them)",
                                 param_hint="--maps")
    if dep_target is not None and (depfile is None or len(files) > 1):
        raise typer.BadParameter("the target of one make rule: give --depfile (one input) as well",
                                 param_hint="--dep-target")

    def one(path: Path):
        out = folder / f"{path.stem}.pdf" if folder else Path(output) if output else None
        rule = depfile
        if deps:
            rule = next(iter(outputs_for(path, out, formats).values())).with_suffix(".d")
        try:
            return path, build_figure(path, out, formats, dpi=dpi, timeout=timeout, transparent=transparent,
                                      maps=(maps, image, weights) if maps else None,
                                      dims=dims, stats=stats, collapse=collapse, layout=layout, width=width,
                                      height=height, wrap=wrap,
                                      theme=theme, legend=legend, engine=engine, fontsize=fontsize, style=style,
                                      sizes=sizes, detail=detail, strict=strict, depfile=rule,
                                      dep_target=dep_target)
        except TikznnError as err:
            return path, err

    status, done, made_from, made = 0, 0, [], []
    progress = len(files) > 1 and sys.stderr.isatty() and not verbose
    # one figure at a time is built here, in the main thread, so that Ctrl-C stops it at once; with -j, Ctrl-C
    # stops the figures not yet begun and lets those begun finish
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(files))) if min(jobs, len(files)) > 1 else None
    try:
        for path, result in pool.map(one, files) if pool else map(one, files):  # in the order given
            done += 1
            if progress:
                sys.stderr.write(f"\r\033[K[{done}/{len(files)}] {path}")
                sys.stderr.flush()
            if isinstance(result, TikznnError):
                typer.echo(("\n" if progress else "") + str(result), err=True)
                status = status or result.exit_code
                continue
            made_from += result.sources
            made += result.targets + ([result.rule] if result.rule else [])
            for note in result.warnings:
                typer.echo(("\n" if progress else "") + f"{path}: warning: {note}", err=True)
            if verbose:
                if result.composed:
                    typer.echo(f"{path}: {result.composed}")
                for written_path in result.written:
                    typer.echo(f"wrote {written_path}")
                if not result.written:
                    typer.echo(f"{path}: up to date")
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    if progress:
        sys.stderr.write("\n")
    if status == 0 and sys.argv[1:2] == ["build"]:  # run again unchanged, this command returns at once
        from . import stamps
        stamps.record(sys.argv[1:], made_from, made)
    raise typer.Exit(status)


@app.command()
def tex(file: Path = typer.Argument(..., help=".nn file.", show_default=False, metavar="NET.nn"),
        output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                              help="Write here (- or nothing: stdout)."),
        fragment: bool = typer.Option(False, "--fragment",
                                      help="A tikzpicture to \\input into a paper, not a whole document."),
        overlay: bool = typer.Option(False, "--overlay",
                                     help="With --fragment, for beamer: the layers appear one slide after another."),
        dims: Optional[str] = _DIMS, stats: Optional[bool] = _STATS, collapse: Optional[bool] = _COLLAPSE,
        layout: Optional[str] = _LAYOUT, width: Optional[str] = _WIDTH, height: Optional[str] = _HEIGHT,
        wrap: Optional[bool] = _WRAP,
        theme: Optional[str] = _THEME, legend: Optional[bool] = _LEGEND, engine: Optional[str] = _ENGINE,
        fontsize: Optional[float] = _FONTSIZE, style: Optional[str] = _STYLE, sizes: Optional[str] = _SIZES,
        detail: Optional[str] = _DETAIL, strict: bool = _STRICT,
        depfile: Optional[Path] = typer.Option(None, "--depfile", metavar="FILE",
                                               help="Also write a make rule: OUTPUT depends on the .nn file and "
                                                    "the files it imports."),
        dep_target: Optional[str] = _DEP_TARGET) -> None:
    """Write the TeX of a figure: a standalone document, or with --fragment a picture for \\input."""
    from .latex import write_all
    from .pipeline import make_rule, tex_and_sources

    if output is not None and str(output) == "-":  # as for export: - is stdout
        output = None
    if depfile is not None and output is None:
        raise typer.BadParameter("a make rule needs a target: give -o as well", param_hint="--depfile")
    if dep_target is not None and depfile is None:
        raise typer.BadParameter("the target of a make rule: give --depfile as well", param_hint="--dep-target")
    if overlay and not fragment:
        raise typer.BadParameter("overlays are for a fragment input into a beamer frame: add --fragment",
                                 param_hint="--overlay")
    # its images are written beside it, named after it (in TeX's plain letters)
    prefix = re.sub(r"[^A-Za-z0-9._-]", "-", output.stem) + "-" if output is not None else ""
    try:
        with _warnings_of(file):
            text, sources, shown = tex_and_sources(file, fragment=fragment, overlay=overlay, prefix=prefix, dims=dims,
                                                   stats=stats, collapse=collapse, layout=layout, width=width,
                                                   height=height, wrap=wrap, theme=theme, legend=legend,
                                                   engine=engine, fontsize=fontsize, style=style, sizes=sizes,
                                                   detail=detail, strict=strict)
        if output is None and shown:
            raise TikznnError("this figure shows images, which are files beside its TeX: give -o",
                              hint="tikznn tex net.nn -o net.tex writes net.tex and net-image1.png, ...")
        if output is None:
            sys.stdout.write(text)
        else:
            files = {output: text.encode("utf-8")}
            files.update({output.with_name(picture.file): picture.png for picture in shown})
            if depfile is not None:
                files[depfile] = make_rule([Path(dep_target or output)], sources).encode("utf-8")
            write_all(files, sources=sources)
    except TikznnError as err:
        _fail(err)


@app.command()
def watch(files: List[Path] = typer.Argument(..., help=".nn files to draw.", show_default=False, metavar="NET.nn..."),
          output: Optional[str] = typer.Option(None, "-o", "--output", metavar="PATH",
                                               help="Output folder (or file, one input)."),
          format: str = typer.Option("pdf", "-f", "--format", metavar="FORMATS",
                                     help="Comma-separated: pdf, png, svg."),
          interval: float = typer.Option(0.5, min=0.05, metavar="SECONDS",
                                         help="Seconds between looks at the files.")) -> None:
    """Rebuild figures whenever their .nn files (or what they import) change; errors are reported, watching goes on.

    Stop with Ctrl-C."""
    import time

    from .latex import engine_of_last, start_early
    from .pipeline import build_figure

    formats = [f.strip().lower() for f in format.split(",") if f.strip()]
    folder = Path(output) if output is not None and (len(files) > 1 or output.endswith("/")) else None
    sources: dict[Path, list[Path]] = {path: [path] for path in files}

    def stamp(path: Path):
        return tuple(source.stat().st_mtime_ns if source.exists() else None for source in sources[path])

    def rebuild(path: Path) -> None:
        out = folder / f"{path.stem}.pdf" if folder else Path(output) if output else None
        try:
            built = build_figure(path, out, formats)
        except TikznnError as err:
            typer.echo(str(err), err=True)
            return
        finally:
            if engine_of_last() == "pdflatex":
                start_early()  # the next rebuild's pdflatex, its format loaded while the files are watched
        sources[path] = built.sources
        for note in built.warnings:
            typer.echo(f"{path}: warning: {note}", err=True)
        typer.echo(f"{time.strftime('%H:%M:%S')} {path}: " +
                   (", ".join(map(str, built.written)) if built.written else "up to date"))

    seen = {}
    try:
        for path in files:  # (the dates before a build: an edit saved while it runs is seen on the next look)
            seen[path] = stamp(path)
            rebuild(path)
        typer.echo(f"watching {len(files)} file{'s' if len(files) > 1 else ''}; Ctrl-C stops", err=True)
        while True:
            time.sleep(interval)
            for path in files:
                now = stamp(path)
                if now != seen[path]:
                    seen[path] = now  # (if its imports change, the next look sees more files and builds once more)
                    rebuild(path)
    except KeyboardInterrupt:
        raise typer.Exit(130)


@app.command()
def doctor() -> None:
    """Say what is installed of what tikznn uses (TeX, Poppler, fonts, PyTorch) and what each missing piece costs."""
    from .doctor import report
    from .errors import LatexNotFound

    text, ready = report()
    typer.echo(text)
    if not ready:
        raise typer.Exit(LatexNotFound.exit_code)


@app.command()
def info(file: Path = typer.Argument(..., help=".nn file.", show_default=False, metavar="NET.nn"),
         json_: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Print every layer's output shape, parameters and MACs, with totals."""
    import json

    from .pipeline import load
    from .report import as_json, as_table
    from .shapes import analyse

    try:
        network, text = load(file)
        try:
            analysis = analyse(network)
        except TikznnError as err:
            raise err.located(str(file), text) from None
    except TikznnError as err:
        _fail(err)
    typer.echo(json.dumps(as_json(network, analysis), indent=2) if json_ else as_table(network, analysis))


@app.command()
def fmt(files: List[Path] = typer.Argument(..., help=".nn files to lay out.", show_default=False,
                                        metavar="NET.nn..."),
        check: bool = typer.Option(False, "--check", help="Change nothing; exit 10 if a file is not laid out so.")):
    """Lay .nn files out one way: indentation, spacing, aligned comments (every line stays on its line)."""
    from .errors import NotFormatted
    from .latex import write_all
    from .pipeline import formatted

    status, unformatted = 0, []
    for path in files:
        try:
            text, layout = formatted(path)
            if layout == text:
                continue
            if check:
                unformatted.append(path)
                typer.echo(f"{path}: not laid out as tikznn fmt would", err=True)
            else:
                write_all({path: layout.encode("utf-8")})
                typer.echo(f"laid out {path}")
        except TikznnError as err:
            typer.echo(str(err.located(str(path), None)), err=True)
            status = status or err.exit_code
    raise typer.Exit(status or (NotFormatted.exit_code if unformatted else 0))


@app.command()
def serve(target: Path = typer.Argument(Path("."), metavar="NET.nn|FOLDER",
                                        help="A .nn file, or a folder of them (default: here)."),
          port: int = typer.Option(8000, min=0, max=65535, metavar="N", help="Port (0: any free one)."),
          host: str = typer.Option("127.0.0.1", metavar="HOST",
                                   help="Address to answer on; only this machine by default.")) -> None:
    """A live page: the .nn text beside its figure and table, redrawn as you type; save and downloads."""
    from .serve import run

    if host not in ("127.0.0.1", "localhost", "::1"):  # (loopback: this machine only)
        typer.echo(f"warning: answering on {host}: anyone who can reach it can read and change {target}",
                   err=True)
    if not target.exists():
        _fail(TikznnError(f"{target}: no such file or folder"))
    try:
        run(target, host, port, ready=lambda address: typer.echo(f"tikznn: {target} at {address} (Ctrl-C stops)",
                                                               ))
    except OSError as err:
        _fail(TikznnError(f"cannot answer on {host}:{port}: {err.strerror or err}",
                          hint="another port: --port 8001 (0: any free one)"))
    except TikznnError as err:
        _fail(err)


@app.command()
def lsp() -> None:
    """Run the language server for .nn files (for an editor: diagnostics, hover, completion, definitions)."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        typer.echo("tikznn lsp needs pygls: pip install 'tikznn[lsp]'", err=True)
        raise typer.Exit(7) from None
    from .lsp import serve
    serve()


def _export_format(value: str) -> str:
    from .export import FORMATS

    if value not in FORMATS:
        raise typer.BadParameter(f"'{value}'; choose from: {', '.join(FORMATS)}")
    return value


@app.command()
def export(format: str = typer.Argument(..., callback=_export_format, show_default=False, metavar="FORMAT",
                                        help="What to write: torch (a PyTorch nn.Module)."),
           file: Path = typer.Argument(..., help=".nn file.", show_default=False, metavar="NET.nn"),
           output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                                 help="Write here (- for stdout); default: NET.py next to NET.nn.")
           ) -> None:
    """Export a network as code: `export torch NET.nn` writes NET.py, a PyTorch module that computes it."""
    from .export import torch_source
    from .latex import write_all
    from .pipeline import load

    try:
        network, text = load(file)
        try:
            code = torch_source(network, source=file.name)
        except TikznnError as err:
            raise err.located(str(file), text) from None
        if str(output) == "-":
            sys.stdout.write(code)
        else:
            write_all({output or file.with_suffix(".py"): code.encode("utf-8")},
                      sources=[file, *map(Path, network.imports)])
    except TikznnError as err:
        _fail(err)


@app.command("import")
def import_(model: str = typer.Argument(..., show_default=False, metavar="MODEL",
                                        help="model.onnx, or a PyTorch model: module:Class or path/file.py:function."),
            input_shape: Optional[str] = typer.Option(None, "--input", metavar="SHAPE",
                                                      help="A PyTorch model's input size without "
                                                      "the batch axis, e.g. 3x224x224."),
            tokens: bool = typer.Option(False, "--tokens", help="The input is token ids (--input 128 --tokens)."),
            output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                                  help="The .nn file to write (default: stdout).")) -> None:
    """Write the .nn text of an ONNX or PyTorch model: blocks, branches and skips kept, ready to edit and build."""

    from .latex import write_all
    from .importing import import_model

    if not model.endswith(".onnx") and ":" in model and not re.fullmatch(r"\d+(x\d+)*", input_shape or ""):
        raise typer.BadParameter(f"a PyTorch model needs its input size without the batch axis, e.g. --input 3x224x224"
                                 f"{'' if input_shape is None else f' (not {input_shape!r})'}", param_hint="--input")
    try:
        text, notes = import_model(model, input_shape, tokens=tokens)
        for note in notes:
            typer.echo(f"{model}: warning: {note}", err=True)
        if output is None:
            sys.stdout.write(text)
        else:  # (never over the model it was read from)
            write_all({output: text.encode("utf-8")}, sources=[Path(re.sub(r":[^:/]*$", "", model))])
    except TikznnError as err:
        _fail(err.located(model.rpartition(":")[0] if ":" in model else model, None))


@functools.cache
def command():
    """The click command typer makes of `app` (made once: a warm builder's builds share it)."""
    return typer.main.get_command(app)


def main(prog_name: str | None = None) -> None:
    try:
        command()(prog_name=prog_name)
    except TikznnError as err:  # raised outside a command's own handling
        typer.echo(str(err), err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:  # a bug: say so plainly; the traceback only on request
        if os.environ.get("TIKZNN_DEBUG"):
            raise
        typer.echo(f"tikznn: internal error: {type(err).__name__}: {err}\n"
                   "please report it with the .nn file (TIKZNN_DEBUG=1 shows the traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
