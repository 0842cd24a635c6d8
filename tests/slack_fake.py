"""A small Slack for the tests: the Web API and ``response_url`` endpoints on 127.0.0.1, recording calls,
plus a client that signs requests to the bot exactly as Slack does.

The bot under test points ``PARLEY_SLACK_API_URL`` at ``FakeSlack.api_url``; slash commands and
button clicks carry ``FakeSlack.response_url(...)``. Every call is recorded with the token it carried
and the time it arrived, so tests can wait for a reply and measure how long it took.

Installs into more workspaces go as in Slack: ``grant`` gives the one-time code Slack would hand the
installer's browser, ``oauth.v2.access`` (with the client id and secret) turns it into a new bot
token for that workspace, and ``uninstall`` revokes the workspace's tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

BOT_TOKEN = "xoxb-parley-test"
APP_TOKEN = "xapp-parley-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0TEST"
CLIENT_ID = "1000000001.2000000002"
CLIENT_SECRET = "fake-client-secret-0123456789abcdef"
APP_ID = "A0TEST"


@dataclass(frozen=True)
class Call:
    """One request the bot made: a Web API method (or ``response_url``) with its arguments."""

    method: str
    args: dict
    token: str | None
    at: float


class FakeSlack:
    """Answers like Slack's Web API for the methods Parley uses and records every call.

    ``workspace_admins`` are the user ids users.info reports as workspace admins.
    """

    def __init__(self, workspace_admins: tuple[str, ...] = ()) -> None:
        self.workspace_admins = set(workspace_admins)
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self.tokens = {BOT_TOKEN: TEAM}  # every bot token Slack accepts, and its workspace
        self.issued: dict[str, str] = {}  # workspace: the newest token oauth.v2.access issued for it
        self._codes: dict[str, tuple[str, str]] = {}  # one-time code: (workspace, installing user)
        self._code_numbers = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                path = urlsplit(self.path)
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    args = json.loads(raw or "{}")
                else:
                    args = dict(parse_qsl(raw))
                args.update(parse_qsl(path.query))
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or args.pop("token", None)
                if path.path.startswith("/respond/"):
                    method, reply = "response_url", {"ok": True}
                    args["hook"] = path.path.removeprefix("/respond/")
                else:
                    method = path.path.removeprefix("/api/")
                    reply = fake.answer(method, args, token)
                fake.record(Call(method, args, token, time.monotonic()))
                body = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    def answer(self, method: str, args: dict, token: str | None) -> dict:
        """Slack's reply to one Web API call."""
        if method == "apps.connections.open":
            return {"ok": token == APP_TOKEN, "error": "invalid_auth", "url": "ws://127.0.0.1:9/"}
        if method == "oauth.v2.access":
            return self.exchange(args, token)
        team = self.tokens.get(token or "")
        if team is None:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": f"https://{team.lower()}.slack.com/", "team": "Test", "user": "parley",
                    "team_id": team, "user_id": BOT_USER, "bot_id": BOT_ID}
        if method == "users.info":
            user = args["user"]
            return {"ok": True, "user": {"id": user, "name": user.lower(), "is_admin": user in self.workspace_admins,
                                         "is_owner": False, "is_primary_owner": False}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args["channel"], "ts": f"1800000000.{next(self._ts):06d}",
                    "message": {"text": args.get("text"), "user": BOT_USER, "bot_id": BOT_ID}}
        return {"ok": True}

    def grant(self, team: str, user: str) -> str:
        """The one-time code Slack gives the browser of ``user`` installing the app into workspace ``team``."""
        code = f"code-{team}-{next(self._code_numbers)}"
        with self._changed:
            self._codes[code] = (team, user)
        return code

    def exchange(self, args: dict, authorization: str | None) -> dict:
        """``oauth.v2.access``: a granted code and the app's credentials (HTTP Basic) give a new bot token."""
        credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {credentials}":
            return {"ok": False, "error": "invalid_client_id"}
        with self._changed:
            grant = self._codes.pop(args.get("code", ""), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            team, user = grant
            token = f"xoxb-{team}-{secrets.token_hex(12)}"
            self.tokens[token] = team
            self.issued[team] = token
        return {"ok": True, "app_id": APP_ID, "authed_user": {"id": user}, "token_type": "bot",
                "scope": "app_mentions:read,chat:write,commands", "access_token": token, "bot_user_id": BOT_USER,
                "team": {"id": team, "name": f"Workspace {team}"}, "enterprise": None, "is_enterprise_install": False}

    def uninstall(self, team: str) -> None:
        """Revoke every token of workspace ``team``, as Slack does before it sends ``app_uninstalled``."""
        with self._changed:
            for token in [token for token, owner in self.tokens.items() if owner == team]:
                del self.tokens[token]

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def calls_to(self, method: str, **match: object) -> list[Call]:
        """Recorded calls to ``method`` whose arguments include ``match``."""
        with self._changed:
            return [call for call in self.calls
                    if call.method == method and all(call.args.get(key) == value for key, value in match.items())]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60, **match: object) -> list[Call]:
        """Block until ``count`` matching calls arrived; fails the test on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.calls_to(method, **match)) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting for {count} {method} {match}; got {len(found)}"
                self._changed.wait(left)
            return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass(frozen=True)
class Delivery:
    """The bot's HTTP answer to one signed request, and how long that acknowledgement took."""

    status: int
    body: str
    seconds: float
    sent: float


