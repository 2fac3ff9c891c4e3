"""Secrets from config providers (and values of PASSWORD keys) never leave
the worker: not in any REST response, not in the worker log at any level
(the worker runs with SLUICE_LOG_LEVEL=TRACE), and in distributed mode not
in the config or status topic. The placeholder (or "[hidden]") is shown
instead.

Connectors used, all of which run or fail without a real external server:
- HttpSink against a local target that answers 400: its URL carries an env
  secret in the path, its headers a file secret, its connection.password
  (PASSWORD) a file secret; the task fails with a trace that quotes the
  URL.
- JdbcSink against a closed port: the database name in connection.url is
  an env secret, connection.password a file secret; connecting fails and
  the error names the database.
- FileStreamSink with an arbitrary extra key holding secrets.
- A create refused because a value that came from a secret is invalid:
  the 400 message quotes the value.
"""

import json
import socket
import time
import uuid

import requests
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

from conftest import produce, write_properties, wait_until
from http_target import HttpTarget

ENV_TOKEN = "envtok-" + uuid.uuid4().hex
ENV_DB = "envdb" + uuid.uuid4().hex[:12]
ENV_BAD = "notanumber-" + uuid.uuid4().hex
FILE_TOKEN = "filetok-" + uuid.uuid4().hex
FILE_PW = "filepw-" + uuid.uuid4().hex
LITERAL_PW = "literalpw-" + uuid.uuid4().hex

SECRETS = (ENV_TOKEN, ENV_DB, ENV_BAD, FILE_TOKEN, FILE_PW, LITERAL_PW)
ENV = {"SL_SECRET_TOKEN": ENV_TOKEN, "SL_SECRET_DB": ENV_DB,
       "SL_SECRET_BAD": ENV_BAD, "SLUICE_LOG_LEVEL": "TRACE"}

HTTP_SINK = "io.confluent.connect.http.HttpSinkConnector"
JDBC_SINK = "io.confluent.connect.jdbc.JdbcSinkConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_no_secret(text, where):
    for s in SECRETS:
        assert s not in text, f"secret {s[:12]}... leaked in {where}:\n" \
                              f"{text[:3000]}"


def setup_secrets(tmp_path):
    path = write_properties(tmp_path / "secrets.properties",
                            {"token": FILE_TOKEN, "pw": FILE_PW})
    return {"token": f"${{file:{path}:token}}", "pw": f"${{file:{path}:pw}}",
            "env_token": "${env:SL_SECRET_TOKEN}",
            "env_db": "${env:SL_SECRET_DB}", "env_bad": "${env:SL_SECRET_BAD}"}


def configs(ph, target_url, topic, out):
    http = {
        "connector.class": HTTP_SINK, "tasks.max": "1", "topics": topic,
        "http.api.url": target_url + "/hook/" + ph["env_token"],
        "headers": "X-Api-Key:" + ph["token"],
        "auth.type": "BASIC", "connection.user": "alice",
        "connection.password": ph["pw"],
        "max.retries": "0", "behavior.on.error": "fail",
        "my.extra.secret": ph["env_token"],
    }
    jdbc = {
        "connector.class": JDBC_SINK, "tasks.max": "1", "topics": topic,
        "connection.url":
            f"jdbc:postgresql://127.0.0.1:{closed_port()}/{ph['env_db']}",
        "connection.user": "bob", "connection.password": ph["pw"],
        "connection.attempts": "1", "connection.backoff.ms": "0",
        "auto.create": "true",
    }
    fsink = {
        "connector.class": FILE_SINK, "tasks.max": "1", "topics": topic,
        "file": str(out),
        "my.extra.secret": ph["token"],
        "another.secret": "before-" + ph["env_token"] + "-after",
    }
    return {"sec-http": http, "sec-jdbc": jdbc, "sec-file": fsink}


# The REST reads checked for every connector (GET).
def endpoints(name):
    return [
        "/connectors",
        "/connectors?expand=info",
        "/connectors?expand=status",
        "/connectors?expand=info&expand=status",
        f"/connectors/{name}",
        f"/connectors/{name}/config",
        f"/connectors/{name}/status",
        f"/connectors/{name}/tasks",
        f"/connectors/{name}/tasks-config",
        f"/connectors/{name}/tasks/0/status",
        f"/connectors/{name}/topics",
        f"/connectors/{name}/offsets",
    ]


