"""Build times as ratios measured in one run (`make bench`; not part of the tests):

1. each example: tikznn's whole build (a fresh `tikznn` process, as make runs it), served by the warm builder
   (warm.py) and without one (TIKZNN_WARM=0), against bare pdflatex on the .tex it writes, against the floor
   (pdflatex on that .tex with tikznn's preloaded format), and against the same figure in straightforward TikZ
   (what a person would type, see plain_tikz.py); and a no-op rebuild (the same command again, nothing changed)
   against the build;
2. twenty figures built one after another and with -j (all cores);
3. pdflatex time per block of the TikZ tikznn writes against the same figure in straightforward TikZ;
4. generated networks of 10, 100, 1,000 and 5,000 layers: build time (also beyond what the 10-layer one takes: the
   cost of any build) and peak memory;
5. each drawing style: its build against bare pdflatex on the .tex it writes;
6. the layout stage alone (no TeX) on graphs where every layer is fed by all before it: layout layered against
   the default layout;
7. `tikznn watch`: from a saved edit to the new PDF, against the floor.

    python bench/examples.py [--runs N] [--part examples|many|per-block|generated|styles|layered|watch] [example ...]
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
# the `tikznn` command as a user types it (the script pip installs beside this Python); `python -m tikznn` costs
# 10 ms more (runpy), which is not the build's
_SCRIPT = Path(sys.executable).with_name("tikznn")
TIKZNN = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "tikznn"]


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
    sys.path.insert(0, str(ROOT / "bench"))
    from plain_tikz import plain
    print(f"## Examples (median of {runs} runs, interleaved; ratios: the median of those of runs side by side)\n")
    print("| example | blocks+balls | build, warm (s) | build, no warm builder (s) | bare pdflatex (s) | warm / bare "
          "| cold / bare | floor: pdflatex, preloaded format (s) | warm / floor | cold / floor "
          "| bare pdflatex, straightforward TikZ (s) | warm / that | no-op rebuild (s) | no-op / warm build "
          "| no-op / build, no warm builder |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    cold_env = dict(env, TIKZNN_WARM="0")
    start_warm_builder(names[0], folder, env)
    for name in names:
        source = ROOT / "examples" / f"{name}.nn"
        tex = Path(folder, f"{name}.tex")
        subprocess.run(TIKZNN + ["tex", str(source), "-o", str(tex)], check=True, env=env)
        straight = Path(folder, f"{name}-plain.tex")
        straight.write_text(plain(tex.read_text()))
        shapes = sum(1 for line in tex.read_text().splitlines() if line.startswith("% nn:") and " " in line[5:])
        build, cold, bare, floor, bare_plain, noop = [], [], [], [], [], []
        preloaded = None
        for run in range(runs):  # (each build timed next to what it is weighed against: the ratios are paired)
            out = str(Path(folder, f"{name}-{run}.pdf"))  # a new output each time: a real build
            bare.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", tex.name], folder))
            cold.append(timed(TIKZNN + ["build", str(source), "-o", f"{out}-cold.pdf"], folder, cold_env))
            build.append(timed(TIKZNN + ["build", str(source), "-o", out], folder, env))
            preloaded = preloaded or linked_format(tex, env)
            floor.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", f"-fmt={preloaded}",
                                tex.name], folder) if preloaded else float("nan"))
            noop.append(timed(TIKZNN + ["build", str(source), "-o", out], folder, env))
            bare_plain.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", straight.name], folder))
        b, c, p, f, q, n = (statistics.median(x) for x in (build, cold, bare, floor, bare_plain, noop))
        ratios = [paired(*pair) for pair in ((build, bare), (cold, bare), (build, floor), (cold, floor),
                                             (build, bare_plain), (noop, build), (noop, cold))]
        print(f"| {name} | {shapes} | {b:.2f} | {c:.2f} | {p:.2f} | {ratios[0]:.2f} | {ratios[1]:.2f} | {f:.2f} | "
              f"{ratios[2]:.2f} | {ratios[3]:.2f} | {q:.2f} | {ratios[4]:.2f} | {n:.3f} | {ratios[5]:.3f} | "
              f"{ratios[6]:.3f} |")


def paired(times: list[float], against: list[float]) -> float:
    """The median of the ratios of runs timed side by side: this machine's speed drifts by up to half within a
    minute, which a ratio of two medians taken apart would keep."""
    return statistics.median(t / a for t, a in zip(times, against))


def start_warm_builder(name: str, folder, env) -> None:
    """Build once so that a warm builder starts, and wait until it listens (it leaves when the cache is removed)."""
    subprocess.run(TIKZNN + ["build", str(ROOT / "examples" / f"{name}.nn"), "-o", str(Path(folder, "warm.pdf"))],
                   cwd=folder, env=env, check=True)
    for _ in range(100):
        if list(Path(env["TIKZNN_CACHE"]).glob("warm-*.sock")):
            return
        time.sleep(0.1)
    print("(no warm builder started: the warm column is built without one)")


def linked_format(tex: Path, env) -> str | None:
    """The format tikznn built this figure with (the cache names the last one used), linked beside its .tex; None
    for a figure of another engine."""
    from tikznn.latex import engine_of
    if engine_of(tex.read_text()) != "pdflatex":
        return None
    last = Path(env["TIKZNN_CACHE"], "preamble-last")
    link = tex.with_name(f"{tex.stem}-format.fmt")
    link.unlink(missing_ok=True)
    link.symlink_to(Path(env["TIKZNN_CACHE"], last.read_text().strip()))
    return link.stem


def many(names, folder, env) -> None:
    import shutil
    shutil.copytree(ROOT / "examples" / "images", Path(folder, "many", "images"))  # (what examples show)
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


def network(layers: int) -> str:
    """A generated VGG-like network: two convolutions and a stride-1 pool, repeated, wrapped onto rows."""
    pattern = ["conv 16 k3 p1 relu", "conv 16 k3 p1 relu", "pool max k3 s1 p1"]
    return "\n".join(["input 16x32x32"] + [pattern[i % 3] for i in range(layers - 1)]) + "\n"


def bare_pdflatex(tex: Path, runs: int) -> float:
    return statistics.median(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", tex.name], tex.parent)
                             for _ in range(runs))


def per_block(folder, env, runs) -> None:
    """pdflatex time per block of tikznn's TikZ against the same figure in straightforward TikZ (plain_tikz.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from plain_tikz import plain
    times, shapes = {}, {}
    for layers in (30, 300):
        source = Path(folder, f"net{layers}.nn")
        source.write_text(network(layers))
        ours = Path(folder, f"net{layers}.tex")
        subprocess.run(TIKZNN + ["tex", source.name, "-o", ours.name, "--width", "100cm", "--wrap"], cwd=folder,
                       check=True, env=env)
        straight = Path(folder, f"net{layers}-plain.tex")
        straight.write_text(plain(ours.read_text()))
        shapes[layers] = sum(1 for line in ours.read_text().splitlines() if line.startswith("% nn:"))
        times[layers] = bare_pdflatex(ours, runs), bare_pdflatex(straight, runs)
    blocks = shapes[300] - shapes[30]
    ours, straight = ((times[300][i] - times[30][i]) / blocks * 1000 for i in (0, 1))
    print("\n## pdflatex time per block (generated networks of 30 and 300 layers)\n")
    print("| tikznn's TikZ (ms/block) | straightforward TikZ (ms/block) | speed-up |\n|---|---|---|")
    print(f"| {ours:.2f} | {straight:.2f} | {straight / ours:.1f}× |")


