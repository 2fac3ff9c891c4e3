"""JdbcSourceConnector (PostgreSQL): tables and queries copied to topics in
Confluent's modes, offsets and record shapes, against a real PostgreSQL
(pg_fixture) and the mock broker."""

import base64
import json
import time

from conftest import JSON_CONVERTER, consume_all, write_properties
from pg_fixture import postgres  # noqa: F401 - pytest fixture

SOURCE = "io.confluent.connect.jdbc.JdbcSourceConnector"


def source_config(pg, **extra):
    cfg = {"connector.class": SOURCE, "tasks.max": "1",
           "connection.url": pg.url, "connection.user": "postgres",
           "connection.attempts": "1",
           "topic.prefix": "pg-", "poll.interval.ms": "200",
           "value.converter": JSON_CONVERTER,
           "value.converter.schemas.enable": "true"}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg


def records(mb, topic, n, timeout=30):
    return [json.loads(v) for v in consume_all(mb.bootstrap, topic, n,
                                               timeout=timeout)]


def settle(mb, topic, n, wait=1.5):
    """All records of topic once no more arrive for `wait` seconds (to see
    duplicates)."""
    time.sleep(wait)
    return records(mb, topic, n)


def make_people(pg):
    pg.execute("create table people (id serial primary key, "
               "name text not null, score numeric(10,2), born date, "
               "seen timestamp, ok boolean, data bytea)")


def add_person(pg, name, score="12.34"):
    pg.execute("insert into people (name, score, born, seen, ok, data) "
               "values (%s, %s, '2000-01-02', '2024-05-06 07:08:09.5', "
               "true, '\\x0102ff')", (name, score))


def test_incrementing_mode_struct_values_and_offsets(postgres, mock_broker,
                                                     worker):
    make_people(postgres)
    for n in ("ann", "bob", "cy"):
        add_person(postgres, n)
    mb = mock_broker("pg-people:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("src", source_config(postgres, mode="incrementing",
                                  **{"incrementing.column.name": "id",
                                     "table.whitelist": "people"}))
    w.wait_running("src")
    got = records(mb, "pg-people", 3)
    add_person(postgres, "dee", "-0.5")
    add_person(postgres, "eve", None)
    got = records(mb, "pg-people", 5)
    time.sleep(1)
    got = records(mb, "pg-people", 5)
    assert len(got) == 5, [g["payload"] for g in got]
    assert [g["payload"]["id"] for g in got] == [1, 2, 3, 4, 5]
    assert [g["payload"]["name"] for g in got] == \
        ["ann", "bob", "cy", "dee", "eve"]

    schema = got[0]["schema"]
    assert schema["type"] == "struct" and schema["name"] == "people"
    fields = {f["field"]: f for f in schema["fields"]}
    assert fields["id"]["type"] == "int32" and not fields["id"]["optional"]
    assert fields["name"]["type"] == "string"
    assert not fields["name"]["optional"]
    assert fields["score"]["name"] == "org.apache.kafka.connect.data.Decimal"
    assert fields["score"]["parameters"]["scale"] == "2"
    assert fields["score"]["optional"]
    assert fields["born"]["name"] == "org.apache.kafka.connect.data.Date"
    assert fields["seen"]["name"] == \
        "org.apache.kafka.connect.data.Timestamp"
    assert fields["ok"]["type"] == "boolean"
    assert fields["data"]["type"] == "bytes"

    p = got[0]["payload"]
    # 12.34 at scale 2 = unscaled 1234 = 0x04d2
    assert base64.b64decode(p["score"]) == bytes([0x04, 0xd2])
    assert base64.b64decode(got[3]["payload"]["score"]) == bytes([0xce])
    assert got[4]["payload"]["score"] is None
    assert p["born"] == 10958  # days from 1970-01-01 to 2000-01-02
    assert p["seen"] == 1714979289500
    assert p["ok"] is True
    assert base64.b64decode(p["data"]) == b"\x01\x02\xff"

    want = {"partition": {"protocol": "1", "table": "test.public.people"},
            "offset": {"incrementing": 5}}
    w.wait_for(lambda: w.get("/connectors/src/offsets").json()["offsets"]
               == [want], 15, "offsets committed")


