"""The user's private cache folder, where the ends of the pipeline keep what is slow to make again: build stamps,
the compiled grammar and templates, pdflatex's preloaded preamble.

The folder is $TIKZNN_CACHE (default: $XDG_CACHE_HOME/tikznn or ~/.cache/tikznn). Some of its files are loaded as
code (lark's parser cache is a pickle), so they are used only from a folder no one else can write.
"""
from __future__ import annotations

import os
from pathlib import Path


def folder() -> Path:
    if os.environ.get("TIKZNN_CACHE"):
        return Path(os.environ["TIKZNN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tikznn"


def private_file(name: str) -> Path | None:
    """A path in the cache folder for a file only this user can have written (loading a pickle that someone else
    could write would run their code), or None when the folder is not private."""
    home = folder()
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (home, home / name):
            if path.exists():
                info = path.stat()
                if info.st_uid != os.getuid() or info.st_mode & 0o022:
                    return None
    except OSError:
        return None
    return home / name
