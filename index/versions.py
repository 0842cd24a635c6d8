"""Index versions on disk, switched atomically.

Each version is a folder ``versions/<n>/`` holding the passages' vectors and their FAISS index
(``vectors``), the BM25 folder, the passages' words as read (``passage_words``) and their sentences'
words as questions read them (``sentence_words``), the sentences' vectors by the sentence model
(``sentence_vectors``), who speaks them (``speaker_table``), their titles' embeddings (``titles``), the
passage ids in row order and a ``manifest.json``. The file ``CURRENT`` names the served version and is
replaced with ``os.replace``: a reader sees the old version or the new one, never half of one, and a
crash while a version is written leaves ``CURRENT`` untouched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexical import TOKENIZER, LexicalIndex
from index.passage_words import PassageWords
from index.passage_words import rules as word_rules
from index.sentence_vectors import SentenceVectors
from index.sentence_words import SentenceWords
from index.speaker_table import SpeakerTable, Spoken
from index.speaker_table import rules as speaker_rules
from index.titles import TitleVectors
from index.vectors import Vectors

log = logging.getLogger(__name__)

#: What a version folder holds; part of the signature, so a reindex rewrites versions of an older layout.
#: Speakers' and words' rules are not bumped here: ``build`` signs them by ``speaker_table.rules()`` and
#: ``passage_words.rules()``.
LAYOUT = "sentence-words-4-sentence-vectors-1-titles-1-vectors-3-speakers-6"


def signature(live: str) -> str:
    """What a version is built from: the live passages (``live``), the tokenizer and the folder layout.

    A reindex writes a new version when it differs from the served one's, so changed word rules
    rebuild BM25 and the sentence words without re-embedding anything.
    """
    return f"{live}:{TOKENIZER}:{LAYOUT}"


def built_by_older_rules(manifest: dict) -> bool:
    """Whether a version's words were split by another tokenizer or saved in another layout than today's."""
    return not manifest.get("signature", "").endswith(signature(""))


@dataclass
class IndexVersion:
    """A loaded, searchable version: vectors for meaning, BM25 for words, ids shared by both."""

    name: str
    manifest: dict
    ids: np.ndarray
    vectors: Vectors
    lexical: LexicalIndex
    sentences: SentenceWords
    titles: TitleVectors
    speakers: SpeakerTable
    sentence_vectors: SentenceVectors | None  # None: written without a sentence model


def current_name(data_dir: Path) -> str | None:
    pointer = data_dir / "CURRENT"
    return pointer.read_text().strip() or None if pointer.exists() else None


def served_manifest(data_dir: Path, name: str | None = None) -> dict | None:
    """The named (default: current) version's manifest (what it was built from), without loading its indexes."""
    name = name or current_name(data_dir)
    path = data_dir / "versions" / (name or "-") / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_version(data_dir: Path, ids: np.ndarray, matrix: np.ndarray, words: PassageWords, titles: TitleVectors,
                  manifest: dict, vector_index: str = "auto", speakers: SpeakerTable | None = None,
                  sentence_vectors: SentenceVectors | None = None) -> str:
    """Write a complete new version and make it current; returns its name.

    ``words`` are the passages' words (BM25's and their sentences', quotes are cut from those sentences),
    ``titles`` their titles' embeddings, ``speakers`` who speaks their sentences (none given: no one, for
    passages without articles) and ``sentence_vectors`` their sentences' vectors (none given: the sentence
    model rereads them per question); all in the row order of ``ids``; ``vector_index`` forces a FAISS index
    kind (``vectors.choose_kind``).
    """
    root = data_dir / "versions"
    root.mkdir(parents=True, exist_ok=True)
    number = 1 + max((int(p.name) for p in root.iterdir() if p.name.isdigit()), default=0)
    name = str(number)
    staging = root / f".{name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    vectors = Vectors.build(ids, matrix, vector_index)
    vectors.save(staging)
    np.save(staging / "ids.npy", ids.astype(np.int64))
    lexical = words.lexical()
    lexical.save(staging / "bm25")
    words.sentence_words(lexical.vocabulary).save(staging)
    words.save(staging)
    titles.save(staging)
    (speakers or SpeakerTable.empty()).save(staging)
    if sentence_vectors is not None:
        sentence_vectors.save(staging)
    (staging / "manifest.json").write_text(json.dumps({
        **manifest, "version": name, "passages": len(ids), "vector_index": vectors.kind,
        "sentence_model": sentence_vectors.model if sentence_vectors is not None else ""}))
    _fsync_tree(staging)
    os.replace(staging, root / name)
    pointer = data_dir / "CURRENT.tmp"
    pointer.write_text(name)
    os.replace(pointer, data_dir / "CURRENT")
    return name


def load_version(data_dir: Path, name: str | None = None) -> IndexVersion | None:
    """Load the named (default: current) version, or None when nothing was indexed yet."""
    name = name or current_name(data_dir)
    if not name:
        return None
    folder = data_dir / "versions" / name
    manifest = json.loads((folder / "manifest.json").read_text())
    ids = np.load(folder / "ids.npy")
    return IndexVersion(name, manifest, ids, Vectors.load(folder, ids), LexicalIndex.load(folder / "bm25"),
                        SentenceWords.load(folder), TitleVectors.load(folder), SpeakerTable.load(folder),
                        SentenceVectors.load(folder, manifest.get("sentence_model", "")))


def served_ids(data_dir: Path) -> np.ndarray:
    """Passage ids the current version serves, in its row order (none when nothing is served)."""
    name = current_name(data_dir)
    path = data_dir / "versions" / (name or "-") / "ids.npy"
    return np.load(path) if path.exists() else np.zeros(0, dtype=np.int64)


def served_speakers(data_dir: Path, manifest: dict | None, ids: np.ndarray) -> dict[int, Spoken]:
    """The speakers of the served version (``manifest``, as ``served_manifest`` read it; ``ids``, its passage ids
    in row order) by passage id, when today's ``speaker_table.rules()`` attributed them; else none."""
    folder = _reusable(data_dir, manifest, "speaker_rules", speaker_rules())
    return SpeakerTable.load(folder).by_passage(ids) if folder else {}


def served_words(data_dir: Path, manifest: dict | None, ids: np.ndarray) -> tuple[np.ndarray, PassageWords] | None:
    """The served version's passage ids (``ids``, in row order) and its passages' words, when today's
    ``passage_words.rules()`` read them; else None (and a file that can't be read is only a reason to read
    every passage again)."""
    folder = _reusable(data_dir, manifest, "word_rules", word_rules())
    if folder is None:
        return None
    try:
        return ids, PassageWords.load(folder)
    except (OSError, ValueError, KeyError, EOFError) as error:
        log.warning("the served version's words can't be read; every passage is read again",
                    extra={"version": manifest["version"], "error": str(error)})
        return None


def _reusable(data_dir: Path, manifest: dict | None, key: str, rules: str) -> Path | None:
    """The served version's folder when it was written in today's layout and its ``key`` records these rules."""
    if not manifest or built_by_older_rules(manifest) or manifest.get(key) != rules:
        return None
    return data_dir / "versions" / manifest["version"]


def prune_versions(data_dir: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` versions and any half-written staging folder."""
    root = data_dir / "versions"
    if not root.exists():
        return
    current = current_name(data_dir)
    numbered = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for folder in numbered[:-keep]:
        if folder.name != current:
            shutil.rmtree(folder, ignore_errors=True)
    for staging in root.glob(".*.tmp"):
        shutil.rmtree(staging, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    """Flush every file so a power cut cannot leave a 'complete' version with empty files."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
