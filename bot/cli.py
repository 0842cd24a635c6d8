"""The ``parley`` command: index, ask, chat, status, report, eval, summary and serve.

What only some commands need (progress bars, tables, the evaluation, the chat front ends) is imported
when they run, and the commands that answer start loading the model first, while the rest of Parley
is imported: a question from a fresh process is answered sooner.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from bot import console as render
from bot import replies
from bot.logs import setup_logging
from config import Settings, SettingsError, load_settings
from index.embed import ModelError, preload_encoder
from index.sentence_reader import load_sentence_reader
from index.sources import SourcesFileError

if TYPE_CHECKING:
    from rich.progress import Progress

    from bot.service import Parley

out = Console()
err = Console(stderr=True, soft_wrap=True)
#: Commands that answer from the index: they load the model as soon as the settings are read.
ANSWERING = {"ask", "chat", "eval", "summary", "serve", "digest"}
RERANKING = {"ask", "chat", "eval", "serve"}  # of those, the ones that reread sentences with the sentence model


class RichListener:
    """A progress bar per source (passages embedded so far and the rate), then one for the sentences encoded."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = None

    def source_started(self, name: str, articles: int, to_embed: int) -> None:
        label = f"{name} · {articles:,} articles"
        self.task = self.progress.add_task(label, total=max(to_embed, 1), completed=0 if to_embed else 1)

    def embedded(self, count: int) -> None:
        self.progress.advance(self.task, count)

    def sentences_started(self, model: str, to_encode: int) -> None:
        self.task = self.progress.add_task(f"sentences · {model}", total=max(to_encode, 1),
                                           completed=0 if to_encode else 1, unit="sentences")


