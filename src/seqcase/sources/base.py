"""The one way bytes reach data/raw: streamed, hashed, and renamed into place only when verified."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from seqcase.errors import SourceError
from seqcase.io import atomic_path

__all__ = ["SourceError", "copy_verified"]


def copy_verified(
    chunks: Iterable[bytes],
    destination: Path,
    expected_sha256: str,
    origin: str,
    total_bytes: int | None = None,
) -> Path:
    digest = hashlib.sha256()
    written = 0
    with atomic_path(destination) as temporary:
        with open(temporary, "wb") as handle, tqdm(
            total=total_bytes, unit="B", unit_scale=True, desc=destination.name, disable=None
        ) as progress:
            for chunk in chunks:
                handle.write(chunk)
                digest.update(chunk)
                written += len(chunk)
                progress.update(len(chunk))
        if total_bytes is not None and written != total_bytes:
            raise SourceError(f"{origin}: received {written} of {total_bytes} bytes: the transfer was cut short")
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise SourceError(
                f"{origin}: sha256 mismatch: the data has {actual}, params.yaml expects {expected_sha256}"
            )
    return destination
