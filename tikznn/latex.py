"""The one place tikznn runs programs and touches files: reading .nn files, pdflatex in a sandboxed temporary
folder, Poppler for PNG/SVG, and atomic writes that leave earlier outputs untouched when anything fails."""
from __future__ import annotations

import atexit
import errno
import functools
import os
import re
import select
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import LatexError, LatexNotFound, OutputError, ParseError, Span

FORMATS = ("pdf", "png", "svg")
DEFAULT_TIMEOUT = 60.0

INSTALL = {  # how to get each program
    "pdflatex": "Debian/Ubuntu: sudo apt-get install texlive-latex-extra texlive-pictures lmodern; "
                "macOS: install MacTeX; Windows: install TeX Live or MiKTeX. "
                "`tikznn tex` writes the .tex without needing TeX.",
    "xelatex": "Debian/Ubuntu: sudo apt-get install texlive-xetex; MacTeX and TeX Live have it",
    "lualatex": "Debian/Ubuntu: sudo apt-get install texlive-luatex; MacTeX and TeX Live have it",
    "pdftoppm": "Debian/Ubuntu: sudo apt-get install poppler-utils; macOS: brew install poppler",
    "pdftocairo": "Debian/Ubuntu: sudo apt-get install poppler-utils; macOS: brew install poppler",
    "pdftotext": "Debian/Ubuntu: sudo apt-get install poppler-utils; macOS: brew install poppler",
    "latexmk": "Debian/Ubuntu: sudo apt-get install latexmk; MacTeX and TeX Live have it",
}
# TeX files a figure needs, and the Debian package and TeX Live package that provide them.
PROVIDERS = {
    "lmodern.sty": "Debian: lmodern; TeX Live: lm",
    "standalone.cls": "Debian: texlive-latex-extra; TeX Live: standalone",
    "tikz.sty": "Debian: texlive-pictures; TeX Live: pgf",
    "xcolor.sty": "Debian: texlive-latex-recommended; TeX Live: xcolor",
    "CJKutf8.sty": "Debian: latex-cjk-common; TeX Live: cjk",
    "c70gbsn.fd": "Debian: latex-cjk-chinese-arphic-gbsn00lp; TeX Live: arphic",
}
# TeX files a figure needs beyond the preamble's, looked for before pdflatex runs (kpsewhich takes 20 ms): without
# the Chinese font, CJKutf8 fails with a cryptic "try@size@range"
_NEEDS = {"\\usepackage{CJKutf8}": ("CJKutf8.sty", "c70gbsn.fd")}
FONTS = {"{AR PL SungtiL GB}": "Debian: fonts-arphic-gbsn00lp", "{DejaVu Serif}": "Debian: fonts-dejavu-core",
         "{NanumMyeongjo}": "Debian: fonts-nanum"}


def engine_of(tex: str) -> str:
    """The engine a standalone document names in its first comment lines (as editors read it), or pdflatex."""
    named = re.match(r"(?:%.*\n)*?% !TEX program = (\w+)", tex)
    return named.group(1) if named else "pdflatex"


def check_installed(tex: str) -> None:
    """Raise LatexNotFound, naming the package to install, when a TeX file the figure needs is missing."""
    fc_list = shutil.which("fc-list")
    for font, package in FONTS.items():
        if "\\newfontfamily" in tex and font in tex and fc_list and \
                not subprocess.run([fc_list, font.strip("{}")], capture_output=True, text=True).stdout.strip():
            raise LatexNotFound(f"the figure's labels need the font {font.strip('{}')}, not installed",
                                hint=f"install it ({package})")
    wanted = needed_files(tex)
    if not wanted or not shutil.which("kpsewhich"):
        return  # (without kpsewhich, pdflatex will say it)
    found = tex_files(wanted)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise LatexNotFound(f"the figure's Chinese or Japanese labels need {' and '.join(missing)}, not installed",
                            hint="; ".join(f"{name}: {PROVIDERS[name]}" for name in missing))


def installed_wide_engine() -> str:
    """The engine for labels pdflatex cannot set: xelatex, or else lualatex; pdflatex when neither is installed,
    which then names the first such label and what to install, before anything is compiled."""
    return next((engine for engine in ("xelatex", "lualatex") if shutil.which(engine)), "pdflatex")


def installed(name: str) -> str | None:
    """Where a program is, or None."""
    return shutil.which(name)


