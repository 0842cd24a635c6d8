"""Ablation of the ranking: each row switches one more part on and prints score.py's metrics.

usage: python benchmarks/ablation.py [QUESTIONS.jsonl] [--data-dir DIR]

Parts are switched off through ``index.ranking``'s constants (a weight of 0, a threshold that
never fires), so the rows measure exactly the code that ships; the date rules of abstention stay
on throughout, and the last row adds the evidence thresholds and the rare-name rule. Questions default to
../shared/eval/dev.jsonl; the index is the one in ``--data-dir`` (or PARLEY_DATA_DIR).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from config import load_settings
from index import ranking
from index.evaluation import DEV_QUESTIONS, load_questions, metrics
from index.quotes import Quote
from index.search import Searcher

OFF = {"WEIGHT_SENTENCE_WORDS": 0.0, "BOOST_ANSWER_KIND": 0.0, "BOOST_DATE": 0.0, "BOOST_OUTLET": 0.0,
       "BOOST_RECENT": 0.0, "DUPLICATE_JACCARD": 1.01, "QUOTES_PER_ARTICLE": 1, "ABSTAIN_BELOW": -1.0,
       "ABSTAIN_BELOW_NO_RERANK": -1.0, "ABSTAIN_MEANING_BELOW": -1.0, "ABSTAIN_DENSE_BELOW_NO_RERANK": -1.0,
       "NEIGHBOUR_SHARE": 0.0, "BOOST_TOPIC": 0.0, "WEIGHT_TITLE": 0.0, "CAPTION_SHARE": 1.0,
       "SHARED_WORD_DISCOUNT": 0.0, "BOOST_PRIMARY": 0.0, "RARE_NAME": -1}
STEPS: list[tuple[str, dict, bool, bool]] = [  # (row, constants, quote selection, rerank)
    ("BM25 alone", {"WEIGHT_DENSE": 0.0, "WEIGHT_LEXICAL": 1.0}, False, False),
    ("dense alone", {"WEIGHT_DENSE": 1.0, "WEIGHT_LEXICAL": 0.0}, False, False),
    ("hybrid, score fusion", {"WEIGHT_DENSE": None, "WEIGHT_LEXICAL": None}, False, False),
    ("+ question reading (dates, outlets)", {"BOOST_DATE": None, "BOOST_OUTLET": None, "BOOST_RECENT": None},
     False, False),
    ("+ sentence word rescoring", {"WEIGHT_SENTENCE_WORDS": None}, False, False),
    ("+ answer kinds", {"BOOST_ANSWER_KIND": None}, False, False),
    ("+ quote selection", {}, True, False),
    ("+ dedup (syndicated copies merged)", {"DUPLICATE_JACCARD": None}, True, False),
    ("+ two quotes per article", {"QUOTES_PER_ARTICLE": None}, True, False),
    ("+ a share of the neighbouring sentence", {"NEIGHBOUR_SHARE": None}, True, False),
    ("+ bi-encoder sentence rescoring", {}, True, True),
    ("+ a prior for the topic", {"BOOST_TOPIC": None}, True, True),
    ("+ title similarity", {"WEIGHT_TITLE": None}, True, True),
    ("+ photo captions answer only who and when", {"CAPTION_SHARE": None}, True, True),
    ("+ words most candidates share weigh less", {"SHARED_WORD_DISCOUNT": None}, True, True),
    ("+ a prior for primary sources", {"BOOST_PRIMARY": None}, True, True),
    ("+ abstention (shipped)", {"ABSTAIN_BELOW": None, "ABSTAIN_BELOW_NO_RERANK": None, "ABSTAIN_MEANING_BELOW": None,
                                "ABSTAIN_DENSE_BELOW_NO_RERANK": None, "RARE_NAME": None}, True, True),
]


def passage_head(self, c) -> Quote:
    """No quote selection: the passage from its start, as a plain retriever would show it."""
    p = c.passage
    return Quote(p.text[:ranking.MAX_QUOTE_CHARS], p.url, p.title, p.outlet, p.published, c.score, None,
                 p.doc_id, p.id, tuple(c.also))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    items = load_questions(args.questions)
    settings = load_settings()
    data_dir = args.data_dir or settings.data_dir
    shipped = {name: getattr(ranking, name) for name in [*OFF, "WEIGHT_DENSE", "WEIGHT_LEXICAL"]}
    quote = ranking.Ranker._quote
    current = dict(OFF)
    print(f"{'configuration':40} hit@1  hit@3  hit@5  MRR@5  abstention accuracy")
    for row, changes, select_quotes, rerank in STEPS:
        current.update({name: shipped[name] if value is None else value for name, value in changes.items()})
        for name, value in current.items():
            setattr(ranking, name, value)
        ranking.Ranker._quote = quote if select_quotes else passage_head
        searcher = Searcher(data_dir, rerank=rerank, topic=settings.topic)
        m = metrics([(item, searcher.ask(item["question"], k=5).to_dict()) for item in items])
        print(f"{row:40} {m['hit@1']:.3f}  {m['hit@3']:.3f}  {m['hit@5']:.3f}  {m['mrr@5']:.3f}  "
              f"{m['abstention_accuracy']}", flush=True)


if __name__ == "__main__":
    main()
