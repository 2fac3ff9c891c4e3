"""Accounting for the fault tests (test_faults.py): which numbered records
reached Kafka or a sink file, how many came twice, and what the worker had
committed when a fault hit.

Records are numbered so a test can tell every record apart:
- DataGenSource values start with a 16-hex-digit sequence number
  (datagen_seq); records of one run have seqs 0..N-1.
- Records the test produces itself (produce_numbered) are b"r%09d" % seq,
  seq i going to partition i % P, so on a fresh topic its Kafka position is
  (i % P, i // P) (numbered_pos).

The duplicate bound the tests assert comes from the at-least-once design:
a restarted task resumes at its last committed offset, so what a fault
duplicates is exactly what had been written but not committed when it hit
(uncommitted_written / file_uncommitted). Nothing committed is ever
written again and nothing is skipped.
"""

import bisect
import json
import os
import re
import time
from collections import Counter

# the consumer and partition listing the distributed tests use
from test_distributed import _consumer, _partitions as topic_partitions

TOKEN = re.compile(rb"r(\d{9})")


# ------------------------------------------------------------- numbering

def datagen_seq(value):
    return int(value[:16], 16)


def numbered(seq):
    return b"r%09d" % seq


def numbered_pos(seq, partitions):
    return seq % partitions, seq // partitions


def file_tokens(data):
    """Sequence numbers of the whole b"r%09d" tokens in sink file bytes
    (a line cut by kill -9 and glued to the next one yields only the
    complete token), and how many lines were not exactly one token."""
    seqs, garbage = [], 0
    for line in data.split(b"\n"):
        toks = TOKEN.findall(line)
        if len(toks) != 1 or len(line) != 10:
            garbage += line != b""
        seqs.extend(int(t) for t in toks)
    return seqs, garbage


class Tally:
    """Count of each sequence number against the expected 0..n-1."""

    def __init__(self, what, seqs, n):
        self.what = what
        self.n = n
        self.counts = Counter(seqs)
        self.total = len(seqs)
        self.missing = [s for s in range(n) if s not in self.counts]
        self.unexpected = sorted(s for s in self.counts if not 0 <= s < n)
        self.duplicates = self.total - len(self.counts)

    def summary(self):
        return (f"{self.what}: {self.total} records for {self.n} numbers, "
                f"{len(self.missing)} missing {self.missing[:10]}, "
                f"{self.duplicates} duplicates")

    def assert_complete(self, context=""):
        assert not self.missing and not self.unexpected, (
            f"records lost: {self.summary()}; unexpected "
            f"{self.unexpected[:10]}\n{context}")


def report(test, what, dups, bound, note=""):
    """One line per check, collected in the test output (pytest -s or
    -rP) so a run shows the duplicates observed against the bound."""
    print(f"\nFAULT-DUPS {test} [{what}]: duplicates={dups} bound={bound}"
          f"{' (' + note + ')' if note else ''}")


# ----------------------------------------------------------------- Kafka

def read_records(bootstrap, topic, timeout=60):
    """Every record of topic up to the high watermarks at call time:
    (partition, offset, timestamp_ms, key, value) tuples."""
    from confluent_kafka import OFFSET_BEGINNING, TopicPartition

    c = _consumer(bootstrap)
    out = []
    try:
        ends = {}
        for p in topic_partitions(c, topic):
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p),
                                             timeout=10)
            assert lo == 0, (f"{topic}[{p}] starts at {lo}: the mock "
                             f"dropped records (5 MiB per partition cap)")
            if hi > lo:
                ends[p] = hi
        if not ends:
            return out
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        nxt = {p: 0 for p in ends}
        deadline = time.monotonic() + timeout
        while any(nxt[p] < ends[p] for p in ends):
            assert time.monotonic() < deadline, \
                f"could not read {topic} to {ends} in {timeout}s (at {nxt})"
            for m in c.consume(num_messages=10000, timeout=0.2):
                if m.error():
                    raise AssertionError(f"consume error: {m.error()}")
                if m.offset() < ends[m.partition()]:
                    out.append((m.partition(), m.offset(),
                                m.timestamp()[1], m.key(), m.value()))
                nxt[m.partition()] = m.offset() + 1
    finally:
        c.close()
    return out


