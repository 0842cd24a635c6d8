"""The tables of the bot's own state, in SQLAlchemy Core: one code path for the SQLite file in the data
directory (the default) and a server database named by a URL, which replicas can share.

The search index is not here: it is built by one reindex and read from the data directory.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)

FILE = "bot.sqlite3"
OLDER_FILE = "slack.sqlite"
MIGRATION_LOCK = 0x5041524C  # the PostgreSQL advisory lock key migrations hold: "PARL"

metadata = MetaData()

#: Keys claimed once by the first delivery of a message, command or click (see ``bot.slack.memory``).
handled = Table(
    "handled", metadata,
    Column("key", String(128), primary_key=True),
    Column("at", Float, nullable=False, index=True),
)

#: The threads the bot answered, so a follow-up there is answered without a mention.
threads = Table(
    "threads", metadata,
    Column("channel", String(64), primary_key=True),
    Column("thread_ts", String(32), primary_key=True),
    Column("at", Float, nullable=False, index=True),
)

#: Every question asked, for the admin report; times are Unix seconds (UTC).
questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("asked_at", Float, nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("platform", String(16), nullable=False),  # slack, discord, console
    Column("channel_kind", String(16), nullable=False),  # channel, dm, thread, command
    Column("answered", Boolean, nullable=False),
    Column("reason", String(32), nullable=True),  # the refusal code or notice kind when not answered
    Column("closest", Text, nullable=False, default="[]"),  # JSON: the headlines Parley gave
    Column("up", Integer, nullable=False, default=0),
    Column("down", Integer, nullable=False, default=0),
)

#: A question watched in a channel: new passages that answer it are posted there once.
watches = Table(
    "watches", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("team", String(64), nullable=False, default=""),  # Slack workspace or Discord guild
    Column("channel", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

#: What a watch already posted, so a restart or a second reindex never posts it again.
watch_posts = Table(
    "watch_posts", metadata,
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("passage_key", String(128), nullable=False),  # doc_id and content hash: stable across versions
    Column("posted_at", Float, nullable=False),
    UniqueConstraint("watch_id", "passage_key"),
)

#: A channel's digest schedule and the last slot it posted, so each slot posts once across restarts.
digests = Table(
    "digests", metadata,
    Column("platform", String(16), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("team", String(64), nullable=False, default=""),
    Column("cadence", String(8), nullable=False),  # daily, weekly
    Column("weekday", Integer, nullable=True),  # 0 = Monday, weekly only
    Column("at", String(5), nullable=False),  # HH:MM local time
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("created_by", String(64), nullable=False),
    Column("last_slot", Float, nullable=True),  # the slot last posted or skipped
    Column("last_window_end", Float, nullable=True),  # the next digest covers coverage since this
)


#: Reindexes asked for in a replica that does not reindex, run by the one that does (``PARLEY_REINDEX_WORKER``).
reindex_requests = Table(
    "reindex_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("started_by", String(64), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("claimed_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("outcome", Text, nullable=True),  # JSON: the reply the admin is shown
)


#: One row per workspace (or Enterprise Grid org) the app is installed in: its bot and who installed it.
#: An absent enterprise or team is "" so that the key is unique on every database.
slack_installations = Table(
    "slack_installations", metadata,
    Column("client_id", String(64), primary_key=True),
    Column("enterprise_id", String(32), primary_key=True),
    Column("team_id", String(32), primary_key=True),
    Column("app_id", String(32), nullable=True),
    Column("enterprise_name", Text, nullable=True),
    Column("team_name", Text, nullable=True),
    Column("bot_id", String(32), nullable=True),
    Column("bot_user_id", String(32), nullable=True),
    Column("bot_scopes", Text, nullable=False, default=""),
    Column("bot_token", Text, nullable=False),  # Fernet ciphertext, as every token column
    Column("bot_refresh_token", Text, nullable=True),  # only with token rotation
    Column("bot_token_expires_at", Integer, nullable=True),  # Unix seconds, only with token rotation
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("installed_by", String(32), nullable=True),  # the installing user: an admin of that workspace
    Column("installed_at", Float, nullable=False),
)

#: The state of each install link, until Slack sends the installer back or it expires.
oauth_states = Table(
    "slack_oauth_states", metadata,
    Column("state", String(64), primary_key=True),
    Column("expire_at", Float, nullable=False, index=True),
)


#: Every 👍/👎 with the question and the quotes it judged.
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("user", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("quotes", Text, nullable=False),  # JSON: the quotes as the user saw them
    Column("vote", Integer, nullable=False),  # +1 or -1
)

#: The articles the watches have looked at: one not here is new to them, however long the bot was away.
watched_articles = Table(
    "watched_articles", metadata,
    Column("doc_id", String(64), primary_key=True),
    Column("seen_at", Float, nullable=False),
)


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets the reindex thread write while answers read; foreign keys make watch deletes cascade."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_state(data_dir: Path, url: str = "") -> Engine:
    """The state database: ``url`` when given, else ``bot.sqlite3`` in the data directory; migrated to the newest
    schema (a fresh database and one an older Parley made alike)."""
    lock = None
    if not url:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(data_dir) / FILE}"
        lock = FileLock(Path(data_dir) / f"{FILE}.migrate.lock")
        with lock:
            _adopt_older_file(Path(data_dir))
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    with lock or nullcontext():
        upgrade(engine)
    return engine


def _adopt_older_file(data_dir: Path) -> None:
    """Parley kept its claims and threads in ``slack.sqlite`` before this database: that file becomes it."""
    older, current = data_dir / OLDER_FILE, data_dir / FILE
    if older.exists() and not current.exists():
        for suffix in ("-wal", "-shm", ""):  # the main file last: once it has moved, the move is done
            if Path(f"{older}{suffix}").exists():
                Path(f"{older}{suffix}").rename(f"{current}{suffix}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision``; replicas starting at once take turns (a PostgreSQL advisory
    lock, or a file lock beside the SQLite file), so each step runs once."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
