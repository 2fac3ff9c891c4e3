"""Fault tests: kill -9 mid-ingest, broker down/up, injected produce, fetch
and offset-commit errors. Every test moves uniquely numbered records
through a real pipeline and checks afterwards that no record is lost, and
counts the duplicates against an explicit bound (fault_check.py explains
the accounting). Run with -s (or -rP) to see one "FAULT-DUPS" line per
check.

Ingest is slowed with the mock's `rtt` (every request answered that much
later) and small producer batches, so a fault lands while thousands of
records are in flight rather than after the run finished.

Two fixes in src/worker/source_batch.c came out of these tests: a task
whose delivery failed for good purges its producer's queue (one rejected
request duplicated up to the whole queue after the restart: 47,900 of
60,000 records), and a fatal producer error fails the task even with
errors.tolerance=all (KIP-779 otherwise skipped every later record).

Related tests elsewhere: test_file_pipeline.py::test_kill9_at_least_once
(one kill, set check), test_distributed.py::test_kill9_failover_* (the
failover time bound), test_failures.py::test_failed_delivery_commits_no_offset
(a record never delivered commits nothing), test_errors.py (KIP-779 skip),
test_shutdown.py (stop with Kafka gone).
"""

import json
import re
import time

import pytest

from conftest import count_lines, file_sink_config, write_json
from fault_check import (Tally, datagen_seq, end_offsets, file_source_offset,
                         file_tokens, file_uncommitted, group_committed,
                         produce_numbered, read_records, report,
                         settled_size, sink_replays, uncommitted_written)

THROTTLE_MS = 30       # mock rtt while ingesting
BATCH = 100            # records per producer request (batch.num.messages)


def datagen_config(topic, count, **extra):
    cfg = {"connector.class": "DataGenSource", "tasks.max": "1",
           "topic": topic, "count": str(count), "record.size": "40",
           "batch.size": "2000",
           "producer.override.batch.num.messages": str(BATCH),
           # spread records evenly: the mock keeps only 5 MiB per partition
           "producer.override.sticky.partitioning.linger.ms": "0"}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg


def rest_seq(w, name):
    offs = w.get(f"/connectors/{name}/offsets").json()["offsets"]
    return offs[0]["offset"]["seq"] if offs else 0


def resumed_at(log, topic):
    """Where each (re)started DataGen task of topic resumed, in order."""
    return [int(x) for x in re.findall(
        rf"DataGenSourceTask: {re.escape(topic)}-0: resuming at record (\d+)",
        log)]


def restart_and_resume(w, name, topic, committed):
    """POST restart?includeTasks=true&onlyFailed=true, then the offset the
    new task resumed at. Closing the failed task may still commit batches
    delivered before the failing one (never past it), so that offset is
    at least the one committed when the task failed."""
    before = len(resumed_at(w.log(), topic))
    restart_ms = time.time() * 1000
    r = w.post(f"/connectors/{name}/restart",
               params={"includeTasks": "true", "onlyFailed": "true"})
    assert r.status_code == 202, r.text
    at = w.wait_for(lambda: resumed_at(w.log(), topic)[before:], 30,
                    "the restarted task resuming")[0]
    assert at >= committed, \
        f"resumed at {at}, before the offset {committed} committed earlier"
    return restart_ms, at


# ---------------------------------------------------------------- kill -9