def end_offsets(bootstrap, topic):
    from confluent_kafka import TopicPartition

    c = _consumer(bootstrap)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p),
                                           timeout=10)[1]
                for p in topic_partitions(c, topic)}
    finally:
        c.close()


def group_committed(bootstrap, group, topic, partitions):
    """{partition: committed offset} of a consumer group (OffsetFetch, no
    join; 0 where nothing is committed)."""
    from confluent_kafka import TopicPartition

    c = _consumer(bootstrap, group)
    try:
        tps = c.committed([TopicPartition(topic, p)
                           for p in range(partitions)], timeout=15)
    finally:
        c.close()
    return {tp.partition: max(tp.offset, 0) for tp in tps}


def produce_numbered(bootstrap, topic, partitions, start, n,
                     batch_messages=200):
    """Produce b"r%09d" for seq start..start+n-1, seq i to partition
    i % partitions, in order (idempotent: no reordering), in batches of at
    most batch_messages records (the mock returns one batch per partition
    per fetch, so small batches keep a sink's consumption slow enough to
    be interrupted mid-way)."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20,
                  "enable.idempotence": True,
                  "batch.num.messages": batch_messages,
                  "message.timeout.ms": 60000})
    errors = []

    def cb(err, _msg):
        if err is not None:
            errors.append(err)

    for i in range(start, start + n):
        while True:
            try:
                p.produce(topic, value=numbered(i), partition=i % partitions,
                          on_delivery=cb)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    assert p.flush(60) == 0, "numbered records not delivered"
    assert not errors, f"delivery errors: {errors[:5]}"


# ----------------------------------------------------------- offsets

def file_source_offset(path, connector, partition):
    """The offset a standalone worker's offsets file holds for
    (connector, source partition), or None."""
    try:
        doc = json.loads(open(path, encoding="utf-8").read())
    except FileNotFoundError:
        return None
    for e in doc.get("offsets", []):
        if e["key"] == [connector, partition]:
            return e["value"]
    return None


# ------------------------------------------------------------ sink files

def settled_size(path, quiet=0.5, timeout=10):
    """File size once it stopped changing for `quiet` seconds: writes a
    killed worker had queued on its io_uring may still land just after the
    process is gone. A measurement aid only, never a synchronisation."""
    last, since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return last


def file_uncommitted(data, committed, partitions):
    """Records in sink file bytes whose Kafka offset is at or past the
    group's committed offset: written, but to be written again after a
    restart."""
    seqs, _ = file_tokens(data)
    n = 0
    for s in seqs:
        p, o = numbered_pos(s, partitions)
        n += o >= committed.get(p, 0)
    return n



def sink_replays(seqs, partitions):
    """Per partition, how the file went back over records it already
    held: {p: (duplicates, lowest duplicated offset or None, replays)}, a
    replay being a run of lines whose offsets fall below the highest one
    written before in that partition."""
    out = {}
    frontier, prev_dup, seen = {}, {}, set()
    for s in seqs:
        p, o = numbered_pos(s, partitions)
        d, low, replays = out.get(p, (0, None, 0))
        dup = o < frontier.get(p, 0)
        if dup:
            d += s in seen
            low = o if low is None else min(low, o)
            replays += not prev_dup.get(p, False)
        prev_dup[p] = dup
        seen.add(s)
        frontier[p] = max(frontier.get(p, 0), o + 1)
        out[p] = (d, low, replays)
    return out


def uncommitted_written(recs, boundaries_ms, committed):
    """For source records (partition, offset, timestamp, key, value) of a
    DataGen topic: per run of the task (runs end at boundaries_ms, the
    wall-clock times of the kills or restarts), how many records that run
    wrote at or past the offset committed when it ended (committed[i]).
    A record's CreateTime is taken when the worker produced it, so it
    tells which run wrote it. Those records are written again by the next
    run: their sum is exactly the duplicates at-least-once allows."""
    counts = [0] * len(boundaries_ms)
    for _p, _o, ts, _k, v in recs:
        run = bisect.bisect_left(boundaries_ms, ts)
        if run < len(boundaries_ms) and datagen_seq(v) >= committed[run]:
            counts[run] += 1
    return counts