class SlackClient:
    """Sends events, slash commands and button clicks to the bot the way Slack does: signed."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self._event_ids = itertools.count(1)
        self._triggers = itertools.count(1)

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str | None = None,
             headers: dict | None = None) -> Delivery:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        request = urllib.request.Request(self.url, data=body.encode(), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret or self.secret, stamp, body), **(headers or {})})
        sent = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        delivery = Delivery(status, text, time.monotonic() - sent, sent)
        self.deliveries.append(delivery)
        return delivery

    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, team: str = TEAM,
              **options) -> Delivery:
        """An Events API ``event_callback`` from workspace ``team``; ``retry`` adds Slack's retry headers."""
        body = json.dumps({"token": "unused", "team_id": team, "api_app_id": "A0TEST", "type": "event_callback",
                           "event": event, "event_id": event_id or f"Ev{next(self._event_ids):08d}",
                           "event_time": int(time.time()), "authorizations": [
                               {"team_id": team, "user_id": BOT_USER, "is_bot": True}]})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, "application/json", headers=headers, **options)

    def command(self, command: str, text: str, user: str, response_url: str, *, trigger_id: str | None = None,
                team: str = TEAM, **options) -> Delivery:
        """A slash command from workspace ``team``; each gets its own ``trigger_id`` as in Slack unless one is
        given (a replay)."""
        body = urlencode({"token": "unused", "team_id": team, "team_domain": "parley-test", "channel_id": "C0ASK",
                          "channel_name": "talks", "user_id": user, "user_name": user.lower(), "command": command,
                          "text": text, "api_app_id": "A0TEST", "response_url": response_url,
                          "trigger_id": trigger_id or self._trigger_id()})
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def click(self, action_id: str, value: str, user: str, response_url: str, *, channel: str = "C0ASK",
              message_ts: str = "1800000000.000001", trigger_id: str | None = None, action_ts: str | None = None,
              block_id: str = "b", **options) -> Delivery:
        """A ``block_actions`` payload for one button in a message (in the block ``block_id``); the same ids
        again make a replay."""
        payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": user, "name": user.lower()},
                   "api_app_id": "A0TEST", "container": {"type": "message", "message_ts": message_ts,
                                                         "channel_id": channel, "is_ephemeral": False},
                   "channel": {"id": channel}, "trigger_id": trigger_id or self._trigger_id(),
                   "response_url": response_url,
                   "actions": [{"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                                "action_ts": action_ts or str(time.time())}]}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **options)

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{next(self._triggers)}.0a1b2c3d"
