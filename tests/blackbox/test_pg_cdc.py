"""PostgresConnector (Debezium-compatible CDC on pgoutput) against a real
PostgreSQL 15 with wal_level=logical: Debezium-shaped change events,
snapshot, slot feedback only up to committed offsets, exactly-once resume
after a crash, and clear errors for bad configs and servers."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from decimal import Decimal

import pytest

from conftest import JSON_CONVERTER, consume_records, free_port, \
    write_properties
from pg_fixture import PG_BIN, Postgres, _as_postgres, postgres  # noqa: F401

CLASS = "io.debezium.connector.postgresql.PostgresConnector"
JSON = {"key.converter": JSON_CONVERTER, "value.converter": JSON_CONVERTER}


def cdc_config(pg, **extra):
    cfg = {"connector.class": CLASS, "tasks.max": "1",
           "database.hostname": pg.host, "database.port": str(pg.port),
           "database.user": pg.user, "database.password": "",
           "database.dbname": pg.dbname, "topic.prefix": "cdc",
           "snapshot.mode": "never", "status.update.interval.ms": "200"}
    cfg.update(extra)
    return cfg


def events(bootstrap, topic, n, timeout=30):
    """(key, value) of the first n records, JSON-decoded (None for null)."""
    recs = consume_records(bootstrap, topic, n, timeout=timeout)
    dec = [(json.loads(k) if k else None, json.loads(v) if v else None)
           for _p, _o, k, v in recs]
    return dec


def slot_lsn(pg, slot="debezium"):
    rows = pg.query("select confirmed_flush_lsn - '0/0'::pg_lsn from "
                    "pg_replication_slots where slot_name = %s", (slot,))
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def offsets(w, name):
    r = w.get(f"/connectors/{name}/offsets")
    assert r.status_code == 200, r.text
    return r.json()["offsets"]


def decimal_of(field_value, scale):
    raw = base64.b64decode(field_value)
    return Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale)


def test_stream_insert_update_delete(mock_broker, worker, postgres):
    pg = postgres
    pg.execute("create table customers (id int primary key, name text not "
               "null, score numeric(10,2), born date, seen timestamp, "
               "tags jsonb, blob bytea)")
    pg.execute("alter table customers replica identity full")
    pg.execute("create table items (id bigint primary key, label varchar(20))")
    mb = mock_broker("cdc.public.customers:1", "cdc.public.items:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg))
    w.wait_running("pg")

    pg.execute("insert into customers values (1, 'ann', 12.50, '2024-02-29',"
               " '2024-01-02 03:04:05.123456', '{\"a\": 1}', '\\x00ff')")
    pg.execute("update customers set name = 'anna', score = -0.05 where id = 1")
    pg.execute("delete from customers where id = 1")
    pg.execute("insert into items values (7, 'x')")
    pg.execute("update items set label = 'y' where id = 7")
    pg.execute("delete from items where id = 7")

    # customers: c, u, d + tombstone, in order
    ev = events(mb.bootstrap, "cdc.public.customers", 4)
    assert len(ev) == 4
    (k1, c), (k2, u), (k3, d), (k4, tomb) = ev
    for k in (k1, k2, k3, k4):
        assert k["payload"] == {"id": 1}
        assert k["schema"]["name"] == "cdc.public.customers.Key"
    assert tomb is None
    assert c["schema"]["name"] == "cdc.public.customers.Envelope"
    fields = {f["field"]: f for f in c["schema"]["fields"]}
    assert fields["after"]["name"] == "cdc.public.customers.Value"
    assert fields["source"]["name"] == "io.debezium.connector.postgresql.Source"
    after_fields = {f["field"]: f for f in fields["after"]["fields"]}
    assert after_fields["id"]["type"] == "int32"
    assert after_fields["id"]["optional"] is False
    assert after_fields["name"]["optional"] is False
    assert after_fields["score"]["name"] == "org.apache.kafka.connect.data.Decimal"
    assert after_fields["born"]["name"] == "io.debezium.time.Date"
    assert after_fields["seen"]["name"] == "io.debezium.time.MicroTimestamp"
    assert after_fields["tags"]["name"] == "io.debezium.data.Json"

    cp, up, dp = c["payload"], u["payload"], d["payload"]
    assert [cp["op"], up["op"], dp["op"]] == ["c", "u", "d"]
    assert cp["before"] is None
    a = cp["after"]
    assert a["id"] == 1 and a["name"] == "ann"
    assert decimal_of(a["score"], 2) == Decimal("12.50")
    assert a["born"] == 19782  # days since 1970-01-01
    assert a["seen"] == 1704164645123456
    assert json.loads(a["tags"]) == {"a": 1}
    assert base64.b64decode(a["blob"]) == b"\x00\xff"
    # REPLICA IDENTITY FULL: whole before images
    assert up["before"]["name"] == "ann"
    assert up["after"]["name"] == "anna"
    assert decimal_of(up["after"]["score"], 2) == Decimal("-0.05")
    assert dp["before"]["name"] == "anna" and dp["after"] is None
    src = cp["source"]
    assert src["connector"] == "postgresql" and src["name"] == "cdc"
    assert src["db"] == "test" and src["schema"] == "public"
    assert src["table"] == "customers" and src["snapshot"] == "false"
    assert src["txId"] > 0 and src["lsn"] > 0
    assert up["source"]["lsn"] > src["lsn"] and up["source"]["txId"] > src["txId"]

    # items: REPLICA IDENTITY DEFAULT: no before on update, key-only on delete
    ev = events(mb.bootstrap, "cdc.public.items", 4)
    ops = [v["payload"]["op"] if v else None for _k, v in ev]
    assert ops == ["c", "u", "d", None]
    assert all(k["payload"] == {"id": 7} for k, _v in ev)
    u = ev[1][1]["payload"]
    assert u["before"] is None and u["after"] == {"id": 7, "label": "y"}
    d = ev[2][1]["payload"]
    assert d["before"] == {"id": 7, "label": None} and d["after"] is None

    st = w.status("pg")
    assert st["tasks"][0]["state"] == "RUNNING", st


def test_snapshot_then_stream(mock_broker, worker, postgres):
    pg = postgres
    pg.execute("create table t (id int primary key, v text)")
    pg.execute("create table other (k int primary key)")
    pg.execute("insert into t select g, 'v' || g from generate_series(1, 5) g")
    pg.execute("insert into other values (1)")
    mb = mock_broker("cdc.public.t:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"snapshot.mode": "initial",
                                     "table.include.list": "public\\.t",
                                     "publication.autocreate.mode": "filtered",
                                     "max.batch.size": "2"}))
    w.wait_running("pg")
    assert pg.query("select schemaname, tablename from pg_publication_tables"
                    " where pubname = 'dbz_publication'") == [("public", "t")]
    ev = events(mb.bootstrap, "cdc.public.t", 5)
    assert [v["payload"]["op"] for _k, v in ev] == ["r"] * 5
    assert sorted(v["payload"]["after"]["id"] for _k, v in ev) == [1, 2, 3, 4, 5]
    snaps = [v["payload"]["source"]["snapshot"] for _k, v in ev]
    assert snaps == ["true"] * 4 + ["last"]
    assert all(v["payload"]["before"] is None for _k, v in ev)

    pg.execute("insert into t values (6, 'new')")
    pg.execute("insert into other values (2)")  # not included
    ev = events(mb.bootstrap, "cdc.public.t", 6)
    assert len(ev) == 6
    assert ev[5][1]["payload"]["op"] == "c"
    assert ev[5][1]["payload"]["after"] == {"id": 6, "v": "new"}
    w.wait_for(lambda: offsets(w, "pg") and
               "lsn_commit" in offsets(w, "pg")[0]["offset"], 20,
               "streaming offset committed")
    part = offsets(w, "pg")[0]["partition"]
    assert part == {"server": "cdc"}
    # the excluded table never got a topic
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": mb.bootstrap, "group.id": "x"})
    md = c.list_topics(timeout=10)
    c.close()
    assert "cdc.public.other" not in md.topics


def test_slot_feedback_and_exactly_once_restart(mock_broker, worker,
                                                postgres, tmp_path):
    pg = postgres
    pg.execute("create table acct (id int primary key, bal int not null)")
    mb = mock_broker("cdc.public.acct:1")
    conn = write_properties(tmp_path / "pg.properties", dict(
        cdc_config(pg, **{"status.update.interval.ms": "300"}), name="pg"))
    props = dict(JSON, **{"bootstrap.servers": mb.bootstrap})
    w = worker.start(props, [conn])
    w.wait_running("pg")
    start_lsn = slot_lsn(pg)
    assert start_lsn is not None

    for i in range(3):
        pg.execute("insert into acct values (%s, %s)", (i, i * 10))
    pg.execute("update acct set bal = bal + 1 where id = 0")
    ev = events(mb.bootstrap, "cdc.public.acct", 4)
    last_change_lsn = ev[-1][1]["payload"]["source"]["lsn"]

    def committed_lsn():
        offs = offsets(w, "pg")
        return offs[0]["offset"]["lsn"] if offs else 0

    # > : a transaction's end lies past its changes
    w.wait_for(lambda: committed_lsn() > last_change_lsn, 20,
               "offsets committed")
    # the slot moves up to the committed offset, never past it (read the
    # slot first: the committed offset only grows)
    w.wait_for(lambda: slot_lsn(pg) >= last_change_lsn, 20,
               "confirmed_flush_lsn advanced")
    slot = slot_lsn(pg)
    committed = committed_lsn()
    assert start_lsn < slot <= committed, (start_lsn, slot, committed,
                                           offsets(w, "pg"))

    # Crash (no final feedback), with changes the slot has not confirmed:
    # a long status interval keeps confirmed_flush_lsn behind.
    w.stop()
    conn = write_properties(tmp_path / "pg.properties", dict(
        cdc_config(pg, **{"status.update.interval.ms": "60000"}), name="pg"))
    w = worker.start(props, [conn])
    w.wait_running("pg")
    before_crash_slot = slot_lsn(pg)
    pg.execute("insert into acct values (10, 100)")
    pg.execute("update acct set bal = 0 where id = 1")
    ev = events(mb.bootstrap, "cdc.public.acct", 6)
    lsn6 = ev[-1][1]["payload"]["source"]["lsn"]
    w.wait_for(lambda: committed_lsn() > lsn6, 20, "offsets committed")
    time.sleep(1.5)  # offset.flush.interval.ms=1000 writes the file
    assert slot_lsn(pg) == before_crash_slot  # nothing confirmed yet
    w.kill9()

    # changes while the worker is down
    pg.execute("delete from acct where id = 2")
    pg.execute("insert into acct values (11, 110)")
    w = worker.start(props, [conn])
    w.wait_running("pg")
    ev = events(mb.bootstrap, "cdc.public.acct", 9)
    time.sleep(2)  # anything resent would show up by now
    ev = events(mb.bootstrap, "cdc.public.acct", 9)
    got = [(v["payload"]["op"], k["payload"]["id"]) if v else ("tomb", k["payload"]["id"])
           for k, v in ev]
    assert got == [("c", 0), ("c", 1), ("c", 2), ("u", 0), ("c", 10),
                   ("u", 1), ("d", 2), ("tomb", 2), ("c", 11)], got
    lsns = [v["payload"]["source"]["lsn"] for _k, v in ev if v]
    assert lsns == sorted(lsns)


def test_resume_inside_a_transaction(mock_broker, worker, postgres,
                                     tmp_path):
    """An offset committed in the middle of a transaction (a batch boundary)
    resumes after the events already delivered: PostgreSQL resends the
    whole transaction and the delivered part is skipped."""
    pg = postgres
    pg.execute("create table big (id int primary key)")
    mb = mock_broker("cdc.public.big:1")
    conn = write_properties(tmp_path / "pg.properties", dict(
        cdc_config(pg, **{"status.update.interval.ms": "60000",
                          "max.batch.size": "4"}), name="pg"))
    props = dict(JSON, **{"bootstrap.servers": mb.bootstrap})
    w = worker.start(props, [conn])
    w.wait_running("pg")
    slot0 = slot_lsn(pg)
    pg.execute("insert into big select generate_series(1, 6)")
    ev = events(mb.bootstrap, "cdc.public.big", 6)
    assert [k["payload"]["id"] for k, _v in ev] == [1, 2, 3, 4, 5, 6]
    w.wait_for(lambda: offsets(w, "pg") and
               offsets(w, "pg")[0]["offset"]["tx_events"] == -1, 20,
               "whole transaction committed")
    off = offsets(w, "pg")[0]["offset"]
    time.sleep(1.5)  # the offsets file is written every second
    w.kill9()
    assert slot_lsn(pg) == slot0  # never confirmed (long status interval)

    # pretend the crash came after the first batch of the transaction
    path = tmp_path / "offsets.json"
    doc = json.loads(path.read_text())
    doc["offsets"][0]["value"] = {"lsn": slot0,
                                  "lsn_commit": off["lsn_commit"],
                                  "tx_events": 2, "txId": off["txId"]}
    path.write_text(json.dumps(doc))
    pg.execute("insert into big values (7)")
    w = worker.start(props, [conn])
    w.wait_running("pg")
    ev = events(mb.bootstrap, "cdc.public.big", 11)
    time.sleep(1)
    ev = events(mb.bootstrap, "cdc.public.big", 11)
    ids = [k["payload"]["id"] for k, _v in ev]
    assert ids == [1, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7], ids


def test_heartbeat_moves_offset_past_other_tables(mock_broker, worker,
                                                  postgres):
    """Changes only to tables outside table.include.list: heartbeat records
    carry the offset on, so the slot does not hold their WAL."""
    pg = postgres
    pg.execute("create table kept (id int primary key)")
    pg.execute("create table skipped (id int primary key)")
    mb = mock_broker("cdc.public.kept:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"table.include.list": "public\\.kept",
                                     "heartbeat.interval.ms": "300"}))
    w.wait_running("pg")
    pg.execute("insert into kept values (1)")
    events(mb.bootstrap, "cdc.public.kept", 1)
    for i in range(3):
        pg.execute("insert into skipped values (%s)", (i,))
    end = pg.query("select pg_current_wal_lsn() - '0/0'::pg_lsn")[0][0]
    w.wait_for(lambda: offsets(w, "pg")[0]["offset"]["lsn"] >= end - 200,
               20, "heartbeat offset past the skipped changes")
    w.wait_for(lambda: slot_lsn(pg) >= end - 200, 20, "slot confirmed")
    assert slot_lsn(pg) <= offsets(w, "pg")[0]["offset"]["lsn"]
    hb = events(mb.bootstrap, "__debezium-heartbeat.cdc", 1)
    key, value = hb[0]
    assert key["payload"] == {"serverName": "cdc"}
    assert value["payload"]["ts_ms"] > 0
    assert len(events(mb.bootstrap, "cdc.public.kept", 1)) == 1


def walsender_pids(pg):
    return [r[0] for r in pg.query("select pid from pg_stat_replication")]


def terminate_walsender(pg):
    pg.execute("select pg_terminate_backend(pid) from pg_stat_replication")


def all_events(bootstrap, topic, n, timeout=60):
    """Every record of topic once n have arrived and a while has passed:
    anything resent after them shows up too."""
    events(bootstrap, topic, n, timeout=timeout)
    time.sleep(1.5)
    try:
        return events(bootstrap, topic, n + 1, timeout=3)
    except AssertionError:
        return events(bootstrap, topic, n)


def ids_of(ev):
    return [(v["payload"]["op"], k["payload"]["id"]) for k, v in ev]


def test_connection_lost_reconnects_exactly_once(mock_broker, worker,
                                                 postgres):
    """The walsender is terminated: the task keeps RUNNING, reconnects
    with back-off and streams on from the slot; PostgreSQL resends what the
    slot has not confirmed (a long status interval: all of it) and the
    changes already emitted are skipped."""
    pg = postgres
    pg.execute("create table r (id int primary key)")
    mb = mock_broker("cdc.public.r:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"status.update.interval.ms": "60000"}))
    w.wait_running("pg")
    slot0 = slot_lsn(pg)
    pg.execute("insert into r values (1)")
    pg.execute("insert into r select generate_series(2, 4)")
    assert len(events(mb.bootstrap, "cdc.public.r", 4)) == 4
    old = walsender_pids(pg)
    assert len(old) == 1
    terminate_walsender(pg)
    pg.execute("insert into r values (5)")
    pg.execute("insert into r select generate_series(6, 8)")
    w.wait_for(lambda: walsender_pids(pg) and walsender_pids(pg) != old, 20,
               "walsender reconnected")
    pg.execute("insert into r values (9)")
    ev = all_events(mb.bootstrap, "cdc.public.r", 9)
    assert ids_of(ev) == [("c", i) for i in range(1, 10)], ids_of(ev)
    st = w.status("pg")
    assert st["tasks"][0]["state"] == "RUNNING", st
    assert slot_lsn(pg) == slot0  # nothing confirmed (long interval)


def test_connection_loss_storm_and_server_restart(mock_broker, worker,
                                                  postgres):
    """Repeated terminations (also in the middle of transactions split
    over batches) and a server restart: every change arrives exactly once
    and in order, without a task restart."""
    import threading
    pg = postgres
    pg.execute("create table s (id int primary key)")
    mb = mock_broker("cdc.public.s:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"status.update.interval.ms": "300",
                                     "max.batch.size": "3",
                                     "retriable.restart.connector.wait.ms":
                                     "500"}))
    w.wait_running("pg")
    stop = threading.Event()
    killed = []

    def killer():
        while not stop.is_set():
            try:
                killed.extend(r[0] for r in pg.query(
                    "select pg_terminate_backend(pid) from "
                    "pg_stat_replication") if r[0])
            except Exception:
                pass
            stop.wait(0.25)

    t = threading.Thread(target=killer)
    t.start()
    expect = []
    n = 0
    try:
        for size in [1, 7, 2, 300, 12, 1, 5, 9, 300, 3, 1, 15, 4, 6]:
            pg.execute("insert into s select generate_series(%s, %s)",
                       (n + 1, n + size))
            expect += range(n + 1, n + size + 1)
            n += size
            time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    ev = all_events(mb.bootstrap, "cdc.public.s", n)
    assert [k["payload"]["id"] for k, _v in ev] == expect
    assert len(killed) >= 3, killed
    assert "Reconnected" in w.log()

    # a fast server restart
    _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(pg.data), "-l",
                  str(pg.base / "server.log"), "-m", "fast", "-w",
                  "restart"], timeout=60)
    pg.execute("insert into s select generate_series(%s, %s)", (n + 1, n + 3))
    expect += range(n + 1, n + 4)
    n += 3
    ev = all_events(mb.bootstrap, "cdc.public.s", n)
    assert [k["payload"]["id"] for k, _v in ev] == expect
    lsns = [v["payload"]["source"]["lsn"] for _k, v in ev]
    assert lsns == sorted(lsns)
    st = w.status("pg")
    assert st["tasks"][0]["state"] == "RUNNING", st


def test_connection_lost_without_retries_fails_task(mock_broker, worker,
                                                    postgres):
    """errors.max.retries=0: a lost connection fails the task with its
    cause at once; a task restart resumes streaming."""
    pg = postgres
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    w.create("pg", cdc_config(pg, **{"errors.max.retries": "0"}))
    w.wait_running("pg")
    terminate_walsender(pg)
    st = w.wait_state("pg", "RUNNING", "FAILED")
    trace = st["tasks"][0]["trace"]
    assert "slot 'debezium'" in trace and "terminat" in trace, trace
    r = w.post("/connectors/pg/tasks/0/restart")
    assert r.status_code in (200, 202, 204), r.text
    w.wait_running("pg")


def test_reconnect_budget_exhausted_fails_task(mock_broker, worker,
                                               postgres):
    """With errors.max.retries=2 and the server gone, the task fails after
    two attempts, naming the lost connection and the last failure."""
    pg = postgres
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    w.create("pg", cdc_config(pg, **{"errors.max.retries": "2",
                                     "retriable.restart.connector.wait.ms":
                                     "300"}))
    w.wait_running("pg")
    pg.stop()
    st = w.wait_state("pg", "RUNNING", "FAILED")
    trace = st["tasks"][0]["trace"]
    assert "slot 'debezium'" in trace, trace
    assert "gave up after 2 reconnection attempt(s)" in trace, trace


def test_toast_key_change_and_slot_drop(mock_broker, worker, postgres):
    pg = postgres
    pg.execute("create table doc (id int primary key, n int, body text)")
    mb = mock_broker("cdc.public.doc:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"slot.drop.on.stop": "true",
                                     "max.batch.size": "1"}))
    w.wait_running("pg")
    # incompressible, so stored out of line (TOAST)
    pg.execute("insert into doc select 1, 0, string_agg(md5(g::text), '') "
               "from generate_series(1, 400) g")
    pg.execute("update doc set n = 1 where id = 1")
    pg.execute("update doc set id = 2 where id = 1")
    ev = events(mb.bootstrap, "cdc.public.doc", 5)
    ops = [v["payload"]["op"] if v else None for _k, v in ev]
    assert ops == ["c", "u", "d", None, "c"], ops
    assert len(ev[0][1]["payload"]["after"]["body"]) == 400 * 32
    # unchanged TOAST value: not sent by the server
    assert ev[1][1]["payload"]["after"]["body"] == \
        "__debezium_unavailable_value"
    assert ev[1][1]["payload"]["after"]["n"] == 1
    # a primary key change: delete of the old key, tombstone, create
    assert ev[2][0]["payload"] == {"id": 1} and ev[3][0]["payload"] == {"id": 1}
    assert ev[4][0]["payload"] == {"id": 2}
    assert ev[4][1]["payload"]["after"]["id"] == 2
    assert pg.query("select count(*) from pg_replication_slots")[0][0] == 1
    assert w.delete("/connectors/pg").status_code in (200, 204)
    w.wait_for(lambda: pg.query("select count(*) from pg_replication_slots")
               [0][0] == 0, 20, "slot dropped on stop")


def validate(w, cfg):
    r = w.put(f"/connector-plugins/{CLASS}/config/validate",
              json=dict(cfg, name="v"))
    assert r.status_code == 200, r.text
    body = r.json()
    errors = {c["value"]["name"]: c["value"]["errors"]
              for c in body["configs"] if c["value"]["errors"]}
    return body["error_count"], errors


def test_config_errors(mock_broker, worker, postgres):
    pg = postgres
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    assert validate(w, cdc_config(pg)) == (0, {})

    bad = cdc_config(pg)
    del bad["topic.prefix"]
    n, errs = validate(w, dict(bad, **{"slot.name": "Bad-Slot",
                                       "decimal.handling.mode": "exact",
                                       "plugin.name": "wal2json",
                                       "table.include.list": "a(",
                                       "database.port": "70000"}))
    assert n >= 6
    for key in ("topic.prefix", "slot.name", "decimal.handling.mode",
                "plugin.name", "table.include.list", "database.port"):
        assert key in errs, (key, errs)
    assert "lowercase" in errs["slot.name"][0]

    n, errs = validate(w, cdc_config(pg, **{"table.include.list": "public.a",
                                            "table.exclude.list": "public.b"}))
    assert "table.exclude.list" in errs

    # unreachable server / unknown database
    n, errs = validate(w, cdc_config(pg, **{"database.dbname": "nosuchdb"}))
    assert n == 1 and "nosuchdb" in errs["database.hostname"][0], errs
    r = w.post("/connectors", json={"name": "x", "config": cdc_config(
        pg, **{"database.port": str(free_port())})})
    assert r.status_code == 400 and "Couldn't connect" in r.text, r.text

    # wrong password: require scram for one role
    pg.execute("create role pw login password 'right' replication")
    hba = pg.data / "pg_hba.conf"
    text = hba.read_text()
    hba.write_text("host all pw 127.0.0.1/32 scram-sha-256\n"
                   "host replication pw 127.0.0.1/32 scram-sha-256\n" + text)
    pg.execute("select pg_reload_conf()")
    time.sleep(0.3)
    n, errs = validate(w, cdc_config(pg, **{"database.user": "pw",
                                            "database.password": "wrong"}))
    assert "password authentication failed" in errs["database.hostname"][0]
    assert validate(w, cdc_config(pg, **{"database.user": "pw",
                                         "database.password": "right"}))[0] == 0

    # publication.autocreate.mode=disabled with no publication: task fails
    w.create("nopub", cdc_config(pg, **{"publication.autocreate.mode":
                                        "disabled"}))
    st = w.wait_state("nopub", "RUNNING", "FAILED")
    assert "does not exist" in st["tasks"][0]["trace"], st


def test_wal_level_not_logical(mock_broker, worker):
    base = tempfile.mkdtemp(prefix="sluice-pg-")
    pg = Postgres(base, free_port())
    try:
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(pg.data), "-U",
                      "postgres", "--auth=trust", "--no-sync"])
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(pg.data), "-l",
                      str(pg.base / "server.log"), "-w", "-o",
                      f"-c listen_addresses=127.0.0.1 -p {pg.port} "
                      f"-k {base} -c wal_level=replica -c fsync=off", "start"])
        c = pg.connect("postgres")
        c.autocommit = True
        c.cursor().execute("create database test")
        c.close()
        w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
        w.create("pg", cdc_config(pg))
        st = w.wait_state("pg", "RUNNING", "FAILED")
        trace = st["tasks"][0]["trace"]
        assert "wal_level property must be 'logical' but is: 'replica'" \
            in trace, trace
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_decimal_modes_and_types(mock_broker, worker, postgres):
    pg = postgres
    pg.execute("create table n (id int primary key, a numeric(8,3), b numeric,"
               " f float8, u uuid, tz timestamptz, ok boolean, s smallint)")
    mb = mock_broker("s.public.n:1", "d.public.n:1", "p.public.n:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("s", cdc_config(pg, **{"topic.prefix": "s", "slot.name": "s1",
                                    "decimal.handling.mode": "string"}))
    w.create("d", cdc_config(pg, **{"topic.prefix": "d", "slot.name": "d1",
                                    "decimal.handling.mode": "double"}))
    w.create("p", cdc_config(pg, **{"topic.prefix": "p", "slot.name": "p1"}))
    w.wait_running("s")
    w.wait_running("d")
    w.wait_running("p")
    pg.execute("insert into n values (1, 12345.678, 0.000001, 1.5, "
               "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
               "'2024-05-06 07:08:09.5+02', true, -3)")
    (_k, v), = events(mb.bootstrap, "s.public.n", 1)
    a = v["payload"]["after"]
    assert a["a"] == "12345.678" and a["b"] == "0.000001"
    assert a["f"] == 1.5 and a["ok"] is True and a["s"] == -3
    assert a["u"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert a["tz"] == "2024-05-06T05:08:09.5Z"
    (_k, v), = events(mb.bootstrap, "d.public.n", 1)
    a = v["payload"]["after"]
    assert a["a"] == 12345.678 and a["b"] == 0.000001
    # precise: unconstrained NUMERIC is a VariableScaleDecimal
    (_k, v), = events(mb.bootstrap, "p.public.n", 1)
    a = v["payload"]["after"]
    assert decimal_of(a["a"], 3) == Decimal("12345.678")
    assert a["b"]["scale"] == 6 and decimal_of(a["b"]["value"], 6) == \
        Decimal("0.000001")
    fields = {f["field"]: f for f in v["schema"]["fields"]}
    after = {f["field"]: f for f in fields["after"]["fields"]}
    assert after["a"]["parameters"] == {"scale": "3",
                                        "connect.decimal.precision": "8"}
    assert after["b"]["name"] == "io.debezium.data.VariableScaleDecimal"


def test_snapshot_with_existing_slot(mock_broker, worker, postgres):
    """A slot made beforehand (no exported snapshot to share): the rows
    are read in a snapshot of their own, then streaming continues from the
    slot."""
    pg = postgres
    pg.execute("create table e (id int primary key)")
    pg.execute("insert into e values (1), (2)")
    pg.execute("create publication dbz_publication for all tables")
    pg.execute("select pg_create_logical_replication_slot('debezium', "
               "'pgoutput')")
    pg.execute("insert into e values (3)")
    mb = mock_broker("cdc.public.e:1")
    w = worker.start(dict(JSON, **{"bootstrap.servers": mb.bootstrap}))
    w.create("pg", cdc_config(pg, **{"snapshot.mode": "initial",
                                     "publication.autocreate.mode":
                                     "disabled"}))
    w.wait_running("pg")
    pg.execute("insert into e values (4)")
    ev = events(mb.bootstrap, "cdc.public.e", 5)
    got = [(v["payload"]["op"], k["payload"]["id"]) for k, v in ev]
    # 3 was committed after the slot: in the snapshot and streamed
    assert got[:3] == [("r", 1), ("r", 2), ("r", 3)], got
    assert got[3:] == [("c", 3), ("c", 4)], got
