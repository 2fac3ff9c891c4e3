"""MirrorMaker 2 connectors: MirrorSourceConnector replicates a topic of
one mock cluster into `<alias>.<topic>` on the worker's cluster and writes
offset syncs; MirrorCheckpointConnector translates consumer group offsets
into Checkpoint records and (optionally) commits them on the target."""

import struct
import time
import uuid

import pytest

from confluent_kafka import Consumer, Producer, TopicPartition, \
    OFFSET_BEGINNING

from conftest import BYTEARRAY_CONVERTER, wait_until, write_properties

MIRROR_SOURCE = "org.apache.kafka.connect.mirror.MirrorSourceConnector"
MIRROR_CHECKPOINT = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector"


def source_config(src, name="mirror", **extra):
    cfg = {"name": name, "connector.class": MIRROR_SOURCE,
           "source.cluster.alias": "src",
           "source.cluster.bootstrap.servers": src.bootstrap,
           "source.consumer.fetch.wait.max.ms": "10",
           "topics": "events", "tasks.max": "2",
           "key.converter": BYTEARRAY_CONVERTER,
           "value.converter": BYTEARRAY_CONVERTER}
    cfg.update(extra)
    return cfg


def produce_rich(bootstrap, topic, partitions, per_partition, start=0):
    """Records with keys, headers and set timestamps on every partition."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for part in range(partitions):
        for i in range(start, start + per_partition):
            hdrs = [("h", f"{part}-{i}".encode()), ("empty", b"")]
            p.produce(topic, key=f"k{part}-{i}".encode(),
                      value=(f"v{part}-{i}".encode() if i % 7 else None),
                      partition=part, headers=hdrs,
                      timestamp=1_600_000_000_000 + i)
    assert p.flush(30) == 0


def read_all(bootstrap, topic, partitions, n, timeout=30):
    """(partition, offset, key, value, headers, timestamp) of >= n records."""
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "t-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING)
              for p in range(partitions)])
    out = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            for m in c.consume(1000, 0.2):
                if m.error():
                    continue
                out.append((m.partition(), m.offset(), m.key(), m.value(),
                            m.headers(), m.timestamp()[1]))
    finally:
        c.close()
    assert len(out) >= n, f"only {len(out)} of {n} records on {topic}"
    return sorted(out)


def read_p0(bootstrap, topic, quiet=0.6, timeout=10):
    """(key, value) of every record of partition 0, read until nothing
    new arrived for `quiet` seconds."""
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "t-" + uuid.uuid4().hex,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    try:
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            for m in c.consume(1000, 0.1):
                if not m.error():
                    out.append((m.key(), m.value()))
                    last = time.monotonic()
    finally:
        c.close()
    return out


def decode_sync(key, value):
    n = struct.unpack(">h", key[:2])[0]
    topic = key[2:2 + n].decode()
    part = struct.unpack(">i", key[2 + n:6 + n])[0]
    up, down = struct.unpack(">qq", value)
    return topic, part, up, down


def decode_checkpoint(key, value):
    def string(b, at):
        n = struct.unpack(">h", b[at:at + 2])[0]
        return b[at + 2:at + 2 + n].decode(), at + 2 + n
    group, at = string(key, 0)
    topic, at = string(key, at)
    part = struct.unpack(">i", key[at:at + 4])[0]
    version, up, down = struct.unpack(">hqq", value[:18])
    meta, _ = string(value, 18)
    return {"group": group, "topic": topic, "partition": part,
            "version": version, "upstream": up, "downstream": down,
            "metadata": meta}


def test_mirror_replicates_records_and_resumes(mock_broker, worker,
                                              tmp_path):
    src = mock_broker("events:3", "other:1")
    tgt = mock_broker("src.events:3")
    produce_rich(src.bootstrap, "events", 3, 20)
    produce_rich(src.bootstrap, "other", 1, 5)
    conn = write_properties(tmp_path / "mirror.properties",
                            source_config(src))
    w = worker.start({"bootstrap.servers": tgt.bootstrap}, [conn])
    w.wait_running("mirror")
    got = read_all(tgt.bootstrap, "src.events", 3, 60)
    want = read_all(src.bootstrap, "events", 3, 60)
    # identical partition, offset (the target started empty), key, value,
    # headers and timestamp
    assert got == want
    # topics=events: nothing else is replicated
    md = Consumer({"bootstrap.servers": tgt.bootstrap, "group.id": "x"})
    assert "src.other" not in md.list_topics(timeout=10).topics
    md.close()

    part0 = {"cluster": "src", "topic": "events", "partition": 0}
    w.wait_for(lambda: any(o["partition"] == part0 and
                           o["offset"] == {"offset": 19}
                           for o in w.get("/connectors/mirror/offsets")
                           .json()["offsets"]),
               20, "MM2-style source offset committed")

    # restart: resume after the committed offsets, no duplicates
    w2 = w.restart()
    w2.wait_running("mirror")
    produce_rich(src.bootstrap, "events", 3, 10, start=20)
    got = read_all(tgt.bootstrap, "src.events", 3, 90)
    time.sleep(1.0)  # anything extra (a duplicate) would show up now
    got = read_all(tgt.bootstrap, "src.events", 3, 90)
    assert len(got) == 90, f"{len(got)} records: duplicates after restart"
    assert got == read_all(src.bootstrap, "events", 3, 90)

    # offset syncs on the source cluster, partition 0 of the MM2 topic
    syncs = [decode_sync(k, v) for (k, v) in read_p0(
        src.bootstrap, "mm2-offset-syncs.target.internal")]
    assert {s[0] for s in syncs} == {"events"}
    assert {s[1] for s in syncs} == {0, 1, 2}
    # the target started empty: every pair maps an offset to itself, and
    # each partition's first record was synced
    assert all(up == down for (_, _, up, down) in syncs), syncs
    assert {(p, 0) for p in range(3)} <= {(s[1], s[2]) for s in syncs}


@pytest.mark.parametrize("location", ["source", "target"])
def test_checkpoints_translate_and_sync_group_offsets(mock_broker, worker,
                                                      tmp_path, location):
    src = mock_broker("events:1")
    tgt = mock_broker("src.events:1")
    syncs_at = src if location == "source" else tgt
    # 7 records already on the target: downstream = upstream + 7
    Producer_ = Producer({"bootstrap.servers": tgt.bootstrap})
    for i in range(7):
        Producer_.produce("src.events", value=b"pre", partition=0)
    assert Producer_.flush(10) == 0
    produce_rich(src.bootstrap, "events", 1, 30)

    mirror = write_properties(tmp_path / "mirror.properties", source_config(
        src, **{"offset.lag.max": "0",
                "offset-syncs.topic.location": location,
                "target.cluster.bootstrap.servers": tgt.bootstrap}))
    ckpt = write_properties(tmp_path / "ckpt.properties", {
        "name": "ckpt", "connector.class": MIRROR_CHECKPOINT,
        "source.cluster.alias": "src",
        "source.cluster.bootstrap.servers": src.bootstrap,
        "target.cluster.bootstrap.servers": tgt.bootstrap,
        "groups": "app, idle",
        "offset-syncs.topic.location": location,
        "emit.checkpoints.interval.ms": "300",
        "sync.group.offsets.enabled": "true",
        "sync.group.offsets.interval.ms": "300",
        "key.converter": BYTEARRAY_CONVERTER,
        "value.converter": BYTEARRAY_CONVERTER})
    w = worker.start({"bootstrap.servers": tgt.bootstrap}, [mirror, ckpt])
    w.wait_running("mirror")
    w.wait_running("ckpt")
    read_all(tgt.bootstrap, "src.events", 1, 37)
    # the first 30 are mirrored: the later ones must not change the sync
    # that translates offset 30
    w.wait_for(lambda: (29, 36) in {(s[2], s[3]) for s in [
        decode_sync(k, v) for (k, v) in read_p0(
            syncs_at.bootstrap, "mm2-offset-syncs.target.internal")]},
        20, "offset sync for upstream 29")
    produce_rich(src.bootstrap, "events", 1, 20, start=30)
    read_all(tgt.bootstrap, "src.events", 1, 57)

    # group "app" read 30 records on the source and committed offset 30
    c = Consumer({"bootstrap.servers": src.bootstrap, "group.id": "app",
                  "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition("events", 0, 30)], asynchronous=False)
    c.close()

    def checkpoint():
        cps = [decode_checkpoint(k, v) for (k, v) in read_p0(
            tgt.bootstrap, "src.checkpoints.internal")]
        return [cp for cp in cps if cp["upstream"] == 30]
    cps = w.wait_for(checkpoint, 25, "checkpoint of group app")
    assert cps[0] == {"group": "app", "topic": "src.events", "partition": 0,
                      "version": 0, "upstream": 30, "downstream": 37,
                      "metadata": ""}
    # a group with no committed offsets gets no checkpoint
    assert all(cp["group"] == "app" for cp in cps)

    # sync.group.offsets: the group's offset on the target is the
    # translated one, and a consumer of the group starts right there
    probe = Consumer({"bootstrap.servers": tgt.bootstrap, "group.id": "app"})

    def committed():
        return probe.committed([TopicPartition("src.events", 0)],
                               timeout=5)[0].offset == 37
    wait_until(committed, 20, "group app committed at 37 on the target",
               on_fail=w.log_tail)
    probe.close()
    c = Consumer({"bootstrap.servers": tgt.bootstrap, "group.id": "app",
                  "auto.offset.reset": "latest", "session.timeout.ms": 6000,
                  "heartbeat.interval.ms": 1000, "fetch.wait.max.ms": 10,
                  "enable.auto.commit": False})
    c.subscribe(["src.events"])
    try:
        first = None
        deadline = time.monotonic() + 25
        while first is None and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                first = m
        assert first is not None, "the target consumer got nothing"
        assert first.offset() == 37
        assert first.key() == b"k0-30"
    finally:
        c.close()


def error_of(infos, key):
    for c in infos["configs"]:
        if c["value"]["name"] == key:
            return c["value"]["errors"]
    return None


def test_mirror_config_errors(worker, mock_broker):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    r = w.put("/connector-plugins/MirrorSourceConnector/config/validate",
              json={"connector.class": MIRROR_SOURCE, "name": "m"})
    assert r.status_code == 200, r.text
    infos = r.json()
    assert infos["error_count"] >= 2
    assert error_of(infos, "source.cluster.alias"), infos
    assert error_of(infos, "source.cluster.bootstrap.servers"), infos

    r = w.post("/connectors", json={"name": "m", "config": {
        "connector.class": MIRROR_SOURCE,
        "source.cluster.bootstrap.servers": mock_broker.bootstrap}})
    assert r.status_code == 400, r.text
    assert "source.cluster.alias" in r.json()["message"]

    bad = {"connector.class": MIRROR_SOURCE, "name": "m",
           "source.cluster.alias": "target",
           "source.cluster.bootstrap.servers": mock_broker.bootstrap,
           "topics": "ev(ents", "offset-syncs.topic.location": "target",
           "source.cluster.no.such.client.property": "1"}
    infos = w.put("/connector-plugins/MirrorSourceConnector/config/validate",
                  json=bad).json()
    assert "Invalid regex" in " ".join(error_of(infos, "topics"))
    assert error_of(infos, "target.cluster.alias")  # same alias twice
    assert "offset-syncs.topic.location=target" in " ".join(
        error_of(infos, "target.cluster.bootstrap.servers"))
    assert error_of(infos, "source.cluster.no.such.client.property")

    ck = {"connector.class": MIRROR_CHECKPOINT, "name": "c",
          "source.cluster.alias": "src",
          "source.cluster.bootstrap.servers": mock_broker.bootstrap,
          "groups": "app, team-.*", "sync.group.offsets.enabled": "true"}
    infos = w.put("/connector-plugins/MirrorCheckpointConnector/config/"
                  "validate", json=ck).json()
    assert "cannot list consumer groups" in " ".join(error_of(infos,
                                                              "groups"))
    assert "sync.group.offsets.enabled" in " ".join(
        error_of(infos, "target.cluster.bootstrap.servers"))
    r = w.post("/connectors", json={"name": "c", "config": ck})
    assert r.status_code == 400 and "groups" in r.json()["message"], r.text


def test_mirror_picks_up_new_topics(mock_broker, worker, tmp_path):
    """refresh.topics.interval.ms: a topic created on the source after the
    connector started is found and replicated without a restart."""
    src = mock_broker("events:1")
    tgt = mock_broker("src.events:1", "src.orders:4")
    produce_rich(src.bootstrap, "events", 1, 5)
    conn = write_properties(tmp_path / "mirror.properties", source_config(
        src, topics="events,orders", **{"refresh.topics.interval.ms": "1000"}))
    w = worker.start({"bootstrap.servers": tgt.bootstrap}, [conn])
    w.wait_running("mirror")
    assert len(read_all(tgt.bootstrap, "src.events", 1, 5)) == 5

    p = Producer({"bootstrap.servers": src.bootstrap})
    for i in range(4):
        p.produce("orders", key=b"o%d" % i, value=b"order-%d" % i, partition=0)
    assert p.flush(30) == 0
    got = read_all(tgt.bootstrap, "src.orders", 4, 4, timeout=30)
    assert [r[3] for r in got] == [b"order-%d" % i for i in range(4)]
    assert "reconfigured its tasks" in w.log()
    # the topic that was there from the start is not replicated twice
    assert len(read_p0(tgt.bootstrap, "src.events")) == 5


def test_mirror_picks_up_new_topics_distributed(mock_broker, cluster):
    """The same refresh in distributed mode: the worker running the
    connector hands the new task configs to the leader."""
    src = mock_broker("events:1")
    cl = cluster(1, topics=("src.events:1", "src.orders:4"))
    produce_rich(src.bootstrap, "events", 1, 3)
    cl.create("mirror", source_config(
        src, topics="events,orders", **{"refresh.topics.interval.ms": "1000"}))
    cl.wait_running("mirror")
    assert len(read_all(cl.bootstrap, "src.events", 1, 3)) == 3
    p = Producer({"bootstrap.servers": src.bootstrap})
    for i in range(3):
        p.produce("orders", value=b"order-%d" % i, partition=0)
    assert p.flush(30) == 0
    got = read_all(cl.bootstrap, "src.orders", 4, 3, timeout=30)
    assert [r[3] for r in got] == [b"order-%d" % i for i in range(3)]
