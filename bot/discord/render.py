"""Parley's replies as Discord messages: content plus embeds, inert and within Discord's limits.

Only rendering lives here; what a reply says is decided in ``bot.replies``. Article and user text
is made inert twice over: markdown is escaped (so a quote cannot forge bold, headings or a masked
link) and mentions are broken (so ``@everyone`` or ``<@&role>`` shows as text), and every message
is sent with no allowed mentions, so even a missed case cannot ping anyone. Invisible controls
(bidi overrides, zero-widths) are dropped from everything shown, and an embed links only to a URL
Discord accepts (``replies.link_url``): one it rejects would fail the whole message.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import replies
from index.quotes import Quote

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
AUTHOR_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
SOURCE_FOOTER_LIMIT = 256  # ten embeds of title + footer must leave room for the quotes
FIELD_VALUE_LIMIT = 1024
TOTAL_LIMIT = 6000
EMBEDS_LIMIT = 10
MAX_FAILURES_SHOWN = 10
COLOUR = discord.Colour(0x2F5D8A)

# A link in message content, without the punctuation that usually follows one in a sentence.
_BARE_URL = re.compile(r"(?<![<\w])(https?://[^\s<>]+?)(?=[)\].,;:!?'\"”’]*(?:\s|$))")


@dataclass(frozen=True)
class Rendered:
    """One Discord message: ``content`` and ``embeds``, ready for ``send`` or ``followup.send``."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for any discord.py send: no pings, and no link previews.

        ``suppress_embeds`` would also hide our own embeds, so it is only used when there are none;
        otherwise the content carries no bare link (see ``inert``), which is what Discord previews.
        """
        kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        else:
            kwargs["suppress_embeds"] = True
        return kwargs


def inert(text: str) -> str:
    """Article or user text made safe to show: invisible controls dropped, mentions broken, markdown escaped."""
    return escape_markdown(escape_mentions(replies.visible(text)))


def content(text: str) -> str:
    """``inert`` text for a message's content, its links in <angle brackets> so Discord shows no preview."""
    return cut(_BARE_URL.sub(r"<\1>", inert(text)), CONTENT_LIMIT)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at the last word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def render(reply: object) -> Rendered:
    """Any reply from ``bot.replies`` as one Discord message."""
    if isinstance(reply, replies.AnswerReply):
        return render_answer(reply)
    if isinstance(reply, replies.SummaryReply):
        return render_summary(reply)
    if isinstance(reply, replies.StatusReply):
        return render_status(reply)
    if isinstance(reply, replies.ReindexReply):
        return render_reindex(reply)
    if isinstance(reply, replies.Notice):
        return Rendered(content(reply.text))
    raise TypeError(f"no Discord rendering for {type(reply).__name__}")


def render_answer(reply: replies.AnswerReply) -> Rendered:
    """The headline, then one embed per quote; when not covered, one per closest article."""
    headline = content(reply.headline)
    if reply.answered:
        return Rendered(headline, quote_embeds(reply.quotes))
    return Rendered(headline, [source_embed(quote, quoted=False) for quote in reply.closest[:EMBEDS_LIMIT]])


def render_summary(reply: replies.SummaryReply) -> Rendered:
    """The headline and the fallback note, then each bullet as a quote embed in date order."""
    text = content(reply.headline) + (f"\n*{content(reply.note)}*" if reply.note else "")
    return Rendered(cut(text, CONTENT_LIMIT), quote_embeds(reply.bullets))


def quote_embeds(quotes: list[Quote]) -> list[discord.Embed]:
    """Up to ten quote embeds whose descriptions share what the titles and footers leave of 6,000."""
    embeds = [source_embed(quote) for quote in quotes[:EMBEDS_LIMIT]]
    if not embeds:
        return []
    share = (TOTAL_LIMIT - sum(len(embed) for embed in embeds)) // len(embeds)
    for embed, quote in zip(embeds, quotes, strict=False):
        embed.description = quote_markdown(quote, min(DESCRIPTION_LIMIT, share))
    return embeds


def source_embed(quote: Quote, quoted: bool = True) -> discord.Embed:
    """The article's title linked to it (to the quoted sentence when ``quoted``, ``replies.quote_link``), and
    ``outlet · date`` (plus other outlets) as the footer; a quote's speaker, when known, as its author
    (``replies.speaker_line``)."""
    url = replies.quote_link(quote) if quoted else replies.link_url(quote.url)
    embed = discord.Embed(title=fit(quote.title or quote.url, TITLE_LIMIT), url=url, colour=COLOUR)
    speaker = replies.speaker_line(quote) if quoted else ""
    if speaker:  # an author's name shows no markdown either
        embed.set_author(name=cut(escape_mentions(replies.visible(speaker)), AUTHOR_LIMIT))
    footer = replies.source_line(dataclasses.replace(quote, title=""))
    if quote.also:
        footer += "\nAlso carried by " + ", ".join(quote.also)
    # Footers show no markdown, so only mentions are broken (invisibly) there.
    return embed.set_footer(text=cut(escape_mentions(replies.visible(footer)), SOURCE_FOOTER_LIMIT))


