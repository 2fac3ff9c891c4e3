"""JdbcSinkConnector (PostgreSQL): auto-created tables, upserts, deletes,
schema evolution and the offsets table written in the same transaction as
the rows, against a real PostgreSQL (pg_fixture) and the mock broker."""

import copy
import datetime
import json

from confluent_kafka import Producer

from conftest import JSON_CONVERTER, write_properties
from pg_fixture import postgres  # noqa: F401 - pytest fixture

SINK = "io.confluent.connect.jdbc.JdbcSinkConnector"
OFFSETS = "__sluice_sink_offsets"

ORDER_SCHEMA = {
    "type": "struct", "name": "order", "optional": False, "fields": [
        {"field": "id", "type": "int32", "optional": False},
        {"field": "item", "type": "string", "optional": False},
        {"field": "qty", "type": "int64", "optional": True},
        {"field": "price", "type": "bytes", "optional": True,
         "name": "org.apache.kafka.connect.data.Decimal",
         "parameters": {"scale": "2"}},
        {"field": "at", "type": "int64", "optional": True,
         "name": "org.apache.kafka.connect.data.Timestamp"},
    ]}
KEY_SCHEMA = {"type": "int32", "optional": False}


def env(schema, payload):
    return json.dumps({"schema": schema, "payload": payload})


def order(i, item, qty=None, price=None, at=None, schema=ORDER_SCHEMA,
          **extra):
    p = {"id": i, "item": item, "qty": qty, "price": price, "at": at}
    p.update(extra)
    return env(schema, p)


def send(mb, topic, msgs):
    """msgs: (key, value) pairs of str/None."""
    p = Producer({"bootstrap.servers": mb.bootstrap, "linger.ms": 5})
    for k, v in msgs:
        p.produce(topic, key=k.encode() if k is not None else None,
                  value=v.encode() if v is not None else None)
    assert p.flush(30) == 0


def sink_config(pg, topic, **extra):
    cfg = {"connector.class": SINK, "tasks.max": "1", "topics": topic,
           "connection.url": pg.url, "connection.user": "postgres",
           "key.converter": JSON_CONVERTER,
           "key.converter.schemas.enable": "true",
           "value.converter": JSON_CONVERTER,
           "value.converter.schemas.enable": "true",
           "retry.backoff.ms": "200"}
    cfg.update({k: str(v) for k, v in extra.items()})
    return cfg


def rows(pg, sql):
    """Rows of sql, or None while the table or a column does not exist
    yet."""
    import psycopg2
    try:
        return pg.query(sql)
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedColumn):
        return None


def stored_offsets(pg, name):
    return rows(pg, f"select topic, kafka_partition, next_offset from "
                    f"{OFFSETS} where connector = '{name}' order by 1, 2")


def test_upsert_by_record_key_auto_create_and_delete(postgres, mock_broker,
                                                     worker):
    mb = mock_broker("orders:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", sink_config(postgres, "orders", **{
        "auto.create": "true", "insert.mode": "upsert",
        "pk.mode": "record_key", "pk.fields": "id",
        "delete.enabled": "true"}))
    w.wait_running("snk")
    k = lambda i: env(KEY_SCHEMA, i)  # noqa: E731
    send(mb, "orders", [
        (k(1), order(1, "apple", 3, "AfQ=", 1714979289500)),  # 5.00
        (k(2), order(2, "pear")),
        (k(1), order(1, "apple", 7, "/zg=", 1714979289500)),  # -2.00
    ])
    at = datetime.datetime(2024, 5, 6, 7, 8, 9, 500000)  # as UTC
    want = [(1, "apple", 7, "-2.00", at), (2, "pear", None, None, None)]
    q = "select id, item, qty, price::text, at from orders order by id"
    w.wait_for(lambda: rows(postgres, q) == want, 20, "upserted rows")
    assert stored_offsets(postgres, "snk") == [("orders", 0, 3)]
    cols = dict(rows(postgres, "select column_name, data_type from "
                               "information_schema.columns where "
                               "table_name = 'orders'"))
    assert cols == {"id": "integer", "item": "text", "qty": "bigint",
                    "price": "numeric",
                    "at": "timestamp without time zone"}
    pk = rows(postgres, "select a.attname from pg_index i join pg_attribute "
                        "a on a.attrelid = i.indrelid and a.attnum = "
                        "any(i.indkey) where i.indrelid = 'orders'::regclass "
                        "and i.indisprimary")
    assert pk == [("id",)]

    send(mb, "orders", [(k(2), None), (k(3), order(3, "fig", 1))])
    want = [(1, "apple", 7, "-2.00", at), (3, "fig", 1, None, None)]
    w.wait_for(lambda: rows(postgres, q) == want, 20, "tombstone deleted")
    w.wait_for(lambda: stored_offsets(postgres, "snk") ==
               [("orders", 0, 5)], 10, "offsets table updated")


