"""Sources: where articles come from. One module a kind; ``read_source`` dispatches on the kind.

A sources file is TOML with one ``[[source]]`` table per source::

    [[source]]
    name = "news"              # unique; used by `parley index --source news`
    kind = "folder"            # folder | feed | url
    path = "corpus/news"       # folder or feed file; relative to this TOML file's folder
    # url = "https://…"        # feed or page URL (kind feed / url); `urls = [...]` for several pages
    outlet = "Reuters"         # default outlet when an item names none
    aliases = ["Thomson Reuters"]  # other names questions use for this outlet
    primary = false            # true for an office's own record (transcripts, statements): preferred when close
    [source.fields]            # optional mapping: our field = the item's field name(s)
    text = ["body", "content"]

    [parties.Russia]           # optional: extends config/parties.toml (see index.parties)
    aliases = ["the Russian delegation"]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.articles import Article, Failure
from index.toml_file import read_toml

KINDS = ("folder", "feed", "url")


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what reading one source may cost, so no file, feed or page can hang or flood a reindex."""

    fetch_timeout: float = 15.0  # seconds for a whole fetch, not each read
    fetch_max_bytes: int = 10_000_000  # a response larger than this is refused
    file_max_bytes: int = 25_000_000  # a saved file larger than this is reported and skipped
    article_max_chars: int = 300_000  # an article's text beyond this is cut, and the cut reported


DEFAULT_LIMITS = ReadLimits()


class SourcesFileError(Exception):
    """The sources file is missing or malformed; the message says where and why."""


_HINT = " (set PARLEY_SOURCES or --sources)"


@dataclass(frozen=True)
class SourceSpec:
    """One entry of the sources file, with paths already resolved."""

    name: str
    kind: str
    path: Path | None = None
    urls: tuple[str, ...] = ()
    outlet: str = ""
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fetch_full_text: bool = True
    aliases: tuple[str, ...] = ()
    primary: bool = False

    @property
    def lists_everything(self) -> bool:
        """Whether one read returns all the source's articles (a feed shows only its newest items)."""
        return self.kind != "feed"


def load_sources(path: Path) -> list[SourceSpec]:
    """Read and check a sources file; relative paths resolve against the file's own folder."""
    data = read_toml(path, "sources file", SourcesFileError, _HINT)
    base = Path(path).resolve().parent
    specs: list[SourceSpec] = []
    for number, entry in enumerate(data.get("source", []), start=1):
        where = f"{path}, source #{number}"
        name = str(entry.get("name", "")).strip()
        kind = str(entry.get("kind", "")).strip()
        if not name:
            raise SourcesFileError(f"{where}: every source needs a name")
        if kind not in KINDS:
            raise SourcesFileError(f"{where} ({name}): kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if any(spec.name == name for spec in specs):
            raise SourcesFileError(f"{where}: the name {name!r} is used twice")
        raw_path = entry.get("path")
        urls = entry.get("urls") or ([entry["url"]] if entry.get("url") else [])
        if kind == "folder" and not raw_path:
            raise SourcesFileError(f"{where} ({name}): a folder source needs a path")
        if kind in ("feed", "url") and not (raw_path or urls):
            raise SourcesFileError(f"{where} ({name}): a {kind} source needs a url or a path")
        fields = {key: tuple([value] if isinstance(value, str) else value)
                  for key, value in (entry.get("fields") or {}).items()}
        specs.append(SourceSpec(
            name=name,
            kind=kind,
            path=_resolved(base / raw_path) if raw_path else None,
            urls=tuple(str(url) for url in urls),
            outlet=str(entry.get("outlet", "")),
            fields=fields,
            fetch_full_text=bool(entry.get("fetch_full_text", True)),
            aliases=tuple(str(alias) for alias in entry.get("aliases", [])),
            primary=bool(entry.get("primary", False)),
        ))
    if not specs:
        raise SourcesFileError(f"sources file {path} lists no [[source]]")
    return specs


def party_extension(path: Path) -> dict:
    """The sources file's ``[parties]`` table, which extends ``config/parties.toml`` ({} when it has none)."""
    return read_toml(path, "sources file", SourcesFileError, _HINT).get("parties", {})


def _resolved(path: Path) -> Path:
    """``path`` with its links resolved, or as written if they loop: reading it then says so."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop, as Python versions differ in saying
        return path


def read_source(spec: SourceSpec, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Article | Failure]:
    """Yield every article of a source, and a Failure for each item that could not be read."""
    if spec.kind == "folder":
        from index.sources.folder import read_folder

        yield from read_folder(spec, limits=limits)
    elif spec.kind == "feed":
        from index.sources.feed import read_feed

        yield from read_feed(spec, limits)
    else:
        from index.sources.web import read_pages

        yield from read_pages(spec, limits)
