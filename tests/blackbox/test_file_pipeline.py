"""End-to-end pipelines: file -> FileStreamSource -> Kafka -> FileStreamSink
-> file, run by the real sluice binary against a mock broker.

Topics are pre-created with ONE partition (mock-broker -t topic:1) wherever
output order matters: with several partitions the records of a null-key
source spread over partitions and the sink's output order would differ.
"""

import ctypes
import ctypes.util
import json
import time

import pytest

from conftest import (BYTEARRAY_CONVERTER, JSON_CONVERTER, STRING_CONVERTER,
                      consume_all, count_lines, file_sink_config,
                      file_size, file_source_config, read_lines,
                      write_json, write_properties)

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliett", "kilo", "lima", "mike", "november",
         "oscar", "papa"]

SAMPLES = [
    "plain text",
    'with "double quotes" and a \\backslash\\',
    "tab\tseparated\tvalues",
    "unicode: h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e",
    '{"json": [1, 2.5, null, true], "nested": {"k": "v"}}',
    "",
    "   leading and trailing spaces   ",
    "null",
    "<xml attr='1'>&amp;</xml>",
    "emoji \U0001F680 and control-ish \u0001 char",
    "a somewhat longer line " + "x" * 300,
]

CONVERTERS = {
    "string": {"key.converter": STRING_CONVERTER,
               "value.converter": STRING_CONVERTER},
    "bytearray": {"key.converter": BYTEARRAY_CONVERTER,
                  "value.converter": BYTEARRAY_CONVERTER},
    "json-schemas": {"key.converter": JSON_CONVERTER,
                     "value.converter": JSON_CONVERTER,
                     "key.converter.schemas.enable": "true",
                     "value.converter.schemas.enable": "true"},
    "json-noschemas": {"key.converter": JSON_CONVERTER,
                       "value.converter": JSON_CONVERTER,
                       "key.converter.schemas.enable": "false",
                       "value.converter.schemas.enable": "false"},
}


def varied_lines(n):
    out = []
    for i in range(n):
        s = SAMPLES[i % len(SAMPLES)]
        # every 97th line is completely empty
        out.append("" if i % 97 == 96 else f"{i:05d} {s}")
    return out


def seq_lines(n, start=0):
    """Short, varied, well-compressing lines (bytes, no newline)."""
    return [f"{i:07d} {WORDS[(i * 7 + i // 13) % len(WORDS)]}".encode()
            for i in range(start, n)]


def join_lines(lines):
    return b"".join(x + b"\n" for x in lines)


def zstd_size(data, chunk=65536, level=3):
    """zstd-compressed size of data, compressed in chunk-sized pieces like
    a producer compresses batches (libzstd via ctypes; librdkafka depends
    on it, so it is always installed)."""
    name = ctypes.util.find_library("zstd") or "libzstd.so.1"
    z = ctypes.CDLL(name)
    z.ZSTD_compressBound.restype = ctypes.c_size_t
    z.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
    z.ZSTD_compress.restype = ctypes.c_size_t
    z.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                                ctypes.c_void_p, ctypes.c_size_t,
                                ctypes.c_int]
    z.ZSTD_isError.restype = ctypes.c_uint
    z.ZSTD_isError.argtypes = [ctypes.c_size_t]
    total = 0
    for off in range(0, len(data), chunk):
        piece = data[off:off + chunk]
        cap = z.ZSTD_compressBound(len(piece))
        buf = ctypes.create_string_buffer(cap)
        r = z.ZSTD_compress(buf, cap, piece, len(piece), level)
        assert not z.ZSTD_isError(r)
        total += r
    return total


