"""A throwaway PostgreSQL 15 server on loopback for connector tests.

    from pg_fixture import postgres   # in a test module (pytest fixture)

    def test_x(postgres):
        postgres.execute("create table t(id int primary key, v text)")
        postgres.execute("insert into t values (%s, %s)", (1, "a"))
        rows = postgres.query("select * from t")
        postgres.url  -> "jdbc:postgresql://127.0.0.1:PORT/test"
        postgres.host, .port, .user ("postgres"), .dbname ("test")

The server runs with wal_level=logical (CDC tests), trust auth on
127.0.0.1, fsync off; its data dir is a temp dir removed at teardown, after
a fast stop. Needs postgresql-15 and python3-psycopg2.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Postgres:
    def __init__(self, base, port):
        self.base = Path(base)
        self.data = self.base / "data"
        self.host = "127.0.0.1"
        self.port = port
        self.user = "postgres"
        self.dbname = "test"
        self.url = f"jdbc:postgresql://{self.host}:{self.port}/{self.dbname}"

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
                "-c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10 "
                "-c fsync=off -c full_page_writes=off")
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                      str(self.base / "server.log"), "-w", "-o", opts, "start"])
        c = self.connect("postgres")
        c.autocommit = True
        c.cursor().execute(f"create database {self.dbname}")
        c.close()
        return self

    def stop(self):
        try:
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                          "-w", "stop"], timeout=30)
        except Exception:
            pass

    def connect(self, dbname=None):
        import psycopg2
        deadline = time.time() + 10
        while True:
            try:
                c = psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                     dbname=dbname or self.dbname)
                return c
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def execute(self, sql, params=None):
        """Run one statement in its own committed transaction."""
        c = self.connect()
        try:
            c.autocommit = True
            c.cursor().execute(sql, params)
        finally:
            c.close()

    def query(self, sql, params=None):
        """Rows of a query as a list of tuples."""
        c = self.connect()
        try:
            cur = c.cursor()
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            c.close()

    def log(self):
        try:
            return (self.base / "server.log").read_text()[-4000:]
        except OSError:
            return ""


@pytest.fixture
def postgres():
    from conftest import free_port
    # not under tmp_path: pytest's dirs are root-only and the server runs
    # as the postgres user
    base = tempfile.mkdtemp(prefix="sluice-pg-")
    pg = Postgres(base, free_port())
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)
