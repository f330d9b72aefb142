"""Stamps of finished builds, so that `tikznn build` run again on unchanged files returns at once.

A stamp records, for one command line run in one folder, the hash of every file the figures were made from
(the .nn files and what they import), of every file written, and a fingerprint of tikznn's own code. When all of
them still match, nothing would change: the build is skipped before the parser, the layout or pdflatex start.
Stamps live in the cache folder (cache.py); a stamp that cannot be read or written is simply not used. The TeX
installation is not part of the fingerprint. The `tikznn` command reads them first (console.py).
"""
from __future__ import annotations

import os
import stat

from . import cache

_PACKAGE = os.path.dirname(os.path.realpath(__file__))  # (os.path, not pathlib: see cache.py)


def _digest(path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return cache.digest(handle.read())
    except OSError:
        return None


def code() -> str:
    """tikznn's version and the size and date of each of its files (grammar and templates included)."""
    from . import __version__
    parts = [__version__]
    # the package's folders (a new one, such as kinds/, counts without being listed), and in a source checkout the
    # grammar and templates beside it
    folders = [root for root, dirs, _ in os.walk(_PACKAGE) if "__pycache__" not in root]
    checkout = os.path.dirname(_PACKAGE)
    for folder in sorted(folders) + [os.path.join(checkout, "grammar"), os.path.join(checkout, "templates")]:
        if os.path.isdir(folder):
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    info = entry.stat()
                    parts.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    return cache.digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def _stamp(argv: list[str]) -> str | None:
    """Where this command's stamp goes: in the cache's stamps folder, when only this user can write there (a stamp
    someone else planted would skip a build, or a link of theirs be written through); else nowhere."""
    folder = cache.private_name("stamps")
    if folder is None:
        return None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            return None
    except OSError:
        return None
    key = cache.digest("\0".join([os.getcwd(), *argv]).encode("utf-8", "surrogateescape"))
    return os.path.join(folder, f"{key}.txt")


# A stamp is lines of 'WHAT HASH [PATH]': 'code HASH', then 'source HASH PATH' and 'output HASH PATH'
# (plain text, not JSON: importing json would be a third of a no-op rebuild's time).

def fresh(argv: list[str]) -> bool:
    """Did this very command, run here, already make its outputs from the files as they are now?"""
    path = _stamp(argv)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            lines = [line.split(" ", 2) for line in handle.read().splitlines()]
    except (OSError, ValueError, TypeError):  # (no stamp, or nowhere to keep one: TypeError on None)
        return False
    if not lines or lines[0] != ["code", code()] or any(len(line) != 3 for line in lines[1:]):
        return False
    return any(what == "output" for what, _, _ in lines[1:]) and \
        all(_digest(path) == digest for _, digest, path in lines[1:])


def record(argv: list[str], sources: list, outputs: list) -> None:
    """Remember that this command made `outputs` from `sources` (quietly does nothing if it cannot)."""
    files = [("source", p) for p in sources] + [("output", p) for p in outputs]
    if any("\n" in str(p) for _, p in files):
        return
    text = "".join([f"code {code()}\n"] + [f"{what} {_digest(p)} {p}\n" for what, p in files])
    path = _stamp(argv)
    if path is None:
        return
    try:
        cache.write_whole(path, lambda handle: handle.write(text.encode("utf-8", "surrogateescape")))
    except OSError:
        pass