def check_at_least_once(inp_lines, out_data, max_garbage=0):
    """Every input line is in the output, the first occurrences are in
    input order; duplicates are allowed (at-least-once). Lines that are no
    input line at all ("garbage") are allowed up to max_garbage: a kill -9
    can cut the sink's last write in the middle of a line, and the
    restarted sink appends the redelivered records right after it.
    Returns (duplicates, garbage)."""
    out_lines = out_data.split(b"\n")
    if out_lines and out_lines[-1] == b"":
        out_lines.pop()
    inset = set(inp_lines)
    assert len(inset) == len(inp_lines), "test input lines must be unique"
    garbage = [x for x in out_lines if x not in inset]
    seen = set()
    firsts = []
    for x in out_lines:
        if x in inset and x not in seen:
            seen.add(x)
            firsts.append(x)
    missing = len(inp_lines) - len(firsts)
    assert missing == 0, (
        f"{missing} input lines missing from the output, e.g. "
        f"{[x for x in inp_lines if x not in seen][:5]}")
    if firsts != inp_lines:
        idx = next(i for i, (a, b) in enumerate(zip(firsts, inp_lines))
                   if a != b)
        raise AssertionError(
            f"first occurrences out of input order at #{idx}: got "
            f"{firsts[idx]!r}, expected {inp_lines[idx]!r}")
    assert len(garbage) <= max_garbage, \
        f"{len(garbage)} unexpected output lines: {garbage[:5]}"
    dups = len(out_lines) - len(garbage) - len(firsts)
    return dups, garbage


def wait_file_bytes(w, path, size, timeout, desc=None):
    w.wait_for(lambda: file_size(path) >= size, timeout,
               desc or f"{path} to reach {size} bytes", interval=0.2)


# ------------------------------------------------------------ small files

@pytest.mark.parametrize("conv", list(CONVERTERS))
def test_small_pipeline(mock_broker, worker, tmp_path, conv):
    topic = f"small-{conv}"
    mb = mock_broker(f"{topic}:1")
    w = worker.start(dict({"bootstrap.servers": mb.bootstrap},
                          **CONVERTERS[conv]))
    lines = varied_lines(1000)
    data = "".join(x + "\n" for x in lines).encode("utf-8")
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    inp.write_bytes(data)

    w.create("src", file_source_config(inp, topic))
    w.create("sink", file_sink_config(out, topic))
    wait_file_bytes(w, out, len(data), 60)
    got = out.read_bytes()
    assert len(got) == len(data)
    assert got == data

    values = consume_all(mb.bootstrap, topic, 1000)
    assert len(values) == 1000
    if conv in ("string", "bytearray"):
        assert values == [x.encode("utf-8") for x in lines]
    elif conv == "json-schemas":
        first = json.loads(values[0])
        assert first == {"schema": {"type": "string", "optional": False},
                         "payload": lines[0]}
        assert [json.loads(v)["payload"] for v in values] == lines
    else:
        assert [json.loads(v) for v in values] == lines


