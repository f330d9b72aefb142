"""Parse → Network: the language and the Python builder make equal models; names and references behave."""
import re

import pytest

from builders import BUILDERS
from conftest import EXAMPLES
from tikznn import ModelError, Network, ParseError, parse, parse_file
from layers import Add, Conv, Input, Pool
from tikznn.layer import Style
from tikznn.model import Skip


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builder_equals_parser(name):
    parsed = parse_file(EXAMPLES / f"{name}.nn")
    built = BUILDERS[name]()
    assert [l.name for l in parsed.layers] == [l.name for l in built.layers]
    for a, b in zip(parsed.layers, built.layers):
        assert a == b, f"{a.name}: {a} != {b}"
    assert parsed == built


def test_lenet_parses_to_the_expected_layers():
    net = parse_file(EXAMPLES / "lenet.nn")
    assert net.name == "LeNet-5"
    assert net.layers[0] == Input(name="input#1", shape=(1, 32, 32), label="Input")
    assert net.layers[1] == Conv(name="conv#1", inputs=("input#1",), channels=6, kernel=(5, 5), act="relu",
                                 label="C1")
    assert net.layers[2] == Pool(name="pool#1", inputs=("conv#1",), mode="max", kernel=(2, 2), label="S2")
    assert [l.kind for l in net.layers] == ["input", "conv", "pool", "conv", "pool", "flatten", "dense", "dense",
                                             "dense"]


def test_source_positions_do_not_affect_equality_but_are_kept():
    a = parse("input 3x8x8\nconv 4 k3\n")
    b = parse("\n\ninput 3x8x8   # moved\n  conv 4 k3\n")
    assert a == b
    assert (a.layers[1].at.line, b.layers[1].at.line) == (2, 4)


def test_names_from_add_concat_skip_and_styles():
    net = parse('input 3x8x8\n'
                'a = conv 4 k3 p1 bn relu "A" {color=teal, opacity=0.4}\n'
                'b = conv 4 k1 from a {nolabel}\n'
                'c = add a b relu\n'
                'concat a c "cat"\n'
                'skip a -> c "note"\n')
    assert net["b"].inputs == ("a",)
    assert net["c"] == Add(name="c", inputs=("a", "b"), act="relu")
    assert net.layers[-1].inputs == ("a", "c")
    assert net["a"].style == Style(color="teal", opacity=0.4)
    assert net["b"].style == Style(show_label=False)
    assert net.skips == (Skip(source="a", target="c", label="note"),)


def test_add_with_one_name_takes_the_previous_layer_first():
    net = parse("x = input 3x8x8\nconv 3 k3 p1\nadd x\n")
    assert net.layers[-1].inputs == ("conv#1", "x")


def test_per_axis_sizes_and_hex_colours():
    net = parse("input 1x9x9\nconv 2 k3x1 s2x1 p1x0 {color=#1f77b4}\n")
    conv = net.layers[1]
    assert (conv.kernel, conv.stride, conv.padding, conv.style.color) == ((3, 1), (2, 1), (1, 0), "#1f77b4")


def test_label_escapes_keep_quotes():
    net = parse('input 3x8x8 "a \\"quoted\\" 50% $\\alpha_1$"\n')
    assert net.layers[0].label == 'a "quoted" 50% $\\alpha_1$'


@pytest.mark.parametrize("text, message", [
    ("a = input 3\nb = dense 3\na = dense 4\n", "duplicate name 'a'"),
    ("input 3\nadd nope\n", "undefined layer 'nope'"),
    ("a = input 3\nb = dense 3\nskip b -> a\n", "would form a cycle"),
    ("x = input 3\nadd x\n", "with itself"),
    ("conv 3 k3\n", "comes before any input"),
])
def test_model_errors(text, message):
    with pytest.raises(ModelError, match=message):
        parse(text)


def test_builder_reports_the_same_errors():
    with pytest.raises(ModelError, match="undefined layer 'stemm'.*"):
        Network().input(3, 8, 8, name="stem").conv(3).add("stemm")
    with pytest.raises(ModelError, match="duplicate name"):
        Network().input(3, 8, 8, name="x").conv(3, name="x")


def test_syntax_error_is_located():
    with pytest.raises(ParseError, match=r"syntax error: unexpected 'rellu'; expected an activation \(relu") as caught:
        parse("input 3x8x8\nconv 64 k3 rellu\n", path="net.nn")
    text = str(caught.value)
    assert text.startswith("net.nn:2:12: ")
    assert "conv 64 k3 rellu" in text and "^^^^^" in text and "did you mean 'relu'?" in text


def test_every_conv_and_pool_option_parses_like_the_builder():
    text = ("dims shape\nstats\ninput 8x32x32\nconv 16 k3 s2 psame d2 g4 bias bn relu {dims=channels}\n"
            "conv 16 k3 pvalid dw nobias\ndeconv 8 k3 s2 p1 op1\npool max k3 s2 ceil\n")
    built = (Network().drawn_with(dims="shape", stats=True).input(8, 32, 32)
             .conv(16, k=3, s=2, p="same", d=2, groups=4, bias=True, bn=True, act="relu", dims="channels")
             .conv(16, k=3, p="valid", depthwise=True, bias=False)
             .deconv(8, k=3, s=2, p=1, op=1)
             .pool("max", 3, s=2, ceil=True))
    assert parse(text) == built


