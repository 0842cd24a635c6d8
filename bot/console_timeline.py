"""A timeline in the terminal: the headline, then one statement a line with its date, speaker, outlet and link."""

from __future__ import annotations

from rich.console import Console

from bot import replies
from bot.console import escape


def render_timeline(console: Console, reply: replies.TimelineReply, next_page: str = "") -> None:
    """Print the page ``reply`` shows; ``next_page`` is how to ask for the next one, said when there is one."""
    console.print(escape(reply.headline), style="bold" if reply.shown else "yellow")
    for statement in reply.shown:
        also = f" [dim](also in {escape(', '.join(statement.also))})[/dim]" if statement.also else ""
        link = replies.statement_link(statement) or statement.url
        console.print(f"[bold]{escape(replies.statement_line(statement))}[/bold]: “{escape(statement.text)}”{also}"
                      f" [dim]{escape(link)}[/dim]", soft_wrap=True)  # a link wrapped by rich breaks
    if reply.more and next_page:
        console.print(f"[dim]{reply.left} more: {escape(next_page)}[/dim]")