def test_kill9_standalone_source_resumes_at_committed_offset(
        mock_broker, worker, tmp_path):
    """DataGen -> Kafka, kill -9 three times mid-ingest. Each restart must
    resume exactly at the offset the offsets file held: the duplicates are
    exactly the records written but not committed at each kill."""
    n, kills = 100_000, 3
    mb = mock_broker("k9src:4")
    assert mb.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    conn = write_json(tmp_path / "gen.json",
                      {"name": "gen", "config": datagen_config("k9src", n)})
    offsets = tmp_path / "offsets.json"
    props = {"bootstrap.servers": mb.bootstrap,
             "offset.flush.interval.ms": "500"}
    w = worker.start(props, [conn])
    part = {"datagen": "k9src-0"}
    kill_ms, committed = [], []
    for k in range(kills):
        # each run gets a sixth of the records further than the last
        goal = (committed[-1] if committed else 0) + n // 6
        w.wait_for(lambda: rest_seq(w, "gen") >= goal, 60,
                   f"{goal} records delivered", interval=0.02)
        assert rest_seq(w, "gen") < n, "ingest finished before the kill"
        w.kill9()
        kill_ms.append(time.time() * 1000)
        off = file_source_offset(offsets, "gen", part)
        committed.append(off["seq"] if off else 0)
        w = w.restart()
        if committed[-1]:
            assert w.wait_for(lambda: resumed_at(w.log(), "k9src"), 30,
                              "the task resuming") == [committed[-1]]
    w.wait_for(lambda: rest_seq(w, "gen") == n, 120, "all records delivered")
    assert w.status("gen")["tasks"][0]["state"] == "RUNNING"
    assert mb.control("rtt 1 0").startswith("OK")

    recs = read_records(mb.bootstrap, "k9src")
    tally = Tally("topic k9src", [datagen_seq(r[4]) for r in recs], n)
    tally.assert_complete(w.log_tail())
    uncommitted = uncommitted_written(recs, kill_ms, committed)
    bound = sum(uncommitted)
    report("kill9_standalone_source", "topic", tally.duplicates, bound,
           f"written but uncommitted at each kill: {uncommitted}, "
           f"committed at the kills: {committed}")
    assert bound > 0, "no kill hit records in flight: the test proves nothing"
    assert tally.duplicates == bound, (
        f"{tally.summary()}; expected exactly the {bound} records written "
        f"but not committed at the kills {uncommitted} (committed offsets "
        f"{committed}): a restart did not resume at the committed offset")


def test_kill9_standalone_sink_resumes_at_committed_offsets(
        mock_broker, worker, tmp_path):
    """Kafka -> FileStreamSink, kill -9 three times mid-ingest. Each
    restart resumes every partition at the group's committed offset: the
    duplicates in the file are exactly the lines written past the
    committed offsets at each kill."""
    n, parts, kills = 80_000, 4, 3
    mb = mock_broker(f"k9snk:{parts}")
    produce_numbered(mb.bootstrap, "k9snk", parts, 0, n)
    assert mb.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    out = tmp_path / "out.txt"
    conn = write_json(tmp_path / "snk.json",
                      {"name": "snk",
                       "config": file_sink_config(out, "k9snk")})
    props = {"bootstrap.servers": mb.bootstrap,
             "offset.flush.interval.ms": "500",
             # the killed member leaves the group after this long (the
             # mock's first join takes 3 s: a shorter session never joins)
             "consumer.session.timeout.ms": "3000",
             "consumer.heartbeat.interval.ms": "1000"}
    w = worker.start(props, [conn])
    sizes, uncommitted, committed = [0], [], []
    for k in range(1, kills + 1):
        w.wait_for(lambda: count_lines(out) >= k * n // (kills + 1), 90,
                   f"{k * n // (kills + 1)} lines written", interval=0.02)
        w.kill9()
        size = settled_size(out)
        c = group_committed(mb.bootstrap, "connect-snk", "k9snk", parts)
        data = out.read_bytes()[sizes[-1]:size]
        assert len(set(file_tokens(out.read_bytes()[:size])[0])) < n, \
            "the sink finished before the kill"
        uncommitted.append(file_uncommitted(data, c, parts))
        committed.append(sum(c.values()))
        sizes.append(size)
        w = w.restart()

    def complete():
        seqs, _ = file_tokens(out.read_bytes())
        return len(set(seqs)) == n
    w.wait_for(complete, 120, "every record in the sink file", interval=0.5)
    assert w.status("snk")["tasks"][0]["state"] == "RUNNING"
    seqs, garbage = file_tokens(out.read_bytes())
    tally = Tally("file", seqs, n)
    tally.assert_complete(w.log_tail())
    bound = sum(uncommitted)
    report("kill9_standalone_sink", "file", tally.duplicates, bound,
           f"written past the committed offsets at each kill: {uncommitted}, "
           f"records committed at the kills: {committed}, cut lines: "
           f"{garbage}")
    assert garbage <= kills, f"{garbage} damaged lines for {kills} kills"
    assert bound > 0, \
        "no kill hit uncommitted records: the test proves nothing"
    assert tally.duplicates == bound, (
        f"{tally.summary()}; expected exactly the {bound} lines written past "
        f"the committed offsets at the kills {uncommitted}: a restart did "
        f"not resume at the committed offsets")


