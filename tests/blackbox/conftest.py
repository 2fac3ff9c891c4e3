"""Fixtures and helpers for black-box tests of the real `sluice` binary.

Layout (override the build dir with env SLUICE_BUILD, default <repo>/build):
    <build>/sluice                 the worker
    <build>/tools/mock-broker      standalone librdkafka mock cluster
    <build>/tests/plugins/         test plugins (seq_source.so)

Fixtures
    mock_broker   factory + default instance. `mock_broker("lines:1", brokers=1)`
                  starts a new mock with pre-created topics and returns a
                  MockBroker; `mock_broker.bootstrap` / `mock_broker.control(...)`
                  lazily start (once per test) a default mock without topics.
                  MockBroker: .bootstrap, .control(cmd) -> reply line, .stop(),
                  .alive(), .log().
    worker        factory: `worker.start(props, connector_files, env=None)` ->
                  Worker with .url, .worker_id, .get/.post/.put/.patch/.delete(path, ...),
                  .wait_for(pred, timeout, desc), .status(name),
                  .wait_running(name), .kill9(), .stop(), .restart(), .log().
                  `worker.start(props, mode="distributed")` runs
                  `sluice distributed worker.properties` (no connector files)
                  with distributed_defaults() instead of defaults().
    cluster       factory: `cluster(3, topics=("data:4",))` starts a new mock
                  broker with the internal topics <prefix>-configs:1,
                  <prefix>-offsets:25, <prefix>-status:5 plus the given data
                  topics, and N distributed workers sharing one group.id.
                  Returns a Cluster: .workers, .live, .live_ids, .any(),
                  .start_worker(), .restart_worker(w), .stop_all(), .status(),
                  .create(), .write(), .wait_running(), .wait_for(),
                  .log_tails(), .by_id(worker_id).

Module-level helpers (import them with `from conftest import ...`):
    produce, consume_all, consume_records, read_with_headers, wait_until, read_lines,
    write_properties, write_json, free_port
"""

import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SLUICE_BUILD", str(REPO / "build"))).resolve()
SLUICE = BUILD / "sluice"
MOCK_BROKER = BUILD / "tools" / "mock-broker"
PLUGIN_DIR = BUILD / "tests" / "plugins"

STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
BYTEARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter"
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"

DEFAULT_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0


def _require(path):
    if not path.exists():
        pytest.fail(f"{path} not found: build the project first "
                    f"(or point SLUICE_BUILD at the build dir)", pytrace=False)


def _tail(path, nbytes=6000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - nbytes))
            return f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"<no log: {e}>"


# ---------------------------------------------------------------- helpers

def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _escape_prop(value, is_key=False):
    out = []
    for i, ch in enumerate(str(value)):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif is_key and ch in " :=#!":
            out.append("\\" + ch)
        elif not is_key and i == 0 and ch == " ":
            out.append("\\ ")
        else:
            out.append(ch)
    return "".join(out)


def write_properties(path, props):
    """Write a Java .properties file (keys in the given order)."""
    path = Path(path)
    lines = [f"{_escape_prop(k, True)}={_escape_prop(v)}"
             for k, v in props.items() if v is not None]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_json(path, obj):
    path = Path(path)
    path.write_text(json.dumps(obj, indent=2), encoding="utf-8")
    return path


