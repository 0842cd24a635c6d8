"""Fetch a URL's bytes, turning every way that can fail into one error with a readable reason.

Feeds and pages are fetched here rather than by feedparser or trafilatura so that the timeout and
User-Agent are ours, and an unreachable site becomes a ``Failure`` that says why.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

from index.sources import ReadLimits

USER_AGENT = "Parley/0.1 (news quote indexer)"


class FetchError(Exception):
    """A URL could not be fetched; the message reads "could not fetch <url>: <why>"."""


def fetch(url: str, limits: ReadLimits) -> bytes:
    """The body of ``url``, or ``FetchError`` (HTTP errors, refused connections, timeouts, bad URLs)."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=limits.fetch_timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"could not fetch {url}: {_reason(exc.reason)}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FetchError(f"could not fetch {url}: {_reason(exc)}") from None


def _reason(reason: object) -> str:
    """"connection refused" rather than "[Errno 111] Connection refused"."""
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__
