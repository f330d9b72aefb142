"""Labels in any language: Greek and math symbols become math, Chinese goes through CJKutf8, and no character is
ever silently lost (an error names it, its label and its line)."""
import os
import re
import subprocess

import pytest

from conftest import CHINESE_FONT, CJK, ENGINE, EXAMPLES, KOREAN_FONT, WIDE_FONT, need_tex, tikznn
from tikznn import LatexError, LatexNotFound, build, parse, parse_file, to_tex
from tikznn import latex
from tikznn.metrics import text_length
from tikznn.errors import ModelError
from tikznn.tex import escape, untypeset


@pytest.mark.parametrize("text, tex", [
    ("α₁ → β", r"\ensuremath{\alpha}\ensuremath{{}_{1}} \ensuremath{\rightarrow} \ensuremath{\beta}"),
    ("Σ Δ Α", r"\ensuremath{\Sigma} \ensuremath{\Delta} \ensuremath{\mathrm{A}}"),
    ("log σ²", r"log \ensuremath{\sigma}\ensuremath{{}^{2}}"),
    ("z = μ ⊙ ε", r"z = \ensuremath{\mu} \ensuremath{\odot} \ensuremath{\varepsilon}"),
    ("$x_α$ α", r"$x_\alpha $ \ensuremath{\alpha}"),           # in math too, where \alpha needs no \ensuremath
    ("卷积层 C1", r"\tikznncjk{卷积层} C1"),
    ("naïve café — “q”", "naïve café — “q”"),               # T1 and utf8 handle these as text
])
def test_literal_symbols_become_math_and_chinese_is_marked(text, tex):
    assert escape(text) == tex
    assert untypeset(text) is None


def test_a_chinese_character_is_as_wide_as_two_latin_ones():
    assert text_length("卷积") == 4 and text_length("C1") == 2


@pytest.mark.parametrize("text, char", [("Жук", "Ж"), ("한국어", "한"), ("🙂", "🙂")])  # under pdflatex
def test_a_character_pdflatex_cannot_typeset_is_an_error_naming_it_and_its_line(text, char):
    with pytest.raises(LatexError, match=re.escape(f"the label \"{text}\" has '{char}' (U+{ord(char):04X}, ")
                       + ".*, which pdflatex cannot typeset here") as caught:
        to_tex(parse(f'input 3x8x8\nconv 4 k3 "{text}"\n').drawn_with(engine="pdflatex"))
    message = str(caught.value)
    assert f"'{char}' (U+{ord(char):04X}" in message and f'"{text}"' in message and ":2:1:" in message
    assert "--engine xelatex" in message


@pytest.mark.latex
def test_chinese_and_greek_labels_build(tmp_path):
    need_tex(*CJK, "pdftotext")
    for name in ("lenet_zh", "vae_encoder"):
        [pdf] = build(EXAMPLES / f"{name}.nn", tmp_path / f"{name}.pdf")
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.replace(" ", "")
        if name == "lenet_zh":
            assert "卷积" in text and "输入" in text  # searchable and copyable, not dropped
    assert "\\usepackage{CJKutf8}" in to_tex(parse('input 1x8x8 "输入"\n'))
    assert "\\usepackage{CJKutf8}" not in to_tex(parse('input 1x8x8 "x"\n'))  # only figures that need it load it


@pytest.mark.latex
def test_a_glyph_the_font_lacks_is_an_error_naming_it(tmp_path):
    need_tex(*CJK)
    (tmp_path / "trad.nn").write_text('input 1x8x8 "體"\nconv 4 k3\n')
    with pytest.raises(LatexError, match=re.escape("LaTeX error: pdflatex: a font has no glyph for '體' (U+9AD4) in "
                                                   "this label")) as caught:
        build(tmp_path / "trad.nn", tmp_path / "trad.pdf")
    assert "no glyph for '體' (U+9AD4)" in str(caught.value) and "trad.nn:1:1" in str(caught.value)
    assert not (tmp_path / "trad.pdf").exists()


