"""``parley serve slack --http`` as its own process against a ``FakeSlack``: the server as deployed.

Tests and benchmarks use it to reach the production HTTP server over 127.0.0.1. Settings go in the
environment (nothing from the shell or a ``.env`` file), the JSON log goes to a file the caller can
read, and ``stop`` sends SIGTERM as a platform does when it stops or redeploys the app.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack


@dataclass
class ServedSlack:
    """A running ``parley serve slack --http``: its process, address and log file."""

    process: subprocess.Popen
    base: str
    log: Path

    @property
    def events_url(self) -> str:
        return self.base + "/slack/events"

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_records(self) -> list[dict]:
        """The JSON log lines written so far (anything else on stderr is skipped)."""
        records = []
        for line in self.log_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records

    def wait_for_log(self, message: str, count: int = 1, timeout: float = 60) -> list[dict]:
        """Block until ``count`` log records say ``message``; a positive signal that work was done."""
        deadline = time.monotonic() + timeout
        while len(found := [r for r in self.log_records() if r.get("message") == message]) < count:
            assert time.monotonic() < deadline, f"timed out waiting for {count} log lines {message!r}"
            assert self.process.poll() is None, f"the server exited ({self.process.returncode}):\n{self.log_text()}"
            time.sleep(0.05)
        return found

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the exit code (killed after ``timeout``)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_slack(fake: FakeSlack, data_dir: Path, sources: Path, folder: Path, timeout: float = 180,
                **settings: str) -> ServedSlack:
    """Start the server on a free port with the test credentials; returns once ``/healthz`` answers.

    ``settings`` are more environment variables, e.g. ``PARLEY_SLACK_ADMINS="UADMIN"``.
    """
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PARLEY_", "SLACK_", "DISCORD_"))}
    env.update({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "PARLEY_SLACK_API_URL": fake.api_url, "PARLEY_DATA_DIR": str(data_dir),
                "PARLEY_SOURCES": str(sources), "PARLEY_LOG_LEVEL": "INFO", **settings})
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    port = free_port()
    with log.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "slack", "--http", "--port", str(port)],
                                   cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr)
    served = ServedSlack(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"the server exited ({process.returncode}):\n{served.log_text()}"
        assert time.monotonic() < deadline, f"the server did not listen in {timeout:.0f} s:\n{served.log_text()}"
        try:
            with urllib.request.urlopen(served.base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return served
        except OSError:
            time.sleep(0.2)