@pytest.mark.parametrize("text, message", [
    ("input 3x8x8\nconv 8 k3 op1\n", "output padding (op) belongs to deconv"),
    ("input 3x8x8\npool max k3 psame\n", "numeric padding"),
    ("input 3x8x8\nconv 8 k3 g0\n", "groups must be at least 1"),
    ("input 3x8x8\nconv 8 k3 d0\n", "dilation 0 is not allowed"),
    ("dims sizes\ninput 3\n", "unexpected 'sizes'"),
])
def test_option_errors(text, message):
    with pytest.raises((ModelError, ParseError), match=re.escape(message)):
        parse(text)


@pytest.mark.parametrize("make, message", [
    (lambda: Network().input(3, 8, 8).conv(4, color="red] (0,0) circle (9); \\node{HACK}; \\fill[red"),
     "unknown colour"),
    (lambda: Network().input(3, 8, 8).conv(4, color="#fff"), "is not #rrggbb"),
    (lambda: Network().input(3, 8, 8).conv(4, name="a\n\\end{tikzpicture}"), "is not a name"),
    (lambda: Network().input(3, 8, 8).conv(4, name="conv#2").conv(8), "is not a name"),
    (lambda: Network().input(3, 8, 8).conv(4, label="$x}$"), "closes a brace the math did not open"),
    (lambda: Network().input(3, 8, 8).flatten(label="flat"), "drawn as part of the arrow"),
    (lambda: Network().input(3, 8, 8).conv(4, groups=2, depthwise=True), "dw (depthwise) sets the groups"),
    (lambda: Network().input(3, 8, 8).pool("global", 2), "global pooling covers the whole map"),
])
def test_builder_input_is_validated_like_the_language(make, message):
    with pytest.raises(ModelError, match=re.escape(message)):
        make()


@pytest.mark.parametrize("text, error, message", [
    ('network "a"\nnetwork "b"\ninput 3\n', ParseError, "a second 'network' line"),
    ("input 3x8x8\nconv 4 k3 {color=#12345}\n", ParseError, "six hexadecimal digits"),
    ('input 3x8x8\nconv 4 "$x}$"\n', ParseError, "closes a brace the math did not open"),
    ('input 3x8x8\nstage "a"\nconv 4 k3\n', ParseError, "stage 'a' is never ended"),
    ("input 3x8x8\nconv 4 k3 bn bn\n", ParseError, "batch-norm given twice"),
    ("input 3x8x8\nconv 4 k3 relu tanh\n", ParseError, "activation given twice"),
])
def test_language_errors(text, error, message):
    with pytest.raises(error, match=message):
        parse(text)


def test_the_grammar_and_the_model_list_the_same_words():
    """The grammar's word lists and the model's and kinds' tuples must not drift apart."""
    from tikznn import figure, kinds, model
    from tikznn.resources import resource_dir
    grammar = (resource_dir("grammar") / "tikznn.lark").read_text()

    def alternatives(terminal):
        return tuple(re.search(rf"^{terminal}(?:\.\d)?: /\(([^)]*)\)", grammar, re.M).group(1).split("|"))
    declared = {name: values for kind in kinds.every() for name, (_, values) in kind.terminals.items()}
    assert set(declared) == {"ACT", "POOL_MODE", "UPSAMPLE_MODE", "INPUT_DATA"}
    for terminal, values in declared.items():
        assert alternatives(terminal) == tuple(values), terminal
    assert alternatives("DIMS_MODE") == model.DIMS_MODES
    assert alternatives("LAYOUT") == figure.LAYOUTS and alternatives("DETAIL") == figure.DETAILS


def test_repetition_adds_copies_label_first_name_last():
    net = parse('input 3x8x8\nconv 4 k3 p1 x3 "c"\nb = conv 4 k1 ×2\n')
    convs = [l for l in net.layers if l.kind == "conv"]
    assert [l.label for l in convs] == ["c", None, None, None, None]
    assert net.layers[-1].name == "b" and net.layers[-1].inputs == (convs[-2].name,)
    with pytest.raises(ModelError, match="cannot be repeated"):
        parse("x = input 3x8x8\ny = input 3x8x8\nadd x y ×2\n")


@pytest.mark.parametrize("text, message", [
    ("input 3\nend\n", "'end' without a stage"),
    ('input 3\nstage "a"\nstage "b"\n', "starts inside stage 'a'"),
    ('input 3\nstage "a"\ndense 3\nend\nstage "a"\n', "a name of its own"),
])
def test_stage_errors(text, message):
    with pytest.raises(ModelError, match=re.escape(message)):
        parse(text)
