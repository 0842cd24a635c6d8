"""HTTP mode in production: gunicorn serves the Slack gate from one worker process with a pool of threads.

One worker because each process would load its own index and model; threads because an
acknowledgement is quick and the answers run in Bolt's own pool; a listen backlog that absorbs a
burst of deliveries. Gunicorn forks the worker and threads do not cross a fork, so the worker builds
the app and starts Parley's warm-up and reindex schedule itself. SIGTERM stops it gracefully:
requests in flight are answered and answers being prepared are posted (for up to
``GRACEFUL_SECONDS``) before the process exits with 0.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from bot.service import Parley

log = logging.getLogger(__name__)

THREADS = 16
BACKLOG = 2048
GRACEFUL_SECONDS = 30


def run(parley: Parley, build: Callable[[], Callable], host: str, port: int) -> None:
    """Serve the WSGI app ``build()`` makes in the worker on ``host:port`` until SIGTERM or Ctrl-C.

    Gunicorn ends the process itself (``SystemExit``), in the master and in the worker alike.
    """
    stop = threading.Event()

    def when_ready(arbiter) -> None:
        log.info("serving Slack over HTTP", extra={"port": arbiter.LISTENERS[0].getsockname()[1],
                                                   "threads": THREADS})

    def post_worker_init(worker) -> None:
        parley.start_background(stop)

    def worker_exit(arbiter, worker) -> None:
        stop.set()

    _Gunicorn(build, {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": "gthread", "threads": THREADS,
        "backlog": BACKLOG, "graceful_timeout": GRACEFUL_SECONDS, "proc_name": "parley",
        "logger_class": _StructuredLogger, "loglevel": parley.settings.log_level.lower(),
        "control_socket_disable": True,  # gunicornc's socket is one path per user, shared by every instance
        "when_ready": when_ready, "post_worker_init": post_worker_init, "worker_exit": worker_exit,
    }).run()


class _Gunicorn(BaseApplication):
    """Gunicorn run in this process with these options; the app is built in the worker (no preloading)."""

    def __init__(self, build: Callable[[], Callable], options: dict) -> None:
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self.build()


class _StructuredLogger(glogging.Logger):
    """Gunicorn's own lines go through Parley's JSON log (``bot.logs``); no access lines."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.handlers.clear()
            logger.propagate = True
