"""Shared test setup: where the examples are, the rule for tests that need TeX, and separate Python processes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDENS = Path(__file__).resolve().parent / "goldens"
OUTPUT = Path(__file__).resolve().parent / "output"  # result/expected/diff images of failed comparisons
REGENERATE = bool(os.environ.get("TIKZNN_REGENERATE_GOLDENS"))
# the tests' cache folder (tikznn/cache.py: build stamps, compiled grammar) is their own, not the user's
os.environ.setdefault("TIKZNN_CACHE", tempfile.mkdtemp(prefix="tikznn-test-cache-"))


def pytest_runtest_setup(item):
    """Tests marked `latex` need pdflatex and Poppler: skipped without them, except under CI, where they fail."""
    if item.get_closest_marker("latex") is None:
        return
    missing = [tool for tool in ("pdflatex", "pdftoppm", "pdftocairo") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}, and CI is set: TeX tests must run in CI", pytrace=False)
        pytest.skip(message)


def run_python(code: str, *args, seed: int, cwd: Path | None = None) -> str:
    """The output of `python -c code args` in a process of its own with PYTHONHASHSEED=seed: two seeds order
    the same set of strings differently, so output that depends on such an order differs between two runs."""
    run = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONHASHSEED=str(seed)), stdin=subprocess.DEVNULL, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.nn"))


@pytest.fixture(params=EXAMPLE_NAMES)
def example(request) -> Path:
    return EXAMPLES / f"{request.param}.nn"