def test_pipeline_without_io_uring(mock_broker, worker, tmp_path):
    """Where io_uring is unavailable or disabled, shards keep their buffers
    and do the same IO with system calls."""
    mb = mock_broker("nouring:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "io.uring.enable": "false"})
    data = join_lines(seq_lines(20_000))
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    inp.write_bytes(data)
    w.create("src", file_source_config(inp, "nouring"))
    w.create("sink", file_sink_config(out, "nouring"))
    wait_file_bytes(w, out, len(data), 60)
    assert out.read_bytes() == data
    assert "io_uring disabled" in w.log()


# ------------------------------------------------------- the big pipeline

def test_million_lines(mock_broker, worker, tmp_path):
    """The done-criterion: 1,000,000 lines go file -> Kafka -> file byte
    for byte."""
    n = 1_000_000
    lines = seq_lines(n)
    data = join_lines(lines)
    # The mock keeps only the newest 5 MiB of (compressed) batches per
    # partition and drops older ones silently, and this topic must have ONE
    # partition to keep line order. The input must compress far below that:
    # measured about 2.0 MiB here; in Kafka batches per-record overhead
    # (length, offset and timestamp deltas) roughly doubles it (~4.4 MiB
    # measured for 1M such records with zstd), still under the cap.
    # The sink also consumes concurrently (warm-up below), so it never
    # lags behind by anything close to 5 MiB anyway.
    zsize = zstd_size(data)
    assert zsize < 2.5 * 1024 * 1024, \
        f"input compresses to {zsize} bytes: too close to the mock's 5 MiB"

    mb = mock_broker("lines:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "producer.compression.type": "zstd",
                      "producer.linger.ms": "20"})
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    # Warm-up: start with a few lines so the sink has joined its group and
    # is consuming before the bulk arrives (the source tails the file).
    warm = 1000
    inp.write_bytes(join_lines(lines[:warm]))
    w.create("src", file_source_config(inp, "lines"))
    w.create("sink", file_sink_config(out, "lines"))
    w.wait_for(lambda: count_lines(out) >= warm, 60, "warm-up lines")

    t0 = time.monotonic()
    with open(inp, "ab") as f:
        f.write(data[len(join_lines(lines[:warm])):])
    wait_file_bytes(w, out, len(data), 240)
    elapsed = time.monotonic() - t0
    print(f"\n{n - warm} lines in {elapsed:.1f}s "
          f"({(n - warm) / elapsed:.0f} lines/s)")
    got = out.read_bytes()
    assert len(got) == len(data), f"output {len(got)} != input {len(data)}"
    assert got == data
    assert w.alive()


# ---------------------------------------------------------------- kill -9

def test_kill9_at_least_once(mock_broker, worker, tmp_path):
    n = 300_000
    lines = seq_lines(n)
    data = join_lines(lines)
    mb = mock_broker("k9:1")
    inp, out = tmp_path / "in.txt", tmp_path / "out.txt"
    warm = 1000
    inp.write_bytes(join_lines(lines[:warm]))
    src = write_json(tmp_path / "src.json", {
        "name": "k9-src", "config": file_source_config(inp, "k9")})
    sink = write_json(tmp_path / "sink.json", {
        "name": "k9-sink", "config": file_sink_config(out, "k9")})
    props = {"bootstrap.servers": mb.bootstrap,
             "producer.compression.type": "zstd",
             "producer.linger.ms": "20"}
    w = worker.start(props, [src, sink])
    w.wait_for(lambda: count_lines(out) >= warm, 60, "warm-up lines")
    with open(inp, "ab") as f:
        f.write(data[len(join_lines(lines[:warm])):])

    w.wait_for(lambda: count_lines(out) >= 50_000, 120,
               ">= 50k output lines", interval=0.02)
    before = count_lines(out)
    w.kill9()
    print(f"\nkilled with {before} output lines")

    w2 = w.restart()
    inset = set(lines)

    def all_present():
        if count_lines(out) < n:
            return False
        return inset.issubset(set(read_lines(out)))
    w2.wait_for(all_present, 240, "every input line in the output",
                interval=1.0)
    w2.stop()
    dups, garbage = check_at_least_once(lines, out.read_bytes(),
                                        max_garbage=1)
    print(f"duplicates after kill -9: {dups}; cut lines: {garbage!r}")


# ------------------------------------------------------- config providers

