"""The bot's own state (questions asked, watches, digests), apart from the search index it serves."""
