#!/usr/bin/python3
"""sluice vs kcat on the same mock broker and files. Run through
bench/run.sh, which builds the release binaries first; see
bench/README.md for what is measured and how."""
import argparse
import csv
import datetime
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gendata  # noqa: E402
import s3bench  # noqa: E402
import xform  # noqa: E402
from harness import (POLL_S, BenchError, MockBroker, Worker,  # noqa: E402
                     proc_status_kib, wait_rusage)

TIME = "/usr/bin/time"
GIB = 1 << 30
MIB = 1 << 20

# (value bytes, records) per data set; the files add '\n' to each line
FULL = {
    "sets": [(100, 2_000_000), (1024, 500_000)],
    "codecs": ["none", "zstd"],
    "shards": [1, 2],
    "big_bytes": GIB,
    "reps": 3,
    "timeout": 300,
}
QUICK = {
    "sets": [(100, 200_000), (1024, 50_000)],
    "codecs": ["none", "zstd"],
    "shards": [1, 2],
    "big_bytes": 128 * MIB,
    "reps": 1,
    "timeout": 60,
}
PRODUCE_TOPIC = "bench-produce"
# scenarios left out of the default run (--only names them)
OPT_IN = {"s3"}
PRODUCE_PARTITIONS = 64
# The mock keeps the newest 5 MiB per partition: consume topics get
# enough partitions to hold everything at about half that.
CONSUME_FILL = 2.5 * MIB
RECORD_OVERHEAD = 80  # v2 record + batch overhead per record, generous

# Consumer settings for both tools: the mock never wakes a waiting Fetch,
# so a long fetch.wait.max.ms only adds idle time; the mock's group joins
# take session.timeout - 1 s (librdkafka's default is 45 s).
CONSUMER = {"fetch.wait.max.ms": "10"}
SINK_GROUP = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "2000"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def add_note(row, text):
    row["note"] = (row["note"] + "; " if row["note"] else "") + text


