"""Each article title's embedding, saved with an index version: how near a passage's title is to the question.

A question often names the document it wants in the words its title holds ("the G7 foreign
ministers' Feb 19 statement", "Blinken's call with Lavrov"): readouts, statements and briefings
are titled for exactly what they are. A passage's own embedding holds its title too, diluted by a
hundred words of body; the title's similarity on its own tips the balance to the readout over a
story retelling it. A BM25 index of titles would not: the words
"call" and "statement" are in a thousand titles, their meaning together is in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "titles.npz"


@dataclass(frozen=True)
class TitleVectors:
    """Row ``r``'s passage has the title embedded in ``matrix[rows[r]]`` (a zero row for no title)."""

    matrix: np.ndarray  # float32, (distinct titles, dim), normalised
    rows: np.ndarray  # int32, one per passage row

    @classmethod
    def build(cls, titles: list[str], embedded: dict[str, np.ndarray], dim: int) -> TitleVectors:
        """``titles`` are the passages' titles in row order; ``embedded`` maps each non-empty one to its vector."""
        distinct = list(dict.fromkeys(titles))
        position = {title: i for i, title in enumerate(distinct)}
        matrix = np.zeros((len(distinct), dim), dtype=np.float32)
        for title, i in position.items():
            if title:
                matrix[i] = embedded[title]
        return cls(matrix, np.array([position[title] for title in titles], dtype=np.int32))

    def similarity(self, query: np.ndarray, rows: list[int]) -> np.ndarray:
        """The cosine of the question vector with the title of each passage row in ``rows``."""
        return self.matrix[self.rows[rows]] @ query

    def save(self, folder: Path) -> None:
        np.savez(folder / FILE, matrix=self.matrix, rows=self.rows)

    @classmethod
    def load(cls, folder: Path) -> TitleVectors:
        """The vectors saved with a version."""
        with np.load(folder / FILE) as saved:
            return cls(saved["matrix"], saved["rows"])
