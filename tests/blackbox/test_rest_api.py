"""Black-box tests of sluice's Kafka Connect compatible REST API.

Status codes, JSON shapes and error messages follow Apache Kafka Connect
(ConnectorsResource, ConnectorPluginsResource, RootResource,
ConnectExceptionMapper). Everything runs on the FileStream connectors
against a standalone mock broker.
"""

import pytest

from conftest import (FILE_SINK, FILE_SOURCE, STRING_CONVERTER,
                      JSON_CONVERTER, BYTEARRAY_CONVERTER, consume_all,
                      file_sink_config, file_source_config, produce,
                      read_lines)

INVALID_PREFIX = ("Connector configuration is invalid and contains the "
                  "following")
ALTERED_MSGS = (
    "The offsets for this connector have been altered successfully",
    "The Connect framework-managed offsets for this connector have been "
    "altered successfully. However, if this connector manages offsets "
    "externally, they will need to be manually altered in the system that "
    "the connector uses.",
)
RESET_MSGS = (
    "The offsets for this connector have been reset successfully",
    "The Connect framework-managed offsets for this connector have been "
    "reset successfully. However, if this connector manages offsets "
    "externally, they will need to be manually reset in the system that "
    "the connector uses.",
)
CONFIG_KEY_INFO_FIELDS = {"name", "type", "required", "default_value",
                          "importance", "documentation", "group", "width",
                          "display_name", "dependents", "order"}


# ----------------------------------------------------------------- helpers

def assert_error(r, status, message=None, contains=None, startswith=None):
    """Kafka Connect error envelope {"error_code": status, "message": ...}."""
    assert r.status_code == status, \
        f"expected {status}, got {r.status_code}: {r.text}"
    body = r.json()
    assert body.get("error_code") == status, body
    assert isinstance(body.get("message"), str), body
    msg = body["message"]
    if message is not None:
        assert msg == message, msg
    if contains is not None:
        for c in ([contains] if isinstance(contains, str) else contains):
            assert c in msg, f"{c!r} not in {msg!r}"
    if startswith is not None:
        assert msg.startswith(startswith), msg
    return msg


def assert_status_shape(st, name, ctype):
    assert st["name"] == name
    assert st["type"] == ctype
    assert set(st["connector"]) >= {"state", "worker_id"}
    assert isinstance(st["connector"]["worker_id"], str)
    assert st["connector"]["worker_id"]
    assert isinstance(st["tasks"], list)
    for t in st["tasks"]:
        assert set(t) >= {"id", "state", "worker_id"}
        assert isinstance(t["id"], int)
        assert isinstance(t["worker_id"], str)


def assert_connector_info(info, name, ctype, config=None):
    assert set(info) >= {"name", "config", "tasks", "type"}, info
    assert info["name"] == name
    assert info["type"] == ctype
    assert info["config"]["name"] == name
    assert isinstance(info["tasks"], list)
    for t in info["tasks"]:
        assert t["connector"] == name
        assert isinstance(t["task"], int)
    if config is not None:
        for k, v in config.items():
            assert info["config"].get(k) == v, (k, info["config"])


@pytest.fixture
def w(mock_broker, worker):
    """A worker on a fresh mock broker."""
    return worker.start({"bootstrap.servers": mock_broker.bootstrap})


@pytest.fixture
def src_file(tmp_path):
    p = tmp_path / "source-input.txt"
    p.write_text("".join(f"line-{i}\n" for i in range(1, 6)))
    return p


def make_source(w, name, path, topic="rest-topic", **extra):
    cfg = file_source_config(path, topic, **extra)
    r = w.post("/connectors", json={"name": name, "config": cfg})
    assert r.status_code == 201, f"{r.status_code} {r.text}"
    return cfg


# ------------------------------------------------------------ root/health

def test_root(w):
    r = w.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert {"version", "commit", "kafka_cluster_id"} <= set(body)
    assert isinstance(body["version"], str) and body["version"]


