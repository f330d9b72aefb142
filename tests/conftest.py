"""Shared test setup: where the examples are, the one rule for tests that need what a machine may lack (skip, but
fail under CI), and separate Python processes."""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import gc
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDENS = Path(__file__).resolve().parent / "goldens"
OUTPUT = Path(__file__).resolve().parent / "output"  # result/expected/diff images of failed comparisons
REGENERATE = bool(os.environ.get("TIKZNN_REGENERATE_GOLDENS"))
# the tests' cache folder (tikznn/cache.py: build stamps, compiled grammar) is their own, not the user's; made by
# the first process of a run (pytest-xdist's workers share it) and removed by it at the end
if not os.environ.get("TIKZNN_CACHE"):
    os.environ["TIKZNN_CACHE"] = tempfile.mkdtemp(prefix="tikznn-test-cache-")
    atexit.register(shutil.rmtree, os.environ["TIKZNN_CACHE"], True)

# a worker holds what its tests keep (PyTorch, torchvision's models, laid-out networks): Python's collector would
# look through all of it every few thousand objects made (4 s of CPU a run, 1.5 with these thresholds)
gc.set_threshold(20_000, 20, 20)


def seeded_cache(folder: Path) -> Path:
    """`folder` as a cache holding what the tests' shared cache has made so far (the compiled grammar and
    templates, the preloaded formats; pdflatex's usual format is made there first, once for every worker): a test
    about something else does not pay for making them again."""
    shared = Path(os.environ["TIKZNN_CACHE"])
    with open(shared / "seeding.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shutil.which("pdflatex") and not (shared / "seeded").exists():
            from tikznn import build
            with tempfile.TemporaryDirectory() as made:
                (Path(made) / "small.nn").write_text("input 3x8x8\n")
                build(Path(made) / "small.nn", Path(made) / "small.pdf", engine="pdflatex")
            (shared / "seeded").touch()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    made_there = [*shared.glob("grammar-*.lark"), *shared.glob("preamble-*.fmt"), *shared.glob("preamble-last"),
                  *shared.glob("preamble-lines"), *shared.glob("preamble-begun")]
    for made in made_there:
        shutil.copy2(made, folder / made.name)
    if (shared / "templates").is_dir():
        shutil.copytree(shared / "templates", folder / "templates", dirs_exist_ok=True)
    return folder


# tests build in processes of their own and measure them one by one: no warm builder (tikznn/warm.py) serves or
# outlives them, except in test_warm.py, which starts its own
os.environ["TIKZNN_WARM"] = "0"

# Modules `make check` (the quick loop: -m "not latex and not slow and not torch and not processes") leaves out, by
# what they need; they are not even imported then (importing torch alone takes seconds).
MARKED_MODULES = {"test_torch.py": "torch", "test_torchvision.py": "torch", "test_import.py": "torch",
                  "test_export.py": "torch", "test_maps.py": "torch", "test_cli.py": "processes", "test_warm.py": "processes", "test_lsp.py": "processes",
                  "test_serve.py": "processes"}


def pytest_ignore_collect(collection_path, config):
    marker = MARKED_MODULES.get(collection_path.name)
    return True if marker and f"not {marker}" in (config.option.markexpr or "") else None


# Modules whose module-scoped fixtures cost seconds (torchvision's models imported, the thesis built, a warm builder
# started, a notebook run, ResNet-18 converted to every format), and session fixtures as costly: the tests that
# share one run on one pytest-xdist worker (`--dist loadgroup`, as `make test` runs them), which makes it once. So
# do the tests that need PyTorch (which they import when they run, not when pytest collects them): one worker
# imports it.
SHARED_MODULES = {"test_torchvision.py": "torch", "test_torch.py": "torch", "test_import.py": "torch",
                  "test_export.py": "torch", "test_maps.py": "torch", "test_thesis.py": "thesis",
                  "test_warm.py": "warm", "test_notebook.py": "notebook", "test_svg.py": "svg"}
SHARED_FIXTURES = {"made_in_two_processes"}


@pytest.hookimpl(tryfirst=True)  # (before pytest-xdist's own hook reads the groups)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in MARKED_MODULES:
            item.add_marker(MARKED_MODULES[item.path.name])
        shared = [SHARED_MODULES[item.path.name]] if item.path.name in SHARED_MODULES else \
            sorted(SHARED_FIXTURES & set(getattr(item, "fixturenames", ())))
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))


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


# What figures need beyond pdflatex and Poppler: another engine, and the fonts templates/standalone.tex.j2 names
# for scripts pdflatex cannot set (make demo installs none of them; CI installs them all: .ci/run); or, under
# pdflatex, Chinese (make demo installs it). Programs have no dot; TeX files have one and kpsewhich finds them.
ENGINE = {"xelatex": ("xelatex", "fontspec.sty", "lmroman10-regular.otf"),
          "lualatex": ("lualatex", "fontspec.sty", "luaotfload.sty", "luatex85.sty", "lmroman10-regular.otf")}