def test_a_missing_chinese_package_is_named_before_compiling(tmp_path, monkeypatch):
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "kpsewhich").write_text("#!/bin/sh\nexit 1\n")  # a TeX without CJKutf8 and its font
    (stub / "kpsewhich").chmod(0o755)
    monkeypatch.setenv("PATH", f"{stub}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(LatexNotFound, match="the figure's Chinese or Japanese labels need CJKutf8.sty and c70gbsn.fd, "
                                            "not installed") as caught:
        latex.check_installed(to_tex(parse('input 1x8x8 "输入"\n')))
    message = str(caught.value)
    assert "Debian: latex-cjk-common; TeX Live: cjk" in message
    assert "Debian: latex-cjk-chinese-arphic-gbsn00lp; TeX Live: arphic" in message


def test_what_a_chinese_label_needs_is_looked_for_once_and_not_again_once_found(tmp_path, monkeypatch):
    """kpsewhich (20 ms) is asked once for both files a figure needs, and a file found is not asked for again (a warm
    builder asks once); a missing one is, since it may be installed meanwhile."""
    stub, asked = tmp_path / "bin", tmp_path / "asked"
    stub.mkdir()
    (stub / "kpsewhich").write_text(f'#!/bin/sh\necho "$@" >> {asked}\n'
                                    f'for f in "$@"; do [ -e {tmp_path}/has-$f ] && echo /tex/$f; done\nexit 0\n')
    (stub / "kpsewhich").chmod(0o755)
    monkeypatch.setenv("PATH", f"{stub}{os.pathsep}{os.environ['PATH']}")
    tex = to_tex(parse('input 1x8x8 "输入"\n'))
    with pytest.raises(LatexNotFound, match="need CJKutf8.sty and c70gbsn.fd"):
        latex.check_installed(tex)
    (tmp_path / "has-CJKutf8.sty").touch()
    with pytest.raises(LatexNotFound, match="need c70gbsn.fd, not"):
        latex.check_installed(tex)
    (tmp_path / "has-c70gbsn.fd").touch()  # installed meanwhile
    latex.check_installed(tex)
    latex.check_installed(tex)
    assert asked.read_text().splitlines() == ["CJKutf8.sty c70gbsn.fd"] * 2 + ["c70gbsn.fd"]
    (stub / "kpsewhich").write_text("#!/nonexistent/sh\n")  # one that cannot run: nothing found, nothing raised
    assert latex.tex_files(["c70gbsn.fd", "lmodern.sty"]) == {"c70gbsn.fd"}


def test_the_command_exits_6_for_an_untypesettable_label(tmp_path):
    """What pdflatex cannot typeset is a LaTeX error, found before pdflatex runs."""
    (tmp_path / "bad.nn").write_text('input 3x8x8 "Жук"\n')
    run = tikznn("build", "bad.nn", "--engine", "pdflatex", cwd=tmp_path)
    assert run.returncode == 6 and "bad.nn:1:1: LaTeX error: the label \"Жук\" has 'Ж'" in run.stderr
    assert not (tmp_path / "bad.pdf").exists()


@pytest.mark.latex
@pytest.mark.parametrize("host", ["pdflatex + CJKutf8", "xelatex + a Chinese font"])
def test_a_chinese_fragment_works_in_a_pdflatex_and_in_a_xelatex_paper(host, tmp_path):
    """The fragment sets its Chinese in the CJK environment where the paper loads CJKutf8, and leaves it to the
    paper's own font under xelatex (as with ctex or xeCJK). CI installs xelatex for this test."""
    engine = host.split()[0]
    if engine == "pdflatex":
        need_tex(*CJK, "pdftotext")
    else:
        need_tex(*ENGINE[engine], "pdftotext", fonts=(CHINESE_FONT,))
    (tmp_path / "zh.tikz").write_text(to_tex(parse_file(EXAMPLES / "lenet_zh.nn"), fragment=True))
    preamble = ("\\usepackage{CJKutf8}" if engine == "pdflatex" else
                "\\usepackage{fontspec}\\setmainfont{AR PL SungtiL GB}")
    (tmp_path / "paper.tex").write_text(f"\\documentclass{{article}}\n{preamble}\n\\usepackage{{tikz}}\n"
                                        "\\begin{document}\n\\input{zh.tikz}\n\\end{document}\n")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "paper.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-1500:]
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert "Missing character" not in log
    text = subprocess.run(["pdftotext", str(tmp_path / "paper.pdf"), "-"], capture_output=True, text=True).stdout
    assert "卷积" in text.replace(" ", "").replace("\n", "")


