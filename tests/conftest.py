"""Shared fixtures: the real model, a small corpus written for the tests, and a built index."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from bot.service import Parley
from config import load_settings
from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.embed import load_embedder
from index.sources import load_sources
from tests import postgres_server

FIXTURES = Path(__file__).parent / "fixtures"


def write_corpus(folder: Path, articles: list[dict], extra_sources: str = "") -> Path:
    """Write ``articles`` as a JSONL folder source named "news" and its ``sources.toml``; returns the TOML.

    ``extra_sources`` is appended to the TOML: more options for "news", or more sources.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "news.jsonl").write_text("".join(json.dumps(article) + "\n" for article in articles))
    toml = folder / "sources.toml"
    toml.write_text(f'[[source]]\nname = "news"\nkind = "folder"\npath = "news.jsonl"\n{extra_sources}')
    return toml


def index_corpus(folder: Path, articles: list[dict], extra_sources: str = "") -> Path:
    """``write_corpus``, then index it with the real model into ``folder / "data"``; returns that folder."""
    reindex(folder / "data", load_sources(write_corpus(folder, articles, extra_sources)), DEFAULT_MODEL)
    return folder / "data"


@pytest.fixture(autouse=True)
def _no_settings_from_the_shell(monkeypatch):
    """Every test sees only the settings it sets itself, never a token or folder from the shell."""
    for name in list(os.environ):
        if name.startswith(("PARLEY_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    """The real default model, loaded once per test session (it takes seconds)."""
    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def indexed_dir(tmp_path_factory, embedder) -> Path:
    """A data directory holding an index of ``tests/fixtures/corpus``; treat it as read-only."""
    data_dir = tmp_path_factory.mktemp("indexed")
    reindex(data_dir, load_sources(FIXTURES / "corpus" / "sources.toml"), DEFAULT_MODEL)
    return data_dir


@pytest.fixture
def settings(tmp_path, indexed_dir, monkeypatch):
    """Settings on a private copy of the indexed data directory, away from any ``.env`` file."""
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_dir, data_dir)
    return load_settings(data_dir=data_dir, sources=FIXTURES / "corpus" / "sources.toml")


@pytest.fixture
def parley(settings) -> Parley:
    """A Parley service over the test corpus."""
    return Parley(settings)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the session; skipped, saying why, where it can't start."""
    try:
        server = postgres_server.start()
    except postgres_server.Unavailable as why:
        pytest.skip(f"PostgreSQL state tests skipped: {why}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """``PARLEY_DATABASE_URL`` for a state test run on both databases: empty (SQLite) or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("postgres").create_database(f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def slack():
    """Slack bots over the real Bolt app and the fake Slack Web API (``tests/slack_bots.py``), closed after."""
    from slack_bots import SlackBots  # the Bolt app is imported only by the tests that use it

    bots = SlackBots()
    yield bots
    bots.close()


@pytest.fixture
def fake():
    """A fake Slack Web API on localhost (``tests/slack_fake.py``) for the deployed servers, closed after."""
    from slack_fake import FakeSlack

    slack = FakeSlack()
    yield slack
    slack.close()