def test_kill9_distributed_worker_mid_ingest(cluster, tmp_path):
    """Two distributed workers run DataGen -> Kafka and Kafka ->
    FileStreamSink (4 tasks); kill -9 the worker running the source task
    while both move data. Its tasks move to the survivor; nothing is lost.
    Source: the duplicates are exactly the records written but not
    committed (offsets topic) at the kill. Sink: no record committed at
    the kill is written again, and none more than three times (see
    below)."""
    n_src, n_snk, parts = 60_000, 60_000, 4
    c = cluster(2, topics=(f"dsrc:{parts}", f"dsnk:{parts}"))
    produce_numbered(c.bootstrap, "dsnk", parts, 0, n_snk,
                     batch_messages=BATCH)
    assert c.broker.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    out = tmp_path / "out.txt"
    # both start paused, so they begin moving data together once the
    # sink's consumers hold their partitions
    c.create("snk", file_sink_config(out, "dsnk", **{"tasks.max": 4}),
             initial_state="PAUSED")
    c.create("gen", datagen_config("dsrc", n_src), initial_state="PAUSED")

    def sink_assigned():
        last = {}
        for w in c.live:
            for task, k in re.findall(r"snk-(\d+): assigned (\d+) partition",
                                      w.log()):
                last[task] = int(k)
        return len(last) == 4 and sum(last.values()) == parts
    c.wait_for(sink_assigned, 60, "the sink's partitions assigned")
    for name in ("snk", "gen"):
        c.write("PUT", f"/connectors/{name}/resume", expect=202)
    c.wait_running("snk", ntasks=4, timeout=60)
    c.wait_running("gen", ntasks=1, timeout=60)

    def progress():
        r = c.any().get("/connectors/gen/offsets").json()["offsets"]
        return r[0]["offset"]["seq"] if r else 0
    c.wait_for(lambda: progress() >= n_src // 4 and
               count_lines(out) >= n_snk // 4, 60,
               "a quarter of both ingests done", interval=0.05)
    st = c.status("snk")
    gen_owner = c.status("gen")["tasks"][0]["worker_id"]
    victim = c.by_id(gen_owner)
    assert progress() < n_src and count_lines(out) < n_snk, \
        "an ingest finished before the kill"
    victim.kill9()
    kill_ms = time.time() * 1000
    committed = group_committed(c.bootstrap, "connect-snk", "dsnk", parts)
    size = settled_size(out)
    print(f"\nkilled {victim.worker_id} (gen-0; snk tasks "
          f"{[t['id'] for t in st['tasks'] if t['worker_id'] == gen_owner]})"
          f"; sink committed {committed}")
    c.wait_running("gen", ntasks=1, timeout=60)
    c.wait_running("snk", ntasks=4, timeout=60)
    c.wait_for(lambda: progress() == n_src, 120, "all source records")

    def complete():
        return len(set(file_tokens(out.read_bytes())[0])) == n_snk
    c.wait_for(complete, 120, "every record in the sink file", interval=0.5)
    assert c.broker.control("rtt 1 0").startswith("OK")

    # source: committed offset at the kill = the last one the offsets
    # topic got before it (the dead task wrote no more, its successor only
    # after reading it)
    recs = read_records(c.bootstrap, "dsrc")
    tally = Tally("topic dsrc", [datagen_seq(r[4]) for r in recs], n_src)
    tally.assert_complete(c.log_tails())
    src_committed = 0
    for _p, _o, ts, k, v in read_records(c.bootstrap, c.offset_topic):
        if k and json.loads(k) == ["gen", {"datagen": "dsrc-0"}] and \
                ts <= kill_ms and v:
            src_committed = json.loads(v)["seq"]
    bound = uncommitted_written(recs, [kill_ms], [src_committed])[0]
    resumed = [x for w in c.workers for x in resumed_at(w.log(), "dsrc")]
    assert resumed[:1] == [src_committed], \
        f"resumed at {resumed}, committed at the kill {src_committed}"
    report("kill9_distributed", "source topic", tally.duplicates, bound,
           f"committed at the kill: {src_committed}")
    assert tally.duplicates == bound, (
        f"{tally.summary()}; expected exactly the {bound} records written "
        f"but not committed ({src_committed}) at the kill")

    seqs, _ = file_tokens(out.read_bytes())
    ftally = Tally("file", seqs, n_snk)
    ftally.assert_complete(c.log_tails())
    replays = sink_replays(seqs, parts)
    past = n_snk - sum(committed.values())
    most = max(ftally.counts.values())
    at_kill = file_uncommitted(out.read_bytes()[:size], committed, parts)
    report("kill9_distributed", "sink file", ftally.duplicates, 2 * past,
           f"per partition (dups, lowest duplicated offset, replays): "
           f"{replays}; committed at the kill {committed}; lines past it "
           f"in the file at the kill {at_kill}")
    # A replay starts at the group's last successful commit. On the mock
    # a commit made while partitions are revoked fails (REBALANCE_IN_
    # PROGRESS, a real broker accepts it), so besides the dead worker's
    # partitions those handed back to the moved tasks replay too: one
    # replay per rebalance the kill causes (its members leave, the moved
    # tasks join), each from at or after the offsets committed at the kill:
    # a record is written at most three times, only if it was not
    # committed at the kill, so the duplicates stay under twice the
    # records past the committed offsets then.
    for p, (_d, low, _r) in replays.items():
        assert low is None or low >= committed[p], (
            f"partition {p} replayed from offset {low}, below the offset "
            f"{committed[p]} committed at the kill: {replays}")
    assert most <= 3, f"a record was written {most} times: {replays}"
    assert ftally.duplicates <= 2 * past, ftally.summary()


