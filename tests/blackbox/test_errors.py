"""Error handling (errors.tolerance, errors.log.*, errors.deadletterqueue.*,
errors.retry.*): a bad record is routed to the dead letter queue, skipped
with a log line, or fails the task with a clear trace - never silently
dropped."""

import json

from conftest import (file_sink_config, file_source_config, produce,
                      read_lines, read_with_headers, wait_until)

JSON = "org.apache.kafka.connect.json.JsonConverter"


def lines(path):
    return [x.decode() for x in read_lines(path)]


def committed(bootstrap, group, topic, partition=0):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return c.committed([TopicPartition(topic, partition)], timeout=10)[0].offset
    finally:
        c.close()


def json_sink(path, topic, **extra):
    return file_sink_config(path, topic, **{
        "value.converter": JSON, "value.converter.schemas.enable": "false",
        **extra})


def test_default_tolerance_fails_task_with_stage_and_record(worker, mock_broker,
                                                            tmp_path):
    mb = mock_broker("in:1")
    produce(mb.bootstrap, "in", ['"ok"', "{not json", '"after"'])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("snk", json_sink(out, "in"))
    st = w.wait_state("snk", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "Tolerance exceeded in error handler" in trace, trace
    assert "Executing stage 'VALUE_CONVERTER' with class " \
           "'org.apache.kafka.connect.json.JsonConverter'" in trace, trace
    assert "where consumed record is {topic='in', partition=0, offset=1" in trace, trace
    assert "DataException" in trace, trace
    # as in Kafka Connect the failing batch is not put, and no offset
    # moves past the bad record: a restart reads it again
    assert "after" not in lines(out)
    assert committed(mb.bootstrap, "connect-snk", "in") in (0, 1, -1001)


def test_tolerance_all_routes_bad_records_to_dlq_with_context_headers(
        worker, mock_broker, tmp_path):
    mb = mock_broker("in:1", "dlq:1")
    produce(mb.bootstrap, "in", ['{"a":1}', "{broken", '{"a":2}', "[1,", '{"a":3}'])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("snk", json_sink(out, "in", **{
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "dlq",
        "errors.deadletterqueue.context.headers.enable": "true",
        "errors.deadletterqueue.topic.replication.factor": "1"}))
    w.wait_running("snk")
    wait_until(lambda: len(lines(out)) == 3, 30, "3 good records")
    assert lines(out) == ["{a=1}", "{a=2}", "{a=3}"]
    dlq = read_with_headers(mb.bootstrap, "dlq", 2)
    assert [v for _, v, _ in dlq] == [b"{broken", b"[1,"]
    h = dlq[0][2]
    assert h["__connect.errors.topic"] == "in"
    assert h["__connect.errors.partition"] == "0"
    assert h["__connect.errors.offset"] == "1"
    assert dlq[1][2]["__connect.errors.offset"] == "3"
    assert h["__connect.errors.connector.name"] == "snk"
    assert h["__connect.errors.task.id"] == "0"
    assert h["__connect.errors.stage"] == "VALUE_CONVERTER"
    assert h["__connect.errors.class.name"] == JSON
    assert h["__connect.errors.exception.class.name"] == \
        "org.apache.kafka.connect.errors.DataException"
    assert "Converting byte[] to Kafka Connect data failed" in \
        h["__connect.errors.exception.message"]
    assert h["__connect.errors.exception.stacktrace"].startswith(
        "org.apache.kafka.connect.errors.DataException")
    assert w.status("snk")["tasks"][0]["state"] == "RUNNING"
    # every record is accounted for: the group's offset moves past all five
    wait_until(lambda: committed(mb.bootstrap, "connect-snk", "in") == 5, 30,
               "offsets committed past the skipped records")


def test_dlq_without_context_headers_keeps_original_headers_only(
        worker, mock_broker, tmp_path):
    from confluent_kafka import Producer
    mb = mock_broker("in:1", "dlq:1")
    p = Producer({"bootstrap.servers": mb.bootstrap})
    p.produce("in", key=b"k1", value=b"{bad", headers=[("origin", b"x")])
    p.flush(10)
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", json_sink(tmp_path / "out.txt", "in", **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq"}))
    (k, v, h), = read_with_headers(mb.bootstrap, "dlq", 1)
    assert (k, v, h) == (b"k1", b"{bad", {"origin": "x"})


