"""`tikznn lsp`: a language server for .nn files (pygls, over stdin and stdout), for any editor that speaks LSP.

While you type: the error `tikznn build` would report (parse, shapes, layout; the same message, at its place) as
a diagnostic; hover on a layer's line or name: its output shape, parameters and MACs; completion of the language's
words, the file's layer names and block names; go to the definition of a layer name or a block. What it knows
of a text comes from `understand`, pure but for the imports it reads beside the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TikznnError

_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_.]*")


@dataclass
class Understanding:
    """What the server knows of one text: its first error, its layers by name with their analysis, and where each
    name and block is defined."""
    error: TikznnError | None = None
    layers: dict = field(default_factory=dict)    # name -> (Layer, Analysis or None)
    defined: dict = field(default_factory=dict)   # name -> (path or None, line): layers and blocks
    blocks: list = field(default_factory=list)    # block names


def understand(text: str, path: str | None) -> Understanding:
    """Parse, analyse and lay out a .nn text as a build would (without TeX): what a server answers from."""
    from .blocks import split
    from .parser import library, parse
    from .pipeline import figure_tex, read_import
    from .shapes import analyse

    found = Understanding()
    read = read_import if path else None
    try:
        _, blocks = split(text)
        for block in blocks:
            found.blocks.append(block.name)
            found.defined[block.name] = (path, block.span.line)
    except TikznnError:
        pass
    try:
        library(text, path, read=read)
        return found  # (a file of blocks that others import: nothing more to check)
    except TikznnError:
        pass
    try:
        network = parse(text, path=path, read=read)
    except TikznnError as err:
        found.error = err
        return found
    for layer in network.layers:
        found.layers[layer.name] = (layer, None)
        where = layer.used_at or layer.at
        if where is not None:
            found.defined.setdefault(layer.name, (path, where.line))
    try:
        analysis = analyse(network)
        found.layers = {name: (layer, analysis.get(name)) for name, (layer, _) in found.layers.items()}
        figure_tex(network, network.figure)
    except TikznnError as err:
        found.error = err
    return found


def hover_text(found: Understanding, line: int, word: str | None) -> str | None:
    """What a hover at `line` (1-based) on `word` shows: the layer that word names, else those written there."""
    from .report import summary
    from .shapes import describe, human

    if word in found.layers:
        chosen = [found.layers[word]]
    else:
        chosen = [(layer, a) for layer, a in found.layers.values()
                  if (layer.used_at or layer.at) is not None and (layer.used_at or layer.at).line == line]
    if not chosen:
        return None
    out = []
    for layer, analysis in chosen[:12]:
        head = f"**{layer.name}**: `{summary(layer)}`"
        if analysis is None:
            out.append(head)
            continue
        out.append(f"{head}  \noutput {describe(analysis.shape)} · {analysis.params:,} parameters"
                   + (f" · {human(analysis.macs)} MACs" if analysis.macs else ""))
    if len(chosen) > 12:
        out.append(f"... and {len(chosen) - 12} more layers")
    return "\n\n".join(out)


def words_for_completion(found: Understanding) -> list[tuple[str, str]]:
    """(word, what it is) for completion: the language's words, the file's layer names and blocks."""
    from .parser import ACTIVATIONS, LAYER_KINDS, STATEMENTS

    words = [(word, "statement") for word in STATEMENTS + ("block",)]
    words += [(word, "layer") for word in LAYER_KINDS] + [(word, "activation") for word in ACTIVATIONS]
    words += [(name, "block") for name in found.blocks]
    words += [(name, "layer name") for name in found.layers if "#" not in name]
    return words


def word_at(text: str, line: int, character: int) -> str | None:
    """The word at a 0-based line and character (an editor's: counted in UTF-16 code units)."""
    lines = text.split("\n")  # (lines as the parser counts them)
    if not 0 <= line < len(lines):
        return None
    at = index(lines[line], character)
    for match in _WORD.finditer(lines[line]):
        if match.start() <= at <= match.end():
            return match.group().lstrip("$")
    return None


def utf16(line: str, column: int) -> int:
    """The editor's character (UTF-16 code units) of a 0-based Python column."""
    return len(line[:column].encode("utf-16-le")) // 2


def index(line: str, character: int) -> int:
    """The Python column of an editor's character."""
    units = 0
    for i, char in enumerate(line):
        if units >= character:
            return i
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def diagnostic_range(error: TikznnError, text: str, path: str | None) -> tuple[int, int, int, str]:
    """Where an error goes in the editor (0-based line, start and end character) and its message: at its place,
    or, for one in another file (an imported block), on the first line, saying where."""
    span, message = error.span, error.message + (f"\nhint: {error.hint}" if error.hint else "")
    if span is None or (error.path is not None and path is not None and error.path != path):
        where = f"{error.path}:{span.line}:{span.column}: " if span is not None and error.path else ""
        return 0, 0, 1, where + message
    lines = text.split("\n")
    line = min(max(span.line - 1, 0), max(len(lines) - 1, 0))
    source = lines[line] if lines else ""
    start = max(span.column - 1, 0)
    end = max((span.end_column - 1) if span.end_column else start + 1, start + 1)
    return line, utf16(source, start), utf16(source, end), message


def serve() -> None:  # pragma: no cover (run as `tikznn lsp`; tested through a client in test_lsp.py)
    """The server, over stdin and stdout."""
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    from pygls.uris import to_fs_path

    from . import __version__

    def path_of(uri: str) -> str | None:
        return to_fs_path(uri) if uri.startswith("file:") else None

    server = LanguageServer("tikznn", __version__)
    known: dict[str, Understanding] = {}

    def check(uri: str) -> None:
        document = server.workspace.get_text_document(uri)
        found = known[uri] = understand(document.source, path_of(uri))
        diagnostics = []
        if found.error is not None:
            line, start, end, message = diagnostic_range(found.error, document.source, path_of(uri))
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(line, start), types.Position(line, end)),
                message=message, severity=types.DiagnosticSeverity.Error, source="tikznn",
                code=found.error.kind))
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def opened(params: types.DidOpenTextDocumentParams) -> None:
        check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def changed(params: types.DidChangeTextDocumentParams) -> None:
        check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def saved(params: types.DidSaveTextDocumentParams) -> None:
        check(params.text_document.uri)

    def context(params):
        uri = params.text_document.uri
        try:
            source = server.workspace.get_text_document(uri).source
        except OSError:  # (a document the editor never opened, gone from the disk)
            return Understanding(), None
        found = known.get(uri) or understand(source, path_of(uri))
        return found, word_at(source, params.position.line, params.position.character)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams):
        found, word = context(params)
        text = hover_text(found, params.position.line + 1, word)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION)
    def complete(params: types.CompletionParams):
        found, _ = context(params)
        kinds = {"statement": types.CompletionItemKind.Keyword, "layer": types.CompletionItemKind.Keyword,
                 "activation": types.CompletionItemKind.Keyword, "block": types.CompletionItemKind.Function,
                 "layer name": types.CompletionItemKind.Variable}
        return types.CompletionList(is_incomplete=False, items=[
            types.CompletionItem(label=word, kind=kinds[what], detail=what)
            for word, what in words_for_completion(found)])

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams):
        found, word = context(params)
        if word not in found.defined:
            return None
        path, line = found.defined[word]
        uri = Path(path).resolve().as_uri() if path else params.text_document.uri
        return types.Location(uri=uri, range=types.Range(types.Position(line - 1, 0), types.Position(line - 1, 0)))

    server.start_io()
