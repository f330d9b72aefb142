"""`tikznn import`: ONNX files and PyTorch modules → editable .nn text whose analysis agrees with the model
(onnx and torch are optional extras; CI installs both, so there these tests must run)."""
import re
import sys
from pathlib import Path

import pytest

from conftest import GOLDENS, REGENERATE, need_module, tikznn
from tikznn import build, parse
from tikznn.shapes import analyse

from tikznn.importing import import_model  # (it imports PyTorch or ONNX only when a model is read)


@pytest.fixture(autouse=True)
def _frameworks():
    """ONNX, PyTorch and the test models made with them, imported when a test runs rather than when pytest collects
    this module (seconds on every worker)."""
    global onnx, torch, onnx_models, torch_models
    onnx = need_module("onnx")
    torch = need_module("torch")
    import onnx_models
    import torch_models


HERE = Path(__file__).parent
TORCH = str(HERE / "torch_models.py")
CASES = {  # name: (how to import it, its input, token ids?, the class in torch_models.py whose parameters it has)
    "onnx_resnet_like": None,
    "onnx_chain": None,
    "torch_resnet_like": (f"{TORCH}:resnet_like", "3x32x32", False, "ResNetLike"),
    "torch_inception_like": (f"{TORCH}:InceptionLike", "3x32x32", False, "InceptionLike"),
    "torch_lstm": (f"{TORCH}:LSTMClassifier", "20", True, "LSTMClassifier"),
}


def _imported(name: str, tmp_path: Path) -> tuple[str, int, list[str]]:
    """The .nn text of a test model, its own parameter total, and the import's warnings."""
    if name.startswith("onnx_"):
        model, total = (onnx_models.resnet_like if name == "onnx_resnet_like" else onnx_models.chain_with_unknown_op)()
        path = tmp_path / "model.onnx"
        onnx.save(model, str(path))
        text, notes = import_model(str(path))
        return text.replace(str(tmp_path) + "/", ""), total, notes
    spec, shape, tokens, cls = CASES[name]
    text, notes = import_model(spec, shape, tokens=tokens)
    held = sum(p.numel() for p in getattr(torch_models, cls)().parameters())
    return text.replace(str(HERE) + "/", "tests/"), held, notes


def _total(text: str) -> int:
    return sum(a.params for a in analyse(parse(text)).values())


@pytest.mark.parametrize("name", list(CASES))
def test_an_imported_model_reads_as_written_and_counts_its_own_parameters(name, tmp_path):
    text, total, _ = _imported(name, tmp_path)
    assert _total(text) == total
    golden = GOLDENS / "imported" / f"{name}.nn"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text(), f"imported text changed; diff it against {golden}"


def test_repeated_sub_modules_become_one_block_used_n_times(tmp_path):
    text, _, _ = _imported("torch_resnet_like", tmp_path)
    assert "block basic(c)" in text and "layer1 = basic(16) x2" in text and "basic(32) x2" in text
    assert "conv $c k3 p1 bn relu" in text  # conv, batch-norm and ReLU on one line
    text, _, _ = _imported("onnx_resnet_like", tmp_path)  # ONNX keeps no classes: found by structure and names
    assert "layer1 = layer1_block() x2" in text
    text, _, _ = _imported("torch_inception_like", tmp_path)
    assert "concat branch1 branch3.2 branch5.2 pool.1" in text and "inception() x2" in text


def test_an_operation_without_a_word_is_kept_and_named_in_a_warning(tmp_path):
    text, _, notes = _imported("onnx_chain", tmp_path)
    assert "celu = op Celu" in text
    assert notes == ["Celu has no word in the .nn language: written as 'op Celu' (1×: celu)"]


