"""Small named facts in the state database that outlive a restart (one text value a key)."""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.state.db import markers


def get(engine: Engine, key: str) -> str | None:
    with engine.connect() as db:
        return db.execute(select(markers.c.value).where(markers.c.key == key)).scalar()


def put(engine: Engine, key: str, value: str) -> None:
    with engine.begin() as db:
        if db.execute(update(markers).where(markers.c.key == key).values(value=value)).rowcount:
            return
    with suppress(IntegrityError), engine.begin() as db:  # another process set it meanwhile: theirs stands
        db.execute(insert(markers).values(key=key, value=value))