def test_tolerance_all_logs_errors_with_record_details(worker, mock_broker, tmp_path):
    mb = mock_broker("in:1")
    produce(mb.bootstrap, "in", ['"a"', "nope", '"b"'])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("snk", json_sink(out, "in", **{
        "errors.tolerance": "all", "errors.log.enable": "true",
        "errors.log.include.messages": "true"}))
    wait_until(lambda: lines(out) == ["a", "b"], 30, "good records")
    wait_until(lambda: "Error encountered in task snk-0." in w.log(), 10, "error log")
    log = w.log()
    assert "Executing stage 'VALUE_CONVERTER'" in log
    assert "where consumed record is {topic='in', partition=0, offset=1" in log


def test_dlq_topic_consumed_by_the_connector_is_refused(worker, mock_broker, tmp_path):
    mb = mock_broker("in:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    for extra, needle in [
            ({"topics": "in,dlq"}, "may not be included in the list of topics"),
            ({"topics": None, "topics.regex": "d.*"},
             "may not be included in the regex matching the topics")]:
        cfg = json_sink(tmp_path / "o.txt", "in", **{
            "errors.deadletterqueue.topic.name": "dlq"})
        for k, v in extra.items():
            if v is None:
                cfg.pop(k)
            else:
                cfg[k] = v
        r = w.post("/connectors", json={"name": "snk", "config": cfg})
        assert r.status_code == 400, r.text
        assert needle in r.json()["message"], r.text


def test_sink_transforms_reshape_filter_and_route_failures(worker, mock_broker, tmp_path):
    mb = mock_broker("in:1", "dlq:1")
    produce(mb.bootstrap, "in", ['{"user":{"name":"ann"},"n":1}', '{"n":2}',
                                 '"not a map"', '{"user":{"name":"bob"},"n":3}'])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("snk", json_sink(out, "in", **{
        "transforms": "flat,keep",
        "transforms.flat.type": "org.apache.kafka.connect.transforms.Flatten$Value",
        "transforms.flat.delimiter": "_",
        "transforms.keep.type": "ReplaceField$Value",
        "transforms.keep.include": "user_name,n",
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq",
        "errors.deadletterqueue.context.headers.enable": "true"}))
    wait_until(lambda: len(lines(out)) == 3, 30, "3 transformed records")
    assert lines(out) == ["{user_name=ann, n=1}", "{n=2}",
                               "{user_name=bob, n=3}"]
    (_, v, h), = read_with_headers(mb.bootstrap, "dlq", 1)
    assert v == b'"not a map"'
    assert h["__connect.errors.stage"] == "TRANSFORMATION"
    assert h["__connect.errors.class.name"] == \
        "org.apache.kafka.connect.transforms.Flatten$Value"
    wait_until(lambda: committed(mb.bootstrap, "connect-snk", "in") == 4, 30,
               "offsets past every record")


def test_sink_filter_drops_records_and_commits_their_offsets(worker, mock_broker, tmp_path):
    mb = mock_broker("in:1")
    produce(mb.bootstrap, "in", ["keep-1", "drop-me", "keep-2"])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    out = tmp_path / "out.txt"
    w.create("snk", file_sink_config(out, "in", **{
        "transforms": "f", "transforms.f.type": "Filter",
        "transforms.f.predicate": "isin", "transforms.f.negate": "true",
        "predicates": "isin", "predicates.isin.type": "TopicNameMatches",
        "predicates.isin.pattern": "nothing-matches"}))
    # negate on a predicate that never matches: Filter drops everything
    wait_until(lambda: committed(mb.bootstrap, "connect-snk", "in") == 3, 30,
               "offsets past the filtered records")
    assert lines(out) == []


