"""The state database's schema migrations (Alembic), run by ``bot.state.db.open_state``."""
