"""A fake Discord on 127.0.0.1: the REST API and the gateway, the network edge of the Discord tests.

The bot under test is the real ``ParleyClient`` (discord.py's Client, CommandTree, Interaction,
Message and views); only the far end of its connections is fake. discord.py is pointed here by
its own class attributes (``Route.BASE`` for REST, ``DiscordWebSocket.DEFAULT_GATEWAY`` for the
websocket). The fake records every REST request and answers with payloads shaped like Discord's,
and pushes gateway events (GUILD_CREATE, INTERACTION_CREATE, MESSAGE_CREATE) as Discord would. Like
Discord, it refuses a message whose embed links to a URL that isn't a well-formed http(s) URL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import yarl
from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 900000000000000003
CHANNEL_ID = 900000000000000004
ADMIN_ROLE_ID = 900000000000000005
DM_CHANNEL_ID = 900000000000000006
TIMESTAMP = "2022-01-10T09:00:00.000000+00:00"
# A well-formed http(s) URL: a host, then only the characters RFC 3986 allows, any other one percent-encoded.
WELL_FORMED_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d+)?([/?#]([A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*)?")

_ids = itertools.count(910000000000000000)


def user_payload(user_id: int, name: str, bot: bool = False) -> dict:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "public_flags": 0}


BOT_USER = user_payload(BOT_ID, "parley", bot=True)


def member_payload(user: dict, roles: tuple[int, ...] = ()) -> dict:
    return {"user": user, "roles": [str(role) for role in roles], "joined_at": TIMESTAMP, "deaf": False,
            "mute": False, "flags": 0, "permissions": "0", "nick": None, "avatar": None}


def guild_payload() -> dict:
    """GUILD_CREATE for one guild with an ``@everyone`` role, an admin role and one text channel."""
    role = {"permissions": "0", "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
            "flags": 0}
    return {"id": str(GUILD_ID), "name": "Talks watchers", "icon": None, "owner_id": "1", "unavailable": False,
            "roles": [{**role, "id": str(GUILD_ID), "name": "@everyone"},
                      {**role, "id": str(ADMIN_ROLE_ID), "name": "Moderators", "position": 1}],
            "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "talks", "position": 0,
                          "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None}],
            "members": [member_payload(BOT_USER)], "member_count": 3, "threads": [], "emojis": [], "stickers": [],
            "features": [], "large": False, "voice_states": [], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "premium_tier": 0, "preferred_locale": "en-US", "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "system_channel_flags": 0, "joined_at": TIMESTAMP}


def message_payload(body: dict, channel_id: int = CHANNEL_ID, author: dict = BOT_USER) -> dict:
    """The message Discord would return for a send whose JSON body is ``body``."""
    return {"id": str(next(_ids)), "channel_id": str(channel_id), "author": author,
            "content": body.get("content") or "", "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": body.get("embeds") or [], "components": body.get("components") or [], "pinned": False,
            "type": 0, "flags": body.get("flags") or 0}


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON response typed exactly ``application/json``: discord.py reads no other as JSON."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


@dataclass
class Request:
    """One REST call the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float  # loop time of arrival, to measure how fast the bot answered
    status: int = 0  # the HTTP status the fake answered with

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