def test_restart_resumes_without_duplicates(postgres, mock_broker, worker,
                                            tmp_path):
    make_people(postgres)
    for i in range(5):
        add_person(postgres, f"p{i}")
    mb = mock_broker("pg-people:1")
    conn = write_properties(tmp_path / "src.properties", dict(
        name="src", **source_config(postgres, mode="incrementing", **{
            "incrementing.column.name": "id", "table.whitelist": "people",
            "batch.max.rows": "2"})))
    w = worker.start({"bootstrap.servers": mb.bootstrap}, [conn])
    records(mb, "pg-people", 5)
    w.wait_for(lambda: w.get("/connectors/src/offsets").json()["offsets"],
               15, "offsets committed")
    w.stop()
    for i in range(5, 8):
        add_person(postgres, f"p{i}")
    w2 = w.restart()
    w2.wait_running("src")
    got = records(mb, "pg-people", 8)
    got = settle(mb, "pg-people", 8)
    assert [g["payload"]["id"] for g in got] == list(range(1, 9))


def test_timestamp_incrementing_mode_sees_updates(postgres, mock_broker,
                                                  worker):
    postgres.execute("create table items (id int primary key, "
                     "v text, modified timestamptz not null default now())")
    postgres.execute("insert into items (id, v) values (1, 'a'), (2, 'b')")
    mb = mock_broker("pg-items:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("ti", source_config(postgres, mode="timestamp+incrementing", **{
        "incrementing.column.name": "id",
        "timestamp.column.name": "modified", "table.whitelist": "items"}))
    got = records(mb, "pg-items", 2)
    postgres.execute("update items set v = 'a2', modified = now() "
                     "where id = 1")
    postgres.execute("insert into items (id, v) values (3, 'c')")
    got = records(mb, "pg-items", 4)
    got = settle(mb, "pg-items", 4)
    assert [(g["payload"]["id"], g["payload"]["v"]) for g in got] == \
        [(1, "a"), (2, "b"), (1, "a2"), (3, "c")]
    last = got[-1]["payload"]["modified"]

    def offset_ok():
        offs = w.get("/connectors/ti/offsets").json()["offsets"]
        o = offs[0]["offset"]
        return (offs[0]["partition"] == {"protocol": "1",
                                         "table": "test.public.items"}
                and o["incrementing"] == 3 and o["timestamp"] == last
                # nanos of the second, whose millis agree with timestamp
                and 0 <= o["timestamp_nanos"] < 10**9
                and o["timestamp_nanos"] // 10**6 == last % 1000)
    w.wait_for(offset_ok, 15, "timestamp+incrementing offset")


def test_query_mode_publishes_to_prefix_topic(postgres, mock_broker,
                                              worker):
    make_people(postgres)
    for n in ("ann", "bob"):
        add_person(postgres, n)
    mb = mock_broker("people-q:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("q", source_config(
        postgres, mode="incrementing",
        query="SELECT id, upper(name) AS big FROM people",
        **{"incrementing.column.name": "id", "topic.prefix": "people-q"}))
    got = records(mb, "people-q", 2)
    assert [g["payload"] for g in got] == [{"id": 1, "big": "ANN"},
                                           {"id": 2, "big": "BOB"}]
    assert "name" not in got[0]["schema"]
    fields = {f["field"]: f for f in got[0]["schema"]["fields"]}
    assert not fields["id"]["optional"] and fields["big"]["optional"]
    want = {"partition": {"query": "query"},
            "offset": {"incrementing": 2}}
    w.wait_for(lambda: w.get("/connectors/q/offsets").json()["offsets"]
               == [want], 15, "query offsets committed")