def size_label(n):
    return "%dKiB" % (n // 1024) if n >= 1024 and n % 1024 == 0 else "%dB" % n


def kcat_version():
    try:
        out = subprocess.run(["kcat", "-V"], capture_output=True, text=True).stdout
        m = re.search(r"Version ([\d.]+)", out)
        return "kcat %s" % (m.group(1) if m else "?")
    except OSError:
        return "kcat ?"


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = QUICK if args.quick else FULL
        self.reps = args.reps or self.p["reps"]
        self.root = os.path.abspath(args.root)
        self.sluice = os.path.join(self.root, "build-release", "sluice")
        self.mock_exe = os.path.join(self.root, "build-release", "tools", "mock-broker")
        self.work = os.path.abspath(args.work)
        self.rows = []
        self.notes = []
        self.run_no = 0
        self.kcat = shutil.which("kcat")
        self.plugin_path = os.environ.get("BENCH_PLUGIN_PATH", "")
        self.sluice_version = "?"
        self.shard_seen = {}
        self.consume_topics = set()
        self.mock = None
        self.mock_rss = None
        self.xform_csv = None  # xform-bench's own CSV, kept as latest-xform.csv
        try:
            from confluent_kafka import Consumer, TopicPartition
            self._ck = (Consumer, TopicPartition)
        except ImportError:
            self._ck = None
            self.note("python3-confluent-kafka missing: record counts on the "
                      "broker are not verified")

    def note(self, msg):
        if msg not in self.notes:
            self.notes.append(msg)

    # ------------------------------------------------------- helpers

    def rundir(self, tag):
        self.run_no += 1
        d = os.path.join(self.work, "runs", "%03d-%s" % (self.run_no, tag))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def worker_settings(self, codec=None, shards=None, sink=False):
        s = {}
        if shards is not None:
            s["shard.count"] = str(shards)
        if codec is not None:
            s["producer.compression.type"] = codec
        if sink:
            for k, v in list(CONSUMER.items()) + list(SINK_GROUP.items()):
                s["consumer." + k] = v
        if self.plugin_path:
            s["plugin.path"] = self.plugin_path
        return s

    def watermarks(self, topic):
        """(sum of end offsets, sum of start offsets) over all partitions."""
        if not self._ck:
            return None
        Consumer, TopicPartition = self._ck
        c = Consumer({"bootstrap.servers": self.mock.bootstrap,
                      "group.id": "bench-watermarks", "log_level": 3})
        try:
            md = c.list_topics(topic, timeout=10)
            lo_sum = hi_sum = 0
            for p in md.topics[topic].partitions:
                lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                lo_sum += lo
                hi_sum += hi
            return hi_sum, lo_sum
        finally:
            c.close()

    def verify_produced(self, base, topic, before, n):
        if before is None or base["elapsed"] is None:
            return
        grew = self.watermarks(topic)[0] - before[0]
        if grew != n:
            add_note(base, "topic grew by %d records, expected %d" % (grew, n))

    def check_shards(self, worker, shards):
        """How many shard threads the worker log reports starting."""
        n = len(set(re.findall(r"shard (\d+) running on CPU", worker.log_text())))
        key = "default" if shards is None else shards
        self.shard_seen.setdefault(key, set()).add(n)
        return n

    def row(self, **kw):
        r = dict(scenario="", size=0, codec="", tool="", shards="", records=0,
                 payload=0, elapsed=None, cpu=None, rss=None, first=None,
                 note="")
        r.update(kw)
        return r

    def measure(self, runs):
        """runs: functions returning one result row each. Every function
        runs self.reps times, interleaved (a b c a b c ...) so drift in
        the shared broker hits them alike; the row with the median elapsed
        time is kept for each."""
        got = [[] for _ in runs]
        for rep in range(self.reps):
            for i, fn in enumerate(runs):
                got[i].append(fn())
        for results in got:
            ok = sorted((r for r in results if r["elapsed"]),
                        key=lambda r: r["elapsed"])
            r = ok[(len(ok) - 1) // 2] if ok else results[-1]
            if len(results) > 1 and ok:
                add_note(r, "median of %s s" % "/".join(
                    "%.2f" % x["elapsed"] for x in ok))
            if len(ok) < len(results) and ok:
                add_note(r, "%d of %d runs failed" % (len(results) - len(ok),
                                                      len(results)))
            self.rows.append(r)

    # ------------------------------------------------- sluice runs

    def sluice_run(self, base, name, config, settings, progress, target,
                   shards=None, sample_rss=False):
        """Create one connector on a fresh worker and wait until
        progress(worker) >= target. Fills elapsed, cpu, rss and first (time
        until progress first moved) in base."""
        d = self.rundir(name)
        try:
            w = Worker(self.sluice, d, self.mock.bootstrap, settings)
        except BenchError as e:
            add_note(base, "FAILED: %s" % e)
            log("  " + base["note"])
            return base
        rss_max = 0.0
        try:
            cpu0 = w.cpu()
            t0 = time.monotonic()
            w.rest("POST", "/connectors", {"name": name, "config": config})
            last_status = t0
            while True:
                got = progress(w)
                now = time.monotonic()
                if got > 0 and base["first"] is None:
                    base["first"] = now - t0
                if got >= target:
                    break
                if sample_rss:
                    rss_max = max(rss_max, w.rss_mib())
                if not w.alive():
                    raise BenchError("worker died (see %s)" % w.log_path)
                if now - last_status > 1.0:
                    last_status = now
                    st = w.rest("GET", "/connectors/%s/status" % name)
                    for t in st.get("tasks", []):
                        if t.get("state") == "FAILED":
                            raise BenchError("task failed: %s" %
                                             (t.get("trace") or "")[:300])
                if now - t0 > self.p["timeout"]:
                    raise BenchError("not done after %ds (see %s)" %
                                     (self.p["timeout"], w.log_path))
                time.sleep(POLL_S)
            base["elapsed"] = time.monotonic() - t0
            base["cpu"] = w.cpu() - cpu0
            base["rss"] = w.hwm_mib()
            if sample_rss:
                base["rss_sampled"] = max(rss_max, w.rss_mib())
            n = self.check_shards(w, shards)
            if shards is not None and n != shards:
                add_note(base, "log shows %d shard thread(s)" % n)
        except BenchError as e:
            add_note(base, "FAILED: %s" % e)
            log("  " + base["note"])
        finally:
            w.stop()
        return base

    @staticmethod
    def offsets_sum(w, name, key):
        o = w.rest("GET", "/connectors/%s/offsets" % name)
        total = 0
        for e in o.get("offsets", []):
            v = (e.get("offset") or {}).get(key)
            if isinstance(v, (int, float)):
                total += int(v)
        return total

    # --------------------------------------------------- kcat runs

    def kcat_run(self, base, args, stdout=None, poll=None, reached=None):
        """Run kcat to its exit. CPU and peak RSS come from GNU time, whose
        small process forks kcat: a child spawned straight from Python
        would report Python's peak RSS (Linux keeps the pre-exec peak in
        ru_maxrss). Without /usr/bin/time, VmHWM is polled instead."""
        d = self.rundir("kcat")
        errlog = open(os.path.join(d, "kcat.err"), "w")
        tfile = os.path.join(d, "time.out")
        use_time = os.access(TIME, os.X_OK)
        if use_time:
            args = [TIME, "-f", "%U %S %M", "-o", tfile] + args
        hwm = [0]

        def tick():
            if not use_time:
                try:
                    hwm[0] = max(hwm[0], proc_status_kib(p.pid, "VmHWM"))
                except OSError:
                    pass
            if poll:
                poll(t0)
        t0 = time.monotonic()
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                             stdout=stdout or subprocess.DEVNULL, stderr=errlog)
        try:
            rc, ru, tend = wait_rusage(p, self.p["timeout"], tick)
            if rc != 0:
                raise BenchError("kcat exited %d (see %s)" % (rc, errlog.name))
            end = reached() if reached else tend
            if end is None:
                raise BenchError("kcat exited before all records arrived")
            base["elapsed"] = end - t0
            if use_time:
                with open(tfile) as f:
                    u, s, m = f.read().split()[-3:]
                base["cpu"] = float(u) + float(s)
                base["rss"] = int(m) / 1024
            else:
                base["cpu"] = ru.ru_utime + ru.ru_stime
                base["rss"] = hwm[0] / 1024
                self.note("/usr/bin/time missing: kcat's peak RSS is polled "
                          "VmHWM (may miss the last 20 ms)")
        except BenchError as e:
            add_note(base, "FAILED: %s" % e)
            log("  " + base["note"])
        finally:
            errlog.close()
        return base

    def kcat_produce_run(self, scenario, size, n, path, codec):
        def run():
            gendata.warm(path)
            base = self.row(scenario=scenario, size=size, codec=codec,
                            tool="kcat", records=n, payload=n * size)
            args = [self.kcat, "-P", "-b", self.mock.bootstrap, "-t", PRODUCE_TOPIC,
                    "-X", "enable.idempotence=true"]
            if codec != "none":
                args += ["-z", codec]
            args += ["-l", path]
            before = self.watermarks(PRODUCE_TOPIC)
            log("  %s %s x %d %s: kcat -P -l" % (scenario, size_label(size), n, codec))
            self.kcat_run(base, args)
            self.verify_produced(base, PRODUCE_TOPIC, before, n)
            return base
        return run

    # --------------------------------------------------- scenarios

    def file_source_run(self, scenario, size, n, path, codec, shards,
                        sample_rss=False):
        fsize = os.path.getsize(path)

        def run():
            gendata.warm(path)
            name = "fsrc-%d" % (self.run_no + 1)
            base = self.row(scenario=scenario, size=size, codec=codec,
                            tool="sluice", shards=shards if shards else "default",
                            records=n, payload=n * size)
            cfg = {"connector.class": "FileStreamSource", "file": path,
                   "topic": PRODUCE_TOPIC, "mode": "bulk", "tasks.max": "1",
                   "batch.size": "10000"}
            before = self.watermarks(PRODUCE_TOPIC)
            log("  %s %s x %d %s: sluice FileStreamSource shard.count=%s" %
                (scenario, size_label(size), n, codec, base["shards"]))
            self.sluice_run(base, name, cfg, self.worker_settings(codec, shards),
                            lambda w: self.offsets_sum(w, name, "position"), fsize,
                            shards=shards, sample_rss=sample_rss)
            self.verify_produced(base, PRODUCE_TOPIC, before, n)
            return base
        return run

    def file_to_kafka(self, size, n, path, codec):
        runs = [self.file_source_run("file->Kafka", size, n, path, codec, s)
                for s in self.p["shards"]]
        runs.append(self.kcat_produce_run("file->Kafka", size, n, path, codec))
        self.measure(runs)

    def prepare_consume_topic(self, size, n, path, codec):
        parts = int(n * (size + RECORD_OVERHEAD) / CONSUME_FILL) + 1
        parts = max(8, (parts + 7) // 8 * 8)
        topic = "bench-consume-%d-%d-%s" % (size, n, codec)
        if topic in self.consume_topics:
            return topic
        log("  pre-producing %s (%d partitions)" % (topic, parts))
        self.mock.create(topic, parts)
        # Per-message random partitions spread the data evenly, so no
        # partition comes near the mock's 5 MiB window.
        subprocess.run([self.kcat, "-P", "-b", self.mock.bootstrap, "-t", topic,
                        "-X", "sticky.partitioning.linger.ms=0",
                        "-X", "linger.ms=50", "-z", codec, "-l", path],
                       check=True, stdin=subprocess.DEVNULL)
        wm = self.watermarks(topic)
        if wm and (wm[0] != n or wm[1] != 0):
            raise BenchError("%s holds offsets %d..%d, expected 0..%d: the mock "
                             "trimmed it" % (topic, wm[1], wm[0], n))
        self.consume_topics.add(topic)
        return topic

    def kafka_to_file(self, size, n, path, codec):
        topic = self.prepare_consume_topic(size, n, path, codec)
        expect = os.path.getsize(path)
        out = os.path.join(self.work, "sink-out.txt")

        def size_of():
            try:
                return os.path.getsize(out)
            except OSError:
                return 0

        def check(base):
            if base["elapsed"] is not None:
                lines = 0
                with open(out, "rb", buffering=0) as f:
                    for b in iter(lambda: f.read(8 << 20), b""):
                        lines += b.count(b"\n")
                if lines != n:
                    add_note(base, "wrote %d lines, expected %d" % (lines, n))
            if os.path.exists(out):
                os.unlink(out)

        def sluice_with(shards):
            def sluice():
                if os.path.exists(out):
                    os.unlink(out)
                name = "fsink-%d" % (self.run_no + 1)
                base = self.row(scenario="Kafka->file", size=size, codec=codec,
                                tool="sluice", shards=shards, records=n,
                                payload=n * size)
                cfg = {"connector.class": "FileStreamSink", "file": out,
                       "topics": topic, "tasks.max": "1"}
                log("  Kafka->file %s x %d %s: sluice FileStreamSink shard.count=%d"
                    % (size_label(size), n, codec, shards))
                self.sluice_run(base, name, cfg,
                                self.worker_settings(shards=shards, sink=True),
                                lambda w: size_of(), expect)
                check(base)
                return base
            return sluice

        def kcat():
            if os.path.exists(out):
                os.unlink(out)
            base = self.row(scenario="Kafka->file", size=size, codec=codec,
                            tool="kcat", records=n, payload=n * size)
            state = {"done": None}

            def poll(t0):
                sz = size_of()
                now = time.monotonic()
                if base["first"] is None and sz > 0:
                    base["first"] = now - t0
                if state["done"] is None and sz >= expect:
                    state["done"] = now

            def reached():
                if state["done"] is None and size_of() >= expect:
                    state["done"] = time.monotonic()
                return state["done"]

            args = [self.kcat, "-C", "-b", self.mock.bootstrap, "-t", topic,
                    "-o", "beginning", "-e", "-q", "-f", "%s\n"]
            for kv in CONSUMER.items():
                args += ["-X", "%s=%s" % kv]
            log("  Kafka->file %s x %d: kcat -C" % (size_label(size), n))
            with open(out, "wb") as f:
                self.kcat_run(base, args, stdout=f, poll=poll, reached=reached)
            check(base)
            return base
        self.measure([sluice_with(s) for s in self.p["shards"]] + [kcat])

    def generator(self, size, n, path, have_datagen, codec):
        runs = []

        def sluice_with(shards):
            def sluice():
                name = "gen-%d" % (self.run_no + 1)
                base = self.row(scenario="gen->Kafka", size=size, codec=codec,
                                tool="sluice", shards=shards, records=n,
                                payload=n * size)
                cfg = {"connector.class": "DataGenSource", "topic": PRODUCE_TOPIC,
                       "count": str(n), "record.size": str(size),
                       "tasks.max": "1"}
                before = self.watermarks(PRODUCE_TOPIC)
                log("  gen->Kafka %s x %d %s: sluice DataGenSource shard.count=%d"
                    % (size_label(size), n, codec, shards))
                self.sluice_run(base, name, cfg, self.worker_settings(codec, shards),
                                lambda w: self.offsets_sum(w, name, "seq"), n)
                self.verify_produced(base, PRODUCE_TOPIC, before, n)
                return base
            return sluice
        if have_datagen:
            runs += [sluice_with(s) for s in self.p["shards"]]
        runs.append(self.kcat_produce_run("gen->Kafka", size, n, path, codec))
        self.measure(runs)

    def idle_rss(self):
        log("  idle worker RSS")
        w = Worker(self.sluice, self.rundir("idle"), self.mock.bootstrap,
                   self.worker_settings())
        try:
            time.sleep(2)
            rss, hwm = w.rss_mib(), w.hwm_mib()
        finally:
            w.stop()
        self.rows.append(self.row(scenario="idle worker", tool="sluice",
                                  shards="default", rss=rss,
                                  note="VmRSS after 2 s with no connectors "
                                       "(VmHWM %.1f MiB)" % hwm))

    def big_file(self, path, n):
        big = self.p["big_bytes"]
        label = "file->Kafka %s" % ("%dGiB" % (big // GIB) if big % GIB == 0
                                    else "%dMiB" % (big // MIB))
        self.reps, reps = 1, self.reps
        try:
            self.measure([self.file_source_run(label, 1023, n, path, "none", None,
                                               sample_rss=True),
                          self.kcat_produce_run(label, 1023, n, path, "none")])
        finally:
            self.reps = reps
        r = self.rows[-2]
        if r.get("rss_sampled") is not None:
            add_note(r, "VmRSS sampled every 20 ms peaked at %.1f MiB" %
                     r["rss_sampled"])

    # ---------------------------------------------------------- run

    def run(self):
        os.makedirs(self.work, exist_ok=True)
        sets = self.p["sets"]
        only = set(self.args.only.split(",")) if self.args.only else None

        def want(s):
            # s3 (Swift on loopback) runs only when named: see bench/README.md
            return s in only if only is not None else s not in OPT_IN

        log("data files in %s" % self.work)
        paths = {}
        for size, n in sets:
            paths[size] = os.path.join(self.work, "lines-%d-%d.txt" % (size, n))
            gendata.lines_file(paths[size], n, size)
        big_n = self.p["big_bytes"] // 1024
        big_path = os.path.join(self.work, "big-%d.txt" % self.p["big_bytes"])
        if want("rss"):
            gendata.lines_file(big_path, big_n, 1023)

        self.mock = MockBroker(self.mock_exe, self.args.brokers, self.work)
        try:
            self.mock.create(PRODUCE_TOPIC, PRODUCE_PARTITIONS)
            probe = Worker(self.sluice, self.rundir("probe"), self.mock.bootstrap,
                           self.worker_settings())
            try:
                info = probe.rest("GET", "/")
                self.sluice_version = "%s (%s)" % (info.get("version"), info.get("commit"))
                plugins = probe.rest("GET", "/connector-plugins")
            finally:
                probe.stop()
            have_datagen = any(p.get("class", "").split(".")[-1] in
                               ("DataGenSourceConnector", "DataGenSource")
                               for p in plugins)
            if (want("gen") or want("xform")) and not have_datagen:
                self.note("DataGenSource is not listed by GET /connector-plugins "
                          "of this build: sluice's generator runs were skipped "
                          "(kcat rows only)")
                log("SKIP sluice generator runs: GET /connector-plugins does not "
                    "list DataGenSource")

            if want("f2k"):
                log("file->Kafka")
                for size, n in sets:
                    for codec in self.p["codecs"]:
                        self.file_to_kafka(size, n, paths[size], codec)
            if want("k2f"):
                log("Kafka->file")
                for size, n in sets:
                    for codec in self.p["codecs"]:
                        self.kafka_to_file(size, n, paths[size], codec)
            if want("gen"):
                log("generator->Kafka")
                for size, n in sets:
                    for codec in self.p["codecs"]:
                        self.generator(size, n, paths[size], have_datagen, codec)
            if want("rss"):
                log("memory")
                self.idle_rss()
                self.big_file(big_path, big_n)
            if want("xform"):
                log("transforms")
                xform.micro(self, log)
                xform.e2e(self, sets[0][0], sets[0][1], have_datagen, log)
            if want("s3"):
                log("object store (S3 on Swift)")
                s3bench.S3Bench(self, log).run(paths[1024])
            self.mock_rss = self.mock.rss_mib()
        finally:
            self.mock.stop()
        self.finish()

    # ------------------------------------------------------- output

    def finish(self):
        for r in self.rows:
            e = r["elapsed"]
            r["msgs_s"] = r["records"] / e if e and r["records"] else None
            r["mb_s"] = r["payload"] / e / 1e6 if e and r["payload"] else None
            r["cpu_gib"] = (r["cpu"] / (r["payload"] / GIB)
                            if r["cpu"] is not None and r["payload"] else None)
            r["steady"] = None
            if e and r["first"] is not None and e - r["first"] > 0.001:
                r["steady"] = r["records"] / (e - r["first"])
        for r in self.rows:
            r["ratio"] = None
            if r["tool"] != "sluice" or not r["msgs_s"]:
                continue
            for k in self.rows:
                if (k["tool"] == "kcat" and k["scenario"] == r["scenario"] and
                        k["size"] == r["size"] and k["codec"] == r["codec"] and
                        k["msgs_s"]):
                    r["ratio"] = r["msgs_s"] / k["msgs_s"]
        for key, seen in sorted(self.shard_seen.items(), key=str):
            if seen == {0}:
                self.note("shard.count=%s: accepted, but the worker log shows no "
                          "shard threads (ignored by this build)" % key)
            else:
                self.note("shard.count=%s: the worker log showed %s shard "
                          "thread(s)" % (key, "/".join(str(s) for s in sorted(seen))))
        table = self.table()
        print(table)
        self.write_files(table)

    COLS = [("scenario", "scenario", "%s"), ("size", "size B", "%d"),
            ("codec", "codec", "%s"), ("tool", "tool", "%s"),
            ("shards", "shards", "%s"), ("records", "records", "%d"),
            ("elapsed", "elapsed s", "%.2f"), ("msgs_s", "msgs/s", "%.0f"),
            ("mb_s", "MB/s", "%.1f"), ("cpu", "CPU s", "%.2f"),
            ("cpu_gib", "CPU s/GiB", "%.2f"), ("rss", "peak RSS MiB", "%.1f"),
            ("first", "first s", "%.2f"), ("steady", "msgs/s after first", "%.0f"),
            ("ratio", "sluice/kcat", "%.2f")]

    def table(self):
        cells = [[h for _, h, _ in self.COLS]]
        for r in self.rows:
            line = []
            for key, _, fmt in self.COLS:
                v = r.get(key)
                empty = v is None or v == "" or (key in ("size", "records") and not v)
                line.append("-" if empty else fmt % v)
            cells.append(line)
        widths = [max(len(c[i]) for c in cells) for i in range(len(self.COLS))]
        out = []
        for j, c in enumerate(cells):
            out.append("  ".join(c[i].ljust(widths[i]) if i < 5 else c[i].rjust(widths[i])
                                 for i in range(len(c))).rstrip())
            if j == 0:
                out.append("  ".join("-" * w for w in widths))
        out.append("")
        out.append("sluice %s vs %s; mock-broker -b %d; %s mode, %d run(s) per "
                   "row; %d CPU(s)" % (self.sluice_version, kcat_version(),
                                       self.args.brokers,
                                       "quick" if self.args.quick else "full",
                                       self.reps, os.cpu_count()))
        for r in self.rows:
            # in-process transform rows: their details are the table below
            if r["note"] and not r.get("xform"):
                what = " ".join(x for x in (
                    r["scenario"], size_label(r["size"]) if r["size"] else "",
                    r["codec"], r["tool"],
                    "shards=%s" % r["shards"] if r["shards"] != "" else "") if x)
                out.append("  %s: %s" % (what, r["note"]))
        out.append("notes:")
        out += ["  - " + n for n in [
            "msgs/s and MB/s count value payload bytes (MB = 10^6 B); CPU s is "
            "user+sys of the measured process (sluice: from the POST on); peak "
            "RSS is VmHWM (kcat: GNU time's maximum RSS)",
            "sluice is timed from POST /connectors until its offsets (sources) "
            "or the output file (sink) show every record; kcat from its start "
            "until it exits (-P) or the output file is complete (-C)",
            "first s: time until anything was delivered (sluice sources: first "
            "offset in GET /offsets; Kafka->file: first output byte); msgs/s "
            "after first excludes that start-up time",
            "Kafka->file: sluice's sink joins a consumer group and the mock "
            "delays every first join by ~3 s; kcat -C assigns partitions "
            "without a group",
            "gen->Kafka: kcat has no generator; its rows are kcat -P -l reading "
            "a pre-generated file of the same records that is already in the "
            "page cache",
        ] + self.notes]
        if any(r.get("xform") for r in self.rows):
            out.append("  - xform <case>: xform-bench in process (no broker): records "
                       "through a source task's sl_source_batch_add with that "
                       "transform chain; msgs/s = 10^9 / ns per record; CPU s is "
                       "not sampled (the work runs on one thread: CPU ~ elapsed)")
        if self.mock_rss:
            out.append("  - mock broker RSS at the end: %.0f MiB" % self.mock_rss)
        out += xform.table(self.rows)
        return "\n".join(out)

    def write_files(self, table):
        res = os.path.join(self.root, "bench", "results")
        os.makedirs(res, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
        mode = "quick" if self.args.quick else "full"
        fields = ["date", "mode", "sluice", "scenario", "record_bytes", "codec",
                  "tool", "shards", "records", "payload_bytes", "elapsed_s",
                  "msgs_per_s", "mb_per_s", "cpu_s", "cpu_s_per_gib",
                  "peak_rss_mib", "first_s", "msgs_per_s_after_first",
                  "ratio_msgs_vs_kcat", "note"]
        latest = os.path.join(res, "latest.csv")

        def fmt(v, f):
            return "" if v is None else f % v
        with open(latest, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(fields)
            for r in self.rows:
                w.writerow([stamp, mode, self.sluice_version, r["scenario"],
                            r["size"] or "", r["codec"], r["tool"], r["shards"],
                            r["records"] or "", r["payload"] or "",
                            fmt(r["elapsed"], "%.3f"), fmt(r["msgs_s"], "%.0f"),
                            fmt(r["mb_s"], "%.2f"), fmt(r["cpu"], "%.3f"),
                            fmt(r["cpu_gib"], "%.3f"), fmt(r["rss"], "%.1f"),
                            fmt(r["first"], "%.3f"), fmt(r["steady"], "%.0f"),
                            fmt(r["ratio"], "%.3f"), r["note"]])
        shutil.copyfile(latest, os.path.join(res, "%s-%s.csv" % (stamp, mode)))
        xcsv = os.path.join(res, "latest-xform.csv")
        if self.xform_csv:
            with open(xcsv, "w") as f:
                f.write(self.xform_csv)
        elif os.path.exists(xcsv):  # from an earlier run: not this one's
            os.unlink(xcsv)
        with open(os.path.join(res, "latest.txt"), "w") as f:
            f.write(table + "\n")
        self.write_plot_data(os.path.join(res, "latest.dat"))

    def write_plot_data(self, path):
        """One line per (scenario, size, codec): msgs/s of sluice
        shard.count=1, of sluice shard.count=2 or default, of kcat ('-'
        when not run)."""
        groups = []
        for r in self.rows:
            key = (r["scenario"], r["size"], r["codec"])
            # in-process rows (tens of millions per second) would flatten
            # every other bar
            if r["records"] and r.get("plot", True) and key not in groups:
                groups.append(key)
        with open(path, "w") as f:
            f.write("# label sluice_shard1 sluice_shard2_or_default kcat (msgs/s)\n")
            for key in groups:
                vals = ["-", "-", "-"]
                for r in self.rows:
                    if (r["scenario"], r["size"], r["codec"]) != key or not r["msgs_s"]:
                        continue
                    i = 2 if r["tool"] == "kcat" else 0 if r["shards"] == 1 else 1
                    vals[i] = "%.0f" % r["msgs_s"]
                label = "%s\\n%s %s" % (key[0], size_label(key[1]), key[2])
                f.write('"%s" %s\n' % (label, " ".join(vals)))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small smoke run (< 2 min)")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/sluice-bench"))
    ap.add_argument("--brokers", type=int, default=int(os.environ.get("BENCH_BROKERS", "1")))
    ap.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", "0")),
                    help="runs per row, median kept (default: 3 full, 1 quick)")
    ap.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                    help="comma list of f2k,k2f,gen,rss,xform,s3 (default: all "
                         "but s3, which runs only when named)")
    args = ap.parse_args()
    if args.reps < 0:
        ap.error("--reps must be >= 1")
    b = Bench(args)
    if not b.kcat:
        sys.exit("kcat not found (apt-get install kcat)")
    try:
        b.run()
    except BenchError as e:
        sys.exit("bench: %s" % e)


if __name__ == "__main__":
    main()
