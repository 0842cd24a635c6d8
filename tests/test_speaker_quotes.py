"""Speakers stored per sentence at index time, and shown on every quote.

The articles are written for these tests (the shapes of a White House briefing and a news story), indexed
with the real indexer and model; the speakers are read back from the version on disk.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from io import StringIO

import pytest
from rich.console import Console

from bot import console, replies
from bot.cli import main
from bot.discord import render as discord_render
from bot.service import Parley
from bot.slack import render as slack_render
from config.settings import DEFAULT_MODEL
from index import speaker_table
from index.build import reindex
from index.quotes import Quote, QuoteSpeaker
from index.ranking import load_weights
from index.ranking.speaker_feature import named_speakers
from index.search import Searcher
from index.sentence_words import SentenceWords
from index.sources import load_sources
from index.speaker_table import FILE, SpeakerTable, rules
from index.speakers import attribute
from index.versions import current_name, load_version
from tests.conftest import index_corpus, write_corpus
from tests.older_layout import older_layout_copy
from tests.test_discord import ALICE, FOLLOWUP, discord_bot, pings_nobody, run
from tests.test_slack import assert_harmless, fake_slack, mention, start_bot, texts  # noqa: F401 (fixtures)

#: A briefing long enough to be cut into several passages: Psaki's turn runs on past the first passage.
BRIEFING = "\n\n".join([
    "James S. Brady Press Briefing Room",
    "MS. PSAKI: Good afternoon, everyone. I have two items at the top before we take questions today.",
    *[f"The delegation will travel to the harbour city on day {n} of the winter schedule. The envoys expect "
      f"the lighthouse talks to run for several hours each day, and the working groups will meet in the "
      f"evening to review the draft texts on fishing quotas and maritime signals." for n in range(1, 5)],
    "Q Thanks, Jen. Will the envoys meet the harbour council again?",
    "MS. PSAKI: The harbour council has been invited to join the final round of the lighthouse talks.",
    "Q Jen, will the envoys extend the lighthouse talks past Friday if the draft on quotas slips?",
    "MS. PSAKI: The lighthouse talks end on Friday, as the envoys agreed.",
])
NEWS = ("The lighthouse talks resumed on Tuesday. Foreign Minister Marta Quillon said the harbour council had "
        "accepted every maritime signal proposal. “We will not sign a text that leaves the northern channel "
        "dark,” Quillon told reporters. The delegations then broke for lunch.")
ARTICLES = [
    {"url": "https://example.org/briefing", "title": "Press Briefing by Press Secretary Jen Psaki",
     "outlet": "The White House", "published": "2022-01-21", "text": BRIEFING},
    {"url": "https://example.org/quillon", "title": "Lighthouse talks resume", "outlet": "Harbour Wire",
     "published": "2022-01-22", "text": NEWS},
    {"url": "https://example.org/pier", "title": "Northern pier lighthouse repainted", "outlet": "Coast Notes",
     "published": "2022-01-23", "text": "The lighthouse on the northern pier was repainted white in January. "
                                        "Its lamp was replaced by a brighter one the week after."},
]
#: One envoy says what Quillon wants on the quotas (a sentence about her), and Quillon says it herself.
QUOTAS = [
    {"url": "https://example.org/brandt", "title": "Envoys weigh the fishing quotas", "outlet": "Coast Notes",
     "published": "2022-01-24", "text": "The harbour envoys met again on Monday. Harbour envoy Tomas Brandt said "
                                        "Quillon wanted the fishing quotas in the northern channel cut by a third "
                                        "before the spring survey. The envoys meet again next week."},
    {"url": "https://example.org/quillon-quotas", "title": "Minister speaks after the session",
     "outlet": "Harbour Wire", "published": "2022-01-25",
     "text": "The session ended late on Tuesday. Foreign Minister Marta Quillon said the fishing quotas would "
             "have to change this year. Delegates left without a statement."},
]
ARTICLES += QUOTAS
URLS = {article["url"] for article in ARTICLES}
QUOTED = "Will Quillon sign a text that leaves the northern channel dark?"  # answered by her quoted words
REPORTED = "Did the harbour council accept the maritime signal proposals?"  # by the outlet's account of them
NOBODY = "When was the lighthouse on the northern pier repainted?"  # by a sentence no one speaks


@pytest.fixture(scope="module")
def spoken_dir(tmp_path_factory, embedder):
    """An index of ``ARTICLES``; treat it as read-only."""
    return index_corpus(tmp_path_factory.mktemp("speakers"), ARTICLES)


def sentences_of(data_dir) -> list[tuple[str, str | None, str | None]]:
    """(sentence text, speaker, kind) of every passage sentence the version holds, in row order."""
    version = load_version(data_dir)
    texts = Searcher(data_dir).store.passage_texts(version.ids)
    rows = []
    for row, text in enumerate(texts):
        spoken = {(s.start, s.end): s for s in version.speakers.of_row(row)}
        for start, end in (span for span, _ in version.sentences.found([row], set())[0]):
            who = spoken.get((start, end))
            rows.append((text[start:end], who and who.speaker, who and who.kind))
    return rows


def test_speakers_are_stored_per_passage_sentence_with_a_label_carried_across_passages(spoken_dir):
    version = load_version(spoken_dir)
    assert len(version.ids) >= 3  # the briefing is cut into passages: its label is carried into later ones
    by_text = {text: (speaker, kind) for text, speaker, kind in sentences_of(spoken_dir)}
    assert by_text["MS. PSAKI: Good afternoon, everyone."] == ("Jen Psaki", "words")
    later = [text for text in by_text if text.startswith("The delegation will travel to the harbour city on day 4")]
    assert len(later) == 1 and by_text[later[0]] == ("Jen Psaki", "words")
    texts = Searcher(spoken_dir).store.passage_texts(version.ids)
    assert not any("MS. PSAKI: Good" in text for text in texts if later[0] in text)  # the label opens an earlier one
    assert by_text["Will the envoys meet the harbour council again?"][0] == "Reporter"
    assert by_text["James S. Brady Press Briefing Room"] == (None, None)
    said = by_text["Foreign Minister Marta Quillon said the harbour council had accepted every maritime signal "
                   "proposal."]
    assert said == ("Marta Quillon", "account")
    quoted = [text for text in by_text if text.startswith("“We will not sign")]
    assert by_text[quoted[0]] == ("Marta Quillon", "words")
    assert by_text["The delegations then broke for lunch."] == (None, None)


def test_the_table_finds_a_speakers_sentences_by_full_name_or_surname_and_counts_them(spoken_dir):
    table = SpeakerTable.load(spoken_dir / "versions" / current_name(spoken_dir))
    texts = Searcher(spoken_dir).store.passage_texts(load_version(spoken_dir).ids)
    by_surname = table.by_speakers(["quillon"])
    assert by_surname == table.by_speakers(["Marta Quillon"]) == table.by_speakers(["M. Quillon"])
    assert sorted(texts[s.row][s.start:s.end][:30] for s in by_surname) == [
        "Foreign Minister Marta Quillon", "Foreign Minister Marta Quillon", "“We will not sign a text that "]
    assert {(s.role, s.kind) for s in by_surname} == {("Foreign Minister", "account"), ("Foreign Minister", "words")}
    assert table.by_speakers(["Sergei Quillon"]) == [] and table.by_speakers(["Smith"]) == []
    counts = table.speakers()
    assert counts["Marta Quillon"] == 3 and counts["Jen Psaki"] == len(table.by_speakers(["Psaki"])) > 8
    spans = {row: [span for span, _ in found] for row, found in
             enumerate(SentenceWords.load(spoken_dir / "versions" / current_name(spoken_dir)).found(
                 list(range(len(texts))), set()))}
    assert all((s.start, s.end) in spans[s.row] for s in table.by_speakers(["Psaki", "Quillon", "Reporter"]))


def test_a_version_of_the_layout_before_speakers_is_rebuilt_by_a_reindex_without_embedding(spoken_dir, tmp_path):
    data = tmp_path / "data"
    older_layout_copy(spoken_dir, data, "sentence-words-4-titles-1-vectors-2", FILE)
    report = reindex(data, load_sources(spoken_dir.parent / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and report.passages_embedded == 0
    assert sentences_of(data) == sentences_of(spoken_dir)


def attributed_titles(monkeypatch) -> list[str]:
    """The titles of the articles whose speakers are read from here on (the real attribution runs)."""
    read: list[str] = []

    def counted(text: str, title: str = ""):
        read.append(title)
        return attribute(text, title)

    monkeypatch.setattr(speaker_table, "attribute", counted)
    return read


def test_a_new_version_reads_the_speakers_of_the_new_articles_only(tmp_path, embedder, monkeypatch):
    """One story added to a feed: the speakers of every other article are the served version's."""
    src = tmp_path / "src"
    data = index_corpus(src, ARTICLES[:-1])
    read = attributed_titles(monkeypatch)
    report = reindex(data, load_sources(write_corpus(src, ARTICLES)), DEFAULT_MODEL)
    assert report.new_version and read == [ARTICLES[-1]["title"]]
    fresh = index_corpus(tmp_path / "fresh", ARTICLES)
    assert sorted(sentences_of(data)) == sorted(sentences_of(fresh))
    assert any(speaker == "Jen Psaki" for _, speaker, _ in sentences_of(data))


