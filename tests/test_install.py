"""A plain (non-editable) install into a fresh virtual environment carries the grammar and templates."""
import os
import subprocess
import sys
import venv

import pytest

from conftest import EXAMPLES, ROOT


@pytest.mark.slow
@pytest.mark.latex
def test_non_editable_install_builds_an_example(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # the package and its declared dependencies, as a user's pip installs them (the running pip, told where to
    # install: a fresh environment needs no pip of its own)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", str(ROOT)],
                   check=True, timeout=600, cwd=tmp_path)
    [theirs] = env_dir.glob("lib/python*/site-packages")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # (this checkout on it would be imported instead)
    check = subprocess.run([str(python), "-c", "import tikznn, pathlib; p = pathlib.Path(tikznn.__file__).parent; "
                            "print((p / 'grammar' / 'tikznn.lark').is_file(), (p / 'templates').is_dir(), "
                            f"p.is_relative_to({str(theirs)!r}))"],
                           capture_output=True, text=True, cwd=tmp_path, check=True, env=env)
    assert check.stdout.split() == ["True", "True", "True"]  # (the installed tikznn, not this one)
    out = tmp_path / "lenet.pdf"
    run = subprocess.run([str(env_dir / "bin" / "tikznn"), "build", str(EXAMPLES / "lenet.nn"), "-o", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(b"%PDF")
