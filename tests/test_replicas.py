"""More than one process: replicas sharing a state database (SQLite or PostgreSQL) and one data directory.

Slack may deliver an event to any replica, and retries it; every mention must still get exactly one
answer. Only the reindex worker writes the index: an admin's reindex asked on another replica runs there.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from slack_fake import BOT_USER, SlackClient
from slack_served import serve_slack

from bot import replies
from bot.service import Parley
from bot.state import reindex_requests
from config import load_settings
from tests.conftest import FIXTURES

SOURCES = FIXTURES / "corpus" / "sources.toml"
MENTIONS = 100


def test_a_reindex_asked_on_a_replica_runs_in_the_reindex_worker(tmp_path, indexed_dir, database_url):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_dir, data_dir)
    worker, replica = (Parley(load_settings(data_dir=data_dir, sources=SOURCES, database_url=database_url,
                                            reindex_worker=is_worker)) for is_worker in (True, False))
    stop = threading.Event()
    worker.start_background(stop)
    done: list[object] = []
    try:
        assert replica.start_reindex("UADMIN", done.append) == replies.reindex_started_notice()
        replica.wait_for_reindex(timeout=120)
    finally:
        stop.set()
    assert len(done) == 1 and isinstance(done[0], replies.ReindexReply), done
    assert done[0].started_by == "UADMIN" and done[0].version
    assert reindex_requests.claim_next(replica.state) is None  # the worker claimed it; nothing is left


def test_requests_claimed_by_a_stopped_worker_are_reported_as_failed(tmp_path, indexed_dir, database_url):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_dir, data_dir)
    parley = Parley(load_settings(data_dir=data_dir, sources=SOURCES, database_url=database_url))
    request_id = reindex_requests.request(parley.state, "UADMIN")
    assert reindex_requests.claim_next(parley.state) == (request_id, "UADMIN")
    assert reindex_requests.outcome(parley.state, request_id) is None
    assert reindex_requests.abandon_unfinished(parley.state) == 1
    reply = reindex_requests.outcome(parley.state, request_id)
    assert reply.kind == "error" and "stopped during the run" in reply.text


def test_two_http_replicas_answer_each_mention_exactly_once(tmp_path, indexed_dir, fake, database_url, request):
    """Each of 100 mentions reaches both replicas at once and is retried: one reply each, none lost."""
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_dir, data_dir)
    settings = {"PARLEY_DATABASE_URL": database_url} if database_url else {}
    servers = [serve_slack(fake, data_dir, SOURCES, tmp_path / f"run{n}", PARLEY_REINDEX_WORKER=str(n == 0).lower(),
                           PARLEY_RATE_LIMIT_PER_MINUTE="1000", **settings) for n in range(2)]
    clients = [SlackClient(server.events_url) for server in servers]
    try:
        def deliver(n: int) -> list:
            event = {"type": "app_mention", "user": f"U{n % 7}", "channel": "C0REPLICA", "channel_type": "channel",
                     "text": f"<@{BOT_USER}> who led the US delegation in Geneva?", "ts": f"1800000100.{n:06d}"}
            with ThreadPoolExecutor(2) as both:
                first = list(both.map(lambda client: client.event(event, event_id=f"EvR{n:06d}"), clients))
            return [*first, clients[n % 2].event(event, event_id=f"EvR{n:06d}", retry=1)]

        sent = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            acks = [delivery for deliveries in pool.map(deliver, range(MENTIONS)) for delivery in deliveries]
        assert all(delivery.status == 200 for delivery in acks)
        posts = fake.wait_for("chat.postMessage", MENTIONS, timeout=300, channel="C0REPLICA")
        seen = 0
        while seen < 3 * MENTIONS:  # every delivery answered or found claimed: nothing more can come
            seen = sum(len(server.wait_for_log(message, 0)) for server in servers
                       for message in ("answered", "duplicate delivery ignored"))
            time.sleep(0.1)
        posts = fake.calls_to("chat.postMessage", channel="C0REPLICA")
        assert sorted(post.args["thread_ts"] for post in posts) == [f"1800000100.{n:06d}" for n in range(MENTIONS)]
        answered = [len(server.wait_for_log("answered", 0)) for server in servers]
        reply_seconds = sorted(post.at - sent for post in posts)
        ack_ms = sorted(delivery.seconds * 1000 for delivery in acks)
        print(f"\nreplicas ({request.node.callspec.id}): {MENTIONS} mentions × 3 deliveries → {len(posts)} replies "
              f"(replica answers {answered}); ack p50 {statistics.median(ack_ms):.0f} ms, "
              f"p95 {ack_ms[int(len(ack_ms) * 0.95)]:.0f} ms; all replies within {reply_seconds[-1]:.1f} s")
    finally:
        for server in servers:
            server.stop()
