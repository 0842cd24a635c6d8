"""The ``parley`` command as a script or a person uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from bot import cli
from bot.cli import main
from config import load_settings
from index.quotes import REASONS
from tests.conftest import FIXTURES, index_corpus

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(settings.sources))
    return settings


def test_ask_json_follows_the_scorer_contract(env, capsys):
    assert main(["ask", "Who headed the Russian delegation in Geneva?", "--json", "-k", "2"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "Who headed the Russian delegation in Geneva?" and answer["answered"] is True
    assert len(answer["quotes"]) == 2
    first = answer["quotes"][0]
    assert set(first) >= {"text", "url", "title", "outlet", "published", "score"}
    assert "Ryabkov" in first["text"] and first["url"] == "https://example.org/geneva-talks-open"
    assert first["outlet"] == "Example Wire" and first["published"] == "2022-01-10"
    assert len(first["text"]) <= 600


def test_ask_questions_file_prints_one_object_a_line_with_ids(env, capsys, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "a1", "question": "How long did the NATO-Russia Council meet?"}) + "\n"
                         + json.dumps({"id": "a2", "question": ""}) + "\n")
    assert main(["ask", "--questions", str(questions), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a1", "a2"]
    assert any("four hours" in quote["text"] for quote in lines[0]["quotes"])
    assert lines[1]["answered"] is False and lines[1]["quotes"] == []


def test_ask_reads_a_plain_file_of_questions_one_a_line(env, capsys, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("How long did the NATO-Russia Council meet?\n\nWho headed the Russian delegation in Geneva?\n")
    assert main(["ask", "--questions", str(questions), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["id"], line["question"]) for line in lines] == [
        (1, "How long did the NATO-Russia Council meet?"), (3, "Who headed the Russian delegation in Geneva?")]
    assert any("Ryabkov" in quote["text"] for quote in lines[1]["quotes"])


@pytest.mark.parametrize("command", ["ask --questions", "eval"])
def test_a_missing_questions_file_is_one_clear_line(env, capsys, tmp_path, command):
    assert main([*command.split(), str(tmp_path / "nowhere.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("parley: cannot read the questions file") and "\n" not in err


def test_eval_names_the_line_that_is_not_a_question(env, capsys, tmp_path):
    questions = tmp_path / "dev.jsonl"
    questions.write_text(json.dumps({"id": "x1", "question": "Who?", "answers": ["Ryabkov"]}) + "\nWho else?\n")
    assert main(["eval", str(questions)]) == 2
    err = capsys.readouterr().err.strip()
    assert "line 2: not a JSON object" in err and "Traceback" not in err


def test_ask_prints_quotes_with_their_sources(env, capsys):
    assert main(["ask", "What did Stoltenberg say allies were ready to discuss?"]) == 0
    shown = capsys.readouterr().out
    assert "arms control" in shown and "Example Wire" in shown and "https://example.org/nrc-meets" in shown


def test_index_json_reports_per_source_and_total(env, capsys):
    assert main(["index", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passages_embedded"] == 0
    assert report["sources"][0]["name"] == "wire" and report["sources"][0]["unchanged"] == 7
    assert report["sources"][0]["passages_embedded"] == 0 and report["sources"][0]["status"] == "ok"


def test_index_prints_a_summary_table(env, capsys):
    assert main(["index"]) == 0
    assert "wire" in capsys.readouterr().out


def test_status_json(env, capsys):
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["articles"] == 7 and status["passages"] >= 7 and status["version"]
    assert status["sources"][0]["name"] == "wire"


def test_eval_prints_the_scorer_metrics(env, capsys, tmp_path):
    questions = tmp_path / "dev.jsonl"
    questions.write_text(
        json.dumps({"id": "x1", "question": "Who headed the Russian delegation in Geneva?", "answers": ["Ryabkov"],
                    "style": "who", "register": "formal"}) + "\n"
        + json.dumps({"id": "x2", "question": "what's the boiling point of mercury", "answers": [],
                      "unanswerable": True, "register": "chat", "kind": "off-topic"}) + "\n")
    assert main(["eval", str(questions), "--json", "--misses", str(tmp_path / "misses.jsonl")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["overall"]["hit@1"] == 1.0 and result["overall"]["answerable"] == 1
    assert "who" in result["by_style"]
    assert set(result["by_register"]) == {"formal", "chat"}
    assert result["by_kind"]["off-topic"]["abstention_accuracy"] == 1.0
    [(reason, count)] = result["refusals"]["unanswerable"].items()  # refused, and why
    assert reason in REASONS and count == 1 and result["refusals"]["answerable"] == {}
    assert (tmp_path / "misses.jsonl").exists()
    assert result["items"]["x1"] == {"answerable": True, "rank": 1, "refused": None}
    assert result["items"]["x2"]["answerable"] is False and result["items"]["x2"]["refused"] == reason


def test_moved_lists_the_questions_whose_outcome_changed(env, capsys, tmp_path):
    """Two ``parley eval --json`` runs compared by ``benchmarks/moved.py``: here the second expects an answer the
    sources don't hold, so its question leaves the first place and nothing else moves."""
    asked = {"id": "x1", "question": "Who headed the Russian delegation in Geneva?", "style": "who",
             "register": "formal"}
    other = {"id": "x2", "question": "How long did the NATO-Russia Council meet?", "answers": ["four hours"]}
    runs = []
    for name, alias in (("before", "Ryabkov"), ("after", "Lukashenko")):
        questions = tmp_path / f"{name}.jsonl"
        questions.write_text("".join(json.dumps(item) + "\n" for item in ({**asked, "answers": [alias]}, other)))
        assert main(["eval", str(questions), "--json"]) == 0
        runs.append(tmp_path / f"{name}.json")
        runs[-1].write_text(capsys.readouterr().out)
    printed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "moved.py"), *map(str, runs),
                              "--questions", str(tmp_path / "before.jsonl")],
                             capture_output=True, text=True, check=True).stdout
    assert "1 of 2 questions moved" in printed and "hit@1: 0 up, 1 down" in printed
    assert "x1" in printed and "formal who" in printed and "#1 -> not in the first five" in printed
    assert "x2" not in printed


