"""Block Kit for every reply in ``bot.replies``, built with slack_sdk's block models.

Everything that comes from an article or a user is escaped (``&``, ``<``, ``>``) and stripped of
invisible controls (``replies.visible``) before it reaches Slack, so a quote can never ping
``@channel`` or a user, show a forged link or read backwards; the only links in a message are the
ones built here from an article's http(s) URL (``replies.link_url``). mrkdwn has no escape for
``*_~` ``, so text that holds them is sent as ``plain_text`` and shows as written. Each text stays
within Slack's 3,000 characters and a message within 50 blocks: long quotes are cut at a sentence
boundary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

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
from slack_sdk.models.messages import Link

from bot import replies
from index.quotes import Quote

MAX_TEXT = 3000
MAX_BLOCKS = 50
MAX_VALUE = 2000
MAX_LABEL = 300
MAX_FAILURES_SHOWN = 10

VOTE_UP = "parley_vote_up"
VOTE_DOWN = "parley_vote_down"
POST_SUMMARY = "parley_post_summary"
QUESTION_BLOCK = "parley_question:"  # + the logged question's id: the block id of an answer's vote buttons

# What mrkdwn would read as bold, italic, strike, code or an :emoji: code rather than as the text itself.
_FORMATTING = re.compile(r"[*_~`]|:[\w+'-]+:")


@dataclass(frozen=True)
class SlackMessage:
    """A message ready for ``chat.postMessage`` or a ``response_url``: fallback text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def kwargs(self) -> dict:
        """Keyword arguments for ``chat_postMessage`` and Bolt's ``respond``, with unfurling off."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks],
                "unfurl_links": False, "unfurl_media": False}


def escape(text: str) -> str:
    """Visible text with Slack's three control characters as entities, so it can't form mentions or links."""
    return replies.visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(raw: str, limit: int) -> str:
    """``escape(raw)`` cut (with an ellipsis) so the escaped result is at most ``limit`` chars."""
    escaped = escape(raw)
    if len(escaped) <= limit:
        return escaped
    kept, size = [], 1
    for char in raw:
        size += len(escape(char))
        if size > limit:
            break
        kept.append(char)
    return escape("".join(kept).rstrip()) + "…"


def message_for(reply, question_id: int | None = None) -> SlackMessage:
    """Any reply from ``bot.replies`` as a Slack message (a summary without its post button); an answer's
    vote buttons carry ``question_id``, the logged question's, when given."""
    if isinstance(reply, replies.AnswerReply):
        return answer_message(reply, question_id)
    if isinstance(reply, replies.SummaryReply):
        return summary_message(reply, postable=False)
    if isinstance(reply, replies.StatusReply):
        return status_message(reply)
    if isinstance(reply, replies.ReindexReply):
        return reindex_message(reply)
    if isinstance(reply, replies.Notice):
        return notice_message(reply)
    raise TypeError(f"no Slack rendering for {type(reply).__name__}")


# -- answers ----------------------------------------------------------------------------------

