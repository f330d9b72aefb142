"""A plain (non-editable) install into a fresh virtual environment carries the grammar and templates."""
import subprocess
import venv

import pytest

from conftest import EXAMPLES, ROOT


@pytest.mark.slow
@pytest.mark.latex
def test_non_editable_install_builds_an_example(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], check=True, timeout=600,
                   cwd=tmp_path)
    check = subprocess.run([str(python), "-c", "import tikznn, pathlib; p = pathlib.Path(tikznn.__file__).parent; "
                            "print((p / 'grammar' / 'tikznn.lark').is_file(), (p / 'templates').is_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert check.stdout.split() == ["True", "True"]
    out = tmp_path / "lenet.pdf"
    run = subprocess.run([str(env_dir / "bin" / "tikznn"), "build", str(EXAMPLES / "lenet.nn"), "-o", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(b"%PDF")