def read_lines(path):
    """Lines of a file (bytes, without the newline); [] if missing. A final
    partial line (no newline yet) is left out."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    if not data:
        return []
    parts = data.split(b"\n")
    return parts[:-1]


def count_lines(path):
    try:
        with open(path, "rb") as f:
            n = 0
            while True:
                buf = f.read(1 << 20)
                if not buf:
                    return n
                n += buf.count(b"\n")
    except FileNotFoundError:
        return 0


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def wait_until(predicate, timeout=DEFAULT_TIMEOUT, desc=None, interval=0.1,
               on_fail=None):
    """Call predicate until it returns something truthy (returned). Errors
    raised by the predicate count as "not yet"; on timeout an AssertionError
    names desc, the last result/error and on_fail() (e.g. a log tail)."""
    deadline = time.monotonic() + timeout
    last, last_exc = None, None
    while True:
        try:
            last = predicate()
            last_exc = None
            if last:
                return last
        except (requests.RequestException, AssertionError, KeyError,
                IndexError, TypeError, ValueError, OSError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    msg = f"timed out after {timeout:.0f}s waiting for {desc or predicate}"
    msg += f"\nlast result: {last!r:.2000}"
    if last_exc is not None:
        msg += f"\nlast error: {last_exc!r:.2000}"
    if on_fail is not None:
        try:
            msg += "\n" + on_fail()
        except Exception as e:  # noqa: BLE001 - diagnostics only
            msg += f"\n<on_fail failed: {e!r}>"
    raise AssertionError(msg)


def _to_bytes(v):
    if v is None or isinstance(v, bytes):
        return v
    return str(v).encode("utf-8")


def produce(bootstrap, topic, values, partition=None, key=None,
            config=None, timeout=30):
    """Produce values (str/bytes/None) to topic and wait for delivery."""
    from confluent_kafka import Producer

    conf = {"bootstrap.servers": bootstrap, "linger.ms": 5,
            "message.timeout.ms": int(timeout * 1000)}
    conf.update(config or {})
    p = Producer(conf)
    errors = []

    def cb(err, _msg):
        if err is not None:
            errors.append(err)

    kw = {}
    if partition is not None:
        kw["partition"] = partition
    for v in values:
        while True:
            try:
                p.produce(topic, value=_to_bytes(v), key=_to_bytes(key),
                          on_delivery=cb, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(timeout)
    assert left == 0, f"{left} messages not delivered to {topic}"
    assert not errors, f"delivery errors: {errors[:5]}"


def consume_records(bootstrap, topic, n, timeout=30, config=None):
    """Read at least n records of topic from the beginning of every
    partition (assign, no group commits). Returns a list of
    (partition, offset, key, value) tuples, per-partition order kept.
    Raises AssertionError if fewer than n arrive within timeout."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition, \
        OFFSET_BEGINNING

    conf = {"bootstrap.servers": bootstrap,
            "group.id": "sl-test-" + uuid.uuid4().hex,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 10,
            "enable.partition.eof": False}
    conf.update(config or {})
    c = Consumer(conf)
    out = []
    try:
        deadline = time.monotonic() + timeout
        parts = None
        while parts is None:
            md = c.list_topics(topic, timeout=10)
            t = md.topics.get(topic)
            if t is not None and t.error is None and t.partitions:
                parts = sorted(t.partitions)
            elif time.monotonic() > deadline:
                raise AssertionError(f"topic {topic} has no metadata: "
                                     f"{t.error if t else None}")
            else:
                time.sleep(0.2)
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        while len(out) < n and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.2):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise AssertionError(f"consume error: {m.error()}")
                out.append((m.partition(), m.offset(), m.key(), m.value()))
    finally:
        c.close()
    assert len(out) >= n, (f"only {len(out)} of {n} records read from "
                           f"{topic} in {timeout}s")
    return out