_FOUND: set[tuple[str, str]] = set()  # (kpsewhich, file) it found: not asked again (a warm builder asks once)


def tex_files(names: list[str]) -> set[str]:
    """Those of these TeX files (lmodern.sty, ...) that kpsewhich finds. A file found is taken to stay (what is
    missing is looked for again: it may be installed meanwhile)."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None or not names:
        return set()
    unknown = [name for name in names if (kpsewhich, name) not in _FOUND]
    try:
        lines = subprocess.run([kpsewhich, *unknown], capture_output=True, text=True,
                               timeout=60).stdout.splitlines() if unknown else []
    except (OSError, subprocess.SubprocessError):  # (one that does not run, or hangs: nothing more found)
        lines = []
    _FOUND.update((kpsewhich, name) for name in unknown if any(line.endswith("/" + name) for line in lines))
    return {name for name in names if (kpsewhich, name) in _FOUND}


def needed_files(tex: str | None = None) -> list[str]:
    """The TeX files a figure's TeX needs beyond the preamble's (without it: those any figure may need)."""
    return [name for marker, names in _NEEDS.items() if tex is None or marker in tex for name in names]


def font_families() -> str:
    """fc-list's font families, one per line ('' without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ""
    return subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=60).stdout


def tex_version() -> str:
    """pdflatex's first line of --version ('pdfTeX 3.14... (TeX Live 2022/Debian)'), or what to do without it."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return "pdflatex: not installed (tikznn tex works without it; tikznn doctor says what to install)"
    try:
        run = subprocess.run([pdflatex, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return f"pdflatex: {pdflatex} (its version could not be read)"
    return run.stdout.splitlines()[0] if run.stdout else f"pdflatex: {pdflatex}"


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise LatexNotFound(f"'{name}' is not installed (or not on PATH)", hint=INSTALL.get(name))
    return found


@dataclass(frozen=True)
class Source:
    """Where the TeX came from, to point LaTeX errors back at the .nn line."""

    path: str | None = None
    text: str | None = None


# temporary folders are named after the build's process, so that the next build can remove those of a build that
# was killed (SIGKILL runs no cleanup): tikznn-PID-xxxxxxxx
_PREFIX = f"tikznn-{os.getpid()}-"


def _renamed_after_fork() -> None:  # (a warm builder's builds are forked: each names its folders after itself)
    global _PREFIX
    _PREFIX = f"tikznn-{os.getpid()}-"


os.register_at_fork(after_in_child=_renamed_after_fork)


def _reap() -> None:
    """Remove the temporary folders of tikznn builds that are no longer running (this user's only)."""
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob("tikznn-*-*"))
    except OSError:
        return
    for entry in entries:
        match = re.fullmatch(r"tikznn-(\d+)-.*", entry.name)
        try:
            if not match or int(match.group(1)) == os.getpid() or entry.is_symlink() or \
                    entry.stat().st_uid != os.getuid() or _alive(int(match.group(1))):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _parent_death_signal():
    """Linux's prctl(PR_SET_PDEATHSIG), looked up once here: the child only calls it (nothing to import there)."""
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _parent_death_signal()


def die_with_parent(dies: bool = True) -> None:
    """In pdflatex's process, before it starts: killed when tikznn dies, even by SIGKILL, not left to run on as an
    orphan in a folder nobody removes (elsewhere than Linux, the next build removes the folder all the same).
    Also a warm builder's spare (warm.py), until a build takes it (dies=False)."""
    if _PRCTL is not None:
        _PRCTL(1, 9 if dies else 0)  # PR_SET_PDEATHSIG, SIGKILL


def _dies_with(parent: int) -> None:
    """die_with_parent, and no start at all when the parent is gone already: it died before the signal was set,
    so nothing would kill the program (a head start would wait for its figure for ever)."""
    die_with_parent()
    if os.getppid() != parent:
        os._exit(1)


# (in the shell setpriv starts: $0 is tikznn's process; the program runs if that is still its parent)
_STILL_OURS = 'test "$PPID" = "$0" && exec "$@"'


def _start(command: list[str], *, parent: int | None = None, **options) -> subprocess.Popen:
    """A program (pdflatex, Poppler) started so that it dies with tikznn (_dies_with). Through util-linux's setpriv
    where it does that, and the shell's check that tikznn (`parent`: this process) is still its parent: Python then
    starts it without copying this process (a function run before the program, as _dies_with is, makes Python copy
    it: 30 ms in a process that holds PyTorch, against 2)."""
    parent = os.getpid() if parent is None else parent
    setpriv = setpriv_found()
    if setpriv:
        return subprocess.Popen(_through(setpriv, parent, command), **options)
    return subprocess.Popen(command, preexec_fn=functools.partial(_dies_with, parent), **options)


