"""A reindex the bot starts (an admin's, the schedule's) runs in a child process at a lower CPU priority.

Reindexing is mostly Python: reading, splitting, tokenizing, attributing speakers. In a thread of the process
that answers, it would hold the interpreter lock the answers need; in a child, the answers keep their own, and
the lower priority leaves them the cores first. The child is spawned, not forked (the bot runs threads), and
is a daemon: the bot stopping stops it, as a kill would, which a reindex is built to survive.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection
from pathlib import Path

from bot.logs import setup_logging
from index.build import ReindexReport, reindex
from index.sources import SourceSpec

NICENESS = 10  # added to the child's: the scheduler runs it with what the answers leave


class ReindexStopped(Exception):
    """The child ended without a report: it was killed, or the bot is stopping."""


def reindex_in_child(data_dir: Path, specs: list[SourceSpec], model: str, log_level: str,
                     **options) -> ReindexReport:
    """``index.build.reindex(data_dir, specs, model, **options)`` in a child process: its report, or the
    exception it raised (``ReindexBusy`` among them)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(send, log_level, data_dir, specs, model, options),
                            name="parley-reindex", daemon=True)
    child.start()
    send.close()  # the child holds the only sending end: its exit ends the wait below
    try:
        report, error = receive.recv()
    except EOFError:
        child.join()
        raise ReindexStopped(f"the reindex process ended without a report, exit code {child.exitcode}") from None
    finally:
        receive.close()
    child.join()
    if error is not None:
        raise error
    return report


def _run(send: Connection, log_level: str, data_dir: Path, specs: list[SourceSpec], model: str,
         options: dict) -> None:
    """The child: a lower priority, the bot's structured logs, then the reindex and what came of it."""
    os.nice(NICENESS)
    setup_logging(log_level)
    try:
        outcome = (reindex(data_dir, specs, model, **options), None)
    except Exception as exc:  # noqa: BLE001 - raised again in the parent, which reports it
        outcome = (None, exc)
    try:
        send.send(outcome)
    except Exception:  # noqa: BLE001 - an exception that can't be pickled: its words still go
        send.send((None, RuntimeError(str(outcome[1]))))
