"""The Bolt app and how it is served: Socket Mode, or HTTP on ``/slack/events`` with ``/healthz``.

``create_app`` checks the bot token against the Web API (``PARLEY_SLACK_API_URL``) and wires the
listeners; ``serve`` runs it until interrupted, with the scheduled reindex in the same process. A
missing or refused credential ends with one line naming the setting, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from socketserver import ThreadingMixIn
from urllib.error import URLError
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.service import Parley
from bot.slack.actions import ButtonActions
from bot.slack.commands import SlashCommands
from bot.slack.events import MessageResponder
from bot.slack.memory import SlackMemory

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_PORT = 3000

_TOKEN_PROBLEMS = {
    "invalid_auth": "is wrong or was revoked",
    "not_authed": "is empty",
    "account_inactive": "belongs to a deleted app or a deactivated workspace",
    "token_revoked": "was revoked",
    "not_allowed_token_type": "is the wrong kind of token",
}


class SlackSetupError(Exception):
    """A credential is missing or refused, or the port is taken; the message is one line saying which."""


def create_app(parley: Parley) -> App:
    """The Bolt app with every listener, its Web API client on ``settings.slack_api_url``."""
    settings = parley.settings
    client = WebClient(token=_secret(settings.slack_bot_token, "SLACK_BOT_TOKEN", "the Bot User OAuth Token, xoxb-…"),
                       base_url=settings.slack_api_url)
    _check_token(client, "SLACK_BOT_TOKEN", client.auth_test)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    # auth.test just passed; Bolt repeats it (cached) on the first request rather than here.
    # process_before_response: each acknowledgement is made in the request's own thread, and only
    # the lazy listeners (the answers) go to Bolt's small worker pool, so a burst of questions can
    # delay answers but never an acknowledgement.
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=False, name="parley",
              process_before_response=True)
    memory = SlackMemory(settings.data_dir / "slack.sqlite")
    MessageResponder(parley, memory).register(app)
    SlashCommands(parley).register(app)
    ButtonActions(parley, memory).register(app)
    return app


def make_http_server(app: App, parley: Parley, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server: Bolt on ``/slack/events`` (signature checked), ``GET /healthz``."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict, start_response):
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps(parley.health()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return make_server(host, port, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def serve(parley: Parley, http: bool, port: int | None) -> int:
    """Run the bot until Ctrl-C: HTTP mode with ``--http``, else Socket Mode. Returns the exit code."""
    settings = parley.settings
    stop = threading.Event()
    try:
        if http:
            _secret(settings.slack_signing_secret, "SLACK_SIGNING_SECRET", "needed to verify requests in HTTP mode")
        else:
            app_token = _secret(settings.slack_app_token, "SLACK_APP_TOKEN",
                                "the app-level token, xapp-…, for Socket Mode; or run with --http")
        app = create_app(parley)
        parley.start_background(stop)
        if http:
            port = port or int(os.environ.get("PORT", DEFAULT_PORT))
            try:
                server = make_http_server(app, parley, "0.0.0.0", port)
            except OSError as exc:
                raise SlackSetupError(f"cannot listen on port {port}: {exc.strerror or exc}") from None
            log.info("serving Slack over HTTP", extra={"port": server.server_port, "path": EVENTS_PATH})
            server.serve_forever()
        else:
            handler = SocketModeHandler(app, app_token)
            try:
                _check_token(handler.client.web_client, "SLACK_APP_TOKEN", handler.connect)
                log.info("serving Slack in Socket Mode")
                stop.wait()
            finally:
                handler.close()
    except SlackSetupError as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
    return 0


def _secret(value: SecretStr | None, name: str, hint: str) -> str:
    if value is None:
        raise SlackSetupError(f"{name} is not set ({hint})")
    return value.get_secret_value()


def _check_token(client: WebClient, name: str, call) -> None:
    """Run ``call`` (auth.test or the Socket Mode connect) and turn a refusal into one clear line."""
    try:
        call()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise SlackSetupError(f"Slack refused {name}: it {_TOKEN_PROBLEMS.get(error, 'was not accepted')} "
                              f"({error})") from None
    except (URLError, OSError) as exc:
        raise SlackSetupError(f"cannot reach the Slack Web API at {client.base_url} to check {name}: "
                              f"{getattr(exc, 'reason', exc)}") from None


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow client never delays another request's acknowledgement."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to the debug log instead of stderr."""

    def log_message(self, fmt: str, *args) -> None:
        log.debug("http %s", fmt % args)