def check_rest(w, cfgs):
    seen = {}
    for name, cfg in cfgs.items():
        for path in endpoints(name):
            r = w.get(path)
            assert r.status_code in (200, 404), f"{path}: {r.status_code}"
            assert_no_secret(r.text, f"GET {path}")
            seen[path] = r
        # the raw placeholders are what is shown
        got = w.get(f"/connectors/{name}/config").json()
        for k, v in cfg.items():
            assert got[k] == v, (name, k, got[k])
        info = w.get(f"/connectors/{name}").json()
        assert info["config"] == got
        tasks = w.get(f"/connectors/{name}/tasks").json()
        assert tasks, f"{name} has no tasks"
        for k, v in cfg.items():
            assert tasks[0]["config"].get(k) == v, (name, k, tasks[0])
        tc = w.get(f"/connectors/{name}/tasks-config").json()
        assert tc[f"{name}-0"] == tasks[0]["config"]
        # validate: raw values, PASSWORD keys "[hidden]", errors masked
        plugin = cfg["connector.class"].rsplit(".", 1)[-1]
        r = w.put(f"/connector-plugins/{plugin}/config/validate", json=cfg)
        assert r.status_code == 200, r.text
        assert_no_secret(r.text, f"validate {name}")
        values = {c["value"]["name"]: c["value"]["value"]
                  for c in r.json()["configs"]}
        for k, v in cfg.items():
            if k == "connection.password":
                assert values[k] == "[hidden]", values[k]
            elif k in values:
                assert values[k] == v, (k, values[k])
    return seen


def check_validate_errors(w, ph, target_url, topic):
    """A value from a secret that is invalid, and a literal PASSWORD: the
    errors and the 400 of a create quote the placeholder, never the
    value."""
    cfg = {"connector.class": HTTP_SINK, "topics": topic,
           "http.api.url": target_url, "batch.max.size": ph["env_bad"],
           "auth.type": "BASIC", "connection.user": "carol",
           "connection.password": LITERAL_PW, "name": "sec-bad"}
    r = w.put("/connector-plugins/HttpSinkConnector/config/validate",
              json=cfg)
    assert r.status_code == 200, r.text
    assert_no_secret(r.text, "validate of an invalid config")
    body = r.json()
    assert body["error_count"] >= 1
    by_name = {c["value"]["name"]: c["value"] for c in body["configs"]}
    errs = " ".join(by_name["batch.max.size"]["errors"])
    assert ph["env_bad"] in errs, errs
    assert by_name["connection.password"]["value"] == "[hidden]"

    r = w.post("/connectors", json={"name": "sec-bad", "config": cfg})
    assert r.status_code == 400, r.text
    assert_no_secret(r.text, "400 of POST /connectors")
    assert ph["env_bad"] in r.json()["message"]
    r = w.put("/connectors/sec-bad/config", json=cfg)
    assert r.status_code == 400, r.text
    assert_no_secret(r.text, "400 of PUT /connectors/sec-bad/config")
    # an unknown connector class echoes nothing secret either
    bad_cls = dict(cfg, **{"connector.class": "NoSuch" + ph["env_token"]})
    r = w.post("/connectors", json={"name": "sec-bad2", "config": bad_cls})
    assert r.status_code >= 400
    assert_no_secret(r.text, "error of POST /connectors (unknown class)")


def test_secrets_standalone(mock_broker, worker, tmp_path):
    topic = "sec-in"
    mb = mock_broker(f"{topic}:1")
    ph = setup_secrets(tmp_path)
    out = tmp_path / "out.txt"
    with HttpTarget() as target:
        target.fail_always(400, "bad request")
        cfgs = configs(ph, target.url(""), topic, out)
        w = worker.start({"bootstrap.servers": mb.bootstrap,
                          "config.providers.file.param.allowed.paths":
                              str(tmp_path)}, env=ENV)
        for name, cfg in cfgs.items():
            r = w.post("/connectors", json={"name": name, "config": cfg})
            assert r.status_code == 201, r.text
            assert_no_secret(r.text, f"201 of POST {name}")
        # an update goes through the same paths again
        r = w.put("/connectors/sec-file/config", json=cfgs["sec-file"])
        assert r.status_code == 200, r.text
        assert_no_secret(r.text, "200 of PUT sec-file/config")
        w.wait_running("sec-file")
        produce(mb.bootstrap, topic, [f"rec-{i}" for i in range(5)])
        w.wait_for(lambda: len(out.read_text().splitlines()) == 5
                   if out.exists() else False, 30, "records in the file")

        # the secrets really were used
        target.wait_for(lambda reqs: reqs, 30, "a request to the target")
        req = target.requests()[0]
        assert req.path == f"/hook/{ENV_TOKEN}"
        assert req.headers["x-api-key"] == FILE_TOKEN
        # the HTTP task failed with a trace quoting the URL, the JDBC one
        # could not connect to the database named by a secret
        st = w.wait_state("sec-http", "RUNNING", "FAILED")
        trace = st["tasks"][0]["trace"]
        assert "/hook/" + ph["env_token"] in trace, trace
        w.wait_for(lambda: ph["env_db"] in w.log(), 30,
                   "the JDBC connection error in the log")

        check_rest(w, cfgs)
        check_validate_errors(w, ph, target.url(""), topic)
        st = w.status("sec-http")
        assert_no_secret(json.dumps(st), "status")

        w.stop()
    log = w.log()
    assert_no_secret(log, "the worker log")
    assert " TRACE " in log or " DEBUG " in log  # the levels were on
    assert ph["env_token"] in log  # masked where it would have been