@pytest.mark.latex
@pytest.mark.parametrize("name", list(CASES))
def test_an_imported_model_builds(name, tmp_path):
    text, _, _ = _imported(name, tmp_path)
    (tmp_path / "net.nn").write_text(text)
    [pdf] = build(tmp_path / "net.nn", tmp_path / "net.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def _cli(*args, cwd):
    return tikznn("import", *args, cwd=cwd)


def test_the_command_writes_the_file_and_warns_on_stderr(tmp_path):
    model, _ = onnx_models.chain_with_unknown_op()
    onnx.save(model, str(tmp_path / "chain.onnx"))
    run = _cli("chain.onnx", "-o", "chain.nn", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "chain.onnx: warning: Celu has no word" in run.stderr
    assert (tmp_path / "chain.nn").read_text().startswith("# net: imported by tikznn from chain.onnx")


@pytest.mark.parametrize("problem", ["not onnx", "truncated", "no module", "no attribute", "tracing fails",
                                     "no input size", "a bad input size", "wrong input size", "no class named"])
def test_bad_models_give_a_clear_error_and_write_nothing(problem, tmp_path):
    model, _ = onnx_models.resnet_like()
    whole = model.SerializeToString()
    (tmp_path / "text.onnx").write_text("this is not a model\n")
    (tmp_path / "cut.onnx").write_bytes(whole[:len(whole) // 3])
    args, expected = {
        "not onnx": (["text.onnx"], "text.onnx: import error: text.onnx is not a readable ONNX model"),
        "truncated": (["cut.onnx"], "cut.onnx: import error:"),
        "no module": (["nosuchpackage.models:resnet", "--input", "3x8x8"], "cannot import nosuchpackage.models"),
        "no attribute": ([f"{TORCH}:Missing", "--input", "3x8x8"], "has no class or function 'Missing'"),
        "tracing fails": ([f"{TORCH}:DataDependent", "--input", "3x8x8"], "tracing the model failed"),
        "no input size": ([f"{TORCH}:resnet_like"], "needs its input size"),
        "a bad input size": ([f"{TORCH}:resnet_like", "--input", "abc"], "(not 'abc')"),
        "wrong input size": ([f"{TORCH}:resnet_like", "--input", "3x32"], "does not run on a 3x32 input"),
        "no class named": ([TORCH, "--input", "3x8x8"], "name the class or function"),
    }[problem]
    run = _cli(*args, "-o", "out.nn", cwd=tmp_path)
    assert run.returncode == (2 if "input size" in problem and problem != "wrong input size" else 9), run.stderr
    assert expected in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out.nn").exists()


def test_a_missing_extra_is_named(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if not installed
    from tikznn.errors import ModelImportError
    (tmp_path / "m.onnx").write_bytes(b"")
    with pytest.raises(ModelImportError, match="reading ONNX models needs the onnx package") as caught:
        import_model(str(tmp_path / "m.onnx"))
    assert "pip install 'tikznn[onnx]'" in str(caught.value)


@pytest.mark.parametrize("example", ["lenet", "resnet18", "inception", "unet", "transformer", "vgg16", "vit_b16",
                                     "efficientnet_b0", "mobilenetv3_large", "swin_t"])
def test_an_exported_network_imports_back_as_the_same_network(example, tmp_path):
    """.nn → `tikznn export torch` → `tikznn import`: the same layers, shapes and parameters, in the same order.
    (Examples written with batch-norm and activations on lines of their own come back fused.)"""
    from conftest import EXAMPLES
    from tikznn import parse_file
    from tikznn.export import torch_source
    network = parse_file(EXAMPLES / f"{example}.nn")
    (tmp_path / "net.py").write_text(torch_source(network))
    [first] = [layer for layer in network.layers if layer.kind == "input"]
    text, notes = import_model(f"{tmp_path}/net.py:Net", "x".join(map(str, first.shape)),
                               tokens=first.data == "tokens")
    assert notes == []

    def layers(net):
        analysis = analyse(net)
        return [(layer.kind, getattr(layer, "act", None), analysis[layer.name].shape, analysis[layer.name].params)
                for layer in net.layers]
    assert layers(parse(text)) == layers(network)


def test_the_imported_examples_are_what_the_importer_writes(monkeypatch):
    folder = HERE.parent / "examples" / "imported"
    monkeypatch.chdir(folder)
    assert import_model("models.py:ResNet20", "3x32x32")[0] == (folder / "resnet20.nn").read_text()
    assert import_model("tiny_mobilenet.onnx")[0] == (folder / "tiny_mobilenet.nn").read_text()
    total = sum(a.params for a in analyse(parse((folder / "resnet20.nn").read_text())).values())
    assert total == 272_474  # ResNet-20 with 1×1 projection shortcuts


def test_text_that_counts_other_than_the_model_is_refused_as_a_bug_and_nothing_is_written(monkeypatch, tmp_path):
    """Never a silently wrong number: a writer that got one layer wrong (here made to) is caught by comparing the
    text's totals with the model's, naming the first line whose running total the model never has."""
    import tikznn.importing as importing
    from tikznn.errors import ModelImportError
    real = importing.to_nn
    monkeypatch.setattr(importing, "to_nn", lambda *a, **k: real(*a, **k).replace("dense 10", "dense 11", 1))
    with pytest.raises(ModelImportError, match="a bug in tikznn") as caught:
        import_model(f"{TORCH}:resnet_like", "3x32x32")
    held = sum(p.numel() for p in torch_models.ResNetLike().parameters())
    assert f"where the model holds {held:,}" in str(caught.value) and f"counts {held + 33:,}" in str(caught.value)
    assert "dense 11" in str(caught.value)  # the line where they part
    out = tmp_path / "net.nn"
    run = tikznn("import", f"{TORCH}:resnet_like", "--input", "3x32x32", "-o", out)  # (the writer still patched)
    assert run.returncode == 9 and "a bug in tikznn" in run.stderr and not out.exists()


def test_an_auxiliary_head_that_runs_only_in_training_is_drawn_as_a_branch():
    text, notes = import_model(f"{TORCH}:WithAuxHead", "3x16x16")
    assert _total(text) == sum(p.numel() for p in torch_models.WithAuxHead().parameters()) and not notes
    assert text.count("dense 10") == 2 and "from flatten" in text


def test_parameters_a_forward_never_uses_are_named_in_a_warning_not_counted():
    text, notes = import_model(f"{TORCH}:WithSpareModule", "3x16x16")
    model = torch_models.WithSpareModule()
    assert _total(text) == sum(p.numel() for p in model.parameters()) - 90  # the spare layer's 8×10 + 10
    assert any("90 of the model's" in note and "forward does not run" in note for note in notes)


def test_the_mobile_networks_activations_are_words_not_ops():
    text, notes = import_model(f"{TORCH}:MobileActivations", "3x16x16")
    assert notes == [] and "op " not in text
    assert "conv 16 k3 p1 relu6" in text and "conv 16 k1 hardswish" in text
    assert [line for line in text.splitlines() if line in ("hardsigmoid", "mish", "relu6", "hardswish")] == \
        ["hardsigmoid", "mish", "relu6", "hardswish"]
    assert _total(text) == sum(p.numel() for p in torch_models.MobileActivations().parameters())


def test_the_mobile_activations_export_and_import_back(tmp_path):
    from tikznn.export import torch_source
    network = parse("input 16x8x8\nconv 16 k3 p1 relu6\nhardswish\nconv 16 k1 hardsigmoid\nmish\n")
    (tmp_path / "net.py").write_text(torch_source(network))
    text, notes = import_model(f"{tmp_path}/net.py:Net", "16x8x8")
    assert notes == [] and text.splitlines()[3:] == ["conv 16 k3 p1 relu6", "hardswish", "conv 16 k1 hardsigmoid",
                                                      "mish"]


def test_the_mobile_activations_import_from_onnx(tmp_path):
    path = tmp_path / "mobile.onnx"
    onnx.save(onnx_models.mobile_activations(), str(path))
    text, notes = import_model(str(path))
    assert notes == [] and [line.split(" = ")[-1] for line in text.splitlines()[-3:]] == \
        ["hardswish", "hardsigmoid", "mish"] or "conv 8 k3 p1 hardswish" in text, text


def test_modules_named_as_the_languages_words_import_as_text_that_reads_back():
    text, _ = import_model(f"{TORCH}:ReservedNames", "8x16x16")
    assert "block unit()" in text and "__" not in text  # the class _Unit: 'unit', not '__unit'
    assert "block_ = unit() x2" in text
    assert _total(text) == sum(p.numel() for p in torch_models.ReservedNames().parameters())


def test_text_that_does_not_read_back_is_a_bug_quoted_not_a_line_of_a_file_the_user_never_saw(monkeypatch):
    import tikznn.importing as importing
    from tikznn.errors import ModelImportError
    real = importing.to_nn
    monkeypatch.setattr(importing, "to_nn", lambda *a, **k: real(*a, **k).replace("dense 10", "dense ten", 1))
    with pytest.raises(ModelImportError, match="does not read back") as caught:
        import_model(f"{TORCH}:resnet_like", "3x32x32")
    assert "at 'dense ten'" in str(caught.value) and "a bug in tikznn" in str(caught.value)
    assert not re.search(r"<input>:\d", str(caught.value))  # no line number of text the user has not seen


def test_a_constructors_keyword_arguments_are_given_in_the_spec_as_literals():
    text, notes = import_model(f"{TORCH}:Configurable(width=8, depth=2, aux=False)", "3x8x8")
    assert 'network "Configurable"' in text and text.count("conv 8 k3 p1") == 2 and notes == []
    assert _total(text) == sum(p.numel() for p in torch_models.Configurable(width=8, depth=2, aux=False).parameters())
    from tikznn.errors import ModelImportError
    with pytest.raises(ModelImportError, match="give its keyword arguments in the spec"):
        import_model(f"{TORCH}:Configurable", "3x8x8")
    for bad in ("(8)", "(width=__import__('os').getcwd())", "(width=8"):
        with pytest.raises(ModelImportError, match="arguments"):
            import_model(f"{TORCH}:Configurable{bad}", "3x8x8")


def test_adaptive_pooling_to_a_size_is_a_word_both_ways(tmp_path):
    """VGG's and AlexNet's nn.AdaptiveAvgPool2d((7, 7)) before their classifier: 'pool adaptive 7', not an op."""
    from tikznn.export import torch_source
    network = parse("input 64x14x14\npool adaptive 7\nflatten\ndense 10\n")
    assert analyse(network)["pool#1"].shape == (64, 7, 7)
    (tmp_path / "net.py").write_text(torch_source(network))
    text, notes = import_model(f"{tmp_path}/net.py:Net", "64x14x14")
    assert notes == [] and "pool adaptive 7" in text.splitlines()
    (tmp_path / "mod.py").write_text("from torch import nn\n"
                                     "def net():\n    return nn.Sequential(nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(),"
                                     " nn.Linear(64 * 49, 10))\n")
    text, notes = import_model(f"{tmp_path}/mod.py:net", "64x14x14")
    assert notes == [] and "pool adaptive 7" in text.splitlines()


def test_a_concatenation_of_one_tensor_is_that_tensor():
    text, notes = import_model(f"{TORCH}:CatOfOne", "3x8x8")
    assert notes == [] and text.splitlines()[-2:] == ["input 3x8x8", "conv 8 k1"]


def test_a_mean_over_height_and_width_is_global_pooling_then_a_vector():
    text, notes = import_model(f"{TORCH}:MeanHead", "3x8x8")
    assert notes == [] and text.splitlines()[-4:] == ["conv 16 k3 p1", "pool global", "flatten", "dense 10"]
    assert _total(text) == sum(p.numel() for p in torch_models.MeanHead().parameters())


def test_exporters_patterns_in_onnx_read_as_the_words_they_are_and_a_shape_is_no_parameter(tmp_path):
    path = tmp_path / "patterns.onnx"
    model, weights = onnx_models.exporters_patterns()
    onnx.save(model, str(path))
    text, notes = import_model(str(path))
    body = [line.split(" = ")[-1] for line in text.splitlines()[3:]]
    assert body[:2] == ["conv 8 k3 p1 relu6", "conv 8 k1 silu"], text  # Clip(0, 6); x·sigmoid(x)
    assert "scale conv2" in text and body[-1] == "op Reshape 8x64"  # the gate; no weight for its target shape
    assert _total(text) == weights and notes == ["Reshape has no word in the .nn language: written as 'op Reshape' "
                                                 "(1×: line 9)"]


def test_an_onnx_node_whose_size_the_file_does_not_say_is_refused_clearly(tmp_path):
    """onnx's shape inference cannot follow an operation of another domain (nor a size computed at run time):
    tikznn says so rather than guess its shape."""
    from tikznn.errors import ModelImportError
    g = onnx_models.Graph(3, 8)
    x = g.node("Relu", [g.node("Mystery", ["x"], "odd/Mystery", domain="example.custom")], "act/Relu")
    model = g.model(x, [1, 3, 8, 8])
    model.opset_import.append(onnx.helper.make_opsetid("example.custom", 1))
    onnx.save(model, str(tmp_path / "odd.onnx"))
    with pytest.raises(ModelImportError, match="does not say the size of what its Mystery node 'odd/Mystery' gives"):
        import_model(str(tmp_path / "odd.onnx"))


@pytest.mark.parametrize("model,shape,message", [
    ("TiedLinear", "1x4x4", "'fc' uses parameters another layer used before it .weight.: tied weights"),
    ("LearnedQueries", "8x16", "'attn' reads 'expand', a tensor the model holds or makes from no input"),
    ("PoolChannelsLast", "3x8x12", "tikznn cannot write 'pool' exactly: its line 'pool max 2' gives 16×4×6 with 0 "
                                   "parameters where the model gives 8×8×6"),
    ("MismatchedNorms", "3x8x8", "does not run on a 3x8x8 input: RuntimeError"),
    ("MismatchedNorms(norm='layer')", "3x8x8", "does not run on a 3x8x8 input: RuntimeError"),
    ("MismatchedNorms(norm='axes')", "3x8x8", "does not run on a 3x8x8 input: ValueError: expected 2D or 3D input"),
])
def test_a_model_tikznn_would_count_or_shape_wrongly_is_refused_clearly(model, shape, message):
    """Never a silently wrong number: weights a .nn file cannot tie, layers fed by what is not data, and any layer
    whose written line would give another shape or count than the model's operation (checked layer by layer)."""
    from tikznn.errors import ModelImportError
    with pytest.raises(ModelImportError, match=message):
        import_model(f"{TORCH}:{model}", shape)


def test_the_layers_not_run_on_the_meta_device_are_given_the_shape_type_and_layout_pytorch_gives():
    """What import makes of a batch norm's, a layer norm's, an activation's output (torch_reader._SAME_SHAPE) is what
    each gives on values: shape, type and strides (whether a view of it works), for maps in every memory layout."""
    import torch
    from tikznn import torch_reader
    maps = [torch.randn(1, 4, 6, 5), torch.randn(1, 4, 6, 5).to(memory_format=torch.channels_last),
            torch.randn(1, 6, 5, 4).permute(0, 3, 1, 2), torch.randn(1, 4, 6, 5).permute(0, 2, 3, 1)]
    for name in torch_reader._SAME_SHAPE:
        module = getattr(torch.nn, name)(*{"BatchNorm1d": (4,), "BatchNorm2d": (4,), "BatchNorm3d": (4,),
                                           "LayerNorm": (5,)}.get(name, ())).eval()
        for x in maps + [torch.randn(1, 4, 6), torch.randn(1, 4, 2, 6, 5)]:
            try:
                want = module(x)
            except (RuntimeError, ValueError):  # (a layer that does not take it runs, and fails)
                assert not torch_reader._fits(module, x.to("meta"), torch), (name, x.shape)
                continue
            assert torch_reader._fits(module, x.to("meta"), torch), (name, x.shape)
            got = torch_reader._made_as_pytorch_makes(module, x.to("meta"), torch)
            assert (got.shape, got.stride(), got.dtype) == (want.shape, want.stride(), want.dtype), (name, x.stride())


def test_a_layer_norm_of_a_channels_last_map_gives_what_pytorch_gives():
    """Its output is contiguous (a view of it works), as PyTorch makes it, though layer norms are not run here."""
    text, notes = import_model(f"{TORCH}:ChannelsLastNorm", "3x8x8")
    assert "layernorm" in text and not notes
    assert sum(a.params for a in analyse(parse(text)).values()) == 4 * 3 + 4 + 2 * 4 + 256 * 10 + 10


def test_switches_are_words_of_a_block_never_its_parameters_and_every_layer_is_exact():
    text, _ = import_model(f"{TORCH}:Switches", "8x9x9")
    assert "pool max 2 ceil" in text and "conv 8 k3 p1 nobias relu" in text  # b's: two blocks, not one with $c
    assert _total(text) == sum(p.numel() for p in torch_models.Switches().parameters())
    text, notes = import_model(f"{TORCH}:HeldFactors", "3x4x4")
    assert "upsample 2" in text and "scale" not in text  # a buffer is no learned factor
    assert any("MultiheadAttention" in note for note in notes)  # cross-attention: an op, not self-attention
    assert _total(text) == sum(p.numel() for p in torch_models.HeldFactors().parameters())
