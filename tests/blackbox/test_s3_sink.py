"""S3 sink (io.confluent.connect.s3.S3SinkConnector) against a real S3
endpoint (Swift s3api on loopback, see s3_fixture.py) and the mock broker.

Objects are named after the first offset they hold,
    topics/<topic>/partition=<p>/<topic>+<p>+<offset, 10 digits>.<ext>
and their boundaries depend only on the records, so a restart rewrites the
same objects instead of duplicating records.
"""

import json
import subprocess
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import (BYTEARRAY_CONVERTER, JSON_CONVERTER, produce,
                      wait_until, write_properties)
from s3_fixture import s3, s3_server  # noqa: F401 - pytest fixtures

S3_SINK = "io.confluent.connect.s3.S3SinkConnector"
JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
BYTES_FORMAT = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"


def sink_config(s3, topic, **extra):
    cfg = {"connector.class": S3_SINK, "tasks.max": "1", "topics": topic,
           "format.class": JSON_FORMAT, "flush.size": "10",
           "storage.class": "io.confluent.connect.s3.storage.S3Storage",
           "s3.retry.backoff.ms": "50"}
    cfg.update(s3.connector_props())
    cfg.update({k.replace("_", "."): str(v) for k, v in extra.items()})
    return cfg


def key(topic, p, off, ext="json"):
    return f"topics/{topic}/partition={p}/{topic}+{p}+{off:010d}.{ext}"


def committed(bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in partitions],
                          timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


def wait_keys(w, s3, prefix, n, timeout=30):
    return w.wait_for(lambda: len(s3.keys(prefix)) >= n and s3.keys(prefix),
                      timeout, f"{n} objects under {prefix}")


def task_trace(w, name):
    st = w.status(name)
    return " ".join(t.get("trace", "") for t in st["tasks"])


def test_flush_size_names_contents_and_offsets(mock_broker, worker, s3):
    mb = mock_broker("orders:1")
    produce(mb.bootstrap, "orders", [f"v{i}" for i in range(25)])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("s3", sink_config(s3, "orders"))
    keys = wait_keys(w, s3, "topics/orders/", 2)
    assert keys == [key("orders", 0, 0), key("orders", 0, 10)]
    # JsonFormat: one JSON value (a string here) per line
    assert s3.get(keys[0]) == b"".join(b'"v%d"\n' % i for i in range(10))
    assert s3.get(keys[1]) == b"".join(b'"v%d"\n' % i for i in range(10, 20))
    # the 5 buffered records are not in S3, so the group's offset stops at
    # the start of their object
    w.wait_for(lambda: committed(mb.bootstrap, "connect-s3", "orders",
                                 [0]) == {0: 20}, 20, "offset 20 committed")
    time.sleep(2.5)  # more flush intervals pass
    assert committed(mb.bootstrap, "connect-s3", "orders", [0]) == {0: 20}
    assert s3.keys("topics/orders/") == keys
    produce(mb.bootstrap, "orders", [f"v{i}" for i in range(25, 30)])
    keys = wait_keys(w, s3, "topics/orders/", 3)
    assert keys[2] == key("orders", 0, 20)
    assert s3.get(keys[2]) == b"".join(b'"v%d"\n' % i for i in range(20, 30))
    w.wait_for(lambda: committed(mb.bootstrap, "connect-s3", "orders",
                                 [0]) == {0: 30}, 20, "offset 30 committed")
    assert s3.uploads("topics/") == []


def test_buffered_records_keep_committed_offset_at_zero(mock_broker, worker,
                                                        s3):
    mb = mock_broker("few:1")
    produce(mb.bootstrap, "few", [f"r{i}" for i in range(7)])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("few", sink_config(s3, "few", flush_size=1000))
    w.wait_running("few")
    # a commit happens (offset 0, not the consumed 7) ...
    w.wait_for(lambda: committed(mb.bootstrap, "connect-few", "few",
                                 [0]) == {0: 0}, 20, "offset 0 committed")
    time.sleep(2.5)
    # ... and stays there while the records are only buffered
    assert committed(mb.bootstrap, "connect-few", "few", [0]) == {0: 0}
    assert s3.keys("topics/") == []


