"""HttpSinkConnector against a recording HTTP target (http_target.py):
batching and framing, headers and auth, JSON bodies, retries after 5xx,
exhausted retries failing the task without committing past undelivered
records, behavior.on.error=log, and config validation."""

import base64
import json
import time

import pytest

from conftest import JSON_CONVERTER, produce
from http_target import HttpTarget

HTTP_SINK = "io.confluent.connect.http.HttpSinkConnector"


@pytest.fixture
def target():
    t = HttpTarget()
    yield t
    t.close()


def committed(bootstrap, group, topic, partition=0):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return c.committed([TopicPartition(topic, partition)],
                           timeout=10)[0].offset
    finally:
        c.close()


def sink_config(target, topic, **extra):
    cfg = {"connector.class": HTTP_SINK, "topics": topic, "tasks.max": "1",
           "http.api.url": target.url("/api/messages"),
           "retry.backoff.ms": "50", "http.request.timeout.ms": "5000",
           "http.connect.timeout.ms": "2000"}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg


def split_batch(body, prefix, suffix, sep):
    text = body.decode()
    assert text.startswith(prefix) and text.endswith(suffix), text
    inner = text[len(prefix):len(text) - len(suffix)]
    return inner.split(sep)


def test_batches_with_prefix_suffix_separator_headers_and_auth(
        mock_broker, worker, target):
    mb = mock_broker("hs:1")
    values = [f"rec-{i:02d}" for i in range(10)]
    produce(mb.bootstrap, "hs", values)
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hsink", sink_config(
        target, "hs", **{"batch.max.size": 4, "batch.prefix": "<<",
                         "batch.suffix": ">>", "batch.separator": ";",
                         "headers": "X-Api-Key: secret | X-Team:data",
                         "auth.type": "BASIC", "connection.user": "ann",
                         "connection.password": "pw:1"}))

    def all_delivered(reqs):
        got = [v for r in reqs if r.status == 200
               for v in split_batch(r.body, "<<", ">>", ";")]
        return got if len(got) >= 10 else None
    got = target.wait_for(all_delivered, 30, "10 records delivered")
    assert got == values  # in order, each once
    reqs = target.requests()
    assert all(r.status == 200 for r in reqs)
    assert all(len(split_batch(r.body, "<<", ">>", ";")) <= 4 for r in reqs)
    assert len(reqs) >= 3  # 10 records, at most 4 a request
    for r in reqs:
        assert r.method == "POST" and r.path == "/api/messages"
        assert r.headers["x-api-key"] == "secret"
        assert r.headers["x-team"] == "data"
        assert r.headers["authorization"] == \
            "Basic " + base64.b64encode(b"ann:pw:1").decode()
        assert r.headers["content-type"].startswith("text/plain")
    assert w.status("hsink")["tasks"][0]["state"] == "RUNNING"


def test_json_values_as_array_with_put(mock_broker, worker, target):
    mb = mock_broker("hj:1")
    docs = [{"id": i, "name": f"n{i}", "tags": ["a", "b"], "ok": i % 2 == 0}
            for i in range(6)]
    produce(mb.bootstrap, "hj", [json.dumps(d) for d in docs])
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hjson", sink_config(
        target, "hj", **{"request.method": "PUT", "batch.max.size": 100,
                         "request.body.format": "json",
                         "batch.json.as.array": "true",
                         "value.converter": JSON_CONVERTER,
                         "value.converter.schemas.enable": "false"}))

    def delivered(reqs):
        got = [d for r in reqs for d in json.loads(r.body)]
        return got if len(got) >= 6 else None
    got = target.wait_for(delivered, 30, "6 JSON records")
    assert got == docs
    for r in target.requests():
        assert r.method == "PUT"
        assert r.headers["content-type"] == "application/json"
        assert isinstance(json.loads(r.body), list)