def generated(folder, env, runs) -> None:
    print(f"\n## Generated networks (wrapped to 100 cm; pdflatex's default memory; median of {runs} runs)\n")
    print("| layers | tikznn build (s) | ms per layer | ms per layer beyond a 10-layer build | build, no warm builder "
          "(s) | ms per layer | ms per layer added (since the row before) | of which Python: tikznn tex (s) | "
          "floor: pdflatex, preloaded format (s) | peak memory, no warm builder (MB) | result |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")
    before = None  # (layers, seconds) of the row before: a build's fixed cost (starting Python and TeX) left out
    smallest = None  # (layers, seconds) of the 10-layer warm build: what any build costs (starting, TeX's page, fonts)
    cold_env = dict(env, TIKZNN_WARM="0")  # (a build by itself: the memory measured is the build's)
    warm_up = Path(folder, "generated-format.nn")  # (the preloaded formats made before anything is timed: a figure
    for layers in (10, 900):                       # of more than 800 blocks, drawn in pieces, has its own preamble)
        warm_up.write_text(network(layers))
        subprocess.run(TIKZNN + ["build", warm_up.name, "--width", "100cm", "--wrap"], cwd=folder, env=cold_env,
                       check=True)
    start_warm_builder("lenet", folder, env)
    for count in (10, 100, 1000, 5000):
        path = Path(folder, f"generated{count}.nn")
        path.write_text(network(count))
        options = ["--width", "100cm", "--wrap", "--timeout", "600"]
        tex = path.with_suffix(".tex")
        warm, cold, python, floor, megabytes, ok = [], [], [], [], 0, True
        for run in range(runs):  # (interleaved: the machine's speed drifts; a new output each time: a real build)
            seconds, used, built = peak(TIKZNN + ["build", path.name, *options, "-o", f"{path.stem}-{run}.pdf"],
                                        folder, cold_env)
            cold.append(seconds)
            megabytes, ok = max(megabytes, used), ok and built
            warm.append(timed(TIKZNN + ["build", path.name, *options, "-o", f"{path.stem}-{run}-warm.pdf"], folder,
                              env))
            python.append(timed(TIKZNN + ["tex", path.name, *options[:3], "-o", tex.name], folder, cold_env))
            preloaded = linked_format(tex, env)
            floor.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", f"-fmt={preloaded}",
                                tex.name], folder) if preloaded else float("nan"))
        warm, cold, python, floor = (statistics.median(t) for t in (warm, cold, python, floor))
        added = f"{(cold - before[1]) / (count - before[0]) * 1000:.2f}" if before else "–"
        beyond = f"{(warm - smallest[1]) / (count - smallest[0]) * 1000:.2f}" if smallest else "–"
        before, smallest = (count, cold), smallest or (count, warm)
        print(f"| {count} | {warm:.2f} | {warm / count * 1000:.2f} | {beyond} | {cold:.2f} | {cold / count * 1000:.2f} | "
              f"{added} | {python:.2f} | {floor:.2f} | {megabytes} | {'built' if ok else 'failed'} |")


