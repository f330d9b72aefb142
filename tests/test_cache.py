"""The private cache folder behind fast builds: what in it may be loaded as code is used only when no one else
can write it."""
import os
import re
import threading

import pytest

from tikznn import cache


def test_private_files_only_in_a_folder_no_one_else_can_write(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKZNN_CACHE", str(tmp_path / "cache"))
    assert cache.private_file("x") == tmp_path / "cache" / "x"
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    os.chmod(tmp_path / "cache", 0o777)  # anyone could plant a pickle here
    assert cache.private_file("x") is None
    os.chmod(tmp_path / "cache", 0o700)
    (tmp_path / "cache" / "x").write_text("")
    os.chmod(tmp_path / "cache" / "x", 0o666)
    assert cache.private_file("x") is None


@pytest.mark.latex
def test_one_preloaded_preamble_serves_every_figure_and_builds_work_without_it(tmp_path, monkeypatch):
    from conftest import EXAMPLES
    from tikznn import build
    monkeypatch.setenv("TIKZNN_CACHE", str(tmp_path / "cache"))
    build(EXAMPLES / "lenet.nn", tmp_path / "a.pdf")
    build(EXAMPLES / "mlp.nn", tmp_path / "b.pdf")
    [format_file] = (tmp_path / "cache").glob("preamble-*.fmt")
    assert not format_file.read_bytes().startswith(b"\x1f\x8b")  # kept unzipped: it loads in less than half the time
    preloaded = (tmp_path / "a.pdf").read_bytes()
    os.chmod(tmp_path / "cache", 0o777)  # not private any more: no format, no parser cache, same figure
    try:
        build(EXAMPLES / "lenet.nn", tmp_path / "c.pdf")
    finally:
        os.chmod(tmp_path / "cache", 0o700)
    # the same drawing (the bytes differ a little: fonts are written in another order)
    from imagecompare import page
    with_format, without = (page(tmp_path / n, 50) for n in ("a.pdf", "c.pdf"))
    assert with_format.tobytes() == without.tobytes() and preloaded != b""


@pytest.mark.latex
def test_a_damaged_format_is_dropped_and_the_figure_built_without_it(tmp_path, monkeypatch):
    """A format cut short (a full disk, a crash): TeX cannot load it; the figure is built without it, and the next
    build makes it again."""
    from conftest import EXAMPLES, seeded_cache
    from tikznn import build
    cache = seeded_cache(tmp_path / "cache")
    monkeypatch.setenv("TIKZNN_CACHE", str(cache))
    build(EXAMPLES / "mlp.nn", tmp_path / "a.pdf")
    made = cache / (cache / "preamble-last").read_text()
    whole = made.read_bytes()
    made.write_bytes(whole[:1_000_000])
    build(EXAMPLES / "mlp.nn", tmp_path / "b.pdf")
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF") and not made.exists()
    from tikznn import latex  # the same when a head start on it was taken (`tikznn build` gives one) ...
    made.write_bytes(whole[:1_000_000])
    latex.start_early()
    early = latex._EARLY[0].process
    early.wait()
    monkeypatch.setattr(early, "poll", lambda: None)  # (... before its pdflatex was seen to end)
    try:
        build(EXAMPLES / "mlp.nn", tmp_path / "c.pdf")
    finally:
        latex.stop_early()
    assert latex._EARLY[0].process is None  # (taken)
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF") and not made.exists()


@pytest.mark.latex
def test_a_format_is_kept_unzipped_where_pdflatex_reads_it_so_and_old_ones_are_pruned(tmp_path, monkeypatch):
    """Formats and parsers an older tikznn, TeX or lark made go when a new one is made a month after them; a
    pdflatex that reads only zipped formats keeps its format zipped."""
    import shutil
    import time
    from tikznn import compiled, latex
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("TIKZNN_CACHE", str(cache))
    old = time.time() - 40 * 86400
    for name in ("preamble-0123456789abcdef0123.fmt", "grammar-0123456789abcdef.lark", "notes.txt"):
        (cache / name).write_bytes(b"old")
        os.utime(cache / name, (old, old))
    (cache / "preamble-fedcba9876543210fedc.fmt").write_bytes(b"recent")
    fake = tmp_path / "pdflatex"  # pdflatex, but one that cannot load an unzipped format
    fake.write_text(f"#!/bin/sh\ncase \"$*\" in *-fmt=plain*) exit 1;; esac\nexec {shutil.which('pdflatex')} \"$@\"\n")
    fake.chmod(0o755)
    preamble = "\\documentclass{standalone}\n"
    made = latex._preloaded(str(fake), preamble, dict(os.environ), 60)
    assert made is not None and made.read_bytes().startswith(b"\x1f\x8b")
    made = latex._preloaded(shutil.which("pdflatex"), preamble, dict(os.environ), 60)
    assert made is not None and not made.read_bytes().startswith(b"\x1f\x8b")
    assert not (cache / "preamble-0123456789abcdef0123.fmt").exists()
    assert (cache / "preamble-fedcba9876543210fedc.fmt").exists() and (cache / "notes.txt").exists()  # (not ours)
    os.utime(made, (old, old))  # a format in use is kept fresh
    assert latex._preloaded(shutil.which("pdflatex"), preamble, dict(os.environ), 60) == made
    assert made.stat().st_mtime > time.time() - 60
    monkeypatch.setattr(compiled, "_READY", {})  # (as a new process: the parser not loaded yet)
    compiled.load_grammar()
    assert list(cache.glob("grammar-*.lark")) and not (cache / "grammar-0123456789abcdef.lark").exists()


def test_a_library_parse_and_to_tex_leave_the_cache_alone_and_the_file_ends_fill_it(tmp_path):
    """Cache reads and writes happen at the ends of the pipeline (reading a .nn file, building), never in parse or
    render: a library call compiles the grammar and templates in memory."""
    import subprocess
    import sys
    (tmp_path / "net.nn").write_text("input 3x8x8\nconv 4 k3\n")
    env = {**os.environ, "TIKZNN_CACHE": str(tmp_path / "cache")}

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    tex = run("from tikznn import parse, to_tex; print(to_tex(parse(open('net.nn').read())), end='')")
    assert "tikzpicture" in tex and not (tmp_path / "cache").exists()
    assert run("from tikznn.pipeline import tex_and_sources; print(tex_and_sources('net.nn')[0], end='')") == tex
    assert len(list((tmp_path / "cache").glob("grammar-*.lark"))) == 1
    assert list((tmp_path / "cache" / "templates").iterdir())


@pytest.fixture
def head_start(tmp_path, monkeypatch):
    """A cache whose last format is lenet's, and a function that starts pdflatex early on it (as `tikznn build`
    does) and says, after a build, whether that pdflatex made the figure."""
    from conftest import EXAMPLES, seeded_cache
    from tikznn import build, latex
    monkeypatch.setenv("TIKZNN_CACHE", str(seeded_cache(tmp_path / "cache")))
    build(EXAMPLES / "lenet.nn", tmp_path / "plain.pdf")
    monkeypatch.setattr(latex, "_EARLY", [])

    def start():
        latex.start_early()
        [early] = latex._EARLY
        return early
    return start


def _leftover(early) -> bool:
    return os.path.exists(early.folder.name)


@pytest.mark.latex
def test_a_head_start_makes_the_same_figure_and_leaves_nothing(head_start, tmp_path):
    from conftest import EXAMPLES
    from tikznn import build, latex
    early = head_start()
    build(EXAMPLES / "lenet.nn", tmp_path / "early.pdf")
    assert latex._EARLY[0].process is None and early.process.returncode == 0  # (this pdflatex made it)
    assert (tmp_path / "early.pdf").read_bytes() == (tmp_path / "plain.pdf").read_bytes()
    assert not _leftover(early)


@pytest.mark.latex
def test_a_head_start_on_another_preamble_is_stopped_and_removed(head_start, tmp_path):
    from tikznn import build, latex
    early = head_start()
    (tmp_path / "zh.nn").write_text('input 3x8x8 "输入"\n')  # (pdflatex with CJK: another preamble)
    build(tmp_path / "zh.nn", tmp_path / "zh.pdf", engine="pdflatex")
    assert early.process.returncode != 0 and not _leftover(early) and latex._EARLY[0].process is None


@pytest.mark.latex
def test_a_head_start_reports_errors_and_timeouts_as_a_build_does(head_start, tmp_path):
    from tikznn import LatexError
    from tikznn.latex import compile_pdf
    from test_build import figure_with
    early = head_start()
    with pytest.raises(LatexError, match="did not finish within 0.2 s"):
        compile_pdf(figure_with("\\def\\x{\\x}\\x"), timeout=0.2)
    assert not _leftover(early)
    early = head_start()
    with pytest.raises(LatexError, match="Undefined control sequence"):
        compile_pdf(figure_with("\\nosuchmacro"))
    assert not _leftover(early)


@pytest.mark.latex
def test_a_head_start_begins_the_document_and_a_figure_keeps_its_line_numbers(head_start, tmp_path):
    """A head start is given the lines before \\begin{document} (as many as the last figure had), that line and
    what the last figure had after it up to its picture (the labels' fonts loaded) while the figure is made; a
    figure that has as many lines and that text is read on from there, one that has more lines or other text is
    built without the head start. Either way an error names the figure's own line, as a build without a head start
    does."""
    from tikznn import LatexError
    from tikznn.latex import compile_pdf
    from tikznn.tex import PICTURE_MARK
    from test_build import figure_with
    tex = figure_with("\\nosuchmacro")
    longer = tex.replace("\\begin{document}\n", "% one more line\n\\begin{document}\n", 1)
    other = tex.replace(PICTURE_MARK, "% another line\n" + PICTURE_MARK, 1)
    assert other != tex
    plain = {}
    for figure in (longer, other, tex):  # (built without a head start; the last has the opening the next is given)
        with pytest.raises(LatexError) as caught:
            compile_pdf(figure)
        plain[figure] = str(caught.value)
    wrong = {}
    descriptors = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    last = tex
    for name, figure in (("tex", tex), ("other", other), ("longer", longer)):
        early = head_start()
        before, _, after = last.partition("\\begin{document}\n")
        assert early.opening.lines == before.count("\n")  # (the last figure's)
        assert early.opening.begun == after.partition(PICTURE_MARK)[0] + PICTURE_MARK  # (... and its text)
        last = figure
        early.opening.join(60)  # (given once pdflatex has loaded its format: then its pipe is open)
        with pytest.raises(LatexError) as started:
            compile_pdf(figure)
        assert str(started.value) == plain[figure] and not _leftover(early)
        assert not early.opening.is_alive() and early.opening.pipe is None  # (its pipe closed, taken or stopped)
        wrong[name] = str(started.value), early.process.returncode
    assert wrong["tex"][1] == 1 and wrong["longer"][1] < 0 and wrong["other"][1] < 0  # (it made the first only)
    assert descriptors is None or len(os.listdir("/proc/self/fd")) == descriptors  # (every pipe closed)
    line = tex.splitlines().index(next(t for t in tex.splitlines() if "nosuchmacro" in t)) + 1
    assert re.search(rf"\bline {line}\b", wrong["tex"][0]), wrong["tex"][0]  # (the line of the figure's TeX)


@pytest.mark.latex
def test_a_head_start_without_an_opening_is_given_the_whole_figure(head_start, tmp_path):
    """A cache that does not say how many lines come before \\begin{document} (an older tikznn's, or a figure
    without such a line): the head start waits for the whole figure."""
    from conftest import EXAMPLES
    from tikznn import build, latex
    (tmp_path / "cache" / "preamble-lines").write_text("")
    early = head_start()
    assert early.opening is None
    build(EXAMPLES / "lenet.nn", tmp_path / "early.pdf", timeout=20)
    assert latex._EARLY[0].process is None and early.process.returncode == 0  # (this pdflatex made it)
    assert (tmp_path / "early.pdf").read_bytes() == (tmp_path / "plain.pdf").read_bytes()
    assert not _leftover(early)


@pytest.mark.latex
def test_a_damaged_record_of_a_figures_opening_is_left_out_and_written_again(head_start, tmp_path):
    """preamble-begun that is not the text a figure had up to its picture (bytes that are not UTF-8: a disk error,
    another program): the head start goes without it, and the build writes it anew."""
    from conftest import EXAMPLES
    from tikznn import build, latex
    begun = tmp_path / "cache" / "preamble-begun"
    begun.write_bytes(b"\xff\xfe% the picture\n")
    early = head_start()
    assert early.opening is not None and early.opening.begun == ""
    build(EXAMPLES / "lenet.nn", tmp_path / "early.pdf", timeout=20)
    assert latex._EARLY[0].process is None and early.process.returncode == 0  # (taken: this pdflatex made it)
    assert (tmp_path / "early.pdf").read_bytes() == (tmp_path / "plain.pdf").read_bytes()
    assert begun.read_text(encoding="utf-8").endswith("% the picture\n") and not _leftover(early)


@pytest.mark.latex
def test_a_head_start_whose_pdflatex_died_is_stopped_and_its_opening_given_up(head_start, tmp_path):
    """Its pdflatex ended before it opened the FIFO, and the folder is gone (a cleaner of /tmp): stopping it
    returns at once, nothing left open."""
    import shutil
    from tikznn import latex
    early = head_start()
    early.process.kill()
    early.process.wait()
    shutil.rmtree(early.folder.name)
    stopping = threading.Thread(target=latex.stop_early, daemon=True)
    stopping.start()
    stopping.join(10)
    assert not stopping.is_alive() and not early.opening.is_alive() and early.opening.pipe is None


@pytest.mark.latex
def test_a_head_start_whose_pdflatex_died_is_not_waited_for(head_start, tmp_path):
    from conftest import EXAMPLES
    from tikznn import build
    early = head_start()
    early.process.kill()
    early.process.wait()
    build(EXAMPLES / "lenet.nn", tmp_path / "after.pdf")
    assert (tmp_path / "after.pdf").read_bytes() == (tmp_path / "plain.pdf").read_bytes() and not _leftover(early)


@pytest.mark.latex
def test_watch_gives_each_rebuild_a_head_start(head_start, tmp_path):
    """After a build, `watch` starts the next pdflatex at once: the next rebuild takes it."""
    from conftest import EXAMPLES
    from tikznn import build, latex
    build(EXAMPLES / "lenet.nn", tmp_path / "first.pdf")
    assert latex.engine_of_last() == "pdflatex"
    latex.start_early()
    early = latex._EARLY[0]
    build(EXAMPLES / "lenet.nn", tmp_path / "second.pdf")
    assert early.process.returncode == 0 and latex._EARLY[0].process is None and not _leftover(early)
    from conftest import ENGINE, need_tex
    need_tex(*ENGINE["xelatex"])
    build(EXAMPLES / "lenet.nn", tmp_path / "third.pdf", engine="xelatex")
    assert latex.engine_of_last() == "xelatex"  # (watch then starts no pdflatex for nothing)
