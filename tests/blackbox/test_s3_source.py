"""S3 source (backup and restore): objects in the S3 sink's layout on a real
Swift s3api endpoint go back to their topic and partition."""

import json
import subprocess

from conftest import (BYTEARRAY_CONVERTER, JSON_CONVERTER, consume_records,
                      wait_until, write_properties)
from s3_fixture import s3, s3_server  # noqa: F401  (pytest fixtures)

SOURCE = "io.confluent.connect.s3.source.S3SourceConnector"
JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
BYTES_FORMAT = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"

JSON_WORKER = {"value.converter": JSON_CONVERTER,
               "value.converter.schemas.enable": "false"}
BYTES_WORKER = {"value.converter": BYTEARRAY_CONVERTER}


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, check=True,
                          capture_output=True).stdout


def key(topic, p, start, ext="json", zst=False, topics_dir="topics"):
    name = f"{topics_dir}/{topic}/partition={p}/{topic}+{p}+{start:010d}.{ext}"
    return name + (".zst" if zst else "")


def json_lines(values):
    return "".join(json.dumps(v, separators=(",", ":")) + "\n"
                   for v in values).encode()


def source_config(s3, fmt=JSON_FORMAT, **extra):
    cfg = {"connector.class": SOURCE, "tasks.max": "1", "format.class": fmt,
           "s3.poll.interval.ms": "300", **s3.connector_props()}
    cfg.update(extra)
    return cfg


def by_partition(records):
    out = {}
    for p, _off, _k, v in records:
        out.setdefault(p, []).append(v)
    return out


def offsets(w, name):
    return {o["partition"]["folder"]: o["offset"]
            for o in w.get(f"/connectors/{name}/offsets").json()["offsets"]}


def task_trace(w, name):
    st = w.status(name)
    return " ".join(t.get("trace", "") for t in st["tasks"]
                    if t["state"] == "FAILED")


def test_json_plain_and_zstd_restored_in_order(mock_broker, worker, s3):
    mb = mock_broker("orders:2")
    p0a = [{"id": i, "n": f"a{i}"} for i in range(3)]
    p0b = [{"id": i, "nested": {"x": [1, None]}} for i in range(3, 5)]
    p1 = [{"id": 100}, "text", 7, None]
    # written out of order on purpose: the source sorts by start offset
    s3.put(key("orders", 0, 3, zst=True), zstd(json_lines(p0b)))
    s3.put(key("orders", 0, 0), json_lines(p0a))
    s3.put(key("orders", 1, 0), json_lines(p1))
    # not part of the layout or of this format: left alone
    s3.put("topics/orders/partition=0/notes.txt", b"ignore me")
    s3.put(key("orders", 0, 9, ext="bin"), b"raw\n")
    s3.put("elsewhere/orders+0+0000000000.json", b"{}\n")

    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("rs", source_config(s3))
    w.wait_running("rs")
    got = by_partition(consume_records(mb.bootstrap, "orders", 9))
    assert [json.loads(v) for v in got[0]] == p0a + p0b
    assert got[1][:3] == [b'{"id":100}', b'"text"', b"7"]
    assert got[1][3] is None  # a JSON null line is a Kafka null value
    assert sum(len(v) for v in got.values()) == 9

    want = {"topics/orders/partition=0/": {
                "filename": key("orders", 0, 3, zst=True), "line": 2,
                "eof": True},
            "topics/orders/partition=1/": {
                "filename": key("orders", 1, 0), "line": 4, "eof": True}}
    w.wait_for(lambda: offsets(w, "rs") == want, 20, "offsets committed")


