"""Inputs a reviewer found to misbehave, each now refused clearly or handled."""
import os
import re
import stat
import subprocess
import sys

import pytest

from conftest import EXAMPLES
from tikznn import LatexError, ModelError, Network, OutputError, ParseError, ShapeError, build, parse, to_tex
from tikznn.latex import convert
from tikznn.shapes import analyse, human


@pytest.mark.parametrize("make, message", [
    (lambda: Network().input(3, 8, 8).conv(4, color="red] (0,0) circle (9); \\node{HACK}; \\fill[red"),
     "unknown colour"),
    (lambda: Network().input(3, 8, 8).conv(4, color="#fff"), "is not #rrggbb"),
    (lambda: Network().input(3, 8, 8).conv(4, name="a\n\\end{tikzpicture}"), "is not a name"),
    (lambda: Network().input(3, 8, 8).conv(4, name="conv#2").conv(8), "is not a name"),
    (lambda: Network().input(3, 8, 8).conv(4, label="$x}$"), "braces in the math"),
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
    ('input 3x8x8\nconv 4 "$x}$"\n', ModelError, "braces in the math"),
    ("input 3x8x8\nconv 4 k3 bn bn\n", ParseError, "batch-norm given twice"),
    ("input 3x8x8\nconv 4 k3 relu tanh\n", ParseError, "activation given twice"),
])
def test_language_errors(text, error, message):
    with pytest.raises(error, match=message):
        parse(text)


def test_output_padding_must_be_below_the_stride():
    with pytest.raises(ShapeError, match="output padding 2×2 must be smaller than the stride"):
        analyse(parse("input 4x8x8\ndeconv 4 op2\n"))


@pytest.mark.parametrize("count, text", [(999, "999"), (999_499, "999k"), (999_500, "1M"), (999_999, "1M"),
                                         (11_689_512, "11.7M"), (999_999_999, "1G"), (1_814_073_344, "1.81G")])
def test_human_counts_round_into_the_next_unit(count, text):
    assert human(count) == text


def test_math_cannot_end_the_node():
    tex = to_tex(parse('input 3x8x8 "$x%y#z&$"\n'))
    assert r"{$x\%y\#z\&$}" in tex


@pytest.mark.latex
def test_a_percent_in_math_compiles(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text('input 3x8x8 "$p = 50%$"\nconv 4 k3 "next"\n')
    assert build(source)[0].read_bytes().startswith(b"%PDF")


@pytest.mark.latex
def test_latex_errors_in_skip_labels_point_at_the_skip(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text('x = input 3x8x8\nconv 3 k3\nz = conv 3 k3\nskip x -> z "$\\nosuch$"\n')
    with pytest.raises(LatexError, match="LaTeX error: pdflatex: Undefined control sequence") as caught:
        build(source)
    assert f"{source}:4:1" in str(caught.value)


@pytest.mark.latex
def test_a_poppler_timeout_is_a_file_error(tmp_path, monkeypatch):
    slow = tmp_path / "pdftoppm"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(OutputError, match="did not finish within 1 s"):
        convert(b"%PDF-1.5", "png", timeout=1)


@pytest.mark.latex
def test_a_write_failure_names_the_file(tmp_path):
    with pytest.raises(OutputError, match="file error: cannot write it: ") as caught:
        build(EXAMPLES / "lenet.nn", "/proc/tikznn-test/lenet.pdf")
    assert str(caught.value).startswith("/proc/tikznn-test")


def test_several_inputs_with_one_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lenet.nn").write_text((EXAMPLES / "lenet.nn").read_text())
    run = subprocess.run([sys.executable, "-m", "tikznn", "build", str(EXAMPLES / "lenet.nn"),
                          str(tmp_path / "a" / "lenet.nn"), "-o", str(tmp_path / "out")], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and "two inputs are named 'lenet'" in run.stderr
    assert not (tmp_path / "out").exists()
