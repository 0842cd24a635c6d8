"""The Discord front end: slash commands, mentions and feedback buttons, rendered from ``bot.replies``."""
