"""A .nn file comes from anywhere: its text reaches TeX only as escaped text or as math of a fixed vocabulary, so no
label, title, caption, stage or skip name can make TeX read, write or run anything (the first wall; pdflatex's own
sandbox is the second: test_build.py)."""
from __future__ import annotations

import os

import pytest

from tikznn import ModelError, Network, ParseError, build, parse, to_tex
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


# The table the issue asks for: every hostile label, plain and math, in a figure built by each engine and in a
# fragment \input into a paper that runs with -shell-escape and may read any file. A canary file holds a secret;
# each label tries to read it, write beside it or run a program there. Checked by what the PDF holds (its streams
# decompressed, its text extracted) and by what appears in the folder.

def _attacks(folder) -> list[str]:
    canary, written, ran = folder / "canary.tex", folder / "written.tex", folder / "ran"
    reads = [f"\\input{{{canary}}}", f"\\immediate\\pdfobj file{{{canary}}}\\pdfrefobj\\pdflastobj",
             f"\\special{{pdf:fstream @x ({canary})}}\\special{{pdf:put @resources <</X @x>>}}",
             f"\\pdfextension obj file{{{canary}}}", f"\\openin1={canary} \\read1 to\\x \\x",
             f"\\directlua{{tex.print(io.open('{canary}'):read('*a'))}}", f"\\csname input\\endcsname{{{canary}}}",
             f"\\catcode`\\|=0 |input{{{canary}}}", f"^^5cinput{{{canary}}}", f"\\pdffiledump length 99 {{{canary}}}",
             f"\\expandafter\\input\\csname x\\endcsname{{{canary}}}", f"\\include{{{canary}}}"]
    writes = [f"\\immediate\\openout1={written} \\immediate\\write1{{x}}\\immediate\\closeout1",
              f"\\directlua{{io.open('{written}','w'):write('x')}}", f"\\immediate\\write18{{touch {ran}}}",
              f"\\directlua{{os.execute('touch {ran}')}}", f"\\special{{pdf:exec touch {ran}}}"]
    attacks = reads + writes
    # plain text, math, math closed early, TeX's comment and line-break tricks
    return (attacks + [f"${a}$" for a in attacks] + [f"$x$ then ${a}$" for a in attacks[:4]]
            + [trick.format(a) for a in attacks for trick in ("$a\\\\%$ {}", "}} {} {{", "\\\\ {}", "% {}")])


def _nn(labels: list[str]) -> str:
    quoted = [label.replace('"', '\\"') for label in labels]
    return "input 16\n" + "".join(f'dense 8 "{label}"\n' for label in quoted)  # (one block each)


def _leaks(pdf: bytes, secret: bytes) -> bool:
    import re
    import zlib
    streams = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return any(secret in stream for stream in streams)


def _pdftext(pdf_path) -> str:
    import subprocess
    return subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True).stdout


@pytest.mark.latex
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_hostile_labels_under_every_engine_read_write_and_run_nothing(engine, tmp_path):
    import secrets
    import subprocess

    from conftest import ENGINE, need_tex, tikznn
    need_tex(*ENGINE.get(engine, ()))
    secret = f"CANARY{secrets.token_hex(8)}"
    (tmp_path / "canary.tex").write_text(secret + "\n")
    attacks = _attacks(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())

    # math is refused at its line before TeX is run; plain text builds, as text
    plain = [label for label in attacks if "$" not in label]
    for label in attacks:
        if label not in plain:
            (work / "math.nn").write_text(_nn([label]))
            with pytest.raises(ParseError, match="math"):
                build(work / "math.nn", work / "math.pdf", engine=engine)
    (work / "net.nn").write_text(_nn(plain))
    run = tikznn("build", "net.nn", "--engine", engine, "-o", "net.pdf", cwd=work)
    assert run.returncode == 0, run.stderr
    assert not _leaks((work / "net.pdf").read_bytes(), secret.encode())
    assert secret not in _pdftext(work / "net.pdf") and "catcode" in _pdftext(work / "net.pdf")

    # every plain label in one fragment, \input into a paper that lets TeX read anything and run programs
    assert tikznn("tex", "net.nn", "--fragment", "--engine", engine, "-o", "net.tikz", cwd=work).returncode == 0
    fontspec = "\\usepackage{fontspec}" if engine != "pdflatex" else ""
    (work / "paper.tex").write_text(f"\\documentclass{{article}}{fontspec}\\usepackage{{tikz}}\\begin{{document}}"
                                    "\\input{net.tikz}\\end{document}\n")
    subprocess.run([engine, "-shell-escape", "-interaction=nonstopmode", "paper.tex"], cwd=work, timeout=300,
                   capture_output=True, stdin=subprocess.DEVNULL, env=dict(os.environ, openin_any="a", openout_any="a"))
    assert (work / "paper.pdf").exists()
    assert not _leaks((work / "paper.pdf").read_bytes(), secret.encode())
    assert "catcode" in _pdftext(work / "paper.pdf")  # (the labels are there, as text)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing run
