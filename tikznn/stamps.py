"""Stamps of finished builds, so that `tikznn build` run again on unchanged files returns at once.

A stamp records, for one command line run in one folder, the hash of every file the figures were made from
(the .nn files and what they import), of every file written, and a fingerprint of tikznn's own code. When all of
them still match, nothing would change: the build is skipped before the parser, the layout or pdflatex start.
Stamps live in $TIKZNN_CACHE (default: $XDG_CACHE_HOME/tikznn or ~/.cache/tikznn); a stamp that cannot be read or
written is simply not used. The TeX installation is not part of the fingerprint.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _folder() -> Path:
    if os.environ.get("TIKZNN_CACHE"):
        return Path(os.environ["TIKZNN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tikznn"


def private_file(name: str) -> Path | None:
    """A path in the cache folder for a file only this user can have written (lark's parser cache is a pickle:
    loading one that someone else could write would run their code), or None when the folder is not private."""
    folder = _folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (folder, folder / name):
            if path.exists():
                info = path.stat()
                if info.st_uid != os.getuid() or info.st_mode & 0o022:
                    return None
    except OSError:
        return None
    return folder / name


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _code() -> str:
    """tikznn's version and the size and date of each of its files (grammar and templates included)."""
    from . import __version__
    parts = [__version__]
    for folder in (_PACKAGE, _PACKAGE / "styles", _PACKAGE / "grammar", _PACKAGE / "templates",
                   _PACKAGE.parent / "grammar", _PACKAGE.parent / "templates"):
        if folder.is_dir():
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    info = entry.stat()
                    parts.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stamp(argv: list[str]) -> Path:
    key = hashlib.sha256("\0".join([os.getcwd(), *argv]).encode()).hexdigest()
    return _folder() / "stamps" / f"{key}.txt"


# A stamp is lines of 'WHAT HASH [PATH]': 'code HASH', then 'source HASH PATH' and 'output HASH PATH'
# (plain text, not JSON: importing json would be a third of a no-op rebuild's time).

def fresh(argv: list[str]) -> bool:
    """Did this very command, run here, already make its outputs from the files as they are now?"""
    try:
        lines = [line.split(" ", 2) for line in _stamp(argv).read_text(encoding="utf-8").splitlines()]
    except (OSError, ValueError):
        return False
    if not lines or lines[0] != ["code", _code()] or any(len(line) != 3 for line in lines[1:]):
        return False
    return any(what == "output" for what, _, _ in lines[1:]) and \
        all(_digest(Path(path)) == digest for _, digest, path in lines[1:])


def record(argv: list[str], sources: list[Path], outputs: list[Path]) -> None:
    """Remember that this command made `outputs` from `sources` (quietly does nothing if it cannot)."""
    files = [("source", p) for p in sources] + [("output", p) for p in outputs]
    if any("\n" in str(p) for _, p in files):
        return
    text = "".join([f"code {_code()}\n"] + [f"{what} {_digest(p)} {p}\n" for what, p in files])
    path = _stamp(argv)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def main() -> None:
    """The `tikznn` command: an up-to-date `build` returns here; everything else goes to the full CLI."""
    import sys
    argv = sys.argv[1:]
    if argv[:1] == ["build"] and fresh(argv):
        if "-v" in argv or "--verbose" in argv:
            print("up to date")
        return
    from .cli import main as cli_main
    cli_main()
