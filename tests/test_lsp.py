"""`tikznn lsp`, the language server, driven by pygls' own client over stdio as an editor drives it: diagnostics
(the CLI's error, at its place) while typing, hover with a layer's shape and parameters, completion, definitions."""
import asyncio
import sys

import pytest

from conftest import EXAMPLES, need_module, tikznn

pytestmark = pytest.mark.processes

BAD = 'network "x"\ninput 3x32x32\nconv 4 k3 bogus\n'
SHAPES = 'network "x"\ninput 3x32x32\na = conv 8 k3 p1\nb = conv 16 k3 p1 from a\nadd a b\n'


def test_the_server_answers_as_an_editor_asks(tmp_path):
    types = need_module("lsprotocol.types")
    client_module = need_module("pygls.lsp.client")
    resnet = tmp_path / "resnet18.nn"
    resnet.write_text((EXAMPLES / "resnet18.nn").read_text(encoding="utf-8"), encoding="utf-8")
    uri = resnet.as_uri()
    bad = tmp_path / "bad.nn"
    bad.write_text(BAD)
    cli = tikznn("build", bad)
    text = resnet.read_text(encoding="utf-8")
    lines = text.splitlines()
    a1 = next(i for i, line in enumerate(lines) if line.strip().startswith("a1 = add"))
    a2 = next(i for i, line in enumerate(lines) if line.strip().startswith("a2 = add"))

    async def session():
        client = client_module.LanguageClient("test", "1")
        published: dict[str, list] = {}
        arrived = asyncio.Event()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params):
            published[params.uri] = params.diagnostics
            arrived.set()

        async def diagnosed(uri):
            while uri not in published:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 60)
            return published.pop(uri)

        await client.start_io(sys.executable, "-m", "tikznn", "lsp")
        await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                             root_uri=tmp_path.as_uri()))
        client.initialized(types.InitializedParams())
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="tikznn", version=1, text=text)))
        answers = {"clean": await diagnosed(uri)}
        document = types.TextDocumentIdentifier(uri=uri)
        answers["hover"] = await client.text_document_hover_async(types.HoverParams(
            text_document=document, position=types.Position(line=a1, character=lines[a1].index("a1"))))
        answers["hover conv1"] = await client.text_document_hover_async(types.HoverParams(
            text_document=document, position=types.Position(line=3, character=2)))
        answers["completion"] = await client.text_document_completion_async(types.CompletionParams(
            text_document=document, position=types.Position(line=a2, character=0)))
        answers["definition"] = await client.text_document_definition_async(types.DefinitionParams(
            text_document=document, position=types.Position(line=a2, character=lines[a2].index("a1") + 1)))
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=BAD)]))
        answers["typed an error"] = await diagnosed(uri)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=SHAPES)]))
        answers["shapes"] = await diagnosed(uri)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        return answers

    answers = asyncio.run(asyncio.wait_for(session(), 120))
    assert list(answers["clean"]) == []
    hover = answers["hover"].contents.value
    assert "a1" in hover and "64×56×56" in hover and "0 parameters" in hover
    conv1 = answers["hover conv1"].contents.value
    assert "64×112×112" in conv1 and "9,536 parameters" in conv1 and "MACs" in conv1
    labels = {item.label for item in answers["completion"].items}
    assert {"conv", "pool", "relu", "stage", "a1", "stem"} <= labels
    definition = answers["definition"]
    definition = definition[0] if isinstance(definition, list) else definition
    assert definition.uri == resnet.as_uri() and definition.range.start.line == a1
    (error,) = answers["typed an error"]
    # the CLI's message, at its place: bad.nn:3:11
    assert f"bad.nn:3:11: syntax error: {error.message.splitlines()[0]}" in cli.stderr
    assert (error.range.start.line, error.range.start.character, error.range.end.character) == (2, 10, 15)
    (shape,) = answers["shapes"]
    assert "8" in shape.message and "16" in shape.message and shape.range.start.line == 4


def test_a_file_of_blocks_has_no_error_and_columns_are_the_editors():
    from tikznn.lsp import diagnostic_range, understand, word_at

    blocks = EXAMPLES / "thesis" / "figures" / "blocks.nn"
    assert understand(blocks.read_text(encoding="utf-8"), str(blocks)).error is None
    text = 'network "x"\ninput 3x8x8\nconv 8 "🙂🙂" {color=blu}\n'
    found = understand(text, "/tmp/x.nn")
    # 'blu' is Python's column 19, the editor's 21 (each 🙂 is two UTF-16 units)
    assert diagnostic_range(found.error, text, "/tmp/x.nn")[:3] == (2, 21, 24)
    assert word_at(text, 2, 22) == "blu" and word_at("a\fb = conv 8\nc", 1, 0) == "c"
