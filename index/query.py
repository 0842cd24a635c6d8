"""Reading a question for what it asks: chat noise stripped before retrieval."""

from __future__ import annotations

import re

_MENTION = re.compile(r"<[@#!][^>]*>|@\w+")
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|yo|dear|ok|okay|please|pls|thanks|thank you)\b[\s,!.:-]*",
                       re.IGNORECASE)


def clean_question(text: str) -> str:
    """The question without mentions, greetings or surrounding whitespace."""
    text = _MENTION.sub(" ", text or "")
    previous = None
    while previous != text:
        previous, text = text, _GREETING.sub("", text)
    return " ".join(text.split())