def test_upsert_by_record_value_and_auto_evolve(postgres, mock_broker,
                                                worker):
    mb = mock_broker("items:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", sink_config(postgres, "items", **{
        "auto.create": "true", "auto.evolve": "true",
        "insert.mode": "upsert", "pk.mode": "record_value",
        "pk.fields": "id", "table.name.format": "t_${topic}",
        "fields.whitelist": "id,item,qty,colour"}))
    send(mb, "items", [(None, order(1, "a", 1)), (None, order(2, "b", 2))])
    q = "select id, item, qty from t_items order by id"
    w.wait_for(lambda: rows(postgres, q) == [(1, "a", 1), (2, "b", 2)], 20,
               "rows")
    # price and at are not whitelisted
    cols = {c for (c,) in rows(postgres, "select column_name from "
                                         "information_schema.columns where "
                                         "table_name = 't_items'")}
    assert cols == {"id", "item", "qty"}
    wide = dict(ORDER_SCHEMA, fields=ORDER_SCHEMA["fields"] + [
        {"field": "colour", "type": "string", "optional": True}])
    send(mb, "items", [(None, order(2, "b2", 5, schema=wide,
                                    colour="red"))])
    q2 = "select id, item, qty, colour from t_items order by id"
    w.wait_for(lambda: rows(postgres, q2) ==
               [(1, "a", 1, None), (2, "b2", 5, "red")], 20,
               "column added and row replaced")


def test_offsets_table_decides_where_consumption_resumes(postgres,
                                                         mock_broker, worker,
                                                         tmp_path):
    """Rows and next offsets are committed together; Kafka's committed
    offsets are never written here (the flush interval is longer than the
    test), so after kill -9 a restart would replay everything from the
    start without the offsets table."""
    postgres.execute("create table events (id int primary key, item text "
                     "not null, qty bigint, price numeric(10,2), "
                     "at timestamp)")
    mb = mock_broker("events:1")
    conn = write_properties(tmp_path / "snk.properties", dict(
        name="ev", **sink_config(postgres, "events", **{
            "insert.mode": "insert", "pk.mode": "none",
            "max.retries": "0"})))
    props = {"bootstrap.servers": mb.bootstrap,
             "offset.flush.interval.ms": "600000"}
    w = worker.start(props, [conn])
    send(mb, "events", [(None, order(i, f"e{i}")) for i in range(5)])
    w.wait_for(lambda: stored_offsets(postgres, "ev") == [("events", 0, 5)],
               20, "offsets table at 5")
    assert rows(postgres, "select count(*) from events") == [(5,)]
    w.kill9()
    send(mb, "events", [(None, order(i, f"e{i}")) for i in range(5, 8)])
    w2 = w.restart()
    # a replay of offsets 0-4 would break the primary key and fail the task
    w2.wait_for(lambda: stored_offsets(postgres, "ev") ==
                [("events", 0, 8)], 20, "offsets table at 8")
    assert rows(postgres, "select count(*), min(id), max(id) from events") \
        == [(8, 0, 7)]
    st = w2.status("ev")
    assert st["tasks"][0]["state"] == "RUNNING", st
    assert "resumes at offset 5" in w2.log()


def test_schemaless_record_fails_task_clearly(postgres, mock_broker, worker):
    mb = mock_broker("raw:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", sink_config(postgres, "raw", **{
        "auto.create": "true",
        "value.converter.schemas.enable": "false"}))
    send(mb, "raw", [(None, json.dumps({"id": 1, "item": "x"}))])
    st = w.wait_state("snk", "RUNNING", task_state="FAILED")
    trace = st["tasks"][0]["trace"]
    assert "requires records with a non-null Struct value and non-null " \
           "Struct schema" in trace, trace
    assert "topic='raw',partition=0,offset=0" in trace, trace
    assert rows(postgres, "select count(*) from information_schema.tables "
                          "where table_name = 'raw'") == [(0,)]


