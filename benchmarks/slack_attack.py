"""Hostile and heavy traffic against the Slack HTTP server as deployed: ``parley serve slack --http``.

usage: python benchmarks/slack_attack.py [--data-dir DIR] [--mentions N]

Starts the server in its own process (``tests/slack_served.py``) against the tests' fake Slack Web
API, on 127.0.0.1 only, and sends:

* N mentions at once, each delivered 3 times (the original, then Slack's retries 1 and 2 with
  ``X-Slack-Retry-Num``): replies (should be N), duplicate replies, connection errors, ack p50/p95;
* forged signatures over bodies of 900 KB, stale and malformed timestamps, non-JSON bodies, 100 MB
  bodies and chunked ones: status codes, the server's RSS before and after, the log they caused;
* slash commands each sent 3 times as the same signed request (each should be answered once);
* 100 ``/talks-reindex`` from people who are no admins (none should start).

Prints a table. Every wait is bounded and the server is stopped (SIGTERM) at the end. With no
``--data-dir`` it indexes the tests' small corpus into a temporary folder first. Nothing is asserted;
``tests/test_slack_http.py`` asserts the behaviour.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from slack_fake import BOT_USER, FakeSlack, SlackClient  # noqa: E402
from slack_served import ServedSlack, serve_slack  # noqa: E402

from bot import replies  # noqa: E402
from config.settings import DEFAULT_MODEL  # noqa: E402
from index.build import reindex  # noqa: E402
from index.evaluation import percentile  # noqa: E402
from index.sources import load_sources  # noqa: E402
from index.store import Store  # noqa: E402

SOURCES = ROOT / "tests" / "fixtures" / "corpus" / "sources.toml"
CHANNEL = "C0ATTACK"
HOSTILE_EACH = 20
HUGE = 100 << 20


def memory_mb(served: ServedSlack) -> tuple[float, float]:
    """The server's memory in MB: PSS of all its processes (gunicorn's master and worker, shared pages
    counted once), and the peak RSS of the process that serves (the worker; the server if it has none)."""
    master = served.process.pid
    children = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    pss = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in [master, *children])
    return pss / 1024, _kb(f"/proc/{(children or [master])[0]}/status", "VmHWM:") / 1024


def _kb(path: str, field: str) -> int:
    return next(int(line.split()[1]) for line in Path(path).read_text().splitlines() if line.startswith(field))


def outcome(send) -> str:
    """The HTTP status of ``send()``, or the name of the error that ended it (a reset, a timeout)."""
    try:
        return str(send().status)
    except OSError as exc:
        return type(exc).__name__


def raw(served: ServedSlack, head: dict[str, str], body: bytes, stream: int = 0) -> str:
    """A request with ``head`` and ``body``, then ``stream`` more bytes sent while the answer is awaited."""
    try:
        with socket.create_connection(("127.0.0.1", served.port), timeout=60) as sock:
            lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in head.items())]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

            def pour() -> None:
                block = b"x" * (1 << 20)
                try:
                    for _ in range(stream // len(block)):
                        sock.sendall(block)
                except OSError:
                    pass  # the server refused and closed: the rest is not wanted

            threading.Thread(target=pour, daemon=True).start()
            response = http.client.HTTPResponse(sock)
            response.begin()
            return str(response.status)
    except OSError as exc:
        return type(exc).__name__


def statuses(results: list[str]) -> str:
    return ", ".join(f"{status}×{count}" for status, count in sorted(Counter(results).items()))


def mentions(served: ServedSlack, slack: FakeSlack, count: int) -> tuple[str, str]:
    """``count`` mentions, each delivered 3 times, all at once."""
    client = SlackClient(served.events_url)
    base = len(slack.calls_to("chat.postMessage", channel=CHANNEL))
    deliveries = []
    for n in range(count):
        ts = f"1700001000.{n:06d}"
        event = {"type": "app_mention", "user": f"UATTACK{n}", "text": f"<@{BOT_USER}> What did Russia demand? ({n})",
                 "ts": ts, "channel": CHANNEL, "event_ts": ts}
        deliveries += [(event, f"EvATTACK{n:05d}", retry) for retry in (None, 1, 2)]
    acks: list[float] = []

    def deliver(item) -> str:
        event, event_id, retry = item
        sent = time.monotonic()
        result = outcome(lambda: client.event(event, event_id=event_id, retry=retry))
        acks.append(time.monotonic() - sent)
        return result

    with ThreadPoolExecutor(len(deliveries)) as pool:
        results = list(pool.map(deliver, deliveries))
    try:
        slack.wait_for("chat.postMessage", count=base + count, timeout=600, channel=CHANNEL)
        served.wait_for_log("duplicate delivery ignored", count=2 * count, timeout=60)
    except AssertionError as exc:
        print(f"  (mentions: {str(exc).splitlines()[0]})")
    posts = Counter(call.args.get("thread_ts") for call in slack.calls_to("chat.postMessage", channel=CHANNEL))
    errors = sum(not result.isdigit() for result in results)
    ms = [value * 1000 for value in acks]
    return (statuses(results),
            f"replies {len(posts)}/{count}, duplicate replies {sum(posts.values()) - len(posts)}, connection errors "
            f"{errors}; ack p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms")


def hostile(served: ServedSlack) -> list[tuple[str, int, str]]:
    """Unsigned, forged, stale, malformed and oversized requests; (case, requests, statuses) rows."""
    client = SlackClient(served.events_url)
    stamp = str(int(time.time()))
    forged_body = '{"type": "event_callback", "event": {"text": "' + "A" * (900 << 10) + '"}}'
    head = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + "0" * 64}
    cases = [
        ("forged signature, 900 KB body", lambda: outcome(
            lambda: client.post(forged_body, "application/json", secret="not-the-secret"))),
        ("stale timestamp (-301 s)", lambda: outcome(
            lambda: client.post("{}", "application/json", timestamp=int(time.time()) - 301))),
        ("timestamp 'abc'", lambda: outcome(
            lambda: client.post("{}", "application/json", headers={"X-Slack-Request-Timestamp": "abc"}))),
        ("non-JSON body, JSON type, unsigned", lambda: raw(
            served, {"Content-Type": "application/json", "Content-Length": "9"}, b"not json{")),
        ("100 MB body, Content-Length", lambda: raw(
            served, {**head, "Content-Length": str(HUGE)}, b"", stream=HUGE)),
        ("chunked body, no length", lambda: raw(
            served, {**head, "Transfer-Encoding": "chunked"}, b"100000\r\n", stream=HUGE)),
    ]
    rows = []
    for name, send in cases:
        times = 3 if "100 MB" in name or "chunked" in name else HOSTILE_EACH
        rows.append((name, times, statuses([send() for _ in range(times)])))
    return rows


def replays(served: ServedSlack, slack: FakeSlack, count: int = 20) -> tuple[str, str]:
    """``count`` slash commands, each sent 3 times as the same signed request."""
    client = SlackClient(served.events_url)
    stamp = int(time.time())

    def replay(n: int) -> list[str]:
        return [outcome(lambda: client.command("/ask", "Who led the American team?", f"UREPLAY{n}",
                                               slack.response_url(f"replay-{n}"), trigger_id=f"9{n}.4.replay",
                                               timestamp=stamp)) for _ in range(3)]

    with ThreadPoolExecutor(count) as pool:
        results = [status for sent in pool.map(replay, range(count)) for status in sent]
    deadline = time.monotonic() + 120
    answers = Counter()
    while time.monotonic() < deadline:
        answers = Counter(call.args["hook"] for call in slack.calls_to("response_url")
                          if call.args["hook"].startswith("replay-"))
        ignored = sum(r.get("message") == "duplicate request ignored" and r.get("command") == "/ask"
                      for r in served.log_records())
        if len(answers) == count and (ignored >= 2 * count or sum(answers.values()) == 3 * count):
            break
        time.sleep(0.1)
    return statuses(results), f"answered {len(answers)}/{count}, answered again {sum(answers.values()) - len(answers)}"


def reindex_attempts(served: ServedSlack, slack: FakeSlack, data_dir: Path, count: int = 100) -> tuple[str, str]:
    """``count`` /talks-reindex from people who are no admins."""
    client = SlackClient(served.events_url)
    before = Store(data_dir / "parley.sqlite3").last_run()
    earlier = len(slack.calls_to("response_url"))
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda n: outcome(lambda: client.command(
            "/talks-reindex", "", f"UNOADMIN{n}", slack.response_url(f"reindex-{n}"))), range(count)))
    try:
        answers = [call.args.get("text") for call in slack.wait_for("response_url", count=earlier + count, timeout=120)
                   if call.args["hook"].startswith("reindex-")]
    except AssertionError:
        answers = [call.args.get("text") for call in slack.calls_to("response_url")
                   if call.args["hook"].startswith("reindex-")]
    refused = answers.count(replies.not_admin_notice().text)
    started = answers.count(replies.reindex_started_notice().text)
    ran = Store(data_dir / "parley.sqlite3").last_run() != before
    return statuses(results), f"refused {refused}, started {started}, index runs recorded {int(ran)}"


def measure(data_dir: Path, mention_count: int, scratch: Path) -> None:
    slack = FakeSlack()
    served = serve_slack(slack, data_dir, SOURCES, scratch / "server", PARLEY_SLACK_ADMINS="UADMIN",
                         PARLEY_RATE_LIMIT_PER_MINUTE="100000")
    try:
        SlackClient(served.events_url).event({"type": "app_mention", "user": "UWARM", "ts": "1700000999.1",
                                              "text": f"<@{BOT_USER}> What did Russia demand?", "channel": "C0WARM",
                                              "event_ts": "1700000999.1"})
        slack.wait_for("chat.postMessage", channel="C0WARM", timeout=300)  # warm: model and index loaded

        rows = [("mentions, each delivered 3×", 3 * mention_count, *mentions(served, slack, mention_count))]
        (pss_before, peak_before), log_before = memory_mb(served), served.log.stat().st_size
        lines_before = len(served.log_text().splitlines())
        for name, count, result in hostile(served):
            rows.append((name, count, result, ""))
        (pss_after, peak_after), log_after = memory_mb(served), served.log.stat().st_size
        lines = len(served.log_text().splitlines()) - lines_before
        rows.append(("/ask replayed 3× (20 commands)", 60, *replays(served, slack)))
        rows.append(("/talks-reindex by non-admins", 100, *reindex_attempts(served, slack, data_dir)))
    finally:
        code = served.stop()
        slack.close()

    print(f"index: {data_dir}")
    print(f"{'case':<36} {'sent':>5}  {'HTTP status':<26} result")
    for name, count, result, note in rows:
        print(f"{name:<36} {count:>5}  {result:<26} {note}")
    print(f"hostile requests: server memory (PSS) {pss_before:.0f} → {pss_after:.0f} MB, peak RSS of the serving "
          f"process {peak_before:.0f} → {peak_after:.0f} MB; log written {(log_after - log_before) / 1024:.1f} KB "
          f"in {lines} lines")
    print(f"SIGTERM: exit code {code}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--mentions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-slack-attack-") as scratch:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(scratch) / "data"
            reindex(data_dir, load_sources(SOURCES), DEFAULT_MODEL)
        measure(data_dir, args.mentions, Path(scratch))


if __name__ == "__main__":
    main()
