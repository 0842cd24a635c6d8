"""Shared fixtures: the real model, a small corpus written for the tests, and a built index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.service import Parley
from config import load_settings
from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.embed import load_embedder
from index.sources import load_sources

FIXTURES = Path(__file__).parent / "fixtures"


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
    """Settings on a private copy of the indexed data directory, isolated from the environment."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_dir, data_dir)
    return load_settings(data_dir=data_dir, sources=FIXTURES / "corpus" / "sources.toml")


@pytest.fixture
def parley(settings) -> Parley:
    """A Parley service over the test corpus."""
    return Parley(settings)