def test_bytearray_with_separator_and_zstd(mock_broker, worker, s3):
    mb = mock_broker("raw:1")
    s3.put(key("raw", 0, 0, ext="bin"), b"one||two\nlines||")
    s3.put(key("raw", 0, 2, ext="bin", zst=True), zstd(b"\x00\x01bin||||last"))
    w = worker.start({"bootstrap.servers": mb.bootstrap, **BYTES_WORKER})
    w.create("rb", source_config(s3, BYTES_FORMAT,
                                 **{"format.bytearray.separator": "||"}))
    recs = consume_records(mb.bootstrap, "raw", 5)
    assert [r[3] for r in recs] == [b"one", b"two\nlines", b"\x00\x01bin",
                                    b"", b"last"]


def test_restart_resumes_and_new_objects_are_picked_up(mock_broker, worker, s3,
                                                      tmp_path):
    mb = mock_broker("ev:1")
    vals = [{"i": i} for i in range(12)]
    s3.put(key("ev", 0, 0), json_lines(vals[:5]))
    s3.put(key("ev", 0, 5), json_lines(vals[5:9]))
    cfg = source_config(s3, name="rr", **{"record.batch.max.size": "2"})
    conn = write_properties(tmp_path / "rr.properties", cfg)
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER}, [conn])
    consume_records(mb.bootstrap, "ev", 9)
    folder = "topics/ev/partition=0/"
    w.wait_for(lambda: offsets(w, "rr").get(folder, {}).get("filename")
               == key("ev", 0, 5) and offsets(w, "rr")[folder]["eof"], 20,
               "last object committed")

    # a new worker process resumes from the stored offsets
    w2 = w.restart()
    w2.wait_running("rr")
    s3.put(key("ev", 0, 9), json_lines(vals[9:]))
    recs = consume_records(mb.bootstrap, "ev", 12)
    w2.wait_for(lambda: offsets(w2, "rr")[folder] ==
                {"filename": key("ev", 0, 9), "line": 3, "eof": True}, 20,
                "new object committed")
    recs = consume_records(mb.bootstrap, "ev", 12, timeout=5)
    assert [json.loads(r[3]) for r in recs] == vals, "duplicates or gaps"


def test_resume_in_the_middle_of_an_object(mock_broker, worker, s3):
    mb = mock_broker("mid:1")
    vals = [f"v{i}" for i in range(8)]
    s3.put(key("mid", 0, 0), json_lines(vals[:3]))
    s3.put(key("mid", 0, 3, zst=True), zstd(json_lines(vals[3:])))
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("md", source_config(s3))
    consume_records(mb.bootstrap, "mid", 8)
    folder = "topics/mid/partition=0/"
    w.wait_for(lambda: offsets(w, "md").get(folder, {}).get("eof"), 20,
               "offsets committed")

    assert w.put("/connectors/md/stop").status_code == 204
    w.wait_state("md", "STOPPED", ntasks=0)
    body = {"offsets": [{"partition": {"folder": folder},
                         "offset": {"filename": key("mid", 0, 3, zst=True),
                                    "line": 2, "eof": False}}]}
    r = w.patch("/connectors/md/offsets", json=body)
    assert r.status_code == 200, r.text
    assert w.put("/connectors/md/resume").status_code == 202
    w.wait_running("md")
    recs = consume_records(mb.bootstrap, "mid", 11)
    # the first object and the first two records of the second are skipped
    assert [json.loads(r[3]) for r in recs] == vals + vals[5:]


def test_tasks_split_folders_and_topics_regex(mock_broker, worker, s3):
    mb = mock_broker("keep:4", "drop:1")
    for p in range(4):
        s3.put(key("keep", p, 0), json_lines([f"k{p}-{i}" for i in range(3)]))
    s3.put(key("drop", 0, 0), json_lines(["nope"]))
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("tr", source_config(s3, **{"tasks.max": "3",
                                        "topics.regex": "ke+p"}))
    w.wait_state("tr", "RUNNING", "RUNNING", ntasks=3)
    got = by_partition(consume_records(mb.bootstrap, "keep", 12))
    assert {p: [json.loads(v) for v in vs] for p, vs in got.items()} == \
        {p: [f"k{p}-{i}" for i in range(3)] for p in range(4)}
    w.wait_for(lambda: len(offsets(w, "tr")) == 4, 20, "4 folders committed")
    assert "topics/drop/partition=0/" not in offsets(w, "tr")


