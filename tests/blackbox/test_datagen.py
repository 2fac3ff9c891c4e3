"""The built-in DataGenSource (benchmark generator)."""

from conftest import consume_all


def test_datagen_produces_count_records_of_size(mock_broker, worker):
    mb = mock_broker("gen:1")
    w = worker.start({"bootstrap.servers": mb.bootstrap})
    w.create("gen", {"connector.class": "DataGenSource", "topic": "gen",
                     "count": "1000", "record.size": "40"})
    want = {"offsets": [{"partition": {"datagen": "gen-0"},
                         "offset": {"seq": 1000}}]}
    w.wait_for(lambda: w.get("/connectors/gen/offsets").json() == want, 30,
               "all 1000 records delivered")
    values = consume_all(mb.bootstrap, "gen", 1000)
    assert len(values) == 1000
    assert all(len(v) == 40 for v in values)
    # each record starts with its 16-hex-digit sequence number
    assert [int(v[:16], 16) for v in values] == list(range(1000))


def test_datagen_resumes_after_restart(mock_broker, worker, tmp_path):
    mb = mock_broker("gen2:1")
    conn = tmp_path / "gen.properties"
    conn.write_text("name=gen2\nconnector.class=DataGenSource\ntopic=gen2\n"
                    "count=500\nrecord.size=20\n")
    w = worker.start({"bootstrap.servers": mb.bootstrap}, [conn])
    w.wait_for(lambda: w.get("/connectors/gen2/offsets").json()["offsets"],
               30, "some records delivered")
    w2 = w.restart()
    want = {"offsets": [{"partition": {"datagen": "gen2-0"},
                         "offset": {"seq": 500}}]}
    w2.wait_for(lambda: w2.get("/connectors/gen2/offsets").json() == want,
                30, "all records delivered")
    seqs = sorted(int(v[:16], 16) for v in consume_all(mb.bootstrap, "gen2",
                                                        500))
    assert seqs == list(range(500)), "a sequence number is missing"