def test_health(w):
    r = w.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert isinstance(body.get("message"), str)


def test_unknown_path_404(w):
    r = w.get("/no/such/path")
    assert_error(r, 404)
    assert_error(w.get("/connectors/x/nonsense"), 404)


def test_wrong_method_405(w):
    assert_error(w.delete("/connectors"), 405)
    assert_error(w.post("/health"), 405)
    assert_error(w.put("/connector-plugins"), 405)


# ----------------------------------------------------------------- plugins

def test_connector_plugins(w):
    r = w.get("/connector-plugins")
    assert r.status_code == 200
    plugins = r.json()
    assert isinstance(plugins, list)
    by_class = {p["class"]: p for p in plugins}
    assert by_class[FILE_SOURCE]["type"] == "source"
    assert by_class[FILE_SINK]["type"] == "sink"
    for p in (by_class[FILE_SOURCE], by_class[FILE_SINK]):
        assert isinstance(p["version"], str) and p["version"]
    # connectorsOnly defaults to true: connectors only
    assert {p["type"] for p in plugins} <= {"source", "sink"}
    r2 = w.get("/connector-plugins", params={"connectorsOnly": "true"})
    assert r2.status_code == 200
    assert sorted(p["class"] for p in r2.json()) == sorted(by_class)


def test_connector_plugins_all(w):
    r = w.get("/connector-plugins", params={"connectorsOnly": "false"})
    assert r.status_code == 200
    plugins = r.json()
    by_class = {p["class"]: p for p in plugins}
    assert FILE_SOURCE in by_class and FILE_SINK in by_class
    for conv in (STRING_CONVERTER, JSON_CONVERTER, BYTEARRAY_CONVERTER):
        assert by_class[conv]["type"] == "converter", conv
    assert "converter" in {p["type"] for p in plugins}


@pytest.mark.parametrize("alias", [
    "FileStreamSource", "FileStreamSourceConnector", FILE_SOURCE])
def test_plugin_config(w, alias):
    r = w.get(f"/connector-plugins/{alias}/config")
    assert r.status_code == 200, r.text
    keys = r.json()
    assert isinstance(keys, list)
    by_name = {k["name"]: k for k in keys}
    for k in keys:
        assert CONFIG_KEY_INFO_FIELDS <= set(k), k
        assert isinstance(k["dependents"], list)
    assert "file" in by_name and "topic" in by_name
    assert by_name["topic"]["required"] is True
    assert by_name["topic"]["default_value"] is None
    # framework keys are merged in
    assert "connector.class" in by_name and "tasks.max" in by_name
    assert by_name["tasks.max"]["type"] == "INT"


def test_plugin_config_sink(w):
    r = w.get("/connector-plugins/FileStreamSink/config")
    assert r.status_code == 200
    names = {k["name"] for k in r.json()}
    assert {"file", "topics", "topics.regex"} <= names


def test_plugin_config_unknown(w):
    assert_error(w.get("/connector-plugins/NoSuchConnector/config"), 404,
                 contains="NoSuchConnector")


def test_validate_missing_topics(w, tmp_path):
    body = {"connector.class": FILE_SINK, "name": "v",
            "file": str(tmp_path / "out.txt")}
    r = w.put("/connector-plugins/FileStreamSink/config/validate", json=body)
    assert r.status_code == 200, r.text
    infos = r.json()
    assert infos["name"] == FILE_SINK
    assert infos["error_count"] > 0
    assert isinstance(infos["groups"], list)
    values = {c["value"]["name"]: c for c in infos["configs"]}
    topics = values["topics"]
    assert "Must configure one of topics or topics.regex" in \
        topics["value"]["errors"]
    for c in infos["configs"]:
        v = c["value"]
        assert set(v) >= {"name", "value", "recommended_values", "errors",
                          "visible"}
    assert values["file"]["value"]["errors"] == []


