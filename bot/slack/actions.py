"""Button clicks: 👍/👎 on an answer, and "Post to channel" on a summary.

Each button's value carries what the click needs (see ``render``), so a click works after a
restart. A user's vote on an answer counts once, however often they click, and a replayed click
(the same ``trigger_id`` and ``action_ts``) posts a summary only once.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_bolt.context.respond import Respond

from bot import replies
from bot.service import Parley
from bot.slack.memory import SlackMemory
from bot.slack.question_log import question_id
from bot.slack.render import (
    POST_SUMMARY,
    VOTE_DOWN,
    VOTE_UP,
    message_for,
    notice_message,
    read_feedback_value,
    read_summary_value,
)
from bot.slack.shared import ack_now, reply_or_error
from bot.slack.timeline import MORE_TIMELINE, post_next_page

log = logging.getLogger(__name__)


class ButtonActions:
    """The lazy halves of the button listeners."""

    def __init__(self, parley: Parley, memory: SlackMemory) -> None:
        self.parley = parley
        self.memory = memory

    def register(self, app: App) -> None:
        app.action(re.compile(f"^({VOTE_UP}|{VOTE_DOWN})$"))(ack=ack_now, lazy=[self.vote])
        app.action(POST_SUMMARY)(ack=ack_now, lazy=[self.post_summary])
        app.action(MORE_TIMELINE)(ack=ack_now, lazy=[self.more_timeline])

    def vote(self, body: dict, action: dict, respond: Respond) -> None:
        """Store the vote with the question and quotes, once per user and answer, and say thanks."""
        user = body["user"]["id"]
        container = body.get("container", {})
        key = f"vote:{container.get('channel_id')}:{container.get('message_ts')}:{user}"
        outcome = "duplicate"
        if self.memory.claim(key):
            self.parley.record_feedback("slack", user, read_feedback_value(action["value"]),
                                        1 if action["action_id"] == VOTE_UP else -1, question_id(action))
            outcome = "recorded"
        notice = replies.feedback_notice(outcome)
        respond(response_type="ephemeral", replace_original=False, **notice_message(notice).kwargs())

    def post_summary(self, body: dict, action: dict, respond: Respond) -> None:
        """Rebuild the summary of the shown window and post it for the whole channel."""
        user = body["user"]["id"]
        if not self.memory.claim_request("click", body.get("trigger_id") or "", user, action.get("action_ts") or ""):
            log.info("duplicate request ignored", extra={"action": action["action_id"], "user": user})
            return
        since, until = read_summary_value(action["value"])
        reply = reply_or_error(lambda: self.parley.summary(since, until), "posting a summary",
                               user=user)
        shared = isinstance(reply, replies.SummaryReply)
        respond(response_type="in_channel" if shared else "ephemeral", replace_original=False,
                **message_for(reply).kwargs())

    def more_timeline(self, body: dict, action: dict, respond: Respond) -> None:
        """Post the next page of a timeline in the channel, once per click."""
        user = body["user"]["id"]
        if not self.memory.claim_request("click", body.get("trigger_id") or "", user, action.get("action_ts") or ""):
            log.info("duplicate request ignored", extra={"action": action["action_id"], "user": user})
            return
        post_next_page(self.parley, action["value"], user, respond)
