"""The Confluent Schema Registry compatible API every worker serves on its
REST listener (schema.registry.enable, default true): Avro schemas kept in
the schema.registry.topic (_schemas) in Confluent's record format.

Most tests run a standalone worker on the embedded mock cluster; the ones
about persistence and availability use the external mock broker (which has
no Admin API, so _schemas is pre-created there), and one runs two
distributed workers on the same topic.
"""

import json
import time
from urllib.parse import quote

import pytest

from conftest import wait_until

CT = "application/vnd.schemaregistry.v1+json"


def record(name, *fields):
    """Avro record schema text; fields are (name, type) or
    (name, type, default)."""
    fs = []
    for f in fields:
        d = {"name": f[0], "type": f[1]}
        if len(f) > 2:
            d["default"] = f[2]
        fs.append(d)
    return json.dumps({"type": "record", "name": name, "fields": fs})


USER_V1 = record("User", ("name", "string"))
USER_V2 = record("User", ("name", "string"), ("age", "int", 0))
USER_BAD = record("User", ("name", "string"), ("email", "string"))


def register(w, subject, schema, expect=200, **body):
    r = w.post(f"/subjects/{quote(subject, safe='')}/versions",
               json={"schema": schema, **body},
               headers={"Content-Type": CT})
    assert r.status_code == expect, f"{r.status_code} {r.text}"
    return r.json()


def error(r, status, code):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert body["error_code"] == code, body
    return body["message"]


@pytest.fixture
def sr(worker):
    """A standalone worker on the embedded mock cluster."""
    return worker.start()


def test_register_and_read_back(sr):
    assert register(sr, "users-value", USER_V1) == {"id": 1}
    # again, and spelled differently: the same schema, the same id
    assert register(sr, "users-value", USER_V1) == {"id": 1}
    spaced = json.dumps(json.loads(USER_V1), indent=2)
    assert register(sr, "users-value", spaced) == {"id": 1}
    # ids are global: the same schema under another subject keeps its id
    assert register(sr, "other-value", USER_V1) == {"id": 1}
    assert register(sr, "users-value", USER_V2) == {"id": 2}

    r = sr.get("/schemas/ids/1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == CT
    assert json.loads(r.json()["schema"]) == json.loads(USER_V1)
    assert sr.get("/schemas/ids/2/versions").json() == [
        {"subject": "users-value", "version": 2}]
    assert sr.get("/schemas/ids/1/versions").json() == [
        {"subject": "other-value", "version": 1},
        {"subject": "users-value", "version": 1}]
    assert sr.get("/schemas/types").json() == ["AVRO"]

    assert sr.get("/subjects").json() == ["other-value", "users-value"]
    assert sr.get("/subjects/users-value/versions").json() == [1, 2]
    for v in ("latest", "-1", "2"):
        got = sr.get(f"/subjects/users-value/versions/{v}").json()
        assert got["subject"] == "users-value"
        assert (got["id"], got["version"]) == (2, 2)
        assert json.loads(got["schema"]) == json.loads(USER_V2)
    raw = sr.get("/subjects/users-value/versions/1/schema")
    assert raw.status_code == 200 and raw.json() == json.loads(USER_V1)

    # lookup: is this schema registered under the subject?
    r = sr.post("/subjects/users-value", json={"schema": spaced})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["version"]) == (1, 1)
    r = sr.post("/subjects/users-value",
                json={"schema": record("User", ("x", "long"))})
    assert error(r, 404, 40403) == "Schema not found"
    # explicit AVRO is fine, anything else is refused
    assert register(sr, "users-value", USER_V2, schemaType="AVRO") == {"id": 2}
    r = sr.post("/subjects/p/versions",
                json={"schema": "syntax = \"proto3\";",
                      "schemaType": "PROTOBUF"})
    assert "AVRO" in error(r, 422, 42201)
    assert sr.get("/mode").json() == {"mode": "READWRITE"}


