"""examples/thesis: a thesis built by make from .nn figures rebuilds exactly what an edit affects."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLES, need_tex

pytestmark = pytest.mark.latex


def make(folder, *args):
    run = subprocess.run(["make", f"TIKZNN={sys.executable} -m tikznn", *args], cwd=folder, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def dates(folder):
    return {path.name: path.stat().st_mtime_ns for path in (folder / "build").glob("*") if path.suffix in
            (".tikz", ".pdf")}


def aged(folder) -> dict:
    """The outputs' dates, once every file of the thesis was made two seconds older: an edit made now is newer than
    all of them, whatever the file system's resolution, without waiting for the clock (their order is kept)."""
    for path in folder.rglob("*"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns - 2_000_000_000, stat.st_mtime_ns - 2_000_000_000))
    return dates(folder)


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    need_tex("make", "latexmk")  # (make tex installs latexmk)
    folder = tmp_path_factory.mktemp("built") / "thesis"
    shutil.copytree(EXAMPLES / "thesis", folder, ignore=shutil.ignore_patterns("build"))
    make(folder, "-j4")  # figures in parallel, then the thesis
    return folder


@pytest.fixture
def thesis(built, tmp_path):
    """The thesis as a first `make -j4` built it, in a folder of this test's own (the files' dates kept)."""
    return shutil.copytree(built, tmp_path / "thesis")


def test_the_thesis_builds_with_its_figures_in_the_documents_fonts(thesis):
    assert {"baseline.tikz", "ournet.tikz", "encoder.tikz", "main.pdf"} <= set(dates(thesis))
    log = (thesis / "build" / "main.log").read_text(errors="replace")
    assert "Overfull" not in log and "LaTeX Error" not in log and "Undefined" not in log
    assert (thesis / "build" / "ournet.d").read_text().split("\n")[0] == \
        "build/ournet.stamp: figures/ournet.nn figures/blocks.nn"


def rebuilt_after(thesis, path, old, new) -> set[str]:
    """The outputs that a make after this edit writes again."""
    before = aged(thesis)
    edit(thesis / path, old, new)
    make(thesis)
    after = dates(thesis)
    return {name for name in after if after[name] != before.get(name)}


def test_editing_one_figure_rebuilds_that_figure_and_the_thesis_only(thesis):
    assert rebuilt_after(thesis, "figures/baseline.nn", '"classes"', '"10 classes"') == {"baseline.tikz", "main.pdf"}


def test_editing_a_shared_block_rebuilds_the_figures_that_import_it(thesis):
    assert rebuilt_after(thesis, "figures/blocks.nn", "conv $c k3 p1 bn\n", 'conv $c k3 p1 bn "second conv"\n') == \
        {"ournet.tikz", "encoder.tikz", "main.pdf"}


def test_an_edit_that_changes_no_figure_does_not_typeset_the_thesis_again(thesis):
    before = aged(thesis)
    edit(thesis / "figures" / "encoder.nn", 'network "Encoder"', '# a comment\nnetwork "Encoder"')
    run = make(thesis)
    assert "tikznn tex" in run.stdout  # the figure was looked at again ...
    assert dates(thesis) == before     # ... but nothing changed, so nothing was written or typeset
    assert "Nothing to be done" in make(thesis).stdout  # and the next make settles: tikznn is not run again


def test_make_settles_after_a_touched_import(thesis):
    """`touch blocks.nn`: the figures that import it are looked at once, none changes, the thesis is not typeset
    again, and the make after that does nothing at all (no rerun of tikznn, ever)."""
    before = aged(thesis)
    (thesis / "figures" / "blocks.nn").touch()
    run = make(thesis)
    assert run.stdout.count("tikznn tex") == 2 and "latexmk" not in run.stdout and dates(thesis) == before
    assert "Nothing to be done" in make(thesis).stdout
