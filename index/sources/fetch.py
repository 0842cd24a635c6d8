"""Fetch a URL's bytes, turning every way that can fail into one error with a readable reason.

Feeds and pages are fetched here rather than by feedparser or trafilatura so that the User-Agent and
the limits are ours: http and https only (a feed's ``file://`` link would otherwise read local
files), one deadline for the whole fetch however slowly a site trickles, and a cap on its size.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from index.sources import ReadLimits

USER_AGENT = "Parley/0.1 (news quote indexer)"
SCHEMES = ("http", "https")
CHUNK_BYTES = 65_536


class FetchError(Exception):
    """A URL could not be fetched; the message reads "could not fetch <url>: <why>"."""


class _Refused(Exception):
    """A fetch stopped on purpose (a scheme, its size, a cut body); the message is the reason alone."""


def fetch(url: str, limits: ReadLimits) -> bytes:
    """The body of ``url``, or ``FetchError`` (HTTP errors, refused connections, timeouts, bad URLs, limits)."""
    deadline = time.monotonic() + limits.fetch_timeout
    try:
        if urlsplit(url).scheme not in SCHEMES:
            raise _Refused(f"only {' and '.join(SCHEMES)} links are fetched")
        opener = urllib.request.build_opener(
            _HttpOnlyRedirects, _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline))
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with opener.open(request, timeout=limits.fetch_timeout) as response:
            return _read_body(response, limits)
    except _Refused as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from None
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"could not fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"could not fetch {url}: {_reason(exc.reason, limits)}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FetchError(f"could not fetch {url}: {_reason(exc, limits)}") from None


def _read_body(response: http.client.HTTPResponse, limits: ReadLimits) -> bytes:
    """The body in chunks, refused as soon as it is known to be over the cap, and checked to be whole."""
    declared = _declared_length(response.headers)
    if declared is not None and declared > limits.fetch_max_bytes:
        raise _Refused(_too_large(limits))
    body = bytearray()
    while chunk := response.read(CHUNK_BYTES):
        body += chunk
        if len(body) > limits.fetch_max_bytes:
            raise _Refused(_too_large(limits))
    if declared is not None and len(body) < declared:
        raise _Refused(f"the connection closed after {len(body)} of {declared} bytes")
    return bytes(body)


def _declared_length(headers: Message) -> int | None:
    """The Content-Length, when it is what delimits the body (chunked bodies ignore it)."""
    if headers.get("Transfer-Encoding"):
        return None
    try:
        return int(headers.get("Content-Length", ""))
    except ValueError:
        return None


def _too_large(limits: ReadLimits) -> str:
    return f"larger than {limits.fetch_max_bytes / 1_000_000:g} MB"


def _reason(reason: object, limits: ReadLimits) -> str:
    """"connection refused" rather than "[Errno 111] Connection refused"."""
    if isinstance(reason, TimeoutError):
        return f"timed out after {limits.fetch_timeout:g} s"
    if isinstance(reason, http.client.IncompleteRead):
        return "the connection closed before the whole body came"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https only; urllib's own also follows ftp, and refuses file:// unclearly."""

    def http_error_302(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                       headers: Message) -> Any:
        target = headers.get("Location") or headers.get("URI")
        if target and urlsplit(urljoin(req.full_url, target)).scheme not in SCHEMES:
            fp.close()
            raise _Refused(f"redirected to {target}; only {' and '.join(SCHEMES)} links are fetched")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    """Opens http connections whose every wait ends at the fetch's deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_with_deadline(http.client.HTTPConnection, self.deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    """Opens https connections whose every wait ends at the fetch's deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_with_deadline(http.client.HTTPSConnection, self.deadline), req)


def _with_deadline(kind: type[http.client.HTTPConnection], deadline: float) -> Callable[..., Any]:
    """A connection factory for ``do_open``: connecting waits at most the time left, and so does every read."""

    def connect(host: str, **options: Any) -> http.client.HTTPConnection:
        connection = kind(host, **{**options, "timeout": _time_left(deadline)})
        connection.response_class = functools.partial(_DeadlineResponse, deadline=deadline)  # type: ignore[assignment]
        return connection

    return connect


class _DeadlineResponse(http.client.HTTPResponse):
    """A response read through ``_DeadlineReader``: headers and body alike, however slowly they come."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


class _DeadlineReader(io.RawIOBase):
    """Each read of the socket waits only for what is left of the deadline: a socket timeout alone bounds
    each read, so a site sending a byte a second would keep a fetch going as long as it likes."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(_time_left(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _time_left(deadline: float) -> float:
    """Seconds until ``deadline``; ``TimeoutError`` once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the fetch's deadline passed")
    return left
