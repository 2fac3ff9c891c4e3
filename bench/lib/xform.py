"""The `xform` scenario: what single message transforms cost per record.

Two parts (see bench/README.md):
  - build-release/bench/xform-bench, an in-process micro-benchmark of a
    source task's record path (sl_source_batch_add) with and without
    transform chains; its rows join the table as `xform <case>`;
  - DataGenSource -> Kafka end to end with no chain, a 3-step chain whose
    predicate matches no record (a topic pattern, then a header key), and
    the same 3 steps applied."""
import csv
import io
import os
import subprocess

XFORM_TOPIC = "bench-xform"  # where the applied chain routes the records

# The same three steps for both chain runs: HoistField makes the string a
# struct, InsertField adds a static field, RegexRouter renames the topic.
STEPS = {
    "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
    "transforms.hoist.field": "line",
    "transforms.add.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.add.static.field": "source",
    "transforms.add.static.value": "datagen",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": "bench-produce",
    "transforms.route.replacement": XFORM_TOPIC,
}


# Predicates no record matches: every record stays untouched. A topic
# pattern is the usual "only for topic X" gate (a regex test per step); a
# header key is the cheapest test there is.
GATES = {
    "topic": {"predicates.never.type":
              "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
              "predicates.never.pattern": "other-.*"},
    "header": {"predicates.never.type":
               "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
               "predicates.never.name": "absent"},
}


def chain_config(gate=None):
    cfg = dict(STEPS, transforms="hoist,add,route")
    if gate:
        cfg.update(GATES[gate], predicates="never")
        for alias in ("hoist", "add", "route"):
            cfg["transforms.%s.predicate" % alias] = "never"
    return cfg


def _float(v):
    return float(v) if v not in (None, "") else None


def micro(bench, log):
    """Runs xform-bench --csv and adds one row per case."""
    exe = os.path.join(bench.root, "build-release", "bench", "xform-bench")
    if not os.access(exe, os.X_OK):
        bench.note("xform: %s missing (ninja -C build-release bench/xform-bench); "
                   "in-process transform rows skipped" % exe)
        log("SKIP xform micro-benchmark: %s missing" % exe)
        return
    args = [exe, "--csv", "--reps", str(bench.reps)]
    if bench.args.quick:
        args.append("--quick")
    errpath = os.path.join(bench.work, "xform-bench.err")
    log("  in-process: %s" % " ".join(os.path.basename(a) if a == exe else a
                                       for a in args))
    with open(errpath, "w") as err:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=err, text=True,
                           stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        bench.note("xform: xform-bench exited %d (see %s); in-process transform rows "
                   "skipped" % (p.returncode, errpath))
        log("  xform-bench FAILED (exit %d, see %s)" % (p.returncode, errpath))
        return
    bench.xform_csv = p.stdout
    for c in csv.DictReader(io.StringIO(p.stdout)):
        records = int(c["records"])
        host_ns = float(c["host_ns_per_record"])
        string = c["record"].startswith("string")
        row = bench.row(scenario="xform " + c["case"], size=100 if string else 0,
                        codec="", tool="sluice", shards="", records=records,
                        payload=records * 100 if string else 0,
                        elapsed=records * host_ns / 1e9, plot=False)
        row["xform"] = {
            "case": c["case"], "record": c["record"], "ns": host_ns,
            "extra": _float(c["extra_ns_per_record"]), "view": _float(c["view_ns"]),
            "copy": _float(c["copy_ns"]), "apply": _float(c["apply_ns"]),
            "free": _float(c["free_ns"]), "zc": "%s/%s" % (c["zero_copy_values"],
                                                           c["produced"]),
            "desc": c["transforms"], "kept": int(c["kept"]),
            "alloc": _float(c["alloc_bytes_per_record"]),
            # under 90% of a CPU: other load descheduled the measuring thread
            "busy": (_float(c["cpu_share"]) or 1.0) < 0.9,
        }
        note = "%s; %s, %.1f ns/record" % (c["transforms"], c["converter"], host_ns)
        if row["xform"]["extra"] is not None:
            note += " (%+.1f over %s)" % (row["xform"]["extra"], c["base"])
        if row["xform"]["apply"] is not None:
            note += "; chain alone: view %.1f, copy %.1f, apply %.1f, free %.1f ns" % (
                row["xform"]["view"], row["xform"]["copy"], row["xform"]["apply"],
                row["xform"]["free"])
        note += "; zero-copy values %s" % row["xform"]["zc"]
        if row["xform"]["alloc"] is not None:
            note += "; %.0f B allocated per record" % row["xform"]["alloc"]
        if row["xform"]["kept"] != records:
            note += "; kept %d of %d" % (row["xform"]["kept"], records)
        if row["xform"]["busy"]:
            note += "; descheduled during the run (other load): read with care"
        row["note"] = note
        bench.rows.append(row)


