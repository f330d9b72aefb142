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

import os
import sys

from . import cache

# The client's path, `served`, imports nothing a build that finds no builder does not: not json, re or pathlib (its
# request is a Python literal, which the spare reads with literal_eval), nor the socket and signal modules, which
# import enum (more than the rest of a served build's Python): it uses the interpreter's own _socket and _signal.
# The resident process and its spares import socket as usual.
try:
    import _signal
    import _socket
except ImportError:  # (an interpreter without them)
    import signal as _signal
    import socket as _socket

IDLE = 600.0  # seconds a warm builder waits for a build before it leaves
# variables that only describe a terminal, a shell or make: a client may differ in them and still be served
_HARMLESS = {"_", "PWD", "OLDPWD", "SHLVL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS",
             "MAKE_TERMOUT", "MAKE_TERMERR", "COLUMNS", "LINES", "PS1", "PS2", "PROMPT_COMMAND", "WINDOWID",
             "TERM_SESSION_ID", "SSH_TTY", "GPG_TTY", "STY", "TMUX_PANE", "PYTEST_CURRENT_TEST"}
_READY_TIMEOUT = 2.0  # seconds a client waits for a spare to take it; then it builds by itself
_SOCKET_PATH = 107  # bytes a Unix socket's path may have
_LOOK = 0.25  # seconds between a resident's looks at its socket (removed: it leaves) and idle time


def enabled() -> bool:
    return os.environ.get("TIKZNN_WARM", "1") != "0" and sys.platform.startswith("linux") and \
        hasattr(_socket, "SO_PEERCRED") and hasattr(_socket, "SCM_RIGHTS") and hasattr(os, "fork")


def _name() -> str:
    """The socket's name: tikznn's code, this Python, the environment a build may depend on, and the process's
    context (namespaces, control group, groups), so that a build in a sandbox is not served from outside it."""
    from .stamps import code
    environment = sorted((k, v) for k, v in os.environ.items() if k not in _HARMLESS)
    key = repr([code(), sys.executable, sys.version, environment, _context(), os.getgroups()])
    return f"warm-{cache.digest(key.encode())[:16]}"


_NAMESPACES = ("mnt", "pid", "user", "net", "ipc", "uts", "cgroup")


def _context(pid: int | str = "self") -> list:
    """The namespaces and control group a process runs in (None where /proc does not say)."""
    found: list = []
    for namespace in _NAMESPACES:
        try:
            found.append(os.stat(f"/proc/{pid}/ns/{namespace}").st_ino)
        except OSError:
            found.append(None)
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8") as cgroup:
            found.append(cgroup.read())
    except OSError:
        found.append(None)
    return found


def _peer(connection: _socket.socket) -> tuple[int, int]:
    """The process id and effective user id of the process at the other end of a Unix socket."""
    credentials = connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # (struct ucred: pid, uid, gid)
    return int.from_bytes(credentials[:4], sys.byteorder, signed=True), int.from_bytes(credentials[4:8], sys.byteorder)


# -- the client: `tikznn build` asks a warm builder first ------------------------------------------------------------

def served(argv: list[str]) -> int | None:
    """Run `tikznn build ARGV` in a warm builder: its exit status, or None when none took it (build here then)."""
    if not enabled():
        return None
    path = cache.private_name(_name() + ".sock")
    if path is None or not os.path.exists(path):
        return None
    for fd in (0, 1, 2):  # a closed one becomes /dev/null (the lowest free number: this one), not the socket
        if not _open(fd):
            os.open(os.devnull, os.O_RDWR)
    client = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    client.settimeout(_READY_TIMEOUT)
    try:
        client.connect(path)
        hello = _line(client)
        if _peer(client)[1] != os.geteuid() or not hello.startswith("ready "):
            client.close()
            return None
        worker = int(hello.split()[1])
        umask = os.umask(0o077)  # (read by setting it: set back at once)
        os.umask(umask)
        streams = [[getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"]
                   for stream in (sys.stdin, sys.stdout, sys.stderr)]
        request = repr({"argv": argv, "argv0": sys.argv[0], "program": _program(), "cwd": os.getcwd(),
                        "env": dict(os.environ), "umask": umask, "streams": streams}).encode()
        terminal = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))  # (as socket.send_fds sends them)
        client.sendmsg([b"%12d" % len(request)], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, terminal)])
        client.sendall(request)
    except (OSError, ValueError):
        client.close()
        return None  # (nothing was sent, or the spare died before it began: this build runs here)
    client.settimeout(None)
    received: list[int] = []

    def forward(number: int, _frame) -> None:  # Ctrl-C (or a kill) stops the build, as it would here
        received.append(number)
        try:
            client.sendall(b"%d\n" % number)
        except OSError:
            pass
    kept = {number: _signal.signal(number, forward) for number in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)
            if _signal.getsignal(number) != _signal.SIG_IGN}  # (nohup, or a job in the background: ignored)
    try:
        reply = _line(client)
    finally:
        for number, handler in kept.items():
            _signal.signal(number, handler)
    if "-v" in argv or "--verbose" in argv:
        print(f"(built by the warm builder, process {worker})", file=sys.stderr)
    if not reply.startswith("exit "):
        print("tikznn: the warm builder stopped during the build; run it again (TIKZNN_WARM=0 builds without one)",
              file=sys.stderr)
        return 1
    for number in set(received) - {_signal.SIGINT}:  # stopped by a signal: end by it, as tikznn would
        _signal.signal(number, _signal.SIG_DFL)
        os.kill(os.getpid(), number)
    return int(reply.split()[1])