# --------------------------------------------------------- broker down/up

DOWN_S = 5        # outage: five times the clients' reconnect back-off cap
BACKOFF_MS = 1000  # reconnect.backoff.max.ms of the worker's clients
INFLIGHT = 5      # max.in.flight.requests.per.connection (idempotence)


def fault_worker_props(mb, **extra):
    props = {"bootstrap.servers": mb.bootstrap,
             "producer.reconnect.backoff.max.ms": str(BACKOFF_MS),
             "consumer.reconnect.backoff.max.ms": str(BACKOFF_MS)}
    props.update({k: str(v) for k, v in extra.items()})
    return props


def wait_all_seqs(w, name, n, timeout=120):
    w.wait_for(lambda: rest_seq(w, name) == n, timeout,
               f"all {n} records of {name} delivered", interval=0.2)


def wait_file_complete(w, path, n, timeout=120):
    def complete():
        return len(set(file_tokens(path.read_bytes())[0])) >= n
    w.wait_for(complete, timeout, f"all {n} records in {path.name}",
               interval=0.3)


def start_pipeline(mb, worker, tmp_path, src_topic, n_src, snk_topic, n_snk,
                   parts, **worker_extra):
    """One standalone worker running DataGen -> src_topic ("gen") and
    snk_topic -> FileStreamSink ("snk"); snk_topic gets n_snk numbered
    records first. Returns (worker, sink file) once both move data (a
    fifth of the source done, the sink started). Batches of BATCH records
    keep both slow enough under the mock's rtt to be caught mid-way by a
    fault."""
    produce_numbered(mb.bootstrap, snk_topic, parts, 0, n_snk,
                     batch_messages=BATCH)
    for b in range(1, len(mb.bootstrap.split(",")) + 1):
        assert mb.control(f"rtt {b} {THROTTLE_MS}").startswith("OK")
    out = tmp_path / "out.txt"
    w = worker.start(fault_worker_props(mb, **worker_extra))
    w.create("snk", file_sink_config(out, snk_topic, **{
        # the group outlives the faults: no rebalance, so no replay
        "consumer.override.session.timeout.ms": "30000"}))
    w.wait_for(lambda: count_lines(out) > 0, 60, "the sink consuming")
    w.create("gen", datagen_config(src_topic, n_src))
    w.wait_for(lambda: rest_seq(w, "gen") >= n_src // 5, 60,
               "a fifth of the source records", interval=0.05)
    assert rest_seq(w, "gen") < n_src and count_lines(out) < n_snk, \
        "an ingest finished before the fault"
    return w, out


