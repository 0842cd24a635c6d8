"""The gate in front of the Bolt app over HTTP: each request is checked before Bolt reads or parses it.

Slack signs every request (an HMAC of its timestamp and body with the signing secret) and its
payloads are a few KB. So a request is refused — with its method, path, status, reason and size
in the log, never its body or signature — when it announces more than ``MAX_BODY`` bytes or no
length at all (a chunked body may never end), when its timestamp is missing, malformed or more
than 5 minutes away, or when the signature does not match; only a signed request reaches Bolt.
Unauthenticated traffic therefore costs a header check and at most one HMAC over 1 MB.

The one exception is the install flow, when the app installs into many workspaces: a person's
browser, not Slack, sends ``GET /slack/install`` and ``GET /slack/oauth_redirect``, so those two are
unsigned and go to Bolt's OAuth flow (which checks its own state), without any body.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20
MAX_AGE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Refusal:
    """Why a request does not reach Bolt: the HTTP status, and a reason for the client and the log."""

    status: HTTPStatus
    reason: str


class SlackGate:
    """The WSGI application: ``GET /healthz``; ``POST /slack/events`` checked, then Bolt's; the install
    flow's two GETs to Bolt when it installs into many workspaces; else 404."""

    def __init__(self, app: App, signing_secret: str, health: Callable[[], dict]) -> None:
        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.verifier = SignatureVerifier(signing_secret)
        self.health = health
        flow = app.oauth_flow
        self.oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if method == "GET" and path == HEALTH_PATH:
            return _respond(start_response, HTTPStatus.OK, self.health())
        if method == "GET" and path in self.oauth_paths:
            return self.bolt({**environ, "wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0"}, start_response)
        if method != "POST" or path != EVENTS_PATH:
            return _refuse(environ, start_response, Refusal(HTTPStatus.NOT_FOUND, "no such endpoint"))
        body = self.signed_body(environ)
        if isinstance(body, Refusal):
            return _refuse(environ, start_response, body)
        checked = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        try:
            return self.bolt(checked, start_response)
        except ValueError:  # Bolt parses the JSON, the form, or the form's JSON payload before anything else
            return _refuse(environ, start_response, Refusal(HTTPStatus.BAD_REQUEST, "the body is no Slack payload"))

    def signed_body(self, environ: dict) -> bytes | Refusal:
        """The body, read only once its size and headers pass, if Slack signed it; else why not."""
        length = _content_length(environ)
        if length is None:
            return Refusal(HTTPStatus.LENGTH_REQUIRED, "no Content-Length")
        if length < 0:
            return Refusal(HTTPStatus.BAD_REQUEST, "a malformed Content-Length")
        if length > MAX_BODY:
            return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"more than {MAX_BODY} bytes")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not signature:
            return Refusal(HTTPStatus.UNAUTHORIZED, "no Slack signature or timestamp")
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return Refusal(HTTPStatus.UNAUTHORIZED, "a timestamp more than 5 minutes away")
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) < length:
            return Refusal(HTTPStatus.BAD_REQUEST, "a body shorter than its Content-Length")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(HTTPStatus.BAD_REQUEST, "a body that is not UTF-8")
        if not self.verifier.is_valid(text, timestamp, signature):
            return Refusal(HTTPStatus.UNAUTHORIZED, "a signature that does not match")
        return body


def _content_length(environ: dict) -> int | None:
    """The announced body size; None when none is announced (chunked), -1 when it is no plain number."""
    value = environ.get("CONTENT_LENGTH") or ""
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else -1


def _refuse(environ: dict, start_response: Callable, refusal: Refusal) -> list[bytes]:
    log.info("request refused", extra={
        "method": environ.get("REQUEST_METHOD", "")[:16], "path": environ.get("PATH_INFO", "")[:200],
        "status": refusal.status.value, "reason": refusal.reason, "bytes": _content_length(environ)})
    return _respond(start_response, refusal.status, {"error": refusal.reason})


def _respond(start_response: Callable, status: HTTPStatus, payload: dict) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(f"{status.value} {status.phrase}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
