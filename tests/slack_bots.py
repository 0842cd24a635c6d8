"""The real Bolt app served over HTTP on 127.0.0.1 against the fake Slack Web API (``slack_fake``): started
as many times as a test restarts it, with the test credentials, and helpers to read what it said."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from pydantic import SecretStr
from slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackClient

from bot.service import Parley
from bot.slack.app import create_app, make_http_server
from config import Settings

CHANNEL = "C0ASK"  # the channel slack_fake's commands come from


def bot_settings(settings: Settings, fake: FakeSlack, **overrides: object) -> Settings:
    """``settings`` with the test credentials, the fake's Web API and ``overrides``."""
    return settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": fake.api_url, **overrides})


def serve_in_thread(parley: Parley) -> tuple[WSGIServer, str]:
    """The Bolt app of ``parley`` behind the HTTP gate on a free port; the server and its base URL."""
    server = make_http_server(create_app(parley), parley, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def stop_serving(parley: Parley, server: WSGIServer) -> None:
    """Let a reindex the bot started finish, then stop its server."""
    parley.wait_for_reindex(120)
    server.shutdown()
    server.server_close()


class SlackBots:
    """Starts bots against one fake Slack; ``close`` stops them all."""

    def __init__(self) -> None:
        self.fake = FakeSlack()
        self._servers: list[tuple[Parley, WSGIServer]] = []

    def start(self, settings: Settings, **overrides) -> tuple[Parley, SlackClient]:
        """A new process's worth of bot on ``settings`` (``UADMIN`` its admin): its own Parley and Bolt app."""
        parley = Parley(bot_settings(settings, self.fake, **{"slack_admins": "UADMIN", **overrides}))
        server, base = serve_in_thread(parley)
        self._servers.append((parley, server))
        return parley, SlackClient(base + "/slack/events")

    def command(self, client: SlackClient, name: str, text: str, hook: str, user: str = "UALICE") -> str:
        """Run a slash command; the text of its answer, which only the user who ran it sees."""
        client.command(name, text, user, self.fake.response_url(hook))
        answer = self.fake.wait_for("response_url", hook=hook)[0].args
        assert answer["response_type"] == "ephemeral"
        return "\n".join(texts(answer["blocks"]))

    def posts(self, channel: str = CHANNEL) -> list[list[dict]]:
        """The blocks of each message the bot posted in ``channel`` unasked (chat.postMessage)."""
        return [call.args["blocks"] if isinstance(call.args["blocks"], list) else json.loads(call.args["blocks"])
                for call in self.fake.calls_to("chat.postMessage", channel=channel)]

    def close(self) -> None:
        for parley, server in self._servers:
            stop_serving(parley, server)
        self.fake.close()


@dataclass
class RunningBot:
    """The fake Slack the bot talks to, a signed client for requests to it, and its Parley."""

    slack: FakeSlack
    client: SlackClient
    parley: Parley


@contextmanager
def running_bot(settings: Settings, **overrides: object) -> Iterator[RunningBot]:
    """One bot (``UADMIN`` its admin, ``overrides`` applied), stopped after."""
    bots = SlackBots()
    try:
        parley, client = bots.start(settings, **overrides)
        yield RunningBot(bots.fake, client, parley)
    finally:
        bots.close()


def texts(value) -> list[str]:
    """Every text object's text in a message's blocks, in order."""
    if isinstance(value, dict):
        return [text for key, item in value.items()
                for text in ([item] if key == "text" and isinstance(item, str) else texts(item))]
    return [text for item in value for text in texts(item)] if isinstance(value, list) else []
