"""Hostile questions and article text on screen (issue 16): what a reader sees is what the words say.

A lone surrogate or zero-width characters in a question, invisible bidi controls and mrkdwn markers in
an article, and article URLs that Slack or Discord would misread or refuse, through the real CLI, the
real Bolt app on a fake Slack, the real discord.py client on a fake Discord, and the real renderers.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from slack_bots import RunningBot, running_bot
from slack_fake import BOT_USER

from bot import console, replies
from bot.cli import main
from bot.discord import render as discord_render
from bot.service import Parley
from bot.slack import render as slack_render
from bot.slack.render import answer_message, message_for, summary_message
from config import load_settings
from index.quotes import Quote
from tests.conftest import index_corpus
from tests.discord_fakes import WELL_FORMED_URL
from tests.test_discord import FOLLOWUP, discord_bot, run

HELP = replies.help_notice().text
GENEVA_QUESTION = "Who headed the Russian delegation in Geneva?"
# Right-to-left override, pop, left-to-right isolate, pop isolate, zero-width space and joiner, BOM, bell.
INVISIBLE = "\u202e\u202c\u2066\u2069\u200b\u200d\ufeff\x07"
FORMATTED = "*bold* _it_ ~s~ `code`"
REVIEW_URL = "https://example.org/pipeline review"
REVIEW_LINK = "https://example.org/pipeline%20review"
REVIEW_TEXT = (f"The envoys met in Vienna on Monday. The inspectors said the {FORMATTED} pipeline review "
               "would resume in March. Further talks are planned for the spring.")


def hidden(text: str) -> set[str]:
    """The characters of ``text`` a reader can't see but a screen acts on (newline and tab are fine)."""
    return {char for char in text if unicodedata.category(char) in {"Cc", "Cf", "Cs"} and char not in "\n\t"}


