"""The bot's state database on SQLite and on a real PostgreSQL server: the same tests for both."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.slack.memory import HANDLED_DAYS, THREAD_DAYS, SlackMemory
from bot.state import feedback
from bot.state.db import FILE, OLDER_FILE, metadata, open_state, upgrade
from index.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_state_tables_are_made_on_a_fresh_database(tmp_path, database_url):
    engine = open_state(tmp_path, database_url)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    assert engine.dialect.name == ("postgresql" if database_url else "sqlite")


def test_one_claim_wins_across_processes_and_threads(tmp_path, database_url):
    """Two engines stand for two replicas; twenty deliveries of one message race, and exactly one claims it."""
    replicas = [SlackMemory(open_state(tmp_path, database_url)) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda n: replicas[n % 2].claim("message:C1:1.0"), range(20)))
    assert won.count(True) == 1
    assert replicas[1].claim("message:C1:2.0") and not replicas[0].claim("message:C1:2.0")


def test_claims_expire_after_two_days(tmp_path, database_url):
    clock = Clock()
    memory = SlackMemory(open_state(tmp_path, database_url), clock)
    assert memory.claim_request("command", "trigger-1", "U1")
    assert not memory.claim_request("command", "trigger-1", "U1")
    clock.now += HANDLED_DAYS * 86400 + 1
    assert memory.claim_request("command", "trigger-1", "U1")


def test_answered_threads_are_shared_and_expire(tmp_path, database_url):
    clock = Clock()
    first, second = (SlackMemory(open_state(tmp_path, database_url), clock) for _ in range(2))
    first.remember_thread("C1", "1.0")
    first.remember_thread("C1", "1.0")  # answering twice in one thread keeps one row
    assert second.answered_thread("C1", "1.0") and not second.answered_thread("C1", "2.0")
    clock.now += THREAD_DAYS * 86400 + 1
    assert not second.answered_thread("C1", "1.0")


def test_the_slack_file_of_an_earlier_parley_is_adopted_with_its_rows(tmp_path):
    """Claims and answered threads written by the previous release survive the move to the state database."""
    older = sqlite3.connect(tmp_path / OLDER_FILE)
    older.executescript("""
        CREATE TABLE IF NOT EXISTS handled (key TEXT PRIMARY KEY, at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS threads (channel TEXT NOT NULL, thread_ts TEXT NOT NULL, at REAL NOT NULL,
                                            PRIMARY KEY (channel, thread_ts));
    """)
    now = time.time()
    older.execute("INSERT INTO handled VALUES ('message:C1:1.0', ?)", (now,))
    older.execute("INSERT INTO threads VALUES ('C1', '1.0', ?)", (now,))
    older.commit()
    older.close()
    memory = SlackMemory(open_state(tmp_path))
    assert not memory.claim("message:C1:1.0")
    assert memory.answered_thread("C1", "1.0")
    assert not (tmp_path / OLDER_FILE).exists() and (tmp_path / FILE).exists()
    assert set(metadata.tables) <= set(inspect(open_state(tmp_path)).get_table_names())


def test_migrations_step_by_step_keep_rows(tmp_path, database_url):
    """A database an older Parley left at the first revision reaches the newest one with its rows."""
    engine = create_engine(database_url or f"sqlite:///{tmp_path / FILE}")
    upgrade(engine, "0001")
    assert "questions" not in inspect(engine).get_table_names()
    SlackMemory(engine).remember_thread("C1", "1.0")
    upgrade(engine)
    assert SlackMemory(engine).answered_thread("C1", "1.0")
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    upgrade(engine)  # a second start finds nothing to do


def test_votes_an_earlier_parley_kept_in_the_index_store_move_once(tmp_path, database_url):
    store = Store(tmp_path / "index.sqlite3")
    with store.transaction() as db:
        db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, platform TEXT NOT "
                   "NULL, user TEXT NOT NULL, question TEXT NOT NULL, quotes TEXT NOT NULL, vote INTEGER NOT NULL)")
        db.executemany("INSERT INTO feedback(at, platform, user, question, quotes, vote) VALUES(?,?,?,?,?,?)",
                       [("2026-11-30T10:00:00+00:00", "slack", "UALICE", "Who led?", "[]", 1),
                        ("2026-11-30T11:00:00+00:00", "discord", "42", "When?", "[]", -1)])
    engine = open_state(tmp_path, database_url)
    assert feedback.adopt(engine, store) == 2
    assert feedback.adopt(engine, store) == 0  # once: a restart copies nothing again
    feedback.add(engine, "slack", "UBOB", "Who led?", [], 1)
    assert feedback.counts(engine) == {"up": 2, "down": 1}
    assert feedback.adopt(engine, Store(tmp_path / "empty.sqlite3")) == 0  # a store without the old table


def test_the_migrations_build_exactly_the_schema_the_code_declares(tmp_path, database_url):
    """A table or column added to ``bot.state.db`` without its migration fails here, on both databases."""
    engine = open_state(tmp_path, database_url)
    with engine.connect() as db:
        assert compare_metadata(MigrationContext.configure(db), metadata) == []
