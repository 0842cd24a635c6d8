"""The Slack bot end to end: the real Bolt app served over HTTP on 127.0.0.1, requests signed as Slack
signs them, a fake Slack Web API recording what the bot sends, and a real index and model behind it.

Every request's acknowledgement time is collected and must stay under Slack's 3 seconds; the module
prints p50/p95 of acknowledgements and of full replies when it ends.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from filelock import FileLock
from pydantic import SecretStr
from slack_bots import bot_settings, serve_in_thread, stop_serving, texts
from slack_fake import APP_TOKEN, BOT_TOKEN, BOT_USER, SIGNING_SECRET, Call, Delivery, FakeSlack, SlackClient
from sqlalchemy import select

from bot import replies
from bot.service import Parley
from bot.slack.app import serve
from bot.slack.render import (
    MAX_BLOCKS,
    MAX_TEXT,
    MAX_VALUE,
    POST_SUMMARY,
    VOTE_DOWN,
    VOTE_UP,
    answer_message,
    feedback_value,
    message_for,
    quote_markup,
    summary_message,
)
from bot.slack.shared import question_text
from bot.state.db import feedback
from config.settings import Settings
from index.build import holder_path
from index.evaluation import percentile
from index.quotes import Quote
from tests.conftest import index_corpus

ROOT = Path(__file__).resolve().parent.parent
ACKS: list[float] = []
REPLIES: list[float] = []
CHANNEL = "C0TALKS"
GENEVA = "https://example.org/geneva-talks-open"
RYABKOV = ("Ryabkov told reporters that Moscow needed legally binding guarantees that NATO would stop expanding "
           "eastward.")


@pytest.fixture(scope="module", autouse=True)
def latency_report(request):
    """Print acknowledgement and full-reply latency over every request of this module."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter and ACKS:
        line = (f"slack latency: ack p50 {statistics.median(ACKS) * 1000:.0f} ms, "
                f"p95 {percentile(ACKS, 95) * 1000:.0f} ms (max {max(ACKS) * 1000:.0f} ms, n={len(ACKS)})")
        if REPLIES:
            line += (f"; full reply p50 {statistics.median(REPLIES) * 1000:.0f} ms, "
                     f"p95 {percentile(REPLIES, 95) * 1000:.0f} ms (n={len(REPLIES)})")
        with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)


@dataclass
class Bot:
    """A running bot: the fake Slack it talks to, a signed client for requests to it, its Parley."""

    slack: FakeSlack
    client: SlackClient
    parley: Parley
    base: str

    def replied(self, delivery: Delivery, call: Call) -> Call:
        """Record how long the full reply took after the request was sent."""
        REPLIES.append(call.at - delivery.sent)
        return call


@pytest.fixture
def fake_slack():
    fake = FakeSlack(workspace_admins=("UWSADMIN",))
    yield fake
    fake.close()


@pytest.fixture
def start_bot(fake_slack, settings):
    """Start the bot over HTTP with test credentials and any settings overrides; stops it afterwards."""
    started: list[tuple[Bot, object]] = []

    def start(**overrides) -> Bot:
        parley = Parley(bot_settings(settings, fake_slack, slack_admins="UADMIN", **overrides))
        server, base = serve_in_thread(parley)
        bot = Bot(fake_slack, SlackClient(base + "/slack/events"), parley, base)
        started.append((bot, server))
        return bot

    yield start
    for bot, server in started:
        stop_serving(bot.parley, server)
        for delivery in bot.client.deliveries:
            ACKS.append(delivery.seconds)
            assert delivery.seconds < 3.0, f"acknowledged after {delivery.seconds:.2f} s"


def mention(text: str, ts: str, user: str = "UALICE", **extra) -> dict:
    return {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": CHANNEL,
            "event_ts": ts, **extra}


