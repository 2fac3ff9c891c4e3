"""Object-store scenarios (`--only s3`): Kafka->S3 with S3SinkConnector
against `kcat -C | [zstd |] curl -T -` (one streaming PUT), and S3->Kafka
with S3SourceConnector restoring what the sink wrote. The S3 endpoint is
OpenStack Swift + s3api on loopback, started by the black-box tests' own
fixture (tests/blackbox/s3_fixture.py, imported, not copied).

Data: P partitions of exactly M records each (1 KiB values, the bench's
usual lines), produced zstd-compressed with explicit partitions so every
partition stays under the mock broker's 5 MiB window and flush.size=M
makes exactly one object per partition (about 5.9 MiB uncompressed: two
multipart parts of s3.part.size=5 MiB). See bench/README.md."""
import os
import subprocess
import sys
import time

from harness import BenchError, proc_cpu

# as in bench.py (not imported from it: bench.py runs as __main__)
CONSUMER = {"fetch.wait.max.ms": "10"}


def add_note(row, text):
    row["note"] = (row["note"] + "; " if row["note"] else "") + text

HERE = os.path.dirname(os.path.abspath(__file__))
BLACKBOX = os.path.join(HERE, "..", "..", "tests", "blackbox")

JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
BYTES_FORMAT = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"
BYTES_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter"
MIB = 1 << 20
PART_SIZE = 5 * MIB  # the minimum s3.part.size
PER_PARTITION = 6000  # records; 6000 x 1 KiB zstd ~ 4.4 MiB on the mock
SIZE = 1024
LIST_EVERY = 0.05  # s between watermark queries while waiting for the source

# (label, format.class, extension, per-record bytes in an uncompressed object)
FORMATS = [("json", JSON_FORMAT, "json", SIZE + 3),   # "..."\n
           ("bytes", BYTES_FORMAT, "bin", SIZE + 1)]  # ...\n


def import_fixture():
    """tests/blackbox/s3_fixture.py (it imports conftest, hence pytest)."""
    if BLACKBOX not in sys.path:
        sys.path.insert(0, os.path.abspath(BLACKBOX))
    import s3_fixture  # noqa: E402
    return s3_fixture


