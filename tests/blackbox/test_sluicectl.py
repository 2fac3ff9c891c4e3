"""Black-box tests of sluicectl, the command-line REST client
(tools/sluicectl), run against a real standalone worker: each command,
its tables and -o json, apply's created/updated/unchanged, errors and exit
statuses (0 ok, 1 refused by the server or no connection, 2 usage), basic
auth and https with --cacert. A small fake server answers 409 to check the
rebalance retries."""

import json
import os
import re
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import (BUILD, file_sink_config, file_source_config, free_port,
                      write_json, write_properties)
# the certificates and JAAS file of the REST security tests
from test_rest_security import PASSWORD, auth_props, jaas, pki, tls_props  # noqa: F401

SLUICECTL = BUILD / "tools" / "sluicectl"


def ctl(*args, url=None, env=None, input=None, timeout=60):  # noqa: A002
    """Run sluicectl; returns the CompletedProcess (text)."""
    if not SLUICECTL.exists():
        pytest.fail(f"{SLUICECTL} is missing: build it with meson compile",
                    pytrace=False)
    penv = {k: v for k, v in os.environ.items()
            if not k.startswith("SLUICE_") or k == "SLUICE_BUILD"}
    if url is not None:
        penv["SLUICE_URL"] = url
    penv.update(env or {})
    return subprocess.run([str(SLUICECTL), *map(str, args)],
                          capture_output=True, text=True, env=penv,
                          input=input, timeout=timeout)


def ok(r):
    assert r.returncode == 0, \
        f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert r.stderr == ""
    return r.stdout


def table(text):
    """Rows of a rendered table as lists of cells (split on 2+ spaces,
    which no cell in these tests holds)."""
    return [re.split(r" {2,}", line.strip()) for line in text.splitlines()
            if line.strip()]


def assert_aligned(lines):
    """Every column starts at the same offset on each line."""
    starts = [[m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)]
              for line in lines]
    width = min(len(s) for s in starts)
    for s in starts:
        assert s[:width] == starts[0][:width], "\n".join(lines)


@pytest.fixture
def running(worker, tmp_path):
    """A worker with a running file source connector "src" (3 lines read)."""
    w = worker.start()
    src = tmp_path / "in.txt"
    src.write_text("a\nb\nc\n")
    w.create("src", file_source_config(src, "ctl-t"))
    w.wait_running("src")
    w.wait_for(lambda: w.get("/connectors/src/offsets").json()["offsets"],
               desc="source offsets committed")
    return w


# ------------------------------------------------------------------ usage

def test_help_lists_commands_and_options():
    out = ok(ctl("--help"))
    for cmd in ("list", "get", "apply", "pause", "resume", "stop", "delete",
                "restart", "offsets", "plugins", "version"):
        assert f"\n  {cmd} " in out
        assert ok(ctl(cmd, "--help")).startswith(
            f"Usage: sluicectl [OPTIONS] {cmd}")
    for word in ("--url", "--user", "--password-file", "--cacert", "--cert",
                 "--timeout", "-o, --output", "SLUICE_URL"):
        assert word in out
    assert ok(ctl("help")) == out


def test_command_help():
    out = ok(ctl("restart", "--help"))
    assert out.startswith("Usage: sluicectl [OPTIONS] restart NAME")
    assert "--include-tasks" in out and "--only-failed" in out
    assert "--task N" in out
    assert ok(ctl("help", "restart")) == out
    assert ok(ctl("-h", "offsets")).startswith(
        "Usage: sluicectl [OPTIONS] offsets NAME")