def test_validate_ok(w, tmp_path):
    body = file_sink_config(tmp_path / "out.txt", "t1")
    body["name"] = "v"
    r = w.put("/connector-plugins/FileStreamSink/config/validate", json=body)
    assert r.status_code == 200, r.text
    infos = r.json()
    assert infos["error_count"] == 0, [c["value"] for c in infos["configs"]
                                       if c["value"]["errors"]]


def test_validate_bad_value(w, tmp_path):
    body = file_source_config(tmp_path / "in.txt", "t1", **{"tasks.max": 0})
    r = w.put("/connector-plugins/FileStreamSource/config/validate",
              json=body)
    assert r.status_code == 200
    infos = r.json()
    assert infos["error_count"] >= 1
    tm = [c for c in infos["configs"] if c["value"]["name"] == "tasks.max"]
    assert tm and tm[0]["value"]["errors"], infos


# ------------------------------------------------------------------ create

def test_create_source(w, src_file):
    cfg = file_source_config(src_file, "t-create")
    r = w.post("/connectors", json={"name": "src", "config": cfg})
    assert r.status_code == 201, r.text
    assert r.headers["Location"].endswith("/connectors/src")
    info = r.json()
    assert_connector_info(info, "src", "source", cfg)

    r = w.get("/connectors/src")
    assert r.status_code == 200
    assert_connector_info(r.json(), "src", "source", cfg)
    # tasks appear once the connector has started
    info = w.wait_for(lambda: (lambda i: i if i["tasks"] else None)(
        w.get("/connectors/src").json()), desc="tasks in ConnectorInfo")
    assert info["tasks"] == [{"connector": "src", "task": 0}]


def test_create_duplicate_409(w, src_file):
    make_source(w, "dup", src_file)
    r = w.post("/connectors", json={
        "name": "dup", "config": file_source_config(src_file, "t")})
    assert_error(r, 409, message="Connector dup already exists")


def test_create_missing_class_400(w, src_file):
    r = w.post("/connectors", json={
        "name": "nocls", "config": {"file": str(src_file), "topic": "t"}})
    assert_error(r, 400, contains="contains no connector type")
    assert w.get("/connectors/nocls").status_code == 404


def test_create_unknown_class_500(w, src_file):
    cfg = file_source_config(src_file, "t")
    cfg["connector.class"] = "com.example.DoesNotExistConnector"
    r = w.post("/connectors", json={"name": "unk", "config": cfg})
    assert_error(r, 500, contains="com.example.DoesNotExistConnector")
    assert w.get("/connectors/unk").status_code == 404


def test_create_invalid_tasks_max_400(w, src_file):
    cfg = file_source_config(src_file, "t", **{"tasks.max": 0})
    r = w.post("/connectors", json={"name": "bad", "config": cfg})
    msg = assert_error(r, 400, startswith=INVALID_PREFIX)
    assert "tasks.max" in msg
    assert w.get("/connectors/bad").status_code == 404


def test_create_missing_required_400(w, src_file):
    cfg = file_source_config(src_file, "t")
    del cfg["topic"]
    r = w.post("/connectors", json={"name": "bad2", "config": cfg})
    assert_error(r, 400, startswith=INVALID_PREFIX, contains="topic")


def test_create_sink_without_topics_400(w, tmp_path):
    cfg = file_sink_config(tmp_path / "o.txt", "t")
    del cfg["topics"]
    r = w.post("/connectors", json={"name": "bad3", "config": cfg})
    assert_error(r, 400, startswith=INVALID_PREFIX,
                 contains="Must configure one of topics or topics.regex")


def test_create_malformed_json(w):
    r = w.post("/connectors", data=b'{"name": "x", "config": {',
               headers={"Content-Type": "application/json"})
    # Kafka answers parse errors through its generic exception mapper;
    # accept 400 (preferred) or 500, but always the error envelope.
    assert r.status_code in (400, 500), r.text
    assert r.json()["error_code"] == r.status_code
    assert w.get("/connectors").json() == []