def answer_message(reply: replies.AnswerReply, question_id: int | None = None) -> SlackMessage:
    """The headline, up to 24 quotes (each with its source under it) and the 👍/👎 buttons.

    When not covered, the closest articles follow the headline, one source line each. The buttons'
    block id names the logged question (``QUESTION_BLOCK``), which Slack sends back with each click, so
    a vote is counted on it; the buttons' values stay the question and quotes the vote judges.
    """
    blocks: list[Block] = [_headline(reply.headline)]
    if reply.answered:
        for quote in reply.quotes[:(MAX_BLOCKS - 2) // 2]:
            blocks += quote_blocks(quote)
    else:
        blocks += [ContextBlock(elements=source_elements(quote, quoted=False))
                   for quote in reply.closest[:MAX_BLOCKS - 2]]
    blocks.append(ActionsBlock(block_id=None if question_id is None else f"{QUESTION_BLOCK}{question_id}", elements=[
        ButtonElement(text=PlainTextObject(text="👍", emoji=True), action_id=VOTE_UP, value=feedback_value(reply)),
        ButtonElement(text=PlainTextObject(text="👎", emoji=True), action_id=VOTE_DOWN,
                      value=feedback_value(reply))]))
    return SlackMessage(_fallback(reply.headline, reply.quotes if reply.answered else reply.closest), blocks)


def quote_blocks(quote: Quote) -> list[Block]:
    """A block quote of the article's own words, answering sentence in bold, then its source.

    A quote that mrkdwn would format is shown as plain text in “quotation marks” instead, unbolded.
    """
    literal = formats(quote.text)
    text = quote_markup(quote, literal=literal)
    return [SectionBlock(text=_literal(text) if literal else MarkdownTextObject(text=text, verbatim=True)),
            ContextBlock(elements=source_elements(quote))]


def quote_markup(quote: Quote, budget: int = MAX_TEXT, literal: bool = False) -> str:
    """The quote as mrkdwn ``>`` lines within ``budget`` chars, shortened to whole sentences.

    ``literal`` gives it for a ``plain_text`` object instead: in quotation marks, with no bold. The
    escaped text can be up to five times longer than the article's, so the quote is cut (``replies.fitted_quote``:
    whole sentences around the answering one) until the markup fits.
    """
    text = quote.text
    if literal:
        return replies.fitted_quote(quote, budget, lambda start, end: _quote_plain(text, start, end))
    return replies.fitted_quote(quote, budget, lambda start, end: _quote_lines(text, quote.highlight, start, end))


def _quote_plain(text: str, start: int, end: int) -> str:
    """``text[start:end]`` escaped in quotation marks, with … where it was cut."""
    return f"“{'…' if start > 0 else ''}{escape(text[start:end])}{'…' if end < len(text) else ''}”"


def _quote_lines(text: str, highlight: tuple[int, int] | None, start: int, end: int) -> str:
    """``text[start:end]`` escaped, the highlight in bold, each line prefixed with ``>``."""
    low, high = highlight or (start, start)
    low, high = min(max(low, start), end), min(max(high, start), end)
    pieces = [(text[start:low], False), (text[low:high], True), (text[high:end], False)]
    lines = ["…" if start > 0 else ""]
    for piece, bold in pieces:
        for number, part in enumerate(piece.split("\n")):
            if number:
                lines.append("")
            lines[-1] += _bold(escape(part)) if bold else escape(part)
    lines[-1] += "…" if end < len(text) else ""
    return "\n".join(f"> {line}" for line in lines)


def _bold(text: str) -> str:
    """``*text*`` with surrounding whitespace kept outside the asterisks, as mrkdwn requires."""
    core = text.strip()
    if not core:
        return text
    lead = text[:len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}*{core}*{trail}"


def source_elements(quote: Quote, quoted: bool = True) -> list[TextObject]:
    """``outlet · date · title`` (and the other outlets carrying it) linked to the article: to the quoted
    sentence itself when ``quoted`` (``replies.quote_link``), to the page for a closest headline. A quote's
    speaker, when known, leads it unlinked (``replies.speaker_lead``: ``— Sergei Lavrov, Foreign Minister ·``).

    A source line that mrkdwn would format is shown as plain text, followed by a link labelled
    with the article's host; with no usable URL there is no link.
    """
    label = escape_within(replies.source_line(quote), MAX_LABEL)
    also = " · also carried by " + escape_within(", ".join(quote.also), MAX_LABEL) if quote.also else ""
    url = safe_url(replies.quote_link(quote) if quoted else quote.url)
    lead = escape_within(replies.speaker_lead(quote), MAX_LABEL) if quoted else ""
    said = [_literal(lead) if formats(lead) else _mrkdwn(lead)] if lead else []
    return said + linked_elements(label, also, url)


def linked_elements(label: str, also: str, url: str | None) -> list[TextObject]:
    """The escaped ``label`` linked to ``url`` (from ``safe_url``), then ``also`` unlinked; plain text plus a
    link labelled with the host when mrkdwn would format the label, no link when there is no URL."""
    if formats(label + also):
        return [_literal(label + also)] + ([_mrkdwn(str(Link(url=url, text=urlsplit(url).hostname)))] if url else [])
    return [_mrkdwn((str(Link(url=url, text=label)) if url else label) + also)]


def safe_url(url: str | None) -> str | None:
    """The URL in a form that can sit inside ``<url|label>`` (``replies.link_url``, ``&`` escaped), or None."""
    target = replies.link_url(url) if url else None
    return target.replace("&", "&amp;") if target else None


def feedback_value(reply: replies.AnswerReply) -> str:
    """What a 👍/👎 click must carry to store the vote: the question and the quotes' ids and URLs.

    Button values hold at most 2,000 characters, so a long question is cut and, if still needed,
    the last quotes are dropped; ``read_feedback_value`` turns it back into a feedback dict.
    """
    quotes = [[quote["passage_id"], quote["url"]] for quote in reply.judged_quotes()]
    question = reply.question
    while True:
        value = json.dumps({"q": question, "p": quotes}, ensure_ascii=False, separators=(",", ":"))
        if len(value) <= MAX_VALUE:
            return value
        if len(question) > 100:
            question = question[:len(question) - (len(value) - MAX_VALUE) - 1]
        else:
            quotes = quotes[:-1]


def read_feedback_value(value: str) -> dict:
    """The ``{"question", "quotes"}`` dict ``Parley.record_feedback`` stores, from a button value."""
    data = json.loads(value)
    return {"question": data["q"], "quotes": [{"passage_id": pid, "url": url} for pid, url in data["p"]]}


# -- summaries --------------------------------------------------------------------------------

def summary_message(summary: replies.SummaryReply, postable: bool) -> SlackMessage:
    """The latest summary as quotes in date order; ``postable`` adds the "Post to channel" button."""
    blocks: list[Block] = [_headline(summary.headline)]
    if summary.note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape_within(summary.note, MAX_TEXT))]))
    for quote in summary.bullets[:(MAX_BLOCKS - len(blocks) - 1) // 2]:
        blocks += quote_blocks(quote)
    if postable:
        # ``until`` is the window's last moment; Parley.summary takes the end just after it.
        end = summary.until + timedelta(seconds=1)
        window_value = json.dumps({"since": summary.since.isoformat(), "until": end.isoformat()})
        blocks.append(ActionsBlock(elements=[ButtonElement(
            text=PlainTextObject(text="Post to channel"), action_id=POST_SUMMARY, value=window_value,
            style="primary")]))
    return SlackMessage(_fallback(summary.headline, summary.bullets), blocks)


def read_summary_value(value: str) -> tuple[str, str]:
    """The ``(since, until)`` ISO strings a "Post to channel" button carries, for ``Parley.summary``."""
    data = json.loads(value)
    return data["since"], data["until"]


# -- notices, status and reindex reports -------------------------------------------------------

def notice_message(notice: replies.Notice) -> SlackMessage:
    """The notice as plain text: it never needs formatting, and it may repeat what the user typed."""
    text = escape_within(notice.text, MAX_TEXT)
    return SlackMessage(text, [SectionBlock(text=_literal(text))])


def status_message(status: replies.StatusReply) -> SlackMessage:
    """Sources with their counts and last run, the index version and the feedback counts."""
    lines = ["*Sources*"]
    lines += [source_status_line(row, replies.failed_count(row["last_report"])) for row in status.sources]
    lines.append(f"Index version {escape(status.version or '—')} · {status.passages:,} passages · "
                 f"{status.articles:,} articles · model {escape(status.model or '—')}")
    if status.last_run:
        lines.append(last_run_line(status.last_run))
    if status.running:
        lines.append(f"Reindex running now: started by {escape_within(str(status.running.get('by')), MAX_LABEL)}"
                     f" at {escape(str(status.running.get('since')))}")
    lines.append(f"Feedback: {status.feedback['up']} 👍 · {status.feedback['down']} 👎")
    return SlackMessage(f"Parley status: {status.articles:,} articles, {status.passages:,} passages",
                        sections(lines))


def source_status_line(row: dict, failed: int) -> str:
    """``• *name* (kind): articles · passages · last indexed · status (N failed)``, escaped: one source in
    /talks-status and in the admin report of the Home tab."""
    return (f"• *{escape_within(row['name'], MAX_LABEL)}* ({escape(row['kind'])}): {row['articles']:,} articles · "
            f"{row['passages']:,} passages · last indexed {escape(row['last_indexed_at'] or 'never')} · "
            f"{escape(row['last_status'] or '—')}" + (f" ({failed:,} failed)" if failed else ""))


def last_run_line(run: dict) -> str:
    """``Last reindex: when by whom — status``, escaped: in /talks-status and in the admin report."""
    return (f"Last reindex: {escape(run['started_at'] or '?')} by {escape_within(run['started_by'] or '?', MAX_LABEL)}"
            f" — {escape(run['status'] or '?')}")


def reindex_message(report: replies.ReindexReply) -> SlackMessage:
    """What changed per source (new, changed, failed with reasons) and how long it took."""
    lines = [f"*Reindex finished* (started by {escape_within(report.started_by, MAX_LABEL)})"]
    for source in report.sources:
        name = escape_within(source["name"], MAX_LABEL)
        lines.append(f"• *{name}*: {source['new']} new · {source['changed']} changed · "
                     f"{source['unchanged']} unchanged · {source['removed']} removed · "
                     f"{replies.failed_count(source):,} failed · {source['passages_embedded']:,} passages embedded · "
                     f"{source['seconds']:.1f} s")
        for failure in source["failed"][:MAX_FAILURES_SHOWN]:
            lines.append(f"    ◦ {name}: skipped {escape_within(failure['item'], MAX_LABEL)}: "
                         f"{escape_within(failure['reason'], MAX_LABEL)}")
        shown = min(len(source["failed"]), MAX_FAILURES_SHOWN)
        if replies.failed_count(source) > shown:
            lines.append(f"    ◦ {name}: … and {replies.failed_count(source) - shown:,} more")
    summary = (f"{report.work_line}; "
               f"serving index version {escape(report.version or '—')}.")
    lines.append(summary)
    return SlackMessage(f"Reindex finished: {summary}", sections(lines))


# -- helpers ------------------------------------------------------------------------------------

def formats(text: str) -> bool:
    """Whether mrkdwn would show part of ``text`` as formatting (bold, italic, strike, code, emoji)."""
    return _FORMATTING.search(text) is not None


def _literal(escaped: str) -> PlainTextObject:
    """Escaped text shown exactly as written: no mrkdwn, no :emoji: codes."""
    return PlainTextObject(text=escaped, emoji=False)


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=_mrkdwn(mrkdwn))


def _headline(text: str) -> SectionBlock:
    """A reply's first line in bold, or as plain text when it repeats something mrkdwn would format."""
    escaped = escape_within(text, MAX_TEXT - 2)
    return SectionBlock(text=_literal(escaped)) if formats(escaped) else section(f"*{escaped}*")


def sections(lines: list[str]) -> list[Block]:
    """Already-escaped lines packed into as few sections as fit 3,000 chars, within the block cap."""
    texts: list[str] = []
    for line in lines:
        line = line if len(line) <= MAX_TEXT else line[:MAX_TEXT - 1].rsplit(" ", 1)[0] + "…"
        if texts and len(texts[-1]) + 1 + len(line) <= MAX_TEXT:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return [section(text) for text in texts[:MAX_BLOCKS - 1]]


def _fallback(headline: str, quotes: list[Quote]) -> str:
    """The plain-text version notifications show: the headline and each quote with its source."""
    raw = "\n".join([headline] + [f"“{quote.text}” {replies.attribution_line(quote)}" if quote.speaker
                                   else f"“{quote.text}” — {replies.source_line(quote)}" for quote in quotes])
    return escape_within(raw, MAX_TEXT)