def finish_pipeline(mb, w, out, src_topic, n_src, n_snk, test, src_bound,
                    snk_bound=0):
    """Wait for both ingests, check both tasks RUNNING, nothing lost and
    the duplicates within the bounds."""
    wait_all_seqs(w, "gen", n_src)
    wait_file_complete(w, out, n_snk)
    for name in ("gen", "snk"):
        st = w.status(name)["tasks"][0]
        assert st["state"] == "RUNNING", f"{name}: {st}"
    for b in range(1, len(mb.bootstrap.split(",")) + 1):
        assert mb.control(f"rtt {b} 0").startswith("OK")
    recs = read_records(mb.bootstrap, src_topic)
    tally = Tally(f"topic {src_topic}", [datagen_seq(r[4]) for r in recs],
                  n_src)
    tally.assert_complete(w.log_tail())
    report(test, "source topic", tally.duplicates, src_bound)
    assert tally.duplicates <= src_bound, tally.summary()
    ftally = Tally("file", file_tokens(out.read_bytes())[0], n_snk)
    ftally.assert_complete(w.log_tail())
    report(test, "sink file", ftally.duplicates, snk_bound)
    assert ftally.duplicates <= snk_bound, ftally.summary()


def test_broker_down_up_standalone_pipeline(mock_broker, worker, tmp_path):
    """The only broker goes down for DOWN_S seconds while a source and a
    sink move data: both tasks stay RUNNING, the worker logs that Kafka is
    unreachable, and once it is back everything arrives. The source may
    duplicate what was in flight when the connections dropped (the mock
    does not de-duplicate idempotent producers): at most INFLIGHT
    requests of BATCH records. The sink keeps its position and group:
    no duplicates."""
    mb = mock_broker("bd:4", "bdn:4")
    w, out = start_pipeline(mb, worker, tmp_path, "bd", 50_000, "bdn",
                            50_000, 4)
    log_at_down = len(w.log())
    assert mb.control("down 1").startswith("OK")
    time.sleep(DOWN_S)  # holding the fault
    for name in ("gen", "snk"):
        assert w.status(name)["tasks"][0]["state"] == "RUNNING"
    during = w.log()[log_at_down:]
    host_port = mb.bootstrap.split(",")[0]
    for client in ("connector-producer-gen-0", "connector-consumer-snk-0"):
        down = re.search(rf"{client}.* (\d+)/\1 brokers are down", during)
        refused = re.search(rf"{client}.*{host_port}.*Connection refused",
                            during)
        assert down and refused, \
            f"no clear message from {client} during the outage:\n" + \
            during[-3000:]
    assert mb.control("up 1").startswith("OK")
    finish_pipeline(mb, w, out, "bd", 50_000, 50_000,
                    "broker_down_up_standalone", INFLIGHT * BATCH)


def test_partition_leader_down_moves_standalone_pipeline(
        mock_broker, worker, tmp_path):
    """Three brokers; the leader of partitions 1 and 3 (broker 2) goes
    down, and while it is down leadership moves to broker 3 as a
    controller would. Source and sink carry on without a restart; broker 2
    comes back later. Bounds as for the single-broker outage (only broker
    2's in-flight requests can be written twice)."""
    mb = mock_broker("ld:4", "ldn:4", brokers=3)
    for t in ("ld", "ldn"):
        for p in range(4):
            assert mb.control(f"leader {t} {p} {1 if p % 2 == 0 else 2}") \
                .startswith("OK")
    # the sink group's coordinator stays up (the mock does not move it)
    assert mb.control("coord group connect-snk 1").startswith("OK")
    w, out = start_pipeline(mb, worker, tmp_path, "ld", 50_000, "ldn",
                            50_000, 4)
    assert mb.control("down 2").startswith("OK")
    time.sleep(DOWN_S / 2)  # holding the fault
    for t in ("ld", "ldn"):
        for p in (1, 3):
            assert mb.control(f"leader {t} {p} 3").startswith("OK")

    def sink_count(p):
        return sum(1 for s in file_tokens(out.read_bytes())[0]
                   if s % 4 == p)
    # (asked only now: a query to a partition led by a down broker blocks
    # the test's client)
    moved = end_offsets(mb.bootstrap, "ld")
    read = {p: sink_count(p) for p in (1, 3)}
    # both clients follow the new leader while broker 2 is still down
    w.wait_for(lambda: all(end_offsets(mb.bootstrap, "ld")[p] > moved[p]
                           for p in (1, 3)) and
               all(sink_count(p) > read[p] for p in (1, 3)), 30,
               "partitions 1 and 3 moving again on broker 3", interval=0.3)
    for name in ("gen", "snk"):
        assert w.status(name)["tasks"][0]["state"] == "RUNNING"
    assert mb.control("up 2").startswith("OK")
    finish_pipeline(mb, w, out, "ld", 50_000, 50_000,
                    "partition_leader_down", INFLIGHT * BATCH)


