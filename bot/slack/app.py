"""The Bolt app and how it is served: Socket Mode, or HTTP on ``/slack/events`` with ``/healthz``.

``create_app`` checks the bot token against the Web API (``PARLEY_SLACK_API_URL``) and wires the
listeners; ``serve`` runs it until stopped, with the scheduled reindex in the same process: over
HTTP behind the gate of ``bot.slack.http`` in gunicorn (``bot.slack.server``). A missing or refused
credential, or a taken port, ends with one line naming it, never a traceback.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` the app installs into many workspaces instead
(HTTP mode only): Bolt's OAuth flow (``bot.slack.oauth``) stores each workspace's bot token,
encrypted (``bot.slack.installations``), each request is answered with its own workspace's token,
and an uninstall or a revocation deletes that workspace's tokens.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from urllib.error import URLError
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.service import Parley
from bot.slack import server
from bot.slack.actions import ButtonActions
from bot.slack.commands import SlashCommands
from bot.slack.events import MessageResponder
from bot.slack.home import AppHome
from bot.slack.http import SlackGate
from bot.slack.installations import SecretKeyError, client_for_team, oauth_enabled, token_cipher
from bot.slack.memory import SlackMemory
from bot.slack.oauth import oauth_settings
from bot.slack.render import message_for

log = logging.getLogger(__name__)

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
    oauth = _oauth_mode(parley)
    # With many workspaces Bolt gives each request a client with its own workspace's token.
    client = WebClient(base_url=settings.slack_api_url) if oauth else bot_client(parley)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    # auth.test just passed; Bolt repeats it (cached) on the first request rather than here.
    # process_before_response: each acknowledgement is made in the request's own thread, and only
    # the lazy listeners (the answers) go to Bolt's small worker pool, so a burst of questions can
    # delay answers but never an acknowledgement. Requests reach Bolt through the HTTP gate, which
    # has checked their signature before Bolt parses them; Bolt's own check would log a refused
    # body whole, so it is off (Socket Mode needs none).
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=False, name="parley",
              process_before_response=True, request_verification_enabled=False,
              oauth_settings=oauth_settings(parley) if oauth else None)
    if oauth:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: that workspace's tokens go
    memory = SlackMemory(parley.state)
    MessageResponder(parley, memory).register(app)
    commands = SlashCommands(parley, memory)
    commands.register(app)
    ButtonActions(parley, memory).register(app)
    parley.connect_poster("slack", _workspace_poster(parley))
    AppHome(parley, commands.is_admin).register(app)
    return app


def bot_client(parley: Parley) -> WebClient:
    """The Web API client with the bot token, which Slack has just accepted (auth.test)."""
    settings = parley.settings
    client = WebClient(token=_secret(settings.slack_bot_token, "SLACK_BOT_TOKEN", "the Bot User OAuth Token, xoxb-…"),
                       base_url=settings.slack_api_url)
    _check_token(client, "SLACK_BOT_TOKEN", client.auth_test)
    return client


def http_app(parley: Parley) -> SlackGate:
    """The WSGI application of HTTP mode: the Bolt app behind the gate that checks every request."""
    signing_secret = _secret(parley.settings.slack_signing_secret, "SLACK_SIGNING_SECRET",
                             "needed to verify requests in HTTP mode")
    return SlackGate(create_app(parley), signing_secret, parley.health)


def make_http_server(app: App, parley: Parley, host: str, port: int) -> WSGIServer:
    """``app`` behind the gate on a threaded server in this process, for tests and benchmarks.

    ``serve`` runs gunicorn instead, in a worker process of its own.
    """
    signing_secret = parley.settings.slack_signing_secret.get_secret_value()
    gate = SlackGate(app, signing_secret, parley.health)
    return make_server(host, port, gate, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def serve(parley: Parley, http: bool, port: int | None) -> int:
    """Run the bot until Ctrl-C or SIGTERM: HTTP mode with ``--http``, else Socket Mode. Returns the exit code."""
    settings = parley.settings
    stop = threading.Event()
    try:
        if http:
            _secret(settings.slack_signing_secret, "SLACK_SIGNING_SECRET", "needed to verify requests in HTTP mode")
            if not _oauth_mode(parley):
                bot_client(parley)  # checked here too, so a refused token is one line before gunicorn starts
            port = port if port is not None else int(os.environ.get("PORT", DEFAULT_PORT))
            _check_port("0.0.0.0", port)
            server.run(parley, lambda: http_app(parley), "0.0.0.0", port)
            return 0
        if _oauth_mode(parley):
            raise SlackSetupError("installing into many workspaces (SLACK_CLIENT_ID) needs HTTP mode: "
                                  "run `parley serve slack --http`")
        app_token = _secret(settings.slack_app_token, "SLACK_APP_TOKEN",
                            "the app-level token, xapp-…, for Socket Mode; or run with --http")
        app = create_app(parley)
        parley.start_background(stop)
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


def _workspace_poster(parley: Parley) -> Callable[[str, str, object], None]:
    """How watches and digests post to a channel: with the bot token, or with many workspaces that
    workspace's own (``client_for_team``)."""

    def post(team: str, channel: str, reply: object) -> None:
        client = client_for_team(parley, team)
        if client is None:
            raise LookupError(f"Parley is no longer installed in the Slack workspace {team}")
        client.chat_postMessage(channel=channel, **message_for(reply).kwargs())

    return post


def _oauth_mode(parley: Parley) -> bool:
    """True when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, with a usable PARLEY_SECRET_KEY; one of the
    pair alone, or a missing or short key, is a setup error."""
    settings = parley.settings
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise SlackSetupError(f"{missing} is not set (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET together install "
                              "the app into many workspaces)")
    if not oauth_enabled(settings):
        return False
    try:
        token_cipher(settings.secret_key)
    except SecretKeyError as exc:
        raise SlackSetupError(str(exc)) from None
    return True


def _check_port(host: str, port: int) -> None:
    """Fail with one line now if the port is taken, rather than after gunicorn's retries."""
    try:
        socket.create_server((host, port)).close()
    except OSError as exc:
        raise SlackSetupError(f"cannot listen on port {port}: {exc.strerror or exc}") from None


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
    request_queue_size = 1024  # socketserver's 5 resets connections in a burst


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to the debug log instead of stderr."""

    def log_message(self, fmt: str, *args) -> None:
        log.debug("http %s", fmt % args)
