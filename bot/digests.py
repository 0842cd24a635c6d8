"""Scheduled digests: a channel's schedule, its slots, and the summary each slot posts.

``/talks-digest daily 08:00 Europe/Paris`` stores a schedule; every ``CHECK_SECONDS`` (and once at start)
``run_due`` finds each schedule's latest slot and, when it is newer than the last one done, claims it in
the state database and posts the summary of what was published since the previous digest. A slot found
``LATE_LIMIT`` or more after its time (the bot was down) is skipped and logged, never posted late.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from bot import replies
from bot.state.digests import Digest, all_digests, claim_slot, get_digest, remove_digest, save_digest
from index.summary import WindowError, parse_window

if TYPE_CHECKING:
    from bot.service import Parley

log = logging.getLogger(__name__)

CHECK_SECONDS = 30
LATE_LIMIT = timedelta(hours=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class ScheduleError(ValueError):
    """A schedule that can't be read; the message says what works."""


@dataclass(frozen=True)
class Schedule:
    """Daily, or weekly on ``weekday`` (0 = Monday), at ``at`` in ``timezone``."""

    cadence: str
    at: time
    timezone: str = "UTC"
    weekday: int | None = None

    @property
    def period(self) -> timedelta:
        return timedelta(days=7 if self.cadence == "weekly" else 1)

    def latest_slot(self, now: datetime) -> datetime:
        """The last slot at or before ``now``, in UTC."""
        zone = ZoneInfo(self.timezone)
        day = now.astimezone(zone).date()
        if self.weekday is not None:
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        slot = datetime.combine(day, self.at, zone)
        if slot > now:
            slot = datetime.combine(day - self.period, self.at, zone)
        return slot.astimezone(UTC)

    def describe(self) -> str:
        when = "daily" if self.weekday is None else f"every {WEEKDAYS[self.weekday].capitalize()}"
        return f"{when} at {self.at:%H:%M} ({self.timezone})"

    @classmethod
    def of(cls, digest: Digest) -> Schedule:
        return cls(digest.cadence, time.fromisoformat(digest.at), digest.timezone, digest.weekday)


def parse_schedule(words: list[str]) -> Schedule:
    """``daily HH:MM [timezone]`` or ``weekly DAY HH:MM [timezone]``, as words."""
    cadence, rest = words[0].lower(), words[1:]
    weekday = None
    if cadence == "weekly":
        if not rest or rest[0].lower()[:3] not in WEEKDAYS:
            raise ScheduleError(f"Say which day a weekly digest comes: “weekly mon 08:00”, with one of "
                                f"{', '.join(WEEKDAYS)}.")
        weekday, rest = WEEKDAYS.index(rest[0].lower()[:3]), rest[1:]
    if not rest or len(rest) > 2:
        raise ScheduleError("Give a time and, if you like, a time zone: “daily 08:00 Europe/Berlin”.")
    return Schedule(cadence, _clock(rest[0]), _zone(rest[1]) if len(rest) > 1 else "UTC", weekday)


def _clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"I can't read “{text}” as a time of day. Use 24-hour HH:MM, 00:00 to 23:59, "
                            "such as 08:00 or 17:30.")
    return time(int(match.group(1)), int(match.group(2)))


@cache
def _zones() -> dict[str, str]:
    """The tz database's names by their lower case (walking the database takes a while: once)."""
    return {known.lower(): known for known in available_timezones()}


def _zone(name: str) -> str:
    """The tz database's spelling of ``name``, read without regard to case ("utc", "europe/paris")."""
    zone = _zones().get(name.lower())
    if zone is None:
        raise ScheduleError(f"I don't know the time zone “{name}”. Use a name from the tz database, such as "
                            "Europe/Berlin, America/New_York or UTC.")
    return zone


def digest_command(parley: Parley, platform: str, team: str, channel: str, user: str, text: str, command: str,
                   now: datetime | None = None) -> replies.Notice:
    """What ``/talks-digest daily 08:00 [tz]`` / ``weekly mon 08:00 [tz]`` / ``off`` / ``show`` says back."""
    now = now or datetime.now(UTC)
    words = text.split()
    action = words[0].lower() if words else "show"
    if action == "show":
        digest = get_digest(parley.state, platform, channel)
        if digest is None:
            return replies.Notice("digest", f"No digest is set for this channel. {_usage(command)}")
        schedule = Schedule.of(digest)
        next_slot = schedule.latest_slot(now) + schedule.period
        return replies.Notice("digest", f"This channel gets a digest {schedule.describe()}; the next is due "
                                        f"{_moment(next_slot, schedule.timezone)}, covering what was published "
                                        f"since {_moment(_window_start(digest, next_slot), schedule.timezone)}.")
    if action == "off":
        if remove_digest(parley.state, platform, channel):
            return replies.Notice("digest", "The digest for this channel is off.")
        return replies.Notice("digest", "This channel had no digest to turn off.")
    if action not in {"daily", "weekly"}:
        return replies.Notice("error", f"I can't read “{text.strip()}” as a digest schedule. {_usage(command)}")
    try:
        schedule = parse_schedule(words)
    except ScheduleError as bad:
        return replies.Notice("error", str(bad))
    latest = schedule.latest_slot(now)  # done already: the first digest is the next slot's
    slot = latest.timestamp()
    save_digest(parley.state, Digest(platform, channel, team, schedule.cadence, schedule.weekday,
                                     f"{schedule.at:%H:%M}", schedule.timezone, user, slot, slot))
    first = latest + schedule.period
    return replies.Notice("digest", f"This channel will get a digest {schedule.describe()}, the first "
                                    f"{_moment(first, schedule.timezone)}.")


