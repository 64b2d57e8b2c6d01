"""A file already on this machine (a relative path is taken from the repository root)."""

from __future__ import annotations

from pathlib import Path

from seqcase.sources.schema import FileSource
from seqcase.sources.base import SourceError, copy_verified

CHUNK_BYTES = 1 << 20


def fetch_file(source: FileSource, directory: Path) -> list[Path]:
    path = Path(source.path)
    destination = Path(directory) / path.name
    if not path.is_file():
        raise SourceError(f"{path}: no such file (sources entry of kind 'file')")
    with open(path, "rb") as handle:
        chunks = iter(lambda: handle.read(CHUNK_BYTES), b"")
        return [copy_verified(chunks, destination, source.sha256, str(path), path.stat().st_size)]
