"""Scheduled digests: ``/talks-digest`` through the real Bolt app and the fake Slack Web API, the schedule
driven by an injected clock (``now``), never by sleeping; summaries from the real index of the test corpus."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from slack_bots import CHANNEL, texts

from bot.cli import main
from bot.digests import Schedule, digest_command, run_due, start_scheduler
from bot.state.db import open_state
from bot.state.digests import Digest, claim_slot, get_digest, save_digest
from tests.discord_fakes import CHANNEL_ID
from tests.test_discord import FOLLOWUP, discord_bot
from tests.test_discord import run as run_discord

GENEVA, NRC, OSCE = ("https://example.org/geneva-talks-open", "https://example.org/nrc-meets",
                     "https://example.org/osce-vienna")


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment in January 2022 (UTC), when the test corpus was written."""
    return datetime(2022, 1, day, hour, minute, second, tzinfo=UTC)


def linked(blocks: list[dict]) -> set[str]:
    """The article URLs a message links to."""
    return {url for text in texts(blocks) for url in (GENEVA, NRC, OSCE) if url in text}


def test_digest_commands_set_show_and_turn_off_with_clear_words_for_bad_input(settings, slack):
    _, client = slack.start(settings)
    assert "No digest is set for this channel" in slack.command(client, "/talks-digest", "show", "show-none")
    assert "can't read “25:00” as a time of day" in slack.command(client, "/talks-digest", "daily 25:00", "hour")
    assert "don't know the time zone “Mars/Olympus”" in slack.command(client, "/talks-digest",
                                                                      "daily 08:00 Mars/Olympus", "zone")
    assert "Say which day" in slack.command(client, "/talks-digest", "weekly 08:00", "day")
    assert "can't read “fortnightly 08:00” as a digest schedule" in slack.command(client, "/talks-digest",
                                                                                  "fortnightly 08:00", "cadence")
    assert "No digest is set" in slack.command(client, "/talks-digest", "", "still-none")  # nothing bad was kept

    set_reply = slack.command(client, "/talks-digest", "weekly monday 08:00 europe/paris", "set")
    assert "every Mon at 08:00 (Europe/Paris)" in set_reply and "Mon " in set_reply
    shown = slack.command(client, "/talks-digest", "show", "show")
    assert "every Mon at 08:00 (Europe/Paris)" in shown and "the next is due Mon" in shown
    assert "is off" in slack.command(client, "/talks-digest", "off", "off")
    assert "No digest is set" in slack.command(client, "/talks-digest", "show", "show-off")
    assert "had no digest" in slack.command(client, "/talks-digest", "off", "off-again")


def test_a_slot_posts_once_even_across_a_restart_and_the_next_covers_since_it(settings, slack):
    parley, _ = slack.start(settings)
    digest_command(parley, "slack", "T0TEST", CHANNEL, "UALICE", "weekly mon 00:00", "/talks-digest", now=at(11, 12))

    assert run_due(parley, at(17, 0, 0, 30))[0][1] == "posted"
    [first] = slack.posts()
    assert texts(first)[0].startswith("*Latest on") and "10 Jan 2022 – 16 Jan 2022" in texts(first)[0]
    assert linked(first) == {GENEVA, NRC, OSCE}  # the week's coverage: 10, 12 and 13 January
    assert run_due(parley, at(17, 0, 10)) == []

    restarted, _ = slack.start(settings)  # a new process on the same state
    assert run_due(restarted, at(17, 0, 20)) == []
    assert len(slack.posts()) == 1

    assert run_due(restarted, at(24, 0, 0, 5))[0][1] == "posted"
    second = slack.posts()[1]
    assert texts(second) == ["Nothing new since Mon 17 Jan 2022 00:00 UTC: no coverage of "
                             f"{settings.topic} was published since then."]


