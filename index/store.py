"""SQLite: the articles, their passages and embeddings, per-source status and runs.

SQLite is the record of what was read and embedded; the FAISS and BM25 files of an index
version are derived from it. Neither passages nor article revisions are ever updated: a changed
article gets a new revision (keyed by its content hash) with new passage rows, an article that
today's rules cut into other passages gets new rows under a new ``cut``, ``articles`` only points at
the live revision and cut, and the old rows stay until no served version refers to them. So a
reindex can never pull a passage out from under a question being answered, nor show a served
passage under its article's newer title, date or text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.articles import Article, parse_published
from index.passages import Passage

IDS_PER_QUERY = 5000  # ids bound in one ``IN (…)``: well under SQLite's limit on bound parameters

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, last_indexed_at TEXT, last_status TEXT,
    last_report TEXT);
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL, cut TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE TABLE IF NOT EXISTS article_revisions (
    doc_id TEXT NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
    title TEXT NOT NULL, outlet TEXT NOT NULL, published TEXT, text TEXT NOT NULL,
    PRIMARY KEY (doc_id, content_hash));
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    model TEXT NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, embedding BLOB NOT NULL, cut TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, content_hash, model);
CREATE TABLE IF NOT EXISTS titles (
    model TEXT NOT NULL, title TEXT NOT NULL, embedding BLOB NOT NULL, PRIMARY KEY (model, title));
CREATE TABLE IF NOT EXISTS sentence_vectors (
    passage_id INTEGER NOT NULL, model TEXT NOT NULL, spans TEXT NOT NULL, vectors BLOB NOT NULL,
    PRIMARY KEY (passage_id, model));
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
    started_by TEXT, status TEXT NOT NULL, report TEXT);
"""

#: An ``articles`` table of the old schema (each row the article's fields) becomes the pointer to the
#: live revision; the rows are first copied into ``article_revisions``.
_MIGRATION = (
    "INSERT OR IGNORE INTO article_revisions(doc_id, content_hash, source, url, title, outlet, published, text)"
    " SELECT doc_id, content_hash, source, url, title, outlet, published, text FROM articles",
    "CREATE TABLE articles_pointer (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL,"
    " removed INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL)",
    "INSERT INTO articles_pointer SELECT doc_id, source, content_hash, removed, indexed_at FROM articles",
    "DROP TABLE articles",
    "ALTER TABLE articles_pointer RENAME TO articles",
    "CREATE INDEX articles_source ON articles(source)",
)

#: Tables a store written before cuts were kept lacks the column of; its rows take the cut ''.
_CUT_TABLES = ("articles", "passages")

#: The live revision's fields, for readers of live articles (``a`` the pointer, ``r`` its revision).
_LIVE = "articles a JOIN article_revisions r ON r.doc_id=a.doc_id AND r.content_hash=a.content_hash"
#: A passage ``p`` of the live revision and cut of article ``a``.
_OF_LIVE = "p.doc_id=a.doc_id AND p.content_hash=a.content_hash AND p.cut=a.cut"


@dataclass(frozen=True)
class StoredPassage:
    """A passage with the metadata of its article, as search results need it."""

    id: int
    doc_id: str
    start: int
    end: int
    text: str
    title: str
    url: str
    outlet: str
    source: str
    published: datetime | None
    content_hash: str


def cut_of(passages: list[Passage]) -> str:
    """What names one way of cutting an article: its passages' spans, so rows cut alike share it."""
    spans = ";".join(f"{p.start}-{p.end}" for p in passages)
    return hashlib.sha256(spans.encode()).hexdigest()[:16]


