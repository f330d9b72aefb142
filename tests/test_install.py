"""A plain (non-editable) install into a fresh virtual environment carries the grammar and templates."""
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
    # the package as pip builds it from its source (in an isolated build, as a user's pip does); its dependencies
    # are not what this test is about: the new environment reads them from this one's site-packages (a path only:
    # this environment's own editable tikznn is not on it)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(ROOT)], check=True, timeout=600, cwd=tmp_path)
    ours = [path for path in sys.path if path.endswith(("site-packages", "dist-packages"))]
    [theirs] = env_dir.glob("lib/python*/site-packages")
    (theirs / "dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    check = subprocess.run([str(python), "-c", "import tikznn, pathlib; p = pathlib.Path(tikznn.__file__).parent; "
                            "print((p / 'grammar' / 'tikznn.lark').is_file(), (p / 'templates').is_dir(), "
                            f"p.is_relative_to({str(theirs)!r}))"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)
    assert check.stdout.split() == ["True", "True", "True"]  # (the installed tikznn, not this one)
    out = tmp_path / "lenet.pdf"
    run = subprocess.run([str(env_dir / "bin" / "tikznn"), "build", str(EXAMPLES / "lenet.nn"), "-o", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(b"%PDF")
