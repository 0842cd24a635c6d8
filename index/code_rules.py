"""A digest of the code that made a version's stored data (its speakers, its passages' words).

A version records it; the next reuses that data for the passages it serves again only while the digest is the
same, so a change to those rules reads everything again with no version number to remember to bump.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path


@cache
def digest(files: tuple[str, ...], packages: tuple[str, ...] = ()) -> str:
    """The source of ``files`` and the installed versions of ``packages``, hashed. Computed when first asked
    for (a reindex), not when a module is imported (the question path)."""
    parts = [Path(file).read_bytes() for file in files] + [version(package).encode() for package in packages]
    return hashlib.sha256(b"".join(parts)).hexdigest()[:16]