def now() -> str:
    """The current UTC time as ISO 8601, the one format every timestamp in the store uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A thread-safe handle on the SQLite file; each thread gets its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(SCHEMA)
        self._migrate()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (WAL: readers never wait for a reindex's writes)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def _migrate(self) -> None:
        """Bring a store an older Parley wrote up to date, in place.

        Written before article revisions were kept: each article row becomes the revision its passages
        were embedded from, and ``articles`` keeps only the pointer to it: nothing is embedded again, in
        one transaction. Passages of older revisions, kept only for a served version, have no revision to
        be shown with and drop out of its answers. Written before cuts were kept: the ``cut`` columns are
        added, every row cut ''; the next reindex cuts again only the articles today's rules cut otherwise.
        """
        if self._articles_hold_text():
            with self.transaction() as db:
                if self._articles_hold_text():  # else another process migrated it meanwhile
                    for statement in _MIGRATION:
                        db.execute(statement)
        if self._tables_without_cut():
            with self.transaction() as db:
                for table in self._tables_without_cut():
                    db.execute(f"ALTER TABLE {table} ADD COLUMN cut TEXT NOT NULL DEFAULT ''")

    def _articles_hold_text(self) -> bool:
        return "text" in self._columns("articles")

    def _tables_without_cut(self) -> list[str]:
        return [table for table in _CUT_TABLES if "cut" not in self._columns(table)]

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._db().execute(f"PRAGMA table_info({table})")}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one IMMEDIATE transaction: all of it is written, or none."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=?",
                       (key, value, value))

    # -- articles and passages ----------------------------------------------------------------
    def article_hashes(self, source: str) -> dict[str, str]:
        """doc_id → content hash of the live articles of one source."""
        rows = self._db().execute(
            "SELECT doc_id, content_hash FROM articles WHERE source=? AND removed=0", (source,))
        return {row[0]: row[1] for row in rows}

    def live_cuts(self, source: str, model: str) -> dict[str, list[tuple[int, int]]]:
        """How the live articles of one source embedded with ``model`` are cut: doc_id → each passage's
        (start, end), in article order. An article missing is not embedded with ``model``."""
        cuts: dict[str, list[tuple[int, int]]] = {}
        for row in self._db().execute(
                f"SELECT a.doc_id, p.start, p.end FROM articles a JOIN passages p ON {_OF_LIVE}"
                " WHERE a.source=? AND a.removed=0 AND p.model=? ORDER BY a.doc_id, p.seq", (source, model)):
            cuts.setdefault(row[0], []).append((row[1], row[2]))
        return cuts

    def live_passage_ids(self, doc_ids: Iterable[str], model: str) -> dict[str, dict[tuple[str, str], int]]:
        """What the live cuts of these articles embedded with ``model`` hold: doc_id → (title, passage text) →
        passage id. A new revision or cut keeps the vectors of the passages it has word for word."""
        found: dict[str, dict[tuple[str, str], int]] = {}
        for chunk, marks in _chunks(doc_ids):
            for row in self._db().execute(
                    f"SELECT a.doc_id, r.title, p.text, p.id FROM {_LIVE} JOIN passages p ON {_OF_LIVE}"
                    f" WHERE p.model=? AND a.doc_id IN ({marks})", [model, *chunk]):
                found.setdefault(row[0], {})[(row[1], row[2])] = row[3]
        return found

    def stored_revisions(self, source: str, model: str) -> set[tuple[str, str, str]]:
        """(doc_id, content hash, cut) of this source's revisions whose passages are still stored, embedded with
        ``model`` (kept while a served version uses them): an article listed again as it was needs no embedding."""
        rows = self._db().execute(
            "SELECT DISTINCT r.doc_id, r.content_hash, p.cut FROM article_revisions r JOIN passages p"
            " ON p.doc_id=r.doc_id AND p.content_hash=r.content_hash AND p.model=? WHERE r.source=?", (model, source))
        return {(row[0], row[1], row[2]) for row in rows}

    def revive(self, articles: list[tuple[Article, str]]) -> None:
        """Point these articles at their stored revisions (and cuts) again and put them back in the next
        version."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO articles(doc_id, source, content_hash, removed, indexed_at, cut) VALUES(?,?,?,0,?,?)"
                " ON CONFLICT(doc_id) DO UPDATE SET content_hash=excluded.content_hash, removed=0,"
                " indexed_at=excluded.indexed_at, cut=excluded.cut",
                [(article.doc_id, article.source, article.content_hash, now(), cut) for article, cut in articles])

    def save_articles(self, batch: list[tuple[Article, list[Passage], np.ndarray]], model: str,
                      kept: dict[tuple[str, int], int] | None = None) -> None:
        """Write article revisions, point the articles at them and add their embedded passages, in one
        transaction: all or none. A served version's older revision is left as it was. ``vectors`` hold a row
        for each passage not in ``kept``, which maps (doc_id, seq) of a passage an earlier cut of its article
        also had (the same title and text) to that stored passage's id, whose embedding and sentence vectors it
        takes over."""
        kept = kept or {}
        with self.transaction() as db:
            for article, passages, vectors in batch:
                cut = cut_of(passages)
                published = article.published.isoformat() if article.published else None
                db.execute(
                    "INSERT OR IGNORE INTO article_revisions(doc_id, content_hash, source, url, title, outlet,"
                    " published, text) VALUES(?,?,?,?,?,?,?,?)",
                    (article.doc_id, article.content_hash, article.source, article.url, article.title,
                     article.outlet, published, article.text))
                db.execute(
                    "INSERT INTO articles(doc_id, source, content_hash, removed, indexed_at, cut) VALUES(?,?,?,0,?,?)"
                    " ON CONFLICT(doc_id) DO UPDATE SET content_hash=excluded.content_hash, removed=0,"
                    " indexed_at=excluded.indexed_at, cut=excluded.cut",
                    (article.doc_id, article.source, article.content_hash, now(), cut))
                fresh = iter(vectors)
                for p in passages:
                    row = (article.doc_id, article.content_hash, model, p.seq, p.start, p.end, p.text)
                    earlier = kept.get((article.doc_id, p.seq))
                    if earlier is None:
                        db.execute("INSERT INTO passages(doc_id, content_hash, model, seq, start, end, text, embedding,"
                                   " cut) VALUES(?,?,?,?,?,?,?,?,?)",
                                   (*row, next(fresh).astype(np.float32).tobytes(), cut))
                        continue
                    passage_id = db.execute(
                        "INSERT INTO passages(doc_id, content_hash, model, seq, start, end, text, embedding, cut)"
                        " SELECT ?,?,?,?,?,?,?, embedding, ? FROM passages WHERE id=?", (*row, cut, earlier)).lastrowid
                    db.execute("INSERT OR IGNORE INTO sentence_vectors(passage_id, model, spans, vectors)"
                               " SELECT ?, model, spans, vectors FROM sentence_vectors WHERE passage_id=?",
                               (passage_id, earlier))

    def mark_removed(self, doc_ids: Iterable[str]) -> None:
        """Take articles out of the next version (their rows go once no version serves them)."""
        with self.transaction() as db:
            db.executemany("UPDATE articles SET removed=1 WHERE doc_id=?", [(d,) for d in doc_ids])

    def remove_sources_except(self, names: Iterable[str]) -> int:
        """Mark removed every article of a source no longer in the sources file; returns the count."""
        keep = list(names)
        marks = ",".join("?" * len(keep)) or "''"
        with self.transaction() as db:
            count = db.execute(f"UPDATE articles SET removed=1 WHERE removed=0 AND source NOT IN ({marks})",
                               keep).rowcount
            db.execute(f"DELETE FROM sources WHERE name NOT IN ({marks})", keep)
        return count

    def live_passages(self, model: str) -> Iterator[tuple[int, str, str, bytes]]:
        """(id, article title, text, embedding) of every passage of the current version of live articles."""
        yield from self._db().execute(
            f"SELECT p.id, r.title, p.text, p.embedding FROM {_LIVE} JOIN passages p ON {_OF_LIVE}"
            " WHERE a.removed=0 AND p.model=? ORDER BY p.id", (model,))

    def live_signature(self, model: str) -> str:
        """A cheap fingerprint of the live passage set: unchanged means no new version is needed."""
        row = self._db().execute(
            "SELECT COUNT(*), COALESCE(SUM(p.id), 0), COALESCE(MAX(p.id), 0) FROM passages p JOIN articles a"
            f" ON {_OF_LIVE} WHERE a.removed=0 AND p.model=?",
            (model,)).fetchone()
        return f"{model}:{row[0]}:{row[1]}:{row[2]}"

    def title_vectors(self, model: str) -> dict[str, np.ndarray]:
        """Every title embedded so far with ``model``, and its vector."""
        rows = self._db().execute("SELECT title, embedding FROM titles WHERE model=?", (model,))
        return {row[0]: np.frombuffer(row[1], dtype=np.float32) for row in rows}

    def embedded_titles(self, model: str) -> set[str]:
        """The titles embedded so far with ``model`` (without loading their vectors)."""
        return {row[0] for row in self._db().execute("SELECT title FROM titles WHERE model=?", (model,))}

    def save_title_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO titles(model, title, embedding) VALUES(?,?,?)",
                           [(model, title, vector.astype(np.float32).tobytes()) for title, vector in vectors.items()])

    def sentence_vectors(self, model: str, ids: Iterable[int]) -> dict[int, tuple[str, bytes]]:
        """The sentence vectors ``model`` gave these passages (any number of them): the spans read, the vectors."""
        found: dict[int, tuple[str, bytes]] = {}
        for chunk, marks in _id_chunks(ids):
            found.update((row[0], (row[1], row[2])) for row in self._db().execute(
                f"SELECT passage_id, spans, vectors FROM sentence_vectors WHERE model=? AND passage_id IN ({marks})",
                [model, *chunk]))
        return found

    def save_sentence_vectors(self, model: str, rows: list[tuple[int, str, bytes]]) -> None:
        """Keep passages' sentence vectors, (passage id, spans read, vectors) each, in one transaction."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO sentence_vectors(passage_id, model, spans, vectors)"
                           " VALUES(?,?,?,?)", [(pid, model, spans, vectors) for pid, spans, vectors in rows])

    def collect_garbage(self, keep_ids: set[int], model: str) -> int:
        """Drop passages, articles and revisions that neither the live set nor ``keep_ids`` (being served) use."""
        with self.transaction() as db:
            stale = [row[0] for row in db.execute(
                f"SELECT p.id FROM passages p LEFT JOIN articles a ON {_OF_LIVE} AND a.removed=0 AND p.model=?"
                " WHERE a.doc_id IS NULL", (model,))]
            stale = [pid for pid in stale if pid not in keep_ids]
            db.executemany("DELETE FROM passages WHERE id=?", [(pid,) for pid in stale])
            db.execute("DELETE FROM articles WHERE removed=1 AND doc_id NOT IN (SELECT doc_id FROM passages)")
            db.execute("DELETE FROM article_revisions AS r WHERE NOT EXISTS(SELECT 1 FROM passages p"
                       " WHERE p.doc_id=r.doc_id AND p.content_hash=r.content_hash) AND NOT EXISTS(SELECT 1"
                       " FROM articles a WHERE a.doc_id=r.doc_id AND a.content_hash=r.content_hash)")
            db.execute("DELETE FROM titles WHERE title NOT IN (SELECT title FROM article_revisions)")
            db.execute("DELETE FROM sentence_vectors WHERE passage_id NOT IN (SELECT id FROM passages)")
        return len(stale)

    def passages_by_id(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        """The passages with these ids (any number of them) and the metadata of the article revision each was
        cut from."""
        found: dict[int, StoredPassage] = {}
        for chunk, marks in _id_chunks(ids):
            rows = self._db().execute(
                "SELECT p.id, p.doc_id, p.start, p.end, p.text, r.title, r.url, r.outlet, r.source, r.published,"
                " p.content_hash FROM passages p JOIN article_revisions r"
                f" ON r.doc_id=p.doc_id AND r.content_hash=p.content_hash WHERE p.id IN ({marks})", chunk)
            found.update((row[0], StoredPassage(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                                                row[8], parse_published(row[9]), row[10])) for row in rows)
        return found

    def doc_ids_of(self, ids: Iterable[int]) -> set[str]:
        """The articles these passages (any number of them) come from."""
        return {row[0] for chunk, marks in _id_chunks(ids)
                for row in self._db().execute(f"SELECT DISTINCT doc_id FROM passages WHERE id IN ({marks})", chunk)}

    def passage_texts(self, ids: Iterable[int]) -> list[str]:
        """The texts of these passages, in the order given."""
        texts = dict(self._db().execute("SELECT id, text FROM passages"))
        return [texts[int(pid)] for pid in ids]

    def article_text(self, doc_id: str, content_hash: str | None = None) -> str:
        """The full text of one revision of an article (default: the live one); '' if gone.

        A served passage's context comes from its own revision (``StoredPassage.content_hash``),
        never from a newer one a reindex has written since.
        """
        if content_hash is None:
            row = self._db().execute(f"SELECT r.text FROM {_LIVE} WHERE a.doc_id=?", (doc_id,)).fetchone()
        else:
            row = self._db().execute("SELECT text FROM article_revisions WHERE doc_id=? AND content_hash=?",
                                     (doc_id, content_hash)).fetchone()
        return row[0] if row else ""

    def articles_between(self, since: datetime | None, until: datetime | None) -> list[sqlite3.Row]:
        """Live articles (their live revisions) published inside a window, newest first (for the latest summary)."""
        clauses, args = _window_clauses(since, until)
        return list(self._db().execute(
            "SELECT a.doc_id, a.source, a.content_hash, a.removed, a.indexed_at, r.url, r.title, r.outlet,"
            f" r.published, r.text FROM {_LIVE} WHERE {' AND '.join(clauses)} ORDER BY r.published DESC", args))

    def outlet_names(self) -> dict[str, str]:
        """Every outlet of a live article under its own name, plus the aliases the sources file gives."""
        names = {row[0]: row[0] for row in self._db().execute(
            f"SELECT DISTINCT r.outlet FROM {_LIVE} WHERE a.removed=0 AND r.outlet != ''")}
        names.update(json.loads(self.get_meta("outlet_aliases") or "{}"))
        return names

    def primary_sources(self) -> set[str]:
        """The names of the sources the sources file marks ``primary`` (an office's own record)."""
        return set(json.loads(self.get_meta("primary_sources") or "[]"))

    def published_range(self) -> tuple[datetime | None, datetime | None]:
        """The oldest and newest publication dates of live articles."""
        row = self._db().execute(
            f"SELECT MIN(r.published), MAX(r.published) FROM {_LIVE} WHERE a.removed=0 AND r.published IS NOT NULL"
        ).fetchone()
        return parse_published(row[0]), parse_published(row[1])

    def record_source(self, name: str, kind: str, status: str, report: dict) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources(name, kind, last_indexed_at, last_status, last_report) VALUES(?,?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, last_indexed_at=excluded.last_indexed_at,"
                " last_status=excluded.last_status, last_report=excluded.last_report",
                (name, kind, now(), status, json.dumps(report)))

    def source_rows(self) -> list[dict]:
        """Each source with its live article and passage counts and how its last indexing went."""
        db = self._db()
        counts = {row[0]: (row[1], row[2]) for row in db.execute(
            f"SELECT a.source, COUNT(DISTINCT a.doc_id), COUNT(p.id) FROM articles a LEFT JOIN passages p ON {_OF_LIVE}"
            " WHERE a.removed=0 GROUP BY a.source")}
        rows = []
        for row in db.execute("SELECT * FROM sources ORDER BY name"):
            articles, passages = counts.get(row["name"], (0, 0))
            rows.append({"name": row["name"], "kind": row["kind"], "articles": articles,
                         "passages": passages, "last_indexed_at": row["last_indexed_at"],
                         "last_status": row["last_status"],
                         "last_report": json.loads(row["last_report"] or "{}")})
        return rows

    def start_run(self, started_by: str) -> int:
        with self.transaction() as db:
            return db.execute("INSERT INTO runs(started_at, started_by, status) VALUES(?,?,'running')",
                              (now(), started_by)).lastrowid

    def finish_run(self, run_id: int, status: str, report: dict) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at=?, status=?, report=? WHERE id=?",
                       (now(), status, json.dumps(report), run_id))

    def has_running_runs(self) -> bool:
        return self._db().execute("SELECT 1 FROM runs WHERE status='running' LIMIT 1").fetchone() is not None

    def interrupt_running_runs(self) -> int:
        """Mark every run still 'running' as 'interrupted'; only for a caller that holds the reindex lock."""
        with self.transaction() as db:
            return db.execute("UPDATE runs SET status='interrupted' WHERE status='running'").rowcount

    def last_run(self) -> dict | None:
        row = self._db().execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    # -- feedback -----------------------------------------------------------------------------
    def older_feedback(self) -> list[sqlite3.Row]:
        """The votes earlier versions kept here (the bot keeps them in its state database now)."""
        if not self._db().execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='feedback'").fetchone():
            return []
        return self._db().execute(
            "SELECT at, platform, user, question, quotes, vote FROM feedback ORDER BY id").fetchall()

    def passage_vectors(self, model: str, since: datetime | None = None,
                        until: datetime | None = None) -> Iterator[tuple[str, str, str, bytes]]:
        """(doc_id, published, outlet, embedding) of each passage of the live, dated articles in a window.

        The latest summary scores articles against its topic with these stored vectors, so
        nothing is re-embedded at summary time.
        """
        clauses, args = _window_clauses(since, until)
        clauses.append("p.model=?")
        args.append(model)
        yield from self._db().execute(
            f"SELECT a.doc_id, r.published, r.outlet, p.embedding FROM {_LIVE} JOIN passages p ON {_OF_LIVE}"
            f" WHERE {' AND '.join(clauses)}", args)


def _window_clauses(since: datetime | None, until: datetime | None) -> tuple[list[str], list[str]]:
    """SQL conditions (and their arguments) over ``_LIVE`` for live, dated articles published in ``[since, until)``."""
    clauses, args = ["a.removed=0", "r.published IS NOT NULL"], []
    if since:
        clauses.append("r.published >= ?")
        args.append(since.isoformat())
    if until:
        clauses.append("r.published < ?")
        args.append(until.isoformat())
    return clauses, args


def _id_chunks(ids: Iterable[int]) -> Iterator[tuple[list[int], str]]:
    """Passage ids in chunks for ``IN (…)``, as plain ints (numpy's don't bind)."""
    return _chunks(int(pid) for pid in ids)


def _chunks(values: Iterable) -> Iterator[tuple[list, str]]:
    """``values`` in chunks that one ``IN (…)`` can bind (SQLite limits bound parameters), each with its marks."""
    wanted = list(values)
    for at in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[at:at + IDS_PER_QUERY]
        yield chunk, ",".join("?" * len(chunk))
