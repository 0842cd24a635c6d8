"""The Discord bot end to end: the real discord.py client against a fake Discord on 127.0.0.1.

``ParleyClient`` logs in over REST, syncs its commands, connects to the gateway and receives
interactions and messages exactly as from Discord; ``tests/discord_fakes.py`` plays Discord and
records what the bot sends, which is what these tests assert.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from sqlalchemy import select

from bot import replies
from bot.discord import render
from bot.discord.app import ParleyClient, guild_ids, serve
from bot.service import Parley
from bot.state.db import feedback
from config import SettingsError, load_settings
from config.settings import DEFAULT_MODEL
from index.articles import clean_text
from index.quotes import Quote
from index.sentences import sentence_spans
from tests.conftest import index_corpus
from tests.discord_fakes import (
    ADMIN_ROLE_ID,
    APP_ID,
    BOT_ID,
    BOT_USER,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    FakeDiscord,
    message_payload,
    user_payload,
)

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "articles.jsonl"
FOLLOWUP = r"/webhooks/\d+/token-\d+"
CALLBACK = r"/interactions/\d+/token-\d+/callback"
MENTION_REPLY = rf"/channels/{CHANNEL_ID}/messages"
DEFERRED_WITH_THINKING = 5  # Discord's DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE interaction response
EPHEMERAL = 1 << 6
ALICE = 111111111111111111
MALLORY = 222222222222222222


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 180))


@contextlib.asynccontextmanager
async def discord_bot(parley: Parley, monkeypatch) -> AsyncIterator[FakeDiscord]:
    """The real ParleyClient connected to a fake Discord; yields the fake once the bot is ready."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway_url)
    client = ParleyClient(parley, guild_ids(parley.settings), guild_ready_timeout=0.05)
    running = asyncio.create_task(client.start("test-token"))
    try:
        while not (client.is_ready() and client.get_guild(GUILD_ID)):
            if running.done():
                running.result()
            await asyncio.sleep(0.02)
        yield fake
    finally:
        await client.close()
        await running
        await fake.stop()


def pings_nobody(body: dict) -> bool:
    """True when the send's ``allowed_mentions`` lets no mention notify anyone."""
    allowed = body["allowed_mentions"]
    return allowed["parse"] == [] and not (allowed.get("users") or allowed.get("roles") or allowed.get("replied_user"))


def articles() -> dict[str, dict]:
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    return {row["url"]: row for row in rows}


def bold_parts(markdown: str) -> list[str]:
    return [unescape(part) for part in re.findall(r"\*\*(.+?)\*\*", markdown)]


def unescape(markdown: str) -> str:
    """The text a reader sees: markdown escapes and the zero-width mention breakers removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def shown_quote(description: str) -> str:
    """The article text inside an embed's “…” with markers removed, as a reader would copy it."""
    return unescape(description.strip("“”").replace("**", "")).strip("…")


# -- slash commands ------------------------------------------------------------------------------


