"""Shared test setup: where the examples are, the one rule for tests that need what a machine may lack (skip, but
fail under CI), and separate Python processes."""
from __future__ import annotations

import importlib
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


def need(present: object, message: str) -> None:
    """A test (or a test module) that needs what this machine lacks is skipped, saying what is missing; under CI,
    which installs everything the tests need (.ci/run), it fails instead, so no test silently stops running there."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{message}, and CI is set: CI installs what the tests need, so this test must run", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def need_module(name: str):
    """The optional module `name` (torch, onnx), as `need` has it."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        need(False, f"could not import {name!r}: {err}")


def pytest_runtest_setup(item):
    """Tests marked `latex` need pdflatex and Poppler."""
    if item.get_closest_marker("latex") is not None:
        missing = [tool for tool in ("pdflatex", "pdftoppm", "pdftocairo") if shutil.which(tool) is None]
        need(not missing, f"{', '.join(missing)} not installed")


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
