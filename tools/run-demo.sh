#!/bin/sh
# The main job on the embedded default: installs, builds, then runs a
# standalone worker with no bootstrap.servers (so it starts its own
# in-memory mock Kafka cluster) moving config/demo-input.txt through
# FileStreamSource -> Kafka -> FileStreamSink into /tmp/sluice-demo/.
# REST: http://localhost:8083 (dashboard: /ui, metrics: /metrics,
# build/tools/sluicectl list). Stop with Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
mkdir -p /tmp/sluice-demo
[ -f /tmp/sluice-demo/input.txt ] || seq 1 100000 | sed 's/^/demo line /' > /tmp/sluice-demo/input.txt
exec build/sluice standalone config/worker.properties \
  config/connect-file-source.properties config/connect-file-sink.properties
