"""Timelines (``parley timeline``, ``/talks-timeline``): a speaker's or party's statements in date order.

A small corpus written for these tests is indexed by the real indexer (speakers attributed at index
time, real SQLite, FAISS, BM25 and model): a Kremlin-style transcript with labels, one statement
carried by two outlets, a near-repeat the same day, people of three parties, one speaker no party
lists, and a statement full of Slack and Discord markup.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from slack_bots import running_bot

from bot import replies
from bot.cli import main
from bot.service import Parley
from bot.slack.timeline import MORE_TIMELINE, timeline_request
from config import load_settings
from index.parties import Parties, PartiesFileError
from index.timeline import Statement
from tests.conftest import index_corpus
from tests.discord_fakes import message_payload
from tests.test_discord import FOLLOWUP, discord_bot, pings_nobody, unescape
from tests.test_discord import run as run_discord
from tests.test_slack import assert_harmless, texts

TRANSCRIPT = "https://example.org/kremlin/geneva-press-conference"
WIRE = "https://example.org/wire/lavrov-blinken-geneva"
LEDGER = "https://example.org/ledger/geneva-talks-end"
NRC = "https://example.org/wire/nato-council"
DELEGATIONS = "https://example.org/wire/delegations"
REPLY = "https://example.org/wire/reply"
QUOTE = "“We will not accept NATO troops on our borders,” Lavrov said."
HOSTILE = ("Russian Foreign Minister Sergei Lavrov said the American reply on security guarantees was "
           "@everyone & <@U777> *not* [constructive](https://evil.example) at all.")
ARTICLES = [
    {"url": TRANSCRIPT, "title": "Press conference after the talks in Geneva", "outlet": "Kremlin",
     "published": "2022-01-21T12:00:00+00:00", "text": (
         "Sergei Lavrov: Good afternoon. We expect a written answer from Washington next week. Our position on "
         "security guarantees is clear: NATO must not expand further east. The Alliance keeps moving its "
         "infrastructure towards our borders.\n\n"
         "Antony Blinken: We have been clear that the United States will not trade away the right of countries "
         "to choose their alliances.\n\n"
         "Sergei Lavrov: We will study the American response carefully before deciding on our next steps. The "
         "indivisibility of security was agreed at the OSCE summit in Istanbul in 1999. Nobody should strengthen "
         "their own security at the expense of the security of others. Our partners must answer each point of our "
         "draft treaties in writing.\n\n"
         "Antony Blinken: We agreed to keep talking after the written reply.")},
    {"url": WIRE, "title": "Lavrov and Blinken meet in Geneva", "outlet": "Example Wire",
     "published": "2022-01-21T10:00:00+00:00", "text": (
         "Russian Foreign Minister Sergei Lavrov met Secretary of State Antony Blinken in Geneva on Friday. "
         f"Lavrov said Russia would wait for a written reply from Washington next week. {QUOTE} "
         "Blinken said the United States would put its ideas on paper.")},
    {"url": LEDGER, "title": "Geneva talks end after ninety minutes", "outlet": "Daily Ledger",
     "published": "2022-01-21T15:00:00+00:00", "text": (
         "The talks in Geneva ended after ninety minutes. Russian Foreign Minister Sergei Lavrov said Russia would "
         f"wait for a written reply from Washington within a week. {QUOTE} Russian envoy Pavel Mirnov said the "
         "meeting had been useful but hard.")},
    {"url": NRC, "title": "NATO-Russia Council meets", "outlet": "Example Wire",
     "published": "2022-01-12T09:00:00+00:00", "text": (
         "Jens Stoltenberg, the NATO Secretary General, said allies would never compromise on the open door "
         "policy. He added that NATO was ready to talk about arms control and military transparency.")},
    {"url": DELEGATIONS, "title": "Delegations open security talks", "outlet": "Example Wire",
     "published": "2022-01-10T09:00:00+00:00", "text": (
         "Deputy Foreign Minister Sergei Ryabkov headed the Russian delegation in Geneva. Ryabkov told reporters "
         "that Moscow needed legally binding guarantees that NATO would stop expanding eastward.")},
    {"url": REPLY, "title": "Moscow answers on security guarantees", "outlet": "Example Wire",
     "published": "2022-02-17T09:00:00+00:00", "text": HOSTILE},
]
SOURCES_PARTIES = """
[parties.Russia]
aliases = ["the Russian delegation"]
"""


@pytest.fixture(scope="module")
def timeline_index(tmp_path_factory, embedder) -> Path:
    folder = tmp_path_factory.mktemp("timeline")
    index_corpus(folder, ARTICLES, SOURCES_PARTIES)
    return folder


@pytest.fixture
def timeline_settings(timeline_index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    shutil.copytree(timeline_index / "data", data_dir)
    return load_settings(data_dir=data_dir, sources=timeline_index / "sources.toml")


@pytest.fixture
def parley(timeline_settings) -> Parley:
    return Parley(timeline_settings)


def texts_of(statements: list[Statement]) -> list[str]:
    return [statement.text for statement in statements]


def dates(statements: list[Statement]) -> list:
    return [statement.published for statement in statements]


# -- the timeline itself ---------------------------------------------------------------------------

def test_a_speakers_statements_come_in_date_order_with_copies_and_same_day_repeats_once(parley):
    reply = parley.timeline("Lavrov", per_page=50)
    assert reply.who == "Sergei Lavrov" and not reply.party
    statements = reply.statements
    assert dates(statements) == sorted(dates(statements))
    assert {statement.speaker for statement in statements} == {"Sergei Lavrov"}
    for statement in statements:  # each line is the source's own sentence, as stored (markup tags dropped)
        assert statement.text in parley.store.article_text(statement.doc_id)
    # The quotation both outlets carried is one line, at the first outlet, naming the other.
    copies = [statement for statement in statements if statement.text == QUOTE]
    assert len(copies) == 1 and copies[0].url == WIRE and copies[0].also == ("Daily Ledger",)
    # The Ledger's "within a week" retells the Wire's "next week" the same day: shown once, the earlier.
    waits = [statement for statement in statements if "would wait for a written reply" in statement.text]
    assert len(waits) == 1 and waits[0].url == WIRE and waits[0].also == ("Daily Ledger",)
    # Transcript turns: the label is not part of the sentence, a greeting says nothing, Blinken's turns are his.
    said = texts_of(statements)
    assert "We will study the American response carefully before deciding on our next steps." in said
    assert not any(text.startswith(("Sergei Lavrov", "Good afternoon")) for text in said)
    assert not any("choose their alliances" in text for text in said)
    assert statements[-1].published.date().isoformat() == "2022-02-17"


def test_a_party_is_its_listed_people_and_anyone_its_role_words_name(parley):
    russia = parley.timeline("Russia", per_page=50)
    assert russia.party and russia.who == "Russia"
    assert {s.speaker for s in russia.statements} == {"Sergei Lavrov", "Sergei Ryabkov", "Pavel Mirnov"}
    mirnov = next(s for s in russia.statements if s.speaker == "Pavel Mirnov")  # in no list: "Russian envoy"
    assert mirnov.role == "Russian envoy" and mirnov.kind == "account"
    assert dates(russia.statements) == sorted(dates(russia.statements))
    for name in ("the US", "Washington", "United States"):
        assert {s.speaker for s in parley.timeline(name).statements} == {"Antony Blinken"}
    nato = parley.timeline("NATO")
    assert [s.text for s in nato.statements] == [
        "Jens Stoltenberg, the NATO Secretary General, said allies would never compromise on the open door policy.",
        "He added that NATO was ready to talk about arms control and military transparency."]
    # The sources file's [parties] table extends config/parties.toml.
    assert parley.timeline("the Russian delegation").statements == russia.statements


def test_names_no_party_lists_work_by_themselves_and_roles_name_their_holder(parley):
    mirnov = parley.timeline("Mirnov")
    assert texts_of(mirnov.statements) == ["Russian envoy Pavel Mirnov said the meeting had been useful but hard."]
    peskov = parley.timeline("the Kremlin spokesman")
    assert peskov.who == "Dmitry Peskov" and peskov.statements == []
    assert peskov.headline == "I found no statements by Dmitry Peskov in the indexed sources."
    assert parley.timeline("Nobody Atall").statements == []


def test_about_keeps_the_statements_on_the_topic(parley):
    everything = texts_of(parley.timeline("Lavrov", per_page=50).statements)
    about = parley.timeline("Lavrov", "security guarantees", per_page=50)
    kept = texts_of(about.statements)
    assert "Our position on security guarantees is clear: NATO must not expand further east." in kept
    assert any(text.startswith("Russian Foreign Minister Sergei Lavrov said the American reply") for text in kept)
    assert set(kept) < set(everything)
    assert QUOTE not in kept  # NATO troops, in a story about the meeting: neither the words nor the meaning
    assert about.headline.startswith("Statements by Sergei Lavrov about “security guarantees”, in date order")


def test_since_and_until_bound_the_dates_and_a_bad_date_is_explained(parley):
    later = parley.timeline("Lavrov", since="2022-01-22")
    assert [s.published.date().isoformat() for s in later.statements] == ["2022-02-17"]
    early = parley.timeline("Russia", until="2022-01-20")
    assert [s.speaker for s in early.statements] == ["Sergei Ryabkov"]
    bad = parley.timeline("Lavrov", since="last spring")
    assert isinstance(bad, replies.Notice) and bad.kind == "error" and "last spring" in bad.text
    assert parley.timeline("  ").kind == "help"


def test_parties_table_aliases_roles_and_extension():
    parties = Parties.load(extension={"NATO": {"members": {"Oana Lungescu": ["NATO spokesperson"]},
                                               "aliases": ["the Allies"]}})
    assert parties.resolve("the U.S.").label == "US" and parties.resolve("washington").party.name == "US"
    assert parties.resolve("The Allies").label == "NATO"
    assert parties.resolve("Kremlin spokesman").names == ("Dmitry Peskov",)
    assert parties.resolve("stoltenberg").names == ("Jens Stoltenberg",)
    assert parties.resolve("Sullivan").names == ("Sullivan",)  # two Sullivans: looked up as written
    assert parties.party_of_role("U.S. Ambassador to Russia").name == "US"
    assert parties.party_of_role("Russian Ambassador to the U.S.").name == "Russia"
    assert parties.party_of_role("Permanent Representative of Russia to NATO").name == "Russia"
    assert parties.party_of_role("Foreign Minister") is None
    assert parties.party_of_role("former U.S. Ambassador to NATO") is None  # speaks for no one now
    assert [parties.full_name(name) for name in ("Biden", "Sergey Lavrov", "Sullivan", "Pavel Mirnov")] == [
        "Joe Biden", "Sergei Lavrov", "Sullivan", "Pavel Mirnov"]
    assert parties.member_party("Sergey Lavrov").name == "Russia"
    russia = parties.resolve("Russia").party
    assert parties.speaks_for(russia, "Lavrov", "") and not parties.speaks_for(russia, "Antony Blinken", "Russian")
    assert not parties.speaks_for(russia, "Reporter", "Russian journalist")
    with pytest.raises(PartiesFileError, match="members"):
        Parties.load(extension={"NATO": {"members": ["Jens Stoltenberg"]}})


@pytest.mark.parametrize(("appended", "explained"), [
    ('\n[parties.NATO]\nmembers = ["Jens Stoltenberg"]\n', "[parties.NATO]: members must be a table"),  # a bad table
    ("\n[parties.NATO\n", "not valid TOML"),  # a sources file that became unreadable
])
def test_a_broken_sources_file_is_explained_not_raised(timeline_settings, tmp_path, appended, explained):
    broken = tmp_path / "broken-sources.toml"
    broken.write_text(timeline_settings.sources.read_text() + appended)
    reply = Parley(timeline_settings.model_copy(update={"sources": broken})).timeline("NATO")
    assert isinstance(reply, replies.Notice) and reply.kind == "error"
    assert explained in reply.text


# -- the command line ----------------------------------------------------------------------------

@pytest.fixture
def env(timeline_settings, monkeypatch):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(timeline_settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(timeline_settings.sources))
    return timeline_settings


def test_cli_prints_a_page_and_json_prints_every_statement(env, capsys):
    assert main(["timeline", "Russia", "--limit", "3"]) == 0
    shown = capsys.readouterr().out
    total = len(Parley(env).timeline("Russia").statements)
    assert f"Statements by Russia (its officials), in date order (1–3 of {total}):" in shown
    assert "10 Jan 2022 · Sergei Ryabkov · reported by Example Wire" in " ".join(shown.split())
    assert f"{total - 3} more: --page 2" in shown

    assert main(["timeline", "Lavrov", "--about", "security guarantees", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["who"] == "Sergei Lavrov" and data["about"] == "security guarantees"
    assert data["total"] == len(data["statements"]) >= 2
    first = data["statements"][0]
    assert set(first) >= {"date", "speaker", "role", "kind", "text", "outlet", "url", "link", "also"}
    assert first["link"].startswith(first["url"] + "#:~:text=")

    assert main(["timeline", "Lavrov", "--json", "--page", "2", "--limit", "4"]) == 0
    assert len(json.loads(capsys.readouterr().out)["statements"]) == 4
    assert main(["timeline", "Lavrov", "--until", "someday"]) == 2
    assert "someday" in capsys.readouterr().out


# -- Slack ---------------------------------------------------------------------------------------

@pytest.fixture
def slack_bot(timeline_settings):
    with running_bot(timeline_settings) as bot:
        yield bot.slack, bot.client


def quoted(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith(("> ", "“"))]


def test_slack_command_posts_a_page_and_more_posts_the_next(slack_bot):
    fake, client = slack_bot
    client.command("/talks-timeline", "Russia", "UALICE", fake.response_url("first"))
    first = fake.wait_for("response_url", hook="first")[0].args
    assert first["response_type"] == "in_channel"
    assert len(quoted(first["blocks"])) == replies.TIMELINE_PAGE
    button = next(e for b in first["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == MORE_TIMELINE and button["text"]["text"].startswith("More (")

    client.click(MORE_TIMELINE, button["value"], "UBOB", fake.response_url("more"))
    more = fake.wait_for("response_url", hook="more")[0].args
    assert more["response_type"] == "in_channel" and more["replace_original"] is False
    assert more["blocks"][0]["text"]["text"].startswith("*Statements by Russia (its officials), in date order (11–")
    assert not set(quoted(more["blocks"])) & set(quoted(first["blocks"]))
    assert not [b for b in more["blocks"] if b["type"] == "actions"]
    shown = "\n".join(texts(more["blocks"]))
    assert "@everyone &amp; *not* [constructive](https://evil.example)" in shown  # escaped, shown as written
    assert_harmless(first, {article["url"] for article in ARTICLES})
    assert_harmless(more, {article["url"] for article in ARTICLES})

    client.command("/talks-timeline", "Lavrov about security guarantees", "UALICE", fake.response_url("about"))
    about = fake.wait_for("response_url", hook="about")[0].args
    assert "about “security guarantees”" in about["blocks"][0]["text"]["text"]
    client.command("/talks-timeline", "", "UALICE", fake.response_url("empty"))
    empty = fake.wait_for("response_url", hook="empty")[0].args
    assert empty["response_type"] == "ephemeral" and empty["text"].startswith("Name a speaker or a party")


def test_slack_request_text_splits_at_about():
    assert timeline_request("Lavrov about security guarantees") == ("Lavrov", "security guarantees")
    assert timeline_request("<@U1|the US> ABOUT missiles &amp; drills") == ("the US", "missiles & drills")
    assert timeline_request("NATO") == ("NATO", "")


# -- Discord -------------------------------------------------------------------------------------

def test_discord_command_posts_a_page_and_more_posts_the_next(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            await fake.command("talks-timeline", {"who": "Russia"}, user_id=111)
            first = (await fake.wait_for("POST", FOLLOWUP))[0].body
            button = first["components"][0]["components"][0]
            await fake.click(message_payload(first), button["custom_id"], user_id=222)
            second = (await fake.wait_for("POST", FOLLOWUP, count=2))[1].body
            return first, button, second

    first, button, second = run_discord(scenario())
    assert pings_nobody(first) and pings_nobody(second)
    assert first["content"].startswith("Statements by Russia (its officials), in date order (1–10 of")
    assert len(first["embeds"]) == replies.TIMELINE_PAGE and button["label"].startswith("More (")
    assert second["content"].startswith("Statements by Russia (its officials), in date order (11–")
    assert "components" not in second or not second["components"]
    hostile = next(embed for embed in second["embeds"] if "American reply" in embed["description"])
    assert "@\u200beveryone" in hostile["description"] and "\\*not\\*" in hostile["description"]
    stored = parley.timeline("Lavrov", since="2022-02-01").statements[0].text
    assert unescape(hostile["description"]).strip("“”") == stored and "@everyone" in stored
    for embed in first["embeds"] + second["embeds"]:
        assert embed["url"].split("#")[0] in {article["url"] for article in ARTICLES}


@pytest.mark.parametrize("limit", [40, 300, 4096])
def test_a_discord_statement_fits_its_limit_escaped_and_quoted(limit):
    from bot.discord.timeline import said

    text = "Lavrov said *not* _now_ @everyone " * 200  # escaping grows it
    shown = said(text, limit)
    assert len(shown) <= limit and shown.startswith("“") and shown.endswith("”")
    assert "@everyone" not in shown and "\\*not\\*" in shown
