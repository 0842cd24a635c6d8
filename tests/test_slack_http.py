"""The Slack HTTP server as deployed — ``parley serve slack --http`` in its own process — under hostile traffic.

Unsigned, malformed, oversized and replayed requests come over real sockets on 127.0.0.1; the
server's JSON log is read back from its stderr. The bot talks to the tests' fake Slack Web API.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from slack_fake import BOT_USER, FakeSlack, SlackClient, signature
from slack_served import ServedSlack, serve_slack

from bot.slack.render import POST_SUMMARY
from tests.conftest import FIXTURES

SOURCES = FIXTURES / "corpus" / "sources.toml"
MB = 1 << 20


@pytest.fixture(scope="module")
def fake():
    slack = FakeSlack()
    yield slack
    slack.close()


def start(fake: FakeSlack, indexed_dir: Path, folder: Path) -> ServedSlack:
    data_dir = folder / "data"
    shutil.copytree(indexed_dir, data_dir)
    return serve_slack(fake, data_dir, SOURCES, folder / "run", PARLEY_SLACK_ADMINS="UADMIN")


@pytest.fixture(scope="module")
def server(fake, indexed_dir, tmp_path_factory):
    served = start(fake, indexed_dir, tmp_path_factory.mktemp("served"))
    yield served
    served.stop()


def raw(served: ServedSlack, head: dict[str, str], body: bytes) -> int:
    """Send a request line, ``head`` and ``body`` (maybe only part of what the head announces); the status."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in head.items())]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        response = http.client.HTTPResponse(sock)
        response.begin()  # a server that waited for the whole announced body would time out here
        return response.status


def refusals_after(served: ServedSlack, seen: int) -> list[dict]:
    return [r for r in served.log_records()[seen:] if r.get("message") == "request refused"]


def test_unsigned_and_malformed_requests_get_a_4xx_and_no_traceback(server):
    seen = len(server.log_records())
    client = SlackClient(server.events_url)
    junk = "this is not JSON {"
    assert raw(server, {"Content-Type": "application/json", "Content-Length": str(len(junk))}, junk.encode()) == 401
    assert client.post(junk, "application/json", secret="not-the-secret").status == 401
    assert client.post(junk, "application/json", headers={"X-Slack-Request-Timestamp": "abc"}).status == 401
    assert client.post(junk, "application/json", timestamp=int(time.time()) - 301).status == 401
    assert client.post(junk, "application/json").status == 400  # signed, so it gets as far as parsing
    refused = refusals_after(server, seen)
    assert [r["status"] for r in refused] == [401, 401, 401, 401, 400]
    assert all(r["method"] == "POST" and r["path"] == "/slack/events" and r["reason"] for r in refused)
    assert "Traceback" not in server.log_text()


def test_an_oversized_body_is_refused_before_it_is_read(server):
    seen = len(server.log_records())
    stamp = str(int(time.time()))
    head = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + "0" * 64}
    # Only 64 KB of the announced 2 MB are sent: the answer must come without the rest.
    assert raw(server, {**head, "Content-Length": str(2 * MB)}, b"x" * 65536) == 413
    chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"  # and a chunked body that never ends
    assert raw(server, {**head, "Transfer-Encoding": "chunked"}, chunk) == 411
    refused = refusals_after(server, seen)
    assert [(r["status"], r["bytes"]) for r in refused] == [(413, 2 * MB), (411, None)]


def test_a_badly_signed_request_is_refused_and_its_body_never_logged(server):
    seen = len(server.log_records())
    marker = f"forged-{uuid.uuid4()}"
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention", "text": marker * 1000}})
    forged = signature("not-the-secret", str(int(time.time())), body)
    assert SlackClient(server.events_url).post(body, "application/json", secret="not-the-secret").status == 401
    log = server.log_text()
    assert marker not in log and forged not in log
    [refused] = refusals_after(server, seen)
    assert refused["status"] == 401 and refused["bytes"] == len(body)


def test_a_replayed_slash_command_or_click_is_answered_once(server, fake):
    client = SlackClient(server.events_url)
    replays = len(server.log_records())
    stamp = int(time.time())
    for _ in range(3):  # one signed request, sent three times
        sent = client.command("/ask", "What did Russia demand?", "UALICE", fake.response_url("replayed"),
                              trigger_id="7001.42.replayed", timestamp=stamp)
        assert sent.status == 200
    fake.wait_for("response_url", hook="replayed")

    client.command("/talks-latest", "3d", "UALICE", fake.response_url("latest"))
    shown = fake.wait_for("response_url", hook="latest")[0].args
    value = next(e["value"] for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == POST_SUMMARY)
    for _ in range(3):
        client.click(POST_SUMMARY, value, "UALICE", fake.response_url("posted"), trigger_id="7002.42.replayed",
                     action_ts="1800000000.123456", timestamp=stamp)
    fake.wait_for("response_url", hook="posted")

    duplicates = [r for r in server.log_records()[replays:] if r.get("message") == "duplicate request ignored"]
    deadline = time.monotonic() + 30
    while len(duplicates) < 4:
        assert time.monotonic() < deadline, f"replays were not recognised: {duplicates}"
        time.sleep(0.05)
        duplicates = [r for r in server.log_records()[replays:] if r.get("message") == "duplicate request ignored"]
    assert len(fake.calls_to("response_url", hook="replayed")) == 1
    assert len(fake.calls_to("response_url", hook="posted")) == 1


def test_a_burst_of_connections_is_served_without_resets(server):
    body = json.dumps({"type": "url_verification", "challenge": "burst", "token": "unused"})
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": signature(SlackClient(server.events_url).secret, stamp, body)}
    clients = 200
    together = threading.Barrier(clients)

    def deliver(_: int) -> str:
        together.wait()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request("POST", "/slack/events", body, headers)
            response = connection.getresponse()
            return f"{response.status} {json.loads(response.read())['challenge']}"
        except OSError as exc:
            return type(exc).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(deliver, range(clients)))
    assert outcomes == ["200 burst"] * clients


def test_sigterm_stops_after_the_answers_in_flight_are_sent(fake, indexed_dir, tmp_path):
    served = start(fake, indexed_dir, tmp_path)
    ts = "1700000777.000100"
    event = {"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER}> What did Russia demand?", "ts": ts,
             "channel": "C0TERM", "event_ts": ts}
    try:
        assert SlackClient(served.events_url).event(event).status == 200
    finally:
        code = served.stop()
    assert code == 0
    assert fake.calls_to("chat.postMessage", channel="C0TERM", thread_ts=ts)
