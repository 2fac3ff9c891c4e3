"""External connector plugins loaded from plugin.path.

Uses <build>/tests/plugins/seq_source.so (tests/plugins/seq_source.c):
com.example.SeqSourceConnector, configs topic (required) and count (LONG,
default 100); emits "seq-0" .. "seq-<count-1>", source partition
{"seq": topic}, offset {"next": N}.
"""

import pytest

from conftest import (PLUGIN_DIR, count_lines, file_sink_config, read_lines,
                      write_json)

SEQ_CLASS = "com.example.SeqSourceConnector"


def seq_config(topic, count=None):
    cfg = {"connector.class": SEQ_CLASS, "tasks.max": "1", "topic": topic}
    if count is not None:
        cfg["count"] = str(count)
    return cfg


def expected(n):
    return [f"seq-{i}".encode() for i in range(n)]


@pytest.fixture
def seq_so():
    so = PLUGIN_DIR / "seq_source.so"
    if not so.exists():
        pytest.fail(f"{so} not built", pytrace=False)
    return so


def plugin_worker(worker, mb, seq_so, files=()):
    return worker.start({"bootstrap.servers": mb.bootstrap,
                         "plugin.path": str(seq_so.parent)}, files)


def test_plugin_listed(mock_broker, worker, seq_so):
    w = plugin_worker(worker, mock_broker, seq_so)
    plugins = w.get("/connector-plugins").json()
    by_class = {p["class"]: p for p in plugins}
    assert SEQ_CLASS in by_class, plugins
    assert by_class[SEQ_CLASS]["type"] == "source"
    assert by_class[SEQ_CLASS]["version"] == "1.0.0"
    # built-ins are still there
    assert "org.apache.kafka.connect.file.FileStreamSinkConnector" in by_class

    for alias in (SEQ_CLASS, "SeqSourceConnector", "SeqSource"):
        r = w.get(f"/connector-plugins/{alias}/config")
        assert r.status_code == 200, (alias, r.text)
        keys = {k["name"]: k for k in r.json()}
        assert keys["topic"]["required"] is True
        assert keys["count"]["type"] == "LONG"
        assert keys["count"]["default_value"] == "100"
        assert keys["count"]["required"] is False

    r = w.put("/connector-plugins/SeqSource/config/validate",
              json={"connector.class": SEQ_CLASS, "name": "v"})
    assert r.status_code == 200
    infos = r.json()
    assert infos["error_count"] >= 1
    topic_errs = [c["value"]["errors"] for c in infos["configs"]
                  if c["value"]["name"] == "topic"]
    assert topic_errs and topic_errs[0], infos


def test_plugin_not_loaded_without_plugin_path(mock_broker, worker):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    classes = {p["class"] for p in w.get("/connector-plugins").json()}
    assert SEQ_CLASS not in classes
    r = w.post("/connectors", json={"name": "seq",
                                    "config": seq_config("x")})
    assert r.status_code == 500
    assert SEQ_CLASS in r.json()["message"]


def test_plugin_pipeline_and_resume(mock_broker, worker, seq_so, tmp_path):
    mb = mock_broker("seq:1")
    w = plugin_worker(worker, mb, seq_so)
    out = tmp_path / "seq-out.txt"
    r = w.post("/connectors", json={"name": "seq",
                                    "config": seq_config("seq", 500)})
    assert r.status_code == 201, r.text
    assert r.json()["type"] == "source"
    r = w.post("/connectors", json={"name": "seq-sink",
                                    "config": file_sink_config(out, "seq")})
    assert r.status_code == 201, r.text
    w.wait_running("seq")

    w.wait_for(lambda: count_lines(out) >= 500, 60, "500 output lines")
    assert read_lines(out) == expected(500)

    want = {"offsets": [{"partition": {"seq": "seq"},
                         "offset": {"next": 500}}]}
    w.wait_for(lambda: w.get("/connectors/seq/offsets").json() == want,
               desc="committed offset next=500")

    # A bigger count restarts the task, which resumes from {"next": 500}:
    # the output continues without repeating anything.
    r = w.patch("/connectors/seq/config", json={"count": "600"})
    assert r.status_code == 200, r.text
    w.wait_for(lambda: count_lines(out) >= 600, 60, "600 output lines")
    want["offsets"][0]["offset"]["next"] = 600
    w.wait_for(lambda: w.get("/connectors/seq/offsets").json() == want,
               desc="committed offset next=600")
    assert read_lines(out) == expected(600)


def test_plugin_resumes_after_worker_restart(mock_broker, worker, seq_so,
                                             tmp_path):
    mb = mock_broker("seqr:1")
    out = tmp_path / "seqr-out.txt"
    src = write_json(tmp_path / "seqr.json", {
        "name": "seqr", "config": seq_config("seqr", 200)})
    sink = write_json(tmp_path / "seqr-sink.json", {
        "name": "seqr-sink", "config": file_sink_config(out, "seqr")})
    w = plugin_worker(worker, mb, seq_so, [src, sink])
    w.wait_for(lambda: count_lines(out) >= 200, 60, "200 output lines")
    want = {"offsets": [{"partition": {"seq": "seqr"},
                         "offset": {"next": 200}}]}
    w.wait_for(lambda: w.get("/connectors/seqr/offsets").json() == want,
               desc="committed offset next=200")
    rc = w.stop()
    assert rc == 0, f"exit code {rc} after SIGTERM\n{w.log_tail()}"

    # same offsets file, larger count: only seq-200..seq-299 are new
    write_json(src, {"name": "seqr", "config": seq_config("seqr", 300)})
    w2 = w.restart()
    w2.wait_for(lambda: count_lines(out) >= 300, 60, "300 output lines")
    got = read_lines(out)
    # at-least-once: the sink may redeliver what it had not committed yet
    seen, firsts = set(), []
    for x in got:
        if x not in seen:
            seen.add(x)
            firsts.append(x)
    assert firsts == expected(300)
    print(f"\nduplicates after restart: {len(got) - len(firsts)}")
