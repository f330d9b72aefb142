"""`tikznn export torch`: the generated module runs, has tikznn's parameter count and output shape, and reads as
written by hand. Tests that run the code need torch (skipped without it, except under CI, which installs it)."""
import ast
import re
import warnings

import pytest

from conftest import EXAMPLES, need_module, tikznn
import layers
from tikznn import ModelError, Network, parse, parse_file
from tikznn.export import RESERVED, identifiers, torch_source
from tikznn.shapes import analyse

# constructs the examples leave out: every option of every layer, 1-D maps, sequences, names Python refuses
NETS = {
    "feature-maps": "input 8x16x16\nconv 16 k3 p1 dw leakyrelu\nconv 16 k3 d2 p2 g4 bias bn elu\nupsample 2 bilinear\n"
                    "deconv 8 k3 s2 p1 op1 silu\nconv 4 k3x1 s1x2 p1x0 nobias gelu\nconv 4 k3 psame bn\ntanh\nsigmoid\n"
                    "softmax\nlogsoftmax\npool avg k3 s2 p1 ceil\npool max 2\nflatten\n",
    "one-dimensional": "input 4x100\nconv 8 k5 s2 pvalid\nconv 8 k3 psame bn relu\nupsample 2 bilinear\n"
                       "deconv 4 k3 s2 p1 op1\npool max 3 ceil\nbn\npool global\nflatten\ndense 3 logsoftmax\n",
    "vector": "input 64\nbn\ndense 32 silu\ndropout 0.3\nlayernorm\ndense 16 prelu\nprelu\ndense 4 softmax\n",
    "slopes": "input 3x16x16\nconv 8 k3 p1 bn prelu\nprelu\nflatten\ndense 4\n",  # nn.PReLU's one slope each
    "sequences": "input 20 tokens\nembed 100 32\nx = lstm 16 n2 bi\ngru 24\nattention h4\nencoder h4 ff64 gelu\nbn\n"
                 "z = dense 8 softmax\ny = dense 8 from x\nc = concat z y\nu = lstm 6 bi last\n"
                 "v = gru 5 n2 last from c\nw = pool global from c\nconcat u v w\ndense 3 logsoftmax\n",
    "sequence-input": "input 12x6 seq\nlayernorm\nencoder h2 ff16\nflatten\ndense 4\n",
    "vision-transformer": "input 3x32x32\npatches 16 k8\nclasstoken\nposition\nx = layernorm\nattention h2\nadd x\n"
                          "encoder h2 ff32 gelu\nlayernorm\nreadout\ndense 4\n",
    "gates-and-windows": "input 16x14x14\nx = conv 16 k3 p1\npool global\nconv 4 k1 relu\ng = conv 16 k1 sigmoid\n"
                         "scale x g\nscale\nlayernorm\nattention h2 win7\nattention h2 win7 shift\n"
                         "pixelunshuffle 2\nconv 8 k1 nobias\npool global\nflatten\ndense 4\n",
    "names": "x = input 4x8x8\na.b = conv 4 k3 p1\na_b = conv 4 k3 p1 from x\nclass = conv 4 k3 p1 from x\n"
             "train = conv 4 k3 p1 from x\nconv7 = conv 4 k3 p1 from x\n_ = conv 4 k3 p1 from x\n"
             "s = add a.b a_b class train conv7 _\nconv 4 k3 p1 from x\nadd s relu\n",
}
# every example but those with an 'op' line: it says what an operation is, not what it computes (tested below)
NETWORKS = {**{path.stem: path for path in sorted(EXAMPLES.glob("*.nn"))
               if not re.search(r"^\s*([\w.]+\s*=\s*)?op\b", path.read_text(), re.M)},
            **NETS}


def network_named(name: str) -> Network:
    return parse(NETS[name]) if name in NETS else parse_file(NETWORKS[name])


@pytest.fixture
def torch():
    """PyTorch: a skip where it is not installed, a failure under CI."""
    return need_module("torch")


def exported(network: Network):
    """A fresh instance of the module exported from `network`, in eval mode (on the device in use)."""
    namespace = {}
    exec(compile(torch_source(network), f"<{network.name}>", "exec"), namespace)
    return namespace["Net"]().eval()


def device_for(name: str) -> str:
    """The small networks, which use every option, run on values; the examples on PyTorch's meta device (its own
    shape rules, without initialising or computing millions of values)."""
    return "cpu" if name in NETS else "meta"


