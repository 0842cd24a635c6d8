"""``parley report``: the sources with their failures, and the questions the sources did not serve, on a
small corpus written for these tests and questions asked of the real index."""

from __future__ import annotations

import json
import shutil
import time
from io import StringIO

import pytest
from rich.console import Console

from bot import cli
from bot.cli import main
from bot.service import Parley
from bot.state import questions as question_log
from config import load_settings
from index.quotes import REASONS
from tests.conftest import index_corpus

VIENNA = "https://example.org/envoys-vienna"
ARTICLES = [
    {"url": VIENNA, "title": "Envoys agree to meet again in Vienna", "outlet": "Test Wire", "published": "2022-01-14",
     "text": "Negotiators from both delegations agreed on Friday to meet again in Vienna next month. The envoys "
             "said the talks on missile deployments had been useful but difficult."},
    {"url": "https://example.org/ministers-call", "title": "Foreign ministers speak by phone", "outlet": "Test Wire",
     "published": "2022-01-16", "text": "The two foreign ministers spoke by phone on Sunday about troop movements "
                                        "near the border. Both sides said they wanted to avoid an escalation."},
    {"url": "https://example.org/sanctions", "title": "Sanctions package prepared", "outlet": "Daily Ledger",
     "published": "2022-01-18", "text": "European officials prepared a package of sanctions to be used if the talks "
                                        "failed. The package targets banks and energy exports."},
    {"url": "https://example.org/empty", "title": "A page with no article", "outlet": "Daily Ledger",
     "published": "2022-01-19"},  # no text: the reindex skips it and the report lists the failure
]
UNCOVERED = "What is the boiling point of mercury?"
ANSWERED = "Where will the negotiators meet again?"


@pytest.fixture(scope="module")
def report_corpus(tmp_path_factory, embedder):
    return index_corpus(tmp_path_factory.mktemp("report"), ARTICLES).parent


@pytest.fixture
def asked(report_corpus, tmp_path, monkeypatch):
    """A copy of the index with questions logged as the chats log them: two askings of an uncovered
    question, an answer voted 👎, and an uncovered question from ten days ago."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(report_corpus / "data", tmp_path / "data")
    settings = load_settings(data_dir=tmp_path / "data", sources=report_corpus / "sources.toml")
    monkeypatch.setenv("PARLEY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(settings.sources))
    parley = Parley(settings)
    uncovered = parley.ask(UNCOVERED)
    parley.log_question(UNCOVERED, uncovered, "slack", "channel")
    parley.log_question("what is the boiling point of MERCURY", parley.ask("what is the boiling point of MERCURY"),
                        "discord", "command")
    answered = parley.ask(ANSWERED)
    question_id = parley.log_question(ANSWERED, answered, "slack", "dm")
    parley.record_feedback("slack", "UALICE", answered, -1, question_id)
    question_log.record(parley.state, "Who chairs the OSCE in 2030?", uncovered, "slack", "dm", 30,
                        at=time.time() - 10 * question_log.DAY)
    return parley, uncovered, answered


def test_report_json_lists_sources_failures_and_the_questions_not_served(asked, capsys):
    parley, uncovered, answered = asked
    assert not uncovered.answered and uncovered.closest and answered.answered  # what the report will show
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)

    [news] = report["sources"]
    assert (news["name"], news["articles"], news["failed"], news["last_status"]) == ("news", 3, 1, "partial")
    assert news["failures"][0]["reason"].startswith("no text")
    assert news["passages"] == parley.store.source_rows()[0]["passages"] > 0
    assert report["last_run"]["status"] == "ok" and report["index"]["articles"] == 3

    stats = report["questions"]
    assert (stats["asked"], stats["answered"], stats["by_platform"]) == (3, 1, {"discord": 1, "slack": 2})
    [gap] = stats["not_covered"]  # both askings in one group; the one from ten days ago is outside the week
    assert gap["text"] == "what is the boiling point of MERCURY" and gap["times"] == 2
    assert gap["first"] <= gap["last"] and set(gap["reasons"]) <= set(REASONS)
    assert [h["title"] for h in gap["closest"]] == [q.title for q in uncovered.closest][:5]
    [disliked] = stats["voted_down"]
    assert (disliked["text"], disliked["down"], disliked["times"]) == (ANSWERED, 1, 1)
    assert disliked["closest"][0]["url"] == VIENNA == answered.quotes[0].url

    assert main(["report", "--json", "--days", "30"]) == 0
    month = json.loads(capsys.readouterr().out)["questions"]
    assert month["asked"] == 4
    assert [group["text"] for group in month["not_covered"]] == ["what is the boiling point of MERCURY",
                                                                 "Who chairs the OSCE in 2030?"]


def test_report_prints_tables_in_the_terminal(asked, monkeypatch):
    monkeypatch.setattr(cli, "out", Console(file=StringIO(), width=250))
    assert main(["report"]) == 0
    shown = cli.out.file.getvalue()
    assert "Sources" in shown and "news" in shown and "(1 failed)" in shown
    assert "news: skipped" in shown and "no text" in shown
    assert "Questions in the last 7 days: 3 asked, 1 answered (discord 1, slack 2)" in shown
    assert "Not covered" in shown and "MERCURY" in shown
    assert "Answers voted 👎" in shown and "Where will the" in shown and "Envoys agree" in shown
    assert "OSCE" not in shown


def test_report_with_no_questions_says_none(settings, monkeypatch):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(settings.sources))
    monkeypatch.setattr(cli, "out", Console(file=StringIO(), width=250))
    assert main(["report", "--days", "1"]) == 0
    shown = cli.out.file.getvalue()
    assert "Questions in the last 1 days: 0 asked, 0 answered" in shown
    assert "Not covered: none." in shown and "Answers voted 👎: none." in shown