def test_wrong_secret_fails_the_task(mock_broker, worker, s3):
    mb = mock_broker("sec:1")
    s3.put(key("sec", 0, 0), json_lines([1]))
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("ws", source_config(s3, **{"aws.secret.access.key": "wrong"}))
    w.wait_state("ws", "RUNNING", "FAILED")
    trace = task_trace(w, "ws")
    assert "SignatureDoesNotMatch" in trace, trace
    assert s3.bucket in trace


def test_corrupt_objects_fail_naming_the_key(mock_broker, worker, s3):
    mb = mock_broker("bad:2")
    s3.put(key("bad", 0, 0), b'{"ok":1}\n{"broken":\n')
    s3.put(key("bad", 1, 0, zst=True), b"this is not zstd")
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("cj", source_config(s3, **{"topics.regex": "bad",
                                        "tasks.max": "1"}))
    w.wait_state("cj", "RUNNING", "FAILED")
    trace = task_trace(w, "cj")
    assert key("bad", 0, 0) in trace or key("bad", 1, 0, zst=True) in trace, \
        trace
    assert "Corrupt" in trace, trace

    # each on its own: the JSON line number and the zstd error are named
    s3.delete(key("bad", 1, 0, zst=True))
    w.delete("/connectors/cj")
    w.create("cj2", source_config(s3))
    w.wait_state("cj2", "RUNNING", "FAILED")
    trace = task_trace(w, "cj2")
    assert key("bad", 0, 0) in trace and "line 2" in trace, trace
    s3.delete(key("bad", 0, 0))
    s3.put(key("bad", 1, 0, zst=True), b"this is not zstd")
    w.create("cj3", source_config(s3))
    w.wait_state("cj3", "RUNNING", "FAILED")
    trace = task_trace(w, "cj3")
    assert key("bad", 1, 0, zst=True) in trace and "zstd" in trace, trace


def validate(w, cfg):
    r = w.put(f"/connector-plugins/{SOURCE}/config/validate", json=cfg)
    assert r.status_code == 200, r.text
    body = r.json()
    errors = {c["value"]["name"]: " ".join(c["value"]["errors"])
              for c in body["configs"] if c["value"]["errors"]}
    return body["error_count"], errors


def test_config_validation(mock_broker, worker, s3):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    good = dict(source_config(s3), name="v")
    assert validate(w, good) == (0, {})

    missing = dict(good)
    del missing["s3.bucket.name"]
    del missing["format.class"]
    n, errors = validate(w, missing)
    assert n == 2 and set(errors) == {"s3.bucket.name", "format.class"}, errors

    n, errors = validate(w, dict(good, **{
        "store.url": "https://s3.amazonaws.com",
        "format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
        "topics.regex": "(unclosed",
        "format.bytearray.separator": "",
        "s3.poll.interval.ms": "0",
        "topics.dir": "a+b"}))
    assert "https is not supported" in errors["store.url"]
    assert "format not supported" in errors["format.class"]
    assert "regular expression" in errors["topics.regex"]
    assert "must not be empty" in errors["format.bytearray.separator"]
    assert "s3.poll.interval.ms" in errors
    assert "'+'" in errors["topics.dir"]
    assert n == 6, errors

    del missing["name"]
    r = w.post("/connectors", json={"name": "bad", "config": missing})
    assert r.status_code == 400, r.text
    assert "s3.bucket.name" in r.text


