"""A real S3 endpoint on loopback (OpenStack Swift + s3api) for S3 tests.

    from s3_fixture import s3, s3_server   # in a test module (pytest fixtures)

    def test_x(s3):
        s3.endpoint    -> "http://127.0.0.1:PORT"   (store.url)
        s3.access_key  -> "test:tester"             (aws.access.key.id)
        s3.secret_key  -> "testing"                 (aws.secret.access.key)
        s3.region      -> "us-east-1"               (s3.region)
        s3.bucket      -> a fresh, already created bucket for this test
        s3.client      -> boto3 S3 client (path-style, SigV4)
        s3.put("topics/t/partition=0/x.json", b"...")
        s3.get("topics/t/partition=0/x.json")    -> bytes
        s3.delete("topics/t/partition=0/x.json")
        s3.keys("topics/")                        -> sorted list of keys
        s3.uploads("topics/")                     -> in-progress multipart
                                                     uploads [(key, upload_id)]
        s3.connector_props() -> the S3 connector settings for this bucket

`s3_server` (session scope) starts Swift once per pytest run (~3 s): a
proxy with s3api + tempauth (user test:tester, key testing) and one object,
container and account server, each single-process (workers=0) on free
127.0.0.1 ports, with one-replica rings and devices in a temp dir. Swift
checks SigV4 signatures and the signed x-amz-content-sha256 payload hash.
The processes are stopped by PID at session end. `s3` (function scope)
creates a new bucket per test on that server; `s3_server.new_bucket()` makes
more. Swift's logs go to <tmpdir>/<server>.log (`s3_server.log(name)`).
Needs the Debian packages swift swift-proxy swift-object swift-container
swift-account and python3-boto3 (run pytest with /usr/bin/python3).
"""

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import free_port

ACCESS_KEY = "test:tester"
SECRET_KEY = "testing"
REGION = "us-east-1"

_SERVERS = ("account", "container", "object")


def _server_conf(kind, port, base):
    return f"""[DEFAULT]
devices = {base}/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = root
swift_dir = {base}
log_name = {kind}-server
log_level = WARNING

[pipeline:main]
pipeline = {kind}-server

[app:{kind}-server]
use = egg:swift#{kind}
"""


def _proxy_conf(port, base):
    return f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = root
swift_dir = {base}
log_name = proxy-server
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
# no memcached: swift.cache must exist for tempauth, misses are fine
memcache_servers = 127.0.0.1:{free_port()}

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = {REGION}
s3_acl = false
check_bucket_owner = false
min_segment_size = 5242880

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = {SECRET_KEY} .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
"""


def _die_with_parent():
    """Swift servers get SIGTERM when the pytest process dies, so a killed
    run leaves no servers behind."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _build_ring(base, kind, port):
    builder = str(base / f"{kind}.builder")
    cmds = [["swift-ring-builder", builder, "create", "6", "1", "1"],
            ["swift-ring-builder", builder, "add",
             f"r1z1-127.0.0.1:{port}/sdb1", "100"],
            ["swift-ring-builder", builder, "rebalance"]]
    script = " && ".join(" ".join(f"'{a}'" for a in c) for c in cmds)
    # rebalance exits 1 with warnings on a one-device ring; check the file
    return subprocess.Popen(["sh", "-c", script + " ; true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class S3Server:
    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="sluice-swift-"))
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.region = REGION
        self.procs = {}
        self._client = None

    def start(self):
        (self.base / "srv" / "sdb1").mkdir(parents=True)
        ports = {k: free_port() for k in _SERVERS}
        builders = [_build_ring(self.base, k, ports[k]) for k in _SERVERS]
        for k, b in zip(_SERVERS, builders):
            _, err = b.communicate(timeout=60)
            if not (self.base / f"{k}.ring.gz").exists():
                raise RuntimeError(f"swift-ring-builder {k} failed: {err.decode()}")
        for k in _SERVERS:
            (self.base / f"{k}.conf").write_text(_server_conf(k, ports[k], self.base))
        (self.base / "proxy.conf").write_text(_proxy_conf(self.port, self.base))
        for k in _SERVERS + ("proxy",):
            log = open(self.base / f"{k}.log", "wb")
            self.procs[k] = subprocess.Popen(
                [f"swift-{k}-server", str(self.base / f"{k}.conf"), "-v"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent)
            log.close()
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.time() + 30
        last = None
        while time.time() < deadline:
            for k, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"swift-{k}-server exited: {self.log(k)}")
            try:
                self.client.list_buckets()
                return
            except Exception as e:  # not up yet
                last = e
                time.sleep(0.1)
        raise RuntimeError(f"Swift s3api did not come up: {last}\n{self.log('proxy')}")

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config
            self._client = boto3.client(
                "s3", endpoint_url=self.endpoint, region_name=self.region,
                aws_access_key_id=self.access_key,
                aws_secret_access_key=self.secret_key,
                config=Config(signature_version="s3v4",
                              s3={"addressing_style": "path"},
                              retries={"max_attempts": 2}))
        return self._client

    def log(self, name="proxy"):
        try:
            return (self.base / f"{name}.log").read_text(errors="replace")[-6000:]
        except OSError as e:
            return f"<no log: {e}>"

    def new_bucket(self):
        b = S3Bucket(self, "sl-" + uuid.uuid4().hex[:16])
        self.client.create_bucket(Bucket=b.bucket)
        return b

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.base, ignore_errors=True)


class S3Bucket:
    """One bucket on the session's Swift; see the module docstring."""

    def __init__(self, server, bucket):
        self.server = server
        self.endpoint = server.endpoint
        self.access_key = server.access_key
        self.secret_key = server.secret_key
        self.region = server.region
        self.bucket = bucket
        self.client = server.client

    def keys(self, prefix=""):
        out = []
        kw = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            r = self.client.list_objects_v2(**kw)
            out += [o["Key"] for o in r.get("Contents", [])]
            if not r.get("IsTruncated"):
                return sorted(out)
            kw["ContinuationToken"] = r["NextContinuationToken"]

    def get(self, key):
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def put(self, key, data):
        if isinstance(data, str):
            data = data.encode()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def uploads(self, prefix=""):
        r = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix)
        return [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]

    def connector_props(self):
        return {"s3.bucket.name": self.bucket, "s3.region": self.region,
                "store.url": self.endpoint, "aws.access.key.id": self.access_key,
                "aws.secret.access.key": self.secret_key}


@pytest.fixture(scope="session")
def s3_server():
    for exe in ("swift-proxy-server", "swift-object-server", "swift-ring-builder"):
        if shutil.which(exe) is None:
            pytest.fail(f"{exe} not found: apt-get install swift swift-proxy "
                        "swift-object swift-account swift-container", pytrace=False)
    srv = S3Server()
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    yield srv
    srv.stop()


@pytest.fixture
def s3(s3_server):
    return s3_server.new_bucket()
