"""A reindex the bot starts runs in a child process at a lower priority, and the bot answers meanwhile."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time

import pytest
from filelock import FileLock

from bot import replies
from bot.reindex_process import NICENESS
from bot.service import Parley
from index.build import ReindexBusy, holder_path, running_reindex
from index.versions import current_name
from tests.conftest import FIXTURES

NEW = {"url": "https://example.org/observers", "title": "Observers to attend the council", "outlet": "Example Wire",
       "published": "2022-01-13", "text": " ".join(f"Observer team {n} will sit in the gallery of the council "
                                                   "and report on the session to the chair." for n in range(12))}


def with_new_article(settings, tmp_path) -> Parley:
    """A Parley whose sources hold one article its index lacks: a reindex has something to embed, so it lasts."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus)
    with (corpus / "articles.jsonl").open("a") as articles:
        articles.write(json.dumps(NEW) + "\n")
    return Parley(settings.model_copy(update={"sources": corpus / "sources.toml"}))


def started_child(parley: Parley, done: list[object]) -> dict:
    """Start a reindex as an admin would; the holder of the reindex lock once the child holds it."""
    assert parley.start_reindex("UADMIN", done.append) == replies.reindex_started_notice()
    deadline, holder = time.monotonic() + 120, None
    while holder is None and not done and time.monotonic() < deadline:
        holder = running_reindex(parley.settings.data_dir)
        time.sleep(0.02)
    assert holder and holder["by"] == "UADMIN" and holder["pid"] != os.getpid(), done
    return holder


def test_a_reindex_the_bot_starts_runs_in_a_lower_priority_child_while_it_answers(settings, tmp_path):
    parley = with_new_article(settings, tmp_path)
    question = "What did Stoltenberg say allies were ready to discuss?"
    assert parley.ask(question).answered
    done: list[object] = []
    holder = started_child(parley, done)
    assert os.getpriority(os.PRIO_PROCESS, holder["pid"]) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    assert parley.ask(question).answered  # while the child holds the lock
    parley.wait_for_reindex(120)
    assert len(done) == 1 and isinstance(done[0], replies.ReindexReply), done
    assert done[0].started_by == "UADMIN" and done[0].passages_embedded >= 1
    assert parley.ask("Who will sit in the gallery of the council?").quotes[0].url == NEW["url"]


def test_a_child_that_finds_a_reindex_running_says_who_started_it(parley, settings):
    holder = {"by": "UCAROL", "since": "2022-01-10T09:00:00+00:00", "pid": os.getpid()}
    with FileLock(settings.data_dir / "reindex.lock"):
        holder_path(settings.data_dir).write_text(json.dumps(holder))
        with pytest.raises(ReindexBusy) as busy:
            parley.reindex_beside_answers("UADMIN")
    assert busy.value.holder == holder


def test_a_child_killed_mid_run_is_reported_and_the_old_index_keeps_serving(settings, tmp_path):
    parley = with_new_article(settings, tmp_path)
    served = current_name(settings.data_dir)
    done: list[object] = []
    os.kill(started_child(parley, done)["pid"], signal.SIGKILL)
    parley.wait_for_reindex(120)
    assert len(done) == 1 and done[0].text == replies.reindex_failed_notice(
        "the reindex process ended without a report, exit code -9").text
    assert current_name(settings.data_dir) == served
    assert parley.ask("What did Stoltenberg say allies were ready to discuss?").answered