def _through(setpriv: str, parent: int, command: list[str]) -> list[str]:
    """The command run through setpriv, killed when `parent` dies, and through the shell's check of its parent."""
    return [setpriv, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", _STILL_OURS, str(parent), *command]


@functools.cache
def setpriv_found() -> str | None:
    """A setpriv that sets the parent-death signal (util-linux 2.33 and later, Linux only), tried once: it must run
    `true` so, through the shell's check (_start)."""
    found, true = (shutil.which("setpriv"), shutil.which("true")) if _PRCTL is not None else (None, None)
    if not found or not true:
        return None
    try:
        tried = subprocess.run(_through(found, os.getpid(), [true]), capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if tried.returncode == 0 else None


def compile_pdf(tex: str, *, source: Source = Source(), timeout: float = DEFAULT_TIMEOUT,
                files: dict[str, bytes] | None = None) -> bytes:
    """PDF bytes of a standalone document, compiled without shell escape, reading and writing only its folder.

    `files` (name: bytes) are written beside it first: the pictures it shows. Its preamble (the document class,
    fonts, TikZ) comes preloaded in a format made once and kept in the user's
    cache, which saves loading TikZ each time; without one, pdflatex reads the preamble as usual. A pdflatex given
    a head start (start_early) on that very format is used instead of a new one.
    """
    engine = engine_of(tex)
    pdflatex = tool(engine)
    check_installed(tex)
    env = dict(os.environ, openin_any="p", openout_any="p")
    # the preamble without its comments (the figure's title): one format serves every figure
    preamble = "\n".join(line for line in tex.split("\\begin{document}", 1)[0].splitlines()
                         if not line.lstrip().startswith("%"))
    preloaded = _preloaded(pdflatex, preamble, env, timeout) if engine == "pdflatex" else None
    _LAST[:] = [engine if engine != "pdflatex" or preloaded else "pdflatex without a format"]
    if preloaded:
        _remember_last(preloaded, tex)
    _reap()
    taken = _take_head_start(preloaded, tex)
    early = taken[0] if taken else None
    with early.folder if early else tempfile.TemporaryDirectory(prefix=_PREFIX) as folder:
        try:
            for name, data in (files or {}).items():  # (the pictures the figure shows, named by tikznn)
                Path(folder, name).write_bytes(data)
        except BaseException:
            if early:  # (taken: stopped here, as _feed would)
                early.stop()
            raise
        began = Path(folder, "figure.log")  # (written as soon as TeX has loaded its format)
        if taken:
            returncode, terminal = _feed(early, taken[1], timeout, source), b""
        if not early or returncode != 0 and not began.exists():
            for made in ("figure.tex", "preamble.fmt"):  # (a head start's FIFO and link)
                Path(folder, made).unlink(missing_ok=True)
            Path(folder, "figure.tex").write_text(tex, encoding="utf-8")
            returncode, terminal = _run(_command(pdflatex, engine, folder, preloaded), folder, env, timeout, source)
            if returncode != 0 and preloaded and not began.exists():
                # the format did not load: a damaged cache, made again by the next build; this one goes without
                preloaded.unlink(missing_ok=True)
                Path(folder, "preamble.fmt").unlink()
                returncode, terminal = _run(_command(pdflatex, engine, folder, None), folder, env, timeout, source)
        pdf = Path(folder, "figure.pdf")
        if returncode != 0 or not pdf.exists():
            text = (began.read_bytes() if began.exists() else terminal).decode("utf-8", "replace")
            raise latex_error(text, tex, source)
        return pdf.read_bytes()


def _command(pdflatex: str, engine: str, folder: str, preloaded: Path | None) -> list[str]:
    """pdflatex's command line in a build folder (the format linked there, not copied: it is megabytes)."""
    command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error",
               "figure.tex"]
    if engine == "lualatex":  # no network from Lua (--safer would be the next wall, but luaotfload refuses it)
        command.insert(1, "--nosocket")
    if preloaded:
        Path(folder, "preamble.fmt").symlink_to(preloaded)
        command[1:1] = ["-fmt=preamble", "-no-parse-first-line"]  # (a figure.tex that is a FIFO is opened once)
    return command


def _start_tex(command: list[str], folder: str, env: dict, **streams) -> subprocess.Popen:
    return _start(command, cwd=folder, env=dict(env, TEXMFOUTPUT=folder), stdin=subprocess.DEVNULL, **streams)


def _run(command: list[str], folder: str, env: dict, timeout: float, source: Source) -> tuple[int, bytes]:
    process = _start_tex(command, folder, env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        terminal, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise _timed_out(timeout, source) from None
    except BaseException:  # (Ctrl-C: pdflatex stops before its folder is removed)
        _stop(process)
        raise
    return process.returncode, terminal


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def _timed_out(timeout: float, source: Source) -> LatexError:
    return LatexError(f"pdflatex did not finish within {timeout:g} s and was stopped", path=source.path,
                      hint="a label with a macro that never stops expanding? raise the limit with --timeout")


# A head start: `tikznn build` starts pdflatex on the format it used last before Python has imported or drawn
# anything (console.py), so that pdflatex loads it while the figure is made; it then reads the figure's TeX from a
# FIFO named figure.tex. The first compile whose preamble that format holds takes it; otherwise it is stopped.

@dataclass
class _HeadStart:
    format: Path
    folder: tempfile.TemporaryDirectory
    process: subprocess.Popen | None
    opening: "_Opening | None" = None

    def stop(self) -> None:
        """Stop its pdflatex and close the pipe its opening was written to."""
        _stop(self.process)
        if self.opening:
            self.opening.close()


OPENING_LINES = 1000  # at most this many lines before \\begin{document} are given ahead (they fit in one pipe write)
BEGUN_BYTES = 1500  # at most this much text after \\begin{document} is given ahead (the opening: one pipe write)


def _writing_end(fifo: Path, process: subprocess.Popen, stopped: threading.Event) -> int | None:
    """The FIFO's writing end once pdflatex has opened it to read (its format loaded), or None when pdflatex ended
    or `stopped` was set first: never blocked in open, which a FIFO whose reader is gone would never let return."""
    while not stopped.is_set() and process.poll() is None:
        try:
            pipe = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            if err.errno != errno.ENXIO:  # (ENXIO: no reader yet)
                return None
            stopped.wait(0.002)
            continue
        os.set_blocking(pipe, True)
        return pipe
    return None


class _Opening(threading.Thread):
    """A document's opening given to a head start as soon as its pdflatex opens the FIFO: the lines before
    \\begin{document} (which the format skips: it holds the preamble), that line and what the last figure had after
    it up to its picture (`begun`: the labels' fonts loaded), so that LaTeX begins the document (its driver and font
    set-up) before the figure is made. As many lines as the last figure had before \\begin{document}, so that a
    figure's lines keep their numbers (error messages name them); the pipe stays open for the rest."""

    def __init__(self, fifo: Path, process: subprocess.Popen, lines: int, begun: str = ""):
        super().__init__(daemon=True)
        self.fifo, self.process, self.lines, self.begun, self.pipe = fifo, process, lines, begun, None
        self.stopped = threading.Event()

    def run(self) -> None:
        pipe = _writing_end(self.fifo, self.process, self.stopped)
        if pipe is None:
            return
        try:
            os.write(pipe, b"%\n" * self.lines + b"\\begin{document}\n" + self.begun.encode("utf-8"))  # (< PIPE_BUF)
        except OSError:  # pdflatex stopped reading
            os.close(pipe)
            return
        self.pipe = pipe

    def rest(self, tex: str) -> str | None:
        """What of `tex` follows its opening, when it has as many lines before \\begin{document} and the same text
        after it (else None)."""
        lines, after = _begins(tex)
        return after[len(self.begun):] if lines == self.lines and after.startswith(self.begun) else None

    def release(self) -> int | None:
        """Stop waiting for pdflatex; the pipe the opening was written to (which the caller then owns), if any."""
        self.stopped.set()
        self.join()
        pipe, self.pipe = self.pipe, None
        return pipe

    def close(self) -> None:
        pipe = self.release()
        if pipe is not None:
            os.close(pipe)


def _begins(tex: str) -> tuple[int | None, str]:
    """How many lines a figure has before its \\begin{document} line (None: it has none) and its text after it."""
    head, found, after = tex.partition("\\begin{document}\n")
    return (head.count("\n"), after) if found else (None, "")


_EARLY: list[_HeadStart] = []  # at most one; once taken (its process None), another may start
_EARLY_LOCK = threading.Lock()  # builds run in several threads at once


_LAST: list[str] = []  # the engine of this process's last compile ('pdflatex': on a preloaded format)


def engine_of_last() -> str | None:
    """The engine of the last figure compiled here (for `watch`, which starts the next one early only for pdflatex)."""
    return _LAST[0] if _LAST else None


def start_early() -> None:
    """Start pdflatex on the last format used, waiting for its figure (quietly nothing if there is no such format,
    no pdflatex, or no FIFOs on this system)."""
    from .cache import private_file

    last = private_file("preamble-last")
    pdflatex = shutil.which("pdflatex")
    if last is None or pdflatex is None or not hasattr(os, "mkfifo") or _EARLY and _EARLY[0].process is not None:
        return  # (one waits already)
    try:
        preloaded = private_file(last.read_text(encoding="ascii").strip())
        if preloaded is None or not preloaded.name.startswith("preamble-") or not preloaded.is_file():
            return
        folder = tempfile.TemporaryDirectory(prefix=_PREFIX)
        fifo = Path(folder.name, "figure.tex")
        os.mkfifo(fifo, 0o600)
        command = _command(pdflatex, "pdflatex", folder.name, preloaded)
        process = _start_tex(command, folder.name, dict(os.environ, openin_any="p", openout_any="p"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, ValueError, subprocess.SubprocessError):
        return
    lines = _lines_before(last.with_name("preamble-lines"))
    opening = _Opening(fifo, process, lines, _begun(last.with_name("preamble-begun"))) if lines is not None else None
    if opening is not None:
        opening.start()
    if not _EARLY:
        atexit.register(stop_early)
    _EARLY[:] = [_HeadStart(preloaded, folder, process, opening)]


def _lines_before(path: Path) -> int | None:
    """The number of lines the last figure had before \\begin{document} (preamble-lines), if it says one."""
    try:
        said = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return int(said) if said.isdigit() and int(said) <= OPENING_LINES else None


def _begun(path: Path) -> str:
    """The text the last figure had after \\begin{document} up to its picture (preamble-begun), if it says one."""
    from .tex import PICTURE_MARK  # (here: a head start begins before the figure's modules are imported)
    try:
        with open(path, "rb") as said:
            text = said.read(BEGUN_BYTES + 1).decode("utf-8")
    except (OSError, ValueError):
        return ""
    return text if len(text.encode("utf-8")) <= BEGUN_BYTES and text.endswith(PICTURE_MARK) else ""


def _take_head_start(preloaded: Path | None, tex: str) -> tuple[_HeadStart, str] | None:
    """The pdflatex started early and what of `tex` it has still to read, if it runs on this format and was given
    this figure's opening (and no other compile took it)."""
    with _EARLY_LOCK:
        if not _EARLY or _EARLY[0].process is None:
            return None
        early = _EARLY[0]
        rest = early.opening.rest(tex) if early.opening else tex
        if preloaded is None or early.format != preloaded or rest is None or early.process.poll() is not None:
            stop_early()
            return None
        _EARLY[0] = _HeadStart(early.format, early.folder, None)  # (taken: not stopped at exit)
        return early, rest


def stop_early() -> None:
    """Stop a head start that no compile took (and remove its folder)."""
    if _EARLY and _EARLY[0].process is not None:
        early = _EARLY[0]
        _EARLY[0] = _HeadStart(early.format, early.folder, None)
        early.stop()
        early.folder.cleanup()


def _wait(process: subprocess.Popen, timeout: float) -> int:
    """process.wait(timeout), woken the moment the process ends (Popen's own wait with a timeout polls, and is up to
    50 ms late): through a pidfd where Linux has them, else Popen's wait."""
    try:
        ended = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # (not Linux, or already collected)
        return process.wait(timeout)
    try:
        if not select.select([ended], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(process.args, timeout)
    finally:
        os.close(ended)
    return process.wait()


def _feed(early: _HeadStart, tex: str, timeout: float, source: Source) -> int:
    """Give the early pdflatex its figure (`tex`: what follows the opening it was given, if any) through the FIFO it
    waits on; its exit status. Whatever happens, pdflatex has ended and the pipe is closed when this returns."""
    process, fifo, opening = early.process, Path(early.folder.name, "figure.tex"), early.opening
    data = tex.encode("utf-8")
    stopped = threading.Event()

    def write() -> None:
        if opening:
            opening.join()  # (written once pdflatex opens the FIFO, or given up when it ends first)
            pipe = opening.release()
        else:
            pipe = _writing_end(fifo, process, stopped)
        if pipe is None:
            return
        try:
            with open(pipe, "wb") as handle:
                handle.write(data)
        except OSError:  # pdflatex stopped reading: its log says why
            pass
    writer = threading.Thread(target=write, daemon=True)
    try:
        writer.start()
        _wait(process, timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise _timed_out(timeout, source) from None
    except BaseException:
        _stop(process)
        raise
    finally:
        stopped.set()
        if opening:
            opening.stopped.set()
        writer.join()
    return process.returncode


def _preloaded(pdflatex: str, preamble: str, env: dict, timeout: float) -> Path | None:
    """A pdflatex format with this preamble loaded (made with mylatexformat), or None if one cannot be made.

    It is kept uncompressed where pdflatex reads it so: pdflatex writes formats gzipped and reads them through zlib,
    which reads a plain file as it is; unzipped, a format loads in 40 ms of CPU instead of 100 (and takes about
    19 MB instead of 7)."""
    from .cache import digest, private_file, prune, write_whole

    binary = Path(pdflatex).resolve().stat()
    key = digest(f"{preamble}\0{binary.st_size}\0{binary.st_mtime_ns}\0plain".encode())[:20]
    cached = private_file(f"preamble-{key}.fmt")
    if cached is None:
        return None
    try:
        made = cached.stat().st_mtime
    except OSError:
        made = None
    if made is not None:
        if time.time() - made > 86400:  # in use: kept fresh (cache.prune goes by the date), a day at a time
            try:
                os.utime(cached)
            except OSError:
                pass
        return cached
    with tempfile.TemporaryDirectory(prefix=f"{_PREFIX}format-") as folder:
        Path(folder, "preamble.tex").write_text(preamble + "\\begin{document}\n\\end{document}\n", encoding="utf-8")
        def ran(*arguments: str) -> bool:
            try:
                return subprocess.run([pdflatex, "-interaction=batchmode", "-halt-on-error", "-no-shell-escape",
                                       *arguments], cwd=folder, env=dict(env, TEXMFOUTPUT=folder),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      timeout=timeout).returncode == 0
            except subprocess.TimeoutExpired:
                return False
        made, plain = Path(folder, "preamble.fmt"), Path(folder, "plain.fmt")
        if not ran("-ini", "-jobname=preamble", "&pdflatex", "mylatexformat.ltx", "preamble.tex") or not made.exists():
            return None
        with open(made, "rb") as handle:
            zipped = handle.read(2) == b"\x1f\x8b"
        if zipped:
            import gzip
            with gzip.open(made, "rb") as packed, open(plain, "wb") as unpacked:
                shutil.copyfileobj(packed, unpacked, 1 << 20)  # (in pieces: it is tens of megabytes)
            if ran("-fmt=plain", "-jobname=check", "preamble.tex"):  # (a pdflatex that reads only gzip: kept so)
                made = plain
        try:
            with open(made, "rb") as source:
                write_whole(cached, lambda handle: shutil.copyfileobj(source, handle, 1 << 20))
        except OSError:
            return None
    prune(r"preamble-[0-9a-f]{20}\.fmt", keep=cached.name)
    prune(r"\.preamble-[0-9a-f]{20}\.fmt\..*", keep="", days=1.0)  # (copies a killed build left)
    return cached


def _remember_last(preloaded: Path, tex: str) -> None:
    """Name the format used last (preamble-last), the number of lines its figure had before \\begin{document}
    (preamble-lines) and its text after it up to the picture (preamble-begun), for the next build's head start:
    small files, rewritten only on a change."""
    from .cache import write_whole
    from .tex import PICTURE_MARK

    lines, after = _begins(tex)
    begun, marked, _ = after.partition(PICTURE_MARK)
    begun = begun + marked if marked and len((begun + marked).encode("utf-8")) <= BEGUN_BYTES else ""
    for path, said in ((preloaded.with_name("preamble-last"), preloaded.name),
                       (preloaded.with_name("preamble-lines"), "" if lines is None else str(lines)),
                       (preloaded.with_name("preamble-begun"), begun)):
        try:
            if not path.exists() or path.read_bytes() != said.encode("utf-8"):
                write_whole(path, lambda handle: handle.write(said.encode("utf-8")))
        except OSError:
            pass


def latex_error(log: str, tex: str, source: Source) -> LatexError:
    """The first error in a pdflatex log, with the .nn line whose drawing produced it."""
    match = re.search(r"^(?:\./)?figure\.tex:(\d+): (.*)$", log, re.M)
    bang = re.search(r"^! (.*)$", log, re.M)
    driver = re.search(r"^xdvipdfmx:fatal: (.*)$", log, re.M)  # (xelatex's PDF writer, after TeX itself)
    message = (match.group(2) if match else bang.group(1) if bang else f"its PDF writer failed: {driver.group(1)}"
               if driver else "it stopped without naming an error")
    missing = re.search(r"File `([^']+)' not found", log)
    hint = None
    if missing:
        name = missing.group(1)
        if "/" in name or name.startswith("."):  # the sandbox refused a path, or it does not exist
            message = f"the figure may not read '{name}'"
            hint = "a figure's TeX reads only TeX's own files; labels are text, math goes between $...$"
        else:
            message = f"the TeX file '{name}' is not installed"
            hint = f"install it ({PROVIDERS[name]})" if name in PROVIDERS else "install the TeX package that has it"
    span = None
    if match:
        tex_lines = tex.splitlines()
        line_no = int(match.group(1))
        snippet = tex_lines[line_no - 1].strip() if 0 < line_no <= len(tex_lines) else ""
        for back in range(min(line_no, len(tex_lines)) - 1, -1, -1):
            marker = re.match(r"% nn:(\d+)", tex_lines[back])
            if marker:  # the drawing this TeX line belongs to; 0: no .nn line (the figure's caption)
                span = Span(int(marker.group(1)), 1) if int(marker.group(1)) > 0 else None
                break
        if not missing:
            hint = f"generated TeX line {line_no}: {snippet[:160]}"
            if "TeX capacity exceeded" in message:
                span = None
                hint += ("\nthe figure holds more than pdflatex's memory takes: collapse its repeated layers "
                         "('collapse') or draw it in parts")
            elif "Dimension too large" in message:  # TeX draws at most 16384 pt (5.76 m)
                span = None
                hint += ("\nthe figure is larger than TeX can draw (5.76 m): wrap it onto rows with "
                         "'width 17cm wrap', or collapse its repeated layers")
            elif "Missing character" in message:
                lost = _lost_characters(log)
                message = ("a font has no glyph for " + (", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in lost)
                           if lost else "a character") + " in this label")
                hint += ("\nChinese is set in AR PL SungtiL GB (simplified Chinese, GB2312: write traditional "
                         "characters and Japanese-only kanji in their simplified form); other scripts under xelatex or "
                         "lualatex "
                         "in DejaVu Serif; or leave the character out")
            elif span:
                hint += "\nlabels are typeset as text; put TeX math in $...$ and check its braces"
    return LatexError(f"{engine_of(tex)}: {message}", span=span, path=source.path, source=source.text, hint=hint)


def _lost_characters(log: str) -> list[str]:
    """The characters a log says no font had: xelatex names them (U+...); pdflatex's CJK subfonts (gbsnu9a)
    carry the code's high byte in their name and the low byte in the message."""
    found = [chr(int(code, 16)) for code in re.findall(r"Missing character: There is no .*?\(U\+([0-9A-F]+)\)", log)]
    found += [chr(int(high + low, 16)) for low, high in
              re.findall(r'Missing character: There is no .*?\("([0-9A-F]{2})\) in font gbsnu([0-9a-f]{2})', log)]
    return list(dict.fromkeys(found))


def convert(pdf: bytes, fmt: str, *, dpi: int = 300, timeout: float = DEFAULT_TIMEOUT,
            transparent: bool = False) -> bytes:
    """The same figure as PNG (`transparent`: without its white page) or SVG, through Poppler. The SVG's text is
    found by pdftotext at the same time and laid over it, searchable (svg.py)."""
    if fmt == "pdf":
        return pdf
    with tempfile.TemporaryDirectory(prefix=_PREFIX) as folder:
        Path(folder, "figure.pdf").write_bytes(pdf)
        if fmt == "png" and transparent:
            commands = [[tool("pdftocairo"), "-png", "-transp", "-r", str(dpi), "-singlefile", "figure.pdf", "figure"]]
        elif fmt == "png":
            commands = [[tool("pdftoppm"), "-png", "-r", str(dpi), "-singlefile", "figure.pdf", "figure"]]
        else:
            commands = [[tool("pdftocairo"), "-svg", "figure.pdf", "figure.svg"],
                        [tool("pdftotext"), "-bbox-layout", "figure.pdf", "figure.html"]]
        processes = [_start(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for command in commands]
        try:
            errors = [process.communicate(timeout=timeout)[1] for process in processes]
        except subprocess.TimeoutExpired:
            raise OutputError(f"{Path(commands[0][0]).name} did not finish within {timeout:g} s",
                              hint="a lower --dpi, or a higher --timeout") from None
        finally:
            for process in processes:
                if process.poll() is None:
                    _stop(process)
        out = Path(folder, f"figure.{fmt}")
        for command, process, error in zip(commands, processes, errors):
            if process.returncode != 0 or not Path(folder, command[-1] + (".png" if fmt == "png" else "")).exists():
                raise OutputError(f"{Path(command[0]).name} could not convert the PDF to {fmt}: "
                                  f"{error.decode(errors='replace').strip()}")
        if fmt == "svg":
            from .svg import tidied, words
            return tidied(out.read_bytes(), words(Path(folder, "figure.html").read_text(encoding="utf-8")))
        return out.read_bytes()


def write_all(files: dict[Path, bytes], *, sources=()) -> list[Path]:
    """Write several outputs as one step: each goes to a temporary file beside it first (created exclusively, with
    an unpredictable name: a planted link is never followed), and only when all are written do they replace the
    old ones (a reader never sees half a file). Unchanged files are left alone, old date included, so that make does
    not remake what depends on them. An output that is one of the figure's `sources`, a device, a FIFO, a folder or
    a read-only file is refused before anything is written. Returns the files written."""
    for path in files:
        _check_target(Path(path), [Path(source) for source in sources])
    changed = {path: data for path, data in files.items() if not _same(path, data)}
    staged: list[tuple[str, Path]] = []
    mode = 0o666 & ~_umask()  # ordinary permissions for outputs
    try:
        for path, data in changed.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            staged.append((temporary, path))
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as err:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        where = next((path for temporary, path in staged if err.filename == temporary), None) or \
            err.filename or next(iter(changed), "")
        raise OutputError(f"cannot write it: {err.strerror or err}", path=str(where)) from None
    return list(changed)


def _check_target(path: Path, sources: list[Path]) -> None:
    """Refuse an output that would destroy what it lands on: a source of the figure, or what is not a regular file
    (writing a file in its place would replace /dev/null or a FIFO), or a file made read-only."""
    try:
        info = path.stat()  # (through a link: what the name stands for)
    except OSError:
        return  # nothing there yet
    if any(_same_file(path, source) for source in sources):
        raise OutputError("it is a source of the figure: writing there would destroy it", path=str(path),
                          hint="give another output name (-o)")
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else \
            "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a regular file"
        raise OutputError(f"it is {what}: tikznn writes regular files only", path=str(path),
                          hint="for the TeX on standard output, leave out -o (tikznn tex)")
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):  # (no write bit: read-only, even to root)
        raise OutputError("it is read-only: tikznn does not replace it", path=str(path),
                          hint="make it writable (chmod u+w), or give another output name")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def read_source(path: str | Path, limit: int) -> bytes:
    """The bytes of a .nn file (or a file one imports), refusing what is not a regular file (a device never ends, a
    FIFO may never start) and what is too big to be one, read with a hard limit whatever its size says."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # (a FIFO opens at once, to be refused)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ParseError("it is not a regular file (a device, a FIFO or a folder)", path=str(path),
                                 hint="name a .nn file")
            data = handle.read(limit + 1) if info.st_size <= limit else b""
        if info.st_size > limit or len(data) > limit:  # (one that grows while read is cut off all the same)
            size = f"{info.st_size:,} bytes" if info.st_size > limit else f"over {limit:,} bytes"
            raise ParseError(f"file is {size}; a .nn file is expected to be under {limit:,}",
                             path=str(path), hint="is this the right file?")
        return data
    except IsADirectoryError:
        raise ParseError("it is a folder, not a .nn file", path=str(path)) from None
    except OSError as err:
        raise OutputError(f"cannot read it: {err.strerror or err}", path=str(path)) from None