class FakeDiscord:
    """Discord's REST API and gateway on one loopback port; records requests, pushes events."""

    def __init__(self, bad_token: str | None = None) -> None:
        self.requests: list[Request] = []
        self.identify: dict | None = None
        self.bad_token = bad_token
        self._arrived = asyncio.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._sequence = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return self.base + "/api/v10"

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(self.base.replace("http://", "ws://") + "/gateway")

    # -- REST ------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        path = "/" + request.match_info["tail"]
        recorded = Request(request.method, path, dict(request.query), body, asyncio.get_running_loop().time())
        async with self._arrived:
            self.requests.append(recorded)
            self._arrived.notify_all()
        if self.bad_token and request.headers.get("Authorization") == f"Bot {self.bad_token}":
            response = _json({"message": "401: Unauthorized", "code": 0}, status=401)
        else:
            response = self._refusal(recorded) or self._answer(recorded)
        recorded.status = response.status
        return response

    @staticmethod
    def _refusal(request: Request) -> web.Response | None:
        """Discord's 400 for a message with an embed URL that is not well formed, as Discord words it."""
        body = request.body if isinstance(request.body, dict) else {}
        embeds = body.get("embeds") or (body.get("data") or {}).get("embeds") or []  # a send, or a callback
        errors = {str(number): {"url": {"_errors": [{"code": "URL_TYPE_INVALID_URL",
                                                    "message": "Not a well formed URL."}]}}
                  for number, embed in enumerate(embeds)
                  if "url" in embed and not WELL_FORMED_URL.fullmatch(str(embed["url"]))}
        if not errors:
            return None
        return _json({"message": "Invalid Form Body", "code": 50035, "errors": {"embeds": errors}}, status=400)

    def _answer(self, request: Request) -> web.Response:
        if request.matches("GET", "/users/@me"):
            return _json(BOT_USER)
        if request.matches("GET", "/oauth2/applications/@me"):
            return _json({"id": str(APP_ID), "name": "Parley", "icon": None, "description": "",
                                      "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                                      "owner": user_payload(1, "owner"), "flags": 0, "bot": BOT_USER})
        if request.matches("PUT", r"/applications/\d+(/guilds/\d+)?/commands"):
            return _json([{**command, "id": str(next(_ids)), "application_id": str(APP_ID),
                                       "version": "1", "type": command.get("type", 1)} for command in request.body])
        if request.matches("POST", r"/interactions/(\d+)/[^/]+/callback"):
            interaction_id = request.path.split("/")[2]
            return _json({"interaction": {"id": interaction_id, "type": 2,
                                                      "response_message_loading": True}})
        if request.matches("POST", r"/webhooks/\d+/[^/]+"):
            return _json(message_payload(request.body))
        if request.matches("POST", r"/channels/\d+/typing"):
            return web.Response(status=204)
        if request.matches("POST", r"/channels/\d+/messages"):
            return _json(message_payload(request.body, int(request.path.split("/")[2])))
        return _json({"message": "Unknown route in the fake", "code": 0}, status=404)

    async def wait_for(self, method: str, pattern: str, count: int = 1, timeout: float = 60) -> list[Request]:
        """The first ``count`` requests matching ``method`` and the path regex, waiting as needed."""

        def found() -> list[Request]:
            return [request for request in self.requests if request.matches(method, pattern)]

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(found()) >= count), timeout)
        return found()[:count]

    def sent(self, method: str, pattern: str) -> list[Request]:
        return [request for request in self.requests if request.matches(method, pattern)]

    # -- gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                break
            frame = message.json()
            if frame["op"] == 1:
                await socket.send_json({"op": 11})
            elif frame["op"] == 2:
                self.identify = frame["d"]
                await self.dispatch("READY", {"v": 10, "user": BOT_USER, "session_id": "session",
                                              "resume_gateway_url": str(self.gateway_url),
                                              "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                                              "application": {"id": str(APP_ID), "flags": 0}})
                await self.dispatch("GUILD_CREATE", guild_payload())
        return socket

    async def dispatch(self, event: str, data: dict) -> None:
        """Push one gateway event to the bot."""
        assert self._socket is not None, "the bot has not connected to the gateway"
        await self._socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    async def command(self, name: str, options: dict[str, str] | None = None, *, user_id: int,
                      roles: tuple[int, ...] = ()) -> int:
        """A member runs a slash command in the guild's channel; returns the interaction id."""
        interaction_id = next(_ids)
        user = member_payload(user_payload(user_id, f"user{user_id}"), roles)
        await self.dispatch("INTERACTION_CREATE", {
            **self._interaction_base(interaction_id, user), "type": 2,
            "data": {"id": str(next(_ids)), "name": name, "type": 1, "guild_id": str(GUILD_ID),
                     "options": [{"name": key, "type": 3, "value": value} for key, value in (options or {}).items()]},
        })
        return interaction_id

    async def click(self, message: dict, custom_id: str, *, user_id: int) -> int:
        """A member clicks the button ``custom_id`` on ``message``; returns the interaction id."""
        interaction_id = next(_ids)
        user = member_payload(user_payload(user_id, f"user{user_id}"))
        await self.dispatch("INTERACTION_CREATE", {
            **self._interaction_base(interaction_id, user), "type": 3, "message": message,
            "data": {"custom_id": custom_id, "component_type": 2},
        })
        return interaction_id

    async def post(self, content: str, *, author: dict, mentions: tuple[dict, ...] = ()) -> dict:
        """Someone posts ``content`` in the channel; returns the message payload."""
        message = {**message_payload({"content": content}, author=author), "guild_id": str(GUILD_ID),
                   "member": {"roles": [], "joined_at": TIMESTAMP},
                   "mentions": [{**user, "member": {"roles": [], "joined_at": TIMESTAMP}} for user in mentions]}
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def direct_message(self, content: str, *, author: dict) -> dict:
        """Someone writes ``content`` to the bot in a DM; returns the message payload."""
        message = message_payload({"content": content}, channel_id=DM_CHANNEL_ID, author=author)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    @staticmethod
    def _interaction_base(interaction_id: int, member: dict) -> dict:
        return {"id": str(interaction_id), "application_id": str(APP_ID), "token": f"token-{interaction_id}",
                "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
                "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "talks"},
                "member": member, "locale": "en-US", "guild_locale": "en-US", "app_permissions": "0",
                "entitlements": [], "attachment_size_limit": 8388608, "context": 0,
                "authorizing_integration_owners": {"0": str(GUILD_ID)}}
