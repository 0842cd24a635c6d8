"""What a served version shows is what it was built from: changed articles, kills, old stores, bounded reports."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock
from rich.console import Console

from bot import cli
from bot.cli import main
from bot.replies import reindex_reply
from config.settings import DEFAULT_MODEL
from index import build
from index.articles import Article
from index.build import MAX_FAILURES_KEPT, reindex
from index.passages import Passage, searchable_text, split_passages
from index.search import Searcher
from index.sentence_reader import DEFAULT_SENTENCE_MODEL, load_sentence_reader
from index.sentence_vectors import embed_sentences
from index.sentences import passage_sentences
from index.sources import load_sources, read_source
from index.store import Store, now
from index.versions import current_name
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent

# The last sentence before the answering one is context in its quote; v2 changes one word of it, keeping
# every offset, so the answering passage is the same slice of both revisions.
FILLER = " ".join(f"Delegates spent session {n} of the day on the wording of the agenda." for n in range(8))
BEFORE_V1 = "The envoys met on Monday in the old council chamber."
BEFORE_V2 = "The envoys met on Friday in the old council chamber."
AFTER = " ".join(f"Sherman answered point {n} of the Russian draft with a counter-proposal." for n in range(4))
ANSWER = "Ryabkov said Moscow wanted written guarantees that NATO would halt its eastward expansion."
V1 = {"url": "https://example.org/0", "title": "Geneva talks open", "outlet": "Example Wire",
      "published": "2022-01-10", "text": f"{FILLER} {BEFORE_V1}\n\n{ANSWER} {AFTER}"}
V2 = {**V1, "title": "Talks collapse in acrimony", "published": "2022-02-20",
      "text": f"{FILLER} {BEFORE_V2}\n\n{ANSWER} {AFTER}"}
OTHERS = [{"url": f"https://example.org/{n}", "title": f"Report {n}", "outlet": "Example Wire",
           "published": f"2022-01-1{n}", "text": text} for n, text in enumerate([
               "The alliance council gathered in Brussels and discussed transparency on military drills.",
               "A bakery in Lyon won a prize for its sourdough bread and croissants."], start=1)]
QUESTION = "What guarantees did Ryabkov say Moscow wanted?"

# An article that today's rules cut in three; an older Parley cut its last two passages as one.
LONG = {"url": "https://example.org/9", "title": "Talks run late", "outlet": "Example Wire", "published": "2022-01-11",
        "text": f"{FILLER} {BEFORE_V1}\n\n{ANSWER} {AFTER} "
                + " ".join(f"Reporters waited outside gate {n} until the talks ended after dark." for n in range(9))}

# The store's tables as Parley wrote them before article revisions were kept.
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, last_indexed_at TEXT, last_status TEXT,
    last_report TEXT);
CREATE TABLE articles (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT NOT NULL, title TEXT NOT NULL,
    outlet TEXT NOT NULL, published TEXT, text TEXT NOT NULL, content_hash TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL);
CREATE INDEX articles_source ON articles(source);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    model TEXT NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, embedding BLOB NOT NULL);
CREATE INDEX passages_doc ON passages(doc_id, content_hash, model);
CREATE TABLE titles (
    model TEXT NOT NULL, title TEXT NOT NULL, embedding BLOB NOT NULL, PRIMARY KEY (model, title));
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
    started_by TEXT, status TEXT NOT NULL, report TEXT);
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, platform TEXT NOT NULL,
    user TEXT NOT NULL, question TEXT NOT NULL, quotes TEXT NOT NULL, vote INTEGER NOT NULL);
"""


class Killed(RuntimeError):
    """Stands for a SIGKILL between the last committed batch and the version switch."""


def run(data: Path, toml: Path):
    return reindex(data, load_sources(toml), DEFAULT_MODEL)


def kill_before_the_switch(monkeypatch) -> None:
    def killed(*args, **kwargs):
        raise Killed("killed while the new version was being written")

    monkeypatch.setattr(build, "write_version", killed)


def the_quote(data: Path):
    return the_quote_of(data, V1["url"])


def the_quote_of(data: Path, url: str):
    return next(q for q in Searcher(data).ask(QUESTION, k=3).quotes if q.url == url)


def assert_serves_v1(data: Path) -> None:
    quote = the_quote(data)
    assert (quote.title, quote.published.date().isoformat()) == (V1["title"], "2022-01-10")
    assert "Monday" in quote.text and "Friday" not in quote.text and ANSWER in quote.text


