"""The command line as a user types it: outputs where they are expected, stable exit codes."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, as_typed, seeded_cache, tikznn  # (tikznn: in this process; as_typed: in its own)


def test_version_and_help():
    run = as_typed("--version")
    assert run.returncode == 0 and run.stdout.startswith("tikznn ")
    assert ("pdfTeX" in run.stdout) == (shutil.which("pdflatex") is not None)  # and TeX's own version
    for run in (as_typed("--help"), tikznn("-h")):
        assert run.returncode == 0 and "build" in run.stdout and "tex" in run.stdout and "doctor" in run.stdout


@pytest.mark.parametrize("command", ["", "build", "tex", "watch", "info", "export", "import", "doctor", "fmt", "lsp", "serve"])
def test_help_reads_at_80_columns(command):
    run = tikznn(*command.split(), "-h", env={"COLUMNS": "80", "TERM": "dumb"})
    assert run.returncode == 0, run.stderr
    assert max(len(line) for line in run.stdout.splitlines()) <= 80
    assert "<str>" not in run.stdout and "{files}" not in run.stdout and "TEXT" not in run.stdout, run.stdout


def test_doctor_says_what_is_missing_and_what_it_costs(tmp_path):
    run = tikznn("doctor")
    assert run.returncode == (0 if shutil.which("pdflatex") and shutil.which("pdftoppm") else 7), run.stdout
    assert "pdflatex" in run.stdout and "torch" in run.stdout
    # a machine with no TeX at all (nothing on PATH): it says so, what each piece is for and how to get it
    bare = tikznn("doctor", env={"PATH": str(tmp_path)})
    assert bare.returncode == 7
    assert "MISSING  pdflatex: no every figure" in bare.stdout and "apt-get install texlive-latex-extra" in bare.stdout
    assert "missing  xelatex: no labels in scripts pdflatex cannot set" in bare.stdout
    assert "figures cannot be built here yet" in bare.stdout


def test_completion_installs_for_bash_and_completes_commands_and_options(tmp_path):
    command = Path(sys.executable).with_name("tikznn")  # the installed command, whose name completion is for
    env = dict(os.environ, HOME=str(tmp_path), SHELL="/bin/bash")
    # from bash, which it detects as its shell (bash stays its parent: a lone command would be exec'd in its place)
    run = subprocess.run(["bash", "-c", f"'{command}' --install-completion; exit $?"], capture_output=True,
                         text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    script = (tmp_path / ".bash_completions" / "tikznn.sh").read_text()
    assert "_TIKZNN_COMPLETE" in script and ".bash_completions/tikznn.sh" in (tmp_path / ".bashrc").read_text()

    def complete(words: str) -> list[str]:
        done = subprocess.run([command], capture_output=True, text=True, timeout=60,
                              env=dict(env, _TIKZNN_COMPLETE="complete_bash", COMP_WORDS=words,
                                       COMP_CWORD=str(len(words.split()) - 1)), stdin=subprocess.DEVNULL)
        return done.stdout.split()
    assert complete("tikznn bu") == ["build"]
    assert "--theme" in complete("tikznn build --th")


def test_tex_to_stdout_and_to_a_file(tmp_path):
    run = tikznn("tex", EXAMPLES / "lenet.nn")
    assert run.returncode == 0 and run.stdout.startswith("% LeNet-5") and "\\documentclass" in run.stdout
    run = tikznn("tex", EXAMPLES / "lenet.nn", "--fragment", "-o", tmp_path / "lenet.tikz")
    text = (tmp_path / "lenet.tikz").read_text()
    assert run.returncode == 0 and "\\begin{tikzpicture}" in text and "\\documentclass" not in text


def test_bad_format_is_a_usage_error(tmp_path):
    run = tikznn("build", EXAMPLES / "lenet.nn", "-f", "pdf,jpg", "-o", tmp_path / "x.pdf")
    assert run.returncode == 2 and "jpg" in run.stderr and "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.latex
def test_standalone_tex_compiles_with_plain_pdflatex(tmp_path):
    assert tikznn("tex", EXAMPLES / "fcn8.nn", "-o", tmp_path / "fcn8.tex").returncode == 0
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "fcn8.tex"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and (tmp_path / "fcn8.pdf").exists()


@pytest.mark.latex
def test_build_several_files_into_a_folder_with_formats(tmp_path):
    out = tmp_path / "figs"
    out.mkdir()
    run = tikznn("build", EXAMPLES / "lenet.nn", EXAMPLES / "fcn8.nn", "-o", out, "-f", "pdf,png", "--dpi", "40",
                 "-v")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["fcn8.pdf", "fcn8.png", "lenet.pdf", "lenet.png"]
    assert "wrote" in run.stdout
    again = tikznn("build", EXAMPLES / "lenet.nn", "-o", out, "-v")
    assert again.returncode == 0 and "up to date" in again.stdout


@pytest.mark.latex
def test_default_output_goes_next_to_the_source(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text((EXAMPLES / "lenet.nn").read_text())
    run = tikznn("build", "net.nn", cwd=tmp_path)
    assert run.returncode == 0 and Path(tmp_path / "net.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.nn", "net.pdf"]


@pytest.mark.latex
def test_several_inputs_go_into_a_new_folder_each_under_its_own_name(tmp_path):
    run = tikznn("build", EXAMPLES / "lenet.nn", EXAMPLES / "fcn8.nn", "-o", tmp_path / "new")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["fcn8.pdf", "lenet.pdf"]
    run = tikznn("build", EXAMPLES / "lenet.nn", "-o", f"{tmp_path / 'slash'}/", "-f", "png", "--dpi", "20")
    assert run.returncode == 0 and (tmp_path / "slash" / "lenet.png").exists()


def test_several_inputs_with_one_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lenet.nn").write_text((EXAMPLES / "lenet.nn").read_text())
    run = tikznn("build", EXAMPLES / "lenet.nn", tmp_path / "a" / "lenet.nn", "-o", tmp_path / "out")
    assert run.returncode == 2 and "two inputs are named 'lenet'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_nonsense_dpi_is_a_usage_error(tmp_path):
    run = tikznn("build", EXAMPLES / "lenet.nn", "--dpi", "0", "-o", tmp_path / "x.pdf")
    assert run.returncode == 2 and "--dpi" in run.stderr and list(tmp_path.iterdir()) == []


def test_width_options_shrink_wrap_and_warn(tmp_path):
    run = tikznn("tex", EXAMPLES / "unet.nn", "--width", "5cm", "-o", tmp_path / "unet.tex")  # (its images beside)
    assert run.returncode == 0 and re.search(r"x=0\.[23]\d*cm", (tmp_path / "unet.tex").read_text())
    assert (tmp_path / "unet-image1.png").exists()  # drawn at 0.2-0.4 of its size, its pictures beside it
    assert re.search(r"unet.nn: warning: at 5cm its smallest text prints at [2-5]\.\d pt, under 6 pt \(it needs a "
                     r"width of \d+\.\d in", run.stderr)
    run = tikznn("tex", EXAMPLES / "vgg16.nn", "--width", "12cm", "--wrap")
    assert run.returncode == 0 and run.stderr == "" and "x=1cm" in run.stdout
    run = tikznn("tex", EXAMPLES / "unet.nn", "--width", "17cm", "--wrap", "-o", tmp_path / "wrapped.tex")
    assert run.returncode == 5 and "wrap puts a left-to-right layout on rows" in run.stderr
    run = tikznn("tex", EXAMPLES / "vgg16.nn", "--width", "wide")
    assert run.returncode == 2 and "is not a width" in run.stderr


@pytest.mark.latex
def test_parallel_builds_with_make_rules(tmp_path):
    (tmp_path / "blocks.nn").write_text("block unit(c)\n  conv $c k3 p1 relu\nend\n")
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.nn").write_text(f'import "blocks.nn"\nnetwork "{name}"\ninput 3x16x16\nunit(8)\n')
    run = tikznn("build", "a.nn", "b.nn", "c.nn", "-j", "3", "-M", "-o", "out/", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.d", "a.pdf", "b.d", "b.pdf", "c.d", "c.pdf"]
    assert (tmp_path / "out" / "b.d").read_text() == "out/b.pdf: b.nn blocks.nn\nblocks.nn:\n"
    run = tikznn("build", "a.nn", "b.nn", "--depfile", "x.d", cwd=tmp_path)
    assert run.returncode == 2 and "with several inputs use -M" in re.sub(r"[\s│]+", " ", run.stderr)


@pytest.mark.latex
def test_watch_rebuilds_on_save_and_survives_errors(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text("input 3x16x16\nconv 8 k3 p1 relu\n")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        watcher = subprocess.Popen([sys.executable, "-m", "tikznn", "watch", "net.nn", "--interval", "0.1"],
                                   cwd=tmp_path, stdout=stdout, stderr=stderr, text=True)
    try:
        pdf = tmp_path / "net.pdf"

        def wait(condition, seconds=60):
            deadline = time.time() + seconds
            while time.time() < deadline and not condition():
                time.sleep(0.05)
            return condition()

        assert wait(pdf.exists)
        first = pdf.read_bytes()
        time.sleep(0.05)
        source.write_text("input 3x16x16\nconv 8 k3 p1 relu\nconv 16 k3 p1 relu\n")
        assert wait(lambda: pdf.read_bytes() != first)
        source.write_text("input 3x16x16\nconvv 8\n")
        assert wait(lambda: "did you mean 'conv'?" in err.read_text())
        time.sleep(0.3)  # (three more looks at the file)
        assert watcher.poll() is None  # still watching
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
    assert "unknown layer 'convv'" in err.read_text()
    assert out.read_text().count("net.nn: ") >= 2


def test_a_figure_larger_than_tex_can_draw_is_wrapped_to_a_page_or_refused_before_pdflatex(tmp_path):
    (tmp_path / "long.nn").write_text("input 16x32x32\n" + "conv 16 k3 p1 relu\nconv 16 k1\n" * 1000)
    run = tikznn("tex", "long.nn", cwd=tmp_path)  # no width given: its rows wrapped to a page, and said so
    assert run.returncode == 0 and "6.1 m wide, larger than TeX can draw: its rows are wrapped" in run.stderr
    assert "--width page" in run.stderr and "\\begin{tikzpicture}" in run.stdout
    (tmp_path / "long.nn").write_text("width 600cm\ninput 16x32x32\n" + "conv 16 k3 p1 relu\nconv 16 k1\n" * 1000)
    run = tikznn("tex", "long.nn", "-o", "wide.tex", cwd=tmp_path)  # a width it was told: kept, and refused
    assert run.returncode == 5 and "larger than TeX can draw (5.76 m)" in run.stderr
    assert "width 17cm wrap" in run.stderr and "Traceback" not in run.stderr and not (tmp_path / "wide.tex").exists()


@pytest.mark.latex
def test_a_build_run_again_on_unchanged_files_returns_at_once(tmp_path):
    env = {**os.environ, "TIKZNN_CACHE": str(seeded_cache(tmp_path / "cache"))}
    (tmp_path / "blocks.nn").write_text("block unit(c)\n  conv $c k3 p1 relu\nend\n")
    (tmp_path / "net.nn").write_text('import "blocks.nn"\ninput 3x16x16\nunit(8)\n')

    def build(*extra, path=os.environ["PATH"]):
        return as_typed("build", "net.nn", "-v", *extra, cwd=tmp_path, env={**env, "PATH": path})

    assert "wrote net.pdf" in build().stdout
    first = (tmp_path / "net.pdf").read_bytes()
    no_tex = str(tmp_path / "empty")  # pdflatex cannot be found: only the stamp can answer
    run = build(path=no_tex)
    assert run.returncode == 0 and run.stdout.strip() == "up to date"
    (tmp_path / "blocks.nn").write_text("block unit(c)\n  conv $c k3 p1 relu \"unit\"\nend\n")  # an import changes
    assert build(path=no_tex).returncode == 7
    assert "wrote net.pdf" in build().stdout and (tmp_path / "net.pdf").read_bytes() != first
    (tmp_path / "net.pdf").unlink()  # an output goes missing
    assert "wrote net.pdf" in build().stdout
    assert build("-f", "pdf,png").stdout.count("wrote") == 1  # another command line: its own stamp


@pytest.mark.latex
def test_a_file_name_that_is_not_utf_8_builds_and_is_then_up_to_date(tmp_path):
    name = os.fsdecode(b"net\xff.nn")  # (bytes a file system allows, as Python passes them on: surrogate escapes)
    (tmp_path / name).write_text("input 3x8x8\nconv 4 k3\n")
    for said in ("wrote", "up to date"):
        run = as_typed("build", name, "-v", cwd=tmp_path, text=False,  # (it prints the name's bytes back)
                       env={**os.environ, "TIKZNN_CACHE": str(seeded_cache(tmp_path / "cache"))})
        assert run.returncode == 0 and said.encode() in run.stdout, run.stderr
    assert (tmp_path / os.fsdecode(b"net\xff.pdf")).exists()


@pytest.mark.latex
def test_a_pdf_built_to_a_width_is_no_wider_than_it(tmp_path):
    from pdf2image import pdfinfo_from_path
    for name, options in (("vgg16", ["--width", "12cm", "--wrap"]), ("unet", ["--width", "5cm"])):
        run = tikznn("build", EXAMPLES / f"{name}.nn", "-o", tmp_path / f"{name}.pdf", *options)
        assert run.returncode == 0, run.stderr
        width_bp = float(pdfinfo_from_path(str(tmp_path / f"{name}.pdf"))["Page size"].split()[0])
        asked_bp = float(options[1][:-2]) / 2.54 * 72  # PDF sizes are in big points
        assert width_bp <= asked_bp + 0.5, (name, width_bp, asked_bp)
        if "--wrap" not in options:  # shrunk: it fills the width (rows may end short of it)
            assert width_bp > asked_bp - 10, (name, width_bp, asked_bp)


def test_an_output_never_lands_on_a_source_a_device_a_fifo_or_a_read_only_file(tmp_path):
    """Nothing a command writes destroys what it lands on (issue 17): the figure's own sources, /dev/null (as root,
    replacing it with a file broke a machine), a FIFO, a file made read-only."""
    import stat
    source = tmp_path / "net.nn"
    source.write_text("input 3x8x8\nconv 4 k3\n")
    before = source.read_bytes()
    for args in (["tex", "net.nn", "-o", "net.nn"], ["tex", "net.nn", "-o", "x.tex", "--depfile", "net.nn"],
                 ["export", "torch", "net.nn", "-o", "net.nn"]):
        run = tikznn(*args, cwd=tmp_path)
        assert run.returncode != 0 and "a source of the figure: writing there would destroy it" in run.stderr, args
        assert source.read_bytes() == before and not (tmp_path / "x.tex").exists()
    run = tikznn("tex", "net.nn", "-o", "/dev/null", cwd=tmp_path)
    assert run.returncode != 0 and "it is a device" in run.stderr and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    os.mkfifo(tmp_path / "pipe")
    run = tikznn("tex", "net.nn", "-o", "pipe", cwd=tmp_path)
    assert run.returncode != 0 and "it is a FIFO" in run.stderr and stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    locked = tmp_path / "locked.tex"
    locked.write_text("kept")
    locked.chmod(0o444)
    run = tikznn("tex", "net.nn", "-o", "locked.tex", cwd=tmp_path)
    assert run.returncode != 0 and "read-only" in run.stderr and locked.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.tex", "net.nn", "pipe"]  # no temporary left


def test_a_planted_link_where_the_temporary_file_used_to_go_is_never_followed(tmp_path):
    from tikznn.latex import write_all
    victim = tmp_path / "victim"
    victim.write_text("kept")
    (tmp_path / f".out.tex.{os.getpid()}.part").symlink_to(victim)  # the old, predictable name
    write_all({tmp_path / "out.tex": b"new"})
    assert victim.read_text() == "kept" and (tmp_path / "out.tex").read_bytes() == b"new"


def test_what_is_not_a_regular_file_is_refused_at_once_never_read(tmp_path):
    """A FIFO would block the build forever, a device never ends: both are refused before a byte is read."""
    os.mkfifo(tmp_path / "pipe.nn")
    (tmp_path / "zero.nn").symlink_to("/dev/zero")
    (tmp_path / "net.nn").write_text('import "zero.nn"\ninput 3x8x8\n')
    started = time.monotonic()
    for args, said in ((["tex", "pipe.nn"], "not a regular file"), (["tex", "zero.nn"], "not a regular file"),
                       (["tex", "net.nn"], "outside the .nn file's folder")):  # (an import: a link out of it)
        run = tikznn(*args, cwd=tmp_path)
        assert run.returncode != 0 and said in run.stderr and "Traceback" not in run.stderr, args
    assert time.monotonic() - started < 30


def test_a_command_ends_at_once_only_when_the_interpreters_end_would_do_nothing_more():
    """A build or `tex` ends its process at once (console.run), but not under a profiler or coverage, which write
    what they found as the interpreter ends, nor while a build of another thread is still finishing (a second
    Ctrl-C under -j: the interpreter's end waits for it)."""
    import threading
    from tikznn.console import _nothing_left
    assert _nothing_left()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(10,))
    worker.start()
    try:
        assert not _nothing_left()
    finally:
        release.set()
        worker.join()
    assert _nothing_left()
    sys.setprofile(lambda *_: None)
    try:
        assert not _nothing_left()
    finally:
        sys.setprofile(None)
