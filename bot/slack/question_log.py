"""Slack's side of the question log: the kind of channel a question came from, and the logged
question's id a vote click carries back (``render.answer_message`` puts it in the block id of the
👍/👎 buttons), so a vote is counted on that question.
"""

from __future__ import annotations

import re

from bot.slack.render import QUESTION_BLOCK

_BLOCK_ID = re.compile(rf"{re.escape(QUESTION_BLOCK)}(\d+)")


def channel_kind(event: dict) -> str:
    """``dm`` for a direct or group message, ``thread`` for a reply in a thread, else ``channel``."""
    if event.get("channel_type") in {"im", "mpim"}:
        return "dm"
    thread_ts = event.get("thread_ts")
    return "thread" if thread_ts and thread_ts != event.get("ts") else "channel"


def question_id(action: dict) -> int | None:
    """The logged question's id a vote click carries, or None (an answer from before the log, or not logged)."""
    match = _BLOCK_ID.fullmatch(action.get("block_id") or "")
    return int(match.group(1)) if match else None
