"""The user's private cache folder, where the ends of the pipeline keep what is slow to make again: build stamps,
the compiled grammar and templates, pdflatex's preloaded preamble.

The folder is $TIKZNN_CACHE (default: $XDG_CACHE_HOME/tikznn or ~/.cache/tikznn). Some of its files are loaded as
code (lark's parser cache is a pickle), so they are used only from a folder no one else can write.
"""
from __future__ import annotations

import os

try:  # (hashlib would load OpenSSL first: a fifth of a no-op rebuild)
    from _blake2 import blake2b as _blake2b
except ImportError:
    from hashlib import blake2b as _blake2b

# (plain os.path here, pathlib only when asked for: a no-op rebuild reads its stamp through this module, and
# importing pathlib would be a third of its time)


def digest(data: bytes) -> str:
    """A fingerprint of `data`: 64 hex digits (BLAKE2b, 256 bits)."""
    return _blake2b(data, digest_size=32).hexdigest()


def folder_name() -> str:
    if os.environ.get("TIKZNN_CACHE"):
        return os.environ["TIKZNN_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tikznn")


def private_name(name: str) -> str | None:
    """A path in the cache folder for a file only this user can have written (loading a pickle that someone else
    could write would run their code), or None when the folder is not private."""
    home = folder_name()
    try:
        os.makedirs(home, mode=0o700, exist_ok=True)
        for path in (home, os.path.join(home, name)):
            try:
                info = os.stat(path)
            except FileNotFoundError:
                continue
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None
    except OSError:
        return None
    return os.path.join(home, name)


def folder():
    """The cache folder (a pathlib.Path)."""
    from pathlib import Path
    return Path(folder_name())


def private_file(name: str):
    """private_name as a pathlib.Path (or None)."""
    found = private_name(name)
    if found is None:
        return None
    from pathlib import Path
    return Path(found)


def write_whole(path, write) -> None:
    """A file of the cache written whole or not at all: `write(handle)` fills a new file of its own (made
    exclusively: no link followed; builds in threads may write the same one at once), which then takes `path`'s
    place; one cut short (an error, Ctrl-C) is removed. OSError when it cannot be written."""
    import tempfile  # (here: a no-op rebuild, which only reads the cache, does not pay for it)

    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def prune(pattern: str, keep: str, days: float = 30.0) -> None:
    """Remove the files whose names match `pattern` (a regular expression: the names tikznn gives, so that nothing
    else in the folder goes) made more than `days` ago, but `keep`: the formats and parsers an older tikznn, TeX or
    lark made, each made again in a second if it is still wanted (a format in use is kept fresh: latex.py)."""
    import re
    import time

    limit, home = time.time() - days * 86400, folder_name()
    try:
        entries = list(os.scandir(home))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name != keep and re.fullmatch(pattern, entry.name) and \
                    entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            pass
