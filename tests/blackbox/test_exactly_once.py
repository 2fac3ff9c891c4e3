"""Exactly-once source mode (KIP-618) as far as the mock broker allows.

The librdkafka 2.0.2 mock accepts every transactional call but keeps no
transaction semantics: aborted and open transactions are visible to every
reader and nothing is fenced (see shared/ref/mock-broker.md). So these
tests check what a client can see: the preflight checks, that tasks really
run transactions (the mock logs each request it receives), that records
and their offsets are written together and resume exactly after a clean
restart, that retriable transaction errors are retried, and that a fatal
one fails the task clearly and a restart resumes from the committed
offsets. Duplicates after a kill -9 are counted and bounded by what one
transaction can hold (on a real broker read_committed readers would see
none)."""

import json
import re
import time
import uuid
from pathlib import Path

from conftest import Cluster, file_source_config, wait_until
from test_distributed import Appender, task_owner, wait_values

EOS = {"exactly.once.source.support": "enabled"}
BATCH = 500  # file source batch.size: the records one poll (one transaction) holds


def eos_cluster(mock_broker, worker, request, n=1, topics=(), props=None):
    tops = ["connect-configs:1", "connect-offsets:25", "connect-status:5"]
    mb = mock_broker(*tops, *topics, extra_args=("-d", "mock"))
    name = re.sub(r"[^A-Za-z0-9]", "-", request.node.name)[:50]
    c = Cluster(worker, mb, "connect", f"{name}-{uuid.uuid4().hex[:8]}",
                dict(EOS, **(props or {})))
    c.start(n)
    return c


def requests_seen(mb, api):
    """How many <api>Request the mock received (its debug log)."""
    text = Path(mb.stderr_path).read_text(encoding="utf-8", errors="replace")
    return text.count(f"Received {api}Request")


def offsets_records(bootstrap, topic, connector):
    """(key, value) JSON pairs of connector in the offsets topic."""
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex,
                  "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10).topics[topic]
        parts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in md.partitions]
        c.assign(parts)
        ends = {p.partition: c.get_watermark_offsets(p, timeout=10)[1] for p in parts}
        out, pos = [], {p: 0 for p in ends}
        deadline = time.monotonic() + 20
        while any(pos[p] < ends[p] for p in ends) and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            pos[m.partition()] = m.offset() + 1
            k = json.loads(m.key())
            if k[0] == connector:
                out.append((k, json.loads(m.value()) if m.value() else None))
        return out
    finally:
        c.close()


