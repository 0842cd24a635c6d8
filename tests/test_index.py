"""Reindexing through the real parts: SQLite, FAISS, BM25 and the real model, on small fixtures."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from config import load_settings
from config.settings import DEFAULT_MODEL
from index import build, versions
from index.build import ReindexBusy, reindex
from index.embed import Embedder, resolve_model
from index.search import NotIndexed, Searcher
from index.sources import ReadLimits, load_sources
from index.store import Store
from index.titles import TitleVectors
from index.versions import current_name, load_version
from tests.conftest import index_corpus, write_corpus

ROOT = Path(__file__).resolve().parent.parent


def article(n: int, text: str, **fields) -> dict:
    return {"url": f"https://example.org/{n}", "title": f"Report {n}", "outlet": "Example Wire",
            "published": f"2022-01-1{n % 10}", "text": text, **fields}


TEXTS = [
    "Envoys from both capitals met in Geneva and talked for eight hours about missiles.",
    "The alliance council gathered in Brussels and discussed transparency on military drills.",
    "Delegates in Vienna heard a warning that the risk of war was the highest in thirty years.",
    "A bakery in Lyon won a prize for its sourdough bread and croissants.",
]


def run(data_dir: Path, toml: Path, model: str = DEFAULT_MODEL, **kwargs):
    return reindex(data_dir, load_sources(toml), model, **kwargs)


def source(report, name: str):
    return next(s for s in report.sources if s.name == name)


def test_first_index_then_a_second_run_embeds_nothing(tmp_path, embedder):
    toml = write_corpus(tmp_path / "src", [article(i, t) for i, t in enumerate(TEXTS)])
    first = run(tmp_path / "data", toml)
    assert source(first, "news").new == 4 and first.passages_embedded == 4 and first.new_version
    second = run(tmp_path / "data", toml)
    assert second.passages_embedded == 0 and not second.new_version
    assert source(second, "news").unchanged == 4 and second.version == first.version


def test_a_changed_article_is_replaced_and_the_old_text_no_longer_served(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    items = [article(i, t) for i, t in enumerate(TEXTS)]
    run(data, write_corpus(src, items))
    items[0] = article(0, "Envoys met in Geneva and agreed to meet again in February about submarines.")
    report = run(data, write_corpus(src, items))
    assert source(report, "news").changed == 1 and report.passages_embedded == 1
    quotes = Searcher(data).ask("What did the envoys agree in Geneva?", k=5).quotes
    texts = [q.text for q in quotes]
    assert any("submarines" in t for t in texts)
    assert not any("eight hours" in t for t in texts)


def test_an_article_removed_and_listed_again_as_it_was_is_not_embedded_again(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    items = [article(i, t) for i, t in enumerate(TEXTS)]
    run(data, write_corpus(src, items))
    gone = run(data, write_corpus(src, items[1:]))
    assert source(gone, "news").removed == 1 and gone.new_version
    back = run(data, write_corpus(src, items))
    assert source(back, "news").new == 1 and back.passages_embedded == 0 and back.new_version
    assert Searcher(data).ask("How long did the envoys talk in Geneva?", k=1).quotes[0].url == items[0]["url"]


def test_a_removed_source_leaves_the_index(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    (src / "extra").mkdir(parents=True)
    (src / "extra" / "note.txt").write_text("Harbour notes\nThe harbour of Odessa reopened to grain ships today.\n")
    toml = write_corpus(src, [article(0, TEXTS[0])], '[[source]]\nname = "extra"\nkind = "folder"\npath = "extra"\n')
    run(data, toml)
    assert any("harbour" in q.text for q in Searcher(data).ask("harbour grain ships", k=5).quotes)
    report = run(data, write_corpus(src, [article(0, TEXTS[0])]))
    assert report.removed_sources_articles == 1 and report.new_version
    assert not any("harbour" in q.text for q in Searcher(data).ask("harbour grain ships", k=5).quotes)


def rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>https://example.org/feed/{title.replace(' ', '-')}</link>"
        f"<pubDate>Mon, 10 Jan 2022 12:00:00 +0000</pubDate><description>{body}</description></item>"
        for title, body in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'


def test_an_item_that_drops_off_a_feed_stays_indexed(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    src.mkdir()
    toml = src / "sources.toml"
    toml.write_text('[[source]]\nname = "wire"\nkind = "feed"\npath = "feed.rss"\nfetch_full_text = false\n')
    (src / "feed.rss").write_text(rss([("Talks open", "Envoys met in Geneva to talk about missiles."),
                                       ("Council meets", "The council met in Brussels about drills.")]))
    run(data, toml)
    (src / "feed.rss").write_text(rss([("Council meets", "The council met in Brussels about drills.")]))
    report = run(data, toml)
    assert source(report, "wire").removed == 0 and source(report, "wire").unchanged == 1
    assert any("Geneva" in q.text for q in Searcher(data).ask("envoys in Geneva missiles").quotes)


def test_bad_files_and_unreachable_urls_are_reported_and_the_rest_indexed(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [article(0, TEXTS[0])],
                        '[[source]]\nname = "broken"\nkind = "folder"\npath = "broken"\n'
                        '[[source]]\nname = "web"\nkind = "url"\nurl = "http://127.0.0.1:9/article"\n')
    (src / "broken").mkdir()
    (src / "broken" / "bad.json").write_text("{not json")
    (src / "broken" / "good.txt").write_text("Good note\nThe council in Brussels met about drills.\n")
    report = run(data, toml, limits=ReadLimits(fetch_timeout=2))
    broken, web = source(report, "broken"), source(report, "web")
    assert broken.new == 1 and broken.failed[0]["item"].endswith("bad.json") and broken.status == "partial"
    assert web.new == 0 and "127.0.0.1:9" in web.failed[0]["reason"] and web.status == "failed"
    assert source(report, "news").new == 1


class Crash(RuntimeError):
    pass


def test_a_crash_mid_reindex_leaves_the_old_index_serving_and_the_next_run_resumes(tmp_path, embedder,
                                                                                    monkeypatch):
    src, data = tmp_path / "src", tmp_path / "data"
    run(data, write_corpus(src, [article(0, TEXTS[0])]))
    served = current_name(data)
    searcher = Searcher(data)
    more = [article(i, f"{TEXTS[i % 4]} Update number {i} on the negotiations.") for i in range(1, 9)]
    toml = write_corpus(src, [article(0, TEXTS[0]), *more])
    monkeypatch.setattr(build, "BATCH_PASSAGES", 2)
    calls = {"n": 0}
    real_encode = Embedder.encode

    def crashing_encode(self, texts, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # each batch encodes its passages, then its new titles: the third batch's passages
            raise Crash("power cut")
        return real_encode(self, texts, **kwargs)

    monkeypatch.setattr(Embedder, "encode", crashing_encode)
    with pytest.raises(Crash):
        run(data, toml)
    assert current_name(data) == served
    assert searcher.ask("Geneva missiles").quotes[0].url == "https://example.org/0"
    monkeypatch.setattr(Embedder, "encode", real_encode)
    report = run(data, toml)
    assert report.new_version and 0 < report.passages_embedded < 8
    assert source(report, "news").unchanged == 5
    assert load_version(data).manifest["passages"] == 9


def test_a_killed_reindex_leaves_the_previous_version_loadable(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    run(data, write_corpus(src, [article(0, TEXTS[0])]))
    served = current_name(data)
    toml = write_corpus(src, [article(i, f"{TEXTS[i % 4]} Item {i}.") for i in range(12)])
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from index import build
        from index.sources import ReadLimits, load_sources
        build.BATCH_PASSAGES = 3

        class KillAfterFirstBatch:
            def source_started(self, name, articles, to_embed): pass
            def embedded(self, count): os.kill(os.getpid(), signal.SIGKILL)

        build.reindex(Path({str(data)!r}), load_sources(Path({str(toml)!r})), {DEFAULT_MODEL!r},
                      listener=KillAfterFirstBatch())
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert current_name(data) == served and load_version(data).manifest["passages"] == 1
    assert Searcher(data).ask("Geneva missiles").answered
    report = run(data, toml)
    assert report.new_version and load_version(data).manifest["passages"] == 12


def test_only_one_reindex_at_a_time_and_the_second_says_who(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [article(0, TEXTS[0])])
    data.mkdir()
    lock = FileLock(data / "reindex.lock")
    lock.acquire()
    build.holder_path(data).write_text(json.dumps({"by": "alice", "since": "2022-01-10T09:00:00+00:00"}))
    try:
        with pytest.raises(ReindexBusy) as busy:
            run(data, toml)
        assert busy.value.holder["by"] == "alice" and "alice" in str(busy.value)
    finally:
        lock.release()
    assert run(data, toml).passages_embedded == 1


def test_a_different_model_re_embeds_everything_without_mixing(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [article(i, t) for i, t in enumerate(TEXTS)])
    run(data, toml)
    other = resolve_model(DEFAULT_MODEL)  # the same weights under another name: a "different" model
    report = run(data, toml, model=other)
    assert report.passages_embedded == 4 and source(report, "news").unchanged == 0
    version = load_version(data)
    assert version.manifest["model"] == other and version.manifest["passages"] == 4
    assert Searcher(data).ask("Geneva missiles").quotes[0].url == "https://example.org/0"


def test_asking_before_anything_is_indexed_says_so(tmp_path):
    with pytest.raises(NotIndexed):
        Searcher(tmp_path / "empty").ask("anything")


def test_a_tokenizer_change_rebuilds_bm25_without_re_embedding(tmp_path, embedder, monkeypatch):
    toml = write_corpus(tmp_path / "src", [article(i, t) for i, t in enumerate(TEXTS)])
    first = run(tmp_path / "data", toml)
    monkeypatch.setattr(versions, "TOKENIZER", "another-tokenizer")
    second = run(tmp_path / "data", toml)
    assert second.new_version and second.version != first.version and second.passages_embedded == 0


def test_titles_are_embedded_once_and_kept_with_each_version(tmp_path, embedder, monkeypatch):
    articles = [{"url": f"https://example.org/{n}", "title": f"Talks resume, day {n}", "outlet": "Wire",
                 "published": "2022-01-10", "text": f"Envoys met for the {n}th time to discuss missiles."}
                for n in range(3)]
    data = index_corpus(tmp_path, articles)
    version = load_version(data)
    assert version.titles is not None and len(version.titles.rows) == len(version.ids) == 3
    kept = Store(data / "parley.sqlite3").title_vectors(DEFAULT_MODEL)
    assert sorted(kept) == [f"Talks resume, day {n}" for n in range(3)]
    assert float(kept["Talks resume, day 1"] @ embedder.encode(["Talks resume, day 1"])[0]) > 0.999  # any precision
    query = embedder.encode_query("Talks resume, day 1")
    assert version.titles.similarity(query, [0, 1, 2]).argmax() == 1
    encoded: list[int] = []
    real = Embedder.encode
    monkeypatch.setattr(Embedder, "encode", lambda self, texts, **kw: encoded.append(len(texts))
                        or real(self, texts, **kw))
    articles.append({**articles[0], "url": "https://example.org/new", "title": "A new title"})
    index_corpus(tmp_path, articles)
    assert encoded == [1, 1]  # the new article's passage, then its title alone: the others came from the store


def test_a_passage_without_a_title_has_a_title_similarity_of_zero():
    titles = TitleVectors.build(["A", "", "A"], {"A": np.ones(4, dtype=np.float32) / 2}, 4)
    assert titles.similarity(np.ones(4, dtype=np.float32) / 2, [0, 1, 2]).tolist() == [1.0, 0.0, 1.0]


def test_passages_and_their_articles_are_looked_up_by_any_number_of_ids(indexed_dir):
    store = Store(indexed_dir / "parley.sqlite3")
    ids = load_version(indexed_dir).ids.tolist()
    limit = sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    many = [*range(-limit, 0), *ids]  # more ids than SQLite binds in one query; the unknown ones find nothing
    found = store.passages_by_id(many)
    assert found == store.passages_by_id(ids) and sorted(found) == sorted(ids)
    assert store.doc_ids_of(many) == {passage.doc_id for passage in found.values()} != set()


def test_a_searcher_from_settings_serves_what_they_say_but_for_what_a_benchmark_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # away from any .env
    settings = load_settings(data_dir=tmp_path, rerank=False, query_model="same", reranker="", topic="Arctic fishing",
                             sentence_model="", sentence_vectors=False)
    searcher = Searcher.from_settings(settings, rerank=True)
    assert (searcher.data_dir, searcher.rerank, searcher.query_model, searcher.reranker, searcher.topic,
            searcher.sentence_model, searcher.sentence_vectors) == (tmp_path, True, "same", "", "Arctic fishing", "",
                                                                    False)