def test_source_outage_past_delivery_timeout_fails_then_resumes(
        mock_broker, worker, tmp_path):
    """With producer.override.delivery.timeout.ms below the outage, the
    records in flight time out: the source task fails with the producer's
    error, commits nothing past the first record not delivered, and after
    a restart (KIP-745) resumes from there. The duplicates are exactly the
    records the failed run wrote past its committed offset."""
    n = 80_000
    mb = mock_broker("dt:4")
    assert mb.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    w = worker.start(fault_worker_props(mb))
    w.create("gen", datagen_config("dt", n, **{
        "producer.override.delivery.timeout.ms": 3000,
        # a backlog the producer drains well within the timeout once the
        # broker is back (queued time counts towards it)
        "producer.override.queue.buffering.max.messages": 2000}))
    w.wait_for(lambda: rest_seq(w, "gen") >= n // 5, 60,
               "a fifth of the records", interval=0.05)
    assert mb.control("down 1").startswith("OK")
    st = w.wait_state("gen", "RUNNING", "FAILED", timeout=30)
    trace = st["tasks"][0]["trace"]
    assert re.search(r"Unrecoverable exception from producer send callback: "
                     r"Local: Message timed out \(topic dt, partition \d\): "
                     r"not delivered within delivery\.timeout\.ms", trace), \
        trace
    assert mb.control("up 1").startswith("OK")
    committed = rest_seq(w, "gen")
    assert committed < n
    restart_ms, committed = restart_and_resume(w, "gen", "dt", committed)
    wait_all_seqs(w, "gen", n)
    assert w.status("gen")["tasks"][0]["state"] == "RUNNING"
    assert mb.control("rtt 1 0").startswith("OK")
    recs = read_records(mb.bootstrap, "dt")
    tally = Tally("topic dt", [datagen_seq(r[4]) for r in recs], n)
    tally.assert_complete(w.log_tail())
    bound = uncommitted_written(recs, [restart_ms], [committed])[0]
    report("outage_past_delivery_timeout", "source topic", tally.duplicates,
           bound, f"resumed at {committed}")
    assert tally.duplicates == bound, tally.summary()


# ------------------------------------------------------- injected errors

RETRIABLE_PRODUCE = [6, 7, 19, -195]   # NOT_LEADER_OR_FOLLOWER,
# REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, a dropped connection
RETRIABLE_FETCH = [6, 7, 3, -195]      # ..., UNKNOWN_TOPIC_OR_PARTITION
COMMIT_ERRORS = [7, 15, 16, 12]        # REQUEST_TIMED_OUT,
# COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, OFFSET_METADATA_TOO_LARGE (a
# commit failing for good: the next one covers its offsets)


def test_injected_retriable_errors_are_retried_without_loss(
        mock_broker, worker, tmp_path):
    """Retriable errors injected into Produce (ApiKey 0), Fetch (1) and
    OffsetCommit (8) requests while a source and a sink run: every request
    is retried, no task fails, nothing is lost. The mock rejects an
    injected request before appending anything, so a retry duplicates
    nothing: zero duplicates on both sides."""
    mb = mock_broker("ie:4", "ien:4")
    w, out = start_pipeline(mb, worker, tmp_path, "ie", 40_000, "ien",
                            40_000, 4, **{"offset.flush.interval.ms": 200,
                                          # each failed fetch pauses this
                                          "consumer.fetch.error.backoff.ms":
                                          100})
    for key, codes in ((0, RETRIABLE_PRODUCE), (1, RETRIABLE_FETCH),
                       (8, COMMIT_ERRORS)):
        seq = " ".join(str(c) for c in codes * 3)
        assert mb.control(f"err {key} {seq}").startswith("OK")
    finish_pipeline(mb, w, out, "ie", 40_000, 40_000,
                    "injected_retriable_errors", 0)
    log = w.log()
    assert "offset commit failed (will retry)" in log, \
        "no OffsetCommit error reached the sink"
    assert "consumer: Fetch from broker 1 failed" in log, \
        "no Fetch error reached the sink"


@pytest.mark.parametrize("code,tolerance,reason", [
    (10, "none", "Broker: Message size too large (topic np, partition "),
    (29, "none", "Broker: Topic authorization failed (topic np, partition "),
    # OUT_OF_ORDER_SEQUENCE_NUMBER: a fatal error of the idempotent
    # producer, which then fails every record; KIP-779 tolerance would
    # skip them all, so the task fails even with errors.tolerance=all
    (45, "all", "Fatal error: Broker: Broker received an out of order "
                "sequence number")],
    ids=["msg-too-large", "topic-authorization", "fatal-tolerated"])
