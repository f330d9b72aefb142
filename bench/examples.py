"""Build times as ratios measured in one run (`make bench`; not part of the tests):

1. each example: tikznn's whole build (a fresh process, as make runs it) against bare pdflatex on the .tex it
   writes, and a no-op rebuild (the same command again, nothing changed) against that build;
2. twenty figures built one after another and with -j (all cores);
3. generated chains of 100, 1,000 and 5,000 layers: build time and peak memory.

    python bench/examples.py [--runs N] [example ...]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIKZNN = [sys.executable, "-m", "tikznn"]


def timed(command, cwd, env=None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def peak(command, cwd, env) -> tuple[float, int, bool]:
    """Seconds, peak resident memory in MB of the command and its children (GNU time), and success."""
    start = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    kilobytes = int(run.stderr.strip().splitlines()[-1]) if run.stderr.strip() else 0
    return seconds, kilobytes // 1024, run.returncode == 0


def examples(names, runs, folder, env) -> None:
    print(f"## Examples (median of {runs} runs, interleaved)\n")
    print("| example | blocks+balls | tikznn build (s) | bare pdflatex (s) | ratio | no-op rebuild (s) "
          "| no-op / build |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        source = ROOT / "examples" / f"{name}.nn"
        tex = Path(folder, f"{name}.tex")
        subprocess.run(TIKZNN + ["tex", str(source), "-o", str(tex)], check=True, env=env)
        shapes = sum(1 for line in tex.read_text().splitlines() if line.startswith("% nn:") and " " in line[5:])
        build, bare, noop = [], [], []
        for run in range(runs):
            out = str(Path(folder, f"{name}-{run}.pdf"))  # a new output each time: a real build
            build.append(timed(TIKZNN + ["build", str(source), "-o", out], folder, env))
            noop.append(timed(TIKZNN + ["build", str(source), "-o", out], folder, env))
            bare.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", tex.name], folder))
        b, p, n = statistics.median(build), statistics.median(bare), statistics.median(noop)
        print(f"| {name} | {shapes} | {b:.2f} | {p:.2f} | {b / p:.2f} | {n:.3f} | {n / b:.3f} |")


def many(names, folder, env) -> None:
    sources = []
    for i in range(20):
        name = names[i % len(names)]
        path = Path(folder, "many", f"{i:02d}-{name}.nn")
        path.parent.mkdir(exist_ok=True)
        path.write_text((ROOT / "examples" / f"{name}.nn").read_text())
        sources.append(str(path))
    cores = os.cpu_count() or 1
    serial = timed(TIKZNN + ["build", *sources, "-o", str(Path(folder, "serial")) + "/"], folder, env)
    parallel = timed(TIKZNN + ["build", *sources, "-j", str(cores), "-o", str(Path(folder, "parallel")) + "/"],
                     folder, env)
    print(f"\n## Twenty figures\n\n| one at a time (s) | -j {cores} (s) | ratio |\n|---|---|---|")
    print(f"| {serial:.1f} | {parallel:.1f} | {parallel / serial:.2f} |")


def generated(folder, env) -> None:
    print("\n## Generated chains\n\n| layers | tikznn build (s) | peak memory (MB) | result |\n|---|---|---|---|")
    for count in (100, 1000, 5000):
        lines = ["input 16x32x32"] + ["conv 16 k3 p1 relu" if i % 3 else "conv 16 k1" for i in range(count - 1)]
        path = Path(folder, f"chain{count}.nn")
        path.write_text("\n".join(lines) + "\n")
        seconds, megabytes, ok = peak(TIKZNN + ["build", path.name, "--timeout", "600"], folder, env)
        print(f"| {count} | {seconds:.1f} | {megabytes} | {'built' if ok else 'failed'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(p.stem for p in (ROOT / "examples").glob("*.nn")))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "TIKZNN_CACHE": str(Path(folder, "cache"))}
        examples(args.names, args.runs, folder, env)
        many(args.names, folder, env)
        generated(folder, env)


if __name__ == "__main__":
    main()
