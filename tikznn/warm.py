"""The warm builder: a resident tikznn process that has imported and compiled everything and keeps a pdflatex
waiting on its preloaded format, so that a `tikznn build` costs little more than pdflatex's own work on the figure.

The first `build` that finds none becomes one after its own build (forked into the background); it
leaves TIKZNN_WARM_IDLE seconds (default 600) after its last build, or when its socket is removed. TIKZNN_WARM=0:
never used, never started.

Shape: the resident process never builds. It keeps one forked spare, which starts pdflatex (latex.start_early) and
waits for a client. A client connects, and the spare tells the resident process (which forks the next spare),
takes the client's terminal (its stdin, stdout and stderr, passed over the socket), folder, umask, environment and
command line, runs the CLI as `tikznn` would, sends back the exit status and ends. Each build has a process of its
own: builds run side by side under make -j, and nothing of one build is left for the next.

Who may connect: the socket is in the private cache folder (cache.py), and its peer must be this user
(SO_PEERCRED). Which process serves: the socket is named by a hash of tikznn's code, Python and the environment
(without the variables that only describe a terminal or make), so a changed tikznn or TeX setting gets its own.
Linux only (SO_PEERCRED, file descriptors over sockets, fork); elsewhere every build runs in its own process.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

from . import cache

IDLE = 600.0  # seconds a warm builder waits for a build before it leaves
# variables that only describe a terminal, a shell or make: a client may differ in them and still be served
_HARMLESS = {"_", "PWD", "OLDPWD", "SHLVL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS",
             "MAKE_TERMOUT", "MAKE_TERMERR", "COLUMNS", "LINES", "PS1", "PS2", "PROMPT_COMMAND", "WINDOWID",
             "TERM_SESSION_ID", "SSH_TTY", "GPG_TTY", "STY", "TMUX_PANE", "PYTEST_CURRENT_TEST"}
_READY_TIMEOUT = 2.0  # seconds a client waits for a spare to take it; then it builds by itself


def enabled() -> bool:
    return os.environ.get("TIKZNN_WARM", "1") != "0" and sys.platform.startswith("linux") and \
        hasattr(socket, "SO_PEERCRED") and hasattr(socket, "send_fds") and hasattr(os, "fork")


def _name() -> str:
    """The socket's name: tikznn's code, this Python, and what of the environment a build may depend on."""
    from .stamps import code
    environment = sorted((k, v) for k, v in os.environ.items() if k not in _HARMLESS)
    key = json.dumps([code(), sys.executable, sys.version, environment])
    return f"warm-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


# -- the client: `tikznn build` asks a warm builder first ------------------------------------------------------------

def served(argv: list[str]) -> int | None:
    """Run `tikznn build ARGV` in a warm builder: its exit status, or None when none took it (build here then)."""
    if not enabled():
        return None
    path = cache.private_file(_name() + ".sock")
    if path is None or not path.exists():
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(_READY_TIMEOUT)
    try:
        client.connect(str(path))
        hello = _line(client)
        if not hello.startswith("ready "):
            return None
        worker = int(hello.split()[1])
        terminal = [fd if _open(fd) else os.open(os.devnull, os.O_RDWR) for fd in (0, 1, 2)]
        umask = os.umask(0o077)  # (read by setting it: set back at once)
        os.umask(umask)
        request = json.dumps({"argv": argv, "argv0": sys.argv[0], "cwd": os.getcwd(), "env": dict(os.environ),
                              "umask": umask, "encoding": [sys.stdin.encoding if sys.stdin else "utf-8",
                                                              sys.stdout.encoding if sys.stdout else "utf-8",
                                                              sys.stderr.encoding if sys.stderr else "utf-8"]})
        data = request.encode()
        socket.send_fds(client, [b"%12d" % len(data)], terminal)
        client.sendall(data)
    except (OSError, ValueError):
        client.close()
        return None  # (nothing was sent, or the spare died before it began: this build runs here)
    client.settimeout(None)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # Ctrl-C stops the build, as it would here
        signal.signal(number, lambda received, _: _forward(worker, received))
    reply = _line(client)
    if "-v" in argv or "--verbose" in argv:
        print(f"(built by the warm builder, process {worker})", file=sys.stderr)
    if reply.startswith("exit "):
        return int(reply.split()[1])
    print("tikznn: the warm builder stopped during the build; run it again (TIKZNN_WARM=0 builds without one)",
          file=sys.stderr)
    return 1


def _forward(worker: int, number: int) -> None:
    try:
        os.kill(worker, number)
    except OSError:
        pass


def _open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _line(connection: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


def start() -> None:
    """Become a warm builder in the background, from this process once its build is done (everything is imported
    already): it leaves at once if another serves this environment."""
    if not enabled() or cache.private_file(_name() + ".sock") is None:
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    first = os.fork()
    if first:
        os.waitpid(first, 0)
        return
    try:  # (forked twice, in a session of its own: no terminal, no parent waiting for it)
        os.setsid()
        if os.fork() == 0:
            nothing = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(nothing, fd)
            os.closerange(3, 1 << 16)  # (a pipe of the command's caller held open would keep it waiting)
            os.chdir("/")
            with open("/proc/self/comm", "w") as name:  # (what ps and top call it)
                name.write("tikznn-warm")
            serve()
    finally:
        os._exit(0)


# -- the resident process and its spares ------------------------------------------------------------------------------

def serve() -> None:
    """The warm builder's main loop (its own process, started by start())."""
    import fcntl
    import select
    import time

    name = _name()
    path, lock = cache.private_file(name + ".sock"), cache.private_file(name + ".lock")
    if path is None or lock is None:
        return
    holder = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another one serves (or is starting)
    os.ftruncate(holder, 0)
    os.write(holder, b"%d\n" % os.getpid())
    _warm_up()
    idle = float(os.environ.get("TIKZNN_WARM_IDLE", IDLE))
    path.unlink(missing_ok=True)  # (a socket left by one that was killed: we hold the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError:  # (a cache folder whose path is too long for a socket: no warm builder)
        return
    finally:
        os.umask(old)
    listener.listen(64)
    ours = path.stat().st_ino
    taken, told = os.pipe()
    spare, failed = _fork_spare(listener, holder, taken, told), 0
    last = time.monotonic()
    try:
        while True:
            ready, _, _ = select.select([taken], [], [], min(idle, 2.0))
            if ready and os.read(taken, 64):
                last, spare, failed = time.monotonic(), None, 0  # (the spare builds now)
            waiting = _reap(spare)
            failed += spare is not None and waiting is None  # (a spare that died waiting)
            if failed > 3:
                break
            spare = waiting or _fork_spare(listener, holder, taken, told)
            try:
                moved = path.stat().st_ino != ours
            except OSError:
                moved = True
            if moved or time.monotonic() - last > idle:
                break
    finally:
        if spare is not None:
            _forward(spare, signal.SIGKILL)
        try:
            if path.stat().st_ino == ours:
                path.unlink()
        except OSError:
            pass