CHINESE_FONT, WIDE_FONT, KOREAN_FONT = "AR PL SungtiL GB", "DejaVu Serif", "NanumMyeongjo"
CJK = ("CJKutf8.sty", "c70gbsn.fd")


@functools.cache
def _installed(name: str) -> bool:
    if "." not in name:
        return shutil.which(name) is not None
    kpsewhich = shutil.which("kpsewhich")
    return kpsewhich is not None and bool(subprocess.run([kpsewhich, name], capture_output=True, text=True).stdout)


@functools.cache
def _font_installed(family: str) -> bool:
    fc_list = shutil.which("fc-list")
    return fc_list is not None and bool(subprocess.run([fc_list, family], capture_output=True, text=True).stdout)


def need_tex(*names: str, fonts: tuple[str, ...] = ()) -> None:
    """The programs ('xelatex') and TeX files ('luatex85.sty') a test needs, and the font families, as `need` has
    them."""
    missing = [name for name in names if not _installed(name)]
    missing += [f"the font {family}" for family in fonts if not _font_installed(family)]
    need(not missing, f"{', '.join(missing)} not installed")


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


def as_typed(*args, cwd: Path | None = None, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    """`tikznn args` in a process of its own, as a shell runs it (`env`: its whole environment; `options` for
    subprocess.run, over: its output captured as text, no input, two minutes at most)."""
    options = {"capture_output": True, "text": True, "stdin": subprocess.DEVNULL, "timeout": 120, **options}
    return subprocess.run([sys.executable, "-m", "tikznn", *map(str, args)], cwd=cwd, env=env, **options)


def tikznn(*args, cwd: Path | None = None, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    """`tikznn args` run as the installed command runs it (its entry point, output and exit code), in this process:
    a test of what the command says costs no Python start (nor, for `import`, PyTorch's). The working folder,
    environment (`env` added to it), standard streams, arguments, umask, sys.path and warning filters are this
    call's and restored after it."""
    from tikznn import console, latex
    from tikznn.errors import exit_status

    argv, folder, environ, streams = sys.argv, os.getcwd(), dict(os.environ), (sys.stdin, sys.stdout, sys.stderr)
    path, umask = list(sys.path), os.umask(0o022)  # (a model's folder goes on sys.path; the umask is read by setting it)
    os.umask(umask)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        sys.argv = ["tikznn", *map(str, args)]
        sys.stdin = io.StringIO(stdin)
        os.environ.update(env or {})
        os.chdir(cwd or folder)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.resetwarnings()  # Python's own filters and output, not pytest's: a warning reaches stderr
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: err.write(
                warnings.formatwarning(message, category, filename, lineno, line))
            code = console.main() or 0  # (a build returns its status; other commands end by SystemExit)
    except SystemExit as exit:  # (as Python ends a process: a code that is not a number is printed, status 1)
        with contextlib.redirect_stderr(err):
            code = exit_status(exit)
    finally:
        latex.stop_early()  # (a head start no build took: a process of its own would have ended)
        sys.argv, (sys.stdin, sys.stdout, sys.stderr), sys.path[:] = argv, streams, path
        os.umask(umask)
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(environ)
    return subprocess.CompletedProcess(["tikznn", *map(str, args)], code, out.getvalue(), err.getvalue())


# Every example's layout (every field, as text that does not depend on the order a set is iterated in, since
# equality does not either) and TeX, made in a process of its own
EVERY_EXAMPLE_MADE = """
import dataclasses, json, sys
from pathlib import Path
from tikznn import parse_file, to_tex
from tikznn.layout import layout

def plain(value):
    if dataclasses.is_dataclass(value):
        return [type(value).__name__, {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(item) for item in value), key=repr)
    if isinstance(value, dict):
        return [[plain(key), plain(item)] for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return repr(value)

print(json.dumps({path.stem: {"layout": plain(layout(parse_file(path))), "tex": to_tex(parse_file(path))}
                  for path in sorted(Path(sys.argv[1]).glob("*.nn"))}))
"""


@pytest.fixture(scope="session")
def made_in_two_processes() -> list[dict]:
    """Every example's layout and TeX ({name: {"layout": …, "tex": …}}), made by two Python processes with
    different hash seeds."""
    return [json.loads(run_python(EVERY_EXAMPLE_MADE, EXAMPLES, seed=seed)) for seed in (1, 2)]


EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.nn"))


@pytest.fixture(params=EXAMPLE_NAMES)
def example(request) -> Path:
    return EXAMPLES / f"{request.param}.nn"
