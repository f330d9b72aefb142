"""The warm builder (tikznn/warm.py): a build it serves is the build `tikznn` would make (same PDF, messages, exit
status, folder, umask), builds run side by side, Ctrl-C stops one, it leaves when idle or when its socket goes, and
no one but its user is served."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, as_typed, seeded_cache

pytestmark = pytest.mark.latex


def cache_folder():
    """A cache folder of its own, under /tmp (a socket's path has at most 107 bytes: pytest's folders are deeper);
    at the end, the builder it holds is stopped and the folder removed."""
    folder = seeded_cache(Path(tempfile.mkdtemp(prefix="tikznn-warm-")))
    yield folder
    for lock in folder.glob("warm-*.lock"):  # (each leaves within a quarter of a second of its socket going in any case)
        try:
            os.kill(int(lock.read_text()), signal.SIGKILL)
        except (ValueError, OSError):
            pass
    shutil.rmtree(folder, ignore_errors=True)


cache = pytest.fixture(scope="module")(cache_folder)
own_cache = pytest.fixture(cache_folder)


def environment(cache: Path, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TIKZNN_WARM"}  # (conftest turns it off for other tests)
    return dict(env, TIKZNN_CACHE=str(cache), **more)


def resident(cache: Path) -> int | None:
    """The process id of the warm builder listening in this cache folder, once it listens (None if none within 20 s)."""
    for _ in range(200):
        for lock in cache.glob("warm-*.lock"):
            if lock.with_suffix(".sock").exists() and lock.read_text().strip():
                return int(lock.read_text())
        time.sleep(0.1)
    return None


def gone(pid: int, seconds: float) -> bool:
    for _ in range(int(seconds * 10)):
        if stopped(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def warm(cache, tmp_path_factory):
    """A warm builder started as a user's first build starts it; its process id."""
    folder = tmp_path_factory.mktemp("first")
    run = as_typed("build", EXAMPLES / "lenet.nn", "-o", folder / "first.pdf", env=environment(cache), cwd=folder)
    assert run.returncode == 0, run.stderr
    pid = resident(cache)
    assert pid is not None, "the first build started no warm builder"
    return pid


SERVED = re.compile(r"\(built by the warm builder, process (\d+)\)")


def test_a_served_build_is_the_build_tikznn_makes(warm, cache, tmp_path):
    env = environment(cache)
    (tmp_path / "sub").mkdir()
    shutil.copy(EXAMPLES / "lenet.nn", tmp_path / "sub")
    alone = as_typed("build", "sub/lenet.nn", "-o", "alone.pdf", "-v", env=dict(env, TIKZNN_WARM="0"), cwd=tmp_path)
    served = as_typed("build", "sub/lenet.nn", "-o", "served.pdf", "-v", env=env, cwd=tmp_path)
    assert alone.returncode == served.returncode == 0, served.stderr
    assert not SERVED.search(alone.stderr) and int(SERVED.search(served.stderr).group(1)) != warm
    assert served.stdout == alone.stdout.replace("alone.pdf", "served.pdf")
    # relative to the client's folder, the same bytes
    assert (tmp_path / "served.pdf").read_bytes() == (tmp_path / "alone.pdf").read_bytes()


def test_errors_exit_status_and_umask_are_the_clients(warm, cache, tmp_path):
    env = environment(cache)
    (tmp_path / "bad.nn").write_text('network "x"\ninput 3x32x32\nconv 4 k3 bogus\n')
    alone = as_typed("build", "bad.nn", env=dict(env, TIKZNN_WARM="0"), cwd=tmp_path)
    served = as_typed("build", "bad.nn", "-v", env=env, cwd=tmp_path)
    assert SERVED.search(served.stderr)
    assert served.returncode == alone.returncode == 3
    assert SERVED.sub("", served.stderr).strip() == alone.stderr.strip()
    assert "bad.nn:3:11" in served.stderr
    shutil.copy(EXAMPLES / "mlp.nn", tmp_path)
    served = as_typed("build", "mlp.nn", "-v", env=env, cwd=tmp_path, preexec_fn=lambda: os.umask(0o077))
    assert served.returncode == 0 and SERVED.search(served.stderr)
    assert (tmp_path / "mlp.pdf").stat().st_mode & 0o777 == 0o600