def test_source_transform_failure_tolerated_or_fails_task(worker, mock_broker, tmp_path):
    mb = mock_broker("ts:1", "ts2:1")
    src = tmp_path / "in.txt"
    src.write_text("2024-01-02\ngarbage\n2024-01-03\n")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    conv = {"transforms": "ts",
            "transforms.ts.type": "TimestampConverter$Value",
            "transforms.ts.target.type": "unix",
            "transforms.ts.format": "yyyy-MM-dd"}
    w.create("tolerant", file_source_config(src, "ts", **conv, **{
        "errors.tolerance": "all", "errors.log.enable": "true"}))
    recs = read_with_headers(mb.bootstrap, "ts", 2)
    assert [v for _, v, _ in recs] == [b"1704153600000", b"1704240000000"]
    wait_until(lambda: "Executing stage 'TRANSFORMATION' with class "
               "'org.apache.kafka.connect.transforms.TimestampConverter$Value'" in w.log(),
               10, "logged transform error")
    w.create("strict", file_source_config(src, "ts2", **conv))
    st = w.wait_state("strict", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "Tolerance exceeded in error handler" in trace, trace
    assert "TimestampConverter$Value" in trace, trace
    assert "where source record is" in trace, trace


AVRO = "io.confluent.connect.avro.AvroConverter"


class FakeRegistry:
    """A Schema Registry stand-in on a fixed port, started late to play a
    registry that was down: one string schema, id 1."""

    def __init__(self, port):
        import http.server
        import threading

        class H(http.server.BaseHTTPRequestHandler):
            def _send(self, body):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._send({"schema": '"string"'})

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._send({"id": 1})

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def avro_string(s):
    """Confluent wire format of an Avro "string" under schema id 1."""
    b = s.encode()
    return b"\x00\x00\x00\x00\x01" + bytes([len(b) << 1]) + b


def test_retriable_registry_outage_is_retried_then_succeeds(worker, mock_broker, tmp_path):
    from conftest import free_port
    import time
    port = free_port()
    mb = mock_broker("in:1", "out:1")
    produce(mb.bootstrap, "in", [avro_string("hello"), avro_string("world")])
    src = tmp_path / "in.txt"
    src.write_text("one\ntwo\nthree\n")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    reg = {"value.converter": AVRO,
           "value.converter.schema.registry.url": f"http://127.0.0.1:{port}",
           "errors.retry.timeout": "60000", "errors.retry.delay.max.ms": "500"}
    out = tmp_path / "out.txt"
    w.create("snk", file_sink_config(out, "in", **reg))
    w.create("src", file_source_config(src, "out", **reg))
    time.sleep(3)  # both tasks meet the outage and wait to retry
    assert lines(out) == []
    for n in ("snk", "src"):
        assert w.status(n)["tasks"][0]["state"] == "RUNNING", w.status(n)
    fake = FakeRegistry(port)
    try:
        wait_until(lambda: lines(out) == ["hello", "world"], 30, "sink after the outage")
        recs = read_with_headers(mb.bootstrap, "out", 3)
        assert [v for _, v, _ in recs] == [avro_string(x) for x in ("one", "two", "three")]
    finally:
        fake.stop()


def test_retry_budget_spent_fails_task_with_retriable_cause(worker, mock_broker, tmp_path):
    from conftest import free_port
    mb = mock_broker("in:1")
    produce(mb.bootstrap, "in", [avro_string("x")])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", file_sink_config(tmp_path / "out.txt", "in", **{
        "value.converter": AVRO,
        "value.converter.schema.registry.url": f"http://127.0.0.1:{free_port()}",
        "errors.retry.timeout": "1500", "errors.retry.delay.max.ms": "200"}))
    st = w.wait_state("snk", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "Tolerance exceeded in error handler" in trace, trace
    assert "RetriableException" in trace, trace


def test_source_tolerates_records_the_producer_rejects(worker, mock_broker, tmp_path):
    """KIP-779: with errors.tolerance=all a record Kafka refuses for good
    is logged and skipped; the task goes on and its offsets advance."""
    mb = mock_broker("prod:1")
    # the next produce request is rejected with MSG_SIZE_TOO_LARGE (10)
    assert mb.control("err 0 10").startswith("OK")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "producer.enable.idempotence": "false"})
    src = tmp_path / "in.txt"
    src.write_text("lost-1\n")
    w.create("src", file_source_config(src, "prod", **{
        "errors.tolerance": "all", "errors.log.enable": "true"}))
    wait_until(lambda: "Executing stage 'KAFKA_PRODUCE'" in w.log(), 30,
               "the rejected record logged")
    with open(src, "a") as f:
        f.write("kept-2\n")
    recs = read_with_headers(mb.bootstrap, "prod", 1)
    assert recs[0][1] == b"kept-2"
    assert w.status("src")["tasks"][0]["state"] == "RUNNING"
    wait_until(lambda: w.get("/connectors/src/offsets").json()["offsets"] and
               w.get("/connectors/src/offsets").json()["offsets"][0]["offset"]
               ["position"] == 14, 30, "offset past both lines")
