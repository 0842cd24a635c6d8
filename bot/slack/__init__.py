"""The Slack front end: a Bolt app that answers mentions, DMs, thread follow-ups and slash commands.

``app`` builds and serves the Bolt app, ``events``/``commands``/``actions`` hold the listeners,
``render`` turns ``bot.replies`` into Block Kit and ``memory`` remembers what was answered.
"""
