"""How a built figure prints, read from its PDF: the smallest text (Poppler's word boxes; Latin Modern's box height
is 0.88 of its size) and the page size, as ../shared/reference/fit.md says to measure it."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tikznn.compose import SMALLEST_PT  # the smallest text a figure may print

BOX_HEIGHT = 0.88  # a word box's height over the font size (Latin Modern / Computer Modern)
PT_PER_IN = 72.0   # PDF points
PAGE_IN = 9.0      # the tallest a figure may print (a page's text height)
STROKES_IN = 0.02  # the lines' width and arrow heads, past the points the layout measures


@dataclass(frozen=True)
class Print:
    smallest_pt: float  # the smallest font size of a word with a letter or digit
    smallest_word: str
    width_in: float
    height_in: float


def measure(pdf: str | Path) -> Print:
    """The smallest text and the size of a one-page PDF as it prints."""
    words = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                           timeout=60).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', words)
    sizes = [((float(y1) - float(y0)) / BOX_HEIGHT, text) for y0, y1, text in
             re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', words)
             if re.search(r"\w", text)]
    smallest, word = min(sizes) if sizes else (float("inf"), "")
    return Print(round(smallest, 2), word, float(page.group(1)) / PT_PER_IN, float(page.group(2)) / PT_PER_IN)


def assert_prints(pdf: str | Path, width: str) -> None:
    """A figure built for `width` (7in, 3.5in) is no wider than it, no taller than a page, its text 6 pt or more."""
    printed = measure(pdf)
    assert printed.height_in <= PAGE_IN + STROKES_IN
    assert printed.width_in <= float(width[:-2]) + STROKES_IN
    assert printed.smallest_pt >= SMALLEST_PT - 0.05, f"'{printed.smallest_word}' prints at {printed.smallest_pt} pt"
