"""Restart semantics (KIP-745): which instances a restart touches."""

from conftest import file_source_config


def started_count(w, task):
    return w.log().count(f"sluice.worker.SourceTask: {task} started")


def test_connector_only_restart_keeps_tasks_running(mock_broker, worker,
                                                    tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    inp = tmp_path / "in.txt"
    inp.write_bytes(b"x\n")
    w.create("r1", file_source_config(inp, "r1"))
    w.wait_running("r1")
    w.wait_for(lambda: started_count(w, "r1-0") == 1, 10, "task started")
    assert w.post("/connectors/r1/restart").status_code == 204
    w.wait_for(lambda: "Connector r1 restarted (task configs unchanged)"
               in w.log(), 10, "restart logged")
    assert started_count(w, "r1-0") == 1, "the task was restarted"
    w.wait_running("r1")


def test_connector_only_restart_leaves_failed_task_failed(
        mock_broker, worker, tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    missing = tmp_path / "missing.txt"
    w.create("r2", file_source_config(missing, "r2", mode="bulk"))
    w.wait_state("r2", "RUNNING", "FAILED")
    missing.write_bytes(b"now here\n")
    assert w.post("/connectors/r2/restart").status_code == 204
    assert w.status("r2")["tasks"][0]["state"] == "FAILED"
    r = w.post("/connectors/r2/restart", params={"includeTasks": "true"})
    assert r.status_code == 202
    assert [t["state"] for t in r.json()["tasks"]] == ["RESTARTING"]
    assert r.json()["connector"]["state"] == "RESTARTING"
    w.wait_running("r2")


def test_changed_task_config_restarts_tasks(mock_broker, worker, tmp_path):
    w = worker.start({"bootstrap.servers": mock_broker.bootstrap})
    inp = tmp_path / "in.txt"
    inp.write_bytes(b"x\n")
    w.create("r3", file_source_config(inp, "r3"))
    w.wait_for(lambda: started_count(w, "r3-0") == 1, 10, "task started")
    r = w.patch("/connectors/r3/config", json={"batch.size": "10"})
    assert r.status_code == 200, r.text
    w.wait_for(lambda: started_count(w, "r3-0") == 2, 10, "task restarted")
    tasks = w.get("/connectors/r3/tasks").json()
    assert tasks[0]["config"]["batch.size"] == "10"