def test_required_is_refused_without_worker_support(worker, tmp_path):
    w = worker.start()
    cfg = file_source_config(tmp_path / "in.txt", "t", **{"exactly.once.support": "required"})
    r = w.put("/connector-plugins/FileStreamSourceConnector/config/validate",
              json=dict(cfg, name="x"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["error_count"] == 1, body
    errs = [v for v in body["configs"] if v["value"]["name"] == "exactly.once.support"]
    assert "does not have exactly-once source support enabled" in \
        errs[0]["value"]["errors"][0]
    r = w.post("/connectors", json={"name": "x", "config": cfg})
    assert r.status_code == 400 and "exactly-once" in r.json()["message"], r.text
    # requested (the default) is fine without support: at-least-once
    cfg["exactly.once.support"] = "requested"
    assert w.post("/connectors", json={"name": "x", "config": cfg}).status_code == 201


def test_preflight_checks_with_worker_support(mock_broker, worker, request, tmp_path):
    c = eos_cluster(mock_broker, worker, request)
    w = c.any()

    def errors(cfg, key):
        r = w.put(f"/connector-plugins/{cfg['connector.class']}/config/validate",
                  json=dict(cfg, name="p"))
        assert r.status_code == 200, r.text
        return [e for v in r.json()["configs"] if v["value"]["name"] == key
                for e in v["value"]["errors"]]

    ok = file_source_config(tmp_path / "in.txt", "t", **{"exactly.once.support": "required"})
    assert errors(ok, "exactly.once.support") == []
    stdin = dict(ok)
    stdin.pop("file")
    assert "does not support exactly-once semantics" in \
        errors(stdin, "exactly.once.support")[0]
    # a connector without the preflight API
    no_api = {"connector.class": "MirrorSourceConnector", "exactly.once.support": "required",
              "source.cluster.bootstrap.servers": c.bootstrap}
    assert "does not implement the API required for preflight validation" in \
        errors(no_api, "exactly.once.support")[0]
    conn = dict(ok, **{"transaction.boundary": "connector"})
    assert "connector-defined transaction boundaries" in \
        errors(conn, "transaction.boundary")[0]
    bad = dict(ok, **{"transaction.boundary": "sometimes"})
    assert errors(bad, "transaction.boundary"), "an unknown boundary must be refused"


def test_bad_worker_value_exits_with_message(mock_broker, worker, tmp_path):
    mb = mock_broker("connect-configs:1", "connect-offsets:25", "connect-status:5")
    w = worker.start({"bootstrap.servers": mb.bootstrap, "group.id": "g-bad",
                      "exactly.once.source.support": "maybe"},
                     mode="distributed", wait=False)
    assert w.proc.wait(30) != 0
    assert "exactly.once.source.support" in w.log(), w.log()


def test_records_and_offsets_commit_in_transactions(mock_broker, worker, request,
                                                    tmp_path):
    c = eos_cluster(mock_broker, worker, request, n=2, topics=("eo:1",))
    inp = tmp_path / "in.txt"
    app = Appender(inp, "eo")
    app.append(300)
    c.create("src", file_source_config(inp, "eo", **{"exactly.once.support": "required",
                                                      "batch.size": BATCH}))
    c.wait_running("src", ntasks=1)
    values = wait_values(c.bootstrap, "eo", app.lines, 60, c.log_tails)
    assert values == app.lines, "every record once, in order"
    app.append(200)
    values = wait_values(c.bootstrap, "eo", app.lines, 60, c.log_tails)
    assert values == app.lines

    mb = c.broker
    assert requests_seen(mb, "InitProducerId") >= 1
    assert requests_seen(mb, "AddPartitionsToTxn") >= 1
    assert requests_seen(mb, "EndTxn") >= 2, "one transaction per poll batch"
    owner = c.by_id(task_owner(c.status("src")))
    assert "exactly-once source task, transaction boundary poll" in owner.log()

    size = inp.stat().st_size
    # the offsets went to the offsets topic with the records: the newest
    # one is the file's end, and every worker's REST view agrees
    recs = offsets_records(c.bootstrap, c.offset_topic, "src")
    assert recs and recs[-1][1] == {"position": size}, recs[-3:]
    for w in c.live:
        wait_until(lambda: w.get("/connectors/src/offsets").json()["offsets"][0]
                   ["offset"] == {"position": size}, 30, f"offsets on {w.worker_id}")

    # a clean restart of the task resumes exactly where the last
    # transaction ended: no duplicate at all
    c.write("POST", "/connectors/src/restart?includeTasks=true")
    c.wait_running("src", ntasks=1)
    app.append(100)
    values = wait_values(c.bootstrap, "eo", app.lines, 60, c.log_tails)
    time.sleep(1.0)
    values = wait_values(c.bootstrap, "eo", app.lines, 60, c.log_tails)
    assert values == app.lines, f"{len(values) - len(app.lines)} duplicates"


def test_interval_boundary_groups_polls(mock_broker, worker, request, tmp_path):
    c = eos_cluster(mock_broker, worker, request, topics=("iv:1",))
    inp = tmp_path / "in.txt"
    app = Appender(inp, "iv")
    app.append(10)
    c.create("src", file_source_config(inp, "iv", **{
        "transaction.boundary": "interval",
        "transaction.boundary.interval.ms": "3000", "batch.size": 5}))
    c.wait_running("src", ntasks=1)
    wait_values(c.bootstrap, "iv", app.lines, 60, c.log_tails)
    before = requests_seen(c.broker, "EndTxn")
    # 40 small polls (batch.size 5) within about two intervals
    app.start(per_tick=5, tick=0.1)
    time.sleep(4.0)
    app.stop()
    values = wait_values(c.bootstrap, "iv", app.lines, 60, c.log_tails)
    assert values == app.lines
    txns = requests_seen(c.broker, "EndTxn") - before
    polls = len(app.lines) // 5
    assert 1 <= txns <= 4 < polls, f"{txns} transactions for {polls} polls"


def test_retriable_commit_errors_are_retried(mock_broker, worker, request, tmp_path):
    c = eos_cluster(mock_broker, worker, request, topics=("rt:1",))
    inp = tmp_path / "in.txt"
    app = Appender(inp, "rt")
    app.append(50)
    c.create("src", file_source_config(inp, "rt", **{"batch.size": BATCH}))
    c.wait_running("src", ntasks=1)
    wait_values(c.bootstrap, "rt", app.lines, 60, c.log_tails)
    # EndTxn (ApiKey 26): CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE
    assert c.broker.control("err 26 51 15 51").startswith("OK")
    app.append(50)
    values = wait_values(c.bootstrap, "rt", app.lines, 60, c.log_tails)
    time.sleep(1.0)
    values = wait_values(c.bootstrap, "rt", app.lines, 60, c.log_tails)
    assert values == app.lines
    assert c.status("src")["tasks"][0]["state"] == "RUNNING"


def test_fenced_producer_fails_task_and_restart_resumes(mock_broker, worker, request,
                                                        tmp_path):
    c = eos_cluster(mock_broker, worker, request, topics=("fz:1",))
    inp = tmp_path / "in.txt"
    app = Appender(inp, "fz")
    app.append(50)
    c.create("src", file_source_config(inp, "fz", **{"batch.size": BATCH}))
    c.wait_running("src", ntasks=1)
    wait_values(c.bootstrap, "fz", app.lines, 60, c.log_tails)
    # another producer took the transactional id (PRODUCER_FENCED = 90):
    # fatal for this producer, never retried
    assert c.broker.control("err 26 90").startswith("OK")
    app.append(50)

    def failed():
        st = c.status("src")["tasks"][0]
        return st if st["state"] == "FAILED" else None
    st = c.wait_for(failed, 60, "task FAILED after the fencing error")
    assert "transaction" in st["trace"].lower(), st["trace"]
    c.write("POST", "/connectors/src/restart?includeTasks=true&onlyFailed=true")
    c.wait_running("src", ntasks=1)
    app.append(50)
    values = wait_values(c.bootstrap, "fz", app.lines, 60, c.log_tails)
    # the failed transaction's records are visible on the mock (no
    # abort markers): at most that one transaction again
    dups = len(values) - len(set(values))
    assert dups <= 50, f"{dups} duplicates"
    assert sorted(set(values)) == sorted(app.lines)


def test_kill9_mid_ingest_loses_nothing(mock_broker, worker, request, tmp_path):
    c = eos_cluster(mock_broker, worker, request, n=2, topics=("kx:1",))
    inp = tmp_path / "in.txt"
    app = Appender(inp, "kx")
    app.append(200)
    c.create("src", file_source_config(inp, "kx", **{"batch.size": BATCH}))
    c.wait_running("src", ntasks=1)
    wait_values(c.bootstrap, "kx", app.lines, 60, c.log_tails)
    app.start()
    time.sleep(1.5)
    victim = c.by_id(task_owner(c.status("src")))
    victim.kill9()
    c.wait_running("src", ntasks=1, timeout=60,
                   predicate=lambda st: task_owner(st) != victim.worker_id)
    time.sleep(1.0)
    app.stop()
    app.append(50)
    values = wait_values(c.bootstrap, "kx", app.lines, 90, c.log_tails)
    dups = len(values) - len(set(values))
    # only the transaction open at the kill can come again (visible on the
    # mock, invisible to read_committed on a real broker)
    assert dups <= BATCH, f"{dups} duplicates"
    assert set(values) == set(app.lines)


def test_dropped_tasks_are_fenced(mock_broker, worker, request):
    c = eos_cluster(mock_broker, worker, request, topics=("dg:2",))
    cfg = {"connector.class": "DataGenSourceConnector", "topic": "dg", "tasks.max": "2",
           "count": "200", "batch.size": "50"}
    c.create("gen", cfg)
    c.wait_running("gen", ntasks=2)
    inits = requests_seen(c.broker, "InitProducerId")
    c.write("PUT", "/connectors/gen/config", json=dict(cfg, **{"tasks.max": "1"}))
    c.wait_running("gen", ntasks=1)
    line = f"Fenced the transactional producer {c.group_id}-gen-1 of a removed task"
    c.wait_for(lambda: any(line in w.log() for w in c.live), 30, "gen-1 fenced")
    assert requests_seen(c.broker, "InitProducerId") > inits
    # a growing connector fences nothing: its new tasks fence their own ids
    c.write("PUT", "/connectors/gen/config", json=dict(cfg, **{"tasks.max": "2"}))
    c.wait_running("gen", ntasks=2)
    assert sum(w.log().count("Fenced the transactional producer") for w in c.live) == 1