def test_bad_url_and_unknown_table_give_clear_errors(postgres, mock_broker,
                                                     worker):
    mb = mock_broker("pg-x:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    bad = source_config(postgres, mode="bulk")
    bad["connection.url"] = "jdbc:mysql://localhost/db"
    r = w.put(f"/connector-plugins/{SOURCE}/config/validate", json=bad)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["error_count"] >= 1
    errs = [c["value"] for c in body["configs"]
            if c["value"]["name"] == "connection.url"][0]["errors"]
    assert any("jdbc:postgresql:" in e for e in errs), errs
    r = w.post("/connectors", json={"name": "bad", "config": bad})
    assert r.status_code == 400 and "connection.url" in r.text, r.text

    # incrementing mode without its column is refused up front
    r = w.put(f"/connector-plugins/{SOURCE}/config/validate",
              json=source_config(postgres, mode="incrementing"))
    assert r.json()["error_count"] >= 1

    r = w.post("/connectors", json={"name": "nosuch", "config": source_config(
        postgres, mode="bulk", **{"table.whitelist": "nosuch"})})

    def failed():
        st = w.get("/connectors/nosuch/status")
        if r.status_code >= 400:
            return r.text
        return st.status_code == 200 and \
            st.json()["connector"]["state"] == "FAILED" and \
            st.json()["connector"].get("trace")
    trace = w.wait_for(failed, 15, "unknown table fails the connector")
    assert "nosuch" in trace and "not found" in trace, trace

    # a server that is not there: the task fails naming it
    down = source_config(postgres, mode="bulk", query="SELECT 1 AS one",
                         **{"topic.prefix": "pg-x"})
    down["connection.url"] = "jdbc:postgresql://127.0.0.1:1/test"
    w.create("down", down)
    st = w.wait_state("down", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "127.0.0.1:1" in trace and "Cannot connect" in trace, trace


def test_lost_connection_reconnects(postgres, mock_broker, worker):
    make_people(postgres)
    add_person(postgres, "ann")
    mb = mock_broker("pg-people:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("src", source_config(postgres, mode="incrementing", **{
        "incrementing.column.name": "id", "table.whitelist": "people"}))
    records(mb, "pg-people", 1)
    postgres.execute("select pg_terminate_backend(pid) from "
                     "pg_stat_activity where datname = 'test' and "
                     "backend_type = 'client backend' and "
                     "pid <> pg_backend_pid()")
    add_person(postgres, "bob")
    got = records(mb, "pg-people", 2)
    got = settle(mb, "pg-people", 2)
    assert [g["payload"]["name"] for g in got] == ["ann", "bob"]
    assert w.status("src")["tasks"][0]["state"] == "RUNNING"
    assert "reconnecting" in w.log()


def test_timestamp_mode_reads_wall_times_in_db_timezone(postgres,
                                                        mock_broker, worker):
    postgres.execute("create table ev (id int primary key, "
                     "seen timestamp not null)")
    # 09:08:09.5 in Berlin (CEST, UTC+2) is 07:08:09.5 UTC
    postgres.execute("insert into ev values (1, '2024-05-06 09:08:09.5')")
    mb = mock_broker("pg-ev:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("tz", source_config(postgres, mode="timestamp", **{
        "timestamp.column.name": "seen", "table.whitelist": "ev",
        "db.timezone": "Europe/Berlin"}))
    got = records(mb, "pg-ev", 1)
    assert got[0]["payload"] == {"id": 1, "seen": 1714979289500}
    postgres.execute("insert into ev values (2, '2024-05-06 09:08:10')")
    got = records(mb, "pg-ev", 2)
    got = settle(mb, "pg-ev", 2)
    assert [g["payload"] for g in got] == [
        {"id": 1, "seen": 1714979289500}, {"id": 2, "seen": 1714979290000}]
    want = {"partition": {"protocol": "1", "table": "test.public.ev"},
            "offset": {"timestamp": 1714979290000, "timestamp_nanos": 0}}
    w.wait_for(lambda: w.get("/connectors/tz/offsets").json()["offsets"]
               == [want], 15, "timestamp offset")


def test_new_table_is_picked_up(postgres, mock_broker, worker):
    """table.poll.interval.ms: a table created after the connector started
    gets its rows copied without a restart; the first table's rows are not
    copied again when the tasks are reconfigured."""
    make_people(postgres)
    add_person(postgres, "ann")
    mb = mock_broker("pg-people:1", "pg-pets:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("src", source_config(postgres, mode="incrementing",
                                  **{"incrementing.column.name": "id",
                                     "table.poll.interval.ms": "1000"}))
    w.wait_running("src")
    assert [g["payload"]["name"] for g in records(mb, "pg-people", 1)] == \
        ["ann"]
    postgres.execute("create table pets (id serial primary key, "
                     "name text not null)")
    postgres.execute("insert into pets (name) values ('rex'), ('tom')")
    got = records(mb, "pg-pets", 2)
    assert [g["payload"]["name"] for g in got] == ["rex", "tom"]
    assert "reconfigured its tasks" in w.log()
    assert len(settle(mb, "pg-people", 1)) == 1