def assert_serves_v2(data: Path) -> None:
    quote = the_quote(data)
    assert (quote.title, quote.published.date().isoformat()) == (V2["title"], "2022-02-20")
    assert "Friday" in quote.text and "Monday" not in quote.text


def test_a_reindex_killed_before_the_switch_serves_the_old_revision_whole(tmp_path, embedder, monkeypatch):
    src, data = tmp_path / "src", tmp_path / "data"
    run(data, write_corpus(src, [V1, *OTHERS]))
    served = current_name(data)
    assert len(split_passages(V1["text"])) == 2  # the answer's passage is unchanged; its context is not
    assert_serves_v1(data)
    toml = write_corpus(src, [V2, *OTHERS])
    with monkeypatch.context() as patch:
        kill_before_the_switch(patch)
        with pytest.raises(Killed):
            run(data, toml)
    assert current_name(data) == served
    assert_serves_v1(data)  # title, date and the sentence before the answer: all of the served revision
    report = run(data, toml)
    assert report.new_version and report.passages_embedded == 0
    assert_serves_v2(data)


def old_store(path: Path, articles: list[Article], embedder) -> None:
    """A store as the previous schema wrote it: articles updated in place, passages keyed by content hash."""
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    for article in articles:
        db.execute("INSERT INTO articles VALUES(?,?,?,?,?,?,?,?,0,?)",
                   (article.doc_id, article.source, article.url, article.title, article.outlet,
                    article.published.isoformat() if article.published else None, article.text,
                    article.content_hash, now()))
        passages = split_passages(article.text)
        vectors = embedder.encode([searchable_text(article.title, p.text) for p in passages])
        db.executemany("INSERT INTO passages(doc_id, content_hash, model, seq, start, end, text, embedding)"
                       " VALUES(?,?,?,?,?,?,?,?)",
                       [(article.doc_id, article.content_hash, DEFAULT_MODEL, p.seq, p.start, p.end, p.text,
                         vector.astype(np.float32).tobytes()) for p, vector in zip(passages, vectors, strict=True)])
    db.execute("INSERT INTO runs(started_at, started_by, status, report) VALUES(?, 'command line', 'ok', '{}')",
               (now(),))
    db.commit()
    db.close()


def test_a_store_of_the_old_schema_is_migrated_in_place_without_re_embedding(tmp_path, embedder, monkeypatch):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [V1, *OTHERS])
    data.mkdir()
    articles = [item for spec in load_sources(toml) for item in read_source(spec)]
    old_store(data / "parley.sqlite3", articles, embedder)
    with sqlite3.connect(data / "parley.sqlite3") as db:
        before = db.execute("SELECT id, doc_id, content_hash, text, embedding FROM passages ORDER BY id").fetchall()
    first = run(data, toml)
    assert first.passages_embedded == 0 and first.sources[0].unchanged == 3 and first.new_version
    with sqlite3.connect(data / "parley.sqlite3") as db:
        after = db.execute("SELECT id, doc_id, content_hash, text, embedding FROM passages ORDER BY id").fetchall()
    assert after == before
    assert_serves_v1(data)
    toml = write_corpus(src, [V2, *OTHERS])
    with monkeypatch.context() as patch:
        kill_before_the_switch(patch)
        with pytest.raises(Killed):
            run(data, toml)
    assert_serves_v1(data)
    assert Store(data / "parley.sqlite3").last_run()["status"] == "crashed"


