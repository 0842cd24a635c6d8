"""``parley summary``: the latest summary in the terminal (rich) or as one JSON object."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.markup import escape

from bot import replies
from bot.service import Parley


def run_summary(parley: Parley, args: argparse.Namespace) -> int:
    """Print the summary; exit 2 when the window could not be read, so scripts notice."""
    console = Console()
    reply = parley.summary(args.since, args.until)
    if args.json:
        data = reply.to_dict() if isinstance(reply, replies.SummaryReply) else {
            "window": None, "bullets": [], "message": reply.text}
        print(json.dumps(data, ensure_ascii=False))
    elif isinstance(reply, replies.SummaryReply):
        render_summary(console, reply)
    else:
        console.print(escape(reply.text), style="yellow")
    return 2 if isinstance(reply, replies.Notice) and reply.kind == "error" else 0


def render_summary(console: Console, reply: replies.SummaryReply) -> None:
    """The headline, the fallback note if any, then each bullet led by its date, with outlet, title and link."""
    console.print(escape(reply.headline), style="bold")
    if reply.note:
        console.print(escape(reply.note), style="yellow")
    for quote in reply.bullets:
        source = " · ".join(part for part in (quote.outlet, quote.title) if part)
        console.print(f"\n• [bold]{escape(replies.date_label(quote.published))}[/bold]  “{escape(quote.text)}”")
        console.print(f"  [dim]{escape(source)}\n  {escape(quote.url)}[/dim]")
        if quote.also:
            console.print(f"  [dim]Also carried by {escape(', '.join(quote.also))}[/dim]")