class S3Bench:
    def __init__(self, bench, log):
        self.b = bench
        self.log = log
        self.parts = 4 if bench.args.quick else 25
        self.n = self.parts * PER_PARTITION
        self.srv = None
        self.topic = None
        self.written = {}  # (fmt, codec) -> bucket of the last good sluice sink run
        self._wm = None

    # ------------------------------------------------------------ setup

    def start(self):
        import shutil
        for exe in ("swift-proxy-server", "swift-object-server", "swift-ring-builder"):
            if shutil.which(exe) is None:
                raise BenchError("%s not found (apt-get install swift swift-proxy "
                                 "swift-object swift-account swift-container)" % exe)
        fx = import_fixture()
        self.srv = fx.S3Server()
        try:
            self.srv.start()
        except Exception:
            self.srv.stop()
            raise
        self.log("  Swift s3api at %s (pids %s)" % (
            self.srv.endpoint, ",".join("%s=%d" % (k, p.pid)
                                        for k, p in self.srv.procs.items())))

    def stop(self):
        if self._wm:
            self._wm.close()
            self._wm = None
        if self.srv:
            self.srv.stop()
            self.srv = None

    def prepare_topic(self, path):
        """P partitions x M records, explicit partitions, zstd batches."""
        from confluent_kafka import Producer
        topic = "bench-s3-%d" % self.n
        self.log("  pre-producing %s (%d partitions x %d records, zstd)" %
                 (topic, self.parts, PER_PARTITION))
        self.b.mock.create(topic, self.parts)
        p = Producer({"bootstrap.servers": self.b.mock.bootstrap,
                      "compression.type": "zstd", "linger.ms": 50,
                      "batch.size": 1000000, "queue.buffering.max.kbytes": 1048576,
                      "log_level": 3})
        i = 0
        with open(path, "rb") as f:
            for line in f:
                if i >= self.n:
                    break
                val = line[:-1]
                while True:
                    try:
                        p.produce(topic, val, partition=i // PER_PARTITION)
                        break
                    except BufferError:
                        p.poll(0.05)
                i += 1
        if p.flush(60) != 0:
            raise BenchError("pre-producing %s: delivery did not finish" % topic)
        if i != self.n:
            raise BenchError("%s has only %d lines" % (path, i))
        self.check_topic(topic, self.n)
        self.topic = topic

    def wm_consumer(self):
        if self._wm is None:
            from confluent_kafka import Consumer
            self._wm = Consumer({"bootstrap.servers": self.b.mock.bootstrap,
                                 "group.id": "bench-s3-wm", "log_level": 3})
        return self._wm

    def watermarks(self, topic):
        """[(lo, hi)] per partition."""
        from confluent_kafka import TopicPartition
        c = self.wm_consumer()
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                for p in range(self.parts)]

    def check_topic(self, topic, n):
        wm = self.watermarks(topic)
        bad = [(p, lo, hi) for p, (lo, hi) in enumerate(wm)
               if lo != 0 or hi != n // self.parts]
        if bad:
            raise BenchError("%s partitions %s: offsets lo..hi, expected 0..%d "
                             "(the mock trimmed them?)" % (topic, bad[:4], n // self.parts))

    # -------------------------------------------------------- helpers

    def connector_props(self, bucket):
        return {"s3.bucket.name": bucket, "s3.region": self.srv.region,
                "store.url": self.srv.endpoint,
                "aws.access.key.id": self.srv.access_key,
                "aws.secret.access.key": self.srv.secret_key}

    def objects(self, bucket):
        """{key: size} of the bucket."""
        out = {}
        kw = {"Bucket": bucket}
        while True:
            r = self.srv.client.list_objects_v2(**kw)
            for o in r.get("Contents", []):
                out[o["Key"]] = o["Size"]
            if not r.get("IsTruncated"):
                return out
            kw["ContinuationToken"] = r["NextContinuationToken"]

    def swift_cpu(self):
        """{server: user+sys CPU s} of the Swift processes."""
        out = {}
        for k, p in self.srv.procs.items():
            try:
                out[k] = proc_cpu(p.pid)
            except OSError:
                out[k] = 0.0
        return out

    def swift_note(self, base, before):
        after = self.swift_cpu()
        d = {k: after[k] - before.get(k, 0.0) for k in after}
        add_note(base, "Swift CPU s during the run: "
                 "proxy %.2f, object %.2f, container %.2f" %
                 (d.get("proxy", 0), d.get("object", 0), d.get("container", 0)))

    def new_bucket(self):
        return self.srv.new_bucket().bucket

    def body(self, bucket, key):
        return self.srv.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    @staticmethod
    def unzstd(data):
        p = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True)
        if p.returncode != 0:
            raise BenchError("zstd -d failed: %s" % p.stderr.decode(errors="replace"))
        return p.stdout

    def check_content(self, base, data_parts, fmt):
        """data_parts: uncompressed object bodies. Counts records and payload
        bytes (JSON: each line a quoted string of SIZE bytes)."""
        recs = 0
        payload = 0
        bad = 0
        for data in data_parts:
            for line in data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"):
                recs += 1
                if fmt == "json":
                    if not (line.startswith(b'"') and line.endswith(b'"')):
                        bad += 1
                    line = line[1:-1]
                payload += len(line)
        if recs != self.n or payload != self.n * SIZE or bad:
            add_note(base, "objects hold %d records / %d payload bytes, expected "
                     "%d / %d%s" % (recs, payload, self.n, self.n * SIZE,
                                    " (%d lines not JSON strings)" % bad if bad else ""))
            return False
        return True

    # ----------------------------------------------------- Kafka -> S3

    def sink_config(self, bucket, fmt, fclass, codec):
        cfg = {"connector.class": "io.confluent.connect.s3.S3SinkConnector",
               "topics": self.topic, "tasks.max": "1",
               "flush.size": str(PER_PARTITION), "s3.part.size": str(PART_SIZE),
               "format.class": fclass, "s3.compression.type": codec}
        if fmt == "bytes":
            cfg["value.converter"] = BYTES_CONVERTER
            cfg["key.converter"] = BYTES_CONVERTER
        cfg.update(self.connector_props(bucket))
        return cfg

    def sluice_sink(self, fmt, fclass, ext, codec):

        def run():
            bucket = self.new_bucket()
            name = "s3sink-%d" % (self.b.run_no + 1)
            base = self.b.row(scenario="Kafka->S3 %s" % fmt, size=SIZE, codec=codec,
                              tool="sluice", shards="default", records=self.n,
                              payload=self.n * SIZE)
            state = {"t0": None}

            def progress(w):
                # The sink logs "Committed s3://..." once an object is
                # complete; reading the log keeps the harness off the
                # server (a bucket listing every 20-50 ms cost Swift more
                # CPU than the uploads). The bucket is checked afterwards.
                now = time.monotonic()
                if state["t0"] is None:  # first call: right after the POST
                    state["t0"] = now
                text = w.log_text()
                # "first": the sink task got its partitions; the mock
                # delays every first group join by ~3 s
                if base["first"] is None and "assigned" in text:
                    base["first"] = now - state["t0"]
                return text.count("Committed s3://%s/" % bucket)
            self.log("  Kafka->S3 %s x %d %s %s: sluice S3SinkConnector" %
                     ("1KiB", self.n, fmt, codec))
            sw = self.swift_cpu()
            self.b.sluice_run(base, name, self.sink_config(bucket, fmt, fclass, codec),
                              self.b.worker_settings(sink=True), progress, self.parts)
            self.swift_note(base, sw)
            if base["elapsed"] is None:
                return base
            objs = self.objects(bucket)
            suffix = "." + ext + (".zst" if codec == "zstd" else "")
            odd = [k for k in objs if not k.endswith(suffix)]
            if len(objs) != self.parts or odd:
                add_note(base, "%d objects (%s), expected %d *%s" %
                         (len(objs), ", ".join(odd[:2]), self.parts, suffix))
            stored = sum(objs.values())
            bodies = [self.body(bucket, k) for k in sorted(objs)]
            if codec == "zstd":
                bodies = [self.unzstd(d) for d in bodies]
            if self.check_content(base, bodies, fmt):
                self.written[(fmt, codec)] = bucket
            add_note(base, "%d objects, %.1f MiB stored" % (len(objs), stored / MIB))
            return base
        return run

    def kcat_sink(self, fmt, codec):

        def run():
            bucket = self.new_bucket()
            key = "kcat/%s.%s%s" % (self.topic, "json" if fmt == "json" else "bin",
                                    ".zst" if codec == "zstd" else "")
            base = self.b.row(scenario="Kafka->S3 %s" % fmt, size=SIZE, codec=codec,
                              tool="kcat", records=self.n, payload=self.n * SIZE)
            url = "http://test%%3Atester:%s@127.0.0.1:%d/%s/%s" % (
                self.srv.secret_key, self.srv.port, bucket, key)
            kc = [self.b.kcat, "-C", "-b", self.b.mock.bootstrap, "-t", self.topic,
                  "-o", "beginning", "-e", "-q",
                  "-f", '"%s"\\n' if fmt == "json" else "%s\\n"]
            for kv in CONSUMER.items():
                kc += ["-X", "%s=%s" % kv]
            q = " ".join("'%s'" % a for a in kc)
            pipe = q
            if codec == "zstd":
                pipe += " | zstd -3 -q -c"
            pipe += (" | curl -sS -f -o /dev/null --aws-sigv4 aws:amz:%s:s3 "
                     "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T - '%s'"
                     % (self.srv.region, url))
            # set -o pipefail is not in dash: check kcat's part by content
            self.log("  Kafka->S3 1KiB x %d %s %s: kcat -C | %scurl -T -" %
                     (self.n, fmt, codec, "zstd | " if codec == "zstd" else ""))
            sw = self.swift_cpu()
            self.b.kcat_run(base, ["sh", "-c", pipe])
            self.swift_note(base, sw)
            if base["elapsed"] is None:
                return base
            try:
                data = self.body(bucket, key)
            except Exception as e:  # noqa: BLE001
                add_note(base, "object missing: %s" % e)
                return base
            stored = len(data)
            if codec == "zstd":
                data = self.unzstd(data)
            self.check_content(base, [data], fmt)
            add_note(base, "1 object, %.1f MiB stored" % (stored / MIB))
            return base
        return run

    # ----------------------------------------------------- S3 -> Kafka

    def sluice_source(self, fmt, fclass, codec):

        def run():
            bucket = self.written.get((fmt, codec))
            base = self.b.row(scenario="S3->Kafka %s" % fmt, size=SIZE, codec=codec,
                              tool="sluice", shards="default", records=self.n,
                              payload=self.n * SIZE)
            if bucket is None:
                add_note(base, "FAILED: no good sink output to restore")
                return base
            name = "s3src-%d" % (self.b.run_no + 1)
            dest = "bench-s3-restore-%d" % (self.b.run_no + 1)
            self.b.mock.create(dest, self.parts)
            cfg = {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector",
                   "tasks.max": "1", "format.class": fclass,
                   "record.batch.max.size": "10000",
                   "transforms": "r",
                   "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
                   "transforms.r.regex": ".*",
                   "transforms.r.replacement": dest}
            if fmt == "bytes":
                cfg["value.converter"] = BYTES_CONVERTER
                cfg["key.converter"] = BYTES_CONVERTER
            cfg.update(self.connector_props(bucket))
            state = {"t": 0.0, "got": 0}

            def progress(w):
                now = time.monotonic()
                if now - state["t"] >= LIST_EVERY:
                    state["t"] = now
                    state["got"] = sum(hi for _, hi in self.watermarks(dest))
                return state["got"]
            self.log("  S3->Kafka 1KiB x %d %s %s: sluice S3SourceConnector" %
                     (self.n, fmt, codec))
            # the restored topic must fit the mock's 5 MiB per partition too
            sw = self.swift_cpu()
            self.b.sluice_run(base, name, cfg, self.b.worker_settings(codec="zstd"),
                              progress, self.n)
            self.swift_note(base, sw)
            if base["elapsed"] is None:
                return base
            got = sum(hi for _, hi in self.watermarks(dest))
            if got != self.n:
                add_note(base, "topic holds %d records, expected %d" % (got, self.n))
            try:
                self.check_topic(dest, self.n)
                self.check_restored(base, dest)
            except BenchError as e:
                add_note(base, str(e))
            return base
        return run

    def check_restored(self, base, topic):
        """Reads the restored topic back: record count, payload bytes and
        that every partition got its own records back (sequence numbers)."""
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.b.mock.bootstrap,
                      "group.id": "bench-s3-check", "enable.auto.commit": False,
                      "fetch.wait.max.ms": 10, "log_level": 3})
        try:
            c.assign([TopicPartition(topic, p, 0) for p in range(self.parts)])
            recs = payload = misplaced = 0
            deadline = time.monotonic() + 120
            while recs < self.n and time.monotonic() < deadline:
                for m in c.consume(10000, 1.0):
                    if m.error():
                        continue
                    v = m.value() or b""
                    recs += 1
                    payload += len(v)
                    seq = int(v[:16], 16) if len(v) >= 16 else -1
                    if seq // PER_PARTITION != m.partition() or \
                            seq % PER_PARTITION != m.offset():
                        misplaced += 1
        finally:
            c.close()
        if recs != self.n or payload != self.n * SIZE or misplaced:
            add_note(base, "read back %d records / %d bytes (expected %d / %d), "
                     "%d not at their original partition+offset" %
                     (recs, payload, self.n, self.n * SIZE, misplaced))

    # ------------------------------------------------------------ run

    def run(self, path):
        """path: the lines file of 1 KiB values (at least n lines)."""
        if not self.b._ck:
            self.b.note("s3: needs python3-confluent-kafka; skipped")
            return
        try:
            self.start()
        except Exception as e:  # noqa: BLE001
            self.b.note("s3: Swift did not start, skipped: %s" % e)
            self.log("SKIP s3: %s" % e)
            self.stop()
            return
        try:
            self.prepare_topic(path)
            for fmt, fclass, ext, _ in FORMATS:
                for codec in ("none", "zstd"):
                    self.b.measure([self.sluice_sink(fmt, fclass, ext, codec),
                                    self.kcat_sink(fmt, codec)])
            for fmt, fclass, ext, _ in FORMATS:
                for codec in ("none", "zstd"):
                    self.b.measure([self.sluice_source(fmt, fclass, codec)])
        finally:
            self.stop()
