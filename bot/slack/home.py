"""Slack's App Home tab: how to ask and the user's own watches and digests; for an admin, the report.

Published with ``views.publish`` each time the user opens the tab (``app_home_opened``), so it is
always current. Admins are told apart by the reindex command's own check (``SlashCommands.is_admin``).
The view is Block Kit from slack_sdk's models, within Slack's limits (100 blocks, 3,000 characters a
text): long lists end with "and N more". Everything from users, sources and articles is escaped.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.messages import Link
from slack_sdk.models.views import View
from sqlalchemy import Engine, select

from bot.report import Report, build_report
from bot.service import Parley
from bot.slack.render import (
    MAX_LABEL,
    MAX_TEXT,
    escape,
    escape_within,
    formats,
    last_run_line,
    safe_url,
    section,
    sections,
    source_status_line,
)
from bot.slack.shared import ack_now
from bot.state.db import digests, watches
from bot.state.questions import QuestionGroup

log = logging.getLogger(__name__)

MAX_VIEW_BLOCKS = 100
MAX_LISTED = 10  # watches, digests or question groups listed before "and N more"
MAX_HEADLINES = 3  # closest headlines under each question group
REPORT_DAYS = 7
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class AppHome:
    """Publishes the Home tab of whoever opens it."""

    def __init__(self, parley: Parley, is_admin: Callable[[WebClient, str, str], bool]) -> None:
        self.parley = parley
        self.is_admin = is_admin

    def register(self, app: App) -> None:
        app.event("app_home_opened")(ack=ack_now, lazy=[self.publish])

    def publish(self, event: dict, body: dict, client: WebClient) -> None:
        """The Home tab only (the Messages tab needs nothing); a failed publish is logged, not raised.
        ``client`` holds the token of the user's workspace, ``body["team_id"]``."""
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        admin = self.is_admin(client, user, body.get("team_id") or "")
        report = build_report(self.parley, REPORT_DAYS) if admin else None
        view = home_view(self.parley, body.get("team_id") or "", user, report)
        try:
            client.views_publish(user_id=user, view=view.to_dict())
        except SlackApiError as exc:
            log.warning("views.publish failed", extra={"user": user, "error": exc.response.get("error")})


def home_view(parley: Parley, team: str, user: str, report: Report | None) -> View:
    """The Home tab of ``user`` of workspace ``team``; with ``report`` (admins only) the admin report follows."""
    settings = parley.settings
    watch, digest = escape(settings.slack_watch_command), escape(settings.slack_digest_command)
    blocks: list[Block] = [
        HeaderBlock(text="Parley"),
        section("Ask me about the talks and I answer with exact quotes from the indexed news, each with its "
                 "source:\n• *mention* me in a channel with your question (I answer in the thread),\n"
                 "• send me a *direct message*,\n"
                 f"• or type `{escape(settings.slack_ask_command)} your question` anywhere.\n"
                 f"`{escape(settings.slack_latest_command)}` gives a short quoted summary of the newest coverage."),
        DividerBlock(),
        HeaderBlock(text="Your watches"),
        *_listed(_watch_lines(parley.state, team, user), f"You watch no question. `{watch} QUESTION` in a channel "
                                                          "posts new answers to it there after each reindex."),
        HeaderBlock(text="Your digests"),
        *_listed(_digest_lines(parley.state, team, user), f"You set no digest. `{digest} daily 08:00` in a channel "
                                                          "posts the latest summary there every morning."),
    ]
    if report is not None:
        blocks += report_blocks(report)
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = blocks[:MAX_VIEW_BLOCKS - 1] + [_context(f"… and {len(blocks) - MAX_VIEW_BLOCKS + 1} more blocks "
                                                          "not shown; `parley report` prints it all.")]
    return View(type="home", blocks=blocks)