_CHAIN = """network "warm"
input 3x32x32 "Input"
conv 8 k3 p1 relu "Conv"
pool max 2
flatten
dense 10 softmax "Output"
"""
_BRANCHES = """block res(c)
    conv $c k3 p1 bn
    add in relu
end
res(8) x2
"""


def _warm_up() -> None:
    """Import and compile everything a build uses: lay out two small networks in every style (so that a build's
    modules are loaded and its caches made once, here, rather than in every build)."""
    import encodings.ascii  # noqa: F401 (what a build imports when it runs)
    import encodings.utf_8_sig  # noqa: F401
    from concurrent.futures import ThreadPoolExecutor  # noqa: F401
    from contextlib import nullcontext, suppress

    from . import cli, compiled, styles
    from .errors import LayoutError
    from .latex import installed_wide_engine
    from .parser import parse
    from .pipeline import composed_tex

    cli.command()
    compiled.load_templates()
    chain = parse(_CHAIN)
    branches = parse(_CHAIN.replace("flatten", _BRANCHES + "flatten"))
    for style in styles.names():
        for network in (chain, branches):
            with suppress(LayoutError) if network is branches else nullcontext():  # (a style that draws chains)
                composed_tex(network, network.figure.but(style=style, width="column"),
                             wide_engine=installed_wide_engine())


def _reap(spare: int | None) -> int | None:
    """Collect finished builds; the spare if it still waits, else None."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return None
        if pid == 0:
            return spare
        if pid == spare:
            spare = None


def _fork_spare(listener: socket.socket, holder: int, taken: int, told: int) -> int:
    parent, pid = os.getpid(), os.fork()
    if pid:
        return pid
    from . import latex
    code = 1
    try:
        os.close(taken)
        os.close(holder)  # (the lock is the resident process's alone)
        latex.die_with_parent()  # (a spare outlives nobody; a build, once begun, is finished)
        if os.getppid() != parent:
            return
        latex.start_early()
        connection, _ = listener.accept()
        latex.die_with_parent(False)
        listener.close()
        os.write(told, b"1")
        os.close(told)
        code = _build(connection)
    finally:
        latex.stop_early()  # (os._exit runs no atexit: a head start this build did not take is stopped here)
        os._exit(code)


def _build(connection: socket.socket) -> int:
    """In a spare that a client took: run its build on its terminal, in its folder and environment."""
    import struct

    _pid, uid, _gid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                struct.calcsize("3i")))
    if uid != os.getuid():
        return 1  # (only this user's builds; the folder should have kept others out already)
    connection.sendall(b"ready %d\n" % os.getpid())
    head, fds, _, _ = socket.recv_fds(connection, 12, 3)
    while len(head) < 12:
        more = connection.recv(12 - len(head))
        if not more:
            return 1
        head += more
    if len(fds) != 3:
        return 1
    size, data = int(head), b""
    while len(data) < size:
        more = connection.recv(size - len(data))
        if not more:
            return 1
        data += more
    request = json.loads(data)
    status = _run(request, fds)
    connection.sendall(b"exit %d\n" % status)
    return 0


def _run(request: dict, fds: list[int]) -> int:
    import tempfile

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    encodings = request["encoding"]
    sys.stdin = open(0, encoding=encodings[0], closefd=False)
    sys.stdout = open(1, "w", encoding=encodings[1], closefd=False, buffering=1 if os.isatty(1) else -1)
    sys.stderr = open(2, "w", encoding=encodings[2], errors="backslashreplace", closefd=False, buffering=1)
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    tempfile.tempdir = None
    sys.argv = [request["argv0"], *request["argv"]]
    from .cli import main

    status = 0
    try:
        os.chdir(request["cwd"])
        main()
    except SystemExit as stop:
        if isinstance(stop.code, int) or stop.code is None:
            status = stop.code or 0
        else:
            print(stop.code, file=sys.stderr)
            status = 1
    except OSError as err:  # (its folder is gone)
        print(f"tikznn: {err}", file=sys.stderr)
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:
                pass
    return status
