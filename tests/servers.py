"""Real servers for the tests, on 127.0.0.1: a PostgreSQL cluster in a temporary folder and an
MLflow tracking server on it with proxied artifacts, behind MLflow's basic authentication when
given credentials. Each is stopped when its block ends."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_binary(name: str) -> str | None:
    """initdb and pg_ctl live outside PATH in Debian's package (/usr/lib/postgresql/<version>/bin)."""
    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)


def require_postgres() -> tuple[str, str]:
    """initdb and pg_ctl, or a skip; `.ci/run` sets SEQCASE_REQUIRE_POSTGRES=1 so CI fails instead."""
    initdb, pg_ctl = postgres_binary("initdb"), postgres_binary("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    message = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
    if os.environ.get("SEQCASE_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI here runs as root, so run it as the package's user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_database(name: str = "mlflow") -> Iterator[str]:
    """A throwaway cluster with one database; yields its SQLAlchemy URI (postgresql://...)."""
    initdb, pg_ctl = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="seqcase-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres_user([initdb, "-D", str(data), "-U", "seqcase", "--auth=trust", "-E", "UTF8",
                                      "--no-sync"]), check=True, capture_output=True)
    # A throwaway cluster: no write waits for the disk (MLflow commits every logged value).
    durability = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-o", f"-h 127.0.0.1 -p {port} -k {folder} {durability}",
                                      "-l", str(folder / "server.log"), "-w", "start"]), check=True, capture_output=True)
    try:
        subprocess.run(_as_postgres_user([postgres_binary("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(port),
                                          "-U", "seqcase", name]), check=True, capture_output=True)
        yield f"postgresql://seqcase@127.0.0.1:{port}/{name}"
    finally:
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def basic_auth_settings(folder: Path, username: str, password: str) -> dict[str, str]:
    """The environment of `mlflow server --app-name basic-auth`: its configuration file (users in a
    SQLite file of their own, the first admin's name), the admin's password and the session key,
    all from the environment, none in a file under git."""
    config = folder / "basic_auth.ini"
    config.write_text("[mlflow]\ndefault_permission = READ\n"
                      f"database_uri = sqlite:///{folder / 'basic_auth.db'}\nadmin_username = {username}\n"
                      "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
                      # A pipeline makes thousands of requests; without the cache each one pays a
                      # password hash check (tens of ms of CPU by design) and the server takes a core.
                      "auth_cache_ttl_seconds = 300\n")
    return {"MLFLOW_AUTH_CONFIG_PATH": str(config), "MLFLOW_AUTH_ADMIN_PASSWORD": password,
            "MLFLOW_FLASK_SERVER_SECRET_KEY": os.urandom(16).hex()}


@contextlib.contextmanager
def mlflow_server(backend_store_uri: str, artifacts: Path, timeout: float = 120.0,
                  credentials: tuple[str, str] | None = None) -> Iterator[str]:
    """`mlflow server` serving (proxying) the artifacts from `artifacts`; yields its http:// URI.
    With credentials (user, password) it answers only to them: MLflow's basic-auth app."""
    port = free_port()
    log = open(artifacts.parent / "mlflow-server.log", "w")
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend_store_uri,
               "--artifacts-destination", str(artifacts), "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    environment = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    if credentials:
        command += ["--app-name", "basic-auth"]
        environment.update(basic_auth_settings(artifacts.parent, *credentials))
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: see {log.name}")
            time.sleep(0.5)
        yield uri
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