def test_json_values_and_ignored_nulls(mock_broker, worker, s3):
    mb = mock_broker("js:1")
    vals = ['{"id":1,"name":"a"}', '{"id":2,"tags":["x",null]}', None,
            '{"id":3,"f":2.5}', '"just a string"', "42"]
    produce(mb.bootstrap, "js", vals)
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("js", sink_config(
        s3, "js", flush_size=5, behavior_on_null_values="ignore",
        **{"value.converter": JSON_CONVERTER,
           "value.converter.schemas.enable": "false"}))
    keys = wait_keys(w, s3, "topics/js/", 1)
    assert keys == [key("js", 0, 0)]
    # the null is skipped: the object's five records span offsets 0-5
    assert s3.get(keys[0]).decode().splitlines() == [
        '{"id":1,"name":"a"}', '{"id":2,"tags":["x",null]}',
        '{"id":3,"f":2.5}', '"just a string"', "42"]
    w.wait_for(lambda: committed(mb.bootstrap, "connect-js", "js",
                                 [0]) == {0: 6}, 20, "offset 6 committed")


def test_null_value_fails_task_by_default(mock_broker, worker, s3):
    mb = mock_broker("nul:1")
    produce(mb.bootstrap, "nul", ["a", None, "b"])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("nul", sink_config(s3, "nul"))
    w.wait_state("nul", "RUNNING", "FAILED")
    trace = task_trace(w, "nul")
    assert "nul-0@1" in trace and "behavior.on.null.values" in trace
    assert s3.keys("topics/") == []


