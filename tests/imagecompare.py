"""Image comparison for golden tests: a local metric, because a whole-image RMS hides a moved block in a big
figure. Images must be the same size; then the worst 16×16 tile RMS and the count of pixels off by more than 64
in some channel decide (thresholds measured in ../shared/reference/toolchain.md)."""
from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

TILE = 16
MAX_TILE_RMS = 15.0
MAX_PIXELS_OFF = 10
PIXEL_OFF = 64


def page(pdf: str | Path, dpi: int) -> Image.Image:
    """A PDF's first page as Poppler renders it at `dpi` (pdf2image's picture, without the two runs it makes first
    to ask Poppler's version and the page count)."""
    ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                         check=True, timeout=120).stdout
    return Image.open(io.BytesIO(ppm)).convert("RGB")


@dataclass(frozen=True)
class Comparison:
    same_size: bool
    rms: float = 0.0
    worst_tile_rms: float = 0.0
    pixels_off: int = 0

    @property
    def ok(self) -> bool:
        return self.same_size and self.worst_tile_rms <= MAX_TILE_RMS and self.pixels_off <= MAX_PIXELS_OFF

    def __str__(self) -> str:
        if not self.same_size:
            return "image sizes differ (the figure's bounding box changed)"
        return (f"whole RMS {self.rms:.2f}, worst {TILE}×{TILE} tile RMS {self.worst_tile_rms:.2f} "
                f"(limit {MAX_TILE_RMS}), {self.pixels_off} pixels off by > {PIXEL_OFF} (limit {MAX_PIXELS_OFF})")


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def compare(result: Image.Image, expected: Image.Image) -> Comparison:
    if result.size != expected.size:
        return Comparison(False)
    if result.convert("RGB").tobytes() == expected.convert("RGB").tobytes():  # (the usual case: nothing to measure)
        return Comparison(True)
    a, b = _array(result), _array(expected)
    diff = a - b
    rms = float(np.sqrt(np.mean(diff ** 2)))
    h, w = diff.shape[:2]
    padded = np.zeros(((h + TILE - 1) // TILE * TILE, (w + TILE - 1) // TILE * TILE, 3))
    padded[:h, :w] = diff ** 2
    counts = np.zeros(padded.shape[:2])
    counts[:h, :w] = 1
    tiles = padded.reshape(padded.shape[0] // TILE, TILE, padded.shape[1] // TILE, TILE, 3).sum(axis=(1, 3, 4))
    pixels = counts.reshape(counts.shape[0] // TILE, TILE, counts.shape[1] // TILE, TILE).sum(axis=(1, 3)) * 3
    worst = float(np.sqrt((tiles / pixels).max()))
    off = int((np.abs(diff).max(axis=2) > PIXEL_OFF).sum())
    return Comparison(True, rms, worst, off)


def diff_image(result: Image.Image, expected: Image.Image) -> Image.Image:
    """Differences in red over a faded copy of the expected image (sizes padded to match)."""
    width, height = max(result.width, expected.width), max(result.height, expected.height)
    canvas_a = Image.new("RGB", (width, height), "white")
    canvas_b = Image.new("RGB", (width, height), "white")
    canvas_a.paste(result.convert("RGB"))
    canvas_b.paste(expected.convert("RGB"))
    a, b = _array(canvas_a), _array(canvas_b)
    changed = np.abs(a - b).max(axis=2) > 0
    out = 255 - (255 - b) * 0.3
    out[changed] = (220, 0, 0)
    return Image.fromarray(out.astype(np.uint8))
