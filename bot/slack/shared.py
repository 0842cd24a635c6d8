"""What every Slack listener shares: the user's words as a plain question, and work that never crashes.

Slack sends message and command text with its markup (``<@U1>``, ``<https://x|label>``) and with
``&``, ``<`` and ``>`` as entities; Parley searches plain words, so both are undone here.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable

from slack_bolt import Ack

from bot import replies

log = logging.getLogger(__name__)

_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def question_text(text: str, bot_user_id: str | None = None) -> str:
    """``text`` without the bot's own mention, links and mentions as their labels, entities decoded."""

    def plain(match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if bot_user_id and target == f"@{bot_user_id}":
            return ""
        return label or target

    return html.unescape(_MARKUP.sub(plain, text)).strip()


def reply_or_error(work: Callable[[], object], what: str, **context: object) -> object:
    """``work()``'s reply, or the error notice when it raises (logged with ``context``)."""
    try:
        return work()
    except Exception:  # noqa: BLE001 - the user gets a polite notice, the log gets the traceback
        log.exception("%s failed", what, extra=context)
        return replies.error_notice()


def ack_now(ack: Ack) -> None:
    """Acknowledge at once; the work runs afterwards in a lazy listener."""
    ack()
