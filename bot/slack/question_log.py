"""Slack's side of the question log: the kind of channel a question came from, and the logged
question's id carried by the 👍/👎 buttons of its answer, so a vote is counted on that question.

The id rides in the ``block_id`` of the buttons' block, which Slack sends back with every click;
the buttons' values (the question and quotes the vote judges) stay as ``render`` made them.
"""

from __future__ import annotations

import re

from bot.slack.render import VOTE_DOWN, VOTE_UP

BLOCK_PREFIX = "parley_question:"
_BLOCK_ID = re.compile(rf"{re.escape(BLOCK_PREFIX)}(\d+)")


def channel_kind(event: dict) -> str:
    """``dm`` for a direct or group message, ``thread`` for a reply in a thread, else ``channel``."""
    if event.get("channel_type") in {"im", "mpim"}:
        return "dm"
    thread_ts = event.get("thread_ts")
    return "thread" if thread_ts and thread_ts != event.get("ts") else "channel"


def with_question_id(message: dict, question_id: int | None) -> dict:
    """``message`` (``SlackMessage.kwargs()``) with ``question_id`` as the block id of its vote buttons."""
    if question_id is None:
        return message
    for block in message.get("blocks", []):
        if block.get("type") == "actions" and any(element.get("action_id") in {VOTE_UP, VOTE_DOWN}
                                                  for element in block.get("elements", [])):
            block["block_id"] = f"{BLOCK_PREFIX}{question_id}"
    return message


def question_id(action: dict) -> int | None:
    """The logged question's id a vote click carries, or None (an answer from before the log, or not logged)."""
    match = _BLOCK_ID.fullmatch(action.get("block_id") or "")
    return int(match.group(1)) if match else None
