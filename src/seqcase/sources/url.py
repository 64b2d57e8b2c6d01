"""A file behind an http(s) URL, streamed with a progress bar."""

from __future__ import annotations

from pathlib import Path

import requests
import urllib3

from seqcase.config import UrlSource
from seqcase.sources.base import SourceError, copy_verified

CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 60


def fetch_url(source: UrlSource, directory: Path, timeout: float = TIMEOUT_SECONDS) -> list[Path]:
    destination = Path(directory) / source.filename
    try:
        with requests.get(source.url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise SourceError(f"{source.url}: HTTP {response.status_code} {response.reason}")
            length = response.headers.get("Content-Length")
            # The raw stream, undecoded: the checksum is of the file as published, even a .gz one.
            chunks = response.raw.stream(CHUNK_BYTES, decode_content=False)
            return [copy_verified(chunks, destination, source.sha256, source.url, int(length) if length else None)]
    except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
        raise SourceError(f"{source.url}: download failed: {error}") from error
