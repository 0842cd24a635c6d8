"""Slack installations, one per workspace, in the bot's state database with their tokens encrypted at rest.

Bolt's OAuth flow saves each workspace's bot through slack_sdk's ``InstallationStore`` interface and
checks install links through its ``OAuthStateStore``; both are kept here in ``Parley.state`` (SQLite
or PostgreSQL, shared by replicas), in SQLAlchemy Core. slack_sdk's own SQLAlchemy stores are not
used: their module needs SQLAlchemy's asyncio extra (greenlet), their String(200) token columns
cannot hold ciphertext on PostgreSQL, and their state check (select, then delete) lets two replicas
accept one link. Token columns hold Fernet ciphertext under a key derived from ``PARLEY_SECRET_KEY``,
so a copy of the database gives away no token; a key that cannot decrypt a stored token is logged and
that workspace treated as not installed. Parley asks only for bot scopes, so no user token is kept.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Text,
    delete,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from bot.service import Parley
from bot.state.db import oauth_states
from bot.state.db import slack_installations as installations
from config import Settings

log = logging.getLogger(__name__)

MIN_SECRET_KEY_CHARS = 32
STATE_SECONDS = 600  # an install link lasts 10 minutes, as in Bolt
_KEY_INFO = b"parley: Slack installation tokens"
_TOKENS = {"bot_token", "bot_refresh_token"}


class SecretKeyError(ValueError):
    """PARLEY_SECRET_KEY is missing or too short while installing in many workspaces is on; one line saying so."""


def oauth_enabled(settings: Settings) -> bool:
    """True when the app installs into many workspaces (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set)."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


def token_cipher(secret_key: SecretStr | None) -> Fernet:
    """The Fernet cipher for stored tokens, its key derived (HKDF-SHA256) from PARLEY_SECRET_KEY."""
    secret = secret_key.get_secret_value() if secret_key is not None else ""
    hint = 'e.g. python -c "import secrets; print(secrets.token_urlsafe(32))"'
    if not secret:
        raise SecretKeyError(f"PARLEY_SECRET_KEY is not set (it encrypts the workspaces' tokens at rest; {hint})")
    if len(secret) < MIN_SECRET_KEY_CHARS:
        raise SecretKeyError(f"PARLEY_SECRET_KEY is shorter than {MIN_SECRET_KEY_CHARS} characters ({hint})")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedToken(TypeDecorator):
    """A token as Fernet ciphertext in a text column: encrypted on every write, decrypted on every read.

    The store applies it (``type_coerce``) with its own cipher, which comes from the settings.
    """

    impl = Text
    cache_ok = True

    def __init__(self, cipher: Fernet) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except InvalidToken:
            log.error("a stored Slack token cannot be decrypted: PARLEY_SECRET_KEY is not the key it was saved with")
            return None


