"""Fuzzing: random .nn files, made of the language's own words with random sizes and mistakes, through parse →
analyse → layout → TeX. Each must give a figure or a TikznnError (a located message), never a traceback, in
well under a second. A fixed seed and a budget of seconds keep CI repeatable; `TIKZNN_FUZZ=100000` runs more
locally. Every input that ever crashed is kept in tests/data/fuzz/ and run first."""
from __future__ import annotations

import os
import random
import time
import warnings
from pathlib import Path

import pytest

from tikznn import TikznnError, parse, to_tex
from tikznn.errors import TikznnWarning

CASES = Path(__file__).resolve().parent / "data" / "fuzz"
COUNT = int(os.environ.get("TIKZNN_FUZZ", "6000"))  # (about 3 s here; TIKZNN_FUZZ_SECONDS caps the time)
SLOW = 3.0  # seconds: no input may take longer

LINES = [
    "conv {c} k{k} s{s} p{p}", "conv {c} k{k} p{p} bn relu", "conv {c} k{k} dw", "conv {c} k{k}x{k} g{g}",
    "deconv {c} k{k} s{s}", "pool max {k}", "pool avg k{k} s{s}", "pool global", "pool adaptive {k}",
    "upsample {s}", "pixelshuffle {s}", "pixelunshuffle {s}", "shuffle g{g}", "dense {c} relu", "flatten", "bn",
    "relu", "gelu", "softmax", "dropout 0.{k}", "layernorm", "attention h{g}", "attention h{g} win{k} shift",
    "encoder h{g} ff{c}", "embed {c} {c}", "lstm {c} bi", "gru {c} last", "patches {c} k{k}", "classtoken",
    "position", "readout", "scale", "scale {name}", "add {name}", "concat {name}", "op Thing {shape}",
    "part p {shape} w{c} m{c}", "{name} = conv {c} k3 p1", "{name} = dense {c}", "conv {c} k3 x{times}",
    "stage \"{label}\"", "end", "skip {name} -> {name}", "u(2) x{times}", "b({c})", "conv {c} k1 \"{label}\"",
    "width {width}", "height {width}", "layout {layout}", "collapse", "stats", "fontsize 1.{k}", "sizes log",
    "detail blocks", "style {style}", "theme print", "legend", "caption \"{label}\"",
]
INPUTS = ["input 3x{n}x{n}", "input {c}", "input {n} tokens", "input {n}x{c} seq", "input 1x{n}"]
LABELS = ["a", "$x_1$", "$\\alpha^2$", "C1 卷积", "$\\frac{1}{2}$", "50% & #", "$}$", "$\\input{x}$", "\\$5", ""]


def _one(rng: random.Random) -> str:
    names = ["x", "y", "z", "in", "conv#1", "layer1"]

    def fill(template: str) -> str:
        return template.format(
            c=rng.choice([0, 1, 2, 3, 8, 16, 64, 1000, 10 ** 9]), k=rng.choice([0, 1, 2, 3, 5, 7, 16]),
            s=rng.choice([1, 2, 3, 4]), p=rng.choice([0, 1, 2, "same", "valid"]), g=rng.choice([1, 2, 3, 4, 8]),
            n=rng.choice([1, 2, 7, 16, 32, 224]), name=rng.choice(names), times=rng.choice([1, 2, 3, 50]),
            shape=rng.choice(["8x4x4", "16", "0x3", "4x8"]), label=rng.choice(LABELS),
            width=rng.choice(["column", "page", "0cm", "3mm", "17cm", "1in"]),
            layout=rng.choice(["right", "down", "u", "fold", "layered"]),
            style=rng.choice(["blocks", "flat", "graph", "schematic", "nosuch"]))
    lines = []
    if rng.random() < 0.3:
        lines += ["block b(c)", "    conv $c k3 p1 relu", "    add in", "end", "block u(c)", "    conv $c k1", "end"]
    lines.append(fill(rng.choice(INPUTS)))
    for _ in range(rng.randint(0, 14)):
        line = fill(rng.choice(LINES))
        if rng.random() < 0.05:  # a typo
            at = rng.randrange(len(line) + 1)
            line = line[:at] + rng.choice("x= \"$({[#") + line[at:]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _survives(text: str) -> float:
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TikznnWarning)  # (figures too wide for their width: said, not wrong)
        try:
            to_tex(parse(text))
        except TikznnError:
            pass
    return time.monotonic() - started


@pytest.mark.parametrize("case", sorted(CASES.glob("*.nn")) if CASES.is_dir() else [], ids=lambda p: p.stem)
def test_every_input_that_ever_crashed_gives_an_error_not_a_traceback(case):
    assert _survives(case.read_text(encoding="utf-8")) < SLOW


def test_random_networks_give_a_figure_or_an_error_never_a_traceback():
    rng = random.Random(20261206)
    budget = time.monotonic() + float(os.environ.get("TIKZNN_FUZZ_SECONDS", "45"))
    for count in range(COUNT):
        text = _one(rng)
        try:
            took = _survives(text)
        except Exception as err:  # a crash: kept as a case, shown
            CASES.mkdir(parents=True, exist_ok=True)
            (CASES / f"crash_{count}.nn").write_text(text, encoding="utf-8")
            raise AssertionError(f"{type(err).__name__}: {err}\n--- input ---\n{text}") from err
        assert took < SLOW, f"{took:.1f} s for:\n{text}"
        if time.monotonic() > budget:
            break
