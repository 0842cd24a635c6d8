"""Reading one of our TOML files (sources, parties) with the same friendly errors wherever it is read."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, what: str, error: type[Exception], hint: str = "") -> dict:
    """The TOML table at ``path``; ``error`` saying which ``what`` is missing (plus ``hint``) or malformed."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist{hint}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} is not valid TOML: {exc}") from None
