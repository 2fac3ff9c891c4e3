"""Logger levels at run time (/admin/loggers, KIP-495 and KIP-976), the
connector context of log lines and the JSON log format (log.format).

Status codes and messages follow Kafka Connect's LoggingResource: 404 for
an unknown logger and (sic) for an invalid level, 400 without a level,
204 for scope=cluster."""

import json
import re
import subprocess
import time

from conftest import (SLUICE, file_source_config, wait_until,
                      write_properties)

FILE_NS = "org.apache.kafka.connect.file"
FSOURCE = FILE_NS + ".FileStreamSourceTask"
FSINK = FILE_NS + ".FileStreamSinkTask"
REST = "sluice.rest.RestServer"


def assert_error(r, status, message):
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.json() == {"error_code": status, "message": message}


def log_lines(w, start=0):
    return w.log()[start:].splitlines()


def debug_loggers(text):
    """Loggers of the DEBUG lines of a text-format log."""
    return set(re.findall(r"^\[[^\]]+\] DEBUG (?:\[[^\]]+\] )?(\S+): ", text,
                          re.M))


# ------------------------------------------------------------- REST contract

def test_get_loggers_lists_only_root_initially(worker):
    w = worker.start()
    r = w.get("/admin/loggers")
    assert r.status_code == 200
    assert r.json() == {"root": {"level": "INFO", "last_modified": None}}


def test_put_worker_scope_sets_namespace_and_known_descendants(worker):
    w = worker.start()
    before = int(time.time() * 1000)
    r = w.put(f"/admin/loggers/{FILE_NS}", json={"level": "debug"})
    assert r.status_code == 200, r.text
    assert r.json() == [FILE_NS, FSINK, FSOURCE]
    got = w.get(f"/admin/loggers/{FSINK}").json()
    assert got["level"] == "DEBUG"
    assert before <= got["last_modified"] <= int(time.time() * 1000) + 1000
    listed = w.get("/admin/loggers").json()
    assert set(listed) == {"root", FILE_NS, FSINK, FSOURCE}
    assert listed["root"] == {"level": "INFO", "last_modified": None}


def test_get_unset_known_logger_shows_effective_level(worker):
    w = worker.start()
    assert w.put("/admin/loggers/sluice.herder",
                 json={"level": "WARN"}).status_code == 200
    r = w.get("/admin/loggers/sluice.herder.Herder")
    assert r.status_code == 200
    # set through its namespace, so explicitly set with a timestamp
    assert r.json()["level"] == "WARN"
    r = w.get("/admin/loggers/sluice.worker.Worker")
    assert r.json() == {"level": "INFO", "last_modified": None}


def test_get_unknown_logger_is_404(worker):
    w = worker.start()
    assert_error(w.get("/admin/loggers/no.such.Logger"), 404,
                 "Logger no.such.Logger not found.")


def test_put_without_level_is_400(worker):
    w = worker.start()
    assert_error(w.put(f"/admin/loggers/{FILE_NS}", json={"lvl": "DEBUG"}),
                 400, "Desired 'level' parameter was not specified in "
                      "request.")


def test_put_invalid_level_is_404(worker):
    w = worker.start()
    assert_error(w.put(f"/admin/loggers/{FILE_NS}", json={"level": "LOUD"}),
                 404, "invalid log level 'LOUD'.")
    assert set(w.get("/admin/loggers").json()) == {"root"}


def test_put_unknown_scope_warns_and_acts_as_worker(worker):
    w = worker.start()
    r = w.put(f"/admin/loggers/{FSINK}?scope=galaxy", json={"level": "ERROR"})
    assert r.status_code == 200
    assert r.json() == [FSINK]
    assert w.get(f"/admin/loggers/{FSINK}").json()["level"] == "ERROR"
    assert "Received invalid scope 'galaxy'" in w.log()


def test_put_cluster_scope_standalone_applies_here(worker):
    w = worker.start()
    r = w.put(f"/admin/loggers/{FILE_NS}?scope=cluster",
              json={"level": "trace"})
    assert r.status_code == 204, r.text
    assert r.text == ""
    assert w.get(f"/admin/loggers/{FSOURCE}").json()["level"] == "TRACE"


def test_root_level_and_off(worker):
    w = worker.start()
    r = w.put("/admin/loggers/root", json={"level": "OFF"})
    assert r.status_code == 200
    assert "root" in r.json() and REST in r.json()
    assert w.get("/admin/loggers/root").json()["level"] == "OFF"
    mark = len(w.log())
    w.get("/connectors")
    w.put("/admin/loggers/no.such.Logger", json={"level": "LOUD"})
    assert w.log()[mark:].strip() == ""


# ------------------------------------------------------- effect on the output

def test_debug_on_a_namespace_shows_only_its_debug_lines(worker):
    w = worker.start()
    w.get("/connectors")
    assert debug_loggers(w.log()) == set()
    assert w.put("/admin/loggers/sluice.rest",
                 json={"level": "DEBUG"}).status_code == 200
    for _ in range(3):
        w.get("/connectors")
    w.wait_for(lambda: REST in debug_loggers(w.log()), 10, "REST debug lines")
    assert debug_loggers(w.log()) == {REST}
    # back to INFO: no more DEBUG lines
    assert w.put("/admin/loggers/sluice.rest",
                 json={"level": "INFO"}).status_code == 200
    mark = len(w.log())
    w.get("/connectors")
    assert debug_loggers(w.log()[mark:]) == set()


