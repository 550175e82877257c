"""A PostgreSQL server for tests, found or started, never skipped.

``server_url()`` answers, in this order:

1. ``OFFER_ROOM_TEST_DATABASE_URL`` when set (it must answer: a set-but-dead URL is an error);
2. the machine's service, ``postgresql://postgres@127.0.0.1:5432/test``, when it answers;
3. a private cluster this process starts (``PrivateCluster``): ``initdb`` in a temp dir, run as
   the ``postgres`` OS user when we are root (initdb refuses root), listening only on a unix socket
   in that dir; stopped and deleted at exit. Missing PostgreSQL binaries are an error.

Tests then work in databases of their own: ``create_database()`` makes a uniquely named one
(drop it with ``drop_database()``), and ``with_schema()`` points a URL at a fresh schema in it.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV = "OFFER_ROOM_TEST_DATABASE_URL"
SERVICE_URL = "postgresql://postgres@127.0.0.1:5432/test"

_server: str | None = None


def server_url() -> str:
    """A URL of a PostgreSQL server where tests may create databases (cached per process)."""
    global _server
    if _server is None:
        _server = _find_server()
    return _server


def _find_server() -> str:
    given = os.environ.get(ENV)
    if given:
        if not answers(given, timeout=10):
            raise RuntimeError(f"{ENV}={given!r} does not answer")
        return given
    if answers(SERVICE_URL, timeout=2):
        return SERVICE_URL
    cluster = PrivateCluster()
    atexit.register(cluster.destroy)
    cluster.start()
    return cluster.url


def answers(url: str, timeout: int = 2) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=timeout, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


def with_params(url: str, *, dbname: str | None = None, **params: str) -> str:
    """``url`` with another database and/or extra query parameters (e.g. ``options``)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    path = "/" + quote(dbname) if dbname is not None else parts.path
    return urlunsplit(parts._replace(path=path, query=urlencode(query, quote_via=quote)))


def create_database(prefix: str = "t") -> str:
    """Create a uniquely named database on the test server; returns its URL."""
    name = f"offer_room_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_params(server_url(), dbname=name)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (made by ``create_database``), closing any connection to it."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name)))
        )


def with_schema(database_url: str, schema: str | None = None) -> str:
    """Create a fresh schema in the database; returns a URL whose connections work in it."""
    schema = schema or f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return with_params(database_url, options=f"-c search_path={schema}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's {name} is not installed and no server answers: install postgresql "
            f"or set {ENV}"
        )
    return found


class PrivateCluster:
    """A throwaway PostgreSQL cluster on a unix socket in a temp dir (tests may stop/start it)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="offer-room-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@/postgres?host={quote(str(self.dir))}&port={self.port}"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._initialised = False

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", self._user, "--"] if self._user is not None else []
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        if not self._initialised:
            self._run(
                _bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            )  # fmt: skip
            self._initialised = True
        options = f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
