"""Watched questions: after a reindex, the passages new in it that answer a watched question are posted once.

The reindex worker follows the served version, whoever built it (a reindex in this process, one an admin asked
for on a replica, or ``parley index`` in a terminal): when it changes, the watches look at the served articles
they have not seen before, which the state database records (``watched_articles``), so an article is new once
however many reindexes ran while the bot was away.

A watch fires only where ``Searcher.ask`` answers the question (its own threshold and refusals), and only
with quotes from those new articles: an edited article, a source that dropped an item, or a reindex with
nothing new posts nothing. Each passage posted is claimed in the state database first
(``bot.state.watches.claim_posts``), so it is never posted twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import replies
from bot.state.watches import (
    Watch,
    active_watches,
    add_watch,
    any_seen,
    channel_watches,
    claim_posts,
    stop_watch,
    unseen_articles,
)
from index.query import clean_question
from index.search import NotIndexed
from index.versions import current_name, served_ids

if TYPE_CHECKING:
    from bot.service import Parley

log = logging.getLogger(__name__)

#: Quotes of a watched question's answer looked through for new passages: an answer's first quotes are often
#: older coverage of the same story.
WATCH_DEPTH = 10
FOLLOW_SECONDS = 10  # how often the reindex worker looks for a version built elsewhere


def passage_key(doc_id: str, content_hash: str, start: int) -> str:
    """A passage's identity across versions (its article, that article's revision, its offset), hashed to fit."""
    return hashlib.sha256(f"{doc_id}\0{content_hash}\0{start}".encode()).hexdigest()


def served_articles(parley: Parley) -> set[str]:
    """doc_ids of the articles the current version serves."""
    return parley.store.doc_ids_of(served_ids(parley.settings.data_dir))


def remember_served_articles(parley: Parley) -> None:
    """When a chat first connects, what is served is not new to the watches (later starts find them recorded)."""
    if not any_seen(parley.state):
        unseen_articles(parley.state, served_articles(parley), time.time())


def post_for_new_version(parley: Parley) -> int:
    """Post the watches' answers from the served articles they have not looked at; how many messages were
    posted. A process that can't post (no chat connected) looks at nothing, so the articles stay new."""
    if not parley.posters:
        return 0
    data_dir = parley.settings.data_dir
    with parley.watch_lock:
        current = current_name(data_dir)
        if current is None or parley.watched_version == current:
            return 0
        fresh = unseen_articles(parley.state, served_articles(parley), time.time())
        parley.watched_version = current
        return post_new_answers(parley, fresh) if fresh else 0


def follow_versions(parley: Parley, stop: threading.Event) -> None:
    """In the reindex worker: post for versions built elsewhere, every ``FOLLOW_SECONDS`` until ``stop``."""

    def loop() -> None:
        while not stop.wait(FOLLOW_SECONDS):
            try:
                post_for_new_version(parley)
            except Exception:  # noqa: BLE001 - the next look tries again
                log.exception("could not post watched questions' answers")

    threading.Thread(target=loop, name="watches", daemon=True).start()


def post_new_answers(parley: Parley, fresh: set[str]) -> int:
    """Post, for each watch on a platform that can post, its answer from the articles new in this reindex;
    returns how many messages were posted."""
    watches = active_watches(parley.state, parley.posters)
    if not watches:
        return 0
    posted = 0
    for watch in watches:
        try:
            reply = _new_answer(parley, watch, fresh)
            if reply is not None:
                parley.posters[watch.platform](watch.team, watch.channel, reply)
                posted += 1
                log.info("watch posted", extra={"watch": watch.id, "platform": watch.platform,
                                                "channel": watch.channel, "quotes": len(reply.quotes)})
        except Exception:  # noqa: BLE001 - one channel's failure must not stop the other watches
            log.exception("could not post a watch", extra={"watch": watch.id, "platform": watch.platform,
                                                           "channel": watch.channel})
    return posted