def test_builds_run_side_by_side_each_in_its_own_process(warm, cache, tmp_path):
    env = environment(cache)
    names = ["lenet", "mlp", "vgg16"]
    for name in names:
        shutil.copy(EXAMPLES / f"{name}.nn", tmp_path)
    clients = [subprocess.Popen([sys.executable, "-m", "tikznn", "build", f"{name}.nn", "-v"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in names]
    outputs = [client.communicate(timeout=120) for client in clients]
    assert [client.returncode for client in clients] == [0, 0, 0], outputs
    workers = {SERVED.search(err).group(1) for _, err in outputs}
    assert len(workers) == 3 and all((tmp_path / f"{name}.pdf").exists() for name in names)


def long_build(folder: Path, env: dict, spare: int) -> subprocess.Popen:
    """A served build of 1,500 layers (seconds), begun by the spare: its client."""
    pattern = ["conv 16 k3 p1 relu", "conv 16 k3 p1 relu", "pool max k3 s1 p1"]
    (folder / "long.nn").write_text("\n".join(["input 16x32x32"] + [pattern[i % 3] for i in range(1500)]) + "\n")
    client = subprocess.Popen([sys.executable, "-m", "tikznn", "build", "long.nn", "-v", "--width", "100cm", "--wrap"],
                              cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(400):  # served: the spare has read the request and gone to the client's folder to build
        try:
            if os.readlink(f"/proc/{spare}/cwd") == str(folder):
                break
        except OSError:
            pass
        time.sleep(0.01)
    else:
        raise AssertionError("the spare did not take the build")
    time.sleep(0.1)
    return client


def settled(cache: Path) -> int:
    """The spare, once the builds before have ended (a build's process may still be ending after its reply)."""
    for _ in range(100):
        found = spares(cache)
        if len(found) == 1:
            return found.pop()
        time.sleep(0.05)
    raise AssertionError(f"not one spare but {found}")


def spares(cache: Path) -> set[int]:
    """The warm builder's children that are running (its spare, and builds)."""
    resident = int(next(cache.glob("warm-*.lock")).read_text())
    children = Path(f"/proc/{resident}/task/{resident}/children").read_text().split()
    return {int(pid) for pid in children if not stopped(int(pid))}


def stopped(pid: int) -> bool:
    """Ended (a zombie counts: its parent collects it within a quarter of a second)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


@pytest.mark.parametrize("stop, status", [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM),
                                          (signal.SIGKILL, -signal.SIGKILL)])
def test_a_served_build_stopped_or_killed_stops_and_writes_nothing(warm, cache, tmp_path, stop, status):
    """Ctrl-C stops it (130); a client ended by a signal ends by it, and its build stops even when the client was
    killed outright (nothing left to tell it)."""
    spare = settled(cache)  # (the one waiting: it takes the next build)
    client = long_build(tmp_path, environment(cache), spare)
    assert not stopped(spare)
    client.send_signal(stop)
    _, err = client.communicate(timeout=60)
    assert client.returncode == status, err
    assert gone(spare, 10) and not (tmp_path / "long.pdf").exists()


def test_a_build_with_its_output_closed_is_built(warm, cache, own_cache, tmp_path):
    """A closed stdout is not passed on as the socket (nor does the first build, starting a builder, fail on it)."""
    shutil.copy(EXAMPLES / "mlp.nn", tmp_path)
    for env in (environment(cache), environment(own_cache)):  # served; built, then a builder started (and stopped)
        (tmp_path / "mlp.pdf").unlink(missing_ok=True)
        run = as_typed("build", "mlp.nn", "-v", env=env, cwd=tmp_path, preexec_fn=lambda: os.close(1))
        assert run.returncode == 0 and (tmp_path / "mlp.pdf").exists(), run.stderr


def test_usage_errors_name_the_command_as_typed(warm, cache, tmp_path):
    env = environment(cache)
    served = as_typed("build", "--bogus", env=env, cwd=tmp_path)
    alone = as_typed("build", "--bogus", env=dict(env, TIKZNN_WARM="0"), cwd=tmp_path)
    assert served.returncode == alone.returncode == 2
    assert served.stderr == alone.stderr and "python -m tikznn build" in served.stderr


def test_not_served_when_turned_off_or_its_socket_is_stale(own_cache, tmp_path):
    cache = own_cache
    shutil.copy(EXAMPLES / "mlp.nn", tmp_path)
    run = as_typed("build", "mlp.nn", env=environment(cache, TIKZNN_WARM="0"), cwd=tmp_path)
    assert run.returncode == 0 and not list(cache.glob("warm-*"))  # none started
    # a socket file no process listens on (one killed with SIGKILL): the build runs by itself
    env = environment(cache, TIKZNN_WARM_IDLE="1")
    probe = subprocess.run([sys.executable, "-c", "from tikznn.warm import _name; print(_name())"], env=env,
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    import socket
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(cache / f"{probe.stdout.strip()}.sock"))
    stale.close()
    run = as_typed("build", "mlp.nn", "-o", "again.pdf", "-v", env=env, cwd=tmp_path)
    assert run.returncode == 0 and not SERVED.search(run.stderr) and (tmp_path / "again.pdf").exists()
    # and the builder it then started replaced the stale socket; idle for a second, it leaves
    pid = resident(cache)
    assert pid is not None and gone(pid, 10)
    assert not list(cache.glob("warm-*.sock"))


def test_it_leaves_when_its_socket_is_removed(own_cache, tmp_path):
    cache = own_cache
    shutil.copy(EXAMPLES / "mlp.nn", tmp_path)
    assert as_typed("build", "mlp.nn", env=environment(cache), cwd=tmp_path).returncode == 0
    pid = resident(cache)
    assert pid is not None
    next(cache.glob("warm-*.sock")).unlink()
    assert gone(pid, 10)


def as_another_user(socket_path: Path) -> str:
    """What user 65534 gets from the socket: 'no entry', 'closed' (connected, then refused) or the greeting."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # (forked, not run: another user may not run this Python)
        answer = "closed"
        try:
            os.setuid(65534)
            import socket
            client = socket.socket(socket.AF_UNIX)
            client.settimeout(5)
            client.connect(str(socket_path))
            answer = client.recv(64).decode() or "closed"
        except PermissionError:
            answer = "no entry"
        except BaseException as err:  # noqa: BLE001
            answer = repr(err)
        finally:
            os.write(writing, answer.encode())
            os._exit(0)
    os.close(writing)
    os.waitpid(pid, 0)
    with os.fdopen(reading) as answer:
        return answer.read().strip()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root, to connect as another user")
def test_another_user_is_not_served(own_cache, tmp_path):
    """The private cache folder keeps other users from the socket; behind it, the builder serves only its user."""
    cache = own_cache  # (in /tmp: pytest's own folders are closed to others)
    shutil.copy(EXAMPLES / "mlp.nn", tmp_path)
    try:
        assert as_typed("build", "mlp.nn", env=environment(cache), cwd=tmp_path).returncode == 0
        assert resident(cache) is not None
        socket_path = next(cache.glob("warm-*.sock"))
        assert as_another_user(socket_path) == "no entry"
        cache.chmod(0o711)  # the folder and socket opened to everyone: the builder itself refuses
        socket_path.chmod(0o666)
        assert as_another_user(socket_path) == "closed"
        cache.chmod(0o700)
        socket_path.chmod(0o600)  # (a socket others could write is not used: cache.private_file)
        os.unlink(tmp_path / "mlp.pdf")  # and it still serves its user
        served = as_typed("build", "mlp.nn", "-v", env=environment(cache), cwd=tmp_path)
        assert served.returncode == 0 and SERVED.search(served.stderr)
    finally:
        cache.chmod(0o700)


def test_the_warm_up_loads_everything_a_build_uses(tmp_path):
    """What a build imports after the warm-up would be imported again by every build it serves."""
    code = ("import sys\nfrom tikznn import warm, pipeline\nwarm._warm_up()\nbefore = set(sys.modules)\n"
            "for name in sys.argv[1:]:\n"  # (each format once is enough: what it imports is the same for all)
            "    formats = ['pdf', 'png', 'svg'] if name.endswith('lenet.nn') else ['pdf']\n"
            "    pipeline.build_figure(name, name.rsplit('/', 1)[1] + '.pdf', formats=formats)\n"
            "print(sorted(set(sys.modules) - before))\n")
    examples = [EXAMPLES / f"{name}.nn" for name in ("lenet", "swin_t", "unet", "transformer")]
    run = subprocess.run([sys.executable, "-c", code, *map(str, examples)], cwd=tmp_path, capture_output=True,
                         text=True, env=environment(seeded_cache(tmp_path / "cache")), timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
