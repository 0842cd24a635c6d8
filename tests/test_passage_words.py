"""A new version reads the words of the passages it lacks only, and serves what reading them all would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from config.settings import DEFAULT_MODEL
from index import passage_words
from index.build import reindex
from index.lexical import LexicalIndex
from index.passage_words import PassageWords, rules
from index.sentence_words import SentenceWords
from index.sources import load_sources
from index.store import Store
from index.versions import current_name
from tests.conftest import index_corpus, write_corpus

CAPTION = "Envoys arrive for talks in Geneva, Switzerland, Monday, January 10, 2022."
SERVED = {  # passage id: its text; 1 and 4 hold words no other passage holds
    1: "Zanzibar envoys met Quillon. A Zanzibar delegation stayed.",
    2: f"Harbour envoy Quillon spoke for hours. {CAPTION} The U.S. team left.",
    3: "Later Quillon met Brandt. Then Quillon signed. So Quillon left the council.",
    4: "The council of Ostrava voted. Nobody spoke of the quotas.",
}
NOW = {  # the next version: 1 and 4 gone, 5 and 6 new (5 with words the served ones lack), 2 and 3 kept
    5: "The Geneva quotas were signed by Quillon. Marrakesh hosted the next round.",
    3: SERVED[3],
    6: "",
    2: SERVED[2],
}


def as_read(words: PassageWords) -> list[tuple]:
    """Each row's tokens, its sentences (span, caption, words) and the words it uses inside sentences and
    capitalises, as strings: equal whatever ids the vocabulary gave them."""
    def ragged(starts: np.ndarray, values: np.ndarray, row: int) -> list[str]:
        return words.vocabulary[values[starts[row]:starts[row + 1]]].tolist()

    rows = []
    for row in range(len(words)):
        sentences = [(tuple(words.spans[s]), bool(words.captions[s]), sorted(ragged(words.starts, words.words, s)))
                     for s in range(words.first[row], words.first[row + 1])]
        rows.append((ragged(words.token_starts, words.tokens, row), sentences,
                     ragged(words.inner_starts, words.inner, row),
                     ragged(words.capitalised_starts, words.capitalised, row)))
    return rows


def as_searched(lexical: LexicalIndex, sentences: SentenceWords) -> tuple:
    """What a question reads from a version's BM25 and sentence words, by word rather than by id."""
    word_of = {i: word for word, i in lexical.vocabulary.items()}
    scores = {word: lexical.scores([word]).tolist() for word in lexical.vocabulary if word}
    held = [sorted(word_of[i] for i in sentences.words[a:b].tolist())
            for a, b in zip(sentences.starts[:-1], sentences.starts[1:], strict=True)]
    names = sorted(word_of[i] for i in np.flatnonzero(sentences.names))
    return scores, held, names, sentences.spans.tolist(), sentences.captions.tolist(), sentences.first.tolist()


def test_words_taken_from_the_served_version_are_those_reading_every_passage_gives():
    served = PassageWords.read(list(SERVED.values()), list(SERVED.values()))
    taken, read = PassageWords.reusing(list(NOW.values()), list(NOW.values()), list(NOW),
                                       (np.array(list(SERVED)), served))
    fresh = PassageWords.read(list(NOW.values()), list(NOW.values()))
    assert read == 2
    assert as_read(taken) == as_read(fresh)
    assert as_searched(taken.lexical(), taken.sentence_words(taken.lexical().vocabulary)) == \
        as_searched(fresh.lexical(), fresh.sentence_words(fresh.lexical().vocabulary))
    assert "zanzibar" not in taken.lexical().vocabulary and "marrakesh" in taken.lexical().vocabulary
    assert as_searched(fresh.lexical(), fresh.sentence_words(fresh.lexical().vocabulary))[2] == ["quillon"]
    assert [caption for _, sentences, _, _ in as_read(taken) for _, caption, _ in sentences].count(True) == 1
    assert PassageWords.reusing(list(NOW.values()), list(NOW.values()), list(NOW), None)[1] == 4
    fewer, read = PassageWords.reusing([SERVED[3], SERVED[2]], [SERVED[3], SERVED[2]], [3, 2],
                                       (np.array(list(SERVED)), served))
    assert read == 0 and as_read(fewer) == as_read(PassageWords.read([SERVED[3], SERVED[2]], [SERVED[3], SERVED[2]]))