def test_config_validation(postgres, mock_broker, worker):
    mb = mock_broker("v:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    cfg = sink_config(postgres, "v", **{"delete.enabled": "true",
                                        "insert.mode": "upsert"})
    r = w.put(f"/connector-plugins/{SINK}/config/validate", json=cfg)
    body = r.json()
    errs = {c["value"]["name"]: c["value"]["errors"] for c in body["configs"]}
    assert any("record_key" in e for e in errs["delete.enabled"]), errs
    assert errs["pk.mode"], errs
    r = w.post("/connectors", json={"name": "x", "config": cfg})
    assert r.status_code == 400, r.text


def test_lost_connection_is_retried(postgres, mock_broker, worker):
    """Plain inserts into a table with a primary key: a record written
    twice (a re-put not skipping what was committed) fails the task."""
    mb = mock_broker("r:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", sink_config(postgres, "r", **{
        "auto.create": "true", "insert.mode": "insert",
        "pk.mode": "record_value", "pk.fields": "id", "batch.size": "2"}))
    send(mb, "r", [(None, order(i, "x")) for i in range(3)])
    q = "select count(*) from r"
    w.wait_for(lambda: rows(postgres, q) == [(3,)], 20, "first rows")
    postgres.execute("select pg_terminate_backend(pid) from "
                     "pg_stat_activity where datname = 'test' and "
                     "backend_type = 'client backend' and "
                     "pid <> pg_backend_pid()")
    send(mb, "r", [(None, order(i, "y")) for i in range(3, 6)])
    w.wait_for(lambda: rows(postgres, q) == [(6,)], 20, "rows after retry")
    assert stored_offsets(postgres, "snk") == [("r", 0, 6)]
    assert rows(postgres, "select id, item from r order by id") == \
        [(i, "x" if i < 3 else "y") for i in range(6)]
    assert w.status("snk")["tasks"][0]["state"] == "RUNNING"
    assert "retrying (1 of 10)" in w.log()


def test_kafka_pk_mode_and_update_mode(postgres, mock_broker, worker):
    mb = mock_broker("kk:1", "up:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("kk", sink_config(postgres, "kk", **{
        "auto.create": "true", "insert.mode": "upsert",
        "pk.mode": "kafka"}))
    send(mb, "kk", [(None, order(7, "a")), (None, order(7, "b"))])
    q = ("select __connect_topic, __connect_partition, __connect_offset, "
         "id, item from kk order by __connect_offset")
    w.wait_for(lambda: rows(postgres, q) ==
               [("kk", 0, 0, 7, "a"), ("kk", 0, 1, 7, "b")], 20,
               "rows keyed by topic/partition/offset")

    postgres.execute("create table up (id int primary key, item text, "
                     "qty bigint, price numeric(10,2), at timestamp)")
    postgres.execute("insert into up values (1, 'old', 1, null, null)")
    w.create("up", sink_config(postgres, "up", **{
        "insert.mode": "update", "pk.mode": "record_value",
        "pk.fields": "id"}))
    # id 2 does not exist: an update changes nothing and adds no row
    send(mb, "up", [(None, order(1, "new", 9)), (None, order(2, "none"))])
    w.wait_for(lambda: stored_offsets(postgres, "up") == [("up", 0, 2)],
               20, "updates written")
    assert rows(postgres, "select id, item, qty from up") == [(1, "new", 9)]


def _admin(pg, sql):
    """sql on the maintenance database (works while 'test' is closed)."""
    c = pg.connect("postgres")
    try:
        c.autocommit = True
        c.cursor().execute(sql)
    finally:
        c.close()


def _close_database(pg, dbname="test"):
    """New sessions to dbname are refused ('database ... is not currently
    accepting connections') and its open ones are terminated: every write
    fails, transiently, until _open_database."""
    _admin(pg, f"alter database {dbname} allow_connections false")
    _admin(pg, "select pg_terminate_backend(pid) from pg_stat_activity "
               f"where datname = '{dbname}' and backend_type = "
               "'client backend' and pid <> pg_backend_pid()")


