"""The terminal front end: answers, status and reindex reports rendered with rich."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.panel import Panel
from rich.table import Table

from bot import replies
from index.quotes import Quote

if TYPE_CHECKING:
    from bot.report import Report
    from bot.state.questions import QuestionGroup


def escape(text: str) -> str:
    """Text shown as written: rich markup escaped, invisible controls (bidi overrides, zero-widths) dropped."""
    return escape_markup(replies.visible(text))


def quote_markup(quote: Quote) -> str:
    """The quote with its answering sentence in bold (rich markup, article text escaped)."""
    if not quote.highlight:
        return escape(quote.text)
    start, end = quote.highlight
    return (escape(quote.text[:start]) + "[bold]" + escape(quote.text[start:end]) + "[/bold]"
            + escape(quote.text[end:]))


def render(console: Console, reply) -> None:
    """Print any reply from ``bot.replies``."""
    if isinstance(reply, replies.AnswerReply):
        render_answer(console, reply)
    elif isinstance(reply, replies.Notice):
        console.print(escape(reply.text), style="yellow" if reply.kind != "help" else None)
    elif isinstance(reply, replies.StatusReply):
        render_status(console, reply)
    elif isinstance(reply, replies.ReindexReply):
        render_reindex(console, reply)
    elif isinstance(reply, replies.SummaryReply):
        render_summary(console, reply)
    else:
        raise TypeError(f"no console rendering for {type(reply).__name__}")


def render_answer(console: Console, reply: replies.AnswerReply) -> None:
    console.print(escape(reply.headline), style="bold" if reply.answered else "yellow")
    for number, quote in enumerate(reply.quotes, start=1):
        also = f"\n[dim]Also carried by {escape(', '.join(quote.also))}[/dim]" if quote.also else ""
        console.print(Panel(f"“{quote_markup(quote)}”\n\n[dim]{escape(replies.attribution_line(quote))}\n"
                            f"{escape(replies.quote_link(quote) or quote.url)}[/dim]{also}", title=str(number),
                            title_align="left"))
    for quote in reply.closest:
        console.print(f"  • {escape(replies.source_line(quote))} [dim]{escape(quote.url)}[/dim]")


def render_summary(console: Console, reply: replies.SummaryReply) -> None:
    """The headline, the fallback note if any, then each bullet led by its date, with outlet, title and link."""
    console.print(escape(reply.headline), style="bold")
    if reply.note:
        console.print(escape(reply.note), style="yellow")
    for quote in reply.bullets:
        source = replies.source_line(replace(quote, published=None))  # the date leads the bullet instead
        console.print(f"\n• [bold]{escape(replies.date_label(quote.published))}[/bold]  “{escape(quote.text)}”")
        console.print(f"  [dim]{escape(source)}\n  {escape(replies.quote_link(quote) or quote.url)}[/dim]")
        if quote.also:
            console.print(f"  [dim]Also carried by {escape(', '.join(quote.also))}[/dim]")


def render_status(console: Console, status: replies.StatusReply) -> None:
    table = Table("source", "kind", "articles", "passages", "last indexed", "status", title="Sources")
    for row in status.sources:
        failed = replies.failed_count(row["last_report"])
        table.add_row(escape(row["name"]), row["kind"], f"{row['articles']:,}", f"{row['passages']:,}",
                      row["last_indexed_at"] or "never",
                      row["last_status"] + (f" ({failed:,} failed)" if failed else ""))
    console.print(table)
    console.print(f"Index version {status.version or '—'} · {status.passages:,} passages · "
                  f"{status.articles:,} articles · model {escape(status.model or '—')}")
    if status.last_run:
        console.print(f"Last reindex: {status.last_run['started_at']} by {escape(status.last_run['started_by'] or '?')}"
                      f" — {status.last_run['status']}")
    if status.running:
        console.print(f"Reindex running now: started by {escape(str(status.running.get('by')))} at "
                      f"{status.running.get('since')}")
    console.print(f"Feedback: {status.feedback['up']} 👍 · {status.feedback['down']} 👎")


def render_reindex(console: Console, report: replies.ReindexReply) -> None:
    table = Table("source", "new", "changed", "unchanged", "removed", "failed", "passages embedded", "time",
                  title="Reindex")
    table.columns[0].no_wrap = True
    for source in report.sources:
        table.add_row(escape(source["name"]), str(source["new"]), str(source["changed"]), str(source["unchanged"]),
                      str(source["removed"]), f"{replies.failed_count(source):,}", f"{source['passages_embedded']:,}",
                      f"{source['seconds']:.1f} s")
    console.print(table)
    for source in report.sources:
        by_reason: dict[str, list[str]] = {}
        for failure in source["failed"]:
            by_reason.setdefault(failure["reason"], []).append(failure["item"])
        for reason, items in by_reason.items():
            examples = ", ".join(items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
            console.print(f"[yellow]{escape(source['name'])}: skipped {len(items)} — {escape(reason)}: "
                          f"{escape(examples)}[/yellow]")
        unlisted = replies.failed_count(source) - len(source["failed"])
        if unlisted > 0:
            console.print(f"[yellow]{escape(source['name'])}: and {unlisted:,} more skipped, not listed[/yellow]")
    console.print(f"{report.work_line}; "
                  f"serving index version {report.version}.")


def render_report(console: Console, report: Report) -> None:
    """The admin report: sources and their failures, the last reindex, then the questions the sources
    did not serve (not covered, or voted 👎), grouped by question with the headlines Parley gave."""
    table = Table("source", "kind", "articles", "passages", "last indexed", "status", title="Sources")
    for row in report.sources:
        table.add_row(escape(row["name"]), row["kind"], f"{row['articles']:,}", f"{row['passages']:,}",
                      row["last_indexed_at"] or "never",
                      (row["last_status"] or "—") + (f" ({row['failed']:,} failed)" if row["failed"] else ""))
    console.print(table)
    for row in report.sources:
        for failure in row["failures"]:
            console.print(f"[yellow]{escape(row['name'])}: skipped {escape(failure['item'])} — "
                          f"{escape(failure['reason'])}[/yellow]")
        if row["failed"] > len(row["failures"]):
            console.print(f"[yellow]{escape(row['name'])}: and {row['failed'] - len(row['failures']):,} more "
                          "skipped[/yellow]")
    console.print(f"Index version {report.version or '—'} · {report.passages:,} passages · "
                  f"{report.articles:,} articles")
    if report.last_run:
        console.print(f"Last reindex: {report.last_run['started_at']} by "
                      f"{escape(report.last_run['started_by'] or '?')} — {report.last_run['status']}")
    stats = report.questions
    platforms = ", ".join(f"{platform} {count:,}" for platform, count in stats.by_platform.items())
    console.print(f"\n[bold]Questions in the last {report.days:g} days:[/bold] {stats.asked:,} asked, "
                  f"{stats.answered:,} answered" + (f" ({platforms})" if platforms else ""))
    _question_table(console, "Not covered", stats.not_covered, "reason")
    _question_table(console, "Answers voted 👎", stats.voted_down, "👎")


def _question_table(console: Console, title: str, groups: list[QuestionGroup], extra: str) -> None:
    if not groups:
        console.print(f"{title}: none.")
        return
    table = Table("question", "asked", "first", "last", extra, "headlines Parley gave", title=title,
                  title_justify="left")
    for group in groups:
        headlines = "\n".join(f"• {escape(h['outlet'])}: {escape(h['title'])}" for h in group.closest)
        table.add_row(escape(group.text), str(group.times), _when(group.first), _when(group.last),
                      ", ".join(group.reasons) if extra == "reason" else str(group.down), headlines or "—")
    console.print(table)


def _when(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(moment))