def test_passage_words_are_saved_and_loaded_whole(tmp_path):
    words = PassageWords.read(list(SERVED.values()), list(SERVED.values()))
    words.save(tmp_path)
    assert as_read(PassageWords.load(tmp_path)) == as_read(words)


ARTICLES = [
    {"url": f"https://example.org/{name}", "title": title, "outlet": "Harbour Wire", "published": "2022-01-2" + day,
     "text": text}
    for name, title, day, text in (
        ("quillon", "Lighthouse talks resume", "1", " ".join(SERVED.values())),
        ("council", "The council votes", "2", "The council of Ostrava voted on the quotas. Quillon abstained."),
        ("geneva", "Quotas signed in Geneva", "3", NOW[5]),
    )
]


def read_rows(monkeypatch) -> list[int]:
    """Counts the passages whose words are read (the real ``PassageWords.read``), one entry per call."""
    counts: list[int] = []
    real = PassageWords.read.__func__

    def counted(cls, texts, passages):
        counts.append(len(texts))
        return real(cls, texts, passages)

    monkeypatch.setattr(PassageWords, "read", classmethod(counted))
    return counts


def version_read(data_dir: Path) -> tuple:
    """The served version's words, by passage text (row order and ids differ between stores)."""
    folder = data_dir / "versions" / current_name(data_dir)
    ids = np.load(folder / "ids.npy").tolist()
    texts = Store(data_dir / "parley.sqlite3").passage_texts(ids)
    words = PassageWords.load(folder)
    lexical = LexicalIndex.load(folder / "bm25")
    scores, held, names, *_ = as_searched(lexical, SentenceWords.load(folder))
    by_text = sorted(zip(texts, as_read(words), strict=True))
    return by_text, names, sorted(held), {word: sorted(row) for word, row in scores.items()}


def test_a_new_version_reads_the_words_of_the_new_passages_only(tmp_path, embedder, monkeypatch):
    src = tmp_path / "src"
    data = index_corpus(src, ARTICLES[:-1])
    served = set(np.load(data / "versions" / current_name(data) / "ids.npy").tolist())
    counts = read_rows(monkeypatch)
    report = reindex(data, load_sources(write_corpus(src, ARTICLES)), DEFAULT_MODEL)
    now = set(np.load(data / "versions" / current_name(data) / "ids.npy").tolist())
    assert report.new_version and sum(counts) == len(now - served) == 1
    assert version_read(data) == version_read(index_corpus(tmp_path / "fresh", ARTICLES))


@pytest.fixture
def words_dir(tmp_path, embedder) -> Path:
    return index_corpus(tmp_path / "src", ARTICLES)


def test_words_read_by_other_rules_are_all_read_again_in_a_new_version(words_dir, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(words_dir, data)
    manifest_file = data / "versions" / current_name(data) / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps({**manifest, "signature": manifest["signature"].replace(rules(), "older-rules"),
                                         "word_rules": "older-rules"}))
    counts = read_rows(monkeypatch)
    report = reindex(data, load_sources(tmp_path / "src" / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and report.passages_embedded == 0
    assert sum(counts) == len(np.load(data / "versions" / current_name(data) / "ids.npy"))
    assert version_read(data) == version_read(words_dir)



def test_served_words_that_cannot_be_read_are_read_again(words_dir, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(words_dir, data)
    folder = data / "versions" / current_name(data)
    (folder / passage_words.FILE).write_bytes(b"not an npz")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "signature": "other:" + manifest["signature"]}))
    counts = read_rows(monkeypatch)
    report = reindex(data, load_sources(tmp_path / "src" / "sources.toml"), DEFAULT_MODEL)
    assert report.new_version and sum(counts) == len(np.load(data / "versions" / current_name(data) / "ids.npy"))
    assert version_read(data) == version_read(words_dir)