def _new_answer(parley: Parley, watch: Watch, fresh: set[str]) -> replies.WatchPost | None:
    """The watch's answer restricted to new articles' passages not posted before, or None."""
    try:
        answer = parley.searcher.ask(watch.question, k=WATCH_DEPTH)
    except NotIndexed:
        return None
    if not answer.answered:
        return None
    quotes = [quote for quote in answer.quotes if quote.doc_id in fresh]
    if not quotes:
        return None
    stored = parley.store.passages_by_id([quote.passage_id for quote in quotes])
    keys = {quote.passage_id: passage_key(quote.doc_id, stored[quote.passage_id].content_hash,
                                          stored[quote.passage_id].start) for quote in quotes}
    unposted = set(claim_posts(parley.state, watch.id, [keys[quote.passage_id] for quote in quotes], time.time()))
    quotes = [quote for quote in quotes if keys[quote.passage_id] in unposted]
    if not quotes:
        return None
    limit = parley.settings.watch_posts_per_reindex
    return replies.WatchPost(watch.question, True, quotes[:limit], asked_on=datetime.fromtimestamp(
        watch.created_at, UTC), more=max(0, len(quotes) - limit))


def watch_command(parley: Parley, platform: str, team: str, channel: str, user: str, text: str,
                  command: str) -> replies.Notice:
    """What ``/talks-watch QUESTION`` / ``list`` / ``stop N`` says back."""
    text = replies.visible(text or "").strip()
    words = text.split()
    action = words[0].lower() if words else ""
    if not words:
        return replies.Notice("help", _usage(command))
    if action == "list" and len(words) == 1:
        return _listing(parley, platform, channel, command)
    if action == "stop" and len(words) <= 2:
        number = words[1].lstrip("#") if len(words) == 2 else ""
        stopped = stop_watch(parley.state, platform, channel, int(number)) if number.isdigit() else None
        if stopped is None:
            return replies.Notice("error", f"There is no watch {'#' + number if number else ''} here to stop. "
                                           f"`{command} list` shows this channel's watches and their numbers.")
        return replies.Notice("watch", f"Stopped watching “{stopped.question}” (#{stopped.id}).")
    notice = replies.check_question(clean_question(text))
    if notice:
        return notice if notice.kind == "error" else replies.Notice("help", _usage(command))
    current = channel_watches(parley.state, platform, channel)
    same = next((watch for watch in current if watch.question.casefold() == text.casefold()), None)
    if same is not None:
        return replies.Notice("watch", f"This channel already watches “{same.question}” (#{same.id}).")
    limit = parley.settings.watches_per_channel
    if len(current) >= limit:
        return replies.Notice("error", f"This channel already watches {len(current)} questions, the most it may. "
                                       f"Stop one with `{command} stop N` first (`{command} list` shows them).")
    watch = add_watch(parley.state, platform, team, channel, text, user, time.time())
    return replies.Notice("watch", f"Watching “{watch.question}” here (#{watch.id}). After each reindex, new "
                                   "articles that answer it are quoted in this channel, each passage once.")


def _listing(parley: Parley, platform: str, channel: str, command: str) -> replies.Notice:
    current = channel_watches(parley.state, platform, channel)
    if not current:
        return replies.Notice("watch", f"Nothing is watched in this channel. {_usage(command)}")
    lines = [f"#{watch.id} “{watch.question}”, since {_day(watch.created_at)}" for watch in current]
    return replies.Notice("watch", "Watched in this channel:\n" + "\n".join(lines) +
                          f"\n`{command} stop N` stops one.")


def _day(moment: float) -> str:
    return replies.date_label(datetime.fromtimestamp(moment, UTC))


def _usage(command: str) -> str:
    return (f"Use `{command} QUESTION` to have new articles that answer it posted here after each reindex, "
            f"`{command} list` to see this channel's watches, `{command} stop N` to stop one.")