def test_retries_after_503_deliver_everything_once(mock_broker, worker,
                                                   target):
    mb = mock_broker("hr:1")
    values = [f"v{i}" for i in range(8)]
    produce(mb.bootstrap, "hr", values)
    target.fail_next(3, 503, "busy")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hretry", sink_config(target, "hr", **{"batch.max.size": 8,
                                                   "max.retries": 5}))

    def delivered(reqs):
        got = [v for r in reqs if r.status == 200
               for v in r.body.decode().split(",")]
        return got if len(got) >= 8 else None
    target.wait_for(delivered, 30, "8 records accepted")
    produce(mb.bootstrap, "hr", ["late"])
    got = target.wait_for(
        lambda reqs: (lambda g: g if "late" in g else None)(
            [v for r in reqs if r.status == 200
             for v in r.body.decode().split(",")]),
        30, "the late record")
    assert got == values + ["late"]  # no loss, no duplicate
    failed = [r for r in target.requests() if r.status == 503]
    assert len(failed) == 3
    # the failed requests carried the records the retry then delivered
    assert all(set(r.body.decode().split(",")) <= set(values) for r in failed)
    assert w.status("hretry")["tasks"][0]["state"] == "RUNNING"
    assert "retry 1/5" in w.log()


def test_exhausted_retries_fail_task_and_keep_offsets(mock_broker, worker,
                                                      target):
    mb = mock_broker("hf:1")
    produce(mb.bootstrap, "hf", ["a", "b", "c"])
    target.fail_always(500, "boom: database is down")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hfail", sink_config(target, "hf", **{"batch.max.size": 10,
                                                  "max.retries": 2}))
    st = w.wait_state("hfail", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "Exhausted retries" in trace, trace
    assert "HTTP 500" in trace and "boom: database is down" in trace, trace
    assert "hf-0@0" in trace, trace
    assert len(target.requests()) == 3  # the first attempt and 2 retries
    assert not target.accepted()
    # nothing was delivered, so nothing is committed past the records
    assert committed(mb.bootstrap, "connect-hfail", "hf") in (0, -1001)

    # the target recovers; a restarted task delivers the same records
    target.ok()
    assert w.post("/connectors/hfail/tasks/0/restart").status_code in (200, 204)
    got = target.wait_for(
        lambda reqs: [v for r in reqs if r.status == 200
                      for v in r.body.decode().split(",")] or None,
        30, "records after restart")
    w.wait_running("hfail")
    target.wait_for(
        lambda reqs: len([v for r in reqs if r.status == 200
                          for v in r.body.decode().split(",")]) >= 3,
        30, "3 records after restart")
    got = [v for r in target.accepted() for v in r.body.decode().split(",")]
    assert got == ["a", "b", "c"]


def test_backing_off_sink_does_not_stall_its_shard(mock_broker, worker,
                                                   target):
    """While one HTTP sink waits out a long back-off, another task on the
    same (single) shard keeps delivering; the waiting one then delivers
    its records once."""
    mb = mock_broker("hslow:1", "hfast:1")
    produce(mb.bootstrap, "hslow", ["s1", "s2", "s3"])
    target.fail_next(1, 503, "busy")
    healthy = HttpTarget()
    try:
        w = worker.start({"bootstrap.servers": mb.bootstrap,
                          "shard.count": "1"})
        w.create("hslow", sink_config(target, "hslow", **{
            "batch.max.size": 10, "max.retries": 3,
            "retry.backoff.ms": 16000,
            "retry.backoff.policy": "CONSTANT_VALUE"}))
        target.wait_for(lambda reqs: len(reqs) >= 1, 30, "the failed request")
        failed_at = time.monotonic()

        w.create("hfast", sink_config(healthy, "hfast"))
        produce(mb.bootstrap, "hfast", ["f1", "f2"])
        healthy.wait_for(lambda reqs: len(reqs) >= 2, 12, "2 fast records")
        produce(mb.bootstrap, "hfast", ["f3"])
        healthy.wait_for(lambda reqs: len(reqs) >= 3, 12, "the 3rd fast record")
        # all of it happened while the slow sink was still backing off
        # (generous: a loaded 2-core CI box joins groups slowly)
        assert time.monotonic() - failed_at < 15.5
        assert len(target.requests()) == 1
        assert [r.body for r in healthy.accepted()] == [b"f1", b"f2", b"f3"]
        assert w.status("hslow")["tasks"][0]["state"] == "RUNNING"

        got = target.wait_for(
            lambda reqs: [v for r in reqs if r.status == 200
                          for v in r.body.decode().split(",")] or None,
            30, "the slow records after the back-off")
        assert time.monotonic() - failed_at >= 15.5
        time.sleep(1)
        got = [v for r in target.accepted() for v in r.body.decode().split(",")]
        assert got == ["s1", "s2", "s3"]
        assert len(target.requests()) == 2
        assert "retry 1/3 in 16000 ms" in w.log()
    finally:
        healthy.close()


def test_non_retriable_status_logged_and_skipped(mock_broker, worker, target):
    mb = mock_broker("hl:1")
    produce(mb.bootstrap, "hl", ["x1", "x2", "x3"])
    target.fail_next(1, 400, "bad payload")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hlog", sink_config(target, "hl", **{
        "retry.on.status.codes": "500-", "behavior.on.error": "log",
        "max.retries": 5}))
    target.wait_for(lambda reqs: len(reqs) >= 3, 30, "3 requests")
    reqs = target.requests()
    assert [(r.status, r.body) for r in reqs] == \
        [(400, b"x1"), (200, b"x2"), (200, b"x3")]  # 400 is not retried
    assert w.status("hlog")["tasks"][0]["state"] == "RUNNING"
    assert "bad payload" in w.log()
    w.wait_for(lambda: committed(mb.bootstrap, "connect-hlog", "hl") == 3,
               20, "offsets committed past the skipped record")


