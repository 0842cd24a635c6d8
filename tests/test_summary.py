"""The latest summary, over a small corpus written for these tests and indexed for real."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import combinations
from pathlib import Path

import pytest
from rich.console import Console

from bot import replies
from bot.cli import main
from bot.console import render_summary
from bot.service import Parley
from config import load_settings
from config.settings import DEFAULT_TOPIC
from index.sentences import sentence_spans
from index.summary import WindowError, parse_window
from tests.conftest import index_corpus

GENEVA_LEAD = ("American and Russian envoys began security talks in Geneva on Monday, seeking to ease the standoff "
               "over Russian troops near Ukraine.")
ARTICLES = [
    # The Geneva story, carried word for word by a second outlet under its own headline...
    {"url": "https://north.example/geneva-opens", "title": "Envoys open security talks in Geneva",
     "outlet": "North Wire", "published": "2022-01-10",
     "text": f"{GENEVA_LEAD} The Russian delegation pressed for written guarantees that NATO would stop enlarging "
             "to the east. American officials answered that the alliance's door would stay open to new members."},
    {"url": "https://harbor.example/world/geneva", "title": "Geneva talks begin", "outlet": "Harbor Times",
     "published": "2022-01-10",
     "text": f"{GENEVA_LEAD} The Russian delegation pressed for written guarantees that NATO would stop enlarging "
             "to the east. American officials answered that the alliance's door would stay open to new members."},
    # A day later a third outlet ran it under a long dateline, which moves its embedding but not its words.
    {"url": "https://lake.example/geneva", "title": "Geneva: envoys meet", "outlet": "Lake Courier",
     "published": "2022-01-11",
     "text": f"Palais des Nations, Geneva, snowy Monday morning — {GENEVA_LEAD} The Russian delegation pressed "
             "for written guarantees that NATO would stop enlarging to the east. American officials answered that "
             "the alliance's door would stay open to new members."},
    # The same opening fact, reworded by another outlet.
    {"url": "https://valley.example/envoys", "title": "Russia and US start Geneva negotiations",
     "outlet": "Valley Post", "published": "2022-01-11",
     "text": "Russian and American envoys started security negotiations in Geneva on Monday to reduce the standoff "
             "over Russian troops near Ukraine. Both delegations described the first session as businesslike. "
             "No date was set for a second round."},
    {"url": "https://north.example/council", "title": "NATO-Russia Council meets in Brussels",
     "outlet": "North Wire", "published": "2022-01-12",
     "text": "Ambassadors of the thirty allies sat down with a Russian delegation at the NATO-Russia Council in "
             "Brussels on Wednesday. The alliance offered talks on missile limits and notice of military exercises. "
             "Russia's deputy foreign minister said the offer did not answer Moscow's main demands."},
    {"url": "https://valley.example/osce", "title": "Security talks reach the OSCE in Vienna",
     "outlet": "Valley Post", "published": "2022-01-13",
     "text": "The week of security diplomacy with Russia closed at the OSCE Permanent Council in Vienna on Thursday. "
             "The chair of the organisation warned that the danger of war in Europe had not been this high in "
             "decades. Diplomats said the talks with Moscow had produced no agreement on NATO enlargement."},
    {"url": "https://harbor.example/world/impasse", "title": "Moscow sees a dead end in security talks",
     "outlet": "Harbor Times", "published": "2022-01-14T21:30:00+00:00",
     "text": "Russia's chief negotiator said late on Friday that the security talks with the United States and "
             "NATO had reached a dead end. He said Moscow saw no reason to meet again soon unless the West "
             "addressed its demand for guarantees against NATO expansion."},
    # Off the topic, inside the window.
    {"url": "https://kitchen.example/rye", "title": "A rye loaf for cold evenings", "outlet": "Kitchen Notes",
     "published": "2022-01-12",
     "text": "A dense rye loaf needs a sour starter and a long, slow rise in a warm corner of the kitchen. Mix the "
             "flour with caraway seeds, salt and water, then leave the dough overnight. Bake it in a heavy pot "
             "until the crust sounds hollow when tapped."},
    {"url": "https://markets.example/oil", "title": "Oil prices rise as traders watch Brussels",
     "outlet": "Market Desk", "published": "2022-01-12",
     "text": "Oil prices rose on Wednesday as traders weighed the security talks between Russia and NATO in "
             "Brussels. Brent crude gained two percent while gasoline futures fell. Airline shares dropped on the "
             "higher fuel costs."},
    # On the topic, outside the window: before it, and the newest coverage of all.
    {"url": "https://north.example/drafts", "title": "Moscow publishes draft security treaties",
     "outlet": "North Wire", "published": "2021-12-17",
     "text": "Russia's foreign ministry published two draft treaties on Friday setting out the security "
             "guarantees it wants from the United States and NATO. The drafts would bar Ukraine from joining the "
             "alliance and pull allied forces back from eastern Europe."},
    {"url": "https://valley.example/reply", "title": "Washington hands Moscow its written answer",
     "outlet": "Valley Post", "published": "2022-01-26",
     "text": "The United States gave Russia its written answer to the Kremlin's demands for security guarantees "
             "on Wednesday. The reply offered talks on arms control and transparency but rejected any veto over "
             "NATO membership. Russian officials said they would study the document before responding."},
    # Off the topic and newer than every on-topic article: the fallback must not land here.
    {"url": "https://markets.example/fed", "title": "Stocks slip ahead of the Fed decision", "outlet": "Market Desk",
     "published": "2022-02-01",
     "text": "Stocks edged lower on Tuesday as investors waited for the central bank's decision on interest rates. "
             "Technology shares led the decline while utilities gained. Oil prices held steady."},
]
BY_URL = {article["url"]: article for article in ARTICLES}
OFF_TOPIC = {"https://kitchen.example/rye", "https://markets.example/oil", "https://markets.example/fed"}


@pytest.fixture(scope="module")
def summary_dir(tmp_path_factory, embedder) -> Path:
    """A data directory indexing ``ARTICLES`` with the real model; read-only for the tests."""
    root = tmp_path_factory.mktemp("summary")
    index_corpus(root, ARTICLES)
    return root


@pytest.fixture
def desk(summary_dir) -> Parley:
    """A Parley over the summary corpus, on the default topic whatever PARLEY_TOPIC says."""
    return Parley(load_settings(data_dir=summary_dir / "data", sources=summary_dir / "sources.toml",
                                topic=DEFAULT_TOPIC))


def week(parley: Parley) -> replies.SummaryReply:
    reply = parley.summary("2022-01-08", "2022-01-14")
    assert isinstance(reply, replies.SummaryReply), reply
    return reply


def test_bullets_are_whole_sentences_of_their_articles_inside_the_window_and_on_topic(desk):
    reply = week(desk)
    assert reply.note == ""
    assert reply.since == datetime(2022, 1, 8, tzinfo=UTC)
    assert reply.until == datetime(2022, 1, 14, 23, 59, 59, tzinfo=UTC)
    assert 4 <= len(reply.bullets) <= 6
    for quote in reply.bullets:
        article = BY_URL[quote.url]
        sentences = [article["text"][start:end] for start, end in sentence_spans(article["text"])]
        assert quote.text in sentences
        assert (quote.title, quote.outlet) == (article["title"], article["outlet"])
        assert quote.url not in OFF_TOPIC
        assert reply.since <= quote.published <= reply.until
    dates = [quote.published for quote in reply.bullets]
    assert dates == sorted(dates)


def test_the_until_date_includes_its_whole_day(desk):
    reply = desk.summary("2022-01-14", "2022-01-14")
    assert isinstance(reply, replies.SummaryReply) and reply.note == ""
    assert {quote.url for quote in reply.bullets} == {"https://harbor.example/world/impasse"}


def test_syndicated_copies_become_one_bullet_naming_every_outlet(desk):
    story = BY_URL["https://north.example/geneva-opens"]["text"]
    copied = [quote for quote in week(desk).bullets if quote.text in story]
    assert copied, "the story two outlets ran is among the bullets"
    assert len({quote.text for quote in copied}) == len(copied)
    for quote in copied:
        assert {quote.outlet, *quote.also} == {"North Wire", "Harbor Times", "Lake Courier"}
        assert quote.outlet not in quote.also


def test_no_two_bullets_say_the_same_thing(desk, embedder):
    bullets = week(desk).bullets
    vectors = embedder.encode([quote.text for quote in bullets])
    for (i, first), (j, second) in combinations(enumerate(bullets), 2):
        assert first.text != second.text
        assert float(vectors[i] @ vectors[j]) < 0.85, (first.text, second.text)
    reworded = BY_URL["https://valley.example/envoys"]["text"].split(". ")[0] + "."
    assert not {GENEVA_LEAD, reworded} <= {quote.text for quote in bullets}


def test_an_empty_window_says_so_and_shows_the_newest_window_with_coverage(desk):
    reply = desk.summary("2021-06-01", "2021-06-07")
    assert isinstance(reply, replies.SummaryReply)
    assert "1 Jun 2021" in reply.note and "7 Jun 2021" in reply.note and "week" in reply.note
    # The week ending 26 Jan holds one outlet's article, and the newer markets story is off the topic:
    # the newest week with coverage from several outlets is the week of the talks.
    assert reply.since == datetime(2022, 1, 8, tzinfo=UTC)
    assert reply.until == datetime(2022, 1, 14, 23, 59, 59, tzinfo=UTC)
    assert 4 <= len(reply.bullets) <= 6
    assert all(reply.since <= quote.published <= reply.until for quote in reply.bullets)


def test_the_default_window_is_the_last_day_relative_to_now(desk):
    reply = desk.summary()
    assert isinstance(reply, replies.SummaryReply)
    assert "newest day with coverage" in reply.note
    # 26, 14, 13 and 12 January each have one outlet on the topic; on the 11th two outlets ran the Geneva story.
    assert (reply.since, reply.until) == (datetime(2022, 1, 11, tzinfo=UTC),
                                          datetime(2022, 1, 11, 23, 59, 59, tzinfo=UTC))
    assert {quote.url for quote in reply.bullets} <= {"https://lake.example/geneva", "https://valley.example/envoys"}


def test_without_a_day_several_outlets_covered_the_newest_on_topic_day_is_shown(parley):
    # The shared test corpus: every day's on-topic articles come from one outlet.
    reply = parley.summary()
    assert isinstance(reply, replies.SummaryReply) and reply.note
    assert reply.since == datetime(2022, 1, 26, tzinfo=UTC)
    assert {quote.url for quote in reply.bullets} == {"https://example.org/written-reply"}


def test_a_topic_nothing_covers_gets_a_plain_notice(summary_dir):
    parley = Parley(load_settings(data_dir=summary_dir / "data", sources=summary_dir / "sources.toml",
                                  topic="coral reef restoration in the Pacific"))
    reply = parley.summary("2022-01-08", "2022-01-14")
    assert isinstance(reply, replies.Notice) and reply.kind == "empty"
    assert "coral reef" in reply.text


def test_nothing_indexed_says_so(tmp_path):
    parley = Parley(load_settings(data_dir=tmp_path / "empty", sources=tmp_path / "sources.toml"))
    assert parley.summary() == replies.not_indexed_notice()


@pytest.mark.parametrize(("since", "until", "shown"), [
    ("yesterday-ish", None, "“yesterday-ish”"),
    ("3 fortnights", None, "“3 fortnights”"),
    ("2022-01-08", "mid-January", "“mid-January”"),
    ("2022-01-20", "2022-01-14", "“2022-01-20”"),
])
def test_a_window_it_cannot_read_gets_a_friendly_message(desk, since, until, shown):
    reply = desk.summary(since, until)
    assert isinstance(reply, replies.Notice) and reply.kind == "error"
    assert shown in reply.text and "2022-01-" in reply.text


def test_spans_count_back_from_now_or_from_the_end_date_and_timestamps_are_exact():
    now = datetime(2022, 1, 14, 12, 30, tzinfo=UTC)
    assert parse_window("24h", None, now).since == now - timedelta(hours=24)
    assert parse_window("3d", None, now).since == now - timedelta(days=3)
    assert parse_window(" 2W ", None, now).since == now - timedelta(weeks=2)
    assert parse_window(None, None, now).since == now - timedelta(hours=24)
    window = parse_window("3d", "2022-01-14", now)
    assert (window.since, window.until) == (datetime(2022, 1, 12, tzinfo=UTC), datetime(2022, 1, 15, tzinfo=UTC))
    exact = parse_window("2022-01-08T00:00:00+00:00", "2022-01-15T00:00:00+00:00", now)
    assert (exact.since, exact.until) == (datetime(2022, 1, 8, tzinfo=UTC), datetime(2022, 1, 15, tzinfo=UTC))
    with pytest.raises(WindowError):
        parse_window("99999w", "0500-01-01", now)


@pytest.fixture
def cli_env(summary_dir, monkeypatch) -> None:
    monkeypatch.setenv("PARLEY_DATA_DIR", str(summary_dir / "data"))
    monkeypatch.setenv("PARLEY_SOURCES", str(summary_dir / "sources.toml"))
    monkeypatch.setenv("PARLEY_TOPIC", DEFAULT_TOPIC)


def test_summary_json_has_the_window_and_the_bullets(desk, cli_env, capsys):
    assert main(["summary", "--since", "2022-01-08", "--until", "2022-01-14", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"window", "bullets"}
    assert data["window"] == {"since": "2022-01-08T00:00:00+00:00", "until": "2022-01-14T23:59:59+00:00",
                              "note": ""}
    assert data["bullets"] == week(desk).to_dict()["bullets"]
    for bullet in data["bullets"]:
        assert set(bullet) == {"text", "url", "title", "outlet", "published", "also"}
        assert bullet["text"] in BY_URL[bullet["url"]]["text"]
        assert "2022-01-08" <= bullet["published"] <= "2022-01-14"
    assert any(bullet["also"] for bullet in data["bullets"])


def test_summary_json_reports_a_bad_window_and_exits_nonzero(cli_env, capsys):
    assert main(["summary", "--since", "soon", "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["bullets"] == [] and "24h" in data["message"]


def test_the_terminal_shows_each_bullet_dated_with_its_source(desk):
    reply = week(desk)
    console = Console(file=StringIO(), width=400)
    render_summary(console, reply)
    shown = console.file.getvalue()
    assert reply.headline in shown
    for quote in reply.bullets:
        assert f"{replies.date_label(quote.published)}  “{quote.text}”" in shown
        assert quote.url in shown
    assert "Also carried by" in shown