def read_topic(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap,
                  "group.id": "t-" + uuid.uuid4().hex,
                  "enable.auto.commit": False})
    md = c.list_topics(topic, timeout=10)
    parts = sorted(md.topics[topic].partitions)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    recs, idle = [], 0
    while idle < 10:
        msgs = c.consume(500, 0.2)
        if not msgs:
            idle += 1
            continue
        idle = 0
        recs += [(m.key() or b"", m.value() or b"") for m in msgs
                 if not m.error()]
    c.close()
    return recs


def test_secrets_distributed(cluster, tmp_path, monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    topic = "sec-in"
    ph = setup_secrets(tmp_path)
    out = tmp_path / "out-dist.txt"
    with HttpTarget() as target:
        target.fail_always(400, "bad request")
        c = cluster(2, topics=(f"{topic}:1",))
        cfgs = configs(ph, target.url(""), topic, out)
        for name, cfg in cfgs.items():
            r = c.create(name, cfg)
            assert_no_secret(r.text, f"201 of POST {name}")
        c.wait_running("sec-file")
        produce(c.bootstrap, topic, [f"rec-{i}" for i in range(5)])
        c.wait_for(lambda: out.exists() and
                   len(out.read_text().splitlines()) == 5, 60,
                   "records in the file")
        target.wait_for(lambda reqs: reqs, 30, "a request to the target")
        assert target.requests()[0].path == f"/hook/{ENV_TOKEN}"

        def http_failed():
            st = c.status("sec-http")
            return st["tasks"] and st["tasks"][0]["state"] == "FAILED" and st
        st = c.wait_for(http_failed, 60, "sec-http's task FAILED")
        assert "/hook/" + ph["env_token"] in st["tasks"][0]["trace"]

        for w in c.live:
            check_rest(w, cfgs)
        check_validate_errors(c.any(), ph, target.url(""), topic)

        # the config topic: connector and task configs hold placeholders
        recs = read_topic(c.bootstrap, c.config_topic)
        keys = {k.decode() for k, _ in recs}
        for name in cfgs:
            assert f"connector-{name}" in keys
            assert f"task-{name}-0" in keys, sorted(keys)
        for k, v in recs:
            assert_no_secret(v.decode("utf-8", "replace"),
                             f"config topic record {k!r}")
        task = [json.loads(v) for k, v in recs
                if k == b"task-sec-file-0" and v][-1]
        props = task.get("properties", task)
        assert props["my.extra.secret"] == ph["token"], props
        assert props["another.secret"] == \
            "before-" + ph["env_token"] + "-after"
        # and the status topic (traces)
        for k, v in read_topic(c.bootstrap, c.status_topic):
            assert_no_secret(v.decode("utf-8", "replace"),
                             f"status topic record {k!r}")
        c.stop_all()
    for w in c.workers:
        assert_no_secret(w.log(), f"the log of {w.worker_id}")


def test_provider_restrictions(mock_broker, worker, tmp_path):
    """allowed.paths (file, dir) and allowlist.pattern (env, a Java regex)
    as the worker sets them: what they allow resolves, the rest is a 400
    naming the reason, and no value read shows up in the answer."""
    mb = mock_broker("restr-in:1")
    allowed = tmp_path / "allowed"
    (allowed / "secrets").mkdir(parents=True)
    (allowed / "secrets" / "token").write_text(FILE_TOKEN + "\n")
    outside = write_properties(tmp_path / "outside.properties",
                               {"token": FILE_PW})
    w = worker.start({
        "bootstrap.servers": mb.bootstrap,
        "config.providers": "env,file,dir",
        "config.providers.env.class":
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "config.providers.env.param.allowlist.pattern": r"SL_SECRET_[A-Z]+\d*",
        "config.providers.file.class": "FileConfigProvider",
        "config.providers.file.param.allowed.paths": str(allowed),
        "config.providers.dir.class": "DirectoryConfigProvider",
        "config.providers.dir.param.allowed.paths": str(allowed),
    }, env=ENV)

    def create(name, **extra):
        cfg = {"connector.class": FILE_SINK, "topics": "restr-in",
               "file": str(tmp_path / f"{name}.txt")}
        cfg.update(extra)
        r = w.post("/connectors", json={"name": name, "config": cfg})
        assert_no_secret(r.text, f"POST {name}")
        return r

    r = create("ok", **{"my.token": f"${{dir:{allowed}/secrets:token}}",
                        "my.db": "${env:SL_SECRET_DB}"})
    assert r.status_code == 201, r.text
    r = create("env-refused", **{"my.token": "${env:SLUICE_LOG_LEVEL}"})
    assert r.status_code == 400
    assert "does not match allowlist.pattern" in r.json()["message"]
    r = create("file-refused", **{"my.token": f"${{file:{outside}:token}}"})
    assert r.status_code == 400
    assert "is outside the allowed paths" in r.json()["message"]
    r = create("dir-refused", **{"my.token": f"${{dir:{tmp_path}:outside.properties}}"})
    assert r.status_code == 400
    assert "is outside the allowed paths" in r.json()["message"]
    w.stop()
    assert_no_secret(w.log(), "the worker log")
