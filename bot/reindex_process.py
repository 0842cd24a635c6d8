"""A reindex the bot starts (an admin's, the schedule's) runs in a child process at a lower CPU priority.

Reindexing is mostly Python: reading, splitting, tokenizing, attributing speakers. In a thread of the process
that answers, it would hold the interpreter lock the answers need; in a child, the answers keep their own, and
the lower priority leaves them the cores first. The child is spawned, not forked: the bot runs threads.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.logs import setup_logging
from index.build import ReindexReport, reindex
from index.sources import SourceSpec

NICENESS = 10  # added to the child's: the scheduler runs it with what the answers leave


def reindex_in_child(data_dir: Path, specs: list[SourceSpec], model: str, log_level: str,
                     **options) -> ReindexReport:
    """``index.build.reindex(data_dir, specs, model, **options)`` in a child process: its report, or the
    exception it raised (``ReindexBusy`` among them; ``BrokenProcessPool`` when the child was killed)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                             initargs=(log_level,)) as pool:
        return pool.submit(reindex, data_dir, specs, model, **options).result()


def _start(log_level: str) -> None:
    """The child's set-up: a lower priority, and the bot's structured logs."""
    os.nice(NICENESS)
    setup_logging(log_level)