def _usage(command: str) -> str:
    return (f"Use `{command} daily 08:00 [time zone]`, `{command} weekly mon 08:00 [time zone]`, "
            f"`{command} show` or `{command} off`.")


def _moment(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a %-d %b %Y %H:%M} {zone}"


def _window_start(digest: Digest, slot: datetime) -> datetime:
    """Where the digest of ``slot`` starts: the end of the previous digest, else one period before."""
    if digest.last_window_end is not None and digest.last_window_end < slot.timestamp():
        return datetime.fromtimestamp(digest.last_window_end, UTC)
    return Schedule.of(digest).latest_slot(slot - timedelta(seconds=1))


def digest_reply(parley: Parley, since: datetime, until: datetime, zone: str = "UTC"):
    """The summary of what was published in ``[since, until)``, or "Nothing new since …" when there is none.

    The summary's fallback to an older window with coverage is for ``/talks-latest``; a digest says plainly
    that nothing came.
    """
    reply = parley.summary(since.isoformat(), until.isoformat())
    empty = (isinstance(reply, replies.SummaryReply) and reply.note) or (
        isinstance(reply, replies.Notice) and reply.kind == "empty")
    return replies.nothing_new_notice(_moment(since, zone), parley.settings.topic) if empty else reply


def terminal_digest(parley: Parley, since: str, until: str | None = None, now: datetime | None = None):
    """``parley digest``: the digest of what was published since the last digest any channel got (``last``) or
    since a date or span (as ``parley summary --since`` reads it), up to ``until`` or now."""
    now = now or datetime.now(UTC)
    if since.strip().lower() == "last":
        ends = [digest.last_window_end for digest in all_digests(parley.state) if digest.last_window_end]
        if not ends:
            return replies.Notice("error", "No digest has been posted yet, so there is no last one to start from. "
                                           "Give a date instead, such as --since 2022-01-20.")
        since = datetime.fromtimestamp(max(ends), UTC).isoformat()
    try:
        window = parse_window(since, until, now)
    except WindowError as bad:
        return replies.bad_window_notice(bad.option, bad.value)
    return digest_reply(parley, window.since, window.until)


def run_due(parley: Parley, now: datetime) -> list[tuple[Digest, str]]:
    """Post (or skip, when too late) every digest slot that is due at ``now`` on a platform that can post;
    returns each digest acted on with "posted", "skipped" or "failed"."""
    done = []
    for digest in all_digests(parley.state):
        post = parley.posters.get(digest.platform)
        if post is None:
            continue
        schedule = Schedule.of(digest)
        slot = schedule.latest_slot(now)
        if digest.last_slot is not None and slot.timestamp() <= digest.last_slot:
            continue
        context = {"platform": digest.platform, "channel": digest.channel, "slot": slot.isoformat()}
        if now - slot >= LATE_LIMIT:
            if claim_slot(parley.state, digest, slot.timestamp(), None):
                log.warning("digest slot skipped: the bot was down when it was due", extra={
                    **context, "late_minutes": round((now - slot).total_seconds() / 60)})
                done.append((digest, "skipped"))
            continue
        if not claim_slot(parley.state, digest, slot.timestamp(), slot.timestamp()):
            continue  # another process posts it
        try:
            reply = digest_reply(parley, _window_start(digest, slot), slot, schedule.timezone)
            post(digest.team, digest.channel, reply)
        except Exception:  # noqa: BLE001 - one channel's failure must not stop the others' digests
            log.exception("could not post a digest", extra=context)
            done.append((digest, "failed"))
            continue
        log.info("digest posted", extra=context)
        done.append((digest, "posted"))
    return done


def start_scheduler(parley: Parley, stop: threading.Event,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> threading.Thread:
    """Check the schedules now (a slot missed while the bot was down) and every ``CHECK_SECONDS`` until ``stop``."""

    def loop() -> None:
        while True:
            try:
                run_due(parley, clock())
            except Exception:  # noqa: BLE001 - the schedule must survive a bad check
                log.exception("digest check failed")
            if stop.wait(CHECK_SECONDS):
                return

    thread = threading.Thread(target=loop, name="digests", daemon=True)
    thread.start()
    return thread
