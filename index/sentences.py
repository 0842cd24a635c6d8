"""Sentence boundaries as character spans, so passages and quotes never cut a sentence.

A rule-based splitter is enough for news English and keeps offsets exact: it breaks after
``.``, ``!`` or ``?`` (plus closing quotes or brackets) followed by space and a capital, digit or
opening quote, and at blank lines (a single line break is only a hard wrap), except after
common abbreviations and initials. A line break also ends a sentence before a list item ("- ",
"• ", "(ii) ", "2. ") and after a line ending in a colon ("Begin Text:"): official fact sheets
and statements are lists, and a list read as one sentence holds the words of all its items.
Some scraped text joins its paragraphs with " , " ("…declined to comment. , More than 30
people…"); that ends a sentence too, and the comma belongs to neither.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?:[ \t]+,)?(?=\s+["'“‘(\[]?[A-Z0-9])|\n[ \t]*\n\s*"""
                       r"""|\n[ \t]*(?=(?:[-–—•*▪◦·]|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])[ \t])|(?<=:)[ \t]*\n\s*""")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "st",
    "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "no", "fig", "approx", "dept", "est", "amb",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    "u.n", "e.u", "d.c", "a.m", "p.m", "i.e", "e.g", "pres", "sec", "mt", "ft", "rev", "hon", "adm",
}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_ENUMERATOR = re.compile(r"[ \t]*\(?(?:\d{1,2}|[ivx]{1,4})")  # all a line holds before "2. " opening a list item


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period ending at ``end`` closes an abbreviation or an initial, not a sentence."""
    if _ENUMERATOR.fullmatch(text, text.rfind("\n", 0, end) + 1, end - 1):
        return True
    match = _WORD_BEFORE.search(text[max(0, end - 12):end])
    if not match:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


Spans = list[tuple[int, int]]  # a text's sentences, (start, end) each


def sentence_spans(text: str) -> Spans:
    """Spans ``(start, end)`` of each sentence in ``text``, whitespace excluded, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        mark = match.group()
        if mark[0].isspace():  # a line break: a blank line, a list item, after a colon
            end = match.start()
        else:
            punctuation = mark.rstrip(" \t,")  # some scraped text joins its paragraphs with " , "
            if punctuation.rstrip("\"'”’)]") == "." and _is_abbreviation(text, match.start() + 1):
                continue
            end = match.start() + len(punctuation)
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def passage_sentences(text: str) -> Spans:
    """A passage's sentence spans as a version keeps them, or a quote's: a text with no boundary is one sentence."""
    return sentence_spans(text) or [(0, len(text))]


def _add_span(text: str, start: int, end: int, spans: Spans) -> None:
    """Append the span trimmed of surrounding whitespace (and of a leading comma, left by text that
    joins paragraphs with " , "), if anything is left."""
    while start < end and (text[start].isspace() or text[start] == ","):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
