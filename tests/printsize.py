"""How a built figure prints, read from its PDF: the smallest text (Poppler's word boxes; Latin Modern's box height
is 0.88 of its size) and the page size, as ../shared/reference/fit.md says to measure it."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

BOX_HEIGHT = 0.88  # a word box's height over the font size (Latin Modern / Computer Modern)
PT_PER_IN = 72.0   # PDF points


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
