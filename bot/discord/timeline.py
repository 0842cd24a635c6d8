"""``/talks-timeline`` in Discord: a page of statements, one embed each, and a "More" button for the next page.

Each embed's title is ``date · speaker · outlet`` linked to the sentence in its article, its description
the sentence in “quotation marks”, all inert (``render.inert``) and within Discord's limits. The button's
custom id names the request, which this process remembers (the newest few thousand): a click after a
restart is told to run the command again.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import OrderedDict

import discord

from bot import replies
from bot.discord.render import (
    COLOUR,
    DESCRIPTION_LIMIT,
    EMBEDS_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    Rendered,
    content,
    cut,
    fit,
    inert,
    render,
)
from bot.service import Parley
from index.timeline import Statement

MORE_ID_TEMPLATE = r"parley:timeline:(?P<key>[0-9a-f]{16}):(?P<page>\d+)"
REMEMBERED_TIMELINES = 2000
FORGOTTEN = ("I no longer have that timeline (it is too old, or I restarted since): run /talks-timeline again to "
             "see it.")
#: The requests behind recent "More" buttons, by key, the newest ``REMEMBERED_TIMELINES``.
REQUESTS: OrderedDict[str, replies.TimelineReply] = OrderedDict()


def render_timeline(reply: replies.TimelineReply) -> Rendered:
    """The headline as content and one embed per statement of the page (at most ten, as Discord allows)."""
    shown = reply.shown[:EMBEDS_LIMIT]
    embeds = [statement_embed(statement) for statement in shown]
    if embeds:
        share = (TOTAL_LIMIT - len(reply.headline) - sum(len(embed) for embed in embeds)) // len(embeds)
        for embed, statement in zip(embeds, shown, strict=True):
            embed.description = said(statement.text, min(DESCRIPTION_LIMIT, share))
    return Rendered(content(reply.headline), embeds)


def statement_embed(statement: Statement) -> discord.Embed:
    """The source line as the title, linked to the sentence; the other outlets as the footer."""
    embed = discord.Embed(title=cut(inert(cut(replies.statement_line(statement), TITLE_LIMIT // 2)), TITLE_LIMIT),
                          url=replies.statement_link(statement), colour=COLOUR)
    if statement.also:
        # Footers show no markdown, so only mentions are broken (invisibly) there.
        embed.set_footer(text=cut(discord.utils.escape_mentions(replies.visible(
            "Also in " + ", ".join(statement.also))), FOOTER_LIMIT))
    return embed


def said(text: str, limit: int) -> str:
    """“The sentence”, escaped, cut at a word with … so its escaped form fits ``limit``."""
    return f"“{fit(text, max(1, limit - 2))}”"[:limit]


def timeline_kwargs(reply: object) -> dict:
    """What sending ``reply`` takes: a timeline with its "More" button when another page follows, else the
    reply as any other."""
    if not isinstance(reply, replies.TimelineReply):
        return render(reply).send_kwargs()
    if not reply.shown:
        return render(replies.Notice("empty", reply.headline)).send_kwargs()
    kwargs = render_timeline(reply).send_kwargs()
    if reply.more:
        kwargs["view"] = discord.ui.View(timeout=None)
        kwargs["view"].add_item(MoreButton.under(reply))
    return kwargs


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=MORE_ID_TEMPLATE):
    """The "More" button under a page: its ``custom_id`` names the request (kept in ``REQUESTS``, as a custom id
    holds only 100 characters) and the page it posts."""

    def __init__(self, key: str, page: int, left: int = 0) -> None:
        super().__init__(discord.ui.Button(label=f"More ({left} left)" if left else "More",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"parley:timeline:{key}:{page}"))
        self.key, self.page = key, page

    @classmethod
    def under(cls, reply: replies.TimelineReply) -> MoreButton:
        """The button for the page after ``reply``'s, its request remembered."""
        key = secrets.token_hex(8)
        REQUESTS[key] = reply
        while len(REQUESTS) > REMEMBERED_TIMELINES:
            REQUESTS.popitem(last=False)
        return cls(key, reply.page + 1, reply.left)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> MoreButton:
        return cls(match["key"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Post the next page in the channel; a request this process no longer has gets a notice."""
        await interaction.response.defer(thinking=True)
        parley: Parley = interaction.client.parley  # type: ignore[attr-defined] # bot.discord.app.ParleyClient
        asked = REQUESTS.get(self.key)
        if asked is None:
            await interaction.followup.send(**render(replies.Notice("empty", FORGOTTEN)).send_kwargs(), ephemeral=True)
            return
        reply = await asyncio.to_thread(parley.timeline, asked.asked, asked.about, asked.since, asked.until,
                                        self.page, asked.per_page)
        await interaction.followup.send(**timeline_kwargs(reply))
