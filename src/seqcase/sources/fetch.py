"""One call for every kind of source: the files, verified, in a folder."""

from __future__ import annotations

from pathlib import Path

from seqcase.sources.local import fetch_file
from seqcase.sources.schema import FileSource, UrlSource, WheelSource
from seqcase.sources.url import fetch_url
from seqcase.sources.wheel import fetch_wheel


def fetch(source: WheelSource | UrlSource | FileSource, directory: Path) -> list[Path]:
    """The source's files, verified, in `directory`; returns their paths."""
    fetchers = {"wheel": fetch_wheel, "url": fetch_url, "file": fetch_file}
    return fetchers[source.kind](source, directory)
