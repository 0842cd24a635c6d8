"""Parley's front ends: the command line, the console, Slack and Discord, all rendering one reply model."""
