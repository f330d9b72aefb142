"""examples/thesis: a thesis built by make from .nn figures rebuilds exactly what an edit affects."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

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


def edit(path, old, new):
    time.sleep(1.0)  # a new modification time, whatever the file system's resolution
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def thesis(tmp_path):
    need_tex("make", "latexmk")  # (make tex installs latexmk)
    folder = tmp_path / "thesis"
    shutil.copytree(EXAMPLES / "thesis", folder, ignore=shutil.ignore_patterns("build"))
    make(folder, "-j4")  # figures in parallel, then the thesis
    return folder


def test_the_thesis_builds_with_its_figures_in_the_documents_fonts(thesis):
    assert {"baseline.tikz", "ournet.tikz", "encoder.tikz", "main.pdf"} <= set(dates(thesis))
    log = (thesis / "build" / "main.log").read_text(errors="replace")
    assert "Overfull" not in log and "LaTeX Error" not in log and "Undefined" not in log
    assert (thesis / "build" / "ournet.d").read_text().split("\n")[0] == \
        "build/ournet.stamp: figures/ournet.nn figures/blocks.nn"


def rebuilt_after(thesis, path, old, new) -> set[str]:
    """The outputs that a make after this edit writes again."""
    before = dates(thesis)
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
    before = dates(thesis)
    edit(thesis / "figures" / "encoder.nn", 'network "Encoder"', '# a comment\nnetwork "Encoder"')
    run = make(thesis)
    assert "tikznn tex" in run.stdout  # the figure was looked at again ...
    assert dates(thesis) == before     # ... but nothing changed, so nothing was written or typeset
    assert "Nothing to be done" in make(thesis).stdout  # and the next make settles: tikznn is not run again


def test_make_settles_after_a_touched_import(thesis):
    """`touch blocks.nn`: the figures that import it are looked at once, none changes, the thesis is not typeset
    again, and the make after that does nothing at all (no rerun of tikznn, ever)."""
    before = dates(thesis)
    time.sleep(1.0)
    (thesis / "figures" / "blocks.nn").touch()
    run = make(thesis)
    assert run.stdout.count("tikznn tex") == 2 and "latexmk" not in run.stdout and dates(thesis) == before
    assert "Nothing to be done" in make(thesis).stdout