STYLED = [("lenet", "blocks"), ("lenet", "flat"), ("lenet", "graph"), ("lenet", "schematic"), ("mlp", "graph bias"),
          ("resnet18", "blocks"), ("resnet18", "schematic"), ("transformer", "schematic"),
          ("resnet50", "schematic")]


def styles(folder, env, runs) -> None:
    print(f"\n## Drawing styles (median of {runs} runs)\n")
    print("| example | style | tikznn build (s) | bare pdflatex (s) | ratio |\n|---|---|---|---|---|")
    for name, style in STYLED:
        source = ROOT / "examples" / f"{name}.nn"
        stem = f"{name}-{style.replace(' ', '-')}"
        tex = Path(folder, f"{stem}.tex")
        subprocess.run(TIKZNN + ["tex", str(source), "--style", style, "-o", str(tex)], check=True, env=env,
                       stderr=subprocess.DEVNULL)
        build, bare = [], []
        for run in range(runs):
            out = str(Path(folder, f"{stem}-{run}.pdf"))
            build.append(timed(TIKZNN + ["build", str(source), "--style", style, "-o", out], folder, env))
            bare.append(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", tex.name], folder))
        b, p = statistics.median(build), statistics.median(bare)
        print(f"| {name} | {style} | {b:.2f} | {p:.2f} | {b / p:.2f} |")


def all_to_all(layers: int) -> str:
    """Every layer the concat of all before it (after an input and a convolution: a concat needs two inputs)."""
    lines = ["x0 = input 8x16x16", "x1 = conv 8 k3 p1 relu"]
    lines += [f"x{i} = concat " + " ".join(f"x{j}" for j in range(i)) for i in range(2, layers)]
    return "\n".join(lines) + "\n"


def densenet(convolutions: int) -> str:
    """DenseNet-style: an input, then convolutions each fed by the concat of every output before it."""
    lines = ["x0 = input 8x16x16", "x1 = conv 8 k3 p1 relu"]
    for i in range(2, convolutions + 1):
        lines += [f"k{i} = concat " + " ".join(f"x{j}" for j in range(i)), f"x{i} = conv 8 k3 p1 relu"]
    return "\n".join(lines) + "\n"


def layered(runs) -> None:
    """The layout stage in this process, each layout timed in turn on the same parsed network."""
    sys.path.insert(0, str(ROOT))
    from tikznn import parse
    from tikznn.layout import layout
    from tikznn.shapes import analyse
    print(f"\n## Layout stage of graphs where every layer is fed by all before it (median of {runs} runs)\n")
    print("| graph | layers | layout layered (s) | default layout (s) | ratio |\n|---|---|---|---|---|")
    for name, text in (("all-to-all concat", all_to_all(49)), ("DenseNet-style", densenet(48))):
        net = parse(text)
        analysis = analyse(net)
        times = {"layered": [], None: []}
        for _ in range(runs):
            for chosen, seconds in times.items():
                start = time.perf_counter()
                layout(net.drawn_with(layout=chosen), analysis)
                seconds.append(time.perf_counter() - start)
        ours, default = statistics.median(times["layered"]), statistics.median(times[None])
        print(f"| {name} | {len(net.layers)} | {ours:.2f} | {default:.2f} | {ours / default:.2f} |")


def watch(folder, env, runs) -> None:
    """`tikznn watch`'s rebuild: from a saved edit to the new PDF on disk, against the floor (pdflatex on the
    figure's .tex with tikznn's preloaded format)."""
    print(f"\n## watch: an edit to its PDF (median of {runs} edits)\n")
    print("| example | rebuild (s) | floor (s) | ratio |\n|---|---|---|---|")
    for name in ("lenet", "resnet18"):
        source = Path(folder, f"watched-{name}.nn")
        text = (ROOT / "examples" / f"{name}.nn").read_text()
        source.write_text(text)
        pdf = source.with_suffix(".pdf")
        watcher = subprocess.Popen(TIKZNN + ["watch", source.name, "--interval", "0.05"], cwd=folder, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not pdf.exists():
                if watcher.poll() is not None:
                    raise SystemExit(f"tikznn watch stopped (exit code {watcher.returncode})")
                time.sleep(0.01)
            times = []
            for run in range(runs + 1):
                before = pdf.stat().st_mtime_ns
                time.sleep(0.3)  # (the next pdflatex is waiting by now)
                start = time.perf_counter()
                source.write_text(f'caption "edit {run}"\n' + text)  # (a new caption: a new PDF)
                while pdf.stat().st_mtime_ns == before:
                    time.sleep(0.002)
                times.append(time.perf_counter() - start)
        finally:
            watcher.terminate()
            watcher.wait()
        tex = Path(folder, f"watched-{name}.tex")
        subprocess.run(TIKZNN + ["tex", source.name, "-o", tex.name], cwd=folder, check=True, env=env)
        preloaded = linked_format(tex, env)
        floor = statistics.median(timed(["pdflatex", "-interaction=batchmode", "-no-shell-escape", f"-fmt={preloaded}",
                                         tex.name], folder) for _ in range(runs))
        rebuild = statistics.median(times[1:])
        print(f"| {name} | {rebuild:.3f} | {floor:.3f} | {rebuild / floor:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(p.stem for p in (ROOT / "examples").glob("*.nn")))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--part", choices=["examples", "many", "per-block", "generated", "styles", "layered", "watch"])
    args = parser.parse_args()
    parts = {"examples": lambda f, e: examples(args.names, args.runs, f, e),
             "many": lambda f, e: many(args.names, f, e), "per-block": lambda f, e: per_block(f, e, args.runs),
             "generated": lambda f, e: generated(f, e, args.runs),
             "styles": lambda f, e: styles(f, e, args.runs), "layered": lambda f, e: layered(args.runs),
             "watch": lambda f, e: watch(f, e, args.runs)}
    with tempfile.TemporaryDirectory() as folder:
        # (compiled bytecode as an installed package has it, whatever this shell says)
        env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
               "TIKZNN_CACHE": str(Path(folder, "cache"))}
        for name, part in parts.items():
            if args.part in (None, name):
                part(folder, env)


if __name__ == "__main__":
    main()
