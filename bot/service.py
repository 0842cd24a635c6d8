"""Parley as the front ends use it: settings wired to the index, reindexing, feedback, limits.

Slack, Discord and the console all hold one ``Parley`` and turn its replies into messages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property

from sqlalchemy.exc import SQLAlchemyError

from bot import replies, watches
from bot.digests import start_scheduler
from bot.ratelimit import RateLimiter
from bot.reindex_process import reindex_in_child
from bot.state import feedback, questions, reindex_requests
from bot.state.db import open_state
from config import Settings
from index.build import ReindexBusy, reindex, running_reindex, settle_interrupted_runs
from index.embed import serving_encoder
from index.lexical import tokenize
from index.parties import Parties, PartiesFileError
from index.query import clean_question
from index.search import NotIndexed, OutdatedIndex, Searcher
from index.sources import SourcesFileError, load_sources, party_extension
from index.store import Store
from index.summary import WindowError, parse_window, summarize
from index.timeline import Topic, build_timeline, spoken_by
from index.versions import IndexVersion

log = logging.getLogger(__name__)

REQUEST_POLL_SECONDS = 2  # how often a reindex request and its reply are looked for
REQUEST_WAIT_SECONDS = 6 * 3600  # a requested reindex not reported back by then is reported as lost


class Parley:
    """One per process: answers, status, feedback and background reindexing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.searcher = Searcher.from_settings(settings)
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.state = open_state(settings.data_dir, settings.database_url)
        # one process moves old votes: replicas starting together would each find the table empty and copy them
        if settings.reindex_worker and feedback.adopt(self.state, self.store):
            log.info("votes moved from the index store to the state database")
        questions.prune(self.state, settings.keep_questions_days)
        self._reindex_thread: threading.Thread | None = None
        #: How each connected chat posts unasked (watches, digests): platform → post(team, channel, reply).
        self.posters: dict[str, Callable[[str, str, object], None]] = {}
        self.watch_lock = threading.Lock()  # one look for watched answers at a time (a reindex, the follower)
        self.watched_version: str | None = None  # the index version whose articles the watches last looked at

    def connect_poster(self, platform: str, post: Callable[[str, str, object], None]) -> None:
        """Let a chat post unasked. The first chat connected marks what is served as not new to the watches (once
        per state database: later starts find it recorded); a terminal command that posts nothing writes nothing."""
        with self.watch_lock:
            if not self.posters:
                watches.remember_served_articles(self)
            self.posters[platform] = post

    @property
    def store(self) -> Store:
        return self.searcher.store

    def ask(self, question: str, user: str | None = None, k: int | None = None):
        """An AnswerReply, or a Notice for an empty/huge question, a rate limit or an empty index.

        Invisible and control characters are dropped first: a lone surrogate would stop the tokenizer,
        and a question of zero-width characters alone is no question (it gets the help text).
        """
        question = replies.visible(question or "")  # a questions file may hold a null
        notice = replies.check_question(clean_question(question))
        if notice:
            return notice
        if user is not None:
            wait = self.limiter.check(user)
            if wait:
                return replies.rate_limited_notice(self.limiter.per_minute, wait)
        try:
            answer = self.searcher.ask(question, k=k or self.settings.top_k)
        except OutdatedIndex:
            return replies.outdated_index_notice()
        except NotIndexed:
            return replies.not_indexed_notice()
        return replies.AnswerReply(answer.question.strip(), answer.answered, answer.quotes, answer.closest,
                                   answer.refusal)

    def status(self) -> replies.StatusReply:
        settle_interrupted_runs(self.store, self.settings.data_dir)  # a killed run shows as interrupted
        sources = self.store.source_rows()
        version = self._served_version()
        return replies.StatusReply(
            sources=sources, articles=sum(s["articles"] for s in sources),
            passages=version.manifest.get("passages", 0) if version else 0,
            model=version.manifest.get("model") if version else None,
            version=version.name if version else None, last_run=self.store.last_run(),
            feedback=feedback.counts(self.state), running=running_reindex(self.settings.data_dir))

    def health(self) -> dict:
        """What a health probe needs, without the per-source counts of ``status``."""
        version = self._served_version()
        return {"status": "ok", "index_version": version.name if version else None,
                "passages": version.manifest.get("passages", 0) if version else 0,
                "reindex_running": bool(running_reindex(self.settings.data_dir))}

    def _served_version(self) -> IndexVersion | None:
        try:
            return self.searcher.version()
        except NotIndexed:
            return None

    def record_feedback(self, platform: str, user: str, reply: replies.AnswerReply | dict, vote: int,
                        question_id: int | None = None) -> None:
        """Store a 👍 (+1) or 👎 (-1) with the question and the quotes it judged, and count it on the
        question's row in the question log when the answer carries its id."""
        if isinstance(reply, dict):
            question, quotes = reply.get("question", ""), reply.get("quotes", [])
        else:
            question, quotes = reply.question, reply.judged_quotes()
        feedback.add(self.state, platform, user, question, quotes, vote)
        if question_id is not None:
            questions.add_vote(self.state, question_id, vote)

    def log_question(self, question: str, reply: object, platform: str, channel_kind: str) -> int | None:
        """Keep a chat question and how it was answered for the admin report; its row id, or None when
        questions are not stored (``store_questions``) or it had no words."""
        if not self.settings.store_questions:
            return None
        try:
            return questions.record(self.state, question, reply, platform, channel_kind,
                                    self.settings.keep_questions_days)
        except SQLAlchemyError:  # the answer still goes out; the log misses one question
            log.exception("could not log the question", extra={"platform": platform})
            return None

    def reindex_now(self, started_by: str, only: str | None = None, listener=None):
        """Run a reindex in this thread (the command line's, with its progress bars); raises ReindexBusy when one
        is running."""
        specs = load_sources(self.settings.sources)
        report = reindex(self.settings.data_dir, specs, self.settings.model, only=only, started_by=started_by,
                         listener=listener, **self._reindex_options())
        if report.new_version:
            self._post_watches()
        return report

    def reindex_beside_answers(self, started_by: str):
        """Run a reindex the bot starts in a child process at a lower priority, so answers don't wait on it;
        raises ReindexBusy when one is running."""
        report = reindex_in_child(self.settings.data_dir, load_sources(self.settings.sources), self.settings.model,
                                  self.settings.log_level, started_by=started_by, **self._reindex_options())
        if report.new_version:
            self._post_watches()
        return report

    def _reindex_options(self) -> dict:
        """How the settings ask a reindex to read, embed and store."""
        return {"limits": self.settings.read_limits(), "precision": self.settings.embed_precision,
                "vector_index": self.settings.vector_index,
                "sentence_model": self.settings.sentence_model if self.settings.sentence_vectors else ""}

    def _post_watches(self) -> None:
        """Post what the new version answers to watched questions; a failure is logged, the reindex stands."""
        try:
            watches.post_for_new_version(self)
        except Exception:  # noqa: BLE001 - the reindex succeeded; its report must still go out
            log.exception("could not post watched questions' answers")

    def start_reindex(self, started_by: str, on_done: Callable[[object], None]) -> replies.Notice:
        """Start a background reindex; ``on_done`` gets a ReindexReply or a Notice when it ends. A replica that
        does not reindex hands it to the reindex worker and waits for its reply in the background."""
        if not self.settings.reindex_worker:
            return self._request_reindex(started_by, on_done)
        holder = running_reindex(self.settings.data_dir)
        if holder:
            return replies.reindex_busy_notice(holder)
        self._reindex_thread = threading.Thread(target=lambda: on_done(self._reindex_reply(started_by)),
                                                name="reindex", daemon=True)
        self._reindex_thread.start()
        return replies.reindex_started_notice()

    def _reindex_reply(self, started_by: str) -> replies.ReindexReply | replies.Notice:
        """Reindex beside the answers; what the admin who asked is told."""
        try:
            return replies.reindex_reply(self.reindex_beside_answers(started_by))
        except ReindexBusy as busy:
            return replies.reindex_busy_notice(busy.holder)
        except Exception as exc:  # noqa: BLE001 - reported to the admin, logged in full
            log.exception("reindex failed", extra={"started_by": started_by})
            return replies.reindex_failed_notice(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _request_reindex(self, started_by: str, on_done: Callable[[object], None]) -> replies.Notice:
        request_id = reindex_requests.request(self.state, started_by)

        def wait() -> None:
            deadline = time.monotonic() + REQUEST_WAIT_SECONDS
            while (reply := reindex_requests.outcome(self.state, request_id)) is None:
                if time.monotonic() > deadline:
                    reply = replies.reindex_failed_notice("the reindex worker did not report back")
                    break
                time.sleep(REQUEST_POLL_SECONDS)
            on_done(reply)

        self._reindex_thread = threading.Thread(target=wait, name="reindex-request", daemon=True)
        self._reindex_thread.start()
        return replies.reindex_started_notice()

    def _serve_reindex_requests(self, stop: threading.Event) -> None:
        """In the reindex worker: run the reindexes other replicas were asked for, one at a time."""
        if reindex_requests.abandon_unfinished(self.state):
            log.warning("reindex requests left unfinished by a stopped worker were reported as failed")

        def loop() -> None:
            while not stop.wait(REQUEST_POLL_SECONDS):
                try:
                    claimed = reindex_requests.claim_next(self.state)
                    if claimed:
                        reindex_requests.finish(self.state, claimed[0], self._reindex_reply(claimed[1]))
                except SQLAlchemyError:  # the database is away for a moment; the next poll tries again
                    log.exception("could not serve reindex requests")

        threading.Thread(target=loop, name="reindex-requests", daemon=True).start()

    def wait_for_reindex(self, timeout: float | None = None) -> None:
        """Block until a background reindex ends (tests and shutdown)."""
        if self._reindex_thread:
            self._reindex_thread.join(timeout)

    def start_background(self, stop: threading.Event) -> None:
        """What a chat bot starts beside serving: the warm-up, the reindex schedule and the digests."""
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()
        if self.settings.reindex_worker:
            self._schedule_reindex(stop)
            self._serve_reindex_requests(stop)
            watches.follow_versions(self, stop)
        start_scheduler(self, stop)

    def _warm_up(self) -> None:
        """Load the index and the models now, so the first question is not the one that waits for them."""
        try:
            self.searcher.ranker()
        except NotIndexed:
            log.info("nothing is indexed yet; an admin can run a reindex")
        except Exception:  # noqa: BLE001 - the bot still serves; the first question will report the problem
            log.exception("could not load the index")

    def _schedule_reindex(self, stop: threading.Event) -> None:
        """Reindex every ``reindex_every_minutes`` in the background until ``stop`` is set."""
        minutes = self.settings.reindex_every_minutes
        if not minutes:
            return

        def loop() -> None:
            while not stop.wait(minutes * 60):
                try:
                    self.reindex_beside_answers("schedule")
                except ReindexBusy:
                    log.info("scheduled reindex skipped: one is running")
                except Exception:  # noqa: BLE001 - the schedule must survive a bad run
                    log.exception("scheduled reindex failed")

        threading.Thread(target=loop, name="reindex-schedule", daemon=True).start()

    def summary(self, since: str | None = None, until: str | None = None) -> replies.SummaryReply | replies.Notice:
        """The latest summary of ``settings.topic``; a window it can't read gets a notice saying what works."""
        try:
            window = parse_window(since, until)
        except WindowError as bad:
            return replies.bad_window_notice(bad.option, bad.value)
        try:
            manifest = self.searcher.version().manifest
        except NotIndexed:
            return replies.not_indexed_notice()
        encoder = serving_encoder(manifest, self.settings.query_model, self.settings.rerank)  # the searcher's own
        result = summarize(self.store, manifest["model"], encoder, self.settings.topic, window)
        if not result.bullets:
            return replies.no_coverage_notice(self.settings.topic)
        note = replies.summary_fallback_note(window.since, window.last) if result.fell_back else ""
        return replies.SummaryReply(self.settings.topic, result.shown.since, result.shown.last, result.bullets, note)

    @cached_property
    def parties(self) -> Parties:
        """``config/parties.toml`` with the sources file's ``[parties]`` tables added."""
        return Parties.load(extension=party_extension(self.settings.sources))

    def timeline(self, who: str, about: str = "", since: str | None = None, until: str | None = None, page: int = 1,
                 per_page: int = replies.TIMELINE_PAGE) -> replies.TimelineReply | replies.Notice:
        """The statements of a speaker or a party (``who``), about a topic if given, in date order; a help
        notice when ``who`` names nobody, and a notice saying what works for a window it can't read."""
        who, about = replies.visible(who or "").strip(), " ".join(replies.visible(about or "").split())
        if sum(char.isalnum() for char in who) < 2:
            return replies.timeline_help_notice()
        notice = replies.check_question(f"{who} {about}")
        if notice:
            return notice
        window = None
        if since or until:
            try:
                window = parse_window(since or "1900-01-01", until)
            except WindowError as bad:
                return replies.bad_window_notice(bad.option, bad.value)
        try:
            version = self.searcher.version()
        except OutdatedIndex:
            return replies.outdated_index_notice()
        except NotIndexed:
            return replies.not_indexed_notice()
        try:
            target = self.parties.resolve(who)
        except (PartiesFileError, SourcesFileError) as bad:  # an edit broke a table: say where, keep serving
            log.error("parties table unreadable", extra={"error": str(bad)})
            return replies.Notice("error", f"I can't read who belongs to which party: {bad}")
        topic = None
        if about:
            encoder = serving_encoder(version.manifest, self.settings.query_model, self.settings.rerank)
            topic = Topic(about, tuple(tokenize(about)), encoder.encode_query(about))
        statements = build_timeline(version, self.store, spoken_by(version, self.parties, target), window, topic)
        return replies.TimelineReply(target.label, target.party is not None, statements, who, about, since, until,
                                     max(1, page), per_page)
