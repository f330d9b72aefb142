"""Building PDFs: outputs, determinism, the sandbox around pdflatex, and what happens when TeX is missing."""
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, as_typed, need, run_python, tikznn
from tikznn import LatexError, LatexNotFound, OutputError, build, parse, parse_file, to_tex
from tikznn.latex import compile_pdf, convert

pytestmark = pytest.mark.latex


def write(tmp_path: Path, text: str, name: str = "net.nn") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_build_writes_pdf_png_svg(tmp_path):
    written = build(EXAMPLES / "lenet.nn", tmp_path / "figs" / "lenet.pdf", ("pdf", "png", "svg"), dpi=50)
    names = sorted(p.name for p in written)
    assert names == ["lenet.pdf", "lenet.png", "lenet.svg"]
    folder = tmp_path / "figs"
    assert (folder / "lenet.pdf").read_bytes().startswith(b"%PDF")
    assert (folder / "lenet.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (folder / "lenet.svg").read_bytes()[:500]


BUILD = """
import sys
from tikznn import build, render
if sys.argv[3] == "in pieces":  # as a large figure is drawn (its date settings must outlive the document's box)
    render.LARGE = 0
build(sys.argv[1], sys.argv[2])
"""


@pytest.mark.parametrize("pieces", ["one picture", "in pieces"])
def test_pdfs_are_byte_identical_across_processes_and_folders(tmp_path, pieces):
    for seed, folder in ((1, "a"), (2, "b")):
        (tmp_path / folder).mkdir()
        run_python(BUILD, EXAMPLES / "lenet.nn", tmp_path / folder / f"{folder}.pdf", pieces, seed=seed,
                   cwd=tmp_path / folder)
    a, b = (tmp_path / "a" / "a.pdf").read_bytes(), (tmp_path / "b" / "b.pdf").read_bytes()
    assert a.startswith(b"%PDF")
    assert a == b, "the PDF depends on the process or the folder that builds it"
    assert b"CreationDate" not in a


def test_unchanged_output_is_not_rewritten(tmp_path):
    target = tmp_path / "lenet.pdf"
    assert build(EXAMPLES / "lenet.nn", target) == [target]
    os.utime(target, (1_000_000_000, 1_000_000_000))
    assert build(EXAMPLES / "lenet.nn", target) == []
    assert target.stat().st_mtime == 1_000_000_000


# TeX Live reads its texmf.cnf settings from the environment too; each sandbox test first opens the door that
# setting would open (as a user's own texmf.cnf may), so that only tikznn's own flags keep the label in.

def figure_with(piece: str) -> str:
    """A figure's TeX with `piece` as raw TeX where a label goes: what a label could do if it got past the parser's
    math vocabulary (test_tex's hostile labels never do), for testing the second wall, pdflatex's own sandbox."""
    return to_tex(parse('input 3x8x8 "MARK"\n')).replace("MARK", piece)


def test_tex_cannot_read_files_outside_the_build_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("openin_any", "a")  # TeX may read any file: tikznn's openin_any=p must refuse it
    secret = write(tmp_path, "SECRET", "secret.tex")
    # (the path itself may come broken across lines, as TeX's log wraps at 79 characters)
    with pytest.raises(LatexError, match="pdflatex: the figure may not read '/"):
        compile_pdf(figure_with(f"\\input{{{secret}}}"))


def test_tex_cannot_write_files_outside_the_build_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("openout_any", "a")  # TeX may write anywhere: tikznn's openout_any=p must refuse it
    target = tmp_path / "written.tex"
    with pytest.raises(LatexError, match="pdflatex: I can't write on file `/"):
        compile_pdf(figure_with(f"\\immediate\\openout1={target} \\immediate\\write1{{x}}\\immediate\\closeout1 x"))
    assert not target.exists()


def shell_escape_runs(folder: Path) -> bool:
    """Whether pdflatex, in this environment and without -no-shell-escape, runs `touch` from a document."""
    folder.mkdir()
    (folder / "probe.tex").write_text("\\documentclass{article}\\begin{document}"
                                      "\\immediate\\write18{touch ran}x\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "probe.tex"], cwd=folder, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=120)
    return (folder / "ran").exists()


def test_tex_cannot_run_programs(tmp_path, monkeypatch):
    monkeypatch.setenv("shell_escape", "t")  # TeX may run any program: tikznn's -no-shell-escape must refuse it
    assert shell_escape_runs(tmp_path / "probe"), "shell_escape=t does not let this TeX run programs: nothing to prove"
    marker = tmp_path / "pwned"
    pdf = compile_pdf(figure_with(f"\\immediate\\write18{{touch {marker}}} x"))  # only written to the log
    assert pdf.startswith(b"%PDF") and not marker.exists()


def test_lualatex_runs_without_lua_sockets(monkeypatch):
    """A second wall under lualatex (which tikznn chooses itself when xelatex is missing): no network from Lua.
    (Debian's LuaTeX has no socket library to test against, so the command is checked.)"""
    import tikznn.latex as latex
    commands = []

    def run(command, *rest):
        commands.append(command)
        raise LatexError("stopped here")
    monkeypatch.setattr(latex, "_run", run)
    monkeypatch.setattr(latex, "check_installed", lambda tex: None)
    monkeypatch.setattr(latex, "tool", lambda name: name)  # (installed or not)
    with pytest.raises(LatexError):
        compile_pdf("% !TEX program = lualatex\n\\documentclass{standalone}\\begin{document}x\\end{document}\n")
    assert "--nosocket" in commands[-1] and "-no-shell-escape" in commands[-1]


def test_tex_that_never_finishes_is_stopped():
    with pytest.raises(LatexError, match="did not finish within 0.2 s"):
        compile_pdf(figure_with("\\def\\x{\\x}\\x"), timeout=0.2)


def test_a_failure_of_xelatexs_pdf_writer_is_named_not_blamed_on_pdflatex():
    from tikznn.latex import Source, latex_error
    log = "Output written on figure.xdv (1 page).\nxdvipdfmx:fatal: DVI stack exceeded limit.\n\nNo output PDF file written.\n"
    error = latex_error(log, "% !TEX program = xelatex\n\\documentclass{standalone}", Source())
    assert error.message == "xelatex: its PDF writer failed: DVI stack exceeded limit."


def test_latex_errors_point_at_the_nn_line(tmp_path):
    source = write(tmp_path, 'input 3x8x8\nconv 4 k3 "fine"\nconv 4 k3 "$a^$"\n')  # (math TeX cannot set)
    with pytest.raises(LatexError, match="LaTeX error: pdflatex: Missing") as caught:
        build(source)
    message = str(caught.value)
    assert f"{source}:3:1" in message and '"$a^$"' in message


def test_latex_errors_in_skip_labels_point_at_the_skip(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text('x = input 3x8x8\nconv 3 k3\nz = conv 3 k3\nskip x -> z "$a^$"\n')
    with pytest.raises(LatexError, match="LaTeX error: pdflatex: Missing") as caught:
        build(source)
    assert f"{source}:4:1" in str(caught.value)


def test_a_percent_in_math_compiles(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text('input 3x8x8 "$p = 50%$"\nconv 4 k3 "next"\n')
    assert build(source)[0].read_bytes().startswith(b"%PDF")


def test_missing_pdflatex_is_explained_and_tex_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LatexNotFound, match=r"missing tool: 'pdflatex' is not installed \(or not on PATH\)") as caught:
        compile_pdf("\\documentclass{article}\\begin{document}x\\end{document}")
    assert "pdflatex" in str(caught.value) and "apt-get install" in str(caught.value)
    assert "\\begin{tikzpicture}" in to_tex(parse_file(EXAMPLES / "lenet.nn"))
    run = tikznn("build", EXAMPLES / "lenet.nn", "-o", tmp_path / "x.pdf")
    assert run.returncode == 7 and "Traceback" not in run.stderr and "texlive" in run.stderr


def test_two_fragments_input_into_one_paper(tmp_path):
    for name in ("lenet", "resnet18"):
        (tmp_path / f"{name}.tikz").write_text(to_tex(parse_file(EXAMPLES / f"{name}.nn"), fragment=True))
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        "\\begin{figure}\\centering\\resizebox{\\linewidth}{!}{\\input{lenet.tikz}}\\caption{A}\\end{figure}\n"
        "\\begin{figure}\\centering\\resizebox{\\linewidth}{!}{\\input{resnet18.tikz}}\\caption{B}\\end{figure}\n"
        "\\begin{tikzpicture}\\draw[thick, red] (0,0) -- (1,1);\\end{tikzpicture}\n"
        "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                          "paper.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "paper.pdf").exists()


def test_outputs_are_ordinary_files_readable_by_others(tmp_path):
    mask = os.umask(0o022)
    try:
        [pdf] = build(EXAMPLES / "lenet.nn", tmp_path / "lenet.pdf")
    finally:
        os.umask(mask)
    assert pdf.stat().st_mode & 0o777 == 0o644


def test_a_poppler_timeout_is_a_file_error(tmp_path, monkeypatch):
    slow = tmp_path / "pdftoppm"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(OutputError, match="did not finish within 0.2 s"):
        convert(b"%PDF-1.5", "png", timeout=0.2)


def test_a_write_failure_names_the_file(tmp_path):
    with pytest.raises(OutputError, match="file error: cannot write it: ") as caught:
        build(EXAMPLES / "lenet.nn", "/proc/tikznn-test/lenet.pdf")
    assert str(caught.value).startswith("/proc/tikznn-test")


@pytest.mark.parametrize("preamble, body", [
    ("\\documentclass[twocolumn]{article}",
     "\\begin{figure}\\centering\\resizebox{\\linewidth}{!}{\\input{a.tikz}}\\caption{A}\\end{figure}"
     "\\begin{figure*}\\centering\\resizebox{\\textwidth}{!}{\\input{b.tikz}}\\caption{B}\\end{figure*}"
     "\\begin{figure}\\centering\\resizebox{\\linewidth}{!}{\\input{c.tikz}}\\caption{C}\\end{figure}"),
    ("\\documentclass{beamer}",
     "\\begin{frame}{Nets}\\resizebox{0.7\\linewidth}{!}{\\input{a.tikz}}\\\\"
     "\\resizebox{0.7\\linewidth}{!}{\\input{b.tikz}}\\end{frame}"
     "\\begin{frame}{More}\\resizebox{0.8\\linewidth}{!}{\\input{c.tikz}}\\end{frame}"),
], ids=["two-column", "beamer"])
def test_three_fragments_in_one_document(tmp_path, preamble, body):
    for name, example in zip("abc", ("lenet", "fcn8", "resnet18")):
        (tmp_path / f"{name}.tikz").write_text(to_tex(parse_file(EXAMPLES / f"{example}.nn"), fragment=True))
    (tmp_path / "doc.tex").write_text(f"{preamble}\n\\usepackage{{tikz}}\n\\begin{{document}}\n{body}\n"
                                      "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull" not in log and "LaTeX Error" not in log


@pytest.mark.latex
def test_a_wide_fragment_shrinks_to_the_line_and_to_a_width_set_before_input(tmp_path):
    (tmp_path / "wide.tikz").write_text(to_tex(parse_file(EXAMPLES / "resnet18.nn"), fragment=True))
    (tmp_path / "small.tikz").write_text(to_tex(parse_file(EXAMPLES / "mlp.nn"), fragment=True))
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        "\\setbox1\\hbox{\\input{wide.tikz}}\\typeout{WIDE=\\the\\wd1 LINE=\\the\\linewidth}\n"
        "\\setbox1\\hbox{\\def\\tikznnwidth{5cm}\\input{wide.tikz}}\\typeout{FIVE=\\the\\wd1}\n"
        "\\setbox1\\hbox{\\input{small.tikz}}\\typeout{SMALL=\\the\\wd1}\n"
        "\\begin{figure}\\centering\\input{wide.tikz}\\caption{Wide}\\end{figure}\n"
        "\\ifdefined\\tikznnwidth\\typeout{LEAKED}\\fi\n"
        "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert run.returncode == 0, run.stdout[-2000:]
    points = dict(re.findall(r"(WIDE|LINE|FIVE|SMALL)=([\d.]+)pt", log))
    assert abs(float(points["WIDE"]) - float(points["LINE"])) < 0.5      # shrunk to the line
    assert abs(float(points["FIVE"]) - 5 / 2.54 * 72.27) < 0.5           # or to \tikznnwidth
    assert float(points["SMALL"]) < float(points["LINE"]) * 0.9          # a small one is not enlarged
    assert "Overfull" not in log and "LEAKED" not in log
    # and it is exactly the picture: the standalone page less its 4pt borders (no stray spaces from definitions)
    from pdf2image import pdfinfo_from_path
    [pdf] = build(EXAMPLES / "mlp.nn", tmp_path / "mlp.pdf")
    page_bp = float(pdfinfo_from_path(str(pdf))["Page size"].split()[0])
    assert abs(float(points["SMALL"]) * 72 / 72.27 - (page_bp - 8 * 72 / 72.27)) < 1


@pytest.mark.latex
def test_a_beamer_overlay_reveals_the_network_layer_by_layer(tmp_path):
    from pdf2image import pdfinfo_from_path
    from tikznn.layout import layout
    net = parse_file(EXAMPLES / "lenet.nn")
    (tmp_path / "net.tikz").write_text(to_tex(net, fragment=True, overlay=True))
    (tmp_path / "slides.tex").write_text("\\documentclass{beamer}\n\\usepackage{tikz}\n\\begin{document}\n"
                                         "\\begin{frame}{LeNet-5}\\centering\\input{net.tikz}\\end{frame}\n"
                                         "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                          "slides.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-2000:]
    shapes = len(layout(net).shapes())
    assert pdfinfo_from_path(str(tmp_path / "slides.pdf"))["Pages"] == shapes  # one slide per drawn layer
    tex = (tmp_path / "net.tikz").read_text()
    assert "\\onslide<1->" in tex and f"\\onslide<{shapes}->" in tex
    assert "onslide" not in to_tex(net, fragment=True)


def _compile(folder: Path, name: str, text: str) -> str:
    (folder / f"{name}.tex").write_text(text)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                         cwd=folder, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-2000:]
    return (folder / f"{name}.log").read_text(errors="replace")


@pytest.mark.latex
def test_a_fragment_shrunk_under_6_pt_in_a_column_says_so_and_a_fitted_one_does_not(tmp_path):
    network = parse_file(EXAMPLES / "vgg16.nn")
    (tmp_path / "unfitted.tikz").write_text(to_tex(network, fragment=True, source="vgg16.nn"))
    (tmp_path / "fitted.tikz").write_text(to_tex(network, network.figure.but(width="252pt"), fragment=True))
    assert "% Built for a width of 252pt: its smallest text prints at 6." in (tmp_path / "fitted.tikz").read_text()
    column = "\\documentclass{article}\n\\usepackage{tikz}\n\\setlength{\\textwidth}{252pt}\n\\begin{document}\n"
    log = _compile(tmp_path, "unfitted", column + "\\begin{figure}\\input{unfitted.tikz}\\end{figure}\n\\end{document}\n")
    said = re.sub(r"\s+", " ", log.replace("\n", ""))  # the log's lines are cut at 79 characters
    warning = re.search(r"Package tikznn Warning: 'VGG-16' is shrunk to 252.0pt wide: its smallest text prints at "
                        r"(\d\.\d+)pt \(under 6pt\)\. Compose it for that width: ?\(tikznn\) tikznn tex vgg16.nn "
                        r"--fragment --width 252.0pt", said)
    assert warning and float(warning.group(1)) < 6, log[-3000:]
    log = _compile(tmp_path, "fitted", column + "\\begin{figure}\\input{fitted.tikz}\\end{figure}\n\\end{document}\n")
    assert "tikznn Warning" not in log


@pytest.mark.latex
def test_the_documents_own_tikz_styles_do_not_reach_into_a_fragment(tmp_path):
    from imagecompare import compare, page
    (tmp_path / "net.tikz").write_text(to_tex(parse_file(EXAMPLES / "resnet18.nn"), fragment=True))
    body = "\\begin{document}\\pagestyle{empty}\\input{net.tikz}\\end{document}\n"
    plain = "\\documentclass{article}\n\\usepackage{tikz}\n"
    hostile = plain + ("\\tikzset{every picture/.style={line width=2pt}, every node/.style={draw=red, fill=yellow},"
                       " every path/.style={dashed}, every scope/.style={red}, every label/.style={blue}}\n")
    _compile(tmp_path, "plain", plain + body)
    _compile(tmp_path, "hostile", hostile + body)
    a, b = page(tmp_path / "plain.pdf", 60), page(tmp_path / "hostile.pdf", 60)
    assert compare(b, a).rms < 0.5


@pytest.mark.parametrize("setpriv", ["through setpriv", "without setpriv"])
def test_a_program_whose_tikznn_is_gone_before_it_is_told_to_die_with_it_does_not_start(tmp_path, monkeypatch,
                                                                                         setpriv):
    """tikznn killed just after starting pdflatex, before pdflatex was told to die with it: nothing would kill it
    then (a head start would wait for its figure for ever). Seen as another parent than the one it should have."""
    from tikznn import latex
    if setpriv == "through setpriv":
        need(latex.setpriv_found(), "no setpriv that sets the parent-death signal (util-linux 2.33 or later)")
    else:
        monkeypatch.setattr(latex, "setpriv_found", lambda: None)
    ours, gone = tmp_path / "ours", tmp_path / "gone"
    assert latex._start(["touch", str(ours)]).wait() == 0 and ours.exists()
    assert latex._start(["touch", str(gone)], parent=1).wait() != 0 and not gone.exists()


@pytest.mark.parametrize("setpriv", ["through setpriv", "without setpriv"])
def test_a_killed_build_leaves_nothing_once_the_next_build_has_run(tmp_path, monkeypatch, setpriv):
    """SIGKILL runs no cleanup: pdflatex dies with tikznn (Linux), started through setpriv or, where there is none,
    told so before it starts; and the next build removes the folder."""
    import signal
    import time
    from tikznn.latex import setpriv_found
    if setpriv == "through setpriv":
        need(setpriv_found(), "no setpriv that sets the parent-death signal (util-linux 2.33 or later)")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    source = write(tmp_path, 'input 3x8x8 "x"\n')
    slow = tmp_path / "slow.py"  # a build whose pdflatex never finishes, killed while it runs
    slow.write_text("import sys, tikznn.latex as l\n"
                    + ("l.setpriv_found = lambda: None\n" if setpriv == "without setpriv" else "") +
                    "l.compile_pdf(open(sys.argv[1]).read().replace('\\\\begin{document}', "
                    "'\\\\begin{document}\\\\def\\\\x{\\\\x}\\\\x', 1), timeout=60)\n")
    (tmp_path / "fig.tex").write_text(to_tex(parse_file(source)))
    build_process = subprocess.Popen([sys.executable, str(slow), str(tmp_path / "fig.tex")],
                                     env={**os.environ, "TMPDIR": str(tmp_path)})

    def working_in(folder: Path) -> list[str]:  # processes whose current folder it is
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and os.readlink(proc / "cwd") == str(folder):
                    found.append(proc.name)
            except OSError:
                continue
        return found

    def wait(condition) -> None:
        deadline = time.monotonic() + 60
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)

    def compiling() -> list[Path]:  # (not the folder its format is made in, first)
        return [folder for folder in tmp_path.glob("tikznn-*-*")
                if (folder / "figure.tex").exists() and working_in(folder)]

    wait(compiling)  # pdflatex running
    time.sleep(0.2)  # (in its loop)
    [left] = compiling()
    build_process.send_signal(signal.SIGKILL)
    build_process.wait()
    wait(lambda: not working_in(left))
    assert not working_in(left)  # pdflatex (in an endless loop) died with it
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    build(source)
    assert not [p for p in tmp_path.glob("tikznn-*-*") if p.name.split("-")[1] != str(os.getpid())]


def _content(pdf: Path) -> str:
    """The page's drawing operators (its streams inflated)."""
    import zlib
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S)
    out = []
    for stream in streams:
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def test_a_fragment_draws_in_the_documents_colour_model_and_through_dvips(tmp_path):
    # faces are PDF path operators in a standalone figure; a fragment sets their colours through xcolor (a CMYK
    # paper gets CMYK, beamer's covering fades them) and, where the driver writes no PDF (latex and dvips), draws
    # its paths through PGF, so the PostScript holds no PDF operators
    (tmp_path / "lenet.tikz").write_text(to_tex(parse_file(EXAMPLES / "lenet.nn"), fragment=True))
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\usepackage[cmyk]{xcolor}\n\\usepackage{tikz}\n"
                                        "\\begin{document}\n\\input{lenet.tikz}\n\\end{document}\n")
    for command in (["pdflatex"], ["latex"]):
        run = subprocess.run([*command, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "paper.tex"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:]
    content = _content(tmp_path / "paper.pdf")
    assert re.search(r"\d k\b", content) and not re.search(r" (rg|RG)\b", content)
    subprocess.run(["dvips", "-q", "paper.dvi", "-o", "paper.ps"], cwd=tmp_path, check=True, timeout=120)
    postscript = (tmp_path / "paper.ps").read_text(encoding="latin-1")
    assert "moveto" in postscript and not re.search(r"\d (rg|re f|m) ", postscript)


@pytest.mark.processes
def test_a_figure_the_command_makes_itself_ends_it_at_once_and_leaves_no_head_start(tmp_path):
    """With no warm builder, the `tikznn` process that built a figure ends at once (as a build answered early does,
    without the interpreter's teardown): with the CLI's exit status and output, and the head start pdflatex that a
    refused figure never took stopped and its folder removed, as at an ordinary exit."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "TIKZNN_WARM": "0"}
    write(tmp_path, 'input 3x8x8 "x"\nconv 4 k3\n', "good.nn")
    write(tmp_path, 'input 3x8x8 "x"\nconv 4 k3 q7\n', "bad.nn")
    good = as_typed("build", "good.nn", "-v", cwd=tmp_path, env=env)  # (makes the format a head start loads)
    assert good.returncode == 0 and "wrote good.pdf" in good.stdout, good.stderr
    bad = as_typed("build", "bad.nn", cwd=tmp_path, env=env)
    assert bad.returncode == 3 and "bad.nn:2:11: syntax error" in bad.stderr, bad.stderr  # (ParseError)
    assert not list(tmp_path.glob("tikznn-*")) and (tmp_path / "good.pdf").is_file()
    # `tex` ends so too: its TeX, written to a pipe, arrives whole, and a refused figure has its status
    tex = as_typed("tex", "good.nn", cwd=tmp_path, env=env)
    assert tex.returncode == 0 and tex.stdout == to_tex(parse((tmp_path / "good.nn").read_text())), tex.stderr
    assert as_typed("tex", "bad.nn", cwd=tmp_path, env=env).returncode == 3
