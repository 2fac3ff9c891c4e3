#!/bin/sh
# sluice vs kcat on the same mock broker and files: builds a release
# (build-release/), then runs every scenario (see bench/README.md).
#
#   bench/run.sh            full run (~8 min on 2 cores, 3 runs per row)
#   bench/run.sh --quick    smoke run (< 2 min)
#
# Other options go to bench/lib/bench.py: --reps N, --brokers N,
# --only f2k,k2f,gen,rss,xform,s3, --work DIR. s3 (S3 sink and source
# against Swift on loopback, ~3 min full) runs only when named (--only s3).
# Environment: BENCH_WORK (work dir,
# default /tmp/sluice-bench), BENCH_BROKERS, BENCH_REPS, BENCH_ONLY,
# BENCH_PLUGIN_PATH (plugin.path for the workers).
#
# Results: a table on stdout, bench/results/latest.{csv,txt,png}, a dated
# copy of the CSV and latest-xform.csv (xform-bench's own rows).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=/usr/bin/python3

case "${1:-}" in
-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

for tool in meson ninja kcat; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "bench: $tool not found (run tools/install-deps.sh)" >&2; exit 1; }
done
[ -x "$PY" ] || { echo "bench: $PY not found" >&2; exit 1; }

if [ ! -f build-release/build.ninja ]; then
  meson setup build-release --buildtype=release >&2
fi
# bench/xform-bench (the in-process transform benchmark) is not built by
# default: name it.
ninja -C build-release sluice tools/mock-broker bench/xform-bench >&2

"$PY" bench/lib/bench.py --root "$ROOT" "$@"

RES=bench/results
if command -v gnuplot >/dev/null 2>&1; then
  # A series with no runs (e.g. no shard.count=1 rows) only draws a warning.
  if gnuplot -e "datafile='$RES/latest.dat'; outfile='$RES/latest.png'" \
       bench/plot.gp 2>"$RES/gnuplot.err"; then
    grep -v "no valid points" "$RES/gnuplot.err" >&2 || true
    echo "plot: $RES/latest.png" >&2
  else
    cat "$RES/gnuplot.err" >&2
    echo "bench: gnuplot failed; no plot" >&2
  fi
  rm -f "$RES/gnuplot.err"
else
  echo "bench: gnuplot not found (apt-get install gnuplot-nox); no plot" >&2
fi
echo "results: $RES/latest.csv, $RES/latest.txt" >&2
