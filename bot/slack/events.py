"""Mentions, DMs and follow-ups in answered threads: each message answered once, in the right place.

Events are acknowledged at once and answered in a Bolt lazy listener, so a slow answer never makes
Slack retry. A mention in a channel is answered in its thread (and the thread remembered, so a
follow-up there needs no mention); a DM is answered in the DM. Bots (the bot itself included),
edits, deletions and other channel chatter are ignored, and a message already claimed — the same
mention seen as ``app_mention`` and ``message``, or a Slack retry — is not answered again.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.service import Parley
from bot.slack.memory import SlackMemory
from bot.slack.question_log import channel_kind
from bot.slack.render import message_for
from bot.slack.shared import ack_now, question_text, reply_or_error

log = logging.getLogger(__name__)

WORKING_REACTION = "eyes"
# Plain messages and thread replies also sent to the channel are questions; every other subtype
# (edits, deletions, joins, bot messages, file comments…) is not.
_QUESTION_SUBTYPES = {None, "thread_broadcast"}


class MessageResponder:
    """Decides whether a message event is a question for Parley, and answers it once."""

    def __init__(self, parley: Parley, memory: SlackMemory) -> None:
        self.parley = parley
        self.memory = memory

    def register(self, app: App) -> None:
        app.event("app_mention")(ack=ack_now, lazy=[self.on_event])
        app.event("message")(ack=ack_now, lazy=[self.on_event])

    def wants(self, event: dict, bot_user_id: str | None) -> bool:
        """True for a mention, a DM or a reply in a thread the bot answered — from a person."""
        if event.get("subtype") not in _QUESTION_SUBTYPES or event.get("bot_id") or event.get("edited"):
            return False
        if not event.get("user") or event.get("user") == bot_user_id:
            return False
        if event["type"] == "app_mention" or event.get("channel_type") == "im":
            return True
        if bot_user_id and f"<@{bot_user_id}>" in event.get("text", ""):
            return True  # the message.* copy of a mention; whichever copy comes first answers
        thread_ts = event.get("thread_ts")
        return bool(thread_ts and thread_ts != event.get("ts")
                    and self.memory.answered_thread(event["channel"], thread_ts))

    def on_event(self, event: dict, context: BoltContext, client: WebClient, request: BoltRequest) -> None:
        if not self.wants(event, context.bot_user_id):
            return
        channel, ts = event["channel"], event["ts"]
        if not self.memory.claim(f"message:{channel}:{ts}"):
            log.info("duplicate delivery ignored", extra={"channel": channel, "ts": ts, "event_type": event["type"],
                                                         "retry": request.headers.get("x-slack-retry-num")})
            return
        direct = event.get("channel_type") == "im"
        thread_ts = event.get("thread_ts") if direct else event.get("thread_ts") or ts
        if not direct:
            self.memory.remember_thread(channel, thread_ts)
        self.answer(client, event, context.bot_user_id, thread_ts)

    def answer(self, client: WebClient, event: dict, bot_user_id: str | None, thread_ts: str | None) -> None:
        """Ask Parley with 👀 on the message meanwhile, then post the reply."""
        channel, ts, user = event["channel"], event["ts"], event["user"]
        started = time.monotonic()
        reacted = _call(client.reactions_add, channel=channel, timestamp=ts, name=WORKING_REACTION)
        try:
            question = question_text(event.get("text", ""), bot_user_id)
            reply = reply_or_error(lambda: self.parley.ask(question, user=user), "answering a message",
                                   channel=channel, ts=ts)
            question_id = self.parley.log_question(question, reply, "slack", channel_kind(event))
            _call(client.chat_postMessage, channel=channel, thread_ts=thread_ts,
                  **message_for(reply, question_id).kwargs())
            log.info("answered", extra={"channel": channel, "ts": ts, "reply": type(reply).__name__,
                                        "seconds": round(time.monotonic() - started, 3)})
        finally:
            if reacted:
                _call(client.reactions_remove, channel=channel, timestamp=ts, name=WORKING_REACTION)


def _call(method, **kwargs) -> bool:
    """A Web API call whose failure is logged, not raised: a missing reaction must not stop a reply."""
    try:
        method(**kwargs)
    except SlackApiError as exc:
        log.warning("Slack API call failed", extra={"method": method.__name__, "error": exc.response.get("error")})
        return False
    return True