def zstd_decompress(data):
    return subprocess.run(["zstd", "-d", "-c", "-q"], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def test_zstd_bytearray_objects(mock_broker, worker, s3):
    mb = mock_broker("raw:2")
    p0 = [b"p0-%03d \x00\xff binary" % i for i in range(30)]
    p1 = [b"p1-%03d" % i for i in range(20)]
    produce(mb.bootstrap, "raw", p0, partition=0)
    produce(mb.bootstrap, "raw", p1, partition=1)
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("raw", sink_config(
        s3, "raw", flush_size=10, s3_compression_type="zstd",
        format_class=BYTES_FORMAT, format_bytearray_separator="|\\n",
        **{"value.converter": BYTEARRAY_CONVERTER}))
    keys = wait_keys(w, s3, "topics/raw/", 5)
    assert keys == ([key("raw", 0, o, "bin.zst") for o in (0, 10, 20)] +
                    [key("raw", 1, o, "bin.zst") for o in (0, 10)])
    for k in keys:
        data = s3.get(k)
        assert data[:4] == b"\x28\xb5\x2f\xfd", "not a zstd frame"
        part, off = (0 if "partition=0" in k else 1), int(k[-18:-8])
        src = p0 if part == 0 else p1
        assert zstd_decompress(data) == b"".join(v + b"|\n"
                                                 for v in src[off:off + 10])


def test_large_object_uses_multipart_upload(mock_broker, worker, s3):
    mb = mock_broker("big:1")
    n, pad = 12000, "x" * 1000
    vals = [f"{i:08d} {pad}" for i in range(n)]
    # compressed batches keep the ~12 MiB far below the mock's 5 MiB a
    # partition
    produce(mb.bootstrap, "big", vals,
            config={"compression.type": "zstd", "batch.size": 1000000})
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("big", sink_config(s3, "big", flush_size=n,
                                s3_part_size=5242880,
                                format_class=BYTES_FORMAT))
    keys = wait_keys(w, s3, "topics/big/", 1, timeout=60)
    assert keys == [key("big", 0, 0, "bin")]
    head = s3.client.head_object(Bucket=s3.bucket, Key=keys[0])
    want = "".join(v + "\n" for v in vals).encode()
    assert head["ContentLength"] == len(want)
    # 12 MiB in parts of >= 5 MiB: three parts
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    assert s3.get(keys[0]) == want
    assert s3.uploads("topics/") == []


def produce_with_timestamps(bootstrap, topic, items):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for value, ts in items:
        p.produce(topic, value=value.encode(), partition=0, timestamp=ts)
    assert p.flush(30) == 0


def test_rotate_interval_by_record_timestamps(mock_broker, worker, s3):
    mb = mock_broker("tsr:1")
    t0 = 1_700_000_000_000
    offs = [0, 100, 500, 999, 1000, 1500, 2100, 2200]
    produce_with_timestamps(mb.bootstrap, "tsr",
                            [(f"e{i}", t0 + d) for i, d in enumerate(offs)])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("tsr", sink_config(s3, "tsr", flush_size=100,
                                rotate_interval_ms=1000,
                                timestamp_extractor="Record"))
    keys = wait_keys(w, s3, "topics/tsr/", 2)
    assert keys == [key("tsr", 0, 0), key("tsr", 0, 4)]
    assert s3.get(keys[0]) == b'"e0"\n"e1"\n"e2"\n"e3"\n'
    assert s3.get(keys[1]) == b'"e4"\n"e5"\n'
    # the object from offset 6 waits for a record a full interval later,
    # however long the wall clock runs
    time.sleep(2.5)
    assert s3.keys("topics/tsr/") == keys
    produce_with_timestamps(mb.bootstrap, "tsr", [("e8", t0 + 3100)])
    keys = wait_keys(w, s3, "topics/tsr/", 3)
    assert keys[2] == key("tsr", 0, 6)
    assert s3.get(keys[2]) == b'"e6"\n"e7"\n'


def test_rotate_schedule_without_new_records(mock_broker, worker, s3):
    mb = mock_broker("sch:1")
    produce(mb.bootstrap, "sch", ["a", "b", "c"])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("sch", sink_config(s3, "sch", flush_size=1000,
                                rotate_schedule_interval_ms=1000))
    keys = wait_keys(w, s3, "topics/sch/", 1, timeout=20)
    assert keys == [key("sch", 0, 0)]
    assert s3.get(keys[0]) == b'"a"\n"b"\n"c"\n'


def parse_objects(s3, prefix):
    """{key: [values]} of every JSON object under prefix."""
    return {k: [json.loads(x) for x in s3.get(k).decode().splitlines()]
            for k in s3.keys(prefix)}


def test_restart_after_kill9_no_duplicates(mock_broker, worker, s3, tmp_path):
    mb = mock_broker("ev:2")
    topic, per_part = "ev", 100
    conn = write_properties(tmp_path / "s3.properties", {
        "name": "evsink", **sink_config(s3, topic, flush_size=7)})

    def batch(lo, hi):
        for p in (0, 1):
            produce(mb.bootstrap, topic, [f"{p}-{i}" for i in range(lo, hi)],
                    partition=p)

    batch(0, 45)
    w = worker.start({"bootstrap.servers": mb.bootstrap}, [conn])
    w.wait_for(lambda: len(s3.keys("topics/ev/")) >= 10, 30,
               "objects of both partitions")
    # a crash leaves a buffered object behind, and a multipart upload a
    # crash could leave under a partition
    w.kill9()
    stale = s3.client.create_multipart_upload(
        Bucket=s3.bucket, Key=key(topic, 1, 42))["UploadId"]
    assert any(u[1] == stale for u in s3.uploads("topics/ev/"))
    batch(45, per_part)
    w2 = w.restart()
    # 100 records in objects of 7: 14 full ones per partition (the last 2
    # records stay buffered)
    w2.wait_for(lambda: len(s3.keys("topics/ev/")) >= 28, 40,
                "all full objects")
    objs = parse_objects(s3, "topics/ev/")
    want_keys = sorted(key(topic, p, o) for p in (0, 1)
                       for o in range(0, 98, 7))
    assert sorted(objs) == want_keys
    for p in (0, 1):
        got = [v for k in sorted(objs) if f"partition={p}/" in k
               for v in objs[k]]
        assert got == [f"{p}-{i}" for i in range(98)], "lost or duplicated"
    for k, vals in objs.items():
        start = int(k[-15:-5])
        assert vals == [vals[0][:2] + str(i) for i in range(start, start + 7)]
    assert all(u[1] != stale for u in s3.uploads("topics/ev/")), \
        "stale upload not aborted"
    w2.wait_for(lambda: committed(mb.bootstrap, "connect-evsink", topic,
                                  [0, 1]) == {0: 98, 1: 98}, 20,
                "offsets at the open objects")


def validate(w, cfg):
    r = w.put(f"/connector-plugins/{S3_SINK}/config/validate", json=cfg)
    assert r.status_code == 200, r.text
    body = r.json()
    errs = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]
            if c["value"]["errors"]}
    return body["error_count"], errs