def test_config_providers(mock_broker, worker, tmp_path):
    topic = "cp-topic"
    mb = mock_broker(f"{topic}:1")
    inp, out = tmp_path / "cp-in.txt", tmp_path / "cp-out.txt"
    data = join_lines(seq_lines(500))
    inp.write_bytes(data)
    secrets = write_properties(tmp_path / "secrets.properties",
                               {"path": str(inp)})
    file_ref = f"${{file:{secrets}:path}}"
    topic_ref = "${env:SL_TEST_TOPIC}"
    src = write_properties(tmp_path / "cp-source.properties", {
        "name": "cp-source",
        "connector.class": "FileStreamSource",
        "tasks.max": "1",
        "file": file_ref,
        "topic": topic_ref,
    })
    sink = write_properties(tmp_path / "cp-sink.properties", {
        "name": "cp-sink",
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "file": str(out),
        "topics": topic_ref,
    })
    w = worker.start({
        "bootstrap.servers": mb.bootstrap,
        "config.providers": "file,env",
        "config.providers.file.class":
            "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.env.class":
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    }, [src, sink], env={"SL_TEST_TOPIC": topic})

    wait_file_bytes(w, out, len(data), 60)
    assert out.read_bytes() == data
    assert consume_all(mb.bootstrap, topic, 500)[0] == b"0000000 alpha"

    # REST shows the raw placeholders, never the resolved values
    cfg = w.get("/connectors/cp-source/config").json()
    assert cfg["file"] == file_ref
    assert cfg["topic"] == topic_ref
    assert w.get("/connectors/cp-sink/config").json()["topics"] == topic_ref
    info = w.get("/connectors/cp-source").json()
    assert info["config"]["file"] == file_ref


# ------------------------------------------------------ connector files

def test_connector_file_formats(mock_broker, worker, tmp_path):
    topic = "fmt"
    mb = mock_broker(f"{topic}:1")
    inp = tmp_path / "fmt-in.txt"
    out1, out2 = tmp_path / "fmt-out1.txt", tmp_path / "fmt-out2.txt"
    data = join_lines(seq_lines(300))
    inp.write_bytes(data)
    # .properties
    src = write_properties(tmp_path / "fmt-src.properties",
                           dict(file_source_config(inp, topic),
                                name="fmt-src"))
    # .json shaped like the POST /connectors body
    sink1 = write_json(tmp_path / "fmt-sink1.json", {
        "name": "fmt-sink1", "config": file_sink_config(out1, topic)})
    # .json shaped like the PUT /connectors/{name}/config body (flat)
    sink2 = write_json(tmp_path / "fmt-sink2.json",
                       dict(file_sink_config(out2, topic), name="fmt-sink2"))
    w = worker.start({"bootstrap.servers": mb.bootstrap},
                     [src, sink1, sink2])
    assert sorted(w.get("/connectors").json()) == \
        ["fmt-sink1", "fmt-sink2", "fmt-src"]
    wait_file_bytes(w, out1, len(data), 60)
    wait_file_bytes(w, out2, len(data), 60)
    assert out1.read_bytes() == data
    assert out2.read_bytes() == data
    assert w.get("/connectors/fmt-sink1").json()["type"] == "sink"
    assert w.get("/connectors/fmt-src").json()["type"] == "source"


# ------------------------------------------------------- embedded broker

def test_embedded_mock_default(worker, tmp_path):
    """The main job as tools/run-demo.sh runs it: no bootstrap.servers,
    JSON envelopes, 100k lines, the whole file produced before the sink's
    first group join completes."""
    w = worker.start({"bootstrap.servers": None,
                      "key.converter": JSON_CONVERTER,
                      "value.converter": JSON_CONVERTER})
    assert "bootstrap.servers" not in w.props_path.read_text()
    w.wait_for(lambda: "embedded mock" in w.log(), 10,
               "'embedded mock' in the worker log")
    inp, out = tmp_path / "emb-in.txt", tmp_path / "emb-out.txt"
    data = b"".join(b"demo line %d\n" % i for i in range(1, 100_001))
    # ~7 MB of envelopes: more than the mock keeps per partition uncompressed
    inp.write_bytes(data)
    w.create("emb-src", file_source_config(inp, "emb"))
    w.create("emb-sink", file_sink_config(out, "emb"))
    wait_file_bytes(w, out, len(data), 120)
    # The embedded cluster creates a connector's topics with one partition,
    # like a default Kafka broker, so the file comes out in order.
    assert out.read_bytes() == data
    assert w.get("/connectors/emb-sink/topics").json() == \
        {"emb-sink": {"topics": ["emb"]}}
