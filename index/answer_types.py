"""What kind of answer a question asks for, and whether a sentence holds one.

"How long did the meeting last?" is answered by a sentence with a duration in it, "who led the
delegation?" by one naming someone the question doesn't, "how did Lavrov describe…" by one that
quotes him or says what he described it as. Word overlap alone ranks the sentence that restates
the question above the one that answers it; this check tips the balance to sentences that hold
something of the asked-for kind that the question does not already contain.
"""

from __future__ import annotations

import calendar
import re

from index.lexical import STOPWORDS

_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                 r"fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|"
                 r"several|a few|a couple")
_UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?"
_MONTHS = "|".join(sorted({name.lower() for name in (*calendar.month_name[1:], *calendar.month_abbr[1:], "Sept")},
                          key=len, reverse=True))
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"

# (kind, what in a question asks for it, what in a sentence answers it)
_KINDS: list[tuple[str, re.Pattern, re.Pattern]] = [
    ("duration", re.compile(r"\bhow long\b", re.I),
     re.compile(rf"\b(?:\d+|{_NUMBER_WORDS})[\s-]+(?:{_UNITS})\b", re.I)),
    ("number", re.compile(r"\bhow (?:many|much)\b|\bwhat (?:number|percentage|share|size|amount)\b", re.I),
     re.compile(rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS})\b", re.I)),
    ("date", re.compile(r"^(?:\W*\w+\W+){0,3}when\b|\b(?:what|which) (?:date|day)\b", re.I),
     re.compile(rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTHS})|{_WEEKDAYS}|tomorrow|"
                rf"next week|this week)\b", re.I)),
    ("quote", re.compile(r"\bhow did\b.*\b(?:describe|characteri[sz]e|define|call|respond|react|put it|sum up)\b|"
                         r"\bwhat (?:\w+ )?(?:phrase|words?|term|line|saying|analogy|metaphor|expression|slogan)\b|"
                         r"\bwhat did\b.*\bcall\b|\bquip\b|\bin what terms\b", re.I),
     # a quotation, or a characterisation in indirect speech: "the US defines de-escalation as Russia returning…"
     re.compile(r"[\"“”]|\b(?:describ|defin|characteri[sz]|label|portray)\w*\b[^.;]{0,60}?\bas\b", re.I)),
    ("name", re.compile(r"\bwho(?:m|se)?\b|\bwhich (?:[\w-]+ ){0,3}?(?:official|diplomat|minister|leader|"
                        r"negotiator|envoy|ambassador|spokes(?:man|woman|person)|aide|country|countries|city|"
                        r"capital|organi[sz]ation|alliance|treaty|agreement|document|company|companies|bank|"
                        r"banks|newspaper|forum|body|initiative)s?\b|\bwhere\b|\bin what (?:city|country)\b", re.I),
     re.compile(r"(?<!^)(?<![.!?:]\s)(?<![\"“])\b[A-Z][a-z]+(?:[\s-]+[A-Z][a-z]+)*")),  # not a sentence's first word
]


# An agency photo caption ("Blinken greets Lavrov before their meeting, Friday, Jan. 21, 2022, in Geneva,
# Switzerland."), dropped into a story's text: it names who was where and when, and nothing of what was said
# or agreed, yet its names and date match many a question's words.
_CAPTION = re.compile(rf"\b(?:{_WEEKDAYS}),?\s+(?:{_MONTHS})\.?\s+\d{{1,2}},\s+(?:19|20)\d\d\b", re.I)
#: What a caption does answer: "who was there?" and "when did they meet?".
CAPTION_ANSWERS = frozenset({"name", "date"})


def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds of answer the question asks for ("duration", "number", "date", "quote", "name")."""
    return tuple(kind for kind, asks, _ in _KINDS if asks.search(question))


#: Capitalised, yet no one's name: "Russian and U.S. negotiators met on Monday" names no negotiator.
NOT_NAMES = frozenset(name.lower() for name in (*calendar.month_name[1:], *calendar.month_abbr[1:], "Sept",
                                                   *calendar.day_name))


def holds_answer(sentence: str, kinds: tuple[str, ...], question: str) -> bool:
    """Whether the sentence holds something of an asked-for kind that the question doesn't contain."""
    if not kinds:
        return False
    known = question.lower()
    for kind, _, answers in _KINDS:
        if kind not in kinds:
            continue
        for match in answers.finditer(sentence):
            found = match.group().strip().lower()
            if kind == "quote" or (found not in known and found not in STOPWORDS
                                   and not (kind == "name" and found in NOT_NAMES)):
                return True
    return False


def is_caption(sentence: str) -> bool:
    """Whether the sentence is an agency photo caption (found once per passage, in ``passage_words``)."""
    return bool(_CAPTION.search(sentence))
