"""FileStreamSource/FileStreamSink confined to the worker's
file.allowed.paths: a file inside works; a file outside, a ../ escape and
a symbolic link leading out are refused when the config is validated
(400 naming the key and the allowed paths) and, for a link that appears
after validation, when the task opens the file. stdin/stdout (no `file`)
are refused while the setting is in force."""

import os

from conftest import (FILE_SINK, FILE_SOURCE, consume_all, produce,
                      wait_until)

SECRET_LINE = b"the outside secret line"


def tree(tmp_path):
    allowed = tmp_path / "allowed"
    outside = tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET_LINE + b"\n")
    return allowed, outside


def src(path, topic, **kw):
    cfg = {"connector.class": FILE_SOURCE, "tasks.max": "1",
           "topic": topic}
    if path is not None:
        cfg["file"] = str(path)
    cfg.update(kw)
    return cfg


def sink(path, topics):
    cfg = {"connector.class": FILE_SINK, "tasks.max": "1", "topics": topics}
    if path is not None:
        cfg["file"] = str(path)
    return cfg


def assert_refused(w, name, cfg, allowed, what):
    """validate reports it under "file"; create and update answer 400."""
    plugin = cfg["connector.class"].rsplit(".", 1)[-1]
    r = w.put(f"/connector-plugins/{plugin}/config/validate", json=cfg)
    assert r.status_code == 200, r.text
    errs = {c["value"]["name"]: c["value"]["errors"]
            for c in r.json()["configs"]}
    msg = " ".join(errs["file"])
    assert "file.allowed.paths" in msg and str(allowed) in msg, msg
    assert what in msg, msg
    r = w.post("/connectors", json={"name": name, "config": cfg})
    assert r.status_code == 400, f"{name}: {r.status_code} {r.text}"
    m = r.json()["message"]
    assert "file.allowed.paths" in m and str(allowed) in m and what in m, m
    assert w.get(f"/connectors/{name}").status_code == 404


def test_file_connectors_confined(mock_broker, worker, tmp_path):
    allowed, outside = tree(tmp_path)
    mb = mock_broker("conf-in:1", "conf-esc:1", "conf-late:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "file.allowed.paths": f"{allowed}, /nonexistent-dir"})

    # inside: a pipeline through Kafka works as usual
    (allowed / "in.txt").write_bytes(b"a\nb\nc\n")
    w.create("in-src", src(allowed / "in.txt", "conf-in", mode="bulk"))
    w.create("in-sink", sink(allowed / "out.txt", "conf-in"))
    wait_until(lambda: (allowed / "out.txt").exists() and
               (allowed / "out.txt").read_bytes() == b"a\nb\nc\n", 30,
               "the file copied inside the allowed directory",
               on_fail=w.log_tail)

    # outside, ../, links to a directory and to a file outside
    secret = outside / "secret.txt"
    (allowed / "dirlink").symlink_to(outside)
    (allowed / "filelink").symlink_to(secret)
    cases = [
        ("abs", secret),
        ("dotdot", f"{allowed}/../outside/secret.txt"),
        ("dirlink", allowed / "dirlink" / "secret.txt"),
        ("filelink", allowed / "filelink"),
    ]
    for tag, path in cases:
        assert_refused(w, f"src-{tag}", src(path, "conf-esc"), allowed,
                       "is outside the allowed paths")
        assert_refused(w, f"sink-{tag}", sink(path, "conf-esc"), allowed,
                       "is outside the allowed paths")
    # a relative path resolves from the worker's directory, outside here
    assert_refused(w, "src-rel", src("secret.txt", "conf-esc"), allowed,
                   "is outside the allowed paths")
    # stdin / stdout: the worker's own streams
    assert_refused(w, "src-stdin", src(None, "conf-esc"), allowed,
                   "standard input")
    assert_refused(w, "sink-stdout", sink(None, "conf-esc"), allowed,
                   "standard output")
    # an update cannot move a running connector out either
    r = w.put("/connectors/in-sink/config",
              json=sink(outside / "moved.txt", "conf-in"))
    assert r.status_code == 400, r.text
    assert "file.allowed.paths" in r.json()["message"]

    # a link that appears after validation: the task refuses to open it
    # and nothing of the outside file reaches Kafka
    late = allowed / "later.txt"
    w.create("late-src", src(late, "conf-late"))
    w.wait_running("late-src")
    late.symlink_to(secret)
    st = w.wait_state("late-src", "RUNNING", "FAILED")
    trace = st["tasks"][0]["trace"]
    assert "file.allowed.paths" in trace, trace
    produce(mb.bootstrap, "conf-late", ["marker"])
    got = consume_all(mb.bootstrap, "conf-late", 1)
    assert got == [b"marker"], got

    # a sink created stopped, whose file becomes a link out before it
    # starts: refused again when it starts, the outside file untouched
    victim = outside / "victim.txt"
    victim.write_bytes(b"keep\n")
    r = w.post("/connectors", json={
        "name": "late-sink", "config": sink(allowed / "sink-late.txt",
                                            "conf-in"),
        "initial_state": "STOPPED"})
    assert r.status_code == 201, r.text
    (allowed / "sink-late.txt").symlink_to(victim)
    assert w.put("/connectors/late-sink/resume").status_code == 202

    def refused():
        st = w.status("late-sink")
        traces = [st["connector"].get("trace") or ""] + \
            [t.get("trace") or "" for t in st["tasks"]]
        return any("file.allowed.paths" in t for t in traces) and st
    w.wait_for(refused, 30, "late-sink refused")
    assert victim.read_bytes() == b"keep\n"
    assert os.path.islink(allowed / "sink-late.txt")
