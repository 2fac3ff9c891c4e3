"""Single message transforms on source connectors (Kafka Connect's SMT
config: transforms, transforms.<alias>.type/.predicate/.negate, predicates)."""

import json

from conftest import file_sink_config, file_source_config, read_with_headers, wait_until

JSON = "org.apache.kafka.connect.json.JsonConverter"


def read_topic(bootstrap, topic, n, timeout=30):
    """(value, headers) of at least n records from the beginning."""
    return [(v, h) for _, v, h in read_with_headers(bootstrap, topic, n, timeout)]


def test_chain_reshapes_routes_and_tags_records(worker, mock_broker, tmp_path):
    mb = mock_broker("clean:1", "raw:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    src = tmp_path / "in.txt"
    src.write_text("a\nb\nskip-me\nc\n")
    cfg = file_source_config(src, "raw", **{
        "value.converter": JSON, "value.converter.schemas.enable": "false",
        "transforms": "hoist,insert,route,hdr,drop",
        "transforms.hoist.type": "HoistField$Value",
        "transforms.hoist.field": "line",
        "transforms.insert.type":
            "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.insert.static.field": "src",
        "transforms.insert.static.value": "file",
        "transforms.route.type": "RegexRouter",
        "transforms.route.regex": "ra(w)",
        "transforms.route.replacement": "clean",
        "transforms.hdr.type": "InsertHeader",
        "transforms.hdr.header": "via",
        "transforms.hdr.value.literal": "sluice",
        # drops nothing: no record has the header it asks for
        "transforms.drop.type": "Filter",
        "transforms.drop.predicate": "marked",
        "predicates": "marked",
        "predicates.marked.type": "HasHeaderKey",
        "predicates.marked.name": "drop-me"})
    w.create("shape", cfg)
    recs = read_topic(mb.bootstrap, "clean", 4)
    values = [json.loads(v) for v, _ in recs]
    assert values == [{"line": x, "src": "file"}
                      for x in ("a", "b", "skip-me", "c")], values
    assert all(h.get("via") == "sluice" for _, h in recs), recs


def test_filter_with_negated_predicate_drops_and_commits(worker, mock_broker,
                                                          tmp_path):
    mb = mock_broker("kept:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    src = tmp_path / "in.txt"
    src.write_text("".join(f"line-{i}\n" for i in range(20)))
    cfg = file_source_config(src, "kept", **{
        "transforms": "only_kept",
        "transforms.only_kept.type": "Filter",
        "transforms.only_kept.predicate": "is_kept",
        "transforms.only_kept.negate": "true",
        "predicates": "is_kept",
        "predicates.is_kept.type": "TopicNameMatches",
        "predicates.is_kept.pattern": "kept"})
    w.create("keep", cfg)
    # everything goes to "kept", so the negated predicate never filters
    assert len(read_topic(mb.bootstrap, "kept", 20)) >= 20
    cfg["predicates.is_kept.pattern"] = "other"
    cfg["file"] = str(tmp_path / "in2.txt")
    (tmp_path / "in2.txt").write_text("x\ny\n")
    r = w.put("/connectors/keep/config", json=cfg)
    assert r.status_code == 200, r.text

    def offsets_at_end():
        offs = w.get("/connectors/keep/offsets").json()["offsets"]
        return any(o["partition"] == {"filename": str(tmp_path / "in2.txt")}
                   and o["offset"].get("position") == 4 for o in offs)
    # the filtered records are not produced, yet their offsets commit
    wait_until(offsets_at_end, 30, "offsets of the filtered file committed")
    assert len(read_topic(mb.bootstrap, "kept", 20)) == 20


def test_bad_transform_configs_are_400_under_their_keys(worker, mock_broker,
                                                        tmp_path):
    mb = mock_broker("t:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    base = file_source_config(tmp_path / "in.txt", "t")
    cases = [
        ({"transforms": "x", "transforms.x.type": "NoSuchTransform"},
         "Class NoSuchTransform could not be found"),
        ({"transforms": "x"},
         'Missing required configuration "transforms.x.type"'),
        ({"transforms": "x", "transforms.x.type": "RegexRouter",
          "transforms.x.regex": "a"},
         "transforms.x.replacement"),
        ({"transforms": "x", "transforms.x.type": "Filter",
          "transforms.x.predicate": "nope"},
         "Predicate nope is not in predicates"),
    ]
    for extra, needle in cases:
        r = w.post("/connectors", json={"name": "bad",
                                        "config": {**base, **extra}})
        assert r.status_code == 400, (extra, r.status_code, r.text)
        assert needle in r.json()["message"], (extra, r.text)