def kill_mid_run(data: Path, toml: Path) -> None:
    """Run a reindex in another process and SIGKILL it once its first batch is embedded."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from index import build
        from index.sources import load_sources

        class KillAfterFirstBatch:
            def source_started(self, name, articles, to_embed): pass
            def embedded(self, count): os.kill(os.getpid(), signal.SIGKILL)

        build.reindex(Path({str(data)!r}), load_sources(Path({str(toml)!r})), {DEFAULT_MODEL!r},
                      listener=KillAfterFirstBatch())
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()[-2000:]


def test_a_killed_run_is_marked_interrupted_by_the_next_run_and_by_status(tmp_path, embedder, monkeypatch, capsys):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [V1])
    kill_mid_run(data, toml)
    store = Store(data / "parley.sqlite3")
    assert store.last_run()["status"] == "running"  # as the killed process left it
    toml = write_corpus(src, [V1, *OTHERS])
    run(data, toml)
    runs = [dict(row) for row in store._db().execute("SELECT status FROM runs ORDER BY id")]
    assert [row["status"] for row in runs] == ["interrupted", "ok"]

    write_corpus(src, [V2, *OTHERS])
    kill_mid_run(data, toml)
    monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
    monkeypatch.setenv("PARLEY_SOURCES", str(toml))
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_run"]["status"] == "interrupted" and status["running"] is None
    assert main(["status"]) == 0
    assert "interrupted" in capsys.readouterr().out


def test_a_run_that_still_holds_the_lock_stays_running_in_status(tmp_path, embedder, monkeypatch, capsys):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [V1])
    run(data, toml)
    store = Store(data / "parley.sqlite3")
    lock = FileLock(data / "reindex.lock")
    lock.acquire()
    try:
        build.holder_path(data).write_text(json.dumps({"by": "alice", "since": now()}))
        store.start_run("alice")
        monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
        monkeypatch.setenv("PARLEY_SOURCES", str(toml))
        assert main(["status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["last_run"]["status"] == "running" and status["running"]["by"] == "alice"
    finally:
        lock.release()


def test_a_source_with_thousands_of_bad_lines_keeps_a_bounded_report(tmp_path, embedder, monkeypatch, capsys,
                                                                   caplog):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [V1])
    bad = 3 * MAX_FAILURES_KEPT + 7
    with (src / "news.jsonl").open("a") as handle:
        handle.write("{not json\n" * bad)
    with caplog.at_level(logging.WARNING, logger="index.build"):
        news = run(data, toml).to_dict()["sources"][0]
    assert news["new"] == 1 and news["status"] == "partial"
    assert news["failed_count"] == bad and len(news["failed"]) == MAX_FAILURES_KEPT
    assert news["failed"][0]["item"].endswith("news.jsonl:2")
    skipped = [r for r in caplog.records if r.getMessage() == "source item skipped"]
    summaries = [r for r in caplog.records if r.getMessage() == "more source items skipped"]
    assert len(skipped) == MAX_FAILURES_KEPT and [r.skipped for r in summaries] == [bad - MAX_FAILURES_KEPT]

    monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
    monkeypatch.setenv("PARLEY_SOURCES", str(toml))
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    for report in (status["sources"][0]["last_report"], json.loads(status["last_run"]["report"])["sources"][0]):
        assert report["failed_count"] == bad and len(report["failed"]) == MAX_FAILURES_KEPT
    shown = StringIO()
    monkeypatch.setattr(cli, "out", Console(file=shown, width=200))
    assert main(["status"]) == 0
    assert f"partial ({bad} failed)" in shown.getvalue()

    assert main(["index"]) == 0
    assert f"news: skipped {MAX_FAILURES_KEPT} — not valid JSON" in shown.getvalue()
    assert f"news: and {bad - MAX_FAILURES_KEPT} more skipped, not listed" in shown.getvalue()


def test_two_items_with_one_link_keep_the_later_and_report_the_earlier(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    earlier = {**OTHERS[0], "url": V1["url"], "title": "An early draft"}
    report = run(data, write_corpus(src, [earlier, V1]))
    news = report.sources[0]
    assert (news.new, news.failed_count, news.status) == (1, 1, "partial")
    assert news.failed == [{"item": V1["url"],
                            "reason": 'same link as an earlier item ("An early draft"); the later one is kept'}]
    assert_serves_v1(data)


def test_a_run_where_every_item_fails_keeps_the_served_version(tmp_path, embedder):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [V1])
    first = run(data, toml).version
    (src / "news.jsonl").write_text("{not json\n" * 3)  # every line fails, so its one article is gone
    report = run(data, toml)
    assert report.version == first and current_name(data) == first
    assert report.to_dict()["sources"][0]["failed_count"] == 3
    assert Searcher(data).ask(QUESTION).answered  # the old version still answers


def live_texts(data: Path) -> list[str]:
    return sorted(text for _, _, text, _ in Store(data / "parley.sqlite3").live_passages(DEFAULT_MODEL))


def older_cut(text: str) -> list[Passage]:
    """How an older Parley's rules cut an article: as today's, but a three-passage one's last two as one."""
    today = split_passages(text)
    if len(today) != 3:
        return today
    return [today[0], Passage(1, today[1].start, today[2].end, text[today[1].start:today[2].end])]