def message(text: str, ts: str, user: str = "UALICE", channel: str = CHANNEL, channel_type: str = "channel",
            **extra) -> dict:
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel,
            "channel_type": channel_type, "event_ts": ts, **extra}


def assert_harmless(args: dict, urls: set[str]) -> None:
    """No mention, broadcast or link in any text except links to the articles in ``urls``."""
    for text in texts(args):
        assert len(text) <= MAX_TEXT
        for token in re.findall(r"<[^>]*>", text):
            match = re.fullmatch(r"<(https://[^|>]+)\|[^<>]+>", token)
            assert match and match.group(1).split("#")[0] in urls, f"unexpected Slack markup {token!r} in {text!r}"


def answers_settled(caplog, count: int, timeout: float = 30) -> None:
    """Wait until ``count`` deliveries were recognised as already answered (a positive signal)."""
    deadline = time.monotonic() + timeout
    while sum(r.getMessage() == "duplicate delivery ignored" for r in caplog.records) < count:
        assert time.monotonic() < deadline, "duplicates were not recognised"
        time.sleep(0.02)


# -- mentions, retries, threads and DMs --------------------------------------------------------

def test_a_mention_is_answered_once_in_its_thread_with_quotes_and_source_links(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.slack.events")
    bot = start_bot()
    ts = "1700000000.000100"
    event = mention("What guarantees did Ryabkov say Moscow needed?", ts)
    first = bot.client.event(event, event_id="Ev0MENTION")
    assert first.status == 200

    post = bot.replied(first, bot.slack.wait_for("chat.postMessage")[0])
    assert post.args["channel"] == CHANNEL and post.args["thread_ts"] == ts
    assert post.args["unfurl_links"] is False and post.args["unfurl_media"] is False
    shown = "\n".join(texts(post.args["blocks"]))
    assert f"*{RYABKOV}*" in shown
    assert re.search(rf"<{re.escape(GENEVA)}#:~:text=[^|>]+\|Example Wire · 10 Jan 2022 · Delegations open security "
                     "talks in Geneva>", shown)  # the link goes to the quoted sentence
    assert post.args["text"].startswith("Here is what the sources say")
    assert_harmless(post.args, {GENEVA, *(f"https://example.org/{slug}" for slug in (
        "nrc-meets", "osce-vienna", "kremlin-demands", "written-reply", "markets-oil", "baking"))})
    actions = [block for block in post.args["blocks"] if block["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [VOTE_UP, VOTE_DOWN]
    assert bot.slack.calls_to("reactions.add", channel=CHANNEL, timestamp=ts, name="eyes")
    assert bot.slack.wait_for("reactions.remove", channel=CHANNEL, timestamp=ts, name="eyes")

    # Slack's retry of that delivery, and the same message as a message.channels event: no reply.
    assert bot.client.event(event, event_id="Ev0MENTION", retry=1).status == 200
    assert bot.client.event({**mention("What guarantees did Ryabkov say Moscow needed?", ts), "type": "message",
                             "channel_type": "channel"}).status == 200
    answers_settled(caplog, 2)
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_follow_ups_in_answered_threads_are_answered_and_other_chatter_is_ignored(start_bot):
    bot = start_bot()
    root = "1700000001.000100"
    bot.client.event(mention("Who led the American team in Geneva?", root))
    bot.slack.wait_for("chat.postMessage", thread_ts=root)

    follow_up = bot.client.event(message("And who headed the Russian delegation?", "1700000001.000200",
                                         user="UBOB", thread_ts=root))
    bot.replied(follow_up, bot.slack.wait_for("chat.postMessage", count=2, thread_ts=root)[1])

    ignored = [
        message("Lunch anyone?", "1700000001.000300"),                                   # channel chatter
        message("Unrelated thread reply", "1700000001.000400", thread_ts="1600000000.000001"),
        message("Posted by a bot", "1700000001.000500", thread_ts=root, bot_id="BOTHER"),
        message("My own answer", "1700000001.000600", user=BOT_USER, thread_ts=root),
        message("", "1700000001.000700", subtype="message_changed", thread_ts=root,
                message={"text": "edited question?", "ts": "1700000001.000200"}),
        message("", "1700000001.000800", subtype="message_deleted", thread_ts=root),
        message("Edited in place", "1700000001.000900", thread_ts=root, edited={"user": "UBOB"}),
    ]
    for event in ignored:
        assert bot.client.event(event).status == 200
    # A DM afterwards is the marker: once it is answered, the ignored events above were handled.
    bot.client.event(message("What did Stoltenberg say?", "1700000001.001000", channel="D0DM", channel_type="im"))
    bot.slack.wait_for("chat.postMessage", channel="D0DM")
    time.sleep(0.3)
    posts = bot.slack.calls_to("chat.postMessage")
    assert [(p.args["channel"], p.args.get("thread_ts")) for p in posts] == [
        (CHANNEL, root), (CHANNEL, root), ("D0DM", None)]


def test_a_direct_message_is_answered_in_the_dm(start_bot):
    bot = start_bot()
    sent = bot.client.event(message("What did Stoltenberg say about alliances?", "1700000002.000100",
                                    channel="D0DM", channel_type="im"))
    post = bot.replied(sent, bot.slack.wait_for("chat.postMessage", channel="D0DM")[0])
    assert "thread_ts" not in post.args
    assert "<https://example.org/nrc-meets" in "\n".join(texts(post.args["blocks"]))


def test_a_mention_without_a_question_gets_help(start_bot):
    bot = start_bot()
    bot.client.event(mention("", "1700000003.000100"))
    post = bot.slack.wait_for("chat.postMessage")[0]
    assert post.args["text"] == replies.help_notice().text
    assert post.args["thread_ts"] == "1700000003.000100"


def test_requests_with_a_bad_signature_or_an_old_timestamp_get_401(start_bot):
    bot = start_bot()
    challenge = json.dumps({"type": "url_verification", "challenge": "c4llenge", "token": "unused"})
    verified = bot.client.post(challenge, "application/json")  # correctly signed: Bolt answers the challenge
    assert verified.status == 200 and json.loads(verified.body) == {"challenge": "c4llenge"}
    event = json.dumps({"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev0BAD",
                        "event": message("What did Russia demand?", "1700000004.000100", channel="D0DM",
                                         channel_type="im")})
    assert bot.client.post(event, "application/json", secret="not-the-secret").status == 401
    assert bot.client.post(event, "application/json", timestamp=int(time.time()) - 301).status == 401
    time.sleep(0.5)
    assert not bot.slack.calls_to("chat.postMessage")


def test_an_article_with_broadcasts_mentions_and_forged_links_comes_out_harmless(start_bot, hostile_settings):
    bot = start_bot(data_dir=hostile_settings.data_dir, sources=hostile_settings.sources)
    sent = bot.client.event(mention("When will the missile talks resume? <!channel> &amp; <@U999>", "1700000005.1"))
    post = bot.replied(sent, bot.slack.wait_for("chat.postMessage")[0])
    joined = "\n".join(texts(post.args))
    assert "*A spokesman said the missile talks would resume next month, according to" in joined
    assert "the missile proposal &amp; its verification rules." in joined
    assert "Missile talks" in joined and "&amp; next steps" in joined
    assert re.search(r"pressure stayed &lt; \d+ bar", joined)  # a bare "<" from an article, escaped
    assert_harmless(post.args, {MISSILES, PIPELINE, FILLER})
    assert all(block["text"]["verbatim"] for block in post.args["blocks"] if block["type"] == "section")


def test_a_very_long_passage_stays_within_slack_limits(start_bot, hostile_settings):
    bot = start_bot(data_dir=hostile_settings.data_dir, sources=hostile_settings.sources, top_k=20)
    bot.client.event(mention("Which valves did inspectors & engineers check on the Nordline fuel pipeline?",
                             "1700000006.1"))
    post = bot.slack.wait_for("chat.postMessage")[0]
    assert len(post.args["blocks"]) <= MAX_BLOCKS
    assert_harmless(post.args, {MISSILES, PIPELINE, FILLER})
    article = HOSTILE_ARTICLES[1]["text"]
    quotes = [b["text"]["text"] for b in post.args["blocks"] if b["type"] == "section"
              and b["text"]["text"].startswith("> ") and "Nordline" in b["text"]["text"]]
    assert quotes, "the pipeline article was not quoted"
    for quote in quotes:
        plain = re.sub(r"^> |\*", "", quote).replace("&lt;", "<").replace("&amp;", "&").strip("…")
        assert plain in article and plain.endswith(" bar.") and len(plain) < len(article)


def test_every_renderer_escapes_hostile_text_in_every_field():
    hostile = "<!channel> <!here> <@U123> <#C123> <http://evil.example|Reuters> & co"
    when = datetime(2022, 1, 20, tzinfo=UTC)
    quote = Quote(f"Officials spoke on Monday. They said {hostile}. Talks resume.", "https://example.org/a?x=1&y=<2>",
                  hostile, hostile, when, 1.0, highlight=(27, 27 + 9 + len(hostile) + 1), also=(hostile,))
    unlinked = Quote(hostile, "javascript:alert(1)", hostile, hostile, when, 1.0)
    messages = [
        answer_message(replies.AnswerReply(hostile, True, [quote, unlinked])),
        answer_message(replies.AnswerReply(hostile, False, [], [quote, unlinked])),
        summary_message(replies.SummaryReply(hostile, when, when, [quote], note=hostile), postable=True),
        message_for(replies.Notice("error", hostile)),
        message_for(replies.ReindexReply(hostile, 1.0, 3, [{"name": hostile, "new": 1, "changed": 0, "unchanged": 0,
                                                             "removed": 0, "passages_embedded": 3, "seconds": 1.0,
                                                             "failed": [{"item": hostile, "reason": hostile}]}],
                                         "v1")),
    ]
    for message in messages:
        payload = message.kwargs()
        assert_harmless(payload, {"https://example.org/a?x=1&amp;y=%3C2%3E"})
        escaped = ("&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C123&gt; "
                   "&lt;http://evil.example|Reuters&gt; &amp; co")
        assert escaped in "\n".join(texts(payload))


def test_quotes_and_messages_are_cut_to_fit_whatever_their_length():
    long_text = " ".join(f"Clause {n} of the draft treaty & its annex <{n}> binds both parties equally."
                         for n in range(400))
    focus = long_text.index("Clause 200 ")
    highlight = (focus, long_text.index(".", focus) + 1)
    quote = Quote(long_text, "https://example.org/treaty", "Draft treaty", "Example Wire",
                  datetime(2022, 1, 5, tzinfo=UTC), 1.0, highlight=highlight, passage_id=9)
    markup = quote_markup(quote)
    assert len(markup) <= MAX_TEXT
    assert "*Clause 200 of the draft treaty &amp; its annex &lt;200&gt; binds both parties equally.*" in markup
    assert markup.startswith("> …") and markup.endswith("equally.…")
    reply = replies.AnswerReply("x" * 500 + " & <!channel>", True, [quote] * 40)
    payload = answer_message(reply).kwargs()  # slack_sdk validates every block's limits here
    assert len(payload["blocks"]) <= MAX_BLOCKS
    assert all(len(text) <= MAX_TEXT for text in texts(payload))
    wide = replies.AnswerReply("q" * 500, True, [Quote("t", "https://example.org/" + "u" * 500, "t", "o", None, 1.0,
                                                       passage_id=n) for n in range(20)])
    assert len(feedback_value(wide)) <= MAX_VALUE


def test_question_text_undoes_slack_markup():
    text = "<@UBOT> what did <@U123|alice> say about <https://x.example/a|this> &amp; &lt;that&gt;?"
    assert question_text(text, "UBOT") == "what did alice say about this & <that>?"


# -- slash commands and buttons ------------------------------------------------------------------

def test_ask_answers_through_its_response_url_and_votes_are_stored_once(start_bot):
    bot = start_bot()
    sent = bot.client.command("/ask", "What guarantees did Ryabkov say Moscow needed?", "UALICE",
                              bot.slack.response_url("ask"))
    assert sent.status == 200
    response = bot.replied(sent, bot.slack.wait_for("response_url", hook="ask")[0])
    assert response.args["response_type"] == "in_channel"
    assert f"*{RYABKOV}*" in "\n".join(texts(response.args["blocks"]))
    buttons = {e["action_id"]: e["value"] for b in response.args["blocks"] if b["type"] == "actions"
               for e in b["elements"]}

    for user, action in (("UALICE", VOTE_UP), ("UALICE", VOTE_UP), ("UBOB", VOTE_DOWN)):
        bot.client.click(action, buttons[action], user, bot.slack.response_url(f"vote-{user}"))
    bot.slack.wait_for("response_url", hook="vote-UALICE", count=2)
    bot.slack.wait_for("response_url", hook="vote-UBOB")
    assert bot.parley.status().feedback == {"up": 1, "down": 1}
    with bot.parley.state.connect() as db:
        question, quotes = db.execute(select(feedback.c.question, feedback.c.quotes).where(feedback.c.vote == 1)).one()
    assert question == "What guarantees did Ryabkov say Moscow needed?"
    assert GENEVA in [quote["url"] for quote in json.loads(quotes)]


def test_acknowledgements_stay_prompt_while_many_answers_are_being_prepared(start_bot):
    bot = start_bot()
    with ThreadPoolExecutor(16) as pool:
        mentions = [pool.submit(bot.client.event, mention(f"What did Russia demand? ({n})", f"1700000009.{n:06d}",
                                                          user=f"UBURST{n}")) for n in range(10)]
        time.sleep(0.3)  # the answers above now occupy the workers
        commands = [pool.submit(bot.client.command, "/ask", "Who led the American team?", f"UASK{n}",
                                bot.slack.response_url(f"burst-{n}")) for n in range(5)]
        deliveries = [future.result() for future in mentions + commands]
    assert all(delivery.status == 200 for delivery in deliveries)
    assert max(delivery.seconds for delivery in deliveries) < 3.0
    bot.slack.wait_for("chat.postMessage", count=10, timeout=180)
    for n in range(5):
        bot.replied(commands[n].result(), bot.slack.wait_for("response_url", hook=f"burst-{n}", timeout=180)[0])


def test_the_rate_limit_answers_the_excess_with_a_notice(start_bot):
    bot = start_bot(rate_limit_per_minute=2)
    for n in range(3):
        sent = bot.client.command("/ask", f"What did Stoltenberg say? ({n})", "UALICE", bot.slack.response_url(f"a{n}"))
        bot.replied(sent, bot.slack.wait_for("response_url", hook=f"a{n}")[0])
    bot.client.command("/ask", "What did Stoltenberg say?", "UBOB", bot.slack.response_url("bob"))
    answers = [bot.slack.wait_for("response_url", hook=hook)[0].args for hook in ("a0", "a1", "a2", "bob")]
    assert [a["response_type"] for a in answers] == ["in_channel", "in_channel", "ephemeral", "in_channel"]
    assert answers[2]["text"].startswith("You've asked 2 questions in the last minute.")


def test_status_shows_sources_and_index(start_bot):
    bot = start_bot()
    bot.client.command("/talks-status", "", "UALICE", bot.slack.response_url("status"))
    response = bot.slack.wait_for("response_url", hook="status")[0]
    assert response.args["response_type"] == "ephemeral"
    shown = "\n".join(texts(response.args["blocks"]))
    assert "• *wire* (folder): 7 articles" in shown and "Feedback: 0 👍 · 0 👎" in shown


def test_reindex_is_refused_to_non_admins_and_reported_to_admins(start_bot):
    bot = start_bot()
    before = bot.parley.store.last_run()
    bot.client.command("/talks-reindex", "", "UBOB", bot.slack.response_url("bob"))
    refusal = bot.slack.wait_for("response_url", hook="bob")[0]
    assert refusal.args["response_type"] == "ephemeral"
    assert refusal.args["text"] == replies.not_admin_notice().text
    assert bot.parley.store.last_run() == before

    bot.client.command("/talks-reindex", "", "UADMIN", bot.slack.response_url("admin"))
    started = bot.slack.wait_for("response_url", hook="admin")[0]
    assert started.args["response_type"] == "ephemeral"
    assert started.args["text"] == replies.reindex_started_notice().text
    report = bot.slack.wait_for("chat.postMessage", channel="UADMIN", timeout=120)[0]
    shown = "\n".join(texts(report.args["blocks"]))
    assert "*Reindex finished* (started by @uadmin (UADMIN) on Slack)" in shown
    assert "• *wire*: 0 new · 0 changed · 7 unchanged · 0 removed · 0 failed" in shown
    assert bot.parley.store.last_run()["started_by"] == "@uadmin (UADMIN) on Slack"


def test_a_second_reindex_while_one_runs_says_who_started_it(start_bot):
    bot = start_bot()
    data_dir = bot.parley.settings.data_dir
    with FileLock(data_dir / "reindex.lock"):
        holder_path(data_dir).write_text(json.dumps({"by": "@carol (UCAROL) on Slack",
                                                     "since": "2022-01-20T10:00:00+00:00"}))
        bot.client.command("/talks-reindex", "", "UADMIN", bot.slack.response_url("busy"))
        busy = bot.slack.wait_for("response_url", hook="busy")[0]
    assert busy.args["text"] == ("A reindex is already running: started by @carol (UCAROL) on Slack at "
                                 "2022-01-20T10:00:00+00:00.")


def test_workspace_admins_may_reindex_when_enabled(start_bot):
    bot = start_bot(slack_workspace_admins=True)
    bot.client.command("/talks-reindex", "", "UCAROL", bot.slack.response_url("carol"))
    assert bot.slack.wait_for("response_url", hook="carol")[0].args["text"] == replies.not_admin_notice().text
    bot.client.command("/talks-reindex", "", "UWSADMIN", bot.slack.response_url("owner"))
    assert bot.slack.wait_for("response_url", hook="owner")[0].args["text"] == replies.reindex_started_notice().text
    assert [c.args["user"] for c in bot.slack.calls_to("users.info")] == ["UCAROL", "UWSADMIN"]
    bot.slack.wait_for("chat.postMessage", channel="UWSADMIN", timeout=120)


def test_latest_summary_is_shown_privately_and_posted_on_request(start_bot):
    bot = start_bot()
    bot.client.command("/talks-latest", "3d", "UALICE", bot.slack.response_url("latest"))
    shown = bot.slack.wait_for("response_url", hook="latest")[0].args
    assert shown["response_type"] == "ephemeral"
    button = next(e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == POST_SUMMARY
    quotes = [b for b in shown["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("> ")]
    assert quotes

    bot.client.click(POST_SUMMARY, button["value"], "UALICE", bot.slack.response_url("post"))
    posted = bot.slack.wait_for("response_url", hook="post")[0].args
    assert posted["response_type"] == "in_channel" and posted["replace_original"] is False
    assert [b for b in posted["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("> ")] == quotes
    assert not [b for b in posted["blocks"] if b["type"] == "actions"]

    bot.client.command("/talks-latest", "last tuesday", "UALICE", bot.slack.response_url("bad"))
    bad = bot.slack.wait_for("response_url", hook="bad")[0].args
    assert bad["response_type"] == "ephemeral" and bad["text"].startswith("I can't read “last tuesday”")


# -- serving -------------------------------------------------------------------------------------

def test_healthz_reports_the_index(start_bot):
    bot = start_bot()
    with urllib.request.urlopen(bot.base + "/healthz", timeout=5) as response:
        health = json.loads(response.read())
    assert response.status == 200
    assert health["index_version"] == bot.parley.status().version and health["passages"] > 0


@pytest.mark.parametrize(("http", "changes", "expected"), [
    (True, {"slack_bot_token": None}, "SLACK_BOT_TOKEN is not set"),
    (True, {"slack_bot_token": SecretStr("xoxb-wrong")}, "Slack refused SLACK_BOT_TOKEN: it is wrong or was revoked"),
    (True, {"slack_signing_secret": None}, "SLACK_SIGNING_SECRET is not set"),
    (False, {"slack_app_token": None}, "SLACK_APP_TOKEN is not set"),
    (False, {"slack_app_token": SecretStr("xapp-wrong")}, "Slack refused SLACK_APP_TOKEN: it is wrong or was revoked"),
])
def test_a_missing_or_wrong_credential_is_one_clear_line(fake_slack, settings, capsys, http, changes, expected):
    configured = settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_app_token": SecretStr(APP_TOKEN), "slack_api_url": fake_slack.api_url, **changes})
    assert serve(Parley(configured), http=http, port=0) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("{")]  # not JSON logs
    assert len(lines) == 1 and lines[0].startswith(f"parley: {expected}")


def test_the_manifest_declares_every_command_event_and_scope_the_bot_uses():
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((ROOT / "config" / "slack-manifest.yml").read_text())
    defaults = {field.default for name, field in Settings.model_fields.items()
                if name.startswith("slack_") and name.endswith("_command")}
    assert {command["command"] for command in manifest["features"]["slash_commands"]} == defaults
    assert {"app_mention", "message.channels", "message.groups", "message.im"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands",
            "reactions:write", "users:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["is_enabled"] and manifest["features"]["app_home"][
        "messages_tab_enabled"]


# -- a corpus with hostile and very long articles, written for these tests ---------------------

MISSILES = "https://example.org/missile-talks"
PIPELINE = "https://example.org/pipeline-inspection"
FILLER = "https://example.org/grain-harvest"
HOSTILE_ARTICLES = [
    {"url": MISSILES, "title": "Missile talks <!here> & next steps", "outlet": "Wire <@U777>",
     "published": "2022-01-20", "text": (
         "Negotiators met in Vienna on Tuesday to discuss intermediate-range missiles. <!channel> A "
         "spokesman said the missile talks would resume next month, according to "
         "<http://evil.example|Reuters>. Officials from <@U123> declined to comment on the missile "
         "proposal & its verification rules.")},
    {"url": PIPELINE, "title": "Pipeline inspection report", "outlet": "Energy Desk",
     "published": "2022-01-21", "text": " ".join(
         f"Inspectors & engineers checked valve {n} of the Nordline fuel pipeline on day {n}, where the "
         f"pressure stayed < {n + 40} bar." for n in range(1, 80))},
    {"url": FILLER, "title": "Grain harvest estimate", "outlet": "Farm Weekly",
     "published": "2022-01-19", "text": "The wheat harvest is expected to be larger than last year. "
                                        "Farmers reported good weather in the spring."},
]


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory, embedder) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    index_corpus(folder, HOSTILE_ARTICLES)
    return folder


@pytest.fixture
def hostile_settings(hostile_index, tmp_path, settings):
    data_dir = tmp_path / "hostile-data"
    shutil.copytree(hostile_index / "data", data_dir)
    return settings.model_copy(update={"data_dir": data_dir, "sources": hostile_index / "sources.toml"})