def test_a_missed_slot_is_posted_on_start_when_under_an_hour_late_else_skipped_and_logged(settings, slack, caplog):
    parley, _ = slack.start(settings)
    digest_command(parley, "slack", "T0TEST", CHANNEL, "UALICE", "weekly mon 00:00", "/talks-digest", now=at(11))
    digest_command(parley, "slack", "T0TEST", "C0LATE", "UALICE", "daily 23:00", "/talks-digest", now=at(11, 12))

    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="bot.digests"):
        # The bot starts at 00:40 on Monday 17 January: the weekly slot is 40 minutes late, the daily one (16
        # January, 23:00) 100 minutes.
        checks = start_scheduler(parley, stop, clock=lambda: at(17, 0, 40))
        slack.fake.wait_for("chat.postMessage", channel=CHANNEL)
        stop.set()
        checks.join(60)
    assert len(slack.posts()) == 1 and slack.posts("C0LATE") == []
    [skipped] = [record for record in caplog.records if record.getMessage().startswith("digest slot skipped")]
    assert skipped.channel == "C0LATE" and skipped.late_minutes == 100

    # The next slot covers everything since the last digest posted (set on the 11th: since 10 January, 23:00).
    [(digest, outcome)] = run_due(parley, at(17, 23, 0, 5))
    assert (digest.channel, outcome) == ("C0LATE", "posted")
    [late] = slack.posts("C0LATE")
    assert "10 Jan 2022 – 17 Jan 2022" in texts(late)[0] and linked(late) == {NRC, OSCE}


@pytest.mark.parametrize(("now", "slot"), [
    (at(17, 7, 30), at(17, 7)),  # Paris is UTC+1 in winter
    (datetime(2022, 7, 1, 7, 30, tzinfo=UTC), datetime(2022, 7, 1, 6, tzinfo=UTC)),  # and UTC+2 in summer
    (at(17, 6, 59), at(16, 7)),  # before today's slot: yesterday's
])
def test_daily_slots_are_local_time_in_their_zone(now, slot):
    assert Schedule("daily", time(8), "Europe/Paris").latest_slot(now) == slot


def test_weekly_slots_fall_on_their_weekday():
    schedule = Schedule("weekly", time(8), "UTC", weekday=0)
    assert schedule.latest_slot(at(19, 12)) == at(17, 8)  # Wednesday: the Monday before
    assert schedule.latest_slot(at(17, 7)) == at(10, 8)  # Monday before 08:00: the Monday before that


def test_parley_digest_prints_the_window_in_the_terminal(settings, monkeypatch, capsys):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PARLEY_SOURCES", str(settings.sources))
    assert main(["digest"]) == 2  # "last": no digest was posted yet
    assert "No digest has been posted yet" in capsys.readouterr().out
    assert main(["digest", "--since", "2022-01-10", "--until", "2022-01-16"]) == 0
    out = capsys.readouterr().out
    assert "Latest on" in out and "10 Jan 2022" in out
    assert main(["digest", "--since", "2022-01-19", "--until", "2022-01-20"]) == 0
    assert "Nothing new since Wed 19 Jan 2022 00:00 UTC" in capsys.readouterr().out


def test_discord_digest_sets_the_channel_schedule_and_explains_bad_input(parley, monkeypatch):
    async def scenario():
        async with discord_bot(parley, monkeypatch) as fake:
            for count, schedule in enumerate(("daily 25:00", "weekly fri 17:30 Asia/Tokyo", "show"), 1):
                await fake.command("digest", {"schedule": schedule}, user_id=1)
                answers = await fake.wait_for("POST", FOLLOWUP, count=count)  # one at a time, in order
            return [request.body["content"] for request in answers]

    bad, set_reply, shown = run_discord(scenario())
    assert "can't read “25:00” as a time of day" in bad
    assert "every Fri at 17:30 (Asia/Tokyo)" in set_reply and "every Fri at 17:30" in shown
    assert get_digest(parley.state, "discord", str(CHANNEL_ID)).timezone == "Asia/Tokyo"


def test_a_slot_is_claimed_once_on_either_database(database_url, tmp_path):
    engine = open_state(tmp_path, database_url)
    digest = Digest("slack", "C1", "T1", "daily", None, "08:00", "UTC", "UALICE", 100.0, 100.0)
    save_digest(engine, digest)
    assert claim_slot(engine, digest, 200.0, 200.0) and not claim_slot(engine, digest, 200.0, 200.0)
    save_digest(engine, replace(digest, at="09:00", last_slot=300.0, last_window_end=None))  # a new schedule
    assert get_digest(engine, "slack", "C1") == replace(digest, at="09:00", last_slot=300.0, last_window_end=200.0)