def test_text_lines_in_a_task_carry_its_context(worker, mock_broker,
                                                tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    src = tmp_path / "in.txt"
    src.write_text("a\n")
    w.create("ctx-src", file_source_config(src, "ctx-topic"))
    w.wait_running("ctx-src")
    w.wait_for(lambda: "[ctx-src|task-0] sluice.worker.SourceTask: "
                       "ctx-src-0 started" in w.log(), 20, "context")
    # lines outside a task have none
    assert re.search(r"^\[[^\]]+\] INFO sluice\.Main: REST server", w.log(),
                     re.M)


# ---------------------------------------------------------------- JSON format

def parse_all(w):
    out = []
    for line in log_lines(w):
        if line.strip():
            out.append(json.loads(line))  # every line is one JSON object
    return out


def test_json_format_lines_parse_and_carry_task(worker, mock_broker,
                                                tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap,
                      "log.format": "json"})
    src = tmp_path / "in.txt"
    src.write_text("a\n")
    w.create("json-src", file_source_config(src, "json-topic"))
    w.wait_running("json-src")

    def in_task():
        return [o for o in parse_all(w) if o.get("connector") == "json-src"]
    lines = w.wait_for(in_task, 20, "a line in the task's context")
    assert lines[0]["task"] == 0
    for o in parse_all(w):
        assert {"timestamp", "level", "logger", "message"} <= set(o), o
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                            o["timestamp"]), o
        assert o["level"] in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
    assert any(o["logger"] == "sluice.Main" and
               o["message"].startswith("REST server listening")
               for o in parse_all(w))


def test_env_format_applies_before_the_worker_config(worker):
    w = worker.start(env={"SLUICE_LOG_FORMAT": "json"})
    objs = parse_all(w)
    assert objs and all("connector" not in o for o in objs)


def test_json_format_masks_secrets_before_escaping(worker, mock_broker,
                                                   tmp_path):
    secret = 'tok"en\\with-quote'
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap,
                      "log.format": "json"},
                     env={"SL_LOGTEST_SECRET": secret})
    cfg = file_source_config("/nonexistent/${env:SL_LOGTEST_SECRET}/in.txt",
                             "sec-topic")
    w.create("sec-src", cfg)
    w.wait_for(lambda: any("${env:SL_LOGTEST_SECRET}" in o["message"]
                           for o in parse_all(w)), 20,
               "the path logged with its placeholder")
    text = w.log()
    assert secret not in text
    assert json.dumps(secret)[1:-1] not in text


# ------------------------------------------------------------ worker config

def run_standalone(tmp_path, extra):
    props = {"key.converter": "StringConverter",
             "value.converter": "StringConverter",
             "offset.storage.file.filename": str(tmp_path / "o.json"),
             "listeners": "http://127.0.0.1:0"}
    props.update(extra)
    path = write_properties(tmp_path / "w.properties", props)
    return subprocess.run([str(SLUICE), "standalone", str(path)],
                          capture_output=True, text=True, timeout=30)


def test_bad_log_format_is_a_startup_error(tmp_path):
    r = run_standalone(tmp_path, {"log.format": "xml"})
    assert r.returncode == 1
    assert "Invalid value xml for configuration log.format" in r.stderr


def test_separate_admin_listener_is_a_startup_error(tmp_path):
    r = run_standalone(tmp_path, {"admin.listeners": "http://127.0.0.1:0"})
    assert r.returncode == 1
    assert "admin.listeners" in r.stderr
    assert "a separate admin listener is not supported" in r.stderr


def test_empty_admin_listeners_disables_admin(worker):
    w = worker.start({"admin.listeners": ""})
    assert w.get("/admin/loggers").status_code == 404
    assert w.put(f"/admin/loggers/{FILE_NS}",
                 json={"level": "DEBUG"}).status_code == 404
    assert w.get("/connectors").status_code == 200


# ------------------------------------------------------------ cluster scope

def test_cluster_scope_reaches_every_worker_and_later_ones(cluster):
    c = cluster(2)
    a, b = c.workers
    r = a.put(f"/admin/loggers/{FILE_NS}?scope=cluster",
              json={"level": "debug"})
    assert r.status_code == 204, r.text

    def level(w):
        return w.get(f"/admin/loggers/{FSINK}").json()["level"]
    for w in (a, b):
        w.wait_for(lambda w=w: level(w) == "DEBUG", 30, "cluster level")
    assert b.get(f"/admin/loggers/{FILE_NS}").json()["last_modified"] > 0
    late = c.start_worker()
    wait_until(lambda: level(late) == "DEBUG", 30, "level on a late worker")
    # worker scope stays on the worker it was sent to
    assert b.put(f"/admin/loggers/{FSINK}",
                 json={"level": "ERROR"}).status_code == 200
    assert level(b) == "ERROR" and level(a) == "DEBUG"


def test_env_log_level_sets_root(worker):
    w = worker.start(env={"SLUICE_LOG_LEVEL": "debug"})
    assert w.get("/admin/loggers").json() == \
        {"root": {"level": "DEBUG", "last_modified": None}}
    assert w.get(f"/admin/loggers/{FSINK}").json() == \
        {"level": "DEBUG", "last_modified": None}


def test_connector_code_logs_with_worker_context(worker, mock_broker):
    """What a connector (not a task) logs while generating task configs
    carries [name|worker], as Kafka Connect's connector.context does."""
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    r = w.post("/connectors", json={"name": "ck", "config": {
        "connector.class":
            "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        "source.cluster.alias": "src",
        "source.cluster.bootstrap.servers": mock_broker.bootstrap,
        "groups": "app", "groups.exclude": "app"}})
    assert r.status_code == 201, r.text
    w.wait_for(lambda: "[ck|worker] org.apache.kafka.connect.mirror."
                       "MirrorCheckpointTask: Every group is excluded"
               in w.log(), 20, "connector context")
