"""An HTML template for `dvc plots show` that works offline.

DVC's own template loads vega, vega-lite and vega-embed from a CDN, so its plots render blank
without internet. This one inlines the three scripts, taken from their npm packages with
`npm pack` (npm's own configuration decides where from).
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

from seqcase.io import write_text

SCRIPTS = {
    "vega@5": "package/build/vega.min.js",
    "vega-lite@5": "package/build/vega-lite.min.js",
    "vega-embed@6": "package/build/vega-embed.min.js",
}


def script_from_tarball(tarball: Path, member: str) -> str:
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile(member)
        if handle is None:
            raise FileNotFoundError(f"{tarball.name} has no file {member}")
        return handle.read().decode("utf-8")


def npm_pack(package: str, directory: Path) -> Path:
    result = subprocess.run(["npm", "pack", package, "--silent", "--pack-destination", str(directory)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"npm could not fetch {package}: {result.stderr.strip()[-500:]}")
    return directory / result.stdout.strip().splitlines()[-1]


def template_html(scripts: list[str]) -> str:
    """DVC fills `{plot_divs}`; without `{scripts}` it adds no CDN script tags."""
    escaped = (script.replace("</script", "<\\/script") for script in scripts)
    inline = "\n".join(f"<script>{script}</script>" for script in escaped)
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>seqcase plots</title>\n"
        f"{inline}\n<style>body{{font-family:sans-serif}} div{{margin:1em 0}}</style>\n</head>\n"
        "<body>\n{plot_divs}\n</body>\n</html>\n"
    )


def build_template(output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="seqcase-vega-") as directory:
        scripts = [script_from_tarball(npm_pack(package, Path(directory)), member) for package, member in SCRIPTS.items()]
    write_text(output, template_html(scripts))
    return output
