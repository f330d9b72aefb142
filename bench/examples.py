"""Build time of each example: tikznn's whole build (a fresh process, as make runs it) against bare pdflatex on
the very .tex it writes, measured in one run and reported as a ratio. Run with `make bench`."""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def timed(command, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    tikznn = [sys.executable, "-m", "tikznn"]
    names = sys.argv[1:] or ["lenet", "fcn8", "resnet18"]
    print(f"median of {RUNS} runs each, interleaved\n")
    print("| example | blocks+balls | tikznn build (s) | bare pdflatex (s) | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            source = ROOT / "examples" / f"{name}.nn"
            tex = Path(folder, f"{name}.tex")
            subprocess.run(tikznn + ["tex", str(source), "-o", str(tex)], check=True)
            shapes = sum(1 for line in tex.read_text().splitlines() if line.startswith("% nn:") and " " in line[5:])
            build, bare = [], []
            for _ in range(RUNS):
                build.append(timed(tikznn + ["build", str(source), "-o", str(Path(folder, f"{name}-out.pdf"))],
                                   folder))
                bare.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", tex.name], folder))
            b, p = statistics.median(build), statistics.median(bare)
            print(f"| {name} | {shapes} | {b:.2f} | {p:.2f} | {b / p:.2f} |")


if __name__ == "__main__":
    main()