class EncryptedInstallationStore(InstallationStore):
    """The bot of each workspace, for Bolt (bot-only: ``find_bot``, ``save``, ``delete_*``) and for posting
    outside a request (``latest_bot``, ``installer``); tokens encrypted with ``cipher``."""

    def __init__(self, client_id: str, engine: Engine, cipher: Fernet) -> None:
        self.client_id = client_id
        self.engine = engine
        self.token = EncryptedToken(cipher)

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        """A new install from the OAuth flow: the workspace's bot, who installed it, and when."""
        self._upsert(installation.to_bot(), {"installed_by": installation.user_id, "installed_at": time.time()})

    def save_bot(self, bot: Bot) -> None:
        """A bot whose token Bolt has just rotated; the installer and the install time are kept."""
        self._upsert(bot, {})

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        query = self._select().where(self._key(enterprise_id, None if is_enterprise_install else team_id))
        return self._bot(query)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """``tokens_revoked`` (the bot's) and ``app_uninstalled``: the workspace's row, tokens and all, goes."""
        with self.engine.begin() as db:
            db.execute(delete(installations).where(self._key(enterprise_id, team_id)))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        """The whole installation goes with no ``user_id``; a user's revoked token needs nothing, none is kept."""
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def latest_bot(self, team_id: str) -> Bot | None:
        """The bot installed in workspace ``team_id``, whether or not the workspace is in an Enterprise Grid org."""
        query = (self._select().where(installations.c.client_id == self.client_id, installations.c.team_id == team_id)
                 .order_by(installations.c.installed_at.desc()).limit(1))
        return self._bot(query)

    def installer(self, team_id: str) -> str | None:
        """The user who installed the app in workspace ``team_id``."""
        table = installations
        query = (select(table.c.installed_by).where(table.c.client_id == self.client_id, table.c.team_id == team_id)
                 .order_by(table.c.installed_at.desc()).limit(1))
        with self.engine.connect() as db:
            return db.execute(query).scalar()

    def _key(self, enterprise_id: str | None, team_id: str | None) -> ColumnElement[bool]:
        return ((installations.c.client_id == self.client_id) & (installations.c.enterprise_id == (enterprise_id or ""))
                & (installations.c.team_id == (team_id or "")))

    def _select(self) -> Select:
        """All columns, the token columns decrypted."""
        return select(*(type_coerce(column, self.token).label(column.name) if column.name in _TOKENS else column
                        for column in installations.c))

    def _bot(self, query: Select) -> Bot | None:
        with self.engine.connect() as db:
            row = db.execute(query).mappings().first()
        if row is None or row["bot_token"] is None:  # not installed, or a token this key cannot decrypt
            return None
        return Bot(app_id=row["app_id"], enterprise_id=row["enterprise_id"] or None,
                   enterprise_name=row["enterprise_name"], team_id=row["team_id"] or None, team_name=row["team_name"],
                   bot_token=row["bot_token"], bot_id=row["bot_id"], bot_user_id=row["bot_user_id"],
                   bot_scopes=row["bot_scopes"], bot_refresh_token=row["bot_refresh_token"],
                   bot_token_expires_at=row["bot_token_expires_at"],
                   is_enterprise_install=row["is_enterprise_install"], installed_at=row["installed_at"])

    def _upsert(self, bot: Bot, more: dict) -> None:
        """Update the workspace's row, or insert it; a replica inserting the same workspace at that moment
        turns the insert into an update."""
        team_id = None if bot.is_enterprise_install else bot.team_id
        values = {"app_id": bot.app_id, "enterprise_name": bot.enterprise_name, "team_name": bot.team_name,
                  "bot_id": bot.bot_id, "bot_user_id": bot.bot_user_id, "bot_scopes": ",".join(bot.bot_scopes),
                  "bot_token": type_coerce(bot.bot_token, self.token),
                  "bot_refresh_token": type_coerce(bot.bot_refresh_token, self.token),
                  "bot_token_expires_at": bot.bot_token_expires_at,
                  "is_enterprise_install": bool(bot.is_enterprise_install), **more}
        change = update(installations).where(self._key(bot.enterprise_id, team_id)).values(**values)
        with self.engine.begin() as db:
            if db.execute(change).rowcount:
                return
        try:
            with self.engine.begin() as db:
                db.execute(insert(installations).values(
                    client_id=self.client_id, enterprise_id=bot.enterprise_id or "", team_id=team_id or "",
                    **{"installed_at": time.time(), **values}))
        except IntegrityError:
            with self.engine.begin() as db:
                db.execute(change)


class OAuthStates(OAuthStateStore):
    """The states of install links: issued with the link, accepted once, and only within ``expiration_seconds``.

    Accepting deletes the row, so of two replicas handed the same link only one accepts it; links
    that expired unused are removed as new ones are issued.
    """

    def __init__(self, engine: Engine, expiration_seconds: int = STATE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.expiration_seconds = expiration_seconds
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as db:
            db.execute(delete(oauth_states).where(oauth_states.c.expire_at <= now))
            db.execute(insert(oauth_states).values(state=state, expire_at=now + self.expiration_seconds))
        return state

    def consume(self, state: str) -> bool:
        with self.engine.begin() as db:
            taken = db.execute(delete(oauth_states).where(oauth_states.c.state == (state or "")[:64],
                                                          oauth_states.c.expire_at > self.clock()))
        return taken.rowcount == 1


def installation_store(parley: Parley) -> EncryptedInstallationStore:
    """The installations of this app (SLACK_CLIENT_ID) in ``parley.state``."""
    return EncryptedInstallationStore(parley.settings.slack_client_id, parley.state,
                                      token_cipher(parley.settings.secret_key))


def state_store(parley: Parley) -> OAuthStates:
    """Where the install links' states wait for Slack's redirect, shared by every replica."""
    return OAuthStates(parley.state)


def client_for_team(parley: Parley, team_id: str) -> WebClient | None:
    """A Web API client with workspace ``team_id``'s bot token, for posting outside a request (reindex
    reports, watches, digests); None when the app is not installed there (any more). With a single
    SLACK_BOT_TOKEN it is that token's client whatever the team."""
    settings = parley.settings
    if not oauth_enabled(settings):
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        return WebClient(token=token, base_url=settings.slack_api_url) if token else None
    bot = installation_store(parley).latest_bot(team_id)
    return WebClient(token=bot.bot_token, base_url=settings.slack_api_url) if bot is not None else None