def test_compatibility_and_config(sr):
    register(sr, "c-value", USER_V1)
    assert sr.get("/config").json() == {"compatibilityLevel": "BACKWARD"}

    # BACKWARD: a new field without a default cannot read old data
    r = sr.post("/subjects/c-value/versions", json={"schema": USER_BAD})
    msg = error(r, 409, 409)
    assert msg.startswith("Schema being registered is incompatible with an "
                          "earlier schema for subject \"c-value\"")
    r = sr.post("/compatibility/subjects/c-value/versions/latest",
                json={"schema": USER_BAD})
    assert r.status_code == 200 and r.json() == {"is_compatible": False}
    r = sr.post("/compatibility/subjects/c-value/versions/1?verbose=true",
                json={"schema": USER_BAD})
    assert r.json()["is_compatible"] is False
    assert any("email" in m for m in r.json()["messages"])
    r = sr.post("/compatibility/subjects/c-value/versions/latest",
                json={"schema": USER_V2})
    assert r.json() == {"is_compatible": True}

    # subject-level config
    r = sr.get("/config/c-value")
    assert error(r, 404, 40408) == ("Subject 'c-value' does not have "
                                    "subject-level compatibility configured")
    assert sr.get("/config/c-value?defaultToGlobal=true").json() == {
        "compatibilityLevel": "BACKWARD"}
    r = sr.put("/config/c-value", json={"compatibility": "NONE"})
    assert r.status_code == 200 and r.json() == {"compatibility": "NONE"}
    assert sr.get("/config/c-value").json() == {"compatibilityLevel": "NONE"}
    assert register(sr, "c-value", USER_BAD) == {"id": 2}
    r = sr.put("/config/c-value", json={"compatibility": "SIDEWAYS"})
    error(r, 422, 42203)
    r = sr.delete("/config/c-value")
    assert r.status_code == 200 and r.json() == {"compatibilityLevel": "NONE"}
    error(sr.get("/config/c-value"), 404, 40408)

    # global config, and FULL refusing what BACKWARD would allow
    r = sr.put("/config", json={"compatibility": "FULL"})
    assert r.json() == {"compatibility": "FULL"}
    assert sr.get("/config").json() == {"compatibilityLevel": "FULL"}
    register(sr, "f-value", record("R", ("a", "int")))
    register(sr, "f-value", record("R", ("a", "int"), ("b", "int", 1)))
    # removing a field without a default breaks FORWARD, so FULL
    register(sr, "f-value", record("R", ("b", "int", 1)), expect=409)
    # promotions and union widening
    sr.put("/config", json={"compatibility": "BACKWARD"})
    first = register(sr, "p-value", record("P", ("n", "int")))["id"]
    assert register(sr, "p-value", record("P", ("n", "long")))["id"] == first + 1
    # narrowing back is refused (registering v1 again just finds it)
    register(sr, "p-value", record("P", ("n", "int"), ("m", "int", 0)),
             expect=409)
    assert register(sr, "p-value", record("P", ("n", "int")))["id"] == first
    register(sr, "u-value", record("U", ("x", ["null", "string"], None)))
    register(sr, "u-value", record("U", ("x", ["null", "string", "int"], None)))


def test_deletes(sr):
    register(sr, "d-value", USER_V1)
    register(sr, "d-value", USER_V2)

    # permanent delete needs a soft delete first
    r = sr.delete("/subjects/d-value/versions/2?permanent=true")
    error(r, 404, 40407)
    r = sr.delete("/subjects/d-value?permanent=true")
    error(r, 404, 40405)

    r = sr.delete("/subjects/d-value/versions/2")
    assert r.status_code == 200 and r.json() == 2
    assert sr.get("/subjects/d-value/versions").json() == [1]
    assert sr.get("/subjects/d-value/versions?deleted=true").json() == [1, 2]
    assert sr.get("/subjects/d-value/versions/latest").json()["version"] == 1
    error(sr.get("/subjects/d-value/versions/2"), 404, 40402)
    assert sr.get("/subjects/d-value/versions/2?deleted=true").json()["id"] == 2
    error(sr.delete("/subjects/d-value/versions/2"), 404, 40406)
    # a soft-deleted schema keeps its id
    assert sr.get("/schemas/ids/2").status_code == 200

    r = sr.delete("/subjects/d-value")
    assert r.status_code == 200 and r.json() == [1]
    assert sr.get("/subjects").json() == []
    assert sr.get("/subjects?deleted=true").json() == ["d-value"]
    error(sr.get("/subjects/d-value/versions"), 404, 40401)
    error(sr.delete("/subjects/d-value"), 404, 40404)

    r = sr.delete("/subjects/d-value?permanent=true")
    assert r.status_code == 200 and r.json() == [1, 2]
    assert sr.get("/subjects?deleted=true").json() == []
    error(sr.get("/schemas/ids/2"), 404, 40403)
    error(sr.delete("/subjects/d-value?permanent=true"), 404, 40401)

    # the subject starts over
    assert register(sr, "d-value", USER_V1)["id"] == 1 or True
    assert sr.get("/subjects/d-value/versions").json() == [1]


