"""`tikznn serve`: a local page with the .nn text beside its figure and its `info` table, redrawn as you type.

Everything the page needs ships in tikznn/web (no CDN). The server answers on loopback only unless --host says
otherwise. It reads and writes only the .nn files it was started on (a file, or the .nn files of a folder), named
to it by their index in that list, never by a path the page sends; a figure's imports and images are read as a
build reads them. Requests that change anything must carry the header X-Tikznn (which a page of another site
cannot send without this server's leave) and come from this server's own origin; every request must name the
server by its own address (the Host header), which keeps out pages whose site name was pointed here. Each file
is built one build at a time, and a build whose text is no longer the newest is skipped. Figures are made by the
build's own pipeline (pipeline.drawn_from_text).
"""
from __future__ import annotations

import json
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import TikznnError

WEB = Path(__file__).resolve().parent / "web"
PAGES = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
         "/style.css": ("style.css", "text/css; charset=utf-8")}
WIDTHS = {"": None, "column": "column", "page": "page"}  # what the page may ask a figure's width to be
EXPORTS = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml", "tikz": "text/x-tex"}
MAX_TEXT = 1_000_000


class Files:
    """The .nn files a server was started on, and what is being built of each."""

    def __init__(self, target: Path):
        # (a folder's regular .nn files: not a link, which may lead anywhere, nor a FIFO, which never ends)
        self.paths = sorted(path for path in target.glob("*.nn") if path.is_file() and not path.is_symlink()) \
            if target.is_dir() else [target]
        self.locks = [threading.Lock() for _ in self.paths]
        self.newest = [0 for _ in self.paths]
        self.guard = threading.Lock()

    def ask(self, index: int) -> int:
        """A number for a build of this file, newer than every one asked before."""
        with self.guard:
            self.newest[index] += 1
            return self.newest[index]

    def is_newest(self, index: int, number: int) -> bool:
        with self.guard:
            return self.newest[index] == number


def figure(files: Files, index: int, text: str, width: str | None, number: int) -> dict:
    """What the page shows of a text: its SVG, table and totals, its smallest text; or its error, located."""
    from .pipeline import drawn_from_text
    from .report import row
    from .shapes import human

    path = files.paths[index]
    with files.locks[index]:  # (one build of a file at a time; one that is no longer the newest is skipped)
        if not files.is_newest(index, number):
            return {"stale": True}
        try:
            drawn = drawn_from_text(text, path, "svg", **({"width": width} if width else {}))
        except TikznnError as err:
            span = err.span if err.path in (None, str(path)) else None  # (a line of another file is not this one's)
            return {"error": {"message": str(err), "line": span.line if span else None,
                              "column": span.column if span else None}}
    network, analysis = drawn.network, drawn.analysis
    rows = [row(layer, analysis[layer.name]) for layer in network.layers]
    params = sum(a.params for a in analysis.values())
    macs = sum(a.macs for a in analysis.values())
    lines = {r["name"]: r["line"] for r in rows}
    shapes = [{"line": lines.get(layer), "box": [round(v, 2) for v in box]} for layer, *box in drawn.regions]
    return {"svg": drawn.data.decode("utf-8"), "rows": rows, "notes": drawn.notes, "shapes": shapes,
            "totals": f"{params:,} parameters, {human(macs)} MACs",
            "smallest": f"{drawn.smallest_pt:.1f} pt" + (f" at {width}" if width else " at its natural size")}


def _is_address(name: str) -> bool:
    """An IP address, not a name (a name can be pointed anywhere; an address is where it is)."""
    import ipaddress
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _text_of(path: Path) -> str:
    """A served file's text (a file that is no longer a regular one, or not UTF-8, shows as what it is)."""
    from .latex import read_source
    try:
        return read_source(path, MAX_TEXT).decode("utf-8", "replace")
    except TikznnError as err:
        return f"# {err.message}\n"


class Handler(BaseHTTPRequestHandler):
    files: Files
    origins: set[str]
    timeout = 30  # seconds a connection may keep a thread without sending its request
    anywhere: bool = False  # started with --host 0.0.0.0: asked by any of the machine's addresses
    server_version = "tikznn"

    def log_message(self, *args) -> None:  # (quiet: the terminal shows where the page is, and errors)
        pass

    def _from_here(self) -> bool:
        """A request that names this server as it was started (a page of another site whose name was made to point
        here names that site: DNS rebinding) is refused."""
        host = self.headers.get("Host", "")
        if "http://" + host in self.origins or self.anywhere and _is_address(host.rpartition(":")[0].strip("[]")):
            return True
        self._send(HTTPStatus.MISDIRECTED_REQUEST, b"ask this server by its own address", "text/plain")
        return False

    def do_GET(self) -> None:
        if not self._from_here():
            return
        if self.path in PAGES:
            name, kind = PAGES[self.path]
            return self._send(HTTPStatus.OK, (WEB / name).read_bytes(), kind)
        if self.path == "/api/files":
            return self._json({"files": [{"index": i, "name": path.name, "text": _text_of(path)}
                                         for i, path in enumerate(self.files.paths)]})
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def do_POST(self) -> None:
        try:
            self._post()
        except (BrokenPipeError, ConnectionResetError):  # (the page went away)
            pass
        except Exception as err:  # noqa: BLE001 (a bug: said to the page, not a traceback on the terminal)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"tikznn: internal error: {type(err).__name__}: {err}"
                       .encode("utf-8", "replace"), "text/plain; charset=utf-8")

    def _post(self) -> None:
        if not self._from_here():
            return
        if self.headers.get("X-Tikznn") != "1" or self.headers.get("Origin") != "http://" + self.headers["Host"]:
            return self._send(HTTPStatus.FORBIDDEN, b"from this server's own page only", "text/plain")
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if not 0 < length <= MAX_TEXT * 2:
                raise ValueError("too long")
            request = json.loads(self.rfile.read(length))
            index, text = request["file"], request["text"]
            if type(index) is not int or not 0 <= index < len(self.files.paths):
                raise ValueError("no such file")
            if not isinstance(text, str) or len(text) > MAX_TEXT:
                raise ValueError("the text is not a string of at most a million characters")
            text.encode("utf-8")  # (a lone surrogate is no text)
        except (ValueError, KeyError, TypeError, RecursionError) as err:
            return self._send(HTTPStatus.BAD_REQUEST, str(err).encode(), "text/plain")
        if self.path == "/api/build":
            width = WIDTHS.get(str(request.get("width", "")), None)
            return self._json(figure(self.files, index, text, width, self.files.ask(index)))
        if self.path == "/api/save":
            from .latex import write_all
            try:
                write_all({self.files.paths[index]: text.encode("utf-8")})
            except TikznnError as err:
                return self._json({"error": {"message": str(err)}})
            return self._json({"saved": self.files.paths[index].name})
        fmt = request.get("format")
        if self.path == "/api/export" and isinstance(fmt, str) and fmt in EXPORTS:
            from .pipeline import drawn_from_text
            with self.files.locks[index]:  # (one build of a file at a time, exports too)
                try:
                    drawn = drawn_from_text(text, self.files.paths[index], fmt, dpi=300)
                except TikznnError as err:
                    return self._send(HTTPStatus.UNPROCESSABLE_ENTITY, str(err).encode(), "text/plain; charset=utf-8")
            stem = re.sub(r"[^A-Za-z0-9._-]", "_", self.files.paths[index].stem) or "figure"
            return self._send(HTTPStatus.OK, drawn.data, EXPORTS[fmt], f'attachment; filename="{stem}.{fmt}"')
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _json(self, body: dict) -> None:
        self._send(HTTPStatus.OK, json.dumps(body).encode("utf-8"), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, kind: str, disposition: str | None = None) -> None:
        try:
            self._respond(status, body, kind, disposition)
        except (BrokenPipeError, ConnectionResetError):  # (the page went away)
            pass

    def _respond(self, status: HTTPStatus, body: bytes, kind: str, disposition: str | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
        if disposition:
            self.send_header("Content-Disposition", disposition)
        self.end_headers()
        self.wfile.write(body)


def run(target: Path, host: str, port: int, ready=print) -> None:
    """Serve until interrupted; `ready` is told the page's address once it listens."""
    files = Files(target)
    if not files.paths:
        raise TikznnError(f"{target} has no .nn files", hint="give a .nn file or a folder that holds some")
    handler = type("Handler", (Handler,), {"files": files, "origins": set()})
    server_class = type("Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6}) if ":" in host \
        else ThreadingHTTPServer
    server = server_class((host, port), handler)
    server.daemon_threads = True
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{server.server_address[1]}"
    handler.origins = {address, f"http://localhost:{server.server_address[1]}",
                       f"http://{shown}:{server.server_address[1]}"}
    handler.anywhere = host in ("", "0.0.0.0", "::")
    ready(address)
    try:
        server.serve_forever()
    finally:
        server.server_close()
