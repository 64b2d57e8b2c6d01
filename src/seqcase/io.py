"""Atomic writes: a killed stage leaves the old file or none, never half of a new one.

The temporary file or folder sits beside its target as `.<name>.<random>.tmp`; a stage killed
before it renamed leaves that behind, so the next write to the same target removes it first.
Outputs get the modes the user's umask gives (tempfile's own are private, 0600 and 0700), so a
team on a shared machine can read each other's reports.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


TEMPORARY_SUFFIX = ".tmp"


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale(path: Path) -> None:
    """Temporaries a killed write to `path` left beside it: `.<name>.<8 random>[<suffix>].tmp`
    (and `.<name>.<8 random>`, as writes named them before)."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}((\.[A-Za-z0-9]+)?{re.escape(TEMPORARY_SUFFIX)})?")
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):
        if not pattern.fullmatch(stale.name):
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: Path | str, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=(suffix or "") + TEMPORARY_SUFFIX)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        if temporary_path.exists():
            temporary_path.chmod(0o666 & ~current_umask())
        os.replace(temporary_path, path)
    finally:
        temporary_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(path: Path | str) -> Iterator[Path]:
    """Yield an empty temporary folder that replaces `path` whole when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX))
    try:
        yield temporary
        temporary.chmod(0o777 & ~current_umask())
        if path.exists():
            shutil.rmtree(path)
        os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(path: Path | str, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, default=_json_default, allow_nan=True) + "\n")


def read_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text())

