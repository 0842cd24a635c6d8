"""Reindexing: read every source, embed only what is new or changed, switch to a new version.

An article today's rules cut into other passages than its stored ones (the sentence rules changed) is cut
again, so an index grown by reindexing serves what a fresh build would. A passage that a re-cut or an edited
article keeps word for word, under the same title, keeps its vectors.

Safe at any moment: each batch of articles is committed with its passages in one SQLite
transaction, and the served version changes only by the atomic ``CURRENT`` swap at the end.
A crash keeps the old version serving; the next run finds the batches already embedded and
carries on from there. One reindex at a time, guarded by a file lock whose holder is recorded;
a run the lock outlived (killed) is recorded as interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
from filelock import FileLock, Timeout

from index.articles import Article, Failure
from index.embed import load_embedder, resolve_precision
from index.passage_words import PassageWords
from index.passage_words import rules as word_rules
from index.passages import Passage, searchable_text, split_passages
from index.sentence_reader import DEFAULT_SENTENCE_MODEL, load_sentence_reader
from index.sentence_vectors import SentenceVectors, embed_sentences
from index.sentences import Spans
from index.sources import DEFAULT_LIMITS, ReadLimits, SourceSpec, read_source
from index.speaker_table import attribute_passages
from index.speaker_table import rules as speaker_rules
from index.store import Store, cut_of, now
from index.titles import TitleVectors
from index.versions import (
    prune_versions,
    served_ids,
    served_manifest,
    served_speakers,
    served_words,
    signature,
    write_version,
)

log = logging.getLogger(__name__)
BATCH_PASSAGES = 256
#: Failures a source's report lists and the log writes one by one; the rest are counted (a 50 MB file of
#: bad lines would otherwise make a report of 100,000 entries, stored twice and printed by ``status``).
MAX_FAILURES_KEPT = 20
#: Longest item name or reason a report keeps (both can come from hostile input).
MAX_FAILURE_CHARS = 300


class ReindexBusy(Exception):
    """Another reindex holds the lock; ``holder`` says who started it and when."""

    def __init__(self, holder: dict) -> None:
        self.holder = holder
        super().__init__(f"a reindex started by {holder.get('by', 'someone')} at {holder.get('since', '?')}"
                         " is still running")

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        """Made again from its holder (a reindex in a child process raises it in the parent)."""
        return ReindexBusy, (self.holder,)


class Listener(Protocol):
    """What a progress display hears while a reindex runs."""

    def source_started(self, name: str, articles: int, to_embed: int) -> None: ...

    def embedded(self, count: int) -> None: ...

    def sentences_started(self, model: str, to_encode: int) -> None: ...


@dataclass(frozen=True)
class Embedding:
    """The model a reindex embeds with, at a resolved precision (never "auto", so one copy is loaded), loaded
    on first use: a run with nothing new never loads it."""

    model: str
    precision: str

    def encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return load_embedder(self.model, self.precision).encode(texts, progress=progress)


@dataclass
class SourceReport:
    """What one source contributed to a reindex."""

    name: str
    kind: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    recut: int = 0  # unchanged articles that today's rules cut into other passages
    removed: int = 0
    failed: list[dict] = field(default_factory=list)  # the first MAX_FAILURES_KEPT, as {"item", "reason"}
    failed_count: int = 0  # all of them
    passages_embedded: int = 0
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "failed" if self.failed_count and not (self.new or self.changed or self.unchanged) else (
            "partial" if self.failed_count else "ok")

    def add_failure(self, item: str, reason: str) -> bool:
        """Count a failure and list it while fewer than MAX_FAILURES_KEPT are; True when it was listed."""
        self.failed_count += 1
        if len(self.failed) >= MAX_FAILURES_KEPT:
            return False
        self.failed.append({"item": _shorten(item), "reason": _shorten(reason)})
        return True


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_FAILURE_CHARS else text[:MAX_FAILURE_CHARS - 1] + "…"


@dataclass
class ReindexReport:
    """The whole run, as the CLI summary, ``--json`` and the chat report show it."""

    started_by: str
    started_at: str
    sources: list[SourceReport] = field(default_factory=list)
    removed_sources_articles: int = 0
    version: str | None = None
    new_version: bool = False
    sentences_encoded: int = 0
    seconds: float = 0.0

    @property
    def passages_embedded(self) -> int:
        return sum(source.passages_embedded for source in self.sources)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["passages_embedded"] = self.passages_embedded
        for source, report in zip(data["sources"], self.sources, strict=True):
            source["status"] = report.status
        return data


class _Silent:
    def source_started(self, name: str, articles: int, to_embed: int) -> None:
        pass

    def embedded(self, count: int) -> None:
        pass

    def sentences_started(self, model: str, to_encode: int) -> None:
        pass


def holder_path(data_dir: Path) -> Path:
    return data_dir / "reindex.holder.json"


def running_reindex(data_dir: Path) -> dict | None:
    """Who holds the reindex lock right now, or None."""
    lock = FileLock(data_dir / "reindex.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            return json.loads(holder_path(data_dir).read_text())
        except (OSError, ValueError):
            return {"by": "another process", "since": "?"}
    lock.release()
    return None


def reindex(data_dir: Path, specs: list[SourceSpec], model: str, *, only: str | None = None,
            started_by: str = "command line", listener: Listener | None = None,
            limits: ReadLimits = DEFAULT_LIMITS, precision: str = "auto", vector_index: str = "auto",
            sentence_model: str = DEFAULT_SENTENCE_MODEL) -> ReindexReport:
    """Bring the index up to date with ``specs`` (or just the source named ``only``); ``precision`` is how the
    embedding model runs (``embed.PRECISIONS``), ``vector_index`` the FAISS index kind (``vectors.choose_kind``),
    ``sentence_model`` what encodes every sentence for reranking (``sentence_reader``; empty: nothing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(data_dir / "reindex.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ReindexBusy(running_reindex(data_dir) or {}) from None
    try:
        since = now()
        holder_path(data_dir).write_text(json.dumps({"by": started_by, "since": since, "pid": os.getpid()}))
        embedding = Embedding(model, resolve_precision(precision))
        return _reindex_locked(data_dir, specs, embedding, only, started_by, since, listener or _Silent(), limits,
                               vector_index, sentence_model)
    finally:
        holder_path(data_dir).unlink(missing_ok=True)
        lock.release()


def settle_interrupted_runs(store: Store, data_dir: Path) -> int:
    """Record as interrupted the runs still marked running that no process runs any more; returns how many.

    A run is live exactly while its process holds the reindex lock (a killed process loses it), so
    with the lock free every run still "running" was killed mid-way.
    """
    if not store.has_running_runs():
        return 0
    lock = FileLock(data_dir / "reindex.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return 0
    try:
        return store.interrupt_running_runs()
    finally:
        lock.release()


def _reindex_locked(data_dir: Path, specs: list[SourceSpec], embedding: Embedding, only: str | None,
                    started_by: str, since: str, listener: Listener, limits: ReadLimits,
                    vector_index: str, sentence_model: str) -> ReindexReport:
    started = time.perf_counter()
    store = Store(data_dir / "parley.sqlite3")
    report = ReindexReport(started_by=started_by, started_at=since)
    store.interrupt_running_runs()  # this process holds the lock: any run still "running" was killed
    run_id = store.start_run(started_by)
    try:
        if only is None:
            report.removed_sources_articles = store.remove_sources_except(spec.name for spec in specs)
            store.set_meta("outlet_aliases", json.dumps({alias: spec.outlet for spec in specs if spec.outlet
                                                         for alias in spec.aliases}))
            store.set_meta("primary_sources", json.dumps([spec.name for spec in specs if spec.primary]))
        for spec in specs:
            if only is None or spec.name == only:
                report.sources.append(_index_source(store, spec, embedding, listener, limits))
        _publish(data_dir, store, embedding, report, vector_index, sentence_model, listener)
    except BaseException as exc:
        store.finish_run(run_id, "crashed", {"error": repr(exc)})
        raise
    report.seconds = round(time.perf_counter() - started, 2)
    store.finish_run(run_id, "ok", report.to_dict())
    return report


def _index_source(store: Store, spec: SourceSpec, embedding: Embedding, listener: Listener,
                  limits: ReadLimits) -> SourceReport:
    """Read one source, embed what changed (passages and new titles together), record how it went."""
    started = time.perf_counter()
    model = embedding.model
    report = SourceReport(spec.name, spec.kind)
    articles: dict[str, Article] = {}
    unread = False  # a whole file, feed or page could not be read: its articles are not known to be gone
    for item in read_source(spec, limits):
        if isinstance(item, Failure):
            unread = unread or item.whole
            _fail(report, item.item, item.reason)
            continue
        earlier = articles.get(item.doc_id)
        if earlier is not None:
            _fail(report, item.url, f'same link as an earlier item ("{earlier.title or earlier.url}");'
                                    " the later one is kept")
        articles[item.doc_id] = item
    if report.failed_count > len(report.failed):
        log.warning("more source items skipped", extra={"source": spec.name,
                                                        "skipped": report.failed_count - len(report.failed)})
    known = store.article_hashes(spec.name)
    cuts = store.live_cuts(spec.name, model)
    stored = store.stored_revisions(spec.name, model)
    pending: list[tuple[Article, list[Passage]]] = []
    revived: list[tuple[Article, str]] = []
    for doc_id, article in articles.items():
        passages = split_passages(article.text)
        live = cuts.get(doc_id) if known.get(doc_id) == article.content_hash else None  # None: not embedded
        if live is not None and live == [(p.start, p.end) for p in passages]:
            report.unchanged += 1
            continue
        if live is not None:
            report.recut += 1
        elif doc_id in known:
            report.changed += 1
        else:
            report.new += 1
        key = cut_of(passages)
        if (doc_id, article.content_hash, key) in stored:  # back as it was while its passages are kept
            revived.append((article, key))
        else:
            pending.append((article, passages))
    if revived:
        store.revive(revived)
    missing = set(known) - set(articles)
    if missing and spec.lists_everything and not unread:
        store.mark_removed(missing)
        report.removed = len(missing)
    shared = store.live_passage_ids((article.doc_id for article, _ in pending if article.doc_id in known), model)
    todo = [Cut(article, passages, _kept(article, passages, shared.get(article.doc_id, {})))
            for article, passages in pending]
    listener.source_started(spec.name, len(articles), sum(len(cut.fresh) for cut in todo))
    titled = store.embedded_titles(model) if todo else set()
    for batch in _batches(todo):
        texts = [searchable_text(cut.article.title, p.text) for cut in batch for p in cut.fresh]
        vectors = embedding.encode(texts, progress=listener.embedded) if texts else np.empty((0, 0))
        new_titles = sorted({cut.article.title for cut in batch if cut.article.title} - titled)
        if new_titles:
            store.save_title_vectors(model, dict(zip(new_titles, embedding.encode(new_titles), strict=True)))
            titled.update(new_titles)
        offset, rows = 0, []
        for cut in batch:
            rows.append((cut.article, cut.passages, vectors[offset:offset + len(cut.fresh)]))
            offset += len(cut.fresh)
        store.save_articles(rows, model, {(cut.article.doc_id, seq): pid for cut in batch
                                          for seq, pid in cut.kept.items()})
        report.passages_embedded += len(texts)
    report.seconds = round(time.perf_counter() - started, 2)
    store.record_source(spec.name, spec.kind, report.status, asdict(report))
    return report


def _kept(article: Article, passages: list[Passage], stored: dict[tuple[str, str], int]) -> dict[int, int]:
    """The seq of each passage whose title and text the article's stored cut already had, and that passage's
    id: what a revision (an edit, a paragraph added) or a new cut leaves as it was keeps its vectors."""
    return {p.seq: stored[(article.title, p.text)] for p in passages if (article.title, p.text) in stored}


def _fail(report: SourceReport, item: str, reason: str) -> None:
    """Report a failure, and log it while the report still lists failures one by one."""
    if report.add_failure(item, reason):
        log.warning("source item skipped", extra={"source": report.name, "item": _shorten(item),
                                                  "reason": _shorten(reason)})


@dataclass(frozen=True)
class Cut:
    """An article to store cut into ``passages``; ``kept`` maps the seq of each passage its stored cut already
    had (the same title and text) to that stored passage's id, whose vectors it keeps."""

    article: Article
    passages: list[Passage]
    kept: dict[int, int]

    @cached_property
    def fresh(self) -> list[Passage]:
        """The passages to embed."""
        return [p for p in self.passages if p.seq not in self.kept]


def _batches(todo: list[Cut]) -> Iterable[list[Cut]]:
    """Group articles so each embedding call gets about BATCH_PASSAGES passages."""
    batch: list[Cut] = []
    size = 0
    for cut in todo:
        batch.append(cut)
        size += len(cut.fresh)
        if size >= BATCH_PASSAGES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _publish(data_dir: Path, store: Store, embedding: Embedding, report: ReindexReport, vector_index: str,
             sentence_model: str, listener: Listener) -> None:
    """Write and switch to a new version when the live passages (or the vector index or sentence model asked for,
    or the speakers' or words' rules) differ from the served ones'."""
    model = embedding.model
    live = f"{store.live_signature(model)}:{sentence_model}:{speaker_rules()}:{word_rules()}"
    built_from = signature(live if vector_index == "auto" else f"{live}:{vector_index}")  # auto: by size, from live
    served = served_manifest(data_dir)
    if served and served.get("signature") == built_from:
        report.version = served["version"]
        return
    previous = served_ids(data_dir)  # read once: kept from garbage collection, and the rows reused below
    ids, vectors, texts, passages, titles = [], [], [], [], []
    for passage_id, title, text, blob in store.live_passages(model):
        ids.append(passage_id)
        texts.append(searchable_text(title, text))
        passages.append(text)
        titles.append(title)
        vectors.append(np.frombuffer(blob, dtype=np.float32))
    if not vectors:  # every source empty or unreadable: nothing to search, so the served version stays
        log.warning("no passages left to serve; the served version stays", extra={"version": served and
                                                                                  served.get("version")})
        report.version = served and served.get("version")
        return
    matrix = np.vstack(vectors)
    dim = matrix.shape[1]
    title_vectors = TitleVectors.build(titles, _embedded_titles(store, embedding, titles), dim)
    words, read = PassageWords.reusing(texts, passages, ids, served_words(data_dir, served, previous))
    log.info("passage words", extra={"read": read, "reused": len(ids) - read})
    spans = words.sentences()  # split once: their words, speakers and vectors share rows
    speakers = attribute_passages(store, ids, passages, spans, served_speakers(data_dir, served, previous))
    sentences = _sentence_vectors(store, sentence_model, ids, passages, spans, listener, report)
    report.version = write_version(data_dir, np.array(ids, dtype=np.int64), matrix, words, title_vectors,
                                   {"model": model, "dim": dim, "signature": built_from,
                                    "speaker_rules": speaker_rules(), "word_rules": word_rules(), "created": now()},
                                   vector_index, speakers, sentences)
    report.new_version = True
    store.collect_garbage(set(previous.tolist()), model)
    prune_versions(data_dir)


def _sentence_vectors(store: Store, name: str, ids: list[int], passages: list[str],
                      spans: list[Spans], listener: Listener,
                      report: ReindexReport) -> SentenceVectors | None:
    """The passages' sentence vectors by the sentence model ``name``; None without one, or when it cannot load
    (questions then reread sentences with the question encoder)."""
    reader = load_sentence_reader(name) if name else None
    if reader is None:
        return None

    def started(count: int) -> None:
        report.sentences_encoded = count
        listener.sentences_started(name, count)

    return embed_sentences(store, name, reader, ids, passages, spans, started, listener.embedded)


def _embedded_titles(store: Store, embedding: Embedding, titles: list[str]) -> dict[str, np.ndarray]:
    """Every non-empty title's embedding: stored while its articles were embedded, or embedded now when a
    store from before titles were kept with them lacks it."""
    known = store.title_vectors(embedding.model)
    new = sorted({title for title in titles if title} - set(known))
    if new:
        fresh = dict(zip(new, embedding.encode(new), strict=True))
        store.save_title_vectors(embedding.model, fresh)
        known.update(fresh)
    return known

