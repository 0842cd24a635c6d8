"""Speakers stored per sentence at index time, and shown on every quote.

The articles are written for these tests (the shapes of a White House briefing and a news story), indexed
with the real indexer and model; the speakers are read back from the version on disk.
"""

from __future__ import annotations

import json
import shutil

import pytest

from config.settings import DEFAULT_MODEL
from index.build import reindex
from index.search import Searcher
from index.sentence_words import SentenceWords
from index.sources import load_sources
from index.speaker_table import FILE, SpeakerTable
from index.versions import LAYOUT, current_name, load_version
from tests.conftest import index_corpus

#: A briefing long enough to be cut into several passages: Psaki's turn runs on past the first passage.
BRIEFING = "\n\n".join([
    "James S. Brady Press Briefing Room",
    "MS. PSAKI: Good afternoon, everyone. I have two items at the top before we take questions today.",
    *[f"The delegation will travel to the harbour city on day {n} of the winter schedule. The envoys expect "
      f"the lighthouse talks to run for several hours each day, and the working groups will meet in the "
      f"evening to review the draft texts on fishing quotas and maritime signals." for n in range(1, 5)],
    "Q Thanks, Jen. Will the envoys meet the harbour council again?",
    "MS. PSAKI: The harbour council has been invited to join the final round of the lighthouse talks.",
])
NEWS = ("The lighthouse talks resumed on Tuesday. Foreign Minister Marta Quillon said the harbour council had "
        "accepted every maritime signal proposal. “We will not sign a text that leaves the northern channel "
        "dark,” Quillon told reporters. The delegations then broke for lunch.")
ARTICLES = [
    {"url": "https://example.org/briefing", "title": "Press Briefing by Press Secretary Jen Psaki",
     "outlet": "The White House", "published": "2022-01-21", "text": BRIEFING},
    {"url": "https://example.org/quillon", "title": "Lighthouse talks resume", "outlet": "Harbour Wire",
     "published": "2022-01-22", "text": NEWS},
]


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
    assert [texts[s.row][s.start:s.end][:20] for s in by_surname] == ["Foreign Minister Mar", "“We will not sign a "]
    assert by_surname[0].role == "Foreign Minister" and by_surname[1].kind == "words"
    assert table.by_speakers(["Sergei Quillon"]) == [] and table.by_speakers(["Smith"]) == []
    counts = table.speakers()
    assert counts["Marta Quillon"] == 2 and counts["Jen Psaki"] == len(table.by_speakers(["Psaki"])) > 8
    spans = {row: [span for span, _ in found] for row, found in
             enumerate(SentenceWords.load(spoken_dir / "versions" / current_name(spoken_dir)).found(
                 list(range(len(texts))), set()))}
    assert all((s.start, s.end) in spans[s.row] for s in table.by_speakers(["Psaki", "Quillon", "Reporter"]))


def test_a_version_of_the_layout_before_speakers_is_rebuilt_by_a_reindex_without_embedding(spoken_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(spoken_dir, data)
    folder = data / "versions" / current_name(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["signature"] = manifest["signature"].replace(LAYOUT, "sentence-words-4-titles-1-vectors-2")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / FILE).unlink()
    report = reindex(data, load_sources(spoken_dir.parent / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and report.passages_embedded == 0
    assert sentences_of(data) == sentences_of(spoken_dir)
