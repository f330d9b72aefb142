"""Bad input through the command line (in this process, for speed): every mistake ends with its stable exit code, a message that points
at the .nn source (file:line:col, the line, a caret), no traceback, within seconds, and no output file."""
from __future__ import annotations

import contextlib
import io
import os
import random
import re
import string
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

# exit codes from tikznn/errors.py
PARSE, SHAPE, LATEX, FILE = 3, 4, 6, 8

QUICK = 10.0         # seconds a failure without LaTeX should take at most (it is well under one in practice)
OUTPUT_SUFFIXES = (".pdf", ".png", ".svg")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def tikznn_build(folder: Path, *args: str) -> Run:
    """`tikznn build ARGS` run in `folder` in this process (as the command runs it, from its argument parsing to its
    exit code; test_cli.py runs the real command), so that messages name files as the user typed them."""
    from tikznn.cli import main
    out, err, code = io.StringIO(), io.StringIO(), 0
    start, here, argv = time.monotonic(), os.getcwd(), sys.argv
    debug = os.environ.pop("TIKZNN_DEBUG", None)
    try:
        os.chdir(folder)
        sys.argv = ["tikznn", "build", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            main()
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        os.chdir(here)
        sys.argv = argv
        if debug is not None:
            os.environ["TIKZNN_DEBUG"] = debug
    return Run(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in OUTPUT_SUFFIXES)


def assert_failed_cleanly(run: Run, code: int, folder: Path, inputs: set[str], limit: float = QUICK) -> None:
    assert run.code == code, f"exit code {run.code}, expected {code}\n{run.output}"
    assert "Traceback" not in run.output, run.output
    assert "internal error" not in run.output, run.output
    assert run.stderr.strip(), "a failure must say why on stderr"
    assert run.seconds < limit, f"took {run.seconds:.1f} s"
    assert outputs(folder) == [], f"a failed build wrote {outputs(folder)}"
    # nothing else either: no .tex, .log or half-written temporary file next to the input
    assert {p.name for p in folder.iterdir()} == inputs, sorted(p.name for p in folder.iterdir())


def assert_points_at(run: Run, path: str, line: int, column: int, source_line: str, marks: int | None = None):
    """stderr names path:line:column, then shows the source line and a caret under the column."""
    lines = run.stderr.splitlines()
    assert lines and lines[0].startswith(f"{path}:{line}:{column}: "), run.stderr
    shown = next((i for i, text in enumerate(lines) if re.fullmatch(rf"\s*{line} \| .*", text)), None)
    assert shown is not None, f"source line {line} is not shown:\n{run.stderr}"
    bar = lines[shown].index("| ") + 2
    assert lines[shown][bar:] == source_line, run.stderr
    caret = lines[shown + 1] if shown + 1 < len(lines) else ""
    assert re.fullmatch(r"\s*\| *\^+", caret), f"no caret line under the source:\n{run.stderr}"
    assert caret.index("^") - bar == column - 1, f"the caret is not under column {column}:\n{run.stderr}"
    if marks is not None:
        assert caret.count("^") == marks, run.stderr


# -- located mistakes in .nn text ------------------------------------------------------------------------------

@dataclass
class Case:
    text: str | bytes
    code: int
    line: int
    column: int
    says: tuple[str, ...] = ()     # in the message (the first line of stderr)
    hint: tuple[str, ...] = ()     # on the hint line(s)
    marks: int | None = None       # number of carets, when it matters


CASES = {
    "syntax-stray-equals": Case("input 3x32x32\nconv 64 k3 = 4\n", PARSE, 2, 12, ("unexpected '='",)),
    "syntax-missing-number": Case("input 3x32x32\nconv\n", PARSE, 2, 5, ("expected a whole number",)),
    "syntax-skip-without-arrow": Case("input 3x32x32\na = conv 8 k3\nb = conv 8 k3\nskip a b\n", PARSE, 4, 8,
                                      ("expected '->'",)),
    "syntax-bad-shape": Case("input 3x\n", PARSE, 1, 7, ("unexpected '3x'", "shape")),
    "unknown-layer-kind": Case("input 3x32x32\nconvv 64 k3\n", PARSE, 2, 1, ("unknown layer 'convv'",),
                               ("did you mean 'conv'",), marks=5),
    "misspelt-option": Case("input 3x32x32\nconv 64 k3 rellu\n", PARSE, 2, 12, ("unexpected 'rellu'",),
                            ("did you mean 'relu'",), marks=5),
    "undefined-reference": Case("input 3x32x32\nconv 8 k3\nadd nope\n", PARSE, 3, 5, ("undefined layer 'nope'",),
                                marks=4),
    "undefined-from": Case("input 3x32x32\nstem = conv 8 k3\nconv 8 k1 from stme\n", PARSE, 3, 16,
                           ("undefined layer 'stme'",), ("did you mean 'stem'",)),
    "duplicate-name": Case("input 3x32x32\na = conv 8 k3\na = conv 8 k3\n", PARSE, 3, 1,
                           ("duplicate name 'a'", "line 2")),
    "skip-cycle": Case("input 3x32x32\na = conv 8 k3\nb = conv 8 k3\nskip b -> a\n", PARSE, 4, 1,
                       ("skip 'b -> a'", "cycle")),
    "skip-to-itself": Case("input 3x32x32\na = conv 8 k3\nskip a -> a\n", PARSE, 3, 1, ("to itself",)),
    "kernel-bigger-than-input": Case("input 3x8x8\nconv 8 k11\n", SHAPE, 2, 1, ("11×11", "8×8", "the input on line 1"),
                                     ("smaller kernel",)),
    "add-mismatched-shapes": Case("input 3x32x32\na = conv 64 k3 p1\nb = conv 128 k3 s2 p1\nadd a b\n", SHAPE, 4, 1,
                                  ("cannot add", "'a' (64×32×32)", "'b' (128×16×16)"),
                                  ("1×1 conv", "stride 2", "128 channels")),
    "dense-without-flatten": Case("input 3x32x32\nconv 8 k3\ndense 10\n", SHAPE, 3, 1,
                                  ("dense needs a flat vector", "8×30×30"), ("flatten",)),
    "not-utf8": Case(b"input 3x32x32\nconv 8 k3 \"caf\xe9\"\n", PARSE, 2, 15, ("not UTF-8",), ("UTF-8",)),
}


def _source_line(text: str | bytes, line: int) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text.split("\n")[line - 1].rstrip("\r")


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_located_mistake(tmp_path, case):
    path = tmp_path / "bad.nn"
    (path.write_bytes if isinstance(case.text, bytes) else path.write_text)(case.text)
    run = tikznn_build(tmp_path, "bad.nn")
    assert_failed_cleanly(run, case.code, tmp_path, {"bad.nn"})
    assert_points_at(run, "bad.nn", case.line, case.column, _source_line(case.text, case.line), case.marks)
    message = run.stderr.splitlines()[0]
    for words in case.says:
        assert words in message, run.stderr
    hints = "\n".join(text for text in run.stderr.splitlines() if text.startswith("hint:"))
    for words in case.hint:
        assert words in hints, run.stderr


def test_the_add_message_names_both_layers_and_lines(tmp_path):
    """The message of a shape mismatch says which layers and where, even without the excerpt."""
    (tmp_path / "res.nn").write_text("input 64x56x56\nx = conv 64 k3 p1\nconv 128 k3 s2 p1\nadd x relu\n")
    run = tikznn_build(tmp_path, "res.nn")
    assert_failed_cleanly(run, SHAPE, tmp_path, {"res.nn"})
    assert_points_at(run, "res.nn", 4, 1, "add x relu")
    first = run.stderr.splitlines()[0]
    assert "the conv on line 3 (128×28×28)" in first and "'x' (64×56×56)" in first, run.stderr
    assert "stride 2" in run.stderr and "1×1 conv" in run.stderr and "128 channels" in run.stderr


def test_crlf_line_endings_keep_the_location(tmp_path):
    (tmp_path / "dos.nn").write_bytes(b"input 3x32x32\r\nconv 8 k3\r\nadd nope\r\n")
    run = tikznn_build(tmp_path, "dos.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"dos.nn"})
    assert_points_at(run, "dos.nn", 3, 5, "add nope", marks=4)


# -- files that are no .nn text at all -------------------------------------------------------------------------

def _unlocated(run: Run, path: str, words: str) -> None:
    first = run.stderr.splitlines()[0]
    assert first.startswith(f"{path}: "), run.stderr
    assert words in first, run.stderr


def test_empty_file(tmp_path):
    (tmp_path / "empty.nn").write_text("")
    run = tikznn_build(tmp_path, "empty.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"empty.nn"})
    _unlocated(run, "empty.nn", "no input line")


def test_only_comments(tmp_path):
    (tmp_path / "notes.nn").write_text('# just a note\nnetwork "Nothing"\n\n')
    run = tikznn_build(tmp_path, "notes.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"notes.nn"})
    _unlocated(run, "notes.nn", "no input line")


def test_binary_file(tmp_path):
    (tmp_path / "weights.nn").write_bytes(b"input 3x32x32\n\x00\x01\x02\xff\xfe conv\x00" * 50)
    run = tikznn_build(tmp_path, "weights.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"weights.nn"})
    _unlocated(run, "weights.nn", "binary file")


def test_ten_megabytes_of_random_printable_text(tmp_path):
    rng = random.Random(20240601)
    printable = string.printable.encode()
    table = bytes(printable[i % len(printable)] for i in range(256))
    (tmp_path / "noise.nn").write_bytes(rng.randbytes(10_000_000).translate(table))
    run = tikznn_build(tmp_path, "noise.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"noise.nn"})
    _unlocated(run, "noise.nn", "10,000,000 bytes")


def test_random_printable_text_under_the_size_limit(tmp_path):
    """Noise that is small enough to be parsed is still refused quickly, with a located syntax error."""
    rng = random.Random(7)
    noise = "".join(rng.choice(string.ascii_letters + string.digits + string.punctuation + " \n")
                    for _ in range(200_000))
    (tmp_path / "noise.nn").write_text(noise)
    run = tikznn_build(tmp_path, "noise.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"noise.nn"})
    assert re.match(r"noise\.nn:\d+:\d+: ", run.stderr), run.stderr


def test_missing_file(tmp_path):
    run = tikznn_build(tmp_path, "missing.nn")
    assert_failed_cleanly(run, FILE, tmp_path, set())
    assert "missing.nn" in run.stderr and "cannot read" in run.stderr, run.stderr


def test_missing_file_message_starts_with_the_path(tmp_path):
    run = tikznn_build(tmp_path, "missing.nn")
    assert run.stderr.startswith("missing.nn: "), run.stderr


def test_one_bad_file_among_good_ones_still_fails_with_its_code(tmp_path):
    """With several inputs the exit code is the first failure's; the bad file writes nothing."""
    (tmp_path / "a.nn").write_text("input 3x32x32\nconvv 8\n")
    (tmp_path / "b.nn").write_text("input 3x8x8\nconv 8 k11\n")
    run = tikznn_build(tmp_path, "a.nn", "b.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"a.nn", "b.nn"})
    assert "a.nn:2:1: " in run.stderr and "b.nn:2:1: " in run.stderr, run.stderr


# -- mistakes the package does not catch yet (strict: they fail the suite once fixed, so the mark goes) --------

def test_zero_stride_is_a_located_error(tmp_path):
    (tmp_path / "zero.nn").write_text("input 3x32x32\nconv 8 k3 s0\n")
    run = tikznn_build(tmp_path, "zero.nn")
    assert run.code in (PARSE, SHAPE), run.output
    assert_failed_cleanly(run, run.code, tmp_path, {"zero.nn"})
    assert run.stderr.startswith("zero.nn:2:"), run.stderr


def test_deconv_with_a_negative_output_is_a_shape_error(tmp_path):
    (tmp_path / "neg.nn").write_text("input 3x8x8\ndeconv 8 k1 s1 p20\n")
    run = tikznn_build(tmp_path, "neg.nn")
    assert_failed_cleanly(run, SHAPE, tmp_path, {"neg.nn"})


def test_a_form_feed_in_a_comment_does_not_shift_the_excerpt(tmp_path):
    (tmp_path / "ff.nn").write_text("input 3x32x32  # page\fbreak\nconvv 8\n")
    run = tikznn_build(tmp_path, "ff.nn")
    assert_failed_cleanly(run, PARSE, tmp_path, {"ff.nn"})
    assert_points_at(run, "ff.nn", 2, 1, "convv 8")


# -- LaTeX ------------------------------------------------------------------------------------------------------

@pytest.mark.latex
def test_label_that_breaks_latex(tmp_path):  # (the latex mark: pdflatex is installed, or under CI the test fails)
    (tmp_path / "tex.nn").write_text('network "bad macro"\ninput 3x32x32\nconv 8 k3 "$x^$"\n')
    run = tikznn_build(tmp_path, "tex.nn")
    assert_failed_cleanly(run, LATEX, tmp_path, {"tex.nn"}, limit=60.0)
    assert_points_at(run, "tex.nn", 3, 1, 'conv 8 k3 "$x^$"')
    assert "Missing" in run.stderr.splitlines()[0], run.stderr


@pytest.mark.latex
def test_a_failed_build_leaves_the_earlier_pdf_untouched(tmp_path):
    source = tmp_path / "net.nn"
    source.write_text("input 3x32x32\nconv 16 k3 p1 relu \"C1\"\npool max 2\n")
    good = tikznn_build(tmp_path, "net.nn")
    assert good.code == 0, good.output
    pdf = tmp_path / "net.pdf"
    before = pdf.read_bytes()
    assert before.startswith(b"%PDF")
    stamp = pdf.stat().st_mtime_ns

    for broken, code in [("input 3x32x32\nconvv 16 k3\n", PARSE), ("input 3x8x8\nconv 8 k11\n", SHAPE),
                         ('input 3x32x32\nconv 16 k3 "$x^$"\n', LATEX)]:
        source.write_text(broken)
        run = tikznn_build(tmp_path, "net.nn")
        assert run.code == code, run.output
        assert "Traceback" not in run.output, run.output
        assert pdf.read_bytes() == before
        assert pdf.stat().st_mtime_ns == stamp
        assert sorted(p.name for p in tmp_path.iterdir()) == ["net.nn", "net.pdf"]