def test_non_retriable_produce_error_fails_task_then_resumes(
        mock_broker, worker, tmp_path, code, tolerance, reason):
    """A produce request rejected for good mid-ingest fails the source
    task with the broker's error; its offsets never pass the undelivered
    records, so a restart resends them: nothing lost, and the duplicates
    are exactly the records written past the committed offset."""
    n = 60_000
    mb = mock_broker("np:4")
    assert mb.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    w = worker.start(fault_worker_props(mb))
    w.create("gen", datagen_config("np", n, **{
        "errors.tolerance": tolerance, "errors.log.enable": "true"}))
    w.wait_for(lambda: rest_seq(w, "gen") >= n // 5, 60,
               "a fifth of the records", interval=0.05)
    assert mb.control(f"err 0 {code}").startswith("OK")
    st = w.wait_state("gen", "RUNNING", "FAILED", timeout=30)
    trace = st["tasks"][0]["trace"]
    assert "Unrecoverable exception from producer send callback: " + \
        reason in trace, trace
    assert "Executing stage 'KAFKA_PRODUCE'" not in w.log(), \
        "records were skipped"
    committed = rest_seq(w, "gen")
    assert committed < n
    restart_ms, committed = restart_and_resume(w, "gen", "np", committed)
    wait_all_seqs(w, "gen", n)
    assert w.status("gen")["tasks"][0]["state"] == "RUNNING"
    assert mb.control("rtt 1 0").startswith("OK")
    recs = read_records(mb.bootstrap, "np")
    tally = Tally("topic np", [datagen_seq(r[4]) for r in recs], n)
    tally.assert_complete(w.log_tail())
    bound = uncommitted_written(recs, [restart_ms], [committed])[0]
    window = 10 * INFLIGHT * BATCH
    report(f"non_retriable_produce_error[{code}]", "source topic",
           tally.duplicates, bound, f"resumed at {committed}; in-flight "
           f"bound {window}")
    assert tally.duplicates == bound, tally.summary()
    # What the failed run wrote past its committed offset is what was in
    # flight when the error came back (INFLIGHT requests of BATCH records)
    # plus what the producer sent until the task purged its queue (each
    # request takes THROTTLE_MS): ten windows allow for a slow reaction on
    # a loaded machine. Not the producer's whole queue, which DataGen
    # fills with every remaining record at once (47,900 here before the
    # purge).
    assert tally.duplicates <= window, (
        f"{tally.summary()}: the failed task let its producer deliver its "
        f"queued records, which the restart sends again")


def test_non_retriable_produce_error_tolerated_skips_and_logs(
        mock_broker, worker, tmp_path):
    """KIP-779: with errors.tolerance=all a rejected produce request's
    records are skipped, each logged, and the task goes on: the records
    missing from the topic are exactly the ones logged as skipped."""
    n = 60_000
    mb = mock_broker("tp:4")
    assert mb.control(f"rtt 1 {THROTTLE_MS}").startswith("OK")
    w = worker.start(fault_worker_props(mb))
    w.create("gen", datagen_config("tp", n, **{
        "errors.tolerance": "all", "errors.log.enable": "true"}))
    w.wait_for(lambda: rest_seq(w, "gen") >= n // 5, 60,
               "a fifth of the records", interval=0.05)
    assert mb.control("err 0 10 10").startswith("OK")
    wait_all_seqs(w, "gen", n)
    assert w.status("gen")["tasks"][0]["state"] == "RUNNING"
    assert mb.control("rtt 1 0").startswith("OK")
    recs = read_records(mb.bootstrap, "tp")
    tally = Tally("topic tp", [datagen_seq(r[4]) for r in recs], n)
    skipped = w.log().count("Executing stage 'KAFKA_PRODUCE'")
    report("tolerated_produce_error", "source topic", tally.duplicates, 0,
           f"{len(tally.missing)} missing, {skipped} logged as skipped")
    assert 0 < len(tally.missing) <= 2 * BATCH, tally.summary()
    assert len(tally.missing) == skipped, tally.summary()
    assert tally.duplicates == 0, tally.summary()
