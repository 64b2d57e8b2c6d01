"""Sources against real servers and files: a local HTTP server on 127.0.0.1 and a wheel the test builds."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from seqcase.sources.schema import FileSource, UrlSource, WheelSource
from seqcase.paths import raw_directory
from seqcase.errors import SourceError
from seqcase.sources.fetch import fetch

PAYLOAD = b"Date,Close\n01/02/2020,100\n01/03/2020,101\n" * 2000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/prices.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path == "/data/reversed.csv":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(PAYLOAD[::-1])
        elif self.path == "/cut.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:1000])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def url_source(url: str, sha: str = PAYLOAD_SHA) -> UrlSource:
    return UrlSource(kind="url", url=url, sha256=sha)


def test_url_source_streams_the_file_and_checks_it(server, tmp_path):
    destination = tmp_path / "raw" / "prices.csv"
    assert fetch(url_source(f"{server}/prices.csv"), destination.parent) == [destination]
    assert destination.read_bytes() == PAYLOAD
    assert sorted(path.name for path in destination.parent.iterdir()) == ["prices.csv"]


def test_url_checksum_mismatch_leaves_no_file(server, tmp_path):
    destination = tmp_path / "raw" / "prices.csv"
    with pytest.raises(SourceError, match=f"sha256 mismatch: the data has {PAYLOAD_SHA}"):
        fetch(url_source(f"{server}/prices.csv", "0" * 64), destination.parent)
    assert list(destination.parent.iterdir()) == []


def test_url_404_is_a_clear_error(server, tmp_path):
    destination = tmp_path / "raw" / "missing.csv"
    with pytest.raises(SourceError, match=r"missing.csv: HTTP 404"):
        fetch(url_source(f"{server}/missing.csv"), destination.parent)
    assert not destination.exists()


def test_url_cut_connection_leaves_no_file(server, tmp_path):
    destination = tmp_path / "raw" / "cut.csv"
    with pytest.raises(SourceError, match="cut.csv"):
        fetch(url_source(f"{server}/cut.csv"), destination.parent)
    assert list(destination.parent.iterdir()) == []


def test_url_refused_connection_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="download failed"):
        fetch(url_source("http://127.0.0.1:9/prices.csv"), tmp_path)


def test_file_source_copies_and_checks(tmp_path):
    original = tmp_path / "prices.csv"
    original.write_bytes(PAYLOAD)
    directory = raw_directory("prices", tmp_path / "raw")
    [destination] = fetch(FileSource(kind="file", path=str(original), sha256=PAYLOAD_SHA), directory)
    assert destination == tmp_path / "raw" / "prices" / "prices.csv"
    assert destination.read_bytes() == PAYLOAD
    with pytest.raises(SourceError, match="no such file"):
        fetch(FileSource(kind="file", path=str(tmp_path / "absent.csv"), sha256=PAYLOAD_SHA), directory)


def build_wheel(directory: Path, name: str = "tinydata", version: str = "1.0") -> Path:
    """A minimal valid wheel holding one data member."""
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/data/prices.csv", PAYLOAD)
        archive.writestr(f"{name}/data/prices_test.csv", PAYLOAD[::-1])
        archive.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: seqcase-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{dist_info}/RECORD", "")
    return wheel


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """pip sees only a folder of wheels: its own configuration, pointed at 127.0.0.1-free local files."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    build_wheel(folder)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_wheel_source_reads_one_member(local_index, tmp_path):
    source = WheelSource(kind="wheel", package="tinydata==1.0", member="tinydata/data/prices.csv", sha256=PAYLOAD_SHA)
    [destination] = fetch(source, raw_directory("tiny", tmp_path / "raw"))
    assert destination == tmp_path / "raw" / "tiny" / "prices.csv"
    assert destination.read_bytes() == PAYLOAD


def test_wheel_source_reads_several_members_each_checked(local_index, tmp_path):
    reversed_sha = hashlib.sha256(PAYLOAD[::-1]).hexdigest()
    members = {"tinydata/data/prices.csv": PAYLOAD_SHA, "tinydata/data/prices_test.csv": reversed_sha}
    source = WheelSource(kind="wheel", package="tinydata==1.0", members=members)
    written = fetch(source, tmp_path / "raw")
    assert [path.name for path in written] == ["prices.csv", "prices_test.csv"]
    assert written[1].read_bytes() == PAYLOAD[::-1]
    bad = WheelSource(kind="wheel", package="tinydata==1.0", members={**members, "tinydata/data/prices_test.csv": PAYLOAD_SHA})
    with pytest.raises(SourceError, match="prices_test.csv: sha256 mismatch"):
        fetch(bad, tmp_path / "other")


def test_wheel_missing_member_suggests_close_ones(local_index, tmp_path):
    source = WheelSource(kind="wheel", package="tinydata==1.0", member="tinydata/data/price.csv", sha256=PAYLOAD_SHA)
    with pytest.raises(SourceError, match=r"no member 'tinydata/data/price.csv'; similar members: tinydata/data/prices.csv"):
        fetch(source, tmp_path / "raw")
    assert not (tmp_path / "raw" / "price.csv").exists()


def test_wheel_checksum_mismatch_and_unknown_version(local_index, tmp_path):
    destination = tmp_path / "raw" / "prices.csv"
    with pytest.raises(SourceError, match="sha256 mismatch"):
        fetch(WheelSource(kind="wheel", package="tinydata==1.0", member="tinydata/data/prices.csv", sha256="1" * 64),
              destination.parent)
    with pytest.raises(SourceError, match=r"pip could not download tinydata==2.0"):
        fetch(WheelSource(kind="wheel", package="tinydata==2.0", member="tinydata/data/prices.csv", sha256=PAYLOAD_SHA),
              destination.parent)
    assert list(destination.parent.iterdir()) == []


def test_a_url_source_may_name_several_files_each_checked(server, tmp_path):
    reversed_sha = hashlib.sha256(PAYLOAD[::-1]).hexdigest()
    source = UrlSource(kind="url", urls={f"{server}/prices.csv": PAYLOAD_SHA, f"{server}/data/reversed.csv": reversed_sha})
    written = fetch(source, tmp_path / "raw")
    assert [path.name for path in written] == ["prices.csv", "reversed.csv"]
    assert written[1].read_bytes() == PAYLOAD[::-1]


def test_the_fetch_stage_writes_all_of_a_sources_files_or_none(server, tmp_path):
    import yaml

    from conftest import BASE_PARAMS
    from seqcase.stages import fetch as fetch_stage

    params = {**BASE_PARAMS, "sources": {"pair": {"kind": "url", "urls": {
        f"{server}/prices.csv": PAYLOAD_SHA, f"{server}/data/missing.csv": PAYLOAD_SHA}}}}
    params["cases"] = {"tiny": {**BASE_PARAMS["cases"]["tiny"], "source": "pair"}}
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params))
    with pytest.raises(SourceError, match="missing.csv: HTTP 404"):
        fetch_stage.run(params_path, "pair", tmp_path / "raw")
    assert not (tmp_path / "raw" / "pair").exists()  # prices.csv arrived, but not alone
    params["sources"]["pair"]["urls"] = {f"{server}/prices.csv": PAYLOAD_SHA}
    params_path.write_text(yaml.safe_dump(params))
    assert fetch_stage.run(params_path, "pair", tmp_path / "raw") == [tmp_path / "raw" / "pair" / "prices.csv"]