def strings(value: object) -> list[str]:
    """Every string anywhere in a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings(item)]
    return []


def text_objects(value: object) -> list[dict]:
    """Every Block Kit text object (``{"type": "mrkdwn" | "plain_text", "text": …}``) in a payload."""
    if isinstance(value, dict):
        found = [value] if value.get("type") in {"mrkdwn", "plain_text"} and "text" in value else []
        return found + [obj for item in value.values() for obj in text_objects(item)]
    if isinstance(value, list):
        return [obj for item in value for obj in text_objects(item)]
    return []


# -- questions (item 14) -------------------------------------------------------------------------------


def test_a_questions_file_with_a_lone_surrogate_or_only_invisibles_is_answered_to_the_end(settings, monkeypatch,
                                                                                          capsys, tmp_path):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(settings.sources))
    asked = {"before": "How long did the NATO-Russia Council meet?", "surrogate": "\ud800 x",
             "zero-width": "\u200b\u200c\u200d\ufeff\u2060", "controls": "\x00\x07 ?", "null": None,
             "split": "Who headed the Russian\udfff delegation in Geneva?", "after": "\u202e" + GENEVA_QUESTION}
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": key, "question": text}) + "\n" for key, text in asked.items()))

    assert main(["ask", "--questions", str(questions), "--json"]) == 0
    lines = {line["id"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}

    assert list(lines) == list(asked)
    for key in ("surrogate", "zero-width", "controls", "null"):
        assert lines[key]["answered"] is False and lines[key]["message"] == HELP, lines[key]
    assert any("four hours" in quote["text"] for quote in lines["before"]["quotes"])
    for key in ("split", "after"):
        assert lines[key]["answered"] is True and "Ryabkov" in lines[key]["quotes"][0]["text"]


def test_invisible_characters_are_dropped_before_a_question_is_searched_or_echoed(parley):
    reply = parley.ask(f"\u202eWho headed\u200b the Russian {INVISIBLE}delegation in Geneva?\u2069")
    assert isinstance(reply, replies.AnswerReply) and reply.answered
    assert reply.question == GENEVA_QUESTION
    assert "Ryabkov" in reply.quotes[0].text
    for nothing in ("\ufeff\u200b", "\ud800", "\u2066 ? \u2069", "\x1b[J", "x\ud800"):
        assert parley.ask(nothing) == replies.help_notice(), repr(nothing)


# -- article text on screen (item 15) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory, embedder) -> Path:
    """An index of one article that holds mrkdwn markers, invisible controls and a URL with a space."""
    folder = tmp_path_factory.mktemp("hostile-text")
    index_corpus(folder, [
        {"url": REVIEW_URL, "title": f"Pipeline *review* _today_\u202e{INVISIBLE}", "outlet": "Prank `Post`",
         "published": "2022-01-14", "text": REVIEW_TEXT},
        {"url": "https://example.org/grain", "title": "Grain harvest estimate", "outlet": "Farm Weekly",
         "published": "2022-01-12", "text": "The wheat harvest is expected to be larger than last year. "
                                            "Farmers reported good weather in the spring."},
    ])
    return folder


@pytest.fixture
def hostile_parley(hostile_data, tmp_path) -> Parley:
    return Parley(load_settings(data_dir=hostile_data / "data", sources=hostile_data / "sources.toml"))


@pytest.fixture
def slack_bot(hostile_parley) -> Iterator[RunningBot]:
    """The real Bolt app over HTTP on 127.0.0.1, answering from the hostile index, posting to a fake Slack."""
    with running_bot(hostile_parley.settings) as bot:
        yield bot


def test_slack_shows_article_text_literally_without_invisible_controls(slack_bot):
    question = "When will the \u202epipeline review\u202c resume?"
    slack_bot.client.event({"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER}> {question}",
                            "ts": "1700000100.1", "channel": "C0TALKS", "event_ts": "1700000100.1"})
    post = slack_bot.slack.wait_for("chat.postMessage")[0].args

    assert not set().union(*map(hidden, strings(post))), "an invisible control reached Slack"
    objects = text_objects(post["blocks"])
    mrkdwn = "\n".join(obj["text"] for obj in objects if obj["type"] == "mrkdwn")
    for marked in ("*bold*", "_it_", "~s~", "`code`", "*review*", "_today_", "`Post`"):
        assert marked not in mrkdwn, f"{marked} would render as formatting"
    plain = [obj for obj in objects if obj["type"] == "plain_text" and "pipeline review" in obj["text"]]
    assert plain and all(obj["emoji"] is False for obj in plain)
    assert f"the {FORMATTED} pipeline review would resume in March." in plain[0]["text"]
    assert "Pipeline *review* _today_" in "\n".join(obj["text"] for obj in objects if obj["type"] == "plain_text")
    assert f"<{REVIEW_LINK}#:~:text=" in mrkdwn and "|example.org>" in mrkdwn  # to the quoted sentence
    assert "When will the pipeline review resume?" in mrkdwn + post["text"]


def test_discord_accepts_the_answer_and_shows_it_literally_without_invisible_controls(hostile_parley,
                                                                                      monkeypatch):
    async def scenario():
        async with discord_bot(hostile_parley, monkeypatch) as fake:
            await fake.command("ask", {"question": "When will the \u202epipeline review resume?"}, user_id=1)
            return (await fake.wait_for("POST", FOLLOWUP))[0]

    followup = run(scenario())
    assert followup.status == 200, "Discord refused the answer"
    assert not set().union(*map(hidden, strings(followup.body))), "an invisible control reached Discord"
    embed = followup.body["embeds"][0]
    assert embed["url"].startswith(REVIEW_LINK + "#:~:text=")
    assert embed["title"] == "Pipeline \\*review\\* \\_today\\_"
    assert "\\*bold\\* \\_it\\_ \\~s\\~ \\`code\\`" in embed["description"]
    assert "When will the pipeline review resume?" in followup.body["content"]


def test_invisible_controls_in_any_quote_field_never_reach_a_screen():
    """An index built before articles were cleaned still holds them: every renderer drops them."""
    text = f"Officials spoke on Monday.{INVISIBLE} They said the talks\u202e would resume. Nothing else."
    start = text.index("They")
    highlight = (start, text.index("resume.") + len("resume."))
    quote = Quote(text, "https://example.org/a", f"Talks\u202e{INVISIBLE} resume", f"Wire\ufeff{INVISIBLE}",
                  datetime(2022, 1, 20, tzinfo=UTC), 1.0, highlight=highlight, also=(f"Other\u200f{INVISIBLE}",))
    question = f"When\u2066 will the talks resume?{INVISIBLE}"
    answered = replies.AnswerReply(question, True, [quote])
    shown: list[str] = []
    for reply in (answered, replies.AnswerReply(question, False, [], [quote]),
                  replies.SummaryReply(f"talks{INVISIBLE}", quote.published, quote.published, [quote]),
                  replies.Notice("error", f"I can't read “{INVISIBLE}”.")):
        payload = message_for(reply).kwargs()
        shown += [payload["text"], *(obj["text"] for obj in text_objects(payload["blocks"]))]  # not button data
        rendered = discord_render.render(reply)
        shown += [rendered.content, *strings([embed.to_dict() for embed in rendered.embeds])]
        terminal = Console(file=io.StringIO(), width=200, color_system=None, legacy_windows=False)
        console.render(terminal, reply)
        shown.append(terminal.file.getvalue())
    assert not set().union(*map(hidden, shown)), "an invisible control reached a screen"

    slack = json.dumps(answer_message(answered).kwargs(), ensure_ascii=False)
    assert "*They said the talks would resume.*" in slack
    discord = discord_render.render(answered).embeds[0].description
    assert "**They said the talks would resume.**" in discord
    assert "They said the talks would resume." in console.quote_markup(quote)


def test_a_summary_bullet_with_mrkdwn_markers_is_plain_text_in_slack():
    quote = Quote(REVIEW_TEXT, REVIEW_URL, "Pipeline *review*", "Wire", datetime(2022, 1, 14, tzinfo=UTC), 1.0,
                  highlight=(36, 120))
    payload = summary_message(replies.SummaryReply("talks", quote.published, quote.published, [quote]),
                              postable=True).kwargs()
    objects = text_objects(payload["blocks"])
    assert not any(marker in obj["text"] for obj in objects if obj["type"] == "mrkdwn"
                   for marker in ("*bold*", "_it_", "*review*"))
    assert any(FORMATTED in obj["text"] for obj in objects if obj["type"] == "plain_text")


# -- article URLs as link targets (item 16) ------------------------------------------------------------


@pytest.mark.parametrize(("url", "link"), [
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/wrapped-\nline", "https://example.org/wrapped-line"),  # as browsers read it
    ("  https://example.org/a  ", "https://example.org/a"),
    ("https://example.org/x|y>z<w", "https://example.org/x%7Cy%3Ez%3Cw"),
    ("https://example.org/caf\u00e9?q=a&b=\"c\"", "https://example.org/caf%C3%A9?q=a&b=%22c%22"),
    ("https://example.org/100%", "https://example.org/100%25"),
    ("https://example.org/already%20encoded", "https://example.org/already%20encoded"),
    ("http://example.org:8080/a", "http://example.org:8080/a"),
    ("https://reuters.com@evil.example/", None),
    ("https://exa mple.org/", None),
    ("https://example.org/\u202etxt.exe", None),
    ("https://example.org/a\x00b", None),
    ("https://example.org:port/", None),
    ("javascript:alert(1)", None),
    ("ftp://example.org/file", None),
    ("https:///nohost", None),
])
def test_article_urls_become_links_only_in_a_form_slack_and_discord_accept(url, link):
    quote = Quote("The talks resumed.", url, "Talks resume", "Wire", None, 1.0)
    link = link and link + "#:~:text=The%20talks%20resumed"  # a quote's link goes to its sentence
    embed = discord_render.render(replies.AnswerReply("When?", True, [quote])).embeds[0]
    assert embed.url == link
    assert link is None or WELL_FORMED_URL.fullmatch(link)
    blocks = answer_message(replies.AnswerReply("When?", True, [quote])).kwargs()["blocks"]
    slack = "".join(obj["text"] for obj in text_objects([block for block in blocks if block["type"] == "context"]))
    if link is None:
        assert "<" not in slack
    else:
        assert slack.startswith(f"<{link.replace('&', '&amp;')}|") and slack.count("|") == 1
        assert slack.count("<") == slack.count(">") == 1


def test_a_reindex_report_with_thousands_of_failures_shows_their_count_everywhere():
    listed = [{"item": f"news.jsonl:{n}", "reason": "not valid JSON"} for n in range(20)]
    source = {"name": "news", "new": 1, "changed": 0, "unchanged": 0, "removed": 0, "failed": listed,
              "failed_count": 103_615, "passages_embedded": 3, "seconds": 1.0}
    report = replies.ReindexReply("cli", 1.0, 3, [source], "1")
    shown_in_slack = json.dumps(slack_render.reindex_message(report).kwargs(), default=lambda b: b.to_dict(),
                                ensure_ascii=False)
    assert "103,615 failed" in shown_in_slack and "… and 103,605 more" in shown_in_slack
    shown_in_discord = discord_render.render_reindex(report).embeds[0].description
    assert "103,615 failed" in shown_in_discord and "… and 103,605 more" in shown_in_discord
