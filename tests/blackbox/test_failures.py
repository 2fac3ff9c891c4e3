"""Failure paths: a failing task shows FAILED with a trace and never
commits past what it did not deliver; bad worker input stops the worker
with a clear message."""

import subprocess

import pytest

from conftest import (SLUICE, file_sink_config, file_source_config, produce,
                      write_properties)

JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"


def task_trace(w, name):
    st = w.status(name)
    return st["tasks"][0].get("trace", "") if st["tasks"] else ""


def test_bulk_source_missing_file_fails_then_restart_only_failed(
        mock_broker, worker, tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    missing = tmp_path / "later.txt"
    w.create("bulk", file_source_config(missing, "later", mode="bulk"))
    st = w.wait_state("bulk", "RUNNING", "FAILED")
    assert "File not found" in st["tasks"][0]["trace"]
    assert str(missing) in st["tasks"][0]["trace"]

    missing.write_bytes(b"a\nb\n")
    r = w.post("/connectors/bulk/restart",
               params={"includeTasks": "true", "onlyFailed": "true"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["tasks"][0]["state"] == "RESTARTING"
    assert body["connector"]["state"] == "RUNNING"  # not failed: not restarted
    w.wait_running("bulk")
    w.wait_for(lambda: w.get("/connectors/bulk/offsets").json()["offsets"]
               == [{"partition": {"filename": str(missing)},
                    "offset": {"position": 4}}], 30, "offset at end of file")
    assert "trace" not in w.status("bulk")["tasks"][0]


def test_sink_cannot_open_file_fails_with_path(mock_broker, worker, tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    bad = tmp_path / "no-such-dir" / "out.txt"
    w.create("badsink", file_sink_config(bad, "t"))
    w.wait_state("badsink", "RUNNING", "FAILED")
    trace = task_trace(w, "badsink")
    assert str(bad) in trace and "No such file or directory" in trace


@pytest.mark.parametrize("idempotence", ["true", "false"])
def test_failed_delivery_commits_no_offset(worker, tmp_path, mock_broker,
                                           idempotence):
    mb = mock_broker("undeliverable:1")
    # Every produce request is rejected with MSG_SIZE_TOO_LARGE (10), a
    # permanent error: no record reaches Kafka.
    assert mb.control("err 0 " + " ".join(["10"] * 200)).startswith("OK")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "producer.enable.idempotence": idempotence})
    inp = tmp_path / "in.txt"
    inp.write_bytes(b"".join(b"line %d\n" % i for i in range(100)))
    w.create("undeliv", file_source_config(inp, "undeliverable"))
    st = w.wait_state("undeliv", "RUNNING", "FAILED")
    assert "producer send callback" in st["tasks"][0]["trace"]
    # the file was read, but its offset was never committed
    assert w.get("/connectors/undeliv/offsets").json() == {"offsets": []}
    assert w.stop() == 0
    offsets = tmp_path / "offsets.json"
    assert not offsets.exists() or "undeliv" not in offsets.read_text()


def test_sink_converter_error_fails_task_and_commits_nothing(
        mock_broker, worker, tmp_path):
    mb = mock_broker("plain:1")
    produce(mb.bootstrap, "plain", [b"not json at all"])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("strict", file_sink_config(out, "plain",
                                        **{"value.converter": JSON_CONVERTER}))
    st = w.wait_state("strict", "RUNNING", "FAILED", timeout=60)
    trace = st["tasks"][0]["trace"]
    assert "Converting byte[] to Kafka Connect data failed" in trace
    assert "partition=0, offset=0" in trace
    assert not out.exists() or out.read_bytes() == b""
    r = w.put("/connectors/strict/stop")
    assert r.status_code == 204
    assert w.get("/connectors/strict/offsets").json() == {"offsets": []}


def run_sluice(*args, timeout=30):
    return subprocess.run([str(SLUICE), *args], capture_output=True,
                          text=True, timeout=timeout)


def test_worker_missing_required_config_exits_with_message(tmp_path):
    props = write_properties(tmp_path / "w.properties", {
        "key.converter": "StringConverter",
        "offset.storage.file.filename": str(tmp_path / "o.json")})
    r = run_sluice("standalone", str(props))
    assert r.returncode == 1
    assert ('Missing required configuration "value.converter" which has no '
            'default value.') in r.stderr


def test_worker_unknown_converter_exits_with_message(tmp_path):
    props = write_properties(tmp_path / "w.properties", {
        "key.converter": "StringConverter",
        "value.converter": "com.example.NoSuchConverter",
        "offset.storage.file.filename": str(tmp_path / "o.json")})
    r = run_sluice("standalone", str(props))
    assert r.returncode == 1
    assert "Class com.example.NoSuchConverter could not be found." in r.stderr


def test_corrupt_offsets_file_is_not_silently_reset(tmp_path):
    offsets = tmp_path / "o.json"
    offsets.write_text('{"format":"sluice-offsets","offsets":[')
    props = write_properties(tmp_path / "w.properties", {
        "key.converter": "StringConverter",
        "value.converter": "StringConverter",
        "offset.storage.file.filename": str(offsets)})
    r = run_sluice("standalone", str(props))
    assert r.returncode == 1
    assert "corrupt" in r.stderr and str(offsets) in r.stderr
    assert offsets.read_text() == '{"format":"sluice-offsets","offsets":['


def test_invalid_connector_file_exits_with_message(tmp_path):
    props = write_properties(tmp_path / "w.properties", {
        "key.converter": "StringConverter",
        "value.converter": "StringConverter",
        "offset.storage.file.filename": str(tmp_path / "o.json"),
        "listeners": "http://127.0.0.1:0"})
    conn = write_properties(tmp_path / "c.properties", {
        "name": "c", "connector.class": "FileStreamSink"})
    r = run_sluice("standalone", str(props), str(conn))
    assert r.returncode == 1
    assert "Must configure one of topics or topics.regex" in r.stderr
    assert str(conn) in r.stderr


def test_distributed_missing_worker_file_fails_clearly(tmp_path):
    missing = tmp_path / "w.properties"
    r = run_sluice("distributed", str(missing))
    assert r.returncode == 1
    assert str(missing) in r.stderr


def test_distributed_requires_its_keys(tmp_path):
    props = tmp_path / "w.properties"
    props.write_text("key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                     "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                     "listeners=http://127.0.0.1:0\n")
    r = run_sluice("distributed", str(props))
    assert r.returncode == 1
    for key in ("group.id", "config.storage.topic", "offset.storage.topic",
                "status.storage.topic"):
        assert key in r.stderr, r.stderr


def test_usage_without_arguments():
    r = run_sluice()
    assert r.returncode == 2
    assert "usage: sluice standalone" in r.stderr
