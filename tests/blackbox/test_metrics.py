"""Prometheus metrics (GET /metrics) and the dashboard's throughput history
(GET /metrics/throughput) served by the worker.

Every scrape goes through a strict parser of the text exposition format
0.0.4, so a malformed line fails whichever test reads it."""

import re
import time
import urllib.parse

import pytest

from conftest import (JSON_CONVERTER, consume_all, file_sink_config,
                      file_source_config, produce, wait_until)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
VALUE_RE = re.compile(r"[+-]?(\d+(\.\d*)?([eE][+-]?\d+)?|Inf|NaN)\Z")


# ------------------------------------------------------------ the parser

def _parse_labels(s, i, line):
    """Labels from s[i] == '{' to the closing '}': (dict, index after)."""
    labels = {}
    i += 1
    while True:
        if s[i] == "}":
            return labels, i + 1
        j = s.index("=", i)
        key = s[i:j]
        assert LABEL_RE.match(key), f"bad label name {key!r} in {line!r}"
        assert key not in labels, f"label {key} twice in {line!r}"
        assert s[j + 1] == '"', f"unquoted label value in {line!r}"
        i = j + 2
        val = []
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                assert esc in '\\"n', f"bad escape \\{esc} in {line!r}"
                val.append("\n" if esc == "n" else esc)
                i += 2
            else:
                assert s[i] != "\n"
                val.append(s[i])
                i += 1
        labels[key] = "".join(val)
        i += 1
        if s[i] == ",":
            i += 1
        else:
            assert s[i] == "}", f"expected , or }} in {line!r}"


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(labels, value)]}}; asserts
    the format: HELP and TYPE once per family before its samples, known
    types, counters named *_total, escaped labels, float values, a final
    newline and no duplicate series."""
    assert text.endswith("\n"), "exposition must end with a newline"
    fams = {}
    current = None
    seen = set()
    for line in text[:-1].split("\n"):
        assert line, "empty line in exposition"
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert NAME_RE.match(name), line
            assert name not in fams, f"family {name} declared twice"
            fams[name] = {"help": help_text, "type": None, "samples": []}
            current = name
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert name == current, f"TYPE of {name} not after its HELP"
            assert fams[name]["type"] is None, f"TYPE of {name} twice"
            assert typ in ("counter", "gauge"), line
            if typ == "counter":
                assert name.endswith("_total"), f"counter {name} not *_total"
            fams[name]["type"] = typ
            continue
        assert not line.startswith("#"), f"stray comment {line!r}"
        m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
        assert m, f"bad sample line {line!r}"
        name = m.group(0)
        assert name == current, f"sample {name} outside its family"
        assert fams[name]["type"], f"sample of {name} before its TYPE"
        i = m.end()
        labels = {}
        if line[i] == "{":
            labels, i = _parse_labels(line, i, line)
        assert line[i] == " ", f"expected a space in {line!r}"
        value = line[i + 1:]
        assert VALUE_RE.match(value), f"bad value in {line!r}"
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, f"duplicate series {line!r}"
        seen.add(key)
        fams[name]["samples"].append((labels, float(value)))
    return fams


def scrape(w):
    r = w.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPE
    return parse_exposition(r.text)


def series(fams, name, **labels):
    """Samples of family name whose labels include labels."""
    return [(lab, v) for lab, v in fams.get(name, {}).get("samples", [])
            if all(lab.get(k) == str(x) for k, x in labels.items())]


def value(fams, name, **labels):
    """The one sample matching labels, or None."""
    found = series(fams, name, **labels)
    assert len(found) <= 1, f"{name} {labels}: {found}"
    return found[0][1] if found else None


def metric(w, name, **labels):
    return value(scrape(w), name, **labels)


# -------------------------------------------------- parser self-checks

def test_parser_rejects_malformed_exposition():
    """The parser the other tests rely on catches what it must."""
    good = ('# HELP a_total x\n# TYPE a_total counter\n'
            'a_total{l="q\\"b\\\\n\\n"} 1\n')
    assert parse_exposition(good)["a_total"]["samples"] == \
        [({"l": 'q"b\\n\n'}, 1.0)]
    for bad in ('# HELP a x\n# TYPE a counter\na 1\n',   # counter name
                '# HELP a x\n# TYPE a gauge\na{l="\\t"} 1\n',  # escape
                '# HELP a x\n# TYPE a gauge\na 1',  # final newline
                '# HELP a x\n# TYPE a gauge\na{l="1"} 1\na{l="1"} 2\n',
                '# HELP a x\n# TYPE a gauge\nb 1\n',
                '# HELP a x\na 1\n'):
        with pytest.raises(AssertionError):
            parse_exposition(bad)


# ----------------------------------------------------------------- tests

@pytest.fixture
def w(mock_broker, worker):
    mb = mock_broker("mt:1", "mt-lag:1", "mt-err:1", "mt-dlq:1", "mt-del:1",
                     "mt-tp:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.bootstrap = mb.bootstrap
    return w


def test_content_type_worker_info_and_rings(w):
    fams = scrape(w)
    info = series(fams, "sluice_worker_info")
    assert len(info) == 1
    labels, v = info[0]
    assert v == 1
    assert labels["mode"] == "standalone"
    assert labels["version"] == w.get("/").json()["version"]
    assert labels["commit"]
    assert labels["worker_id"]
    assert value(fams, "sluice_connectors") == 0
    occ = series(fams, "sluice_ring_occupancy")
    cap = series(fams, "sluice_ring_capacity")
    assert occ and len(occ) == len(cap)
    caps = {(lab["ring"], lab["shard"]): v for lab, v in cap}
    for lab, v in occ:
        assert 0 <= v <= caps[(lab["ring"], lab["shard"])]
        assert caps[(lab["ring"], lab["shard"])] > 0


def test_unknown_metrics_path_is_404_json(w):
    r = w.get("/metrics/nope")
    assert r.status_code == 404
    assert r.json()["error_code"] == 404
    assert "message" in r.json()
    r = w.post("/metrics", json={})
    assert r.status_code == 405
    assert r.json()["error_code"] == 405


def test_pipeline_counters_match_what_moved(w, tmp_path):
    lines = [f"line-{i:04d}-" + "x" * (i % 17) for i in range(300)]
    nbytes = sum(len(x.encode()) for x in lines)
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    inp.write_text("".join(x + "\n" for x in lines))
    w.create("msrc", file_source_config(inp, "mt"))
    w.create("msink", file_sink_config(out, "mt"))

    def moved():
        f = scrape(w)
        return (value(f, "sluice_sink_records_put_total",
                      connector="msink", task=0) == len(lines) and
                value(f, "sluice_source_records_written_total",
                      connector="msrc", task=0) == len(lines) and
                value(f, "sluice_sink_offset_commits_total",
                      connector="msink", task=0) > 0)
    wait_until(moved, timeout=60, desc="all records counted")
    f = scrape(w)
    src = {"connector": "msrc", "task": 0}
    snk = {"connector": "msink", "task": 0}
    assert value(f, "sluice_source_records_polled_total", **src) == len(lines)
    # string converter, null keys: the bytes are the values' bytes
    assert value(f, "sluice_source_bytes_written_total", **src) == nbytes
    assert value(f, "sluice_source_records_active", **src) == 0
    assert value(f, "sluice_sink_records_read_total", **snk) == len(lines)
    assert value(f, "sluice_sink_bytes_read_total", **snk) == nbytes
    assert value(f, "sluice_task_state", state="RUNNING", **src) == 1
    assert value(f, "sluice_task_state", state="RUNNING", **snk) == 1
    assert len(series(f, "sluice_task_state", **src)) == 1
    assert value(f, "sluice_connectors") == 2
    # sinks carry no source series and the other way round
    assert value(f, "sluice_source_records_written_total", **snk) is None
    assert value(f, "sluice_sink_records_put_total", **src) is None
    assert value(f, "sluice_task_errors_total", kind="total-record-errors",
                 **snk) == 0


def test_sink_lag_while_paused(w, tmp_path):
    out = tmp_path / "out.txt"
    produce(w.bootstrap, "mt-lag", [f"a{i}" for i in range(5)])
    w.create("lagsink", file_sink_config(out, "mt-lag"))
    lag = {"connector": "lagsink", "task": 0, "topic": "mt-lag",
           "partition": 0}
    wait_until(lambda: metric(w, "sluice_sink_records_put_total",
                              connector="lagsink", task=0) == 5,
               timeout=60, desc="first records put")
    wait_until(lambda: metric(w, "sluice_sink_partition_lag", **lag) == 0,
               timeout=30, desc="no lag once caught up")
    assert w.put("/connectors/lagsink/pause").status_code == 202
    w.wait_state("lagsink", "PAUSED", task_state="PAUSED")
    produce(w.bootstrap, "mt-lag", [f"b{i}" for i in range(20)])
    wait_until(lambda: metric(w, "sluice_sink_partition_lag", **lag) == 20,
               timeout=60, desc="lag of 20 while paused")
    assert metric(w, "sluice_task_state", connector="lagsink", task=0,
                  state="PAUSED") == 1
    assert w.put("/connectors/lagsink/resume").status_code == 202
    wait_until(lambda: metric(w, "sluice_sink_partition_lag", **lag) == 0,
               timeout=60, desc="lag back to 0 after resume")
    assert metric(w, "sluice_sink_records_put_total", connector="lagsink",
                  task=0) == 25


def test_error_counters_with_tolerance_all(w, tmp_path):
    out = tmp_path / "out.txt"
    produce(w.bootstrap, "mt-err", ["not json", "{\"schema\":", "{bad"])
    w.create("errsink", file_sink_config(
        out, "mt-err", **{
            "value.converter": JSON_CONVERTER,
            "value.converter.schemas.enable": "true",
            "errors.tolerance": "all",
            "errors.log.enable": "true",
            "errors.deadletterqueue.topic.name": "mt-dlq",
            "errors.deadletterqueue.topic.replication.factor": "1"}))
    task = {"connector": "errsink", "task": 0}

    def kind(k):
        return metric(w, "sluice_task_errors_total", kind=k, **task)
    wait_until(lambda: kind("total-records-skipped") == 3, timeout=60,
               desc="three records skipped")
    assert kind("total-record-errors") == 3
    assert kind("total-record-failures") >= 3
    assert kind("total-errors-logged") == 3
    assert kind("deadletterqueue-produce-requests") == 3
    assert kind("deadletterqueue-produce-failures") == 0
    assert len(consume_all(w.bootstrap, "mt-dlq", 3)) == 3
    assert metric(w, "sluice_sink_records_read_total", **task) == 3
    assert metric(w, "sluice_sink_records_put_total", **task) == 0


def test_label_values_are_escaped(w, tmp_path):
    name = 'odd"name\\x'
    inp = tmp_path / "in.txt"
    inp.write_text("one\ntwo\n")
    w.create(name, file_source_config(inp, "mt"))
    r = w.get("/metrics")
    assert 'connector="odd\\"name\\\\x"' in r.text
    wait_until(lambda: metric(w, "sluice_source_records_written_total",
                              connector=name, task=0) == 2,
               timeout=60, desc="records of the oddly named connector")


def test_connector_state_gauge(w, tmp_path):
    inp = tmp_path / "in.txt"
    inp.write_text("one\n")
    w.create("st", file_source_config(inp, "mt-st"))
    wait_until(lambda: metric(w, "sluice_connector_state", connector="st",
                              state="RUNNING") == 1,
               timeout=60, desc="RUNNING connector state")
    assert w.put("/connectors/st/pause").status_code == 202
    wait_until(lambda: metric(w, "sluice_connector_state", connector="st",
                              state="PAUSED") == 1,
               timeout=60, desc="PAUSED connector state")
    # one state at a time
    assert [s for s in series(scrape(w), "sluice_connector_state",
                              connector="st")
            if s[0]["state"] != "PAUSED"] == []


def test_deleted_connector_series_disappear(w, tmp_path):
    inp = tmp_path / "in.txt"
    inp.write_text("one\n")
    w.create("gone", file_source_config(inp, "mt-del"))
    wait_until(lambda: metric(w, "sluice_source_records_written_total",
                              connector="gone", task=0) == 1,
               timeout=60, desc="the connector's series")
    assert w.delete("/connectors/gone").status_code == 204
    fams = scrape(w)
    for fam in fams.values():
        assert not [s for s in fam["samples"]
                    if s[0].get("connector") == "gone"]
    assert value(fams, "sluice_connectors") == 0


def _check_throughput_shape(body):
    assert set(body) == {"interval_ms", "end_ms", "connectors"}
    assert body["interval_ms"] == 1000
    assert isinstance(body["end_ms"], int)
    lengths = set()
    for c in body["connectors"].values():
        assert set(c) == {"type", "records_per_sec", "bytes_per_sec"}
        assert c["type"] in ("source", "sink")
        lengths.add(len(c["records_per_sec"]))
        lengths.add(len(c["bytes_per_sec"]))
        for v in c["records_per_sec"] + c["bytes_per_sec"]:
            assert isinstance(v, (int, float)) and v >= 0
    assert len(lengths) <= 1, f"arrays of different lengths: {lengths}"
    return lengths.pop() if lengths else None


def test_throughput_history(w, tmp_path):
    body = w.get("/metrics/throughput").json()
    _check_throughput_shape(body)
    assert abs(body["end_ms"] - time.time() * 1000) < 60_000
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    inp.write_text("".join(f"record {i}\n" for i in range(20_000)))
    w.create("tsrc", file_source_config(inp, "mt-tp"))
    w.create("tsink", file_sink_config(out, "mt-tp"))

    def rates():
        b = w.get("/metrics/throughput").json()
        _check_throughput_shape(b)
        cs = b["connectors"]
        return ("tsrc" in cs and "tsink" in cs and
                any(cs["tsrc"]["records_per_sec"]) and
                any(cs["tsrc"]["bytes_per_sec"]) and
                any(cs["tsink"]["records_per_sec"]) and
                any(cs["tsink"]["bytes_per_sec"]))
    wait_until(rates, timeout=60, desc="non-zero rates for both connectors")
    body = w.get("/metrics/throughput").json()
    assert body["connectors"]["tsrc"]["type"] == "source"
    assert body["connectors"]["tsink"]["type"] == "sink"
    # the rates add up to what moved (each sample is records per second
    # over a ~1 s interval)
    wait_until(lambda: metric(w, "sluice_sink_records_put_total",
                              connector="tsink", task=0) == 20_000,
               timeout=60, desc="all records put")
    time.sleep(1.5)
    full = w.get("/metrics/throughput").json()
    n = _check_throughput_shape(full)
    assert n >= 2
    last = w.get("/metrics/throughput", params={"seconds": 2}).json()
    assert _check_throughput_shape(last) == 2


def test_throughput_bad_seconds(w):
    for bad in ("abc", "0", "-3", ""):
        r = w.get("/metrics/throughput?seconds=" + urllib.parse.quote(bad))
        assert r.status_code == 400, bad
        assert r.json()["error_code"] == 400


def test_distributed_workers_report_their_own_tasks(cluster, tmp_path):
    c = cluster(2, topics=("dm:1",))
    inp = tmp_path / "in.txt"
    inp.write_text("".join(f"d{i}\n" for i in range(10)))
    c.create("dsrc", file_source_config(inp, "dm"))
    st = c.wait_running("dsrc", ntasks=1)
    runner = c.by_id(st["tasks"][0]["worker_id"])
    for w in c.workers:
        info = series(scrape(w), "sluice_worker_info")
        assert len(info) == 1
        assert info[0][0]["mode"] == "distributed"
        assert info[0][0]["worker_id"] == w.worker_id
    wait_until(lambda: metric(runner, "sluice_source_records_written_total",
                              connector="dsrc", task=0) == 10,
               timeout=60, desc="records counted by the task's worker")
    for w in c.workers:
        if w is not runner:
            fams = scrape(w)
            assert not series(fams, "sluice_source_records_written_total",
                              connector="dsrc")
            assert value(fams, "sluice_connectors") == 1