def test_ask_is_deferred_at_once_then_answered_with_quotes_bold_and_linked(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            synced = (await fake.wait_for("PUT", rf"/applications/{APP_ID}/commands"))[0].body
            start = asyncio.get_running_loop().time()
            await fake.command("ask", {"question": "Who headed the Russian delegation in Geneva?"}, user_id=ALICE)
            followup = (await fake.wait_for("POST", FOLLOWUP))[0]
            return fake, synced, start, followup

    fake, synced, start, followup = run(scenario())
    assert {command["name"] for command in synced} == {"ask", "talks-latest", "talks-status", "talks-reindex",
                                                       "talks-timeline", "watch", "digest"}
    privileged = discord.Intents(members=True, presences=True, message_content=True).value
    assert fake.identify["intents"] == discord.Intents.default().value and not fake.identify["intents"] & privileged

    defer = fake.sent("POST", CALLBACK)[0]
    assert defer.body["type"] == DEFERRED_WITH_THINKING
    assert defer.at - start < 3 and defer.at <= followup.at
    body = followup.body
    assert pings_nobody(body)
    assert "Who headed the Russian delegation in Geneva?" in body["content"]
    corpus = articles()
    assert body["embeds"], body
    for embed in body["embeds"]:
        article = corpus[embed["url"].split("#")[0]]  # the link carries a text fragment: the page is before it
        published = datetime.fromisoformat(article["published"])
        assert unescape(embed["title"]) == article["title"]
        assert embed["footer"]["text"] == f"{article['outlet']} · {published:%-d %b %Y}"
        assert shown_quote(embed["description"]) in article["text"]
        assert all(part in article["text"] for part in bold_parts(embed["description"]))
    assert "Ryabkov" in " ".join(bold_parts(body["embeds"][0]["description"]))
    buttons = body["components"][0]["components"]
    assert [button["emoji"]["name"] for button in buttons] == ["👍", "👎"]


def test_vote_buttons_store_one_vote_per_user(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("ask", {"question": "How long did the Geneva session last?"}, user_id=ALICE)
            answer = (await fake.wait_for("POST", FOLLOWUP))[0].body
            message = message_payload(answer)
            up = answer["components"][0]["components"][0]["custom_id"]
            await fake.click(message, up, user_id=MALLORY)
            await fake.wait_for("POST", FOLLOWUP, count=2)
            await fake.click(message, up, user_id=MALLORY)
            return [request.body for request in await fake.wait_for("POST", FOLLOWUP, count=3)]

    answer, thanks, again = run(scenario())
    assert parley.status().feedback == {"up": 1, "down": 0}
    with parley.state.connect() as db:
        stored = json.loads(db.execute(select(feedback.c.quotes)).scalar_one())
    assert stored and all(set(quote) == {"passage_id", "url"} and quote["passage_id"] for quote in stored)
    assert thanks["flags"] & EPHEMERAL and again["flags"] & EPHEMERAL
    assert thanks["content"] != again["content"]


def test_reindex_is_refused_to_a_non_admin_and_hidden_by_default_permissions(parley, monkeypatch):
    parley.settings.discord_admins = f"{ALICE},{ADMIN_ROLE_ID}"
    parley.settings.discord_guilds = str(GUILD_ID)
    before = parley.status().last_run

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            synced = (await fake.wait_for("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"))[0].body
            await fake.command("talks-reindex", user_id=MALLORY)
            refusal = (await fake.wait_for("POST", FOLLOWUP))[0].body
            return fake, synced, refusal

    fake, synced, refusal = run(scenario())
    assert not fake.sent("PUT", rf"/applications/{APP_ID}/commands"), "guild sync must not also sync globally"
    reindex_command = next(command for command in synced if command["name"] == "talks-reindex")
    assert int(reindex_command["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert fake.sent("POST", CALLBACK)[0].body["data"]["flags"] & EPHEMERAL
    assert refusal["content"] == replies.not_admin_notice().text
    parley.wait_for_reindex(5)
    assert parley.status().last_run == before


def test_reindex_by_a_role_admin_answers_at_once_then_reports(parley, monkeypatch):
    parley.settings.discord_admins = str(ADMIN_ROLE_ID)

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("talks-reindex", user_id=ALICE, roles=(ADMIN_ROLE_ID,))
            return [request.body for request in await fake.wait_for("POST", FOLLOWUP, count=2, timeout=150)]

    started, report = run(scenario())
    assert started["content"] == replies.reindex_started_notice().text
    assert report["embeds"][0]["title"] == "Reindex" and "**wire**" in report["embeds"][0]["description"]
    assert pings_nobody(report)
    assert parley.status().last_run["started_by"] == f"user{ALICE} ({ALICE}) on Discord"


def test_talks_latest_renders_the_summary(parley, monkeypatch):
    if not hasattr(Parley, "summary"):
        pytest.skip("Parley.summary (the latest-summary issue) is not in bot/service.py yet")

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("talks-latest", {"since": "2022-01-08"}, user_id=ALICE)
            return (await fake.wait_for("POST", FOLLOWUP))[0].body

    body = run(scenario())
    corpus = articles()
    assert pings_nobody(body)
    pages = [embed["url"].split("#")[0] for embed in body["embeds"]]  # links carry a text fragment
    assert body["embeds"] and all(page in corpus for page in pages)
    assert all(shown_quote(embed["description"]) in corpus[page]["text"]
               for embed, page in zip(body["embeds"], pages, strict=True))


def test_status_is_answered_with_the_sources(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("talks-status", user_id=ALICE)
            return (await fake.wait_for("POST", FOLLOWUP))[0].body

    embed = run(scenario())["embeds"][0]
    assert embed["title"] == "Sources" and embed["description"].startswith("**wire** (folder) · 7 articles")


def test_a_failing_command_gets_the_error_notice_privately(parley, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(parley, "ask", broken)

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("ask", {"question": "Anything?"}, user_id=ALICE)
            return (await fake.wait_for("POST", FOLLOWUP))[0].body

    body = run(scenario())
    assert body["content"] == replies.error_notice().text and body["flags"] & EPHEMERAL


# -- mentions ------------------------------------------------------------------------------------


def test_a_mention_gets_one_reply_to_that_message_and_other_chatter_none(parley, monkeypatch):
    alice = user_payload(ALICE, "alice")
    other_bot = user_payload(333333333333333333, "otherbot", bot=True)

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.post("Anyone following the Geneva talks?", author=alice)
            await fake.post(f"<@{BOT_ID}> what did Stoltenberg say?", author=other_bot, mentions=(BOT_USER,))
            await fake.post(f"<@{BOT_ID}> echo", author=BOT_USER, mentions=(BOT_USER,))
            question = await fake.post(f"<@{BOT_ID}> When did the NATO-Russia Council meet?", author=alice,
                                       mentions=(BOT_USER,))
            reply = (await fake.wait_for("POST", MENTION_REPLY))[0]
            await asyncio.sleep(0.5)
            return fake, question, reply

    fake, question, reply = run(scenario())
    assert len(fake.sent("POST", MENTION_REPLY)) == 1
    assert str(reply.body["message_reference"]["message_id"]) == question["id"]
    assert pings_nobody(reply.body)
    assert "NATO-Russia Council" in reply.body["content"] and f"<@{BOT_ID}>" not in reply.body["content"]
    assert reply.body["embeds"][0]["url"].startswith("https://example.org/nrc-meets#:~:text=")
    assert fake.sent("POST", rf"/channels/{CHANNEL_ID}/typing")


def test_a_bare_mention_gets_the_help_text(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.post(f"<@{BOT_ID}>", author=user_payload(ALICE, "alice"), mentions=(BOT_USER,))
            return (await fake.wait_for("POST", MENTION_REPLY))[0].body

    body = run(scenario())
    assert body["content"] == replies.help_notice().text
    assert body["flags"] & discord.MessageFlags(suppress_embeds=True).value


def test_a_direct_message_gets_a_reply_without_a_mention(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            question = await fake.direct_message("Where did the OSCE talks take place?",
                                                  author=user_payload(ALICE, "alice"))
            return question, (await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages"))[0].body

    question, body = run(scenario())
    assert str(body["message_reference"]["message_id"]) == question["id"]
    assert pings_nobody(body) and body["embeds"][0]["url"].split("#")[0] == "https://example.org/osce-vienna"


def test_mentions_and_slash_commands_share_the_rate_limit(parley, monkeypatch):
    parley.limiter.per_minute = 1

    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.post(f"<@{BOT_ID}> Who led the American team?", author=user_payload(ALICE, "alice"),
                            mentions=(BOT_USER,))
            mention = (await fake.wait_for("POST", MENTION_REPLY))[0].body
            alice = await fake.command("ask", {"question": "Who led the Russian team?"}, user_id=ALICE)
            mallory = await fake.command("ask", {"question": "Who led the Russian team?"}, user_id=MALLORY)
            await fake.wait_for("POST", FOLLOWUP, count=2)
            return mention, [(await fake.wait_for("POST", rf"/webhooks/\d+/token-{interaction}"))[0].body
                             for interaction in (alice, mallory)]

    mention, (alice, mallory) = run(scenario())
    assert mention["embeds"] and mallory["embeds"]
    limited = re.escape(replies.rate_limited_notice(1, 999).text).replace("999", r"\d+")
    assert re.fullmatch(limited, alice["content"]) and "embeds" not in alice


# -- safety and limits ---------------------------------------------------------------------------


@pytest.fixture
def hostile_parley(tmp_path, embedder) -> Parley:
    """A Parley over one invented article that tries to ping everyone, a role and forge a link."""
    data_dir = index_corpus(tmp_path, [{
        "url": "https://example.org/hostile", "title": "Pipeline @everyone **update**", "outlet": "Prank Post",
        "published": "2022-01-14",
        "text": f"The pipeline inspectors met on Friday. @everyone the pipeline inspection was postponed, "
                f"<@&{ADMIN_ROLE_ID}> said in a [statement](https://evil.example/login) that was **urgent**. "
                "Further talks are planned.",
    }])
    return Parley(load_settings(data_dir=data_dir, sources=tmp_path / "sources.toml"))


def test_everyone_and_role_mentions_in_an_article_come_out_harmless(hostile_parley, monkeypatch):
    question = f"Was the pipeline inspection postponed, <@&{ADMIN_ROLE_ID}> @everyone?"

    async def scenario():
        async with discord_bot(hostile_parley, monkeypatch) as fake:
            await fake.command("ask", {"question": question}, user_id=ALICE)
            return (await fake.wait_for("POST", FOLLOWUP))[0].body

    body = run(scenario())
    assert pings_nobody(body)
    embed = body["embeds"][0]
    shown = body["content"] + embed["title"] + embed["description"]
    assert "@everyone" not in shown and f"<@&{ADMIN_ROLE_ID}>" not in shown
    assert "@\u200beveryone" in embed["description"] and f"<@\u200b&{ADMIN_ROLE_ID}>" in body["content"]
    assert "\\[statement](https://evil.example/login)" in embed["description"], "a masked link must show as text"
    assert "\\*\\*urgent\\*\\*" in embed["description"] and "\\*\\*update\\*\\*" in embed["title"]
    assert "the pipeline inspection was postponed" in " ".join(bold_parts(embed["description"]))
    article = json.loads((Path(hostile_parley.settings.sources).parent / "news.jsonl").read_text())
    assert shown_quote(embed["description"]) in clean_text(article["text"])


def test_mentions_that_reach_the_renderer_are_broken():
    """The index drops ``<…>`` markup, but a quote that still carried a mention must not render one."""
    text = f"Officials told <@&{ADMIN_ROLE_ID}> and <@{ALICE}> that @here would hear more."
    quote = Quote(text=text, url="https://example.org/x", title=f"<@&{ADMIN_ROLE_ID}> notice", outlet="@everyone",
                  published=None, score=1.0, highlight=(0, len(text)))
    embed = render.render(replies.AnswerReply("who?", True, [quote])).embeds[0]
    shown = embed.title + embed.description + embed.footer.text
    assert not re.search(r"<@[!&]?\d+>|@(everyone|here)", shown)
    assert unescape(embed.description) == f"“**{text}**”"


def long_quote(number: int) -> Quote:
    sentences = [f"Delegation {number} raised point {i} about missile deployments in Europe at length."
                 for i in range(120)]
    text = " ".join(sentences)
    start = text.index(sentences[60])
    return Quote(text=text, url=f"https://example.org/long-{number}", title="Very long **title** " * 30,
                 outlet="Example Wire", published=datetime(2022, 1, 10), score=1.0,
                 highlight=(start, start + len(sentences[60])), also=tuple(f"Outlet {i}" for i in range(60)))


def test_long_answers_stay_within_discord_limits_and_cut_at_sentences():
    quotes = [long_quote(number) for number in range(12)]
    reply = replies.AnswerReply("@everyone " + "why? " * 99, True, quotes)
    message = render.render(reply)
    assert len(message.content) <= 2000
    assert len(message.embeds) == 10
    assert sum(len(embed) for embed in message.embeds) <= 6000
    for embed, quote in zip(message.embeds, quotes, strict=False):
        assert len(embed.title) <= 256 and len(embed.description) <= 4096 and len(embed.footer.text) <= 2048
        highlighted = quote.text[quote.highlight[0]:quote.highlight[1]]
        assert bold_parts(embed.description) == [highlighted]
        shown = shown_quote(embed.description)
        start = quote.text.index(shown)
        spans = sentence_spans(quote.text)
        assert start in {span[0] for span in spans} and start + len(shown) in {span[1] for span in spans}


def test_status_with_many_sources_stays_within_limits():
    row = {"kind": "feed", "articles": 12, "passages": 80, "last_indexed_at": "2022-01-10T09:00:00",
           "last_status": "ok", "last_report": {"failed": [{"item": "x", "reason": "timeout"}]}}
    status = replies.StatusReply(sources=[{**row, "name": f"source *{i}*"} for i in range(400)], articles=4800,
                                 passages=32000, model=DEFAULT_MODEL, version="v1", last_run=None,
                                 feedback={"up": 3, "down": 1})
    embed = render.render(status).embeds[0]
    assert len(embed.description) <= 4096 and len(embed) <= 6000
    assert embed.description.endswith("more") and "**source \\*0\\***" in embed.description


# -- one reply model, two renderers --------------------------------------------------------------


@pytest.fixture
def shared_answer(parley) -> replies.AnswerReply:
    reply = parley.ask("What did Stoltenberg say allies were ready to discuss?")
    assert isinstance(reply, replies.AnswerReply) and reply.answered
    return reply


def test_the_shared_answer_renders_for_discord(shared_answer):
    message = render.render(shared_answer)
    assert unescape(message.content) == shared_answer.headline
    assert [embed.url for embed in message.embeds] == [replies.quote_link(quote) for quote in shared_answer.quotes]
    for embed, quote in zip(message.embeds, shared_answer.quotes, strict=True):
        assert bold_parts(embed.description) == [quote.text[quote.highlight[0]:quote.highlight[1]]]
        assert embed.footer.text.startswith(replies.source_line(quote).removesuffix(" · " + quote.title))


def test_the_shared_answer_renders_for_slack(shared_answer):
    slack = pytest.importorskip("bot.slack.render", reason="the Slack renderer (bot/slack/render.py) isn't there yet")
    rendered = json.dumps(slack.message_for(shared_answer).kwargs()["blocks"], ensure_ascii=False)
    for quote in shared_answer.quotes:
        assert f"<{slack.safe_url(replies.quote_link(quote))}|" in rendered
        assert f"*{slack.escape(quote.text[quote.highlight[0]:quote.highlight[1]])}*" in rendered


# -- start-up ------------------------------------------------------------------------------------


def test_serve_without_a_token_says_so_in_one_line(settings, capsys, monkeypatch):
    from bot.cli import main

    root = logging.getLogger()  # main() installs its JSON handler on the captured stderr: undo after
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    assert main(["--data-dir", str(settings.data_dir), "serve", "discord"]) == 2
    error = capsys.readouterr().err
    assert "DISCORD_TOKEN" in error and error.strip().count("\n") == 0


@contextlib.contextmanager
def fake_discord_in_thread(**options) -> Iterator[FakeDiscord]:
    """A fake Discord on its own loop, for code that runs its own (``serve`` calls ``Client.run``)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeDiscord(**options)
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_serve_with_a_rejected_token_says_so_without_the_token(settings, monkeypatch):
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.rejected-token-rejected-token-000"
    monkeypatch.setenv("DISCORD_TOKEN", token)
    with fake_discord_in_thread(bad_token=token) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        with pytest.raises(SettingsError) as raised:
            serve(Parley(load_settings(data_dir=settings.data_dir)))
    message = str(raised.value)
    assert "DISCORD_TOKEN" in message and "\n" not in message and token not in message


def test_serve_without_a_network_says_so_in_one_line(settings, monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.unreachable-token-unreachable-00")
    with fake_discord_in_thread() as fake:
        closed = fake.api_base
    monkeypatch.setattr(discord.http.Route, "BASE", closed)
    assert serve(Parley(load_settings(data_dir=settings.data_dir))) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("{")]  # not JSON logs
    assert len(said) == 1 and said[0].startswith("parley: cannot reach Discord")