def test_empty_bucket_stays_idle_then_restores(mock_broker, worker, s3):
    mb = mock_broker("late:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("lt", source_config(s3))
    w.wait_running("lt")
    wait_until(lambda: "S3 source task 0/1" in w.log(), 10, "task started")
    s3.put(key("late", 0, 0), json_lines(["x", "y"]))
    recs = consume_records(mb.bootstrap, "late", 2)
    assert [json.loads(r[3]) for r in recs] == ["x", "y"]
    assert w.status("lt")["tasks"][0]["state"] == "RUNNING"


def test_unreachable_endpoint_fails_after_retries(mock_broker, worker, s3):
    from conftest import free_port
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    w.create("ur", source_config(s3, **{
        "store.url": f"http://127.0.0.1:{free_port()}",
        "s3.part.retries": "2", "s3.retry.backoff.ms": "50"}))
    w.wait_state("ur", "RUNNING", "FAILED", timeout=20)
    trace = task_trace(w, "ur")
    assert "after 2 retries" in trace and s3.bucket in trace, trace
    assert "retry 1 of 2" in w.log()


def test_round_trip_from_the_s3_sink(mock_broker, worker, s3):
    """What the S3 sink backs up from one cluster is restored into another
    (zstd JSON objects, two partitions)."""
    from conftest import produce
    src, dst = mock_broker("rt:2"), mock_broker("rt:2")
    for p in range(2):
        produce(src.bootstrap, "rt", [json.dumps({"p": p, "i": i})
                                      for i in range(7)], partition=p)
    ws = worker.start({"bootstrap.servers": src.bootstrap, **JSON_WORKER})
    ws.create("backup", {**s3.connector_props(), "name": "backup",
                         "connector.class": "io.confluent.connect.s3.S3SinkConnector",
                         "topics": "rt", "flush.size": "3",
                         "format.class": JSON_FORMAT,
                         "s3.compression.type": "zstd"})
    # 2 full objects per partition; the last record of each stays buffered
    ws.wait_for(lambda: len(s3.keys("topics/rt/")) >= 4, 30, "objects")
    assert all(k.endswith(".json.zst") for k in s3.keys("topics/rt/"))

    wd = worker.start({"bootstrap.servers": dst.bootstrap, **JSON_WORKER})
    wd.create("restore", source_config(s3))
    got = by_partition(consume_records(dst.bootstrap, "rt", 12))
    assert {p: [json.loads(v) for v in vs] for p, vs in got.items()} == \
        {p: [{"p": p, "i": i} for i in range(6)] for p in range(2)}


def test_custom_delimiters(mock_broker, worker, s3):
    """directory.delim and file.delim as the sink wrote them; keys in the
    default layout are not this connector's objects."""
    mb = mock_broker("logs:1")
    s3.put("backup--logs--partition=0--logs#0#0000000000.json",
           json_lines(["a", "b"]))
    s3.put("backup--logs--partition=0--logs#0#0000000002.json",
           json_lines(["c"]))
    s3.put(key("logs", 0, 0, topics_dir="backup"), json_lines(["default"]))
    w = worker.start({"bootstrap.servers": mb.bootstrap, **JSON_WORKER})
    w.create("rs", source_config(s3, **{"topics.dir": "backup",
                                       "directory.delim": "--",
                                       "file.delim": "#"}))
    w.wait_running("rs")
    got = by_partition(consume_records(mb.bootstrap, "logs", 3))
    assert got[0] == [b'"a"', b'"b"', b'"c"']
    wait_until(lambda: offsets(w, "rs").get("backup--logs--partition=0--"),
               desc="offset under the custom folder")
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": mb.bootstrap, "group.id": "wm"})
    try:
        assert c.get_watermark_offsets(TopicPartition("logs", 0), 10)[1] == 3
    finally:
        c.close()
    r = w.put(f"/connector-plugins/{SOURCE}/config/validate",
              json=source_config(s3, **{"topics.dir": "a#b",
                                        "file.delim": "#"}))
    errs = {c["value"]["name"]: c["value"]["errors"]
            for c in r.json()["configs"]}
    assert any("file.delim" in e for e in errs["topics.dir"])
