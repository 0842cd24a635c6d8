"""Slack's App Home through the real Bolt app: opening the tab publishes (``views.publish``, received by
the fake Slack Web API) how to ask and the user's own watches and digests, and for an admin the report;
Block Kit within Slack's limits, everything from users and articles escaped."""

from __future__ import annotations

import re
import time

from slack_bots import running_bot, texts
from slack_fake import BOT_USER, TEAM
from slack_sdk.models.views import View
from sqlalchemy import insert

from bot.report import build_report
from bot.service import Parley
from bot.slack.home import MAX_LISTED, MAX_VIEW_BLOCKS, home_view
from bot.slack.render import MAX_TEXT
from bot.state import questions as question_log
from bot.state.db import digests, watches

HOSTILE = "What did <!channel> say about *mercury* & <@U777>?"
ARTICLE_URLS = {f"https://example.org/{slug}" for slug in (
    "geneva-talks-open", "nrc-meets", "osce-vienna", "kremlin-demands", "written-reply", "markets-oil", "baking")}


def assert_harmless(view: dict) -> None:
    """No mention or broadcast: the only Slack markup is article links and channel links."""
    for text in texts(view):
        assert len(text) <= MAX_TEXT
        for token in re.findall(r"<[^>]*>", text):
            link = re.fullmatch(r"<(https://[^|>]+)\|[^<>]+>", token)
            assert (link and link.group(1) in ARTICLE_URLS) or re.fullmatch(r"<#C[A-Z0-9]+>", token), token


def watch(parley: Parley, user: str, channel: str, question: str, team: str = TEAM) -> None:
    with parley.state.begin() as db:
        db.execute(insert(watches).values(platform="slack", team=team, channel=channel, question=question,
                                          created_by=user, created_at=time.time(), active=True))


def open_home(bot, user: str) -> dict:
    bot.client.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                      "event_ts": f"{time.time():.6f}"})
    return bot.slack.wait_for("views.publish", user_id=user)[0].args["view"]


def test_the_home_tab_shows_askers_their_watches_and_admins_the_report(settings):
    with running_bot(settings) as bot:
        slack_text = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # as Slack sends it
        bot.client.event({"type": "message", "user": "UBOB", "text": slack_text, "ts": "1700000300.000100",
                          "channel": "D0DM", "channel_type": "im", "event_ts": "1700000300.000100"})
        bot.slack.wait_for("chat.postMessage", channel="D0DM")
        watch(bot.parley, "UALICE", "C0TALKS", "What did Russia say about the <written> responses?")
        watch(bot.parley, "UBOB", "C0OTHER", "Bob's own watch")
        watch(bot.parley, "UALICE", "C0ELSE", "Set in another workspace", team="T0OTHER")
        with bot.parley.state.begin() as db:
            db.execute(insert(digests).values(platform="slack", channel="C0TALKS", team=TEAM, cadence="weekly",
                                              weekday=0, at="08:00", timezone="Europe/Berlin", created_by="UALICE"))

        asker = open_home(bot, "UALICE")
        shown = "\n".join(texts(asker))
        assert asker["type"] == "home"
        assert "`/ask your question`" in shown and "*direct message*" in shown
        assert "<#C0TALKS>: “What did Russia say about the &lt;written&gt; responses?”" in shown
        assert "Bob's own watch" not in shown and "another workspace" not in shown
        assert "<#C0TALKS>: weekly on Mon at 08:00 Europe/Berlin" in shown
        assert "Admin report" not in shown and "mercury" not in shown
        assert_harmless(asker)

        admin = open_home(bot, "UADMIN")
        shown = "\n".join(texts(admin))
        assert "Admin report" in shown and "You watch no question. `/talks-watch QUESTION`" in shown
        assert "You set no digest. `/talks-digest daily 08:00`" in shown
        assert "• *wire* (folder): 7 articles" in shown
        assert "Questions in the last 7 days:* 1 asked, 0 answered (slack 1)" in shown
        assert "“What did &lt;!channel&gt; say about *mercury* &amp; &lt;@U777&gt;?” — asked 1×" in shown
        [question] = [block for block in admin["blocks"] if "mercury" in str(block)]
        assert question["text"]["type"] == "plain_text"  # its asterisks are shown, not read as bold
        assert_harmless(admin)
        assert len(admin["blocks"]) <= MAX_VIEW_BLOCKS


def test_workspace_admins_see_the_report_when_enabled(settings):
    with running_bot(settings, slack_admins="", slack_workspace_admins=True) as bot:
        bot.slack.workspace_admins.add("UWSADMIN")
        assert "Admin report" in "\n".join(texts(open_home(bot, "UWSADMIN")))
        assert "Admin report" not in "\n".join(texts(open_home(bot, "UALICE")))


def test_the_messages_tab_publishes_nothing(settings):
    with running_bot(settings) as bot:
        bot.client.event({"type": "app_home_opened", "user": "UCAROL", "channel": "D0HOME", "tab": "messages",
                          "event_ts": "1700000400.000100"})
        open_home(bot, "UDAVE")
        assert not bot.slack.calls_to("views.publish", user_id="UCAROL")


def test_long_lists_end_with_and_n_more_within_slack_limits(parley):
    reply = parley.ask("What is the boiling point of mercury?")
    for n in range(MAX_LISTED + 15):
        watch(parley, "UADMIN", "C0TALKS", f"Watched question number {n} " + "x" * 400)
    for n in range(MAX_LISTED + 30):
        question_log.record(parley.state, f"Uncovered question {n} <@U{n}> " + "long " * 600, reply, "slack", "dm",
                            30)
    view = home_view(parley, "T0TEST", "UADMIN", build_report(parley))
    payload = view.to_dict()  # slack_sdk validates the view: at most 100 blocks
    assert isinstance(view, View) and len(payload["blocks"]) <= MAX_VIEW_BLOCKS
    shown = "\n".join(texts(payload))
    assert "… and 15 more" in shown and "… and 30 more" in shown
    assert all(len(text) <= MAX_TEXT for text in texts(payload))
    assert f"<@{BOT_USER}>" not in shown and "<@U1>" not in shown
