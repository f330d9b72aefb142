"""Render → TeX: exact text goldens (unified diff on failure), escaping, determinism, namespacing."""
import difflib
import re

import pytest

from conftest import EXAMPLES, GOLDENS, REGENERATE
from tikznn import parse, parse_file, to_tex
from tikznn.tex import escape

CASES = [(name, fragment) for name in ("lenet", "fcn8", "resnet18") for fragment in (False, True)]


@pytest.mark.parametrize("name, fragment", CASES, ids=[f"{n}-{'fragment' if f else 'standalone'}" for n, f in CASES])
def test_tex_matches_golden(name, fragment):
    text = to_tex(parse_file(EXAMPLES / f"{name}.nn"), fragment=fragment)
    golden = GOLDENS / "tex" / f"{name}{'.fragment' if fragment else ''}.tex"
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        pytest.skip("golden regenerated")
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            str(golden), "generated", n=2))
        pytest.fail(f"generated TeX differs from {golden} (`make goldens` after an intended change):\n{diff[:6000]}",
                    pytrace=False)


@pytest.mark.processes
def test_same_input_gives_identical_tex_in_separate_processes(example, made_in_two_processes):
    first, second = (made[example.stem]["tex"] for made in made_in_two_processes)
    if first != second:
        diff = "".join(difflib.unified_diff(first.splitlines(True), second.splitlines(True), "PYTHONHASHSEED=1",
                                            "PYTHONHASHSEED=2", n=2))
        pytest.fail(f"the TeX of {example.name} depends on the process that writes it:\n{diff[:6000]}", pytrace=False)
    assert first == to_tex(parse_file(example))


@pytest.mark.parametrize("text, tex", [
    ("conv_1", r"conv\_1"),
    ("50% & #3", r"50\% \& \#3"),
    ("a{b}~^", r"a\{b\}\textasciitilde{}\^{}"),
    (r"back\slash", r"back\textbackslash{}slash"),
    (r"$\alpha_1 + x^2$ gain", r"$\alpha_1 + x^2$ gain"),
    (r"cost \$5 and $x$", r"cost \$5 and $x$"),
    ("lone $ sign", r"lone \$ sign"),
    ("64×56", r"64\ensuremath{\times}56"),
    ("conv, relu", "conv, relu"),
])
def test_escape(text, tex):
    assert escape(text) == tex


def test_labels_reach_tex_only_escaped():
    tex = to_tex(parse('input 3x8x8 "in_put 50% {x} \\input{/etc/passwd}"\n'))
    assert r"in\_put 50\% \{x\}" in tex and r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert "\\input{/etc/passwd}" not in tex


def test_math_cannot_end_the_node():
    tex = to_tex(parse('input 3x8x8 "$x%y#z&$"\n'))
    assert r"{$x\%y\#z\&$}" in tex


def test_fragment_is_namespaced_and_needs_only_tikz():
    tex = to_tex(parse_file(EXAMPLES / "resnet18.nn"), fragment=True)
    code = [line for line in tex.splitlines() if not line.startswith("%")]
    assert not any("\\documentclass" in line or "\\usepackage" in line for line in code)
    assert "\\usepackage{tikz}" in tex.splitlines()[0]
    colours = re.findall(r"\\(?:provide|define)color\{([^}]+)\}", tex)
    styles = re.findall(r"([\w/ -]+)/\.style=(\{\})?", tex)
    assert colours and all(c.startswith("tikznn-") for c in colours)
    # its own styles are tikznn/...; the document's 'every ...' styles are emptied inside it, not set
    assert styles and all(name.strip().startswith("tikznn/") or name.strip().startswith("every ") and emptied
                          for name, emptied in styles)
    assert "\\fontsize" not in tex  # the paper's own fonts


def test_user_colours_become_named_colours():
    tex = to_tex(parse("input 3x8x8\nconv 3 k3 {color=#ff8000, opacity=0.25}\nconv 3 k3 {color=teal}\n"))
    assert "\\definecolor{tikznn-user1}{RGB}{255,128,0}" in tex
    assert "\\tikznnface{tikznn-user1}" in tex and "\\pgfsetfillopacity{0.25}" in tex and "\\tikznnface{teal}" in tex


def test_hidden_labels_are_not_drawn():
    tex = to_tex(parse('input 3x8x8 "shown"\nconv 3 k3 "secret" {nolabel}\n'))
    assert "{shown}" in tex and "secret" not in tex
