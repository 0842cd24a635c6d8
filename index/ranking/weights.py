"""The ranking's one table of weights, thresholds and limits, and the file that records how they were chosen.

A candidate's score is Σ weight × feature over ``FEATURES``; every other field shapes a feature or an
abstention rule. The values ship in ``weights.json`` beside this file with the record of how they were
chosen: ``benchmarks/fit_ranker.py`` and ``fit_abstention.py`` rewrite it, with their data, folds and
cross-validated scores, when a fit beats the values there.
Tests and benchmarks switch a part off with ``replace(weights, title=0.0)``, never by patching modules.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from functools import cached_property
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

#: The features a candidate's score sums, each times the weight of the same name.
FEATURES = ("dense", "lexical", "sentence_words", "answer_kind", "sentence_meaning", "date", "day", "outlet", "recent",
            "topic", "title", "primary", "cross_encoder", "speaker")


@dataclass(frozen=True)
class Weights:
    """Everything the ranker weighs or thresholds; one line each on what it does."""

    # -- feature weights (score = Σ weight × feature) ---------------------------------------------
    dense: float = 0.75  # the passage's cosine similarity to the question
    lexical: float = 0.5  # its BM25 score over the best candidate's
    sentence_words: float = 0.35  # the best sentence's share of the question's IDF-weighted words
    answer_kind: float = 0.07  # that sentence holds the kind of answer asked for (a date for "when"…)
    sentence_meaning: float = 0.2  # the bi-encoder similarity of the leaders' best sentence (rerank only)
    date: float = 0.2  # published inside a date window the question names
    day: float = 0.0  # published on a day the question names as when it happened (more than the days around it)
    outlet: float = 0.2  # from an outlet the question names
    recent: float = 0.05  # from the last week of the sources when the question asks for the latest
    topic: float = 0.2  # × the passage's similarity to PARLEY_TOPIC
    title: float = 0.15  # × the similarity of the passage's title to the question
    primary: float = 0.03  # a source marked primary (an office's own record), scaled by topicality
    cross_encoder: float = 1.0  # the configured cross-encoder's relevance (−1…1) of the leading distinct quotes
    speaker: float = 0.0  # a sentence spoken by the speaker a question about speech names (``speaker_feature``)

    # -- shaping the features ------------------------------------------------------------------------
    neighbour_share: float = 0.25  # of the question words a neighbouring sentence adds, credited to a sentence
    shared_word_discount: float = 0.7  # × the share of candidates holding a word, off its weight in sentences
    caption_share: float = 0.5  # of its word coverage a photo caption keeps unless "who"/"when" is asked
    primary_on_topic: float = 0.5  # topic similarity from which the primary prior counts in full
    speaker_coverage: float = 0.5  # of the best sentence's word share, what the named speaker's sentence needs

    # -- how many ------------------------------------------------------------------------------------
    candidates: int = 100  # passages taken from BM25 and from FAISS each
    rescore: int = 60  # of those, by fused score, whose sentences are read
    leaders: int = 4  # of those, whose best sentences the bi-encoder rereads (rerank only)
    meaning_sentences: int = 2  # sentences of each leader it rereads
    deduplicate_top: int = 15  # candidates looked at for copies and the per-article cap
    quotes_per_article: int = 2  # quotes one article may give
    duplicate_jaccard: float = 0.5  # 4-word shingle overlap from which two passages are copies
    same_sentence_chars: int = 40  # an answering sentence this long, found twice, makes its passages copies
    cross_encode_top: int = 6  # leading candidates the cross-encoder reads

    # -- abstention ("not covered") -------------------------------------------------------------------
    abstain_below: float = 1.45  # floor of best dense + best sentence meaning + best sentence words (rerank)
    abstain_below_no_rerank: float = 0.95  # the same floor without the sentence meaning
    abstain_meaning_below: float = 1.2  # floor of best dense + best sentence meaning, whatever the words
    abstain_below_encoder: float = 1.55  # the first floor when the question encoder rereads (no sentence model)…
    abstain_meaning_below_encoder: float = 1.0  # …and the second: its similarities run lower
    abstain_dense_below_no_rerank: float = 0.45  # floor of the best dense similarity without reranking
    rare_name: int = 50  # a question's name held by at most this many passages must be in a leading one
    name_check_top: int = 3  # leading passages the rare-name rule reads
    year_check_top: int = 3  # leading passages of which one must name a year before the sources' first
    date_check_top: int = 10  # leading passages of which one must be published in a date window asked about
    abstain_bias: float = 0.0  # the learned rule: logistic model of an answer's chance over the evidence…
    abstain_dense: float = 0.0  # …× the best passage similarity
    abstain_words: float = 0.0  # …× the best sentence's share of the question's words
    abstain_names: float = 0.0  # …× the share of the question's names the three leading passages hold
    abstain_sentence_names: float = 0.0  # …× the share of them the first answer's sentence holds (against those)
    abstain_numbers: float = 0.0  # …× the share of its numbers (a day of the month is one) they hold
    abstain_top: float = 0.0  # …× the top score
    abstain_relevance: float = 0.0  # …× the cross-encoder's best relevance of the leading candidates
    abstain_at: float = 0.0  # refuse below this chance (0: the learned rule never refuses)
    rules: tuple[str, ...] = ("weak-evidence", "far-in-meaning", "unmentioned-name", "year-outside-sources",
                              "dates-outside-sources")  # the abstention rules that run

    @cached_property
    def feature_weights(self) -> dict[str, float]:
        """The weight of each feature, by name (built once: every candidate's score reads it)."""
        return {name: getattr(self, name) for name in FEATURES}

    def to_dict(self) -> dict:
        return asdict(self)


def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    """The fitted table from ``path``; the defaults above for any field it doesn't name."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = {field.name for field in fields(Weights)}
    values = {name: tuple(value) if isinstance(value, list) else value
              for name, value in data["values"].items() if name in known}
    return replace(Weights(), **values)


def save_weights(weights: Weights, record: dict, path: Path = WEIGHTS_FILE) -> None:
    """Write the table with the record of how it was fitted (data, folds, date, scores)."""
    Path(path).write_text(json.dumps({"values": weights.to_dict(), "fit": record}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