@pytest.mark.parametrize("args,msg", [
    ([], "Usage: sluicectl"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["get"], "missing arguments\nUsage: sluicectl [OPTIONS] get NAME\n"),
    (["get", "a", "b"], "too many arguments\nUsage: sluicectl [OPTIONS] get"),
    (["apply"], "Usage: sluicectl [OPTIONS] apply FILE"),
    (["list", "--bogus"], "unknown option --bogus"),
    (["list", "--include-tasks"], "list takes no option --include-tasks"),
    (["restart", "x", "--task"], "option --task needs a value"),
    (["restart", "x", "--task", "one"], "--task wants a task number"),
    (["restart", "x", "--task", "1", "--include-tasks"],
     "--task restarts one task"),
    (["offsets", "x", "--reset", "--set", "f.json"], "exclude each other"),
    (["list", "-o", "yaml"], "unknown output format 'yaml'"),
    (["list", "--timeout", "0"], "--timeout wants seconds"),
    (["list", "--password", "secret"], "unknown option --password"),
    (["list", "--user", "admin"], "needs a password"),
])
def test_usage_errors_exit_2(args, msg):
    # nothing listens there: usage is checked before any request
    r = ctl(*args, url=f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 2, r
    assert msg in r.stderr
    assert r.stdout == ""


def test_version_option_needs_no_worker():
    out = ok(ctl("--version", url=f"http://127.0.0.1:{free_port()}"))
    assert out.startswith("sluicectl 0.")


# ------------------------------------------------------------- connection

def test_worker_down_exit_1():
    port = free_port()
    r = ctl("list", url=f"http://127.0.0.1:{port}")
    assert r.returncode == 1
    assert r.stderr == (f"sluicectl: cannot connect to http://127.0.0.1:"
                        f"{port}: Connection refused\n")
    assert r.stdout == ""


def test_timeout_when_the_server_does_not_answer():
    # a listening socket that never answers: the kernel completes the
    # TCP handshake, nobody reads the request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        r = ctl("--timeout", "0.5", "list", url=url)
    assert r.returncode == 1
    assert r.stderr.startswith(f"sluicectl: no answer from {url}: timed out")


def test_url_option_wins_over_env(running):
    bad = f"http://127.0.0.1:{free_port()}"
    out = ok(ctl("--url", running.url, "list", url=bad))
    assert "src" in out
    assert ctl("list", url=bad).returncode == 1


# ------------------------------------------------------------------- list

def test_list_table(running, tmp_path):
    out_file = tmp_path / "out.txt"
    running.create("sink", file_sink_config(out_file, "ctl-t"))
    running.wait_running("sink")
    out = ok(ctl("list", url=running.url))
    lines = out.splitlines()
    rows = table(out)
    wid = running.status("src")["connector"]["worker_id"]
    assert rows == [["NAME", "TYPE", "STATE", "TASKS", "WORKER"],
                    ["sink", "sink", "RUNNING", "1/1", wid],
                    ["src", "source", "RUNNING", "1/1", wid]]
    assert_aligned(lines)
    assert all(not line.endswith(" ") for line in lines)


def test_list_counts_running_tasks_and_shows_state(running):
    running.put("/connectors/src/pause")
    running.wait_state("src", "PAUSED", "PAUSED")
    rows = table(ok(ctl("list", url=running.url)))
    assert rows[1][:4] == ["src", "source", "PAUSED", "0/1"]


def test_list_wide_adds_class(running):
    rows = table(ok(ctl("list", "-o", "wide", url=running.url)))
    assert rows[0] == ["NAME", "TYPE", "STATE", "TASKS", "WORKER", "CLASS"]
    assert rows[1][5] == "FileStreamSource"


def test_list_empty(worker):
    w = worker.start()
    assert ok(ctl("list", url=w.url)) == "NAME  TYPE  STATE  TASKS  WORKER\n"


def test_list_json_is_the_servers(running):
    out = ok(ctl("-o", "json", "list", url=running.url))
    got = json.loads(out)
    want = running.get("/connectors?expand=status&expand=info").json()
    assert got == want


# -------------------------------------------------------------------- get

def test_get_shows_status_config_and_tasks(running, tmp_path):
    out = ok(ctl("get", "src", url=running.url))
    wid = running.status("src")["connector"]["worker_id"]
    head, config, tasks = out.split("\n\n")
    assert table(head) == [["Name:", "src"], ["Type:", "source"],
                           ["State:", "RUNNING"], ["Worker:", wid],
                           ["Class:", "FileStreamSource"]]
    assert table(config) == [
        ["Config:"], ["KEY", "VALUE"],
        ["connector.class", "FileStreamSource"],
        ["file", str(tmp_path / "in.txt")], ["name", "src"],
        ["tasks.max", "1"], ["topic", "ctl-t"]]
    assert table(tasks) == [["Tasks:"], ["ID", "STATE", "WORKER", "TRACE"],
                            ["0", "RUNNING", wid]]


def test_get_failed_task_shows_first_line_of_trace(worker, tmp_path):
    w = worker.start()
    bad = tmp_path / "no-such-dir" / "out.txt"
    w.create("broken", file_sink_config(bad, "t"))
    st = w.wait_state("broken", "RUNNING", "FAILED")
    first = st["tasks"][0]["trace"].splitlines()[0]
    assert str(bad) in first
    header = ["ID", "STATE", "WORKER", "TRACE"]
    rows = table(ok(ctl("get", "broken", "-o", "wide", url=w.url)))
    task_row = rows[rows.index(header) + 1]
    assert task_row[:2] == ["0", "FAILED"]
    assert task_row[3] == first
    # the default table shortens long traces
    rows = table(ok(ctl("get", "broken", url=w.url)))
    short = rows[rows.index(header) + 1][3]
    assert short == first or (short.endswith("...") and
                              first.startswith(short[:-3]))
    # only the failed task is restarted
    rows = table(ok(ctl("restart", "broken", "--include-tasks",
                        "--only-failed", url=w.url)).split("\n", 1)[1])
    assert [r[:2] for r in rows[1:]] == [["connector", "RUNNING"],
                                         ["task 0", "RESTARTING"]]


def test_get_json(running):
    got = json.loads(ok(ctl("get", "src", "-o", "json", url=running.url)))
    assert got["info"] == running.get("/connectors/src").json()
    assert got["status"]["name"] == "src"
    assert got["status"]["connector"]["state"] == "RUNNING"


def test_unknown_connector_exit_1_with_kafkas_message(worker):
    w = worker.start()
    want = w.get("/connectors/nope").json()["message"]
    assert want == "Connector nope not found"
    for args in (["get", "nope"], ["pause", "nope"], ["delete", "nope"],
                 ["restart", "nope"], ["offsets", "nope"]):
        r = ctl(*args, url=w.url)
        assert r.returncode == 1, args
        assert r.stdout == ""
        assert r.stderr.startswith("sluicectl: ") and "nope" in r.stderr
    r = ctl("get", "nope", url=w.url)
    assert r.stderr == f"sluicectl: {want}\n"


# ------------------------------------------------------------------ apply

def test_apply_properties_created_unchanged_updated(worker, tmp_path):
    w = worker.start()
    src = tmp_path / "in.txt"
    src.write_text("x\n")
    f = write_properties(tmp_path / "src.properties",
                         dict(file_source_config(src, "t"), name="src"))
    assert ok(ctl("apply", f, url=w.url)) == "src created\n"
    assert w.get("/connectors/src/config").json()["file"] == str(src)
    assert ok(ctl("apply", f, url=w.url)) == "src unchanged\n"
    write_properties(f, dict(file_source_config(src, "t2"), name="src"))
    assert ok(ctl("apply", f, url=w.url)) == "src updated\n"
    assert w.get("/connectors/src/config").json()["topic"] == "t2"
    assert ok(ctl("apply", f, url=w.url)) == "src unchanged\n"


def test_apply_json_forms_and_several_files(worker, tmp_path):
    w = worker.start()
    out_a, out_b = tmp_path / "a.txt", tmp_path / "b.txt"
    body = write_json(tmp_path / "a.json", {
        "name": "a", "config": file_sink_config(out_a, "t"),
        "initial_state": "PAUSED"})
    flat = write_json(tmp_path / "b.json",
                      dict(file_sink_config(out_b, "t"), name="b"))
    assert ok(ctl("apply", body, flat, url=w.url)) == \
        "a created\nb created\n"
    # initial_state of a POST body is passed on
    w.wait_state("a", "PAUSED")
    assert ok(ctl("apply", body, flat, url=w.url)) == \
        "a unchanged\nb unchanged\n"


def test_apply_invalid_config_prints_servers_message(worker, tmp_path):
    w = worker.start()
    f = write_properties(tmp_path / "bad.properties",
                         {"name": "bad", "connector.class": "FileStreamSink",
                          "file": str(tmp_path / "o.txt")})
    r = ctl("apply", f, url=w.url)
    assert r.returncode == 1
    want = w.post("/connectors", json={
        "name": "bad", "config": {"connector.class": "FileStreamSink",
                                  "file": str(tmp_path / "o.txt")}})
    assert want.status_code == 400
    assert r.stderr == f"sluicectl: {want.json()['message']}\n"
    assert "Must configure one of topics or topics.regex" in r.stderr
    assert w.get("/connectors").json() == []


def test_apply_bad_files_exit_1_others_still_applied(worker, tmp_path):
    w = worker.start()
    noname = write_properties(tmp_path / "noname.properties",
                              {"connector.class": "FileStreamSink"})
    broken = tmp_path / "broken.json"
    broken.write_text("{\"name\": ")
    good = write_properties(tmp_path / "good.properties", dict(
        file_sink_config(tmp_path / "o.txt", "t"), name="good"))
    r = ctl("apply", noname, broken, tmp_path / "absent.json", good,
            url=w.url)
    assert r.returncode == 1
    assert r.stdout == "good created\n"
    err = r.stderr.splitlines()
    assert err[0].startswith(f"sluicectl: {noname}: no connector name")
    assert err[1].startswith(f"sluicectl: {broken}: ")
    assert err[2].startswith(f"sluicectl: {tmp_path / 'absent.json'}: ")
    assert w.get("/connectors").json() == ["good"]


def test_apply_json_output(worker, tmp_path):
    w = worker.start()
    f = write_properties(tmp_path / "s.properties", dict(
        file_sink_config(tmp_path / "o.txt", "t"), name="s"))
    created = json.loads(ok(ctl("apply", f, "-o", "json", url=w.url)))
    assert created["name"] == "s" and created["type"] == "sink"
    same = json.loads(ok(ctl("apply", f, "-o", "json", url=w.url)))
    assert same["config"] == w.get("/connectors/s/config").json()


# ------------------------------------------------------------- lifecycle

def test_pause_resume_stop_delete(running):
    url = running.url
    assert ok(ctl("pause", "src", url=url)) == "src paused\n"
    running.wait_state("src", "PAUSED", "PAUSED")
    assert ok(ctl("resume", "src", url=url)) == "src resumed\n"
    running.wait_running("src")
    assert ok(ctl("stop", "src", url=url)) == "src stopped\n"
    running.wait_state("src", "STOPPED", ntasks=0)
    assert ok(ctl("resume", "src", url=url)) == "src resumed\n"
    running.wait_running("src")
    assert ok(ctl("delete", "src", url=url)) == "src deleted\n"
    assert running.get("/connectors").json() == []


def test_restart_connector_only(running):
    assert ok(ctl("restart", "src", url=running.url)) == "src restarted\n"
    running.wait_running("src")


def test_restart_include_tasks_lists_instances(running):
    out = ok(ctl("restart", "src", "--include-tasks", url=running.url))
    lines = out.splitlines()
    assert lines[0] == "src restart requested"
    rows = table("\n".join(lines[1:]))
    assert rows[0] == ["INSTANCE", "STATE", "WORKER"]
    assert [r[:2] for r in rows[1:]] == [["connector", "RESTARTING"],
                                         ["task 0", "RESTARTING"]]
    running.wait_running("src")


def test_restart_only_failed_restarts_nothing_running(running):
    out = ok(ctl("restart", "src", "--include-tasks", "--only-failed",
                 url=running.url))
    rows = table("\n".join(out.splitlines()[1:]))
    assert [r[:2] for r in rows[1:]] == [["connector", "RUNNING"],
                                         ["task 0", "RUNNING"]]


def test_restart_task(running):
    out = ok(ctl("restart", "src", "--task", "0", url=running.url))
    assert out == "src task 0 restarted\n"
    r = ctl("restart", "src", "--task", "7", url=running.url)
    assert r.returncode == 1
    assert r.stderr == "sluicectl: " + running.post(
        "/connectors/src/tasks/7/restart").json()["message"] + "\n"


def test_json_output_of_actions_is_json_or_empty(running):
    out = ok(ctl("-o", "json", "restart", "src", "--include-tasks",
                 url=running.url))
    assert json.loads(out)["connector"]["state"] == "RESTARTING"
    assert ok(ctl("-o", "json", "pause", "src", url=running.url)) == ""


# ---------------------------------------------------------------- offsets

def test_offsets_source_show_set_reset(running, tmp_path):
    url = running.url
    rows = table(ok(ctl("offsets", "src", url=url)))
    assert rows == [["PARTITION", "OFFSET"],
                    [f"filename={tmp_path / 'in.txt'}", "position=6"]]
    # changes need a stopped connector: the server says so
    r = ctl("offsets", "src", "--reset", url=url)
    assert r.returncode == 1
    assert "must be in the STOPPED state" in r.stderr
    ok(ctl("stop", "src", url=url))
    running.wait_state("src", "STOPPED")
    f = write_json(tmp_path / "o.json", {"offsets": [{
        "partition": {"filename": str(tmp_path / "in.txt")},
        "offset": {"position": 2}}]})
    out = ok(ctl("offsets", "src", "--set", f, url=url))
    assert out.startswith("The offsets for this connector have been altered")
    assert table(ok(ctl("offsets", "src", url=url)))[1][1] == "position=2"
    out = ok(ctl("offsets", "src", "--reset", url=url))
    assert out.startswith("The offsets for this connector have been reset")
    assert ok(ctl("offsets", "src", url=url)) == "PARTITION  OFFSET\n"


def test_offsets_set_bad_file_exit_1(running, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{offsets")
    r = ctl("offsets", "src", "--set", bad, url=running.url)
    assert r.returncode == 1
    assert r.stderr.startswith(f"sluicectl: {bad}: not JSON")


def test_offsets_sink_topic_partition_offset(worker, tmp_path):
    w = worker.start()
    out_file = tmp_path / "out.txt"
    w.create("sink", file_sink_config(out_file, "ctl-sink"))
    w.wait_running("sink")
    assert ok(ctl("offsets", "sink", url=w.url)) == \
        "TOPIC  PARTITION  OFFSET\n"
    # records reach the topic through a source connector on the same
    # (embedded) cluster
    feed = tmp_path / "in.txt"
    feed.write_text("1\n2\n3\n")
    w.create("feed", file_source_config(feed, "ctl-sink"))

    def committed():
        offs = w.get("/connectors/sink/offsets").json()["offsets"]
        return offs and offs[0]["offset"]["kafka_offset"] == 3
    w.wait_for(committed, desc="sink offsets committed")
    rows = table(ok(ctl("offsets", "sink", url=w.url)))
    assert rows == [["TOPIC", "PARTITION", "OFFSET"], ["ctl-sink", "0", "3"]]
    got = json.loads(ok(ctl("offsets", "sink", "-o", "json", url=w.url)))
    assert got == w.get("/connectors/sink/offsets").json()


# ----------------------------------------------------- plugins, version

def test_plugins(running):
    rows = table(ok(ctl("plugins", url=running.url)))
    assert rows[0] == ["CLASS", "TYPE", "VERSION"]
    want = [[p["class"], p["type"], p.get("version", "-")]
            for p in running.get("/connector-plugins").json()]
    assert rows[1:] == want
    assert ["org.apache.kafka.connect.file.FileStreamSinkConnector", "sink"] \
        in [r[:2] for r in rows]
    all_rows = table(ok(ctl("plugins", "--all", url=running.url)))
    assert "converter" in [r[1] for r in all_rows]
    assert "converter" not in [r[1] for r in rows]
    got = json.loads(ok(ctl("plugins", "-o", "json", url=running.url)))
    assert got == running.get("/connector-plugins").json()


def test_version(running):
    info = running.get("/").json()
    rows = dict(r for r in table(ok(ctl("version", url=running.url))))
    assert rows["Server:"] == running.url
    assert rows["Server version:"] == info["version"]
    assert rows["Kafka cluster ID:"] == info["kafka_cluster_id"]
    assert rows["Client version:"].startswith(info["version"])
    assert json.loads(ok(ctl("version", "-o", "json",
                             url=running.url))) == info


# --------------------------------------------------- auth and https

def test_basic_auth(worker, jaas, tmp_path):  # noqa: F811
    w = worker.start(auth_props(jaas), client={"auth": ("admin", PASSWORD)})
    w.create("s", file_sink_config(tmp_path / "o.txt", "t"))
    r = ctl("list", url=w.url)
    assert r.returncode == 1
    assert r.stderr == "sluicectl: User cannot access the resource.\n"
    env = {"SLUICE_PASSWORD": PASSWORD}
    assert table(ok(ctl("--user", "admin", "list", url=w.url,
                        env=env)))[1][0] == "s"
    assert "s" in ok(ctl("list", url=w.url,
                         env=dict(env, SLUICE_USER="admin")))
    pw_file = tmp_path / "pw"
    pw_file.write_text(PASSWORD + "\n")
    out = ok(ctl("--user", "admin", "--password-file", pw_file, "get", "s",
                 url=w.url))
    assert "Name:" in out
    r = ctl("--user", "admin", "list", url=w.url,
            env={"SLUICE_PASSWORD": "wrong"})
    assert r.returncode == 1 and "cannot access" in r.stderr


def test_https_with_cacert(worker, pki):  # noqa: F811
    w = worker.start(tls_props(pki), scheme="https",
                     client={"verify": str(pki / "ca.pem")})
    r = ctl("list", url=w.url)
    assert r.returncode == 1
    assert r.stderr.startswith(f"sluicectl: cannot connect to {w.url}: ")
    out = ok(ctl("--cacert", pki / "ca.pem", "list", url=w.url))
    assert out == "NAME  TYPE  STATE  TASKS  WORKER\n"
    r = ctl("--cacert", pki / "nope.pem", "list", url=w.url)
    assert r.returncode == 1 and "nope.pem" in r.stderr


def test_https_client_certificate(worker, pki, tmp_path):  # noqa: F811
    w = worker.start(tls_props(pki, **{
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(pki / "ca.pem"),
        "ssl.client.auth": "required"}), scheme="https",
        client={"verify": str(pki / "ca.pem"),
                "cert": (str(pki / "client.crt"), str(pki / "client.key"))})
    both = tmp_path / "client.pem"
    both.write_text((pki / "client.key").read_text() +
                    (pki / "client.crt").read_text())
    # without a client certificate the handshake is refused
    r = ctl("--cacert", pki / "ca.pem", "list", url=w.url)
    assert r.returncode == 1 and "cannot connect" in r.stderr
    out = ok(ctl("--cacert", pki / "ca.pem", "--cert", both, "list",
                 url=w.url))
    assert out == "NAME  TYPE  STATE  TASKS  WORKER\n"
    # a file without its key is refused before any request
    r = ctl("--cacert", pki / "ca.pem", "--cert", pki / "client.crt", "list",
            url=w.url)
    assert r.returncode == 1 and "private key" in r.stderr


# ----------------------------------------------------- 409 retries

class _Fake409(BaseHTTPRequestHandler):
    """Answers 409 to the first `conflicts` requests, then 200 {}."""

    def _answer(self):
        srv = self.server
        srv.requests.append((self.command, self.path))
        if len(srv.requests) <= srv.conflicts:
            self._send(409, {"error_code": 409, "message": srv.message})
        elif self.command == "GET" and self.path.endswith("/config"):
            self._send(404, {"error_code": 404,
                             "message": "Connector x not found"})
        else:
            self._send(200, {})

    def _send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *a):
        pass


@pytest.fixture
def fake409():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Fake409)
    srv.requests = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_rebalance_409_is_retried(fake409):
    fake409.conflicts = 2
    fake409.message = ("Cannot complete request momentarily due to no known "
                       "leader URL, likely because a rebalance was underway.")
    url = f"http://127.0.0.1:{fake409.server_address[1]}"
    ok(ctl("list", url=url))
    assert len(fake409.requests) == 3


def test_rebalance_409_gives_up(fake409):
    fake409.conflicts = 100
    fake409.message = "Cannot complete request because of a conflicting " \
                      "operation (e.g. worker rebalance)"
    url = f"http://127.0.0.1:{fake409.server_address[1]}"
    r = ctl("list", url=url)
    assert r.returncode == 1
    assert r.stderr == f"sluicectl: {fake409.message}\n"
    assert 2 < len(fake409.requests) < 100


def test_already_exists_409_is_not_retried(fake409, tmp_path):
    fake409.conflicts = 0
    url = f"http://127.0.0.1:{fake409.server_address[1]}"

    # GET config: 404 (not found), then POST: 409 already exists
    class Once(list):
        def append(self, item):
            super().append(item)
            if item[0] == "POST":
                fake409.conflicts = len(self)
    fake409.requests = Once()
    fake409.message = "Connector x already exists"
    f = write_properties(tmp_path / "x.properties",
                         {"name": "x", "connector.class": "FileStreamSink"})
    r = ctl("apply", f, url=url)
    assert r.returncode == 1
    assert r.stderr == "sluicectl: Connector x already exists\n"
    assert [m for m, _ in fake409.requests] == ["GET", "POST"]