def _open_database(pg, dbname="test"):
    _admin(pg, f"alter database {dbname} allow_connections true")


def test_retry_backoff_does_not_hold_the_shard(postgres, mock_broker,
                                               worker):
    """One shard runs both sinks. While the database of the first refuses
    connections it waits retry.backoff.ms (10 s) between attempts without
    holding the shard: the second, writing to another database, keeps
    delivering within a few seconds. Once its database is back the first
    writes everything exactly once (plain inserts under a primary key: a
    duplicate would fail the task)."""
    _admin(postgres, "create database other")
    other = copy.copy(postgres)
    other.dbname = "other"
    other.url = f"jdbc:postgresql://{other.host}:{other.port}/other"
    mb = mock_broker("a:1", "b:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "shard.count": "1"})
    strict = {"auto.create": "true", "insert.mode": "insert",
              "pk.mode": "record_value", "pk.fields": "id"}
    w.create("down", sink_config(postgres, "a", **strict, **{
        "retry.backoff.ms": "10000", "max.retries": "50"}))
    w.create("up", sink_config(other, "b", **strict))
    send(mb, "a", [(None, order(i, "a")) for i in range(3)])
    send(mb, "b", [(None, order(i, "b")) for i in range(2)])
    qa = "select id, item from a order by id"
    qb = "select id, item from b order by id"
    w.wait_for(lambda: rows(postgres, qa) == [(i, "a") for i in range(3)],
               20, "first rows in test.a")
    w.wait_for(lambda: rows(other, qb) == [(i, "b") for i in range(2)], 20,
               "first rows in other.b")

    _close_database(postgres)
    try:
        send(mb, "a", [(None, order(i, "a")) for i in range(3, 6)])
        w.wait_for(lambda: "retrying (1 of 50) in 10000 ms" in w.log(), 20,
                   "first write failure of 'down'")
        # the shard is not sleeping through the 10 s back-off
        send(mb, "b", [(None, order(i, "b")) for i in range(2, 5)])
        w.wait_for(lambda: rows(other, qb) ==
                   [(i, "b") for i in range(5)], 6,
                   "other.b written during the back-off")
        # the repeated put fails again (the database still refuses) and
        # waits again, still without holding the shard
        w.wait_for(lambda: "retrying (2 of 50)" in w.log(), 20,
                   "second attempt of 'down'")
        assert "not currently accepting connections" in w.log()
        send(mb, "b", [(None, order(5, "b"))])
        w.wait_for(lambda: rows(other, qb) ==
                   [(i, "b") for i in range(6)], 6,
                   "other.b written during the second back-off")
        st = w.status("down")
        assert st["tasks"][0]["state"] == "RUNNING", st
    finally:
        _open_database(postgres)

    w.wait_for(lambda: rows(postgres, qa) == [(i, "a") for i in range(6)],
               30, "test.a complete after the database came back")
    assert stored_offsets(postgres, "down") == [("a", 0, 6)]
    assert stored_offsets(other, "up") == [("b", 0, 6)]
    w.wait_for(lambda: "records written after" in w.log(), 10,
               "recovery logged")
    for name in ("down", "up"):
        st = w.status(name)
        assert st["tasks"][0]["state"] == "RUNNING", st


def test_retries_exhausted_fail_the_task(postgres, mock_broker, worker):
    mb = mock_broker("x:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("snk", sink_config(postgres, "x", **{
        "auto.create": "true", "max.retries": "2",
        "retry.backoff.ms": "300"}))
    send(mb, "x", [(None, order(0, "x"))])
    w.wait_for(lambda: rows(postgres, "select count(*) from x") == [(1,)],
               20, "first row")
    _close_database(postgres)
    try:
        send(mb, "x", [(None, order(1, "x"))])
        st = w.wait_state("snk", "RUNNING", task_state="FAILED", timeout=30)
        trace = st["tasks"][0]["trace"]
        assert "not currently accepting connections" in trace, trace
        log = w.log()
        assert "retrying (2 of 2)" in log and "retrying (3 of" not in log
    finally:
        _open_database(postgres)
    assert rows(postgres, "select id from x") == [(0,)]