def test_speakers_read_by_other_rules_are_all_read_again_in_a_new_version(spoken_dir, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(spoken_dir, data)
    manifest_file = data / "versions" / current_name(data) / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["signature"] = manifest["signature"].replace(rules(), "older-rules")
    manifest_file.write_text(json.dumps({**manifest, "speaker_rules": "older-rules"}))
    read = attributed_titles(monkeypatch)
    report = reindex(data, load_sources(spoken_dir.parent / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and report.passages_embedded == 0
    assert sorted(read) == sorted(article["title"] for article in ARTICLES)
    assert sentences_of(data) == sentences_of(spoken_dir)


@pytest.fixture
def spoken_settings(spoken_dir, tmp_path, settings):
    """Settings on a private copy of the speakers' index (the bot writes its state beside it)."""
    data_dir = tmp_path / "spoken-data"
    shutil.copytree(spoken_dir, data_dir)
    return settings.model_copy(update={"data_dir": data_dir, "sources": spoken_dir.parent / "sources.toml"})


def test_ask_json_gives_the_speaker_of_each_quotes_answering_sentence(spoken_settings, monkeypatch, capsys):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(spoken_settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(spoken_settings.sources))
    answers = {}
    for question in (QUOTED, REPORTED, NOBODY):
        assert main(["ask", question, "--json"]) == 0
        answers[question] = json.loads(capsys.readouterr().out)["quotes"][0]
    assert answers[QUOTED]["url"] == "https://example.org/quillon"
    assert answers[QUOTED]["speaker"] == {"name": "Marta Quillon", "role": "Foreign Minister", "kind": "words"}
    assert answers[REPORTED]["speaker"] == {"name": "Marta Quillon", "role": "Foreign Minister", "kind": "account"}
    assert answers[NOBODY]["url"] == "https://example.org/pier" and answers[NOBODY]["speaker"] is None


def test_the_console_shows_the_speaker_or_the_outlets_account_before_the_source(spoken_settings):
    parley = Parley(spoken_settings)
    shown = {}
    for question in (QUOTED, REPORTED, NOBODY):
        out = StringIO()
        console.render(Console(file=out, width=400), parley.ask(question))
        shown[question] = out.getvalue()
    assert "— Marta Quillon, Foreign Minister · Harbour Wire · 22 Jan 2022 · Lighthouse talks resume" in shown[QUOTED]
    assert ("— Marta Quillon, Foreign Minister, as reported by Harbour Wire · 22 Jan 2022 · Lighthouse talks resume"
            in shown[REPORTED])
    assert "Coast Notes · 23 Jan 2022" in shown[NOBODY] and "— " not in shown[NOBODY].split("“")[1]


def test_slack_shows_the_speaker_before_the_linked_source(start_bot, spoken_settings):  # noqa: F811
    bot = start_bot(data_dir=spoken_settings.data_dir, sources=spoken_settings.sources)
    bot.client.event(mention(REPORTED, "1700000100.1"))
    post = bot.slack.wait_for("chat.postMessage")[0]
    assert_harmless(post.args, URLS)
    contexts = [block["elements"] for block in post.args["blocks"] if block["type"] == "context"]
    first = [element["text"] for element in contexts[0]]
    assert first[0] == "— Marta Quillon, Foreign Minister, as reported by"
    assert first[1].startswith("<https://example.org/quillon#:~:text=") and first[1].endswith(
        "|Harbour Wire · 22 Jan 2022 · Lighthouse talks resume>")
    assert "— Marta Quillon, Foreign Minister, as reported by Harbour Wire" in post.args["text"]


def test_discord_shows_the_speaker_as_the_quotes_author(spoken_settings, monkeypatch):
    async def scenario():
        async with discord_bot(Parley(spoken_settings), monkeypatch) as fake:
            await fake.command("ask", {"question": QUOTED}, user_id=ALICE)
            return (await fake.wait_for("POST", FOLLOWUP))[0].body

    body = run(scenario())
    assert pings_nobody(body)
    embed = body["embeds"][0]
    assert embed["url"].startswith("https://example.org/quillon#:~:text=")
    assert embed["author"]["name"] == "Marta Quillon, Foreign Minister"
    assert embed["footer"]["text"] == "Harbour Wire · 22 Jan 2022"


def test_a_hostile_speaker_is_escaped_on_every_front_end():
    hostile = QuoteSpeaker("<!channel> @everyone Quillon", "Minister of <b>Signals</b> & *Lights*", "words")
    quote = Quote("“We will not sign,” she said.", "https://example.org/quillon", "Talks", "Harbour Wire",
                  datetime(2022, 1, 22, tzinfo=UTC), 1.0, (0, 29), speaker=hostile)
    reply = replies.AnswerReply("q?", True, [quote])
    slack = slack_render.answer_message(reply)
    shown = "\n".join(texts(slack.kwargs()))
    assert "&lt;!channel&gt; @everyone Quillon, Minister of &lt;b&gt;Signals&lt;/b&gt; &amp; *Lights*" in shown
    assert "<!channel>" not in shown and "<b>" not in shown
    lead = [e for b in slack.kwargs()["blocks"] if b["type"] == "context" for e in b["elements"]][0]
    assert lead["type"] == "plain_text"  # *Lights* would be bold in mrkdwn: shown as written instead
    author = discord_render.render(reply).embeds[0].author.name
    assert "@everyone" not in author and "@\u200beveryone" in author
    out = StringIO()
    console.render(Console(file=out, width=400), reply)
    assert "— <!channel> @everyone Quillon, Minister of <b>Signals</b> & *Lights* · Harbour Wire" in out.getvalue()


def test_a_question_naming_a_speaker_prefers_what_they_said_to_what_others_said_about_them(spoken_dir):
    question = "What did Quillon say about the fishing quotas in the northern channel?"
    # The question encoder rereads the sentences: the sentence model alone prefers Quillon's quoted words.
    on = Searcher(spoken_dir, weights=replace(load_weights(), speaker=0.5), sentence_model="").ask(question, k=2)
    off = Searcher(spoken_dir, weights=replace(load_weights(), speaker=0.0), sentence_model="").ask(question, k=2)
    on, off = on.quotes, off.quotes
    assert off[0].url == "https://example.org/brandt"  # more of the question's words, but Brandt speaks them
    assert off[0].speaker.name == "Tomas Brandt" and "speaker" not in off[0].features
    assert on[0].url == "https://example.org/quillon-quotas" and on[0].speaker.name == "Marta Quillon"
    assert on[0].features["speaker"] == 1.0
    assert on[1].url == "https://example.org/brandt" and on[1].features["speaker"] == 0.0


def test_the_named_speakers_sentence_answers_within_its_passage(spoken_dir):
    question = "What did Psaki say about extending the lighthouse talks past Friday?"  # the reporter's words
    on = Searcher(spoken_dir, rerank=False, weights=replace(load_weights(), speaker=0.5)).ask(question, k=1)
    off = Searcher(spoken_dir, rerank=False, weights=replace(load_weights(), speaker=0.0)).ask(question, k=1)
    on, off = on.quotes[0], off.quotes[0]
    assert off.speaker.name == "Reporter" and on.speaker.name == "Jen Psaki" and on.url == off.url
    answering = on.text[on.highlight[0]:on.highlight[1]]
    assert answering == "MS. PSAKI: The lighthouse talks end on Friday, as the envoys agreed."


def test_the_speaker_asked_about_is_the_one_before_the_speech_verb_or_after_according_to(spoken_dir):
    searcher = Searcher(spoken_dir)
    table, ranker = searcher.version().speakers, searcher.ranker()
    questions = {"What did the foreign minister say about the quotas?": {"Marta Quillon"},  # by her role
                 "How did Quillon describe it?": {"Marta Quillon"},
                 "Did the press secretary comment?": {"Jen Psaki"},
                 "What did Quillon tell Psaki about the quotas?": {"Marta Quillon"},  # not whom she told
                 "According to Psaki, when do the talks end?": {"Jen Psaki"},
                 "Where was Quillon on Tuesday?": set(),  # not about anyone's words
                 "What did the deputy foreign minister say?": set()}  # no one here holds that role
    assert {question: {str(table.names[i]) for i in named_speakers(ranker.read(question), table)}
            for question in questions} == questions
