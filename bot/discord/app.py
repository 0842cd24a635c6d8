"""``parley serve discord``: the discord.py client, its command sync and the scheduled reindex.

Intents: ``discord.Intents.default()``, which has no privileged intent. Slash commands carry
their options, and a message that mentions the bot (or is a DM to it) carries its content even
without the ``message_content`` intent; ``guilds`` (in the default set) keeps guilds and roles
cached for the role check of ``/talks-reindex``, and ``guild_messages``/``dm_messages`` deliver
the messages.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.discord.commands import Feedback, VoteButton, add_commands, answer_message, reply_kwargs
from bot.service import Parley
from config import Settings, SettingsError

log = logging.getLogger(__name__)

POST_TIMEOUT = 60  # seconds a post from the reindex or digest thread may take


class ParleyClient(discord.Client):
    """A Discord client that answers through one ``Parley``: slash commands, mentions and votes."""

    def __init__(self, parley: Parley, guild_ids: list[int], **options: Any) -> None:
        """``options`` go to ``discord.Client`` (e.g. ``guild_ready_timeout``)."""
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none(),
                         **options)
        self.parley = parley
        self.guild_ids = guild_ids
        self.feedback = Feedback(parley)
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree, parley, self.feedback)

    async def setup_hook(self) -> None:
        """Answer clicks on any vote button (even from before a restart), and publish the commands."""
        self.add_dynamic_items(VoteButton)
        self.parley.connect_poster("discord", self.post_from_thread)
        await sync_commands(self.tree, self.guild_ids)

    def post_from_thread(self, _guild: str, channel_id: str, reply: object) -> None:
        """Post ``reply`` unasked (a watch, a digest) from a thread off the event loop; waits until it is sent."""
        asyncio.run_coroutine_threadsafe(self._post(int(channel_id), reply), self.loop).result(POST_TIMEOUT)

    async def _post(self, channel_id: int, reply: object) -> None:
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        await channel.send(**reply_kwargs(reply, self.feedback))  # no allowed mentions: see render.Rendered

    async def on_ready(self) -> None:
        log.info("discord connected", extra={"user": str(self.user), "guilds": len(self.guilds)})

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None:
            await answer_message(message, self.user, self.parley, self.feedback)


async def sync_commands(tree: app_commands.CommandTree, guild_ids: list[int]) -> None:
    """Publish the commands to each guild in ``guild_ids`` (instant), else globally (up to an hour)."""
    if not guild_ids:
        synced = await tree.sync()
        log.info("discord commands synced globally", extra={"commands": [command.name for command in synced]})
        return
    for guild_id in guild_ids:
        guild = discord.Object(guild_id)
        tree.copy_global_to(guild=guild)
        try:
            synced = await tree.sync(guild=guild)
        except discord.Forbidden:
            log.error("cannot add commands to this guild: invite the bot with the applications.commands scope",
                      extra={"guild": str(guild_id)})
            continue
        log.info("discord commands synced", extra={"guild": str(guild_id),
                                                   "commands": [command.name for command in synced]})


def guild_ids(settings: Settings) -> list[int]:
    """``PARLEY_DISCORD_GUILDS`` as ids; a wrong entry is a one-line settings error."""
    ids = Settings.id_list(settings.discord_guilds)
    wrong = [value for value in ids if not value.isdigit()]
    if wrong:
        raise SettingsError(f"setting PARLEY_DISCORD_GUILDS: {wrong[0]!r} is not a guild id (a number; "
                            "copy it with Developer Mode on)")
    return [int(value) for value in ids]


def serve(parley: Parley) -> int:
    """Run the bot until interrupted; 0 when stopped, 1 when Discord can't be reached at start.

    A missing or rejected token raises a one-line ``SettingsError``, which ``parley`` prints.
    """
    token = parley.settings.discord_token
    if token is None:
        raise SettingsError("setting DISCORD_TOKEN: not set; copy the bot token from the Bot page of your "
                            "application at https://discord.com/developers/applications (see docs/discord.md)")
    client = ParleyClient(parley, guild_ids(parley.settings))
    stop = threading.Event()
    parley.start_background(stop)
    try:
        client.run(token.get_secret_value(), log_handler=None)
    except discord.LoginFailure:
        raise SettingsError("setting DISCORD_TOKEN: Discord rejected the token; reset it on the Bot page of "
                            "your application and copy it again") from None
    except (aiohttp.ClientError, OSError) as exc:
        # Only the first login gets here: once connected, discord.py reconnects on its own.
        print(f"parley: cannot reach Discord ({exc}); check the network and try again.", file=sys.stderr)
        return 1
    finally:
        stop.set()
    return 0
