"""What the Discord bot does: the slash commands, the mention handler and the 👍/👎 buttons.

Every handler answers Discord at once (an interaction is deferred before any work, so the 3-second
deadline is always met) and does the work off the event loop with ``asyncio.to_thread``: a search
takes a moment of CPU and must not stall the gateway heartbeat. Replies come from ``Parley`` as
``bot.replies`` objects and are turned into messages by ``bot.discord.render``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import secrets
from collections import OrderedDict

import discord
from discord import app_commands

from bot import replies
from bot.digests import digest_command
from bot.discord.render import render
from bot.discord.timeline import MoreButton, timeline_kwargs
from bot.service import Parley
from bot.watches import watch_command
from config import Settings

log = logging.getLogger(__name__)

REMEMBERED_ANSWERS = 2000
VOTE_ID_TEMPLATE = r"parley:vote:(?P<vote>up|down):(?P<key>[0-9a-f]{16})"


class Feedback:
    """Recent answers by key, so a 👍/👎 click can be stored with the question and quotes it judged.

    The key travels in the buttons' ``custom_id``; the answers themselves stay here, bounded to the
    newest ``size``, because a custom id holds only 100 characters.
    """

    def __init__(self, parley: Parley, size: int = REMEMBERED_ANSWERS) -> None:
        self.parley = parley
        self.size = size
        self._answers: OrderedDict[str, tuple[replies.AnswerReply, set[int], int | None]] = OrderedDict()

    def view(self, reply: replies.AnswerReply, question_id: int | None = None) -> discord.ui.View:
        """The 👍/👎 buttons for ``reply`` (logged as ``question_id``), keyed to it."""
        key = secrets.token_hex(8)
        self._answers[key] = (reply, set(), question_id)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        view = discord.ui.View(timeout=None)
        view.add_item(VoteButton("up", key))
        view.add_item(VoteButton("down", key))
        return view

    async def vote(self, interaction: discord.Interaction, key: str, vote: str) -> None:
        """Store one vote per user per answer, and tell the voter privately."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        entry = self._answers.get(key)
        if entry is None:
            outcome = "forgotten"
        elif interaction.user.id in entry[1]:
            outcome = "duplicate"
        else:
            entry[1].add(interaction.user.id)
            await asyncio.to_thread(self.parley.record_feedback, "discord", str(interaction.user.id), entry[0],
                                    1 if vote == "up" else -1, entry[2])
            log.info("feedback", extra={"platform": "discord", "vote": vote, "question": entry[0].question})
            outcome = "recorded"
        await interaction.followup.send(**render(replies.feedback_notice(outcome)).send_kwargs(), ephemeral=True)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=VOTE_ID_TEMPLATE):
    """A 👍 or 👎 button whose ``custom_id`` carries the answer's key, so clicks reach us after restarts."""

    def __init__(self, vote: str, key: str) -> None:
        super().__init__(discord.ui.Button(emoji="👍" if vote == "up" else "👎", style=discord.ButtonStyle.secondary,
                                           custom_id=f"parley:vote:{vote}:{key}"))
        self.vote, self.key = vote, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> VoteButton:
        return cls(match["vote"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        feedback: Feedback = interaction.client.feedback  # type: ignore[attr-defined] # bot.discord.app.ParleyClient
        await feedback.vote(interaction, self.key, self.vote)


def is_admin(user: discord.User | discord.Member, admin_ids: list[str]) -> bool:
    """True for a user id in ``admin_ids``, or a member holding a role whose id is there."""
    if str(user.id) in admin_ids:
        return True
    return isinstance(user, discord.Member) and any(
        user.get_role(int(role_id)) for role_id in admin_ids if role_id.isdigit())


def reply_kwargs(reply: object, feedback: Feedback | None = None, question_id: int | None = None) -> dict:
    """What sending ``reply`` takes: its rendering, and the feedback buttons under an answer."""
    kwargs = render(reply).send_kwargs()
    if feedback is not None and isinstance(reply, replies.AnswerReply):
        kwargs["view"] = feedback.view(reply, question_id)
    return kwargs


async def send_reply(interaction: discord.Interaction, reply: object, feedback: Feedback | None = None,
                     question_id: int | None = None) -> None:
    """Answer a deferred interaction with ``reply``."""
    await interaction.followup.send(**reply_kwargs(reply, feedback, question_id))


def channel_kind(message: discord.Message) -> str:
    """Where a message question was asked, for the question log: ``dm``, ``thread`` or ``channel``."""
    if message.guild is None:
        return "dm"
    return "thread" if isinstance(message.channel, discord.Thread) else "channel"


def add_commands(tree: app_commands.CommandTree, parley: Parley, feedback: Feedback) -> None:
    """Register ``/ask``, ``/talks-latest``, ``/talks-status`` and ``/talks-reindex`` on ``tree``."""

    @tree.command(name="ask", description="Answer a question about the talks with exact quotes from the news")
    @app_commands.describe(question="For example: What did Russia demand?")
    async def ask(interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, replies.MAX_QUESTION_CHARS]) -> None:
        await interaction.response.defer(thinking=True)
        reply = await asyncio.to_thread(parley.ask, question, user=str(interaction.user.id))
        question_id = await asyncio.to_thread(parley.log_question, question, reply, "discord", "command")
        await send_reply(interaction, reply, feedback, question_id)

    @tree.command(name="talks-latest", description="A short summary of the newest coverage, every line quoted")
    @app_commands.describe(since="24h, 3d or a date such as 2022-01-10 (default: the last 24 hours)")
    async def latest(interaction: discord.Interaction, since: str | None = None) -> None:
        await interaction.response.defer(thinking=True)
        await send_reply(interaction, await asyncio.to_thread(parley.summary, since))

    tree.client.add_dynamic_items(MoreButton)  # the "More" button under a timeline page

    @tree.command(name="talks-timeline", description="A speaker's or a party's statements in date order, quoted")
    @app_commands.describe(who="A name, a role or a party: Lavrov, Kremlin spokesman, NATO, the US",
                           about="Only the statements about this topic, e.g. security guarantees")
    async def timeline(interaction: discord.Interaction, who: app_commands.Range[str, 1, replies.MAX_QUESTION_CHARS],
                       about: app_commands.Range[str, 1, replies.MAX_QUESTION_CHARS] | None = None) -> None:
        await interaction.response.defer(thinking=True)
        reply = await asyncio.to_thread(parley.timeline, who, about or "")
        await interaction.followup.send(**timeline_kwargs(reply))

    @tree.command(name="talks-status", description="The sources, the index and the feedback counts")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await send_reply(interaction, await asyncio.to_thread(parley.status))

    @tree.command(name="talks-reindex", description="Admins: read the sources again and update the index")
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction) -> None:
        # Default permissions only hide the command; this check is what enforces it.
        admin = is_admin(interaction.user, Settings.id_list(parley.settings.discord_admins))
        await interaction.response.defer(thinking=True, ephemeral=not admin)
        if not admin:
            log.info("reindex refused", extra={"platform": "discord", "user": str(interaction.user.id)})
            await send_reply(interaction, replies.not_admin_notice())
            return
        await start_reindex(interaction, parley)

    @tree.command(name="watch", description="Have new articles that answer a question posted here after each reindex")
    @app_commands.describe(question="A question to watch, or: list, stop N")
    async def watch(interaction: discord.Interaction,
                    question: app_commands.Range[str, 1, replies.MAX_QUESTION_CHARS]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await send_reply(interaction, await asyncio.to_thread(
            watch_command, parley, "discord", str(interaction.guild_id or ""), str(interaction.channel_id),
            str(interaction.user.id), question, "/watch"))

    @tree.command(name="digest", description="A summary of the new coverage posted here on a schedule")
    @app_commands.describe(schedule="daily 08:00 [time zone], weekly mon 08:00 [time zone], show or off")
    async def digest(interaction: discord.Interaction, schedule: str = "show") -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await send_reply(interaction, await asyncio.to_thread(
            digest_command, parley, "discord", str(interaction.guild_id or ""), str(interaction.channel_id),
            str(interaction.user.id), schedule, "/digest"))

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("discord command failed", exc_info=error,
                  extra={"command": interaction.command.name if interaction.command else None})
        kwargs = render(replies.error_notice()).send_kwargs()
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs, ephemeral=True)
        else:
            await interaction.response.send_message(**kwargs, ephemeral=True)


