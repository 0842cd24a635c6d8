"""Watched questions end to end: ``/talks-watch`` through the real Bolt app over HTTP with the fake Slack Web
API, ``/watch`` through the real discord.py client against the fake Discord, and real reindexes of a folder
source (real model, SQLite, FAISS) to which files are added and from which they are removed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from slack_bots import CHANNEL, texts

from bot.service import Parley
from bot.state.db import open_state
from bot.state.watches import add_watch, any_seen, channel_watches, claim_posts, stop_watch
from bot.watches import post_for_new_version
from config import Settings, load_settings
from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.sources import load_sources
from tests.discord_fakes import CHANNEL_ID
from tests.test_discord import CALLBACK, EPHEMERAL, FOLLOWUP, discord_bot, pings_nobody
from tests.test_discord import run as run_discord

FIXTURE_ARTICLES = Path(__file__).parent / "fixtures" / "corpus" / "articles.jsonl"
QUESTION = "What did Lavrov say about the written responses?"
LAVROV_URL = "https://example.org/lavrov-written-responses"
LAVROV_SENTENCE = ("Foreign Minister Sergei Lavrov said on Thursday that the written responses from Washington "
                   "left no room for optimism on the main issue.")
# Written for these tests.
LAVROV = {"url": LAVROV_URL, "title": "Lavrov reads the American written responses", "outlet": "Daily Ledger",
          "published": "2022-01-27", "text": (
              f"{LAVROV_SENTENCE} He said the written responses did not address Moscow's demand that NATO stop "
              "expanding eastward, though they offered talks on secondary questions such as missile deployments.")}
LAVROV_AGAIN = {"url": "https://example.org/lavrov-press-conference", "title": "Lavrov answers questions on the "
                "US reply", "outlet": "Evening Courier", "published": "2022-01-28", "text": (
                    "At a press conference in Moscow, Lavrov said the written responses showed that Washington "
                    "had ignored the central question of NATO enlargement. Lavrov added that the written "
                    "responses were better than NATO's own reply, which he called ideological.")}
HARVEST = {"url": "https://example.org/harvest-2022", "title": "Barley harvest forecast raised", "outlet": "Farm "
           "Weekly", "published": "2022-01-28", "text": "Growers expect a larger barley harvest after a mild "
           "winter. Storage prices rose slightly in January."}


def write(folder: Path, name: str, articles: list[dict]) -> None:
    (folder / name).write_text("".join(json.dumps(article) + "\n" for article in articles))


@pytest.fixture
def desk(tmp_path, embedder) -> Settings:
    """Settings on a fresh index of a folder source "news": the fixture articles but the written-reply one."""
    news = tmp_path / "desk" / "news"
    news.mkdir(parents=True)
    lines = [line for line in FIXTURE_ARTICLES.read_text().splitlines() if line.strip()]
    (news / "first.jsonl").write_text("\n".join(line for line in lines if "written reply" not in line) + "\n")
    toml = tmp_path / "desk" / "sources.toml"
    toml.write_text('[[source]]\nname = "news"\nkind = "folder"\npath = "news"\n')
    reindex(tmp_path / "desk" / "data", load_sources(toml), DEFAULT_MODEL)
    return load_settings(data_dir=tmp_path / "desk" / "data", sources=toml)


def test_a_watch_posts_a_new_answering_article_once_across_reindexes_and_restarts(desk, slack):
    news = desk.sources.parent / "news"
    parley, client = slack.start(desk)
    assert "(#1)" in slack.command(client, "/talks-watch", QUESTION, "watch")
    assert "(#2)" in slack.command(client, "/talks-watch", "Who won the Super Bowl?", "watch-2")

    parley.reindex_now("test")  # nothing new
    assert slack.posts() == []

    write(news, "second.jsonl", [LAVROV])
    client.command("/talks-reindex", "", "UADMIN", slack.fake.response_url("reindex"))
    slack.fake.wait_for("chat.postMessage", channel="UADMIN", timeout=120)  # the report, after the posts
    [post] = slack.posts()  # the Super Bowl is answered by nothing, new or old
    shown = texts(post)
    assert shown[0].startswith("*New since you asked on ") and QUESTION in shown[0]
    assert f"*{LAVROV_SENTENCE}*" in "\n".join(shown)
    links = {element["text"] for block in post if block["type"] == "context" for element in block["elements"]}
    assert links and all(LAVROV_URL in link for link in links if "http" in link)  # only the new article's quotes

    # A restart (a new Parley and app on the same data directory), then the source drops the item: nothing.
    parley, client = slack.start(desk)
    (news / "second.jsonl").unlink()
    write(news, "third.jsonl", [HARVEST])
    assert parley.reindex_now("test").new_version
    # The item comes back: new to this version, but its passage was posted once already.
    write(news, "second.jsonl", [LAVROV])
    assert parley.reindex_now("test").new_version
    assert parley.ask(QUESTION).quotes[0].url == LAVROV_URL  # it still answers; it is just not new
    assert len(slack.posts()) == 1
    assert "#1" in slack.command(client, "/talks-watch", "list", "list")


def test_only_a_connected_chat_marks_what_is_served_as_seen_by_the_watches(desk):
    parley = Parley(desk)  # as `parley ask` in a terminal builds it: it posts nothing, so it records nothing
    assert not any_seen(parley.state)
    parley.connect_poster("slack", lambda team, channel, reply: None)
    assert any_seen(parley.state) and post_for_new_version(parley) == 0  # the served articles are not new


def test_a_watch_posts_after_reindexes_run_in_a_terminal(desk, slack):
    """``parley index`` in another process builds the versions, twice while the bot does not look (the first
    new version is deleted by then); the bot posts the new article when it next looks, once."""
    news = desk.sources.parent / "news"
    parley, client = slack.start(desk)
    assert "(#1)" in slack.command(client, "/talks-watch", QUESTION, "watch")
    write(news, "second.jsonl", [LAVROV])
    reindex(desk.data_dir, load_sources(desk.sources), DEFAULT_MODEL)  # what `parley index` does, elsewhere
    write(news, "third.jsonl", [HARVEST])
    reindex(desk.data_dir, load_sources(desk.sources), DEFAULT_MODEL)
    assert slack.posts() == []
    assert post_for_new_version(parley) == 1
    assert f"*{LAVROV_SENTENCE}*" in "\n".join(texts(slack.posts()[0]))
    restarted, _ = slack.start(desk)  # a restart on the same data: the version was seen
    assert post_for_new_version(restarted) == 0 and post_for_new_version(parley) == 0
    assert len(slack.posts()) == 1


def test_watch_list_stop_and_the_limits_per_channel(desk, slack):
    parley, client = slack.start(desk, watches_per_channel=2, watch_posts_per_reindex=1)
    assert "Use `/talks-watch QUESTION`" in slack.command(client, "/talks-watch", "", "empty")
    assert "(#1)" in slack.command(client, "/talks-watch", QUESTION, "a")
    assert "already watches “What did Lavrov" in slack.command(client, "/talks-watch", QUESTION.upper(), "a2")
    assert "(#2)" in slack.command(client, "/talks-watch", "When did the NATO-Russia Council meet?", "b")
    refused = slack.command(client, "/talks-watch", "Who led the US delegation?", "c")
    assert "already watches 2 questions, the most it may" in refused and "/talks-watch stop N" in refused
    listing = slack.command(client, "/talks-watch", "list", "list")
    assert "#1 “What did Lavrov" in listing and "#2 “When did the NATO-Russia Council meet?”" in listing
    assert "Stopped watching “When did" in slack.command(client, "/talks-watch", "stop 2", "stop")
    assert "no watch #2 here" in slack.command(client, "/talks-watch", "stop 2", "stop-again")
    assert "no watch #x here" in slack.command(client, "/talks-watch", "stop x", "stop-x")
    assert "#2" not in slack.command(client, "/talks-watch", "list", "list-2")

    # Two new articles answer: the channel gets one quote and the count of the other.
    write(desk.sources.parent / "news", "second.jsonl", [LAVROV, LAVROV_AGAIN])
    parley.reindex_now("test")
    [post] = slack.posts()
    assert "1 more new passage also answer" in texts(post)[0]
    assert sum(block["type"] == "section" for block in post) == 2  # the headline and one quote


def test_a_discord_watch_posts_in_its_channel_and_pings_nobody(desk, monkeypatch):
    parley = Parley(desk)
    news = desk.sources.parent / "news"

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("watch", {"question": QUESTION}, user_id=1)
            confirmed = (await fake.wait_for("POST", FOLLOWUP))[0].body
            write(news, "second.jsonl", [LAVROV])
            await asyncio.to_thread(parley.reindex_now, "test")
            posted = await fake.wait_for("POST", rf"/channels/{CHANNEL_ID}/messages")
            await asyncio.to_thread(parley.reindex_now, "test")  # nothing new: nothing more
            await fake.command("watch", {"question": "list"}, user_id=1)
            listing = (await fake.wait_for("POST", FOLLOWUP, count=2))[1].body
            return fake, confirmed, posted, listing

    fake, confirmed, posted, listing = run_discord(scenario())
    assert "Watching" in confirmed["content"] and fake.sent("POST", CALLBACK)[0].body["data"]["flags"] & EPHEMERAL
    [post] = [request.body for request in posted]
    assert post["content"].startswith("New since you asked on ") and pings_nobody(post)
    assert LAVROV_URL in post["embeds"][0]["url"] and "Lavrov" in post["embeds"][0]["description"]
    assert len(fake.sent("POST", rf"/channels/{CHANNEL_ID}/messages")) == 1
    assert "#1" in listing["content"]



def test_the_scheduled_reindex_posts_new_answers_too(desk, slack):
    parley, client = slack.start(desk, reindex_every_minutes=0.01)  # a reindex every 0.6 s once started
    slack.command(client, "/talks-watch", QUESTION, "watch")
    write(desk.sources.parent / "news", "second.jsonl", [LAVROV])
    stop = threading.Event()
    parley.start_background(stop)
    try:
        slack.fake.wait_for("chat.postMessage", channel=CHANNEL, timeout=120)
    finally:
        stop.set()
    [post] = slack.posts()
    assert f"*{LAVROV_SENTENCE}*" in "\n".join(texts(post))


def test_a_passage_is_claimed_for_a_watch_once_on_either_database(database_url, tmp_path):
    engine = open_state(tmp_path, database_url)
    watch = add_watch(engine, "slack", "T1", "C1", QUESTION, "UALICE", 1.0)
    assert claim_posts(engine, watch.id, ["a", "b", "a"], 2.0) == ["a", "b"]
    assert claim_posts(engine, watch.id, ["b", "c"], 3.0) == ["c"]
    assert stop_watch(engine, "slack", "C2", watch.id) is None  # another channel's number
    assert stop_watch(engine, "slack", "C1", watch.id) == watch
    assert channel_watches(engine, "slack", "C1") == []
