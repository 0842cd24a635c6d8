"""BM25 over passages (bm25s), saved beside the FAISS file of each index version."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_TOKEN = re.compile(r"\w{2,}")  # words of two or more characters (twice as fast as \b\w\w+\b, same words)
# The fuller English list: question words ("what", "did") must not count as content. Two of its words stay
# words: "us" is mostly the United States here, and "won" (listed for "won't") is what "who won…?" asks.
STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN_PLUS) - {"us", "won"}
#: Changes whenever tokenizing changes, so a reindex rebuilds BM25 (without re-embedding anything).
TOKENIZER = "en-plus-snowball-7"
_ACCENT = re.compile(r"[\u0300-\u036f]")  # combining marks, once NFKD has split them off their letters
_INITIALS = re.compile(r"\b([A-Za-z])\.([A-Za-z])\.")  # "U.S.", "U.K.": one-letter words, else dropped
# Irregular verbs, whose past forms the stemmer leaves apart from their base: questions ask "who led…?",
# "where was it held?"; articles write "will lead", "to hold". Each form maps to its base before stemming.
# "said" and "met" stay apart: mapped, "say" would match every "said", the commonest verb of the news, and
# "who met Putin?" would find the photo captions that "attend a meeting".
_IRREGULAR = {form: base for base, forms in {
    "lead": "led", "hold": "held", "speak": "spoke spoken", "tell": "told",
    "win": "won", "send": "sent", "give": "gave given", "take": "took taken", "make": "made",
    "begin": "began begun", "write": "wrote written", "choose": "chose chosen", "seek": "sought",
    "bring": "brought", "think": "thought", "strike": "struck", "draw": "drew drawn", "throw": "threw thrown",
    "rise": "rose risen", "fall": "fell fallen", "grow": "grew grown", "fly": "flew flown", "keep": "kept",
    "sell": "sold", "pay": "paid", "fight": "fought", "stand": "stood", "understand": "understood",
    "break": "broke broken", "freeze": "froze frozen", "shoot": "shot", "withdraw": "withdrew withdrawn",
    "spend": "spent", "lose": "lost", "mean": "meant", "become": "became", "come": "came", "go": "went gone",
    "run": "ran", "see": "saw seen", "know": "knew known", "feel": "felt", "hear": "heard", "build": "built",
    "buy": "bought", "catch": "caught", "teach": "taught", "flee": "fled", "swear": "swore sworn",
    "forbid": "forbade forbidden", "undertake": "undertook undertaken",
}.items() for form in forms.split()}
# A people's adjective stands for its country: questions ask about "the Finnish president", the Kremlin
# writes "the President of Finland". "Russian" and "American" are left alone: nearly every passage holds
# them, so mapped they would only reshuffle answers.
_DEMONYMS = {
    "finnish": "finland", "swedish": "sweden", "polish": "poland", "dutch": "netherlands", "turkish": "turkey",
    "ukrainian": "ukraine", "ukrainians": "ukraine", "belarusian": "belarus", "german": "germany",
    "french": "france", "british": "britain", "chinese": "china", "estonian": "estonia", "latvian": "latvia",
    "lithuanian": "lithuania", "georgian": "georgia", "kazakh": "kazakhstan", "romanian": "romania",
    "bulgarian": "bulgaria", "hungarian": "hungary", "norwegian": "norway", "danish": "denmark",
    "italian": "italy", "spanish": "spain", "japanese": "japan", "indian": "india", "israeli": "israel",
    "iranian": "iran", "syrian": "syria", "canadian": "canada", "austrian": "austria", "swiss": "switzerland",
    "czech": "czechia", "slovak": "slovakia", "moldovan": "moldova", "armenian": "armenia",
    "azerbaijani": "azerbaijan", "serbian": "serbia", "croatian": "croatia", "greek": "greece",
}
# British spellings become American ones: the Kremlin writes "recognise" and "Defence Minister", the
# questions (and most outlets) "recognize" and "defense". One list of words, one of "-our" words, and
# "-ise"/"-isation" (but not "promise", "exercise"…, where "-ise" is the word, not the spelling).
_BRITISH = {"defence": "defense", "offence": "offense", "licence": "license", "programme": "program",
            "programmes": "programs", "centre": "center", "centres": "centers", "dialog": "dialogue",
            "counsellor": "counselor", "cancelled": "canceled", "travelled": "traveled", "catalogue": "catalog"}
_OUR = re.compile(r"^(favo|hono|labo|neighbo|behavio|colo|harbo|rumo|endeavo|armo|vigo|humo|savo)ur")
_ISE = re.compile(r"^(\w{3,}?)is(e|es|ed|ing|ation|ations)$")
_ISE_WORDS = frozenset({
    "promis", "compromis", "exercis", "advis", "revis", "supervis", "televis", "devis", "compris", "despis",
    "improvis", "franchis", "expertis", "merchandis", "premis", "enterpris", "surpris", "precis", "concis",
    "paradis", "prais", "cruis", "bruis", "treatis", "disguis", "demis", "incis", "excis", "guis", "clockwis",
    "likewis", "otherwis", "aris", "liais", "chastis", "appris",
})
_BASE = {**_IRREGULAR, **_DEMONYMS, **_BRITISH}


def _american(word: str) -> str:
    if "our" in word:
        word = _OUR.sub(r"\1r", word)
    match = _ISE.match(word) if "is" in word else None
    if match and match[1] + "is" not in _ISE_WORDS:
        return f"{match[1]}iz{match[2]}"
    return word


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed words without accents or stopwords: the same for passages and questions.

    Accents go because people type "Niinisto" for "Niinistö" (the corpus has both); "U.S." is read
    as "US", which questions write and half the outlets don't.
    """
    text = _INITIALS.sub(r"\1\2", text)
    if not text.isascii():
        text = _ACCENT.sub("", unicodedata.normalize("NFKD", text))
    words = [_BASE.get(word) or _american(word) for word in _TOKEN.findall(text.lower()) if word not in STOPWORDS]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """A BM25 index whose row ``i`` is the ``i``-th passage id of its version."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model
        self._vocab = model.vocab_dict
        self._frequency = np.diff(model.scores["indptr"])
        documents = model.scores["num_docs"]
        self._idf = np.log(1 + (documents - self._frequency + 0.5) / (self._frequency + 0.5)).astype(np.float32)
        self._unknown_idf = float(np.log(1 + (documents + 0.5) / 0.5))

    @classmethod
    def build(cls, documents: list[list[int]], vocabulary: dict[str, int]) -> LexicalIndex:
        """BM25 over ``documents`` (each passage's tokens as ids of ``vocabulary``, ``0..n-1``; see
        ``index.passage_words``, which reads them)."""
        model = bm25s.BM25()
        model.index((documents, vocabulary), show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The saved index, its postings memory-mapped: a question reads only its words' postings."""
        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False))

    @property
    def vocabulary(self) -> dict[str, int]:
        """Every indexed token and its id."""
        return self._vocab

    def idf(self, token: str) -> float:
        """How rare a (stemmed) token is across passages: rare words carry the question."""
        row = self._vocab.get(token)
        return self._unknown_idf if row is None or row >= len(self._idf) else float(self._idf[row])

    def passages_with(self, token: str) -> int:
        """How many passages hold a (stemmed) token: 0 for a word the sources never use."""
        row = self._vocab.get(token)
        return 0 if row is None or row >= len(self._frequency) else int(self._frequency[row])

    def scores(self, words: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for a question's ``tokenize``d words (zeros when none is indexed)."""
        tokens = [token for token in words if token in self._vocab]
        if not tokens:
            return np.zeros(self._model.scores["num_docs"], dtype=np.float32)
        return self._model.get_scores(tokens)
