"""Slack acknowledgement and full-reply latency, through the real Bolt app over HTTP on 127.0.0.1.

usage: python benchmarks/slack_latency.py [--data-dir DIR] [--rounds N]

Serves the bot against the tests' fake Slack Web API (``tests/slack_fake.py``), sends signed
mentions and ``/ask`` commands one after another, and prints p50/p95/max of the acknowledgement
(the HTTP answer Slack waits at most 3 s for) and of the full reply (until ``chat.postMessage``
or the ``response_url`` post arrives). With no ``--data-dir`` it indexes the tests' small corpus
into a temporary folder first. Nothing is asserted; the tests assert the 3 s bound.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from slack_fake import BOT_TOKEN, BOT_USER, SIGNING_SECRET, FakeSlack, SlackClient  # noqa: E402

from bot.service import Parley  # noqa: E402
from bot.slack.app import create_app, make_http_server  # noqa: E402
from config import load_settings  # noqa: E402
from config.settings import DEFAULT_MODEL  # noqa: E402
from index.build import reindex  # noqa: E402
from index.evaluation import percentile  # noqa: E402
from index.sources import load_sources  # noqa: E402

QUESTIONS = ["What did Russia demand?", "Who led the American team in Geneva?",
             "What did Stoltenberg say about alliances?", "What did the written reply offer?"]


def line(name: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (f"{name:<22} p50 {statistics.median(ms):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms  "
            f"max {max(ms):7.1f} ms  (n={len(ms)})")


def measure(data_dir: Path, rounds: int) -> None:
    slack = FakeSlack()
    settings = load_settings(data_dir=data_dir).model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_api_url": slack.api_url, "rate_limit_per_minute": 10_000})
    parley = Parley(settings)
    parley.ask(QUESTIONS[0])  # warm: model and index loaded, as in a running bot
    server = make_http_server(create_app(parley), parley, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = SlackClient(f"http://127.0.0.1:{server.server_port}/slack/events")

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
    server.shutdown()
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
    if args.data_dir:
        measure(args.data_dir, args.rounds)
        return
    with tempfile.TemporaryDirectory(prefix="parley-slack-bench-") as scratch:
        data_dir = Path(scratch)
        reindex(data_dir, load_sources(ROOT / "tests" / "fixtures" / "corpus" / "sources.toml"), DEFAULT_MODEL)
        measure(data_dir, args.rounds)


if __name__ == "__main__":
    main()