def cmd_index(parley: Parley, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Passages (or sentences) embedded per second, the number that says how long a big reindex will take."""

        def render(self, task) -> Text:
            return Text(f"{task.speed or 0:5.1f} {task.fields.get('unit', 'passages')}/s", style="cyan")

    progress = Progress(TextColumn("{task.description:>28}"), BarColumn(), MofNCompleteColumn(),
                        RateColumn(),
                        TimeElapsedColumn(), console=err, disable=args.json)
    with progress:
        report = parley.reindex_now("command line", only=args.source, listener=RichListener(progress))
    if args.source and not report.sources:
        err.print(f"No source is named {args.source!r} in {parley.settings.sources}.")
        return 2
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        render.render(out, replies.reindex_reply(report))
    return 0


def cmd_ask(parley: Parley, args: argparse.Namespace) -> int:
    if args.questions:
        return _ask_file(parley, args)
    reply = parley.ask(args.question, k=args.k)
    if args.json:
        print(json.dumps(_reply_json(args.question, reply, args.explain)))
    else:
        render.render(out, reply)
        if args.explain:
            _print_explanation(reply)
    return 0


def _print_explanation(reply) -> None:
    """Why each quote won: its features, their weights and contributions; and why "not covered", if so."""
    from rich.table import Table

    if not isinstance(reply, replies.AnswerReply):
        return
    if reply.refusal is not None:
        out.print(f"[bold]Not covered:[/bold] {render.escape(str(reply.refusal))} [dim]({reply.refusal.code})[/dim]")
    for number, quote in enumerate(reply.quotes or reply.closest, start=1):
        table = Table(title=f"{number}. score {quote.score:.3f} · {render.escape(quote.outlet)} · "
                            f"{render.escape(quote.title[:60])}", title_justify="left")
        for column in ("feature", "value", "contribution"):
            table.add_column(column, justify="left" if column == "feature" else "right")
        for name, value in sorted(quote.features.items(), key=lambda kv: -abs(quote.contributions.get(kv[0], 0))):
            contribution = quote.contributions.get(name)
            table.add_row(name, f"{value:.3f}", "—" if contribution is None else f"{contribution:+.3f}")
        out.print(table)


def _reply_json(question: str, reply, explain: bool = False) -> dict:
    """The ``ask --json`` contract: a Notice becomes an unanswered reply with its message."""
    if isinstance(reply, replies.AnswerReply):
        return {**reply.to_dict(explain), "question": question}
    return {"question": question, "answered": False, "quotes": [], "message": reply.text}


def _read_questions(path: Path, plain: bool) -> list[dict] | None:
    """A questions file's items (``load_questions``), or None after its one clear line on stderr."""
    from index.evaluation import QuestionsFileError, load_questions

    try:
        return load_questions(path, plain)
    except QuestionsFileError as error:
        err.print(f"parley: {error}")
        return None


def _ask_file(parley: Parley, args: argparse.Namespace) -> int:
    items = _read_questions(Path(args.questions), plain=True)
    if items is None:
        return 2
    for item in items:
        question = item.get("question") if isinstance(item.get("question"), str) else ""  # a bad line gets the help
        answer = _reply_json(question, parley.ask(question, k=args.k), args.explain)
        print(json.dumps({"id": item.get("id"), **answer}), flush=True)
    return 0


def cmd_chat(parley: Parley, args: argparse.Namespace) -> int:
    out.print("[bold]Parley[/bold] — ask about the talks; answers are exact quotes from the sources. "
              "Type 'quit' or press Ctrl-D to leave.")
    while True:
        try:
            question = out.input("[bold cyan]?[/bold cyan] ")
        except (EOFError, KeyboardInterrupt):
            out.print()
            return 0
        if question.strip().lower() in {"quit", "exit", ":q"}:
            return 0
        reply = parley.ask(question, k=args.k)
        parley.log_question(question, reply, "console", "chat")
        render.render(out, reply)


def cmd_status(parley: Parley, args: argparse.Namespace) -> int:
    status = parley.status()
    if args.json:
        print(json.dumps(status.__dict__, default=str))
    else:
        render.render(out, status)
    return 0


def cmd_report(parley: Parley, args: argparse.Namespace) -> int:
    """The admin report: sources, the last reindex, and the questions the sources did not serve."""
    from bot.report import build_report

    report = build_report(parley, days=args.days)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        render.render_report(out, report)
    return 0


def cmd_eval(parley: Parley, args: argparse.Namespace) -> int:
    from index.evaluation import evaluate, format_report

    items = _read_questions(Path(args.file), plain=False)
    if items is None:
        return 2
    result = evaluate(parley.searcher, items, k=5, misses_path=Path(args.misses))
    print(json.dumps(result) if args.json else format_report(result))
    return 0


def _exit_status(reply) -> int:
    """2 when the reply is an error notice (an input it could not read), so scripts notice; else 0."""
    return 2 if isinstance(reply, replies.Notice) and reply.kind == "error" else 0


def cmd_summary(parley: Parley, args: argparse.Namespace) -> int:
    """Print the summary; exit 2 when the window could not be read, so scripts notice."""
    reply = parley.summary(args.since, args.until)
    if args.json:
        data = reply.to_dict() if isinstance(reply, replies.SummaryReply) else {
            "window": None, "bullets": [], "message": reply.text}
        print(json.dumps(data, ensure_ascii=False))
    else:
        render.render(out, reply)
    return _exit_status(reply)


def cmd_digest(parley: Parley, args: argparse.Namespace) -> int:
    """Print what a digest would post now; exit 2 when the start could not be read."""
    from bot.digests import terminal_digest

    reply = terminal_digest(parley, args.since, args.until)
    render.render(out, reply)
    return _exit_status(reply)


def cmd_timeline(parley: Parley, args: argparse.Namespace) -> int:
    """Print a speaker's or party's statements, a page at a time (``--json``: all of them unless ``--page``);
    exit 2 when a date could not be read."""
    from bot.console_timeline import render_timeline

    reply = parley.timeline(args.who, args.about or "", args.since, args.until, page=args.page or 1,
                            per_page=args.limit)
    if args.json:
        data = reply.to_dict(everything=args.page is None) if isinstance(reply, replies.TimelineReply) else {
            "who": args.who, "statements": [], "message": reply.text}
        print(json.dumps(data, ensure_ascii=False))
    elif isinstance(reply, replies.TimelineReply):
        render_timeline(out, reply, next_page=f"--page {reply.page + 1}")
    else:
        render.render(out, reply)
    return _exit_status(reply)


def cmd_serve(parley: Parley, args: argparse.Namespace) -> int:
    if args.platform == "slack":
        from bot.slack.app import serve

        return serve(parley, http=args.http, port=args.port)
    if args.platform == "discord":
        from bot.discord.app import serve

        return serve(parley)
    return cmd_chat(parley, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=__doc__)
    parser.add_argument("--sources", type=Path, help="sources TOML file (default: PARLEY_SOURCES or "
                                                       "config/sources.toml)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: PARLEY_DATA_DIR or .parley)")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="read the sources and update the index")
    index.add_argument("--source", help="only this source")
    index.add_argument("--json", action="store_true", help="print the report as one JSON object")
    index.set_defaults(run=cmd_index)

    ask = commands.add_parser("ask", help="answer one question (or a file of them) with quotes")
    ask.add_argument("question", nargs="?", default="")
    ask.add_argument("-k", type=int, default=None, help="number of quotes")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--questions", type=Path, help="a file of questions: one a line, or JSON lines of {id, question}")
    ask.add_argument("--explain", action="store_true",
                     help="show each quote's features and weighted contributions, and why 'not covered'")
    ask.set_defaults(run=cmd_ask)

    chat = commands.add_parser("chat", help="an interactive console")
    chat.add_argument("-k", type=int, default=None)
    chat.set_defaults(run=cmd_chat)

    status = commands.add_parser("status", help="sources, index and feedback")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=cmd_status)

    report = commands.add_parser("report", help="sources, failures and the questions the sources did not answer")
    report.add_argument("--days", type=float, default=7, help="questions of the last N days (default 7)")
    report.add_argument("--json", action="store_true")
    report.set_defaults(run=cmd_report)

    evaluate = commands.add_parser("eval", help="score answers on a question file")
    evaluate.add_argument("file")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--misses", default="eval-misses.jsonl", help="where to write the misses")
    evaluate.set_defaults(run=cmd_eval)

    summary = commands.add_parser("summary", help="a short quoted summary of the newest coverage")
    summary.add_argument("--since", default=None, help="24h, 3d or a date (default: the last 24 hours)")
    summary.add_argument("--until", default=None, help="a date (default: now)")
    summary.add_argument("--json", action="store_true")
    summary.set_defaults(run=cmd_summary)

    timeline = commands.add_parser("timeline", help="a speaker's or a party's statements in date order")
    timeline.add_argument("who", help="a name (Lavrov), a role (Kremlin spokesman) or a party (Russia, NATO, the US)")
    timeline.add_argument("--about", default="", help="only statements about this topic")
    timeline.add_argument("--since", default=None, help="a date such as 2022-01-10 (or 3d back from --until)")
    timeline.add_argument("--until", default=None, help="a date (that whole day is included)")
    timeline.add_argument("--limit", type=positive, default=replies.TIMELINE_PAGE, help="statements a page")
    timeline.add_argument("--page", type=positive, default=None, help="which page (default: the first; "
                                                                        "with --json, every statement)")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(run=cmd_timeline)

    digest = commands.add_parser("digest", help="the digest a channel would get: what was published since the "
                                 "last digest or a date")
    digest.add_argument("--since", default="last", help="last (the last digest posted), 24h, 3d or a date")
    digest.add_argument("--until", default=None, help="a date (default: now)")
    digest.set_defaults(run=cmd_digest)

    serve = commands.add_parser("serve", help="run the chat bot: console, slack or discord")
    serve.add_argument("platform", nargs="?", choices=["console", "slack", "discord"], default=None)
    serve.add_argument("--http", action="store_true", help="Slack: HTTP mode instead of Socket Mode")
    serve.add_argument("--port", type=int, default=None, help="Slack HTTP port (default: $PORT or 3000)")
    serve.add_argument("-k", type=int, default=None)
    serve.set_defaults(run=cmd_serve)
    return parser


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def pick_platform(settings: Settings) -> str:
    """With no platform named, serve whichever chat has credentials, else the console."""
    if settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret):
        return "slack"
    return "discord" if settings.discord_token else "console"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {key: value for key, value in (("sources", args.sources), ("data_dir", args.data_dir)) if value}
    preload = None
    try:
        settings = load_settings(**overrides)
        setup_logging(settings.log_level)
        if args.command == "serve" and args.platform is None:
            args.platform = pick_platform(settings)
            if args.platform == "slack" and settings.slack_signing_secret and not settings.slack_app_token:
                args.http = True
        # Not before the HTTP server: it forks its worker, and neither the loading thread nor its lock crosses a fork.
        if args.command in ANSWERING and not getattr(args, "http", False):
            reader = settings.sentence_model if settings.rerank and args.command in RERANKING else ""
            preload = preload_encoder(settings.data_dir, settings.query_model, settings.rerank,
                                      (lambda: load_sentence_reader(reader)) if reader else None)
        return run(args, settings)
    except (SettingsError, SourcesFileError, ModelError) as exc:
        err.print(f"[red]parley: {exc}[/red]")
        return 2
    finally:
        if preload:
            preload.join()


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The command's exit status; 3 when a reindex is already running."""
    from bot.service import Parley  # imported while the model loads
    from index.build import ReindexBusy

    try:
        return args.run(Parley(settings), args)
    except ReindexBusy as exc:
        err.print(f"[yellow]parley: {exc}; try again when it has finished.[/yellow]")
        return 3


if __name__ == "__main__":
    sys.exit(main())
