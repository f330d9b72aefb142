"""Build stamps: a `tikznn build` run again on unchanged files returns at once."""
from pathlib import Path

from tikznn import stamps


def test_a_stamp_answers_only_for_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKZNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    source, output = tmp_path / "a.nn", tmp_path / "a.pdf"
    source.write_text("input 3x8x8\n")
    output.write_bytes(b"%PDF")
    argv = ["build", "a.nn"]
    assert not stamps.fresh(argv)
    stamps.record(argv, [source], [output])
    assert stamps.fresh(argv) and not stamps.fresh(argv + ["-v"])
    source.write_text("input 3x8x8\nconv 4\n")
    assert not stamps.fresh(argv)
    stamps.record(argv, [source], [output])
    output.write_bytes(b"%PDF changed by hand")
    assert not stamps.fresh(argv)


def test_an_up_to_date_build_returns_before_the_cli_or_the_pipeline_is_imported(tmp_path):
    import os
    import subprocess
    import sys
    env = {**os.environ, "TIKZNN_CACHE": str(tmp_path / "cache")}
    (tmp_path / "a.nn").write_text("input 3x8x8\n")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    script = ("import sys; from tikznn import console, stamps; from pathlib import Path\n"
              "stamps.record(['build', 'a.nn', '-v'], [Path('a.nn')], [Path('a.pdf')])\n"
              "sys.argv = ['tikznn', 'build', 'a.nn', '-v']; console.main()\n"
              "print(' '.join(sorted(name for name in sys.modules if name.split('.')[0] in "
              "('typer', 'click', 'lark', 'jinja2') or name.startswith('tikznn.'))))\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    said, imported = run.stdout.splitlines()
    assert said == "up to date" and imported.split() == ["tikznn.cache", "tikznn.console", "tikznn.stamps"]


def test_a_change_in_any_folder_of_the_package_makes_builds_stale(tmp_path, monkeypatch):
    """tikznn/kinds/ (or any folder added later) is part of the code a stamp fingerprints. (On a copy of the
    package: touching the real one would make another test worker's stamps stale meanwhile.)"""
    import os
    import shutil

    from tikznn import kinds
    package = Path(kinds.__file__).parent.parent
    copy = tmp_path / "tikznn"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(stamps, "_PACKAGE", str(copy))
    path = copy / "kinds" / "convolution.py"
    before, info = stamps.code(), path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert stamps.code() != before
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert stamps.code() == before
    (copy / "kinds" / "added.py").write_text("")
    assert stamps.code() != before


def test_no_stamp_is_written_or_trusted_in_a_cache_others_can_write(tmp_path, monkeypatch):
    """A stamp planted by someone else would skip a build (or a link of theirs be written through): in a cache
    folder that is not private (world-writable, another owner) stamps are neither read nor written."""
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    monkeypatch.setenv("TIKZNN_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)
    source, output = tmp_path / "a.nn", tmp_path / "a.pdf"
    source.write_text("input 3x8x8\n")
    output.write_bytes(b"%PDF")
    stamps.record(["build", "a.nn"], [source], [output])
    assert not stamps.fresh(["build", "a.nn"]) and not list(cache.rglob("*.txt"))
    cache.chmod(0o700)  # made private: stamps work
    stamps.record(["build", "a.nn"], [source], [output])
    assert stamps.fresh(["build", "a.nn"]) and len(list(cache.rglob("*.txt"))) == 1