def validate(w, cfg):
    r = w.put("/connector-plugins/HttpSinkConnector/config/validate",
              json=cfg)
    assert r.status_code == 200, r.text
    body = r.json()
    errors = {c["value"]["name"]: c["value"]["errors"]
              for c in body["configs"] if c["value"]["errors"]}
    return body["error_count"], errors


def test_config_validation(mock_broker, worker, target):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    good = sink_config(target, "t")
    good["name"] = "v"
    assert validate(w, good) == (0, {})

    missing = dict(good)
    del missing["http.api.url"]
    n, errors = validate(w, missing)
    assert n >= 1 and "http.api.url" in errors, errors

    n, errors = validate(w, dict(good, **{"request.method": "GET"}))
    assert n >= 1 and "request.method" in errors, errors

    n, errors = validate(w, dict(good, **{
        "http.api.url": "https://example.com/x",
        "retry.on.status.codes": "500-,abc",
        "behavior.on.error": "explode",
        "headers": "Content-Type=application/json",
        "auth.type": "BASIC"}))
    assert "https is not supported" in " ".join(errors["http.api.url"])
    assert "abc" in " ".join(errors["retry.on.status.codes"])
    assert "behavior.on.error" in errors
    assert "not name:value" in " ".join(errors["headers"])
    assert "connection.user" in errors
    assert n >= 5

    del missing["name"]
    del good["name"]
    r = w.post("/connectors", json={"name": "bad", "config": missing})
    assert r.status_code == 400, r.text
    assert "http.api.url" in r.text
    r = w.post("/connectors", json={"name": "bad2", "config": dict(
        good, **{"request.method": "DELETE"})})
    assert r.status_code == 400, r.text
    assert "request.method" in r.text


def test_retried_put_does_not_dead_letter_twice(mock_broker, worker, target):
    """A record the converter rejected goes to the dead letter queue once,
    even though the put around it is retried after 503s."""
    from conftest import consume_all
    mb = mock_broker("hd:1", "hd-dlq:1")
    produce(mb.bootstrap, "hd", ['"a"', "{not json", '"b"'])
    target.fail_next(2, 503, "busy")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("hdlq", sink_config(target, "hd", **{
        "batch.max.size": 10, "max.retries": 5,
        "value.converter": JSON_CONVERTER,
        "value.converter.schemas.enable": "false",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "hd-dlq",
        "errors.deadletterqueue.topic.replication.factor": "1"}))
    target.wait_for(lambda reqs: [r for r in reqs if r.status == 200] or None,
                    30, "the batch accepted")
    assert consume_all(mb.bootstrap, "hd-dlq", 1) == [b"{not json"]
    time.sleep(1.5)  # a second dead letter would have come by now
    assert consume_all(mb.bootstrap, "hd-dlq", 1) == [b"{not json"]
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": mb.bootstrap, "group.id": "wm"})
    try:
        assert c.get_watermark_offsets(TopicPartition("hd-dlq", 0), 10)[1] == 1
    finally:
        c.close()
