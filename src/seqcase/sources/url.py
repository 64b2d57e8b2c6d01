"""Files behind http(s) URLs, streamed with a progress bar."""

from __future__ import annotations

from pathlib import Path

import requests
import urllib3

from seqcase.sources.schema import UrlSource
from seqcase.sources.base import SourceError, copy_verified

CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 60


def fetch_url(source: UrlSource, directory: Path, timeout: float = TIMEOUT_SECONDS) -> list[Path]:
    """Every file the source names, each into `directory` under its own file name."""
    return [download(url, Path(directory) / filename, digest, timeout)
            for filename, (url, digest) in source.files.items()]


def download(url: str, destination: Path, sha256: str, timeout: float = TIMEOUT_SECONDS) -> Path:
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise SourceError(f"{url}: HTTP {response.status_code} {response.reason}")
            length = response.headers.get("Content-Length")
            # The raw stream, undecoded: the checksum is of the file as published, even a .gz one.
            chunks = response.raw.stream(CHUNK_BYTES, decode_content=False)
            return copy_verified(chunks, destination, sha256, url, int(length) if length else None)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
        raise SourceError(f"{url}: download failed: {error}") from error
