"""AvroConverter end to end against the Schema Registry sluice serves:
records leave in Confluent's wire format (magic 0, 4-byte schema id, Avro
binary), the schemas land under TopicNameStrategy subjects, sinks read
them back, and an incompatible schema fails the task clearly."""

import json

from conftest import (file_sink_config, file_source_config, read_lines,
                      wait_until, consume_all)

AVRO = "io.confluent.connect.avro.AvroConverter"


def avro_cfg(w, **extra):
    return {"value.converter": AVRO,
            "value.converter.schema.registry.url": w.url,
            "key.converter": AVRO,
            "key.converter.schema.registry.url": w.url,
            **extra}


def hoist(field="line"):
    return {"transforms": "h", "transforms.h.type": "HoistField$Value",
            "transforms.h.field": field}


def test_file_to_avro_topic_and_back(worker, mock_broker, tmp_path):
    mb = mock_broker("lines:1", "_schemas:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    src = tmp_path / "in.txt"
    src.write_text("alpha\nbeta\ngamma\n")
    w.create("src", file_source_config(src, "lines", **avro_cfg(w), **hoist()))
    raw = consume_all(mb.bootstrap, "lines", 3)
    ids = {int.from_bytes(v[1:5], "big") for v in raw}
    assert all(v[0] == 0 for v in raw) and len(ids) == 1, raw
    # Avro binary of {line: "alpha"}: zigzag length 5 -> 0x0a, then the bytes
    assert raw[0][5:] == b"\x0aalpha"
    (sid,) = ids
    schema = json.loads(w.get(f"/schemas/ids/{sid}").json()["schema"])
    assert schema["type"] == "record"
    assert schema["name"] == "ConnectDefault"
    assert schema["namespace"] == "io.confluent.connect.avro"
    assert [f["name"] for f in schema["fields"]] == ["line"]
    assert "lines-value" in w.get("/subjects").json()
    latest = w.get("/subjects/lines-value/versions/latest").json()
    assert latest["id"] == sid and latest["version"] == 1

    out = tmp_path / "out.txt"
    w.create("snk", file_sink_config(out, "lines", **avro_cfg(w)))
    wait_until(lambda: len(read_lines(out)) == 3, 30, "3 records in the sink file")
    assert read_lines(out) == [b"Struct{line=alpha}", b"Struct{line=beta}",
                               b"Struct{line=gamma}"]


def test_incompatible_schema_fails_task_with_registry_message(worker, mock_broker,
                                                               tmp_path):
    mb = mock_broker("strict:1", "_schemas:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    old = {"type": "record", "name": "ConnectDefault",
           "namespace": "io.confluent.connect.avro",
           "fields": [{"name": "other", "type": "int"}]}
    r = w.post("/subjects/strict-value/versions", json={"schema": json.dumps(old)})
    assert r.status_code == 200, r.text
    src = tmp_path / "in.txt"
    src.write_text("x\n")
    w.create("src", file_source_config(src, "strict", **avro_cfg(w), **hoist()))
    st = w.wait_state("src", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "Tolerance exceeded in error handler" in trace, trace
    assert "VALUE_CONVERTER" in trace and AVRO in trace, trace
    assert "incompatible" in trace.lower(), trace
    # the registry still holds only the old version
    assert w.get("/subjects/strict-value/versions").json() == [1]
    # once the subject allows it, a restarted task goes through
    r = w.put("/config/strict-value", json={"compatibility": "NONE"})
    assert r.status_code == 200, r.text
    assert w.post("/connectors/src/tasks/0/restart").status_code == 204
    raw = consume_all(mb.bootstrap, "strict", 1)
    assert raw[0][0] == 0
    assert w.get("/subjects/strict-value/versions").json() == [1, 2]
