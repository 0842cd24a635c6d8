"""What Parley says, decided once for every front end.

Each function returns a small data class; Slack, Discord and the console only render it. The
wording of help, refusals and reports lives here so every platform says the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote as percent_encode
from urllib.parse import urlsplit

from index.articles import visible as visible  # re-exported: every front end cleans what it shows with it
from index.quotes import Answer, Quote, window
from index.sentences import passage_sentences

if TYPE_CHECKING:  # imported for the type only: it pulls in BM25 and FAISS
    from index.timeline import Statement

MAX_QUESTION_CHARS = 500
MAX_URL_CHARS = 2000
_URL_KEEPS = "!#$%&'()*+,-./:;=?@[]_~"  # what RFC 3986 allows unencoded besides letters and digits
_HOST = re.compile(r"(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")  # a name, or IPv6
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
FRAGMENT_WORDS = 4  # words in each of textStart and textEnd when a quoted sentence is long
_FRAGMENT_EDGES = re.compile(r"^[^\w]+|[^\w]+$")  # quotation marks and punctuation around the words


@dataclass(frozen=True)
class AnswerReply(Answer):
    """Quotes that answer, or a plain "not covered" with the closest headlines: the index's answer
    with what a chat reply adds to it."""

    def judged_quotes(self) -> list[dict]:
        """What a 👍/👎 judges, by id and link: the quotes shown, or the closest headlines when not covered."""
        return [{"passage_id": quote.passage_id, "url": quote.url}
                for quote in (self.quotes if self.answered else self.closest)]

    @property
    def headline(self) -> str:
        if self.answered:
            return f"Here is what the sources say about “{self.question}”:"
        return (f"The indexed sources don't cover “{self.question}”." +
                (" The closest articles are:" if self.closest else ""))


@dataclass(frozen=True)
class SummaryReply:
    """The latest summary: verbatim sentences (``bullets``), in date order, each with its source.

    ``since`` is the first and ``until`` the last moment of the window shown (``--until
    2022-01-14`` ends at 23:59:59 that day). ``note`` explains a fallback, e.g. that the asked
    window was empty and the newest window with coverage is shown instead.
    """

    topic: str
    since: datetime
    until: datetime
    bullets: list[Quote] = field(default_factory=list)
    note: str = ""

    @property
    def headline(self) -> str:
        return f"Latest on {self.topic}, {date_label(self.since)} – {date_label(self.until)}:"

    def to_dict(self) -> dict:
        """The JSON shape of ``parley summary --json``."""
        return {"window": {"since": self.since.isoformat(), "until": self.until.isoformat(), "note": self.note},
                "bullets": [{"text": quote.text, "url": quote.url, "title": quote.title, "outlet": quote.outlet,
                             "published": quote.published.date().isoformat() if quote.published else None,
                             "also": list(quote.also)} for quote in self.bullets]}


WINDOW_FORMS = "a span back such as 24h, 3d or 2w, or a date such as 2022-01-08"


def bad_window_notice(option: str, value: str) -> Notice:
    """``option`` is "since", "until" or "order" (the window ends before it starts)."""
    if option == "order":
        return Notice("error", f"That window is empty: “{value}” does not start before its end. Pick an earlier "
                               f"start ({WINDOW_FORMS}) or a later end date.")
    if option == "until":
        return Notice("error", f"I can't read “{value}” as an end date. Use a date such as 2022-01-14 "
                               "(that whole day is included).")
    return Notice("error", f"I can't read “{value}” as a start. Use {WINDOW_FORMS}.")


def no_coverage_notice(topic: str) -> Notice:
    return Notice("empty", f"I found nothing indexed about {topic} that I can quote, so there is no summary "
                           "to give.")


def summary_fallback_note(asked_since: datetime, asked_until: datetime) -> str:
    """Why the window shown is not the one asked for (``asked_until`` is its last moment)."""
    return (f"Nothing about the topic was published {date_label(asked_since)} – {date_label(asked_until)}; "
            f"here is the newest {span_label(asked_since, asked_until)} with coverage instead.")


def span_label(since: datetime, until: datetime) -> str:
    """``day``, ``3 days``, ``2 weeks``, ``36 hours``: a window's length as people say it."""
    hours = max(1, round((until - since).total_seconds() / 3600))
    count, unit = next((hours // size, name) for size, name in ((168, "week"), (24, "day"), (1, "hour"))
                       if hours % size == 0)
    return unit if count == 1 else f"{count} {unit}s"


TIMELINE_PAGE = 10  # statements a chat message shows before its "more" button


@dataclass(frozen=True)
class TimelineReply:
    """A speaker's or a party's statements in date order: all of them in ``statements``, and the page of
    ``per_page`` (``page`` from 1) a chat message shows. The request (``asked``, ``about``, ``since``,
    ``until``) travels with it so a "more" button can ask for the next page."""

    who: str
    party: bool
    statements: list[Statement]
    asked: str = ""
    about: str = ""
    since: str | None = None
    until: str | None = None
    page: int = 1
    per_page: int = TIMELINE_PAGE

    @property
    def shown(self) -> list[Statement]:
        return self.statements[(self.page - 1) * self.per_page:self.page * self.per_page]

    @property
    def more(self) -> bool:
        """Whether a page follows this one."""
        return self.left > 0

    @property
    def left(self) -> int:
        """How many statements follow this page (what a "more" button offers)."""
        return max(0, len(self.statements) - self.page * self.per_page)

    @property
    def headline(self) -> str:
        whom = f"{self.who} (its officials)" if self.party else self.who
        topic = f" about “{self.about}”" if self.about else ""
        if not self.statements:
            return f"I found no statements by {whom}{topic} in the indexed sources."
        if not self.shown:
            return f"There are no more statements by {whom}{topic}: all {len(self.statements)} were shown."
        first = (self.page - 1) * self.per_page + 1
        return (f"Statements by {whom}{topic}, in date order ({first}–{first + len(self.shown) - 1} of "
                f"{len(self.statements)}):")

    def to_dict(self, everything: bool = True) -> dict:
        """The JSON shape of ``parley timeline --json``: every statement, or only this page's."""
        shown = self.statements if everything else self.shown
        return {"who": self.who, "party": self.party, "about": self.about or None, "total": len(self.statements),
                "statements": [{**statement.to_dict(), "link": statement_link(statement)} for statement in shown]}


def statement_line(statement: Statement) -> str:
    """``date · speaker · outlet``, what each timeline line is attributed to (plain text, unescaped); "reported
    by" the outlet when the sentence is its account of what was said, not the speaker's own words."""
    outlet = f"{'reported by ' if statement.kind == 'account' else ''}{statement.outlet or 'unknown outlet'}"
    parts = [date_label(statement.published) or "undated", statement.speaker, outlet]
    return " · ".join(part for part in parts if part)


def statement_link(statement: Statement) -> str | None:
    """The link to the statement's article, scrolled to the sentence (a text fragment), or None."""
    target = link_url(statement.url)
    return with_text_fragment(target, statement.text) if target else None


def timeline_help_notice() -> Notice:
    return Notice("help", "Name a speaker or a party, and a topic if you like: for example “Lavrov about security "
                          "guarantees”, “NATO” or “the US about missiles”. I list their statements in date order, "
                          "each an exact sentence from the sources.")


@dataclass(frozen=True)
class Notice:
    """A one-paragraph message: help, a refusal, a rate limit, an error, a reindex start."""

    kind: str
    text: str


@dataclass(frozen=True)
class StatusReply:
    """Sources and index as ``parley status`` and ``/talks-status`` show them."""

    sources: list[dict]
    articles: int
    passages: int
    model: str | None
    version: str | None
    last_run: dict | None
    feedback: dict[str, int]
    running: dict | None = None


@dataclass(frozen=True)
class ReindexReply:
    """The report of a finished reindex, per source."""

    started_by: str
    seconds: float
    passages_embedded: int
    sources: list[dict]
    version: str | None
    sentences_encoded: int = 0

    @property
    def work_line(self) -> str:
        """What the run encoded and how long it took (no text from sources or users: nothing to escape)."""
        recut = sum(source.get("recut", 0) for source in self.sources)  # older reports lack it
        articles = "article" if recut == 1 else "articles"
        notes = [f"{recut:,} unchanged {articles} cut again by today's sentence rules"] if recut else []
        if self.sentences_encoded:
            notes.append(f"{self.sentences_encoded:,} sentences encoded")
        done = f" ({'; '.join(notes)})" if notes else ""
        return f"{self.passages_embedded:,} passages embedded{done} in {self.seconds:.1f} s"


def fitted_quote(quote: Quote, budget: int, render: Callable[[int, int], str]) -> str:
    """``render(start, end)`` of the quote cut to whole sentences around its answering sentence (``window``), the
    widest cut found whose rendering fits ``budget`` chars: escaping and markup make it longer than the text."""
    text = quote.text
    focus = quote.highlight or passage_sentences(text)[0]
    start, end, limit = 0, len(text), len(text)
    while True:
        shown = render(start, end)
        if len(shown) <= budget or limit <= 1:
            return shown
        limit = max(1, min(limit - 1, limit * budget // len(shown)))
        start, end = window(text, focus, limit)


def source_line(quote: Quote) -> str:
    """``outlet · date · title``, the attribution under every quote (plain text, unescaped)."""
    parts = [quote.outlet or "unknown outlet", date_label(quote.published), quote.title]
    return " · ".join(part for part in parts if part)


def speaker_line(quote: Quote) -> str:
    """Who speaks the quote's answering sentence (plain text, unescaped), "" when the article doesn't say:
    ``Sergei Lavrov, Russian Foreign Minister`` for their own words; a paraphrase is the outlet's account,
    ``Sergei Lavrov, as reported by Reuters``, never passed off as their words."""
    if quote.speaker is None:
        return ""
    lead = _speaker_who(quote)
    return f"{lead}, as reported by {quote.outlet or 'the outlet'}" if quote.speaker.kind == "account" else lead


def speaker_lead(quote: Quote) -> str:
    """What goes before ``source_line`` under a quote whose speaker is known, "" otherwise:
    ``— Sergei Lavrov, Russian Foreign Minister ·`` or, for the outlet's account, ``— Lavrov, as reported by``
    (the source line then names the outlet)."""
    if quote.speaker is None:
        return ""
    return f"— {_speaker_who(quote)}{', as reported by' if quote.speaker.kind == 'account' else ' ·'}"


def attribution_line(quote: Quote) -> str:
    """The line under a quote: ``speaker_lead`` then ``source_line``
    (``— Sergei Lavrov, Russian Foreign Minister · Kremlin · 21 Jan 2022 · title``)."""
    return " ".join(part for part in (speaker_lead(quote), source_line(quote)) if part)


def _speaker_who(quote: Quote) -> str:
    speaker = quote.speaker
    return f"{speaker.name}, {speaker.role}" if speaker.role else speaker.name


def date_label(moment: datetime | None) -> str:
    return f"{moment:%-d %b %Y}" if moment else ""


def failed_count(report: dict) -> int:
    """How many items of a source failed; a report lists only the first few (older ones listed them all)."""
    return report.get("failed_count", len(report.get("failed", [])))


def link_url(url: str) -> str | None:
    """The article's URL as a link target Slack and Discord accept, or None when it can't be one.

    Tabs and line breaks are dropped as browsers drop them; spaces and other characters a URL may
    not hold are percent-encoded. It must be http(s) with a plain host and no user name (which
    would let ``https://reuters.com@evil.example`` pass as Reuters), and hold no control character.
    """
    url = re.sub("[\t\n\r]", "", url).strip(" ")
    if len(url) > MAX_URL_CHARS or visible(url) != url:  # a control or format character
        return None
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # a port that isn't a number raises ValueError
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host or "@" in parts.netloc or not _HOST.fullmatch(host):
        return None
    encoded = _BARE_PERCENT.sub("%25", percent_encode(url, safe=_URL_KEEPS))
    return encoded if len(encoded) <= MAX_URL_CHARS else None


def quote_link(quote: Quote) -> str | None:
    """The link of a quote shown: ``link_url``, with a text fragment that scrolls to and highlights the
    quoted sentence (the answering one when marked, else the whole quote), or None when no link can be."""
    target = link_url(quote.url)
    if target is None:
        return None
    text = quote.text[quote.highlight[0]:quote.highlight[1]] if quote.highlight else quote.text
    return with_text_fragment(target, text)


def with_text_fragment(url: str, text: str) -> str:
    """``url#:~:text=…`` (WICG Text Fragments) for ``text``; ``url`` unchanged where it is no web page,
    already holds a text directive, or would grow too long.

    A short text is one ``textStart``; a long one ``textStart,textEnd`` of its first and last
    ``FRAGMENT_WORDS`` words. Quotation marks and punctuation at its two ends are left out (the page
    may print them differently); each term is percent-encoded as UTF-8, ``-``, ``,`` and ``&`` included,
    as the spec requires. An existing ``#fragment`` is kept: ``url#fragment:~:text=…``.
    """
    if urlsplit(url).scheme.lower() not in {"http", "https"} or ":~:" in url:
        return url
    words = _FRAGMENT_EDGES.sub("", " ".join(text.split())).split(" ")
    if not words or not words[0]:
        return url
    if len(words) > 3 * FRAGMENT_WORDS:
        directive = f"{_fragment_term(words[:FRAGMENT_WORDS])},{_fragment_term(words[-FRAGMENT_WORDS:])}"
    else:
        directive = _fragment_term(words)
    linked = f"{url}{':~:' if '#' in url else '#:~:'}text={directive}"
    return linked if len(linked) <= MAX_URL_CHARS else url


def _fragment_term(words: list[str]) -> str:
    return percent_encode(" ".join(words), safe="").replace("-", "%2D")


def check_question(text: str) -> Notice | None:
    """A friendly notice for an oversized question or one with nothing to search, else None.

    Nothing to search is fewer than two letters or digits: blank, punctuation, a stray "x".
    """
    if sum(char.isalnum() for char in text) < 2:
        return help_notice()
    if len(text) > MAX_QUESTION_CHARS:
        return Notice("error", f"That question is {len(text):,} characters long; please ask in under "
                               f"{MAX_QUESTION_CHARS} characters, one question at a time.")
    return None


def help_notice() -> Notice:
    return Notice("help", "Ask me a question about the talks, for example “What did Russia demand?” or "
                          "“When does the NATO-Russia Council meet?”. I answer with exact quotes from the "
                          "indexed news and transcripts, each with its source.")


def not_indexed_notice() -> Notice:
    return Notice("error", "Nothing is indexed yet, so I can't answer. An admin can run a reindex.")


def outdated_index_notice() -> Notice:
    return Notice("error", "The index was built by an older Parley, so I can't answer from it. An admin can run a "
                           "reindex (nothing is embedded again).")


def rate_limited_notice(per_minute: int, wait_seconds: int) -> Notice:
    return Notice("rate_limited", f"You've asked {per_minute} questions in the last minute. Please wait "
                                  f"{wait_seconds} s and ask again.")


def not_admin_notice() -> Notice:
    return Notice("refused", "Only Parley's admins can reindex the sources.")


def reindex_started_notice() -> Notice:
    return Notice("reindex_started", "Reindex started. Questions are still answered from the current index; "
                                     "I'll report here when it is done.")


def reindex_busy_notice(holder: dict) -> Notice:
    return Notice("busy", f"A reindex is already running: started by {holder.get('by', 'someone')} at "
                          f"{holder.get('since', 'an unknown time')}.")


def error_notice() -> Notice:
    return Notice("error", "Sorry, something went wrong while answering. The error was logged; please try again.")


def feedback_notice(outcome: str) -> Notice:
    """What a 👍/👎 click gets back: ``recorded``, ``duplicate`` (already rated) or ``forgotten``."""
    texts = {"recorded": "Thanks, your feedback is recorded.",
             "duplicate": "You have already rated this answer.",
             "forgotten": "I no longer have that answer (it is too old, or I restarted since), "
                          "so the vote wasn't recorded."}
    return Notice("feedback", texts[outcome])


def reindex_failed_notice(reason: str) -> Notice:
    return Notice("error", f"The reindex failed ({reason}); the previous index is still serving.")


def reindex_reply(report) -> ReindexReply:
    """From an ``index.build.ReindexReport``."""
    data = report.to_dict()
    return ReindexReply(report.started_by, report.seconds, report.passages_embedded, data["sources"],
                        report.version, report.sentences_encoded)


@dataclass(frozen=True)
class WatchPost(AnswerReply):
    """A watched question's answer from passages new in a reindex, posted unasked; ``more`` new passages
    also answered it but were over the channel's limit."""

    asked_on: datetime | None = None
    more: int = 0

    @property
    def headline(self) -> str:
        extra = (f" ({self.more} more new passage{'s' if self.more != 1 else ''} also answer it: ask to see "
                 "them all)") if self.more else ""
        return f"New since you asked on {date_label(self.asked_on)}: “{self.question}”{extra}"


def nothing_new_notice(since: str, topic: str) -> Notice:
    """A digest whose window holds no coverage; ``since`` is when the window began, as people read it."""
    return Notice("empty", f"Nothing new since {since}: no coverage of {topic} was published since then.")
