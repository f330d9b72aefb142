"""Stamps of finished builds, so that `tikznn build` run again on unchanged files returns at once.

A stamp records, for one command line run in one folder, the hash of every file the figures were made from
(the .nn files and what they import), of every file written, and a fingerprint of tikznn's own code. When all of
them still match, nothing would change: the build is skipped before the parser, the layout or pdflatex start.
Stamps live in the cache folder (cache.py); a stamp that cannot be read or written is simply not used. The TeX
installation is not part of the fingerprint. The `tikznn` command reads them first (console.py).
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from . import cache

_PACKAGE = Path(__file__).resolve().parent


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def code() -> str:
    """tikznn's version and the size and date of each of its files (grammar and templates included)."""
    from . import __version__
    parts = [__version__]
    # the package's folders (a new one, such as kinds/, counts without being listed), and in a source checkout the
    # grammar and templates beside it
    folders = [root for root, dirs, _ in os.walk(_PACKAGE) if "__pycache__" not in root]
    for folder in map(Path, sorted(folders) + [_PACKAGE.parent / "grammar", _PACKAGE.parent / "templates"]):
        if folder.is_dir():
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    info = entry.stat()
                    parts.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stamp(argv: list[str]) -> Path | None:
    """Where this command's stamp goes: in the cache's stamps folder, when only this user can write there (a stamp
    someone else planted would skip a build, or a link of theirs be written through); else nowhere."""
    folder = cache.private_file("stamps")
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            return None
    except OSError:
        return None
    key = hashlib.sha256("\0".join([os.getcwd(), *argv]).encode()).hexdigest()
    return folder / f"{key}.txt"


# A stamp is lines of 'WHAT HASH [PATH]': 'code HASH', then 'source HASH PATH' and 'output HASH PATH'
# (plain text, not JSON: importing json would be a third of a no-op rebuild's time).

def fresh(argv: list[str]) -> bool:
    """Did this very command, run here, already make its outputs from the files as they are now?"""
    path = _stamp(argv)
    try:
        lines = [line.split(" ", 2) for line in path.read_text(encoding="utf-8").splitlines()] if path else []
    except (OSError, ValueError):
        return False
    if not lines or lines[0] != ["code", code()] or any(len(line) != 3 for line in lines[1:]):
        return False
    return any(what == "output" for what, _, _ in lines[1:]) and \
        all(_digest(Path(path)) == digest for _, digest, path in lines[1:])


def record(argv: list[str], sources: list[Path], outputs: list[Path]) -> None:
    """Remember that this command made `outputs` from `sources` (quietly does nothing if it cannot)."""
    files = [("source", p) for p in sources] + [("output", p) for p in outputs]
    if any("\n" in str(p) for _, p in files):
        return
    text = "".join([f"code {code()}\n"] + [f"{what} {_digest(p)} {p}\n" for what, p in files])
    path = _stamp(argv)
    if path is None:
        return
    import tempfile  # (here: a no-op rebuild, which only reads stamps, does not pay for it)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # (exclusive: no link followed)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        pass