@pytest.mark.latex
def test_labels_pdflatex_cannot_set_choose_xelatex_and_nothing_is_lost(tmp_path):
    need_tex(*ENGINE["xelatex"], "pdftotext", fonts=(CHINESE_FONT, WIDE_FONT, KOREAN_FONT))
    (tmp_path / "ru.nn").write_text('input 3x8x8 "Вход 입력"\nconv 4 k3 "卷积 Жук α₁"\n')
    tex = to_tex(parse_file(tmp_path / "ru.nn"))
    assert tex.startswith("% network: drawn by tikznn\n% !TEX program = xelatex\n") and "fontspec" in tex
    [pdf] = build(tmp_path / "ru.nn", tmp_path / "ru.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Вход" in text and "Жук" in text and "卷积" in text.replace(" ", "") and "입력" in text


@pytest.mark.latex
def test_a_glyph_no_font_has_is_an_error_under_xelatex_too(tmp_path):
    need_tex(*ENGINE["xelatex"], fonts=(WIDE_FONT,))
    (tmp_path / "face.nn").write_text('input 3x8x8 "🙂"\n')
    with pytest.raises(LatexError, match=re.escape("LaTeX error: xelatex: a font has no glyph for '🙂' (U+1F642)")) \
            as caught:
        build(tmp_path / "face.nn", tmp_path / "face.pdf")
    assert str(caught.value).startswith(f"{tmp_path / 'face.nn'}:1:1: LaTeX error: xelatex: a font has no glyph "
                                        "for '🙂' (U+1F642)")


@pytest.mark.latex
@pytest.mark.parametrize("engine", ["xelatex", "lualatex"])
def test_the_engine_can_be_chosen(engine, tmp_path):
    """(A figure of ASCII labels under each engine: test_hostile.py, which builds one.)"""
    need_tex(*ENGINE[engine], "pdftotext", fonts=(CHINESE_FONT, WIDE_FONT))
    (tmp_path / "ru.nn").write_text('input 3x8x8 "Вход α₁"\nconv 4 k3 "卷积"\npool max 2\nflatten\ndense 10 softmax\n')
    [pdf] = build(tmp_path / "ru.nn", tmp_path / "ru.pdf", engine=engine)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Вход" in text and "卷积" in text.replace(" ", "")
    with pytest.raises(ModelError, match="unknown engine 'luatex'"):
        parse_file(EXAMPLES / "lenet.nn").drawn_with(engine="luatex")


def test_without_xelatex_such_a_label_is_an_error_that_says_what_to_install(tmp_path, monkeypatch):
    from tikznn import latex
    monkeypatch.setattr(latex.shutil, "which", lambda name: None)
    (tmp_path / "ru.nn").write_text('input 3x8x8 "Жук"\n')
    with pytest.raises(LatexError, match="texlive-xetex"):
        build(tmp_path / "ru.nn", tmp_path / "ru.pdf")
    assert not (tmp_path / "ru.pdf").exists()


def test_the_tex_of_such_a_label_names_xelatex_whatever_is_installed(monkeypatch):
    """Which engines are installed is the build's business: the TeX alone is the same on every machine."""
    import shutil
    monkeypatch.setattr(shutil, "which", lambda name: None)
    tex = to_tex(parse('input 3x8x8 "Жук"\n'))
    assert tex.startswith("% network: drawn by tikznn\n% !TEX program = xelatex\n") and "Жук" in tex