def quote_markdown(quote: Quote, limit: int) -> str:
    """“The quote” with the answering sentence in bold, escaped, cut to whole sentences in ``limit``.

    The cut keeps the answering sentence and as much context around it as fits (``replies.fitted_quote``), so
    the text shown is always a verbatim slice of the article, marked with … where it was cut.
    """
    shown = replies.fitted_quote(quote, limit, lambda start, end: _marked(quote.text, start, end, quote.highlight))
    return shown[:limit]  # one sentence that can't be cut to fit


def _marked(text: str, start: int, end: int, highlight: tuple[int, int] | None) -> str:
    """``text[start:end]`` quoted and escaped, the part inside ``highlight`` in bold."""
    if highlight and highlight[0] < end and highlight[1] > start:
        bold_start, bold_end = max(highlight[0], start), min(highlight[1], end)
        body = (inert(text[start:bold_start]) + "**" + inert(text[bold_start:bold_end]) + "**"
                + inert(text[bold_end:end]))
    else:
        body = inert(text[start:end])
    return ("“" + ("…" if start > 0 else "") + body + ("…" if end < len(text.rstrip()) else "") + "”")


def fit(text: str, limit: int) -> str:
    """Escaped ``text`` cut so that the escaped form fits ``limit`` (escaping adds characters)."""
    budget = limit
    while len(shown := inert(cut(text, budget))) > limit and budget > 1:
        budget -= len(shown) - limit
    return shown[:limit]


def render_status(status: replies.StatusReply) -> Rendered:
    """Sources one a line, then the index, the last and running reindex and the feedback counts."""
    lines = []
    for row in status.sources:
        failed = replies.failed_count(row["last_report"])
        lines.append(f"**{inert(row['name'])}** ({row['kind']}) · {row['articles']:,} articles · "
                     f"{row['passages']:,} passages · last indexed {row['last_indexed_at'] or 'never'} · "
                     f"{row['last_status']}" + (f" ({failed} failed)" if failed else ""))
    embed = discord.Embed(title="Sources", description=_lines_within(lines, DESCRIPTION_LIMIT) or "No sources yet.",
                          colour=COLOUR)
    embed.add_field(name="Index", inline=False,
                    value=cut(f"version {status.version or '—'} · {status.passages:,} passages · "
                              f"{status.articles:,} articles · model {inert(status.model or '—')}",
                              FIELD_VALUE_LIMIT))
    if status.last_run:
        run = status.last_run
        embed.add_field(name="Last reindex", inline=False,
                        value=cut(f"{run['started_at']} by {inert(run['started_by'] or '?')} — {run['status']}",
                                  FIELD_VALUE_LIMIT))
    if status.running:
        embed.add_field(name="Reindex running now", inline=False,
                        value=cut(f"started by {inert(str(status.running.get('by')))} at "
                                  f"{status.running.get('since')}", FIELD_VALUE_LIMIT))
    embed.add_field(name="Feedback", value=f"{status.feedback['up']} 👍 · {status.feedback['down']} 👎")
    return Rendered(embeds=[embed])


def render_reindex(report: replies.ReindexReply) -> Rendered:
    """What changed per source, the first skipped items with reasons, and the time it took."""
    lines = [f"**{inert(source['name'])}**: {source['new']} new · {source['changed']} changed · "
             f"{source['unchanged']} unchanged · {source['removed']} removed · "
             f"{replies.failed_count(source):,} failed · {source['passages_embedded']:,} passages embedded · "
             f"{source['seconds']:.1f} s"
             for source in report.sources]
    for source in report.sources:
        lines += [f"{inert(source['name'])}: skipped {inert(failure['item'])}: {inert(failure['reason'])}"
                  for failure in source["failed"][:MAX_FAILURES_SHOWN]]
        shown = min(len(source["failed"]), MAX_FAILURES_SHOWN)
        if replies.failed_count(source) > shown:
            lines.append(f"{inert(source['name'])}: … and {replies.failed_count(source) - shown:,} more")
    embed = discord.Embed(title="Reindex", description=_lines_within(lines, DESCRIPTION_LIMIT) or None,
                          colour=COLOUR)
    embed.set_footer(text=cut(escape_mentions(replies.visible(
        f"{report.work_line}; serving index version "
        f"{report.version}. Started by {report.started_by}.")), FOOTER_LIMIT))
    return Rendered(embeds=[embed])


def _lines_within(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in ``limit``, then a count of the lines left out."""
    kept: list[str] = []
    for number, line in enumerate(lines):
        left_after = len(lines) - number - 1
        room = limit - (len(f"\n… and {left_after} more") if left_after else 0)
        if len("\n".join([*kept, line])) > room:
            return "\n".join([*kept, f"… and {len(lines) - number} more"])
        kept.append(line)
    return "\n".join(kept)