def test_create_name_mismatch_400(w, src_file):
    cfg = file_source_config(src_file, "t")
    cfg["name"] = "other"
    r = w.post("/connectors", json={"name": "mine", "config": cfg})
    assert_error(r, 400, contains="doesn't match")


@pytest.mark.parametrize("state", ["PAUSED", "STOPPED"])
def test_create_initial_state(w, src_file, state):
    r = w.post("/connectors", json={
        "name": "init", "config": file_source_config(src_file, "t-init"),
        "initial_state": state})
    assert r.status_code == 201, r.text
    w.wait_for(lambda: w.status("init")["connector"]["state"] == state,
               desc=f"connector {state}")
    if state == "STOPPED":
        assert w.status("init")["tasks"] == []


# --------------------------------------------------------------- listing

def test_list_connectors(w, src_file, tmp_path):
    assert w.get("/connectors").json() == []
    make_source(w, "a-src", src_file, topic="t-list")
    r = w.post("/connectors", json={
        "name": "b-sink",
        "config": file_sink_config(tmp_path / "o.txt", "t-list")})
    assert r.status_code == 201, r.text
    assert sorted(w.get("/connectors").json()) == ["a-src", "b-sink"]

    r = w.get("/connectors", params={"expand": "status"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"a-src", "b-sink"}
    assert set(body["a-src"]) == {"status"}
    assert_status_shape(body["a-src"]["status"], "a-src", "source")
    assert_status_shape(body["b-sink"]["status"], "b-sink", "sink")

    r = w.get("/connectors", params=[("expand", "info"),
                                     ("expand", "status")])
    body = r.json()
    assert set(body) == {"a-src", "b-sink"}
    for name, ctype in (("a-src", "source"), ("b-sink", "sink")):
        assert set(body[name]) == {"info", "status"}
        assert_connector_info(body[name]["info"], name, ctype)
        assert_status_shape(body[name]["status"], name, ctype)

    body = w.get("/connectors", params={"expand": "info"}).json()
    assert set(body["a-src"]) == {"info"}


# ---------------------------------------------------------------- config

def test_get_config(w, src_file):
    cfg = make_source(w, "cfg", src_file)
    r = w.get("/connectors/cfg/config")
    assert r.status_code == 200
    got = r.json()
    assert got == dict(cfg, name="cfg")


def test_put_config_create_then_update(w, src_file):
    cfg = file_source_config(src_file, "t-put", **{"batch.size": 100})
    r = w.put("/connectors/putc/config", json=cfg)
    assert r.status_code == 201, r.text
    assert r.headers["Location"].endswith("/connectors/putc")
    assert_connector_info(r.json(), "putc", "source", cfg)

    cfg2 = dict(cfg, **{"batch.size": "50"})
    r = w.put("/connectors/putc/config", json=cfg2)
    assert r.status_code == 200, r.text
    assert_connector_info(r.json(), "putc", "source", cfg2)
    assert w.get("/connectors/putc/config").json()["batch.size"] == "50"
    w.wait_running("putc")


def test_put_config_name_mismatch(w, src_file):
    cfg = file_source_config(src_file, "t")
    cfg["name"] = "other"
    r = w.put("/connectors/mine/config", json=cfg)
    assert_error(r, 400, message="Connector name configuration (other) "
                 "doesn't match connector name in the URL (mine)")


def test_put_config_invalid(w, src_file):
    make_source(w, "putbad", src_file)
    cfg = file_source_config(src_file, "t", **{"tasks.max": 0})
    r = w.put("/connectors/putbad/config", json=cfg)
    assert_error(r, 400, startswith=INVALID_PREFIX)
    # the old config stays
    assert w.get("/connectors/putbad/config").json()["tasks.max"] == "1"


def test_patch_config(w, src_file):
    make_source(w, "pat", src_file, **{"batch.size": 100})
    r = w.patch("/connectors/pat/config",
                json={"batch.size": None, "tasks.max": "1",
                      "mode": "tail"})
    assert r.status_code == 200, r.text
    info = r.json()
    assert_connector_info(info, "pat", "source")
    assert "batch.size" not in info["config"]
    assert info["config"]["mode"] == "tail"
    got = w.get("/connectors/pat/config").json()
    assert "batch.size" not in got
    assert got["file"] == str(src_file)
    assert got["mode"] == "tail"

    r = w.patch("/connectors/pat/config", json={"tasks.max": "0"})
    assert_error(r, 400, startswith=INVALID_PREFIX)


def test_patch_unknown_404(w):
    r = w.patch("/connectors/ghost/config", json={"tasks.max": "1"})
    assert_error(r, 404, contains="ghost")
    assert w.get("/connectors").json() == []


# ------------------------------------------------------ status and tasks

def test_status_and_tasks(w, src_file):
    make_source(w, "st", src_file)
    st = w.wait_running("st")
    assert_status_shape(st, "st", "source")
    assert [t["id"] for t in st["tasks"]] == [0]
    assert "trace" not in st["connector"]

    r = w.get("/connectors/st/tasks")
    assert r.status_code == 200
    tasks = r.json()
    assert len(tasks) == 1
    assert tasks[0]["id"] == {"connector": "st", "task": 0}
    assert isinstance(tasks[0]["config"], dict)
    assert all(isinstance(v, str) for v in tasks[0]["config"].values())

    r = w.get("/connectors/st/tasks/0/status")
    assert r.status_code == 200
    ts = r.json()
    assert ts["id"] == 0 and ts["state"] == "RUNNING"
    assert isinstance(ts["worker_id"], str) and ts["worker_id"]

    assert_error(w.get("/connectors/st/tasks/7/status"), 404,
                 message="No status found for task st-7")


def test_sink_status(w, tmp_path):
    r = w.post("/connectors", json={
        "name": "snk", "config": file_sink_config(tmp_path / "o.txt",
                                                  "t-snk")})
    assert r.status_code == 201, r.text
    assert_connector_info(r.json(), "snk", "sink")
    st = w.wait_running("snk")
    assert_status_shape(st, "snk", "sink")


def test_pause_resume(w, src_file):
    make_source(w, "pr", src_file)
    w.wait_running("pr")
    r = w.put("/connectors/pr/pause")
    assert r.status_code == 202, r.text
    assert not r.content or r.content.strip() in (b"", b"null")
    st = w.wait_state("pr", "PAUSED", "PAUSED")
    assert_status_shape(st, "pr", "source")
    assert w.put("/connectors/pr/pause").status_code == 202  # idempotent

    r = w.put("/connectors/pr/resume")
    assert r.status_code == 202, r.text
    w.wait_running("pr")
    assert w.put("/connectors/pr/resume").status_code == 202


def test_stop_and_resume(w, src_file):
    make_source(w, "stp", src_file)
    w.wait_running("stp")
    r = w.put("/connectors/stp/stop")
    assert r.status_code == 204, r.text
    assert not r.content
    st = w.wait_state("stp", "STOPPED", ntasks=0)
    assert st["tasks"] == []
    assert w.get("/connectors/stp/tasks").json() == []
    assert w.put("/connectors/stp/stop").status_code == 204  # idempotent

    assert w.put("/connectors/stp/resume").status_code == 202
    st = w.wait_running("stp")
    assert len(st["tasks"]) == 1


def test_restart(w, src_file):
    make_source(w, "rs", src_file)
    w.wait_running("rs")
    r = w.post("/connectors/rs/restart")
    assert r.status_code == 204, r.text
    assert not r.content
    w.wait_running("rs")

    r = w.post("/connectors/rs/restart", params={"includeTasks": "true"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["name"] == "rs"
    assert body["type"] == "source"
    assert body["connector"]["state"] == "RESTARTING"
    assert body["tasks"] and all(t["state"] == "RESTARTING"
                                 for t in body["tasks"])
    w.wait_running("rs")

    # onlyFailed with nothing failed: nothing is restarted
    r = w.post("/connectors/rs/restart",
               params={"includeTasks": "true", "onlyFailed": "true"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["connector"]["state"] != "RESTARTING"
    assert all(t["state"] != "RESTARTING" for t in body["tasks"])


def test_task_restart(w, src_file):
    make_source(w, "trs", src_file)
    w.wait_running("trs")
    r = w.post("/connectors/trs/tasks/0/restart")
    assert r.status_code == 204, r.text
    w.wait_running("trs")
    assert_error(w.post("/connectors/trs/tasks/5/restart"), 404,
                 message="Unknown task: trs-5")


def test_topics(w, src_file):
    make_source(w, "tp", src_file, topic="t-topics")
    body = w.wait_for(
        lambda: (lambda b: b if b["tp"]["topics"] else None)(
            w.get("/connectors/tp/topics").json()),
        desc="active topics")
    assert body == {"tp": {"topics": ["t-topics"]}}
    w.put("/connectors/tp/stop")
    w.wait_state("tp", "STOPPED", ntasks=0)
    r = w.put("/connectors/tp/topics/reset")
    assert r.status_code == 202, r.text
    assert w.get("/connectors/tp/topics").json() == {"tp": {"topics": []}}


# -------------------------------------------------------------- unknown

def test_unknown_connector_404(w):
    n = "nope"
    cases = [
        (w.get, f"/connectors/{n}", f"Connector {n} not found"),
        (w.get, f"/connectors/{n}/config", f"Connector {n} not found"),
        (w.get, f"/connectors/{n}/status",
         f"No status found for connector {n}"),
        (w.get, f"/connectors/{n}/tasks", f"Connector {n} not found"),
        (w.get, f"/connectors/{n}/tasks/0/status",
         f"No status found for task {n}-0"),
        (w.post, f"/connectors/{n}/restart", f"Unknown connector: {n}"),
        (w.post, f"/connectors/{n}/tasks/0/restart", None),
        (w.put, f"/connectors/{n}/pause", None),
        (w.put, f"/connectors/{n}/resume", None),
        (w.put, f"/connectors/{n}/stop", None),
        (w.delete, f"/connectors/{n}", f"Connector {n} not found"),
        (w.get, f"/connectors/{n}/offsets", f"Connector {n} not found"),
        (w.delete, f"/connectors/{n}/offsets", None),
    ]
    for fn, path, message in cases:
        r = fn(path)
        msg = assert_error(r, 404, message=message)
        assert n in msg, (path, msg)
    r = w.patch(f"/connectors/{n}/offsets", json={"offsets": [
        {"partition": {"filename": "/x"}, "offset": {"position": 1}}]})
    assert_error(r, 404, contains=n)


# ---------------------------------------------------------------- delete

def test_delete(w, src_file):
    make_source(w, "del", src_file)
    w.wait_running("del")
    r = w.delete("/connectors/del")
    assert r.status_code == 204, r.text
    assert not r.content
    assert_error(w.get("/connectors/del"), 404,
                 message="Connector del not found")
    assert_error(w.get("/connectors/del/status"), 404)
    assert w.get("/connectors").json() == []
    assert_error(w.delete("/connectors/del"), 404)
    # the name can be reused
    make_source(w, "del", src_file)
    w.wait_running("del")


# --------------------------------------------------------------- offsets

def _wait_source_offset(w, name, path, position):
    want = {"offsets": [{"partition": {"filename": str(path)},
                         "offset": {"position": position}}]}

    def check():
        r = w.get(f"/connectors/{name}/offsets")
        return r.status_code == 200 and r.json() == want
    w.wait_for(check, desc=f"offsets of {name} == {want}")


def test_source_offsets_alter(worker, mock_broker, tmp_path):
    mb = mock_broker("t-off:1")
    w2 = worker.start({"bootstrap.servers": mb.bootstrap})
    lines = [f"line-{i}" for i in range(1, 6)]
    path = tmp_path / "off-input.txt"
    data = "".join(x + "\n" for x in lines).encode()
    path.write_bytes(data)
    make_source(w2, "off", path, topic="t-off")
    w2.wait_running("off")
    _wait_source_offset(w2, "off", path, len(data))
    got = consume_all(mb.bootstrap, "t-off", 5)
    assert [v.decode() for v in got] == lines

    # not STOPPED yet: both rejected
    body = {"offsets": [{"partition": {"filename": str(path)},
                         "offset": {"position": 0}}]}
    assert_error(w2.patch("/connectors/off/offsets", json=body), 400,
                 contains="STOPPED")
    assert_error(w2.delete("/connectors/off/offsets"), 400,
                 contains="STOPPED")
    w2.put("/connectors/off/pause")
    w2.wait_state("off", "PAUSED", "PAUSED")
    assert_error(w2.patch("/connectors/off/offsets", json=body), 400,
                 contains="STOPPED")

    assert w2.put("/connectors/off/stop").status_code == 204
    w2.wait_state("off", "STOPPED", ntasks=0)

    assert_error(w2.patch("/connectors/off/offsets", json={"offsets": []}),
                 400, message="Partitions / offsets need to be provided "
                 "for an alter offsets request")

    # rewind to the start of line-4
    pos = len("".join(x + "\n" for x in lines[:3]))
    body = {"offsets": [{"partition": {"filename": str(path)},
                         "offset": {"position": pos}}]}
    r = w2.patch("/connectors/off/offsets", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["message"] in ALTERED_MSGS
    assert w2.get("/connectors/off/offsets").json() == body

    assert w2.put("/connectors/off/resume").status_code == 202
    w2.wait_running("off")
    got = consume_all(mb.bootstrap, "t-off", 7)
    assert [v.decode() for v in got] == lines + lines[3:]
    _wait_source_offset(w2, "off", path, len(data))


def test_source_offsets_reset(worker, mock_broker, tmp_path):
    mb = mock_broker("t-reset:1")
    w2 = worker.start({"bootstrap.servers": mb.bootstrap})
    lines = [f"r-{i}" for i in range(3)]
    path = tmp_path / "reset-input.txt"
    data = "".join(x + "\n" for x in lines).encode()
    path.write_bytes(data)
    make_source(w2, "rst", path, topic="t-reset")
    _wait_source_offset(w2, "rst", path, len(data))
    assert w2.put("/connectors/rst/stop").status_code == 204
    w2.wait_state("rst", "STOPPED", ntasks=0)

    r = w2.delete("/connectors/rst/offsets")
    assert r.status_code == 200, r.text
    assert r.json()["message"] in RESET_MSGS
    assert w2.get("/connectors/rst/offsets").json() == {"offsets": []}

    assert w2.put("/connectors/rst/resume").status_code == 202
    got = consume_all(mb.bootstrap, "t-reset", 6)
    assert [v.decode() for v in got] == lines + lines
    _wait_source_offset(w2, "rst", path, len(data))


def test_sink_offsets(worker, mock_broker, tmp_path):
    mb = mock_broker("t-sinkoff:1")
    w2 = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "sink-out.txt"
    r = w2.post("/connectors", json={
        "name": "soff", "config": file_sink_config(out, "t-sinkoff")})
    assert r.status_code == 201, r.text
    produce(mb.bootstrap, "t-sinkoff", ["a", "b", "c"])
    w2.wait_for(lambda: read_lines(out) == [b"a", b"b", b"c"],
                desc="sink output")
    want = {"offsets": [{"partition": {"kafka_topic": "t-sinkoff",
                                       "kafka_partition": 0},
                         "offset": {"kafka_offset": 3}}]}
    w2.wait_for(lambda: w2.get("/connectors/soff/offsets").json() == want,
                desc="sink offsets")