def read_with_headers(bootstrap, topic, n, timeout=30):
    """(key, value, headers dict) of at least n records from the start."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "t-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    try:
        def enough():
            m = c.poll(0.2)
            if m is not None and not m.error():
                hs = {k: (v.decode() if v is not None else None)
                      for k, v in (m.headers() or [])}
                out.append((m.key(), m.value(), hs))
            return len(out) >= n
        wait_until(enough, timeout, f"{n} records on {topic}", interval=0)
    finally:
        c.close()
    return out


def consume_all(bootstrap, topic, n, timeout=30, config=None):
    """Values (bytes) of at least n records of topic, from the beginning."""
    return [r[3] for r in consume_records(bootstrap, topic, n, timeout,
                                          config)]


# ------------------------------------------------------------ mock broker

class MockBroker:
    def __init__(self, workdir, topics=(), brokers=1, extra_args=()):
        _require(MOCK_BROKER)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.bootstrap_file = self.workdir / "bootstrap.txt"
        self.fifo = self.workdir / "control.fifo"
        self.stderr_path = self.workdir / "mock-broker.err"
        self.lines = queue.Queue()
        self.stdout_lines = []
        self._lock = threading.Lock()
        for p in (self.bootstrap_file, self.fifo):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        os.mkfifo(self.fifo)
        args = [str(MOCK_BROKER), "-b", str(brokers),
                "-f", str(self.bootstrap_file), "-c", str(self.fifo)]
        for t in topics:
            args += ["-t", t]
        args += list(extra_args)
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self._err,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read_stdout,
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 10
        while True:
            if self.bootstrap_file.exists():
                bs = self.bootstrap_file.read_text().strip()
                if bs:
                    break
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"mock-broker exited with {self.proc.returncode}: "
                    f"{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("mock-broker did not write its "
                                     f"bootstrap file in 10 s: {self.log()}")
            time.sleep(0.02)
        self.bootstrap = bs

    def _read_stdout(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            if line.startswith(("OK", "ERR")):
                self.lines.put(line)

    def alive(self):
        return self.proc.poll() is None

    def control(self, cmd, timeout=10):
        """Send one control command through the fifo; return its reply
        line ("OK ..." or "ERR ...")."""
        with self._lock:
            while True:  # drop stale replies
                try:
                    self.lines.get_nowait()
                except queue.Empty:
                    break
            deadline = time.monotonic() + timeout
            while True:
                if not self.alive():
                    raise AssertionError(f"mock-broker is dead: {self.log()}")
                try:
                    fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError:  # ENXIO: no reader at this instant
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            try:
                os.write(fd, (cmd.strip() + "\n").encode())
            finally:
                os.close(fd)
            try:
                return self.lines.get(timeout=max(0.1, deadline -
                                                  time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no reply from mock-broker to {cmd!r}")

    def log(self):
        return ("stdout:\n" + "\n".join(self.stdout_lines[-20:]) +
                "\nstderr:\n" + _tail(self.stderr_path, 3000))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)
        try:
            self.proc.stdout.close()
        except Exception:  # noqa: BLE001
            pass
        self._err.close()
        return self.proc.returncode


class MockBrokerFactory:
    """Callable: factory(*topics, brokers=1, extra_args=()) -> MockBroker.
    Attribute access (bootstrap, control, ...) goes to a default broker
    started on first use."""

    def __init__(self, tmp_path):
        self._tmp = Path(tmp_path)
        self._brokers = []
        self._default = None

    def __call__(self, *topics, brokers=1, extra_args=()):
        d = self._tmp / f"mock{len(self._brokers)}"
        mb = MockBroker(d, topics=topics, brokers=brokers,
                        extra_args=extra_args)
        self._brokers.append(mb)
        return mb

    def start(self, *topics, **kw):
        return self(*topics, **kw)

    @property
    def default(self):
        if self._default is None:
            self._default = self()
        return self._default

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.default, name)

    def stop_all(self):
        for mb in self._brokers:
            try:
                mb.stop()
            except Exception:  # noqa: BLE001
                pass


@pytest.fixture
def mock_broker(tmp_path):
    f = MockBrokerFactory(tmp_path)
    yield f
    f.stop_all()


# ----------------------------------------------------------------- worker

class Worker:
    def __init__(self, factory, props, connector_files, env, index,
                 mode="standalone", client=None):
        self.factory = factory
        self.mode = mode
        self.props = dict(props)
        self.connector_files = [str(p) for p in connector_files]
        self.env = env
        tmp = factory.tmp_path
        self.props_path = tmp / (f"worker-{index}.properties")
        self.log_path = tmp / f"worker-{index}.log"
        write_properties(self.props_path, self.props)
        listener = self.props["listeners"].split(",")[0].strip()
        host_port = listener.split("://", 1)[1]
        host, port = host_port.rsplit(":", 1)
        scheme = listener.split("://", 1)[0].lower()
        self.url = f"{scheme}://{host or '127.0.0.1'}:{port}"
        self.session = requests.Session()
        # requests.Session attributes: auth, verify (CA file), cert
        self.client = dict(client or {})
        for k, v in self.client.items():
            setattr(self.session, k, v)
        if "verify" in self.client:
            # REQUESTS_CA_BUNDLE would otherwise override session.verify
            self.session.trust_env = False
        self._logf = open(self.log_path, "wb")
        penv = dict(os.environ)
        penv.update(env or {})
        self.proc = subprocess.Popen(
            [str(SLUICE), mode, str(self.props_path),
             *self.connector_files],
            stdin=subprocess.DEVNULL, stdout=self._logf,
            stderr=subprocess.STDOUT, cwd=str(tmp), env=penv,
            start_new_session=True)

    # --- process
    @property
    def pid(self):
        return self.proc.pid

    @property
    def worker_id(self):
        """host:port of the REST listener, as distributed mode reports it
        in status (worker_id)."""
        return self.url.split("://", 1)[1]

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, nbytes=6000):
        return f"--- worker log tail ({self.log_path}) ---\n" + \
            _tail(self.log_path, nbytes)

    def wait_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(
                    f"sluice exited with {self.proc.returncode} during "
                    f"startup\n{self.log_tail()}")
            try:
                r = self.session.get(self.url + "/health", timeout=5)
                last = f"{r.status_code} {r.text[:300]}"
                if r.status_code == 200:
                    return self
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        raise AssertionError(f"GET /health did not return 200 within "
                             f"{timeout}s (last: {last})\n{self.log_tail()}")

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._logf.close()
        return self.proc.returncode

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self._logf.close()
                raise AssertionError(f"sluice did not exit within {timeout}s "
                                     f"of SIGTERM\n{self.log_tail()}")
        self._logf.close()
        return self.proc.returncode

    def restart(self, **kw):
        """Stop (SIGTERM) if still running, then start a new worker with the
        same properties and connector files (a fresh port unless listeners
        was given explicitly). Returns the new Worker."""
        if self.alive():
            self.stop()
        kw.setdefault("mode", self.mode)
        kw.setdefault("client", self.client)
        return self.factory.start(self._user_props, self.connector_files,
                                  env=self.env, **kw)

    # --- HTTP
    def request(self, method, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.session.request(method, self.url + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):  # noqa: A002 - requests style
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):  # noqa: A002
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):  # noqa: A002
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # --- waiting
    def wait_for(self, predicate, timeout=DEFAULT_TIMEOUT, desc=None,
                 interval=0.1):
        def on_fail():
            alive = "alive" if self.alive() else \
                f"EXITED with {self.proc.returncode}"
            return f"worker {alive}\n{self.log_tail()}"
        return wait_until(predicate, timeout, desc, interval, on_fail)

    def status(self, name):
        r = self.get(f"/connectors/{name}/status")
        assert r.status_code == 200, f"{r.status_code} {r.text}"
        return r.json()

    def wait_state(self, name, state, task_state=None, ntasks=None,
                   timeout=DEFAULT_TIMEOUT):
        """Wait until the connector is in state and (if given) every task is
        in task_state (and there are ntasks tasks, default >= 1 when
        task_state is given). Returns the status body."""
        def check():
            st = self.status(name)
            if st["connector"]["state"] != state:
                return None
            tasks = st["tasks"]
            if ntasks is not None and len(tasks) != ntasks:
                return None
            if task_state is not None:
                if not tasks or any(t["state"] != task_state for t in tasks):
                    return None
            return st
        return self.wait_for(check, timeout,
                             f"{name} {state}/{task_state}")

    def wait_running(self, name, timeout=DEFAULT_TIMEOUT):
        return self.wait_state(name, "RUNNING", "RUNNING", timeout=timeout)

    def create(self, name, config, expect=201):
        r = self.post("/connectors", json={"name": name, "config": config})
        assert r.status_code == expect, f"{r.status_code} {r.text}"
        return r


class WorkerFactory:
    def __init__(self, tmp_path):
        self.tmp_path = Path(tmp_path)
        self.workers = []

    def defaults(self):
        return {
            "key.converter": STRING_CONVERTER,
            "value.converter": STRING_CONVERTER,
            "offset.storage.file.filename": str(self.tmp_path /
                                                "offsets.json"),
            "offset.flush.interval.ms": "1000",
            "consumer.session.timeout.ms": "6000",
            "consumer.heartbeat.interval.ms": "2000",
            "consumer.fetch.wait.max.ms": "10",
        }

    def distributed_defaults(self):
        """Worker keys for `sluice distributed` (bootstrap.servers, group.id
        and the *.storage.topic names come from the caller, see Cluster)."""
        return {
            "key.converter": STRING_CONVERTER,
            "value.converter": STRING_CONVERTER,
            "rest.advertised.host.name": "127.0.0.1",
            "offset.storage.partitions": "25",
            "status.storage.partitions": "5",
            "session.timeout.ms": "3000",
            "heartbeat.interval.ms": "1000",
            "offset.flush.interval.ms": "500",
            "task.shutdown.graceful.timeout.ms": "3000",
            # sink consumers inherit session.timeout.ms/heartbeat.interval.ms
            "consumer.fetch.wait.max.ms": "10",
        }

    def start(self, worker_props=None, connector_files=(), env=None,
              wait=True, health_timeout=None, mode="standalone", client=None,
              scheme="http"):
        """Start `sluice standalone worker.properties [files...]`, or with
        mode="distributed" `sluice distributed worker.properties`.
        worker_props override the defaults; a None value removes a key.
        listeners defaults to <scheme>://127.0.0.1:<free port>; client sets
        attributes of the Worker's requests.Session (auth, verify, cert),
        e.g. for an https listener with basic auth. health_timeout
        defaults to 20 s (standalone) / 60 s (distributed: /health may wait
        for the group join)."""
        _require(SLUICE)
        if mode not in ("standalone", "distributed"):
            raise ValueError(f"unknown mode {mode!r}")
        if mode == "distributed" and connector_files:
            raise ValueError("distributed mode takes no connector files")
        if health_timeout is None:
            health_timeout = 20 if mode == "standalone" else 60
        user = dict(worker_props or {})
        props = self.defaults() if mode == "standalone" else \
            self.distributed_defaults()
        if "listeners" not in user:
            props["listeners"] = f"{scheme}://127.0.0.1:{free_port()}"
        for k, v in user.items():
            if v is None:
                props.pop(k, None)
            else:
                props[k] = str(v)
        w = Worker(self, props, connector_files, env, len(self.workers),
                   mode=mode, client=client)
        w._user_props = user
        self.workers.append(w)
        if wait:
            w.wait_healthy(health_timeout)
        return w

    def __call__(self, *a, **kw):
        return self.start(*a, **kw)

    def cleanup(self):
        for w in self.workers:
            if w.alive():
                try:
                    w.proc.send_signal(signal.SIGTERM)
                    w.proc.wait(10)
                except subprocess.TimeoutExpired:
                    w.proc.kill()
                    w.proc.wait(5)
                except Exception:  # noqa: BLE001
                    pass
            try:
                w._logf.close()
            except Exception:  # noqa: BLE001
                pass
            w.session.close()


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer")


def sanitizer_reports(workers):
    """Sanitizer findings in the logs of workers (an ASan/UBSan build:
    tools/test.sh runs the black-box tests against one too)."""
    found = []
    for w in workers:
        text = w.log()
        for mark in SANITIZER_MARKS:
            i = text.find(mark)
            if i >= 0:
                found.append(f"{w.log_path}:\n{text[max(0, i - 200):i + 3000]}")
                break
    return found


@pytest.fixture
def worker(tmp_path):
    f = WorkerFactory(tmp_path)
    yield f
    f.cleanup()
    reports = sanitizer_reports(f.workers)
    if reports:
        pytest.fail("sanitizer report in a worker log:\n" + "\n".join(reports),
                    pytrace=False)


# ------------------------------------------------------ distributed mode

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (item.rep_call ...) so
    fixtures can tell in teardown whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


class Cluster:
    """Distributed workers sharing one mock broker, group.id and internal
    topics. Workers are started through the `worker` factory (so its
    cleanup covers them too); every worker ever started stays in .workers,
    .live are those still running."""

    def __init__(self, factory, broker, prefix, group_id, props=None,
                 client=None, scheme="http"):
        self.factory = factory
        self.client = client
        self.scheme = scheme
        self.broker = broker
        self.bootstrap = broker.bootstrap
        self.prefix = prefix
        self.group_id = group_id
        self.config_topic = f"{prefix}-configs"
        self.offset_topic = f"{prefix}-offsets"
        self.status_topic = f"{prefix}-status"
        self.extra = dict(props or {})
        self.workers = []

    # --- membership
    def worker_props(self, overrides=None):
        p = {"bootstrap.servers": self.bootstrap,
             "group.id": self.group_id,
             "config.storage.topic": self.config_topic,
             "offset.storage.topic": self.offset_topic,
             "status.storage.topic": self.status_topic}
        p.update(self.extra)
        p.update(overrides or {})
        return p

    def start_worker(self, props=None, wait=True, health_timeout=60):
        """One more distributed worker (fresh REST port)."""
        w = self.factory.start(self.worker_props(props), mode="distributed",
                               wait=wait, health_timeout=health_timeout,
                               client=self.client, scheme=self.scheme)
        self.workers.append(w)
        return w

    def start(self, n, props=None, health_timeout=60):
        """Start n workers at once (so they join the group together), then
        wait until each answers GET /health."""
        ws = [self.start_worker(props, wait=False) for _ in range(n)]
        for w in ws:
            w.wait_healthy(health_timeout)
        return ws

    def restart_worker(self, w, **kw):
        """SIGTERM w if it runs, then start a new worker with the same
        properties (and a fresh port, so a new worker_id)."""
        if w.alive():
            w.stop()
        return self.start_worker(**kw)

    @property
    def live(self):
        return [w for w in self.workers if w.alive()]

    @property
    def live_ids(self):
        return {w.worker_id for w in self.live}

    def any(self):
        ws = self.live
        assert ws, "no live worker in the cluster\n" + self.log_tails()
        return ws[0]

    def by_id(self, worker_id):
        for w in self.workers:
            if w.worker_id == worker_id:
                return w
        raise AssertionError(f"worker_id {worker_id!r} is none of the "
                             f"cluster's workers "
                             f"{[x.worker_id for x in self.workers]}")

    def stop_all(self, timeout=30):
        """SIGTERM every live worker at once, then wait for them. Returns
        {worker_id: exit code}."""
        ws = self.live
        for w in ws:
            w.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        codes, stuck = {}, []
        for w in ws:
            try:
                codes[w.worker_id] = w.proc.wait(
                    max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                stuck.append(w.worker_id)
                w.proc.kill()
                w.proc.wait(5)
            w._logf.close()
        if stuck:
            raise AssertionError(f"workers {stuck} did not exit within "
                                 f"{timeout}s of SIGTERM\n" +
                                 self.log_tails())
        return codes

    # --- diagnostics
    def log_tails(self, nbytes=4000):
        parts = []
        for w in self.workers:
            state = "alive" if w.alive() else \
                f"EXITED with {w.proc.returncode}"
            parts.append(f"=== worker {w.worker_id} ({state}) ===\n" +
                         _tail(w.log_path, nbytes))
        return "\n".join(parts) or "<no workers>"

    def wait_for(self, predicate, timeout=60, desc=None, interval=0.2):
        return wait_until(predicate, timeout, desc, interval, self.log_tails)

    # --- REST
    def status(self, name, via=None):
        """GET /connectors/{name}/status from via, or from the first live
        worker that answers 200."""
        ws = [via] if via is not None else self.live
        last = None
        for w in ws:
            try:
                r = w.get(f"/connectors/{name}/status", timeout=10)
            except requests.RequestException as e:
                last = f"{w.worker_id}: {e!r}"
                continue
            if r.status_code == 200:
                return r.json()
            last = f"{w.worker_id}: {r.status_code} {r.text[:300]}"
        raise AssertionError(f"no status for {name}: {last}")

    def write(self, method, path, via=None, expect=(200, 201, 202, 204),
              retry=(409, 503), timeout=45, **kw):
        """A REST write through via (default any live worker), retried
        while it answers one of retry (a rebalance in progress or a leader
        not known yet). Returns the response; fails on anything else."""
        if isinstance(expect, int):
            expect = (expect,)
        w = via or self.any()
        deadline = time.monotonic() + timeout
        while True:
            r = w.request(method, path, **kw)
            if r.status_code in expect:
                return r
            if r.status_code not in retry or time.monotonic() > deadline:
                raise AssertionError(
                    f"{method} {path} via {w.worker_id}: {r.status_code} "
                    f"{r.text[:1000]} (expected {expect})\n" +
                    self.log_tails())
            time.sleep(0.5)

    def create(self, name, config, via=None, timeout=45, **body):
        """POST /connectors through via; retried while the answer is 409
        or 503 and the connector does not exist yet. Returns the response
        (201)."""
        w = via or self.any()
        payload = {"name": name, "config": config}
        payload.update(body)
        deadline = time.monotonic() + timeout
        while True:
            r = w.post("/connectors", json=payload)
            if r.status_code == 201:
                return r
            # 409/503: a rebalance in progress or no leader known yet;
            # retried unless the connector exists after all
            retriable = r.status_code in (409, 503) and \
                w.get(f"/connectors/{name}").status_code != 200
            if not retriable or time.monotonic() > deadline:
                raise AssertionError(
                    f"POST /connectors {name} via {w.worker_id}: "
                    f"{r.status_code} {r.text[:1000]}\n" + self.log_tails())
            time.sleep(0.5)

    def wait_running(self, name, ntasks=None, timeout=60, via=None,
                     predicate=None, desc=None):
        """Wait until the connector and all its tasks (ntasks of them if
        given, else >= 1) are RUNNING on live workers (worker_id of a
        worker that is still running), as seen by via or any live worker,
        and predicate(status) (if given) holds. Returns the status."""
        def check():
            st = self.status(name, via)
            live = self.live_ids
            c = st["connector"]
            if c["state"] != "RUNNING" or c.get("worker_id") not in live:
                return None
            tasks = st["tasks"]
            if not tasks or (ntasks is not None and len(tasks) != ntasks):
                return None
            if any(t["state"] != "RUNNING" or t.get("worker_id") not in live
                   for t in tasks):
                return None
            if predicate is not None and not predicate(st):
                return None
            return st
        return self.wait_for(check, timeout,
                             desc or f"{name} and its tasks RUNNING on live "
                                     f"workers {sorted(self.live_ids)}")


@pytest.fixture
def cluster(mock_broker, worker, request):
    """Factory: cluster(n=3, topics=(), props=None, prefix="connect",
    internal=True, client=None, scheme="http") -> Cluster with n
    distributed workers started (0: none yet) on a new mock broker holding
    the internal topics (unless internal=False) and topics
    ("name:partitions"); client and scheme as for worker.start. group.id
    is unique per call. Teardown SIGTERMs all workers at once."""
    made = []

    def make(n=3, topics=(), props=None, prefix="connect", internal=True,
             client=None, scheme="http"):
        tops = [f"{prefix}-configs:1", f"{prefix}-offsets:25",
                f"{prefix}-status:5"] if internal else []
        mb = mock_broker(*tops, *topics)
        name = "".join(ch if ch.isalnum() else "-"
                       for ch in request.node.name)[:60]
        c = Cluster(worker, mb, prefix, f"{name}-{uuid.uuid4().hex[:8]}",
                    props, client=client, scheme=scheme)
        made.append(c)
        if n:
            c.start(n)
        return c

    yield make
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for c in made:  # shown under "Captured stdout teardown"
            print(f"--- cluster {c.group_id}: worker logs ---\n" +
                  c.log_tails(8000))
    for c in made:
        for w in c.live:
            try:
                w.proc.send_signal(signal.SIGTERM)
            except Exception:  # noqa: BLE001
                pass
        for w in c.workers:
            try:
                w.proc.wait(15)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(5)
            except Exception:  # noqa: BLE001
                pass


# ----------------------------------------------------- connector configs

def file_source_config(path, topic, **extra):
    cfg = {"connector.class": "FileStreamSource", "tasks.max": "1",
           "file": str(path), "topic": topic}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg


def file_sink_config(path, topics, **extra):
    cfg = {"connector.class": "FileStreamSink", "tasks.max": "1",
           "file": str(path), "topics": topics}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg
