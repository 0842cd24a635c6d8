"""A hostile web server on 127.0.0.1, for the fetch tests and ``benchmarks/hostile_server.py``.

Each path misbehaves the way a real site can (trickling, flooding, lying about its length, cutting
off, redirecting to local files, serving HTML as a feed), next to one good page and one good feed,
so that the real readers can be run against all of it offline. Trickles stop by themselves.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

PAGE = (b"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Ferry deal reached</title></head>\n"
        b"<body><article><h1>Ferry deal reached</h1><p>After eleven days of talks in the lakeside pavilion, "
        b"the two shore councils signed a deal that keeps the winter ferry running every hour until the "
        b"spring thaw, the mediator told reporters on the pavilion steps.</p></article></body></html>\n")
XHTML = (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
         b"<title>Ferry deal</title></head><body><p>The ferry deal was signed.</p></body></html>\n")
HUGE_PAGE = (b"<html><head><title>Minutes</title></head><body><article>"
             + b"<p>The councils met again on the ferry, and again they could not agree on a timetable.</p>\n" * 55_000
             + b"</article></body></html>\n")  # 5 MB of prose, which a reader without a cap would index
HUGE_BYTES = len(HUGE_PAGE)
CLAIMED_BYTES = 50_000_000  # what /huge-length's Content-Length claims; it sends a few bytes and closes
CUT_BYTES = (100, 10_000)  # /cut sends the first number of bytes of the second, then closes


def rss(title: str, items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link) items, without summaries: the reader must fetch each link."""
    entries = "".join(f"<item><title>{name}</title><link>{link}</link></item>" for name, link in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{entries}'
            "</channel></rss>").encode()


class HostileSite:
    """A threading HTTP server on a free loopback port; use as ``with HostileSite(private) as site``.

    ``private`` is a local file the site's redirects and feed links point at with file:// URLs.
    ``finished(path)`` is set when a trickle on that path ran its whole course, which a fetch that
    keeps its deadline never lets it do.
    """

    def __init__(self, private: Path, trickle_seconds: float = 8.0, trickle_interval: float = 0.2) -> None:
        self.private = private
        self.trickle_seconds = trickle_seconds
        self.trickle_interval = trickle_interval
        self._finished: defaultdict[str, threading.Event] = defaultdict(threading.Event)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.site = self  # type: ignore[attr-defined]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def finished(self, path: str) -> threading.Event:
        return self._finished[path]

    def __enter__(self) -> HostileSite:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    """Answers GET by path; anything unknown is a 404."""

    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    @property
    def site(self) -> HostileSite:
        return self.server.site  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        routes: dict[str, Callable[[], None]] = {
            "/page.html": lambda: self._send(PAGE, "text/html"),
            "/xhtml.html": lambda: self._send(XHTML, "application/xhtml+xml"),
            "/feed.rss": lambda: self._send(rss("Herald", [("Ferry deal", self.site.url("/page.html"))])),
            "/empty.rss": lambda: self._send(b""),
            "/file-links.rss": lambda: self._send(rss("Leaky", [
                ("Notes", f"file://localhost{self.site.private}"), ("More notes", f"file:{self.site.private}")])),
            "/redirect-file": lambda: self._redirect(self.site.private.as_uri()),
            "/redirect-ftp": lambda: self._redirect("ftp://127.0.0.1:9/notes.html"),
            "/error": lambda: self.send_error(500, "Internal Server Error"),
            "/cut": lambda: self._send(PAGE[:CUT_BYTES[0]], length=CUT_BYTES[1]),
            "/huge": lambda: self._send(HUGE_PAGE, "text/html"),
            "/huge-unsized": lambda: self._send(HUGE_PAGE, "text/html", length=None),
            "/huge-length": lambda: self._send(b"<html>", length=CLAIMED_BYTES),
            "/trickle-body": self._trickle_body,
            "/trickle-headers": self._trickle_headers,
        }
        routes.get(self.path, lambda: self.send_error(404, "File not found"))()

    def _send(self, body: bytes, kind: str = "application/rss+xml", length: int | None = -1) -> None:
        """``length`` -1 declares the true Content-Length, None none (the body ends when the connection does)."""
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(len(body) if length == -1 else length))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # a reader that stops a flood early hangs up: as it should
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _drip(self, data: bytes) -> bool:
        """Send ``data`` one byte at a time; False when the client hung up first."""
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.site.trickle_interval)
        except OSError:
            return False
        return True

    def _trickle_count(self) -> int:
        return round(self.site.trickle_seconds / self.site.trickle_interval)

    def _trickle_body(self) -> None:
        """A page one byte at a time, with a true Content-Length: every read gets a byte, none waits long."""
        body = b"x" * self._trickle_count()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        if self._drip(body):
            self.site.finished(self.path).set()

    def _trickle_headers(self) -> None:
        """The status line, then one header dripped a byte at a time: the body never starts in time."""
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n")
        header = b"X-Slow: " + b"x" * max(self._trickle_count() - 12, 1) + b"\r\n\r\n"
        if self._drip(header):
            self.wfile.write(PAGE)
            self.site.finished(self.path).set()
