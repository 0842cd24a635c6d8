"""Slack acknowledgement and full-reply latency, through the server as deployed over HTTP on 127.0.0.1.

usage: python benchmarks/slack_latency.py [--data-dir DIR] [--rounds N]

Runs ``parley serve slack --http`` (gunicorn, ``tests/slack_served.py``) against the tests' fake
Slack Web API (``tests/slack_fake.py``), sends signed mentions and ``/ask`` commands one after
another, and prints p50/p95/max of the acknowledgement
(the HTTP answer Slack waits at most 3 s for) and of the full reply (until ``chat.postMessage``
or the ``response_url`` post arrives). With no ``--data-dir`` it indexes the tests' small corpus
into a temporary folder first. Nothing is asserted; the tests assert the 3 s bound.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from slack_fake import BOT_USER, FakeSlack, SlackClient  # noqa: E402
from slack_served import serve_slack  # noqa: E402

from config.settings import DEFAULT_MODEL  # noqa: E402
from index.build import reindex  # noqa: E402
from index.evaluation import percentile  # noqa: E402
from index.sources import load_sources  # noqa: E402

SOURCES = ROOT / "tests" / "fixtures" / "corpus" / "sources.toml"
QUESTIONS = ["What did Russia demand?", "Who led the American team in Geneva?",
             "What did Stoltenberg say about alliances?", "What did the written reply offer?"]


def line(name: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (f"{name:<22} p50 {statistics.median(ms):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
            f"max {max(ms):7.1f} ms  (n={len(ms)})")


def measure(data_dir: Path, rounds: int, scratch: Path) -> None:
    slack = FakeSlack()
    served = serve_slack(slack, data_dir, SOURCES, scratch / "server", PARLEY_RATE_LIMIT_PER_MINUTE="10000")
    client = SlackClient(served.events_url)
    client.event({"type": "app_mention", "user": "UWARM", "text": f"<@{BOT_USER}> {QUESTIONS[0]}",
                  "ts": "1699999999.000001", "channel": "C0WARM", "event_ts": "1699999999.000001"})
    slack.wait_for("chat.postMessage", channel="C0WARM", timeout=300)  # warm: model and index loaded

    acks: dict[str, list[float]] = {"mention": [], "/ask": []}
    replies: dict[str, list[float]] = {"mention": [], "/ask": []}
    for number in range(rounds * len(QUESTIONS)):
        question, ts = QUESTIONS[number % len(QUESTIONS)], f"1700000000.{number:06d}"
        sent = client.event({"type": "app_mention", "user": "UBENCH", "text": f"<@{BOT_USER}> {question}", "ts": ts,
                             "channel": "C0BENCH", "event_ts": ts})
        post = slack.wait_for("chat.postMessage", thread_ts=ts)[0]
        acks["mention"].append(sent.seconds)
        replies["mention"].append(post.at - sent.sent)

        sent = client.command("/ask", question, "UBENCH", slack.response_url(f"ask-{number}"))
        response = slack.wait_for("response_url", hook=f"ask-{number}")[0]
        acks["/ask"].append(sent.seconds)
        replies["/ask"].append(response.at - sent.sent)
    served.stop()
    slack.close()

    print(f"index: {data_dir}  requests: {sum(map(len, acks.values()))}")
    for kind in acks:
        print(line(f"{kind} ack", acks[kind]))
        print(line(f"{kind} full reply", replies[kind]))
    print(line("all acks", [value for values in acks.values() for value in values]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-slack-bench-") as scratch:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(scratch) / "data"
            reindex(data_dir, load_sources(SOURCES), DEFAULT_MODEL)
        measure(data_dir, args.rounds, Path(scratch))


if __name__ == "__main__":
    main()
