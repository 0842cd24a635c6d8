"""The real Bolt app served over HTTP on 127.0.0.1 against a ``FakeSlack``, for the tests of the question
log and the App Home: requests signed as Slack signs them, the Web API calls recorded by the fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import SecretStr
from slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackClient

from bot.service import Parley
from bot.slack.app import create_app, make_http_server
from config import Settings


@dataclass
class RunningBot:
    """The fake Slack the bot talks to, a signed client for requests to it, and its Parley."""

    slack: FakeSlack
    client: SlackClient
    parley: Parley


@contextmanager
def running_bot(settings: Settings, **overrides: object) -> Iterator[RunningBot]:
    """The bot with the test credentials, ``UADMIN`` as its admin and ``overrides`` applied; stopped after."""
    fake = FakeSlack()
    configured = settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": fake.api_url, "slack_admins": "UADMIN", **overrides})
    parley = Parley(configured)
    server = make_http_server(create_app(parley), parley, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield RunningBot(fake, SlackClient(f"http://127.0.0.1:{server.server_port}/slack/events"), parley)
    finally:
        server.shutdown()
        server.server_close()
        fake.close()
