"""The slash commands: ask, status, reindex (admins only), the latest summary, watches and digests.

Each command is acknowledged at once (Slack allows 3 s) and does its work in a Bolt lazy listener,
answering through the command's ``response_url``, once: Slack gives every invocation its own
``trigger_id``, so the same signed request sent again (a replay) is acknowledged and not answered.
Command names are settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import replies
from bot.digests import digest_command
from bot.service import Parley
from bot.slack.installations import installation_store, oauth_enabled
from bot.slack.memory import SlackMemory
from bot.slack.render import message_for, summary_message
from bot.slack.shared import ack_now, question_text, reply_or_error
from bot.slack.timeline import post_timeline
from bot.watches import watch_command
from config import Settings

log = logging.getLogger(__name__)


class SlashCommands:
    """The lazy halves of the slash commands; ``register`` wires them to the app."""

    def __init__(self, parley: Parley, memory: SlackMemory) -> None:
        self.parley = parley
        self.settings = parley.settings
        self.memory = memory

    def register(self, app: App) -> None:
        settings = self.settings
        app.command(settings.slack_ask_command)(ack=ack_now, lazy=[self.ask])
        app.command(settings.slack_status_command)(ack=ack_now, lazy=[self.status])
        app.command(settings.slack_reindex_command)(ack=ack_now, lazy=[self.reindex])
        app.command(settings.slack_latest_command)(ack=ack_now, lazy=[self.latest])
        app.command(settings.slack_timeline_command)(ack=ack_now, lazy=[self.timeline])
        app.command(settings.slack_watch_command)(ack=ack_now, lazy=[self.watch])
        app.command(settings.slack_digest_command)(ack=ack_now, lazy=[self.digest])

    def first_delivery(self, command: dict) -> bool:
        """True the first time this invocation is seen (in any process); a replay is logged and left."""
        identity = (command.get(field) or "" for field in ("team_id", "user_id", "command", "text", "trigger_id"))
        if self.memory.claim_request("command", *identity):
            return True
        log.info("duplicate request ignored", extra={"command": command.get("command"), "user": command.get("user_id")})
        return False

    def ask(self, command: dict, respond: Respond) -> None:
        """An answer is posted in the channel (the asker chose to share it); notices only to the asker."""
        if not self.first_delivery(command):
            return
        question = question_text(command.get("text", ""))
        reply = reply_or_error(lambda: self.parley.ask(question, user=command["user_id"]), "/ask",
                               user=command["user_id"])
        shared = isinstance(reply, replies.AnswerReply)
        question_id = self.parley.log_question(question, reply, "slack", "command")
        respond(response_type="in_channel" if shared else "ephemeral",
                **message_for(reply, question_id).kwargs())

    def status(self, command: dict, respond: Respond) -> None:
        if not self.first_delivery(command):
            return
        reply = reply_or_error(self.parley.status, "status", user=command["user_id"])
        respond(response_type="ephemeral", **message_for(reply).kwargs())

    def reindex(self, command: dict, respond: Respond, client: WebClient) -> None:
        """Admins start a background reindex; its report goes to them in a DM when it ends."""
        if not self.first_delivery(command):
            return
        user = command["user_id"]
        if not self.is_admin(client, user, command.get("team_id", "")):
            log.info("reindex refused", extra={"user": user})
            respond(response_type="ephemeral", **message_for(replies.not_admin_notice()).kwargs())
            return

        def report(result: object) -> None:
            try:
                client.chat_postMessage(channel=user, **message_for(result).kwargs())
            except SlackApiError as exc:
                log.error("could not send the reindex report", extra={"user": user,
                                                                      "error": exc.response.get("error")})

        started_by = f"@{command.get('user_name') or user} ({user}) on Slack"
        respond(response_type="ephemeral", **message_for(self.parley.start_reindex(started_by, report)).kwargs())

    def is_admin(self, client: WebClient, user: str, team: str = "") -> bool:
        """Checked on the server: the ids in PARLEY_SLACK_ADMINS, whoever installed the app in workspace ``team``
        (many workspaces), and that workspace's admins/owners if enabled (``client`` is the request's own)."""
        if user in Settings.id_list(self.settings.slack_admins):
            return True
        if team and oauth_enabled(self.settings) and installation_store(self.parley).installer(team) == user:
            return True
        if not self.settings.slack_workspace_admins:
            return False
        try:
            profile = client.users_info(user=user)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed; treating the user as no admin",
                        extra={"user": user, "error": exc.response.get("error")})
            return False
        return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))

    def latest(self, command: dict, respond: Respond) -> None:
        """The latest summary, shown to the asker with a button to post it to the channel."""
        if not self.first_delivery(command):
            return
        since = command.get("text", "").strip() or None
        reply = reply_or_error(lambda: self.parley.summary(since), "summary", user=command["user_id"])
        message = (summary_message(reply, postable=True) if isinstance(reply, replies.SummaryReply)
                   else message_for(reply))
        respond(response_type="ephemeral", **message.kwargs())

    def timeline(self, command: dict, respond: Respond) -> None:
        """``/talks-timeline WHO [about TOPIC]``: a page of statements in the channel, with a "More" button."""
        if self.first_delivery(command):
            post_timeline(self.parley, command, respond)

    def watch(self, command: dict, respond: Respond) -> None:
        """``/talks-watch QUESTION``, ``list`` or ``stop N`` for this channel; answered to the asker."""
        self._channel_command(command, respond, watch_command, self.settings.slack_watch_command, "watch")

    def digest(self, command: dict, respond: Respond) -> None:
        """``/talks-digest daily 08:00 [tz]``, ``weekly mon 08:00 [tz]``, ``off`` or ``show`` for this channel."""
        self._channel_command(command, respond, digest_command, self.settings.slack_digest_command, "digest")

    def _channel_command(self, command: dict, respond: Respond, handle: Callable[..., object], name: str,
                         what: str) -> None:
        """Run ``handle`` (``watch_command`` or ``digest_command``) for the command's channel, once per
        invocation, and answer the asker alone."""
        if not self.first_delivery(command):
            return
        reply = reply_or_error(lambda: handle(
            self.parley, "slack", command.get("team_id", ""), command["channel_id"], command["user_id"],
            question_text(command.get("text", "")), name), what, user=command["user_id"])
        respond(response_type="ephemeral", **message_for(reply).kwargs())
