"""``/talks-timeline WHO [about TOPIC]`` in Slack: a page of statements, and a "More" button for the next page.

Each statement is its sentence (escaped, in a block quote, or in “quotation marks” as plain text when
mrkdwn would format it) over one context line, ``date · speaker · outlet``, linked to the sentence in
its article. The button's value carries the request and the next page, so a click works after a restart.
"""

from __future__ import annotations

import json
import logging
import re

from slack_bolt.context.respond import Respond
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    TextObject,
)

from bot import replies
from bot.service import Parley
from bot.slack.render import (
    MAX_BLOCKS,
    MAX_LABEL,
    MAX_TEXT,
    MAX_VALUE,
    SlackMessage,
    escape_within,
    formats,
    linked_elements,
    message_for,
    safe_url,
)
from bot.slack.shared import question_text, reply_or_error
from index.timeline import Statement

log = logging.getLogger(__name__)

MORE_TIMELINE = "parley_timeline_more"
_ABOUT = re.compile(r"\s+about\s+", re.IGNORECASE)


def timeline_request(text: str) -> tuple[str, str]:
    """``WHO about TOPIC`` (Slack markup undone) as ``(who, topic)``; the topic is "" when none is given."""
    parts = _ABOUT.split(f" {question_text(text)} ", maxsplit=1)
    return parts[0].strip(), parts[1].strip() if len(parts) > 1 else ""


def timeline_message(reply: replies.TimelineReply) -> SlackMessage:
    """The headline, each statement of the page, and a "More" button when another page follows."""
    headline = escape_within(reply.headline, MAX_TEXT - 2)
    blocks: list[Block] = [SectionBlock(text=PlainTextObject(text=headline, emoji=False) if formats(headline)
                                        else MarkdownTextObject(text=f"*{headline}*", verbatim=True))]
    for statement in reply.shown[:(MAX_BLOCKS - 2) // 2]:
        blocks += statement_blocks(statement)
    if reply.more:
        blocks.append(ActionsBlock(elements=[ButtonElement(
            text=PlainTextObject(text=f"More ({reply.left} left)"), action_id=MORE_TIMELINE, value=more_value(reply))]))
    fallback = "\n".join([reply.headline] + [f"{replies.statement_line(s)}: “{s.text}”" for s in reply.shown])
    return SlackMessage(escape_within(fallback, MAX_TEXT), blocks)


def statement_blocks(statement: Statement) -> list[Block]:
    """The sentence, then its source line linked to the sentence in the article."""
    if formats(statement.text):
        said: TextObject = PlainTextObject(text=escape_within(f"“{statement.text}”", MAX_TEXT), emoji=False)
    else:
        budget = MAX_TEXT - 2 - 2 * statement.text.count("\n")  # each line break gains a "> "
        said = MarkdownTextObject(text="> " + escape_within(statement.text, budget).replace("\n", "\n> "),
                                  verbatim=True)
    return [SectionBlock(text=said), ContextBlock(elements=source_elements(statement))]


def source_elements(statement: Statement) -> list[TextObject]:
    """``date · speaker · outlet`` (and the other outlets), linked; plain text plus a host link if mrkdwn would
    format it."""
    label = escape_within(replies.statement_line(statement), MAX_LABEL)
    also = " · also in " + escape_within(", ".join(statement.also), MAX_LABEL) if statement.also else ""
    return linked_elements(label, also, safe_url(replies.statement_link(statement)))


def more_value(reply: replies.TimelineReply) -> str:
    """What the "More" button carries: the request and the next page (well within Slack's 2,000 characters,
    since a request is at most ``replies.MAX_QUESTION_CHARS``)."""
    value = json.dumps({"w": reply.asked, "a": reply.about, "s": reply.since, "u": reply.until,
                        "p": reply.page + 1, "n": reply.per_page}, ensure_ascii=False, separators=(",", ":"))
    return value[:MAX_VALUE]


def post_timeline(parley: Parley, command: dict, respond: Respond) -> None:
    """Answer ``/talks-timeline``: a timeline in the channel (it was asked for there); notices to the asker."""
    who, about = timeline_request(command.get("text", ""))
    reply = reply_or_error(lambda: parley.timeline(who, about), "timeline", user=command["user_id"])
    _respond(reply, respond)


def post_next_page(parley: Parley, value: str, user: str, respond: Respond) -> None:
    """Answer a "More" click: the next page as a new message in the channel."""
    try:
        asked = json.loads(value)
        request = (str(asked["w"]), str(asked.get("a") or ""), asked.get("s"), asked.get("u"), int(asked["p"]),
                   int(asked["n"]))
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable timeline button", extra={"user": user})
        respond(response_type="ephemeral", replace_original=False, **message_for(replies.error_notice()).kwargs())
        return
    who, about, since, until, page, per_page = request
    reply = reply_or_error(lambda: parley.timeline(who, about, since, until, page=page, per_page=per_page),
                           "timeline page", user=user)
    _respond(reply, respond)


def _respond(reply: object, respond: Respond) -> None:
    if isinstance(reply, replies.TimelineReply) and reply.shown:
        respond(response_type="in_channel", replace_original=False, **timeline_message(reply).kwargs())
    elif isinstance(reply, replies.TimelineReply):
        respond(response_type="ephemeral", replace_original=False, **message_for(
            replies.Notice("empty", reply.headline)).kwargs())
    else:
        respond(response_type="ephemeral", replace_original=False, **message_for(reply).kwargs())
