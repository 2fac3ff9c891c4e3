"""What a sink task receives: topic, partition, offset, converted key and
value, and headers, checked through the external RecordSink plugin."""

from confluent_kafka import Producer

from conftest import PLUGIN_DIR, read_lines

JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"


def produce_with_headers(bootstrap, topic, records):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for key, value, headers in records:
        p.produce(topic, key=key, value=value, headers=headers)
    assert p.flush(30) == 0


def test_sink_receives_keys_values_headers_offsets(mock_broker, worker,
                                                   tmp_path):
    mb = mock_broker("recs:1")
    produce_with_headers(mb.bootstrap, "recs", [
        (b"k1", b"v1", [("trace", b"abc"), ("empty", None)]),
        (None, b"v2", []),
        (b"k3", None, [("n", b"1")]),
    ])
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "plugin.path": str(PLUGIN_DIR)})
    out = tmp_path / "records.txt"
    w.create("rec", {"connector.class": "RecordSink", "topics": "recs",
                     "file": str(out)})
    w.wait_for(lambda: len(read_lines(out)) >= 3, 60, "3 records written")
    assert read_lines(out) == [
        b"recs|0|0|key=k1|value=v1|h:trace=abc,empty=<null>",
        b"recs|0|1|key=null|value=v2|h:",
        b"recs|0|2|key=k3|value=null|h:n=1",
    ]


def test_sink_json_values_are_connect_data(mock_broker, worker, tmp_path):
    mb = mock_broker("jrecs:1")
    produce_with_headers(mb.bootstrap, "jrecs", [
        (None, b'{"schema":{"type":"struct","optional":false,"fields":['
               b'{"field":"id","type":"int32","optional":false},'
               b'{"field":"name","type":"string","optional":true}]},'
               b'"payload":{"id":7,"name":"ann"}}', []),
        (None, b'{"schema":{"type":"array","items":{"type":"double"}},'
               b'"payload":[1,2.5]}', []),
    ])
    w = worker.start({"bootstrap.servers": mb.bootstrap,
                      "plugin.path": str(PLUGIN_DIR)})
    out = tmp_path / "records.txt"
    w.create("jrec", {"connector.class": "com.example.RecordSinkConnector",
                      "topics": "jrecs", "file": str(out),
                      "value.converter": JSON_CONVERTER})
    w.wait_for(lambda: len(read_lines(out)) >= 2, 60, "2 records written")
    assert read_lines(out) == [
        b"jrecs|0|0|key=null|value=Struct{id=7,name=ann}|h:",
        b"jrecs|0|1|key=null|value=[1.0, 2.5]|h:",
    ]
