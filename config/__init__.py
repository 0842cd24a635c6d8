"""Parley's settings: environment variables (``PARLEY_*``), ``.env`` and the sources file."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