def report_blocks(report: Report) -> list[Block]:
    """The admin report as Block Kit: sources and failures, the last reindex, the unserved questions."""
    lines = []
    for row in report.sources:
        lines.append(source_status_line(row, row["failed"]))
        lines += [f"    ◦ skipped {escape_within(failure['item'], MAX_LABEL)}: "
                  f"{escape_within(failure['reason'], MAX_LABEL)}" for failure in row["failures"]]
        if row["failed"] > len(row["failures"]):
            lines.append(f"    ◦ and {row['failed'] - len(row['failures']):,} more")
    lines.append(f"Index version {escape(report.version or '—')} · {report.passages:,} passages · "
                 f"{report.articles:,} articles")
    if report.last_run:
        lines.append(last_run_line(report.last_run))
    stats = report.questions
    platforms = ", ".join(f"{escape(platform)} {count:,}" for platform, count in stats.by_platform.items())
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Admin report"), HeaderBlock(text="Sources"),
                           *sections(lines),
                           section(f"*Questions in the last {report.days:g} days:* {stats.asked:,} asked, "
                                    f"{stats.answered:,} answered" + (f" ({platforms})" if platforms else ""))]
    for title, groups in (("Not covered", stats.not_covered), ("Answers voted 👎", stats.voted_down)):
        blocks.append(HeaderBlock(text=title))
        if not groups:
            blocks.append(_context("None."))
        for group in groups[:MAX_LISTED]:
            blocks += _group_blocks(group)
        if len(groups) > MAX_LISTED:
            blocks.append(_context(f"… and {len(groups) - MAX_LISTED} more"))
    return blocks


def _group_blocks(group: QuestionGroup) -> list[Block]:
    """The question as written (plain text: it may hold mrkdwn), when and how often; the headlines given."""
    down = f" · {group.down} 👎" if group.down else ""
    reasons = f" · {', '.join(group.reasons)}" if group.reasons and not group.down else ""
    when = (f"asked {group.times}× · {_day(group.first)}" +
            (f" – {_day(group.last)}" if _day(group.first) != _day(group.last) else ""))
    text = f"“{escape_within(group.text, MAX_TEXT - 200)}” — {when}{down}{escape(reasons)}"
    blocks: list[Block] = [SectionBlock(text=PlainTextObject(text=text, emoji=False))]
    headlines = [_headline(headline) for headline in group.closest[:MAX_HEADLINES]]
    if headlines:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Closest given:")] + headlines))
    return blocks


def _headline(headline: dict) -> PlainTextObject | MarkdownTextObject:
    """``outlet · title`` linked to the article, or as plain text when it can't be a mrkdwn link."""
    label = escape_within(" · ".join(part for part in (headline.get("outlet"), headline.get("title")) if part),
                          MAX_LABEL)
    url = safe_url(headline.get("url"))
    if not url or formats(label):
        return PlainTextObject(text=label or "—", emoji=False)
    return MarkdownTextObject(text=str(Link(url=url, text=label)), verbatim=True)


def _watch_lines(engine: Engine, team: str, user: str) -> list[str]:
    """The active watches ``user`` set in workspace ``team`` (W's ``watches`` table), oldest first."""
    with engine.connect() as db:
        rows = db.execute(select(watches.c.channel, watches.c.question, watches.c.created_at).where(
            watches.c.platform == "slack", watches.c.team == team, watches.c.created_by == user, watches.c.active)
            .order_by(watches.c.id))
        return [f"• {_channel(row.channel)}: “{escape_within(row.question, MAX_LABEL)}” (since {_day(row.created_at)})"
                for row in rows]


def _digest_lines(engine: Engine, team: str, user: str) -> list[str]:
    """The digests ``user`` set in workspace ``team`` (W's ``digests`` table), by channel."""
    with engine.connect() as db:
        rows = db.execute(select(digests).where(digests.c.platform == "slack", digests.c.team == team,
                                                digests.c.created_by == user).order_by(digests.c.channel))
        return [f"• {_channel(row.channel)}: {escape(row.cadence)}"
                + (f" on {_WEEKDAYS[row.weekday]}" if row.cadence == "weekly" and row.weekday is not None else "")
                + f" at {escape(row.at)} {escape(row.timezone)}" for row in rows]


def _listed(lines: list[str], empty: str) -> list[Block]:
    """The first ``MAX_LISTED`` lines in sections, "and N more" after them, or ``empty`` when none."""
    if not lines:
        return [_context(empty)]
    more = [f"… and {len(lines) - MAX_LISTED} more"] if len(lines) > MAX_LISTED else []
    return sections(lines[:MAX_LISTED] + more)


def _channel(channel: str) -> str:
    """A link to the channel when it is a Slack channel id, else its name escaped."""
    return f"<#{channel}>" if _CHANNEL_ID.fullmatch(channel) else escape_within(channel, MAX_LABEL)


def _day(moment: float) -> str:
    return time.strftime("%-d %b %Y", time.gmtime(moment))


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn, verbatim=True)])
