"""How each example prints at a paper's widths (not part of the tests): built with only `--width`, its smallest
text in pt and its height in inches, measured from the PDF as ../shared/reference/fit.md says; and what composing
it for the narrowest width costs, against drawing it once (ratios measured in one run).

    python bench/fit.py [--widths 7in,3.5in] [--no-pdf] [example ...]
    python bench/fit.py tests/data/zoo/*.nn        # .nn files anywhere, by path
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from printsize import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", default="7in,3.5in")
    parser.add_argument("--no-pdf", action="store_true", help="only the composition times")
    parser.add_argument("names", nargs="*", help="example names (resnet50) or paths of .nn files")
    args = parser.parse_args()
    files = [source(name) for name in args.names] or sorted((ROOT / "examples").glob("*.nn"))
    widths = args.widths.split(",")
    composition_times(files, widths[-1])
    if not args.no_pdf:
        printed(files, widths)


def source(name: str) -> Path:
    """An example's name, or a path to a .nn file (relative to the current folder)."""
    path = Path(name).resolve() if name.endswith(".nn") or "/" in name else ROOT / "examples" / f"{name}.nn"
    if not path.is_file():
        sys.exit(f"fit.py: no such file: {path}")
    return path


def composition_times(files: list[Path], width: str, runs: int = 3) -> None:
    """Seconds to compose each example for `width` (every choice drawn until one prints at 6 pt) and to draw it
    once as written, medians of `runs`."""
    sys.path.insert(0, str(ROOT))
    from tikznn import layout, parse_file, styles
    from tikznn.compose import compose
    from tikznn.shapes import analyse
    print(f"## Composing for {width} (median of {runs} runs)\n")
    print("| example | compose (s) | draw once (s) | ratio | chosen |")
    print("|---|---|---|---|---|")
    for path in files:
        name, network = path.stem, parse_file(path)
        figure, analysis = network.figure.but(width=width), analyse(network)
        draw = lambda choice: styles.draw(network, analysis, choice)  # noqa: E731
        once, whole, chosen = [], [], ""
        for _ in range(runs):
            layout._PLANNED.clear()  # each measure from nothing: composing keeps the drawings its fits share
            start = time.perf_counter()
            draw(figure)
            once.append(time.perf_counter() - start)
            layout._PLANNED.clear()
            start = time.perf_counter()
            chosen = compose(network, figure, draw, wraps=styles.wraps(figure.style)).chosen
            whole.append(time.perf_counter() - start)
        a, b = statistics.median(whole), statistics.median(once)
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.1f} | {chosen or 'as written'} |", flush=True)
    print()


def printed(files: list[Path], widths: list[str]) -> None:
    print("| example | " + " | ".join(f"{w}: smallest pt | height in" for w in widths) + " |")
    print("|---|" + "---|---|" * len(widths))
    with tempfile.TemporaryDirectory() as folder:
        for path in files:
            name, cells = path.stem, []
            for width in widths:
                pdf = Path(folder) / f"{name}-{width}.pdf"
                run = subprocess.run([sys.executable, "-m", "tikznn", "build", str(path),
                                      "--width", width, "-o", str(pdf)], capture_output=True, text=True)
                if run.returncode:
                    cells += ["failed", ""]
                    continue
                printed = measure(pdf)
                cells += [f"{printed.smallest_pt:.1f} ({printed.smallest_word})", f"{printed.height_in:.1f}"]
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
