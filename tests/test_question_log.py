"""The question log: what the chats ask is stored through the real Bolt app, with the kind of channel,
the outcome and the votes; old rows are pruned and a setting stores none."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from slack_bots import running_bot
from slack_fake import BOT_USER
from sqlalchemy import select

from bot.report import build_report
from bot.service import Parley
from bot.slack.render import VOTE_DOWN, VOTE_UP
from bot.state import questions as question_log
from bot.state.db import questions
from index.quotes import REASONS
from tests.discord_fakes import BOT_ID, DM_CHANNEL_ID, message_payload, user_payload
from tests.discord_fakes import BOT_USER as DISCORD_BOT
from tests.test_discord import ALICE, FOLLOWUP, MALLORY, MENTION_REPLY, discord_bot, run

CHANNEL = "C0TALKS"
ANSWERED = "What guarantees did Ryabkov say Moscow needed?"
UNCOVERED = "What is the boiling point of mercury?"
DM_QUESTION = "Who headed the Russian delegation in Geneva?"


def rows(parley: Parley) -> list[dict]:
    with parley.state.connect() as db:
        return [dict(row) for row in db.execute(select(questions).order_by(questions.c.id)).mappings()]


def event(text: str, ts: str, channel: str = CHANNEL, **extra) -> dict:
    return {"type": "message", "user": "UALICE", "text": text, "ts": ts, "channel": channel, "event_ts": ts,
            "channel_type": "channel", **extra}


def test_mentions_dms_threads_and_commands_are_logged_with_their_kind_outcome_and_votes(settings):
    with running_bot(settings) as bot:
        root = "1700000100.000100"
        bot.client.event({**event(f"<@{BOT_USER}> {ANSWERED}", root), "type": "app_mention"})
        bot.slack.wait_for("chat.postMessage", thread_ts=root)
        bot.client.event(event("And who headed the Russian delegation?", "1700000100.000200", thread_ts=root))
        bot.slack.wait_for("chat.postMessage", count=2, thread_ts=root)
        bot.client.event(event("Who headed the Russian delegation in Geneva?", "1700000100.000300", channel="D0DM",
                               channel_type="im"))
        bot.slack.wait_for("chat.postMessage", channel="D0DM")
        bot.client.command("/ask", UNCOVERED, "UBOB", bot.slack.response_url("uncovered"))
        refused = bot.slack.wait_for("response_url", hook="uncovered")[0].args
        bot.client.command("/ask", ANSWERED, "UBOB", bot.slack.response_url("answered"))
        answer = bot.slack.wait_for("response_url", hook="answered")[0].args

        logged = rows(bot.parley)
        assert [(r["text"], r["platform"], r["channel_kind"], r["answered"]) for r in logged] == [
            (ANSWERED, "slack", "channel", True),
            ("And who headed the Russian delegation?", "slack", "thread", True),
            ("Who headed the Russian delegation in Geneva?", "slack", "dm", True),
            (UNCOVERED, "slack", "command", False),
            (ANSWERED, "slack", "command", True)]
        assert logged[3]["reason"] in REASONS and logged[0]["reason"] is None
        shown = [element["text"] for block in refused["blocks"] if block["type"] == "context"
                 for element in block["elements"]]
        closest = json.loads(logged[3]["closest"])
        assert closest and len(closest) == len(shown)  # the headlines the asker was given
        assert all(headline["title"] in text for headline, text in zip(closest, shown, strict=True))
        assert json.loads(logged[0]["closest"])[0]["url"] == "https://example.org/geneva-talks-open"  # quoted first

        # The vote buttons carry the logged question: a 👎 and a 👍 count on that row, once per user.
        [actions] = [block for block in answer["blocks"] if block["type"] == "actions"]
        assert actions["block_id"] == f"parley_question:{logged[4]['id']}"
        values = {element["action_id"]: element["value"] for element in actions["elements"]}
        for user, vote in (("UALICE", VOTE_DOWN), ("UALICE", VOTE_DOWN), ("UCAROL", VOTE_UP)):
            bot.client.click(vote, values[vote], user, bot.slack.response_url(f"vote-{user}"),
                             block_id=actions["block_id"])
        bot.slack.wait_for("response_url", hook="vote-UALICE", count=2)
        bot.slack.wait_for("response_url", hook="vote-UCAROL")
        voted = rows(bot.parley)[4]
        assert (voted["up"], voted["down"]) == (1, 1)
        assert bot.parley.status().feedback == {"up": 1, "down": 1}  # and in the feedback table, as before


def test_discord_commands_mentions_and_dms_are_logged_and_votes_counted(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("ask", {"question": ANSWERED}, user_id=ALICE)
            answer = (await fake.wait_for("POST", FOLLOWUP))[0].body
            down = answer["components"][0]["components"][1]["custom_id"]
            await fake.click(message_payload(answer), down, user_id=MALLORY)
            await fake.wait_for("POST", FOLLOWUP, count=2)
            await fake.post(f"<@{BOT_ID}> {UNCOVERED}", author=user_payload(ALICE, "alice"), mentions=(DISCORD_BOT,))
            await fake.wait_for("POST", MENTION_REPLY)
            await fake.direct_message(DM_QUESTION, author=user_payload(ALICE, "alice"))
            await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages")

    run(scenario())
    logged = rows(parley)
    assert [(r["text"], r["platform"], r["channel_kind"], r["answered"], r["down"]) for r in logged] == [
        (ANSWERED, "discord", "command", True, 1),
        (UNCOVERED, "discord", "channel", False, 0),
        (DM_QUESTION, "discord", "dm", True, 0)]
    assert logged[1]["reason"] in REASONS


def test_a_setting_stores_no_question_and_answers_go_on(settings):
    with running_bot(settings, store_questions=False) as bot:
        bot.client.event(event("Who headed the Russian delegation in Geneva?", "1700000200.000100", channel="D0DM",
                               channel_type="im"))
        post = bot.slack.wait_for("chat.postMessage", channel="D0DM")[0].args
        [actions] = [block for block in post["blocks"] if block["type"] == "actions"]
        assert post["text"].startswith("Here is what the sources say")
        assert not actions.get("block_id", "").startswith("parley_question:")
        assert rows(bot.parley) == []


def test_old_questions_are_pruned_when_one_is_logged_and_when_parley_starts(settings, database_url):
    settings = settings.model_copy(update={"database_url": database_url})
    parley = Parley(settings.model_copy(update={"keep_questions_days": 30}))
    reply = parley.ask(UNCOVERED)
    now = time.time()
    for days_ago in (45, 31, 29, 2):
        question_log.record(parley.state, f"asked {days_ago} days ago", reply, "slack", "dm", 30,
                            at=now - days_ago * question_log.DAY)
    # Each logged question prunes those older than 30 days before it: the 2-day-old one took the 45-day-old.
    assert [r["text"] for r in rows(parley)] == ["asked 31 days ago", "asked 29 days ago", "asked 2 days ago"]
    parley.log_question("asked now", reply, "slack", "dm")
    assert [r["text"] for r in rows(parley)] == ["asked 29 days ago", "asked 2 days ago", "asked now"]

    Parley(settings.model_copy(update={"keep_questions_days": 7}))  # a shorter setting applies at start
    assert [r["text"] for r in rows(parley)] == ["asked 2 days ago", "asked now"]


def test_a_report_never_shows_a_question_past_its_keeping_time(settings, database_url):
    parley = Parley(settings.model_copy(update={"database_url": database_url, "keep_questions_days": 3}))
    reply = parley.ask(UNCOVERED)
    now = time.time()
    for days_ago in (5, 1):  # logged by a process with a longer setting, which pruned nothing
        question_log.record(parley.state, f"asked {days_ago} days ago", reply, "slack", "dm", 30,
                            at=now - days_ago * question_log.DAY)
    report = build_report(parley, days=30, now=now)
    assert [group.text for group in report.questions.not_covered] == ["asked 1 days ago"]
    assert [r["text"] for r in rows(parley)] == ["asked 1 days ago"]


@pytest.mark.parametrize("question", ["", "  \u200b\u200b "])
def test_a_question_with_no_words_is_not_logged(parley, question):
    assert parley.log_question(question, parley.ask(question), "slack", "dm") is None
    assert rows(parley) == []


def test_questions_group_by_their_words_with_first_and_last_times(settings, database_url):
    parley = Parley(settings.model_copy(update={"database_url": database_url}))
    reply = parley.ask(UNCOVERED)
    for at, text in ((100.0, UNCOVERED), (200.0, "what is the BOILING point of mercury"), (300.0, "Other gap?")):
        question_log.record(parley.state, text, reply, "discord", "command", 1e9, at=at)
    stats = question_log.stats(parley.state, since=0)
    assert stats.asked == 3 and stats.answered == 0 and stats.by_platform == {"discord": 3}
    first = stats.not_covered[0]
    assert (first.text, first.times, first.first, first.last) == ("what is the BOILING point of mercury", 2, 100, 200)
    assert [group.text for group in stats.not_covered] == ["what is the BOILING point of mercury", "Other gap?"]
    assert first.closest == [{"title": q.title, "outlet": q.outlet, "url": q.url} for q in reply.closest][:5]

    twice = replace(reply, closest=[reply.closest[0], reply.closest[0]])  # two passages of one article
    question_log.record(parley.state, "Twice the same article?", twice, "slack", "dm", 1e9, at=400.0)
    [group] = [g for g in question_log.stats(parley.state, since=0).not_covered if g.text.startswith("Twice")]
    assert [headline["url"] for headline in group.closest] == [reply.closest[0].url]
