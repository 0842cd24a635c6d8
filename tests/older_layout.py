"""A copy of a built index made to look as an older Parley wrote it, for the tests that a reindex rebuilds it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from index.versions import LAYOUT, current_name


def older_layout_copy(index_dir: Path, data_dir: Path, layout: str, missing: str) -> Path:
    """``index_dir`` copied to ``data_dir`` with its current version's signature naming ``layout`` instead of
    today's, and without ``missing`` (the file that layout did not write); returns the version's folder."""
    shutil.copytree(index_dir, data_dir)
    folder = data_dir / "versions" / current_name(data_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["signature"] = manifest["signature"].replace(LAYOUT, layout)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / missing).unlink()
    return folder
