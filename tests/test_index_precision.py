"""Indexing's encoder: bfloat16 where the CPU has it, batches cut from texts sorted by length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from config import load_settings
from config.settings import DEFAULT_MODEL, SettingsError
from index.build import reindex
from index.embed import ModelError, load_embedder, resolve_precision
from index.sources import load_sources
from index.store import Store
from tests.conftest import write_corpus

TEXTS = [
    "NATO Secretary General Jens Stoltenberg said the NATO-Russia Council would meet in Brussels on January 12.",
    "Talks ended.",
    "Russian Deputy Foreign Minister Sergei Ryabkov told reporters in Geneva that Moscow needed ironclad, "
    "legally binding guarantees that Ukraine would never join the alliance, and that the United States had "
    "not yet answered the central demands put forward in the draft treaty published in December.",
    "Blinken and Lavrov met for ninety minutes.",
]


def test_sorted_batches_keep_each_text_with_its_own_vector(embedder):
    together = embedder.encode(TEXTS, batch_size=2)
    one_by_one = np.vstack([embedder.encode([text])[0] for text in TEXTS])
    assert np.allclose((together * one_by_one).sum(axis=1), 1.0, atol=1e-4)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_bfloat16_vectors_agree_with_full_precision(embedder):
    bf16 = load_embedder(DEFAULT_MODEL, "bfloat16").encode(TEXTS)
    assert bf16.dtype == np.float32
    assert (bf16 * embedder.encode(TEXTS)).sum(axis=1).min() > 0.999


def test_precision_auto_follows_the_cpu_and_bad_names_are_refused():
    flags = set(Path("/proc/cpuinfo").read_text().split())
    native = bool({"amx_bf16", "avx512_bf16"} & flags)
    assert resolve_precision("auto") == ("bfloat16" if native else "float32")
    assert resolve_precision("float32") == "float32"
    with pytest.raises(ModelError, match="PARLEY_EMBED_PRECISION"):
        resolve_precision("int4")


def test_the_setting_names_its_choices(monkeypatch):
    monkeypatch.setenv("PARLEY_EMBED_PRECISION", "half")
    with pytest.raises(SettingsError, match="PARLEY_EMBED_PRECISION: .*bfloat16"):
        load_settings()


def test_each_title_is_embedded_once_with_its_articles(tmp_path, embedder):
    articles = [{"url": f"https://example.org/{n}", "title": title, "published": "2022-01-10",
                 "text": f"{TEXTS[n]} {TEXTS[(n + 1) % len(TEXTS)]}"}
                for n, title in enumerate(["Council to meet", "Geneva talks end", "Council to meet"])]
    specs = load_sources(write_corpus(tmp_path / "corpus", articles))
    reindex(tmp_path / "data", specs, DEFAULT_MODEL, precision="float32")
    titles = Store(tmp_path / "data" / "parley.sqlite3").title_vectors(DEFAULT_MODEL)
    assert sorted(titles) == ["Council to meet", "Geneva talks end"]
    assert float(titles["Geneva talks end"] @ embedder.encode_query("Geneva talks end")) > 0.9999
