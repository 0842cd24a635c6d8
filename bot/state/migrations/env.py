"""Alembic's entry point: runs the migrations on the connection ``bot.state.db.upgrade`` hands it."""

from alembic import context

from bot.state.db import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  render_as_batch=True)  # SQLite alters a table by copying it; batch mode does that
with context.begin_transaction():
    context.run_migrations()