async def start_reindex(interaction: discord.Interaction, parley: Parley) -> None:
    """Say at once that the reindex started (or is busy), then report here when it is done.

    ``Parley`` calls ``on_done`` from its reindex thread; the report hops back onto the bot's loop,
    and waits until the "started" message is out so the two never arrive in the wrong order.
    """
    loop = asyncio.get_running_loop()
    announced = asyncio.Event()

    async def report(result: object) -> None:
        await announced.wait()
        try:
            await interaction.followup.send(**render(result).send_kwargs())
        except discord.HTTPException:
            # The interaction token lasts 15 minutes; a longer reindex reports in the channel.
            if isinstance(interaction.channel, discord.abc.Messageable):
                await interaction.channel.send(**render(result).send_kwargs())

    def on_done(result: object) -> None:
        try:
            future = asyncio.run_coroutine_threadsafe(report(result), loop)
        except RuntimeError:  # the bot's loop closed while the reindex ran
            log.warning("the bot stopped before the reindex report could be sent")
            return
        future.add_done_callback(_log_failure)

    user = interaction.user
    notice = await asyncio.to_thread(parley.start_reindex, f"{user.name} ({user.id}) on Discord", on_done)
    try:
        await send_reply(interaction, notice)
    finally:
        announced.set()


def _log_failure(future: concurrent.futures.Future) -> None:
    if not future.cancelled() and future.exception():
        log.error("could not send the reindex report to Discord", exc_info=future.exception())


async def answer_message(message: discord.Message, me: discord.ClientUser, parley: Parley,
                         feedback: Feedback) -> None:
    """Reply to a direct message or one that mentions the bot (not ``@everyone``), never to a bot.

    Discord delivers the content of exactly these messages without the privileged
    ``message_content`` intent; other channel chatter arrives empty and is ignored.
    """
    if message.author.bot or (message.guild is not None and me not in message.mentions):
        return
    question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
    try:
        async with message.channel.typing():
            reply = await asyncio.to_thread(parley.ask, question, user=str(message.author.id))
            question_id = await asyncio.to_thread(parley.log_question, question, reply, "discord",
                                                  channel_kind(message))
        kwargs = reply_kwargs(reply, feedback, question_id)
    except Exception:  # noqa: BLE001 - the asker gets an apology; the error is logged in full
        log.exception("discord mention failed", extra={"channel": str(message.channel.id)})
        kwargs = render(replies.error_notice()).send_kwargs()
    await message.reply(**kwargs, mention_author=False)