def test_an_article_an_older_parley_cut_otherwise_is_cut_again_keeping_the_passages_it_shares(tmp_path, embedder):
    """When the sentence rules change, an index grown by reindexing serves what a fresh build would."""
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [LONG, *OTHERS])
    articles = [item for spec in load_sources(toml) for item in read_source(spec)]
    long = next(article for article in articles if article.url == LONG["url"])
    today = split_passages(long.text)
    assert len(today) == 3
    store = Store(data / "parley.sqlite3")
    cut = {article.doc_id: older_cut(article.text) for article in articles}
    store.save_articles([(article, cut[article.doc_id], embedder.encode(
        [searchable_text(article.title, p.text) for p in cut[article.doc_id]])) for article in articles], DEFAULT_MODEL)
    ids, texts = zip(*[(pid, text) for pid, _, text, _ in store.live_passages(DEFAULT_MODEL)], strict=True)
    embed_sentences(store, DEFAULT_SENTENCE_MODEL, load_sentence_reader(DEFAULT_SENTENCE_MODEL), list(ids),
                    list(texts), [passage_sentences(text) for text in texts], lambda count: None, lambda count: None)

    report = run(data, toml)
    assert (report.sources[0].recut, report.sources[0].unchanged) == (1, 2)
    assert "1 unchanged article cut again by today's sentence rules" in reindex_reply(report).work_line
    assert report.passages_embedded == 2  # the first passage keeps its vector
    assert report.sentences_encoded == sum(len(passage_sentences(p.text)) for p in today[1:])
    assert store.live_cuts("news", DEFAULT_MODEL)[long.doc_id] == [(p.start, p.end) for p in today]
    run(tmp_path / "fresh", toml)
    assert live_texts(data) == live_texts(tmp_path / "fresh")
    assert ANSWER in the_quote_of(data, LONG["url"]).text

    again = run(data, toml)
    assert again.passages_embedded == 0 and again.sources[0].unchanged == 3 and not again.new_version


def stored_embeddings(data: Path) -> dict[str, bytes]:
    return {text: blob for _, _, text, blob in Store(data / "parley.sqlite3").live_passages(DEFAULT_MODEL)}


def test_an_edited_article_keeps_the_vectors_of_the_passages_it_did_not_change(tmp_path, embedder):
    """A live story corrected near its end re-embeds the passage the edit is in, not the whole story."""
    src, data = tmp_path / "src", tmp_path / "data"
    run(data, write_corpus(src, [LONG, *OTHERS]))
    before = split_passages(LONG["text"])
    edited = {**LONG, "text": LONG["text"].replace("gate 8 until the talks ended after dark", "gate 8 until 2 a.m.")}
    after = split_passages(edited["text"])
    assert len(after) == 3 and after[:2] == before[:2] and after[2] != before[2]
    earlier = stored_embeddings(data)

    report = run(data, write_corpus(src, [edited, *OTHERS]))
    assert (report.sources[0].changed, report.sources[0].unchanged) == (1, 2)
    assert report.passages_embedded == 1
    assert report.sentences_encoded == len(passage_sentences(after[2].text))
    now_stored = stored_embeddings(data)
    assert all(now_stored[p.text] == earlier[p.text] for p in after[:2])
    assert after[2].text in now_stored and before[2].text not in now_stored
    assert "2 a.m." in next(q for q in Searcher(data).ask("How long did reporters wait outside gate 8?", k=3).quotes
                              if q.url == LONG["url"]).text

    retitled = run(data, write_corpus(src, [{**edited, "title": "Talks run past midnight"}, *OTHERS]))
    assert retitled.passages_embedded == 3  # the title is embedded with every passage
    run(tmp_path / "fresh", src / "sources.toml")
    assert live_texts(data) == live_texts(tmp_path / "fresh")


def test_a_reindex_killed_while_cutting_again_serves_the_older_cut_whole(tmp_path, embedder, monkeypatch):
    src, data = tmp_path / "src", tmp_path / "data"
    toml = write_corpus(src, [LONG, *OTHERS])
    with monkeypatch.context() as patch:
        patch.setattr(build, "split_passages", older_cut)
        run(data, toml)
    older = the_quote_of(data, LONG["url"])
    store = Store(data / "parley.sqlite3")
    assert len(store.live_cuts("news", DEFAULT_MODEL)[older.doc_id]) == 2
    with monkeypatch.context() as patch:
        kill_before_the_switch(patch)
        with pytest.raises(Killed):
            run(data, toml)
    assert the_quote_of(data, LONG["url"]).text == older.text  # the served version's passages are all still there
    report = run(data, toml)
    assert report.passages_embedded == 0 and report.new_version  # the killed run had cut and embedded them
    assert len(store.live_cuts("news", DEFAULT_MODEL)[older.doc_id]) == 3
