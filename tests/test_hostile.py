"""A .nn file comes from anywhere: its text reaches TeX only as escaped text or as math of a fixed vocabulary, so no
label, title, caption, stage or skip name can make TeX read, write or run anything (the first wall; pdflatex's own
sandbox is the second: test_build.py)."""
from __future__ import annotations

import pytest

from tikznn import ModelError, Network, ParseError, parse, to_tex
from tikznn.tex import MATH_WORDS, escape, label_problem

# TeX that reads, writes or runs, or that builds control sequences the vocabulary never sees
HOSTILE = [
    r"$\input{/etc/passwd}$", r"$\immediate\pdfobj file{/etc/passwd}$", r"$\pdffiledump length 99 {/etc/passwd}$",
    r"$\openin1=/etc/passwd \read1 to\x$", r"$\immediate\openout1=x.tex\immediate\write1{x}$",
    r"$\immediate\write18{touch pwned}$", r"$\special{pdf:fstream @x (/etc/passwd)}$",
    r"$\directlua{io.open('/etc/passwd')}$", r"$\csname input\endcsname{/etc/passwd}$",
    r"$\catcode`\|=0 |input{/etc/passwd}$", r"$^^5cinput{/etc/passwd}$", r"$\expandafter\input\x$",
    r"$\def\x{\x}\x$", r"$a\\%$", r"$x} \input{/etc/passwd} {$", r"ok $\alpha$ then $\input{/etc/passwd}$",
    r"$\mathrm{\input{/etc/passwd}}$", r"$\frac{1}{\include{/etc/passwd}}$",
]
PLACES = {
    "label": 'input 3x8x8\nconv 4 k3 "{}"\n',
    "network": 'network "{}"\ninput 3x8x8\n',
    "caption": 'caption "{}"\ninput 3x8x8\n',
    "stage": 'input 3x8x8\nstage "{}"\nconv 4 k3\nend\n',
    "skip": 'x = input 3x8x8\nconv 4 k3\nz = conv 3 k3\nskip x -> z "{}"\n',
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_math_is_refused_where_it_is_written(label, place):
    text = PLACES[place].replace("{}", label.replace('"', '\\"'))  # (a .nn string unescapes only \")
    line = 1 + text.split("\n").index(next(row for row in text.split("\n") if '"' in row))
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.span.line == line and "math" in caught.value.message + (caught.value.hint or "")
    assert "\\\\ is not math" not in caught.value.message or label == r"$a\\%$"  # (each refused for itself)


@pytest.mark.parametrize("label", HOSTILE)
def test_the_escaping_function_refuses_it_too(label):
    """The last wall, for text that never went through the parser (the builder's labels)."""
    with pytest.raises(ModelError):
        escape(label)
    with pytest.raises(ModelError):
        to_tex(Network().input(3, 8, 8).conv(4, k=3, label=label))


@pytest.mark.parametrize("label", [r"$3\times3$ conv", r"$\alpha_1 \to \beta^{2}$", r"$\frac{1}{\sqrt{d_k}}$",
                                   r"$\mathrm{softmax}(QK^\top)V$", r"$\hat{y} = \sigma(Wx + b)$",
                                   r"$\{x_i\}_{i=1}^{n}$, 50\%", r"$a \, b \; c \quad d$", r"$\left( x \right)$"])
def test_math_of_the_vocabulary_reaches_tex(label):
    assert label_problem(label) is None
    assert "\\" in escape(label) and parse(f'input 3x8x8 "{label}"\n')


def test_the_vocabulary_holds_no_word_that_reads_writes_or_defines():
    dangerous = {"input", "include", "openin", "openout", "read", "write", "immediate", "special", "directlua",
                 "csname", "catcode", "def", "edef", "let", "expandafter", "pdfobj", "pdffiledump", "newcommand",
                 "usepackage", "write18", "jobname", "endinput", "scantokens", "lowercase", "uppercase"}
    assert not dangerous & MATH_WORDS


def _doubling(levels: int) -> str:
    """Blocks each using the one before twice: 2**levels layers from a few hundred bytes."""
    lines = ["block b0(c)", "    conv $c k1", "end"]
    for i in range(1, levels + 1):
        lines += [f"block b{i}(c)", f"    b{i - 1}($c)", f"    b{i - 1}($c)", "end"]
    return "\n".join(lines + ["input 3x8x8", f"b{levels}(8)", ""])


@pytest.mark.parametrize("text", ["input 3x8x8\nconv 8 k1 x100000000\n",
                                  "block b(c)\n    conv $c k1\nend\ninput 3x8x8\nb(8) x100000000\n",
                                  _doubling(19), "block b(c)\n" + "    conv $c k1\n" * 1000 + "end\ninput 3x8x8\nb(8) x1000\n"])
def test_an_expansion_past_the_layer_limit_is_refused_before_it_is_made(text):
    import time

    from tikznn.model import MAX_LAYERS
    started = time.monotonic()
    with pytest.raises(ModelError, match=f"more than {MAX_LAYERS:,} layers"):
        parse(text)
    assert time.monotonic() - started < 2  # (expanding any of them takes minutes and gigabytes)


def test_a_label_of_a_megabyte_is_refused_where_it_is_written_not_laid_out():
    import time
    started = time.monotonic()
    with pytest.raises(ParseError, match="a label of 1,900,000 characters: a label is at most 1,000"):
        parse('input 3x8x8\nconv 4 k3 "' + "w" * 1_900_000 + '"\n')
    assert time.monotonic() - started < 5