def e2e(bench, size, n, have_datagen, log):
    """DataGenSource -> Kafka with no chain, the chain gated by a predicate
    no record matches (a topic pattern, a header key) and the chain
    applied (msgs/s, CPU, as the gen scenario measures them)."""
    if not have_datagen:
        log("SKIP xform end-to-end runs: no DataGenSource")
        return
    bench.mock.create(XFORM_TOPIC, 64)
    produce_topic = "bench-produce"

    def run_with(label, chain, topic):
        def run():
            name = "xgen-%d" % (bench.run_no + 1)
            base = bench.row(scenario="gen->Kafka xform=%s" % label, size=size,
                             codec="none", tool="sluice", shards=1, records=n,
                             payload=n * size)
            cfg = {"connector.class": "DataGenSource", "topic": produce_topic,
                   "count": str(n), "record.size": str(size), "tasks.max": "1"}
            cfg.update(chain)
            before = bench.watermarks(topic)
            log("  gen->Kafka %dB x %d: sluice DataGenSource, transforms: %s" %
                (size, n, label))
            bench.sluice_run(base, name, cfg, bench.worker_settings("none", 1),
                             lambda w: bench.offsets_sum(w, name, "seq"), n)
            bench.verify_produced(base, topic, before, n)
            return base
        return run

    bench.measure([run_with("none", {}, produce_topic),
                   run_with("untouched-topic", chain_config("topic"), produce_topic),
                   run_with("untouched-header", chain_config("header"), produce_topic),
                   run_with("3 steps", chain_config(), XFORM_TOPIC)])
    steps = "HoistField$Value, InsertField$Value, RegexRouter"
    for r in bench.rows[-4:]:
        label = r["scenario"].split("=", 1)[1]
        what = {"none": "no transforms",
                "untouched-topic": steps + ", each with a TopicNameMatches predicate "
                                   "no record matches",
                "untouched-header": steps + ", each with a HasHeaderKey predicate no "
                                    "record matches",
                "3 steps": steps + " to %s (StringConverter writes the struct as "
                                   "Struct{...})" % XFORM_TOPIC}[label]
        r["note"] = what + ("; " + r["note"] if r["note"] else "")


def table(rows):
    """The in-process rows as ns per record (the main table shows msgs/s)."""
    xs = [r["xform"] for r in rows if r.get("xform")]
    if not xs:
        return []
    head = ["case", "ns/rec", "+ns/rec", "alloc B", "view", "copy", "apply", "free",
            "zero-copy", "transforms"]
    cells = [head]

    def f(v):
        return "-" if v is None else "%.1f" % v
    for x in xs:
        cells.append([x["case"], "%.1f%s" % (x["ns"], "*" if x["busy"] else ""),
                      "-" if x["extra"] is None else "%+.1f" % x["extra"],
                      "-" if x["alloc"] is None else "%.0f" % x["alloc"],
                      f(x["view"]), f(x["copy"]), f(x["apply"]), f(x["free"]), x["zc"],
                      x["desc"]])
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    out = ["", "transforms in process (xform-bench): ns per input record through "
               "sl_source_batch_add (*: the thread got under 90% of a CPU);",
           "alloc B: bytes malloc'd per record on that path; view/copy/apply/free: the "
           "chain's parts alone, in ns; zero-copy: values produced",
           "straight from the connector's memory / records produced (JsonConverter "
           "always writes new bytes)", ""]
    for j, c in enumerate(cells):
        out.append("  ".join(c[i].ljust(widths[i]) if i in (0, len(c) - 1)
                             else c[i].rjust(widths[i]) for i in range(len(c))).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return out