def test_a_wrong_setting_is_one_clear_line(env, capsys, monkeypatch):
    monkeypatch.setenv("PARLEY_TOP_K", "zero")
    assert main(["status"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("parley: setting PARLEY_TOP_K") and "\n" not in err


def test_a_wrong_setting_is_named_as_it_is_written(env, capsys, monkeypatch):
    monkeypatch.setenv("PARLEY_SLACK_WORKSPACE_ADMINS", "maybe")  # a Slack setting of Parley's own
    assert main(["status"]) == 2
    assert capsys.readouterr().err.startswith("parley: setting PARLEY_SLACK_WORKSPACE_ADMINS")


def test_a_blank_token_is_unset_and_a_padded_one_stripped(env, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "  ")
    monkeypatch.setenv("DISCORD_TOKEN", " abc.def \n")
    settings = load_settings()
    assert settings.slack_bot_token is None
    assert settings.discord_token.get_secret_value() == "abc.def"


def test_a_missing_sources_file_is_one_clear_line(env, capsys, tmp_path):
    assert main(["--sources", str(tmp_path / "nope.toml"), "index"]) == 2
    err = capsys.readouterr().err
    assert "nope.toml does not exist" in err and "Traceback" not in err


def test_the_repository_sample_answers_offline(tmp_path, capsys, embedder):
    sample = FIXTURES.parent.parent / "config" / "sources.toml"
    assert main(["--data-dir", str(tmp_path / "d"), "--sources", str(sample), "index", "--json"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "d"), "--sources", str(sample), "ask", "--json",
                 "Who led the US delegation in Geneva?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] and "Sherman" in answer["quotes"][0]["text"]


def test_ask_explain_shows_each_quote_s_features_and_why_not_covered(env, capsys):
    assert main(["ask", "Who headed the Russian delegation in Geneva?", "--json", "--explain"]) == 0
    first = json.loads(capsys.readouterr().out)["quotes"][0]
    assert {"dense", "lexical", "sentence_words"} <= set(first["features"])
    assert sum(first["contributions"].values()) == pytest.approx(first["score"], abs=1e-3)
    assert main(["ask", "What is the boiling point of mercury?", "--explain"]) == 0
    shown = capsys.readouterr().out
    assert "Not covered:" in shown and "contribution" in shown


def test_explain_shows_article_titles_as_written(tmp_path, monkeypatch):
    data = index_corpus(tmp_path, [{"url": "https://example.org/markup", "title": "Talks [/] resume [link=x]",
                                    "outlet": "Wire [b]", "published": "2022-01-10",
                                    "text": "The envoys met in Geneva on 10 January to discuss missile deployments."}])
    monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
    monkeypatch.setenv("PARLEY_SOURCES", str(tmp_path / "sources.toml"))
    monkeypatch.setattr(cli, "out", Console(file=StringIO(), width=200))
    assert main(["ask", "Where did the envoys meet to discuss missile deployments?", "--explain"]) == 0
    shown = " ".join(cli.out.file.getvalue().split())  # the explanation's table title wraps to the table
    assert "· Wire [b] · Talks [/] resume [link=x]" in shown