def parameters(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_exported_module_has_tikznns_parameters_and_output_shape(torch, name):
    network = network_named(name)
    analysis = analyse(network)
    with torch.device(device_for(name)):
        module = exported(network)
        assert parameters(module) == sum(a.params for a in analysis.values())
        vocab = min((layer.vocab for layer in network.layers if isinstance(layer, layers.Embedding)), default=2)
        inputs = [torch.randint(0, vocab, (1, *layer.shape)) if layer.data == "tokens"
                  else torch.randn(1, *layer.shape) for layer in network.layers if isinstance(layer, layers.Input)]
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("error")  # the generated code uses nothing PyTorch frowns upon
            output = module(*inputs)
    assert tuple(output.shape) == (1, *analysis[network.layers[-1].name].shape)


def test_resnet18_and_unet_totals(torch):
    with torch.device("meta"):
        assert parameters(exported(parse_file(EXAMPLES / "resnet18.nn"))) == 11_689_512
        assert parameters(exported(parse_file(EXAMPLES / "unet.nn"))) == 31_030_658


def test_reserved_names_cover_every_public_attribute_of_a_module(torch):
    assert {name for name in dir(torch.nn.Module) if not name.startswith("_")} <= RESERVED


def parts(source: str) -> tuple[list[str], list[str]]:
    """The attributes __init__ makes and the statements of forward."""
    tree = ast.parse(source)
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    init, fwd = (next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == n)
                 for n in ("__init__", "forward"))
    attributes = [target.attr for node in init.body if isinstance(node, ast.Assign) for target in node.targets]
    return attributes, [ast.unparse(node) for node in fwd.body]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_one_attribute_per_layer_with_weights_one_line_per_layer_and_no_unused_import(name):
    network = network_named(name)
    analysis = analyse(network)
    source = torch_source(network)
    attributes, statements = parts(source)
    names = identifiers(network.names())
    assert attributes == [names[layer.name] for layer in network.layers if analysis[layer.name].params]
    computed = [layer for layer in network.layers if not isinstance(layer, layers.Input)]
    assert len(statements) == len(computed) + 1 and statements[-1].startswith("return ")
    imported = [alias.asname or alias.name for node in ast.parse(source).body
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names]
    assert all(re.search(rf"\b{name}\.", source.split("\n\n\n", 1)[1]) for name in imported), imported


def test_resnet18_reads_as_written_by_hand():
    source = torch_source(parse_file(EXAMPLES / "resnet18.nn"), source="resnet18.nn")
    assert source.startswith('"""ResNet-18 in PyTorch, generated by tikznn from resnet18.nn.\n\n'
                             '11,689,512 parameters; forward takes x (N, 3, 224, 224) and returns (N, 1000).\n"""')
    assert ("        self.conv1 = nn.Sequential(\n            nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),\n"
            "            nn.BatchNorm2d(64),\n            nn.ReLU(inplace=True),\n        )\n") in source
    _, statements = parts(source)
    assert statements[:5] == ["x = self.conv1(x)", "stem = F.max_pool2d(x, 3, stride=2, padding=1)",
                              "x = self.conv2(stem)", "x = self.conv3(x)", "a1 = F.relu(x + stem)"]
    # only the outputs read again after the next line have names: the residuals' inputs
    named = {s.split(" = ")[0] for s in statements} - {"x", "return x"}
    assert named == {"stem", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "b1", "b2", "b3"}


def test_names_become_distinct_identifiers():
    assert identifiers(["a.b", "a_b", "class", "train", "conv7", "_", "conv#7", "x", "layer1.0.conv1", "input#1"]) == {
        "a.b": "a_b_2", "a_b": "a_b", "class": "class_", "train": "train_", "conv7": "conv7", "_": "layer_",
        "conv#7": "conv7_2", "x": "x_", "layer1.0.conv1": "layer1_0_conv1", "input#1": "input1"}


def test_several_inputs_are_arguments_and_a_name_with_quotes_stays_in_the_docstring():
    source = torch_source(parse_file(EXAMPLES / "siamese.nn"))
    assert "    def forward(self, a, b):" in source
    network = Network('say "hi" \\o/').input(4).dense(2)
    assert ast.get_docstring(ast.parse(torch_source(network))).startswith('say "hi" \\o/ in PyTorch')


def test_what_pytorch_cannot_compute_as_tikznn_counts_it_is_refused_clearly():
    with pytest.raises(ModelError, match="prelu after an add cannot be exported to PyTorch") as refused:
        torch_source(parse("input 8\nx = dense 8\ndense 8\nadd x prelu\n"))
    assert refused.value.span.line == 4 and "a line of its own" in refused.value.hint
    with pytest.raises(ModelError, match="op 'M' cannot be exported to PyTorch"):  # its shape is known, not its sums
        torch_source(Network().input(8).op("Mystery", label="M").dense(2))
    with pytest.raises(ValueError, match="'F' cannot name the module's class"):
        torch_source(Network().input(8), class_name="F")


def test_export_command(tmp_path):
    (tmp_path / "lenet.nn").write_text((EXAMPLES / "lenet.nn").read_text())
    run = tikznn("export", "torch", "lenet.nn", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    written = (tmp_path / "lenet.py").read_text()
    assert written == torch_source(parse_file(EXAMPLES / "lenet.nn"), source="lenet.nn")
    run = tikznn("export", "torch", "lenet.nn", "-o", "-", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout == written
    run = tikznn("export", "torch", "lenet.nn", "-o", "models/net.py", cwd=tmp_path)
    assert run.returncode == 0 and (tmp_path / "models" / "net.py").read_text() == written

    run = tikznn("export", "onnx", "lenet.nn", "-o", "x.py", cwd=tmp_path)
    assert run.returncode == 2 and "'onnx'; choose from: torch" in run.stderr and not (tmp_path / "x.py").exists()
    (tmp_path / "slope.nn").write_text("input 8\nx = dense 8\ndense 8\nadd x prelu\n")
    run = tikznn("export", "torch", "slope.nn", cwd=tmp_path)
    assert run.returncode == 3 and run.stderr.startswith("slope.nn:4:1: error: prelu after an add cannot be")
    assert "Traceback" not in run.stderr and not (tmp_path / "slope.py").exists()