def _program() -> str:
    """The command's name as click tells it (`tikznn`, or `python -m tikznn`), for usage lines."""
    main = sys.modules.get("__main__")
    package = getattr(main, "__package__", None)
    if not package:
        return os.path.basename(sys.argv[0])
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    return f"python -m {package if name == '__main__' else f'{package}.{name}'}"


def _open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _line(connection: _socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


def start() -> None:
    """Become a warm builder in the background, from this process once its build is done (everything is imported
    already): it leaves at once if another serves this environment. Nothing here changes the build's outcome."""
    try:
        if not enabled():
            return
        path = cache.private_file(_name() + ".sock")
        if path is None or len(os.fsencode(path)) > _SOCKET_PATH:
            return
        latex = sys.modules.get("tikznn.latex")
        if latex is not None:
            latex.stop_early()  # (a head start this build did not take would keep the spares from theirs)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        first = os.fork()
    except Exception:  # noqa: BLE001 (a closed pipe, no more processes: simply no warm builder)
        return
    if first:
        try:
            os.waitpid(first, 0)
        except OSError:
            pass
        return
    try:  # (forked twice, in a session of its own: no terminal, no parent waiting for it)
        os.setsid()
        if os.fork() == 0:
            nothing = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(nothing, fd)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # (a pipe of the caller held open would keep it waiting)
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
    import socket
    import time

    for number in (_signal.SIGCHLD, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGUSR1):
        _signal.signal(number, _signal.SIG_DFL)
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
    import gc
    gc.collect()
    gc.freeze()  # (what the warm-up made stays: a served build's collections look through its own objects only, where
    #              a full one looked through all of them, ~18 ms of ResNet-50's build)
    idle = float(os.environ.get("TIKZNN_WARM_IDLE", IDLE))
    path.unlink(missing_ok=True)  # (a socket left by one that was killed: we hold the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError:
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
            ready, _, _ = select.select([taken], [], [], min(idle, _LOOK))  # (and now and then: its socket there?)
            if ready:  # spares that took a client say so by their process ids
                data = os.read(taken, 4096)
                if spare is not None and str(spare).encode() in data.split():
                    last, spare, failed = time.monotonic(), None, 0
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
        if spare is not None:  # (a spare that took a client just now ignores it, and builds)
            try:
                os.kill(spare, _signal.SIGUSR1)
            except OSError:
                pass
        try:
            if path.stat().st_ino == ours:
                path.unlink()
        except OSError:
            pass


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


def _fork_spare(listener: _socket.socket, holder: int, taken: int, told: int) -> int:
    parent, pid = os.getpid(), os.fork()
    if pid:
        return pid

    from . import latex
    code = 1
    try:
        os.close(taken)
        os.close(holder)  # (the lock is the resident process's alone)
        _signal.signal(_signal.SIGUSR1, lambda *_: sys.exit(0))  # the resident leaves: so does its spare
        latex.die_with_parent()  # (even killed; once a build has begun, it is finished)
        if os.getppid() != parent:
            return
        latex.start_early()
        _rehearse()  # (while it waits: the memory a build touches becomes its own before a client comes)
        connection, _ = listener.accept()
        _signal.signal(_signal.SIGUSR1, _signal.SIG_IGN)  # (before it: this client was not greeted, builds itself)
        latex.die_with_parent(False)
        listener.close()
        os.write(told, b"%d\n" % os.getpid())
        os.close(told)
        code = _build(connection)
    except SystemExit:
        pass
    finally:
        latex.stop_early()  # (os._exit runs no atexit: a head start this build did not take is stopped here)
        os._exit(code)


def _build(connection: _socket.socket) -> int:
    """In a spare that a client took: run its build on its terminal, in its folder and environment."""
    import ast  # (imported by the warm-up already: nothing is imported here after a client connects)
    import socket

    pid, uid = _peer(connection)
    if uid != os.geteuid() or _context(pid) != _context():
        return 1  # (this user's builds only, from where it runs; the private folder keeps others out already)
    connection.sendall(b"ready %d\n" % os.getpid())
    head, fds, _, _ = socket.recv_fds(connection, 12, 3)
    try:
        while len(head) < 12:
            more = connection.recv(12 - len(head))
            if not more:
                return 1
            head += more
        size, data = int(head), b""
        while len(data) < size:
            more = connection.recv(size - len(data))
            if not more:
                return 1
            data += more
        request = ast.literal_eval(data.decode("utf-8"))  # (a literal: it runs nothing, whatever it holds)
        if not isinstance(request, dict):
            return 1
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return 1
    finally:
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
    if len(fds) != 3:
        return 1
    done = []
    _watch(connection, done)
    status = _run(request, fds)
    done.append(True)
    try:
        connection.sendall(b"exit %d\n" % status)
    except OSError:
        pass
    return 0


def _watch(connection: _socket.socket, done: list) -> None:
    """Stop the build (as Ctrl-C would) when its client forwards a signal, or is gone (killed)."""
    import threading

    def watch() -> None:
        try:
            connection.recv(64)
        except OSError:
            pass
        if not done:
            os.kill(os.getpid(), _signal.SIGINT)
    threading.Thread(target=watch, daemon=True).start()


def _run(request: dict, fds: list[int]) -> int:
    """The build itself, as `tikznn` would run it: its exit status."""
    import tempfile

    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    status = 1
    try:
        (inp, inp_errors), (out, out_errors), (err, err_errors) = request["streams"]
        sys.stdin = open(0, encoding=inp, errors=inp_errors, closefd=False)
        sys.stdout = open(1, "w", encoding=out, errors=out_errors, closefd=False,
                          buffering=1 if os.isatty(1) else -1)
        sys.stderr = open(2, "w", encoding=err, errors=err_errors, closefd=False, buffering=1)
        os.environ.clear()
        os.environ.update(request["env"])
        os.umask(request["umask"])
        tempfile.tempdir = None
        sys.argv = [request["argv0"], *request["argv"]]
        os.chdir(request["cwd"])
        from .cli import main
        from .errors import exit_status
        main(prog_name=request["program"])
        status = 0
    except SystemExit as stop:
        status = exit_status(stop)
    except KeyboardInterrupt:
        status = 130
    except Exception as err:  # noqa: BLE001 (its folder is gone, an encoding unknown here)
        print(f"tikznn: {err}", file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    return status


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


def _rehearse() -> None:
    """In a spare: draw a small network as a build would (its TeX not compiled). The memory a build touches is the
    resident process's until written, then copied page by page: copied now, not while a client waits (8-10 ms of
    LeNet's build)."""
    from .parser import parse
    from .pipeline import composed_tex
    network = parse(_CHAIN.replace("flatten", _BRANCHES + "flatten"))
    composed_tex(network, network.figure)


def _warm_up() -> None:
    """Import and compile everything a build uses: lay out two small networks in every style (so that a build's
    modules are loaded and its caches made once, here, rather than in every build)."""
    import ast  # noqa: F401 (what a build imports when it runs, and a spare reading its client's request)
    import encodings.ascii  # noqa: F401
    import io
    import encodings.utf_8_sig  # noqa: F401
    from concurrent.futures import ThreadPoolExecutor  # noqa: F401

    from PIL import Image, ImageOps
    from contextlib import nullcontext, suppress

    from . import cli, compiled, styles, svg  # noqa: F401
    from .errors import LayoutError
    from .latex import installed_wide_engine, needed_files, setpriv_found, tex_files
    from .parser import parse
    from .pipeline import composed_tex

    cli.command()
    compiled.load_templates()
    setpriv_found()  # (tried once, here)
    tex_files(needed_files())  # (kpsewhich, 20 ms, asked once here for what a Chinese label needs)
    Image.init()  # a figure's pictures (images.py): every format Pillow tells apart, PNG and JPEG read and written
    for fmt in ("PNG", "JPEG"):
        written = io.BytesIO()
        Image.new("RGB", (2, 2)).save(written, fmt)
        with Image.open(io.BytesIO(written.getvalue())) as image:
            ImageOps.exif_transpose(image).save(io.BytesIO(), "PNG")
    chain = parse(_CHAIN)
    branches = parse(_CHAIN.replace("flatten", _BRANCHES + "flatten"))
    for style in styles.names():
        for network in (chain, branches):
            with suppress(LayoutError) if network is branches else nullcontext():  # (a style that draws chains)
                composed_tex(network, network.figure.but(style=style, width="column"),
                             wide_engine=installed_wide_engine())