def test_config_validation(mock_broker, worker, s3):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    good = {"name": "s3v", **sink_config(s3, "t")}
    assert validate(w, good) == (0, {})
    n, errs = validate(w, {**good, "s3.compression.type": "gzip"})
    assert n == 1 and "use zstd" in errs["s3.compression.type"][0]
    bad = dict(good)
    del bad["flush.size"]
    n, errs = validate(w, bad)
    assert n == 1 and "flush.size" in errs["flush.size"][0]
    n, errs = validate(w, {**good, "s3.part.size": "1048576"})
    assert n == 1 and "5242880" in errs["s3.part.size"][0]
    n, errs = validate(w, {**good, "format.class":
                           "io.confluent.connect.s3.format.avro.AvroFormat"})
    assert n == 1 and "JsonFormat" in errs["format.class"][0]
    bad = dict(good)
    del bad["s3.bucket.name"]
    n, errs = validate(w, {**bad, "partitioner.class": "x.TimeBasedPartitioner"})
    assert n == 2 and set(errs) == {"s3.bucket.name", "partitioner.class"}
    # the connection keys are checked as the S3 source checks them
    n, errs = validate(w, {**good, "store.url": "https://s3.amazonaws.com",
                           "topics.dir": "/abs"})
    assert n == 2 and "https is not supported" in errs["store.url"][0], errs
    assert "relative key prefix" in errs["topics.dir"][0], errs
    bad = dict(good)
    del bad["aws.access.key.id"]
    n, errs = validate(w, bad)
    assert n == 1 and set(errs) == {"aws.access.key.id"}, errs
    r = w.post("/connectors", json={"name": "s3v", "config": {
        **good, "s3.compression.type": "gzip"}})
    assert r.status_code == 400 and "use zstd" in r.json()["message"]


def test_bad_credentials_fail_the_task_clearly(mock_broker, worker, s3):
    mb = mock_broker("cred:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("cred", sink_config(s3, "cred", aws_secret_access_key="wrong",
                                 s3_part_retries=0))
    w.wait_state("cred", "RUNNING", "FAILED")
    trace = task_trace(w, "cred")
    assert s3.bucket in trace and "403" in trace, trace


def test_missing_bucket_fails_the_task(mock_broker, worker, s3):
    mb = mock_broker("nob:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    missing = "no-such-" + uuid.uuid4().hex[:8]
    w.create("nob", sink_config(s3, "nob", s3_bucket_name=missing))
    w.wait_state("nob", "RUNNING", "FAILED")
    assert missing in task_trace(w, "nob")


def test_unreachable_endpoint_retries_then_fails(mock_broker, worker, s3):
    from conftest import free_port
    mb = mock_broker("down:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("down", sink_config(s3, "down", s3_part_retries=2,
                                 store_url=f"http://127.0.0.1:{free_port()}"))
    w.wait_state("down", "RUNNING", "FAILED")
    trace = task_trace(w, "down")
    assert "3 attempt(s)" in trace, trace
    wait_until(lambda: "retrying" in w.log_tail(20000), 5, "retry warnings")
