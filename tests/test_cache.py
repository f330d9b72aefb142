"""The private cache folder behind fast builds: what in it may be loaded as code is used only when no one else
can write it."""
import os

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
    assert len(list((tmp_path / "cache").glob("preamble-*.fmt"))) == 1
    preloaded = (tmp_path / "a.pdf").read_bytes()
    os.chmod(tmp_path / "cache", 0o777)  # not private any more: no format, no parser cache, same figure
    try:
        build(EXAMPLES / "lenet.nn", tmp_path / "c.pdf")
    finally:
        os.chmod(tmp_path / "cache", 0o700)
    # the same drawing (the bytes differ a little: fonts are written in another order)
    from pdf2image import convert_from_path
    [with_format], [without] = (convert_from_path(str(tmp_path / n), dpi=50) for n in ("a.pdf", "c.pdf"))
    assert with_format.tobytes() == without.tobytes() and preloaded != b""