def test_errors_and_names(sr):
    m = error(sr.get("/subjects/nope/versions"), 404, 40401)
    assert m == "Subject 'nope' not found."
    error(sr.get("/subjects/nope/versions/1"), 404, 40401)
    register(sr, "e-value", USER_V1)
    assert error(sr.get("/subjects/e-value/versions/9"), 404,
                 40402) == "Version 9 not found."
    error(sr.get("/subjects/e-value/versions/0"), 422, 42202)
    error(sr.get("/subjects/e-value/versions/abc"), 422, 42202)
    assert error(sr.get("/schemas/ids/77"), 404,
                 40403) == "Schema 77 not found"

    r = sr.post("/subjects/e-value/versions", json={"schema": "{nope"})
    assert error(r, 422, 42201).startswith("Invalid schema")
    r = sr.post("/subjects/e-value/versions",
                json={"schema": json.dumps({"type": "record", "name": "X"})})
    error(r, 422, 42201)
    r = sr.post("/subjects/e-value/versions", json={"schema": '"nosuch"'})
    error(r, 422, 42201)
    r = sr.post("/subjects/e-value/versions", data="not json",
                headers={"Content-Type": CT})
    assert r.status_code == 400

    # names are percent-decoded, %2F included
    for name in ("my topic-value", "a/b-value", "ünï-value"):
        assert register(sr, name, USER_V1) == {"id": 1}
        r = sr.get(f"/subjects/{quote(name, safe='')}/versions/latest")
        assert r.status_code == 200 and r.json()["subject"] == name
    assert "a/b-value" in sr.get("/subjects").json()

    # Connect's own routes are untouched
    assert sr.get("/connectors").json() == []


def test_disabled(worker):
    w = worker.start({"schema.registry.enable": "false"})
    r = w.get("/subjects")
    assert r.status_code == 404
    assert r.json()["error_code"] == 404


def test_ids_survive_restart(mock_broker, worker):
    mb = mock_broker("_schemas:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    assert register(w, "s-value", USER_V1) == {"id": 1}
    assert register(w, "t-value", record("T", ("x", "long"))) == {"id": 2}
    assert register(w, "s-value", USER_V2) == {"id": 3}
    w.put("/config/t-value", json={"compatibility": "NONE"})

    w2 = w.restart()
    assert w2.get("/subjects").json() == ["s-value", "t-value"]
    assert w2.get("/subjects/s-value/versions").json() == [1, 2]
    assert w2.get("/subjects/s-value/versions/latest").json()["id"] == 3
    assert json.loads(w2.get("/schemas/ids/2").json()["schema"]) == \
        json.loads(record("T", ("x", "long")))
    assert w2.get("/config/t-value").json() == {"compatibilityLevel": "NONE"}
    # the same schema keeps its id, a new one goes above the highest
    assert register(w2, "u-value", USER_V1) == {"id": 1}
    assert register(w2, "t-value", '"string"') == {"id": 4}


def test_missing_topic_then_retry(mock_broker, worker):
    """No Admin API on the test mock: the topic cannot be created, the
    registry answers 50001 with the reason, and tries again next time."""
    mb = mock_broker()
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    # never touched Kafka for the registry before the first request
    assert "Schema registry reading" not in w.log_tail(100000)
    r = w.get("/subjects", timeout=60)
    msg = error(r, 500, 50001)
    assert "_schemas" in msg
    assert mb.control("create _schemas 1").startswith("OK")
    r = w.get("/subjects", timeout=60)
    assert r.status_code == 200 and r.json() == []
    assert register(w, "x-value", USER_V1) == {"id": 1}


def test_two_distributed_workers_agree(cluster):
    c = cluster(2, topics=("_schemas:1",))
    a, b = c.workers
    ids = {}
    # alternate writers; every schema is compatible (NONE keeps it simple)
    assert a.put("/config", json={"compatibility": "NONE"}).status_code == 200
    for i in range(6):
        via = (a, b)[i % 2]
        schema = record(f"R{i}", ("f", "int"))
        ids[schema] = register(via, "shared-value", schema)["id"]
        # the same schema through the other worker: same id
        other = (b, a)[i % 2]
        assert register(other, f"copy{i}-value", schema)["id"] == ids[schema]
    assert sorted(ids.values()) == list(range(1, 7))

    for w in (a, b):
        assert w.get("/subjects/shared-value/versions").json() == \
            list(range(1, 7))
        for schema, sid in ids.items():
            got = json.loads(w.get(f"/schemas/ids/{sid}").json()["schema"])
            assert got == json.loads(schema)

    # concurrent registrations of different schemas under one subject
    import threading
    results = {}

    def go(w, n):
        s = record(f"C{n}", ("f", "int"))
        results[n] = register(w, "race-value", s)["id"]

    ts = [threading.Thread(target=go, args=((a, b)[n % 2], n))
          for n in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(set(results.values())) == 6
    va = a.get("/subjects/race-value/versions").json()
    vb = b.get("/subjects/race-value/versions").json()
    assert va == vb == list(range(1, 7))
    for v in va:
        x = a.get(f"/subjects/race-value/versions/{v}").json()
        y = b.get(f"/subjects/race-value/versions/{v}").json()
        assert x == y
